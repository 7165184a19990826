//! match_compile and match_redact (pdk/ABI.md): compile a matcher with
//! redact rules, rewrite the request in one call, and check the decoded
//! report.

use wasmgate_pdk::*;

use crate::check::eq;
use crate::fixture::*;

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

/// Redacts REDACT_REQUEST with a matcher of REDACT_SPEC: the report and
/// the rewritten field.
fn masks(what: &str, req: &Request, m: Matcher) {
    eq(&format!("{}: body_set the redact request", what), req.set_body(REDACT_REQUEST), Ok(()));
    let want = Redaction {
        blocked: 0,
        counts: vec![(KIND_EMAIL, 3)],
        pairs: pairs(&[("[EMAIL_1]", "ana@example.com"), ("[EMAIL_2]", "bo@example.org")]),
    };
    eq(&format!("{}: report", what), match_redact(req, "", m), Ok(want));
    eq(&format!("{}: rewrote the field", what), req.get_string("messages.0.content").as_deref(), Some(REDACT_MASKED));
}

pub fn request(req: &Request) {
    let plain = match_compile(r#"{"builtin":["email"]}"#);
    eq("match_compile without redact rules", plain.is_ok(), true);
    if let Ok(plain) = plain {
        eq("match_redact with a matcher without rules", match_redact(req, "", plain).map(|_| ()), Err(HostError::Invalid));
    }
    eq(
        "match_compile with an unknown action",
        match_compile(r#"{"builtin":["email"],"redact":{"rules":[{"kind":"email","action":"erase","label":"EMAIL"}]}}"#),
        Err(HostError::Invalid),
    );
    let mask = match match_compile(REDACT_SPEC) {
        Ok(m) => m,
        Err(e) => {
            eq("match_compile with redact rules", Err(e), Ok(()));
            return;
        }
    };

    masks("match_redact", req, mask);
    eq("match_redact on a path that is no string", match_redact(req, "n.x", mask), Err(HostError::NotFound));

    // A report longer than the PDK's first buffer: the first call must
    // change nothing, or the second finds placeholders instead of addresses.
    let addrs: Vec<String> = (0..12).map(|i| format!("user{}@example.com", i)).collect();
    eq("set_message_content of many addresses", req.set_message_content(0, &addrs.join(" ")), Ok(()));
    let want = Redaction {
        blocked: 0,
        counts: vec![(KIND_EMAIL, 12)],
        pairs: addrs.iter().enumerate().map(|(i, a)| (format!("[EMAIL_{}]", i + 1), a.clone())).collect(),
    };
    eq("match_redact of a long report", match_redact(req, "messages.0.content", mask), Ok(want));
    let masked: Vec<String> = (1..=12).map(|i| format!("[EMAIL_{}]", i)).collect();
    eq("match_redact rewrote every address", req.message(0).map(|m| m.content), Some(masked.join(" ")));

    eq("body_set the blocked request", req.set_body(REDACT_BLOCKED), Ok(()));
    let blocked = Redaction { blocked: KIND_SSN, ..Default::default() };
    eq("match_redact reports the blocked kind", match_redact(req, "", mask), Ok(blocked));
    eq("a blocked request is not written", req.body().as_deref(), Some(REDACT_BLOCKED));
    typed(req);
    eq("body_set the request back", req.set_body(REQUEST_JSON), Ok(()));
    eq("set_attr tck.redact", set_attr("tck.redact", "checked"), Ok(()));
}

fn strings(s: &[&str]) -> Vec<String> {
    s.iter().map(|s| s.to_string()).collect()
}

/// The typed spec: MatchSpec encodes the fixture's spec as pdk/go does, and
/// compile_matcher's matcher redacts as match_compile's does.
fn typed(req: &Request) {
    let rule = |kind: &str, action: &str, label: &str| RedactRule { kind: kind.into(), action: action.into(), label: label.into() };
    let spec = MatchSpec {
        builtin: strings(&["email", "ssn"]),
        redact: Some(RedactSpec { rules: vec![rule("email", "mask", "EMAIL"), rule("ssn", "block", "SSN")], hash_key: String::new() }),
        ..Default::default()
    };
    eq("MatchSpec::to_json", spec.to_json().as_str(), REDACT_SPEC);
    let m = match compile_matcher(&spec) {
        Ok(m) => m,
        Err(e) => {
            eq("compile_matcher", Err(e), Ok(()));
            return;
        }
    };
    masks("match_redact with compile_matcher's matcher", req, m);
    // A rule names a kind by kind_name: a custom one too.
    let custom = MatchSpec {
        custom: vec![MatchPattern { words: strings(&["Ana"]), case_sensitive: true, ..Default::default() }],
        redact: Some(RedactSpec { rules: vec![rule(&kind_name(KIND_CUSTOM), "mask", "NAME")], ..Default::default() }),
        ..Default::default()
    };
    let cm = compile_matcher(&custom);
    eq("compile_matcher of a custom pattern with a rule", cm.map(|_| ()), Ok(()));
    if let Ok(cm) = cm {
        eq("set_message_content of names", req.set_message_content(0, "ana Ana ANA"), Ok(()));
        let want = Redaction { blocked: 0, counts: vec![(KIND_CUSTOM, 1)], pairs: pairs(&[("[NAME_1]", "Ana")]) };
        eq("match_redact of a case-sensitive word", match_redact(req, "messages.0.content", cm), Ok(want));
        eq("a case-sensitive word redacted", req.message(0).map(|m| m.content), Some("ana [NAME_1] ANA".to_string()));
    }
    let unknown = MatchSpec { builtin: strings(&["nope"]), ..Default::default() };
    eq("compile_matcher of an unknown kind", compile_matcher(&unknown), Err(HostError::Invalid));
}
