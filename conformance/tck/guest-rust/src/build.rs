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
}
