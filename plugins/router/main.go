// Command router decides where a chat request goes: it resolves model
// aliases and wildcards, picks the first rule whose conditions hold (model,
// headers, metadata, attributes such as a virtual key's, prompt size) and
// orders the rule's targets by weight, latency or cost, with the providers'
// live statistics moving the unavailable ones to the back. It hands the
// host the ordered list in the attribute wasmgate.targets; the host sends,
// retries and falls back (pdk/ABI.md, "Routing").
package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
	"unsafe"

	"github.com/wasmgate/wasmgate/pdk/go"
)

// Strategies.
const (
	Weighted     = "weighted"      // one target drawn by weight first, the others after it in order
	Ordered      = "ordered"       // the targets as listed
	LeastLatency = "least_latency" // lowest mean latency first
	LowestCost   = "lowest_cost"   // lowest cost first
)

type router struct {
	Aliases map[string]string `json:"aliases"`
	Rules   []*rule           `json:"rules"`

	aliases  []alias
	list     []byte // the targets attribute, reused
	order    []int
	keys     []float64 // sort keys of order
	stats    []pdk.ProviderStat
	rawStats []byte // the statistics text last parsed
	model    []byte
	scratch  []byte
	rng      uint64 // xorshift state: load balancing needs no better randomness
}

// next is a xorshift64* step: far cheaper in Wasm than math/rand.
func (r *router) next() uint64 {
	r.rng ^= r.rng >> 12
	r.rng ^= r.rng << 25
	r.rng ^= r.rng >> 27
	return r.rng * 2685821657736338717
}

type alias struct{ pattern, model string }

type rule struct {
	Name       string    `json:"name"`
	Match      match     `json:"match"`
	Strategy   string    `json:"strategy"`
	Targets    []*target `json:"targets"`
	Fallbacks  []*target `json:"fallbacks"`
	FallbackOn []string  `json:"fallback_on"`
	fallbackOn string    // joined
	weights    int       // sum of the targets' weights
}

type match struct {
	Models          []string          `json:"models"`           // after aliases; globs
	RequestedModels []string          `json:"requested_models"` // as the client sent it; globs
	Headers         map[string]string `json:"headers"`          // client header: glob
	Metadata        map[string]string `json:"metadata"`         // request "metadata" field: glob
	Attributes      map[string]string `json:"attributes"`       // request attribute (e.g. a virtual key's): glob
	MinPromptBytes  int               `json:"min_prompt_bytes"`
	MaxPromptBytes  int               `json:"max_prompt_bytes"`

	conds []cond // the three maps as one list: no map walk per request
}

type cond struct {
	from          int // fromHeader, fromMetadata or fromAttr
	name, pattern string
}

type target struct {
	Provider string  `json:"provider"`
	Model    string  `json:"model"` // "" sends the (alias-resolved) requested model
	Key      string  `json:"key"`
	Weight   int     `json:"weight"`
	Cost     float64 `json:"cost"` // any unit, e.g. USD per million tokens
}

func (r *router) Init(cfg pdk.Config) error {
	if err := cfg.UnmarshalStrict(r); err != nil {
		return errors.New("router: config: " + err.Error())
	}
	if len(r.Rules) == 0 {
		return errors.New("router: config: at least one rule is needed")
	}
	r.rng = rand.Uint64() | 1 // each instance its own sequence
	for pattern, model := range r.Aliases {
		if pattern == "" || model == "" || strings.Contains(model, "*") {
			return fmt.Errorf("router: config: aliases: %q: %q: a pattern and a model without * are needed", pattern, model)
		}
		r.aliases = append(r.aliases, alias{pattern, model})
	}
	// Exact names before patterns, longer patterns before shorter: the most
	// specific alias wins, whatever the map's order.
	sort.Slice(r.aliases, func(i, j int) bool {
		a, b := r.aliases[i], r.aliases[j]
		if sa, sb := strings.Contains(a.pattern, "*"), strings.Contains(b.pattern, "*"); sa != sb {
			return !sa
		}
		if len(a.pattern) != len(b.pattern) {
			return len(a.pattern) > len(b.pattern)
		}
		return a.pattern < b.pattern
	})
	for i, ru := range r.Rules {
		where := fmt.Sprintf("router: config: rules[%d]", i)
		switch ru.Strategy {
		case "":
			ru.Strategy = Weighted
		case Weighted, Ordered, LeastLatency, LowestCost:
		default:
			return fmt.Errorf("%s: strategy %q: use weighted, ordered, least_latency or lowest_cost", where, ru.Strategy)
		}
		if len(ru.Targets) == 0 {
			return fmt.Errorf("%s: at least one target is needed", where)
		}
		for _, t := range append(append([]*target(nil), ru.Targets...), ru.Fallbacks...) {
			if t.Provider == "" || strings.ContainsAny(t.Provider, ",#/ ") || strings.ContainsAny(t.Model, ",#") || strings.ContainsAny(t.Key, ",#/ ") {
				return fmt.Errorf("%s: target %+v: a provider name is needed; names may not contain , or #", where, *t)
			}
			if t.Weight < 0 || t.Cost < 0 {
				return fmt.Errorf("%s: target %+v: weight and cost must not be negative", where, *t)
			}
			if t.Weight == 0 {
				t.Weight = 1
			}
		}
		for _, t := range ru.Targets {
			ru.weights += t.Weight
		}
		for _, f := range ru.FallbackOn {
			if !validTrigger(f) {
				return fmt.Errorf("%s: fallback_on %q: use a status 400-599, 4xx, 5xx, timeout or connect", where, f)
			}
		}
		ru.fallbackOn = strings.Join(ru.FallbackOn, ",")
		for from, m := range []map[string]string{fromHeader: ru.Match.Headers, fromMetadata: ru.Match.Metadata, fromAttr: ru.Match.Attributes} {
			for name, pattern := range m {
				if from == fromMetadata {
					name = "metadata." + name
				}
				ru.Match.conds = append(ru.Match.conds, cond{from, name, pattern})
			}
		}
		if ru.Match.MinPromptBytes < 0 || ru.Match.MaxPromptBytes < 0 {
			return fmt.Errorf("%s: prompt sizes must not be negative", where)
		}
	}
	return nil
}

func validTrigger(s string) bool {
	switch s {
	case "timeout", "connect", "4xx", "5xx":
		return true
	}
	if len(s) != 3 || s[0] < '4' || s[0] > '5' {
		return false
	}
	return s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9'
}

func (r *router) OnRequest(req *pdk.Request) pdk.Action {
	// Read into a reused buffer: in Wasm an allocation costs more than a
	// host call. requested is only used during this hook.
	r.model, _ = req.AppendString(r.model[:0], "model")
	requested := unsafe.String(unsafe.SliceData(r.model), len(r.model))
	model := r.resolve(requested)
	ru := r.rule(req, requested, model)
	if ru == nil {
		return pdk.Continue // no rule: the host's default (the model's provider)
	}
	if model != requested {
		if err := req.SetModel(model); err != nil {
			return pdk.Error(500, "plugin_error", "router: "+err.Error())
		}
	}
	r.list = r.targets(ru, model, r.list[:0])
	if err := pdk.SetTargets(r.list); err != nil {
		return pdk.Error(500, "plugin_error", "router: "+err.Error())
	}
	if ru.fallbackOn != "" {
		if err := pdk.SetAttr(pdk.AttrFallbackOn, ru.fallbackOn); err != nil {
			return pdk.Error(500, "plugin_error", "router: "+err.Error())
		}
	}
	if ru.Name != "" {
		_ = pdk.SetAttr("router.rule", ru.Name)
	}
	return pdk.Continue
}

// resolve maps an alias to its model.
func (r *router) resolve(model string) string {
	for _, a := range r.aliases {
		if pdk.Match(a.pattern, model) {
			return a.model
		}
	}
	return model
}

// rule is the first rule whose conditions all hold.
func (r *router) rule(req *pdk.Request, requested, model string) *rule {
	var promptBytes = -1
	for _, ru := range r.Rules {
		m := &ru.Match
		if len(m.Models) > 0 && !anyMatch(m.Models, model) {
			continue
		}
		if len(m.RequestedModels) > 0 && !anyMatch(m.RequestedModels, requested) {
			continue
		}
		if m.MinPromptBytes > 0 || m.MaxPromptBytes > 0 {
			if promptBytes < 0 {
				// The raw messages JSON: one host call, no copy into the guest.
				promptBytes, _ = req.Size("messages")
			}
			if m.MinPromptBytes > 0 && promptBytes < m.MinPromptBytes || m.MaxPromptBytes > 0 && promptBytes > m.MaxPromptBytes {
				continue
			}
		}
		if !r.allMatch(req, m.conds) {
			continue
		}
		return ru
	}
	return nil
}

func anyMatch(patterns []string, s string) bool {
	for _, p := range patterns {
		if pdk.Match(p, s) {
			return true
		}
	}
	return false
}

// Where a condition's value comes from.
const (
	fromHeader = iota
	fromMetadata
	fromAttr
)

// allMatch checks each condition's value against its glob; a missing value
// matches only "".
func (r *router) allMatch(req *pdk.Request, conds []cond) bool {
	for _, c := range conds {
		var v []byte
		var ok bool
		switch c.from {
		case fromHeader:
			v, ok = req.AppendHeader(r.scratch[:0], c.name)
		case fromMetadata:
			v, ok = req.AppendString(r.scratch[:0], c.name)
		default:
			v, ok = pdk.AppendAttr(r.scratch[:0], c.name)
		}
		if ok {
			r.scratch = v
		}
		if !ok && c.pattern != "" || ok && !pdk.Match(c.pattern, unsafe.String(unsafe.SliceData(v), len(v))) {
			return false
		}
	}
	return true
}

// targets appends the rule's targets in the order to try.
func (r *router) targets(ru *rule, model string, dst []byte) []byte {
	n := len(ru.Targets)
	r.order = r.order[:0]
	for i := range n {
		r.order = append(r.order, i)
	}
	if n > 1 {
		switch ru.Strategy {
		case Weighted:
			x := int(r.next() % uint64(ru.weights))
			for i, t := range ru.Targets {
				if x -= t.Weight; x < 0 {
					copy(r.order[1:i+1], r.order[:i]) // the rest keep their listed order
					r.order[0] = i
					break
				}
			}
		case LeastLatency:
			// An unavailable target counts as an hour slow: last. Other
			// strategies need no statistics: the host itself skips targets
			// out of rotation or behind an open breaker while another is left.
			r.loadStats()
			r.sortBy(ru, func(t *target) float64 { return float64(r.latency(t)) })
		case LowestCost:
			r.sortBy(ru, func(t *target) float64 { return t.Cost })
		}
	}
	for i, k := range r.order {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendTarget(dst, ru.Targets[k], model)
	}
	for _, t := range ru.Fallbacks {
		dst = append(dst, ',')
		dst = appendTarget(dst, t, model)
	}
	return dst
}

// sortBy orders r.order by key, stably: an insertion sort, as a rule has a
// handful of targets and the sort package costs more than that in Wasm.
func (r *router) sortBy(ru *rule, key func(*target) float64) {
	r.keys = r.keys[:0]
	for _, k := range r.order {
		r.keys = append(r.keys, key(ru.Targets[k]))
	}
	for i := 1; i < len(r.order); i++ {
		for j := i; j > 0 && r.keys[j] < r.keys[j-1]; j-- {
			r.keys[j], r.keys[j-1] = r.keys[j-1], r.keys[j]
			r.order[j], r.order[j-1] = r.order[j-1], r.order[j]
		}
	}
}

func appendTarget(dst []byte, t *target, model string) []byte {
	m := t.Model
	if m == "" {
		m = model
	}
	return pdk.AppendTarget(dst, pdk.Target{Provider: t.Provider, Model: m, Key: t.Key})
}

// loadStats reads the host's provider statistics; the text changes at most
// every 50 ms, so it is parsed again only when it differs.
func (r *router) loadStats() {
	raw, err := pdk.AppendProviderStats(r.scratch[:0])
	if err != nil {
		r.stats = r.stats[:0]
		return
	}
	r.scratch = raw
	if bytes.Equal(raw, r.rawStats) {
		return
	}
	r.rawStats = append(r.rawStats[:0], raw...)
	r.stats = pdk.ParseProviderStats(r.stats[:0], string(raw))
}

// latency of a target: its key's, or the best of its provider's keys. A
// provider without data counts as fast, so that it gets traffic and data.
func (r *router) latency(t *target) time.Duration {
	best := time.Duration(-1)
	for i := range r.stats {
		s := &r.stats[i]
		if s.Provider != t.Provider || t.Key != "" && s.Key != t.Key {
			continue
		}
		l := s.Latency
		if !s.Available() {
			l = time.Hour
		}
		if best < 0 || l < best {
			best = l
		}
	}
	return max(best, 0)
}

func init() { pdk.Register(&router{}) }

func main() {}
