package host_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/host"
)

// adapterCase is an adapter and a recorded answer of its provider: a whole
// response, and one stream event with a text delta (the common chunk).
type adapterCase struct {
	name, config, key, response, chunk string
}

var adapterCases = []adapterCase{
	{"gemini", `{}`, "AIza-bench", "gemini/testdata/tools.response.gemini.json",
		`{"candidates": [{"content": {"parts": [{"text": " for you."}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 312,"totalTokenCount": 312},"modelVersion": "gemini-2.5-flash","responseId": "mGQ5aPvnL9ahmecP2emXqAk"}`},
	{"bedrock", `{"region":"us-east-1"}`, "AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "bedrock/testdata/tools.response.bedrock.json",
		`{"contentBlockIndex":0,"delta":{"text":" the weather in Lyon."},"p":"abcdef"}`},
	{"cohere", `{}`, "co-bench", "cohere/testdata/tools.response.cohere.json",
		`{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":" the capital of France."}}}}`},
}

func adapterExchange(tc adapterCase, body []byte) *host.Exchange {
	ex := &host.Exchange{APIKey: tc.key}
	ex.SetAttr(abi.AttrRequestID, "req_bench")
	ex.SetAttr(abi.AttrModel, "bench")
	ex.SetAttr(abi.AttrProviderURL, "https://provider.example.com/v1")
	ex.SetAttr(abi.AttrProviderModel, "bench-model-v1:0")
	ex.SetRequest(body)
	return ex
}

// BenchmarkAdapters is the cost of each translating adapter in the plugin
// host: the request hook on the 2 KB chat request (translation, and SigV4
// signing for Bedrock), the response hook on a recorded tool-call answer,
// and the chunk hook on one recorded text-delta event.
func BenchmarkAdapters(b *testing.B) {
	req, err := os.ReadFile("testdata/chat-2k.json")
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range adapterCases {
		resp, err := os.ReadFile(filepath.Join("..", "..", "plugins", tc.response))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name+"/request", func(b *testing.B) {
			in := pluginInstance(b, tc.name, tc.config, host.Limits{})
			ex := adapterExchange(tc, req)
			buf := make([]byte, len(req))
			b.ReportAllocs()
			for b.Loop() {
				buf = append(buf[:0], req...)
				ex.SetRequest(buf)
				ex.UpBody, ex.UpURL, ex.UpHeader = nil, "", ex.UpHeader[:0]
				if act, err := in.Call(abi.PhaseRequest, ex, true); err != nil || act != abi.ActionContinue {
					b.Fatal(act, err, ex.ErrMessage)
				}
			}
		})
		b.Run(tc.name+"/response", func(b *testing.B) {
			in := pluginInstance(b, tc.name, tc.config, host.Limits{})
			ex := adapterExchange(tc, req)
			if act, err := in.Call(abi.PhaseRequest, ex, true); err != nil || act != abi.ActionContinue {
				b.Fatal(act, err, ex.ErrMessage)
			}
			ex.UpStatus, ex.UpRespBody = 200, resp
			b.ReportAllocs()
			for b.Loop() {
				ex.Response = nil
				if act, err := in.Call(abi.PhaseResponse, ex, true); err != nil || act != abi.ActionContinue {
					b.Fatal(act, err, ex.ErrMessage)
				}
			}
			if len(ex.Response) == 0 {
				b.Fatal("no canonical response")
			}
		})
		b.Run(tc.name+"/chunk", func(b *testing.B) {
			in := pluginInstance(b, tc.name, tc.config, host.Limits{})
			ex := adapterExchange(tc, req)
			if act, err := in.Call(abi.PhaseRequest, ex, true); err != nil || act != abi.ActionContinue {
				b.Fatal(act, err, ex.ErrMessage)
			}
			ex.UpStatus, ex.UpChunk = 200, []byte(tc.chunk)
			b.ReportAllocs()
			for b.Loop() {
				ex.Chunk, ex.ChunkSet = nil, false
				if act, err := in.Call(abi.PhaseChunk, ex, true); err != nil || act != abi.ActionContinue {
					b.Fatal(act, err, ex.ErrMessage)
				}
			}
			if !ex.ChunkSet || len(ex.Chunk) == 0 {
				b.Fatal("no canonical chunk")
			}
		})
	}
}
