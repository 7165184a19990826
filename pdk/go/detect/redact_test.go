package detect

import (
	"fmt"
	"strings"
	"testing"
)

// TestPlaceholdersManyValues: the same value of a kind gets the same
// placeholder and a new one the next number, below and past the number of
// values looked up without a map, and again after Reset.
func TestPlaceholdersManyValues(t *testing.T) {
	m, err := Compile(Spec{Builtin: []string{"email", "ssn"}, Redact: &Redact{Rules: []RedactRule{
		{Kind: "email", Action: "mask", Label: "EMAIL"}, {Kind: "ssn", Action: "mask", Label: "SSN"}}}})
	if err != nil {
		t.Fatal(err)
	}
	var ph Placeholders
	for round := range 2 {
		ph.Reset()
		for _, n := range []int{3, linearPairs, linearPairs + 1, 3 * linearPairs} {
			var text, want strings.Builder
			for i := 1; i <= n; i++ { // each value twice, then the first one again
				fmt.Fprintf(&text, "u%d@example.com and u%d@example.com; ", i, i)
				fmt.Fprintf(&want, "[EMAIL_%d] and [EMAIL_%d]; ", i, i)
			}
			text.WriteString("u1@example.com 123-45-6789")
			want.WriteString("[EMAIL_1] [SSN_1]")
			ph.Reset()
			got, changed, err := m.AppendRedacted(nil, text.String(), m.Find(nil, text.String()), &ph)
			if err != nil || !changed || string(got) != want.String() {
				t.Fatalf("round %d, %d values: %v %v\n got %s\nwant %s", round, n, changed, err, got, want.String())
			}
			if len(ph.Pairs) != n+1 || ph.Pairs[n-1] != (Pair{fmt.Sprintf("[EMAIL_%d]", n), fmt.Sprintf("u%d@example.com", n)}) {
				t.Fatalf("%d values: pairs %v", n, ph.Pairs[max(0, len(ph.Pairs)-2):])
			}
		}
	}
}
