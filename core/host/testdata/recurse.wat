;; No loop at all: 2^60 calls through plain recursion. Only the checks at
;; function entries can stop it.
(module
  (memory (export "memory") 1)
  (func $f (param $n i32)
    (if (i32.gt_u (local.get $n) (i32.const 0))
      (then
        (call $f (i32.sub (local.get $n) (i32.const 1)))
        (call $f (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "wasmgate_abi_version") (result i32) (i32.const 1))
  (func (export "wasmgate_init") (result i32) (i32.const 1))
  (func (export "wasmgate_on_request") (result i32)
    (call $f (i32.const 60))
    (i32.const 0)))
