# Routing and resilience: the router plugin, and the benchmark of a routing
# decision (docs/benchmarks.md).
PLUGINS     += router
BENCH_EXTRA += bench-routing

.PHONY: bench-routing loadtest-failover

## bench-routing: the cost of one routing decision (router plugin request hook)
bench-routing: plugins
	TESTWASM_PREBUILT=$(CURDIR)/$(PLUGIN_OUT) $(GO) test -run '^$$' -bench 'Routing' -benchmem -benchtime 2s ./core/gateway/

## loadtest-failover: one of three upstreams down, steady rate for 60 s (docs/benchmarks.md)
loadtest-failover: plugins
	$(GO) run ./cmd/failover-load --plugins $(PLUGIN_OUT) --rate 200 --duration 60s --out $(BUILD)/failover-load.md

# registry.mk is read before this file, so its prerequisite list does not
# see PLUGINS += router yet (its recipe does).
registry: $(RELEASE_WASM)/router.wasm
