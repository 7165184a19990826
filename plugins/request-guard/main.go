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
			n, ok := req.GetInt(field)
			if !ok {
				if raw, present := req.Get(field); !present || string(raw) == "null" {
					continue
				}
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
