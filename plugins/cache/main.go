// Command cache answers repeated and rephrased questions from the gateway's
// cache. Its request hook looks the request up (exact key, then the nearest
// stored conversation above a cosine threshold) and answers a hit at once;
// on a miss, its response hook stores the provider's answer, and its chunk
// hook assembles a streamed answer and stores it when it is complete.
//
// The gateway's cache service (capability "cache") derives every key and
// partition from the request, so a hit never crosses tenants, models,
// parameters or system prompts; this plugin decides when to look up and
// when to store, and tells the client what happened.
package main

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/wasmgate/wasmgate/pdk/go"
)

// Response headers.
const (
	StatusHeader     = "x-wasmgate-cache"            // hit, miss, bypass
	TierHeader       = "x-wasmgate-cache-tier"       // exact, semantic
	SimilarityHeader = "x-wasmgate-cache-similarity" // cosine of a semantic hit
)

// Request headers a client may send.
const (
	ControlHeader   = "x-wasmgate-cache"           // no-store, no-cache, refresh, off
	TTLHeader       = "x-wasmgate-cache-ttl"       // seconds
	ThresholdHeader = "x-wasmgate-cache-threshold" // 0..1
)

type cache struct {
	Semantic     *bool   `json:"semantic"`
	MinScore     float64 `json:"min_score"`
	TTLSeconds   int64   `json:"ttl_seconds"`
	TenantHeader string  `json:"tenant_header"`
	TenantAttr   string  `json:"tenant_attr"`

	semantic bool

	// Per request (one instance serves one request's phases).
	store  bool
	tenant string
	ttl    int64
	stream streamed
}

func (c *cache) Init(cfg pdk.Config) error {
	if err := cfg.UnmarshalStrict(c); err != nil {
		return errors.New("cache: config: " + err.Error())
	}
	c.semantic = c.Semantic == nil || *c.Semantic
	if c.MinScore == 0 {
		c.MinScore = 0.92
	}
	if c.MinScore < 0 || c.MinScore > 1 {
		return errors.New("cache: config: min_score must be between 0 and 1")
	}
	if c.TTLSeconds < 0 {
		return errors.New("cache: config: ttl_seconds must not be negative")
	}
	if c.TenantHeader == "" {
		c.TenantHeader = "x-wasmgate-tenant"
	}
	if c.TenantAttr == "" {
		c.TenantAttr = "tenant"
	}
	return nil
}

// controls reads the client's cache headers (and Cache-Control).
func controls(req *pdk.Request) (lookup, store, off bool) {
	lookup, store = true, true
	v, _ := req.Header(ControlHeader)
	cc, _ := req.Header("cache-control")
	for _, d := range strings.Split(strings.ToLower(v+","+cc), ",") {
		switch strings.TrimSpace(d) {
		case "off":
			off = true
		case "no-store":
			store = false
		case "no-cache", "refresh":
			lookup = false
		}
	}
	return lookup, store, off
}

func (c *cache) OnRequest(req *pdk.Request) pdk.Action {
	c.store, c.stream = false, streamed{}
	lookup, store, off := controls(req)
	if off {
		// The client's choice, not an outage: no event, as cheap as it gets.
		_ = pdk.SetResponseHeader(StatusHeader, "bypass")
		return pdk.Continue
	}
	c.tenant = c.tenantOf(req)
	c.ttl = c.TTLSeconds
	if v, ok := req.Header(TTLHeader); ok {
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n > 0 {
			c.ttl = n
		}
	}
	min := c.MinScore
	if v, ok := req.Header(ThresholdHeader); ok {
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f > 0 && f <= 1 {
			min = f
		}
	}
	if lookup {
		op, _ := json.Marshal(map[string]any{"op": "lookup", "tenant": c.tenant, "semantic": c.semantic, "min_score": min})
		ans, err := pdk.CacheCall(op)
		switch {
		case err == nil:
			if act, ok := c.hit(ans); ok {
				return act
			}
		case errors.Is(err, pdk.ErrNotFound):
		case errors.Is(err, pdk.ErrUnavailable):
			// The store or the embedder is down: serve without the cache.
			c.event("bypass", nil)
			_ = pdk.SetResponseHeader(StatusHeader, "bypass")
			return pdk.Continue
		default:
			pdk.Warnf("cache: lookup failed: %v", err)
			_ = pdk.SetResponseHeader(StatusHeader, "bypass")
			return pdk.Continue
		}
	}
	c.event("miss", nil)
	_ = pdk.SetResponseHeader(StatusHeader, "miss")
	c.store = store
	return pdk.Continue
}

func (c *cache) tenantOf(req *pdk.Request) string {
	if v, ok := pdk.Attr(c.TenantAttr); ok && v != "" {
		return "attr:" + v
	}
	if v, ok := req.Header(c.TenantHeader); ok && v != "" {
		return "header:" + v
	}
	return ""
}

// hit answers from a lookup's answer.
func (c *cache) hit(ans []byte) (pdk.Action, bool) {
	var a struct {
		Tier    string          `json:"tier"`
		Score   float64         `json:"score"`
		Payload json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(ans, &a); err != nil || len(a.Payload) == 0 {
		pdk.Warnf("cache: unreadable entry, treated as a miss")
		return pdk.Continue, false
	}
	_ = pdk.SetResponseHeader(StatusHeader, "hit")
	_ = pdk.SetResponseHeader(TierHeader, a.Tier)
	if a.Tier == "semantic" {
		_ = pdk.SetResponseHeader(SimilarityHeader, strconv.FormatFloat(a.Score, 'f', 4, 64))
	}
	c.event("hit_"+a.Tier, a.Payload)
	return pdk.Respond(200, a.Payload), true
}

// event reports an outcome; a completion's usage counts as tokens saved.
func (c *cache) event(name string, completion []byte) {
	ev := map[string]any{"op": "event", "event": name}
	if completion != nil {
		var u struct {
			Usage struct {
				Prompt     int64 `json:"prompt_tokens"`
				Completion int64 `json:"completion_tokens"`
			} `json:"usage"`
		}
		if json.Unmarshal(completion, &u) == nil {
			ev["prompt_tokens"], ev["completion_tokens"] = u.Usage.Prompt, u.Usage.Completion
		}
	}
	op, _ := json.Marshal(ev)
	_, _ = pdk.CacheCall(op)
}

func (c *cache) put(op map[string]any) {
	op["op"], op["tenant"], op["semantic"] = "store", c.tenant, c.semantic
	if c.ttl > 0 {
		op["ttl_ms"] = c.ttl * 1000
	}
	b, _ := json.Marshal(op)
	if _, err := pdk.CacheCall(b); err != nil {
		if !errors.Is(err, pdk.ErrUnavailable) {
			pdk.Warnf("cache: store failed: %v", err)
		}
		return
	}
	c.event("store", nil)
}

// OnResponse stores a successful, complete answer.
func (c *cache) OnResponse(resp *pdk.Response) pdk.Action {
	if !c.store {
		return pdk.Continue
	}
	c.store = false
	if st := resp.Status(); st != 0 && st != 200 {
		return pdk.Continue // errors are never cached
	}
	if f, _ := resp.GetString("choices.0.finish_reason"); f == "" {
		return pdk.Continue // no choices or an unfinished answer
	}
	c.put(map[string]any{"from_response": true})
	return pdk.Continue
}

// OnChunk assembles a streamed answer and stores it once complete.
func (c *cache) OnChunk(ch *pdk.Chunk) pdk.Action {
	if !c.store {
		return pdk.Continue
	}
	done, ok := c.stream.add(ch)
	if !ok {
		c.store = false // something this plugin cannot replay (n > 1, say)
		return pdk.Continue
	}
	if done {
		c.put(map[string]any{"payload": json.RawMessage(c.stream.completion())})
		if c.stream.usage != nil {
			c.store = false
		}
	}
	return pdk.Continue
}

func init() { pdk.Register(&cache{}) }

func main() {}
