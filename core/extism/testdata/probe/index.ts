// probe: an Extism test guest built with @extism/as-pdk, for the tests of
// how wasmgate maps its capabilities and limits onto Extism's manifest.
// Its Extism config picks what on_request does:
//   mode=fetch  url=U     GET U with Extism's http_request; the user's
//                         message becomes "fetched <status> <body>"
//   mode=config key=K     the user's message becomes "K=<config K>"
//   mode=alloc  bytes=N   allocate N bytes (memory_pages must stop a big N)
//   mode=spin             loop forever (timeout must stop it)
import { Config, Host, Memory } from "@extism/as-pdk";
import { http_request, length } from "@extism/as-pdk/lib/env";

@external("extism:host/env", "http_status_code")
declare function http_status_code(): i32;

function attrs(pairs: string): void {
  Host.outputString('{"attrs":{' + pairs + "}}");
}

// text replaces the user's message (s must need no JSON escaping).
function text(s: string): void {
  Host.outputString('{"text":"' + s + '"}');
}

function get(key: string): string {
  const v = Config.get(key);
  return v === null ? "" : v;
}

export function on_request(): i32 {
  const mode = get("mode");
  if (mode == "fetch") {
    const req = Memory.allocateString('{"url":"' + get("url") + '","method":"GET","headers":{}}');
    const at = http_request(req.offset, 0);
    const body = at == 0 ? "" : new Memory(at, length(at)).toString();
    text("fetched " + http_status_code().toString() + " " + body);
  } else if (mode == "config") {
    const v = Config.get(get("key"));
    text(get("key") + "=" + (v === null ? "(unset)" : v));
  } else if (mode == "alloc") {
    const n = I32.parseInt(get("bytes"));
    const buf = new Uint8Array(n);
    buf[n - 1] = 1;
    attrs('"allocated":"' + buf.length.toString() + '"');
  } else if (mode == "spin") {
    let i: i64 = 0;
    while (i >= 0) i++;
    attrs('"spun":"' + i.toString() + '"');
  }
  return 0;
}
