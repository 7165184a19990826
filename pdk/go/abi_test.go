package pdk

import (
	"go/ast"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The ABI constants and signatures of this package are checked against
// pdk/ABI.md and the host's core/abi. Both files are outside this module, so
// the tests skip when they are not there (for example in the module cache).

func readRepoFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(rel))
	if os.IsNotExist(err) {
		t.Skipf("%s not found (not in the wasmgate repository)", rel)
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// tableRows returns the cells of the markdown table rows following the
// heading line that starts with header.
func tableRows(t *testing.T, doc, header string) [][]string {
	t.Helper()
	i := strings.Index(doc, header)
	if i < 0 {
		t.Fatalf("ABI.md: no table %q", header)
	}
	var rows [][]string
	for _, line := range strings.Split(doc[i:], "\n")[2:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
			cells = append(cells, strings.Trim(strings.TrimSpace(c), "`"))
		}
		rows = append(rows, cells)
	}
	return rows
}

func TestABIDocument(t *testing.T) {
	doc := readRepoFile(t, "../ABI.md")

	if !strings.Contains(doc, "# wasmgate plugin ABI, version "+strconv.Itoa(ABIVersion)) {
		t.Errorf("ABI.md is not version %d", ABIVersion)
	}
	if !strings.Contains(doc, "Hook mask bits: `1` request, `2` response, `4` chunk") ||
		HookRequest != 1 || HookResponse != 2 || HookChunk != 4 {
		t.Error("hook mask bits differ from ABI.md")
	}

	actions := map[string]Action{"continue": ActionContinue, "respond": ActionRespond, "error": ActionError}
	rows := tableRows(t, doc, "| value | name | meaning |")
	if len(rows) != len(actions) {
		t.Errorf("actions: ABI.md has %d, pdk %d", len(rows), len(actions))
	}
	for _, r := range rows {
		if v, ok := actions[r[1]]; !ok || strconv.Itoa(int(v)) != r[0] {
			t.Errorf("action %s = %s in ABI.md", r[1], r[0])
		}
	}

	objects := map[string]ObjectID{"request": ObjRequest, "response": ObjResponse, "chunk": ObjChunk,
		"upstream request": ObjUpstreamRequest, "upstream response": ObjUpstreamResponse, "upstream chunk": ObjUpstreamChunk}
	rows = tableRows(t, doc, "| id | object |")
	if len(rows) != len(objects) {
		t.Errorf("objects: ABI.md has %d, pdk %d", len(rows), len(objects))
	}
	for _, r := range rows {
		if v, ok := objects[r[1]]; !ok || strconv.Itoa(int(v)) != r[0] {
			t.Errorf("object %s = %s in ABI.md", r[1], r[0])
		}
	}

	results := map[string]error{"not found": ErrNotFound, "not available": ErrNotAvailable,
		"too large": ErrTooLarge, "invalid": ErrInvalid, "denied": ErrDenied, "unavailable": ErrUnavailable}
	rows = tableRows(t, doc, "| value | name | meaning |\n| --- | --- | --- |\n| -1")
	if len(rows) != len(results) {
		t.Errorf("results: ABI.md has %d, pdk %d", len(rows), len(results))
	}
	for _, r := range rows {
		e, ok := results[r[1]]
		if !ok || strconv.Itoa(int(e.(HostError))) != r[0] || e.Error() != "wasmgate: "+r[1] {
			t.Errorf("result %s = %s in ABI.md", r[1], r[0])
		}
	}

	if !strings.Contains(doc, "with flag `1` (string)") || !strings.Contains(doc, "with flag `2` (delete)") ||
		FlagString != 1 || FlagDelete != 2 {
		t.Error("json flags differ from ABI.md")
	}
	if !strings.Contains(doc, "level: 0 debug, 1 info, 2 warn, 3 error") ||
		LogDebug != 0 || LogInfo != 1 || LogWarn != 2 || LogError != 3 {
		t.Error("log levels differ from ABI.md")
	}

	attrs := []string{AttrRequestID, AttrRoute, AttrPipeline, AttrModel, AttrStream, AttrProvider,
		AttrProviderURL, AttrProviderModel, AttrProviderAPIKey, AttrEndpoint, AttrUpstreamDone,
		AttrKeyID, AttrKeyTeam, AttrKeyUser}
	rows = tableRows(t, doc, "| attribute | value |")
	if len(rows) != len(attrs) {
		t.Errorf("attributes: ABI.md has %d, pdk %d", len(rows), len(attrs))
	}
	for i, r := range rows {
		if i < len(attrs) && r[0] != attrs[i] {
			t.Errorf("attribute %d: ABI.md %q, pdk %q", i, r[0], attrs[i])
		}
	}
	for _, h := range []string{HeaderURL, HeaderMethod, HeaderStatus} {
		if !strings.Contains(doc, "`"+h+"`") {
			t.Errorf("pseudo-header %s not in ABI.md", h)
		}
	}
}

// TestABIImportsExports checks the //go:wasmimport and //go:wasmexport
// declarations against the host function and export tables.
func TestABIImportsExports(t *testing.T) {
	doc := readRepoFile(t, "../ABI.md")
	fset := token.NewFileSet()
	imports := map[string]*ast.FuncType{}
	exports := map[string]*ast.FuncType{}
	for _, name := range []string{"host_wasip1.go", "exports_wasip1.go"} {
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Doc == nil {
				continue
			}
			for _, c := range fd.Doc.List {
				if rest, ok := strings.CutPrefix(c.Text, "//go:wasmimport "); ok {
					mod, fn, _ := strings.Cut(rest, " ")
					if mod != ImportModule {
						t.Errorf("%s imports from module %q", fd.Name.Name, mod)
					}
					imports[fn] = fd.Type
				}
				if rest, ok := strings.CutPrefix(c.Text, "//go:wasmexport "); ok {
					exports[rest] = fd.Type
				}
			}
		}
	}
	arity := func(ft *ast.FuncType) (in, out int) {
		for _, f := range ft.Params.List {
			in += len(f.Names)
		}
		if ft.Results != nil {
			out = len(ft.Results.List)
		}
		return
	}

	sig := regexp.MustCompile(`^\(([^)]*)\)(?: -> (\w+))?$`)
	rows := tableRows(t, doc, "| function | signature | result |")
	if len(rows) != len(imports) {
		t.Errorf("host functions: ABI.md has %d, pdk imports %d", len(rows), len(imports))
	}
	for _, r := range rows {
		m := sig.FindStringSubmatch(r[1])
		ft, ok := imports[r[0]]
		if m == nil || !ok {
			t.Errorf("host function %s %s: not imported or bad signature", r[0], r[1])
			continue
		}
		wantIn, wantOut := len(strings.Split(m[1], ",")), 0
		if m[2] != "" {
			wantOut = 1
		}
		if in, out := arity(ft); in != wantIn || out != wantOut {
			t.Errorf("host function %s: pdk has %d params %d results, ABI.md %s", r[0], in, out, r[1])
		}
	}

	rows = tableRows(t, doc, "| export | signature | required | meaning |")
	for _, r := range rows {
		if r[0] == "memory" || r[0] == "_initialize" {
			continue // provided by the Go toolchain
		}
		ft, ok := exports[r[0]]
		if !ok {
			t.Errorf("export %s missing", r[0])
			continue
		}
		if in, out := arity(ft); r[1] != "() -> i32" || in != 0 || out != 1 {
			t.Errorf("export %s: signature %s", r[0], r[1])
		}
	}
	if len(exports) != len(rows)-2 {
		t.Errorf("exports: pdk has %d, ABI.md %d", len(exports), len(rows)-2)
	}
}

// TestABIHostConstants checks that the constants have the values of the
// host's core/abi package.
func TestABIHostConstants(t *testing.T) {
	src := readRepoFile(t, "../../core/abi/abi.go")
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "abi.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := (&types.Config{Importer: importer.Default()}).Check("abi", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"Version":             ABIVersion,
		"ImportModule":        ImportModule,
		"HookRequest":         HookRequest,
		"HookResponse":        HookResponse,
		"HookChunk":           HookChunk,
		"HookAll":             HookAll,
		"ActionContinue":      ActionContinue,
		"ActionRespond":       ActionRespond,
		"ActionError":         ActionError,
		"ObjRequest":          ObjRequest,
		"ObjResponse":         ObjResponse,
		"ObjChunk":            ObjChunk,
		"ObjUpstreamRequest":  ObjUpstreamRequest,
		"ObjUpstreamResponse": ObjUpstreamResponse,
		"ObjUpstreamChunk":    ObjUpstreamChunk,
		"ErrNotFound":         ResultNotFound,
		"ErrNotAvailable":     ResultNotAvailable,
		"ErrTooLarge":         ResultTooLarge,
		"ErrInvalid":          ResultInvalid,
		"ErrDenied":           ResultDenied,
		"FlagString":          FlagString,
		"FlagDelete":          FlagDelete,
		"LogDebug":            LogDebug,
		"LogInfo":             LogInfo,
		"LogWarn":             LogWarn,
		"LogError":            LogError,
		"AttrPrefix":          AttrPrefix,
		"AttrRequestID":       AttrRequestID,
		"AttrRoute":           AttrRoute,
		"AttrPipeline":        AttrPipeline,
		"AttrModel":           AttrModel,
		"AttrStream":          AttrStream,
		"AttrProvider":        AttrProvider,
		"AttrProviderURL":     AttrProviderURL,
		"AttrProviderModel":   AttrProviderModel,
		"AttrProviderAPIKey":  AttrProviderAPIKey,
		"AttrEndpoint":        AttrEndpoint,
		"AttrUpstreamDone":    AttrUpstreamDone,
		"AttrKeyID":           AttrKeyID,
		"AttrKeyTeam":         AttrKeyTeam,
		"AttrKeyUser":         AttrKeyUser,
		"AttrCacheStatus":     AttrCacheStatus,
		"HeaderURL":           HeaderURL,
		"HeaderMethod":        HeaderMethod,
		"HeaderStatus":        HeaderStatus,
	}
	for name, v := range want {
		obj, ok := pkg.Scope().Lookup(name).(*types.Const)
		if !ok {
			t.Errorf("core/abi has no constant %s", name)
			continue
		}
		var got string
		if obj.Val().Kind() == constant.String {
			got = constant.StringVal(obj.Val())
		} else {
			got = obj.Val().ExactString()
		}
		if got != toString(v) {
			t.Errorf("%s: core/abi %s, pdk %s", name, got, toString(v))
		}
	}
}

func toString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case int32:
		return strconv.Itoa(int(v))
	case uint32:
		return strconv.Itoa(int(v))
	case Action:
		return strconv.Itoa(int(v))
	case ObjectID:
		return strconv.Itoa(int(v))
	}
	panic("unexpected type")
}
