// extism-guard: an Extism plugin (built with @extism/as-pdk) in a wasmgate
// pipeline. It refuses requests whose last user message mentions a blocked
// phrase, and marks the others.
//
// It speaks wasmgate's Extism JSON contract (docs/extism.md): the input is
// {"phase", "text", "request", "headers", "attrs", ...} and the output is
// {"action", ...}. Its Extism config "blocked" is a comma-separated list.
import { Config, Host } from "@extism/as-pdk";

// jsonField returns the string value of the first "key" in a JSON text, or
// "" (enough for the contract's flat "text" field; no JSON library needed).
function jsonField(json: string, key: string): string {
  const at = json.indexOf('"' + key + '":"');
  if (at < 0) return "";
  const start = at + key.length + 4;
  let escaped = false;
  let end = start;
  for (; end < json.length; end++) {
    const c = json.charCodeAt(end);
    if (c == 0x5c) {
      escaped = true;
      end++;
    } else if (c == 0x22) break;
  }
  if (!escaped) return json.substring(start, end);
  const parts: string[] = [];
  let from = start;
  for (let i = start; i < end; i++) {
    if (json.charCodeAt(i) != 0x5c) continue;
    parts.push(json.substring(from, i));
    i++;
    const e = json.charCodeAt(i);
    if (e == 0x6e) parts.push("\n");
    else if (e == 0x74) parts.push("\t");
    else if (e == 0x75) {
      parts.push(String.fromCharCode(<i32>I32.parseInt(json.substring(i + 1, i + 5), 16)));
      i += 4;
    } else parts.push(String.fromCharCode(e));
    from = i + 1;
  }
  parts.push(json.substring(from, end));
  return parts.join("");
}

function output(s: string): void {
  Host.output(Uint8Array.wrap(String.UTF8.encode(s)));
}

export function on_request(): i32 {
  const text = jsonField(Host.inputString(), "text").toLowerCase();
  const blocked = Config.get("blocked");
  if (blocked !== null) {
    const phrases = blocked.split(",");
    for (let i = 0; i < phrases.length; i++) {
      const p = phrases[i].trim().toLowerCase();
      if (p.length > 0 && text.includes(p)) {
        output('{"action":"error","status":400,"error":{"type":"invalid_request_error","message":"the request mentions a blocked topic"}}');
        return 0;
      }
    }
  }
  output('{"action":"continue","attrs":{"extism-guard":"passed"}}');
  return 0;
}

// on_response marks answers that went through the guard, for the client.
export function on_response(): i32 {
  output('{"headers":{"x-guarded-by":"extism-guard"}}');
  return 0;
}
