package config_test

import (
	"os"
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/core/config"
)

func TestGovernanceErrors(t *testing.T) {
	valid, _ := os.ReadFile("testdata/valid.yaml")
	for _, tc := range []struct {
		name, add, want string
	}{
		{"auth without admin key", "governance: {auth: true}", "governance.admin_key: must be set when governance.auth is on"},
		{"short admin key", "governance: {admin_key: short}", "governance.admin_key: must be at least 16 characters"},
		{"bad policy", "governance: {on_state_error: maybe}", "governance.on_state_error: must be fail_closed or fail_open"},
		{"bad team period", "governance: {teams: {a: {budget: {amount: 5, period: yearly}}}}", "governance.teams.a.budget: period must be daily, weekly or monthly"},
		{"team budget without period", "governance: {teams: {a: {budget: {amount: 5}}}}", "governance.teams.a.budget: period must be"},
		{"negative budget", "governance: {teams: {a: {budget: {amount: -1, period: daily}}}}", "amount must not be negative"},
		{"unknown governance key", "governance: {auth_on: true}", "governance.auth_on: unknown key"},
		{"bad state", "state: postgres://x", "state: must be memory or a redis://host:port URL"},
		{"negative price", "pricing: {m1: {input: -1, output: 1}}", "pricing.m1: prices must not be negative"},
		{"unknown price key", "pricing: {m1: {input: 1, outptu: 1}}", "pricing.m1.outptu: unknown key"},
		{"bad tracing endpoint", "tracing: {enabled: true, endpoint: 127.0.0.1:4318}", "tracing.endpoint: must be an http(s) URL"},
		{"bad sample ratio", "tracing: {sample_ratio: 2}", "tracing.sample_ratio: must be between 0 and 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse(append(append([]byte(nil), valid...), "\n"+tc.add+"\n"...), "testdata")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// TestGovernanceDoc: the config in docs/governance.md is valid, with the
// defaults it states.
func TestGovernanceDoc(t *testing.T) {
	doc, err := os.ReadFile("../../docs/governance.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```yaml\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("no yaml block in docs/governance.md")
	}
	valid, _ := os.ReadFile("testdata/valid.yaml")
	c, err := config.Parse([]byte(string(valid)+block), "testdata")
	if err != nil {
		t.Fatal(err)
	}
	g := c.Governance
	if !g.Auth || g.OnStateError != config.FailClosed || g.DefaultCompletionTokens != 256 || g.MetadataHeader != "x-wasmgate-metadata" ||
		g.Teams["research"].Budget != (config.Budget{Amount: 500, Period: config.Monthly}) || c.State != "memory" || g.AdminKey.Reveal() != "env://WASMGATE_ADMIN_KEY" ||
		c.Pricing["my-finetune"].Cached != 1.5 || c.Tracing.Enabled || c.Tracing.Endpoint != "http://127.0.0.1:4318" {
		t.Fatalf("%+v %q %+v %+v", g, c.State, c.Pricing, c.Tracing)
	}
}

// TestAdminKeyIsASecret: the admin key never prints, and a reference to it
// is resolved (and refreshed) like the other secrets.
func TestAdminKeyIsASecret(t *testing.T) {
	valid, _ := os.ReadFile("testdata/valid.yaml")
	c, err := config.Parse([]byte(string(valid)+"\ngovernance: {auth: true, admin_key: admin-secret-value-0123}\n"), "testdata")
	if err != nil {
		t.Fatal(err)
	}
	if s := c.Governance.AdminKey.String(); strings.Contains(s, "admin-secret") {
		t.Fatalf("printed: %s", s)
	}
	c, err = config.Parse([]byte(string(valid)+"\ngovernance: {auth: true, admin_key: \"env://WG_ADMIN\"}\n"), "testdata")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range c.SecretRefList() {
		found = found || r == "env://WG_ADMIN"
	}
	if !found {
		t.Fatalf("the admin key reference is not among the secrets: %v", c.SecretRefList())
	}
}
