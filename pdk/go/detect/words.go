package detect

import (
	"errors"
	"fmt"
)

// wordList finds words and phrases. A regular expression of alternatives
// runs the slow NFA path of Go's regexp; a list of hundreds of phrases
// (prompt-injection heuristics) would cost far more than the rest of a scan.
// Instead the text is read word by word, each word is looked up among the
// phrases' first words, and only those candidates are compared further.
type wordList struct {
	fold    bool
	first   map[string][]int // first word -> phrases
	phrases [][]string
}

func newWordList(words []string, fold bool) (*wordList, error) {
	w := &wordList{fold: fold, first: map[string][]int{}}
	for i, phrase := range words {
		var toks []string
		for p := 0; ; {
			st, e := nextWord(phrase, p)
			if st < 0 {
				break
			}
			toks = append(toks, w.key(nil, phrase[st:e]))
			p = e
		}
		if len(toks) == 0 {
			return nil, fmt.Errorf("word %d has no letters or digits", i)
		}
		w.first[toks[0]] = append(w.first[toks[0]], len(w.phrases))
		w.phrases = append(w.phrases, toks)
	}
	if len(w.phrases) == 0 {
		return nil, errors.New("empty word list")
	}
	return w, nil
}

// isWordRune is a byte of a word: ASCII letters, digits and '_', and every
// byte of a multi-byte UTF-8 character.
func isWordRune(c byte) bool { return isWordByte(c) || c >= 0x80 }

// nextWord returns the bounds of the first word at or after p, or -1.
func nextWord(s string, p int) (start, end int) {
	for p < len(s) && !isWordRune(s[p]) {
		p++
	}
	if p >= len(s) {
		return -1, -1
	}
	e := p
	for e < len(s) && isWordRune(s[e]) {
		e++
	}
	return p, e
}

// key is the word as the lists store it: lower case (ASCII) when folding.
func (w *wordList) key(buf []byte, word string) string {
	if !w.fold {
		return word
	}
	buf = buf[:0]
	for i := 0; i < len(word); i++ {
		c := word[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return string(buf)
}

func (w *wordList) equal(word, key string) bool {
	if len(word) != len(key) {
		return false
	}
	for i := 0; i < len(word); i++ {
		c := word[i]
		if w.fold && c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != key[i] {
			return false
		}
	}
	return true
}

func (w *wordList) find(dst []Span, s string, k Kind) []Span {
	var buf [64]byte
	for p := 0; ; {
		st, e := nextWord(s, p)
		if st < 0 {
			return dst
		}
		p = e
		word := s[st:e]
		var cands []int
		if w.fold && len(word) <= len(buf) {
			b := buf[:0]
			for i := 0; i < len(word); i++ {
				c := word[i]
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				b = append(b, c)
			}
			cands = w.first[string(b)] // no allocation: a map index by converted bytes
		} else {
			cands = w.first[w.key(nil, word)]
		}
		best := -1
		for _, c := range cands {
			if end := w.matchRest(s, e, w.phrases[c][1:]); end > best {
				best = end
			}
		}
		if best >= 0 {
			dst = append(dst, Span{st, best, k})
			p = best
		}
	}
}

// matchRest matches the remaining words of a phrase from s[p:]; it returns
// the end of the last one, or -1.
func (w *wordList) matchRest(s string, p int, rest []string) int {
	for _, key := range rest {
		st, e := nextWord(s, p)
		if st < 0 || !w.equal(s[st:e], key) {
			return -1
		}
		p = e
	}
	return p
}
