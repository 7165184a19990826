package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
	"github.com/wasmgate/wasmgate/plugins/internal/adaptertest"
)

var signTime = time.Date(2025, 11, 24, 16, 0, 0, 0, time.UTC)

func init() { now = func() time.Time { return signTime } }

const (
	modelID      = "anthropic.claude-3-haiku-20240307-v1:0"
	testKeyID    = "AKIDEXAMPLE"
	testSecret   = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	textRequest  = `{"model":"claude","messages":[{"role":"user","content":"What is the capital of France?"}]}`
	streamRquest = `{"model":"claude","stream":true,"messages":[{"role":"user","content":"What is the capital of France?"}]}`
)

func options(key string) []pdktest.Option {
	return []pdktest.Option{
		pdktest.WithAttr(pdk.AttrRequestID, "req_1"),
		pdktest.WithAttr(pdk.AttrModel, "claude"),
		pdktest.WithAttr(pdk.AttrProviderModel, modelID),
		pdktest.WithAttr(pdk.AttrProviderURL, "https://bedrock-runtime.us-east-1.amazonaws.com"),
		pdktest.WithAttr(pdk.AttrProviderAPIKey, key),
	}
}

var opts = options(testKeyID + ":" + testSecret)

func newAdapter() any { return &adapter{} }

func TestRequestTranslation(t *testing.T) {
	_, res := adaptertest.Request(t, &adapter{}, adaptertest.Read(t, "tools.request.json"), opts...)
	if want := "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse"; res.Upstream.URL != want {
		t.Errorf("url %q, want %q", res.Upstream.URL, want)
	}
	adaptertest.Golden(t, "tools.request.bedrock.json", res.Upstream.Body)

	_, res = adaptertest.Request(t, &adapter{}, streamRquest, opts...)
	if !strings.HasSuffix(res.Upstream.URL, "/converse-stream") || res.Upstream.Headers["accept"] != "application/vnd.amazon.eventstream" {
		t.Errorf("stream url %q, headers %v", res.Upstream.URL, res.Upstream.Headers)
	}
}

// TestSigV4 recomputes the signature by the steps of the SigV4 specification,
// apart from the signing library: the canonical request (with the model id's
// ":" escaped twice in the path, as AWS expects for every service but S3),
// the string to sign and the derived key.
func TestSigV4(t *testing.T) {
	for _, tc := range []struct {
		name, key, token string
	}{
		{"long-term key", testKeyID + ":" + testSecret, ""},
		{"session credentials", testKeyID + ":" + testSecret + ":FQoGZXIvYXdzEBYaDE", "FQoGZXIvYXdzEBYaDE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, res := adaptertest.Request(t, &adapter{}, textRequest, options(tc.key)...)
			h := res.Upstream.Headers
			if h["x-amz-date"] != "20251124T160000Z" || h["x-amz-security-token"] != tc.token {
				t.Fatalf("headers %v", h)
			}
			signed := "host;x-amz-date"
			canonHeaders := "host:bedrock-runtime.us-east-1.amazonaws.com\nx-amz-date:20251124T160000Z\n"
			if tc.token != "" {
				signed += ";x-amz-security-token"
				canonHeaders += "x-amz-security-token:" + tc.token + "\n"
			}
			bodyHash := sha256.Sum256(res.Upstream.Body)
			canonical := strings.Join([]string{"POST",
				"/model/anthropic.claude-3-haiku-20240307-v1%253A0/converse", "",
				canonHeaders, signed, hex.EncodeToString(bodyHash[:])}, "\n")
			crHash := sha256.Sum256([]byte(canonical))
			scope := "20251124/us-east-1/bedrock/aws4_request"
			toSign := "AWS4-HMAC-SHA256\n20251124T160000Z\n" + scope + "\n" + hex.EncodeToString(crHash[:])
			key := []byte("AWS4" + testSecret)
			for _, part := range []string{"20251124", "us-east-1", "bedrock", "aws4_request"} {
				key = hmacSHA256(key, part)
			}
			want := "AWS4-HMAC-SHA256 Credential=" + testKeyID + "/" + scope + ", SignedHeaders=" + signed +
				", Signature=" + hex.EncodeToString(hmacSHA256(key, toSign))
			if h["authorization"] != want {
				t.Fatalf("authorization\n got %s\nwant %s", h["authorization"], want)
			}
		})
	}
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func TestAuthAndRegion(t *testing.T) {
	_, res := adaptertest.Request(t, &adapter{}, textRequest, options("bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t")...)
	if res.Upstream.Headers["authorization"] != "Bearer bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t" || res.Upstream.Headers["x-amz-date"] != "" {
		t.Errorf("API key: headers %v", res.Upstream.Headers)
	}
	// A base_url without a region needs the region in the config.
	local := append(opts[:len(opts):len(opts)], pdktest.WithAttr(pdk.AttrProviderURL, "http://127.0.0.1:9/"))
	res = pdktest.New(t, &adapter{}, append(local, pdktest.AsAdapter())...).Request(textRequest)
	if res.Action != pdk.ActionError || !strings.Contains(res.Error.Message, "no region") {
		t.Errorf("no region: %d %v", res.Action, res.Error)
	}
	_, res = adaptertest.Request(t, &adapter{}, textRequest, append(local, pdktest.WithConfig(`{"region":"eu-west-3"}`))...)
	if !strings.Contains(res.Upstream.Headers["authorization"], "/eu-west-3/bedrock/aws4_request") || !strings.HasPrefix(res.Upstream.URL, "http://127.0.0.1:9/model/") {
		t.Errorf("configured region: %v %s", res.Upstream.Headers, res.Upstream.URL)
	}
}

func TestResponseTranslation(t *testing.T) {
	adaptertest.Responses(t, newAdapter, opts, []adaptertest.Case{
		{Name: "tools", Request: adaptertest.Read(t, "tools.request.json"), Recorded: "tools.response.bedrock.json", Golden: "tools.response.json"},
		{Name: "text", Request: textRequest, Recorded: "text.response.bedrock.json", Golden: "text.response.json"},
	})
}

// eventStream decodes a recorded binary event stream (CRCs checked) into the
// payloads of its event messages, as the gateway hands them to the adapter.
func eventStream(t testing.TB, name string) []string {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	r, dec := bytes.NewReader(b), eventstream.NewDecoder()
	var out []string
	for {
		msg, err := dec.Decode(r, nil)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if msg.Headers.Get(":message-type").String() == "event" {
			out = append(out, string(msg.Payload))
		}
	}
}

func TestStreamTranslation(t *testing.T) {
	adaptertest.Streams(t, newAdapter, opts, []adaptertest.Case{
		{Name: "tools", Request: streamRquest, Recorded: "tools.stream.bedrock.bin", Golden: "tools.stream.json"},
		{Name: "text", Request: streamRquest, Recorded: "text.stream.bedrock.bin", Golden: "text.stream.json"},
	}, eventStream)
}

func TestStreamedToolCall(t *testing.T) {
	s, _ := adaptertest.Request(t, &adapter{}, streamRquest, opts...)
	chunks, _ := adaptertest.Stream(t, s, eventStream(t, "tools.stream.bedrock.bin"))
	var args, text strings.Builder
	id, finish, prompt := "", "", int64(0)
	for _, c := range chunks {
		r := gjson.ParseBytes(c)
		if v := r.Get("choices.0.delta.tool_calls.0.id").Str; v != "" {
			id = v
		}
		args.WriteString(r.Get("choices.0.delta.tool_calls.0.function.arguments").Str)
		text.WriteString(r.Get("choices.0.delta.content").Str)
		if f := r.Get("choices.0.finish_reason").Str; f != "" {
			finish = f
		}
		if v := r.Get("usage.prompt_tokens"); v.Exists() {
			prompt = v.Int()
		}
	}
	if id != "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q" || gjson.Get(args.String(), "city").Str != "Lyon" || finish != "tool_calls" ||
		text.String() != "I'll check the weather in Lyon." || prompt != 412 {
		t.Fatalf("id %q args %q text %q finish %q prompt %d", id, args.String(), text.String(), finish, prompt)
	}
}

func TestBadRequests(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"image link", `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]}`, "data: URLs"},
		{"unknown role", `{"model":"m","messages":[{"role":"robot","content":"x"}]}`, "unknown message role"},
		{"only system", `{"model":"m","messages":[{"role":"system","content":"x"}]}`, "at least one user"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := pdktest.New(t, &adapter{}, append(opts[:len(opts):len(opts)], pdktest.AsAdapter())...).Request(tc.body)
			if res.Action != pdk.ActionError || res.Error.Status != 400 || !strings.Contains(res.Error.Message, tc.want) {
				t.Fatalf("action %d, error %v, failure %q", res.Action, res.Error, res.Failure)
			}
		})
	}
}
