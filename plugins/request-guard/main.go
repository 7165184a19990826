// Command request-guard enforces limits on chat requests before they reach a
// provider: the models a pipeline may use, the number of messages, the size
// of the prompt, and the most tokens a completion may ask for.
package main

import (
	"errors"
	"strconv"

	"github.com/wasmgate/wasmgate/pdk/go"
)

// ClampedAttr is set to "true" when the guard lowered a token limit.
const ClampedAttr = "guard.clamped"

type guard struct {
	MaxTokens      int      `json:"max_tokens"`
	MaxMessages    int      `json:"max_messages"`
	MaxPromptBytes int      `json:"max_prompt_bytes"`
	AllowModels    []string `json:"allow_models"`

	raw []byte // a token field as read, reused between requests
}

func (g *guard) Init(cfg pdk.Config) error {
	if err := cfg.UnmarshalStrict(g); err != nil {
		return errors.New("request-guard: config: " + err.Error())
	}
	if g.MaxTokens < 0 || g.MaxMessages < 0 || g.MaxPromptBytes < 0 {
		return errors.New("request-guard: config: limits must not be negative (0 turns a limit off)")
	}
	for _, p := range g.AllowModels {
		if p == "" {
			return errors.New("request-guard: config: empty pattern in allow_models")
		}
	}
	return nil
}

func (g *guard) OnRequest(req *pdk.Request) pdk.Action {
	if len(g.AllowModels) > 0 {
		model := req.Model()
		if !g.allowed(model) {
			return pdk.Error(403, "permission_error", "model "+strconv.Quote(model)+" is not allowed on this route")
		}
	}
	if g.MaxMessages > 0 {
		if n := req.MessageCount(); n > g.MaxMessages {
			return pdk.Error(400, "invalid_request_error", "too many messages: "+strconv.Itoa(n)+
				" (max_messages is "+strconv.Itoa(g.MaxMessages)+")")
		}
	}
	if g.MaxPromptBytes > 0 {
		if n := promptBytes(req, g.MaxPromptBytes); n > g.MaxPromptBytes {
			return pdk.Error(400, "invalid_request_error", "prompt too large: "+strconv.Itoa(n)+
				" bytes of message content (max_prompt_bytes is "+strconv.Itoa(g.MaxPromptBytes)+")")
		}
	}
	if g.MaxTokens > 0 {
		clamped := false
		for _, field := range [...]string{"max_tokens", "max_completion_tokens"} {
			// One read per field: an absent field costs no second call.
			raw, present := req.AppendRaw(g.raw[:0], field)
			g.raw = raw
			if !present || string(raw) == "null" {
				continue
			}
			n, ok := parseInt(raw)
			if !ok {
				return pdk.Error(400, "invalid_request_error", field+" must be an integer")
			}
			if n > g.MaxTokens {
				if err := req.SetInt(field, g.MaxTokens); err != nil {
					return pdk.Error(500, "plugin_error", "request-guard: "+err.Error())
				}
				clamped = true
			}
		}
		if clamped {
			if err := pdk.SetAttr(ClampedAttr, "true"); err != nil {
				return pdk.Error(500, "plugin_error", "request-guard: "+err.Error())
			}
		}
	}
	return pdk.Continue
}

// promptBytes returns the bytes of message text (the content strings and
// text parts). The size of the raw messages JSON bounds it from above, so
// the messages are only read one by one when that size is over the limit.
func promptBytes(req *pdk.Request, limit int) int {
	size, ok := req.Size("messages")
	if !ok || size <= limit {
		return 0
	}
	total := 0
	for i, n := 0, req.MessageCount(); i < n; i++ {
		total += len(req.Message(i).Content)
	}
	return total
}

// parseInt reads a JSON integer (digits, an optional minus sign), as
// pdk.Request.GetInt does; anything else, such as 2.5 or 1e3, is not one.
func parseInt(b []byte) (int, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

func (g *guard) allowed(model string) bool {
	for _, p := range g.AllowModels {
		if pdk.Match(p, model) {
			return true
		}
	}
	return false
}

func init() { pdk.Register(&guard{}) }

func main() {}
