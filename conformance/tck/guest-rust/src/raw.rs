//! The raw imports, for what the PDK deliberately does not say: the exact
//! result code of a getter (its helpers return None for any absence, as
//! pdk/go's return false), the result of send_response and send_error (its
//! respond and error return the action and log a refusal), config_get after
//! init (the PDK hands the config to Plugin::new once) and a malformed
//! json_build program (its Builder cannot write one). Each is one call with
//! an empty buffer, which returns the result without writing.

use std::ptr::null_mut;

#[link(wasm_import_module = "wasmgate")]
extern "C" {
    #[link_name = "config_get"]
    fn wg_config_get(buf: *mut u8, cap: i32) -> i32;
    #[link_name = "body_get"]
    fn wg_body_get(obj: i32, buf: *mut u8, cap: i32) -> i32;
    #[link_name = "json_get"]
    fn wg_json_get(obj: i32, path: *const u8, path_len: i32, flags: i32, buf: *mut u8, cap: i32) -> i32;
    #[link_name = "header_get"]
    fn wg_header_get(obj: i32, name: *const u8, name_len: i32, buf: *mut u8, cap: i32) -> i32;
    #[link_name = "attr_get"]
    fn wg_attr_get(name: *const u8, name_len: i32, buf: *mut u8, cap: i32) -> i32;
    #[link_name = "send_response"]
    fn wg_send_response(status: i32, ptr: *const u8, len: i32) -> i32;
    #[link_name = "send_error"]
    fn wg_send_error(status: i32, typ: *const u8, typ_len: i32, msg: *const u8, msg_len: i32) -> i32;
    #[link_name = "json_build"]
    fn wg_json_build(obj: i32, prog: *const u8, prog_len: i32, buf: *mut u8, cap: i32) -> i32;
}

/// The plugin's config, read in a hook.
pub fn config_get() -> Result<String, i32> {
    let n = unsafe { wg_config_get(null_mut(), 0) };
    if n < 0 {
        return Err(n);
    }
    let mut buf = vec![0u8; n as usize];
    let m = unsafe { wg_config_get(buf.as_mut_ptr(), n) };
    if m != n {
        return Err(m);
    }
    String::from_utf8(buf).map_err(|_| 0)
}

pub fn body_get(obj: u8) -> i32 {
    unsafe { wg_body_get(obj as i32, null_mut(), 0) }
}

pub fn json_get(obj: u8, path: &str) -> i32 {
    unsafe { wg_json_get(obj as i32, path.as_ptr(), path.len() as i32, 0, null_mut(), 0) }
}

/// json_get with flags (the PDK's `FLAG_*`): the length of the value.
pub fn json_get_flags(obj: u8, path: &str, flags: i32) -> i32 {
    unsafe { wg_json_get(obj as i32, path.as_ptr(), path.len() as i32, flags, null_mut(), 0) }
}

pub fn header_get(obj: u8, name: &str) -> i32 {
    unsafe { wg_header_get(obj as i32, name.as_ptr(), name.len() as i32, null_mut(), 0) }
}

pub fn attr_get(name: &str) -> i32 {
    unsafe { wg_attr_get(name.as_ptr(), name.len() as i32, null_mut(), 0) }
}

pub fn send_response(status: i32, body: &str) -> i32 {
    unsafe { wg_send_response(status, body.as_ptr(), body.len() as i32) }
}

pub fn send_error(status: i32, typ: &str, msg: &str) -> i32 {
    unsafe { wg_send_error(status, typ.as_ptr(), typ.len() as i32, msg.as_ptr(), msg.len() as i32) }
}

pub fn json_build(obj: u8, prog: &[u8]) -> i32 {
    unsafe { wg_json_build(obj as i32, prog.as_ptr(), prog.len() as i32, null_mut(), 0) }
}

