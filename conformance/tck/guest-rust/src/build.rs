//! json_build (pdk/ABI.md, "Building bodies") through the PDK's Builder: a
//! shape query to the guest, a body built into the provider request, and
//! its failures.

use wasmgate_pdk::*;

use crate::check::eq;
use crate::fixture::*;
use crate::raw;

pub fn request(req: &Request) {
    let mut shape = Builder::new();
    shape.each(
        OBJ_REQUEST,
        "messages",
        "|",
        &[
            EachField { path: "role", flags: BUILD_CODE, names: "system,user" },
            EachField { path: "content", flags: BUILD_KIND, names: "" },
        ],
    );
    eq("json_build shape to the guest", shape.output(), Ok(BUILD_SHAPE.as_bytes().to_vec()));

    // The body in two parts joined with append, as a part built apart joins it.
    let mut body = Builder::new();
    body.lit(r#"{"m":"#);
    body.copy(OBJ_REQUEST, "model", 0);
    body.lit(r#","u":"#);
    body.base(OBJ_REQUEST, "messages", Some(1));
    body.copy(BUILD_BASE, "content", 0);
    let mut tail = Builder::new();
    tail.copy_or(OBJ_REQUEST, "nope", 0, "x", "y", r#","d":1"#);
    tail.lit("}");
    body.append(&tail);
    let up = upstream();
    eq("Object::id of the provider request", up.id(), OBJ_UPSTREAM_REQUEST);
    eq("json_build into the provider request", body.build(&up), Ok(()));
    eq("provider request after json_build", up.body().as_deref(), Some(BUILD_BODY));

    let mut b = Builder::new();
    b.lit("{");
    b.copy(OBJ_REQUEST, "nope", BUILD_REQUIRED);
    b.lit("}");
    eq("json_build with a required value missing", b.build(&up), Err(HostError::NotFound));
    // A malformed program: the Builder cannot write one, so it is raw.
    eq("json_build of a malformed program", raw::json_build(OBJ_UPSTREAM_REQUEST, &[2, OBJ_REQUEST]), ERR_INVALID);
    b.reset();
    b.lit("{");
    eq("json_build of invalid JSON into the request", b.build(req), Err(HostError::Invalid));
    b.reset();
    b.lit("{}");
    eq(
        "json_build into the response in the request phase",
        b.build(&Object::from_id(OBJ_RESPONSE)),
        Err(HostError::NotAvailable),
    );
    b.reset();
    b.kind(OBJ_REQUEST, "messages.0.content");
    b.kind(OBJ_REQUEST, "nope");
    b.item(OBJ_REQUEST, "messages", Some(1));
    b.kind(BUILD_ITEM, "content");
    b.kind(OBJ_REQUEST, r"n\.x");
    eq("json_build kinds", b.output(), Ok(vec![KIND_STRING, KIND_MISSING, KIND_STRING, KIND_NUMBER]));
    templates(&up);
}

/// json_build's templates (opcodes 8-12): a map over the messages with a
/// switch per role, a group, prev and next, cut, and fail.
fn templates(up: &Object) {
    let mut fail = Builder::new();
    fail.fail();
    let mut system = Builder::new();
    system.lit("S:");
    system.kind(BUILD_PREV, "role");
    system.cut(BUILD_BASE, "content", BUILD_TEXT, "be ", "");
    let (mut next, mut said, mut nope) = (Builder::new(), Builder::new(), Builder::new());
    next.kind(BUILD_NEXT, "role");
    said.cut(BUILD_BASE, "content", 0, "say ", "");
    nope.copy(BUILD_BASE, "nope", 0);
    let (mut q, mut obj, mut say) = (Builder::new(), Builder::new(), Builder::new());
    q.lit("?");
    obj.lit("obj");
    say.lit("say");
    let (mut kind, mut prefix) = (Builder::new(), Builder::new());
    kind.switch(BUILD_BASE, "content", SWITCH_KIND, Some(&q), &[("ao", Some(&obj))]);
    prefix.switch(BUILD_BASE, "content", SWITCH_PREFIX, None, &[("say", Some(&say))]);
    let mut user = Builder::new();
    user.group("<", "|", ">", &[&next, &said, &nope, &kind, &prefix]);
    let mut role = Builder::new();
    role.switch(BUILD_BASE, "role", SWITCH_TEXT, Some(&fail), &[("system", Some(&system)), ("user", Some(&user))]);
    let mut t = Builder::new();
    t.map(OBJ_REQUEST, "messages", "[", ",", "]", &role);
    eq("json_build templates", t.output(), Ok(BUILD_TEMPLATES.as_bytes().to_vec()));
    let mut only = Builder::new();
    only.switch(BUILD_BASE, "role", SWITCH_TEXT, Some(&fail), &[("user", None)]);
    t.reset();
    t.map(OBJ_REQUEST, "messages", "", "", "", &only);
    eq("json_build fail", t.build(up), Err(HostError::NotFound));
}
