//go:build wasip1

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/wasmgate/wasmgate/conformance/tck/fixture"
)

//go:wasmexport wasmgate_on_request
func onRequest() int32 {
	failure = ""
	switch tckCase() {
	case "basic":
		requestBasic()
	case "adapter":
		requestAdapter()
	case "redact":
		requestRedact() // match_redact (redact.go)
	case "build":
		requestBuild()
	case "match":
		requestMatch() // match_scan and match_text (match.go)
	case "respond":
		code("send_response", sendResponse(200, fixture.ShortResponse), 0)
		if failure == "" {
			return 1
		}
	case "error":
		code("send_error", sendError(429, "rate_limit_error", "slow down"), 0)
		if failure == "" {
			return 2
		}
	case "malformed":
		return 1 // respond without send_response
	case "unknown-action":
		return 7
	case "overlimit":
		code("json_set over max_output_bytes", jsonSet(objRequest, "big", flagString, strings.Repeat("x", 4096)), errTooLarge)
	case "trap":
		var p *[4]int
		return int32(p[1]) // nil dereference: a trap
	case "loop":
		for i := 0; ; i++ {
			if i < 0 {
				return 0
			}
		}
	case "membomb":
		hold := make([][]byte, 0, 1024)
		for i := 0; i < 1024; i++ {
			hold = append(hold, make([]byte, 1<<20))
		}
		return int32(len(hold[1023]))
	case "metrics":
		requestMetrics() // metrics.go
	case "state":
		// The previous request's attribute must not leak into this one.
		_, n := attrGet("tck.out")
		missing("attribute of an earlier request", n, errNotFound)
	}
	return finish(0)
}

func requestBasic() {
	body, n := bodyGet(objRequest)
	value("body_get request", body, n, fixture.RequestJSON)
	cfg, n := configGet()
	value("config_get in a hook", cfg, n, fixture.ConfigJSON)
	sum := sha256.Sum256([]byte(fixture.CanonicalRequest))
	d, n := jsonDigest(objRequest, "stream")
	value("json_digest of the request without stream", d, n, hex.EncodeToString(sum[:]))
	_, n = jsonDigest(objResponse, "")
	missing("json_digest of the response in the request phase", n, errNotAvailable)
	ps, n := providerStats()
	value("provider_stats", ps, n, fixture.ProviderStats)
	code("cache_call without the cache capability", cacheCall(`{"op":"get","key":"k"}`), errDenied)

	v, n := jsonGet(objRequest, "model", 0)
	value("json_get model", v, n, `"tck-model"`)
	v, n = jsonGet(objRequest, "model", flagString)
	value("json_get model (string)", v, n, "tck-model")
	v, n = jsonGet(objRequest, "messages.1.content", flagString)
	value("json_get unescaped", v, n, "say \"hi\"\n")
	v, n = jsonGet(objRequest, "messages.#", 0)
	value("json_get messages.#", v, n, "2")
	v, n = jsonGet(objRequest, "messages.#.role", 0)
	value("json_get messages.#.role", v, n, `["system","user"]`)
	v, n = jsonGet(objRequest, `n\.x`, 0)
	value(`json_get n\.x`, v, n, "1")
	v, n = jsonGet(objRequest, "stream", flagString)
	value("json_get non-string with the string flag", v, n, "false")
	_, n = jsonGet(objRequest, "missing.key", 0)
	missing("json_get missing", n, errNotFound)

	code("json_set string", jsonSet(objRequest, "model", flagString, `tck "model" 2`), 0)
	v, n = jsonGet(objRequest, "model", 0)
	value("json_get after json_set string", v, n, `"tck \"model\" 2"`)
	code("json_set append", jsonSet(objRequest, "messages.-1", 0, `{"role":"user","content":"added"}`), 0)
	v, n = jsonGet(objRequest, "messages.#", 0)
	value("messages.# after append", v, n, "3")
	code("json_set invalid JSON", jsonSet(objRequest, "temperature", 0, "not json"), errInvalid)
	code("json_set on #", jsonSet(objRequest, "messages.#", 0, "1"), errInvalid)
	code("json_set empty path", jsonSet(objRequest, "", 0, "1"), errInvalid)
	code("json_set delete", jsonSet(objRequest, "stream", flagDelete, ""), 0)
	_, n = jsonGet(objRequest, "stream", 0)
	missing("json_get after delete", n, errNotFound)
	code("json_set delete missing", jsonSet(objRequest, "nothing.here", flagDelete, ""), 0)
	code("json_set raw", jsonSet(objRequest, "temperature", 0, "0.5"), 0)

	v, n = headerGet(objRequest, "X-TENANT")
	value("header_get case-insensitive", v, n, "acme")
	_, n = headerGet(objRequest, "x-none")
	missing("header_get missing", n, errNotFound)
	code("header_set", headerSet(objRequest, "X-Tck", "set"), 0)
	v, n = headerGet(objRequest, "x-tck")
	value("header_get after header_set", v, n, "set")
	code("header_set delete", headerDel(objRequest, "x-tenant"), 0)
	_, n = headerGet(objRequest, "x-tenant")
	missing("header_get after delete", n, errNotFound)
	code("header_set bad name", headerSet(objRequest, "bad name", "v"), errInvalid)
	code("header_set CRLF value", headerSet(objRequest, "x-bad", "a\r\nb: c"), errInvalid)
	_, n = headerGet(objResponse, ":status")
	missing("response headers in the request phase", n, errNotAvailable)

	v, n = attrGet("wasmgate.request_id")
	value("attr_get wasmgate.request_id", v, n, fixture.RequestID)
	v, n = attrGet("tck.in")
	value("attr_get tck.in", v, n, "from-host")
	_, n = attrGet("tck.none")
	missing("attr_get missing", n, errNotFound)
	code("attr_set reserved", attrSet("wasmgate.model", "x"), errDenied)
	code("attr_set empty name", attrSet("", "x"), errInvalid)
	code("attr_set", attrSet("tck.out", "request-ok"), 0)
	v, n = attrGet("tck.out")
	value("attr_get after attr_set", v, n, "request-ok")
	code("attr_set tmp", attrSet("tck.tmp", "v"), 0)
	code("attr_set delete", attrDel("tck.tmp"), 0)
	_, n = attrGet("tck.tmp")
	missing("attr_get after delete", n, errNotFound)
	_, n = attrGet("wasmgate.provider.api_key")
	missing("provider key outside the adapter", n, errDenied)
	v, n = secretGet(fixture.SecretName)
	value("secret_get in a hook", v, n, fixture.SecretValue)

	for _, c := range []struct {
		obj  int32
		name string
	}{{objResponse, "response"}, {objChunk, "chunk"}, {objUpRequest, "upstream request"}, {objUpResponse, "upstream response"}, {objUpChunk, "upstream chunk"}} {
		_, n = bodyGet(c.obj)
		missing("body_get "+c.name+" in the request phase of a plugin", n, errNotAvailable)
	}
	code("body_set invalid JSON", bodySet(objRequest, "{not json"), errInvalid)
	code("body_set response in the request phase", bodySet(objResponse, "{}"), errNotAvailable)
	code("send_response status 100", sendResponse(100, "{}"), errInvalid)
	code("send_response not JSON", sendResponse(200, "nope"), errInvalid)
	code("send_error status 200", sendError(200, "x", "m"), errInvalid)
	code("send_error empty type", sendError(400, "", "m"), errInvalid)
	code("send_error long type", sendError(400, strings.Repeat("t", 65), "m"), errInvalid)
	logMsg(1, "tck: request checked")
}

func requestAdapter() {
	v, n := attrGet("wasmgate.provider.api_key")
	value("adapter reads the provider key", v, n, fixture.APIKey)
	v, n = headerGet(objUpRequest, ":method")
	value("upstream :method default", v, n, "POST")
	code("upstream :url", headerSet(objUpRequest, ":url", fixture.AdapterURL), 0)
	v, n = headerGet(objUpRequest, ":url")
	value("upstream :url after set", v, n, fixture.AdapterURL)
	code("upstream header", headerSet(objUpRequest, "Authorization", "Bearer "+fixture.APIKey), 0)
	v, n = jsonGet(objUpRequest, "model", flagString)
	value("unset upstream body reads as the request", v, n, "tck-model")
	code("json_set upstream", jsonSet(objUpRequest, "model", flagString, "up-model"), 0)
	v, n = jsonGet(objRequest, "model", flagString)
	value("canonical request untouched by upstream writes", v, n, "tck-model")
}

// requestBuild checks json_build: a shape query to the guest, a body built
// into the provider request, and its failures.
func requestBuild() {
	const lit, cp, kind, cpOr, base, each, srcBase = 1, 2, 3, 4, 5, 6, 255
	shape := program(each, objRequest, "messages", 2, 128, "system,user", "role", 64, "content", "|")
	v, n := jsonBuildOutput(shape)
	value("json_build shape to the guest", v, n, fixture.BuildShape)
	body := program(lit, `{"m":`, cp, objRequest, 0, "model", lit, `,"u":`, base, objRequest, uint32(1), "messages",
		cp, srcBase, 0, "content", cpOr, objRequest, 0, "nope", "x", "y", `,"d":1`, lit, "}")
	code("json_build into the provider request", jsonBuild(objUpRequest, body), int32(len(fixture.BuildBody)))
	v, n = bodyGet(objUpRequest)
	value("provider request after json_build", v, n, fixture.BuildBody)
	code("json_build with a required value missing", jsonBuild(objUpRequest, program(lit, "{", cp, objRequest, 4, "nope", lit, "}")), errNotFound)
	code("json_build of a malformed program", jsonBuild(objUpRequest, program(cp, objRequest)), errInvalid)
	code("json_build of invalid JSON into the request", jsonBuild(objRequest, program(lit, "{")), errInvalid)
	code("json_build into the response in the request phase", jsonBuild(objResponse, program(lit, "{}")), errNotAvailable)
	v, n = jsonBuildOutput(program(kind, objRequest, "messages.0.content", kind, objRequest, "nope"))
	value("json_build kinds", v, n, "su")
	requestBuildTemplates()
}

// requestBuildTemplates checks json_build's templates (opcodes 8-12): a map
// over the messages with a switch per role, a group, prev and next, cut,
// and fail.
func requestBuildTemplates() {
	const lit, cp, kind, sw, group, mp, fail, cut = 1, 2, 3, 8, 9, 10, 11, 12
	const srcBase, srcPrev, srcNext = 255, 253, 252
	p := func(parts ...any) string { return string(program(parts...)) }
	system := p(lit, "S:", kind, srcPrev, "role", cut, srcBase, 1, "content", "be ", "")
	user := p(group, "<", "|", ">", 5,
		p(kind, srcNext, "role"),
		p(cut, srcBase, 0, "content", "say ", ""),
		p(cp, srcBase, 0, "nope"),
		p(sw, srcBase, 1, "content", 1, "ao", p(lit, "?"), p(lit, "obj")),
		p(sw, srcBase, 2, "content", 1, "say", "", p(lit, "say")))
	tmpl := program(mp, objRequest, "messages", "[", ",", "]",
		p(sw, srcBase, 0, "role", 2, "system", "user", p(fail), system, user))
	v, n := jsonBuildOutput(tmpl)
	value("json_build templates", v, n, fixture.BuildTemplates)
	code("json_build fail", jsonBuild(objUpRequest, program(mp, objRequest, "messages", "", "", "", p(sw, srcBase, 0, "role", 1, "user", p(fail), ""))), errNotFound)
	code("json_build nested too deep", jsonBuild(objUpRequest, program(group, "", "", "", 1, p(group, "", "", "", 1, p(group, "", "", "", 1,
		p(group, "", "", "", 1, p(group, "", "", "", 1, p(group, "", "", "", 1, p(group, "", "", "", 1, p(group, "", "", "", 1, p(group, "", "", "", 1, p(lit, "x"))))))))))), errInvalid)
}

//go:wasmexport wasmgate_on_response
func onResponse() int32 {
	failure = ""
	switch tckCase() {
	case "match":
		responseMatch()
		return finish(0)
	case "adapter":
		_, n := attrGet("wasmgate.provider.api_key")
		missing("provider key in the response phase", n, errDenied)
		v, n := headerGet(objUpResponse, ":status")
		value("upstream :status", v, n, "200")
		v, n = headerGet(objUpResponse, "X-Up")
		value("upstream response header", v, n, "1")
		v, n = bodyGet(objUpResponse)
		value("upstream response body", v, n, fixture.UpResponseJSON)
		code("body_set upstream response", bodySet(objUpResponse, "{}"), errNotAvailable)
		code("body_set response", bodySet(objResponse, fixture.AdapterResponse), 0)
		return finish(0)
	}
	v, n := bodyGet(objResponse)
	value("body_get response", v, n, fixture.ResponseJSON)
	v, n = jsonGet(objResponse, "choices.0.message.content", flagString)
	value("json_get response content", v, n, "hello")
	code("json_set response", jsonSet(objResponse, "choices.0.message.content", flagString, "hello, tck"), 0)
	v, n = headerGet(objResponse, ":status")
	value("response :status", v, n, "200")
	code("response :status set", headerSet(objResponse, ":status", "201"), 0)
	code("response :status out of range", headerSet(objResponse, ":status", "99"), errInvalid)
	code("response header", headerSet(objResponse, "x-tck-resp", "1"), 0)
	code("request read only in the response phase", jsonSet(objRequest, "model", flagString, "x"), errNotAvailable)
	v, n = jsonGet(objRequest, "model", flagString)
	value("request as the request phase left it", v, n, `tck "model" 2`)
	v, n = attrGet("tck.out")
	value("attribute from the request phase", v, n, "request-ok")
	code("attr_set in the response phase", attrSet("tck.resp", "ok"), 0)
	_, n = bodyGet(objChunk)
	missing("chunk in the response phase", n, errNotAvailable)
	_, n = providerStats()
	missing("provider_stats in the response phase", n, errNotAvailable)
	_, n = bodyGet(objUpResponse)
	missing("upstream response outside the adapter", n, errNotAvailable)
	return finish(0)
}

//go:wasmexport wasmgate_on_chunk
func onChunk() int32 {
	failure = ""
	switch tckCase() {
	case "match":
		chunkMatch()
		return finish(0)
	case "adapter":
		v, n := bodyGet(objUpChunk)
		value("upstream chunk", v, n, fixture.UpChunkJSON)
		v, n = jsonGet(objUpChunk, "text", flagString)
		value("upstream chunk path", v, n, "lo")
		code("body_set chunk", bodySet(objChunk, fixture.AdapterChunkJSON), 0)
		return finish(0)
	case "drop":
		code("drop chunk", bodySet(objChunk, ""), 0)
		return finish(0)
	case "chunk-error":
		code("send_error in the chunk phase", sendError(502, "upstream_error", "cut"), 0)
		return finish(2)
	}
	v, n := bodyGet(objChunk)
	value("body_get chunk", v, n, fixture.ChunkJSON)
	v, n = jsonGet(objChunk, "choices.0.delta.content", flagString)
	value("json_get chunk content", v, n, "hel")
	code("json_set chunk", jsonSet(objChunk, "choices.0.delta.content", flagString, "HEL"), 0)
	code("send_response in the chunk phase", sendResponse(200, "{}"), errNotAvailable)
	code("response header in the chunk phase", headerSet(objResponse, "x-late", "1"), 0)
	code("response body in the chunk phase", jsonSet(objResponse, "id", flagString, "x"), errNotAvailable)
	code("request read only in the chunk phase", jsonSet(objRequest, "model", flagString, "x"), errNotAvailable)
	v, n = attrGet("tck.out")
	value("attribute from the request phase in a chunk", v, n, "request-ok")
	return finish(0)
}
