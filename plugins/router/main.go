// Command router decides where a chat request goes: it resolves model
// aliases and wildcards, picks the first rule whose conditions hold (model,
// headers, metadata, attributes such as a virtual key's, prompt size) and
// orders the rule's targets by weight, latency or cost, with the providers'
// live statistics moving the unavailable ones to the back. It hands the
// host the ordered list in the attribute wasmgate.targets; the host sends,
// retries and falls back (pdk/ABI.md, "Routing").
package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

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

	aliases []alias
	list    []byte // the targets attribute, reused
	order   []int
	stats   []pdk.ProviderStat
	scratch []byte
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
	requested := req.Model()
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
		if !r.allMatch(m.Headers, func(name string) ([]byte, bool) { return req.AppendHeader(r.scratch[:0], name) }) ||
			!r.allMatch(m.Metadata, func(name string) ([]byte, bool) { return req.AppendString(r.scratch[:0], "metadata."+name) }) ||
			!r.allMatch(m.Attributes, func(name string) ([]byte, bool) { return pdk.AppendAttr(r.scratch[:0], name) }) {
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

// allMatch checks each name's value against its glob; a missing value
// matches only "".
func (r *router) allMatch(want map[string]string, get func(string) ([]byte, bool)) bool {
	for name, pattern := range want {
		v, ok := get(name)
		if ok {
			r.scratch = v
		}
		if !ok && pattern != "" || ok && !pdk.Match(pattern, string(v)) {
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
	switch ru.Strategy {
	case Weighted:
		if n > 1 {
			x := rand.IntN(ru.weights)
			for i, t := range ru.Targets {
				if x -= t.Weight; x < 0 {
					r.order[0], r.order[i] = i, 0
					sort.Ints(r.order[1:]) // the rest in their listed order
					break
				}
			}
		}
	case LeastLatency:
		r.loadStats()
		sort.SliceStable(r.order, func(a, b int) bool {
			return r.latency(ru.Targets[r.order[a]]) < r.latency(ru.Targets[r.order[b]])
		})
	case LowestCost:
		sort.SliceStable(r.order, func(a, b int) bool { return ru.Targets[r.order[a]].Cost < ru.Targets[r.order[b]].Cost })
	}
	if ru.Strategy != LeastLatency {
		r.loadStats()
	}
	// Targets the host reports as unavailable go last, keeping their order:
	// the host skips them anyway while another is left, and this way a
	// fallback list stays useful.
	if len(r.stats) > 0 {
		sort.SliceStable(r.order, func(a, b int) bool {
			return r.available(ru.Targets[r.order[a]]) && !r.available(ru.Targets[r.order[b]])
		})
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

func appendTarget(dst []byte, t *target, model string) []byte {
	m := t.Model
	if m == "" {
		m = model
	}
	return pdk.AppendTarget(dst, pdk.Target{Provider: t.Provider, Model: m, Key: t.Key})
}

// loadStats reads the host's provider statistics once per request.
func (r *router) loadStats() {
	r.stats, _ = pdk.ProviderStats(r.stats[:0])
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

// available reports whether any key of the target is in rotation. Without
// statistics for it, it is.
func (r *router) available(t *target) bool {
	seen := false
	for i := range r.stats {
		s := &r.stats[i]
		if s.Provider != t.Provider || t.Key != "" && s.Key != t.Key {
			continue
		}
		if s.Available() {
			return true
		}
		seen = true
	}
	return !seen
}

func init() { pdk.Register(&router{}) }

func main() {}
