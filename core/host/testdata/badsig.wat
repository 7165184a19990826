;; Imports a host function with the wrong signature.
(module
  (import "wasmgate" "body_get" (func (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "wasmgate_abi_version") (result i32) (i32.const 1))
  (func (export "wasmgate_init") (result i32) (i32.const 1))
  (func (export "wasmgate_on_request") (result i32) (i32.const 0)))
