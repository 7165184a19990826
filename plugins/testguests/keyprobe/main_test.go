package main

import (
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

func TestKeyprobe(t *testing.T) {
	res := pdktest.Request(t, keyprobe{}, `{}`, pdktest.WithAttr(pdk.AttrKeyID, "key_1"), pdktest.WithAttr(pdk.AttrKeyTeam, "t"))
	if v := res.Attrs[pdk.AttrCacheStatus]; v != "key_1/t/" {
		t.Fatalf("cache.status = %q", v)
	}
}
