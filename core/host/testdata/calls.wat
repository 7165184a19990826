;; Exercises what instrumentation renumbers: a start function, a table with an
;; element segment, call_indirect, ref-free direct calls and exports. The
;; request hook continues only when every call landed where it should.
(module
  (type $ret (func (result i32)))
  (memory (export "memory") 1)
  (global $started (mut i32) (i32.const 0))
  (table 3 funcref)
  (elem (i32.const 0) $seven $eleven $thirteen)
  (func $seven (result i32) (i32.const 7))
  (func $eleven (result i32) (i32.const 11))
  (func $thirteen (result i32) (i32.const 13))
  (func $start (global.set $started (i32.const 1)))
  (start $start)
  (func (export "wasmgate_abi_version") (result i32) (i32.const 1))
  (func (export "wasmgate_init") (result i32) (i32.const 1))
  (func (export "wasmgate_on_request") (result i32) (local $i i32) (local $sum i32)
    (loop $l
      (local.set $sum (i32.add (local.get $sum) (call_indirect (type $ret) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 3))))
    ;; 7 + 11 + 13 = 31, plus a direct call, and the start function ran.
    (if (result i32) (i32.and
          (i32.eq (i32.add (local.get $sum) (call $seven)) (i32.const 38))
          (i32.eq (global.get $started) (i32.const 1)))
      (then (i32.const 0))
      (else (i32.const 9)))))
