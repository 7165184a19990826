// prompt-prefixer: puts a configured prefix in front of the last user
// message and, when configured, a system prompt in front of the conversation
// (unless the client sent one of its own).
import {
  Action, Config, HOOK_REQUEST, Plugin, Request, error, jsonString, register,
} from "../../../pdk/assemblyscript/assembly";
export {
  wasmgate_abi_version, wasmgate_init, wasmgate_on_request, wasmgate_on_response, wasmgate_on_chunk,
} from "../../../pdk/assemblyscript/assembly";

class PromptPrefixer extends Plugin {
  prefix: string = "";
  system: string = "";

  hooks(): u32 {
    return HOOK_REQUEST;
  }

  init(config: Config): string | null {
    const prefix = config.getString("prefix");
    const system = config.getString("system");
    if (prefix === null && system === null) return "prompt-prefixer: config: set prefix, system or both";
    if (prefix !== null) this.prefix = prefix;
    if (system !== null) this.system = system;
    return null;
  }

  onRequest(req: Request): Action {
    if (this.prefix.length > 0) {
      const i = req.lastUserIndex();
      if (i >= 0) {
        const text = req.textAt("messages." + i.toString() + ".content");
        if (!req.setMessageContent(i, this.prefix + text).ok()) {
          return error(500, "plugin_error", "prompt-prefixer: cannot rewrite the message");
        }
      }
    }
    if (this.system.length > 0 && !this.hasSystem(req)) {
      const msgs = req.get("messages");
      if (msgs !== null && msgs.startsWith("[")) {
        const sys = '{"role":"system","content":' + jsonString(this.system) + "}";
        const rest = msgs.substring(1).trim();
        const joined = rest == "]" ? "[" + sys + "]" : "[" + sys + "," + rest;
        if (!req.set("messages", joined).ok()) {
          return error(500, "plugin_error", "prompt-prefixer: cannot add the system prompt");
        }
      }
    }
    return Action.Continue;
  }

  hasSystem(req: Request): bool {
    const n = req.messageCount();
    for (let i = 0; i < n; i++) {
      const r = req.getString("messages." + i.toString() + ".role");
      if (r !== null && (r == "system" || r == "developer")) return true;
    }
    return false;
  }
}

register(new PromptPrefixer());
