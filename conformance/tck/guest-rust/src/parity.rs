//! The helpers the Rust PDK has for parity with pdk/go (pdk/PARITY.md) that
//! the other scenarios do not reach: Object::size, routing (targets,
//! fallbacks, the parsed provider statistics), the reserved attributes,
//! request_func! and Chunk::finishes. Run before the "basic" case's checks,
//! which find the request unchanged. The pure helpers (glob_match, kind names,
//! header_list, parse_provider_stats of other texts, MatchSpec's JSON) are
//! checked by pdk/rust's unit tests.

use std::cell::RefCell;

use wasmgate_pdk::*;

use crate::check::{absent, eq};
use crate::fixture::*;
use crate::raw;

pub fn request(req: &Request) {
    eq("Object::size of model", req.size("model"), Some(json_string("tck-model").len()));
    eq("Object::size of a missing path", req.size("missing.key"), None);
    // The public json_get flag in a raw call: a string's text without its
    // quotes. (FLAG_DELETE is json_set's, run by Object::delete.)
    eq("json_get with FLAG_STRING", raw::json_get_flags(OBJ_REQUEST, "model", FLAG_STRING), "tck-model".len() as i32);
    eq("Object::size of the messages", req.size("messages").map(|n| Some(n) == req.get("messages").map(|m| m.len())), Some(true));

    // Routing: targets and fallbacks are written by a pipeline plugin in the
    // request phase; removed again so the case's outcome is the Go guest's.
    let mut list = String::new();
    append_target(&mut list, &Target { provider: "openai".into(), model: "gpt-4o".into(), key: "k2".into() });
    list.push(',');
    append_target(&mut list, &Target { provider: "azure".into(), model: "org/gpt-4o".into(), key: String::new() });
    eq("append_target", list.as_str(), "openai/gpt-4o#k2,azure/org/gpt-4o");
    eq("set_targets", set_targets(&list), Ok(()));
    eq("attribute after set_targets", attr(ATTR_TARGETS), Some(list));
    eq("delete the targets", delete_attr(ATTR_TARGETS), Ok(()));
    absent("targets after delete", attr(ATTR_TARGETS), raw::attr_get(ATTR_TARGETS), ERR_NOT_FOUND);
    eq("set fallback_on", set_attr(ATTR_FALLBACK_ON, "429,5xx"), Ok(()));
    eq("fallback_on", attr(ATTR_FALLBACK_ON).as_deref(), Some("429,5xx"));
    eq("delete fallback_on", delete_attr(ATTR_FALLBACK_ON), Ok(()));
    let tck = format!("{}tck", ATTR_PREFIX);
    for name in [ATTR_ENDPOINT, ATTR_UPSTREAM_DONE, ATTR_KEY_ID, ATTR_KEY_TEAM, ATTR_KEY_USER, tck.as_str()] {
        eq(&format!("set_attr of reserved {} in a request hook", name), set_attr(name, "x"), Err(HostError::Denied));
    }
    // The one attribute outside the prefix that the host reads.
    eq("set cache.status", set_attr(ATTR_CACHE_STATUS, "miss"), Ok(()));
    eq("cache.status", attr(ATTR_CACHE_STATUS).as_deref(), Some("miss"));
    eq("delete cache.status", delete_attr(ATTR_CACHE_STATUS), Ok(()));

    // The fixture's statistics (PROVIDER_STATS), parsed.
    let up = |key: &str| ProviderStat { provider: "up".into(), key: key.into(), ..Default::default() };
    let want = vec![
        ProviderStat { healthy: true, breaker: "closed".into(), latency_us: 120000, error_rate: 0.01, requests: 3, ..up("0") },
        ProviderStat { breaker: "open".into(), error_rate: 1.0, ..up("1") },
    ];
    let got = provider_stat_list();
    eq("provider_stat_list", got.clone(), Ok(want.clone()));
    eq("parse_provider_stats of the fixture", parse_provider_stats(PROVIDER_STATS), want);
    eq("ProviderStat::available", got.map(|s| s.iter().map(|s| s.available()).collect()), Ok(vec![true, false]));
    request_func(req);
}

thread_local! {
    /// The model SeeModel's function saw.
    static SAW: RefCell<String> = const { RefCell::new(String::new()) };
}

fn see_model(req: &Request) -> Action {
    SAW.with(|s| *s.borrow_mut() = req.model());
    Action::Respond
}

request_func!(SeeModel, see_model);

/// request_func!'s plugin type, made from the config in init.
pub fn init(cfg: &Config) {
    eq("request_func! hooks", SeeModel::HOOKS, HOOK_REQUEST);
    eq("request_func! new", SeeModel::new(cfg).is_ok(), true);
}

fn request_func(req: &Request) {
    eq("request_func! calls the function", SeeModel.on_request(req), Action::Respond);
    eq("request_func!'s function got the request", SAW.with(|s| s.borrow().clone()), "tck-model".to_string());
}

/// Chunk::finishes on the fixture's chunk (no finish_reason) and on a copy
/// of it with a second choice that finishes; the chunk is put back as it
/// was.
pub fn chunk(chunk: &Chunk) {
    eq("Chunk::finishes without finish_reason", chunk.finishes("choices.0.delta.content"), false);
    // CHUNK_JSON ends with its one choice's "}]}".
    let two = format!(
        "{},\"finish_reason\":null}},{{\"index\":1,\"delta\":{{\"content\":\"!\"}},\"finish_reason\":\"stop\"}}]}}",
        &CHUNK_JSON[..CHUNK_JSON.len() - 3]
    );
    eq("body_set a chunk with a finished choice", chunk.set_body(&two), Ok(()));
    for (path, want) in [
        ("choices.0.delta.content", false), // finish_reason null
        ("choices.1.delta.content", true),
        ("choices.1", true),
        ("choices.12.delta.content", false), // no such choice
        ("choices.x.delta", false),
        ("model", false),
    ] {
        eq(&format!("Chunk::finishes({:?})", path), chunk.finishes(path), want);
    }
    eq("body_set the chunk back", chunk.set_body(CHUNK_JSON), Ok(()));
}
