package main

import (
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

func TestPanic(t *testing.T) {
	res := pdktest.Request(t, panicker{}, `{"model":"m"}`)
	if !strings.HasPrefix(res.Failure, "panic: boom") {
		t.Errorf("failure = %q", res.Failure)
	}
}
