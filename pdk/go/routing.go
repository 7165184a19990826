package pdk

import (
	"strconv"
	"strings"
	"time"
)

// Routing attributes: reserved, but a pipeline plugin may write them in its
// request hook; the host reads them when it sends the request (pdk/ABI.md,
// "Routing").
const (
	// AttrTargets is the ordered list of targets the host tries:
	// "provider/model[#key],…" (see FormatTarget).
	AttrTargets = "wasmgate.targets"
	// AttrFallbackOn overrides which failures move to the next target:
	// "429,5xx,timeout,connect".
	AttrFallbackOn = "wasmgate.fallback_on"
)

// Target is one place the host may send a request.
type Target struct {
	Provider string
	Model    string // the model name the provider gets
	Key      string // a key id of the provider; "" lets the host choose
}

// AppendTarget appends t in the AttrTargets form "provider/model[#key]".
func AppendTarget(dst []byte, t Target) []byte {
	dst = append(dst, t.Provider...)
	dst = append(dst, '/')
	dst = append(dst, t.Model...)
	if t.Key != "" {
		dst = append(dst, '#')
		dst = append(dst, t.Key...)
	}
	return dst
}

// SetTargets sets AttrTargets from a list built with AppendTarget (joined
// by commas).
func SetTargets(list []byte) error { return SetAttr(AttrTargets, bstr(list)) }

// ProviderStat is what the host knows of one provider key right now.
type ProviderStat struct {
	Provider string
	Key      string // key id ("default" for a provider with one api_key)
	// Healthy is false while the provider's health check keeps it out of
	// rotation.
	Healthy bool
	// Breaker is "closed", "half_open" or "open".
	Breaker string
	// Latency is the mean latency over the statistics window; ErrorRate the
	// share of failed requests (0..1); Requests how many the window holds.
	Latency   time.Duration
	ErrorRate float64
	Requests  int
}

// Available reports whether the host would send to this key now.
func (s *ProviderStat) Available() bool { return s.Healthy && s.Breaker != "open" }

// ProviderStats appends the providers' live statistics to dst. It is
// available in the request hook; on an error (ErrNotFound without
// statistics, ErrNotAvailable outside the request hook) it returns dst
// unchanged with the error.
func ProviderStats(dst []ProviderStat) ([]ProviderStat, error) {
	raw, err := AppendProviderStats(nil)
	if err != nil {
		return dst, err
	}
	return ParseProviderStats(dst, string(raw)), nil
}

// AppendProviderStats appends the statistics text (see ParseProviderStats)
// to buf, without parsing it: a router that keeps the last text can skip
// parsing while it has not changed.
func AppendProviderStats(buf []byte) ([]byte, error) {
	for {
		free := buf[len(buf):cap(buf)]
		n := hProviderStats(free)
		if n < 0 {
			return buf, errorFor(n)
		}
		if int(n) <= len(free) {
			return buf[:len(buf)+int(n)], nil
		}
		grown := make([]byte, len(buf), len(buf)+int(n)+int(n)/4)
		copy(grown, buf)
		buf = grown
	}
}

// ParseProviderStats parses the provider_stats text (one line a key:
// "provider key healthy breaker latency_us error_ppm requests"); lines it
// cannot read are skipped, and fields past these seven (which later hosts may
// add, pdk/ABI.md) are ignored.
func ParseProviderStats(dst []ProviderStat, text string) []ProviderStat {
	for text != "" {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		f := strings.Fields(line)
		if len(f) < 7 {
			continue
		}
		lat, err1 := strconv.ParseInt(f[4], 10, 64)
		ppm, err2 := strconv.ParseInt(f[5], 10, 64)
		req, err3 := strconv.Atoi(f[6])
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		dst = append(dst, ProviderStat{Provider: f[0], Key: f[1], Healthy: f[2] == "1", Breaker: f[3],
			Latency: time.Duration(lat) * time.Microsecond, ErrorRate: float64(ppm) / 1e6, Requests: req})
	}
	return dst
}
