package abi

// match_redact (pdk/ABI.md, "match_redact"): find, replace and write back
// every finding of a matcher with redact rules in one host call.
const FnMatchRedact = "match_redact"
