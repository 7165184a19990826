package pdk_test

import (
	"errors"
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/pdk/go/jsonbuild"
	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

// builder is an adapter that reads the request's shape with one program and
// builds the provider body with another.
type builder struct {
	shape, body pdk.Builder
	out         []byte
	err         error
}

func (p *builder) Init(pdk.Config) error {
	p.shape.Each(pdk.ObjRequest, "messages", ";",
		pdk.EachField{Path: "role", Flags: pdk.BuildCode, Names: "system,user"},
		pdk.EachField{Path: "content", Flags: pdk.BuildKind},
		pdk.EachField{Path: "content", Flags: pdk.BuildText})
	return nil
}

func (p *builder) OnRequest(req *pdk.Request) pdk.Action {
	if p.out, p.err = p.shape.AppendOutput(p.out[:0]); p.err != nil {
		return pdk.Continue
	}
	b := &p.body
	b.Reset()
	b.Lit(`{"max":`)
	b.Copy(pdk.ObjRequest, "max_completion_tokens", pdk.BuildOrNext)
	b.Copy(pdk.ObjRequest, "max_tokens", pdk.BuildOrNext)
	b.Lit("100")
	b.CopyOr(pdk.ObjRequest, "stop", pdk.BuildAsArray, `,"stop":`, "", "")
	b.Lit(`,"first":`)
	b.BaseAt(pdk.ObjRequest, "messages", 1)
	b.ItemAt(pdk.BuildBase, "content", 0)
	b.Copy(pdk.BuildItem, "text", 0)
	b.Lit(`,"kind":"`)
	b.Kind(pdk.BuildBase, "content")
	b.Lit(`"`)
	var tail pdk.Builder
	tail.CopyOr(pdk.BuildBase, "name", 0, `,"name":`, "", `,"name":null`)
	tail.Lit("}")
	b.Append(&tail)
	p.err = b.Build(pdk.ObjUpstreamRequest)
	return pdk.Continue
}

func TestBuilder(t *testing.T) {
	p := &builder{}
	res := pdktest.Request(t, p, `{"max_tokens":5,"stop":"x","messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"hi"}]},{"role":"robot"}]}`, pdktest.AsAdapter())
	if p.err != nil || res.Failure != "" {
		t.Fatal(p.err, res.Failure)
	}
	if want := "\x01sbe brief;\x02a[{\"type\":\"text\",\"text\":\"hi\"}];\x00u;"; string(p.out) != want {
		t.Errorf("shape %q, want %q", p.out, want)
	}
	if want := `{"max":5,"stop":["x"],"first":"hi","kind":"a","name":null}`; string(res.Upstream.Body) != want {
		t.Errorf("body %s, want %s", res.Upstream.Body, want)
	}
}

type requiring struct{ err error }

func (p *requiring) OnRequest(req *pdk.Request) pdk.Action {
	var b pdk.Builder
	b.Lit(`{"model":`)
	b.Copy(pdk.ObjRequest, "model", pdk.BuildRequired)
	b.Lit("}")
	p.err = b.Build(pdk.ObjUpstreamRequest)
	return pdk.Continue
}

func TestBuilderRequired(t *testing.T) {
	p := &requiring{}
	res := pdktest.Request(t, p, `{"messages":[]}`, pdktest.AsAdapter())
	if !errors.Is(p.err, pdk.ErrNotFound) {
		t.Fatalf("err %v, want ErrNotFound", p.err)
	}
	if string(res.Upstream.Body) != `{"messages":[]}` {
		t.Errorf("body changed: %s", res.Upstream.Body)
	}
	// Not an adapter: the provider request is not available.
	p = &requiring{}
	pdktest.Request(t, p, `{"model":"m"}`)
	if !errors.Is(p.err, pdk.ErrNotAvailable) {
		t.Fatalf("err %v, want ErrNotAvailable", p.err)
	}
}

// TestBuildConstants keeps the PDK's flags, kinds and objects equal to the
// interpreter's.
func TestBuildConstants(t *testing.T) {
	for _, c := range []struct{ pdk, interp byte }{
		{byte(pdk.BuildText), jsonbuild.Text}, {byte(pdk.BuildInner), jsonbuild.Inner}, {byte(pdk.BuildRequired), jsonbuild.Required},
		{byte(pdk.BuildOrNext), jsonbuild.OrNext}, {byte(pdk.BuildAsArray), jsonbuild.AsArray}, {byte(pdk.BuildEmptyAbsent), jsonbuild.EmptyAbsent},
		{byte(pdk.BuildKind), jsonbuild.EachKind}, {byte(pdk.BuildCode), jsonbuild.EachCode},
		{byte(pdk.BuildBase), jsonbuild.SrcBase}, {byte(pdk.BuildItem), jsonbuild.SrcItem},
		{byte(pdk.BuildPrev), jsonbuild.SrcPrev}, {byte(pdk.BuildNext), jsonbuild.SrcNext},
		{byte(pdk.SwitchKind), jsonbuild.SwitchKind}, {byte(pdk.SwitchPrefix), jsonbuild.SwitchPrefix},
		{pdk.KindMissing, jsonbuild.KindMissing}, {pdk.KindNull, jsonbuild.KindNull}, {pdk.KindFalse, jsonbuild.KindFalse},
		{pdk.KindTrue, jsonbuild.KindTrue}, {pdk.KindNumber, jsonbuild.KindNumber}, {pdk.KindString, jsonbuild.KindString},
		{pdk.KindEmptyString, jsonbuild.KindEmptyString}, {pdk.KindArray, jsonbuild.KindArray}, {pdk.KindObject, jsonbuild.KindObject},
	} {
		if c.pdk != c.interp {
			t.Errorf("pdk %d, interpreter %d", c.pdk, c.interp)
		}
	}
}

// templater builds a body with templates: a map over the messages with a
// switch per role.
type templater struct {
	body pdk.Builder
	err  error
}

func (p *templater) Init(pdk.Config) error {
	p.body.Reset()
	fail, user, asst, other := &pdk.Builder{}, &pdk.Builder{}, &pdk.Builder{}, &pdk.Builder{}
	fail.Fail()
	first, last, text, kind := &pdk.Builder{}, &pdk.Builder{}, &pdk.Builder{}, &pdk.Builder{}
	first.Lit("first")
	last.Lit("last")
	text.Copy(pdk.BuildBase, "content", 0)
	kind.Kind(pdk.BuildPrev, "role")
	user.Group("<", ",", ">", text, kind, first)
	user.Switch(pdk.BuildNext, "role", pdk.SwitchText, last, pdk.Case{Name: "assistant"})
	asst.Cut(pdk.BuildBase, "content", pdk.BuildText, "data:", ";")
	other.Switch(pdk.BuildBase, "content", pdk.SwitchKind, fail, pdk.Case{Name: "n"})
	msg := &pdk.Builder{}
	msg.Switch(pdk.BuildBase, "role", pdk.SwitchText, other, pdk.Case{Name: "user", Then: user}, pdk.Case{Name: "assistant", Then: asst})
	p.body.Map(pdk.ObjRequest, "messages", "[", "|", "]", msg)
	return nil
}

func (p *templater) OnRequest(req *pdk.Request) pdk.Action {
	p.err = p.body.Build(pdk.ObjUpstreamRequest)
	return pdk.Continue
}

func TestBuilderTemplates(t *testing.T) {
	p := &templater{}
	res := pdktest.Request(t, p, `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"data:image/png;x"},{"role":"tool","content":null}]}`, pdktest.AsAdapter())
	if p.err != nil {
		t.Fatal(p.err)
	}
	if want := `[<"hi",u,first>|image/png]`; string(res.Upstream.Body) != want {
		t.Errorf("body %s, want %s", res.Upstream.Body, want)
	}
	pdktest.Request(t, p, `{"messages":[{"role":"robot","content":"x"}]}`, pdktest.AsAdapter())
	if !errors.Is(p.err, pdk.ErrNotFound) {
		t.Errorf("err %v, want ErrNotFound from Fail", p.err)
	}
}
