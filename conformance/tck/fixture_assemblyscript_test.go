package tck

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmgate/wasmgate/conformance/tck/fixture"
)

var updateAssemblyScriptFixture = flag.Bool("update-assemblyscript", false,
	"rewrite conformance/tck/guest-assemblyscript/assembly/fixture.ts from package fixture")

// TestFixtureAssemblyScript keeps the AssemblyScript guest's copy of the
// fixture (it cannot import Go) equal to package fixture. Run with
// -update-assemblyscript to rewrite it.
func TestFixtureAssemblyScript(t *testing.T) {
	want := assemblyScriptFixture(t)
	path := filepath.Join("guest-assemblyscript", "assembly", "fixture.ts")
	if *updateAssemblyScriptFixture {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from package fixture; rewrite it with\n"+
			"  go test ./conformance/tck -run TestFixtureAssemblyScript -update-assemblyscript\nwant:\n%s", path, want)
	}
}

// assemblyScriptFixture renders package fixture as AssemblyScript constants
// (a JSON string is an AssemblyScript string literal), every constant of
// fixture.go in its order, with the digest the Go guest computes itself
// after CanonicalRequest: AssemblyScript has no SHA-256.
func assemblyScriptFixture(t *testing.T) []byte {
	t.Helper()
	consts, err := fixtureConsts(filepath.Join(dir(), "fixture", "fixture.go"))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString("// The conformance fixture (conformance/tck/fixture) for the AssemblyScript\n" +
		"// guest. Generated: conformance/tck/fixture_assemblyscript_test.go keeps it\n" +
		"// equal to the Go constants.\n\n")
	for _, c := range consts {
		writeASConst(t, &b, c.name, c.value)
		if c.name == "CanonicalRequest" {
			sum := sha256.Sum256([]byte(fixture.CanonicalRequest))
			writeASConst(t, &b, "CanonicalRequestDigest", hex.EncodeToString(sum[:]))
		}
	}
	return b.Bytes()
}

func writeASConst(t *testing.T, b *bytes.Buffer, name, value string) {
	t.Helper()
	var lit bytes.Buffer
	enc := json.NewEncoder(&lit)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(value); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(b, "export const %s = %s;\n", name, bytes.TrimSuffix(lit.Bytes(), []byte("\n")))
}
