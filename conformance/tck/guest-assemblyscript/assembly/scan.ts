// match_scan and match_text (pdk/ABI.md, "Matching helpers") through
// matchScan, matchTextFields and matchFind. The Go guest does not call
// them; the checks here are made against the fixture's texts.
import {
  ERR_INVALID, ERR_NOT_FOUND, KIND_EMAIL, MatchField, OBJ_REQUEST, Request, Span, matchFind, matchScan,
  matchTextFields,
} from "../../../../pdk/assemblyscript/assembly";
import { fail, num, refused, result, value } from "./check";
import * as fx from "./fixture";

function fields(what: string, got: MatchField[] | null, want: i32): MatchField[] {
  if (got === null) {
    result(what, 0);
    return [];
  }
  num(what + ": fields", got.length, want);
  return got.length == want ? got : [];
}

function span(what: string, got: Span, start: i32, end: i32): void {
  num(what + ": start", got.start, start);
  num(what + ": end", got.end, end);
  num(what + ": kind", got.kind, KIND_EMAIL);
}

// scanRedactRequest runs on fx.RedactRequest with an e-mail matcher.
export function scanRedactRequest(m: i32): void {
  const paths = ["", "messages.0.content"];
  for (let p = 0; p < paths.length; p++) {
    const what = "match_scan of " + (paths[p].length == 0 ? "every text field" : paths[p]);
    // The first through the method, the second through the function.
    const got = p == 0 ? new Request().scan(paths[p], m) : matchScan(OBJ_REQUEST, paths[p], m);
    const fs = fields(what, got, 1);
    if (fs.length == 0) continue;
    const f = fs[0];
    value(what + ": path", f.path, "messages.0.content");
    value(what + ": text", f.text, fx.RedactText);
    num(what + ": findings", f.spans.length, 3);
    if (f.spans.length != 3) continue;
    span(what + ": finding 0", f.spans[0], 5, 20);
    value(what + ": finding 0 text", f.found(0), "ana@example.com");
    value(what + ": finding 1 text", f.found(1), "ana@example.com");
    value(what + ": finding 2 text", f.found(2), "bo@example.org");
  }
  refused("match_scan of a path that is no string", matchScan(OBJ_REQUEST, "n.x", m) === null, ERR_NOT_FOUND);

  // Offsets are bytes of UTF-8: "é" is two.
  const spans = matchFind(m, "café: ana@example.com");
  if (spans === null) fail("match_text: null");
  else {
    num("match_text findings", spans.length, 1);
    if (spans.length == 1) span("match_text finding", spans[0], 7, 22);
  }
  const clean = matchFind(m, "nothing here");
  num("match_text without findings", clean === null ? -1 : clean.length, 0);
  refused("match_text with a matcher not compiled", matchFind(m + 1000, "x") === null, ERR_INVALID);
}

// scanFixtureRequest runs on fx.RequestJSON, which has no e-mail address.
export function scanFixtureRequest(m: i32): void {
  fields("match_scan without findings", matchScan(OBJ_REQUEST, "", m), 0);
  fields("WGObject.textFields", new Request().textFields(m), 2);
  const fs = fields("match_scan of every text field, with flag 1", matchTextFields(OBJ_REQUEST, m), 2);
  if (fs.length != 2) return;
  value("text field 0: path", fs[0].path, "messages.0.content");
  value("text field 0: text", fs[0].text, "be brief");
  value("text field 1: path", fs[1].path, "messages.1.content");
  value("text field 1: text", fs[1].text, 'say "hi"\n');
  num("text field 1: findings", fs[1].spans.length, 0);
}
