//! The checks: the first wrong result of a hook is kept and reported by
//! finish.

use std::cell::RefCell;
use std::fmt::Debug;

use wasmgate_pdk::{error, Action};

thread_local! {
    static FAILURE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Forgets the failure of an earlier hook.
pub fn reset() {
    FAILURE.with(|f| *f.borrow_mut() = None);
}

/// Takes the first failure of this hook.
pub fn take() -> Option<String> {
    FAILURE.with(|f| f.borrow_mut().take())
}

/// Records a failure unless one is recorded already.
pub fn fail(msg: String) {
    FAILURE.with(|f| {
        let mut f = f.borrow_mut();
        if f.is_none() {
            *f = Some(msg);
        }
    });
}

/// Checks what a helper returned.
pub fn eq<T: PartialEq + Debug>(what: &str, got: T, want: T) {
    if got != want {
        fail(format!("{}: got {:?}, want {:?}", what, got, want));
    }
}

/// Checks a getter that found nothing: the PDK's helper says None (it
/// reports any absence so, as pdk/go does), and the host's result code,
/// read with a raw call, is the one the ABI gives.
pub fn absent(what: &str, got: Option<String>, code: i32, want: i32) {
    if let Some(v) = got {
        fail(format!("{}: got {:?}, want nothing", what, v));
    } else if code != want {
        fail(format!("{}: got result {}, want {}", what, code, want));
    }
}

/// Ends a hook: its action, or an error naming the first failed check.
pub fn finish(ok: Action) -> Action {
    match take() {
        None => ok,
        Some(msg) => error(500, "tck_failure", &msg),
    }
}
