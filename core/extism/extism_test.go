package extism_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/extism"
	"github.com/wasmgate/wasmgate/core/host"
	"github.com/wasmgate/wasmgate/core/testwasm"
)

const request = `{"model":"m","messages":[{"role":"system","content":"s"},{"role":"user","content":"hello"}]}`

func pool(t testing.TB, fixture string, lim host.Limits, config map[string]string) *extism.Pool {
	t.Helper()
	ctx := context.Background()
	p, err := extism.Load(ctx, "ext", testwasm.WAT(t, "testdata/"+fixture+".wat"), lim, extism.Capabilities{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(config)
	pl, err := p.NewPool(ctx, cfg, host.PoolOptions{Size: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pl.Close)
	return pl
}

func exchange(ph abi.Phase) *host.Exchange {
	ex := &host.Exchange{}
	ex.SetRequest([]byte(request))
	ex.ReqHeader.Add("X-Keep", "1")
	ex.ReqHeader.Add("X-Drop", "1")
	ex.SetAttr(abi.AttrRequestID, "r1")
	switch ph {
	case abi.PhaseResponse:
		ex.Response = []byte(`{"choices":[{"index":0,"message":{"role":"assistant","content":"answer"}}]}`)
	case abi.PhaseChunk:
		ex.Chunk, ex.ChunkSet = []byte(`{"choices":[{"index":0,"delta":{"content":"ans"}}]}`), true
	}
	return ex
}

// TestContract drives every part of the output contract through a plugin
// that returns its config value "out".
func TestContract(t *testing.T) {
	tests := []struct {
		name   string
		phase  abi.Phase
		out    string // "" for no output
		act    abi.Action
		fail   host.Reason // a failure of this reason is expected
		verify func(t *testing.T, ex *host.Exchange)
	}{
		{name: "no output continues unchanged", verify: func(t *testing.T, ex *host.Exchange) {
			if string(ex.Request) != request {
				t.Errorf("request changed: %s", ex.Request)
			}
		}},
		{name: "text rewrites the last user message", out: `{"text":"[x] hello"}`, verify: func(t *testing.T, ex *host.Exchange) {
			if got := gjson.GetBytes(ex.Request, "messages.1.content").Str; got != "[x] hello" {
				t.Errorf("content %q", got)
			}
		}},
		{name: "request replaces the request", out: `{"action":"continue","request":{"model":"other","messages":[]}}`, verify: func(t *testing.T, ex *host.Exchange) {
			if gjson.GetBytes(ex.Request, "model").Str != "other" {
				t.Errorf("request %s", ex.Request)
			}
		}},
		{name: "headers set and delete", out: `{"headers":{"x-new":"v","x-drop":null}}`, verify: func(t *testing.T, ex *host.Exchange) {
			_, dropped := ex.ReqHeader.Get("x-drop")
			if v, _ := ex.ReqHeader.Get("x-new"); v != "v" || dropped {
				t.Errorf("headers %v", ex.ReqHeader)
			}
		}},
		{name: "attrs set", out: `{"attrs":{"tenant":"acme"}}`, verify: func(t *testing.T, ex *host.Exchange) {
			if v, _ := ex.Attr("tenant"); v != "acme" {
				t.Errorf("attr %q", v)
			}
		}},
		{name: "respond", out: `{"action":"respond","status":200,"body":{"id":"x","choices":[]}}`, act: abi.ActionRespond, verify: func(t *testing.T, ex *host.Exchange) {
			if ex.ShortStatus != 200 || gjson.GetBytes(ex.ShortBody, "id").Str != "x" {
				t.Errorf("short %d %s", ex.ShortStatus, ex.ShortBody)
			}
		}},
		{name: "error", out: `{"action":"error","status":429,"error":{"type":"rate_limit_error","message":"slow"}}`, act: abi.ActionError, verify: func(t *testing.T, ex *host.Exchange) {
			if ex.ShortStatus != 429 || ex.ErrType != "rate_limit_error" || ex.ErrMessage != "slow" {
				t.Errorf("error %d %s %s", ex.ShortStatus, ex.ErrType, ex.ErrMessage)
			}
		}},
		{name: "response text", phase: abi.PhaseResponse, out: `{"text":"ANSWER","headers":{"x-r":"1"}}`, verify: func(t *testing.T, ex *host.Exchange) {
			if gjson.GetBytes(ex.Response, "choices.0.message.content").Str != "ANSWER" {
				t.Errorf("response %s", ex.Response)
			}
			if v, _ := ex.RespHeader.Get("x-r"); v != "1" {
				t.Errorf("response headers %v", ex.RespHeader)
			}
		}},
		{name: "chunk dropped", phase: abi.PhaseChunk, out: `{"chunk":null}`, verify: func(t *testing.T, ex *host.Exchange) {
			if len(ex.FinalChunk()) != 0 || !ex.ChunkSet {
				t.Errorf("chunk %s", ex.FinalChunk())
			}
		}},
		{name: "chunk text", phase: abi.PhaseChunk, out: `{"text":"ANS"}`, verify: func(t *testing.T, ex *host.Exchange) {
			if gjson.GetBytes(ex.FinalChunk(), "choices.0.delta.content").Str != "ANS" {
				t.Errorf("chunk %s", ex.FinalChunk())
			}
		}},
		{name: "not JSON", out: `nope`, fail: host.ReasonMalformed},
		{name: "unknown field", out: `{"actoin":"continue"}`, fail: host.ReasonMalformed},
		{name: "unknown action", out: `{"action":"maybe"}`, fail: host.ReasonMalformed},
		{name: "error without a type", out: `{"action":"error","status":400}`, fail: host.ReasonMalformed},
		{name: "respond in the chunk phase", phase: abi.PhaseChunk, out: `{"action":"respond","status":200,"body":{}}`, fail: host.ReasonMalformed},
		{name: "reserved attribute", out: `{"attrs":{"wasmgate.model":"x"}}`, fail: host.ReasonMalformed},
		{name: "header with CRLF", out: `{"headers":{"x-a":"b\r\nc: d"}}`, fail: host.ReasonMalformed},
		{name: "request in the response phase", phase: abi.PhaseResponse, out: `{"request":{}}`, fail: host.ReasonMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := map[string]string{}
			if tc.out != "" {
				cfg["out"] = tc.out
			}
			pl := pool(t, "echo", host.Limits{}, cfg)
			in, err := pl.Acquire(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer pl.Release(in)
			ex := exchange(tc.phase)
			act, err := in.Call(tc.phase, ex, false)
			if tc.fail != "" {
				var f *host.Failure
				if !errors.As(err, &f) || f.Reason != tc.fail {
					t.Fatalf("err %v, want a %s failure", err, tc.fail)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if act != tc.act {
				t.Fatalf("action %d, want %d", act, tc.act)
			}
			if tc.verify != nil {
				tc.verify(t, ex)
			}
		})
	}
}

func TestFailures(t *testing.T) {
	tests := []struct {
		fixture string
		lim     host.Limits
		cfg     map[string]string
		adapter bool
		want    host.Reason
	}{
		{"trap", host.Limits{}, nil, false, host.ReasonTrap},
		{"fail", host.Limits{}, nil, false, host.ReasonTrap},
		{"loop", host.Limits{Timeout: 50 * time.Millisecond}, nil, false, host.ReasonTimeout},
		{"echo", host.Limits{MaxOutputBytes: 16}, map[string]string{"out": `{"text":"` + strings.Repeat("x", 64) + `"}`}, false, host.ReasonOutputLimit},
		{"echo", host.Limits{}, nil, true, host.ReasonMalformed}, // no Extism adapters
	}
	for _, tc := range tests {
		t.Run(tc.fixture+"/"+string(tc.want), func(t *testing.T) {
			pl := pool(t, tc.fixture, tc.lim, tc.cfg)
			in, err := pl.Acquire(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = in.Call(abi.PhaseRequest, exchange(abi.PhaseRequest), tc.adapter)
			pl.Release(in)
			var f *host.Failure
			if !errors.As(err, &f) || f.Reason != tc.want {
				t.Fatalf("err %v, want a %s failure", err, tc.want)
			}
			if time.Since(start) > 5*time.Second {
				t.Fatalf("the failing call took %s", time.Since(start))
			}
			// The pool replaces the discarded instance.
			if _, err := pl.Acquire(context.Background()); err != nil {
				t.Fatalf("after a failure: %v", err)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := extism.Load(ctx, "x", testwasm.WAT(t, "testdata/nohooks.wat"), host.Limits{}, extism.Capabilities{}, nil, nil); err == nil || !strings.Contains(err.Error(), "must export on_request") {
		t.Errorf("no hooks: %v", err)
	}
	if _, err := extism.Load(ctx, "x", []byte("not wasm"), host.Limits{}, extism.Capabilities{}, nil, nil); err == nil {
		t.Error("not wasm: loaded")
	}
}
