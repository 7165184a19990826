package mockprovider

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"
)

const (
	maxEmbeddingInputs     = 2048
	maxEmbeddingDimensions = 4096
)

type embeddingsRequest struct {
	Model          *string         `json:"model"`
	Input          json.RawMessage `json:"input"`
	Dimensions     *int            `json:"dimensions"`
	EncodingFormat *string         `json:"encoding_format"`
}

// embeddingInput is one input: its hash seeds the vector, tokens is its
// usage.
type embeddingInput struct {
	seed   uint64
	tokens int
}

func (h *handler) embeddings(w http.ResponseWriter, r *http.Request) {
	p := h.readBody(w, r)
	if p == nil {
		return
	}
	var req embeddingsRequest
	err := json.Unmarshal(*p, &req)
	putBuf(p)
	if err != nil {
		writeDecodeError(w, err)
		return
	}
	if req.Model == nil || *req.Model == "" {
		writeError(w, http.StatusBadRequest, "you must provide a model parameter", typeInvalidRequest, "", "")
		return
	}
	inputs, ok := parseEmbeddingInput(w, req.Input)
	if !ok {
		return
	}
	dims := DefaultEmbeddingDimensions
	if req.Dimensions != nil {
		if !checkRange(w, "dimensions", *req.Dimensions, 1, maxEmbeddingDimensions) {
			return
		}
		dims = *req.Dimensions
	}
	base64Format := false
	if req.EncodingFormat != nil {
		switch *req.EncodingFormat {
		case "float":
		case "base64":
			base64Format = true
		default:
			writeError(w, http.StatusBadRequest,
				"Invalid value: '"+*req.EncodingFormat+"'. Supported values are: 'float' and 'base64'.",
				typeInvalidRequest, "encoding_format", "invalid_value")
			return
		}
	}
	f := parseFaults(*req.Model)
	if !wait(r.Context(), h.opts.Latency+time.Duration(f.slowMS)*time.Millisecond) {
		return
	}
	if f.status != 0 {
		writeFault(w, f.status, *req.Model)
		return
	}

	bp := getBuf()
	defer putBuf(bp)
	b := append(*bp, `{"object":"list","data":[`...)
	vec := make([]float32, dims)
	var raw []byte
	tokens := 0
	for i, in := range inputs {
		tokens += in.tokens
		embed(vec, in.seed)
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"object":"embedding","index":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"embedding":`...)
		if base64Format {
			raw = raw[:0]
			for _, v := range vec {
				raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
			}
			b = append(b, '"')
			b = base64.StdEncoding.AppendEncode(b, raw)
			b = append(b, '"')
		} else {
			b = append(b, '[')
			for j, v := range vec {
				if j > 0 {
					b = append(b, ',')
				}
				b = strconv.AppendFloat(b, float64(v), 'g', -1, 32)
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	b = append(b, `],"model":`...)
	b = appendString(b, *req.Model)
	b = append(b, `,"usage":{"prompt_tokens":`...)
	b = strconv.AppendInt(b, int64(tokens), 10)
	b = append(b, `,"total_tokens":`...)
	b = strconv.AppendInt(b, int64(tokens), 10)
	b = append(b, "}}\n"...)
	*bp = b
	if f.cut {
		writeCut(w, "application/json", b)
	}
	writeJSON(w, http.StatusOK, b)
}

func invalidInput(w http.ResponseWriter) {
	writeError(w, http.StatusBadRequest,
		"'$.input' is invalid: expected a non-empty string, an array of non-empty strings, an array of tokens or an array of token arrays.",
		typeInvalidRequest, "input", "invalid_value")
}

// parseEmbeddingInput accepts a string, an array of strings, an array of
// token ids, or an array of arrays of token ids.
func parseEmbeddingInput(w http.ResponseWriter, raw json.RawMessage) ([]embeddingInput, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		writeError(w, http.StatusBadRequest, "Missing required parameter: 'input'.", typeInvalidRequest, "input", "missing_required_parameter")
		return nil, false
	}
	var s string
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil || s == "" {
			invalidInput(w)
			return nil, false
		}
		return []embeddingInput{{seed: fnv1a64String(s), tokens: countWords(s)}}, true
	}
	var items []json.RawMessage
	if raw[0] != '[' || json.Unmarshal(raw, &items) != nil || len(items) == 0 {
		invalidInput(w)
		return nil, false
	}
	if len(items) > maxEmbeddingInputs {
		writeError(w, http.StatusBadRequest,
			"Invalid 'input': array too long. Expected an array with maximum length "+strconv.Itoa(maxEmbeddingInputs)+", but got an array with length "+strconv.Itoa(len(items))+" instead.",
			typeInvalidRequest, "input", "array_above_max_length")
		return nil, false
	}
	// One array of token ids is a single input.
	if c := items[0][0]; c == '-' || c >= '0' && c <= '9' {
		var tokens []int64
		if json.Unmarshal(raw, &tokens) != nil {
			invalidInput(w)
			return nil, false
		}
		return []embeddingInput{{seed: hashTokens(tokens), tokens: len(tokens)}}, true
	}
	inputs := make([]embeddingInput, 0, len(items))
	for _, item := range items {
		switch item[0] {
		case '"':
			if json.Unmarshal(item, &s) != nil || s == "" {
				invalidInput(w)
				return nil, false
			}
			inputs = append(inputs, embeddingInput{seed: fnv1a64String(s), tokens: countWords(s)})
		case '[':
			var tokens []int64
			if json.Unmarshal(item, &tokens) != nil || len(tokens) == 0 {
				invalidInput(w)
				return nil, false
			}
			inputs = append(inputs, embeddingInput{seed: hashTokens(tokens), tokens: len(tokens)})
		default:
			invalidInput(w)
			return nil, false
		}
	}
	return inputs, true
}

func hashTokens(tokens []int64) uint64 {
	b := make([]byte, 0, 8*len(tokens))
	for i, t := range tokens {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, t, 10)
	}
	return fnv1a64(b)
}

// embed fills vec with a unit vector drawn from a generator seeded with seed.
func embed(vec []float32, seed uint64) {
	x := seed
	sum := 0.0
	tmp := make([]float64, len(vec))
	for i := range tmp {
		v := float64(splitmix64(&x)>>11)/(1<<53)*2 - 1
		tmp[i] = v
		sum += v * v
	}
	norm := math.Sqrt(sum)
	if norm == 0 {
		norm = 1
	}
	for i, v := range tmp {
		vec[i] = float32(v / norm)
	}
}
