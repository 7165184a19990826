// json_build (pdk/ABI.md, "Building bodies") through Builder: a shape query
// to the guest, a body built into the provider request, and its failures.
import {
  BUILD_BASE, BUILD_CODE, BUILD_ITEM, BUILD_KIND, BUILD_NEXT, BUILD_PREV, BUILD_REQUIRED, BUILD_TEXT, Builder, ERR_INVALID,
  ERR_NOT_AVAILABLE, ERR_NOT_FOUND, EachField, OBJ_REQUEST, OBJ_RESPONSE, OBJ_UPSTREAM_REQUEST, Request, SWITCH_KIND,
  SWITCH_PREFIX, SWITCH_TEXT, upstream,
} from "../../../../pdk/assemblyscript/assembly";
import { code, num, truth, value } from "./check";
import * as fx from "./fixture";

// Raw import, only for a malformed program: Builder writes well-formed
// instructions by design.
@external("wasmgate", "json_build")
declare function raw_json_build(obj: i32, prog: usize, progLen: i32, buf: usize, cap: i32): i32;

const SRC_REQUEST = <u8>OBJ_REQUEST;

export function requestBuild(req: Request): void {
  const shape = new Builder();
  shape.each(SRC_REQUEST, "messages", "|", [
    new EachField("role", BUILD_CODE, "system,user"),
    new EachField("content", BUILD_KIND),
  ]);
  value("json_build shape to the guest", shape.output(), fx.BuildShape);

  const body = new Builder();
  body.lit('{"m":');
  body.copy(SRC_REQUEST, "model", 0);
  body.lit(',"u":');
  body.base(SRC_REQUEST, "messages", 1);
  body.copy(BUILD_BASE, "content", 0);
  body.copyOr(SRC_REQUEST, "nope", 0, "x", "y", ',"d":1');
  body.lit("}");
  code("json_build into the provider request", body.build(OBJ_UPSTREAM_REQUEST), fx.BuildBody.length);
  value("provider request after json_build", upstream().body(), fx.BuildBody);

  // append: the same body from two programs, the second built apart.
  const head = new Builder();
  head.lit('{"m":');
  head.copy(SRC_REQUEST, "model", 0);
  const tail = new Builder();
  tail.lit(',"u":');
  tail.base(SRC_REQUEST, "messages", 1);
  tail.copy(BUILD_BASE, "content", 0);
  tail.copyOr(SRC_REQUEST, "nope", 0, "x", "y", ',"d":1');
  tail.lit("}");
  const headLen = head.len();
  head.append(tail);
  num("Builder.append length", head.len(), headLen + tail.len());
  value("Builder.append output", head.output(), fx.BuildBody);

  // reset and len: the same Builder, emptied, makes the next program.
  const n = body.len();
  body.reset();
  truth("Builder.reset empties the program", n > 0 && body.len() == 0, true);
  body.lit("{");
  body.copy(SRC_REQUEST, "nope", BUILD_REQUIRED);
  body.lit("}");
  code("json_build with a required value missing", body.build(OBJ_UPSTREAM_REQUEST), ERR_NOT_FOUND);
  value("a failed json_build writes nothing", upstream().body(), fx.BuildBody);

  const bad = new Uint8Array(2); // copy, an object, and no more operands
  bad[0] = 2;
  bad[1] = <u8>OBJ_REQUEST;
  num("json_build of a malformed program",
    raw_json_build(OBJ_UPSTREAM_REQUEST, bad.dataStart, bad.length, 0, 0), ERR_INVALID);

  const open = new Builder();
  open.lit("{");
  code("json_build of invalid JSON into the request", open.build(OBJ_REQUEST), ERR_INVALID);
  const empty = new Builder();
  empty.lit("{}");
  code("json_build into the response in the request phase", empty.build(OBJ_RESPONSE), ERR_NOT_AVAILABLE);
  truth("json_build into the response: output() of it still works", empty.output() == "{}", true);

  const kinds = new Builder();
  kinds.kind(SRC_REQUEST, "messages.0.content");
  kinds.kind(SRC_REQUEST, "nope");
  value("json_build kinds", kinds.output(), "su");

  // item: a second level beside the base, element 0 of the messages.
  const item = new Builder();
  item.base(SRC_REQUEST, "messages", 1);
  item.item(SRC_REQUEST, "messages", 0);
  item.copy(BUILD_ITEM, "role", 0);
  item.copy(BUILD_BASE, "role", BUILD_TEXT);
  value("json_build with a base and an item", item.output(), '"system"user');
  templates();
}

// templates: json_build's opcodes 8-12, a map over the messages with a
// switch per role, a group, prev and next, cut, and fail.
function templates(): void {
  const fail = new Builder();
  fail.fail();
  const system = new Builder();
  system.lit("S:");
  system.kind(BUILD_PREV, "role");
  system.cut(BUILD_BASE, "content", BUILD_TEXT, "be ", "");
  const next = new Builder();
  next.kind(BUILD_NEXT, "role");
  const said = new Builder();
  said.cut(BUILD_BASE, "content", 0, "say ", "");
  const nope = new Builder();
  nope.copy(BUILD_BASE, "nope", 0);
  const q = new Builder();
  q.lit("?");
  const obj = new Builder();
  obj.lit("obj");
  const say = new Builder();
  say.lit("say");
  const kind = new Builder();
  kind.switch(BUILD_BASE, "content", SWITCH_KIND, q, ["ao"], [obj]);
  const prefix = new Builder();
  prefix.switch(BUILD_BASE, "content", SWITCH_PREFIX, null, ["say"], [say]);
  const user = new Builder();
  user.group("<", "|", ">", [next, said, nope, kind, prefix]);
  const role = new Builder();
  role.switch(BUILD_BASE, "role", SWITCH_TEXT, fail, ["system", "user"], [system, user]);
  const t = new Builder();
  t.map(SRC_REQUEST, "messages", "[", ",", "]", role);
  value("json_build templates", t.output(), fx.BuildTemplates);
  const only = new Builder();
  only.switch(BUILD_BASE, "role", SWITCH_TEXT, fail, ["user"], [null]);
  const f = new Builder();
  f.map(SRC_REQUEST, "messages", "", "", "", only);
  code("json_build fail", f.build(OBJ_UPSTREAM_REQUEST), ERR_NOT_FOUND);
}
