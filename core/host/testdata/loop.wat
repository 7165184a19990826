;; Never returns from the request hook.
(module
  (memory (export "memory") 1)
  (func (export "wasmgate_abi_version") (result i32) (i32.const 1))
  (func (export "wasmgate_init") (result i32) (i32.const 1))
  (func (export "wasmgate_on_request") (result i32)
    (loop $forever (br $forever))
    (i32.const 0)))
