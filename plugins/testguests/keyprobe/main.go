// Command keyprobe is a test guest for governance: its request hook reads
// the client key's attributes (wasmgate.key.id, .team, .user) and reports
// them as the cache status ("id/team/user"), which the host puts in the
// request's usage record.
package main

import "github.com/wasmgate/wasmgate/pdk/go"

type keyprobe struct{}

func (keyprobe) OnRequest(*pdk.Request) pdk.Action {
	id, _ := pdk.Attr(pdk.AttrKeyID)
	team, _ := pdk.Attr(pdk.AttrKeyTeam)
	user, _ := pdk.Attr(pdk.AttrKeyUser)
	if err := pdk.SetAttr(pdk.AttrCacheStatus, id+"/"+team+"/"+user); err != nil {
		return pdk.Error(500, "plugin_error", "keyprobe: "+err.Error())
	}
	return pdk.Continue
}

func init() { pdk.Register(keyprobe{}) }

func main() {}
