package main

import (
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

func TestKeyInURL(t *testing.T) {
	res := pdktest.Request(t, keyinurl{}, `{"model":"m","messages":[]}`, pdktest.AsAdapter(),
		pdktest.WithAttr(pdk.AttrProviderURL, "http://p.example/v1/"), pdktest.WithAttr(pdk.AttrProviderAPIKey, "k1"))
	if res.Action != pdk.Continue || res.Upstream.URL != "http://p.example/v1/chat/completions?key=k1" {
		t.Fatalf("%v %+v", res.Action, res.Upstream)
	}
}
