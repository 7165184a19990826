// The ABI v1 conformance guest, ported to the AssemblyScript PDK: it plays
// every scenario of the runner (conformance/tck/run.go; request header
// x-tck-case) through the PDK's typed helpers and checks every result inside
// the guest, as conformance/tck/guest does with the raw imports. The first
// wrong result ends the hook with send_error(500, "tck_failure", what was
// wrong). Raw imports are used only where the PDK has no helper on purpose,
// each with a comment saying why.
import {
  ATTR_PROVIDER_API_KEY, Action, Chunk, Config, ERR_DENIED, ERR_INVALID, ERR_NOT_AVAILABLE, ERR_NOT_FOUND,
  ERR_TOO_LARGE, HOOK_CHUNK, HOOK_REQUEST, HOOK_RESPONSE, LOG_DEBUG, Plugin, Request, Response, attr, error, log,
  providerStats, register, respond, secret, setAttr, setResponseHeader, upstreamChunk, upstreamResponse,
} from "../../../../pdk/assemblyscript/assembly";
export {
  wasmgate_abi_version, wasmgate_init, wasmgate_on_request, wasmgate_on_response, wasmgate_on_chunk,
} from "../../../../pdk/assemblyscript/assembly";
import { code, failed, finish, missing, num, reset, result, truth, value } from "./check";
import { requestBuild } from "./build";
import * as fx from "./fixture";
import { requestMetrics } from "./metrics";
import { requestRedact } from "./redact";
import { PARITY_HEADER, chunkFinishes, requestParity } from "./parity";
import { chunkMatch, initMatch, requestMatch, responseMatch } from "./scan";
import { requestAdapter, requestBasic } from "./request";

function tckCase(req: Request): string {
  const c = req.header("X-TCK-Case");
  return c === null ? "basic" : c;
}

// Memory the "membomb" case holds on to.
let hold: ArrayBuffer[] = [];
// Never set: the "loop" case cannot see that its loop never ends.
let stop = false;

class Conformance extends Plugin {
  hooks(): u32 {
    return HOOK_REQUEST | HOOK_RESPONSE | HOOK_CHUNK;
  }

  init(config: Config): string | null {
    reset();
    if (config.raw.includes('"refuse"')) return "refused by config: " + config.raw;
    value("config_get", config.raw, fx.ConfigJSON);
    value("Config.getString", config.getString("tck"), "v1");
    value("Config.getRaw", config.getRaw("n"), "42");
    truth("Config.getString of a number", config.getString("n") === null, true);
    truth("Config.getStrings of a string", config.getStrings("tck") === null, true);
    truth("Config.getRaw missing", config.getRaw("none") === null, true);
    value("Config.keys", config.keys().join(","), "tck,n");
    missing("body_get in init", new Request().body(), ERR_NOT_AVAILABLE);
    code("attr_set in init", setAttr("tck.init", "x"), ERR_NOT_AVAILABLE);
    value("secret_get in init", secret(fx.SecretName), fx.SecretValue);
    missing("secret_get of a name not granted", secret("not_granted"), ERR_DENIED);
    initMatch();
    log(LOG_DEBUG, "tck: init");
    const f = failed();
    reset();
    return f.length == 0 ? null : "tck_failure: " + f;
  }

  onRequest(req: Request): Action {
    reset();
    const c = tckCase(req);
    if (c == "basic") {
      requestParity(req);
      requestBasic(req);
    }
    else if (c == "adapter") requestAdapter(req);
    else if (c == "redact") requestRedact(req);
    else if (c == "match") requestMatch();
    else if (c == "build") requestBuild(req);
    else if (c == "metrics") requestMetrics();
    else if (c == "respond") {
      const a = respond(200, fx.ShortResponse);
      result("send_response", 0);
      return finish(a);
    } else if (c == "error") {
      const a = error(429, "rate_limit_error", "slow down");
      result("send_error", 0);
      return finish(a);
    } else if (c == "malformed") {
      return Action.Respond; // respond without send_response
    } else if (c == "unknown-action") {
      return <Action>7;
    } else if (c == "overlimit") {
      code("json_set over max_output_bytes", req.setString("big", "x".repeat(4096)), ERR_TOO_LARGE);
    } else if (c == "trap") {
      const a = new Array<i32>(4);
      return <Action>a[req.messageCount() + 8]; // out of range: the runtime traps
    } else if (c == "loop") {
      let i = 0;
      while (!stop) i++;
      return <Action>i;
    } else if (c == "membomb") {
      for (let i = 0; i < 1024; i++) hold.push(new ArrayBuffer(1 << 20));
      return <Action>hold[1023].byteLength;
    } else if (c == "state") {
      // The previous request's attribute must not leak into this one.
      missing("attribute of an earlier request", attr("tck.out"), ERR_NOT_FOUND);
    }
    return finish(Action.Continue);
  }

  onResponse(resp: Response): Action {
    reset();
    if (tckCase(resp.request()) == "match") {
      responseMatch();
      return finish(Action.Continue);
    }
    if (tckCase(resp.request()) == "adapter") {
      missing("provider key in the response phase", attr(ATTR_PROVIDER_API_KEY), ERR_DENIED);
      const up = upstreamResponse();
      value("upstream :status", up.header(":status"), "200");
      num("ProviderResponse.status", up.status(), 200);
      value("upstream response header", up.header("X-Up"), "1");
      value("upstream response body", up.body(), fx.UpResponseJSON);
      code("body_set upstream response", up.setBody("{}"), ERR_NOT_AVAILABLE);
      code("body_set response", resp.setBody(fx.AdapterResponse), 0);
      return finish(Action.Continue);
    }
    value("body_get response", resp.body(), fx.ResponseJSON);
    value("json_get response content", resp.getString("choices.0.message.content"), "hello");
    value("Response.content", resp.content(), "hello");
    code("json_set response", resp.setContent("hello, tck"), 0);
    value("Response.content after setContent", resp.content(), "hello, tck");
    value("response :status", resp.header(":status"), "200");
    num("Response.status", resp.status(), 200);
    code("response :status set", resp.setStatus(201), 0);
    num("Response.status after setStatus", resp.status(), 201);
    code("response :status out of range", resp.setStatus(99), ERR_INVALID);
    code("response header", resp.setHeader("x-tck-resp", "1"), 0);
    value("response header set by setResponseHeader in the request phase", resp.header(PARITY_HEADER), "request");
    code("delete the request phase's response header", resp.deleteHeader(PARITY_HEADER), 0);
    const req = resp.request();
    code("request read only in the response phase", req.setModel("x"), ERR_NOT_AVAILABLE);
    value("request as the request phase left it", req.model(), 'tck "model" 2');
    value("attribute from the request phase", attr("tck.out"), "request-ok");
    code("attr_set in the response phase", setAttr("tck.resp", "ok"), 0);
    missing("chunk in the response phase", new Chunk().body(), ERR_NOT_AVAILABLE);
    missing("provider_stats in the response phase", providerStats(), ERR_NOT_AVAILABLE);
    missing("upstream response outside the adapter", upstreamResponse().body(), ERR_NOT_AVAILABLE);
    return finish(Action.Continue);
  }

  onChunk(chunk: Chunk): Action {
    reset();
    const c = tckCase(chunk.request());
    if (c == "match") {
      chunkMatch();
      return finish(Action.Continue);
    }
    if (c == "adapter") {
      const up = upstreamChunk();
      value("upstream chunk", up.body(), fx.UpChunkJSON);
      value("upstream chunk path", up.getString("text"), "lo");
      code("body_set chunk", chunk.setBody(fx.AdapterChunkJSON), 0);
      return finish(Action.Continue);
    }
    if (c == "drop") {
      code("drop chunk", chunk.drop(), 0);
      return finish(Action.Continue);
    }
    if (c == "chunk-error") {
      const a = error(502, "upstream_error", "cut");
      result("send_error in the chunk phase", 0);
      return finish(a);
    }
    value("body_get chunk", chunk.body(), fx.ChunkJSON);
    value("json_get chunk content", chunk.getString("choices.0.delta.content"), "hel");
    value("Chunk.content", chunk.content(), "hel");
    code("json_set chunk", chunk.setContent("HEL"), 0);
    respond(200, "{}");
    result("send_response in the chunk phase", ERR_NOT_AVAILABLE);
    code("response header in the chunk phase", new Response().setHeader("x-late", "1"), 0);
    code("Chunk.setResponseHeader", chunk.setResponseHeader(PARITY_HEADER, "chunk"), 0);
    value("response header after Chunk.setResponseHeader", new Response().header(PARITY_HEADER), "chunk");
    code("setResponseHeader in the chunk phase", setResponseHeader(PARITY_HEADER, "late"), 0);
    value("response header after setResponseHeader", new Response().header(PARITY_HEADER), "late");
    code("delete the chunk phase's response header", new Response().deleteHeader(PARITY_HEADER), 0);
    chunkFinishes(chunk);
    code("response body in the chunk phase", new Response().setString("id", "x"), ERR_NOT_AVAILABLE);
    code("request read only in the chunk phase", chunk.request().setString("model", "x"), ERR_NOT_AVAILABLE);
    value("attribute from the request phase in a chunk", attr("tck.out"), "request-ok");
    return finish(Action.Continue);
  }
}

register(new Conformance());
