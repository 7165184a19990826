package secrets

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/hashicorp/vault/api/auth/approle"
)

// Vault auth methods.
const (
	AuthToken   = "token"
	AuthAppRole = "approle"
)

// VaultOptions configure the Vault client. Empty fields fall back to the
// standard VAULT_* environment variables (VAULT_ADDR, VAULT_NAMESPACE,
// VAULT_CACERT, ...), as the Vault CLI does.
type VaultOptions struct {
	Address   string
	Namespace string
	Timeout   time.Duration

	// AuthMethod is AuthToken (default) or AuthAppRole.
	AuthMethod string
	// Token is the token, or an env:// or file:// reference to it (read
	// again at each re-login); default env://VAULT_TOKEN.
	Token string
	// AppRole: the role ID (a literal or an env:// or file:// reference),
	// the secret ID from a file or an environment variable, and the auth
	// method's mount (default approle).
	RoleID       string
	SecretIDFile string
	SecretIDEnv  string
	AppRoleMount string

	// TLS: a CA bundle to trust, a client certificate, the server name to
	// expect; InsecureSkipVerify is for development only.
	CACert             string
	ClientCert         string
	ClientKey          string
	TLSServerName      string
	InsecureSkipVerify bool
}

// vaultClient reads KV secrets and keeps its token alive.
type vaultClient struct {
	opts    VaultOptions
	client  *api.Client
	logger  *slog.Logger
	metrics storeMetrics

	loginMu sync.Mutex
	mu      sync.Mutex
	auth    *api.Secret          // the current login; nil: log in again
	changed chan struct{}        // a new login: restart renewal
	kv      map[string]kvVersion // by mount
}

type kvVersion int

func newVaultClient(o VaultOptions, logger *slog.Logger, m storeMetrics) (*vaultClient, error) {
	cfg := api.DefaultConfig()
	if cfg.Error != nil {
		return nil, fmt.Errorf("vault: %w", cfg.Error)
	}
	if o.Address != "" {
		cfg.Address = o.Address
	}
	cfg.Timeout = 10 * time.Second
	if o.Timeout > 0 {
		cfg.Timeout = o.Timeout
	}
	// The store has its own retry (the refresh loop): a request that fails
	// fails fast and the cached value keeps serving.
	cfg.MaxRetries = 1
	if o.CACert != "" || o.ClientCert != "" || o.ClientKey != "" || o.TLSServerName != "" || o.InsecureSkipVerify {
		if err := cfg.ConfigureTLS(&api.TLSConfig{CACert: o.CACert, ClientCert: o.ClientCert, ClientKey: o.ClientKey,
			TLSServerName: o.TLSServerName, Insecure: o.InsecureSkipVerify}); err != nil {
			return nil, fmt.Errorf("vault tls: %w", err)
		}
	}
	c, err := api.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("vault client: %w", err)
	}
	c.ClearToken() // the token comes from the auth settings only
	if o.Namespace != "" {
		c.SetNamespace(o.Namespace)
	}
	if o.AuthMethod == "" {
		o.AuthMethod = AuthToken
	}
	if o.Token == "" {
		o.Token = "env://VAULT_TOKEN"
	}
	if o.AppRoleMount == "" {
		o.AppRoleMount = "approle"
	}
	if o.InsecureSkipVerify {
		logger.Warn("vault TLS verification is off: for development only")
	}
	return &vaultClient{opts: o, client: c, logger: logger, metrics: m, changed: make(chan struct{}, 1), kv: map[string]kvVersion{}}, nil
}

// login gets a token: the configured one (checked with a lookup, which
// also tells its TTL), or a new one from an AppRole login.
func (v *vaultClient) login(ctx context.Context) error {
	v.loginMu.Lock()
	defer v.loginMu.Unlock()
	auth, err := v.doLogin(ctx)
	if err != nil {
		v.metrics.logins.WithLabelValues("failed").Inc()
		return fmt.Errorf("vault %s login at %s: %w", v.opts.AuthMethod, v.client.Address(), err)
	}
	v.metrics.logins.WithLabelValues("ok").Inc()
	v.mu.Lock()
	v.auth = auth
	v.mu.Unlock()
	select {
	case v.changed <- struct{}{}:
	default:
	}
	return nil
}

func (v *vaultClient) doLogin(ctx context.Context) (*api.Secret, error) {
	switch v.opts.AuthMethod {
	case AuthAppRole:
		roleID, err := resolveLocal(v.opts.RoleID)
		if err != nil {
			return nil, fmt.Errorf("role_id: %w", err)
		}
		a, err := approle.NewAppRoleAuth(roleID, &approle.SecretID{FromFile: v.opts.SecretIDFile, FromEnv: v.opts.SecretIDEnv},
			approle.WithMountPath(v.opts.AppRoleMount))
		if err != nil {
			return nil, err
		}
		s, err := v.client.Auth().Login(ctx, a)
		if err != nil {
			return nil, err
		}
		if s == nil || s.Auth == nil {
			return nil, errors.New("no token in the login response")
		}
		return s, nil
	case AuthToken:
		tok, err := resolveLocal(v.opts.Token)
		if err != nil {
			return nil, fmt.Errorf("token: %w", err)
		}
		if tok == "" {
			return nil, errors.New("no token (set secrets.vault.auth.token or VAULT_TOKEN)")
		}
		v.client.SetToken(tok)
		look, err := v.client.Auth().Token().LookupSelfWithContext(ctx)
		if err != nil {
			return nil, err
		}
		ttl, _ := look.TokenTTL()
		renewable, _ := look.TokenIsRenewable()
		return &api.Secret{Auth: &api.SecretAuth{ClientToken: tok, Renewable: renewable, LeaseDuration: int(ttl.Seconds())}}, nil
	}
	return nil, fmt.Errorf("unknown auth method %q", v.opts.AuthMethod)
}

func (v *vaultClient) current() *api.Secret {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.auth
}

// keepAlive renews the token before it expires and logs in again when it
// cannot be renewed (its max TTL reached, revoked, or Vault was away too
// long), until ctx ends.
func (v *vaultClient) keepAlive(ctx context.Context) {
	backoff := time.Second
	for ctx.Err() == nil {
		auth := v.current()
		if auth == nil {
			if err := v.login(ctx); err != nil {
				v.logger.Warn("vault login failed; retrying", "in", backoff, "error", err)
				select {
				case <-ctx.Done():
				case <-time.After(backoff):
				}
				backoff = min(2*backoff, 30*time.Second)
				continue
			}
			backoff = time.Second
			v.drainChanged()
			continue
		}
		if auth.Auth.LeaseDuration <= 0 {
			// A token that never expires (a root token): nothing to renew.
			select {
			case <-ctx.Done():
			case <-v.changed:
			}
			continue
		}
		w, err := v.client.NewLifetimeWatcher(&api.LifetimeWatcherInput{Secret: auth})
		if err != nil {
			v.logger.Error("vault token renewal", "error", err)
			v.forget(auth)
			continue
		}
		go w.Start()
		v.watch(ctx, w, auth)
		w.Stop()
	}
}

func (v *vaultClient) watch(ctx context.Context, w *api.LifetimeWatcher, auth *api.Secret) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-v.changed:
			return // someone logged in again: watch the new token
		case <-w.RenewCh():
			v.metrics.renewals.WithLabelValues("ok").Inc()
		case err := <-w.DoneCh():
			if err != nil {
				v.metrics.renewals.WithLabelValues("failed").Inc()
				v.logger.Warn("vault token renewal failed; logging in again", "error", err)
			} else {
				v.logger.Info("vault token at the end of its lifetime; logging in again")
			}
			v.forget(auth)
			return
		}
	}
}

// forget drops auth unless a newer login replaced it already.
func (v *vaultClient) forget(auth *api.Secret) {
	v.mu.Lock()
	if v.auth == auth {
		v.auth = nil
	}
	v.mu.Unlock()
}

func (v *vaultClient) drainChanged() {
	select {
	case <-v.changed:
	default:
	}
}

// read reads one KV secret's data. A token Vault refuses (expired or
// revoked behind our back) gets one new login and one more try.
func (v *vaultClient) read(ctx context.Context, mount, path string) (map[string]any, error) {
	if v.current() == nil {
		if err := v.login(ctx); err != nil {
			return nil, err
		}
	}
	data, err := v.readOnce(ctx, mount, path)
	if isStatus(err, http.StatusForbidden) {
		if lerr := v.login(ctx); lerr != nil {
			return nil, errors.Join(err, lerr)
		}
		data, err = v.readOnce(ctx, mount, path)
	}
	return data, err
}

func (v *vaultClient) readOnce(ctx context.Context, mount, path string) (map[string]any, error) {
	ver, err := v.version(ctx, mount)
	if err != nil {
		return nil, err
	}
	var s *api.KVSecret
	if ver == 1 {
		s, err = v.client.KVv1(mount).Get(ctx, path)
	} else {
		s, err = v.client.KVv2(mount).Get(ctx, path)
	}
	if err != nil {
		return nil, err
	}
	return s.Data, nil
}

// version finds a mount's KV version the way the Vault CLI does; when the
// token may not ask, it is taken to be 2.
func (v *vaultClient) version(ctx context.Context, mount string) (kvVersion, error) {
	v.mu.Lock()
	ver, ok := v.kv[mount]
	v.mu.Unlock()
	if ok {
		return ver, nil
	}
	s, err := v.client.Logical().ReadWithContext(ctx, "sys/internal/ui/mounts/"+mount)
	var re *api.ResponseError
	if err != nil && !errors.As(err, &re) {
		return 0, err // Vault unreachable: ask again next time
	}
	ver = 2
	if err == nil && s != nil {
		if opts, ok := s.Data["options"].(map[string]any); ok && opts["version"] == "1" {
			ver = 1
		} else if s.Data["type"] == "kv" && (opts == nil || opts["version"] == nil || opts["version"] == "") {
			ver = 1 // a kv mount without a version option is v1
		}
	}
	v.mu.Lock()
	v.kv[mount] = ver
	v.mu.Unlock()
	return ver, nil
}

func isStatus(err error, code int) bool {
	var re *api.ResponseError
	return errors.As(err, &re) && re.StatusCode == code
}

// resolveLocal resolves a value that may be an env:// or file://
// reference (Vault's own credentials cannot come from Vault).
func resolveLocal(raw string) (string, error) {
	r, err := ParseRef(raw)
	if err != nil {
		return "", err
	}
	switch r.Scheme {
	case "":
		return raw, nil
	case SchemeEnv:
		return os.Getenv(r.Name), nil
	case SchemeFile:
		b, err := os.ReadFile(r.Name)
		return strings.TrimRight(string(b), "\r\n"), err
	}
	return "", fmt.Errorf("%s: Vault's own credentials cannot come from Vault", r)
}
