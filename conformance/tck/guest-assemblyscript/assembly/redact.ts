// match_redact (pdk/ABI.md, "Redaction helper") through matchCompile and
// matchRedact: compile a matcher with redact rules, rewrite the request in
// one call, and check the report byte by byte.
import {
  ERR_INVALID, ERR_NOT_FOUND, KIND_CUSTOM, KIND_EMAIL, KIND_SSN, MatchPattern, MatchSpec, OBJ_REQUEST, Redaction,
  RedactRule, RedactSpec, Request, compileMatcher, decodeRedaction, lastRedactResult, matchCompile, matchFind,
  matchRedact, setAttr,
} from "../../../../pdk/assemblyscript/assembly";
import { code, fail, num, refused, truth, value } from "./check";
import * as fx from "./fixture";

// Raw import, for one check of the host that no helper can make:
// matchRedact always passes a buffer large enough, and a call with a buffer
// too small must change nothing.
@external("wasmgate", "match_redact")
declare function raw_match_redact(obj: i32, path: usize, pathLen: i32, matcher: i32, buf: usize, cap: i32): i32;

// Report is the layout match_redact returns, built here to compare.
class Report {
  bytes: u8[] = [];
  u32(v: u32): Report {
    for (let i = 0; i < 4; i++) this.bytes.push(<u8>((v >> (8 * i)) & 0xff));
    return this;
  }
  str(s: string): Report {
    const b = Uint8Array.wrap(String.UTF8.encode(s));
    this.u32(<u32>b.length);
    for (let i = 0; i < b.length; i++) this.bytes.push(b[i]);
    return this;
  }
}

function report(blocked: u32, counts: u32[][], pairs: string[]): Report {
  const r = new Report().u32(blocked).u32(<u32>counts.length);
  for (let i = 0; i < counts.length; i++) r.u32(counts[i][0]).u32(counts[i][1]);
  r.u32(<u32>(pairs.length / 2));
  for (let i = 0; i < pairs.length; i++) r.str(pairs[i]);
  return r;
}

function hex(b: u8[]): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16);
  return s;
}

function expectReport(what: string, got: ArrayBuffer | null, want: Report): void {
  if (got === null) {
    fail(what + ": got result " + lastRedactResult.toString());
    return;
  }
  const g = Uint8Array.wrap(got);
  const gb: u8[] = [];
  for (let i = 0; i < g.length; i++) gb.push(g[i]);
  if (hex(gb) != hex(want.bytes)) fail(what + ": got " + hex(gb) + ", want " + hex(want.bytes));
}

export function requestRedact(req: Request): void {
  const plain = matchCompile('{"builtin":["email"]}');
  num("match_compile without redact rules", min(plain, 0), 0);
  const none = matchRedact(OBJ_REQUEST, "", plain);
  num("match_redact with a matcher without rules", none === null ? lastRedactResult : 0, ERR_INVALID);
  num("match_compile with an unknown action",
    matchCompile('{"builtin":["email"],"redact":{"rules":[{"kind":"email","action":"erase","label":"EMAIL"}]}}'), ERR_INVALID);
  const mask = matchCompile(fx.RedactSpec);
  num("match_compile with redact rules", min(mask, 0), 0);

  code("body_set the redact request", req.setBody(fx.RedactRequest), 0);
  const n = raw_match_redact(OBJ_REQUEST, 0, 0, mask, 0, 0);
  if (n <= 0) fail("match_redact with no buffer: got " + n.toString() + ", want the report's length");
  value("match_redact with a small buffer changes nothing", req.getString("messages.0.content"), fx.RedactText);

  const rep = matchRedact(OBJ_REQUEST, "", mask);
  expectReport("match_redact report", rep,
    report(0, [[1, 3]], ["[EMAIL_1]", "ana@example.com", "[EMAIL_2]", "bo@example.org"]));
  if (rep !== null) num("match_redact report length", rep.byteLength, n);
  value("match_redact rewrote the field", req.getString("messages.0.content"), fx.RedactMasked);

  const onNumber = matchRedact(OBJ_REQUEST, "n.x", mask);
  num("match_redact on a path that is no string", onNumber === null ? lastRedactResult : 0, ERR_NOT_FOUND);

  code("body_set the blocked request", req.setBody(fx.RedactBlocked), 0);
  expectReport("match_redact reports the blocked kind", matchRedact(OBJ_REQUEST, "", mask), report(5, [], []));
  value("a blocked request is not written", req.body(), fx.RedactBlocked);
  redactDecoded(req);
  code("body_set the request back", req.setBody(fx.RequestJSON), 0);
  code("setAttr tck.redact", setAttr("tck.redact", "checked"), 0);
}

// redactDecoded checks the typed side: MatchSpec encodes the fixture's spec
// as pdk/go does, and WGObject.redact returns the report decoded.
function redactDecoded(req: Request): void {
  const spec = new MatchSpec(["email", "ssn"], [], new RedactSpec([
    new RedactRule("email", "mask", "EMAIL"), new RedactRule("ssn", "block", "SSN"),
  ]));
  value("MatchSpec.toJSON", spec.toJSON(), fx.RedactSpec);
  const m = compileMatcher(spec);
  num("compileMatcher", min(m, 0), 0);

  code("body_set the redact request again", req.setBody(fx.RedactRequest), 0);
  const r = req.redact("", m);
  expectRedaction("WGObject.redact", r, 0, [KIND_EMAIL, 3], ["[EMAIL_1]", "ana@example.com", "[EMAIL_2]", "bo@example.org"]);
  value("WGObject.redact rewrote the field", req.getString("messages.0.content"), fx.RedactMasked);
  refused("WGObject.redact on a path that is no string", req.redact("n.x", m) === null, ERR_NOT_FOUND);
  code("body_set the blocked request again", req.setBody(fx.RedactBlocked), 0);
  expectRedaction("WGObject.redact of a blocked kind", req.redact("", m), KIND_SSN, [], []);

  // A report cut short or with a byte too many is no report.
  const good = report(0, [[1, 3]], ["[E_1]", "a@b.c"]).bytes;
  const buf = new Uint8Array(good.length + 1);
  for (let i = 0; i < good.length; i++) buf[i] = good[i];
  truth("decodeRedaction of a well-formed report", decodeRedaction(buf.slice(0, good.length).buffer) !== null, true);
  truth("decodeRedaction of a report with a byte too many", decodeRedaction(buf.buffer) === null, true);
  truth("decodeRedaction of a report cut short", decodeRedaction(buf.slice(0, good.length - 1).buffer) === null, true);

  // Custom patterns: a word list and a regular expression.
  const custom = new MatchSpec([], [new MatchPattern("", ["Ana"], true), new MatchPattern("b[o]+")]);
  value("MatchSpec.toJSON with custom patterns", custom.toJSON(),
    '{"custom":[{"words":["Ana"],"case_sensitive":true},{"regex":"b[o]+"}]}');
  const cm = compileMatcher(custom);
  num("compileMatcher of custom patterns", min(cm, 0), 0);
  const spans = matchFind(cm, "ana Ana boo");
  if (spans === null) fail("matchFind of custom patterns: null");
  else {
    num("custom findings", spans.length, 2);
    if (spans.length == 2) {
      num("custom finding 0 kind", spans[0].kind, KIND_CUSTOM);
      num("custom finding 0 start", spans[0].start, 4);
      num("custom finding 1 kind", spans[1].kind, KIND_CUSTOM + 1);
    }
  }
  num("compileMatcher of an unknown kind", compileMatcher(new MatchSpec(["nope"])), ERR_INVALID);
}

function expectRedaction(what: string, r: Redaction | null, blocked: i32, counts: i32[], pairs: string[]): void {
  if (r === null) {
    fail(what + ": null, result " + lastRedactResult.toString());
    return;
  }
  num(what + ": blocked", r.blocked, blocked);
  num(what + ": kinds", r.counts.length, counts.length / 2);
  for (let i = 0; i < r.counts.length && 2 * i + 1 < counts.length; i++) {
    num(what + ": kind " + i.toString(), r.counts[i].kind, counts[2 * i]);
    num(what + ": count " + i.toString(), r.counts[i].count, counts[2 * i + 1]);
  }
  num(what + ": pairs", r.pairs.length, pairs.length / 2);
  for (let i = 0; i < r.pairs.length && 2 * i + 1 < pairs.length; i++) {
    value(what + ": placeholder " + i.toString(), r.pairs[i].placeholder, pairs[2 * i]);
    value(what + ": value " + i.toString(), r.pairs[i].value, pairs[2 * i + 1]);
  }
}
