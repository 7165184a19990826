// Package tck is the conformance kit of wasmgate's plugin ABI v1
// (pdk/ABI.md) for hosts: any host implementation that speaks ABI v1 can be
// checked with it by implementing Host and calling Run.
//
// Run loads the conformance guest (conformance/tck/guest, built with the Go
// toolchain), which calls every host function with a fixed exchange and
// checks each result inside the guest; the runner then checks what the host
// kept (bodies, headers, attributes, the provider request, short-circuits)
// and that hostile behaviour (traps, endless loops, memory bombs, malformed
// actions, output over the limit) fails only the call that did it.
package tck

import (
	"context"
	"time"
)

// Phase is a hook: request, response or chunk.
type Phase int

const (
	Request Phase = iota
	Response
	Chunk
)

func (p Phase) String() string {
	return [...]string{"request", "response", "chunk"}[p]
}

// Limits are a plugin's limits (pdk/ABI.md, "Limits and capabilities").
type Limits struct {
	MemoryPages    uint32
	Timeout        time.Duration
	MaxOutputBytes int
}

// Host is the host under test.
type Host interface {
	// Start loads the module and starts one instance with the slot config
	// and the secrets granted to it (name -> value, for secret_get): the ABI
	// version check, _initialize and wasmgate_init. A refusal is an error.
	Start(ctx context.Context, wasm, config []byte, lim Limits, secrets map[string]string) (Instance, error)
}

// Instance is one running plugin instance.
type Instance interface {
	// Begin starts a request on the instance with the exchange's data. The
	// host shows each object only in the phases ABI v1 allows.
	Begin(ex Exchange) Session
	// Close discards the instance.
	Close()
}

// Session is one request on an instance; its state (attributes, request
// edits) carries over from one phase to the next.
type Session interface {
	// Call runs a hook. adapter says whether the instance is the provider's
	// adapter. A plugin failure (trap, timeout, malformed output, output over
	// the limit, pointer out of range) is an error; the outcome is what the
	// exchange looks like after the call.
	Call(ctx context.Context, ph Phase, adapter bool) (Outcome, error)
}

// Exchange is the data of one request as the host holds it before the hooks.
type Exchange struct {
	Request         []byte
	RequestHeaders  map[string]string
	Attrs           map[string]string
	APIKey          string
	Response        []byte // the canonical response (response phase)
	Chunk           []byte // the canonical chunk (chunk phase)
	UpstreamStatus  int
	UpstreamHeaders map[string]string
	UpstreamBody    []byte // the provider's response (adapter, response phase)
	UpstreamChunk   []byte // one provider event (adapter, chunk phase)
	ProviderStats   []byte // what provider_stats answers (request phase)
}

// Outcome is the exchange after a hook.
type Outcome struct {
	Action int // 0 continue, 1 respond, 2 error

	// Short-circuit: send_response's status and body, or send_error's.
	Status     int
	Body       []byte
	ErrType    string
	ErrMessage string

	Request         []byte
	RequestHeaders  map[string]string // lower-case names
	Response        []byte
	ResponseStatus  int
	ResponseHeaders map[string]string
	Chunk           []byte
	ChunkSet        bool
	UpstreamURL     string
	UpstreamHeaders map[string]string
	UpstreamBody    []byte // nil: the canonical request is sent
	Attrs           map[string]string
}
