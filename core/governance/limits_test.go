package governance_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/state/redistest"
)

// fixed is a clock that stays inside one minute, so that a test's windows
// do not roll over under it.
func fixed() func() time.Time {
	t := time.Now().UTC().Truncate(time.Minute).Add(20 * time.Second)
	return func() time.Time { return t }
}

// replicas starts n gateways sharing one Redis, each with its own client.
func replicas(t *testing.T, n int, extra string) ([]*replica, *redistest.Server) {
	srv := redistest.Start(t)
	cfg := govConfig(t, mock(t), srv.URL(), extra)
	clock := fixed()
	var rs []*replica
	for range n {
		rs = append(rs, startReplica(t, cfg, clock))
	}
	return rs, srv
}

// hammer sends total requests from conc goroutines spread over the
// replicas and counts the answers by status.
func hammer(t *testing.T, rs []*replica, key string, total, conc int, body func(i int) string) map[int]int {
	var mu sync.Mutex
	counts := map[int]int{}
	var next atomic.Int64
	var wg sync.WaitGroup
	for g := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= total {
					return
				}
				r := rs[(g+i)%len(rs)]
				a := do(t, "POST", r.url+"/v1/chat/completions", key, body(i))
				if a.status == 429 || a.status == 402 {
					if ra, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || ra < 1 {
						t.Errorf("%d without a Retry-After: %q", a.status, a.header.Get("Retry-After"))
					}
				}
				mu.Lock()
				counts[a.status]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return counts
}

// TestRequestLimitAcrossReplicas: two gateways sharing Redis, hammered
// concurrently, admit exactly the key's requests per minute.
func TestRequestLimitAcrossReplicas(t *testing.T) {
	rs, _ := replicas(t, 2, "")
	_, secret := rs[0].createKey(t, `{"team":"t","limits":{"requests_per_minute":57,"requests_per_day":1000}}`)
	counts := hammer(t, rs, secret, 200, 32, func(int) string { return chatBody("gpt-4o-mini", false) })
	if counts[200] != 57 || counts[429] != 200-57 {
		t.Fatalf("answers by status: %v, want 57 admitted", counts)
	}
	a := rs[1].chat(t, secret, "gpt-4o-mini")
	errorOf(t, a, 429, "rate_limit_exceeded")
	if ra := a.header.Get("Retry-After"); ra != "40" { // the fixed clock is 20 s into its minute
		t.Fatalf("Retry-After %q", a.header.Get("Retry-After"))
	}
	if !strings.Contains(a.body, "requests per minute") {
		t.Fatalf("message: %s", a.body)
	}
}

// TestTokenLimit: the prompt estimate is checked before the call, the
// completion charged after it, streams included.
func TestTokenLimit(t *testing.T) {
	rs, _ := replicas(t, 2, "")
	_, secret := rs[0].createKey(t, `{"limits":{"tokens_per_minute":100}}`)
	// Each request is charged what the provider reports (the usage of the
	// answer, or of a stream's last chunk); the next one is admitted while
	// the charged tokens plus its prompt estimate stay within 100.
	const estimate = int64(len(`[{"role":"user","content":"Hello there, wasmgate!"}]`)+3) / 4
	var charged int64
	served := 0
	for i := range 20 {
		r := rs[i%2]
		a := do(t, "POST", r.url+"/v1/chat/completions", secret, chatBody("gpt-4o-mini", i%2 == 1))
		if a.status == 200 {
			if charged+estimate > 100 {
				t.Fatalf("request %d admitted with %d tokens charged", i, charged)
			}
			served++
			charged += reportedTokens(t, a.body)
			continue
		}
		if charged+estimate <= 100 {
			t.Fatalf("request %d refused with only %d tokens charged: %s", i, charged, a.body)
		}
		errorOf(t, a, 429, "rate_limit_exceeded")
		if !strings.Contains(a.body, "tokens per minute") {
			t.Fatalf("message: %s", a.body)
		}
		break
	}
	if served < 3 || charged > 100+15 {
		t.Fatalf("served %d requests, %d tokens charged", served, charged)
	}
}

// reportedTokens is the total_tokens of an answer or a stream's usage chunk.
func reportedTokens(t *testing.T, body string) int64 {
	t.Helper()
	for _, part := range strings.Split(body, "data: ") {
		var v struct {
			Usage *struct {
				TotalTokens int64 `json:"total_tokens"`
			}
		}
		if json.Unmarshal([]byte(strings.TrimSpace(part)), &v) == nil && v.Usage != nil {
			return v.Usage.TotalTokens
		}
	}
	t.Fatalf("no usage in %s", body)
	return 0
}

// TestBudgetAcrossReplicas: concurrent requests on two replicas never
// overspend a budget by more than one in-flight request's cost; then 402.
func TestBudgetAcrossReplicas(t *testing.T) {
	rs, _ := replicas(t, 2, `  teams: {research: {budget: {amount: 1, period: monthly}}}
pricing:
  gpt-4o: {input: 1000, output: 2000}
`)
	// At these prices the mock's answer (9 prompt, 6 completion tokens)
	// costs 21000 micro-dollars; the reserved estimate (13 prompt tokens,
	// max_tokens 10) is 33000.
	const cost, estimate = 21000, 33000
	_, secret := rs[0].createKey(t, `{"team":"research","budget":{"amount":0.4,"period":"daily"}}`)
	body := `{"model":"gpt-4o","max_tokens":10,"messages":[{"role":"user","content":"Hello there, wasmgate!"}]}`
	counts := hammer(t, rs, secret, 200, 24, func(int) string { return body })
	spent := counts[200] * cost
	if spent > 400000+cost || spent < 400000-estimate || counts[402] != 200-counts[200] {
		t.Fatalf("answers %v: spent %d micro-dollars of a 400000 budget", counts, spent)
	}
	a := rs[1].chat(t, secret, "gpt-4o")
	errorOf(t, a, 402, "budget_exceeded")
	if ra, _ := strconv.Atoi(a.header.Get("Retry-After")); ra < 1 || ra > 86400 {
		t.Fatalf("Retry-After %q", a.header.Get("Retry-After"))
	}
	// The usage the replicas recorded adds up to what they served.
	u := usageOf(t, rs[0], "")
	if u.Total.Requests != int64(counts[200]) || int64(u.Total.CostUSD*1e6+0.5) != int64(spent) {
		t.Fatalf("usage %+v, served %d for %d", u.Total, counts[200], spent)
	}

	// The team budget is shared by the team's keys: a second key of the
	// team spends the rest of the team's dollar.
	_, second := rs[0].createKey(t, `{"team":"research"}`)
	counts = hammer(t, rs, second, 200, 24, func(int) string { return body })
	teamSpent := spent + counts[200]*cost
	if teamSpent > 1000000+cost || teamSpent < 1000000-estimate {
		t.Fatalf("team: answers %v, spent %d of 1000000", counts, teamSpent)
	}
	if !strings.Contains(rs[0].chat(t, second, "gpt-4o").body, "team budget") {
		t.Fatal("the refusal does not name the team budget")
	}
}

type summary struct {
	Data []struct {
		KeyID            string `json:"key_id"`
		Model            string
		Requests, Errors int64
		PromptTokens     int64   `json:"prompt_tokens"`
		CompletionTokens int64   `json:"completion_tokens"`
		CostUSD          float64 `json:"cost_usd"`
	}
	Total struct {
		Requests, Errors int64
		PromptTokens     int64   `json:"prompt_tokens"`
		CompletionTokens int64   `json:"completion_tokens"`
		CostUSD          float64 `json:"cost_usd"`
	}
}

func usageOf(t *testing.T, r *replica, query string) summary {
	t.Helper()
	a := do(t, "GET", r.url+"/admin/usage"+query, adminKey, "")
	var s summary
	if a.status != 200 || json.Unmarshal([]byte(a.body), &s) != nil {
		t.Fatalf("usage: %d %s", a.status, a.body)
	}
	return s
}

// TestRevocationAcrossReplicas: a key revoked on one replica is refused by
// the others within a second.
func TestRevocationAcrossReplicas(t *testing.T) {
	rs, _ := replicas(t, 3, "")
	id, secret := rs[0].createKey(t, `{}`)
	for _, r := range rs {
		if a := r.chat(t, secret, "gpt-4o-mini"); a.status != 200 {
			t.Fatalf("before: %d %s", a.status, a.body)
		}
	}
	if a := do(t, "POST", rs[0].url+"/admin/keys/"+id+"/revoke", adminKey, ""); a.status != 200 {
		t.Fatalf("revoke: %d %s", a.status, a.body)
	}
	revoked := time.Now()
	for _, r := range rs[1:] {
		for r.chat(t, secret, "gpt-4o-mini").status != 401 {
			if time.Since(revoked) > time.Second {
				t.Fatal("a replica still serves the revoked key after a second")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// TestStateUnavailable: Redis down is refused (fail_closed, 503) or served
// unmetered for keys seen before (fail_open), logged and counted either way.
func TestStateUnavailable(t *testing.T) {
	for _, policy := range []string{config.FailClosed, config.FailOpen} {
		t.Run(policy, func(t *testing.T) {
			rs, srv := replicas(t, 1, "  on_state_error: "+policy+"\n")
			r := rs[0]
			_, secret := r.createKey(t, `{"limits":{"requests_per_minute":100}}`)
			if a := r.chat(t, secret, "gpt-4o-mini"); a.status != 200 {
				t.Fatalf("before: %d %s", a.status, a.body)
			}
			srv.Stop()
			a := r.chat(t, secret, "gpt-4o-mini")
			if policy == config.FailClosed {
				errorOf(t, a, 503, "unavailable")
			} else if a.status != 200 {
				t.Fatalf("fail open: %d %s", a.status, a.body)
			}
			// A key never seen is refused under either policy.
			if a := r.chat(t, "wg-never-seen-key", "gpt-4o-mini"); a.status != 401 && a.status != 503 {
				t.Fatalf("unknown key with Redis down: %d %s", a.status, a.body)
			}
			if !strings.Contains(r.logs.String(), "shared state unavailable") {
				t.Fatal("not logged")
			}
			if v := counterValue(t, r, "wasmgate_state_errors_total", "policy", policy); v < 1 {
				t.Fatalf("wasmgate_state_errors_total{policy=%s} = %v", policy, v)
			}
		})
	}
}

func counterValue(t *testing.T, r *replica, name, label, value string) float64 {
	t.Helper()
	mfs, err := r.metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					sum += m.GetCounter().GetValue()
				}
			}
		}
	}
	return sum
}
