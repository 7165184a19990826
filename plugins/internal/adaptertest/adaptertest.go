// Package adaptertest replays recorded provider payloads through an adapter
// with pdktest and compares what it builds with golden files. Run the tests
// with -update to rewrite the golden files after a deliberate change (and
// read the diff).
package adaptertest

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// Read returns a testdata file.
func Read(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Golden compares JSON with a golden file in testdata, ignoring formatting
// but not key order.
func Golden(t testing.TB, name string, got []byte) {
	t.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", name, err, got)
	}
	pretty.WriteByte('\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("%s differs from the golden file:\ngot:\n%s\nwant:\n%s", name, pretty.Bytes(), want)
	}
}

// GoldenLines is Golden for a JSON array of JSON documents (the chunks of a
// stream).
func GoldenLines(t testing.TB, name string, docs [][]byte) {
	t.Helper()
	Golden(t, name, append(append([]byte("["), bytes.Join(docs, []byte(","))...), ']'))
}

// SSEData returns the data of each server-sent event of a recorded stream.
func SSEData(stream string) []string {
	var out []string
	for _, ev := range strings.Split(strings.ReplaceAll(stream, "\r\n", "\n"), "\n\n") {
		var data []string
		for _, line := range strings.Split(ev, "\n") {
			if v, ok := strings.CutPrefix(line, "data:"); ok {
				data = append(data, strings.TrimPrefix(v, " "))
			}
		}
		if len(data) > 0 {
			out = append(out, strings.Join(data, "\n"))
		}
	}
	return out
}

// Stream runs the adapter's chunk hook on each event in one session after
// its request hook, and returns the chunks it made (dropped ones left out),
// or stops at an error and returns it.
func Stream(t testing.TB, s *pdktest.Session, events []string) (chunks [][]byte, errReply *pdktest.ErrorReply) {
	t.Helper()
	for _, ev := range events {
		res := s.Chunk("", pdktest.WithUpstreamChunk(ev))
		if res.Failure != "" {
			t.Fatalf("chunk hook failed: %s (event %s)", res.Failure, ev)
		}
		if res.Action == pdk.ActionError {
			return chunks, res.Error
		}
		if !res.Dropped {
			chunks = append(chunks, res.Chunk)
		}
	}
	return chunks, nil
}

// Request runs the adapter's request hook in a new session and fails the
// test if the hook did not continue.
func Request(t testing.TB, plugin any, body string, opts ...pdktest.Option) (*pdktest.Session, *pdktest.Result) {
	t.Helper()
	s := pdktest.New(t, plugin, append(opts, pdktest.AsAdapter())...)
	res := s.Request(body)
	if res.Failure != "" || res.Action != pdk.Continue {
		t.Fatalf("request hook: action %d, error %v, failure %q", res.Action, res.Error, res.Failure)
	}
	return s, res
}

// Case is one recorded exchange.
type Case struct {
	Name     string
	Request  string // the canonical request, JSON text
	Recorded string // testdata file: the provider's answer (for streams, read by Events)
	Golden   string // testdata file: the canonical answer
}

// Responses replays recorded non-streamed answers through the response hook,
// each after the request hook in one session, and compares the canonical
// responses with their golden files.
func Responses(t *testing.T, plugin func() any, opts []pdktest.Option, cases []Case) {
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			s, _ := Request(t, plugin(), tc.Request, opts...)
			res := s.Response("", pdktest.WithUpstreamResponse(200, Read(t, tc.Recorded)))
			if res.Failure != "" || res.Action != pdk.Continue {
				t.Fatalf("action %d, error %v, failure %q", res.Action, res.Error, res.Failure)
			}
			Golden(t, tc.Golden, res.Response)
		})
	}
}

// Streams replays recorded streams through the chunk hook: events splits a
// recorded file into the events' data.
func Streams(t *testing.T, plugin func() any, opts []pdktest.Option, cases []Case, events func(testing.TB, string) []string) {
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			s, _ := Request(t, plugin(), tc.Request, opts...)
			chunks, errReply := Stream(t, s, events(t, tc.Recorded))
			if errReply != nil {
				t.Fatalf("error %v", errReply)
			}
			GoldenLines(t, tc.Golden, chunks)
		})
	}
}

// SSEFile returns the data of each event of a recorded SSE stream in testdata.
func SSEFile(t testing.TB, name string) []string { return SSEData(Read(t, name)) }
