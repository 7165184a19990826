package cache

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/core/embed"
	"github.com/wasmgate/wasmgate/core/vectorstore"
)

// TestParaphraseSet measures the offline embedder on testdata/paraphrases.tsv
// at the plugin's default threshold: the share of rephrasings that hit, and
// that no different question does. The embedder measures shared wording, so
// rephrasings with other words miss (see embed.Offline); a wrong hit is
// never acceptable.
func TestParaphraseSet(t *testing.T) {
	const threshold = 0.92 // plugins/cache's default min_score
	f, err := os.Open("testdata/paraphrases.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e := embed.NewOffline(0)
	var same, sameHits, other, otherHits int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) != 3 {
			t.Fatalf("bad line %q", line)
		}
		// The plugin embeds the conversation as "user: <text>".
		v, _ := e.Embed(context.Background(), []string{"user: " + parts[1] + "\n", "user: " + parts[2] + "\n"})
		hit := vectorstore.Cosine(v[0], v[1]) >= threshold
		switch parts[0] {
		case "same":
			same++
			if hit {
				sameHits++
			}
		case "other":
			other++
			if hit {
				otherHits++
				t.Errorf("wrong hit: %q answered %q (cosine %.3f)", parts[1], parts[2], vectorstore.Cosine(v[0], v[1]))
			}
		}
	}
	rate := float64(sameHits) / float64(same)
	t.Logf("offline embedder at %.2f: %d of %d rephrasings hit (%.0f %%), %d of %d different questions hit",
		threshold, sameHits, same, 100*rate, otherHits, other)
	if same < 40 || other < 10 {
		t.Fatalf("the set is too small: %d rephrasings, %d others", same, other)
	}
	// Case, punctuation and small wording changes must hit: at least a third
	// of the set is made of them.
	if rate < 0.3 {
		t.Errorf("hit rate %.2f: the offline embedder misses even the surface rephrasings", rate)
	}
	fmt.Fprintf(os.Stderr, "paraphrase set: hit rate %.2f (%d/%d), wrong hits %d/%d\n", rate, sameHits, same, otherHits, other)
}
