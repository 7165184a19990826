// Command vault-testserver is a small HashiCorp Vault server for wasmgate's
// tests: Vault's own core and HTTP API (vault/vault, vault/http) with just
// the KV secrets engine and the AppRole auth method, initialised with one
// key share and unsealed at start, serving on one address with a known root
// token. It exists because the full Vault CLI cannot be built from the
// module proxy (see conformance/testservers/vault/README.md).
//
// Storage is in memory unless -data names a folder: then the barrier is
// kept on disk with its unseal key next to it, so a stopped server restarts
// with its secrets, tokens and mounts (tests stop and restart Vault under
// load). Never use it outside tests.
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	kv "github.com/hashicorp/vault-plugin-secrets-kv"
	"github.com/hashicorp/vault/builtin/credential/approle"
	vaulthttp "github.com/hashicorp/vault/http"
	"github.com/hashicorp/vault/internalshared/configutil"
	"github.com/hashicorp/vault/sdk/helper/consts"
	"github.com/hashicorp/vault/sdk/logical"
	"github.com/hashicorp/vault/sdk/physical"
	"github.com/hashicorp/vault/sdk/physical/file"
	"github.com/hashicorp/vault/sdk/physical/inmem"
	"github.com/hashicorp/vault/vault"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8200", "address to listen on (port 0 picks a free one)")
	rootToken := flag.String("root-token", "root", "ID of the root token to create")
	data := flag.String("data", "", "folder for persistent storage (default: in memory)")
	logLevel := flag.String("log-level", "error", "Vault's log level")
	var t tlsFiles
	flag.StringVar(&t.cert, "tls-cert", "", "serve HTTPS with this certificate (PEM)")
	flag.StringVar(&t.key, "tls-key", "", "the certificate's key (PEM)")
	flag.StringVar(&t.clientCA, "tls-client-ca", "", "require client certificates signed by this CA (PEM)")
	flag.Parse()
	if err := run(*addr, *rootToken, *data, *logLevel, t); err != nil {
		fmt.Fprintln(os.Stderr, "vault-testserver:", err)
		os.Exit(1)
	}
}

type tlsFiles struct{ cert, key, clientCA string }

func (t tlsFiles) config() (*tls.Config, error) {
	if t.cert == "" {
		return nil, nil
	}
	pair, err := tls.LoadX509KeyPair(t.cert, t.key)
	if err != nil {
		return nil, err
	}
	c := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	if t.clientCA != "" {
		pem, err := os.ReadFile(t.clientCA)
		if err != nil {
			return nil, err
		}
		c.ClientCAs = x509.NewCertPool()
		if !c.ClientCAs.AppendCertsFromPEM(pem) {
			return nil, errors.New("no certificate in " + t.clientCA)
		}
		c.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return c, nil
}

func run(addr, rootToken, data, logLevel string, tf tlsFiles) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := hclog.New(&hclog.LoggerOptions{Name: "vault", Level: hclog.LevelFromString(logLevel), Output: os.Stderr})

	var backend physical.Backend
	var err error
	if data == "" {
		backend, err = inmem.NewInmem(nil, logger)
	} else {
		backend, err = file.NewFileBackend(map[string]string{"path": filepath.Join(data, "storage")}, logger)
	}
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	core, err := vault.NewCore(&vault.CoreConfig{
		Physical:           backend,
		Logger:             logger,
		DisableMlock:       true,
		BuiltinRegistry:    registry{},
		LogicalBackends:    map[string]logical.Factory{"kv": kv.Factory},
		CredentialBackends: map[string]logical.Factory{"approle": approle.Factory},
	})
	if err != nil {
		return fmt.Errorf("core: %w", err)
	}
	keys, err := initialise(ctx, core, data)
	if err != nil {
		return err
	}
	if _, err := core.Unseal(keys.Key); err != nil {
		return fmt.Errorf("unseal: %w", err)
	}

	tlsConf, err := tf.config()
	if err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	scheme := "http"
	if tlsConf != nil {
		ln, scheme = tls.NewListener(ln, tlsConf), "https"
	}
	srv := &http.Server{
		Handler:           vaulthttp.Handler.Handler(&vault.HandlerProperties{Core: core, ListenerConfig: &configutil.Listener{}}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if err := ensureRootToken(ctx, srv.Handler, keys.Root, rootToken); err != nil {
		return err
	}
	base := scheme + "://" + ln.Addr().String()
	// The ready line tests wait for.
	fmt.Printf("vault-testserver listening on %s\n", base)

	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return core.Shutdown()
}

// initKeys is what initialisation hands out; with -data it is kept in the
// data folder so a restart can unseal.
type initKeys struct {
	Key  []byte `json:"key"`
	Root string `json:"root"`
}

func initialise(ctx context.Context, core *vault.Core, data string) (initKeys, error) {
	keyFile := filepath.Join(data, "init.json")
	if data != "" {
		if raw, err := os.ReadFile(keyFile); err == nil {
			var k initKeys
			if err := json.Unmarshal(raw, &k); err != nil {
				return k, fmt.Errorf("%s: %w", keyFile, err)
			}
			return k, nil
		}
	}
	res, err := core.Initialize(ctx, &vault.InitParams{
		BarrierConfig:  &vault.SealConfig{SecretShares: 1, SecretThreshold: 1},
		RecoveryConfig: nil,
	})
	if err != nil {
		return initKeys{}, fmt.Errorf("initialise: %w", err)
	}
	k := initKeys{Key: res.SecretShares[0], Root: res.RootToken}
	if data != "" {
		raw, _ := json.Marshal(k)
		if err := os.WriteFile(keyFile, raw, 0o600); err != nil {
			return k, err
		}
	}
	return k, nil
}

// ensureRootToken creates a root token with the chosen ID, as `vault server
// -dev -dev-root-token-id` does, through the HTTP handler in-process (so it
// works whatever TLS the listener wants). On a restart it already exists.
func ensureRootToken(ctx context.Context, h http.Handler, generated, id string) error {
	body, _ := json.Marshal(map[string]any{"id": id, "policies": []string{"root"}, "no_parent": true, "display_name": "root"})
	var lastErr error
	for range 50 {
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/v1/auth/token/create", bytes.NewReader(body))
		req.Header.Set("X-Vault-Token", generated)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		msg := rec.Body.Bytes()
		switch {
		case rec.Code == http.StatusOK:
			return nil
		case bytes.Contains(msg, []byte("duplicate")):
			return nil
		}
		lastErr = fmt.Errorf("creating the root token: %d: %s", rec.Code, bytes.TrimSpace(msg))
		// Right after unseal Vault may still be activating its mounts.
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), lastErr)
		case <-time.After(100 * time.Millisecond):
		}
	}
	return lastErr
}

// registry is the builtin plugin registry: just kv and approle. Without a
// registry, mounting panics.
type registry struct{}

func (registry) factory(name string, t consts.PluginType) (logical.Factory, bool) {
	switch {
	case t == consts.PluginTypeSecrets && name == "kv":
		return kv.Factory, true
	case t == consts.PluginTypeCredential && name == "approle":
		return approle.Factory, true
	}
	return nil, false
}

func (r registry) Contains(name string, t consts.PluginType) bool {
	_, ok := r.factory(name, t)
	return ok
}

func (r registry) Get(name string, t consts.PluginType) (func() (interface{}, error), bool) {
	f, ok := r.factory(name, t)
	if !ok {
		return nil, false
	}
	return func() (interface{}, error) { return f, nil }, true
}

func (registry) Keys(t consts.PluginType) []string {
	switch t {
	case consts.PluginTypeSecrets:
		return []string{"kv"}
	case consts.PluginTypeCredential:
		return []string{"approle"}
	}
	return nil
}

func (registry) DeprecationStatus(name string, t consts.PluginType) (consts.DeprecationStatus, bool) {
	return consts.Supported, true
}

func (registry) IsBuiltinEntPlugin(string, consts.PluginType) bool { return false }
