// Command envprobe is a test guest for capabilities: its request hook reads
// the environment variable named by the config {"env": "NAME"} with os.Getenv,
// sets the attribute probe.env to its value, and writes "probe-stdout" to
// stdout. The host's tests check that only granted variables are visible and
// that stdout is dropped unless stdio is granted.
package main

import (
	"os"

	"github.com/wasmgate/wasmgate/pdk/go"
)

type envprobe struct {
	Env string `json:"env"`
}

func (p *envprobe) Init(cfg pdk.Config) error { return cfg.Unmarshal(p) }

func (p *envprobe) OnRequest(*pdk.Request) pdk.Action {
	if err := pdk.SetAttr("probe.env", os.Getenv(p.Env)); err != nil {
		return pdk.Error(500, "plugin_error", "envprobe: "+err.Error())
	}
	os.Stdout.WriteString("probe-stdout")
	return pdk.Continue
}

func init() { pdk.Register(&envprobe{}) }

func main() {}
