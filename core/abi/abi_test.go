package abi_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/core/abi"
)

// TestMatchesABIDoc keeps these constants and pdk/ABI.md in step.
func TestMatchesABIDoc(t *testing.T) {
	b, err := os.ReadFile("../../pdk/ABI.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	want := []string{
		"# wasmgate plugin ABI, version " + fmt.Sprint(abi.Version),
		"module `" + abi.ImportModule + "`",
	}
	for _, name := range []string{abi.ExportMemory, abi.ExportInitialize, abi.ExportABIVersion, abi.ExportInit,
		abi.ExportOnRequest, abi.ExportOnResponse, abi.ExportOnChunk, abi.FnLog, abi.FnConfigGet, abi.FnBodyGet,
		abi.FnBodySet, abi.FnJSONGet, abi.FnJSONSet, abi.FnHeaderGet, abi.FnHeaderSet, abi.FnAttrGet, abi.FnAttrSet,
		abi.FnSendResponse, abi.FnSendError, abi.FnSecretGet, abi.FnJSONBuild, abi.AttrRequestID, abi.AttrRoute, abi.AttrPipeline, abi.AttrModel,
		abi.AttrStream, abi.AttrProvider, abi.AttrProviderURL, abi.AttrProviderModel, abi.AttrProviderAPIKey, abi.AttrEndpoint, abi.AttrUpstreamDone,
		abi.AttrKeyID, abi.AttrKeyTeam, abi.AttrKeyUser, abi.AttrCacheStatus,
		abi.HeaderURL, abi.HeaderMethod, abi.HeaderStatus} {
		want = append(want, "`"+name+"`")
	}
	for v, name := range map[int32]string{abi.ErrNotFound: "not found", abi.ErrNotAvailable: "not available",
		abi.ErrTooLarge: "too large", abi.ErrInvalid: "invalid", abi.ErrDenied: "denied"} {
		want = append(want, fmt.Sprintf("| %d | %s |", v, name))
	}
	for v, name := range map[abi.Action]string{abi.ActionContinue: "continue", abi.ActionRespond: "respond", abi.ActionError: "error"} {
		want = append(want, fmt.Sprintf("| %d | %s |", v, name))
	}
	for v, name := range map[abi.Object]string{abi.ObjRequest: "request", abi.ObjResponse: "response", abi.ObjChunk: "chunk",
		abi.ObjUpstreamRequest: "upstream request", abi.ObjUpstreamResponse: "upstream response", abi.ObjUpstreamChunk: "upstream chunk"} {
		want = append(want, fmt.Sprintf("| %d | %s |", v, name))
	}
	want = append(want, fmt.Sprintf("`%d` request, `%d` response, `%d` chunk", abi.HookRequest, abi.HookResponse, abi.HookChunk))
	for _, w := range want {
		if !strings.Contains(doc, w) {
			t.Errorf("pdk/ABI.md does not say %q", w)
		}
	}
}

func TestPhases(t *testing.T) {
	for ph, want := range map[abi.Phase][2]string{
		abi.PhaseRequest:  {"request", abi.ExportOnRequest},
		abi.PhaseResponse: {"response", abi.ExportOnResponse},
		abi.PhaseChunk:    {"chunk", abi.ExportOnChunk},
	} {
		if ph.String() != want[0] || ph.Export() != want[1] || ph.Bit() != 1<<uint(ph) {
			t.Errorf("phase %d: %s %s %d", ph, ph, ph.Export(), ph.Bit())
		}
	}
}

func TestRoutingInABIDoc(t *testing.T) {
	b, err := os.ReadFile("../../pdk/ABI.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{abi.AttrTargets, abi.AttrFallbackOn, abi.FnProviderStats} {
		if !strings.Contains(string(b), "`"+name+"`") {
			t.Errorf("pdk/ABI.md does not say %q", name)
		}
	}
	if !abi.Writable(abi.AttrTargets) || !abi.Writable(abi.AttrFallbackOn) || abi.Writable(abi.AttrProvider) {
		t.Error("Writable is wrong")
	}
}
