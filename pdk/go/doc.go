// Package pdk is the Go plugin development kit of wasmgate. A plugin is a
// package main built for GOOS=wasip1 GOARCH=wasm with -buildmode=c-shared; it
// registers one value in an init function and implements the hooks it needs:
//
//	type plugin struct{ prefix string }
//
//	func init() { pdk.Register(&plugin{}) }
//	func main() {}
//
//	func (p *plugin) Init(cfg pdk.Config) error { return cfg.Unmarshal(p) }
//
//	func (p *plugin) OnRequest(req *pdk.Request) pdk.Action {
//		i, text, ok := req.LastUserMessage()
//		if ok {
//			req.SetMessageContent(i, p.prefix+text)
//		}
//		return pdk.Continue
//	}
//
// The package exports the module's ABI functions (wasmgate_abi_version,
// wasmgate_init and the hooks) and calls the registered plugin; the hook mask
// follows from the interfaces it implements (RequestHandler, ResponseHandler,
// ChunkHandler, and optionally Initializer).
//
// Bodies are read and written by path through the host, which does the JSON
// work, so a hook never decodes a whole request. Values returned by the
// accessors are copies the plugin may keep.
//
// Outside WebAssembly the same API runs against an in-memory host; package
// pdktest uses it to run a plugin's hooks in plain go test.
//
// The contract with the host is pdk/ABI.md (ABI version 1).
package pdk
