//! match_compile and match_redact (pdk/ABI.md): compile a matcher with
//! redact rules, rewrite the request in one call, and check the decoded
//! report.

use wasmgate_pdk::*;

use crate::check::eq;
use crate::fixture::*;

/// Kinds of the report (pdk/ABI.md, "Matching helpers").
const KIND_EMAIL: u32 = 1;
const KIND_SSN: u32 = 5;

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
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

    eq("body_set the redact request", req.set_body(REDACT_REQUEST), Ok(()));
    let want = Redaction {
        blocked: 0,
        counts: vec![(KIND_EMAIL, 3)],
        pairs: pairs(&[("[EMAIL_1]", "ana@example.com"), ("[EMAIL_2]", "bo@example.org")]),
    };
    eq("match_redact report", match_redact(req, "", mask), Ok(want));
    eq("match_redact rewrote the field", req.get_string("messages.0.content").as_deref(), Some(REDACT_MASKED));
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
    eq("body_set the request back", req.set_body(REQUEST_JSON), Ok(()));
    eq("set_attr tck.redact", set_attr("tck.redact", "checked"), Ok(()));
}
