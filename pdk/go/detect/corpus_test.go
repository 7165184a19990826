package detect

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

// corpusLine is one line of testdata/corpus.txt with its markers removed.
type corpusLine struct {
	text string
	want []Span
}

// readCorpus reads the labelled corpus: {{kind:value}} marks a finding.
func readCorpus(t testing.TB) []corpusLine {
	t.Helper()
	f, err := os.Open("testdata/corpus.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusLine
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		raw := sc.Text()
		if raw == "" || raw[0] == '#' {
			continue
		}
		var b strings.Builder
		var want []Span
		for {
			i := strings.Index(raw, "{{")
			if i < 0 {
				b.WriteString(raw)
				break
			}
			j := strings.Index(raw[i:], "}}")
			colon := strings.IndexByte(raw[i:], ':')
			if j < 0 || colon < 0 || colon > j {
				t.Fatalf("corpus line %d: bad marker in %q", n, raw)
			}
			k, ok := ParseKind(raw[i+2 : i+colon])
			if !ok {
				t.Fatalf("corpus line %d: unknown kind %q", n, raw[i+2:i+colon])
			}
			b.WriteString(raw[:i])
			v := raw[i+colon+1 : i+j]
			want = append(want, Span{b.Len(), b.Len() + len(v), k})
			b.WriteString(v)
			raw = raw[i+j+2:]
		}
		out = append(out, corpusLine{b.String(), want})
	}
	return out
}

// TestCorpus computes precision and recall per kind over the labelled
// corpus. A finding counts only with the exact kind and boundaries, since a
// mask with the wrong boundaries leaks or mangles text.
func TestCorpus(t *testing.T) {
	lines := readCorpus(t)
	if len(lines) < 300 {
		t.Fatalf("corpus has %d lines, want hundreds", len(lines))
	}
	m, err := Compile(Spec{Builtin: kindNames[1:]})
	if err != nil {
		t.Fatal(err)
	}
	type score struct{ tp, fp, fn int }
	scores := map[Kind]*score{}
	for _, k := range Builtins {
		scores[k] = &score{}
	}
	for _, l := range lines {
		got := m.Find(nil, l.text)
		want := map[Span]bool{}
		for _, w := range l.want {
			want[w] = true
		}
		for _, g := range got {
			if want[g] {
				scores[g.Kind].tp++
				delete(want, g)
			} else {
				scores[g.Kind].fp++
				t.Logf("false positive %s %q in %q", g.Kind, l.text[g.Start:g.End], l.text)
			}
		}
		for w := range want {
			scores[w.Kind].fn++
			t.Logf("missed %s %q in %q", w.Kind, l.text[w.Start:w.End], l.text)
		}
	}
	var report []string
	for _, k := range Builtins {
		s := scores[k]
		if s.tp+s.fn == 0 {
			t.Errorf("%s: the corpus has no examples", k)
			continue
		}
		p := float64(s.tp) / float64(max(s.tp+s.fp, 1))
		r := float64(s.tp) / float64(s.tp+s.fn)
		report = append(report, fmt.Sprintf("%-8s precision %.3f recall %.3f (tp %d, fp %d, fn %d)", k, p, r, s.tp, s.fp, s.fn))
		if p < 0.95 || r < 0.95 {
			t.Errorf("%s: precision %.3f recall %.3f, want >= 0.95 both", k, p, r)
		}
	}
	sort.Strings(report)
	t.Log("per kind:\n" + strings.Join(report, "\n"))
}
