package config

import (
	"fmt"
	"net/url"
	"path"
	"time"

	"github.com/wasmgate/wasmgate/core/secrets"
)

// Governance is who may call the gateway and how much: virtual keys,
// rate limits and budgets (their records live in State).
type Governance struct {
	// Auth requires a wasmgate key (Authorization: Bearer or x-api-key) on
	// the API. Off, requests are anonymous and unlimited.
	Auth bool `koanf:"auth"`
	// AdminKey protects /admin/*; empty turns the admin API off.
	AdminKey Secret `koanf:"admin_key"`
	// OnStateError is what happens when the state (Redis) does not answer:
	// fail_closed refuses requests (503), fail_open serves them unmetered.
	OnStateError string `koanf:"on_state_error"`
	// DefaultCompletionTokens estimates the answer of a request without
	// max_tokens when its cost is reserved against a budget.
	DefaultCompletionTokens int64 `koanf:"default_completion_tokens"`
	// MetadataHeader carries the caller's tags for usage records, as
	// comma-separated name=value pairs.
	MetadataHeader string `koanf:"metadata_header"`
	// Teams are budgets shared by every key of a team.
	Teams map[string]Team `koanf:"teams"`
}

// Team is one team's settings.
type Team struct {
	Budget Budget `koanf:"budget"`
}

// RateLimits are a key's rate limits: requests and tokens per minute, hour and
// day (0: none).
type RateLimits struct {
	RequestsPerMinute int64 `koanf:"requests_per_minute" json:"requests_per_minute,omitempty"`
	RequestsPerHour   int64 `koanf:"requests_per_hour" json:"requests_per_hour,omitempty"`
	RequestsPerDay    int64 `koanf:"requests_per_day" json:"requests_per_day,omitempty"`
	TokensPerMinute   int64 `koanf:"tokens_per_minute" json:"tokens_per_minute,omitempty"`
	TokensPerHour     int64 `koanf:"tokens_per_hour" json:"tokens_per_hour,omitempty"`
	TokensPerDay      int64 `koanf:"tokens_per_day" json:"tokens_per_day,omitempty"`
}

// Budget is an amount of US dollars per calendar period (UTC).
type Budget struct {
	Amount float64 `koanf:"amount" json:"amount"`
	Period string  `koanf:"period" json:"period"`
}

// Budget periods; each resets at the start of its calendar unit in UTC.
const (
	Daily   = "daily"
	Weekly  = "weekly" // Monday
	Monthly = "monthly"
)

// Check reports a problem with a budget ("" when fine).
func (b Budget) Check() string {
	if b.Amount < 0 {
		return "amount must not be negative"
	}
	switch b.Period {
	case Daily, Weekly, Monthly:
	case "":
		if b.Amount > 0 {
			return "period must be daily, weekly or monthly"
		}
	default:
		return fmt.Sprintf("period must be daily, weekly or monthly, got %q", b.Period)
	}
	return ""
}

// Check reports a problem with limits ("" when fine).
func (l RateLimits) Check() string {
	for _, v := range []int64{l.RequestsPerMinute, l.RequestsPerHour, l.RequestsPerDay, l.TokensPerMinute, l.TokensPerHour, l.TokensPerDay} {
		if v < 0 {
			return "limits must not be negative"
		}
	}
	return ""
}

// Tracing exports OpenTelemetry spans over OTLP/HTTP.
type Tracing struct {
	Enabled bool `koanf:"enabled"`
	// Endpoint is the collector's OTLP/HTTP URL; its scheme decides TLS
	// (default http://127.0.0.1:4318; without a path, /v1/traces).
	Endpoint string `koanf:"endpoint"`
	// SampleRatio of requests traced (default 1).
	SampleRatio float64       `koanf:"sample_ratio"`
	ServiceName string        `koanf:"service_name"`
	Timeout     time.Duration `koanf:"timeout"`
}

func (c *Config) governanceDefaults() {
	g := &c.Governance
	if g.OnStateError == "" {
		g.OnStateError = FailClosed
	}
	if g.DefaultCompletionTokens == 0 {
		g.DefaultCompletionTokens = 256
	}
	if g.MetadataHeader == "" {
		g.MetadataHeader = "x-wasmgate-metadata"
	}
	if c.State == "" {
		c.State = "memory"
	}
	if c.Tracing.Endpoint == "" {
		c.Tracing.Endpoint = "http://127.0.0.1:4318"
	}
	if c.Tracing.SampleRatio == 0 {
		c.Tracing.SampleRatio = 1
	}
	if c.Tracing.ServiceName == "" {
		c.Tracing.ServiceName = "wasmgate"
	}
	if c.Tracing.Timeout == 0 {
		c.Tracing.Timeout = 10 * time.Second
	}
}

func (c *Config) validateGovernance(e *Errors) {
	g := c.Governance
	if g.OnStateError != FailClosed && g.OnStateError != FailOpen {
		e.add("governance.on_state_error", "must be fail_closed or fail_open, got %q", g.OnStateError)
	}
	if g.DefaultCompletionTokens < 0 {
		e.add("governance.default_completion_tokens", "must not be negative")
	}
	if g.Auth && g.AdminKey == "" {
		e.add("governance.admin_key", "must be set when governance.auth is on (keys are made through the admin API)")
	}
	if k := g.AdminKey.Reveal(); k != "" && !secrets.IsRef(k) && len(k) < 16 {
		e.add("governance.admin_key", "must be at least 16 characters")
	}
	for name, t := range g.Teams {
		if msg := t.Budget.Check(); msg != "" {
			e.add("governance.teams."+name+".budget", "%s", msg)
		}
	}
	if c.State != "memory" {
		u, err := url.Parse(c.State)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			e.add("state", "must be memory or a redis://host:port URL")
		}
	}
	for model, p := range c.Pricing {
		if p.Input < 0 || p.Output < 0 || p.Cached < 0 {
			e.add("pricing."+model, "prices must not be negative")
		}
		if _, err := path.Match(model, ""); err != nil {
			e.add("pricing."+model, "bad model name")
		}
	}
	if u, err := url.Parse(c.Tracing.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		e.add("tracing.endpoint", "must be an http(s) URL, got %q", c.Tracing.Endpoint)
	}
	if c.Tracing.SampleRatio < 0 || c.Tracing.SampleRatio > 1 {
		e.add("tracing.sample_ratio", "must be between 0 and 1")
	}
}
