// Command noop is a test guest: a request hook that returns Continue at once.
// The host's tests and benchmarks use it to measure the cost of a hook call.
package main

import "github.com/wasmgate/wasmgate/pdk/go"

type noop struct{}

func (noop) OnRequest(*pdk.Request) pdk.Action { return pdk.Continue }

func init() { pdk.Register(noop{}) }

func main() {}
