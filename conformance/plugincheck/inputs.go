package plugincheck

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/host"
)

const (
	sampleRequest  = `{"model":"test-model","messages":[{"role":"system","content":"You are helpful."},{"role":"user","content":"Hello there, how are you?"}]}`
	sampleResponse = `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"test-model","choices":[{"index":0,"message":{"role":"assistant","content":"I am fine, thank you."},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":6,"total_tokens":15}}`
	sampleChunk    = `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"test-model","choices":[{"index":0,"delta":{"content":"I am"}}]}`
)

// malformedRequests are requests a plugin must survive. The gateway only
// guarantees a JSON object with a model string and a non-empty messages
// array (pdk/ABI.md); everything inside may be of any shape.
func malformedRequests() []string {
	deep := strings.Repeat(`{"a":`, 400) + "1" + strings.Repeat("}", 400)
	big := strings.Repeat("abcdefgh ", 1<<15) // 288 KiB
	var out []string
	for _, msgs := range []string{
		`[null,1,"x",[]]`,
		`[{}]`,
		`[{"role":"user"}]`,
		`[{"role":"user","content":null}]`,
		`[{"role":"user","content":42}]`,
		`[{"role":7,"content":{"text":"object"}}]`,
		`[{"role":"user","content":[]}]`,
		`[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"data:,"}},null]}]`,
		`[{"role":"user","content":"\u0000\ud83d\ude00 é \"quoted\" \\ back \ud800"}]`,
		`[{"role":"user","content":""}]`,
		`[{"role":"user","content":"` + big + `"}]`,
		`[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{"}}]}]`,
	} {
		out = append(out, `{"model":"test-model","messages":`+msgs+`}`)
	}
	return append(out,
		`{"model":"","messages":[{"role":"user","content":"x"}]}`,
		`{"model":"test-model","messages":[{"role":"user","content":"x"}],"stream":"yes","temperature":"hot","n.x":{"a.b":1},"deep":`+deep+`}`)
}

// malformedBodies are responses and chunks a plugin must survive: any JSON
// a provider (or an adapter) can send.
func malformedBodies() []string {
	return []string{
		`{}`, `[]`, `"a string"`, `null`, `0`,
		`{"choices":null}`,
		`{"choices":[]}`,
		`{"choices":[null]}`,
		`{"choices":[{"delta":null,"message":null}]}`,
		`{"choices":[{"index":0,"message":{"content":{"not":"text"}},"delta":{"content":[1,2]}}]}`,
		`{"choices":[{"index":0,"message":{"role":"assistant","content":"` + strings.Repeat("word ", 1<<15) + `"}}]}`,
		`{"error":{"message":"upstream said no","type":"server_error"}}`,
	}
}

func checkMalformed(ctx context.Context, rep *Report, r *runner) {
	var failures []string
	calls := 0
	for _, ph := range []abi.Phase{abi.PhaseRequest, abi.PhaseResponse, abi.PhaseChunk} {
		if r.mask&ph.Bit() == 0 {
			continue
		}
		bodies := malformedBodies()
		if ph == abi.PhaseRequest {
			bodies = malformedRequests()
		}
		for _, body := range bodies {
			b := []byte(body)
			var ex *host.Exchange
			switch ph {
			case abi.PhaseRequest:
				ex = exchange(ph, b, nil, nil, nil, nil)
			case abi.PhaseResponse:
				ex = exchange(ph, []byte(sampleRequest), b, nil, nil, nil)
			case abi.PhaseChunk:
				ex = exchange(ph, []byte(sampleRequest), nil, b, nil, nil)
			}
			calls++
			if _, err := r.call(ctx, ph, ex); err != nil {
				failures = append(failures, fmt.Sprintf("%s hook on %s: %s", ph, compact(b), firstLine(err)))
			}
		}
	}
	if calls == 0 {
		rep.add("malformed inputs", true, "no hooks to call")
		return
	}
	if len(failures) > 0 {
		more := ""
		if len(failures) > 3 {
			more = fmt.Sprintf(" (and %d more)", len(failures)-3)
			failures = failures[:3]
		}
		rep.add("malformed inputs", false, "%s%s", strings.Join(failures, "; "), more)
		return
	}
	rep.add("malformed inputs", true, "%d calls, every one answered (continue, respond or a clean error)", calls)
}

// checkLimits calls each hook many times on a well-formed exchange: no call
// may fail (timeout, output over the limit, memory), and the instance's
// memory must settle rather than grow with every request.
func checkLimits(ctx context.Context, rep *Report, r *runner, lim host.Limits, calls int) {
	if calls <= 0 {
		calls = 300
	}
	if lim.MemoryPages == 0 {
		lim.MemoryPages = host.DefaultLimits.MemoryPages
	}
	if lim.Timeout == 0 {
		lim.Timeout = host.DefaultLimits.Timeout
	}
	call, memPages, release, err := r.pool.pin(ctx)
	if err != nil {
		rep.add("limits", false, "%v", err)
		return
	}
	defer release()
	measured := memPages != nil
	if !measured {
		memPages = func() uint32 { return 0 } // not shown by this kind
	}
	warm := calls / 5
	var before uint32
	var slowest time.Duration
	for i := 0; i < calls; i++ {
		if i == warm {
			before = memPages()
		}
		for _, ph := range []abi.Phase{abi.PhaseRequest, abi.PhaseResponse, abi.PhaseChunk} {
			if r.mask&ph.Bit() == 0 {
				continue
			}
			ex := exchange(ph, []byte(sampleRequest), []byte(sampleResponse), []byte(sampleChunk),
				map[string]string{"content-type": "application/json"}, nil)
			t0 := time.Now()
			_, err := call(ph, ex)
			slowest = max(slowest, time.Since(t0))
			if err != nil {
				rep.add("limits", false, "call %d, %s hook: %s", i+1, ph, firstLine(err))
				return
			}
		}
	}
	after := memPages()
	// Growth past warm-up of more than 16 pages (1 MiB) over the calls is a
	// plugin that keeps something of every request.
	if after > before+16 {
		rep.add("limits", false, "memory grew from %d to %d pages over %d calls after warm-up: it keeps data of every request", before, after, calls-warm)
		return
	}
	if !measured {
		rep.add("limits", true, "%d calls within memory_pages %d and timeout %s (slowest call %s); memory growth is not measured for this kind",
			calls, lim.MemoryPages, lim.Timeout, slowest.Round(time.Microsecond))
		return
	}
	rep.add("limits", true, "%d calls within memory_pages %d (%d pages used, steady) and timeout %s (slowest call %s)",
		calls, lim.MemoryPages, after, lim.Timeout, slowest.Round(time.Microsecond))
}
