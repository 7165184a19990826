package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/wasmgate/wasmgate/conformance/plugincheck"
)

// errPluginTest is a plugin that failed a check; the report says which.
var errPluginTest = errors.New("plugin test failed")

func newPluginTestCmd() *cobra.Command {
	var opts plugincheck.Options
	cmd := &cobra.Command{
		Use:   "test FILE.wasm",
		Short: "Check a plugin: exports and ABI version, manifest, malformed inputs, capabilities and limits, golden cases",
		Long: `Check a plugin, in any language, on the real plugin host:

  - exports and ABI version: the module loads, speaks ABI v1 and starts with its config;
  - manifest: plugin.yaml beside the file (or --manifest) agrees with the module (abi, hooks);
  - malformed inputs: every hook survives requests, responses and chunks of every wrong shape;
  - limits: many calls stay within the declared memory_pages, timeout and max_output_bytes,
    and memory settles instead of growing with every request;
  - capabilities: the plugin runs with only the declared env and writes to stdio only if declared;
  - golden cases: every cases/*.yaml beside the file (or --cases DIR) gives the expected result.

The exit status is 1 when any check fails.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Wasm = args[0]
			if d, err := os.UserCacheDir(); err == nil {
				opts.CacheDir = filepath.Join(d, "wasmgate", "compiled")
			}
			rep, err := plugincheck.Run(cmd.Context(), opts)
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), rep.String())
			if !rep.OK() {
				return errPluginTest
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.Manifest, "manifest", "", "plugin.yaml (default: plugin.yaml beside the file, if any)")
	cmd.Flags().StringVar(&opts.Cases, "cases", "", "folder of golden cases (default: cases/ beside the file)")
	cmd.Flags().StringVar(&opts.Config, "config", "", "slot config as JSON (default: the manifest's config, or {})")
	cmd.Flags().IntVar(&opts.Calls, "calls", 300, "calls of each hook in the limits check")
	return cmd
}
