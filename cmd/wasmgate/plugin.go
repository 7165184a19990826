package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/host"
	"github.com/wasmgate/wasmgate/registry"
)

// newPluginCmd is the `wasmgate plugin` group: packaging, signing, publishing
// and installing plugins.
func newPluginCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plugin",
		Short: "Package, sign, publish, install and verify plugins",
	}
	cmd.AddCommand(pluginPackCmd(), pluginKeygenCmd(), pluginSignCmd(), pluginPublishCmd(),
		pluginSearchCmd(), pluginInstallCmd(), pluginUpgradeCmd(), pluginRemoveCmd(), pluginListCmd(), pluginVerifyCmd(),
		newPluginTestCmd())
	return cmd
}

// registryFlags are the settings of the commands that read a config's
// registry section; flags override the file.
type registryFlags struct {
	config, index, lockfile, store string
	keys                           []string
	allowUnsigned                  bool
}

func (f *registryFlags) bind(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVarP(&f.config, "config", "c", "wasmgate.yaml", "config file (its registry section; need not exist)")
	fl.StringVar(&f.index, "index", "", "static registry index, URL or folder (registry.index)")
	fl.StringVar(&f.lockfile, "lockfile", "", "lockfile (registry.lockfile; default wasmgate.lock beside the config)")
	fl.StringVar(&f.store, "store", "", "package store (registry.store)")
	fl.StringSliceVar(&f.keys, "trusted-key", nil, "trusted public key, PEM file or ed25519:BASE64 (adds to registry.trusted_keys)")
	fl.BoolVar(&f.allowUnsigned, "allow-unsigned", false, "accept unsigned or untrusted packages (development only)")
}

// load reads the config when it exists; without one the settings come from
// the flags and the current folder.
func (f *registryFlags) load(cmd *cobra.Command) (*config.Config, *registry.Installer, error) {
	var cfg *config.Config
	if _, err := os.Stat(f.config); err == nil {
		if cfg, err = config.Load(f.config, nil); err != nil {
			return nil, nil, err
		}
	} else if errors.Is(err, fs.ErrNotExist) && !cmd.Flags().Changed("config") {
		wd, _ := os.Getwd()
		cfg = &config.Config{Dir: wd}
	} else {
		return nil, nil, fmt.Errorf("reading config: %w", err)
	}
	wd, _ := os.Getwd()
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) || strings.Contains(p, "://") {
			return p
		}
		return filepath.Join(wd, p)
	}
	if f.index != "" {
		cfg.Registry.Index = abs(f.index)
	}
	if f.lockfile != "" {
		cfg.Registry.Lockfile = abs(f.lockfile)
	}
	if f.store != "" {
		cfg.Registry.Store = abs(f.store)
	}
	for _, k := range f.keys {
		cfg.Registry.TrustedKeys = append(cfg.Registry.TrustedKeys, abs(k))
	}
	if f.allowUnsigned {
		cfg.Registry.AllowUnsigned = true
	}
	logger := newLogger(config.Log{Level: "info", Format: "text"})
	in, err := registry.NewInstaller(cfg, logger)
	if err != nil {
		return nil, nil, err
	}
	if in.AllowUnsigned {
		logger.Warn("--allow-unsigned: unsigned and untrusted packages are accepted; never use it in production")
	}
	out := cmd.ErrOrStderr()
	in.Progress = func(label string, size int64) io.Writer {
		return progressbar.NewOptions64(size, progressbar.OptionSetWriter(out), progressbar.OptionSetDescription(label),
			progressbar.OptionShowBytes(true), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(out) }))
	}
	return cfg, in, nil
}

// run wraps a command that needs an installer.
func (f *registryFlags) run(fn func(*cobra.Command, *registry.Installer, []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		_, in, err := f.load(cmd)
		if err != nil {
			return err
		}
		return fn(cmd, in, args)
	}
}

// registryCommand is a subcommand that works on an installer built from the
// registry flags, which it binds.
func registryCommand(use, short string, args cobra.PositionalArgs, fn func(*cobra.Command, *registry.Installer, []string) error) *cobra.Command {
	var rf registryFlags
	cmd := &cobra.Command{Use: use, Short: short, Args: args, RunE: rf.run(fn)}
	rf.bind(cmd)
	return cmd
}

// installable lists a config's sources that are packages, sorted.
func installable(cfg *config.Config) []string {
	seen := map[string]bool{}
	var out []string
	for _, def := range cfg.Plugins {
		src, err := registry.ParseSource(def.Source)
		if err != nil || src.Kind == registry.KindFile || seen[def.Source] {
			continue
		}
		seen[def.Source] = true
		out = append(out, def.Source)
	}
	sort.Strings(out)
	return out
}

// normalizeSource lets `install NAME@RANGE` mean registry://NAME@RANGE.
func normalizeSource(s string) string {
	if strings.Contains(s, "://") || strings.HasSuffix(s, registry.PackageExt) || strings.HasSuffix(s, ".wasm") {
		return s
	}
	return "registry://" + s
}

func pluginInstallCmd() *cobra.Command {
	cmd := installCommand("install [SOURCE...]",
		"Install plugins and pin them in the lockfile (no SOURCE: every package the config names)",
		"install a version lower than the one the lockfile pins", registry.InstallOptions{})
	cmd.Long = "SOURCE is registry://NAME@RANGE (or NAME@RANGE), oci://HOST/REPO:TAG or a .wgpkg file.\n" +
		"A version the lockfile pins is reused from the local store without network access."
	return cmd
}

func pluginUpgradeCmd() *cobra.Command {
	return installCommand("upgrade [SOURCE...]",
		"Resolve plugins again to the newest version their range allows and re-pin them",
		"accept a version lower than the one the lockfile pins", registry.InstallOptions{Upgrade: true})
}

// installCommand is install or upgrade: the same run with other options.
func installCommand(use, short, downgradeHelp string, opt registry.InstallOptions) *cobra.Command {
	var rf registryFlags
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInstall(cmd, &rf, args, opt)
		},
	}
	rf.bind(cmd)
	cmd.Flags().BoolVar(&opt.AllowDowngrade, "allow-downgrade", false, downgradeHelp)
	return cmd
}

func runInstall(cmd *cobra.Command, rf *registryFlags, args []string, opt registry.InstallOptions) error {
	cfg, in, err := rf.load(cmd)
	if err != nil {
		return err
	}
	sources := make([]string, 0, len(args))
	for _, a := range args {
		sources = append(sources, normalizeSource(a))
	}
	if len(sources) == 0 {
		if sources = installable(cfg); len(sources) == 0 {
			return fmt.Errorf("%s names no package to install (sources registry://, oci:// or .wgpkg)", rf.config)
		}
	}
	for _, s := range sources {
		e, err := in.Install(cmd.Context(), s, opt)
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s %s %s (%s)\n", e.Name, e.Version, e.Digest, e.Source)
	}
	return nil
}

func pluginRemoveCmd() *cobra.Command {
	return registryCommand("remove NAME...",
		"Unpin plugins from the lockfile",
		cobra.MinimumNArgs(1), func(cmd *cobra.Command, in *registry.Installer, args []string) error {
			for _, name := range args {
				if err := in.Remove(name); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "removed %s\n", name)
			}
			return nil
		})
}

func pluginListCmd() *cobra.Command {
	return registryCommand("list",
		"List the plugins the lockfile pins and whether the store has them",
		nil, func(cmd *cobra.Command, in *registry.Installer, _ []string) error {
			lock, err := registry.ReadLock(in.Lockfile)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tVERSION\tSTORED\tSOURCE\tDIGEST")
			for _, e := range lock.Plugins {
				stored := "missing"
				if in.Store.Has(e.Digest) {
					stored = "yes"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.Name, e.Version, stored, e.Source, e.Digest)
			}
			return tw.Flush()
		})
}

func pluginVerifyCmd() *cobra.Command {
	return registryCommand("verify [PACKAGE.wgpkg...]",
		"Check signatures and digests: of package files, or of every pinned plugin in the store",
		nil, func(cmd *cobra.Command, in *registry.Installer, args []string) error {
			out := cmd.OutOrStdout()
			if len(args) > 0 {
				for _, a := range args {
					p, err := registry.ReadPackageFile(a)
					if err != nil {
						return err
					}
					key, err := in.Keys.Verify(p.Digest(), p.Signatures)
					if err != nil {
						return fmt.Errorf("%s: %w", a, err)
					}
					fmt.Fprintf(out, "%s: %s %s %s signed by %s\n", a, p.Manifest.Name, p.Manifest.Version, p.Digest(), key)
				}
				return nil
			}
			entries, err := in.Verify()
			if err != nil {
				return err
			}
			for _, e := range entries {
				fmt.Fprintf(out, "%s %s %s ok\n", e.Name, e.Version, e.Digest)
			}
			return nil
		})
}

func pluginSearchCmd() *cobra.Command {
	return registryCommand("search [QUERY]",
		"Search the static registry's index by name and description",
		cobra.MaximumNArgs(1), func(cmd *cobra.Command, in *registry.Installer, args []string) error {
			q := ""
			if len(args) == 1 {
				q = args[0]
			}
			found, err := in.Search(cmd.Context(), q)
			if err != nil {
				return err
			}
			names := make([]string, 0, len(found))
			for n := range found {
				names = append(names, n)
			}
			sort.Strings(names)
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tVERSIONS\tDESCRIPTION")
			for _, n := range names {
				var vs []string
				for _, e := range found[n] {
					vs = append(vs, e.Version)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", n, strings.Join(vs, ", "), found[n][len(found[n])-1].Description)
			}
			return tw.Flush()
		})
}

func pluginPackCmd() *cobra.Command {
	var wasm, out, key string
	cmd := &cobra.Command{
		Use:   "pack DIR --wasm FILE",
		Short: "Build a package (NAME-VERSION.wgpkg) from DIR/plugin.yaml and a .wasm module",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := registry.PackDir(args[0], wasm)
			if err != nil {
				return err
			}
			if err := checkModule(cmd.Context(), p); err != nil {
				return fmt.Errorf("%s: %w", wasm, err)
			}
			if key != "" {
				if err := signPackage(p, key); err != nil {
					return err
				}
			}
			if out == "" {
				out = p.FileName()
			}
			if err := registry.WriteFileAtomic(out, p.Bytes()); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s %s %s\n", out, p.Manifest.Name, p.Manifest.Version, p.Digest())
			return nil
		},
	}
	cmd.Flags().StringVar(&wasm, "wasm", "", "the plugin's .wasm module (required)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "package file (default NAME-VERSION.wgpkg)")
	cmd.Flags().StringVar(&key, "key", "", "sign with this private key as well")
	_ = cmd.MarkFlagRequired("wasm")
	return cmd
}

// checkModule compiles the module and checks its imports and exports
// against the ABI, so a package that cannot load is never made.
func checkModule(ctx context.Context, p *registry.Package) error {
	eng, err := host.NewEngine(cacheDir(&config.Config{}), newLogger(config.Log{Level: "warn", Format: "text"}))
	if err != nil {
		return err
	}
	defer eng.Close(ctx)
	pl, err := eng.Load(ctx, p.Manifest.Name, p.Wasm, host.Limits{}, host.Capabilities{})
	if err != nil {
		return err
	}
	return pl.Close(ctx)
}

func pluginKeygenCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keygen NAME",
		Short: "Make an ed25519 signing key: NAME.key (private, keep it secret) and NAME.pub",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			priv, pub, err := registry.GenerateKey()
			if err != nil {
				return err
			}
			if _, err := os.Stat(args[0] + ".key"); err == nil {
				return fmt.Errorf("%s.key exists; not overwriting a key", args[0])
			}
			if err := os.WriteFile(args[0]+".key", priv, 0o600); err != nil {
				return err
			}
			if err := os.WriteFile(args[0]+".pub", pub, 0o644); err != nil {
				return err
			}
			k, _ := registry.ParsePublicKey(pub)
			fmt.Fprintf(cmd.OutOrStdout(), "key %s: %s.key (private), %s.pub (add it to registry.trusted_keys)\n", registry.KeyID(k), args[0], args[0])
			return nil
		},
	}
	return cmd
}

func signPackage(p *registry.Package, keyFile string) error {
	raw, err := os.ReadFile(keyFile)
	if err != nil {
		return err
	}
	priv, err := registry.ParsePrivateKey(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", keyFile, err)
	}
	p.AddSignature(registry.Sign(priv, p.Digest()))
	return nil
}

func pluginSignCmd() *cobra.Command {
	var key string
	cmd := &cobra.Command{
		Use:   "sign PACKAGE.wgpkg --key KEY",
		Short: "Sign a package's digest with an ed25519 key (the signature goes into the package)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := registry.ReadPackageFile(args[0])
			if err != nil {
				return err
			}
			if err := signPackage(p, key); err != nil {
				return err
			}
			if err := registry.WriteFileAtomic(args[0], p.Bytes()); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: signed %s\n", args[0], p.Digest())
			return nil
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "private key file (from `wasmgate plugin keygen`)")
	_ = cmd.MarkFlagRequired("key")
	return cmd
}

func pluginPublishCmd() *cobra.Command {
	var to string
	var replace bool
	cmd := &cobra.Command{
		Use:   "publish PACKAGE.wgpkg... --to DIR|oci://HOST/REPO",
		Short: "Publish packages to a static registry folder or an OCI registry",
		Long: "--to DIR adds each package to DIR/packages and DIR/index.json (serve DIR with any web server,\n" +
			"or `wasmgate registry serve DIR`). --to oci://HOST/REPO pushes NAME:VERSION tags under REPO\n" +
			"(oci://HOST/REPO:TAG for one package pushes that tag).",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, a := range args {
				p, err := registry.ReadPackageFile(a)
				if err != nil {
					return err
				}
				if len(p.Signatures) == 0 {
					fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s is unsigned; installs will refuse it unless --allow-unsigned\n", a)
				}
				if strings.HasPrefix(to, "oci://") {
					ref := ociTarget(to, p)
					d, err := registry.PushOCI(cmd.Context(), ref, p)
					if err != nil {
						return err
					}
					fmt.Fprintf(cmd.OutOrStdout(), "%s -> %s (%s)\n", a, ref, d)
					continue
				}
				e, err := registry.PublishDir(to, p, replace)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s -> %s %s\n", a, filepath.Join(to, filepath.FromSlash(e.URL)), e.Digest)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "a registry folder or oci://HOST/REPO (required)")
	cmd.Flags().BoolVar(&replace, "replace", false, "replace a published version whose content changed (folders only)")
	_ = cmd.MarkFlagRequired("to")
	return cmd
}

// ociTarget is REF when it names a tag, else REPO/NAME:VERSION.
func ociTarget(to string, p *registry.Package) string {
	rest := strings.TrimPrefix(to, "oci://")
	if i := strings.LastIndex(rest, ":"); i > strings.LastIndex(rest, "/") {
		return to
	}
	return "oci://" + strings.TrimSuffix(rest, "/") + "/" + p.Manifest.Name + ":" + p.Manifest.Version
}
