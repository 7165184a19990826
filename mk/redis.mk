# Redis: the shared state of gateway replicas (rate limits, budgets, keys).
# Tests start Debian's redis-server on a free loopback port themselves; under
# `make test` a missing redis-server fails those tests instead of skipping them.

TEST_DEPS += redis-deps
TEST_ENV  += WASMGATE_TEST_REDIS=$(or $(shell command -v redis-server),/usr/bin/redis-server)

.PHONY: redis-deps
redis-deps:
	@command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ] || { echo "installing: redis-server"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq redis-server >/dev/null; }
