# The conformance guest ported to the AssemblyScript PDK
# (conformance/tck/guest-assemblyscript), built with the compiler and the
# asconfig of the PDK's examples (mk/pdks.mk). core/host's
# TestConformancePDKs runs it against the host.

TCK_AS_WASM := $(BUILD)/tck/assemblyscript.wasm
TEST_DEPS   += $(TCK_AS_WASM)

.PHONY: tck-guest-assemblyscript
## tck-guest-assemblyscript: the AssemblyScript port of the conformance guest
tck-guest-assemblyscript: $(TCK_AS_WASM)

$(TCK_AS_WASM): $(wildcard conformance/tck/guest-assemblyscript/assembly/*.ts) \
		$(wildcard pdk/assemblyscript/assembly/*.ts) pdk/assemblyscript/asconfig.json | $(ASC)
	@mkdir -p $(dir $@)
	$(ASC) conformance/tck/guest-assemblyscript/assembly/index.ts --config pdk/assemblyscript/asconfig.json -o $@
