package main

import (
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

func TestFail(t *testing.T) {
	res := pdktest.Request(t, fail{}, `{"model":"m"}`)
	want := pdktest.ErrorReply{Status: 429, Type: "rate_limit_error", Message: "slow down"}
	if res.Action != pdk.ActionError || res.Error == nil || *res.Error != want {
		t.Errorf("action %d error %v", res.Action, res.Error)
	}
}
