// Command fail is a test guest: its request hook stops the request with the
// error 429 rate_limit_error "slow down".
package main

import "github.com/wasmgate/wasmgate/pdk/go"

type fail struct{}

func (fail) OnRequest(*pdk.Request) pdk.Action {
	return pdk.Error(429, "rate_limit_error", "slow down")
}

func init() { pdk.Register(fail{}) }

func main() {}
