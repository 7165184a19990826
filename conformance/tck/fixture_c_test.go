package tck

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/wasmgate/wasmgate/conformance/tck/fixture"
)

var updateFixtureC = flag.Bool("update-fixture-c", false, "rewrite guest-c/fixture.h from the fixture package")

// TestFixtureC keeps the C guest's copy of the fixture (guest-c/fixture.h)
// equal to the fixture package: every constant of fixture.go, rendered as a
// C string literal. Run with -update-fixture-c to rewrite it.
func TestFixtureC(t *testing.T) {
	want, err := renderFixtureC(filepath.Join(dir(), "fixture", "fixture.go"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir(), "guest-c", "fixture.h")
	if *updateFixtureC {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s is not the fixture package's values: run go test ./conformance/tck -run TestFixtureC -update-fixture-c", path)
	}
}

// fixtureConst is a constant of the fixture source: its Go name and value.
type fixtureConst struct{ name, value string }

// fixtureConsts reads the string constants of the fixture source, in
// source order. Each must be a plain string literal, which every copy can
// hold as it is.
func fixtureConsts(file string) ([]fixtureConst, error) {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		return nil, err
	}
	var out []fixtureConst
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return nil, fmt.Errorf("fixture constant %s is not a string literal", name.Name)
				}
				v, err := strconv.Unquote(lit.Value)
				if err != nil {
					return nil, fmt.Errorf("fixture constant %s: %w", name.Name, err)
				}
				out = append(out, fixtureConst{name.Name, v})
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no constants", file)
	}
	return out, nil
}

// renderFixtureC renders the string constants of the fixture source as a C
// header, in source order, with the digest the guest cannot compute
// without a SHA-256 of its own.
func renderFixtureC(file string) (string, error) {
	consts, err := fixtureConsts(file)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("/* Generated from conformance/tck/fixture by TestFixtureC (fixture_c_test.go); do not edit.\n" +
		" * go test ./conformance/tck -run TestFixtureC -update-fixture-c rewrites it. */\n" +
		"#ifndef TCK_FIXTURE_H\n#define TCK_FIXTURE_H\n\n")
	for _, c := range consts {
		fmt.Fprintf(&b, "#define TCK_%s %s\n", cName(c.name), cString(c.value))
	}
	sum := sha256.Sum256([]byte(fixture.CanonicalRequest))
	fmt.Fprintf(&b, "\n/* The hex SHA-256 of TCK_CANONICAL_REQUEST: what json_digest must return. */\n"+
		"#define TCK_CANONICAL_REQUEST_SHA256 %s\n\n#endif\n", cString(hex.EncodeToString(sum[:])))
	return b.String(), nil
}

// cName turns a Go name into C's upper snake case: APIKey -> API_KEY.
func cName(s string) string {
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if i > 0 && unicode.IsUpper(c) && (unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1]) ||
			i+1 < len(r) && unicode.IsLower(r[i+1]) && unicode.IsUpper(r[i-1])) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(c))
	}
	return b.String()
}

// cString quotes s as a C string literal: printable ASCII as it is, every
// other byte as a three-digit octal escape (which, unlike \x, never runs
// into the next character).
func cString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\%03o`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
