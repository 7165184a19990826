//! The ABI v1 conformance guest, written with the Rust PDK (pdk/rust).
//!
//! It plays the scenarios of the conformance runner (conformance/tck,
//! run.go; the request header x-tck-case picks one) as the Go guest
//! (conformance/tck/guest) does, but through the PDK's typed helpers, and
//! checks what each helper returns against the fixture (fixture.rs): a wrong
//! result in the host or in the PDK ends the hook with
//! send_error(500, "tck_failure", what was wrong), which the runner reports.
//!
//! Raw imports (raw.rs) are used only where the PDK deliberately has no
//! helper; each use says why.

use std::cell::RefCell;

use wasmgate_pdk::*;

mod build;
mod check;
#[allow(dead_code)]
mod fixture;
mod hooks;
mod metrics;
mod parity;
mod raw;
mod redact;
mod scan;

use check::{absent, eq};
use fixture::*;

/// The plugin: the checks keep no state between calls.
pub struct Tck;

/// The scenario of the current request.
fn tck_case() -> String {
    Object::from_id(OBJ_REQUEST).header("X-TCK-Case").unwrap_or_else(|| "basic".to_string())
}

impl Plugin for Tck {
    const HOOKS: u32 = HOOK_ALL;

    fn new(cfg: &Config) -> Result<Self, String> {
        check::reset();
        if cfg.raw().contains("\"refuse\"") {
            return Err(format!("refused by config: {}", cfg.raw()));
        }
        eq("config_get", cfg.raw(), CONFIG_JSON);
        eq("Config::get_string", cfg.get_string("tck").as_deref(), Some("v1"));
        eq("Config::get_string of a number", cfg.get_string("n"), None);
        eq("Config::get_raw", cfg.get_raw("n").as_deref(), Some("42"));
        eq("Config::get_raw of a missing key", cfg.get_raw("none"), None);
        eq("Config::get_strings of a string", cfg.get_strings("tck"), None);
        eq("Config::keys", cfg.keys(), vec!["tck".to_string(), "n".to_string()]);
        absent("body_get in init", Object::from_id(OBJ_REQUEST).body(), raw::body_get(OBJ_REQUEST), ERR_NOT_AVAILABLE);
        eq("attr_set in init", set_attr("tck.init", "x"), Err(HostError::NotAvailable));
        eq("secret_get in init", secret(SECRET_NAME), Ok(SECRET_VALUE.to_string()));
        eq("secret_get of a name not granted", secret("not_granted"), Err(HostError::Denied));
        scan::init();
        parity::init(cfg);
        log(LOG_DEBUG, "tck: init");
        match check::take() {
            Some(msg) => Err(msg),
            None => Ok(Tck),
        }
    }

    fn on_request(&mut self, req: &Request) -> Action {
        hooks::on_request(req)
    }

    fn on_response(&mut self, resp: &Response) -> Action {
        hooks::on_response(resp)
    }

    fn on_chunk(&mut self, chunk: &Chunk) -> Action {
        hooks::on_chunk(chunk)
    }
}

// The exports are what register!(Tck) writes, spelt out for one reason:
// the unknown-action case must return an action outside 0-2, and the PDK's
// Action deliberately cannot name one. Every hook still runs through the
// PDK's runtime (rt), as register! has it do.
thread_local! {
    static PLUGIN: RefCell<Option<Tck>> = const { RefCell::new(None) };
}

#[no_mangle]
pub extern "C" fn wasmgate_abi_version() -> i32 {
    ABI_VERSION
}

#[no_mangle]
pub extern "C" fn wasmgate_init() -> i32 {
    PLUGIN.with(|p| rt::init::<Tck>(&mut p.borrow_mut()))
}

#[no_mangle]
pub extern "C" fn wasmgate_on_request() -> i32 {
    if tck_case() == "unknown-action" {
        return 7;
    }
    PLUGIN.with(|p| rt::request::<Tck>(&mut p.borrow_mut()))
}

#[no_mangle]
pub extern "C" fn wasmgate_on_response() -> i32 {
    PLUGIN.with(|p| rt::response::<Tck>(&mut p.borrow_mut()))
}

#[no_mangle]
pub extern "C" fn wasmgate_on_chunk() -> i32 {
    PLUGIN.with(|p| rt::chunk::<Tck>(&mut p.borrow_mut()))
}
