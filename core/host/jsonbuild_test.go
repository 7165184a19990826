package host_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/host"
)

func sameJSON(t *testing.T, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// TestJSONBuildAnthropic runs the Anthropic adapter, which builds its
// provider body with json_build, in the host: the body must be the recorded
// Messages request, and one instance must translate different requests one
// after another (the host's index of the request follows the request).
func TestJSONBuildAnthropic(t *testing.T) {
	in := pluginInstance(t, "anthropic", `{}`, host.Limits{})
	ex := &host.Exchange{}
	run := func(body []byte) []byte {
		ex.SetRequest(append([]byte(nil), body...))
		if _, err := ex.IndexRequest(); err != nil {
			t.Fatal(err)
		}
		ex.SetAttr(abi.AttrProviderURL, "https://api.anthropic.com")
		ex.SetAttr(abi.AttrProviderModel, "claude-sonnet-4-5-20250929")
		ex.UpBody, ex.UpURL, ex.UpHeader = nil, "", ex.UpHeader[:0]
		if act, err := in.Call(abi.PhaseRequest, ex, true); err != nil || act != abi.ActionContinue {
			t.Fatal(act, err, ex.ErrMessage)
		}
		return ex.UpstreamBody()
	}
	tools := readFile(t, "../../plugins/anthropic/testdata/request-tools.json")
	want := readFile(t, "../../plugins/anthropic/testdata/request-tools.upstream.json")
	sameJSON(t, run(tools), want)

	chat := run(readFile(t, "testdata/chat-2k.json"))
	if n := gjson.GetBytes(chat, "messages.#").Int(); n != 7 || gjson.GetBytes(chat, "system.0.text").Str == "" ||
		gjson.GetBytes(chat, "messages.6.content").Str == "" || gjson.GetBytes(chat, "max_tokens").Int() != 400 {
		t.Fatalf("chat request: %s", chat)
	}
	sameJSON(t, run(tools), want)
}
