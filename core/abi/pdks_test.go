package abi_test

import (
	"fmt"
	"os"
	"regexp"
	"testing"

	"github.com/wasmgate/wasmgate/core/abi"
)

// TestPDKsMatchABI keeps the Rust, C and AssemblyScript PDKs in step with the
// ABI: every host function imported under its name, and the numbers of hooks,
// actions, objects and results the same as here.
func TestPDKsMatchABI(t *testing.T) {
	fns := []string{abi.FnLog, abi.FnConfigGet, abi.FnBodyGet, abi.FnBodySet, abi.FnJSONGet, abi.FnJSONSet,
		abi.FnHeaderGet, abi.FnHeaderSet, abi.FnAttrGet, abi.FnAttrSet, abi.FnSendResponse, abi.FnSendError, abi.FnSecretGet, abi.FnJSONDigest, abi.FnCacheCall, abi.FnProviderStats,
		abi.FnJSONBuild}
	consts := map[string]int64{
		"HOOK_REQUEST": int64(abi.HookRequest), "HOOK_RESPONSE": int64(abi.HookResponse), "HOOK_CHUNK": int64(abi.HookChunk),
		"ERR_NOT_FOUND": int64(abi.ErrNotFound), "ERR_NOT_AVAILABLE": int64(abi.ErrNotAvailable), "ERR_TOO_LARGE": int64(abi.ErrTooLarge),
		"ERR_INVALID": int64(abi.ErrInvalid), "ERR_DENIED": int64(abi.ErrDenied), "ERR_UNAVAILABLE": int64(abi.ErrUnavailable),
		"LOG_DEBUG": abi.LogDebug, "LOG_INFO": abi.LogInfo, "LOG_WARN": abi.LogWarn, "LOG_ERROR": abi.LogError,
	}
	tests := []struct {
		file  string
		fn    string // the import of a host function, %s its name
		konst string // a constant's definition, %s its name; the value is group 1
	}{
		{"../../pdk/rust/src/lib.rs", `pub fn %s\(`, `pub const %s: [iu]32 = (-?\d+);`},
		{"../../pdk/c/wasmgate.h", ``, `#define WG_%s\s+\(?(-?\d+)\)?`},
		{"../../pdk/c/wasmgate.c", `WG_IMPORT\("%s"\)`, ``},
		{"../../pdk/assemblyscript/assembly/index.ts", `@external\("wasmgate", "%s"\)`, `export const %s: [iu]32 = (-?\d+);`},
	}
	for _, tc := range tests {
		b, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		if tc.fn != "" {
			for _, fn := range fns {
				if !regexp.MustCompile(fmt.Sprintf(tc.fn, regexp.QuoteMeta(fn))).MatchString(src) {
					t.Errorf("%s: no import of host function %s", tc.file, fn)
				}
			}
		}
		if tc.konst == "" {
			continue
		}
		for name, want := range consts {
			m := regexp.MustCompile(fmt.Sprintf(tc.konst, name)).FindStringSubmatch(src)
			if m == nil {
				t.Errorf("%s: no constant %s", tc.file, name)
			} else if m[1] != fmt.Sprint(want) {
				t.Errorf("%s: %s = %s, want %d", tc.file, name, m[1], want)
			}
		}
	}
}
