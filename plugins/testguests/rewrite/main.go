// Command rewrite is a test guest: a request hook that reads the last user
// message and writes back a changed copy, "[rewritten] " + content. The host's
// benchmarks use it to measure a typical read-modify-write hook.
package main

import "github.com/wasmgate/wasmgate/pdk/go"

// Prefix is put in front of the last user message.
const Prefix = "[rewritten] "

type rewrite struct{}

func (rewrite) OnRequest(req *pdk.Request) pdk.Action {
	i, content, ok := req.LastUserMessage()
	if !ok {
		return pdk.Continue
	}
	if err := req.SetMessageContent(i, Prefix+content); err != nil {
		return pdk.Error(500, "plugin_error", "rewrite: "+err.Error())
	}
	return pdk.Continue
}

func init() { pdk.Register(rewrite{}) }

func main() {}
