package pdk

// Constants of the wasmgate plugin ABI, version 1, as written in pdk/ABI.md.
// They have the same values as the host's core/abi package; a test checks
// both against ABI.md.

// ABIVersion is the ABI version this PDK implements; the exported
// wasmgate_abi_version returns it.
const ABIVersion = 1

// ImportModule is the Wasm import module of the host functions.
const ImportModule = "wasmgate"

// Hook mask bits returned by wasmgate_init.
const (
	HookRequest  uint32 = 1
	HookResponse uint32 = 2
	HookChunk    uint32 = 4
	HookAll             = HookRequest | HookResponse | HookChunk
)

// Action is what a hook returns to the host.
type Action uint32

const (
	// ActionContinue goes on with the next plugin.
	ActionContinue Action = 0
	// ActionRespond stops the phase; the client gets the response given to
	// send_response. Use [Respond] to return it.
	ActionRespond Action = 1
	// ActionError stops the phase; the client gets the error given to
	// send_error. Use [Error] to return it.
	ActionError Action = 2
)

// Continue is the action of a hook that lets the exchange go on.
const Continue = ActionContinue

// ObjectID names the data a host function reads or writes.
type ObjectID uint32

const (
	ObjRequest          ObjectID = 0 // canonical request
	ObjResponse         ObjectID = 1 // canonical response
	ObjChunk            ObjectID = 2 // canonical stream chunk
	ObjUpstreamRequest  ObjectID = 3 // provider request (adapter only)
	ObjUpstreamResponse ObjectID = 4 // provider response (adapter only)
	ObjUpstreamChunk    ObjectID = 5 // one provider event's data (adapter only)
)

// Results of host functions below zero. [HostError] turns them into errors.
const (
	ResultNotFound     int32 = -1
	ResultNotAvailable int32 = -2
	ResultTooLarge     int32 = -3
	ResultInvalid      int32 = -4
	ResultDenied       int32 = -5
	ResultUnavailable  int32 = -6
)

// Flags of json_get and json_set.
const (
	FlagString uint32 = 1
	FlagDelete uint32 = 2
)

// Log levels of [Log].
const (
	LogDebug = 0
	LogInfo  = 1
	LogWarn  = 2
	LogError = 3
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
