// Command instance is a test guest for instance affinity. Its request hook
// stores a fresh random token in a package variable and in the attribute
// instance.token; its response hook fails with "instance changed" unless the
// variable still equals the attribute (one instance served both phases), and
// then sets the response header x-instance-check: ok; its chunk hook
// upper-cases the chunk's content.
package main

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/wasmgate/wasmgate/pdk/go"
)

// token is per-request state, kept in this instance between the hooks.
var token string

type instance struct{}

func (instance) OnRequest(*pdk.Request) pdk.Action {
	token = strconv.FormatUint(rand.Uint64(), 16)
	if err := pdk.SetAttr("instance.token", token); err != nil {
		return pdk.Error(500, "plugin_error", "instance: "+err.Error())
	}
	return pdk.Continue
}

func (instance) OnResponse(resp *pdk.Response) pdk.Action {
	if v, ok := pdk.Attr("instance.token"); !ok || v != token {
		return pdk.Error(500, "plugin_error", "instance changed")
	}
	if err := resp.SetHeader("x-instance-check", "ok"); err != nil {
		return pdk.Error(500, "plugin_error", "instance: "+err.Error())
	}
	return pdk.Continue
}

func (instance) OnChunk(c *pdk.Chunk) pdk.Action {
	if s := c.Content(); s != "" {
		if err := c.SetContent(strings.ToUpper(s)); err != nil {
			return pdk.Error(500, "plugin_error", "instance: "+err.Error())
		}
	}
	return pdk.Continue
}

func init() { pdk.Register(instance{}) }

func main() {}
