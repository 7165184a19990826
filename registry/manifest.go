// Package registry packages, signs, publishes and installs wasmgate plugins.
//
// A package is a plugin's .wasm plus its manifest (plugin.yaml). Its digest
// covers both, and an ed25519 signature over that digest says who published
// it. Packages come from a static HTTP index (index.json beside the package
// files, servable by any web server or object store) or from an OCI registry
// (CNCF Wasm artifact media types). Installs land in a content-addressed store
// and are pinned in a lockfile (wasmgate.lock); the gateway loads a package
// only when its bytes hash to the digest the lockfile pins and a trusted key
// signed that digest.
package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/config"
)

// ManifestFile is the manifest's name in a plugin folder and in a package.
const ManifestFile = "plugin.yaml"

// Manifest is a plugin's plugin.yaml.
type Manifest struct {
	Name         string         `yaml:"name" json:"name"`
	Version      string         `yaml:"version" json:"version"`
	ABI          int            `yaml:"abi" json:"abi"`
	Description  string         `yaml:"description" json:"description"`
	License      string         `yaml:"license" json:"license"`
	SourceURL    string         `yaml:"source_url" json:"source_url"`
	Hooks        []string       `yaml:"hooks" json:"hooks"`
	Capabilities Capabilities   `yaml:"capabilities" json:"capabilities"`
	Limits       Limits         `yaml:"limits" json:"limits"`
	ConfigSchema map[string]any `yaml:"config_schema" json:"config_schema,omitempty"`
	// Config is an example slot config (`wasmgate plugin test` runs with it);
	// it must satisfy ConfigSchema.
	Config map[string]any `yaml:"config" json:"config,omitempty"`

	schema *jsonschema.Schema
}

// Capabilities the plugin needs granted to work.
type Capabilities struct {
	Env   []string `yaml:"env" json:"env,omitempty"`
	Stdio bool     `yaml:"stdio" json:"stdio,omitempty"`
	// Secrets are the names the plugin reads with secret_get.
	Secrets []string `yaml:"secrets" json:"secrets,omitempty"`
	// Cache: the plugin calls the cache service (cache_call).
	Cache bool `yaml:"cache" json:"cache,omitempty"`
}

// Limits the plugin suggests (the config's limits win).
type Limits struct {
	MemoryPages    uint32 `yaml:"memory_pages" json:"memory_pages,omitempty"`
	Timeout        string `yaml:"timeout" json:"timeout,omitempty"`
	MaxOutputBytes string `yaml:"max_output_bytes" json:"max_output_bytes,omitempty"`
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

var hookNames = map[string]bool{"request": true, "response": true, "chunk": true}

// ParseManifest reads and checks a plugin.yaml.
func ParseManifest(raw []byte) (*Manifest, error) {
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestFile, err)
	}
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestFile, err)
	}
	return &m, nil
}

func (m *Manifest) check() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !nameRE.MatchString(m.Name) {
		bad("name: %q must be lower-case letters, digits and dashes", m.Name)
	}
	if _, err := semver.StrictNewVersion(m.Version); err != nil {
		bad("version: %q is not a semantic version (like 1.2.3)", m.Version)
	}
	if m.ABI != abi.Version {
		bad("abi: %d is not supported (this wasmgate speaks ABI %d)", m.ABI, abi.Version)
	}
	if len(m.Hooks) == 0 {
		bad("hooks: at least one of request, response, chunk")
	}
	for _, h := range m.Hooks {
		if !hookNames[h] {
			bad("hooks: unknown hook %q (request, response or chunk)", h)
		}
	}
	if m.Description == "" {
		bad("description: must not be empty")
	}
	if m.License == "" {
		bad("license: must not be empty (an SPDX identifier)")
	}
	if m.Limits.Timeout != "" {
		if _, err := time.ParseDuration(m.Limits.Timeout); err != nil {
			bad("limits.timeout: %q is not a duration", m.Limits.Timeout)
		}
	}
	if m.Limits.MaxOutputBytes != "" {
		if _, err := config.ParseByteSize(m.Limits.MaxOutputBytes); err != nil {
			bad("limits.max_output_bytes: %w", err)
		}
	}
	if m.ConfigSchema != nil {
		if err := m.compileSchema(); err != nil {
			bad("config_schema: %w", err)
		} else if m.Config != nil {
			raw, _ := json.Marshal(m.Config)
			if err := m.ValidateConfig(raw); err != nil {
				bad("config: %w", err)
			}
		}
	}
	return errors.Join(errs...)
}

func (m *Manifest) compileSchema() error {
	raw, err := json.Marshal(m.ConfigSchema)
	if err != nil {
		return err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	c := jsonschema.NewCompiler()
	loc := "mem:///" + m.Name + "/config_schema.json"
	if err := c.AddResource(loc, doc); err != nil {
		return err
	}
	m.schema, err = c.Compile(loc)
	return err
}

// ValidateConfig checks a plugin config (JSON) against the manifest's
// config_schema. A manifest without a schema accepts any config.
func (m *Manifest) ValidateConfig(raw []byte) error {
	if m.schema == nil {
		return nil
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("config is not JSON: %w", err)
	}
	if err := m.schema.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return fmt.Errorf("config does not match the schema of %s %s: %s", m.Name, m.Version, schemaMessage(ve))
		}
		return err
	}
	return nil
}

var printer = message.NewPrinter(language.English)

// schemaMessage flattens a validation error into one line per leaf cause.
func schemaMessage(ve *jsonschema.ValidationError) string {
	var leaves []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			loc := "/" + strings.Join(e.InstanceLocation, "/")
			leaves = append(leaves, fmt.Sprintf("at %s: %s", loc, e.ErrorKind.LocalizedString(printer)))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return strings.Join(leaves, "; ")
}

// Mask is the hook mask the manifest declares (abi bits).
func (m *Manifest) Mask() uint32 {
	var mask uint32
	for _, h := range m.Hooks {
		switch h {
		case "request":
			mask |= abi.PhaseRequest.Bit()
		case "response":
			mask |= abi.PhaseResponse.Bit()
		case "chunk":
			mask |= abi.PhaseChunk.Bit()
		}
	}
	return mask
}

// CheckGrants returns an error naming each capability the manifest requires
// that the config does not grant.
func (m *Manifest) CheckGrants(granted config.Capabilities) error {
	var missing []string
	have := map[string]bool{}
	for _, e := range granted.Env {
		have[e] = true
	}
	for _, e := range m.Capabilities.Env {
		if !have[e] {
			missing = append(missing, "env "+e)
		}
	}
	if m.Capabilities.Stdio && !granted.Stdio {
		missing = append(missing, "stdio")
	}
	if m.Capabilities.Cache && !granted.Cache {
		missing = append(missing, "cache")
	}
	for _, name := range m.Capabilities.Secrets {
		if _, ok := granted.Secrets[name]; !ok {
			missing = append(missing, "secret "+name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s %s requires capabilities the config does not grant: %s", m.Name, m.Version, strings.Join(missing, ", "))
	}
	return nil
}
