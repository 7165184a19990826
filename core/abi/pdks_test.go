package abi_test

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/core/abi"
)

// hostSig is a host function's signature: ABI v1 passes every parameter
// and result as an i32.
type hostSig struct {
	params int
	result bool
}

func (s hostSig) String() string {
	r := ""
	if s.result {
		r = " -> i32"
	}
	return fmt.Sprintf("(%d × i32)%s", s.params, r)
}

// docHostFuncs reads the host functions and their signatures from the
// tables of pdk/ABI.md, from "Host functions" on: every row whose first
// cell names a function and whose second is its signature.
func docHostFuncs(t *testing.T) map[string]hostSig {
	t.Helper()
	b, err := os.ReadFile("../../pdk/ABI.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.Index(doc, "## Host functions")
	if i < 0 {
		t.Fatal("pdk/ABI.md has no section Host functions")
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| `\\(([^)]*)\\)(?: -> (\\w+))?` \\|")
	fns := map[string]hostSig{}
	for _, m := range row.FindAllStringSubmatch(doc[i:], -1) {
		fns[m[1]] = hostSig{params: len(strings.Split(m[2], ",")), result: m[3] != ""}
	}
	return fns
}

// abiHostFuncs is every FnXxx constant of core/abi: parsed, not listed, so
// that a host function added there is checked here without a change.
func abiHostFuncs(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fns := map[string]string{}
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, "Fn") || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						t.Fatalf("%s: %s is not a string literal", file, name.Name)
					}
					fns[constant.StringVal(constant.MakeFromLiteral(lit.Value, lit.Kind, 0))] = name.Name
				}
			}
		}
	}
	return fns
}

// TestHostFuncsInABIDoc keeps core/abi's host functions and the tables of
// pdk/ABI.md the same set, so that the list TestPDKsMatchABI checks the
// PDKs against is complete.
func TestHostFuncsInABIDoc(t *testing.T) {
	doc, consts := docHostFuncs(t), abiHostFuncs(t)
	if len(doc) < 20 {
		t.Fatalf("read %d host functions from pdk/ABI.md: the table pattern no longer matches", len(doc))
	}
	for name, c := range consts {
		if _, ok := doc[name]; !ok {
			t.Errorf("core/abi.%s = %q has no row with its signature in pdk/ABI.md", c, name)
		}
	}
	for name := range doc {
		if _, ok := consts[name]; !ok {
			t.Errorf("pdk/ABI.md lists host function %s, core/abi has no Fn constant for it", name)
		}
	}
	for _, name := range []string{abi.FnMatchScan, abi.FnMatchText, abi.FnMetricAdd, abi.FnJSONBuild} {
		if _, ok := doc[name]; !ok {
			t.Errorf("host function %s not read from pdk/ABI.md", name)
		}
	}
}

// pdkImport is one import of a host function in a PDK's source.
type pdkImport struct {
	name  string
	sig   hostSig
	where string
	bad   string // a parameter or result that is not 32 bits
}

// importRE finds host function imports in a PDK's source: the groups name,
// params and result of re, within each match of block when it is set.
type importRE struct {
	block        *regexp.Regexp // group 1: a part of the source that holds imports
	re           *regexp.Regexp
	param        *regexp.Regexp // one parameter with a 32-bit type
	result, none *regexp.Regexp // a 32-bit result; no result
}

func (r importRE) find(t *testing.T, file string) []pdkImport {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	parts := [][]int{{0, len(src)}}
	if r.block != nil {
		parts = nil
		for _, m := range r.block.FindAllStringSubmatchIndex(src, -1) {
			parts = append(parts, m[2:4])
		}
	}
	var out []pdkImport
	for _, part := range parts {
		for _, m := range r.re.FindAllStringSubmatchIndex(src[:part[1]], -1) {
			if m[0] < part[0] {
				continue
			}
			group := func(name string) string {
				i := r.re.SubexpIndex(name)
				if m[2*i] < 0 {
					return ""
				}
				return strings.TrimSpace(src[m[2*i]:m[2*i+1]])
			}
			in := pdkImport{name: group("name"), where: fmt.Sprintf("%s:%d", file, strings.Count(src[:m[0]], "\n")+1)}
			if params := group("params"); params != "" {
				for _, p := range strings.Split(params, ",") {
					in.sig.params++
					if !r.param.MatchString(strings.TrimSpace(p)) {
						in.bad = "parameter " + strings.TrimSpace(p)
					}
				}
			}
			switch res := group("result"); {
			case r.result.MatchString(res):
				in.sig.result = true
			case !r.none.MatchString(res):
				in.bad = "result " + res
			}
			out = append(out, in)
		}
	}
	return out
}

// goImports reads the //go:wasmimport wasmgate declarations of pdk/go.
func goImports(t *testing.T, dir string) []pdkImport {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var out []pdkImport
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Doc == nil {
				continue
			}
			for _, c := range fd.Doc.List {
				name, ok := strings.CutPrefix(c.Text, "//go:wasmimport "+abi.ImportModule+" ")
				if !ok {
					continue
				}
				in := pdkImport{name: strings.TrimSpace(name), where: fset.Position(fd.Pos()).String()}
				for _, p := range fd.Type.Params.List {
					n := max(len(p.Names), 1)
					in.sig.params += n
					if typ := types32(p.Type); typ != "" {
						in.bad = "parameter type " + typ
					}
				}
				if res := fd.Type.Results; res != nil {
					in.sig.result = true
					if len(res.List) != 1 || len(res.List[0].Names) > 1 || types32(res.List[0].Type) != "" {
						in.bad = "result"
					}
				}
				out = append(out, in)
			}
		}
	}
	return out
}

// types32 is "" for a Go type that is 32 bits in wasm32 (int32, uint32, a
// pointer), else the type.
func types32(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		if x.Name == "int32" || x.Name == "uint32" {
			return ""
		}
		return x.Name
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok && id.Name == "unsafe" && x.Sel.Name == "Pointer" {
			return ""
		}
	case *ast.StarExpr:
		return ""
	}
	return fmt.Sprintf("%T", e)
}

// TestPDKsMatchABI keeps every PDK (and the conformance guest) in step with
// the ABI: each imports every host function of pdk/ABI.md (and core/abi,
// TestHostFuncsInABIDoc) from module wasmgate with its signature — as many
// parameters, a result or none, every one 32 bits — and nothing else; and
// the hook bits, result codes and log levels of the Rust, C and
// AssemblyScript PDKs are the numbers of core/abi.
func TestPDKsMatchABI(t *testing.T) {
	want := docHostFuncs(t)
	re := regexp.MustCompile
	pdks := []struct {
		name    string
		imports func(t *testing.T) []pdkImport
		konst   string // a constant's definition, %s its name; the value is group 1
		kfile   string // the file with the constants
	}{
		{name: "go", imports: func(t *testing.T) []pdkImport { return goImports(t, "../../pdk/go") }},
		// The conformance guest, with raw imports: it must call every host
		// function, so it imports each.
		{name: "tck-guest", imports: func(t *testing.T) []pdkImport { return goImports(t, "../../conformance/tck/guest") }},
		{
			name: "rust",
			imports: importRE{
				block:  re(`(?s)#\[link\(wasm_import_module = "wasmgate"\)\]\s*extern "C" \{(.*?)\n\s*\}`),
				re:     re(`pub fn (?P<name>\w+)\((?P<params>[^)]*)\)\s*(?P<result>(-> \w+)?);`),
				param:  re(`^\w+: (i32|u32|\*const u8|\*mut u8)$`),
				result: re(`^-> (i32|u32)$`), none: re(`^$`),
			}.files("../../pdk/rust/src/lib.rs"),
			konst: `pub const %s: [iu]32 = (-?\d+);`, kfile: "../../pdk/rust/src/lib.rs",
		},
		{
			name: "c",
			imports: importRE{
				// WG_IMPORT is import_module("wasmgate"): checked below.
				re:     re(`WG_IMPORT\("(?P<name>\w+)"\)\s+(?P<result>\w+)\s+\w+\((?P<params>[^)]*)\);`),
				param:  re(`^(const )?((u?int32_t \w+)|(((unsigned )?char|void) \*\w+))$`),
				result: re(`^u?int32_t$`), none: re(`^void$`),
			}.files("../../pdk/c/wasmgate.c"),
			konst: `#define WG_%s\s+\(?(-?\d+)\)?`, kfile: "../../pdk/c/wasmgate.h",
		},
		{
			name: "assemblyscript",
			imports: importRE{
				re:     re(`@external\("wasmgate", "(?P<name>\w+)"\)\s*(?:export )?declare function \w+\((?P<params>[^)]*)\)\s*:\s*(?P<result>\w+);`),
				param:  re(`^\w+: (i32|u32|usize)$`),
				result: re(`^(i32|u32)$`), none: re(`^void$`),
			}.files("../../pdk/assemblyscript/assembly/index.ts"),
			konst: `export const %s: [iu]32 = (-?\d+);`, kfile: "../../pdk/assemblyscript/assembly/index.ts",
		},
	}
	for _, pdk := range pdks {
		t.Run(pdk.name, func(t *testing.T) {
			seen := map[string]bool{}
			for _, in := range pdk.imports(t) {
				sig, ok := want[in.name]
				switch {
				case !ok:
					t.Errorf("%s: imports %q, which is no host function of pdk/ABI.md", in.where, in.name)
				case in.bad != "":
					t.Errorf("%s: %s: %s is not 32 bits", in.where, in.name, in.bad)
				case in.sig != sig:
					t.Errorf("%s: %s%s, pdk/ABI.md has %s%s", in.where, in.name, in.sig, in.name, sig)
				}
				seen[in.name] = true
			}
			var missing []string
			for name := range want {
				if !seen[name] {
					missing = append(missing, name)
				}
			}
			sort.Strings(missing)
			for _, name := range missing {
				t.Errorf("pdk %s does not import host function %s", pdk.name, name)
			}
			if pdk.konst != "" {
				checkConsts(t, pdk.kfile, pdk.konst)
			}
		})
	}
	c, err := os.ReadFile("../../pdk/c/wasmgate.c")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(c), `#define WG_IMPORT(name) __attribute__((import_module("wasmgate"), import_name(name)))`) {
		t.Error("pdk/c/wasmgate.c: WG_IMPORT does not import from module wasmgate")
	}
}

// files makes the imports of a PDK's files.
func (r importRE) files(files ...string) func(t *testing.T) []pdkImport {
	return func(t *testing.T) []pdkImport {
		var out []pdkImport
		for _, f := range files {
			out = append(out, r.find(t, f)...)
		}
		return out
	}
}

// checkConsts checks that a PDK defines the ABI's numbers as core/abi has
// them.
func checkConsts(t *testing.T, file, pattern string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	consts := map[string]int64{
		"HOOK_REQUEST": int64(abi.HookRequest), "HOOK_RESPONSE": int64(abi.HookResponse), "HOOK_CHUNK": int64(abi.HookChunk),
		"ERR_NOT_FOUND": int64(abi.ErrNotFound), "ERR_NOT_AVAILABLE": int64(abi.ErrNotAvailable), "ERR_TOO_LARGE": int64(abi.ErrTooLarge),
		"ERR_INVALID": int64(abi.ErrInvalid), "ERR_DENIED": int64(abi.ErrDenied), "ERR_UNAVAILABLE": int64(abi.ErrUnavailable),
		"LOG_DEBUG": abi.LogDebug, "LOG_INFO": abi.LogInfo, "LOG_WARN": abi.LogWarn, "LOG_ERROR": abi.LogError,
	}
	for name, want := range consts {
		m := regexp.MustCompile(fmt.Sprintf(pattern, name)).FindStringSubmatch(src)
		if m == nil {
			t.Errorf("%s: no constant %s", file, name)
		} else if m[1] != fmt.Sprint(want) {
			t.Errorf("%s: %s = %s, want %d", file, name, m[1], want)
		}
	}
}
