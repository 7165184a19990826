package abi

// Matching helpers (pdk/ABI.md, "Matching helpers"): native detection of
// personal data, secrets and patterns, so that plugins do not scan bytes in
// the guest.
const (
	FnMatchCompile = "match_compile"
	FnMatchScan    = "match_scan"
	FnMatchText    = "match_text"
)

// Flags of match_scan.
const (
	// MatchAllFields returns every text field, also those without findings.
	MatchAllFields uint32 = 1
)

// MaxMatchers is the most matchers one instance may compile.
const MaxMatchers = 64
