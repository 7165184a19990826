# The conformance guest ported to the Rust PDK (conformance/tck/guest-rust):
# core/host's TestConformancePDKs runs the TCK with it, so that every helper
# of pdk/rust is run against the host. Built with the toolchain and flags of
# the Rust examples (mk/pdks.mk).

TCK_RUST_WASM := $(BUILD)/tck/rust.wasm
TEST_DEPS += $(TCK_RUST_WASM)

.PHONY: tck-guest-rust
## tck-guest-rust: the Rust port of the conformance guest, build/tck/rust.wasm
tck-guest-rust: $(TCK_RUST_WASM)

$(TCK_RUST_WASM): $(wildcard conformance/tck/guest-rust/src/*.rs) $(PDK_OUT)/rust/libwasmgate_pdk.rlib
	@mkdir -p $(dir $@)
	$(RUSTC) $(RUST_FLAGS) -C strip=symbols -C lto --crate-type cdylib -L $(PDK_OUT)/rust \
	  --extern wasmgate_pdk=$(PDK_OUT)/rust/libwasmgate_pdk.rlib conformance/tck/guest-rust/src/lib.rs -o $@
