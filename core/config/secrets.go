package config

import (
	"sort"
	"time"

	"github.com/wasmgate/wasmgate/core/secrets"
)

// Secrets says where secret references (vault://, env://, file://) are
// resolved and how often they are read again.
type Secrets struct {
	// RefreshInterval bounds how long a rotated secret takes to be used
	// (default 1m).
	RefreshInterval time.Duration `koanf:"refresh_interval"`
	// StartDegraded starts the gateway even when a secret cannot be read
	// (its provider or plugin fails until a refresh succeeds).
	StartDegraded bool  `koanf:"start_degraded"`
	Vault         Vault `koanf:"vault"`
}

// Vault is the HashiCorp Vault client's setting. Empty fields fall back to
// the VAULT_* environment variables.
type Vault struct {
	// Enabled turns the client on; it is on whenever address is set.
	Enabled   bool          `koanf:"enabled"`
	Address   string        `koanf:"address"`
	Namespace string        `koanf:"namespace"`
	Timeout   time.Duration `koanf:"timeout"`
	Auth      VaultAuth     `koanf:"auth"`
	TLS       VaultTLS      `koanf:"tls"`
}

// VaultAuth is how wasmgate logs in to Vault.
type VaultAuth struct {
	Method string `koanf:"method"` // token (default) or approle
	// Token: an env:// or file:// reference (default env://VAULT_TOKEN).
	Token        Secret `koanf:"token"`
	RoleID       string `koanf:"role_id"`
	SecretIDFile string `koanf:"secret_id_file"`
	SecretIDEnv  string `koanf:"secret_id_env"`
	Mount        string `koanf:"mount"`
}

// VaultTLS is the TLS setting of the Vault client.
type VaultTLS struct {
	CACert     string `koanf:"ca_cert"`
	ClientCert string `koanf:"client_cert"`
	ClientKey  string `koanf:"client_key"`
	ServerName string `koanf:"server_name"`
	// InsecureSkipVerify is for development only.
	InsecureSkipVerify bool `koanf:"insecure_skip_verify"`
}

// On reports whether a Vault client is configured.
func (v Vault) On() bool { return v.Enabled || v.Address != "" }

// SecretsOptions is the secrets store's setting (logger and metrics are
// the caller's).
func (c *Config) SecretsOptions() secrets.Options {
	o := secrets.Options{RefreshInterval: c.Secrets.RefreshInterval, AllowUnresolved: c.Secrets.StartDegraded}
	if v := c.Secrets.Vault; v.On() {
		o.Vault = &secrets.VaultOptions{
			Address: v.Address, Namespace: v.Namespace, Timeout: v.Timeout,
			AuthMethod: v.Auth.Method, Token: v.Auth.Token.Reveal(), RoleID: v.Auth.RoleID,
			SecretIDFile: v.Auth.SecretIDFile, SecretIDEnv: v.Auth.SecretIDEnv, AppRoleMount: v.Auth.Mount,
			CACert: v.TLS.CACert, ClientCert: v.TLS.ClientCert, ClientKey: v.TLS.ClientKey,
			TLSServerName: v.TLS.ServerName, InsecureSkipVerify: v.TLS.InsecureSkipVerify,
		}
	}
	return o
}

// SecretRefs lists every secret the config uses, by key path.
func (c *Config) SecretRefs() map[string]Secret {
	refs := map[string]Secret{}
	for name, p := range c.Providers {
		if p.APIKey != "" {
			refs["providers."+name+".api_key"] = p.APIKey
		}
	}
	if k := c.Governance.AdminKey; k != "" {
		refs["governance.admin_key"] = k
	}
	for name, p := range c.Plugins {
		for sn, s := range p.Capabilities.Secrets {
			refs["plugins."+name+".capabilities.secrets."+sn] = s
		}
	}
	return refs
}

// SecretRefList is every secret the config uses, as written.
func (c *Config) SecretRefList() []string {
	refs := c.SecretRefs()
	out := make([]string, 0, len(refs))
	for _, s := range refs {
		out = append(out, s.Reveal())
	}
	return out
}

func (c *Config) validateSecrets(e *Errors) {
	refs := c.SecretRefs()
	keys := make([]string, 0, len(refs))
	for k := range refs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		r, err := secrets.ParseRef(refs[key].Reveal())
		if err != nil {
			e.add(key, "%v", err)
		} else if r.Scheme == secrets.SchemeVault && !c.Secrets.Vault.On() {
			e.add(key, "%s needs a Vault: set secrets.vault.address (or secrets.vault.enabled with VAULT_ADDR)", r)
		}
	}
	v := c.Secrets.Vault
	if c.Secrets.RefreshInterval < 0 {
		e.add("secrets.refresh_interval", "must not be negative")
	}
	switch v.Auth.Method {
	case "", secrets.AuthToken:
		if t := v.Auth.Token.Reveal(); t != "" {
			if r, err := secrets.ParseRef(t); err != nil || r.Scheme == secrets.SchemeVault {
				e.add("secrets.vault.auth.token", "must be an env:// or file:// reference (or a literal token)")
			}
		}
	case secrets.AuthAppRole:
		if v.Auth.RoleID == "" {
			e.add("secrets.vault.auth.role_id", "is needed for approle")
		}
		if (v.Auth.SecretIDFile == "") == (v.Auth.SecretIDEnv == "") {
			e.add("secrets.vault.auth", "approle needs exactly one of secret_id_file and secret_id_env")
		}
	default:
		e.add("secrets.vault.auth.method", "must be token or approle, got %q", v.Auth.Method)
	}
	if (v.TLS.ClientCert == "") != (v.TLS.ClientKey == "") {
		e.add("secrets.vault.tls", "client_cert and client_key go together")
	}
	if v.Timeout < 0 {
		e.add("secrets.vault.timeout", "must not be negative")
	}
}
