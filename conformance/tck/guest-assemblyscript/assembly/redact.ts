// match_redact (pdk/ABI.md, "Redaction helper") through matchCompile and
// matchRedact: compile a matcher with redact rules, rewrite the request in
// one call, and check the report byte by byte.
import {
  ERR_INVALID, ERR_NOT_FOUND, OBJ_REQUEST, Request, lastRedactResult, matchCompile, matchRedact,
} from "../../../../pdk/assemblyscript/assembly";
import { code, fail, num, value } from "./check";
import * as fx from "./fixture";
import { scanFixtureRequest, scanRedactRequest } from "./scan";

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
  scanRedactRequest(plain);
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
  code("body_set the request back", req.setBody(fx.RequestJSON), 0);
  scanFixtureRequest(plain);
}
