package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// IndexFile is a static registry's index, at the root of its folder.
const IndexFile = "index.json"

// Index lists every package of a static registry. Package URLs are relative
// to the index (or absolute), so a folder of files served by any web server
// or object store is a registry.
type Index struct {
	Version int                     `json:"version"`
	Plugins map[string][]IndexEntry `json:"plugins"`
}

// IndexEntry is one published version.
type IndexEntry struct {
	Version     string      `json:"version"`
	Digest      string      `json:"digest"`
	URL         string      `json:"url"`
	Signatures  []Signature `json:"signatures"`
	ABI         int         `json:"abi"`
	Description string      `json:"description"`
	License     string      `json:"license,omitempty"`
	Size        int64       `json:"size"`
}

// ParseIndex reads an index.
func ParseIndex(raw []byte) (*Index, error) {
	var ix Index
	if err := json.Unmarshal(raw, &ix); err != nil {
		return nil, fmt.Errorf("%s: %w", IndexFile, err)
	}
	if ix.Version != 1 {
		return nil, fmt.Errorf("%s: version %d is not supported", IndexFile, ix.Version)
	}
	if ix.Plugins == nil {
		ix.Plugins = map[string][]IndexEntry{}
	}
	return &ix, nil
}

// Resolve picks the highest version of name that satisfies constraint ("" or
// "*" for any; pre-releases only when the constraint names one).
func (ix *Index) Resolve(name, constraint string) (*IndexEntry, error) {
	entries, ok := ix.Plugins[name]
	if !ok {
		return nil, fmt.Errorf("no plugin %q in the index", name)
	}
	if constraint == "" {
		constraint = "*"
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return nil, fmt.Errorf("version range %q: %w", constraint, err)
	}
	var best *IndexEntry
	var bestV *semver.Version
	for i := range entries {
		v, err := semver.NewVersion(entries[i].Version)
		if err != nil || !c.Check(v) {
			continue
		}
		if bestV == nil || v.GreaterThan(bestV) {
			best, bestV = &entries[i], v
		}
	}
	if best == nil {
		var have []string
		for _, e := range entries {
			have = append(have, e.Version)
		}
		return nil, fmt.Errorf("no version of %s satisfies %s (published: %s)", name, constraint, strings.Join(have, ", "))
	}
	return best, nil
}

// Add records a package; the same version with other content is refused
// unless replace is set (published versions are immutable).
func (ix *Index) Add(p *Package, url string, size int64, replace bool) error {
	e := IndexEntry{Version: p.Manifest.Version, Digest: p.Digest(), URL: url, Signatures: p.Signatures,
		ABI: p.Manifest.ABI, Description: p.Manifest.Description, License: p.Manifest.License, Size: size}
	list := ix.Plugins[p.Manifest.Name]
	for i := range list {
		if list[i].Version == e.Version {
			if list[i].Digest != e.Digest && !replace {
				return fmt.Errorf("%s %s is already published with digest %s; publish a new version", p.Manifest.Name, e.Version, list[i].Digest)
			}
			if list[i].Digest == e.Digest { // the same package signed again: keep every signature
				e.Signatures = addSignatures(list[i].Signatures, e.Signatures...)
			}
			list[i] = e
			return nil
		}
	}
	list = append(list, e)
	sort.Slice(list, func(i, j int) bool {
		a, errA := semver.NewVersion(list[i].Version)
		b, errB := semver.NewVersion(list[j].Version)
		if errA != nil || errB != nil {
			return list[i].Version < list[j].Version
		}
		return a.LessThan(b)
	})
	ix.Plugins[p.Manifest.Name] = list
	return nil
}

// PublishDir publishes a package into a static registry folder: the package
// file under packages/ and its entry in index.json, under a file lock.
func PublishDir(dir string, p *Package, replace bool) (*IndexEntry, error) {
	if err := os.MkdirAll(filepath.Join(dir, "packages"), 0o755); err != nil {
		return nil, err
	}
	var entry *IndexEntry
	err := withFileLock(filepath.Join(dir, ".lock"), func() error {
		ix := &Index{Version: 1, Plugins: map[string][]IndexEntry{}}
		if raw, err := os.ReadFile(filepath.Join(dir, IndexFile)); err == nil {
			if ix, err = ParseIndex(raw); err != nil {
				return err
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		data := p.Bytes()
		rel := "packages/" + p.FileName()
		if err := ix.Add(p, rel, int64(len(data)), replace); err != nil {
			return err
		}
		if err := WriteFileAtomic(filepath.Join(dir, filepath.FromSlash(rel)), data); err != nil {
			return err
		}
		raw, err := json.MarshalIndent(ix, "", "  ")
		if err != nil {
			return err
		}
		entry, _ = ix.Resolve(p.Manifest.Name, "="+p.Manifest.Version)
		return WriteFileAtomic(filepath.Join(dir, IndexFile), append(raw, '\n'))
	})
	return entry, err
}

// location is where an index lives: an http(s) URL or a local path.
type location struct {
	url  *url.URL // nil for a local path
	path string
}

func parseLocation(s string) (location, error) {
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		u, err := url.Parse(s)
		if err != nil {
			return location{}, err
		}
		if !strings.HasSuffix(u.Path, ".json") {
			u.Path = strings.TrimSuffix(u.Path, "/") + "/" + IndexFile
		}
		return location{url: u}, nil
	}
	p := strings.TrimPrefix(s, "file://")
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		p = filepath.Join(p, IndexFile)
	}
	return location{path: p}, nil
}

func (l location) String() string {
	if l.url != nil {
		return l.url.String()
	}
	return l.path
}

// resolve makes a package URL from the index relative to the index.
func (l location) resolve(ref string) (location, error) {
	if l.url != nil {
		u, err := l.url.Parse(ref)
		if err != nil {
			return location{}, err
		}
		return location{url: u}, nil
	}
	if strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://") {
		return parseLocation(ref)
	}
	return location{path: filepath.Join(filepath.Dir(l.path), filepath.FromSlash(ref))}, nil
}

// open reads a location; size is -1 when unknown.
func (l location) open(ctx context.Context, client *http.Client) (io.ReadCloser, int64, error) {
	if l.url == nil {
		f, err := os.Open(l.path)
		if err != nil {
			return nil, 0, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, 0, err
		}
		return f, st.Size(), nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.url.String(), nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, 0, fmt.Errorf("GET %s: %s", l.url, resp.Status)
	}
	return resp.Body, resp.ContentLength, nil
}
