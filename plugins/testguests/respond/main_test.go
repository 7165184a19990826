package main

import (
	"encoding/json"
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

func TestRespond(t *testing.T) {
	res := pdktest.Request(t, respond{}, `{"model":"m","messages":[]}`)
	if res.Action != pdk.ActionRespond || res.Respond == nil || res.Respond.Status != 200 {
		t.Fatalf("action %d respond %v failure %q", res.Action, res.Respond, res.Failure)
	}
	var c struct {
		Object  string `json:"object"`
		Choices []struct {
			Message struct{ Role, Content string }
		}
	}
	if err := json.Unmarshal(res.Respond.Body, &c); err != nil {
		t.Fatal(err)
	}
	if c.Object != "chat.completion" || len(c.Choices) != 1 || c.Choices[0].Message.Content != "short-circuit" ||
		c.Choices[0].Message.Role != "assistant" {
		t.Errorf("body = %s", res.Respond.Body)
	}
}
