// Command secretprobe is a test guest for the secrets capability: its
// request hook reads the secret named by the config {"name": "NAME"} with
// pdk.Secret and short-circuits with {"value": "..."} or, when the host
// refuses, {"error": "..."}. With {"init": true} it reads the secret in Init
// instead and answers what it read then. The gateway's tests check that a
// plugin gets exactly the secrets granted to it.
package main

import (
	"encoding/json"

	"github.com/wasmgate/wasmgate/pdk/go"
)

type secretprobe struct {
	Name   string `json:"name"`
	AtInit bool   `json:"init"`
	answer []byte
}

func (p *secretprobe) Init(cfg pdk.Config) error {
	if err := cfg.Unmarshal(p); err != nil {
		return err
	}
	if p.AtInit {
		p.answer = p.read()
	}
	return nil
}

func (p *secretprobe) read() []byte {
	out := map[string]string{}
	if v, err := pdk.Secret(p.Name); err != nil {
		out["error"] = err.Error()
	} else {
		out["value"] = v
	}
	b, _ := json.Marshal(out)
	return b
}

func (p *secretprobe) OnRequest(*pdk.Request) pdk.Action {
	if p.answer != nil {
		return pdk.Respond(200, p.answer)
	}
	return pdk.Respond(200, p.read())
}

func init() { pdk.Register(&secretprobe{}) }

func main() {}
