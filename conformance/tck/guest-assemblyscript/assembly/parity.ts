// The helpers the AssemblyScript PDK has for parity with pdk/go (pdk/PARITY.md)
// that the other cases do not reach: the request's messages, routing
// (targets, provider statistics), the response header from the request
// phase, kinds, static header lists, glob patterns and RequestFunc. Run
// before the "basic" case's checks, which find the request unchanged.
import {
  ATTR_ENDPOINT, ATTR_FALLBACK_ON, ATTR_KEY_ID, ATTR_KEY_TEAM, ATTR_KEY_USER, ATTR_PREFIX, ATTR_TARGETS,
  ATTR_UPSTREAM_DONE, Action, Chunk, Config, ERR_DENIED, ERR_INVALID, ERR_NOT_FOUND, HOOK_REQUEST, KIND_API_KEY,
  KIND_CUSTOM, KIND_EMAIL, KIND_JWT, ProviderStat, Request, RequestFunc, Target, appendTarget, attr, builtinKinds,
  deleteAttr, headerList, jsonString, kindName, lastResult, match, parseKind, parseProviderStats, providerStatList,
  setAttr, setResponseHeader, setTargets,
} from "../../../../pdk/assemblyscript/assembly";
import { code, fail, missing, num, result, truth, value } from "./check";
import * as fx from "./fixture";

// PARITY_HEADER is set from the request phase and read back in the
// response phase of the "basic" case (index.ts).
export const PARITY_HEADER = "x-tck-parity";

export function requestParity(req: Request): void {
  // Messages: the fixture request's two, as message(i) reads them.
  const msgs = req.messages();
  num("Request.messages length", msgs.length, req.messageCount());
  for (let i = 0; i < msgs.length; i++) {
    const m = req.message(i);
    value("Request.messages[" + i.toString() + "].role", msgs[i].role, m === null ? "" : m.role);
    value("Request.messages[" + i.toString() + "].content", msgs[i].content, m === null ? "" : m.content);
  }
  if (msgs.length == 2) {
    value("Request.messages[0].content", msgs[0].content, "be brief");
    value("Request.messages[1].role", msgs[1].role, "user");
  }
  const last = req.lastUserMessage();
  if (last === null) fail("Request.lastUserMessage: null");
  else {
    num("Request.lastUserMessage index", last.index, 1);
    value("Request.lastUserMessage content", last.content, 'say "hi"\n');
  }
  num("size of model", req.size("model"), String.UTF8.byteLength(jsonString("tck-model")));
  num("size of a missing path", req.size("missing.key"), ERR_NOT_FOUND);

  // Routing: targets and fallbacks are written by a pipeline plugin in the
  // request phase; removed again so the case's outcome is the Go guest's.
  let list = appendTarget("", new Target("openai", "gpt-4o", "k2"));
  list = appendTarget(list + ",", new Target("azure", "org/gpt-4o"));
  value("appendTarget", list, "openai/gpt-4o#k2,azure/org/gpt-4o");
  code("setTargets", setTargets(list), 0);
  value("attribute after setTargets", attr(ATTR_TARGETS), list);
  code("delete the targets", deleteAttr(ATTR_TARGETS), 0);
  code("set fallback_on", setAttr(ATTR_FALLBACK_ON, "429,5xx"), 0);
  value("fallback_on", attr(ATTR_FALLBACK_ON), "429,5xx");
  code("delete fallback_on", deleteAttr(ATTR_FALLBACK_ON), 0);
  const reserved = [ATTR_ENDPOINT, ATTR_UPSTREAM_DONE, ATTR_KEY_ID, ATTR_KEY_TEAM, ATTR_KEY_USER, ATTR_PREFIX + "tck"];
  for (let i = 0; i < reserved.length; i++) {
    code("setAttr of reserved " + reserved[i] + " in a request hook", setAttr(reserved[i], "x"), ERR_DENIED);
  }
  providerStatsParsed();

  // The response header, from the request phase (read back in the response
  // phase: the host keeps it for whatever answers the request).
  code("setResponseHeader in the request phase", setResponseHeader(PARITY_HEADER, "request"), 0);

  kinds();
  globs();
  headers();
  requestFunc(req);
}

// Local, not in the fixture: a provider_stats text in the ABI's seven-field
// format (pdk/ABI.md, "Routing"). The fixture's text, which the host hands
// out in this case, has five fields a line, so parsing it yields nothing.
const STATS_TEXT =
  "openai k1 1 closed 182000 0 412\n" +
  "openai k2 1 open 0 1000000 9\n" +
  "azure default 0 half_open 1500 2500 -\n" + // requests not a number: skipped
  "short line\n" + // too few fields: skipped
  "\tbedrock  default 1 half_open  90 250000 +4 \n" + // any white space separates
  "big k 1 closed 9223372036854775808 0 1\n" + // over int64: skipped
  "min k 0 closed -9223372036854775808 0 1\n";

function providerStatsParsed(): void {
  const host = providerStatList();
  if (host === null) fail("providerStatList: got result " + lastResult().code.toString());
  else {
    num("providerStatList count", host.length, 2);
    if (host.length == 2) {
      stat("host up#0", host[0], "up", "0", true, "closed", 120000, 0.01, 3, true);
      stat("host up#1", host[1], "up", "1", false, "open", 0, 1, 0, false);
    }
  }

  const s = parseProviderStats(STATS_TEXT);
  num("parseProviderStats count", s.length, 4);
  if (s.length != 4) return;
  stat("k1", s[0], "openai", "k1", true, "closed", 182000, 0, 412, true);
  stat("k2", s[1], "openai", "k2", true, "open", 0, 1, 9, false);
  stat("bedrock", s[2], "bedrock", "default", true, "half_open", 90, 0.25, 4, true);
  stat("min", s[3], "min", "k", false, "closed", i64.MIN_VALUE, 0, 1, false);
}

function stat(what: string, s: ProviderStat, provider: string, key: string, healthy: bool, breaker: string,
  latencyUs: i64, errorRate: f64, requests: i64, available: bool): void {
  value(what + " provider", s.provider, provider);
  value(what + " key", s.key, key);
  truth(what + " healthy", s.healthy, healthy);
  value(what + " breaker", s.breaker, breaker);
  num(what + " latencyUs", s.latencyUs, latencyUs);
  truth(what + " errorRate " + s.errorRate.toString(), s.errorRate == errorRate, true);
  num(what + " requests", s.requests, requests);
  truth(what + " available", s.available(), available);
}

function kinds(): void {
  value("kindName email", kindName(KIND_EMAIL), "email");
  value("kindName jwt", kindName(KIND_JWT), "jwt");
  value("kindName custom", kindName(KIND_CUSTOM + 2), "custom_2");
  value("kindName unknown", kindName(42), "kind_42");
  num("parseKind api_key", parseKind("api_key"), KIND_API_KEY);
  num("parseKind unknown", parseKind("nope"), 0);
  const all = builtinKinds();
  for (let i = 0; i < all.length; i++) num("parseKind of builtinKinds()[" + i.toString() + "]", parseKind(all[i]), i + 1);
  num("builtinKinds count", all.length, KIND_JWT);
}

// The cases of pdk/go's TestMatch.
function globs(): void {
  const cases: string[] = [
    "*", "", "1", "*", "anything", "1", "gpt-4o", "gpt-4o", "1", "gpt-4o", "gpt-4o-mini", "0",
    "gpt-4o*", "gpt-4o-mini", "1", "gpt-4o*", "gpt-4", "0", "*-mini", "gpt-4o-mini", "1",
    "*-mini", "gpt-4o-mini-2024", "0", "gpt-*-mini", "gpt-4o-mini", "1", "gpt-*-mini", "gpt-mini", "0",
    "a*b*c", "abc", "1", "a*b*c", "aXbYbZc", "1", "a*b*c", "acb", "0", "a**c", "ac", "1",
    "*a*", "bab", "1", "*a*", "bbb", "0", "ab*ab", "ab", "0", "ab*ab", "abab", "1",
    "mistral-?", "mistral-3", "0", "mistral-?", "mistral-?", "1",
  ];
  for (let i = 0; i + 2 < cases.length; i += 3) {
    truth("match(" + jsonString(cases[i]) + ", " + jsonString(cases[i + 1]) + ")", match(cases[i], cases[i + 1]), cases[i + 2] == "1");
  }
}

function headers(): void {
  const cfg = new Config('{"headers":{"X-B":"2"," A ":"1"},"bad":{":url":"x"},"num":{"a":1},"n":1}');
  const keys = cfg.keys();
  value("Config.keys", keys.join(","), "headers,bad,num,n");
  truth("getStringMap of a number", cfg.getStringMap("n") === null, true);
  truth("getStringMap with a number value", cfg.getStringMap("num") === null, true);
  const m = cfg.getStringMap("headers");
  if (m === null) {
    fail("Config.getStringMap: null");
    return;
  }
  const list = headerList(m);
  if (list === null) fail("headerList: null");
  else {
    num("headerList length", list.length, 2);
    if (list.length == 2) value("headerList sorted, lower-case, trimmed", list[0].join("=") + "&" + list[1].join("="), "a=1&x-b=2");
  }
  const bad = cfg.getStringMap("bad");
  if (bad === null) fail("Config.getStringMap bad: null");
  else {
    truth("headerList of a pseudo-header", headerList(bad) === null, true);
    result("headerList of a pseudo-header", ERR_INVALID);
  }
  const empty = new Map<string, string>();
  empty.set(" ", "x");
  truth("headerList of an empty name", headerList(empty) === null, true);
}

let funcSaw = "";

function seeModel(req: Request): Action {
  funcSaw = req.model();
  return Action.Respond;
}

function requestFunc(req: Request): void {
  const f = new RequestFunc(seeModel);
  num("RequestFunc hooks", f.hooks(), HOOK_REQUEST);
  num("RequestFunc.onRequest calls the function", <i32>f.onRequest(req), <i32>Action.Respond);
  value("RequestFunc's function got the request", funcSaw, "tck-model");
  missing("no attribute left by the parity checks", attr(ATTR_TARGETS), ERR_NOT_FOUND);
}

// chunkFinishes checks Chunk.finishes on the fixture's chunk (no
// finish_reason) and on a copy of it with a second choice that finishes,
// then puts the chunk back as it was.
export function chunkFinishes(chunk: Chunk): void {
  const body = chunk.body();
  if (body === null) {
    fail("chunk body: null");
    return;
  }
  truth("Chunk.finishes without finish_reason", chunk.finishes("choices.0.delta.content"), false);
  // fx.ChunkJSON ends with the one choice's "}]}".
  const two = fx.ChunkJSON.substring(0, fx.ChunkJSON.length - 3) +
    ',"finish_reason":null},{"index":1,"delta":{"content":"!"},"finish_reason":"stop"}]}';
  code("body_set a chunk with a finished choice", chunk.setBody(two), 0);
  truth("Chunk.finishes of a choice with finish_reason null", chunk.finishes("choices.0.delta.content"), false);
  truth("Chunk.finishes of the finished choice", chunk.finishes("choices.1.delta.content"), true);
  truth("Chunk.finishes of a choice's own path", chunk.finishes("choices.1"), true);
  truth("Chunk.finishes of a missing choice", chunk.finishes("choices.12.delta.content"), false);
  truth("Chunk.finishes without an index", chunk.finishes("choices.x.delta"), false);
  truth("Chunk.finishes of a path outside choices", chunk.finishes("model"), false);
  code("body_set the chunk back", chunk.setBody(body), 0);
}
