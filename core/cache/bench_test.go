package cache_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/vectorstore/weaviate/weaviatetest"
)

// timed sends body b.N times and reports the p50 latency in µs; check
// says whether an answer is the expected kind.
func timed(b *testing.B, g *gw, body func(i int) string, check func(http.Header) bool, headers ...string) float64 {
	b.Helper()
	client := &http.Client{}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		req, _ := http.NewRequest(http.MethodPost, g.url+"/v1/chat/completions", strings.NewReader(body(i)))
		req.Header.Set("Content-Type", "application/json")
		for j := 0; j+1 < len(headers); j += 2 {
			req.Header.Set(headers[j], headers[j+1])
		}
		t := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lat = append(lat, time.Since(t))
		if !check(resp.Header) {
			b.Fatalf("request %d: cache %q tier %q", i, resp.Header.Get("x-wasmgate-cache"), resp.Header.Get("x-wasmgate-cache-tier"))
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	p50 := float64(lat[len(lat)/2].Microseconds())
	b.ReportMetric(p50, "p50-µs")
	return p50
}

func tier(want string) func(http.Header) bool {
	return func(h http.Header) bool { return h.Get("x-wasmgate-cache-tier") == want }
}

func status(want string) func(http.Header) bool {
	return func(h http.Header) bool { return h.Get("x-wasmgate-cache") == want }
}

// benchHits measures an exact and a semantic hit end to end through the
// gateway (HTTP on loopback included).
func benchHits(b *testing.B, section string) {
	p := newProvider(b)
	g := startGateway(b, p.srv.URL, section, b.TempDir())
	q := chat("gpt-4o-mini", "What is the capital of France?", "")
	ask(b, g, q)
	b.Run("exact", func(b *testing.B) {
		timed(b, g, func(int) string { return q }, tier("exact"))
	})
	b.Run("semantic", func(b *testing.B) {
		timed(b, g, func(int) string { return chat("gpt-4o-mini", "what is the capital of france", "") }, tier("semantic"))
	})
}

func BenchmarkHitEmbedded(b *testing.B) { benchHits(b, "  embedder: {kind: offline}") }

func BenchmarkHitWeaviate(b *testing.B) {
	if os.Getenv("WASMGATE_TEST_WEAVIATE_BIN") == "" {
		b.Skip("WASMGATE_TEST_WEAVIATE_BIN is not set (make bench sets it)")
	}
	srv := weaviatetest.Start(b)
	benchHits(b, "  store: weaviate\n  weaviate: {url: \""+srv.URL+"\", class: Bench}\n  embedder: {kind: offline}")
}

// BenchmarkMiss is the added cost of a miss (lookup, embedding, store)
// over the same requests with the cache turned off for the request.
func BenchmarkMiss(b *testing.B) {
	p := newProvider(b)
	g := startGateway(b, p.srv.URL, "  embedder: {kind: offline}", b.TempDir())
	// b.Run calls its function several times: a counter keeps every
	// question new.
	n := 0
	question := func(prefix string) func(int) string {
		return func(int) string {
			n++
			return chat("gpt-4o-mini", fmt.Sprintf("%s question number %d about topic %d?", prefix, n, n*7919), "")
		}
	}
	var off, miss float64
	b.Run("cache-off", func(b *testing.B) { off = timed(b, g, question("off"), status("bypass"), "x-wasmgate-cache", "off") })
	b.Run("miss", func(b *testing.B) { miss = timed(b, g, question("miss"), status("miss")) })
	b.Logf("a miss adds %.0f µs at p50 (%.0f vs %.0f)", miss-off, miss, off)
}
