//! match_scan and match_text (pdk/ABI.md, "Matching helpers") through
//! match_scan, match_text_fields and match_find: the "match" scenario of the
//! Go guest (match.go), the decoded fields rendered as the fixture writes
//! them and compared with it.

use std::cell::Cell;

use wasmgate_pdk::*;

use crate::check::eq;
use crate::fixture::*;

thread_local! {
    /// MATCH_SPEC, compiled in init.
    static MATCHER: Cell<Option<Matcher>> = const { Cell::new(None) };
}

/// Compiles the scenario's matcher where a plugin would: in init.
pub fn init() {
    // The typed spec spells the fixture's JSON, and its matcher is the
    // scenario's (the checks below would fail with another).
    let spec = MatchSpec {
        builtin: vec![kind_name(KIND_EMAIL)],
        custom: vec![
            MatchPattern { regex: "TCK-[0-9]{3}".into(), ..Default::default() },
            MatchPattern { words: vec!["blue moon".into()], ..Default::default() },
        ],
        redact: None,
    };
    eq("MatchSpec::to_json of the match spec", spec.to_json().as_str(), MATCH_SPEC);
    let m = compile_matcher(&spec);
    eq("compile_matcher in init", m.map(|_| ()), Ok(()));
    MATCHER.with(|c| c.set(m.ok()));
}

fn matcher() -> Matcher {
    // Compiled in init, or init refused to start.
    MATCHER.with(|c| c.get()).expect("matcher compiled in init")
}

/// One finding's line: start, end, kind and its text.
fn render_spans(text: &str, spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| format!("\t{} {} {} {}\n", s.start, s.end, s.kind, text.get(s.start..s.end).unwrap_or("<outside the text>")))
        .collect()
}

/// The fields in the fixture's form: path, tab, text, then the findings.
fn render(fields: &[MatchField]) -> String {
    fields.iter().map(|f| format!("{}\t{}\n{}", f.path, f.text, render_spans(&f.text, &f.spans))).collect()
}

fn scanned(what: &str, got: Result<Vec<MatchField>, HostError>, want: &str) {
    eq(what, got.as_deref().map(render), Ok(want.to_string()));
}

pub fn request(req: &Request) {
    let m = matcher();
    // Each check goes through a function (match_scan, match_text_fields,
    // match_find) or a method (scan, text_fields, find), so that both run.
    scanned("match_scan of every text field", match_scan(req, "", m), MATCH_FINDINGS);
    scanned("Object::scan of every text field", req.scan("", m), MATCH_FINDINGS);
    scanned("match_text_fields", match_text_fields(req, m), MATCH_TEXT_FIELDS);
    let args = "messages.2.tool_calls.0.function.arguments";
    scanned("match_scan of a path", match_scan(req, args, m), &MATCH_FINDINGS[MATCH_FINDINGS.find(args).unwrap_or(0)..]);
    eq("match_scan of a path without findings", match_scan(req, "messages.0.content", m), Ok(vec![]));
    eq("match_scan of a path that is no string", match_scan(req, "n.x", m), Err(HostError::NotFound));
    eq("match_scan of a missing path", match_scan(req, "no.such.path", m), Err(HostError::NotFound));
    let other = match_compile(r#"{"builtin":["ipv4"]}"#);
    eq("match_compile in a hook", other.map(|_| ()), Ok(()));
    if let Ok(other) = other {
        // A matcher is a handle: the one compiled here finds no e-mail.
        eq("match_scan with another matcher", match_scan(req, "", other), Ok(vec![]));
    }
    eq(
        "match_scan of the response in the request phase",
        match_scan(&Object::from_id(OBJ_RESPONSE), "", m),
        Err(HostError::NotAvailable),
    );

    let spans = match_find(m, MATCH_TEXT);
    eq("match_find", spans.as_deref().map(|s| render_spans(MATCH_TEXT, s)), Ok(MATCH_TEXT_FINDINGS.to_string()));
    eq("match_find without findings", match_find(m, "nothing here"), Ok(vec![]));

    for (what, spec) in [
        ("an unknown kind", r#"{"builtin":["nope"]}"#),
        ("a bad regular expression", r#"{"custom":[{"regex":"("}]}"#),
        ("an unknown key", r#"{"builtin":["email"],"bogus":1}"#),
        ("a spec that is not JSON", "builtin: email"),
    ] {
        eq(&format!("match_compile with {}", what), match_compile(spec), Err(HostError::Invalid));
    }
    eq("set_attr tck.match", set_attr("tck.match", "request"), Ok(()));
}

pub fn response(resp: &Response) {
    let m = matcher();
    scanned("Object::scan of the response", resp.scan("", m), MATCH_RESPONSE_FINDINGS);
    scanned("match_scan of the request in the response phase", match_scan(&resp.request(), "", m), MATCH_FINDINGS);
    eq(
        "match_scan of the chunk in the response phase",
        match_scan(&Object::from_id(OBJ_CHUNK), "", m),
        Err(HostError::NotAvailable),
    );
    eq("set_attr tck.match", set_attr("tck.match", "response"), Ok(()));
}

pub fn chunk(chunk: &Chunk) {
    let m = matcher();
    scanned("Object::text_fields of the chunk", chunk.text_fields(m), MATCH_CHUNK_FIELDS);
    eq(
        "match_scan of the upstream chunk outside the adapter",
        match_scan(&upstream_chunk(), "", m),
        Err(HostError::NotAvailable),
    );
    // The instance's last hook: fill it up to 64 matchers (init's, the
    // request phase's, and these; refused specs count for nothing).
    let mut compiled = 2;
    let mut last = Ok(m);
    while compiled <= 64 {
        last = match_compile(r#"{"builtin":["email"]}"#);
        if last.is_err() {
            break;
        }
        compiled += 1;
    }
    eq("match_compile past 64 matchers", last.map(|_| ()), Err(HostError::TooLarge));
    eq("matchers compiled before TooLarge", compiled, 64);
    eq(
        "match_find after the limit",
        m.find("x ana@example.com"),
        Ok(vec![Span { start: 2, end: 17, kind: KIND_EMAIL }]),
    );
    eq("set_attr tck.match", set_attr("tck.match", "chunk"), Ok(()));
}
