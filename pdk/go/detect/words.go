package detect

import (
	"errors"
	"fmt"
)

// wordList finds words and phrases: all the word lists of a Matcher, in
// one pass. A regular expression of alternatives runs the slow NFA path of
// Go's regexp; a list of thousands of phrases (prompt-injection heuristics)
// would cost far more than the rest of a scan. Instead the text is read word
// by word, each word is looked up among the phrases' first words, and only
// those candidates are compared further.
type wordList struct {
	folded  map[string][]int // lower-case first word -> phrases that ignore case
	exact   map[string][]int // first word -> case-sensitive phrases
	phrases []phrase

	// firsts is a bit per hash of a lower-case first word: most words of a
	// text start no phrase, and this rules them out without a map lookup.
	firsts [firstsBits / 64]uint64
}

const firstsBits = 1 << 12

const fnvOffset, fnvPrime = 2166136261, 16777619

// wordHash is FNV-1a of word in ASCII lower case, cut to firstsBits.
func wordHash(word string) uint32 {
	h := uint32(fnvOffset)
	for i := 0; i < len(word); i++ {
		h = (h ^ uint32(lowerBytes[word[i]])) * fnvPrime
	}
	return h & (firstsBits - 1)
}

// Tables of the word scan: isWordRune and ASCII lower case by byte.
var wordRunes, lowerBytes = func() (r [256]bool, l [256]byte) {
	for c := 0; c < 256; c++ {
		r[c], l[c] = isWordRune(byte(c)), byte(c)
		if c >= 'A' && c <= 'Z' {
			l[c] += 'a' - 'A'
		}
	}
	return
}()

type phrase struct {
	words []string // lower case when fold
	fold  bool
	kind  Kind
}

// add adds a list of words and phrases reporting kind k.
func (w *wordList) add(words []string, fold bool, k Kind) error {
	if w.folded == nil {
		w.folded, w.exact = map[string][]int{}, map[string][]int{}
	}
	if len(words) == 0 {
		return errors.New("empty word list")
	}
	for i, text := range words {
		ph := phrase{fold: fold, kind: k}
		for p := 0; ; {
			st, e := nextWord(text, p)
			if st < 0 {
				break
			}
			word := text[st:e]
			if fold {
				word = string(lower(nil, word))
			}
			ph.words = append(ph.words, word)
			p = e
		}
		if len(ph.words) == 0 {
			return fmt.Errorf("word %d has no letters or digits", i)
		}
		m := w.exact
		if fold {
			m = w.folded
		}
		m[ph.words[0]] = append(m[ph.words[0]], len(w.phrases))
		h := wordHash(ph.words[0])
		w.firsts[h/64] |= 1 << (h % 64)
		w.phrases = append(w.phrases, ph)
	}
	return nil
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

// lower appends word in ASCII lower case.
func lower(dst []byte, word string) []byte {
	for i := 0; i < len(word); i++ {
		c := word[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

func equalWord(word, key string, fold bool) bool {
	if len(word) != len(key) {
		return false
	}
	for i := 0; i < len(word); i++ {
		c := word[i]
		if fold && c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != key[i] {
			return false
		}
	}
	return true
}

func (w *wordList) find(dst []Span, s string) []Span {
	var buf [64]byte
	for p := 0; p < len(s); {
		// One pass over each word: its bounds and the hash of its lower
		// case, which rules most words out before any map look-up.
		for p < len(s) && !wordRunes[s[p]] {
			p++
		}
		st, h := p, uint32(fnvOffset)
		for ; p < len(s) && wordRunes[s[p]]; p++ {
			h = (h ^ uint32(lowerBytes[s[p]])) * fnvPrime
		}
		if h &= firstsBits - 1; st == p || w.firsts[h/64]&(1<<(h%64)) == 0 {
			continue
		}
		e := p
		word := s[st:e]
		best, kind := -1, Kind(0)
		try := func(cands []int) {
			for _, c := range cands {
				ph := &w.phrases[c]
				if end := w.matchRest(s, e, ph); end > best {
					best, kind = end, ph.kind
				}
			}
		}
		if len(w.folded) > 0 && len(word) <= len(buf) {
			try(w.folded[string(lower(buf[:0], word))]) // no allocation: a map index by converted bytes
		}
		if len(w.exact) > 0 {
			try(w.exact[word])
		}
		if best >= 0 {
			dst = append(dst, Span{st, best, kind})
			p = best
		}
	}
	return dst
}

// matchRest matches the remaining words of a phrase from s[p:]; it returns
// the end of the last one, or -1.
func (w *wordList) matchRest(s string, p int, ph *phrase) int {
	for _, key := range ph.words[1:] {
		st, e := nextWord(s, p)
		if st < 0 || !equalWord(s[st:e], key, ph.fold) {
			return -1
		}
		p = e
	}
	return p
}
