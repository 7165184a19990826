package registry

import (
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Kinds of plugin source.
const (
	KindFile     = "file"     // a bare .wasm file: a local development plugin, not a package
	KindPackage  = "package"  // a local package file (.wgpkg)
	KindRegistry = "registry" // registry://NAME@RANGE from the configured static index
	KindOCI      = "oci"      // oci://host/repo:tag
)

// Source is a parsed plugin source.
type Source struct {
	Kind  string
	Raw   string
	Name  string // registry: the package name
	Range string // registry: the version range ("" = any)
	Path  string // file, package: the path as written (relative to the config)
}

// ParseSource reads a config `source:` value.
func ParseSource(s string) (Source, error) {
	src := Source{Raw: s}
	switch {
	case strings.HasPrefix(s, "registry://"):
		src.Kind = KindRegistry
		src.Name, src.Range, _ = strings.Cut(strings.TrimPrefix(s, "registry://"), "@")
		if !nameRE.MatchString(src.Name) {
			return src, fmt.Errorf("%s: %q is not a plugin name", s, src.Name)
		}
		if src.Range != "" {
			if _, err := semver.NewConstraint(src.Range); err != nil {
				return src, fmt.Errorf("%s: version range %q: %w", s, src.Range, err)
			}
		}
	case strings.HasPrefix(s, "oci://"):
		src.Kind = KindOCI
		if _, err := parseOCI(s); err != nil {
			return src, err
		}
	default:
		src.Path = strings.TrimPrefix(s, "file://")
		src.Kind = KindFile
		if strings.HasSuffix(src.Path, PackageExt) {
			src.Kind = KindPackage
		}
		if src.Path == "" {
			return src, fmt.Errorf("empty source")
		}
	}
	return src, nil
}

// Satisfies reports whether version is in the source's range.
func (s Source) Satisfies(version string) bool {
	if s.Range == "" {
		return true
	}
	c, err := semver.NewConstraint(s.Range)
	if err != nil {
		return false
	}
	v, err := semver.NewVersion(version)
	return err == nil && c.Check(v)
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
