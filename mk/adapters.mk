# Provider adapters and ingress APIs: the anthropic adapter plugin, and the
# SDK conformance suite (official OpenAI and Anthropic SDKs against wasmgate
# backed by the mock provider; conformance/sdk).
PLUGINS += anthropic

SDK_DIR      := conformance/sdk
# npm packages are installed once per package-lock.json into the cache and
# linked into the checkout (node_modules is gitignored).
SDK_LOCK_SUM  = $(shell sha256sum $(SDK_DIR)/package-lock.json | cut -c1-16)
SDK_NPM_DIR   = $(CACHE_DIR)/sdk-npm/$(SDK_LOCK_SUM)

.PHONY: conformance-sdk-deps test-conformance-sdk

## conformance-sdk-deps: the npm openai and @anthropic-ai/sdk packages (node and npm from Debian if missing)
conformance-sdk-deps:
	@command -v node >/dev/null && command -v npm >/dev/null || { echo "installing: nodejs npm"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm >/dev/null; }
	@if [ ! -f $(SDK_NPM_DIR)/node_modules/.package-lock.json ]; then \
	  mkdir -p $(SDK_NPM_DIR) && cp $(SDK_DIR)/package.json $(SDK_DIR)/package-lock.json $(SDK_NPM_DIR)/ && \
	  (cd $(SDK_NPM_DIR) && npm ci --no-audit --no-fund --loglevel=error); fi
	@if [ ! -L $(SDK_DIR)/node_modules ] || [ "$$(readlink $(SDK_DIR)/node_modules)" != "$(SDK_NPM_DIR)/node_modules" ]; then \
	  rm -rf $(SDK_DIR)/node_modules && ln -s $(SDK_NPM_DIR)/node_modules $(SDK_DIR)/node_modules; fi

## test-conformance-sdk: the Go, JavaScript OpenAI and Anthropic SDKs against wasmgate
test-conformance-sdk: conformance-sdk-deps plugins
	cd $(SDK_DIR) && TESTWASM_PREBUILT=$(CURDIR)/$(PLUGIN_OUT) $(GO) test -count=1 ./...

TEST_EXTRA += test-conformance-sdk
