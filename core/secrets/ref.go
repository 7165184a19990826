// Package secrets resolves the secrets a config refers to: provider keys
// and the secrets granted to plugins. A reference is one of
//
//	vault://MOUNT/PATH#FIELD   a field of a HashiCorp Vault KV secret (v1 or v2)
//	env://NAME                 an environment variable
//	file://PATH                a file's content, trailing newline dropped
//
// and anything else is a literal value. Values are cached and re-read at a
// refresh interval, so a secret rotated at its source is used by new requests
// within that interval; when the source is unreachable the cached value keeps
// serving. Errors and logs name references, never values.
package secrets

import (
	"fmt"
	"path"
	"strings"
)

// Reference schemes.
const (
	SchemeVault = "vault"
	SchemeEnv   = "env"
	SchemeFile  = "file"
)

// Ref is a parsed reference.
type Ref struct {
	Scheme string // SchemeVault, SchemeEnv, SchemeFile, or "" for a literal
	// Vault: the first path segment is the mount (a mount that has slashes
	// in its own path is found by asking Vault), the rest the secret's path.
	Mount, Path, Field string
	// Env: the variable; File: the path.
	Name string

	raw string
}

// IsRef reports whether s is a reference rather than a literal value.
func IsRef(s string) bool {
	for _, p := range []string{SchemeVault + "://", SchemeEnv + "://", SchemeFile + "://"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// ParseRef parses a reference; a string that is not one is a literal.
func ParseRef(s string) (Ref, error) {
	if !IsRef(s) {
		return Ref{raw: s}, nil
	}
	scheme, rest, _ := strings.Cut(s, "://")
	r := Ref{Scheme: scheme, raw: s}
	switch scheme {
	case SchemeEnv:
		if rest == "" || strings.ContainsAny(rest, "=/# ") {
			return r, fmt.Errorf("%s: want env://NAME", s)
		}
		r.Name = rest
	case SchemeFile:
		if rest == "" {
			return r, fmt.Errorf("%s: want file://PATH", s)
		}
		r.Name = rest
	case SchemeVault:
		p, field, ok := strings.Cut(rest, "#")
		mount, sub, _ := strings.Cut(strings.Trim(p, "/"), "/")
		if !ok || field == "" || mount == "" || sub == "" || path.Clean("/"+sub) != "/"+sub {
			return r, fmt.Errorf("%s: want vault://MOUNT/PATH#FIELD", s)
		}
		r.Mount, r.Path, r.Field = mount, sub, field
	}
	return r, nil
}

// IsLiteral reports whether the reference is a plain value.
func (r Ref) IsLiteral() bool { return r.Scheme == "" }

// String is the reference as written; a literal's value is never printed.
func (r Ref) String() string {
	if r.IsLiteral() {
		return "[redacted]"
	}
	return r.raw
}
