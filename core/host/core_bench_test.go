package host_test

import (
	"testing"

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
			// The provider model is the requested one, as in the load test.
			benchRequestHook(b, in, readFile(b, "testdata/chat-2k.json"), "gpt-4o-mini", tc.name == "openai", nil)
		})
	}
}
