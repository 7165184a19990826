// Command secretprobe is a test guest for the secrets capability: its
// request hook reads the secret named by the config {"name": "NAME"} with
// pdk.Secret and short-circuits with {"value": "..."} or, when the host
// refuses, {"error": "..."}. The gateway's tests check that a plugin gets
// exactly the secrets granted to it.
package main

import (
	"encoding/json"

	"github.com/wasmgate/wasmgate/pdk/go"
)

type secretprobe struct {
	Name string `json:"name"`
}

func (p *secretprobe) Init(cfg pdk.Config) error { return cfg.Unmarshal(p) }

func (p *secretprobe) OnRequest(*pdk.Request) pdk.Action {
	out := map[string]string{}
	if v, err := pdk.Secret(p.Name); err != nil {
		out["error"] = err.Error()
	} else {
		out["value"] = v
	}
	b, _ := json.Marshal(out)
	return pdk.Respond(200, b)
}

func init() { pdk.Register(&secretprobe{}) }

func main() {}
