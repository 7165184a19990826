package registry_test

import (
	"fmt"

	"github.com/wasmgate/wasmgate/registry"
)

// Pack a plugin, sign its digest, and check the signature the way an
// install does.
func Example() {
	manifest := []byte(`name: hello
version: 1.0.0
abi: 1
description: says hello
license: MIT
hooks: [request]
config_schema: {type: object, properties: {greeting: {type: string}}}
`)
	p, err := registry.NewPackage(manifest, []byte("\x00asm\x01\x00\x00\x00"))
	if err != nil {
		panic(err)
	}
	privPEM, pubPEM, _ := registry.GenerateKey()
	priv, _ := registry.ParsePrivateKey(privPEM)
	pub, _ := registry.ParsePublicKey(pubPEM)
	p.AddSignature(registry.Sign(priv, p.Digest()))

	trusted := registry.Keyring{registry.KeyID(pub): pub}
	_, err = trusted.Verify(p.Digest(), p.Signatures)
	fmt.Println(p.FileName(), "verified:", err == nil)
	fmt.Println(p.Manifest.ValidateConfig([]byte(`{"greeting": 42}`)))
	// Output:
	// hello-1.0.0.wgpkg verified: true
	// config does not match the schema of hello 1.0.0: at /greeting: got number, want string
}
