// Command wasmgate is the wasmgate LLM gateway.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	root := &cobra.Command{
		Use:           "wasmgate",
		Short:         "An LLM gateway with a pipeline of sandboxed WebAssembly plugins",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serveCmd(), validateCmd(), configCmd(), mockProviderCmd(), keysCmd(), versionCmd(), newPluginCmd(), newRegistryCmd())
	if err := root.ExecuteContext(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "wasmgate:", err)
		os.Exit(1)
	}
}
