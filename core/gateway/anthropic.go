package gateway

import (
	"github.com/wasmgate/wasmgate/core/anthropicapi"
)

// anthropicReply renders a buffered canonical reply for an Anthropic
// client: a message, or an error in Anthropic's shape (a plugin's own
// short-circuit error).
func anthropicReply(r *Reply, model string) (*Reply, error) {
	if r.Status >= 400 {
		r.Body = anthropicapi.ErrorFromChat(r.Status, r.Body)
		return r, nil
	}
	b, err := anthropicapi.FromChat(r.Body, model)
	if err != nil {
		return nil, err
	}
	r.Body = b
	return r, nil
}
