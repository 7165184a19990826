package host

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/jsonscan"
	"github.com/wasmgate/wasmgate/pdk/go/jsonbuild"
)

// Reason classifies a plugin failure (a metrics label, too).
type Reason string

const (
	ReasonTrap        Reason = "trap"
	ReasonTimeout     Reason = "timeout"
	ReasonMalformed   Reason = "malformed_output"
	ReasonOutputLimit Reason = "output_limit"
	ReasonBadPointer  Reason = "bad_pointer"
	ReasonExit        Reason = "exit"
	// ReasonNotAllowed is a plugin reaching for what its capabilities do
	// not grant (an Extism plugin's HTTP request to a host not listed).
	ReasonNotAllowed Reason = "not_allowed"
)

// Failure is a hook that failed. Err carries the engine's detail for logs.
type Failure struct {
	Plugin string
	Phase  string
	Reason Reason
	Err    error
}

func (f *Failure) Error() string {
	s := fmt.Sprintf("plugin %q %s hook: %s", f.Plugin, f.Phase, f.Reason)
	if f.Err != nil {
		s += ": " + f.Err.Error()
	}
	return s
}

func (f *Failure) Unwrap() error { return f.Err }

// phaseInit marks calls of wasmgate_init: only config_get, log and
// send_error work there.
const phaseInit abi.Phase = -1

// phaseName names a phase in failures and logs, init included.
func phaseName(ph abi.Phase) string {
	if ph == phaseInit {
		return "init"
	}
	return ph.String()
}

type sent uint8

const (
	sentNone sent = iota
	sentResponse
	sentError
)

type instKey struct{}

// Instance is one running copy of a plugin. It is used by one request at a
// time; its pool hands it out and takes it back.
type Instance struct {
	plugin *Plugin
	mod    api.Module
	mem    api.Memory
	hooks  [3]api.Function
	stack  [1]uint64

	ctx context.Context // carries the instance to host functions

	elapsed time.Duration // how long the last call ran
	// deadline (monotonic ns since the engine's epoch) ends the current call;
	// yield checks it.
	deadline int64

	// State of the current call.
	ex      *Exchange
	phase   abi.Phase
	adapter bool
	out     int
	sent    sent
	fail    *Failure

	// configData is the slot's config, given by config_get.
	configData []byte

	strs internTable

	// A cache_call answer too large for the guest's buffer, kept for its
	// second call (see hCacheCall).
	cacheReq    string
	cacheAnswer []byte

	// match is the state of the matching helpers (hostmatch.go).
	match matchState

	// json_build's interpreter and output buffer, reused across calls
	// (jsonbuild.go).
	builder jsonbuild.Runner
	build   []byte
	scanBuf []jsonscan.Member

	dead bool
}

// newInstance starts an instance, checks its ABI version and, unless
// abiOnly, runs wasmgate_init with the slot's config.
func (p *Plugin) newInstance(ctx context.Context, config []byte, logger *slog.Logger, abiOnly bool) (*Instance, uint32, error) {
	mc := wazero.NewModuleConfig().
		WithName(""). // anonymous: many instances of one module in one runtime
		WithSysWalltime().
		WithSysNanotime().
		WithRandSource(rand.Reader).
		WithStdout(io.Discard).
		WithStderr(io.Discard)
	if p.hasInit {
		mc = mc.WithStartFunctions(abi.ExportInitialize)
	} else {
		mc = mc.WithStartFunctions()
	}
	if p.caps.Stdio {
		w := &logWriter{logger: logger}
		mc = mc.WithStdout(w).WithStderr(w)
	}
	for _, name := range p.caps.Env {
		if v, ok := os.LookupEnv(name); ok {
			mc = mc.WithEnv(name, v)
		}
	}
	in := &Instance{plugin: p}
	in.ctx = context.WithValue(context.Background(), instKey{}, in)
	mc = mc.WithNanosleep(in.nanosleep)

	// Starting runs the guest's runtime initialisation (tens of ms for Go):
	// give it its own, longer deadline.
	in.phase = phaseInit
	in.deadline = monotonic() + int64(max(10*p.limits.Timeout, 5*time.Second))
	mod, err := p.rt.InstantiateModule(in.ctx, p.compiled, mc)
	if err != nil {
		if in.fail != nil {
			err = in.fail
		}
		return nil, 0, &LoadError{Plugin: p.name, Reason: "instance failed to start", Err: err}
	}
	in.mod, in.mem = mod, mod.Memory()
	p.live.Add(1)
	fail := func(reason string, err error) (*Instance, uint32, error) {
		in.close()
		return nil, 0, &LoadError{Plugin: p.name, Reason: reason, Err: err}
	}

	ex := &Exchange{}
	in.configData = config
	if err := in.call(mod.ExportedFunction(abi.ExportABIVersion), phaseInit, ex); err != nil {
		return fail(abi.ExportABIVersion+" failed", err)
	}
	if v := int32(in.stack[0]); v != abi.Version {
		return fail(fmt.Sprintf("speaks ABI version %d, this host speaks version %d", v, abi.Version), nil)
	}
	if abiOnly {
		return in, 0, nil
	}
	if err := in.call(mod.ExportedFunction(abi.ExportInit), phaseInit, ex); err != nil {
		return fail(abi.ExportInit+" failed", err)
	}
	mask := int32(in.stack[0])
	if mask < 0 {
		msg := ex.ErrMessage
		if msg == "" {
			msg = "no reason given"
		}
		return fail("refused to start: "+msg, nil)
	}
	if uint32(mask)&^abi.HookAll != 0 {
		return fail(fmt.Sprintf("%s returned hook mask %#x with unknown bits", abi.ExportInit, mask), nil)
	}
	for _, ph := range []abi.Phase{abi.PhaseRequest, abi.PhaseResponse, abi.PhaseChunk} {
		if uint32(mask)&ph.Bit() == 0 {
			continue
		}
		fn := mod.ExportedFunction(ph.Export())
		if fn == nil {
			return fail(fmt.Sprintf("declares the %s hook but does not export %s", ph, ph.Export()), nil)
		}
		in.hooks[ph] = fn
	}
	return in, uint32(mask), nil
}

// call runs fn under the plugin's timeout and output limit.
func (in *Instance) call(fn api.Function, ph abi.Phase, ex *Exchange) error {
	in.ex, in.phase, in.out, in.sent, in.fail = ex, ph, 0, sentNone, nil
	timeout := in.plugin.limits.Timeout
	if ph == phaseInit {
		timeout = max(10*timeout, time.Second)
	}
	start := monotonic()
	in.deadline = start + int64(timeout)
	err := fn.CallWithStack(in.ctx, in.stack[:])
	in.elapsed = time.Duration(monotonic() - start)
	in.ex = nil
	if in.cacheAnswer != nil {
		in.cacheReq, in.cacheAnswer = "", nil // never carried into another call
	}
	if in.fail != nil {
		in.dead = true
		return in.fail
	}
	if err != nil {
		in.dead = true
		reason := ReasonTrap
		var exit *sys.ExitError
		if errors.As(err, &exit) {
			reason = ReasonExit
		}
		return &Failure{Plugin: in.plugin.name, Phase: phaseName(ph), Reason: reason, Err: err}
	}
	return nil
}

// Call runs the hook of phase ph on ex. adapter says whether the instance is
// the provider's adapter (it alone sees the provider objects and key).
// The returned action is checked: respond and error need their send_* call.
func (in *Instance) Call(ph abi.Phase, ex *Exchange, adapter bool) (abi.Action, error) {
	fn := in.hooks[ph]
	if fn == nil {
		return abi.ActionContinue, nil
	}
	in.adapter = adapter
	if err := in.call(fn, ph, ex); err != nil {
		return 0, err
	}
	act := abi.Action(uint32(in.stack[0]))
	malformed := func(why string) (abi.Action, error) {
		in.dead = true
		return 0, &Failure{Plugin: in.plugin.name, Phase: phaseName(ph), Reason: ReasonMalformed, Err: errors.New(why)}
	}
	switch act {
	case abi.ActionContinue:
		return act, nil
	case abi.ActionRespond:
		if ph == abi.PhaseChunk {
			return malformed("action respond in the chunk phase")
		}
		if in.sent != sentResponse {
			return malformed("action respond without send_response")
		}
	case abi.ActionError:
		if in.sent != sentError {
			return malformed("action error without send_error")
		}
	default:
		return malformed(fmt.Sprintf("unknown action %d", act))
	}
	return act, nil
}

// Elapsed is how long the last call ran: the gateway's per-plugin metric,
// from the clock readings the time limit takes anyway.
func (in *Instance) Elapsed() time.Duration { return in.elapsed }

// Dead reports whether the instance must be discarded.
func (in *Instance) Dead() bool { return in.dead }

func (in *Instance) close() {
	in.dead = true
	if in.mod != nil {
		_ = in.mod.Close(context.Background())
		in.mod = nil
		in.plugin.live.Add(-1)
	}
}

var epoch = time.Now()

// monotonic is nanoseconds on the monotonic clock.
func monotonic() int64 { return int64(time.Since(epoch)) }

// yield is called by the instrumented guest every yieldBudget loop
// iterations or calls: it ends the call once its deadline has passed, and is
// a point where the Go scheduler may preempt the goroutine.
func (in *Instance) yield() {
	if monotonic() > in.deadline {
		in.fail = &Failure{Plugin: in.plugin.name, Phase: phaseName(in.phase), Reason: ReasonTimeout,
			Err: errors.New("the call ran past its time limit")}
		panic(in.fail)
	}
}

// nanosleep serves WASI sleeps without letting one outlast the deadline.
func (in *Instance) nanosleep(ns int64) {
	if rem := in.deadline - monotonic(); ns > rem {
		ns = max(rem, 0)
	}
	time.Sleep(time.Duration(ns))
}

// logWriter sends a guest's stdio to the log, line by line.
type logWriter struct{ logger *slog.Logger }

func (w *logWriter) Write(p []byte) (int, error) {
	w.logger.Info("plugin output", "text", string(p))
	return len(p), nil
}

// MemoryPages is the instance's current memory size in 64 KiB pages.
func (in *Instance) MemoryPages() uint32 { return in.mem.Size() / 65536 }
