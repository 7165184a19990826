package main

import (
	"encoding/json"
	"errors"
	"path"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/wasmgate/wasmgate/pdk/go"
)

// patternsConfig is what a deny or allow rule matches.
type patternsConfig struct {
	Words         []string `json:"words"`
	Regex         []string `json:"regex"`
	Builtin       []string `json:"builtin"`
	CaseSensitive bool     `json:"case_sensitive"`
}

type ruleConfig struct {
	Name           string          `json:"name"`
	Action         string          `json:"action"`
	Deny           *patternsConfig `json:"deny"`
	Allow          *patternsConfig `json:"allow"`
	Injection      bool            `json:"injection"`
	MaxPromptBytes int             `json:"max_prompt_bytes"`
	MaxMessages    int             `json:"max_messages"`
	Models         []string        `json:"models"`
	JSONSchema     json.RawMessage `json:"json_schema"`
}

type check int

const (
	checkDeny check = iota
	checkAllow
	checkInjection
	checkSize
	checkModels
	checkSchema
)

type rule struct {
	ruleConfig
	check  check
	schema *jsonschema.Schema
}

// direction is the compiled rules of the input or the output: one matcher
// for all pattern rules, so that one host call checks them all.
type direction struct {
	rules  []rule
	m      pdk.Matcher
	ruleOf map[pdk.Kind]int // finding kind -> rule
	scans  bool             // some rule needs the matcher
	schema bool             // some rule validates JSON
}

func compileRules(dir string, cfgs []ruleConfig, names map[string]bool) (direction, error) {
	d := direction{ruleOf: map[pdk.Kind]int{}}
	var spec pdk.MatchSpec
	for i, c := range cfgs {
		where := "guardrails: config: " + dir + "[" + strconv.Itoa(i) + "]"
		if !validName(c.Name) {
			return d, errors.New(where + ": name must be letters, digits, '-', '_' or '.'")
		}
		if names[c.Name] {
			return d, errors.New(where + ": rule name " + strconv.Quote(c.Name) + " is used twice")
		}
		names[c.Name] = true
		where += " (" + c.Name + ")"
		if c.Action == "" {
			c.Action = actBlock
		}
		if c.Action != actBlock && c.Action != actWarn && c.Action != actRedact {
			return d, errors.New(where + ": action " + strconv.Quote(c.Action) + " is not one of block, warn, redact")
		}
		r := rule{ruleConfig: c}
		n := 0
		var pats *patternsConfig
		if c.Deny != nil {
			n, r.check, pats = n+1, checkDeny, c.Deny
		}
		if c.Allow != nil {
			n, r.check, pats = n+1, checkAllow, c.Allow
		}
		if c.Injection {
			n, r.check = n+1, checkInjection
		}
		if c.MaxPromptBytes != 0 || c.MaxMessages != 0 {
			n, r.check = n+1, checkSize
		}
		if len(c.Models) > 0 {
			n, r.check = n+1, checkModels
		}
		if len(c.JSONSchema) > 0 {
			n, r.check = n+1, checkSchema
		}
		if n != 1 {
			return d, errors.New(where + ": give exactly one check: deny, allow, injection, max_prompt_bytes/max_messages, models or json_schema")
		}
		input := dir == "input"
		switch {
		case !input && (r.check == checkInjection || r.check == checkSize || r.check == checkModels):
			return d, errors.New(where + ": injection, size and model checks are input rules")
		case input && r.check == checkSchema:
			return d, errors.New(where + ": json_schema is an output rule")
		case c.Action == actRedact && r.check != checkDeny && r.check != checkInjection:
			return d, errors.New(where + ": redact needs something to redact: use it with deny or injection")
		case c.MaxPromptBytes < 0 || c.MaxMessages < 0:
			return d, errors.New(where + ": limits must not be negative")
		}
		for _, m := range c.Models {
			if _, err := path.Match(m, ""); err != nil || m == "" {
				return d, errors.New(where + ": bad model pattern " + strconv.Quote(m))
			}
		}
		if r.check == checkSchema {
			s, err := compileSchema(c.JSONSchema)
			if err != nil {
				return d, errors.New(where + ": json_schema: " + err.Error())
			}
			r.schema, d.schema = s, true
		}
		ri := len(d.rules)
		add := func(p pdk.MatchPattern) {
			d.ruleOf[pdk.KindCustom+pdk.Kind(len(spec.Custom))] = ri
			spec.Custom = append(spec.Custom, p)
		}
		if pats != nil {
			if len(pats.Words)+len(pats.Regex)+len(pats.Builtin) == 0 {
				return d, errors.New(where + ": the list is empty: give words, regex or builtin")
			}
			if len(pats.Words) > 0 {
				add(pdk.MatchPattern{Words: pats.Words, CaseSensitive: pats.CaseSensitive})
			}
			for _, re := range pats.Regex {
				add(pdk.MatchPattern{Regex: re})
			}
			for _, b := range pats.Builtin {
				k, ok := pdk.ParseKind(b)
				if !ok {
					return d, errors.New(where + ": unknown builtin " + strconv.Quote(b) + " (known: " + strings.Join(pdk.BuiltinKinds(), ", ") + ")")
				}
				if _, taken := d.ruleOf[k]; taken {
					return d, errors.New(where + ": builtin " + b + " is already used by another rule")
				}
				d.ruleOf[k] = ri
				spec.Builtin = append(spec.Builtin, b)
			}
		}
		if r.check == checkInjection {
			add(pdk.MatchPattern{Words: injectionPhrases()})
			add(pdk.MatchPattern{Words: roleTags, CaseSensitive: true})
		}
		d.scans = d.scans || pats != nil || r.check == checkInjection
		d.rules = append(d.rules, r)
	}
	var err error
	if d.m, err = pdk.CompileMatcher(spec); err != nil {
		return d, errors.New("guardrails: config: " + dir + ": " + err.Error())
	}
	return d, nil
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// modelAllowed matches the model against the rule's patterns (path.Match
// syntax: *, ?, [...]; '*' does not cross '/').
func (r *rule) modelAllowed(model string) bool {
	for _, p := range r.Models {
		if ok, _ := path.Match(p, model); ok {
			return true
		}
	}
	return false
}

func compileSchema(raw json.RawMessage) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("rule.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("rule.json")
}

// validJSON reports whether text is JSON that the schema accepts.
func validJSON(s *jsonschema.Schema, text []byte) bool {
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(string(text)))
	if err != nil {
		return false
	}
	return s.Validate(v) == nil
}
