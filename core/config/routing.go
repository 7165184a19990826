package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Dispatch is how the gateway sends a request to its providers: retries,
// fallbacks and the timeouts around them. Providers add their own keys,
// breaker and health check.
type Dispatch struct {
	// MaxAttempts bounds provider requests per client request, across
	// retries, key rotations and fallbacks.
	MaxAttempts int `koanf:"max_attempts"`
	// TotalTimeout bounds all attempts together (0: server.request_timeout).
	TotalTimeout time.Duration `koanf:"total_timeout"`
	// Retries is how often one target is tried again after a retryable failure.
	Retries    int           `koanf:"retries"`
	Backoff    time.Duration `koanf:"backoff"`
	MaxBackoff time.Duration `koanf:"max_backoff"`
	// MaxRetryAfter is the longest Retry-After the gateway waits for; a
	// longer one moves on to the next target (or ends the request).
	MaxRetryAfter time.Duration `koanf:"max_retry_after"`
	// FallbackOn lists the failures that move to the next target: HTTP
	// statuses ("429", "503"), classes ("5xx", "4xx"), "timeout", "connect"
	// (connection refused or reset, broken stream before its first byte).
	FallbackOn []string `koanf:"fallback_on"`
}

// DefaultFallbackOn are the failures that retry and fall back by default.
var DefaultFallbackOn = []string{"429", "5xx", "timeout", "connect"}

// Key is one of a provider's API keys. ID names it in headers, metrics and
// logs; the key itself never leaves the gateway except to its provider.
type Key struct {
	ID     string `koanf:"id"`
	Key    Secret `koanf:"key"`
	Weight int    `koanf:"weight"`
}

// Breaker is a provider's circuit breaker, one per key. Failures 0 turns
// it off (the default).
type Breaker struct {
	// Failures in a row that open the circuit.
	Failures int `koanf:"failures"`
	// OpenFor is how long an open circuit refuses requests before it lets
	// half-open probes through.
	OpenFor time.Duration `koanf:"open_for"`
	// HalfOpenProbes is how many requests a half-open circuit lets through;
	// that many successes close it, one failure opens it again.
	HalfOpenProbes int `koanf:"half_open_probes"`
}

// HealthCheck takes a provider out of rotation when its latency or error
// rate crosses a threshold, and back when it recovers. Real traffic feeds
// the statistics; Interval > 0 adds active probes.
type HealthCheck struct {
	Interval time.Duration `koanf:"interval"`
	Timeout  time.Duration `koanf:"timeout"`
	// Path and Body make the probe request (POST Path relative to base_url);
	// the default asks the provider's first model for one token.
	Path string `koanf:"path"`
	Body string `koanf:"body"`
	// MaxLatency and MaxErrorRate (0.03 = 3 %) are the thresholds over the
	// last Window; MinSamples below which no judgement is made.
	MaxLatency   time.Duration `koanf:"max_latency"`
	MaxErrorRate float64       `koanf:"max_error_rate"`
	MinSamples   int           `koanf:"min_samples"`
	Window       time.Duration `koanf:"window"`
}

// Enabled reports whether any threshold is set.
func (h HealthCheck) Enabled() bool { return h.MaxLatency > 0 || h.MaxErrorRate > 0 }

// Dispatch defaults.
const (
	DefaultMaxAttempts     = 4
	DefaultRetries         = 1
	DefaultBackoff         = 100 * time.Millisecond
	DefaultMaxBackoff      = 2 * time.Second
	DefaultMaxRetryAfter   = 5 * time.Second
	DefaultBreakerOpenFor  = 10 * time.Second
	DefaultHealthTimeout   = 2 * time.Second
	DefaultHealthWindow    = 10 * time.Second
	DefaultHealthMinSample = 5
)

// The dispatch defaults go through Defaults, so that an explicit 0 (no
// retries) stays 0.
func init() {
	Defaults["dispatch.max_attempts"] = DefaultMaxAttempts
	Defaults["dispatch.retries"] = DefaultRetries
	Defaults["dispatch.backoff"] = DefaultBackoff.String()
	Defaults["dispatch.max_backoff"] = DefaultMaxBackoff.String()
	Defaults["dispatch.max_retry_after"] = DefaultMaxRetryAfter.String()
}

func (c *Config) applyRoutingDefaults() {
	if c.Dispatch.FallbackOn == nil {
		c.Dispatch.FallbackOn = DefaultFallbackOn
	}
	for name, p := range c.Providers {
		for i := range p.Keys {
			if p.Keys[i].Weight == 0 {
				p.Keys[i].Weight = 1
			}
		}
		if p.Breaker.Failures > 0 {
			if p.Breaker.OpenFor == 0 {
				p.Breaker.OpenFor = DefaultBreakerOpenFor
			}
			if p.Breaker.HalfOpenProbes == 0 {
				p.Breaker.HalfOpenProbes = 1
			}
		}
		h := &p.Health
		if h.Timeout == 0 {
			h.Timeout = DefaultHealthTimeout
		}
		if h.Window == 0 {
			h.Window = DefaultHealthWindow
		}
		if h.MinSamples == 0 {
			h.MinSamples = DefaultHealthMinSample
		}
		if h.Path == "" {
			h.Path = "/chat/completions"
		}
		c.Providers[name] = p
	}
}

func (c *Config) validateRouting(e *Errors) {
	d := c.Dispatch
	if d.MaxAttempts < 1 || d.MaxAttempts > 20 {
		e.add("dispatch.max_attempts", "must be between 1 and 20, got %d", d.MaxAttempts)
	}
	if d.Retries < 0 || d.Retries > 10 {
		e.add("dispatch.retries", "must be between 0 and 10, got %d", d.Retries)
	}
	for key, v := range map[string]time.Duration{"dispatch.total_timeout": d.TotalTimeout, "dispatch.backoff": d.Backoff,
		"dispatch.max_backoff": d.MaxBackoff, "dispatch.max_retry_after": d.MaxRetryAfter} {
		if v < 0 {
			e.add(key, "must not be negative")
		}
	}
	for i, f := range d.FallbackOn {
		if _, err := ParseTrigger(f); err != nil {
			e.add(fmt.Sprintf("dispatch.fallback_on[%d]", i), "%v", err)
		}
	}
	for name, p := range c.Providers {
		key := "providers." + name
		if len(p.Keys) > 0 && p.APIKey != "" {
			e.add(key+".keys", "set either api_key or keys, not both")
		}
		ids := map[string]bool{}
		for i, k := range p.Keys {
			kk := fmt.Sprintf("%s.keys[%d]", key, i)
			switch {
			case k.ID == "":
				e.add(kk+".id", "must not be empty")
			case ids[k.ID]:
				e.add(kk+".id", "duplicate key id %q", k.ID)
			case strings.ContainsAny(k.ID, ",#/ \t"):
				e.add(kk+".id", "must not contain , # / or spaces")
			}
			ids[k.ID] = true
			if k.Key == "" {
				e.add(kk+".key", "must not be empty")
			}
			if k.Weight < 0 {
				e.add(kk+".weight", "must not be negative")
			}
		}
		if strings.ContainsAny(name, ",#/ \t") {
			e.add(key, "a provider name must not contain , # / or spaces")
		}
		b := p.Breaker
		if b.Failures < 0 || b.OpenFor < 0 || b.HalfOpenProbes < 0 {
			e.add(key+".breaker", "values must not be negative")
		}
		h := p.Health
		if h.Interval < 0 || h.Timeout < 0 || h.MaxLatency < 0 || h.Window < 0 || h.MinSamples < 0 {
			e.add(key+".health", "values must not be negative")
		}
		if h.MaxErrorRate < 0 || h.MaxErrorRate > 1 {
			e.add(key+".health.max_error_rate", "must be between 0 and 1 (0.03 is 3 %%), got %v", h.MaxErrorRate)
		}
		if h.Interval > 0 && !h.Enabled() {
			e.add(key+".health", "interval is set but neither max_latency nor max_error_rate")
		}
		if h.Interval > 0 && h.Interval < 100*time.Millisecond {
			e.add(key+".health.interval", "must be at least 100ms")
		}
		if !strings.HasPrefix(h.Path, "/") {
			e.add(key+".health.path", "must start with /")
		}
	}
}

// Trigger is one failure class of fallback_on.
type Trigger struct {
	Status int    // an exact status, or 0
	Class  int    // 4 or 5 for "4xx" / "5xx", or 0
	Kind   string // "timeout" or "connect", or ""
}

// ParseTrigger parses one fallback_on entry.
func ParseTrigger(s string) (Trigger, error) {
	switch s {
	case "timeout", "connect":
		return Trigger{Kind: s}, nil
	case "4xx":
		return Trigger{Class: 4}, nil
	case "5xx":
		return Trigger{Class: 5}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 400 || n > 599 {
		return Trigger{}, fmt.Errorf("%q is not a status 400-599, 4xx, 5xx, timeout or connect", s)
	}
	return Trigger{Status: n}, nil
}
