//go:build unix

package host_test

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/host"
)

// cpuTime is the process's CPU time (user and system) so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds cpu-ns/op: the process's CPU time per operation, which
// other load on the machine moves far less than the wall time ns/op is.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

func readFile(b testing.TB, path string) []byte {
	body, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// anthropicTools is a canonical request with a tool round trip, as an
// agent sends it (recorded payload of the anthropic plugin's tests).
const anthropicTools = "../../plugins/anthropic/testdata/request-tools.json"

// BenchmarkAdapterRequest is an adapter's request hook: the OpenAI adapter
// addresses the canonical request; the Anthropic adapter translates it to a
// Messages request (a 2 KB chat, and a request with tools, images and tool
// results).
func BenchmarkAdapterRequest(b *testing.B) {
	for _, tc := range []struct{ name, adapter, body string }{
		{"openai/chat-2k", "openai", "testdata/chat-2k.json"},
		{"anthropic/chat-2k", "anthropic", "testdata/chat-2k.json"},
		{"anthropic/tools", "anthropic", anthropicTools},
	} {
		b.Run(tc.name, func(b *testing.B) {
			in := pluginInstance(b, tc.adapter, `{}`, host.Limits{})
			body := readFile(b, tc.body)
			b.SetBytes(int64(len(body)))
			benchRequestHook(b, in, body, "upstream-model", true, func(ex *host.Exchange) {
				if !gjson.ValidBytes(ex.UpstreamBody()) || ex.UpURL == "" {
					b.Fatalf("bad provider request %s %s", ex.UpURL, ex.UpstreamBody())
				}
			})
		})
	}
}

// benchRequestHook runs in's request hook on a fresh copy of body per round,
// indexed once as the gateway does, and reports cpu-ns/op: the hook's CPU
// alone, the setup's (measured over as many rounds) taken off (ns/op
// includes it). check, when given, sees the exchange after the last hook.
func benchRequestHook(b *testing.B, in *host.Instance, body []byte, providerModel string, adapter bool, check func(*host.Exchange)) {
	buf := make([]byte, len(body), len(body)+512)
	ex := &host.Exchange{}
	ex.SetAttr(abi.AttrProviderURL, "http://127.0.0.1:9099/v1")
	ex.SetAttr(abi.AttrProviderModel, providerModel)
	ex.SetAttr(abi.AttrEndpoint, "chat")
	ex.APIKey = "sk-bench"
	b.ReportAllocs()
	setup := func() {
		buf = append(buf[:0], body...)
		ex.SetRequest(buf)
		if _, err := ex.IndexRequest(); err != nil {
			b.Fatal(err)
		}
		ex.UpBody, ex.UpURL, ex.UpHeader = nil, "", ex.UpHeader[:0]
	}
	cpu := cpuTime()
	for b.Loop() {
		setup()
		if act, err := in.Call(abi.PhaseRequest, ex, adapter); err != nil || act != abi.ActionContinue {
			b.Fatal(act, err, ex.ErrMessage)
		}
	}
	b.StopTimer()
	loop := cpuTime() - cpu
	if check != nil {
		check(ex)
	}
	cpu = cpuTime()
	for range b.N {
		setup()
	}
	b.ReportMetric(float64(loop-(cpuTime()-cpu))/float64(b.N), "cpu-ns/op")
}

// BenchmarkAdapterResponse is the Anthropic adapter's response hook on a
// recorded tool_use answer (the OpenAI adapter has none: the answer passes
// through).
func BenchmarkAdapterResponse(b *testing.B) {
	in := pluginInstance(b, "anthropic", `{}`, host.Limits{})
	resp := readFile(b, "../../plugins/anthropic/testdata/response-tool-use.json")
	ex := &host.Exchange{Request: []byte(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`)}
	ex.SetAttr(abi.AttrProviderURL, "http://127.0.0.1:9099")
	if _, err := in.Call(abi.PhaseRequest, ex, true); err != nil {
		b.Fatal(err)
	}
	ex.UpStatus = 200
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		ex.UpRespBody, ex.Response = resp, nil
		if act, err := in.Call(abi.PhaseResponse, ex, true); err != nil || act != abi.ActionContinue {
			b.Fatal(act, err)
		}
	}
	b.StopTimer()
	reportCPU(b, cpu)
	if gjson.GetBytes(ex.Response, "choices.0.message.tool_calls.0.function.arguments").Str == "" {
		b.Fatalf("not translated: %s", ex.Response)
	}
}

// BenchmarkAdapterChunk is the Anthropic adapter's chunk hook on the
// events that carry content: a text delta and a tool-argument delta.
func BenchmarkAdapterChunk(b *testing.B) {
	for _, tc := range []struct{ name, event, want string }{
		{"anthropic/text_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Okay, let's check the weather"}}`, "choices.0.delta.content"},
		{"anthropic/input_json_delta", `{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\": \"San Fra"}}`, "choices.0.delta.tool_calls.0.function.arguments"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			in := pluginInstance(b, "anthropic", `{}`, host.Limits{})
			ex := &host.Exchange{Request: []byte(`{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`)}
			ex.SetAttr(abi.AttrProviderURL, "http://127.0.0.1:9099")
			if _, err := in.Call(abi.PhaseRequest, ex, true); err != nil {
				b.Fatal(err)
			}
			for _, ev := range []string{
				`{"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":472,"output_tokens":2}}}`,
				`{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}`,
			} {
				ex.UpChunk, ex.Chunk, ex.ChunkSet = []byte(ev), nil, false
				if _, err := in.Call(abi.PhaseChunk, ex, true); err != nil {
					b.Fatal(err)
				}
			}
			event := []byte(tc.event)
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				ex.UpChunk, ex.Chunk, ex.ChunkSet = event, nil, false
				if act, err := in.Call(abi.PhaseChunk, ex, true); err != nil || act != abi.ActionContinue {
					b.Fatal(act, err)
				}
			}
			b.StopTimer()
			reportCPU(b, cpu)
			if gjson.GetBytes(ex.FinalChunk(), tc.want).Str == "" {
				b.Fatalf("not translated: %s", ex.FinalChunk())
			}
		})
	}
}
