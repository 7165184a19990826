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
		op := c.op("lookup")
		op = append(op, `,"min_score":`...)
		op = strconv.AppendFloat(op, min, 'f', -1, 64)
		ans, err := pdk.CacheCall(append(op, '}'))
		switch {
		case err == nil:
			if act, ok := c.hit(ans); ok {
				return act
			}
		case errors.Is(err, pdk.ErrNotFound):
		case errors.Is(err, pdk.ErrUnavailable):
			// The store or the embedder is down (the host counts it):
			// serve without the cache.
			_ = pdk.SetResponseHeader(StatusHeader, "bypass")
			return pdk.Continue
		default:
			pdk.Warnf("cache: lookup failed: %v", err)
			_ = pdk.SetResponseHeader(StatusHeader, "bypass")
			return pdk.Continue
		}
	}
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

// op starts a cache_call operation for this request (the caller closes
// it with '}'). Built by hand: encoding/json costs tens of µs in Wasm.
func (c *cache) op(name string) []byte {
	b := append(make([]byte, 0, 128), `{"op":"`...)
	b = append(b, name...)
	b = append(b, `","tenant":`...)
	b = pdk.AppendJSONString(b, c.tenant)
	b = append(b, `,"semantic":`...)
	return strconv.AppendBool(b, c.semantic)
}

// hit answers from a lookup's answer: a line of metadata, then the stored
// completion as it is.
func (c *cache) hit(ans []byte) (pdk.Action, bool) {
	meta, payload, ok := strings.Cut(string(ans), "\n")
	var m struct {
		Tier  string  `json:"tier"`
		Score float64 `json:"score"`
	}
	if !ok || payload == "" || json.Unmarshal([]byte(meta), &m) != nil {
		pdk.Warnf("cache: unreadable entry, treated as a miss")
		return pdk.Continue, false
	}
	_ = pdk.SetResponseHeader(StatusHeader, "hit")
	_ = pdk.SetResponseHeader(TierHeader, m.Tier)
	if m.Tier == "semantic" {
		_ = pdk.SetResponseHeader(SimilarityHeader, strconv.FormatFloat(m.Score, 'f', 4, 64))
	}
	return pdk.Respond(200, []byte(payload)), true
}

// put stores the answer: the response itself (fromResponse) or payload.
func (c *cache) put(fromResponse bool, payload []byte) {
	op := c.op("store")
	if c.ttl > 0 {
		op = append(op, `,"ttl_ms":`...)
		op = strconv.AppendInt(op, c.ttl*1000, 10)
	}
	if fromResponse {
		op = append(op, `,"from_response":true`...)
	} else {
		op = append(op, `,"payload":`...)
		op = append(op, payload...)
	}
	if _, err := pdk.CacheCall(append(op, '}')); err != nil && !errors.Is(err, pdk.ErrUnavailable) {
		pdk.Warnf("cache: store failed: %v", err)
	}
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
	c.put(true, nil)
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
		c.put(false, c.stream.completion())
		if c.stream.usage != nil {
			c.store = false
		}
	}
	return pdk.Continue
}

func init() { pdk.Register(&cache{}) }

func main() {}
