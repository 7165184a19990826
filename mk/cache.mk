# The cache plugin, and the Weaviate server its integration tests run against.
PLUGINS += cache

WEAVIATE_VERSION := v1.35.2
WEAVIATE_DIR     := $(CACHE_DIR)/weaviate-$(WEAVIATE_VERSION)
WEAVIATE_BIN     := $(WEAVIATE_DIR)/weaviate-server

TEST_DEPS += weaviate
TEST_ENV  += WASMGATE_TEST_WEAVIATE_BIN=$(WEAVIATE_BIN)

.PHONY: weaviate
## weaviate: the Weaviate server for the cache tests (built once from Go modules, ~10 min, then reused)
weaviate: $(WEAVIATE_BIN)

$(WEAVIATE_BIN):
	@mkdir -p $(WEAVIATE_DIR)
	@echo "building Weaviate $(WEAVIATE_VERSION) into $(WEAVIATE_DIR) (once; about 10 minutes)"
	cd $(WEAVIATE_DIR) && GOBIN=$(WEAVIATE_DIR) $(GO) install github.com/weaviate/weaviate/cmd/weaviate-server@$(WEAVIATE_VERSION)

BENCH_EXTRA += bench-cache
.PHONY: bench-cache
## bench-cache: end-to-end cache hits (embedded store and Weaviate), the cost of a miss, the embedded store's search
bench-cache: build plugins weaviate
	WASMGATE_TEST_WEAVIATE_BIN=$(WEAVIATE_BIN) TESTWASM_PREBUILT=$(CURDIR)/$(PLUGIN_OUT) $(GO) test -run '^$$' -bench . -benchtime 2s ./core/cache/ ./core/vectorstore/
