package tck

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"go/ast"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

var updateRust = flag.Bool("update-rust-fixture", false, "rewrite guest-rust/src/fixture.rs from package fixture")

// TestRustFixture checks that the Rust guest's copy of the fixture
// (guest-rust/src/fixture.rs) is what package fixture holds, constant for
// constant, so that the two cannot drift. Every string constant of
// fixture/fixture.go is in it, named in Rust's style, and so is the
// SHA-256 of CanonicalRequest (the guest has no hash of its own):
//
//	go test ./conformance/tck -run TestRustFixture -update-rust-fixture
//
// rewrites the copy.
func TestRustFixture(t *testing.T) {
	want, err := rustFixture(filepath.Join("fixture", "fixture.go"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("guest-rust", "src", "fixture.rs")
	if *updateRust {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("%s differs from package fixture; run with -update-rust-fixture\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// rustFixture renders the string constants of a Go file (evaluated, so a
// constant built from others is right too) as Rust constants, in the
// file's order.
func rustFixture(file string) (string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, 0)
	if err != nil {
		return "", err
	}
	conf := types.Config{Importer: importer.Default()}
	pkg, err := conf.Check("fixture", fset, []*ast.File{f}, nil)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("// The conformance fixture (conformance/tck/fixture), copied for the Rust\n" +
		"// guest. Generated: conformance/tck/fixture_rust_test.go checks it and\n" +
		"// rewrites it with -update-rust-fixture. Do not edit.\n\n")
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			for _, name := range spec.(*ast.ValueSpec).Names {
				c, ok := pkg.Scope().Lookup(name.Name).(*types.Const)
				if !ok || c.Val().Kind() != constant.String {
					return "", fmt.Errorf("%s: constant %s is not a string", file, name.Name)
				}
				fmt.Fprintf(&b, "pub const %s: &str = %s;\n", screamingSnake(name.Name), rustString(constant.StringVal(c.Val())))
			}
		}
	}
	canonical, ok := pkg.Scope().Lookup("CanonicalRequest").(*types.Const)
	if !ok {
		return "", fmt.Errorf("%s: no CanonicalRequest", file)
	}
	sum := sha256.Sum256([]byte(constant.StringVal(canonical.Val())))
	b.WriteString("\n// The hex SHA-256 of CANONICAL_REQUEST: what json_digest of the request\n// without \"stream\" returns.\n")
	fmt.Fprintf(&b, "pub const CANONICAL_REQUEST_SHA256: &str = %s;\n", rustString(hex.EncodeToString(sum[:])))
	return b.String(), nil
}

// screamingSnake turns a Go name into a Rust constant's: APIKey -> API_KEY,
// UpResponseJSON -> UP_RESPONSE_JSON.
func screamingSnake(name string) string {
	r := []rune(name)
	var b strings.Builder
	for i, c := range r {
		if i > 0 && unicode.IsUpper(c) &&
			(unicode.IsLower(r[i-1]) || (i+1 < len(r) && unicode.IsLower(r[i+1]))) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(c))
	}
	return b.String()
}

// rustString quotes s as a Rust string literal.
func rustString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func TestScreamingSnake(t *testing.T) {
	for in, want := range map[string]string{"APIKey": "API_KEY", "UpResponseJSON": "UP_RESPONSE_JSON",
		"RequestID": "REQUEST_ID", "BuildShape": "BUILD_SHAPE", "AdapterURL": "ADAPTER_URL"} {
		if got := screamingSnake(in); got != want {
			t.Errorf("screamingSnake(%q) = %q, want %q", in, got, want)
		}
	}
}
