package config_test

import (
	"os"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"github.com/wasmgate/wasmgate/core/config"
)

// TestSecretsConfig: references are checked where they are written, and
// the Vault settings are checked as a whole.
func TestSecretsConfig(t *testing.T) {
	valid, _ := os.ReadFile("testdata/valid.yaml")
	tests := []struct {
		name string
		edit func(string) string
		want []string // "" = valid
	}{
		{"vault reference with vault", func(s string) string {
			return strings.Replace(s, `"sk-secret-value"`, `"vault://secret/openai#api_key"`, 1) + "secrets: {vault: {address: \"http://127.0.0.1:8200\"}}\n"
		}, nil},
		{"vault reference without vault", func(s string) string {
			return strings.Replace(s, `"sk-secret-value"`, `"vault://secret/openai#api_key"`, 1)
		}, []string{"providers.up.api_key: vault://secret/openai#api_key needs a Vault"}},
		{"bad reference", func(s string) string { return strings.Replace(s, `"sk-secret-value"`, `"vault://secret#api_key"`, 1) },
			[]string{"providers.up.api_key: vault://secret#api_key: want vault://MOUNT/PATH#FIELD"}},
		{"plugin grant", func(s string) string {
			return strings.Replace(s, "{source: p.wasm}", "{source: p.wasm, capabilities: {secrets: {signing: \"env://\"}}}", 1)
		}, []string{"plugins.p.capabilities.secrets.signing: env://: want env://NAME"}},
		{"approle without role", func(s string) string {
			return s + "secrets: {vault: {address: \"http://v:8200\", auth: {method: approle}}}\n"
		}, []string{"secrets.vault.auth.role_id: is needed for approle", "secrets.vault.auth: approle needs exactly one of secret_id_file and secret_id_env"}},
		{"unknown auth", func(s string) string {
			return s + "secrets: {vault: {address: \"http://v:8200\", auth: {method: ldap}}}\n"
		},
			[]string{`secrets.vault.auth.method: must be token or approle, got "ldap"`}},
		{"token from vault", func(s string) string {
			return s + "secrets: {vault: {address: \"http://v:8200\", auth: {token: \"vault://a/b#c\"}}}\n"
		}, []string{"secrets.vault.auth.token: must be an env:// or file:// reference"}},
		{"half a client cert", func(s string) string {
			return s + "secrets: {vault: {address: \"http://v:8200\", tls: {client_cert: c.pem}}}\n"
		},
			[]string{"secrets.vault.tls: client_cert and client_key go together"}},
		{"unknown key", func(s string) string { return s + "secrets: {vault: {adress: x}}\n" }, []string{"secrets.vault.adress: unknown key"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse([]byte(tc.edit(string(valid))), "testdata")
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestDumpShowsReferencesNotValues: `config show` prints references as
// written and literal secrets as [redacted].
func TestDumpShowsReferencesNotValues(t *testing.T) {
	valid, _ := os.ReadFile("testdata/valid.yaml")
	raw := strings.Replace(string(valid), "{source: p.wasm}", "{source: p.wasm, capabilities: {secrets: {signing: \"vault://secret/signing#key\"}}}", 1) +
		"secrets: {vault: {address: \"http://127.0.0.1:8200\", auth: {token: \"file:///run/vault-token\"}}}\n"
	c, err := config.Parse([]byte(raw), "testdata")
	if err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(c.Dump())
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if strings.Contains(s, "sk-secret-value") {
		t.Fatalf("a literal secret is in the dump:\n%s", s)
	}
	for _, want := range []string{"api_key: '[redacted]'", "signing: vault://secret/signing#key", "token: file:///run/vault-token", "timeout: 10m0s"} {
		if !strings.Contains(s, want) {
			t.Errorf("dump lacks %q:\n%s", want, s)
		}
	}
}

func TestStartDegradedFlag(t *testing.T) {
	for _, args := range [][]string{nil, {"--start-degraded"}} {
		fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
		config.Flags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		c, err := config.Load("testdata/valid.yaml", fs)
		if err != nil {
			t.Fatal(err)
		}
		if c.Secrets.StartDegraded != (args != nil) {
			t.Errorf("%v: start_degraded = %v", args, c.Secrets.StartDegraded)
		}
	}
}
