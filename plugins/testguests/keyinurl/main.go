// Command keyinurl is a test guest: a provider adapter that passes the
// canonical request on and puts the provider key in the URL's query
// (?key=...), as some providers want it. The gateway's tests use it to check
// that a re-read key replaces the old one in the URL, and that a key in a
// URL never reaches the log.
package main

import (
	"strings"

	"github.com/wasmgate/wasmgate/pdk/go"
)

type keyinurl struct{}

func (keyinurl) OnRequest(*pdk.Request) pdk.Action {
	base, _ := pdk.Attr(pdk.AttrProviderURL)
	key, _ := pdk.Attr(pdk.AttrProviderAPIKey)
	up := pdk.Upstream()
	if err := up.SetURL(strings.TrimRight(base, "/") + "/chat/completions?key=" + key); err != nil {
		return pdk.Error(500, "plugin_error", "keyinurl: "+err.Error())
	}
	if err := up.SetHeader("content-type", "application/json"); err != nil {
		return pdk.Error(500, "plugin_error", "keyinurl: "+err.Error())
	}
	return pdk.Continue
}

func init() { pdk.Register(keyinurl{}) }

func main() {}
