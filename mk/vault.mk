# Vault test server: Vault's own core and HTTP API (KV and AppRole only) in a
# small module of its own, because the Vault CLI cannot be built from the
# module proxy (conformance/testservers/vault/README.md). It is built once
# into the cache, keyed by Vault's version and a hash of its sources, so a
# change to them builds a new one. The first build takes several minutes.
VAULT_VERSION  := 1.17.0
VAULT_SRC      := conformance/testservers/vault
VAULT_HASH     := $(shell cat $(VAULT_SRC)/go.mod $(VAULT_SRC)/go.sum $(VAULT_SRC)/main.go | sha256sum | cut -c1-12)
VAULT_TESTBIN  := $(CACHE_DIR)/vault-$(VAULT_VERSION)/vault-testserver-$(VAULT_HASH)

TEST_DEPS += vault-testserver
TEST_ENV  += WASMGATE_TEST_VAULT_BIN=$(VAULT_TESTBIN)

.PHONY: vault-testserver
## vault-testserver: the Vault server the secrets tests start
vault-testserver: $(VAULT_TESTBIN)

$(VAULT_TESTBIN):
	@mkdir -p $(dir $@)
	@echo "building the Vault test server (Vault $(VAULT_VERSION); the first build takes minutes)"
	cd $(VAULT_SRC) && $(GO) build -o $@.tmp . && mv $@.tmp $@
