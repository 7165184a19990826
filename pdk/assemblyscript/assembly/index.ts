// wasmgate AssemblyScript PDK: write wasmgate plugins (ABI v1, pdk/ABI.md)
// in AssemblyScript.
//
// A plugin extends Plugin, calls register() at the top level of its entry
// file and re-exports the ABI exports:
//
//   import { Plugin, Config, Request, Action, HOOK_REQUEST, register } from "<pdk>/assembly";
//   export { wasmgate_abi_version, wasmgate_init, wasmgate_on_request,
//            wasmgate_on_response, wasmgate_on_chunk } from "<pdk>/assembly";
//
// The JSON work is done by the host: read and write values by path
// ("messages.0.content"), never parse a whole body in the guest.

@external("wasmgate", "log")
declare function host_log(level: i32, ptr: usize, len: i32): void;
@external("wasmgate", "config_get")
declare function host_config_get(buf: usize, cap: i32): i32;
@external("wasmgate", "body_get")
declare function host_body_get(obj: i32, buf: usize, cap: i32): i32;
@external("wasmgate", "body_set")
declare function host_body_set(obj: i32, ptr: usize, len: i32): i32;
@external("wasmgate", "json_get")
declare function host_json_get(obj: i32, path: usize, pathLen: i32, flags: i32, buf: usize, cap: i32): i32;
@external("wasmgate", "json_set")
declare function host_json_set(obj: i32, path: usize, pathLen: i32, flags: i32, val: usize, valLen: i32): i32;
@external("wasmgate", "header_get")
declare function host_header_get(obj: i32, name: usize, nameLen: i32, buf: usize, cap: i32): i32;
@external("wasmgate", "header_set")
declare function host_header_set(obj: i32, name: usize, nameLen: i32, val: usize, valLen: i32): i32;
@external("wasmgate", "attr_get")
declare function host_attr_get(name: usize, nameLen: i32, buf: usize, cap: i32): i32;
@external("wasmgate", "attr_set")
declare function host_attr_set(name: usize, nameLen: i32, val: usize, valLen: i32): i32;
@external("wasmgate", "json_digest")
declare function host_json_digest(obj: i32, exclude: usize, excludeLen: i32, buf: usize, cap: i32): i32;
@external("wasmgate", "cache_call")
declare function host_cache_call(op: usize, opLen: i32, buf: usize, cap: i32): i32;
@external("wasmgate", "provider_stats")
declare function host_provider_stats(buf: usize, cap: i32): i32;
@external("wasmgate", "secret_get")
declare function host_secret_get(name: usize, nameLen: i32, buf: usize, cap: i32): i32;
@external("wasmgate", "send_response")
declare function host_send_response(status: i32, ptr: usize, len: i32): i32;
@external("wasmgate", "send_error")
declare function host_send_error(status: i32, typ: usize, typLen: i32, msg: usize, msgLen: i32): i32;
// json_build (pdk/ABI.md, "Building bodies").
@external("wasmgate", "json_build")
declare function host_json_build(obj: i32, prog: usize, progLen: i32, buf: usize, cap: i32): i32;

export const ABI_VERSION: i32 = 1;

// Hook mask bits.
export const HOOK_REQUEST: u32 = 1;
export const HOOK_RESPONSE: u32 = 2;
export const HOOK_CHUNK: u32 = 4;
export const HOOK_ALL: u32 = HOOK_REQUEST | HOOK_RESPONSE | HOOK_CHUNK;

// The Wasm import module of the host functions.
export const IMPORT_MODULE = "wasmgate";

// Objects.
export const OBJ_REQUEST: i32 = 0;
export const OBJ_RESPONSE: i32 = 1;
export const OBJ_CHUNK: i32 = 2;
export const OBJ_UPSTREAM_REQUEST: i32 = 3;
export const OBJ_UPSTREAM_RESPONSE: i32 = 4;
export const OBJ_UPSTREAM_CHUNK: i32 = 5;

// Host results.
export const ERR_NOT_FOUND: i32 = -1;
export const ERR_NOT_AVAILABLE: i32 = -2;
export const ERR_TOO_LARGE: i32 = -3;
export const ERR_INVALID: i32 = -4;
export const ERR_DENIED: i32 = -5;
export const ERR_UNAVAILABLE: i32 = -6;

// Log levels.
export const LOG_DEBUG: i32 = 0;
export const LOG_INFO: i32 = 1;
export const LOG_WARN: i32 = 2;
export const LOG_ERROR: i32 = 3;

// Reserved attributes (read only).
export const ATTR_REQUEST_ID = "wasmgate.request_id";
export const ATTR_ROUTE = "wasmgate.route";
export const ATTR_PIPELINE = "wasmgate.pipeline";
export const ATTR_MODEL = "wasmgate.model";
export const ATTR_STREAM = "wasmgate.stream";
export const ATTR_PROVIDER = "wasmgate.provider";
export const ATTR_PROVIDER_URL = "wasmgate.provider.base_url";
export const ATTR_PROVIDER_MODEL = "wasmgate.provider.model";
export const ATTR_PROVIDER_API_KEY = "wasmgate.provider.api_key";
export const ATTR_ENDPOINT = "wasmgate.endpoint";
// ATTR_UPSTREAM_DONE is the one an adapter sets in its chunk hook.
export const ATTR_UPSTREAM_DONE = "wasmgate.upstream.done";
export const ATTR_KEY_ID = "wasmgate.key.id";
export const ATTR_KEY_TEAM = "wasmgate.key.team";
export const ATTR_KEY_USER = "wasmgate.key.user";
export const ATTR_PREFIX = "wasmgate.";
// ATTR_CACHE_STATUS is set by a cache plugin (hit, miss, ...); the host
// records it with the request's usage.
export const ATTR_CACHE_STATUS = "cache.status";

// Pseudo-headers.
export const HEADER_URL = ":url";
export const HEADER_METHOD = ":method";
export const HEADER_STATUS = ":status";

// Flags of json_get and json_set, for the raw imports.
export const FLAG_STRING: i32 = 1;
export const FLAG_DELETE: i32 = 2;

// Actions a hook returns.
export enum Action {
  Continue = 0,
  Respond = 1,
  Error = 2,
}

// One reused read buffer; it grows to the largest value read.
let readBuf = new ArrayBuffer(1024);

// Strings cross the ABI as UTF-8.
function utf8(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

function ptr(b: ArrayBuffer): usize {
  return changetype<usize>(b);
}

const K_CONFIG = 0;
const K_BODY = 1;
const K_JSON = 2;
const K_HEADER = 3;
const K_ATTR = 4;
const K_SECRET = 5;
const K_DIGEST = 6;
const K_CACHE = 7;
const K_STATS = 8;

function hostRead(kind: i32, obj: i32, name: ArrayBuffer | null, flags: i32, buf: usize, cap: i32): i32 {
  const np = name ? ptr(name) : 0;
  const nl = name ? name.byteLength : 0;
  switch (kind) {
    case K_CONFIG:
      return host_config_get(buf, cap);
    case K_BODY:
      return host_body_get(obj, buf, cap);
    case K_JSON:
      return host_json_get(obj, np, nl, flags, buf, cap);
    case K_HEADER:
      return host_header_get(obj, np, nl, buf, cap);
    case K_SECRET:
      return host_secret_get(np, nl, buf, cap);
    case K_DIGEST:
      return host_json_digest(obj, np, nl, buf, cap);
    case K_CACHE:
      return host_cache_call(np, nl, buf, cap);
    case K_STATS:
      return host_provider_stats(buf, cap);
  }
  return host_attr_get(np, nl, buf, cap);
}

// The result of the last host call a read, respond, error or Builder made
// (see lastResult).
let lastCode: i32 = 0;

// lastResult is the host's result of the last read that returned null (why:
// ERR_NOT_FOUND, ERR_DENIED, ...), or of the last respond, error or Builder
// call: what pdk/go returns as an error. A read that succeeded leaves its
// length.
export function lastResult(): Status {
  return new Status(lastCode);
}

// read returns the value as a string, or null for any negative result
// (kept for lastResult).
function read(kind: i32, obj: i32, name: string | null, flags: i32): string | null {
  const n8 = name !== null ? utf8(name) : null;
  let n = hostRead(kind, obj, n8, flags, ptr(readBuf), readBuf.byteLength);
  if (n > readBuf.byteLength) {
    readBuf = new ArrayBuffer(n);
    n = hostRead(kind, obj, n8, flags, ptr(readBuf), readBuf.byteLength);
  }
  lastCode = n;
  if (n < 0) return null;
  return String.UTF8.decodeUnsafe(ptr(readBuf), n);
}

// HostError is a host result below zero; ok() is true for success.
export class Status {
  constructor(public code: i32) {}
  ok(): bool {
    return this.code >= 0;
  }
  toString(): string {
    switch (this.code) {
      case ERR_NOT_FOUND:
        return "not found";
      case ERR_NOT_AVAILABLE:
        return "not available in this phase";
      case ERR_TOO_LARGE:
        return "over the output limit";
      case ERR_INVALID:
        return "invalid";
      case ERR_DENIED:
        return "denied";
      case ERR_UNAVAILABLE:
        return "unavailable";
    }
    return this.code >= 0 ? "ok" : "host result " + this.code.toString();
  }
}

export function log(level: i32, msg: string): void {
  const b = utf8(msg);
  host_log(level, ptr(b), b.byteLength);
}

// respond stops the phase with a response: a status (200-599) and a
// canonical chat completion (JSON). For the request and response hooks. A
// refusal is logged and kept in lastResult.
export function respond(status: i32, body: string): Action {
  const b = utf8(body);
  lastCode = host_send_response(status, ptr(b), b.byteLength);
  if (lastCode < 0) log(LOG_ERROR, "pdk: send_response refused: " + new Status(lastCode).toString());
  return Action.Respond;
}

// error stops the phase with an API error: a status (400-599), a type such
// as "invalid_request_error" and a message the client may see.
// A refusal is logged and kept in lastResult.
export function error(status: i32, errType: string, message: string): Action {
  const t = utf8(errType);
  const m = utf8(message);
  lastCode = host_send_error(status, ptr(t), t.byteLength, ptr(m), m.byteLength);
  if (lastCode < 0) log(LOG_ERROR, "pdk: send_error refused: " + new Status(lastCode).toString());
  return Action.Error;
}

export function attr(name: string): string | null {
  return read(K_ATTR, 0, name, 0);
}

// jsonDigest returns the hex SHA-256 of an object's canonical JSON without
// the comma-separated top-level keys in exclude.
export function jsonDigest(obj: i32, exclude: string): string | null {
  return read(K_DIGEST, obj, exclude, 0);
}

// cacheCall runs a cache operation (capability cache; pdk/ABI.md) and
// returns its JSON answer, or null on a negative result.
export function cacheCall(op: string): string | null {
  return read(K_CACHE, 0, op, 0);
}

// providerStats returns the providers' live statistics, one line per
// provider key (request phase; pdk/ABI.md, "Routing"), or null.
export function providerStats(): string | null {
  return read(K_STATS, 0, null, 0);
}

// secret returns a secret granted in config (capabilities.secrets) by its
// granted name, or null when denied or unavailable. It works in init too.
export function secret(name: string): string | null {
  return read(K_SECRET, 0, name, 0);
}

export function setAttr(name: string, value: string): Status {
  const n = utf8(name);
  const v = utf8(value);
  return new Status(host_attr_set(ptr(n), n.byteLength, ptr(v), v.byteLength));
}

export function deleteAttr(name: string): Status {
  const n = utf8(name);
  return new Status(host_attr_set(ptr(n), n.byteLength, 0, -1));
}

// jsonString quotes s as a JSON string literal, for JSON built by hand.
export function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22) out += '\\"';
    else if (c == 0x5c) out += "\\\\";
    else if (c == 0x0a) out += "\\n";
    else if (c == 0x0d) out += "\\r";
    else if (c == 0x09) out += "\\t";
    else if (c < 0x20) out += "\\u00" + (c < 0x10 ? "0" : "") + c.toString(16);
    else out += String.fromCharCode(c);
  }
  return out + '"';
}

// WGObject is one object of the exchange: its JSON body by path, its whole
// body and its headers.
export class WGObject {
  constructor(public id: i32) {}

  // get returns the raw JSON text at a path.
  get(path: string): string | null {
    return read(K_JSON, this.id, path, 0);
  }
  // getString returns a string unescaped by the host (other values raw).
  getString(path: string): string | null {
    return read(K_JSON, this.id, path, FLAG_STRING);
  }
  // getInt returns the integer at a path, or def when there is none or the
  // value is not an integer.
  getInt(path: string, def: i64 = 0): i64 {
    const v = this.get(path);
    if (v === null) return def;
    const n = parseI64(v);
    return n === null ? def : n.value;
  }
  getBool(path: string): bool {
    const v = this.get(path);
    return v !== null && v == "true";
  }
  has(path: string): bool {
    const p = utf8(path);
    return host_json_get(this.id, ptr(p), p.byteLength, 0, 0, 0) >= 0;
  }
  // size is the length of the raw JSON text at a path, without reading it
  // into the guest; a negative result (ERR_NOT_FOUND, ...) when there is none.
  size(path: string): i32 {
    const p = utf8(path);
    return host_json_get(this.id, ptr(p), p.byteLength, 0, 0, 0);
  }
  private jsonSet(path: string, flags: i32, v: string): Status {
    const p = utf8(path);
    const b = utf8(v);
    return new Status(host_json_set(this.id, ptr(p), p.byteLength, flags, ptr(b), b.byteLength));
  }
  // set sets the value at a path to raw JSON text.
  set(path: string, rawJSON: string): Status {
    return this.jsonSet(path, 0, rawJSON);
  }
  // setString sets the value at a path to a string (escaped by the host).
  setString(path: string, s: string): Status {
    return this.jsonSet(path, FLAG_STRING, s);
  }
  setInt(path: string, v: i64): Status {
    return this.jsonSet(path, 0, v.toString());
  }
  setBool(path: string, v: bool): Status {
    return this.jsonSet(path, 0, v ? "true" : "false");
  }
  delete(path: string): Status {
    return this.jsonSet(path, FLAG_DELETE, "");
  }
  body(): string | null {
    return read(K_BODY, this.id, null, 0);
  }
  setBody(body: string): Status {
    const b = utf8(body);
    return new Status(host_body_set(this.id, ptr(b), b.byteLength));
  }
  // header is case-insensitive; pseudo-headers ":status", ":url", ":method".
  header(name: string): string | null {
    return read(K_HEADER, this.id, name, 0);
  }
  setHeader(name: string, value: string): Status {
    const n = utf8(name);
    const v = utf8(value);
    return new Status(host_header_set(this.id, ptr(n), n.byteLength, ptr(v), v.byteLength));
  }
  deleteHeader(name: string): Status {
    const n = utf8(name);
    return new Status(host_header_set(this.id, ptr(n), n.byteLength, 0, -1));
  }

  // scan is matchScan on this object: the fields with findings of matcher
  // in the string at path, or with "" in every text field.
  scan(path: string, matcher: i32): MatchField[] | null {
    return matchScan(this.id, path, matcher);
  }
  // textFields is matchTextFields on this object: every text field.
  textFields(matcher: i32): MatchField[] | null {
    return matchTextFields(this.id, matcher);
  }
  // redact is matchRedact on this object with the report decoded: what was
  // blocked, counted and masked; null on a negative result (lastResult).
  redact(path: string, matcher: i32): Redaction | null {
    const b = matchRedact(this.id, path, matcher);
    if (b === null) return null;
    const r = decodeRedaction(b);
    if (r === null) lastCode = ERR_INVALID;
    return r;
  }

  // textAt is the text of a message content: a string, or the text parts of
  // an array joined.
  textAt(path: string): string {
    const v = this.getString(path);
    if (v === null) return "";
    if (v.length == 0 || !(v.startsWith("[") || v.startsWith("{") || v == "null")) return v;
    const raw = this.get(path);
    if (raw === null) return "";
    if (raw.startsWith('"')) return v;
    if (!raw.startsWith("[")) return "";
    const n = this.getInt(path + ".#");
    let out = "";
    for (let j: i64 = 0; j < n; j++) {
      const t = this.getString(path + "." + j.toString() + ".type");
      if (t === null || t != "text") continue;
      const text = this.getString(path + "." + j.toString() + ".text");
      if (text !== null) out += text;
    }
    return out;
  }
}

// or is v, or def when v is null.
function or(v: string | null, def: string): string {
  return v === null ? def : v;
}

// statusOf is an object's ":status", 0 if unknown.
function statusOf(o: WGObject): i32 {
  const s = o.header(HEADER_STATUS);
  return s === null ? 0 : I32.parseInt(s);
}

// Message is one chat message; content is its text (a string content, or
// the text parts of an array content joined).
export class Message {
  constructor(public role: string, public content: string) {}
}

// UserMessage is what Request.lastUserMessage returns: the message's index
// (for setMessageContent) and its text.
export class UserMessage {
  constructor(public index: i32, public content: string) {}
}

// Request is the canonical request (OpenAI chat-completions JSON) and the
// client's headers. Writable in the request phase.
export class Request extends WGObject {
  constructor() {
    super(OBJ_REQUEST);
  }
  model(): string {
    return or(this.getString("model"), "");
  }
  setModel(model: string): Status {
    return this.setString("model", model);
  }
  stream(): bool {
    return this.getBool("stream");
  }
  messageCount(): i32 {
    return <i32>this.getInt("messages.#");
  }
  private index(i: i32): i32 {
    const c = this.messageCount();
    if (i < 0) i += c;
    return i < 0 || i >= c ? -1 : i;
  }
  // message returns message i (negative counts from the end), or null.
  message(i: i32): Message | null {
    i = this.index(i);
    if (i < 0) return null;
    const role = this.getString("messages." + i.toString() + ".role");
    return new Message(role === null ? "" : role, this.textAt("messages." + i.toString() + ".content"));
  }
  // messages returns every message (message(i) for each index).
  messages(): Message[] {
    const c = this.messageCount();
    const out = new Array<Message>(c);
    for (let i = 0; i < c; i++) {
      const m = this.message(i);
      out[i] = m === null ? new Message("", "") : m;
    }
    return out;
  }
  // lastUserMessage returns the index and text of the last message with
  // role "user", or null when there is none.
  lastUserMessage(): UserMessage | null {
    const i = this.lastUserIndex();
    if (i < 0) return null;
    return new UserMessage(i, this.textAt("messages." + i.toString() + ".content"));
  }
  lastUserIndex(): i32 {
    for (let i = this.messageCount() - 1; i >= 0; i--) {
      const r = this.getString("messages." + i.toString() + ".role");
      if (r !== null && r == "user") return i;
    }
    return -1;
  }
  setMessageContent(i: i32, s: string): Status {
    i = this.index(i);
    if (i < 0) return new Status(ERR_NOT_FOUND);
    return this.setString("messages." + i.toString() + ".content", s);
  }
}

// Response is the canonical response and the client's response headers.
export class Response extends WGObject {
  constructor() {
    super(OBJ_RESPONSE);
  }
  request(): Request {
    return new Request();
  }
  status(): i32 {
    return statusOf(this);
  }
  setStatus(code: i32): Status {
    return this.setHeader(HEADER_STATUS, code.toString());
  }
  content(): string {
    return this.textAt("choices.0.message.content");
  }
  setContent(s: string): Status {
    return this.setString("choices.0.message.content", s);
  }
}

// Chunk is one canonical stream chunk.
export class Chunk extends WGObject {
  constructor() {
    super(OBJ_CHUNK);
  }
  request(): Request {
    return new Request();
  }
  content(): string {
    return this.textAt("choices.0.delta.content");
  }
  setContent(s: string): Status {
    return this.setString("choices.0.delta.content", s);
  }
  drop(): Status {
    return this.setBody("");
  }
  // setResponseHeader sets a header of the response sent to the client, if
  // the host has not sent the headers yet.
  setResponseHeader(name: string, value: string): Status {
    return setResponseHeader(name, value);
  }
  // finishes reports whether this chunk ends the choice that a text field
  // belongs to: path is a field's path ("choices.N...."), and the choice's
  // finish_reason is set (not null). Plugins that hold text back flush it
  // then.
  finishes(path: string): bool {
    if (!path.startsWith("choices.")) return false;
    let n = 8;
    while (n < path.length && path.charCodeAt(n) >= 0x30 && path.charCodeAt(n) <= 0x39) n++;
    if (n == 8) return false;
    const r = this.get(path.substring(0, n) + ".finish_reason");
    return r !== null && r != "null";
  }
}

// setResponseHeader sets a header of the answer the client gets. From a
// request hook it applies to whatever answers the request: a short-circuit
// response or the provider's.
export function setResponseHeader(name: string, value: string): Status {
  return new WGObject(OBJ_RESPONSE).setHeader(name, value);
}

// ProviderRequest is the request sent to the provider (adapters, request
// phase): its body, headers and the pseudo-headers ":url" and ":method".
export class ProviderRequest extends WGObject {
  constructor() {
    super(OBJ_UPSTREAM_REQUEST);
  }
  // url is the absolute provider URL (":url"), "" when unset.
  url(): string {
    return or(this.header(HEADER_URL), "");
  }
  setURL(url: string): Status {
    return this.setHeader(HEADER_URL, url);
  }
  // method is the HTTP method (":method"), POST unless set.
  method(): string {
    return or(this.header(HEADER_METHOD), "POST");
  }
  setMethod(method: string): Status {
    return this.setHeader(HEADER_METHOD, method);
  }
}

// ProviderResponse is the provider's response (adapters, response and chunk
// phases, read only).
export class ProviderResponse extends WGObject {
  constructor() {
    super(OBJ_UPSTREAM_RESPONSE);
  }
  // status is the provider's HTTP status, or 0 if unknown.
  status(): i32 {
    return statusOf(this);
  }
}

// The provider objects, for adapters.
export function upstream(): ProviderRequest {
  return new ProviderRequest();
}
export function upstreamResponse(): ProviderResponse {
  return new ProviderResponse();
}
export function upstreamChunk(): WGObject {
  return new WGObject(OBJ_UPSTREAM_CHUNK);
}

// Config is the slot's configuration (JSON, "{}" if none) with its
// top-level options.
export class Config {
  constructor(public raw: string) {}

  // getRaw returns a top-level option's JSON text, or null.
  getRaw(key: string): string | null {
    const m = members(this.raw);
    for (let i = 0; i + 1 < m.length; i += 2) {
      if (m[i] == key) return m[i + 1];
    }
    return null;
  }
  // keys returns the top-level option names in order: compare them with
  // the options a plugin knows to refuse a misspelt one at load, as pdk/go's
  // Config.UnmarshalStrict does.
  keys(): string[] {
    const m = members(this.raw);
    const out: string[] = [];
    for (let i = 0; i + 1 < m.length; i += 2) out.push(m[i]);
    return out;
  }
  // getStringMap returns an object option whose values are all strings (a
  // map of static headers, say), or null.
  getStringMap(key: string): Map<string, string> | null {
    const v = this.getRaw(key);
    if (v === null || !v.startsWith("{")) return null;
    const m = members(v);
    const out = new Map<string, string>();
    for (let i = 0; i + 1 < m.length; i += 2) {
      if (!m[i + 1].startsWith('"')) return null;
      out.set(m[i], unquote(m[i + 1]));
    }
    return out;
  }
  // getString returns a string option, or null.
  getString(key: string): string | null {
    const v = this.getRaw(key);
    if (v === null || !v.startsWith('"')) return null;
    return unquote(v);
  }
  // getStrings returns a list-of-strings option, or null.
  getStrings(key: string): string[] | null {
    const v = this.getRaw(key);
    if (v === null || !v.startsWith("[")) return null;
    const out: string[] = [];
    let i = skipWS(v, 1);
    while (i < v.length && v.charCodeAt(i) == 0x22) {
      const e = stringEnd(v, i);
      if (e < 0) return null;
      out.push(unquote(v.substring(i, e)));
      i = skipWS(v, e);
      if (i < v.length && v.charCodeAt(i) == 0x2c) i = skipWS(v, i + 1);
    }
    if (i >= v.length || v.charCodeAt(i) != 0x5d) return null;
    return out;
  }
}

// members returns the members of the JSON object text s as alternating
// keys (unquoted) and raw values, as far as it can read them.
function members(s: string): string[] {
  const out: string[] = [];
  let i = skipWS(s, 0);
  if (i >= s.length || s.charCodeAt(i) != 0x7b) return out;
  i = skipWS(s, i + 1);
  while (i < s.length && s.charCodeAt(i) == 0x22) {
    const kend = stringEnd(s, i);
    if (kend < 0) break;
    const k = unquote(s.substring(i, kend));
    i = skipWS(s, kend);
    if (i >= s.length || s.charCodeAt(i) != 0x3a) break;
    i = skipWS(s, i + 1);
    const vend = valueEnd(s, i);
    if (vend < 0) break;
    out.push(k);
    out.push(s.substring(i, vend));
    i = skipWS(s, vend);
    if (i < s.length && s.charCodeAt(i) == 0x2c) i = skipWS(s, i + 1);
  }
  return out;
}

function skipWS(s: string, i: i32): i32 {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
    i++;
  }
  return i;
}

// stringEnd returns the index past the closing quote of the string at i.
function stringEnd(s: string, i: i32): i32 {
  for (i++; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x5c) i++;
    else if (c == 0x22) return i + 1;
  }
  return -1;
}

function valueEnd(s: string, i: i32): i32 {
  const c = s.charCodeAt(i);
  if (c == 0x22) return stringEnd(s, i);
  if (c == 0x7b || c == 0x5b) {
    let depth = 0;
    while (i < s.length) {
      const d = s.charCodeAt(i);
      if (d == 0x22) {
        i = stringEnd(s, i);
        if (i < 0) return -1;
        continue;
      }
      if (d == 0x7b || d == 0x5b) depth++;
      if (d == 0x7d || d == 0x5d) {
        depth--;
        if (depth == 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  while (i < s.length) {
    const d = s.charCodeAt(i);
    if (d == 0x2c || d == 0x7d || d == 0x5d || d == 0x20 || d == 0x0a) break;
    i++;
  }
  return i;
}

// unquote decodes a JSON string literal (with its quotes).
function unquote(lit: string): string {
  let out = "";
  for (let i = 1; i < lit.length - 1; i++) {
    const c = lit.charCodeAt(i);
    if (c != 0x5c) {
      out += String.fromCharCode(c);
      continue;
    }
    i++;
    const e = lit.charCodeAt(i);
    if (e == 0x6e) out += "\n";
    else if (e == 0x74) out += "\t";
    else if (e == 0x72) out += "\r";
    else if (e == 0x75) {
      out += String.fromCharCode(<i32>I32.parseInt(lit.substring(i + 1, i + 5), 16));
      i += 4;
    } else out += String.fromCharCode(e);
  }
  return out;
}

// Plugin is what a plugin extends. hooks() names the hooks; the others are
// never called.
export abstract class Plugin {
  abstract hooks(): u32;
  // init runs once per instance with the slot's config; a non-null result
  // refuses to start with that message.
  init(config: Config): string | null {
    return null;
  }
  onRequest(req: Request): Action {
    return Action.Continue;
  }
  onResponse(resp: Response): Action {
    return Action.Continue;
  }
  onChunk(chunk: Chunk): Action {
    return Action.Continue;
  }
}

let plugin: Plugin | null = null;

// RequestFunc is a function that is a request-only plugin:
//
//   register(new RequestFunc((req: Request): Action => { ... }));
//
// (AssemblyScript functions do not close over locals: keep state in globals.)
export class RequestFunc extends Plugin {
  constructor(private fn: (req: Request) => Action) {
    super();
  }
  hooks(): u32 {
    return HOOK_REQUEST;
  }
  onRequest(req: Request): Action {
    const f = this.fn;
    return f(req);
  }
}

// register makes p the plugin of this module; call it at the top level of
// the entry file.
export function register(p: Plugin): void {
  plugin = p;
}

export function wasmgate_abi_version(): i32 {
  return ABI_VERSION;
}

export function wasmgate_init(): i32 {
  const p = plugin;
  if (p === null) {
    error(500, "plugin_error", "no plugin registered: call register() in the entry file");
    return -1;
  }
  const raw = read(K_CONFIG, 0, null, 0);
  const msg = p.init(new Config(raw === null ? "{}" : raw));
  if (msg !== null) {
    error(500, "plugin_error", msg);
    return -1;
  }
  return <i32>p.hooks();
}

const theRequest = new Request();
const theResponse = new Response();
const theChunk = new Chunk();

export function wasmgate_on_request(): i32 {
  const p = plugin;
  return p === null ? 0 : <i32>p.onRequest(theRequest);
}

export function wasmgate_on_response(): i32 {
  const p = plugin;
  return p === null ? 0 : <i32>p.onResponse(theResponse);
}

export function wasmgate_on_chunk(): i32 {
  const p = plugin;
  return p === null ? 0 : <i32>p.onChunk(theChunk);
}

// metric_add (pdk/ABI.md, "Plugin metrics"): adds delta (>= 0) to this
// plugin's counter of an event (snake_case, up to 64 bytes) and a label
// value (up to 64 bytes of letters, digits and "_.-:/"; a name from config,
// never request text or a secret), exported as
// wasmgate_plugin_events_total{plugin,event,label}. ERR_INVALID for a bad
// name, label or delta, ERR_TOO_LARGE for a new pair past the plugin's 64.
@external("wasmgate", "metric_add")
declare function host_metric_add(name: usize, nameLen: i32, label: usize, labelLen: i32, delta: i32): i32;

export function metricAdd(event: string, label: string, delta: i32): Status {
  const e = utf8(event);
  const l = utf8(label);
  return new Status(host_metric_add(ptr(e), e.byteLength, ptr(l), l.byteLength, delta));
}

// match_compile and match_redact (pdk/ABI.md, "Matching helpers" and
// "Redaction helper"): the host finds, replaces and writes back personal
// data in one call.
@external("wasmgate", "match_compile")
declare function host_match_compile(spec: usize, specLen: i32): i32;
@external("wasmgate", "match_redact")
declare function host_match_redact(obj: i32, path: usize, pathLen: i32, matcher: i32, buf: usize, cap: i32): i32;

// matchCompile compiles a matcher spec (JSON; with a "redact" key for
// matchRedact) and returns its id, or a negative result. Call it from init.
export function matchCompile(spec: string): i32 {
  const s = utf8(spec);
  return host_match_compile(ptr(s), s.byteLength);
}

// matchRedact replaces the findings of matcher in the string at path of
// the object, or with "" in every text field, and writes the changed fields
// back. It returns the report in the layout of pdk/ABI.md, or null with the
// negative result in lastRedactResult (and lastResult).
export let lastRedactResult: i32 = 0;
export function matchRedact(obj: i32, path: string, matcher: i32): ArrayBuffer | null {
  const p = utf8(path);
  let buf = new ArrayBuffer(256);
  let n = host_match_redact(obj, ptr(p), p.byteLength, matcher, ptr(buf), buf.byteLength);
  if (n > buf.byteLength) {
    buf = new ArrayBuffer(n); // nothing was written: call again
    n = host_match_redact(obj, ptr(p), p.byteLength, matcher, ptr(buf), buf.byteLength);
  }
  lastRedactResult = n;
  lastCode = n;
  if (n < 0 || n > buf.byteLength) return null;
  return buf.slice(0, n);
}

// json_build (pdk/ABI.md, "Building bodies"): a program of literals and
// values copied by path that the host assembles into a body in one call.

export const BUILD_TEXT: u8 = 1;
export const BUILD_INNER: u8 = 2;
export const BUILD_REQUIRED: u8 = 4;
export const BUILD_OR_NEXT: u8 = 8;
export const BUILD_AS_ARRAY: u8 = 16;
export const BUILD_EMPTY_ABSENT: u8 = 32;
// On an each() field: the value's kind byte instead of the value.
export const BUILD_KIND: u8 = 64;
// On an each() field: one byte, the 1-based position of the value (a
// string) in the field's names, 0 when it is not one of them.
export const BUILD_CODE: u8 = 128;
export const BUILD_BASE: u8 = 255; // as src: a path relative to the last base
export const BUILD_ITEM: u8 = 254; // as src: a path relative to the last item
export const BUILD_NO_INDEX: u32 = 0xffffffff;
export const BUILD_PREV: u8 = 253; // as src inside a map: the element before the current one
export const BUILD_NEXT: u8 = 252; // the element after it
export const SWITCH_TEXT: u8 = 0; // a name equal to the string's text
export const SWITCH_KIND: u8 = 1; // a name containing the value's kind byte
export const SWITCH_PREFIX: u8 = 2; // a name the string's text starts with

// Kinds that kind() and BUILD_KIND write, one byte per value.
export const KIND_MISSING: u8 = 0x75; // u
export const KIND_NULL: u8 = 0x6e; // n
export const KIND_FALSE: u8 = 0x66; // f
export const KIND_TRUE: u8 = 0x74; // t
export const KIND_NUMBER: u8 = 0x64; // d
export const KIND_STRING: u8 = 0x73; // s, a non-empty string
export const KIND_EMPTY_STRING: u8 = 0x65; // e
export const KIND_ARRAY: u8 = 0x61; // a
export const KIND_OBJECT: u8 = 0x6f; // o

// EachField is one field of Builder.each: a path in each element, its
// flags (BUILD_KIND, BUILD_CODE, ...) and, with BUILD_CODE, the
// comma-separated names it is coded against.
export class EachField {
  constructor(public path: string, public flags: u8 = 0, public names: string = "") {}
}

export class Builder {
  private prog: Array<u8> = new Array<u8>();

  private u32(v: u32): void {
    this.prog.push(<u8>(v & 0xff));
    this.prog.push(<u8>((v >> 8) & 0xff));
    this.prog.push(<u8>((v >> 16) & 0xff));
    this.prog.push(<u8>(v >> 24));
  }

  private str(s: string): void {
    const b = Uint8Array.wrap(utf8(s));
    this.u32(<u32>b.length);
    for (let i = 0; i < b.length; i++) this.prog.push(b[i]);
  }

  // lit appends literal text.
  lit(text: string): void {
    this.prog.push(1);
    this.str(text);
  }

  // copy appends the value at a path of an object (src: an object id,
  // BUILD_BASE or BUILD_ITEM).
  copy(src: u8, path: string, flags: u8): void {
    this.prog.push(2);
    this.prog.push(src);
    this.prog.push(flags);
    this.str(path);
  }

  // copyOr appends pre, the value and post when it is present, def otherwise.
  copyOr(src: u8, path: string, flags: u8, pre: string, post: string, def: string): void {
    this.prog.push(4);
    this.prog.push(src);
    this.prog.push(flags);
    this.str(path);
    this.str(pre);
    this.str(post);
    this.str(def);
  }

  // kind appends one byte naming the kind of the value ("s" string, "a" array, ...).
  kind(src: u8, path: string): void {
    this.prog.push(3);
    this.prog.push(src);
    this.str(path);
  }

  // base makes element index of the array at path the base (BUILD_NO_INDEX:
  // the value itself).
  base(src: u8, path: string, index: u32): void {
    this.scope(5, src, path, index);
  }

  // item is base for the item, a second level that BUILD_ITEM paths are
  // relative to (a part of a message's content, with the message as base).
  item(src: u8, path: string, index: u32): void {
    this.scope(7, src, path, index);
  }

  private scope(op: u8, src: u8, path: string, index: u32): void {
    this.prog.push(op);
    this.prog.push(src);
    this.u32(index);
    this.str(path);
  }

  // each appends, for each element of the array at path, each field's value
  // at its path in the element followed by sep (or its kind, BUILD_KIND, or
  // its code, BUILD_CODE, without sep): the shape of a body in one call. At
  // most 255 fields.
  each(src: u8, path: string, sep: string, fields: EachField[]): void {
    this.prog.push(6);
    this.prog.push(src);
    this.str(path);
    this.prog.push(<u8>fields.length);
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      this.prog.push(f.flags);
      if (f.flags & BUILD_CODE) this.str(f.names);
      this.str(f.path);
    }
    this.str(sep);
  }

  // append appends the instructions of another program: a part built apart
  // (a system prompt gathered while the messages are written) joins the body.
  append(other: Builder): void {
    for (let i = 0; i < other.prog.length; i++) this.prog.push(other.prog[i]);
  }

  // reset empties the program.
  reset(): void {
    this.prog.length = 0;
  }

  // len is the size of the program in bytes.
  len(): i32 {
    return this.prog.length;
  }

  // json_build templates (pdk/ABI.md, "Building bodies", opcodes 8-12): a
  // program that walks a request on the host, a template per case. A null
  // program is an empty one.

  private prog_(p: Builder | null): void {
    const n = p == null ? 0 : p.prog.length;
    this.u32(<u32>n);
    if (p != null) for (let i = 0; i < n; i++) this.prog.push(p.prog[i]);
  }

  // switch runs then[k] for the first of the names the value matches
  // (SWITCH_TEXT, SWITCH_KIND, SWITCH_PREFIX), other when none does.
  switch(src: u8, path: string, flags: u8, other: Builder | null, names: string[], then: Array<Builder | null>): void {
    this.prog.push(8);
    this.prog.push(src);
    this.prog.push(flags);
    this.str(path);
    this.prog.push(<u8>names.length);
    for (let i = 0; i < names.length; i++) this.str(names[i]);
    this.prog_(other);
    for (let i = 0; i < names.length; i++) this.prog_(i < then.length ? then[i] : null);
  }

  // group runs the programs and joins the outputs that are not empty with
  // sep, between pre and post; nothing when all are empty.
  group(pre: string, sep: string, post: string, parts: Builder[]): void {
    this.prog.push(9);
    this.str(pre);
    this.str(sep);
    this.str(post);
    this.prog.push(<u8>parts.length);
    for (let i = 0; i < parts.length; i++) this.prog_(parts[i]);
  }

  // map runs each for every element of the array at path, the element as
  // the base (the item for a relative src), joined as group joins.
  map(src: u8, path: string, pre: string, sep: string, post: string, each: Builder): void {
    this.prog.push(10);
    this.prog.push(src);
    this.str(path);
    this.str(pre);
    this.str(sep);
    this.str(post);
    this.prog_(each);
  }

  // fail ends the build with the not-found result: a case left to the guest.
  fail(): void {
    this.prog.push(11);
  }

  // cut appends the part of the string at path between the first from and
  // the first to after it, as a JSON string (flags as copy).
  cut(src: u8, path: string, flags: u8, from: string, to: string): void {
    this.prog.push(12);
    this.prog.push(src);
    this.prog.push(flags);
    this.str(path);
    this.str(from);
    this.str(to);
  }

  private bytes(): ArrayBuffer {
    const b = new Uint8Array(this.prog.length);
    for (let i = 0; i < this.prog.length; i++) b[i] = this.prog[i];
    return b.buffer;
  }

  // build sets the output as the body of obj; the Status's code is the
  // body's length, or ERR_NOT_FOUND when a BUILD_REQUIRED value is absent,
  // ERR_INVALID when obj needs JSON and the output is not.
  build(obj: i32): Status {
    const p = this.bytes();
    lastCode = host_json_build(obj, ptr(p), p.byteLength, 0, 0);
    return new Status(lastCode);
  }

  // output returns the output, or null on a negative result (lastResult).
  output(): string | null {
    const p = this.bytes();
    let n = host_json_build(-1, ptr(p), p.byteLength, ptr(readBuf), readBuf.byteLength);
    if (n > readBuf.byteLength) {
      readBuf = new ArrayBuffer(n);
      n = host_json_build(-1, ptr(p), p.byteLength, ptr(readBuf), readBuf.byteLength);
    }
    lastCode = n;
    if (n < 0) return null;
    return String.UTF8.decodeUnsafe(ptr(readBuf), n);
  }
}

// match_scan and match_text (pdk/ABI.md, "Matching helpers"): the host
// finds personal data, secrets, patterns and word lists in the object's
// text fields or in the guest's text; only fields with findings come back.
@external("wasmgate", "match_scan")
declare function host_match_scan(obj: i32, path: usize, pathLen: i32, matcher: i32, flags: i32, buf: usize, cap: i32): i32;
@external("wasmgate", "match_text")
declare function host_match_text(matcher: i32, text: usize, textLen: i32, buf: usize, cap: i32): i32;

// Span is one finding: bytes start to end of its field's UTF-8 text, of
// kind (1 email ... 9 jwt, 256+i the i-th custom pattern).
export class Span {
  constructor(public start: i32, public end: i32, public kind: i32) {}
}

// MatchField is a text field and what a matcher found in it: path is its
// path for setString, text its value, bytes that value as UTF-8 (the spans'
// offsets are into bytes).
export class MatchField {
  constructor(public path: string, public bytes: Uint8Array, public spans: Span[]) {}
  get text(): string {
    return String.UTF8.decodeUnsafe(this.bytes.dataStart, this.bytes.length);
  }
  // found is the text of span i ("" for a span outside the text).
  found(i: i32): string {
    const s = this.spans[i];
    if (s.start < 0 || s.start > s.end || s.end > this.bytes.length) return "";
    return String.UTF8.decodeUnsafe(this.bytes.dataStart + <usize>s.start, s.end - s.start);
  }
}

const MATCH_ALL_FIELDS: i32 = 1;

// matchScan returns the fields with findings of matcher in the string at
// path of the object, or with path "" in every text field (message contents
// and text parts, tool-call arguments; a response's choices' messages, a
// chunk's deltas): one host call. null on a negative result (lastResult).
export function matchScan(obj: i32, path: string, matcher: i32): MatchField[] | null {
  return scanFields(obj, path, matcher, 0);
}

// matchTextFields is matchScan with path "" returning every text field,
// also those without findings.
export function matchTextFields(obj: i32, matcher: i32): MatchField[] | null {
  return scanFields(obj, "", matcher, MATCH_ALL_FIELDS);
}

function scanFields(obj: i32, path: string, matcher: i32, flags: i32): MatchField[] | null {
  const p = utf8(path);
  let n = host_match_scan(obj, ptr(p), p.byteLength, matcher, flags, ptr(readBuf), readBuf.byteLength);
  if (n > readBuf.byteLength) {
    readBuf = new ArrayBuffer(n);
    n = host_match_scan(obj, ptr(p), p.byteLength, matcher, flags, ptr(readBuf), readBuf.byteLength);
  }
  return decodeFields(n);
}

// matchFind returns the findings of matcher in text (one host call), or
// null on a negative result (lastResult). Offsets are into text as UTF-8.
export function matchFind(matcher: i32, text: string): Span[] | null {
  const t = utf8(text);
  let n = host_match_text(matcher, ptr(t), t.byteLength, ptr(readBuf), readBuf.byteLength);
  if (n > readBuf.byteLength) {
    readBuf = new ArrayBuffer(n);
    n = host_match_text(matcher, ptr(t), t.byteLength, ptr(readBuf), readBuf.byteLength);
  }
  const fields = decodeFields(n);
  if (fields === null) return null;
  return fields.length == 0 ? [] : fields[0].spans;
}

// decodeFields reads n bytes of readBuf in the layout of pdk/ABI.md: per
// field path_len path text_len text count (start end kind)*count, every
// number a little-endian u32. A layout it cannot read is ERR_INVALID.
function decodeFields(n: i32): MatchField[] | null {
  lastCode = n;
  if (n < 0) return null;
  const b = Uint8Array.wrap(readBuf, 0, n);
  const out: MatchField[] = [];
  let i = 0;
  while (i < n) {
    if (i + 4 > n) break;
    const pl = <i32>load<u32>(b.dataStart + i);
    if (pl < 0 || i + 4 + pl + 4 > n) break;
    const path = String.UTF8.decodeUnsafe(b.dataStart + i + 4, pl);
    i += 4 + pl;
    const tl = <i32>load<u32>(b.dataStart + i);
    if (tl < 0 || i + 4 + tl + 4 > n) break;
    const text = b.slice(i + 4, i + 4 + tl);
    i += 4 + tl;
    const c = <i32>load<u32>(b.dataStart + i);
    i += 4;
    if (c < 0 || c > (n - i) / 12) break;
    const spans = new Array<Span>(c);
    for (let k = 0; k < c; k++, i += 12) {
      spans[k] = new Span(<i32>load<u32>(b.dataStart + i), <i32>load<u32>(b.dataStart + i + 4), <i32>load<u32>(b.dataStart + i + 8));
    }
    out.push(new MatchField(path, text, spans));
  }
  if (i != n) {
    lastCode = ERR_INVALID;
    return null;
  }
  return out;
}

// Limits of metricAdd (pdk/ABI.md, "Plugin metrics").
export const METRIC_NAME_MAX: i32 = 64; // bytes of an event name
export const METRIC_LABEL_MAX: i32 = 64; // bytes of a label value
export const METRIC_SERIES_MAX: i32 = 64; // distinct (event, label) pairs per plugin

// Kinds of findings (Span.kind); a custom pattern i of a spec is
// KIND_CUSTOM + i.
export const KIND_EMAIL: i32 = 1;
export const KIND_PHONE: i32 = 2;
export const KIND_CARD: i32 = 3; // Luhn-checked
export const KIND_IBAN: i32 = 4; // mod-97 checked
export const KIND_SSN: i32 = 5;
export const KIND_IPV4: i32 = 6;
export const KIND_IPV6: i32 = 7;
export const KIND_API_KEY: i32 = 8; // known prefixes and high-entropy strings
export const KIND_JWT: i32 = 9;
export const KIND_CUSTOM: i32 = 256;

const kindNames = ["email", "phone", "card", "iban", "ssn", "ipv4", "ipv6", "api_key", "jwt"];

// builtinKinds names every built-in kind, as MatchSpec.builtin takes them.
export function builtinKinds(): string[] {
  return kindNames.slice(0);
}

// kindName is a kind's name ("email", ...; "custom_<i>" for custom
// patterns, "kind_<n>" for a kind this PDK does not know).
export function kindName(k: i32): string {
  if (k >= 1 && k <= kindNames.length) return kindNames[k - 1];
  if (k >= KIND_CUSTOM) return "custom_" + (k - KIND_CUSTOM).toString();
  return "kind_" + k.toString();
}

// parseKind returns the built-in kind named s, or 0.
export function parseKind(s: string): i32 {
  for (let i = 0; i < kindNames.length; i++) {
    if (kindNames[i] == s) return i + 1;
  }
  return 0;
}

// MatchPattern is a custom pattern: an RE2 regular expression, used as
// written (start it with (?i) to ignore case), or a list of words and
// phrases, matched as whole words and ignoring case unless caseSensitive.
export class MatchPattern {
  constructor(public regex: string = "", public words: string[] = [], public caseSensitive: bool = false) {}
}

// RedactRule is the action for one kind: kind is kindName() of a built-in
// or custom kind, action "mask", "hash" or "block", label the placeholder's
// name (letters, digits and '_').
export class RedactRule {
  constructor(public kind: string, public action: string, public label: string) {}
}

// RedactSpec gives, per kind, what redact writes in place of a finding;
// hashKey is the HMAC-SHA256 key of "hash".
export class RedactSpec {
  constructor(public rules: RedactRule[] = [], public hashKey: string = "") {}
}

// MatchSpec says what a matcher finds: built-in kinds by name, custom
// patterns (the i-th reports KIND_CUSTOM + i) and, for redact, the rules.
// toJSON is the spec matchCompile takes, as pdk/go encodes it.
export class MatchSpec {
  constructor(public builtin: string[] = [], public custom: MatchPattern[] = [], public redact: RedactSpec | null = null) {}

  toJSON(): string {
    const parts: string[] = [];
    if (this.builtin.length > 0) parts.push('"builtin":' + jsonStrings(this.builtin));
    if (this.custom.length > 0) {
      const c: string[] = [];
      for (let i = 0; i < this.custom.length; i++) {
        const p = this.custom[i];
        const f: string[] = [];
        if (p.regex.length > 0) f.push('"regex":' + jsonString(p.regex));
        if (p.words.length > 0) f.push('"words":' + jsonStrings(p.words));
        if (p.caseSensitive) f.push('"case_sensitive":true');
        c.push("{" + f.join(",") + "}");
      }
      parts.push('"custom":[' + c.join(",") + "]");
    }
    const r = this.redact;
    if (r !== null) {
      const rules: string[] = [];
      for (let i = 0; i < r.rules.length; i++) {
        const x = r.rules[i];
        rules.push('{"kind":' + jsonString(x.kind) + ',"action":' + jsonString(x.action) + ',"label":' + jsonString(x.label) + "}");
      }
      let red = '{"rules":[' + rules.join(",") + "]";
      if (r.hashKey.length > 0) red += ',"hash_key":' + jsonString(r.hashKey);
      parts.push('"redact":' + red + "}");
    }
    return "{" + parts.join(",") + "}";
  }
}

function jsonStrings(list: string[]): string {
  const q: string[] = [];
  for (let i = 0; i < list.length; i++) q.push(jsonString(list[i]));
  return "[" + q.join(",") + "]";
}

// compileMatcher compiles spec on the host (matchCompile of its JSON): a
// matcher id >= 0, or a negative result for a spec the host refused
// (unknown kind, bad pattern; the gateway's log names it). Call it from
// init.
export function compileMatcher(spec: MatchSpec): i32 {
  return matchCompile(spec.toJSON());
}

// KindCount is how many findings of a kind were replaced.
export class KindCount {
  constructor(public kind: i32, public count: i32) {}
}

// Pair is a placeholder of a mask rule and the value it replaced.
export class Pair {
  constructor(public placeholder: string, public value: string) {}
}

// Redaction is what one redact did: blocked is the kind of the first finding
// with a block rule (then nothing was written) or 0, counts the findings
// replaced per kind in order of appearance, pairs each placeholder and its
// value.
export class Redaction {
  blocked: i32 = 0;
  counts: KindCount[] = [];
  pairs: Pair[] = [];
}

// decodeRedaction reads a match_redact report (the layout of pdk/ABI.md,
// every number a little-endian u32), or null when it cannot.
export function decodeRedaction(buf: ArrayBuffer): Redaction | null {
  const b = Uint8Array.wrap(buf);
  const n = b.length;
  const r = new Redaction();
  if (n < 4) return null;
  r.blocked = <i32>load<u32>(b.dataStart);
  let i = 4;
  if (i + 4 > n) return null;
  const kinds = <i32>load<u32>(b.dataStart + i);
  i += 4;
  if (kinds < 0 || kinds > (n - i) / 8) return null;
  for (let k = 0; k < kinds; k++, i += 8) {
    r.counts.push(new KindCount(<i32>load<u32>(b.dataStart + i), <i32>load<u32>(b.dataStart + i + 4)));
  }
  if (i + 4 > n) return null;
  const pairs = <i32>load<u32>(b.dataStart + i);
  i += 4;
  if (pairs < 0 || pairs > (n - i) / 8) return null;
  for (let k = 0; k < pairs; k++) {
    const texts: string[] = [];
    for (let t = 0; t < 2; t++) {
      if (i + 4 > n) return null;
      const l = <i32>load<u32>(b.dataStart + i);
      i += 4;
      if (l < 0 || l > n - i) return null;
      texts.push(String.UTF8.decodeUnsafe(b.dataStart + i, l));
      i += l;
    }
    r.pairs.push(new Pair(texts[0], texts[1]));
  }
  if (i != n) return null;
  return r;
}

// match reports whether s matches the pattern p, where "*" matches any run
// of characters (including none, and "/") and every other character
// matches itself: "gpt-4o*" matches "gpt-4o" and "gpt-4o-mini".
export function match(p: string, s: string): bool {
  let star = p.indexOf("*");
  if (star < 0) return p == s;
  if (!s.startsWith(p.substring(0, star))) return false;
  s = s.substring(star);
  p = p.substring(star + 1);
  for (;;) {
    const next = p.indexOf("*");
    if (next < 0) return s.endsWith(p); // the last literal is anchored at the end
    const i = s.indexOf(p.substring(0, next));
    if (i < 0) return false;
    s = s.substring(i + next);
    p = p.substring(next + 1);
  }
  return false;
}

// headerList turns a config's map of static headers (Config.getStringMap)
// into [name, value] pairs sorted by name, with lower-case names, for
// adapters that add them to every provider request. An empty name or a
// pseudo-header (":url") is refused: null, with ERR_INVALID in lastResult.
export function headerList(m: Map<string, string>): string[][] | null {
  const names = m.keys();
  const out: string[][] = [];
  for (let i = 0; i < names.length; i++) {
    const name = names[i].trim().toLowerCase();
    if (name.length == 0 || name.startsWith(":")) {
      lastCode = ERR_INVALID;
      return null;
    }
    out.push([name, m.get(names[i])]);
  }
  out.sort((a: string[], b: string[]): i32 => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return out;
}

// Routing (pdk/ABI.md, "Routing"): reserved attributes a pipeline plugin
// may write in its request hook; the host reads them when it sends the
// request.

// ATTR_TARGETS is the ordered list of targets the host tries:
// "provider/model[#key],..." (see appendTarget).
export const ATTR_TARGETS = "wasmgate.targets";
// ATTR_FALLBACK_ON overrides which failures move to the next target:
// "429,5xx,timeout,connect".
export const ATTR_FALLBACK_ON = "wasmgate.fallback_on";

// Target is one place the host may send a request: a provider, the model
// name the provider gets, and a key id ("" lets the host choose).
export class Target {
  constructor(public provider: string, public model: string, public key: string = "") {}
}

// appendTarget appends t to dst in the ATTR_TARGETS form
// "provider/model[#key]" (join several with commas).
export function appendTarget(dst: string, t: Target): string {
  let out = dst + t.provider + "/" + t.model;
  if (t.key.length > 0) out += "#" + t.key;
  return out;
}

// setTargets sets ATTR_TARGETS from a list built with appendTarget (joined
// by commas).
export function setTargets(list: string): Status {
  return setAttr(ATTR_TARGETS, list);
}

// ProviderStat is what the host knows of one provider key right now:
// healthy is false while the health check keeps it out of rotation,
// breaker "closed", "half_open" or "open"; latencyUs the mean latency in
// microseconds, errorRate the share of failed requests (0..1) and requests
// how many the statistics window holds.
export class ProviderStat {
  constructor(
    public provider: string,
    public key: string,
    public healthy: bool,
    public breaker: string,
    public latencyUs: i64,
    public errorRate: f64,
    public requests: i64,
  ) {}
  // available reports whether the host would send to this key now.
  available(): bool {
    return this.healthy && this.breaker != "open";
  }
}

// providerStatList returns the providers' live statistics parsed (request
// hook), or null with the host's result in lastResult (ERR_NOT_FOUND
// without statistics).
export function providerStatList(): ProviderStat[] | null {
  const text = providerStats();
  return text === null ? null : parseProviderStats(text);
}

// parseProviderStats parses the provider_stats text (one line a key:
// "provider key healthy breaker latency_us error_ppm requests"); lines it
// cannot read are skipped, and fields past these seven (which later hosts may
// add, pdk/ABI.md) are ignored.
export function parseProviderStats(text: string): ProviderStat[] {
  const out: ProviderStat[] = [];
  const lines = text.split("\n");
  for (let l = 0; l < lines.length; l++) {
    const f = fields(lines[l]);
    if (f.length < 7) continue;
    const lat = parseI64(f[4]);
    const ppm = parseI64(f[5]);
    const req = parseI64(f[6]);
    if (lat === null || ppm === null || req === null) continue;
    out.push(new ProviderStat(f[0], f[1], f[2] == "1", f[3], lat.value, <f64>ppm.value / 1e6, req.value));
  }
  return out;
}

// fields splits s around runs of white space.
function fields(s: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 0x20;
    const space = c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0b || c == 0x0c || c == 0x0d;
    if (space && start >= 0) {
      out.push(s.substring(start, i));
      start = -1;
    } else if (!space && start < 0) start = i;
  }
  return out;
}

class I64Box {
  constructor(public value: i64) {}
}

// parseI64 parses a decimal integer with an optional sign, or null (also
// when it overflows 64 bits).
function parseI64(s: string): I64Box | null {
  let i = 0;
  let neg = false;
  if (s.length > 0 && (s.charCodeAt(0) == 0x2b || s.charCodeAt(0) == 0x2d)) {
    neg = s.charCodeAt(0) == 0x2d;
    i = 1;
  }
  if (i >= s.length) return null;
  const limit: u64 = neg ? 9223372036854775808 : 9223372036854775807;
  let v: u64 = 0;
  for (; i < s.length; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return null;
    if (v > (limit - <u64>d) / 10) return null;
    v = v * 10 + <u64>d;
  }
  return new I64Box(neg ? -(<i64>v) : <i64>v);
}
