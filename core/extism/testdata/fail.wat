;; An Extism plugin whose request hook returns 1 (failure).
(module
  (memory (export "memory") 1)
  (func (export "on_request") (result i32) (i32.const 1)))
