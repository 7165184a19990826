package embed

import (
	"context"
	"errors"
	"testing"

	"github.com/wasmgate/wasmgate/core/mockprovider"
	"github.com/wasmgate/wasmgate/core/vectorstore"
)

func TestOfflineSimilarity(t *testing.T) {
	e := NewOffline(0)
	base := "What is the capital of France?"
	tests := []struct {
		other    string
		min, max float32
	}{
		{"what is the capital of france", 0.99, 1.01},           // case and punctuation
		{"What's the capital of France?", 0.80, 1.01},           // a contraction
		{"Tell me: what is the capital of France?", 0.80, 0.99}, // words added
		{"France: what is its capital?", 0.55, 0.95},            // reordered
		{"How do I reset my router password?", -1, 0.3},         // unrelated
	}
	for _, tc := range tests {
		v, _ := e.Embed(context.Background(), []string{base, tc.other})
		c := vectorstore.Cosine(v[0], v[1])
		if c < tc.min || c > tc.max {
			t.Errorf("cosine(%q, %q) = %.3f, want in [%.2f, %.2f]", base, tc.other, c, tc.min, tc.max)
		}
	}
}

func TestOfflineIsDeterministic(t *testing.T) {
	a, _ := NewOffline(64).Embed(context.Background(), []string{"same text, same vector"})
	b, _ := NewOffline(64).Embed(context.Background(), []string{"same text, same vector"})
	if len(a[0]) != 64 {
		t.Fatalf("dimension %d", len(a[0]))
	}
	for i := range a[0] {
		if a[0][i] != b[0][i] {
			t.Fatal("two embedders gave different vectors for one text")
		}
	}
}

func TestProviderEmbedder(t *testing.T) {
	srv, err := mockprovider.Start("127.0.0.1:0", mockprovider.Options{APIKey: "sk-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	p := &Provider{BaseURL: srv.URL(), APIKey: "sk-test", Model: "text-embedding-3-small"}
	v, err := p.Embed(context.Background(), []string{"one", "two", "one"})
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != 3 || len(v[0]) == 0 || len(v[0]) != len(v[1]) {
		t.Fatalf("got %d vectors", len(v))
	}
	if vectorstore.Cosine(v[0], v[2]) < 0.999 {
		t.Error("the same text embedded twice differs")
	}
	bad := &Provider{BaseURL: srv.URL(), APIKey: "wrong", Model: "m"}
	if _, err := bad.Embed(context.Background(), []string{"x"}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("wrong key: err = %v, want ErrUnavailable", err)
	}
	down := &Provider{BaseURL: "http://127.0.0.1:1/v1", Model: "m"}
	if _, err := down.Embed(context.Background(), []string{"x"}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("provider down: err = %v, want ErrUnavailable", err)
	}
}
