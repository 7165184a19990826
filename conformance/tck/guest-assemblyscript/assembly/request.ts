// The request phase of the "basic" and "adapter" cases: every host function
// of the request phase, through the PDK's helpers.
import {
  ATTR_MODEL, ATTR_PROVIDER_API_KEY, ATTR_REQUEST_ID, Chunk, ERR_DENIED, ERR_INVALID, ERR_NOT_AVAILABLE,
  ERR_NOT_FOUND, LOG_INFO, OBJ_REQUEST, OBJ_RESPONSE, Request, Response, WGObject, attr, cacheCall, deleteAttr,
  error, jsonDigest, jsonString, log, providerStats, respond, secret, setAttr, upstream, upstreamChunk,
  upstreamResponse,
} from "../../../../pdk/assemblyscript/assembly";
import { code, fail, missing, num, result, truth, value } from "./check";
import * as fx from "./fixture";

// Raw import, for one check of the host: the PDK reads the config once, for
// init (Plugin.init gets it, as in pdk/go), and has no helper for a hook.
@external("wasmgate", "config_get")
declare function raw_config_get(buf: usize, cap: i32): i32;

function configInHook(): string | null {
  const n = raw_config_get(0, 0);
  if (n < 0) return null;
  const b = new ArrayBuffer(n);
  if (raw_config_get(changetype<usize>(b), n) != n) return null;
  return String.UTF8.decode(b);
}

export function requestBasic(req: Request): void {
  value("body_get request", req.body(), fx.RequestJSON);
  value("config_get in a hook", configInHook(), fx.ConfigJSON);
  value("json_digest of the request without stream", jsonDigest(OBJ_REQUEST, "stream"), fx.CanonicalRequestSHA256);
  missing("json_digest of the response in the request phase", jsonDigest(OBJ_RESPONSE, ""), ERR_NOT_AVAILABLE);
  value("provider_stats", providerStats(), fx.ProviderStats);
  missing("cache_call without the cache capability", cacheCall('{"op":"get","key":"k"}'), ERR_DENIED);

  // Reads by path: raw JSON, strings, counts, and the typed helpers.
  value("json_get model", req.get("model"), '"tck-model"');
  value("json_get model (string)", req.getString("model"), "tck-model");
  value("Request.model", req.model(), "tck-model");
  value("json_get unescaped", req.getString("messages.1.content"), 'say "hi"\n');
  value("json_get raw", req.get("messages.1.content"), jsonString('say "hi"\n'));
  value("json_get messages.#", req.get("messages.#"), "2");
  num("Request.messageCount", req.messageCount(), 2);
  value("json_get messages.#.role", req.get("messages.#.role"), '["system","user"]');
  value("json_get n\\.x", req.get("n\\.x"), "1");
  num("getInt n\\.x", req.getInt("n\\.x"), 1);
  num("getInt of a missing path, default", req.getInt("missing.key", -7), -7);
  value("json_get non-string with the string flag", req.getString("stream"), "false");
  truth("Request.stream", req.stream(), false);
  missing("json_get missing", req.get("missing.key"), ERR_NOT_FOUND);
  truth("has model", req.has("model"), true);
  truth("has a missing path", req.has("missing.key"), false);
  const m = req.message(1);
  if (m === null) fail("Request.message(1): null");
  else {
    value("Request.message(1).role", m.role, "user");
    value("Request.message(1).content", m.content, 'say "hi"\n');
  }
  const last = req.message(-1);
  value("Request.message(-1).role", last === null ? null : last.role, "user");
  truth("Request.message(2) of two", req.message(2) === null, true);
  num("Request.lastUserIndex", req.lastUserIndex(), 1);
  value("textAt", req.textAt("messages.0.content"), "be brief");

  // Writes by path.
  code("json_set string", req.setModel('tck "model" 2'), 0);
  value("json_get after json_set string", req.get("model"), '"tck \\"model\\" 2"');
  code("json_set append", req.set("messages.-1", '{"role":"user","content":"added"}'), 0);
  value("messages.# after append", req.get("messages.#"), "3");
  code("setMessageContent of the last", req.setMessageContent(-1, "changed"), 0);
  value("content after setMessageContent", req.getString("messages.2.content"), "changed");
  code("setMessageContent back", req.setMessageContent(2, "added"), 0);
  code("setMessageContent out of range", req.setMessageContent(3, "x"), ERR_NOT_FOUND);
  code("json_set invalid JSON", req.set("temperature", "not json"), ERR_INVALID);
  code("json_set on #", req.set("messages.#", "1"), ERR_INVALID);
  code("json_set empty path", req.set("", "1"), ERR_INVALID);
  code("json_set delete", req.delete("stream"), 0);
  missing("json_get after delete", req.get("stream"), ERR_NOT_FOUND);
  code("json_set delete missing", req.delete("nothing.here"), 0);
  code("json_set raw", req.set("temperature", "0.5"), 0);
  num("getInt of a number that is no integer, default", req.getInt("temperature", -7), -7);
  num("getInt of a string, default", req.getInt("model", -7), -7);
  code("setInt", req.setInt("tck_int", -42), 0);
  num("getInt after setInt", req.getInt("tck_int"), -42);
  code("setBool", req.setBool("tck_bool", true), 0);
  truth("getBool after setBool", req.getBool("tck_bool"), true);
  // A value larger than the PDK's first read buffer (1 KiB): the helper
  // asks again with the length the host returned.
  const long = "long \"value\" ".repeat(200);
  code("setString of a long value", req.setString("tck_long", long), 0);
  value("getString of a long value", req.getString("tck_long"), long);
  code("delete tck_int", req.delete("tck_int"), 0);
  code("delete tck_bool", req.delete("tck_bool"), 0);
  code("delete tck_long", req.delete("tck_long"), 0);

  // Headers.
  value("header_get case-insensitive", req.header("X-TENANT"), "acme");
  missing("header_get missing", req.header("x-none"), ERR_NOT_FOUND);
  code("header_set", req.setHeader("X-Tck", "set"), 0);
  value("header_get after header_set", req.header("x-tck"), "set");
  code("header_set delete", req.deleteHeader("x-tenant"), 0);
  missing("header_get after delete", req.header("x-tenant"), ERR_NOT_FOUND);
  code("header_set bad name", req.setHeader("bad name", "v"), ERR_INVALID);
  code("header_set CRLF value", req.setHeader("x-bad", "a\r\nb: c"), ERR_INVALID);
  const resp = new Response();
  missing("response headers in the request phase", resp.header(":status"), ERR_NOT_AVAILABLE);
  num("Response.status in the request phase", resp.status(), 0);

  // Attributes and secrets.
  value("attr_get wasmgate.request_id", attr(ATTR_REQUEST_ID), fx.RequestID);
  value("attr_get tck.in", attr("tck.in"), "from-host");
  missing("attr_get missing", attr("tck.none"), ERR_NOT_FOUND);
  code("attr_set reserved", setAttr(ATTR_MODEL, "x"), ERR_DENIED);
  code("attr_set empty name", setAttr("", "x"), ERR_INVALID);
  code("attr_set", setAttr("tck.out", "request-ok"), 0);
  value("attr_get after attr_set", attr("tck.out"), "request-ok");
  code("attr_set tmp", setAttr("tck.tmp", "v"), 0);
  code("attr_set delete", deleteAttr("tck.tmp"), 0);
  missing("attr_get after delete", attr("tck.tmp"), ERR_NOT_FOUND);
  missing("provider key outside the adapter", attr(ATTR_PROVIDER_API_KEY), ERR_DENIED);
  value("secret_get in a hook", secret(fx.SecretName), fx.SecretValue);

  // Objects of other phases and of adapters.
  const others: WGObject[] = [resp, new Chunk(), upstream(), upstreamResponse(), upstreamChunk()];
  const names = ["response", "chunk", "upstream request", "upstream response", "upstream chunk"];
  for (let i = 0; i < others.length; i++) {
    missing("body_get " + names[i] + " in the request phase of a plugin", others[i].body(), ERR_NOT_AVAILABLE);
  }
  code("body_set invalid JSON", req.setBody("{not json"), ERR_INVALID);
  code("body_set response in the request phase", resp.setBody("{}"), ERR_NOT_AVAILABLE);

  // Refused short-circuits: the helpers return the action, the host's
  // result is in lastResult (the hook still continues).
  respond(100, "{}");
  result("send_response status 100", ERR_INVALID);
  respond(200, "nope");
  result("send_response not JSON", ERR_INVALID);
  error(200, "x", "m");
  result("send_error status 200", ERR_INVALID);
  error(400, "", "m");
  result("send_error empty type", ERR_INVALID);
  error(400, "t".repeat(65), "m");
  result("send_error long type", ERR_INVALID);
  log(LOG_INFO, "tck: request checked");
}

export function requestAdapter(req: Request): void {
  value("adapter reads the provider key", attr(ATTR_PROVIDER_API_KEY), fx.APIKey);
  const up = upstream();
  value("upstream :method default", up.header(":method"), "POST");
  value("ProviderRequest.method", up.method(), "POST");
  value("ProviderRequest.url unset", up.url(), "");
  code("upstream :url", up.setURL(fx.AdapterURL), 0);
  value("upstream :url after set", up.header(":url"), fx.AdapterURL);
  value("ProviderRequest.url", up.url(), fx.AdapterURL);
  code("ProviderRequest.setMethod", up.setMethod("PUT"), 0);
  value("ProviderRequest.method after set", up.method(), "PUT");
  code("ProviderRequest.setMethod back", up.setMethod("POST"), 0);
  code("upstream header", up.setHeader("Authorization", "Bearer " + fx.APIKey), 0);
  value("unset upstream body reads as the request", up.getString("model"), "tck-model");
  code("json_set upstream", up.setString("model", "up-model"), 0);
  value("canonical request untouched by upstream writes", req.getString("model"), "tck-model");
}
