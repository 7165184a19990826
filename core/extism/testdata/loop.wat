;; An Extism plugin whose request hook never returns.
(module
  (memory (export "memory") 1)
  (func (export "on_request") (result i32) (loop $l (br $l)) (i32.const 0)))
