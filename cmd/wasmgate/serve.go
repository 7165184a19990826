package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/wasmgate/wasmgate/core/admin"
	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/gateway"
	"github.com/wasmgate/wasmgate/core/metrics"
	"github.com/wasmgate/wasmgate/core/mockprovider"
	"github.com/wasmgate/wasmgate/core/secrets"
	"github.com/wasmgate/wasmgate/core/server"
	"github.com/wasmgate/wasmgate/core/tracing"
)

func serveCmd() *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the gateway",
		Long: `Run the gateway with a config file. Environment variables WASMGATE_<KEY> override config keys,
with __ between levels (WASMGATE_PROVIDERS__UPSTREAM__BASE_URL sets providers.upstream.base_url).
Editing the file (or SIGHUP) reloads it; a file that fails validation leaves the running config in place.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd, file)
		},
	}
	cmd.Flags().StringVarP(&file, "config", "c", "wasmgate.yaml", "config file")
	config.Flags(cmd.Flags())
	return cmd
}

func newLogger(c config.Log) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// newSecrets makes the secrets store of a config, its metrics registered.
func newSecrets(ctx context.Context, cfg *config.Config, logger *slog.Logger, m *metrics.Metrics) (*secrets.Store, error) {
	opts := cfg.SecretsOptions()
	opts.Logger, opts.Registerer = logger, m.Registry
	return secrets.New(ctx, opts)
}

func cacheDir(c *config.Config) string {
	if c.CacheDir != "" {
		return c.CacheDir
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "wasmgate", "compiled")
	}
	return ""
}

func serve(cmd *cobra.Command, file string) error {
	cfg, err := config.Load(file, cmd.Flags())
	if err != nil {
		return err
	}
	logger := newLogger(cfg.Log)
	slog.SetDefault(logger)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var wg sync.WaitGroup
	defer wg.Wait()
	if addr := cfg.MockProvider.Listen; addr != "" {
		// Listen here, so that a taken port fails the start, not a goroutine.
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("mock_provider.listen: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := mockprovider.Serve(ctx, ln, mockprovider.Options{}); err != nil {
				logger.Error("mock provider stopped", "error", err)
			}
		}()
		logger.Info("mock provider (for development and tests only)", "url", "http://"+addr+"/v1")
	}

	if addr := cfg.Debug.PprofListen; addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("debug.pprof_listen: %w", err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		go func() { _ = http.Serve(ln, mux) }()
		logger.Info("pprof listening", "addr", ln.Addr().String())
	}

	m := metrics.New()
	store, err := newSecrets(ctx, cfg, logger, m)
	if err != nil {
		return err
	}
	defer store.Close()
	gov, closeGov, err := newGovernor(ctx, cfg, store, m, logger) // governance.go
	if err != nil {
		return err
	}
	defer closeGov()
	tracer, stopTracing, err := tracing.Setup(ctx, cfg.Tracing, version)
	if err != nil {
		return err
	}
	defer stopTracing(context.Background())
	gw, err := gateway.New(gateway.Options{Logger: logger, Metrics: m, CacheDir: cacheDir(cfg), RequestTimeout: cfg.Server.RequestTimeout, Secrets: store,
		Governor: gov, Tracer: tracer})
	if err != nil {
		return err
	}
	defer gw.Close(context.Background())
	start := time.Now()
	if err := gw.Reload(ctx, cfg); err != nil {
		return err
	}
	store.Start()
	logger.Info("pipelines ready", "took", time.Since(start).Round(time.Millisecond), "plugins", len(cfg.Plugins), "pipelines", len(cfg.Pipelines))

	reload := func(why string) {
		next, err := config.Load(file, cmd.Flags())
		if err == nil {
			err = gw.Reload(ctx, next)
		}
		if err != nil {
			m.Reloads.WithLabelValues("invalid").Inc()
			logger.Error("config reload failed; the running config stays", "trigger", why, "error", err)
			return
		}
		applyGovernance(ctx, gov, store, cfg, next, logger) // governance.go
		if next.Server != cfg.Server {
			logger.Warn("server settings changed; they take effect on restart")
		}
		if !reflect.DeepEqual(next.Secrets, cfg.Secrets) {
			logger.Warn("secrets settings changed; they take effect on restart")
		}
		logger.Info("config reloaded", "trigger", why)
	}
	var debounce *time.Timer
	var mu sync.Mutex
	unwatch, err := config.Watch(file, func() {
		// Editors write a file in several steps: reload once it settles.
		mu.Lock()
		defer mu.Unlock()
		if debounce != nil {
			debounce.Stop()
		}
		debounce = time.AfterFunc(200*time.Millisecond, func() { reload("file changed") })
	})
	if err != nil {
		logger.Warn("config file not watched; reload with SIGHUP", "error", err)
	} else {
		defer unwatch()
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			reload("SIGHUP")
		}
	}()

	srv := server.New(gw, cfg.Server, m, logger, server.WithHandler("/admin", admin.New(gov, logger)))
	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("server.listen: %w", err)
	}
	logger.Info("wasmgate listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
