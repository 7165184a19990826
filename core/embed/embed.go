// Package embed turns text into vectors for the semantic cache: through a
// provider's OpenAI-compatible embeddings endpoint, or offline with the
// built-in hashing embedder.
package embed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Embedder turns texts into vectors, one per text, all of one dimension.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	// Name identifies the embedder and its settings: vectors of different
	// names are not comparable, so it goes into the cache's partition.
	Name() string
}

// ErrUnavailable wraps failures of a remote embedder; callers bypass the
// semantic tier and count it.
var ErrUnavailable = errors.New("embedder unavailable")

// Offline is the built-in embedder: no model, no network. It hashes word
// unigrams, word bigrams and character trigrams into a fixed number of
// dimensions (the "hashing trick") with log term-frequency weights.
//
// Its limits: it measures how much wording two texts share, not what they
// mean. Reordered words, changed punctuation or case, a few words added or
// dropped, typos and inflections score high; a paraphrase with different
// words (synonyms) scores low, and a sentence that says the opposite with
// the same words ("is" / "is not") scores high. Use it with a high
// threshold (0.9 by default), or a provider's embeddings for real
// paraphrase matching.
type Offline struct {
	Dim int
}

// NewOffline returns the offline embedder with dim dimensions (512 when 0).
func NewOffline(dim int) *Offline {
	if dim <= 0 {
		dim = 512
	}
	return &Offline{Dim: dim}
}

// Name identifies the embedder.
func (o *Offline) Name() string { return fmt.Sprintf("offline-hash-v1-%d", o.Dim) }

// Embed embeds each text.
func (o *Offline) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = o.vector(t)
	}
	return out, nil
}

func (o *Offline) vector(text string) []float32 {
	v := make([]float32, o.Dim)
	// Features are hashed as they are read, without building their strings.
	counts := make(map[uint64]float32, 64)
	words := tokens(text)
	for i, w := range words {
		counts[hash2("w:", w, "")]++
		if i > 0 {
			counts[hash2("b:", words[i-1], " "+w)] += 0.5
		}
		r := []rune(" " + w + " ")
		for j := 0; j+3 <= len(r); j++ {
			counts[hash2("c:", string(r[j:j+3]), "")] += 0.25
		}
	}
	for h, c := range counts {
		idx := int(h % uint64(o.Dim))
		w := float32(1 + math.Log(float64(1+c)))
		if h&(1<<63) != 0 { // a sign bit keeps collisions from adding up
			w = -w
		}
		v[idx] += w
	}
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum > 0 {
		inv := float32(1 / math.Sqrt(sum))
		for i := range v {
			v[i] *= inv
		}
	}
	return v
}

// hash2 is FNV-1a (64 bit) of a+b+c, without the concatenation: stable
// across processes and replicas, so stored vectors stay comparable after a
// restart.
func hash2(a, b, c string) uint64 {
	h := uint64(14695981039346656037)
	for _, s := range [3]string{a, b, c} {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= 1099511628211
		}
	}
	return h
}

// tokens lower-cases text and splits it into words of letters and digits.
func tokens(text string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for len(text) > 0 {
		r, n := utf8.DecodeRuneInString(text)
		text = text[n:]
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		} else {
			flush()
		}
	}
	flush()
	return out
}

// Provider calls an OpenAI-compatible embeddings endpoint
// (POST {BaseURL}/embeddings).
type Provider struct {
	BaseURL string
	APIKey  string
	Model   string
	Client  *http.Client // nil: a client with a 10 s timeout
}

// defaultClient serves every Provider without a Client of its own; one
// client for all calls instead of a new one per call.
var defaultClient = &http.Client{Timeout: 10 * time.Second}

// Name identifies the embedder.
func (p *Provider) Name() string { return "provider-" + p.Model }

// Embed sends all texts in one request.
func (p *Provider) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	body, _ := json.Marshal(map[string]any{"model": p.Model, "input": texts})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(p.BaseURL, "/")+"/embeddings", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("embeddings: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if p.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+p.APIKey)
	}
	client := p.Client
	if client == nil {
		client = defaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		// The URL is the provider's, never the key; keep the message short.
		return nil, fmt.Errorf("%w: embeddings request failed", ErrUnavailable)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: reading the embeddings response", ErrUnavailable)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: embeddings endpoint answered %d", ErrUnavailable, resp.StatusCode)
	}
	var out struct {
		Data []struct {
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("%w: embeddings response is not the OpenAI format", ErrUnavailable)
	}
	vecs := make([][]float32, len(texts))
	for _, d := range out.Data {
		if d.Index < 0 || d.Index >= len(texts) {
			return nil, fmt.Errorf("%w: embeddings response has index %d for %d inputs", ErrUnavailable, d.Index, len(texts))
		}
		vecs[d.Index] = d.Embedding
	}
	for i, v := range vecs {
		if len(v) == 0 {
			return nil, fmt.Errorf("%w: no embedding for input %d", ErrUnavailable, i)
		}
	}
	return vecs, nil
}
