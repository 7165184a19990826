;; A minimal well-behaved plugin: sets attribute wat.seen=1 and continues.
(module
  (import "wasmgate" "attr_set" (func $attr_set (param i32 i32 i32 i32) (result i32)))
  (import "wasmgate" "body_set" (func $body_set (param i32 i32 i32) (result i32)))
  (import "wasmgate" "body_get" (func $body_get (param i32 i32 i32) (result i32)))
  (import "wasmgate" "send_error" (func $send_error (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "wat.seen1")
  (func (export "wasmgate_abi_version") (result i32) (i32.const 1))
  (func (export "wasmgate_init") (result i32) (i32.const 1))
  (func (export "wasmgate_on_request") (result i32)
    (drop (call $attr_set (i32.const 0) (i32.const 8) (i32.const 8) (i32.const 1)))
    (i32.const 0)))
