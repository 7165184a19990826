//! The hooks: one scenario per x-tck-case, as in the Go guest's hooks.go.

use std::ptr::{read_volatile, write_volatile};

use wasmgate_pdk::*;

use crate::check::{absent, eq, finish, reset};
use crate::fixture::*;
use crate::{build, metrics, parity, raw, redact, scan, tck_case};

pub fn on_request(req: &Request) -> Action {
    reset();
    match tck_case().as_str() {
        "basic" => request_basic(req),
        "adapter" => request_adapter(req),
        "redact" => redact::request(req),
        "build" => build::request(req),
        "match" => scan::request(req),
        "metrics" => metrics::request(),
        "respond" => return finish(respond(200, SHORT_RESPONSE)),
        "error" => return finish(error(429, "rate_limit_error", "slow down")),
        // respond without send_response
        "malformed" => return Action::Respond,
        "overlimit" => eq(
            "json_set over max_output_bytes",
            req.set_string("big", &"x".repeat(4096)),
            Err(HostError::TooLarge),
        ),
        // Volatile reads and writes keep the compiler from proving the
        // next three away.
        "trap" => {
            // An index out of range: a panic, which aborts, a trap.
            let v: Vec<i32> = Vec::new();
            let i = unsafe { read_volatile(&1usize) };
            return if v[i] == 0 { Action::Continue } else { Action::Error };
        }
        "loop" => {
            let mut n = 0u32;
            loop {
                unsafe { write_volatile(&mut n, read_volatile(&n).wrapping_add(1)) };
            }
        }
        "membomb" => {
            let mut hold: Vec<Vec<u8>> = Vec::with_capacity(1024);
            for _ in 0..1024 {
                let mut mib = vec![0u8; 1 << 20];
                unsafe { write_volatile(&mut mib[0], 1) };
                hold.push(mib);
            }
        }
        "state" => {
            // The previous request's attribute and edits must not leak into this one.
            absent("attribute of an earlier request", attr("tck.out"), raw::attr_get("tck.out"), ERR_NOT_FOUND);
            eq("messages of a new request", req.message_count(), 2);
        }
        _ => {}
    }
    finish(Action::Continue)
}

fn request_basic(req: &Request) {
    parity::request(req);
    eq("body_get request", req.body().as_deref(), Some(REQUEST_JSON));
    // config_get after init: the PDK gives the config to Plugin::new only.
    eq("config_get in a hook", raw::config_get(), Ok(CONFIG_JSON.to_string()));
    eq("json_digest of the request without stream", json_digest(req, &["stream"]), Ok(CANONICAL_REQUEST_SHA256.to_string()));
    eq("json_digest excluding two keys, one missing", json_digest(req, &["nothing", "stream"]), Ok(CANONICAL_REQUEST_SHA256.to_string()));
    eq("json_digest of the response in the request phase", json_digest(&Object::from_id(OBJ_RESPONSE), &[]), Err(HostError::NotAvailable));
    eq("provider_stats", provider_stats(), Ok(PROVIDER_STATS.to_string()));
    eq("cache_call without the cache capability", cache_call(r#"{"op":"get","key":"k"}"#), Err(HostError::Denied));

    eq("json_get model", req.get("model").as_deref(), Some(r#""tck-model""#));
    eq("json_get model (string)", req.get_string("model").as_deref(), Some("tck-model"));
    eq("Request::model", req.model(), "tck-model".to_string());
    eq("json_get unescaped", req.get_string("messages.1.content").as_deref(), Some("say \"hi\"\n"));
    eq("json_string spells a string as the host does", req.get("messages.1.content"), Some(json_string("say \"hi\"\n")));
    eq("json_get messages.#", req.get("messages.#").as_deref(), Some("2"));
    eq("get_int messages.#", req.get_int("messages.#"), Some(2));
    eq("get_int of a string", req.get_int("model"), None);
    eq("json_get messages.#.role", req.get("messages.#.role").as_deref(), Some(r#"["system","user"]"#));
    eq(r"json_get n\.x", req.get(r"n\.x").as_deref(), Some("1"));
    eq("json_get non-string with the string flag", req.get_string("stream").as_deref(), Some("false"));
    eq("get_bool stream", req.get_bool("stream"), Some(false));
    eq("get_bool of a string", req.get_bool("model"), None);
    eq("Request::stream", req.stream(), false);
    absent("json_get missing", req.get("missing.key"), raw::json_get(OBJ_REQUEST, "missing.key"), ERR_NOT_FOUND);
    eq("has missing", req.has("missing.key"), false);
    eq("has model", req.has("model"), true);

    let system = Message { role: "system".into(), content: "be brief".into() };
    let user = Message { role: "user".into(), content: "say \"hi\"\n".into() };
    eq("Request::message_count", req.message_count(), 2);
    eq("Request::messages", req.messages(), vec![system.clone(), user.clone()]);
    eq("Request::message(0)", req.message(0), Some(system));
    eq("Request::message(-1)", req.message(-1), Some(user));
    eq("Request::message(2)", req.message(2), None);
    eq("Request::message(-3)", req.message(-3), None);
    eq("Request::last_user_index", req.last_user_index(), Some(1));
    eq("Request::last_user_message", req.last_user_message(), Some((1, "say \"hi\"\n".to_string())));

    eq("json_set string (set_model)", req.set_model(r#"tck "model" 2"#), Ok(()));
    eq("json_get after json_set string", req.get("model").as_deref(), Some(r#""tck \"model\" 2""#));
    eq("Request::model after set_model", req.model(), r#"tck "model" 2"#.to_string());
    // An array content: its text parts are the message's text.
    let parts = r#"{"role":"user","content":[{"type":"text","text":"ad"},{"type":"image_url","image_url":{"url":"http://x.test/i.png"}},{"type":"text","text":"ded"}]}"#;
    eq("json_set append", req.set("messages.-1", parts), Ok(()));
    eq("messages.# after append", req.get("messages.#").as_deref(), Some("3"));
    eq("Request::message_count after append", req.message_count(), 3);
    eq("text of an array content", req.message(-1).map(|m| m.content), Some("added".to_string()));
    eq("Request::last_user_index after append", req.last_user_index(), Some(2));
    eq("set_message_content", req.set_message_content(-1, "added"), Ok(()));
    eq("content after set_message_content", req.get("messages.2.content").as_deref(), Some(r#""added""#));
    eq("set_message_content out of range", req.set_message_content(3, "x"), Err(HostError::NotFound));
    eq("json_set invalid JSON", req.set("temperature", "not json"), Err(HostError::Invalid));
    eq("json_set on #", req.set("messages.#", "1"), Err(HostError::Invalid));
    eq("json_set empty path", req.set("", "1"), Err(HostError::Invalid));
    eq("set_bool", req.set_bool("stream", true), Ok(()));
    eq("Request::stream after set_bool", req.stream(), true);
    eq("json_set delete", req.delete("stream"), Ok(()));
    absent("json_get after delete", req.get("stream"), raw::json_get(OBJ_REQUEST, "stream"), ERR_NOT_FOUND);
    eq("json_set delete missing", req.delete("nothing.here"), Ok(()));
    eq("set_int", req.set_int("tck_n", -7), Ok(()));
    eq("get_int after set_int", req.get_int("tck_n"), Some(-7));
    eq("delete tck_n", req.delete("tck_n"), Ok(()));
    eq("has after delete", req.has("tck_n"), false);
    eq("json_set raw", req.set("temperature", "0.5"), Ok(()));

    eq("header_get case-insensitive", req.header("X-TENANT").as_deref(), Some("acme"));
    absent("header_get missing", req.header("x-none"), raw::header_get(OBJ_REQUEST, "x-none"), ERR_NOT_FOUND);
    eq("header_set", req.set_header("X-Tck", "set"), Ok(()));
    eq("header_get after header_set", req.header("x-tck").as_deref(), Some("set"));
    eq("header_set delete", req.delete_header("x-tenant"), Ok(()));
    absent("header_get after delete", req.header("x-tenant"), raw::header_get(OBJ_REQUEST, "x-tenant"), ERR_NOT_FOUND);
    eq("header_set bad name", req.set_header("bad name", "v"), Err(HostError::Invalid));
    eq("header_set CRLF value", req.set_header("x-bad", "a\r\nb: c"), Err(HostError::Invalid));
    let response = Object::from_id(OBJ_RESPONSE);
    absent("response headers in the request phase", response.header(":status"), raw::header_get(OBJ_RESPONSE, ":status"), ERR_NOT_AVAILABLE);
    eq("set_response_header in the request phase", set_response_header("x-tck-early", "1"), Ok(()));

    eq("attr_get wasmgate.request_id", attr(ATTR_REQUEST_ID).as_deref(), Some(REQUEST_ID));
    eq("attr_get tck.in", attr("tck.in").as_deref(), Some("from-host"));
    absent("attr_get missing", attr("tck.none"), raw::attr_get("tck.none"), ERR_NOT_FOUND);
    eq("attr_set reserved", set_attr(ATTR_MODEL, "x"), Err(HostError::Denied));
    eq("attr_set empty name", set_attr("", "x"), Err(HostError::Invalid));
    eq("attr_set", set_attr("tck.out", "request-ok"), Ok(()));
    eq("attr_get after attr_set", attr("tck.out").as_deref(), Some("request-ok"));
    // Longer than the PDK's first buffer: its read loop grows it.
    let long = "v".repeat(1000);
    eq("attr_set tmp", set_attr("tck.tmp", &long), Ok(()));
    eq("attr_get of a long value", attr("tck.tmp"), Some(long));
    eq("attr_set delete", delete_attr("tck.tmp"), Ok(()));
    absent("attr_get after delete", attr("tck.tmp"), raw::attr_get("tck.tmp"), ERR_NOT_FOUND);
    absent("provider key outside the adapter", attr(ATTR_PROVIDER_API_KEY), raw::attr_get(ATTR_PROVIDER_API_KEY), ERR_DENIED);
    eq("secret_get in a hook", secret(SECRET_NAME), Ok(SECRET_VALUE.to_string()));

    for (obj, name) in [
        (OBJ_RESPONSE, "response"),
        (OBJ_CHUNK, "chunk"),
        (OBJ_UPSTREAM_REQUEST, "upstream request"),
        (OBJ_UPSTREAM_RESPONSE, "upstream response"),
        (OBJ_UPSTREAM_CHUNK, "upstream chunk"),
    ] {
        let what = format!("body_get {} in the request phase of a plugin", name);
        absent(&what, Object::from_id(obj).body(), raw::body_get(obj), ERR_NOT_AVAILABLE);
    }
    eq("body_set invalid JSON", req.set_body("{not json"), Err(HostError::Invalid));
    eq("body_set response in the request phase", response.set_body("{}"), Err(HostError::NotAvailable));
    // respond and error log a refusal and return their action: the codes are raw.
    eq("send_response status 100", raw::send_response(100, "{}"), ERR_INVALID);
    eq("send_response not JSON", raw::send_response(200, "nope"), ERR_INVALID);
    eq("send_error status 200", raw::send_error(200, "x", "m"), ERR_INVALID);
    eq("send_error empty type", raw::send_error(400, "", "m"), ERR_INVALID);
    eq("send_error long type", raw::send_error(400, &"t".repeat(65), "m"), ERR_INVALID);
    log(LOG_INFO, "tck: request checked");
}

fn request_adapter(req: &Request) {
    eq("adapter reads the provider key", attr(ATTR_PROVIDER_API_KEY).as_deref(), Some(API_KEY));
    let up = upstream();
    eq("upstream :method default", up.header(HEADER_METHOD).as_deref(), Some("POST"));
    eq("ProviderRequest::method", up.method(), "POST".to_string());
    eq("upstream :url", up.set_url(ADAPTER_URL), Ok(()));
    eq("upstream :url after set", up.header(HEADER_URL).as_deref(), Some(ADAPTER_URL));
    eq("ProviderRequest::url", up.url(), ADAPTER_URL.to_string());
    eq("ProviderRequest::set_method", up.set_method("POST"), Ok(()));
    eq("upstream header", up.set_header("Authorization", &format!("Bearer {}", API_KEY)), Ok(()));
    eq("unset upstream body reads as the request", up.get_string("model").as_deref(), Some("tck-model"));
    eq("json_set upstream", up.set_string("model", "up-model"), Ok(()));
    eq("canonical request untouched by upstream writes", req.get_string("model").as_deref(), Some("tck-model"));
}

pub fn on_response(resp: &Response) -> Action {
    reset();
    if tck_case() == "match" {
        scan::response(resp);
        return finish(Action::Continue);
    }
    if tck_case() == "adapter" {
        absent("provider key in the response phase", attr(ATTR_PROVIDER_API_KEY), raw::attr_get(ATTR_PROVIDER_API_KEY), ERR_DENIED);
        let up = upstream_response();
        eq("upstream :status", up.header(HEADER_STATUS).as_deref(), Some("200"));
        eq("ProviderResponse::status", up.status(), 200);
        eq("upstream response header", up.header("X-Up").as_deref(), Some("1"));
        eq("upstream response body", up.body().as_deref(), Some(UP_RESPONSE_JSON));
        eq("body_set upstream response", up.set_body("{}"), Err(HostError::NotAvailable));
        eq("body_set response", resp.set_body(ADAPTER_RESPONSE), Ok(()));
        return finish(Action::Continue);
    }
    eq("body_get response", resp.body().as_deref(), Some(RESPONSE_JSON));
    eq("json_get response content", resp.get_string("choices.0.message.content").as_deref(), Some("hello"));
    eq("Response::content", resp.content(), "hello".to_string());
    eq("json_set response (set_content)", resp.set_content("hello, tck"), Ok(()));
    eq("Response::content after set_content", resp.content(), "hello, tck".to_string());
    eq("response :status", resp.header(":status").as_deref(), Some("200"));
    eq("Response::status", resp.status(), 200);
    eq("response :status set", resp.set_status(201), Ok(()));
    eq("Response::status after set_status", resp.status(), 201);
    eq("response :status out of range", resp.set_status(99), Err(HostError::Invalid));
    eq("response header", resp.set_header("x-tck-resp", "1"), Ok(()));
    eq("response header set in the request phase", resp.header("x-tck-early").as_deref(), Some("1"));
    let req = resp.request();
    eq("request read only in the response phase", req.set_string("model", "x"), Err(HostError::NotAvailable));
    eq("request as the request phase left it", req.model(), r#"tck "model" 2"#.to_string());
    eq("attribute from the request phase", attr("tck.out").as_deref(), Some("request-ok"));
    eq("attr_set in the response phase", set_attr("tck.resp", "ok"), Ok(()));
    absent("chunk in the response phase", Object::from_id(OBJ_CHUNK).body(), raw::body_get(OBJ_CHUNK), ERR_NOT_AVAILABLE);
    eq("provider_stats in the response phase", provider_stats(), Err(HostError::NotAvailable));
    absent(
        "upstream response outside the adapter",
        upstream_response().body(),
        raw::body_get(OBJ_UPSTREAM_RESPONSE),
        ERR_NOT_AVAILABLE,
    );
    finish(Action::Continue)
}

pub fn on_chunk(chunk: &Chunk) -> Action {
    reset();
    match tck_case().as_str() {
        "match" => {
            scan::chunk(chunk);
            return finish(Action::Continue);
        }
        "adapter" => {
            let up = upstream_chunk();
            eq("upstream chunk", up.body().as_deref(), Some(UP_CHUNK_JSON));
            eq("upstream chunk path", up.get_string("text").as_deref(), Some("lo"));
            eq("body_set chunk", chunk.set_body(ADAPTER_CHUNK_JSON), Ok(()));
            return finish(Action::Continue);
        }
        "drop" => {
            eq("drop chunk", chunk.drop_chunk(), Ok(()));
            return finish(Action::Continue);
        }
        "chunk-error" => return finish(error(502, "upstream_error", "cut")),
        _ => {}
    }
    eq("body_get chunk", chunk.body().as_deref(), Some(CHUNK_JSON));
    parity::chunk(chunk);
    eq("body_get chunk after Chunk::finishes", chunk.body().as_deref(), Some(CHUNK_JSON));
    eq("json_get chunk content", chunk.get_string("choices.0.delta.content").as_deref(), Some("hel"));
    eq("Chunk::content", chunk.content(), "hel".to_string());
    eq("json_set chunk (set_content)", chunk.set_content("HEL"), Ok(()));
    eq("Chunk::content after set_content", chunk.content(), "HEL".to_string());
    eq("send_response in the chunk phase", raw::send_response(200, "{}"), ERR_NOT_AVAILABLE);
    eq("response header in the chunk phase", chunk.set_response_header("x-late", "1"), Ok(()));
    eq(
        "response body in the chunk phase",
        Object::from_id(OBJ_RESPONSE).set_string("id", "x"),
        Err(HostError::NotAvailable),
    );
    eq("request read only in the chunk phase", chunk.request().set_string("model", "x"), Err(HostError::NotAvailable));
    eq("attribute from the request phase in a chunk", attr("tck.out").as_deref(), Some("request-ok"));
    finish(Action::Continue)
}
