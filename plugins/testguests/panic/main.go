// Command panic is a test guest: its request hook panics with "boom". In a
// wasip1 guest a Go panic exits the module, which the host sees as a trap and
// handles as a plugin failure (the slot's on_error applies).
package main

import "github.com/wasmgate/wasmgate/pdk/go"

type panicker struct{}

func (panicker) OnRequest(*pdk.Request) pdk.Action { panic("boom") }

func init() { pdk.Register(panicker{}) }

func main() {}
