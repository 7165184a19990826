package host_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/host"
	"github.com/wasmgate/wasmgate/core/testwasm"
)

// matchInstance starts the match test guest with config and takes its
// instance for the test.
func matchInstance(t testing.TB, config string) (*host.Instance, error) {
	t.Helper()
	ctx := context.Background()
	p, err := newEngine(t).Load(ctx, "match", testwasm.GoPluginBytes(t, "testguests/match"), host.Limits{}, host.Capabilities{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close(ctx) })
	pool, err := p.NewPool(ctx, []byte(config), host.PoolOptions{Size: 1})
	if err != nil {
		return nil, err
	}
	t.Cleanup(pool.Close)
	in, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Release(in) })
	return in, nil
}

const matchRequest = `{"model":"m","messages":[{"role":"system","content":"nothing"},` +
	`{"role":"user","content":[{"type":"text","text":"mail ana@example.com, key sk-ant-api03-abcdefghijklmnopqrstuvwxyz"},{"type":"text","text":"IBAN GB82 WEST 1234 5698 7654 32 for EMP-123456"}]},` +
	`{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{\"ip\":\"10.1.2.3\",\"note\":\"caf\u00e9 \\\"x\\\" 2001:db8::1\"}"}}]}]}`

func TestMatchHelpers(t *testing.T) {
	all := `{"builtin":["email","phone","card","iban","ssn","ipv4","ipv6","api_key","jwt"],"custom":[{"regex":"EMP-\\d{6}"}]}`
	tests := []struct {
		name, config, want string
	}{
		{"all text", `{"spec":` + all + `}`,
			"messages.1.content.0.text:email=ana@example.com,api_key=sk-ant-api03-abcdefghijklmnopqrstuvwxyz|" +
				"messages.1.content.1.text:iban=GB82 WEST 1234 5698 7654 32,custom_0=EMP-123456|" +
				`messages.2.tool_calls.0.function.arguments:ipv4=10.1.2.3,ipv6=2001:db8::1`},
		{"every field", `{"spec":{"builtin":["email"]},"all":true}`,
			"messages.0.content:|messages.1.content.0.text:email=ana@example.com|messages.1.content.1.text:|messages.2.tool_calls.0.function.arguments:"},
		{"one path", `{"spec":` + all + `,"path":"messages.1.content.1.text"}`,
			"messages.1.content.1.text:iban=GB82 WEST 1234 5698 7654 32,custom_0=EMP-123456"},
		{"not a string", `{"spec":` + all + `,"path":"messages.1.content"}`, "error: wasmgate: not found"},
		{"guest text", `{"spec":{"custom":[{"words":["Project Falcon"]}]},"text":"about project falcon."}`, ":custom_0=project falcon"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err := matchInstance(t, tc.config)
			if err != nil {
				t.Fatal(err)
			}
			// Twice on one instance: the second call's i32 arguments come
			// in stack slots that held other values before.
			for call := 1; call <= 2; call++ {
				ex := &host.Exchange{Request: []byte(matchRequest)}
				if act, err := in.Call(abi.PhaseRequest, ex, false); err != nil || act != abi.ActionContinue {
					t.Fatal(act, err)
				}
				if got, _ := ex.Attr("match"); got != tc.want {
					t.Fatalf("call %d: got  %q\nwant %q", call, got, tc.want)
				}
			}
		})
	}
}

func TestMatchCompileRefused(t *testing.T) {
	for _, spec := range []string{`{"builtin":["passport"]}`, `{"custom":[{"regex":"("}]}`, `{"custom":[{}]}`} {
		_, err := matchInstance(t, `{"spec":`+spec+`}`)
		if err == nil || !strings.Contains(err.Error(), "match_compile: invalid spec") {
			t.Errorf("%s: %v", spec, err)
		}
	}
}
