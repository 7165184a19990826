;; Refuses to start, with a reason.
(module
  (import "wasmgate" "attr_set" (func $attr_set (param i32 i32 i32 i32) (result i32)))
  (import "wasmgate" "body_set" (func $body_set (param i32 i32 i32) (result i32)))
  (import "wasmgate" "body_get" (func $body_get (param i32 i32 i32) (result i32)))
  (import "wasmgate" "send_error" (func $send_error (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "plugin_errormissing option: prompt")
  (func (export "wasmgate_abi_version") (result i32) (i32.const 1))
  (func (export "wasmgate_init") (result i32)
    (drop (call $send_error (i32.const 500) (i32.const 0) (i32.const 12) (i32.const 12) (i32.const 23)))
    (i32.const -1))
  (func (export "wasmgate_on_request") (result i32) (i32.const 0)))
