;; Declares the response hook (mask 3) without exporting it: refused at start.
(module
  (memory (export "memory") 1)
  (func (export "wasmgate_abi_version") (result i32) (i32.const 1))
  (func (export "wasmgate_init") (result i32) (i32.const 3))
  (func (export "wasmgate_on_request") (result i32) (i32.const 0)))
