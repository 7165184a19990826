// Package abi holds the constants of the wasmgate plugin ABI, version 1, as
// written in pdk/ABI.md. It has no dependencies so that hosts, PDKs and tools
// can share one definition.
package abi

// Version is the ABI version this host speaks.
const Version = 1

// ImportModule is the Wasm import module of the host functions.
const ImportModule = "wasmgate"

// Guest exports.
const (
	ExportMemory     = "memory"
	ExportInitialize = "_initialize"
	ExportABIVersion = "wasmgate_abi_version"
	ExportInit       = "wasmgate_init"
	ExportOnRequest  = "wasmgate_on_request"
	ExportOnResponse = "wasmgate_on_response"
	ExportOnChunk    = "wasmgate_on_chunk"
)

// Hook mask bits returned by wasmgate_init.
const (
	HookRequest  uint32 = 1
	HookResponse uint32 = 2
	HookChunk    uint32 = 4
	HookAll             = HookRequest | HookResponse | HookChunk
)

// Phase is one of the three hook phases.
type Phase int

const (
	PhaseRequest Phase = iota
	PhaseResponse
	PhaseChunk
)

func (p Phase) String() string {
	switch p {
	case PhaseRequest:
		return "request"
	case PhaseResponse:
		return "response"
	case PhaseChunk:
		return "chunk"
	}
	return "unknown"
}

// Export is the name of the hook export for the phase.
func (p Phase) Export() string {
	return [...]string{ExportOnRequest, ExportOnResponse, ExportOnChunk}[p]
}

// Bit is the hook mask bit for the phase.
func (p Phase) Bit() uint32 { return 1 << uint(p) }

// Action is what a hook returns.
type Action uint32

const (
	ActionContinue Action = 0
	ActionRespond  Action = 1
	ActionError    Action = 2
)

// Object names the data a host function reads or writes.
type Object uint32

const (
	ObjRequest          Object = 0
	ObjResponse         Object = 1
	ObjChunk            Object = 2
	ObjUpstreamRequest  Object = 3
	ObjUpstreamResponse Object = 4
	ObjUpstreamChunk    Object = 5
)

// Results of host functions below zero.
const (
	ErrNotFound     int32 = -1
	ErrNotAvailable int32 = -2
	ErrTooLarge     int32 = -3
	ErrInvalid      int32 = -4
	ErrDenied       int32 = -5
	ErrUnavailable  int32 = -6
)

// Flags of json_get and json_set.
const (
	FlagString uint32 = 1
	FlagDelete uint32 = 2
)

// Log levels of the log host function.
const (
	LogDebug = 0
	LogInfo  = 1
	LogWarn  = 2
	LogError = 3
)

// Host function names (import module ImportModule).
const (
	FnLog          = "log"
	FnConfigGet    = "config_get"
	FnBodyGet      = "body_get"
	FnBodySet      = "body_set"
	FnJSONGet      = "json_get"
	FnJSONSet      = "json_set"
	FnHeaderGet    = "header_get"
	FnHeaderSet    = "header_set"
	FnAttrGet      = "attr_get"
	FnAttrSet      = "attr_set"
	FnSendResponse = "send_response"
	FnSendError    = "send_error"
	FnJSONDigest   = "json_digest"
	FnCacheCall    = "cache_call"
	FnSecretGet    = "secret_get"
)

// Reserved attributes, set by the host and read only to plugins (except
// AttrUpstreamDone, which an adapter sets in its chunk hook).
const (
	AttrPrefix         = "wasmgate."
	AttrRequestID      = "wasmgate.request_id"
	AttrRoute          = "wasmgate.route"
	AttrPipeline       = "wasmgate.pipeline"
	AttrModel          = "wasmgate.model"
	AttrStream         = "wasmgate.stream"
	AttrProvider       = "wasmgate.provider"
	AttrProviderURL    = "wasmgate.provider.base_url"
	AttrProviderModel  = "wasmgate.provider.model"
	AttrProviderAPIKey = "wasmgate.provider.api_key"
	AttrEndpoint       = "wasmgate.endpoint"
	AttrUpstreamDone   = "wasmgate.upstream.done"
	AttrKeyID          = "wasmgate.key.id"
	AttrKeyTeam        = "wasmgate.key.team"
	AttrKeyUser        = "wasmgate.key.user"
)

// AttrCacheStatus is set by a cache plugin (hit, miss, …); the host records
// it with the request's usage.
const AttrCacheStatus = "cache.status"

// Pseudo-headers.
const (
	HeaderURL    = ":url"
	HeaderMethod = ":method"
	HeaderStatus = ":status"
)
