//! wasmgate Rust PDK: write wasmgate plugins (ABI v1, `pdk/ABI.md`) in Rust.
//!
//! A crate with no dependencies, for `wasm32-wasi`. A plugin implements
//! [`Plugin`] and names it with [`register!`], which writes the module's
//! exports. The JSON work is done by the host: read and write values by path
//! (`messages.0.content`), never decode a whole body in the guest.
//!
//! ```ignore
//! use wasmgate_pdk::*;
//!
//! struct Prefixer { prefix: String }
//!
//! impl Plugin for Prefixer {
//!     const HOOKS: u32 = HOOK_REQUEST;
//!     fn new(config: &Config) -> Result<Self, String> {
//!         let prefix = config.get_string("prefix").ok_or("prefix is required")?;
//!         Ok(Prefixer { prefix })
//!     }
//!     fn on_request(&mut self, req: &Request) -> Action {
//!         if let Some((i, text)) = req.last_user_message() {
//!             if let Err(e) = req.set_message_content(i as isize, &(self.prefix.clone() + &text)) {
//!                 return error(500, "plugin_error", &e.to_string());
//!             }
//!         }
//!         Action::Continue
//!     }
//! }
//!
//! register!(Prefixer);
//! ```

use std::collections::BTreeMap;
use std::fmt;

/// The ABI version this PDK speaks.
pub const ABI_VERSION: i32 = 1;

/// The Wasm import module of the host functions (the `extern` blocks name
/// it).
pub const IMPORT_MODULE: &str = "wasmgate";

/// Hook mask bits ([`Plugin::HOOKS`]).
pub const HOOK_REQUEST: u32 = 1;
pub const HOOK_RESPONSE: u32 = 2;
pub const HOOK_CHUNK: u32 = 4;
/// Every hook.
pub const HOOK_ALL: u32 = HOOK_REQUEST | HOOK_RESPONSE | HOOK_CHUNK;

/// Log levels.
pub const LOG_DEBUG: i32 = 0;
pub const LOG_INFO: i32 = 1;
pub const LOG_WARN: i32 = 2;
pub const LOG_ERROR: i32 = 3;

/// The prefix of reserved attributes: set by the host and read only to
/// plugins (except [`ATTR_UPSTREAM_DONE`], which an adapter sets in its
/// chunk hook, and the routing attributes [`ATTR_TARGETS`] and
/// [`ATTR_FALLBACK_ON`], which a pipeline plugin may write in its request
/// hook).
pub const ATTR_PREFIX: &str = "wasmgate.";
/// Reserved attributes, set by the host and read only.
pub const ATTR_REQUEST_ID: &str = "wasmgate.request_id";
pub const ATTR_ROUTE: &str = "wasmgate.route";
pub const ATTR_PIPELINE: &str = "wasmgate.pipeline";
pub const ATTR_MODEL: &str = "wasmgate.model";
pub const ATTR_STREAM: &str = "wasmgate.stream";
pub const ATTR_PROVIDER: &str = "wasmgate.provider";
pub const ATTR_PROVIDER_URL: &str = "wasmgate.provider.base_url";
pub const ATTR_PROVIDER_MODEL: &str = "wasmgate.provider.model";
pub const ATTR_PROVIDER_API_KEY: &str = "wasmgate.provider.api_key";
/// The endpoint the client called (`chat`, `embeddings`, …).
pub const ATTR_ENDPOINT: &str = "wasmgate.endpoint";
/// Set by an adapter in its chunk hook when the provider's stream is done.
pub const ATTR_UPSTREAM_DONE: &str = "wasmgate.upstream.done";
/// The client's virtual key: its id, team and user.
pub const ATTR_KEY_ID: &str = "wasmgate.key.id";
pub const ATTR_KEY_TEAM: &str = "wasmgate.key.team";
pub const ATTR_KEY_USER: &str = "wasmgate.key.user";
/// Set by a cache plugin (`hit`, `miss`, …); the host records it with the
/// request's usage. Not reserved.
pub const ATTR_CACHE_STATUS: &str = "cache.status";
/// Routing (pdk/ABI.md, "Routing"): the ordered list of targets the host
/// tries, `provider/model[#key],…` (see [`Target`], [`set_targets`]).
pub const ATTR_TARGETS: &str = "wasmgate.targets";
/// Routing: which failures move to the next target, overriding the
/// route's (`429,5xx,timeout,connect`).
pub const ATTR_FALLBACK_ON: &str = "wasmgate.fallback_on";

/// Pseudo-headers of [`Object::header`] and [`Object::set_header`]: the
/// provider request's URL and method, a response's HTTP status.
pub const HEADER_URL: &str = ":url";
pub const HEADER_METHOD: &str = ":method";
pub const HEADER_STATUS: &str = ":status";

/// Host results below zero (see [`HostError`]).
pub const ERR_NOT_FOUND: i32 = -1;
pub const ERR_NOT_AVAILABLE: i32 = -2;
pub const ERR_TOO_LARGE: i32 = -3;
pub const ERR_INVALID: i32 = -4;
pub const ERR_DENIED: i32 = -5;
pub const ERR_UNAVAILABLE: i32 = -6;

/// Object ids (pdk/ABI.md, "Objects"): the `src` of [`Builder`]
/// instructions, and [`Object::from_id`] for calls that name an object
/// outside its own hook (a digest, a build).
pub const OBJ_REQUEST: u8 = 0;
pub const OBJ_RESPONSE: u8 = 1;
pub const OBJ_CHUNK: u8 = 2;
pub const OBJ_UPSTREAM_REQUEST: u8 = 3;
pub const OBJ_UPSTREAM_RESPONSE: u8 = 4;
pub const OBJ_UPSTREAM_CHUNK: u8 = 5;

/// Flags of the `json_get` and `json_set` host functions: a string value
/// (unescaped when read, escaped when written), and a delete.
pub const FLAG_STRING: i32 = 1;
pub const FLAG_DELETE: i32 = 2;

#[allow(dead_code)]
mod sys {
    #[link(wasm_import_module = "wasmgate")]
    extern "C" {
        pub fn log(level: i32, ptr: *const u8, len: i32);
        pub fn config_get(buf: *mut u8, cap: i32) -> i32;
        pub fn body_get(obj: i32, buf: *mut u8, cap: i32) -> i32;
        pub fn body_set(obj: i32, ptr: *const u8, len: i32) -> i32;
        pub fn json_get(obj: i32, path: *const u8, path_len: i32, flags: i32, buf: *mut u8, cap: i32) -> i32;
        pub fn json_set(obj: i32, path: *const u8, path_len: i32, flags: i32, val: *const u8, val_len: i32) -> i32;
        pub fn header_get(obj: i32, name: *const u8, name_len: i32, buf: *mut u8, cap: i32) -> i32;
        pub fn header_set(obj: i32, name: *const u8, name_len: i32, val: *const u8, val_len: i32) -> i32;
        pub fn attr_get(name: *const u8, name_len: i32, buf: *mut u8, cap: i32) -> i32;
        pub fn attr_set(name: *const u8, name_len: i32, val: *const u8, val_len: i32) -> i32;
        pub fn json_digest(obj: i32, exclude: *const u8, exclude_len: i32, buf: *mut u8, cap: i32) -> i32;
        pub fn cache_call(op: *const u8, op_len: i32, buf: *mut u8, cap: i32) -> i32;
        pub fn provider_stats(buf: *mut u8, cap: i32) -> i32;
        pub fn secret_get(name: *const u8, name_len: i32, buf: *mut u8, cap: i32) -> i32;
        pub fn send_response(status: i32, ptr: *const u8, len: i32) -> i32;
        pub fn send_error(status: i32, typ: *const u8, typ_len: i32, msg: *const u8, msg_len: i32) -> i32;
        // json_build (pdk/ABI.md, "Building bodies").
        pub fn json_build(obj: i32, prog: *const u8, prog_len: i32, buf: *mut u8, cap: i32) -> i32;
    }
}

/// A host result below zero (pdk/ABI.md, "Results").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostError {
    /// No such body, path, header or attribute.
    NotFound,
    /// The object is not available in this phase or to this plugin.
    NotAvailable,
    /// Over the plugin's max_output_bytes.
    TooLarge,
    /// Not JSON, a bad path, a status out of range.
    Invalid,
    /// A reserved attribute written, or a value the plugin may not see.
    Denied,
    /// A backend the host reaches (cache store, embedder) did not answer.
    Unavailable,
    /// A result this PDK does not know.
    Other(i32),
}

impl HostError {
    fn from_code(n: i32) -> HostError {
        match n {
            ERR_NOT_FOUND => HostError::NotFound,
            ERR_NOT_AVAILABLE => HostError::NotAvailable,
            ERR_TOO_LARGE => HostError::TooLarge,
            ERR_INVALID => HostError::Invalid,
            ERR_DENIED => HostError::Denied,
            ERR_UNAVAILABLE => HostError::Unavailable,
            n => HostError::Other(n),
        }
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::NotFound => f.write_str("not found"),
            HostError::NotAvailable => f.write_str("not available in this phase"),
            HostError::TooLarge => f.write_str("over the output limit"),
            HostError::Invalid => f.write_str("invalid"),
            HostError::Denied => f.write_str("denied"),
            HostError::Unavailable => f.write_str("unavailable"),
            HostError::Other(n) => write!(f, "host result {}", n),
        }
    }
}

fn status(n: i32) -> Result<(), HostError> {
    if n < 0 {
        Err(HostError::from_code(n))
    } else {
        Ok(())
    }
}

/// read calls a host getter with a growing buffer, as the ABI's two-call
/// protocol intends.
fn read(mut call: impl FnMut(*mut u8, i32) -> i32) -> Option<Vec<u8>> {
    let mut buf: Vec<u8> = Vec::with_capacity(256);
    loop {
        let cap = buf.capacity();
        let n = call(buf.as_mut_ptr(), cap as i32);
        if n < 0 {
            return None;
        }
        let n = n as usize;
        if n <= cap {
            unsafe { buf.set_len(n) };
            return Some(buf);
        }
        buf.reserve(n);
    }
}

fn read_string(call: impl FnMut(*mut u8, i32) -> i32) -> Option<String> {
    read(call).map(|b| String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// An action a hook returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Go on with the next plugin.
    Continue = 0,
    /// Stop the phase and answer with the response given to [`respond`].
    Respond = 1,
    /// Stop the phase and answer with the error given to [`error`].
    Error = 2,
}

/// Stops the phase with a response: an HTTP status (200-599) and a canonical
/// chat completion (JSON). For the request and response hooks.
pub fn respond(status_code: i32, body: &str) -> Action {
    let n = unsafe { sys::send_response(status_code, body.as_ptr(), body.len() as i32) };
    if n < 0 {
        log(LOG_ERROR, &format!("pdk: send_response refused: {}", HostError::from_code(n)));
    }
    Action::Respond
}

/// Stops the phase with an API error: a status (400-599), a type such as
/// `invalid_request_error` and a message the client may see. In the chunk
/// phase it ends the stream with an error event.
pub fn error(status_code: i32, err_type: &str, message: &str) -> Action {
    let n = unsafe {
        sys::send_error(status_code, err_type.as_ptr(), err_type.len() as i32, message.as_ptr(), message.len() as i32)
    };
    if n < 0 {
        log(LOG_ERROR, &format!("pdk: send_error refused: {}", HostError::from_code(n)));
    }
    Action::Error
}

/// Writes a message to the gateway's log.
pub fn log(level: i32, msg: &str) {
    unsafe { sys::log(level, msg.as_ptr(), msg.len() as i32) }
}

/// An attribute of the request.
pub fn attr(name: &str) -> Option<String> {
    read_string(|b, c| unsafe { sys::attr_get(name.as_ptr(), name.len() as i32, b, c) })
}

/// Sets an attribute for the plugins after this one and the host.
pub fn set_attr(name: &str, value: &str) -> Result<(), HostError> {
    status(unsafe { sys::attr_set(name.as_ptr(), name.len() as i32, value.as_ptr(), value.len() as i32) })
}

/// Removes an attribute.
pub fn delete_attr(name: &str) -> Result<(), HostError> {
    status(unsafe { sys::attr_set(name.as_ptr(), name.len() as i32, std::ptr::null(), -1) })
}

/// The hex SHA-256 of an object's canonical JSON (keys sorted, one spelling
/// per value) without the top-level keys in `exclude`: a cache key that does
/// not depend on key order or whitespace.
pub fn json_digest(obj: &Object, exclude: &[&str]) -> Result<String, HostError> {
    let ex = exclude.join(",");
    let mut code = 0;
    read_string(|b, c| {
        code = unsafe { sys::json_digest(obj.id, ex.as_ptr(), ex.len() as i32, b, c) };
        code
    })
    .ok_or_else(|| HostError::from_code(code))
}

/// Runs a cache operation (capability `cache`; pdk/ABI.md, "Cache
/// operations") and returns its JSON answer.
pub fn cache_call(op: &str) -> Result<String, HostError> {
    let mut code = 0;
    read_string(|b, c| {
        code = unsafe { sys::cache_call(op.as_ptr(), op.len() as i32, b, c) };
        code
    })
    .ok_or_else(|| HostError::from_code(code))
}

/// The providers' live statistics, one line per provider key (request
/// phase; pdk/ABI.md, "Routing"). [`HostError::NotAvailable`] outside the
/// request phase.
pub fn provider_stats() -> Result<String, HostError> {
    let mut code = 0;
    read_string(|b, c| {
        code = unsafe { sys::provider_stats(b, c) };
        code
    })
    .ok_or_else(|| HostError::from_code(code))
}

/// One place the host may send a request (pdk/ABI.md, "Routing"); its
/// `Display` is the [`ATTR_TARGETS`] form `provider/model[#key]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    pub provider: String,
    /// The model name the provider gets.
    pub model: String,
    /// A key id of the provider; empty lets the host choose.
    pub key: String,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.provider, self.model)?;
        if !self.key.is_empty() {
            write!(f, "#{}", self.key)?;
        }
        Ok(())
    }
}

/// Appends `t` to `dst` in the [`ATTR_TARGETS`] form `provider/model[#key]`
/// (a list joins them with commas), as pdk/go's `AppendTarget`.
pub fn append_target(dst: &mut String, t: &Target) {
    use fmt::Write;
    let _ = write!(dst, "{}", t);
}

/// Sets [`ATTR_TARGETS`], the targets the host tries in order, from a list
/// built with [`append_target`] (joined by commas). Request hook of a
/// pipeline plugin.
pub fn set_targets(list: &str) -> Result<(), HostError> {
    set_attr(ATTR_TARGETS, list)
}

/// What the host knows of one provider key right now (one line of
/// [`provider_stats`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProviderStat {
    pub provider: String,
    /// The key id (`default` for a provider with one `api_key`).
    pub key: String,
    /// False while the provider's health check keeps it out of rotation.
    pub healthy: bool,
    /// `closed`, `half_open` or `open`.
    pub breaker: String,
    /// The mean latency over the statistics window, in microseconds as the
    /// host sends it (pdk/go's `Latency`; see [`ProviderStat::latency`]).
    pub latency_us: i64,
    /// The share of failed requests, 0 to 1.
    pub error_rate: f64,
    /// How many requests the window holds.
    pub requests: i64,
}

impl ProviderStat {
    /// Whether the host would send to this key now: healthy and its breaker
    /// not open.
    pub fn available(&self) -> bool {
        self.healthy && self.breaker != "open"
    }
    /// The mean latency as a `Duration` (a negative one as zero).
    pub fn latency(&self) -> std::time::Duration {
        std::time::Duration::from_micros(self.latency_us.max(0) as u64)
    }
}

/// The providers' live statistics, parsed (request phase), as pdk/go's
/// `ProviderStats`: [`provider_stats`] read with [`parse_provider_stats`].
pub fn provider_stat_list() -> Result<Vec<ProviderStat>, HostError> {
    provider_stats().map(|text| parse_provider_stats(&text))
}

/// Parses the [`provider_stats`] text: one line a key, `provider key
/// healthy breaker latency_us error_ppm requests` separated by white space.
/// Lines it cannot read are skipped, and fields past these seven (which
/// later hosts may add, pdk/ABI.md) are ignored.
pub fn parse_provider_stats(text: &str) -> Vec<ProviderStat> {
    let mut out = Vec::new();
    for line in text.split('\n') {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 7 {
            continue;
        }
        let (lat, ppm, req) = match (f[4].parse::<i64>(), f[5].parse::<i64>(), f[6].parse::<i64>()) {
            (Ok(l), Ok(p), Ok(r)) => (l, p, r),
            _ => continue,
        };
        out.push(ProviderStat {
            provider: f[0].to_string(),
            key: f[1].to_string(),
            healthy: f[2] == "1",
            breaker: f[3].to_string(),
            latency_us: lat,
            error_rate: ppm as f64 / 1e6,
            requests: req,
        });
    }
    out
}

/// Sets a header of the answer the client gets. From a request hook it
/// applies to whatever answers the request: a short-circuit response or the
/// provider's.
pub fn set_response_header(name: &str, value: &str) -> Result<(), HostError> {
    Object { id: OBJ_RESPONSE as i32 }.set_header(name, value)
}

/// A secret granted to this plugin in config (`capabilities.secrets`), by the
/// name the grant gives it; [`HostError::Denied`] for any other name. It
/// works in `Plugin::new` too.
pub fn secret(name: &str) -> Result<String, HostError> {
    let mut code = 0;
    read_string(|b, c| {
        let n = unsafe { sys::secret_get(name.as_ptr(), name.len() as i32, b, c) };
        code = n;
        n
    })
    .ok_or_else(|| HostError::from_code(code))
}

/// Quotes a string as a JSON string literal, for JSON built by hand.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `s` matches the pattern `p`, where `*` matches any run of
/// characters (none too, and `/`) and every other character matches
/// itself: `gpt-4o*` matches `gpt-4o` and `gpt-4o-mini`. As pdk/go's
/// `Match` (a Rust keyword, hence the name).
pub fn glob_match(p: &str, s: &str) -> bool {
    let star = match p.find('*') {
        Some(i) => i,
        None => return p == s,
    };
    if !s.starts_with(&p[..star]) {
        return false;
    }
    let (mut s, mut p) = (&s[star..], &p[star + 1..]);
    loop {
        let next = match p.find('*') {
            Some(i) => i,
            // The last literal is anchored at the end.
            None => return s.ends_with(p),
        };
        let i = match s.find(&p[..next]) {
            Some(i) => i,
            None => return false,
        };
        s = &s[i + next..];
        p = &p[next + 1..];
    }
}

/// Turns a config's map of static headers into a list sorted by name, with
/// lower-case trimmed names, for adapters that add them to every provider
/// request (see [`Config::get_string_map`]). An empty name or a
/// pseudo-header (`:url`) is an error naming it. As pdk/go's `HeaderList`.
pub fn header_list<I, K, V>(headers: I) -> Result<Vec<(String, String)>, String>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut out = Vec::new();
    for (name, value) in headers {
        let name = name.as_ref().trim().to_lowercase();
        if name.is_empty() || name.starts_with(':') {
            return Err(format!("bad header name {}", json_string(&name)));
        }
        out.push((name, value.as_ref().to_string()));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// The slot's configuration: JSON, `{}` if none.
pub struct Config {
    raw: String,
}

impl Config {
    /// The configuration JSON.
    pub fn raw(&self) -> &str {
        &self.raw
    }
    /// A top-level string option.
    pub fn get_string(&self, key: &str) -> Option<String> {
        let v = self.value(key)?;
        if v.starts_with('"') {
            Some(unquote(v))
        } else {
            None
        }
    }
    /// A top-level option's raw JSON text (`true`, `12`, `["a"]`, ...).
    pub fn get_raw(&self, key: &str) -> Option<String> {
        self.value(key).map(|v| v.to_string())
    }
    /// A top-level option that is an array of strings.
    pub fn get_strings(&self, key: &str) -> Option<Vec<String>> {
        let v = self.value(key)?.trim();
        let inner = v.strip_prefix('[')?.strip_suffix(']')?;
        let mut out = Vec::new();
        let mut rest = inner.trim_start();
        while !rest.is_empty() {
            let end = value_end(rest)?;
            let item = &rest[..end];
            if !item.starts_with('"') {
                return None;
            }
            out.push(unquote(item));
            rest = rest[end..].trim_start();
            rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
        }
        Some(out)
    }
    /// A top-level option that is an object of strings (`"headers":
    /// {"x-a": "1"}`), for [`header_list`]; `None` when it is missing, not an
    /// object, or has a value that is not a string.
    pub fn get_string_map(&self, key: &str) -> Option<BTreeMap<String, String>> {
        let v = self.value(key)?.trim();
        if !v.starts_with('{') {
            return None;
        }
        let mut out = BTreeMap::new();
        let mut ok = true;
        scan_members(v, |k, v| {
            if !v.starts_with('"') {
                ok = false;
                return true;
            }
            out.insert(k.to_string(), unquote(v));
            false
        });
        if ok {
            Some(out)
        } else {
            None
        }
    }
    /// The top-level keys, for rejecting unknown options.
    pub fn keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        self.scan(|k, _| {
            keys.push(k.to_string());
            false
        });
        keys
    }
    fn value(&self, key: &str) -> Option<&str> {
        let mut found = None;
        self.scan(|k, v| {
            if k == key {
                found = Some(v);
                return true;
            }
            false
        });
        found
    }
    fn scan<'a>(&'a self, f: impl FnMut(&str, &'a str) -> bool) {
        scan_members(&self.raw, f)
    }
}

// scan_members walks the members of a JSON object, until f returns true.
// The config is small and read once per instance, so a tiny scanner beats a
// dependency.
fn scan_members<'a>(s: &'a str, mut f: impl FnMut(&str, &'a str) -> bool) {
    let s = s.trim();
    let mut rest = match s.strip_prefix('{') {
        Some(r) => r.trim_start(),
        None => return,
    };
    while let Some(r) = rest.strip_prefix('"') {
        let kend = match string_end(r) {
            Some(e) => e,
            None => return,
        };
        let key = unquote(&rest[..kend + 1]);
        rest = r[kend..].trim_start();
        rest = match rest.strip_prefix(':') {
            Some(r) => r.trim_start(),
            None => return,
        };
        let vend = match value_end(rest) {
            Some(e) => e,
            None => return,
        };
        if f(&key, &rest[..vend]) {
            return;
        }
        rest = rest[vend..].trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
}

// string_end returns the index of the closing quote of a string whose
// opening quote was already consumed, plus one (an index into the text with
// the quote).
fn string_end(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

// value_end returns the length of the JSON value at the start of s.
fn value_end(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    match b[0] {
        b'"' => string_end(&s[1..]).map(|e| e + 1),
        b'{' | b'[' => {
            let mut depth = 0;
            let mut i = 0;
            while i < b.len() {
                match b[i] {
                    b'"' => {
                        i += string_end(&s[i + 1..])? + 1;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => Some(b.iter().position(|&c| c == b',' || c == b'}' || c == b']' || c.is_ascii_whitespace()).unwrap_or(b.len())),
    }
}

// unquote decodes a JSON string literal (with its quotes).
fn unquote(lit: &str) -> String {
    let inner = &lit[1..lit.len().saturating_sub(1)];
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hi = hex4(&mut chars);
                let code = match hi {
                    // A high surrogate joins the low one that must follow it
                    // (an emoji written as two escapes); alone it is invalid.
                    Some(h @ 0xD800..=0xDBFF) => {
                        let mut ahead = chars.clone();
                        match (ahead.next(), ahead.next(), hex4(&mut ahead)) {
                            (Some('\\'), Some('u'), Some(l @ 0xDC00..=0xDFFF)) => {
                                chars = ahead;
                                Some(0x10000 + ((h - 0xD800) << 10) + (l - 0xDC00))
                            }
                            _ => None,
                        }
                    }
                    other => other,
                };
                // Invalid code points become U+FFFD, as encoding/json does.
                out.push(code.and_then(char::from_u32).unwrap_or('\u{FFFD}'));
            }
            Some(c) => out.push(c),
            None => {}
        }
    }
    out
}

// hex4 reads the four hex digits of a \u escape.
fn hex4(chars: &mut core::str::Chars) -> Option<u32> {
    let hex: String = chars.by_ref().take(4).collect();
    if hex.len() == 4 {
        u32::from_str_radix(&hex, 16).ok()
    } else {
        None
    }
}

/// One object of the exchange: its JSON body by path, its whole body and its
/// headers. Which object may be used in which phase is the host's rule; a
/// call outside it is [`HostError::NotAvailable`].
#[derive(Clone, Copy)]
pub struct Object {
    id: i32,
}

impl Object {
    /// The object with an id (`OBJ_*`). A hook gets its own objects as
    /// arguments; this names another one, as pdk/go's functions taking an
    /// ObjectID do: the response from a request hook, say. Using an object
    /// outside the phases the ABI allows is [`HostError::NotAvailable`].
    pub fn from_id(id: u8) -> Object {
        Object { id: id as i32 }
    }
    /// The object's id (`OBJ_*`), as a [`Builder`] instruction's `src`.
    pub fn id(&self) -> u8 {
        self.id as u8
    }
    /// The raw JSON text at a path.
    pub fn get(&self, path: &str) -> Option<String> {
        self.json(path, 0)
    }
    /// The value at a path as text: a string unescaped by the host, any other
    /// value as raw JSON.
    pub fn get_string(&self, path: &str) -> Option<String> {
        self.json(path, FLAG_STRING)
    }
    /// An integer at a path.
    pub fn get_int(&self, path: &str) -> Option<i64> {
        self.get(path)?.parse().ok()
    }
    /// A boolean at a path.
    pub fn get_bool(&self, path: &str) -> Option<bool> {
        match self.get(path)?.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }
    /// Whether a path exists.
    pub fn has(&self, path: &str) -> bool {
        self.size(path).is_some()
    }
    /// The length in bytes of the raw JSON text at a path, without reading
    /// it (one host call), or `None` when there is none.
    pub fn size(&self, path: &str) -> Option<usize> {
        let n = unsafe { sys::json_get(self.id, path.as_ptr(), path.len() as i32, 0, std::ptr::null_mut(), 0) };
        if n < 0 {
            None
        } else {
            Some(n as usize)
        }
    }
    fn json(&self, path: &str, flags: i32) -> Option<String> {
        read_string(|b, c| unsafe { sys::json_get(self.id, path.as_ptr(), path.len() as i32, flags, b, c) })
    }
    /// Sets the value at a path to raw JSON text.
    pub fn set(&self, path: &str, raw_json: &str) -> Result<(), HostError> {
        self.json_set(path, 0, raw_json)
    }
    /// Sets the value at a path to a string (escaped by the host).
    pub fn set_string(&self, path: &str, s: &str) -> Result<(), HostError> {
        self.json_set(path, FLAG_STRING, s)
    }
    /// Sets the value at a path to an integer.
    pub fn set_int(&self, path: &str, v: i64) -> Result<(), HostError> {
        self.json_set(path, 0, &v.to_string())
    }
    /// Sets the value at a path to a boolean.
    pub fn set_bool(&self, path: &str, v: bool) -> Result<(), HostError> {
        self.json_set(path, 0, if v { "true" } else { "false" })
    }
    /// Removes a path (a missing path is not an error).
    pub fn delete(&self, path: &str) -> Result<(), HostError> {
        self.json_set(path, FLAG_DELETE, "")
    }
    fn json_set(&self, path: &str, flags: i32, v: &str) -> Result<(), HostError> {
        status(unsafe { sys::json_set(self.id, path.as_ptr(), path.len() as i32, flags, v.as_ptr(), v.len() as i32) })
    }
    /// The whole body.
    pub fn body(&self) -> Option<String> {
        read_string(|b, c| unsafe { sys::body_get(self.id, b, c) })
    }
    /// Replaces the whole body.
    pub fn set_body(&self, body: &str) -> Result<(), HostError> {
        status(unsafe { sys::body_set(self.id, body.as_ptr(), body.len() as i32) })
    }
    /// A header (case-insensitive); pseudo-headers `:status`, `:url`, `:method`.
    pub fn header(&self, name: &str) -> Option<String> {
        read_string(|b, c| unsafe { sys::header_get(self.id, name.as_ptr(), name.len() as i32, b, c) })
    }
    /// Sets a header.
    pub fn set_header(&self, name: &str, value: &str) -> Result<(), HostError> {
        status(unsafe { sys::header_set(self.id, name.as_ptr(), name.len() as i32, value.as_ptr(), value.len() as i32) })
    }
    /// Removes a header.
    pub fn delete_header(&self, name: &str) -> Result<(), HostError> {
        status(unsafe { sys::header_set(self.id, name.as_ptr(), name.len() as i32, std::ptr::null(), -1) })
    }

    // status_code is the `:status` pseudo-header as a number, 0 if unknown.
    fn status_code(&self) -> i32 {
        self.header(":status").and_then(|s| s.parse().ok()).unwrap_or(0)
    }

    // text_at is the text of a message content: a string, or the text parts
    // of an array joined.
    fn text_at(&self, path: &str) -> Option<String> {
        let v = self.get_string(path)?;
        if v.is_empty() || !(v.starts_with('[') || v.starts_with('{') || v == "null") {
            return Some(v);
        }
        let raw = self.get(path)?;
        if raw.starts_with('"') {
            return Some(v);
        }
        if !raw.starts_with('[') {
            return Some(String::new());
        }
        let n = self.get_int(&format!("{}.#", path)).unwrap_or(0);
        let mut out = String::new();
        for j in 0..n {
            if self.get_string(&format!("{}.{}.type", path, j)).as_deref() == Some("text") {
                if let Some(t) = self.get_string(&format!("{}.{}.text", path, j)) {
                    out.push_str(&t);
                }
            }
        }
        Some(out)
    }
}

/// One chat message: its role and its text (string content, or the text parts
/// of an array content joined).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Message {
    pub role: String,
    pub content: String,
}

// The typed objects are an Object with helpers of their own: each derefs to
// its Object for the generic calls.
macro_rules! deref_object {
    ($t:ty) => {
        impl std::ops::Deref for $t {
            type Target = Object;
            fn deref(&self) -> &Object {
                &self.0
            }
        }
    };
}

/// The canonical request (OpenAI chat-completions JSON) and the client's
/// headers. Writable in the request phase.
pub struct Request(pub Object);

deref_object!(Request);

impl Request {
    /// The requested model.
    pub fn model(&self) -> String {
        self.get_string("model").unwrap_or_default()
    }
    /// Sets the requested model.
    pub fn set_model(&self, model: &str) -> Result<(), HostError> {
        self.set_string("model", model)
    }
    /// Whether the client asked for a stream.
    pub fn stream(&self) -> bool {
        self.get_bool("stream").unwrap_or(false)
    }
    /// The number of messages.
    pub fn message_count(&self) -> usize {
        self.get_int("messages.#").unwrap_or(0).max(0) as usize
    }
    fn index(&self, i: isize) -> Option<usize> {
        let c = self.message_count() as isize;
        let i = if i < 0 { i + c } else { i };
        if i < 0 || i >= c {
            None
        } else {
            Some(i as usize)
        }
    }
    /// Message i; a negative i counts from the end (-1 is the last).
    pub fn message(&self, i: isize) -> Option<Message> {
        let i = self.index(i)?;
        Some(Message {
            role: self.get_string(&format!("messages.{}.role", i)).unwrap_or_default(),
            content: self.text_at(&format!("messages.{}.content", i)).unwrap_or_default(),
        })
    }
    /// All messages.
    pub fn messages(&self) -> Vec<Message> {
        (0..self.message_count() as isize).filter_map(|i| self.message(i)).collect()
    }
    /// The index of the last message with role "user".
    pub fn last_user_index(&self) -> Option<usize> {
        (0..self.message_count())
            .rev()
            .find(|i| self.get_string(&format!("messages.{}.role", i)).as_deref() == Some("user"))
    }
    /// The index and text of the last user message.
    pub fn last_user_message(&self) -> Option<(usize, String)> {
        let i = self.last_user_index()?;
        Some((i, self.text_at(&format!("messages.{}.content", i)).unwrap_or_default()))
    }
    /// Sets the content of message i (negative counts from the end) to a string.
    pub fn set_message_content(&self, i: isize, s: &str) -> Result<(), HostError> {
        let i = self.index(i).ok_or(HostError::NotFound)?;
        self.set_string(&format!("messages.{}.content", i), s)
    }
}

/// The canonical response (a chat.completion) and the client's response
/// headers, with `:status`. Writable in the response phase.
pub struct Response(pub Object);

deref_object!(Response);

impl Response {
    /// The request, read only.
    pub fn request(&self) -> Request {
        Request(Object { id: 0 })
    }
    /// The HTTP status for the client.
    pub fn status(&self) -> i32 {
        self.status_code()
    }
    /// Sets the HTTP status for the client.
    pub fn set_status(&self, code: i32) -> Result<(), HostError> {
        self.set_header(":status", &code.to_string())
    }
    /// The text of the first choice (`choices.0.message.content`).
    pub fn content(&self) -> String {
        self.text_at("choices.0.message.content").unwrap_or_default()
    }
    /// Sets the text of the first choice.
    pub fn set_content(&self, s: &str) -> Result<(), HostError> {
        self.set_string("choices.0.message.content", s)
    }
}

/// One canonical stream chunk (a chat.completion.chunk). Writable in the
/// chunk phase.
pub struct Chunk(pub Object);

deref_object!(Chunk);

impl Chunk {
    /// The request, read only.
    pub fn request(&self) -> Request {
        Request(Object { id: 0 })
    }
    /// The text of the first choice's delta (`choices.0.delta.content`).
    pub fn content(&self) -> String {
        self.text_at("choices.0.delta.content").unwrap_or_default()
    }
    /// Sets the text of the first choice's delta.
    pub fn set_content(&self, s: &str) -> Result<(), HostError> {
        self.set_string("choices.0.delta.content", s)
    }
    /// Drops the chunk: the client does not get it.
    pub fn drop_chunk(&self) -> Result<(), HostError> {
        self.set_body("")
    }
    /// Sets a response header (without effect: a stream's headers are sent).
    pub fn set_response_header(&self, name: &str, value: &str) -> Result<(), HostError> {
        Object { id: 1 }.set_header(name, value)
    }
    /// Whether this chunk ends the choice a text field belongs to: `path`
    /// is a field's path (`choices.N.…`, as [`MatchField::path`]) and that
    /// choice's `finish_reason` is set. Plugins that hold text back flush
    /// it then.
    pub fn finishes(&self, path: &str) -> bool {
        let rest = match path.strip_prefix("choices.") {
            Some(r) => r,
            None => return false,
        };
        let n = rest.bytes().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        match self.get(&format!("choices.{}.finish_reason", &rest[..n])) {
            Some(v) => v != "null",
            None => false,
        }
    }
}

/// The provider request an adapter builds (adapters only, request phase):
/// `:url`, `:method`, headers and body. If its body is never set the host
/// sends the canonical request.
pub struct ProviderRequest(pub Object);

deref_object!(ProviderRequest);

impl ProviderRequest {
    /// The absolute provider URL (`:url`).
    pub fn url(&self) -> String {
        self.header(":url").unwrap_or_default()
    }
    /// Sets the absolute provider URL (`:url`).
    pub fn set_url(&self, url: &str) -> Result<(), HostError> {
        self.set_header(":url", url)
    }
    /// The HTTP method (`:method`, POST unless set).
    pub fn method(&self) -> String {
        self.header(":method").unwrap_or_else(|| "POST".to_string())
    }
    /// Sets the HTTP method (`:method`).
    pub fn set_method(&self, method: &str) -> Result<(), HostError> {
        self.set_header(":method", method)
    }
}

/// The provider's response: body, headers and `:status` (adapters only,
/// read only, response and chunk phases).
pub struct ProviderResponse(pub Object);

deref_object!(ProviderResponse);

impl ProviderResponse {
    /// The provider's HTTP status, or 0 if unknown.
    pub fn status(&self) -> i32 {
        self.status_code()
    }
}

/// The provider request an adapter builds (adapters only).
pub fn upstream() -> ProviderRequest {
    ProviderRequest(Object { id: 3 })
}

/// The provider's response (adapters only, read only).
pub fn upstream_response() -> ProviderResponse {
    ProviderResponse(Object { id: 4 })
}

/// One provider stream event's data (adapters only, read only).
pub fn upstream_chunk() -> Object {
    Object { id: 5 }
}

/// A plugin. Implement the hooks named in `HOOKS`; the others are never called.
pub trait Plugin: Sized {
    /// The hooks: [`HOOK_REQUEST`] | [`HOOK_RESPONSE`] | [`HOOK_CHUNK`].
    const HOOKS: u32;
    /// Makes the plugin from the slot's config, once per instance. An error
    /// refuses to start (the gateway reports the message).
    fn new(config: &Config) -> Result<Self, String>;
    /// The request hook.
    fn on_request(&mut self, _req: &Request) -> Action {
        Action::Continue
    }
    /// The response hook (non-streamed responses).
    fn on_response(&mut self, _resp: &Response) -> Action {
        Action::Continue
    }
    /// The chunk hook (each stream chunk).
    fn on_chunk(&mut self, _chunk: &Chunk) -> Action {
        Action::Continue
    }
}

#[doc(hidden)]
pub mod rt {
    use super::*;

    pub fn init<P: Plugin>(slot: &mut Option<P>) -> i32 {
        let raw = read_string(|b, c| unsafe { sys::config_get(b, c) }).unwrap_or_else(|| "{}".to_string());
        match P::new(&Config { raw }) {
            Ok(p) => {
                *slot = Some(p);
                P::HOOKS as i32
            }
            Err(msg) => {
                error(500, "plugin_error", &msg);
                -1
            }
        }
    }

    pub fn request<P: Plugin>(slot: &mut Option<P>) -> i32 {
        match slot {
            Some(p) => p.on_request(&Request(Object { id: 0 })) as i32,
            None => 0,
        }
    }

    pub fn response<P: Plugin>(slot: &mut Option<P>) -> i32 {
        match slot {
            Some(p) => p.on_response(&Response(Object { id: 1 })) as i32,
            None => 0,
        }
    }

    pub fn chunk<P: Plugin>(slot: &mut Option<P>) -> i32 {
        match slot {
            Some(p) => p.on_chunk(&Chunk(Object { id: 2 })) as i32,
            None => 0,
        }
    }
}

/// Makes a type the plugin of this module: writes the ABI v1 exports.
#[macro_export]
macro_rules! register {
    ($plugin:ty) => {
        static mut WASMGATE_PLUGIN: Option<$plugin> = None;

        #[no_mangle]
        pub extern "C" fn wasmgate_abi_version() -> i32 {
            $crate::ABI_VERSION
        }
        #[no_mangle]
        pub extern "C" fn wasmgate_init() -> i32 {
            $crate::rt::init::<$plugin>(unsafe { &mut WASMGATE_PLUGIN })
        }
        #[no_mangle]
        pub extern "C" fn wasmgate_on_request() -> i32 {
            $crate::rt::request::<$plugin>(unsafe { &mut WASMGATE_PLUGIN })
        }
        #[no_mangle]
        pub extern "C" fn wasmgate_on_response() -> i32 {
            $crate::rt::response::<$plugin>(unsafe { &mut WASMGATE_PLUGIN })
        }
        #[no_mangle]
        pub extern "C" fn wasmgate_on_chunk() -> i32 {
            $crate::rt::chunk::<$plugin>(unsafe { &mut WASMGATE_PLUGIN })
        }
    };
}

/// Makes a plugin type whose request hook is a function, as pdk/go's
/// `RequestFunc`: a request-only plugin without state or config.
///
/// ```ignore
/// fn tag(req: &Request) -> Action {
///     let _ = req.set_header("x-tagged", "1");
///     Action::Continue
/// }
/// request_func!(Tagger, tag);
/// register!(Tagger);
/// ```
#[macro_export]
macro_rules! request_func {
    ($name:ident, $f:path) => {
        /// A request-only plugin: its request hook is a function.
        pub struct $name;

        impl $crate::Plugin for $name {
            const HOOKS: u32 = $crate::HOOK_REQUEST;
            fn new(_config: &$crate::Config) -> Result<Self, String> {
                Ok($name)
            }
            fn on_request(&mut self, req: &$crate::Request) -> $crate::Action {
                $f(req)
            }
        }
    };
}

// metric_add (pdk/ABI.md, "Plugin metrics"): its own block, so that other
// host functions added next to it merge cleanly.
mod sys_metric {
    #[link(wasm_import_module = "wasmgate")]
    extern "C" {
        pub fn metric_add(name: *const u8, name_len: i32, label: *const u8, label_len: i32, delta: i32) -> i32;
    }
}

/// Limits of [`metric_add`] (pdk/ABI.md, "Plugin metrics"): bytes of an
/// event name, bytes of a label value, distinct (event, label) pairs per
/// plugin.
pub const METRIC_NAME_MAX: usize = 64;
pub const METRIC_LABEL_MAX: usize = 64;
pub const METRIC_SERIES_MAX: usize = 64;

/// Adds `delta` (>= 0) to this plugin's counter of an event and a label
/// value, exported as `wasmgate_plugin_events_total{plugin,event,label}`.
/// `event` is snake_case (up to [`METRIC_NAME_MAX`] bytes), `label` up to
/// [`METRIC_LABEL_MAX`] bytes of letters, digits and `_.-:/` — a name from
/// config, never request text or a secret. [`HostError::Invalid`] for a bad name, label or delta;
/// [`HostError::TooLarge`] for a new pair past the plugin's
/// [`METRIC_SERIES_MAX`].
pub fn metric_add(event: &str, label: &str, delta: i32) -> Result<(), HostError> {
    status(unsafe {
        sys_metric::metric_add(event.as_ptr(), event.len() as i32, label.as_ptr(), label.len() as i32, delta)
    })
}

// match_compile and match_redact (pdk/ABI.md, "Matching helpers" and
// "Redaction helper"): the host finds, replaces and writes back personal
// data in one call.
mod sys_redact {
    #[link(wasm_import_module = "wasmgate")]
    extern "C" {
        pub fn match_compile(spec: *const u8, spec_len: i32) -> i32;
        pub fn match_redact(obj: i32, path: *const u8, path_len: i32, matcher: i32, buf: *mut u8, cap: i32) -> i32;
    }
}

/// A matcher the host compiled from a JSON spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matcher(i32);

/// Compiles a matcher spec (JSON, pdk/ABI.md); with a `"redact"` key it can
/// be given to [`match_redact`]. Call it from `Plugin::new`.
pub fn match_compile(spec: &str) -> Result<Matcher, HostError> {
    let n = unsafe { sys_redact::match_compile(spec.as_ptr(), spec.len() as i32) };
    if n < 0 {
        Err(HostError::from_code(n))
    } else {
        Ok(Matcher(n))
    }
}

/// What one [`match_redact`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Redaction {
    /// The kind of the first finding with a block rule (nothing was written), or 0.
    pub blocked: u32,
    /// Findings replaced per kind: (kind, count).
    pub counts: Vec<(u32, u32)>,
    /// Each placeholder of a mask rule and the value it replaced.
    pub pairs: Vec<(String, String)>,
}

/// Replaces the findings of `m` in the string at `path` of the object, or
/// with an empty path in every text field, and writes the changed fields
/// back: one host call.
pub fn match_redact(obj: &Object, path: &str, m: Matcher) -> Result<Redaction, HostError> {
    let mut code = 0;
    let b = read(|buf, cap| {
        code = unsafe { sys_redact::match_redact(obj.id, path.as_ptr(), path.len() as i32, m.0, buf, cap) };
        code
    })
    .ok_or_else(|| HostError::from_code(code))?;
    decode_redaction(&b).ok_or(HostError::Invalid)
}

// u32_of takes a little-endian u32 off the front of b.
fn u32_of(b: &mut &[u8]) -> Option<u32> {
    let (v, rest) = (b.get(..4)?, b.get(4..)?);
    *b = rest;
    Some(u32::from_le_bytes([v[0], v[1], v[2], v[3]]))
}

// bytes_of takes a u32 length and that many bytes off the front of b.
fn bytes_of<'a>(b: &mut &'a [u8]) -> Option<&'a [u8]> {
    let n = u32_of(b)? as usize;
    let (v, rest) = (b.get(..n)?, b.get(n..)?);
    *b = rest;
    Some(v)
}

fn decode_redaction(mut b: &[u8]) -> Option<Redaction> {
    fn text(b: &mut &[u8]) -> Option<String> {
        Some(String::from_utf8_lossy(bytes_of(b)?).into_owned())
    }
    let mut r = Redaction { blocked: u32_of(&mut b)?, ..Default::default() };
    for _ in 0..u32_of(&mut b)? {
        let k = u32_of(&mut b)?;
        r.counts.push((k, u32_of(&mut b)?));
    }
    for _ in 0..u32_of(&mut b)? {
        let p = text(&mut b)?;
        r.pairs.push((p, text(&mut b)?));
    }
    if b.is_empty() {
        Some(r)
    } else {
        None
    }
}

// json_build (pdk/ABI.md, "Building bodies"): a program of literals and
// values copied by path that the host assembles into a body in one call.

/// Flags of [`Builder::copy`]: a string's unescaped text.
pub const BUILD_TEXT: u8 = 1;
/// A string's JSON text without its quotes.
pub const BUILD_INNER: u8 = 2;
/// The build fails with [`HostError::NotFound`] when the value is absent.
pub const BUILD_REQUIRED: u8 = 4;
/// When the value is present, the rest of a chain of alternatives is skipped.
pub const BUILD_OR_NEXT: u8 = 8;
/// A value that is not an array is wrapped in `[ ]`.
pub const BUILD_AS_ARRAY: u8 = 16;
/// An empty string counts as absent.
pub const BUILD_EMPTY_ABSENT: u8 = 32;
/// On an [`Builder::each`] field: the value's kind byte (`KIND_*`) instead of
/// the value.
pub const BUILD_KIND: u8 = 64;
/// On an [`Builder::each`] field: one byte, the 1-based position of the value
/// (a string) in the field's names, 0 when not there. Neither it nor a
/// [`BUILD_KIND`] field is followed by the separator.
pub const BUILD_CODE: u8 = 128;
/// As an instruction's object: a path relative to the last `base`.
pub const BUILD_BASE: u8 = 255;
/// As an instruction's object: a path relative to the last `item`.
pub const BUILD_ITEM: u8 = 254;

/// Kinds that [`Builder::kind`] and a [`BUILD_KIND`] field write, one byte
/// per value.
pub const KIND_MISSING: u8 = b'u';
pub const KIND_NULL: u8 = b'n';
pub const KIND_FALSE: u8 = b'f';
pub const KIND_TRUE: u8 = b't';
pub const KIND_NUMBER: u8 = b'd';
/// A non-empty string.
pub const KIND_STRING: u8 = b's';
pub const KIND_EMPTY_STRING: u8 = b'e';
pub const KIND_ARRAY: u8 = b'a';
pub const KIND_OBJECT: u8 = b'o';

/// One field of [`Builder::each`]: a path in each element, its flags and,
/// with [`BUILD_CODE`], the comma-separated names it is coded against.
#[derive(Debug, Clone, Copy)]
pub struct EachField<'a> {
    pub path: &'a str,
    pub flags: u8,
    pub names: &'a str,
}

/// A json_build program.
#[derive(Default, Clone)]
pub struct Builder {
    prog: Vec<u8>,
}

impl Builder {
    pub fn new() -> Self {
        Builder { prog: Vec::new() }
    }
    fn str(&mut self, s: &[u8]) {
        self.prog.extend_from_slice(&(s.len() as u32).to_le_bytes());
        self.prog.extend_from_slice(s);
    }
    /// Appends literal text.
    pub fn lit(&mut self, text: &str) {
        self.prog.push(1);
        self.str(text.as_bytes());
    }
    /// Appends the value at a path of an object (`src`: an object id,
    /// BUILD_BASE or BUILD_ITEM).
    pub fn copy(&mut self, src: u8, path: &str, flags: u8) {
        self.prog.extend_from_slice(&[2, src, flags]);
        self.str(path.as_bytes());
    }
    /// Appends pre, the value and post when the value is present, def otherwise.
    pub fn copy_or(&mut self, src: u8, path: &str, flags: u8, pre: &str, post: &str, def: &str) {
        self.prog.extend_from_slice(&[4, src, flags]);
        for s in [path, pre, post, def] {
            self.str(s.as_bytes());
        }
    }
    /// Appends one byte naming the kind of the value (`s` string, `a` array, …).
    pub fn kind(&mut self, src: u8, path: &str) {
        self.prog.extend_from_slice(&[3, src]);
        self.str(path.as_bytes());
    }
    /// Makes element `index` of the array at path the base (`None`: the value itself).
    pub fn base(&mut self, src: u8, path: &str, index: Option<u32>) {
        self.scope(5, src, path, index);
    }
    /// Makes element `index` of the array at path the item, a second level
    /// that [`BUILD_ITEM`] paths are relative to (a part of the base
    /// message's content); `None`: the value itself.
    pub fn item(&mut self, src: u8, path: &str, index: Option<u32>) {
        self.scope(7, src, path, index);
    }
    fn scope(&mut self, op: u8, src: u8, path: &str, index: Option<u32>) {
        self.prog.extend_from_slice(&[op, src]);
        self.prog.extend_from_slice(&index.unwrap_or(u32::MAX).to_le_bytes());
        self.str(path.as_bytes());
    }
    /// Appends, for each element of the array at path, each field's value
    /// at its path in the element followed by `sep` (or with [`BUILD_KIND`]
    /// its kind byte, with [`BUILD_CODE`] its position in the field's
    /// names): the shape of a body in one call. At most 255 fields.
    pub fn each(&mut self, src: u8, path: &str, sep: &str, fields: &[EachField]) {
        self.prog.extend_from_slice(&[6, src]);
        self.str(path.as_bytes());
        self.prog.push(fields.len() as u8);
        for f in fields {
            self.prog.push(f.flags);
            if f.flags & BUILD_CODE != 0 {
                self.str(f.names.as_bytes());
            }
            self.str(f.path.as_bytes());
        }
        self.str(sep.as_bytes());
    }
    /// Appends the instructions of another program (a part built apart).
    pub fn append(&mut self, other: &Builder) {
        self.prog.extend_from_slice(&other.prog);
    }
    /// Empties the program, keeping its buffer.
    pub fn reset(&mut self) {
        self.prog.clear();
    }
    /// The program's length in bytes (0 after [`Builder::reset`]).
    pub fn len(&self) -> usize {
        self.prog.len()
    }
    /// Whether the program is empty.
    pub fn is_empty(&self) -> bool {
        self.prog.is_empty()
    }
    /// Runs the program and sets its output as the body of `obj`.
    pub fn build(&self, obj: &Object) -> Result<(), HostError> {
        status(unsafe { sys::json_build(obj.id, self.prog.as_ptr(), self.prog.len() as i32, core::ptr::null_mut(), 0) })
    }
    /// Runs the program and returns its output.
    pub fn output(&self) -> Result<Vec<u8>, HostError> {
        let mut code = 0;
        read(|b, c| {
            code = unsafe { sys::json_build(-1, self.prog.as_ptr(), self.prog.len() as i32, b, c) };
            code
        })
        .ok_or_else(|| HostError::from_code(code))
    }
}

// match_scan and match_text (pdk/ABI.md, "Matching helpers"): the host
// finds personal data, secrets, patterns and word lists in an object's text
// fields or in the guest's text; only fields with findings come back. As
// pdk/go's Object.Scan, Object.TextFields and Matcher.Find.
mod sys_match {
    #[link(wasm_import_module = "wasmgate")]
    extern "C" {
        pub fn match_scan(obj: i32, path: *const u8, path_len: i32, matcher: i32, flags: i32, buf: *mut u8, cap: i32) -> i32;
        pub fn match_text(matcher: i32, text: *const u8, text_len: i32, buf: *mut u8, cap: i32) -> i32;
    }
}

/// Kinds of findings ([`Span::kind`]); the i-th custom pattern of a spec is
/// `KIND_CUSTOM + i`. (The `KIND_*` bytes of [`Builder::kind`] are another
/// family, as in pdk/go.)
pub const KIND_EMAIL: u32 = 1;
pub const KIND_PHONE: u32 = 2;
pub const KIND_CARD: u32 = 3;
pub const KIND_IBAN: u32 = 4;
pub const KIND_SSN: u32 = 5;
pub const KIND_IPV4: u32 = 6;
pub const KIND_IPV6: u32 = 7;
pub const KIND_API_KEY: u32 = 8;
pub const KIND_JWT: u32 = 9;
pub const KIND_CUSTOM: u32 = 256;

// The names of the built-in kinds, KIND_EMAIL first.
const KIND_NAMES: [&str; 9] = ["email", "phone", "card", "iban", "ssn", "ipv4", "ipv6", "api_key", "jwt"];

/// The names of every built-in kind, in the order of their numbers, as
/// [`MatchSpec::builtin`] takes them (pdk/go's `BuiltinKinds`).
pub fn builtin_kinds() -> &'static [&'static str] {
    &KIND_NAMES
}

/// A kind's name (pdk/go's `Kind.String`): `email` … `jwt`, `custom_<i>` for
/// `KIND_CUSTOM + i` (the name a [`RedactRule::kind`] takes), `kind_<n>`
/// for any other number.
pub fn kind_name(kind: u32) -> String {
    match kind {
        1..=9 => KIND_NAMES[kind as usize - 1].to_string(),
        k if k >= KIND_CUSTOM => format!("custom_{}", k - KIND_CUSTOM),
        k => format!("kind_{}", k),
    }
}

/// The built-in kind named `name` (pdk/go's `ParseKind`); custom kinds are
/// not parsed.
pub fn parse_kind(name: &str) -> Option<u32> {
    KIND_NAMES.iter().position(|&n| n == name).map(|i| i as u32 + 1)
}

/// What a [`Matcher`] finds: a typed spec, encoded as the JSON
/// [`match_compile`] takes (pdk/go's `MatchSpec`; empty parts are left
/// out).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchSpec {
    /// Built-in kinds by name ([`builtin_kinds`]).
    pub builtin: Vec<String>,
    /// Custom patterns: the i-th reports `KIND_CUSTOM + i`.
    pub custom: Vec<MatchPattern>,
    /// Rules for [`match_redact`].
    pub redact: Option<RedactSpec>,
}

/// A custom pattern: an RE2 regular expression, used as written (start it
/// with `(?i)` to ignore case), or a list of words and phrases, matched as
/// whole words and ignoring case unless `case_sensitive`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchPattern {
    pub regex: String,
    pub words: Vec<String>,
    pub case_sensitive: bool,
}

/// What [`match_redact`] writes in place of a finding, per kind. Kinds
/// without a rule are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RedactSpec {
    pub rules: Vec<RedactRule>,
    /// The HMAC-SHA256 key of the `hash` action.
    pub hash_key: String,
}

/// The action for one kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RedactRule {
    /// [`kind_name`] of a built-in or custom kind: `email`, `custom_0`.
    pub kind: String,
    /// `mask` (`[LABEL_1]`, the same value the same number within one
    /// call), `hash` (`[LABEL_<first 6 bytes of HMAC-SHA256 in hex>]`) or
    /// `block` (nothing is written; [`Redaction::blocked`] names the kind).
    pub action: String,
    /// The placeholder's name: letters, digits and `_`.
    pub label: String,
}

fn json_strings(list: &[String]) -> String {
    let q: Vec<String> = list.iter().map(|s| json_string(s)).collect();
    format!("[{}]", q.join(","))
}

impl MatchSpec {
    /// The spec as the JSON of pdk/ABI.md, with the keys in pdk/go's order.
    pub fn to_json(&self) -> String {
        let mut parts = Vec::new();
        if !self.builtin.is_empty() {
            parts.push(format!("\"builtin\":{}", json_strings(&self.builtin)));
        }
        if !self.custom.is_empty() {
            let c: Vec<String> = self
                .custom
                .iter()
                .map(|p| {
                    let mut f = Vec::new();
                    if !p.regex.is_empty() {
                        f.push(format!("\"regex\":{}", json_string(&p.regex)));
                    }
                    if !p.words.is_empty() {
                        f.push(format!("\"words\":{}", json_strings(&p.words)));
                    }
                    if p.case_sensitive {
                        f.push("\"case_sensitive\":true".to_string());
                    }
                    format!("{{{}}}", f.join(","))
                })
                .collect();
            parts.push(format!("\"custom\":[{}]", c.join(",")));
        }
        if let Some(r) = &self.redact {
            let rules: Vec<String> = r
                .rules
                .iter()
                .map(|x| {
                    format!(
                        "{{\"kind\":{},\"action\":{},\"label\":{}}}",
                        json_string(&x.kind),
                        json_string(&x.action),
                        json_string(&x.label)
                    )
                })
                .collect();
            let mut red = format!("{{\"rules\":[{}]", rules.join(","));
            if !r.hash_key.is_empty() {
                red.push_str(&format!(",\"hash_key\":{}", json_string(&r.hash_key)));
            }
            parts.push(format!("\"redact\":{}}}", red));
        }
        format!("{{{}}}", parts.join(","))
    }
}

/// Compiles a typed spec on the host: [`match_compile`] of
/// [`MatchSpec::to_json`] (pdk/go's `CompileMatcher`). Call it from
/// `Plugin::new`.
pub fn compile_matcher(spec: &MatchSpec) -> Result<Matcher, HostError> {
    match_compile(&spec.to_json())
}

const MATCH_ALL_FIELDS: i32 = 1;

/// One finding: bytes `start..end` of its text (UTF-8 byte offsets, as
/// `str` slicing takes them), of kind `KIND_EMAIL` … `KIND_JWT` or `KIND_CUSTOM + i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub kind: u32,
}

/// A text field of an object and what a matcher found in it: `path` is the
/// field's path for [`Object::set_string`], `text` its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchField {
    pub path: String,
    pub text: String,
    pub spans: Vec<Span>,
}

impl MatchField {
    /// The text of finding `i` ("" for a span that is not on character
    /// boundaries of `text`).
    pub fn found(&self, i: usize) -> &str {
        self.spans.get(i).and_then(|s| self.text.get(s.start..s.end)).unwrap_or("")
    }
}

/// The fields with findings of `m` in the string at `path` of the object,
/// or with an empty path in every text field (message contents and text
/// parts, tool-call arguments; a response's choices' messages, a chunk's
/// deltas): one host call. [`HostError::NotFound`] when `path` names no
/// string, [`HostError::Invalid`] for a matcher this instance did not
/// compile, [`HostError::NotAvailable`] for an object outside its phase.
pub fn match_scan(obj: &Object, path: &str, m: Matcher) -> Result<Vec<MatchField>, HostError> {
    scan_fields(obj, path, m, 0)
}

/// [`match_scan`] of every text field, also those without findings (a
/// chunk's text in one call).
pub fn match_text_fields(obj: &Object, m: Matcher) -> Result<Vec<MatchField>, HostError> {
    scan_fields(obj, "", m, MATCH_ALL_FIELDS)
}

fn scan_fields(obj: &Object, path: &str, m: Matcher, flags: i32) -> Result<Vec<MatchField>, HostError> {
    let mut code = 0;
    let b = read(|buf, cap| {
        code = unsafe { sys_match::match_scan(obj.id, path.as_ptr(), path.len() as i32, m.0, flags, buf, cap) };
        code
    })
    .ok_or_else(|| HostError::from_code(code))?;
    decode_fields(&b).ok_or(HostError::Invalid)
}

/// The findings of `m` in `text` (one host call); offsets are bytes of
/// `text`.
pub fn match_find(m: Matcher, text: &str) -> Result<Vec<Span>, HostError> {
    let mut code = 0;
    let b = read(|buf, cap| {
        code = unsafe { sys_match::match_text(m.0, text.as_ptr(), text.len() as i32, buf, cap) };
        code
    })
    .ok_or_else(|| HostError::from_code(code))?;
    let fields = decode_fields(&b).ok_or(HostError::Invalid)?;
    Ok(fields.into_iter().next().map(|f| f.spans).unwrap_or_default())
}

impl Object {
    /// [`match_scan`] of this object, as pdk/go's `Object.Scan`.
    pub fn scan(&self, path: &str, m: Matcher) -> Result<Vec<MatchField>, HostError> {
        match_scan(self, path, m)
    }
    /// [`match_text_fields`] of this object, as pdk/go's `Object.TextFields`.
    pub fn text_fields(&self, m: Matcher) -> Result<Vec<MatchField>, HostError> {
        match_text_fields(self, m)
    }
}

impl Matcher {
    /// [`match_find`], as pdk/go's `Matcher.Find`.
    pub fn find(&self, text: &str) -> Result<Vec<Span>, HostError> {
        match_find(*self, text)
    }
}

// decode_fields reads the layout of pdk/ABI.md: per field path_len path
// text_len text count count×(start end kind), little-endian u32s. None when
// the bytes break it.
fn decode_fields(mut b: &[u8]) -> Option<Vec<MatchField>> {
    // Offsets are into the host's bytes: a text is taken as it is, never
    // repaired.
    fn text(b: &mut &[u8]) -> Option<String> {
        String::from_utf8(bytes_of(b)?.to_vec()).ok()
    }
    let mut out = Vec::new();
    while !b.is_empty() {
        let path = text(&mut b)?;
        let text = text(&mut b)?;
        let count = u32_of(&mut b)? as usize;
        if count > b.len() / 12 {
            return None;
        }
        let mut spans = Vec::with_capacity(count);
        for _ in 0..count {
            let (start, end, kind) = (u32_of(&mut b)? as usize, u32_of(&mut b)? as usize, u32_of(&mut b)?);
            spans.push(Span { start, end, kind });
        }
        out.push(MatchField { path, text, spans });
    }
    Some(out)
}

// json_build templates (pdk/ABI.md, "Building bodies", opcodes 8–12): a
// program that walks a request on the host, a template per case.

/// As an instruction's object inside a [`Builder::map`] template: a path
/// relative to the element before the current one.
pub const BUILD_PREV: u8 = 253;
/// The same for the element after the current one.
pub const BUILD_NEXT: u8 = 252;
/// [`Builder::switch`] flags: a name equal to the string's text.
pub const SWITCH_TEXT: u8 = 0;
/// A name that contains the value's kind byte (`"sa"`: a string or an array).
pub const SWITCH_KIND: u8 = 1;
/// A name the string's text starts with.
pub const SWITCH_PREFIX: u8 = 2;

impl Builder {
    fn prog_str(&mut self, p: Option<&Builder>) {
        let empty: &[u8] = &[];
        self.str(p.map_or(empty, |b| b.prog.as_slice()));
    }
    /// Runs the program of the first case whose name the value matches
    /// (`None`: nothing), or `other` when none does. At most 255 cases.
    pub fn switch(&mut self, src: u8, path: &str, flags: u8, other: Option<&Builder>, cases: &[(&str, Option<&Builder>)]) {
        self.prog.extend_from_slice(&[8, src, flags]);
        self.str(path.as_bytes());
        self.prog.push(cases.len() as u8);
        for (name, _) in cases {
            self.str(name.as_bytes());
        }
        self.prog_str(other);
        for (_, then) in cases {
            self.prog_str(*then);
        }
    }
    /// Runs the programs and joins the outputs that are not empty with sep,
    /// between pre and post; nothing when all are empty.
    pub fn group(&mut self, pre: &str, sep: &str, post: &str, parts: &[&Builder]) {
        self.prog.push(9);
        for s in [pre, sep, post] {
            self.str(s.as_bytes());
        }
        self.prog.push(parts.len() as u8);
        for p in parts {
            self.prog_str(Some(*p));
        }
    }
    /// Runs `each` for every element of the array at path, the element as
    /// the base (the item when `src` is BUILD_BASE, BUILD_ITEM, BUILD_PREV
    /// or BUILD_NEXT), joined as [`Builder::group`] joins.
    pub fn map(&mut self, src: u8, path: &str, pre: &str, sep: &str, post: &str, each: &Builder) {
        self.prog.extend_from_slice(&[10, src]);
        for s in [path, pre, sep, post] {
            self.str(s.as_bytes());
        }
        self.prog_str(Some(each));
    }
    /// Ends the build with [`HostError::NotFound`]: a case left to the guest.
    pub fn fail(&mut self) {
        self.prog.push(11);
    }
    /// Appends the part of the string at path between the first `from` and
    /// the first `to` after it (empty: the start, the end) as a JSON string,
    /// or with BUILD_TEXT as text, with BUILD_INNER without quotes.
    pub fn cut(&mut self, src: u8, path: &str, flags: u8, from: &str, to: &str) {
        self.prog.extend_from_slice(&[12, src, flags]);
        for s in [path, from, to] {
            self.str(s.as_bytes());
        }
    }
}

// Host-side unit tests of the parts that need no host (`make test-pdk-rust`).
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquote_escapes() {
        assert_eq!(unquote(r#""a\"b\\c\/d\n\t\r""#), "a\"b\\c/d\n\t\r");
        assert_eq!(unquote(r#""caf\u00e9 \u2028""#), "café \u{2028}");
    }

    #[test]
    fn unquote_surrogate_pairs() {
        assert_eq!(unquote(r#""smile \ud83d\ude00!""#), "smile 😀!");
        assert_eq!(unquote(r#""\uD83D\uDE00""#), "😀");
        // A lone or reversed surrogate is invalid: U+FFFD, as Go decodes it.
        assert_eq!(unquote(r#""a\ud83db""#), "a\u{FFFD}b");
        assert_eq!(unquote(r#""\ude00\ud83d""#), "\u{FFFD}\u{FFFD}");
        assert_eq!(unquote(r#""\ud83d\u0041""#), "\u{FFFD}A");
        assert_eq!(unquote(r#""cut \u12""#), "cut \u{FFFD}");
    }

    #[test]
    fn decode_match_fields() {
        let mut b = Vec::new();
        let put = |b: &mut Vec<u8>, v: u32| b.extend_from_slice(&v.to_le_bytes());
        put(&mut b, 1);
        b.push(b'p');
        put(&mut b, 6);
        b.extend_from_slice("é a@b".as_bytes());
        put(&mut b, 1);
        for v in [3, 6, 1] {
            put(&mut b, v);
        }
        let f = MatchField { path: "p".into(), text: "é a@b".into(), spans: vec![Span { start: 3, end: 6, kind: 1 }] };
        assert_eq!(decode_fields(&b), Some(vec![f.clone()]));
        assert_eq!(f.found(0), "a@b");
        assert_eq!(decode_fields(&b[..b.len() - 1]), None);
        assert_eq!(decode_fields(&[]), Some(vec![]));
    }

    // Attributes take no constants: each extern block must spell
    // IMPORT_MODULE.
    #[test]
    fn import_module() {
        let src = include_str!("lib.rs");
        let blocks = src.matches("\n    #[link(wasm_import_module = ").count();
        let named = src.matches(&format!("\n    #[link(wasm_import_module = {:?})]", IMPORT_MODULE)).count();
        assert!(blocks >= 4, "{} extern blocks found", blocks);
        assert_eq!(named, blocks);
    }

    // pdk/go's TestMatch.
    #[test]
    fn glob_patterns() {
        let cases = [
            ("*", "", true),
            ("*", "anything", true),
            ("gpt-4o", "gpt-4o", true),
            ("gpt-4o", "gpt-4o-mini", false),
            ("gpt-4o*", "gpt-4o-mini", true),
            ("gpt-4o*", "gpt-4", false),
            ("*-mini", "gpt-4o-mini", true),
            ("*-mini", "gpt-4o-mini-2024", false),
            ("gpt-*-mini", "gpt-4o-mini", true),
            ("gpt-*-mini", "gpt-mini", false),
            ("a*b*c", "abc", true),
            ("a*b*c", "aXbYbZc", true),
            ("a*b*c", "acb", false),
            ("a**c", "ac", true),
            ("*a*", "bab", true),
            ("*a*", "bbb", false),
            ("ab*ab", "ab", false),
            ("ab*ab", "abab", true),
            ("mistral-?", "mistral-3", false), // only * is special
            ("mistral-?", "mistral-?", true),
            ("zoë*", "zoë → x", true),
            ("*→*", "zoë → x", true),
        ];
        for (p, s, want) in cases {
            assert_eq!(glob_match(p, s), want, "glob_match({:?}, {:?})", p, s);
        }
    }

    #[test]
    fn kind_names() {
        assert_eq!(kind_name(KIND_EMAIL), "email");
        assert_eq!(kind_name(KIND_API_KEY), "api_key");
        assert_eq!(kind_name(KIND_JWT), "jwt");
        assert_eq!(kind_name(KIND_CUSTOM), "custom_0");
        assert_eq!(kind_name(KIND_CUSTOM + 2), "custom_2");
        assert_eq!(kind_name(0), "kind_0");
        assert_eq!(kind_name(42), "kind_42");
        assert_eq!(parse_kind("api_key"), Some(KIND_API_KEY));
        assert_eq!(parse_kind("custom_0"), None);
        assert_eq!(parse_kind("Email"), None);
        let all = builtin_kinds();
        assert_eq!(all.len() as u32, KIND_JWT);
        for (i, name) in all.iter().enumerate() {
            assert_eq!(parse_kind(name), Some(i as u32 + 1), "{}", name);
            assert_eq!(&kind_name(i as u32 + 1), name);
        }
    }

    // pdk/go's TestParseProviderStats, and the AssemblyScript guest's text:
    // any white space separates, a sign is a number's, an int64 overflow is
    // no number.
    #[test]
    fn provider_stats_text() {
        let text = "openai k1 1 closed 182000 0 412\n\
            openai k2 0 open 0 1000000 9 extra fields later\n\
            broken line\n\
            anthropic default 1 half_open x 0 1\n\
            azure default 0 half_open 1500 2500 -\n\
            \tbedrock  default 1 half_open  90 250000 +4 \r\n\
            big k 1 closed 9223372036854775808 0 1\n\
            min k 0 closed -9223372036854775808 0 1\n\
            \n";
        let stat = |provider: &str, key: &str, healthy, breaker: &str, latency_us, error_rate, requests| ProviderStat {
            provider: provider.into(),
            key: key.into(),
            healthy,
            breaker: breaker.into(),
            latency_us,
            error_rate,
            requests,
        };
        let want = vec![
            stat("openai", "k1", true, "closed", 182000, 0.0, 412),
            stat("openai", "k2", false, "open", 0, 1.0, 9),
            stat("bedrock", "default", true, "half_open", 90, 0.25, 4),
            stat("min", "k", false, "closed", i64::MIN, 0.0, 1),
        ];
        let got = parse_provider_stats(text);
        assert_eq!(got, want);
        let avail: Vec<bool> = got.iter().map(|s| s.available()).collect();
        assert_eq!(avail, [true, false, true, false]);
        assert_eq!(got[0].latency(), std::time::Duration::from_millis(182));
        assert_eq!(got[3].latency(), std::time::Duration::ZERO);
        assert_eq!(parse_provider_stats(""), vec![]);
    }

    #[test]
    fn targets() {
        let mut list = String::new();
        append_target(&mut list, &Target { provider: "openai".into(), model: "gpt-4o".into(), key: "k2".into() });
        list.push(',');
        append_target(&mut list, &Target { provider: "azure".into(), model: "org/gpt-4o".into(), ..Default::default() });
        assert_eq!(list, "openai/gpt-4o#k2,azure/org/gpt-4o");
    }

    // pdk/go's TestHeaderList, from a config as an adapter reads it.
    #[test]
    fn header_lists() {
        let cfg = Config { raw: r#"{"headers":{"X-B":"2"," api-key ":"1"},"bad":{":url":"x"},"num":{"a":1},"n":1}"#.into() };
        let m = cfg.get_string_map("headers").expect("headers");
        let want = vec![("api-key".to_string(), "1".to_string()), ("x-b".to_string(), "2".to_string())];
        assert_eq!(header_list(&m), Ok(want));
        assert_eq!(cfg.get_string_map("num"), None);
        assert_eq!(cfg.get_string_map("n"), None);
        assert_eq!(cfg.get_string_map("none"), None);
        assert_eq!(cfg.get_string_map("bad").map(|m| header_list(&m)), Some(Err(r#"bad header name ":url""#.to_string())));
        for bad in ["", " ", ":url"] {
            assert!(header_list([(bad, "v")]).is_err(), "name {:?} accepted", bad);
        }
        assert_eq!(header_list(Vec::<(&str, &str)>::new()), Ok(vec![]));
    }

    #[test]
    fn builder_len() {
        let mut b = Builder::new();
        assert!(b.is_empty());
        b.lit("ab");
        // The op, a u32 length, the text.
        assert_eq!(b.len(), 1 + 4 + 2);
        b.copy(OBJ_REQUEST, "model", 0);
        assert_eq!(b.len(), 7 + 3 + 4 + 5);
        b.reset();
        assert_eq!(b.len(), 0);
    }

    #[test]
    fn match_spec_json() {
        let custom = MatchSpec {
            custom: vec![
                MatchPattern { words: vec!["Ana".into()], case_sensitive: true, ..Default::default() },
                MatchPattern { regex: "b[o]+\"".into(), ..Default::default() },
            ],
            ..Default::default()
        };
        assert_eq!(custom.to_json(), r#"{"custom":[{"words":["Ana"],"case_sensitive":true},{"regex":"b[o]+\""}]}"#);
        assert_eq!(MatchSpec::default().to_json(), "{}");
        let hashed = MatchSpec {
            builtin: vec!["email".into()],
            redact: Some(RedactSpec {
                rules: vec![RedactRule { kind: "email".into(), action: "hash".into(), label: "E".into() }],
                hash_key: "k".into(),
            }),
            ..Default::default()
        };
        assert_eq!(
            hashed.to_json(),
            r#"{"builtin":["email"],"redact":{"rules":[{"kind":"email","action":"hash","label":"E"}],"hash_key":"k"}}"#
        );
    }
}
