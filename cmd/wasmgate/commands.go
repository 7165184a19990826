package main

import (
	"context"
	"fmt"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/gateway"
	"github.com/wasmgate/wasmgate/core/metrics"
	"github.com/wasmgate/wasmgate/core/mockprovider"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Run:   func(cmd *cobra.Command, _ []string) { fmt.Fprintln(cmd.OutOrStdout(), "wasmgate", version) },
	}
}

func validateCmd() *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check a config file without serving: keys, references, limits, and that every plugin loads",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(file, cmd.Flags())
			if err != nil {
				return err
			}
			logger, m := newLogger(cfg.Log), metrics.New()
			store, err := newSecrets(cmd.Context(), cfg, logger, m)
			if err != nil {
				return err
			}
			defer store.Close()
			gw, err := gateway.New(gateway.Options{Logger: logger, Metrics: m, CacheDir: cacheDir(cfg), RequestTimeout: cfg.Server.RequestTimeout, Secrets: store})
			if err != nil {
				return err
			}
			defer gw.Close(context.Background())
			if err := gw.Reload(cmd.Context(), cfg); err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: ok (%d plugins, %d pipelines, %d models)\n", file, len(cfg.Plugins), len(cfg.Pipelines), len(cfg.Models))
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "config", "c", "wasmgate.yaml", "config file")
	config.Flags(cmd.Flags())
	return cmd
}

func configCmd() *cobra.Command {
	var file string
	show := &cobra.Command{
		Use:   "show",
		Short: "Print the effective config (file, environment and defaults) with secrets as references, never values",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(file, cmd.Flags())
			if err != nil {
				return err
			}
			out, err := yaml.Marshal(cfg.Dump())
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	show.Flags().StringVarP(&file, "config", "c", "wasmgate.yaml", "config file")
	config.Flags(show.Flags())
	cmd := &cobra.Command{Use: "config", Short: "Inspect a config"}
	cmd.AddCommand(show)
	return cmd
}

func mockProviderCmd() *cobra.Command {
	var addr, key string
	cmd := &cobra.Command{
		Use:   "mock-provider",
		Short: "Run the deterministic mock OpenAI-compatible provider (tests, benchmarks, quickstart)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			fmt.Fprintf(cmd.ErrOrStderr(), "mock provider on http://%s/v1\n", addr)
			return mockprovider.ListenAndServe(ctx, addr, mockprovider.Options{APIKey: key})
		},
	}
	cmd.Flags().StringVar(&addr, "listen", "127.0.0.1:9099", "address to listen on")
	cmd.Flags().StringVar(&key, "api-key", "", "require this bearer key")
	return cmd
}
