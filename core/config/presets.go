package config

import (
	"sort"
	"strings"
)

// Preset is what a provider preset fills in: the provider's public base
// URL, and settings for the adapter that speaks its API.
type Preset struct {
	BaseURL string
	// Adapter is the first-party adapter plugin the provider needs
	// ("openai" or "anthropic"); the built-in passthrough works for the
	// OpenAI-compatible ones too.
	Adapter string
	// AdapterRequired: the API is not OpenAI's, so the built-in passthrough
	// cannot serve it.
	AdapterRequired bool
	// AdapterConfig is merged under the provider's adapter_config.
	AdapterConfig map[string]any
}

// Presets are the providers wasmgate knows by name: `preset: groq` sets the
// base URL (and, for Azure, the adapter settings) so a config names only
// the key. Every OpenAI-compatible one takes the key as a bearer token.
var Presets = map[string]Preset{
	"openai":     {BaseURL: "https://api.openai.com/v1", Adapter: "openai"},
	"azure":      {Adapter: "openai", AdapterRequired: true, AdapterConfig: map[string]any{"preset": "azure"}}, // base_url: https://<resource>.openai.azure.com
	"anthropic":  {BaseURL: "https://api.anthropic.com", Adapter: "anthropic", AdapterRequired: true},
	"mistral":    {BaseURL: "https://api.mistral.ai/v1", Adapter: "openai"},
	"groq":       {BaseURL: "https://api.groq.com/openai/v1", Adapter: "openai"},
	"together":   {BaseURL: "https://api.together.xyz/v1", Adapter: "openai"},
	"deepseek":   {BaseURL: "https://api.deepseek.com/v1", Adapter: "openai"},
	"openrouter": {BaseURL: "https://openrouter.ai/api/v1", Adapter: "openai"},
	"xai":        {BaseURL: "https://api.x.ai/v1", Adapter: "openai"},
	"fireworks":  {BaseURL: "https://api.fireworks.ai/inference/v1", Adapter: "openai"},
	"ollama":     {BaseURL: "http://127.0.0.1:11434/v1", Adapter: "openai"},
	"vllm":       {BaseURL: "http://127.0.0.1:8000/v1", Adapter: "openai"},
}

// PresetNames lists the presets, sorted.
func PresetNames() string {
	names := make([]string, 0, len(Presets))
	for n := range Presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// applyPreset fills a provider's empty settings from its preset.
func (p *Provider) applyPreset() {
	pr, ok := Presets[p.Preset]
	if !ok {
		return
	}
	if p.BaseURL == "" {
		p.BaseURL = pr.BaseURL
	}
	if p.Adapter == "" || len(pr.AdapterConfig) == 0 {
		return
	}
	merged := make(map[string]any, len(pr.AdapterConfig)+len(p.AdapterConfig))
	for k, v := range pr.AdapterConfig {
		merged[k] = v
	}
	for k, v := range p.AdapterConfig {
		merged[k] = v
	}
	p.AdapterConfig = merged
}
