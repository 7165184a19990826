// Checks: the first wrong result of a hook is kept and ends the hook with
// send_error(500, "tck_failure", what was wrong), as in the Go guest.
import { Action, LOG_ERROR, Status, error, jsonString, lastResult, log } from "../../../../pdk/assemblyscript/assembly";

let failure = "";

export function reset(): void {
  failure = "";
}

export function failed(): string {
  return failure;
}

export function fail(msg: string): void {
  if (failure.length == 0) failure = msg;
}

// code checks the result of a write helper (a Status).
export function code(what: string, got: Status, want: i32): void {
  if (got.code != want) fail(what + ": got " + got.code.toString() + " (" + got.toString() + "), want " + want.toString());
}

// result checks lastResult() after a helper that returns an action or a
// value: what pdk/go returns as its error.
export function result(what: string, want: i32): void {
  code(what, lastResult(), want);
}

// value checks a read helper's value; null carries the host's result in
// lastResult().
export function value(what: string, got: string | null, want: string): void {
  if (got === null) {
    fail(what + ": got result " + lastResult().code.toString() + ", want " + jsonString(want));
  } else if (got != want) {
    fail(what + ": got " + jsonString(got) + ", want " + jsonString(want));
  }
}

// missing checks that a read helper found nothing, for the reason want.
export function missing(what: string, got: string | null, want: i32): void {
  if (got !== null) {
    fail(what + ": got " + jsonString(got) + ", want result " + want.toString());
  } else {
    result(what, want);
  }
}

// refused checks that a helper returning an object returned null for the
// reason want.
export function refused(what: string, isNull: bool, want: i32): void {
  if (!isNull) fail(what + ": got a value, want result " + want.toString());
  else result(what, want);
}

export function truth(what: string, got: bool, want: bool): void {
  if (got != want) fail(what + ": got " + got.toString() + ", want " + want.toString());
}

export function num(what: string, got: i64, want: i64): void {
  if (got != want) fail(what + ": got " + got.toString() + ", want " + want.toString());
}

// finish ends a hook: ok, or an error naming the first failed check.
export function finish(ok: Action): Action {
  if (failure.length == 0) return ok;
  const msg = failure;
  failure = "";
  error(500, "tck_failure", msg);
  if (!lastResult().ok()) log(LOG_ERROR, "tck: send_error refused: " + msg);
  return Action.Error;
}
