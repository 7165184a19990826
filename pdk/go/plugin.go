package pdk

import (
	"bytes"
	"encoding/json"
)

// Initializer is implemented by plugins that read their configuration. Init
// runs once per instance, before any hook; an error refuses to start the
// plugin and its message is reported by the host.
type Initializer interface {
	Init(cfg Config) error
}

// RequestHandler is implemented by plugins with a request hook.
type RequestHandler interface {
	OnRequest(req *Request) Action
}

// ResponseHandler is implemented by plugins with a response hook
// (non-streamed responses).
type ResponseHandler interface {
	OnResponse(resp *Response) Action
}

// ChunkHandler is implemented by plugins with a stream chunk hook.
type ChunkHandler interface {
	OnChunk(c *Chunk) Action
}

// RequestFunc is a function that is a request-only plugin:
//
//	pdk.Register(pdk.RequestFunc(func(req *pdk.Request) pdk.Action { ... }))
type RequestFunc func(req *Request) Action

// OnRequest calls f.
func (f RequestFunc) OnRequest(req *Request) Action { return f(req) }

var (
	plugin     any
	initer     Initializer
	onRequest  RequestHandler
	onResponse ResponseHandler
	onChunk    ChunkHandler
	hookMask   uint32
)

// Register makes p the plugin of this module. Call it from an init function
// of package main (a Wasm reactor runs init functions, not main). The hook
// mask is derived from the handler interfaces p implements: RequestHandler,
// ResponseHandler and ChunkHandler; Initializer is optional.
func Register(p any) {
	plugin = p
	initer, _ = p.(Initializer)
	onRequest, _ = p.(RequestHandler)
	onResponse, _ = p.(ResponseHandler)
	onChunk, _ = p.(ChunkHandler)
	hookMask = 0
	if onRequest != nil {
		hookMask |= HookRequest
	}
	if onResponse != nil {
		hookMask |= HookResponse
	}
	if onChunk != nil {
		hookMask |= HookChunk
	}
}

// Config is the JSON configuration of the pipeline slot ("{}" if none).
type Config struct {
	raw []byte
}

// NewConfig returns a Config holding raw JSON.
func NewConfig(raw []byte) Config { return Config{raw: raw} }

// Raw returns the configuration JSON.
func (c Config) Raw() []byte { return c.raw }

// Unmarshal decodes the configuration into v with encoding/json. Unknown
// fields are ignored; see UnmarshalStrict.
func (c Config) Unmarshal(v any) error {
	if len(bytes.TrimSpace(c.raw)) == 0 {
		return nil
	}
	return json.Unmarshal(c.raw, v)
}

// UnmarshalStrict is Unmarshal but an unknown field is an error, so that a
// misspelt option is reported at load instead of being ignored.
func (c Config) UnmarshalStrict(v any) error {
	if len(bytes.TrimSpace(c.raw)) == 0 {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(c.raw))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return &json.SyntaxError{Offset: d.InputOffset()}
	}
	return nil
}

// Respond stops the phase and answers the client with status and body, a
// canonical chat completion (JSON). It is for the request and response hooks:
//
//	return pdk.Respond(200, body)
//
// If the host refuses the response (status out of range, body not JSON, over
// the output limit) the hook fails and the slot's on_error applies.
func Respond(status int, body []byte) Action {
	if r := hSendResponse(int32(status), bstr(body)); r < 0 {
		Log(LogError, "pdk: send_response refused: "+HostError(r).Error())
	}
	return ActionRespond
}

// Error stops the phase and answers the client with an API error: an HTTP
// status from 400 to 599, an error type such as "invalid_request_error" and a
// message the client may see. In the chunk phase it ends the stream with an
// error event.
func Error(status int, errType, message string) Action {
	if r := hSendError(int32(status), errType, message); r < 0 {
		Log(LogError, "pdk: send_error refused: "+HostError(r).Error())
	}
	return ActionError
}

var (
	theRequest          = Request{Object{ObjRequest}}
	theResponse         = Response{Object{ObjResponse}}
	theChunk            = Chunk{Object{ObjChunk}}
	theUpstream         = ProviderRequest{Object{ObjUpstreamRequest}}
	theUpstreamResponse = ProviderResponse{Object{ObjUpstreamResponse}}
	theUpstreamChunk    = ProviderChunk{Object{ObjUpstreamChunk}}
)

// resetState forgets what the PDK cached about the current request.
func resetState() { msgCount = -1 }

func dispatchInit() int32 {
	if plugin == nil {
		hSendError(500, "plugin_error", "no plugin registered: call pdk.Register in an init function")
		return -1
	}
	if initer != nil {
		raw, n := read(rdConfig, 0, "", 0)
		if n < 0 {
			raw = nil
		}
		if err := initer.Init(Config{raw: clone(raw)}); err != nil {
			hSendError(500, "plugin_error", err.Error())
			return -1
		}
	}
	return int32(hookMask)
}

func dispatchRequest() int32 {
	resetState()
	if onRequest == nil {
		return int32(ActionContinue)
	}
	return int32(onRequest.OnRequest(&theRequest))
}

func dispatchResponse() int32 {
	resetState()
	if onResponse == nil {
		return int32(ActionContinue)
	}
	return int32(onResponse.OnResponse(&theResponse))
}

func dispatchChunk() int32 {
	resetState()
	if onChunk == nil {
		return int32(ActionContinue)
	}
	return int32(onChunk.OnChunk(&theChunk))
}
