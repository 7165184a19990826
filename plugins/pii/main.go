// Command pii keeps personal data and secrets from reaching a provider. It
// finds them in every text field of a request (message contents, text parts,
// tool-call arguments) with the host's native detectors and, per type, masks
// them with a typed numbered placeholder ([EMAIL_1]), replaces them with a
// keyed hash, or blocks the request. In reversible mode the placeholders the
// model writes back are restored in the response, streamed or not.
package main

import (
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/wasmgate/wasmgate/pdk/go"
)

// FoundAttr lists what the request hook replaced, "email=2,phone=1", for
// later plugins and the logs; never the values.
const FoundAttr = "pii.found"

// Actions per entity type.
const (
	actMask  = "mask"
	actHash  = "hash"
	actBlock = "block"
	actOff   = "off"
)

type customConfig struct {
	Name          string   `json:"name"`
	Regex         string   `json:"regex"`
	Words         []string `json:"words"`
	CaseSensitive bool     `json:"case_sensitive"`
	Action        string   `json:"action"`
}

type config struct {
	Entities   map[string]string `json:"entities"`
	Custom     []customConfig    `json:"custom"`
	Reversible bool              `json:"reversible"`
	HashKey    string            `json:"hash_key"`
}

// entity is what the plugin does with one kind of finding.
type entity struct {
	label  string // placeholder label: EMAIL, API_KEY, EMPLOYEE_ID
	name   string // in the pii.found attribute: email, api_key, employee_id
	action string
	found  int // per request
}

type plugin struct {
	cfg      config
	m        pdk.Matcher // the configured types
	ph       pdk.Matcher // the placeholders this plugin writes
	entities map[pdk.Kind]*entity
	byName   []*entity // sorted by name, for pii.found
	maxPH    int       // longest placeholder, for the stream hold-back

	// Per-request state, reset by the request hook: the placeholders issued
	// and their values (pointing into the PDK's buffer of the last Redact,
	// which only the request hook calls), the same as a map once a response
	// needs it, and the text held back per stream field.
	pairs   []pdk.Pair
	orig    map[string]string
	pending map[string]string
	out     []byte
	attr    []byte
}

func (p *plugin) Init(cfg pdk.Config) error {
	p.cfg = config{}
	if err := cfg.UnmarshalStrict(&p.cfg); err != nil {
		return errors.New("pii: config: " + err.Error())
	}
	p.entities = map[pdk.Kind]*entity{}
	// The host applies the actions (match_redact): one call finds, replaces
	// and writes back every field.
	red := &pdk.RedactSpec{HashKey: p.cfg.HashKey}
	spec := pdk.MatchSpec{Redact: red}
	for _, name := range pdk.BuiltinKinds() {
		act := actMask
		if a, ok := p.cfg.Entities[name]; ok {
			act = a
		}
		if err := checkAction(name, act); err != nil {
			return err
		}
		if act == actOff {
			continue
		}
		k, _ := pdk.ParseKind(name)
		spec.Builtin = append(spec.Builtin, name)
		p.entities[k] = &entity{label: strings.ToUpper(name), name: name, action: act}
		red.Rules = append(red.Rules, pdk.RedactRule{Kind: name, Action: act, Label: strings.ToUpper(name)})
	}
	for name := range p.cfg.Entities {
		if _, ok := pdk.ParseKind(name); !ok {
			return errors.New("pii: config: entities: unknown type " + strconv.Quote(name) + " (known: " + strings.Join(pdk.BuiltinKinds(), ", ") + ")")
		}
	}
	for i, c := range p.cfg.Custom {
		if !validLabel(c.Name) {
			return errors.New("pii: config: custom[" + strconv.Itoa(i) + "].name must be letters, digits and _ (it names the placeholder)")
		}
		act := c.Action
		if act == "" {
			act = actMask
		}
		if err := checkAction("custom["+strconv.Itoa(i)+"]", act); err != nil {
			return err
		}
		k := pdk.KindCustom + pdk.Kind(len(spec.Custom))
		p.entities[k] = &entity{label: strings.ToUpper(c.Name), name: strings.ToLower(c.Name), action: act}
		red.Rules = append(red.Rules, pdk.RedactRule{Kind: k.String(), Action: act, Label: strings.ToUpper(c.Name)})
		spec.Custom = append(spec.Custom, pdk.MatchPattern{Regex: c.Regex, Words: c.Words, CaseSensitive: c.CaseSensitive})
	}
	if p.cfg.HashKey == "" {
		for _, e := range p.entities {
			if e.action == actHash {
				return errors.New("pii: config: hash_key is required when an entity type uses \"hash\"")
			}
		}
	}
	var err error
	if p.m, err = pdk.CompileMatcher(spec); err != nil {
		return errors.New("pii: config: " + err.Error())
	}
	p.maxPH = 0
	p.byName = p.byName[:0]
	labels := make([]string, 0, len(p.entities))
	for _, e := range p.entities {
		p.byName = append(p.byName, e)
		p.maxPH = max(p.maxPH, len(e.label)+8) // "[" label "_" up to 6 digits "]"
		labels = append(labels, e.label)
	}
	sort.Slice(p.byName, func(i, j int) bool { return p.byName[i].name < p.byName[j].name })
	if !p.cfg.Reversible || len(labels) == 0 {
		return nil
	}
	sort.Strings(labels)
	re := `\[(?:` + strings.Join(labels, "|") + `)_[0-9]+\]`
	if p.ph, err = pdk.CompileMatcher(pdk.MatchSpec{Custom: []pdk.MatchPattern{{Regex: re, CaseSensitive: true}}}); err != nil {
		return errors.New("pii: placeholders: " + err.Error())
	}
	return nil
}

func checkAction(name, act string) error {
	switch act {
	case actMask, actHash, actBlock, actOff:
		return nil
	}
	return errors.New("pii: config: " + name + ": action " + strconv.Quote(act) + " is not one of mask, hash, block, off")
}

func validLabel(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func (p *plugin) reset() {
	p.pairs = nil
	clear(p.orig)
	clear(p.pending)
	for _, e := range p.byName {
		e.found = 0
	}
	if p.orig == nil {
		p.orig, p.pending = map[string]string{}, map[string]string{}
	}
}

func (p *plugin) OnRequest(req *pdk.Request) pdk.Action {
	p.reset()
	r, err := req.Redact("", p.m)
	if err != nil {
		return pdk.Error(500, "plugin_error", "pii: redact: "+err.Error())
	}
	// A blocked type stops the request before anything is written.
	if r.Blocked != 0 {
		label := r.Blocked.String()
		if e := p.entities[r.Blocked]; e != nil {
			label = e.label
		}
		return pdk.Error(400, "invalid_request_error", "request blocked by the pii policy: it contains data of type "+label)
	}
	if len(r.Counts) == 0 {
		return pdk.Continue
	}
	for _, c := range r.Counts {
		if e := p.entities[c.Kind]; e != nil {
			e.found += c.Count
		}
	}
	p.pairs = r.Pairs
	if err := pdk.SetAttr(FoundAttr, p.foundAttr()); err != nil {
		return pdk.Error(500, "plugin_error", "pii: "+err.Error())
	}
	return pdk.Continue
}

// original returns the value of a placeholder this request issued. The map
// is built on the first look-up, so a request whose answer has no
// placeholders never builds it.
func (p *plugin) original(ph []byte) (string, bool) {
	if len(p.orig) == 0 {
		for _, pr := range p.pairs {
			p.orig[string(pr.Placeholder)] = string(pr.Value)
		}
	}
	v, ok := p.orig[string(ph)]
	return v, ok
}

// foundAttr is "email=2,phone=1": the counts, never the values.
func (p *plugin) foundAttr() string {
	b := p.attr[:0]
	for _, e := range p.byName {
		if e.found == 0 {
			continue
		}
		if len(b) > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(append(append(b, e.name...), '='), int64(e.found), 10)
	}
	p.attr = b
	return string(b)
}

func init() { pdk.Register(&plugin{}) }

func main() {}
