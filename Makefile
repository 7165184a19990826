# wasmgate — build, run, test, benchmark.
#
#   make run     the gateway with the quickstart pipeline and the built-in mock provider
#   make test    the whole test suite (installs what it needs first)
#   make bench   Go benchmarks of the plugin host and a load test against nginx
#
# Everything the tests need is installed or built here. System packages come
# from Debian (apt-get); they are only installed when missing.

SHELL      := /bin/bash
GO         ?= go
BUILD      := build
BIN        := $(BUILD)/wasmgate
PLUGIN_OUT := $(BUILD)/plugins
# First-party plugins and the test guests, all in the plugins module.
PLUGINS    := openai system-prompt request-guard
TESTGUESTS := $(notdir $(wildcard plugins/testguests/*))
GOFILES    := $(shell find cmd core registry -name '*.go' -not -name '*_test.go')
PDKFILES   := $(shell find pdk/go -name '*.go' -not -name '*_test.go')
APT_PKGS   := wabt nginx-light
SUDO       := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: all run test test-go test-modules test-extra bench deps plugins build examples clean validate fmt vet

# Each area of the project (an issue's worth of work: a PDK, a test server, a
# plugin family) adds its own targets in mk/*.mk and hooks them in through
# these lists, so that the areas never edit the same lines:
#   PLUGINS      += name        first-party plugin under plugins/name
#   EXAMPLES     += target      a target that builds an example
#   TEST_DEPS    += target      built before the Go tests run (test servers, toolchains)
#   TEST_EXTRA   += target      extra test steps run after the Go tests
#   TEST_ENV     += VAR=value   environment of the Go tests (where a built server lives)
#   BENCH_EXTRA  += target      extra benchmark steps
EXAMPLES    :=
TEST_DEPS   :=
TEST_EXTRA  :=
TEST_ENV    :=
BENCH_EXTRA :=
# Cache of built test servers and toolchains, outside the checkout so that a
# fresh clone reuses them; keyed by version inside.
CACHE_DIR   ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/wasmgate

-include mk/*.mk

all: build plugins

## deps: system packages the tests and benchmarks use (wat2wasm, nginx)
deps:
	@missing=""; command -v wat2wasm >/dev/null || missing="$$missing wabt"; \
	 [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || missing="$$missing nginx-light"; \
	 if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	   $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; fi

build: $(BIN)

$(BIN): $(GOFILES) go.mod go.sum
	$(GO) build -o $@ ./cmd/wasmgate

## plugins: every first-party plugin and test guest as .wasm under build/plugins
plugins: $(addprefix $(PLUGIN_OUT)/,$(addsuffix .wasm,$(PLUGINS))) $(addprefix $(PLUGIN_OUT)/testguests/,$(addsuffix .wasm,$(TESTGUESTS)))

$(PLUGIN_OUT)/%.wasm: plugins/%/*.go $(PDKFILES) plugins/go.mod
	@mkdir -p $(dir $@)
	cd plugins && GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -o ../$@ ./$*

$(PLUGIN_OUT)/testguests/%.wasm: plugins/testguests/%/*.go $(PDKFILES) plugins/go.mod
	@mkdir -p $(dir $@)
	cd plugins && GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -o ../$@ ./testguests/$*

## examples: the example plugins
examples: $(EXAMPLES)
	cd examples/hello-plugin && GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -o hello.wasm .

## run: the quickstart (gateway on 127.0.0.1:8080, mock provider on 127.0.0.1:9099)
run: build plugins
	$(BIN) serve -c examples/quickstart/wasmgate.yaml

validate: build plugins examples
	$(BIN) validate -c examples/quickstart/wasmgate.yaml
	$(BIN) validate -c examples/hello-plugin/wasmgate.yaml

## test: the whole suite
test: deps build plugins examples validate $(TEST_DEPS) test-go test-modules test-extra

test-go:
	$(TEST_ENV) TESTWASM_PREBUILT=$(CURDIR)/$(PLUGIN_OUT) $(GO) test -count=1 ./...

test-modules:
	cd pdk/go && $(GO) test -count=1 ./...
	cd plugins && $(GO) test -count=1 ./...
	cd examples/hello-plugin && $(GO) test -count=1 ./...

test-extra: $(TEST_EXTRA)

## bench: Go benchmarks of the plugin host, then the load test (see docs/benchmarks.md)
bench: deps build plugins
	TESTWASM_PREBUILT=$(CURDIR)/$(PLUGIN_OUT) $(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./core/host/
	$(GO) run ./cmd/loadtest --wasmgate $(BIN) --quickstart examples/quickstart/wasmgate.yaml --rounds 3 --duration 5s --out $(BUILD)/loadtest.md \
		--header "x-wasmgate-cache: off"
	$(if $(BENCH_EXTRA),$(MAKE) $(BENCH_EXTRA))

fmt:
	gofmt -w cmd core
	cd pdk/go && gofmt -w .
	cd plugins && gofmt -w .

vet:
	$(GO) vet ./...
	cd pdk/go && $(GO) vet ./...
	cd plugins && $(GO) vet ./...

clean:
	rm -rf $(BUILD) examples/hello-plugin/hello.wasm
