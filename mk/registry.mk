# Plugin registry (registry/README.md).
#
#   make registry       pack, sign and publish every first-party plugin into registry/first-party
#   make oci-registry   the distribution registry the OCI tests push to, built into $(CACHE_DIR)
#
# The published modules are built with -trimpath and without VCS stamps, so the
# same sources and Go version give the same bytes in any checkout: the committed
# index.json (digests and signatures) then matches what a fresh clone builds.
# Packages are build outputs and stay out of git (registry/first-party/packages).

DISTRIBUTION_VERSION := v3.0.0
OCI_REGISTRY_BIN     := $(CACHE_DIR)/distribution-$(DISTRIBUTION_VERSION)/registry
REGISTRY_DIR         := registry/first-party
# A development key, published on purpose: it only says that a package came out
# of `make registry` in this repository. Releases sign with their own key.
REGISTRY_KEY         ?= registry/keys/dev.key
RELEASE_WASM         := $(BUILD)/release
QUICKSTART           := examples/quickstart/wasmgate.yaml

TEST_DEPS += oci-registry registry
TEST_ENV  += WASMGATE_TEST_OCI_REGISTRY=$(OCI_REGISTRY_BIN)

.PHONY: registry oci-registry quickstart-plugins

oci-registry: $(OCI_REGISTRY_BIN)

$(OCI_REGISTRY_BIN):
	@mkdir -p $(dir $@)
	GOBIN=$(abspath $(dir $@)) $(GO) install github.com/distribution/distribution/v3/cmd/registry@$(DISTRIBUTION_VERSION)

$(RELEASE_WASM)/%.wasm: plugins/%/*.go $(PDKFILES) plugins/go.mod
	@mkdir -p $(dir $@)
	cd plugins && GOOS=wasip1 GOARCH=wasm $(GO) build -trimpath -buildvcs=false -buildmode=c-shared -o ../$@ ./$*

registry: $(BIN) $(addprefix $(RELEASE_WASM)/,$(addsuffix .wasm,$(PLUGINS)))
	@mkdir -p $(BUILD)/packages
	@set -e; for p in $(PLUGINS); do \
	  [ -f plugins/$$p/plugin.yaml ] || { echo "plugins/$$p/plugin.yaml is missing: every first-party plugin needs a manifest (registry/README.md)" >&2; exit 1; }; \
	  $(BIN) plugin pack plugins/$$p --wasm $(RELEASE_WASM)/$$p.wasm --key $(REGISTRY_KEY) -o $(BUILD)/packages/$$p.wgpkg >/dev/null; \
	  $(BIN) plugin publish $(BUILD)/packages/$$p.wgpkg --to $(REGISTRY_DIR) --replace; \
	done

# The quickstart installs its plugins from registry/first-party; upgrade
# re-resolves them, so it follows the working tree's plugins.
quickstart-plugins: registry
	$(BIN) plugin upgrade -c $(QUICKSTART)

validate run: quickstart-plugins
bench: quickstart-plugins
