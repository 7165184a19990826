;; Reads the request into a buffer far outside its one page of memory.
(module
  (import "wasmgate" "body_get" (func $body_get (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "wasmgate_abi_version") (result i32) (i32.const 1))
  (func (export "wasmgate_init") (result i32) (i32.const 1))
  (func (export "wasmgate_on_request") (result i32)
    (drop (call $body_get (i32.const 0) (i32.const 0x7ffffff0) (i32.const 1000000)))
    (i32.const 0)))
