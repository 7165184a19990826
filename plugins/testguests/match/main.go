// Command match is a test guest of the matching helpers: it compiles the
// spec of its config in Init and, in the request hook, scans the request (or
// the config's text) and reports the findings in the attribute "match".
package main

import (
	"strings"

	"github.com/wasmgate/wasmgate/pdk/go"
)

type match struct {
	Spec pdk.MatchSpec `json:"spec"`
	Path string        `json:"path"`
	All  bool          `json:"all"`
	Text string        `json:"text"`
	m    pdk.Matcher
}

func (p *match) Init(cfg pdk.Config) error {
	if err := cfg.UnmarshalStrict(p); err != nil {
		return err
	}
	var err error
	p.m, err = pdk.CompileMatcher(p.Spec)
	return err
}

func (p *match) OnRequest(req *pdk.Request) pdk.Action {
	var b strings.Builder
	var fs []pdk.Field
	var err error
	switch {
	case p.Text != "":
		var spans []pdk.Span
		spans, err = p.m.Find([]byte(p.Text))
		fs = []pdk.Field{{Text: []byte(p.Text), Spans: spans}}
	case p.All:
		fs, err = req.TextFields(p.m)
	default:
		fs, err = req.Scan(p.Path, p.m)
	}
	if err != nil {
		b.WriteString("error: " + err.Error())
	}
	for i, f := range fs {
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString(f.Path + ":")
		for j, sp := range f.Spans {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(sp.Kind.String() + "=" + string(f.Text[sp.Start:sp.End]))
		}
	}
	if err := pdk.SetAttr("match", b.String()); err != nil {
		return pdk.Error(500, "plugin_error", err.Error())
	}
	return pdk.Continue
}

func init() { pdk.Register(&match{}) }

func main() {}
