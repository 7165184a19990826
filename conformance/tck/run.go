package tck

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/conformance/tck/fixture"
	"github.com/wasmgate/wasmgate/core/testwasm"
)

// Run checks a host against ABI v1 with the conformance guest. Each check is
// a subtest.
func Run(t *testing.T, h Host) {
	t.Helper()
	RunGuest(t, h, Guest(t))
}

// RunGuest runs the same checks with another build of the conformance guest:
// a port to a PDK (conformance/tck/guest-<language>) that plays every
// scenario through that PDK's helpers, so that one runner checks a host and
// a guest library alike.
func RunGuest(t *testing.T, h Host, wasm []byte) {
	t.Helper()
	ctx := context.Background()
	lim := Limits{MemoryPages: 512, Timeout: time.Second, MaxOutputBytes: 1 << 20}
	secrets := map[string]string{fixture.SecretName: fixture.SecretValue}

	start := func(t *testing.T, lim Limits) Instance {
		t.Helper()
		in, err := h.Start(ctx, wasm, []byte(fixture.ConfigJSON), lim, secrets)
		if err != nil {
			t.Fatalf("start: %v", err)
		}
		t.Cleanup(in.Close)
		return in
	}
	// call runs a hook that must succeed and continue.
	call := func(t *testing.T, s Session, ph Phase, adapter bool) Outcome {
		t.Helper()
		out, err := s.Call(ctx, ph, adapter)
		if err != nil {
			t.Fatalf("%s hook: plugin failure: %v", ph, err)
		}
		if out.Action != 0 {
			t.Fatalf("%s hook: action %d, error %d %s: %s", ph, out.Action, out.Status, out.ErrType, out.ErrMessage)
		}
		return out
	}

	t.Run("init/refusal", func(t *testing.T) {
		_, err := h.Start(ctx, wasm, []byte(`{"refuse":"because"}`), lim, secrets)
		if err == nil || !strings.Contains(err.Error(), "refused by config") {
			t.Fatalf("start with a refusing config: %v, want the guest's send_error message", err)
		}
	})

	t.Run("load/refusals", func(t *testing.T) {
		for _, name := range []string{"badversion", "badimport", "nohook"} {
			w := testwasm.WAT(t, filepath.Join(dir(), "testdata", name+".wat"))
			if in, err := h.Start(ctx, w, nil, lim, nil); err == nil {
				in.Close()
				t.Errorf("%s: started; ABI v1 requires a refusal", name)
			}
		}
	})

	t.Run("phases", func(t *testing.T) {
		in := start(t, lim)
		s := in.Begin(scenario("basic"))
		out := call(t, s, Request, false)
		expect(t, "request model", gjson.GetBytes(out.Request, "model").String(), `tck "model" 2`)
		expect(t, "appended message", gjson.GetBytes(out.Request, "messages.2.content").String(), "added")
		expect(t, "deleted field", gjson.GetBytes(out.Request, "stream").Exists(), false)
		expect(t, "raw value", gjson.GetBytes(out.Request, "temperature").Raw, "0.5")
		expect(t, "request header set", out.RequestHeaders["x-tck"], "set")
		_, tenant := out.RequestHeaders["x-tenant"]
		expect(t, "request header deleted", tenant, false)
		expect(t, "attribute set", out.Attrs["tck.out"], "request-ok")
		_, tmp := out.Attrs["tck.tmp"]
		expect(t, "attribute deleted", tmp, false)
		expect(t, "reserved attribute kept", out.Attrs["wasmgate.model"], "tck-model")
		expect(t, "no short-circuit after refused send_*", out.Status, 0)

		out = call(t, s, Response, false)
		expect(t, "response content", gjson.GetBytes(out.Response, "choices.0.message.content").String(), "hello, tck")
		expect(t, "response status", out.ResponseStatus, 201)
		expect(t, "response header", out.ResponseHeaders["x-tck-resp"], "1")
		expect(t, "attribute of the response phase", out.Attrs["tck.resp"], "ok")

		out = call(t, s, Chunk, false)
		expect(t, "chunk content", gjson.GetBytes(out.Chunk, "choices.0.delta.content").String(), "HEL")
		expect(t, "chunk set", out.ChunkSet, true)

		// The same instance serves the next request with nothing left over.
		call(t, in.Begin(scenario("state")), Request, false)
	})

	t.Run("adapter", func(t *testing.T) {
		s := start(t, lim).Begin(scenario("adapter"))
		out := call(t, s, Request, true)
		expect(t, "upstream url", out.UpstreamURL, fixture.AdapterURL)
		expect(t, "upstream header", out.UpstreamHeaders["authorization"], "Bearer "+fixture.APIKey)
		expect(t, "upstream body model", gjson.GetBytes(out.UpstreamBody, "model").String(), "up-model")
		expect(t, "canonical model", gjson.GetBytes(out.Request, "model").String(), "tck-model")
		out = call(t, s, Response, true)
		expect(t, "adapter response", string(out.Response), fixture.AdapterResponse)
		out = call(t, s, Chunk, true)
		expect(t, "adapter chunk", string(out.Chunk), fixture.AdapterChunkJSON)
	})

	// match_redact: the guest checks the report and the rewritten field;
	// the request it leaves is the fixture's again.
	t.Run("redact", func(t *testing.T) {
		out := call(t, start(t, lim).Begin(scenario("redact")), Request, false)
		expect(t, "request after redact", string(out.Request), fixture.RequestJSON)
		// Set last, so that a guest that skipped the scenario fails.
		expect(t, "redact checked", out.Attrs["tck.redact"], "checked")
	})

	// match_scan and match_text: the guest checks every result against the
	// fixture in each phase and marks the hook done in the attribute
	// tck.match, so that a guest that skipped the scenario fails; scanning
	// changes nothing.
	t.Run("match", func(t *testing.T) {
		ex := scenario("match")
		ex.Request, ex.Response, ex.Chunk = []byte(fixture.MatchRequest), []byte(fixture.MatchResponse), []byte(fixture.MatchChunk)
		s := start(t, lim).Begin(ex)
		for _, ph := range []Phase{Request, Response, Chunk} {
			out := call(t, s, ph, false)
			expect(t, ph.String()+" hook checked", out.Attrs["tck.match"], ph.String())
			expect(t, "request after match_scan", string(out.Request), fixture.MatchRequest)
			if ph == Response {
				expect(t, "response after match_scan", string(out.Response), fixture.MatchResponse)
			}
		}
	})

	t.Run("build", func(t *testing.T) {
		out := call(t, start(t, lim).Begin(scenario("build")), Request, true)
		expect(t, "built provider body", string(out.UpstreamBody), fixture.BuildBody)
		expect(t, "canonical request", string(out.Request), fixture.RequestJSON)
	})

	t.Run("short-circuit", func(t *testing.T) {
		in := start(t, lim)
		out, err := in.Begin(scenario("respond")).Call(ctx, Request, false)
		if err != nil {
			t.Fatal(err)
		}
		expect(t, "respond action", out.Action, 1)
		expect(t, "respond status", out.Status, 200)
		expect(t, "respond body", string(out.Body), fixture.ShortResponse)

		out, err = in.Begin(scenario("error")).Call(ctx, Request, false)
		if err != nil {
			t.Fatal(err)
		}
		expect(t, "error action", out.Action, 2)
		expect(t, "error status", out.Status, 429)
		expect(t, "error type", out.ErrType, "rate_limit_error")
		expect(t, "error message", out.ErrMessage, "slow down")

		out, err = in.Begin(scenario("chunk-error")).Call(ctx, Chunk, false)
		if err != nil {
			t.Fatal(err)
		}
		expect(t, "chunk error action", out.Action, 2)
		expect(t, "chunk error status", out.Status, 502)

		out = call(t, in.Begin(scenario("drop")), Chunk, false)
		expect(t, "dropped chunk", len(out.Chunk) == 0 && out.ChunkSet, true)
	})

	t.Run("metrics", func(t *testing.T) { runMetrics(t, ctx, start(t, lim)) }) // metrics.go

	// Each hostile case must fail its own call and nothing else: a fresh
	// instance afterwards passes the basic request.
	failures := []struct {
		scenario string
		lim      Limits
	}{
		{"malformed", lim},
		{"unknown-action", lim},
		{"overlimit", Limits{MemoryPages: 512, Timeout: time.Second, MaxOutputBytes: 1024}},
		{"trap", lim},
		{"loop", Limits{MemoryPages: 512, Timeout: 50 * time.Millisecond, MaxOutputBytes: 1 << 20}},
		{"membomb", Limits{MemoryPages: 256, Timeout: time.Second, MaxOutputBytes: 1 << 20}},
	}
	for _, f := range failures {
		t.Run("failure/"+f.scenario, func(t *testing.T) {
			in := start(t, f.lim)
			done := make(chan error, 1)
			go func() {
				_, err := in.Begin(scenario(f.scenario)).Call(ctx, Request, false)
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil {
					t.Fatalf("%s: the call succeeded; ABI v1 makes it a plugin failure", f.scenario)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: the call did not end", f.scenario)
			}
			call(t, start(t, lim).Begin(scenario("basic")), Request, false)
		})
	}

	t.Run("failure/bad-pointer", func(t *testing.T) {
		w := testwasm.WAT(t, filepath.Join(dir(), "testdata", "badpointer.wat"))
		in, err := h.Start(ctx, w, nil, lim, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		if _, err := in.Begin(scenario("basic")).Call(ctx, Request, false); err == nil {
			t.Fatal("a pointer outside memory did not fail the call")
		}
	})
}

func expect[V comparable](t *testing.T, what string, got, want V) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}
