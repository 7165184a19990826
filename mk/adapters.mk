# Provider adapters and ingress APIs: the anthropic adapter plugin, and the
# SDK conformance suite (official OpenAI and Anthropic SDKs against wasmgate
# backed by the mock provider).
PLUGINS += anthropic
