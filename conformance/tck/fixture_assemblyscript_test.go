package tck_test

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
// (a JSON string is an AssemblyScript string literal), with the digest the
// Go guest computes itself: AssemblyScript has no SHA-256.
func assemblyScriptFixture(t *testing.T) []byte {
	t.Helper()
	sum := sha256.Sum256([]byte(fixture.CanonicalRequest))
	consts := []struct{ name, value string }{
		{"ConfigJSON", fixture.ConfigJSON},
		{"RequestJSON", fixture.RequestJSON},
		{"ResponseJSON", fixture.ResponseJSON},
		{"ChunkJSON", fixture.ChunkJSON},
		{"UpResponseJSON", fixture.UpResponseJSON},
		{"UpChunkJSON", fixture.UpChunkJSON},
		{"APIKey", fixture.APIKey},
		{"RequestID", fixture.RequestID},
		{"ShortResponse", fixture.ShortResponse},
		{"AdapterURL", fixture.AdapterURL},
		{"AdapterResponse", fixture.AdapterResponse},
		{"CanonicalRequest", fixture.CanonicalRequest},
		{"CanonicalRequestDigest", hex.EncodeToString(sum[:])},
		{"ProviderStats", fixture.ProviderStats},
		{"SecretName", fixture.SecretName},
		{"SecretValue", fixture.SecretValue},
		{"AdapterChunkJSON", fixture.AdapterChunkJSON},
		{"RedactSpec", fixture.RedactSpec},
		{"RedactText", fixture.RedactText},
		{"RedactRequest", fixture.RedactRequest},
		{"RedactMasked", fixture.RedactMasked},
		{"RedactBlocked", fixture.RedactBlocked},
		{"BuildBody", fixture.BuildBody},
		{"BuildShape", fixture.BuildShape},
		{"MatchSpec", fixture.MatchSpec},
		{"MatchRequest", fixture.MatchRequest},
		{"MatchResponse", fixture.MatchResponse},
		{"MatchChunk", fixture.MatchChunk},
		{"MatchText", fixture.MatchText},
		{"MatchFindings", fixture.MatchFindings},
		{"MatchTextFields", fixture.MatchTextFields},
		{"MatchResponseFindings", fixture.MatchResponseFindings},
		{"MatchChunkFields", fixture.MatchChunkFields},
		{"MatchTextFindings", fixture.MatchTextFindings},
	}
	var b bytes.Buffer
	b.WriteString("// The conformance fixture (conformance/tck/fixture) for the AssemblyScript\n" +
		"// guest. Generated: conformance/tck/fixture_assemblyscript_test.go keeps it\n" +
		"// equal to the Go constants.\n\n")
	for _, c := range consts {
		var lit bytes.Buffer
		enc := json.NewEncoder(&lit)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(c.value); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "export const %s = %s;\n", c.name, bytes.TrimSuffix(lit.Bytes(), []byte("\n")))
	}
	return b.Bytes()
}
