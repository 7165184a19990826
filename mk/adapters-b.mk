# Provider adapters for Gemini, Bedrock and Cohere (plugins/gemini,
# plugins/bedrock, plugins/cohere). They share plugins/internal/openaichat,
# which the pattern rule for plugins does not see.
ADAPTERS_B := gemini bedrock cohere
PLUGINS    += $(ADAPTERS_B)

$(addprefix $(PLUGIN_OUT)/,$(addsuffix .wasm,$(ADAPTERS_B))): $(wildcard plugins/internal/openaichat/*.go)

## bench-adapters: cost per request and per stream chunk of each adapter in
## the plugin host (make bench runs these too, with the other host benchmarks)
bench-adapters: plugins
	TESTWASM_PREBUILT=$(CURDIR)/$(PLUGIN_OUT) $(GO) test -run '^$$' -bench 'Adapters' -benchmem -benchtime 2s ./core/host/

.PHONY: bench-adapters
