// match_scan and match_text (pdk/ABI.md, "Matching helpers") through
// matchScan, matchTextFields and matchFind: the "match" scenario of the Go
// guest (match.go), the decoded fields rendered as the fixture writes them
// and compared with it.
import {
  Chunk, ERR_INVALID, ERR_NOT_AVAILABLE, ERR_NOT_FOUND, ERR_TOO_LARGE, KIND_EMAIL, MatchField, OBJ_CHUNK, OBJ_REQUEST,
  OBJ_RESPONSE, OBJ_UPSTREAM_CHUNK, Request, Response, Span, matchCompile, matchFind, matchScan, matchTextFields, setAttr,
} from "../../../../pdk/assemblyscript/assembly";
import { code, fail, num, refused, result, value } from "./check";
import * as fx from "./fixture";

// fx.MatchSpec, compiled in init.
let matcher: i32 = -1;

// initMatch compiles the scenario's matcher where a plugin would: in init.
export function initMatch(): void {
  matcher = matchCompile(fx.MatchSpec);
  num("match_compile in init", min(matcher, 0), 0);
}

// renderSpans is one line per finding: start, end, kind and the bytes of
// text (UTF-8) between them.
function renderSpans(text: Uint8Array, spans: Span[]): string {
  let out = "";
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    out += "\t" + s.start.toString() + " " + s.end.toString() + " " + s.kind.toString() + " ";
    if (s.start < 0 || s.start > s.end || s.end > text.length) out += "<outside the text>";
    else out += String.UTF8.decodeUnsafe(text.dataStart + <usize>s.start, s.end - s.start);
    out += "\n";
  }
  return out;
}

function render(fields: MatchField[]): string {
  let out = "";
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    out += f.path + "\t" + f.text + "\n" + renderSpans(f.bytes, f.spans);
  }
  return out;
}

function scanned(what: string, got: MatchField[] | null, want: string): void {
  if (got === null) result(what, 0);
  else value(what, render(got), want);
}

// Each check goes through the functions (matchScan, matchTextFields) or
// the methods (WGObject.scan, textFields), so that both are run.
export function requestMatch(): void {
  scanned("matchScan of every text field", matchScan(OBJ_REQUEST, "", matcher), fx.MatchFindings);
  scanned("Request.scan of every text field", new Request().scan("", matcher), fx.MatchFindings);
  scanned("matchTextFields", matchTextFields(OBJ_REQUEST, matcher), fx.MatchTextFields);
  scanned("Request.textFields", new Request().textFields(matcher), fx.MatchTextFields);
  const args = "messages.2.tool_calls.0.function.arguments";
  scanned("matchScan of a path", matchScan(OBJ_REQUEST, args, matcher), fx.MatchFindings.slice(fx.MatchFindings.indexOf(args)));
  scanned("matchScan of a path without findings", matchScan(OBJ_REQUEST, "messages.0.content", matcher), "");
  refused("matchScan of a path that is no string", matchScan(OBJ_REQUEST, "n.x", matcher) === null, ERR_NOT_FOUND);
  refused("matchScan of a missing path", matchScan(OBJ_REQUEST, "no.such.path", matcher) === null, ERR_NOT_FOUND);
  const other = matchCompile('{"builtin":["ipv4"]}');
  num("match_compile in a hook", min(other, 0), 0);
  scanned("matchScan with another matcher (no e-mail)", matchScan(OBJ_REQUEST, "", other), "");
  refused("matchScan with a matcher not compiled", matchScan(OBJ_REQUEST, "", matcher + 1000) === null, ERR_INVALID);
  refused("matchScan with a negative matcher", matchScan(OBJ_REQUEST, "", -1) === null, ERR_INVALID);
  refused("matchScan of the response in the request phase", matchScan(OBJ_RESPONSE, "", matcher) === null, ERR_NOT_AVAILABLE);

  const spans = matchFind(matcher, fx.MatchText);
  if (spans === null) result("matchFind", 0);
  else value("matchFind", renderSpans(Uint8Array.wrap(String.UTF8.encode(fx.MatchText)), spans), fx.MatchTextFindings);
  const clean = matchFind(matcher, "nothing here");
  num("matchFind without findings", clean === null ? -1 : clean.length, 0);
  refused("matchFind with a matcher not compiled", matchFind(matcher + 1000, "x") === null, ERR_INVALID);

  const bad = [
    ["an unknown kind", '{"builtin":["nope"]}'],
    ["a bad regular expression", '{"custom":[{"regex":"("}]}'],
    ["an unknown key", '{"builtin":["email"],"bogus":1}'],
    ["a spec that is not JSON", "builtin: email"],
  ];
  for (let i = 0; i < bad.length; i++) num("match_compile with " + bad[i][0], matchCompile(bad[i][1]), ERR_INVALID);
  code("setAttr tck.match", setAttr("tck.match", "request"), 0);
}

export function responseMatch(): void {
  scanned("Response.scan", new Response().scan("", matcher), fx.MatchResponseFindings);
  scanned("matchScan of the request in the response phase", matchScan(OBJ_REQUEST, "", matcher), fx.MatchFindings);
  refused("matchScan of the chunk in the response phase", matchScan(OBJ_CHUNK, "", matcher) === null, ERR_NOT_AVAILABLE);
  code("setAttr tck.match", setAttr("tck.match", "response"), 0);
}

export function chunkMatch(): void {
  scanned("Chunk.textFields", new Chunk().textFields(matcher), fx.MatchChunkFields);
  refused("matchScan of the upstream chunk outside the adapter",
    matchScan(OBJ_UPSTREAM_CHUNK, "", matcher) === null, ERR_NOT_AVAILABLE);
  // The instance's last hook: fill it up to its 64 matchers (init's and the
  // request phase's; refused specs count for nothing).
  let compiled = 2;
  let r = 0;
  for (; compiled <= 64; compiled++) {
    r = matchCompile('{"builtin":["email"]}');
    if (r < 0) break;
  }
  num("match_compile past 64 matchers", r, ERR_TOO_LARGE);
  num("matchers compiled before ERR_TOO_LARGE", compiled, 64);
  const after = matchFind(matcher, "x ana@example.com");
  if (after === null || after.length != 1) fail("matchFind after the limit: want one finding");
  else {
    num("matchFind after the limit: start", after[0].start, 2);
    num("matchFind after the limit: end", after[0].end, 17);
    num("matchFind after the limit: kind", after[0].kind, KIND_EMAIL);
  }
  code("setAttr tck.match", setAttr("tck.match", "chunk"), 0);
}
