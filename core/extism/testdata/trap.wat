;; An Extism plugin whose request hook traps.
(module
  (memory (export "memory") 1)
  (func (export "on_request") (result i32) unreachable))
