package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/retry"
)

// Media types of a plugin in an OCI registry: the CNCF Wasm artifact layout
// (a Wasm config and one Wasm layer), plus a layer for plugin.yaml. The
// signatures ride in a manifest annotation: they sign the package digest,
// which the layers' digests determine, not the OCI manifest.
const (
	MediaTypeWasmConfig   = "application/vnd.wasm.config.v0+json"
	MediaTypeWasmLayer    = "application/vnd.wasm.content.layer.v1+wasm"
	MediaTypeManifestYAML = "application/vnd.wasmgate.plugin.manifest.v1+yaml"
	AnnotationSignatures  = "dev.wasmgate.signatures"
)

// ociRef is a parsed oci://host/repo:tag (or @sha256:…).
type ociRef struct{ repo, ref string }

func parseOCI(s string) (ociRef, error) {
	rest, ok := strings.CutPrefix(s, "oci://")
	if !ok {
		return ociRef{}, fmt.Errorf("%q is not an oci:// reference", s)
	}
	var r ociRef
	if i := strings.LastIndex(rest, "@"); i > 0 {
		r.repo, r.ref = rest[:i], rest[i+1:]
	} else if i := strings.LastIndex(rest, ":"); i > strings.LastIndex(rest, "/") {
		r.repo, r.ref = rest[:i], rest[i+1:]
	} else {
		return ociRef{}, fmt.Errorf("%s: name a tag (oci://host/repo:1.2.3) or a digest", s)
	}
	if !strings.Contains(r.repo, "/") || r.ref == "" {
		return ociRef{}, fmt.Errorf("%s: want oci://host/repo:tag", s)
	}
	return r, nil
}

func (r ociRef) String() string {
	if strings.HasPrefix(r.ref, "sha256:") {
		return "oci://" + r.repo + "@" + r.ref
	}
	return "oci://" + r.repo + ":" + r.ref
}

func (r ociRef) repository() (*remote.Repository, error) {
	repo, err := remote.NewRepository(r.repo)
	if err != nil {
		return nil, err
	}
	// Loopback registries (development, tests) speak plain HTTP.
	host := repo.Reference.Host()
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		repo.PlainHTTP = true
	}
	client := &auth.Client{Client: retry.DefaultClient, Cache: auth.NewCache()}
	if store, err := credentials.NewStoreFromDocker(credentials.StoreOptions{}); err == nil {
		client.Credential = credentials.Credential(store) // `docker login` / `oras login` credentials
	}
	repo.Client = client
	return repo, nil
}

type wasmConfig struct {
	Architecture string   `json:"architecture"`
	OS           string   `json:"os"`
	LayerDigests []string `json:"layerDigests"`
}

// PushOCI pushes a package to oci://host/repo:tag and returns the manifest digest.
func PushOCI(ctx context.Context, ref string, p *Package) (string, error) {
	r, err := parseOCI(ref)
	if err != nil {
		return "", err
	}
	repo, err := r.repository()
	if err != nil {
		return "", err
	}
	wasmDesc := content.NewDescriptorFromBytes(MediaTypeWasmLayer, p.Wasm)
	wasmDesc.Annotations = map[string]string{ocispec.AnnotationTitle: p.Manifest.Name + ".wasm"}
	manDesc := content.NewDescriptorFromBytes(MediaTypeManifestYAML, p.ManifestRaw)
	manDesc.Annotations = map[string]string{ocispec.AnnotationTitle: ManifestFile}
	cfg, _ := json.Marshal(wasmConfig{Architecture: "wasm", OS: "wasip1", LayerDigests: []string{wasmDesc.Digest.String()}})
	cfgDesc := content.NewDescriptorFromBytes(MediaTypeWasmConfig, cfg)
	for _, b := range []struct {
		d    ocispec.Descriptor
		data []byte
	}{{wasmDesc, p.Wasm}, {manDesc, p.ManifestRaw}, {cfgDesc, cfg}} {
		if exists, err := repo.Exists(ctx, b.d); err == nil && exists {
			continue
		}
		if err := repo.Push(ctx, b.d, bytes.NewReader(b.data)); err != nil {
			return "", fmt.Errorf("pushing to %s: %w", r, err)
		}
	}
	sigs, _ := json.Marshal(p.Signatures)
	desc, err := oras.PackManifest(ctx, repo, oras.PackManifestVersion1_1, "", oras.PackManifestOptions{
		Layers:           []ocispec.Descriptor{wasmDesc, manDesc},
		ConfigDescriptor: &cfgDesc,
		ManifestAnnotations: map[string]string{
			ocispec.AnnotationCreated:     "1970-01-01T00:00:00Z", // reproducible manifests
			ocispec.AnnotationTitle:       p.Manifest.Name,
			ocispec.AnnotationVersion:     p.Manifest.Version,
			ocispec.AnnotationDescription: p.Manifest.Description,
			ocispec.AnnotationLicenses:    p.Manifest.License,
			ocispec.AnnotationSource:      p.Manifest.SourceURL,
			AnnotationSignatures:          string(sigs),
		},
	})
	if err != nil {
		return "", fmt.Errorf("pushing to %s: %w", r, err)
	}
	if !strings.HasPrefix(r.ref, "sha256:") {
		if err := repo.Tag(ctx, desc, r.ref); err != nil {
			return "", fmt.Errorf("tagging %s: %w", r, err)
		}
	}
	return desc.Digest.String(), nil
}

// PullOCI fetches a package from oci://host/repo:tag. Every blob is checked
// against its descriptor's digest; progress (may be nil) sees the Wasm bytes.
func PullOCI(ctx context.Context, ref string, progress func(size int64) io.Writer) (*Package, string, error) {
	r, err := parseOCI(ref)
	if err != nil {
		return nil, "", err
	}
	repo, err := r.repository()
	if err != nil {
		return nil, "", err
	}
	desc, rc, err := repo.FetchReference(ctx, r.ref)
	if err != nil {
		return nil, "", fmt.Errorf("fetching %s: %w", r, err)
	}
	raw, err := content.ReadAll(rc, desc)
	rc.Close()
	if err != nil {
		return nil, "", fmt.Errorf("fetching %s: %w", r, err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, "", fmt.Errorf("%s: manifest: %w", r, err)
	}
	if m.Config.MediaType != MediaTypeWasmConfig {
		return nil, "", fmt.Errorf("%s is not a Wasm artifact (config media type %q)", r, m.Config.MediaType)
	}
	var wasm, man []byte
	for _, l := range m.Layers {
		var w io.Writer = io.Discard
		if l.MediaType == MediaTypeWasmLayer && progress != nil {
			w = progress(l.Size)
		}
		b, err := fetchBlob(ctx, repo, l, w)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", r, err)
		}
		switch l.MediaType {
		case MediaTypeWasmLayer:
			wasm = b
		case MediaTypeManifestYAML:
			man = b
		}
	}
	if wasm == nil || man == nil {
		return nil, "", fmt.Errorf("%s: a wasmgate plugin needs a %s layer and a %s layer", r, MediaTypeWasmLayer, MediaTypeManifestYAML)
	}
	p, err := NewPackage(man, wasm)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", r, err)
	}
	if s := m.Annotations[AnnotationSignatures]; s != "" {
		if err := json.Unmarshal([]byte(s), &p.Signatures); err != nil {
			return nil, "", fmt.Errorf("%s: annotation %s: %w", r, AnnotationSignatures, err)
		}
	}
	return p, ociRef{repo: r.repo, ref: desc.Digest.String()}.String(), nil
}

func fetchBlob(ctx context.Context, repo *remote.Repository, d ocispec.Descriptor, progress io.Writer) ([]byte, error) {
	if d.Size > maxPackage {
		return nil, fmt.Errorf("layer %s is %d bytes, over the limit", d.Digest, d.Size)
	}
	rc, err := repo.Fetch(ctx, d)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return content.ReadAll(io.TeeReader(rc, progress), d) // checks size and digest
}
