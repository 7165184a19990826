package main

import (
	"context"
	"log/slog"

	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/governance"
	"github.com/wasmgate/wasmgate/core/metrics"
	"github.com/wasmgate/wasmgate/core/secrets"
	"github.com/wasmgate/wasmgate/core/state"
)

// newGovernor opens the shared state and makes the governor of a serving
// gateway (keys, limits, budgets, usage).
func newGovernor(ctx context.Context, cfg *config.Config, store *secrets.Store, m *metrics.Metrics, logger *slog.Logger) (*governance.Governor, func(), error) {
	st, err := state.Open(cfg.State)
	if err != nil {
		return nil, nil, err
	}
	gov := governance.New(governance.Options{Store: st, Logger: logger, Registry: m.Registry})
	applyGovernance(ctx, gov, store, cfg, cfg, logger)
	logger.Info("governance", "auth", cfg.Governance.Auth, "state", stateKind(cfg.State),
		"admin_api", cfg.Governance.AdminKey != "", "on_state_error", cfg.Governance.OnStateError)
	return gov, func() { _ = st.Close() }, nil
}

// applyGovernance takes a reloaded config's governance settings; the state
// store stays the one the gateway started with.
func applyGovernance(ctx context.Context, gov *governance.Governor, store *secrets.Store, old, next *config.Config, logger *slog.Logger) {
	gov.Apply(next)
	if next.State != old.State {
		logger.Warn("state changed; it takes effect on restart")
	}
	if ref := next.Governance.AdminKey.Reveal(); secrets.IsRef(ref) {
		h, err := store.Get(ctx, ref)
		if err != nil {
			logger.Error("admin key not available; the admin API is off", "secret", next.Governance.AdminKey, "error", err)
			return
		}
		gov.SetAdminKey(h.Value)
	}
}

// stateKind names the state store without its URL (which may hold a
// password).
func stateKind(spec string) string {
	if spec == "memory" || spec == "" {
		return "memory"
	}
	return "redis"
}
