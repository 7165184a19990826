# The ABI v1 conformance guest written with the C PDK (conformance/tck/guest-c),
# built with the toolchain and flags of the C PDK's examples (mk/pdks.mk).
# core/host's TestConformancePDKs runs the conformance kit with it.

TCK_C_DIR  := conformance/tck/guest-c
TCK_C_SRCS := $(wildcard $(TCK_C_DIR)/*.c)
TCK_C_WASM := $(BUILD)/tck/c.wasm

.PHONY: tck-guest-c
## tck-guest-c: the conformance guest on the C PDK, build/tck/c.wasm
tck-guest-c: $(TCK_C_WASM)

$(TCK_C_WASM): $(TCK_C_SRCS) $(wildcard $(TCK_C_DIR)/*.h) pdk/c/wasmgate.h $(PDK_OUT)/c/libwasmgate.a
	@mkdir -p $(dir $@)
	$(CLANG) $(C_FLAGS) -mexec-model=reactor -I pdk/c $(TCK_C_SRCS) $(PDK_OUT)/c/libwasmgate.a -Wl,--strip-all -o $@

TEST_DEPS += $(TCK_C_WASM)
