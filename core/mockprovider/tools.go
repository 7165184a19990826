package mockprovider

import (
	"bytes"
	"encoding/json"
	"strings"
)

// toolCall is the call the mock makes when the request offers tools.
type toolCall struct {
	id, name, args string
}

// argPieces splits a call's arguments into three pieces, as a stream sends
// them (the pieces alone are not JSON; together they are).
func (t *toolCall) argPieces() []string {
	n := len(t.args)
	return []string{t.args[:n/3], t.args[n/3 : 2*n/3], t.args[2*n/3:]}
}

// toolSchema is the part of a tool's JSON schema the mock reads.
type toolSchema struct {
	Required   []string                   `json:"required"`
	Properties map[string]json.RawMessage `json:"properties"`
}

// newToolCall calls the first tool with its first required property (or
// its first property in name order, or "input") set to text. id derives
// from the request body.
func newToolCall(name string, schema toolSchema, text string, body []byte) *toolCall {
	arg := "input"
	if len(schema.Required) > 0 {
		arg = schema.Required[0]
	} else if len(schema.Properties) > 0 {
		arg = ""
		for k := range schema.Properties {
			if arg == "" || k < arg {
				arg = k
			}
		}
	}
	args := appendString(append(appendString([]byte{'{'}, arg), ':'), text)
	args = append(args, '}')
	return &toolCall{id: string(appendHex16([]byte("call_mock"), fnv1a64(body))), name: name, args: string(args)}
}

// chatTools reads the tools of a chat request: the mock calls the first
// one when the last message is the user's and tool_choice is not "none".
func chatTools(body []byte, req *chatRequest, text string) *toolCall {
	if !bytes.Contains(body, []byte(`"tools"`)) {
		return nil
	}
	var t struct {
		Tools []struct {
			Function struct {
				Name       string     `json:"name"`
				Parameters toolSchema `json:"parameters"`
			} `json:"function"`
		} `json:"tools"`
		ToolChoice json.RawMessage `json:"tool_choice"`
	}
	if json.Unmarshal(body, &t) != nil || len(t.Tools) == 0 || t.Tools[0].Function.Name == "" ||
		strings.TrimSpace(string(t.ToolChoice)) == `"none"` || req.Messages[len(req.Messages)-1].Role != "user" {
		return nil
	}
	f := t.Tools[0].Function
	return newToolCall(f.Name, f.Parameters, text, body)
}

// appendToolCall appends a tool_calls array with t; stream chunks
// carry the index and, in the first chunk, empty arguments.
func appendToolCall(b []byte, t *toolCall, stream bool, args string) []byte {
	b = append(b, `[{`...)
	if stream {
		b = append(b, `"index":0,`...)
	}
	if !stream || args == "" {
		b = append(b, `"id":`...)
		b = appendString(b, t.id)
		b = append(b, `,"type":"function","function":{"name":`...)
		b = appendString(b, t.name)
		b = append(b, `,"arguments":`...)
	} else {
		b = append(b, `"function":{"arguments":`...)
	}
	b = appendString(b, args)
	return append(b, "}}]"...)
}
