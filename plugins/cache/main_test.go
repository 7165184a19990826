package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

const req = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`

const completion = `{"id":"c1","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2}}`

// fakeCache records operations and answers lookups from a map by tenant.
type fakeCache struct {
	ops     []map[string]any
	entries map[string]string
	ttls    []float64
	down    bool
}

func (f *fakeCache) call(op []byte) ([]byte, int32) {
	var m map[string]any
	_ = json.Unmarshal(op, &m)
	f.ops = append(f.ops, m)
	if f.down && m["op"] != "event" {
		return nil, pdk.ResultUnavailable
	}
	switch m["op"] {
	case "lookup":
		if p, ok := f.entries[m["tenant"].(string)]; ok {
			return []byte(`{"tier":"semantic","score":0.9300}` + "\n" + p), 0
		}
		return nil, 0
	case "store":
		p, _ := json.Marshal(m["payload"])
		if m["ttl_ms"] != nil {
			f.ttls = append(f.ttls, m["ttl_ms"].(float64))
		}
		if m["from_response"] == true {
			p = []byte(completion)
		}
		f.entries[m["tenant"].(string)] = string(p)
	}
	return []byte(`{}`), 0
}

func (f *fakeCache) kinds() []string {
	var out []string
	for _, op := range f.ops {
		out = append(out, op["op"].(string))
	}
	return out
}

func newSession(t *testing.T, f *fakeCache, config string) *pdktest.Session {
	pdktest.SetCache(t, f.call)
	return pdktest.New(t, &cache{}, pdktest.WithConfig(config))
}

func TestMissStoreHit(t *testing.T) {
	f := &fakeCache{entries: map[string]string{}}
	s := newSession(t, f, `{}`)
	r := s.Request(req, pdktest.WithHeader("x-wasmgate-tenant", "acme"))
	if r.Action != pdk.Continue || r.ResponseHeaders["x-wasmgate-cache"] != "miss" {
		t.Fatalf("miss: action %v, headers %v", r.Action, r.ResponseHeaders)
	}
	s.Response(completion)
	if _, ok := f.entries["header:acme"]; !ok {
		t.Fatalf("the answer was not stored under the tenant: %v", f.ops)
	}
	r = s.Request(req, pdktest.WithHeader("x-wasmgate-tenant", "acme"))
	if r.Respond == nil || r.Respond.Status != 200 || !strings.Contains(string(r.Respond.Body), `"hello"`) {
		t.Fatalf("hit: %+v", r.Respond)
	}
	if r.ResponseHeaders["x-wasmgate-cache"] != "hit" || r.ResponseHeaders["x-wasmgate-cache-tier"] != "semantic" || r.ResponseHeaders["x-wasmgate-cache-similarity"] != "0.9300" {
		t.Errorf("hit headers: %v", r.ResponseHeaders)
	}
	// The host counts hits, misses and stores: one call per step.
	if got := strings.Join(f.kinds(), ","); got != "lookup,store,lookup" {
		t.Errorf("operations %s", got)
	}
}

func TestErrorsAreNotStored(t *testing.T) {
	f := &fakeCache{entries: map[string]string{}}
	s := newSession(t, f, `{}`)
	s.Request(req)
	s.Response(`{"error":{"message":"x"}}`, pdktest.WithStatus(500))
	s.Request(req)
	s.Response(`{"id":"x","choices":[]}`)
	if len(f.entries) != 0 {
		t.Errorf("stored %v", f.entries)
	}
}

func TestControls(t *testing.T) {
	f := &fakeCache{entries: map[string]string{"": completion}}
	s := newSession(t, f, `{"semantic":false}`)
	if r := s.Request(req, pdktest.WithHeader("x-wasmgate-cache", "off")); r.Action != pdk.Continue || r.ResponseHeaders["x-wasmgate-cache"] != "bypass" {
		t.Errorf("off: %v %v", r.Action, r.ResponseHeaders)
	}
	s = newSession(t, f, `{"semantic":false}`)
	if r := s.Request(req, pdktest.WithHeader("cache-control", "no-cache")); r.Action != pdk.Continue {
		t.Errorf("no-cache answered from the cache")
	}
	f.ops = nil
	s = newSession(t, f, `{"semantic":false}`)
	s.Request(req, pdktest.WithHeader("x-wasmgate-cache", "no-store"), pdktest.WithHeader("x-wasmgate-cache-ttl", "30"))
	for _, op := range f.ops {
		if op["op"] == "lookup" && op["semantic"] != false {
			t.Errorf("semantic: false not passed: %v", op)
		}
	}
	s.Response(completion)
	for _, op := range f.ops {
		if op["op"] == "store" {
			t.Errorf("no-store stored: %v", op)
		}
	}
	f.ops = nil
	s = newSession(t, f, `{"semantic":false}`) // request headers stay for a session's later calls
	s.Request(`{"model":"m","messages":[{"role":"user","content":"new"}]}`, pdktest.WithHeader("x-wasmgate-cache-ttl", "30"), pdktest.WithHeader("x-wasmgate-tenant", "t"))
	s.Response(completion)
	if len(f.ttls) != 1 || f.ttls[0] != 30000 {
		t.Errorf("the TTL header was not passed: %v", f.ops)
	}
}

func TestBackendDown(t *testing.T) {
	f := &fakeCache{entries: map[string]string{}, down: true}
	s := newSession(t, f, `{}`)
	r := s.Request(req)
	if r.Action != pdk.Continue || r.ResponseHeaders["x-wasmgate-cache"] != "bypass" || r.Failure != "" {
		t.Fatalf("store down: %v %v %q", r.Action, r.ResponseHeaders, r.Failure)
	}
	if got := strings.Join(f.kinds(), ","); got != "lookup" {
		t.Errorf("operations %s", got)
	}
}

func TestStreamAssembled(t *testing.T) {
	f := &fakeCache{entries: map[string]string{}}
	s := newSession(t, f, `{}`)
	s.Request(req)
	for _, c := range []string{
		`{"id":"s1","model":"gpt-4o-mini","created":7,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`,
		`{"id":"s1","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}`,
		`{"id":"s1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"ci"}}]},"finish_reason":null}]}`,
		`{"id":"s1","choices":[{"index":0,"delta":{"content":"lo","tool_calls":[{"index":0,"function":{"arguments":"ty\":\"Paris\"}"}}]},"finish_reason":null}]}`,
		`{"id":"s1","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`,
		`{"id":"s1","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":4}}`,
	} {
		if r := s.Chunk(c); r.Failure != "" {
			t.Fatal(r.Failure)
		}
	}
	got := f.entries[""]
	var c struct {
		ID      string `json:"id"`
		Choices []struct {
			Message struct {
				Content   string `json:"content"`
				ToolCalls []struct {
					ID       string `json:"id"`
					Function struct{ Name, Arguments string }
				} `json:"tool_calls"`
			} `json:"message"`
			Finish string `json:"finish_reason"`
		} `json:"choices"`
		Usage struct {
			Completion int `json:"completion_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal([]byte(got), &c); err != nil {
		t.Fatalf("stored %q: %v", got, err)
	}
	m := c.Choices[0].Message
	if c.ID != "s1" || m.Content != "Hello" || c.Choices[0].Finish != "tool_calls" || c.Usage.Completion != 4 ||
		len(m.ToolCalls) != 1 || m.ToolCalls[0].ID != "call_1" || m.ToolCalls[0].Function.Arguments != `{"city":"Paris"}` {
		t.Errorf("assembled %s", got)
	}
	stores := 0
	for _, op := range f.ops {
		if op["op"] == "store" {
			stores++
		}
	}
	if stores != 2 {
		t.Errorf("%d stores, want 2 (at the finish, then with the usage)", stores)
	}
}

func TestConfig(t *testing.T) {
	for _, bad := range []string{`{"min_score":1.5}`, `{"ttl_seconds":-1}`, `{"nope":1}`} {
		if _, refused := pdktest.Init(t, &cache{}, pdktest.WithConfig(bad)); refused == nil {
			t.Errorf("config %s accepted", bad)
		}
	}
}
