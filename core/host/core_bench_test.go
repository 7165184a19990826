package host_test

import (
	"testing"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/host"
)

// BenchmarkCorePlugins is each plugin of the core pipeline (the load test's
// "core" scenario, with its config) on its own, on a 2 KB chat: the guest's
// share of a core request.
func BenchmarkCorePlugins(b *testing.B) {
	for _, tc := range []struct{ name, config string }{
		{"request-guard", `{"max_tokens":4096,"max_messages":200,"max_prompt_bytes":1000000}`},
		{"system-prompt", `{"prompt":"You are a helpful assistant. Answer briefly."}`},
		{"openai", `{}`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			in := pluginInstance(b, tc.name, tc.config, host.Limits{})
			body := readFile(b, "testdata/chat-2k.json")
			buf := make([]byte, len(body), len(body)+512)
			ex := &host.Exchange{}
			ex.SetAttr(abi.AttrProviderURL, "http://127.0.0.1:9099/v1")
			ex.SetAttr(abi.AttrProviderModel, "gpt-4o-mini")
			ex.SetAttr(abi.AttrEndpoint, "chat")
			ex.APIKey = "sk-bench"
			setup := func() {
				buf = append(buf[:0], body...)
				ex.SetRequest(buf)
				if _, err := ex.IndexRequest(); err != nil {
					b.Fatal(err)
				}
				ex.UpBody, ex.UpURL, ex.UpHeader = nil, "", ex.UpHeader[:0]
			}
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				setup()
				if act, err := in.Call(abi.PhaseRequest, ex, tc.name == "openai"); err != nil || act != abi.ActionContinue {
					b.Fatal(act, err, ex.ErrMessage)
				}
			}
			b.StopTimer()
			loop := cpuTime() - cpu
			cpu = cpuTime()
			for range b.N {
				setup()
			}
			b.ReportMetric(float64(loop-(cpuTime()-cpu))/float64(b.N), "cpu-ns/op")
		})
	}
}
