# PDKs for Rust, C and AssemblyScript, the example plugins written with them,
# and the Extism example. Toolchains: Debian's rustc and Rust std for
# wasm32-wasi, clang-14 + lld-14 + wasi-libc, and the assemblyscript npm
# package (with @extism/as-pdk) installed under $(CACHE_DIR).

RUSTC        := /usr/bin/rustc
CLANG        := clang-14
LLVM_AR      := llvm-ar-14
PDK_OUT      := $(BUILD)/pdk
ASC_VERSION  := 0.28.20
EXTISM_AS_VERSION := 1.0.0
ASC_DIR      := $(CACHE_DIR)/asc-$(ASC_VERSION)-extism-$(EXTISM_AS_VERSION)
ASC          := $(ASC_DIR)/node_modules/.bin/asc
RUST_FLAGS   := --edition 2021 --target wasm32-wasi -C opt-level=s
C_FLAGS      := --target=wasm32-wasi -O2 -Wall -Wextra -Werror

.PHONY: pdks pdk-deps pdk-rust pdk-c pdk-assemblyscript plugin-test-examples

## pdks: the Rust crate, the C library and the AssemblyScript package, built
pdks: pdk-rust pdk-c pdk-assemblyscript

## pdk-deps: the toolchains the PDKs need (Debian packages only when missing, npm into the cache)
pdk-deps:
	@missing=""; [ -x $(RUSTC) ] || missing="$$missing rustc"; \
	 [ -d /usr/lib/rustlib/wasm32-wasi ] || missing="$$missing libstd-rust-dev-wasm32"; \
	 command -v $(CLANG) >/dev/null || missing="$$missing clang-14"; \
	 command -v wasm-ld-14 >/dev/null || missing="$$missing lld-14"; \
	 command -v $(LLVM_AR) >/dev/null || missing="$$missing llvm-14"; \
	 [ -d /usr/include/wasm32-wasi ] || missing="$$missing wasi-libc"; \
	 [ -n "$$(ls /usr/lib/llvm-14/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a 2>/dev/null)" ] || missing="$$missing libclang-rt-14-dev-wasm32"; \
	 if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	   $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; fi

$(ASC):
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm >/dev/null; }
	mkdir -p $(ASC_DIR) && echo '{"private":true}' > $(ASC_DIR)/package.json
	cd $(ASC_DIR) && npm install --no-audit --no-fund --silent assemblyscript@$(ASC_VERSION) @extism/as-pdk@$(EXTISM_AS_VERSION)

# The Rust PDK as an rlib; Cargo users take pdk/rust as a path dependency instead.
pdk-rust: $(PDK_OUT)/rust/libwasmgate_pdk.rlib
$(PDK_OUT)/rust/libwasmgate_pdk.rlib: pdk/rust/src/lib.rs | pdk-deps
	@mkdir -p $(dir $@)
	$(RUSTC) $(RUST_FLAGS) --crate-type rlib --crate-name wasmgate_pdk pdk/rust/src/lib.rs -o $@

# The C PDK as a static library beside its header.
pdk-c: $(PDK_OUT)/c/libwasmgate.a
$(PDK_OUT)/c/libwasmgate.a: pdk/c/wasmgate.c pdk/c/wasmgate.h | pdk-deps
	@mkdir -p $(dir $@)
	$(CLANG) $(C_FLAGS) -c pdk/c/wasmgate.c -o $(PDK_OUT)/c/wasmgate.o
	rm -f $@ && $(LLVM_AR) rcs $@ $(PDK_OUT)/c/wasmgate.o

# The AssemblyScript PDK is source, compiled with each plugin; it needs the compiler.
pdk-assemblyscript: $(ASC)

## asc-path: where the AssemblyScript compiler is (docs/plugins/assemblyscript.md)
.PHONY: asc-path
asc-path: | $(ASC)
	@echo $(ASC)

# Example plugins, built beside their sources.
EXAMPLES += examples/tenant-tagger-rust/tenant_tagger.wasm
examples/tenant-tagger-rust/tenant_tagger.wasm: examples/tenant-tagger-rust/src/lib.rs examples/tenant-tagger-rust/src/tenant.rs $(PDK_OUT)/rust/libwasmgate_pdk.rlib
	$(RUSTC) $(RUST_FLAGS) -C strip=symbols -C lto --crate-type cdylib -L $(PDK_OUT)/rust \
	  --extern wasmgate_pdk=$(PDK_OUT)/rust/libwasmgate_pdk.rlib $< -o $@

# Its decisions (src/tenant.rs, no PDK) have unit tests in Rust, run on the host
# the way `go test` runs a Go plugin's.
TEST_EXTRA += test-tenant-tagger-rust
.PHONY: test-tenant-tagger-rust
test-tenant-tagger-rust: | pdk-deps
	@mkdir -p $(BUILD)
	$(RUSTC) --edition 2021 --test examples/tenant-tagger-rust/src/tenant.rs -o $(BUILD)/tenant_tagger_test
	$(BUILD)/tenant_tagger_test

# The PDK's own parts that need no host (JSON decoding of the config) have
# unit tests too; the rest runs against the host in the conformance guest
# (conformance/tck/guest-rust).
TEST_EXTRA += test-pdk-rust
.PHONY: test-pdk-rust
test-pdk-rust: | pdk-deps
	@mkdir -p $(BUILD)
	$(RUSTC) --edition 2021 --test pdk/rust/src/lib.rs -o $(BUILD)/pdk_rust_test
	$(BUILD)/pdk_rust_test

EXAMPLES += examples/profanity-filter-c/profanity_filter.wasm
examples/profanity-filter-c/profanity_filter.wasm: examples/profanity-filter-c/profanity_filter.c $(PDK_OUT)/c/libwasmgate.a
	$(CLANG) $(C_FLAGS) -mexec-model=reactor -I pdk/c $< $(PDK_OUT)/c/libwasmgate.a -Wl,--strip-all -o $@

EXAMPLES += examples/prompt-prefixer-as/prompt_prefixer.wasm
examples/prompt-prefixer-as/prompt_prefixer.wasm: examples/prompt-prefixer-as/assembly/index.ts $(wildcard pdk/assemblyscript/assembly/*.ts) pdk/assemblyscript/asconfig.json | $(ASC)
	$(ASC) $< --config pdk/assemblyscript/asconfig.json -o $@

# The Extism example, built with @extism/as-pdk (resolved from the cache's node_modules).
EXTISM_ASC_FLAGS := --path $(ASC_DIR)/node_modules --use abort= --runtime incremental -O3
EXAMPLES += examples/extism-guard-as/guard.wasm
examples/extism-guard-as/guard.wasm: examples/extism-guard-as/assembly/index.ts | $(ASC)
	$(ASC) $< $(EXTISM_ASC_FLAGS) -o $@

# The Extism guest of core/extism's tests (allowed hosts, config, limits), built the same way.
EXTISM_PROBE := core/extism/testdata/probe.wasm
TEST_DEPS += $(EXTISM_PROBE)
.PHONY: extism-probe
extism-probe: $(EXTISM_PROBE)
$(EXTISM_PROBE): core/extism/testdata/probe/index.ts | $(ASC)
	$(ASC) $< $(EXTISM_ASC_FLAGS) -o $@

# Every example passes `wasmgate plugin test` (manifest, malformed inputs, limits, golden cases).
EXAMPLE_PLUGINS = $(filter %.wasm,$(EXAMPLES)) examples/hello-plugin/hello.wasm
TEST_EXTRA += plugin-test-examples
plugin-test-examples: $(BIN) examples
	@set -e; for p in $(EXAMPLE_PLUGINS); do echo "== wasmgate plugin test $$p"; $(BIN) plugin test $$p; done

# The Extism call path beside the native ABI (docs/benchmarks.md).
BENCH_EXTRA += bench-extism
.PHONY: bench-extism
bench-extism:
	$(GO) test -run '^$$' -bench BenchmarkCall -benchmem -benchtime 2s ./core/extism/

# The CLI's `plugin test` lives in conformance/: rebuild the binary when it changes.
$(BIN): $(shell find conformance -name '*.go' -not -name '*_test.go' -not -path '*/guest/*' -not -path '*/node_modules/*')
