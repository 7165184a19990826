// Package breaker is the gateway's circuit breaker: one per provider and
// key. It opens after a run of failures, refuses requests while open, lets
// a few half-open probes through after a while and closes again when they
// succeed. The state machine is sony/gobreaker's two-step breaker, which
// fits a request whose outcome is known only after its response (or its
// stream's first event) arrives.
package breaker

import (
	"errors"
	"time"

	"github.com/sony/gobreaker/v2"
)

// State of a breaker.
type State int

// States; the numbers are the wasmgate_breaker_state gauge's values.
const (
	Closed   State = 0
	HalfOpen State = 1
	Open     State = 2
)

func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case HalfOpen:
		return "half_open"
	}
	return "open"
}

// Config of a breaker.
type Config struct {
	// Failures in a row that open the circuit; 0 makes a breaker that is
	// always closed.
	Failures int
	// OpenFor is how long the circuit stays open before half-open probes.
	OpenFor time.Duration
	// HalfOpenProbes is how many requests pass while half-open.
	HalfOpenProbes int
}

// Breaker guards one provider key. A nil *Breaker is always closed.
type Breaker struct {
	cb *gobreaker.TwoStepCircuitBreaker[struct{}]
}

var errFailed = errors.New("failed")

// New makes a breaker; onChange (may be nil) is told of every state change.
func New(name string, cfg Config, onChange func(name string, from, to State)) *Breaker {
	if cfg.Failures <= 0 {
		return nil
	}
	st := gobreaker.Settings{
		Name:        name,
		MaxRequests: uint32(max(cfg.HalfOpenProbes, 1)),
		Timeout:     cfg.OpenFor,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= uint32(cfg.Failures) },
	}
	if onChange != nil {
		st.OnStateChange = func(name string, from, to gobreaker.State) { onChange(name, state(from), state(to)) }
	}
	return &Breaker{cb: gobreaker.NewTwoStepCircuitBreaker[struct{}](st)}
}

func state(s gobreaker.State) State {
	switch s {
	case gobreaker.StateClosed:
		return Closed
	case gobreaker.StateHalfOpen:
		return HalfOpen
	}
	return Open
}

// Done reports the outcome of an allowed request: ok false counts a failure.
// Excluded outcomes (the client went away, a client error) count neither way.
type Done func(ok bool)

// Allow asks to send a request. When the circuit is open (or half-open with
// all its probes out) it returns false; otherwise the caller must call done
// exactly once.
func (b *Breaker) Allow() (done Done, ok bool) {
	if b == nil {
		return func(bool) {}, true
	}
	d, err := b.cb.Allow()
	if err != nil {
		return nil, false
	}
	return func(ok bool) {
		if ok {
			d(nil)
		} else {
			d(errFailed)
		}
	}, true
}

// State is the breaker's current state.
func (b *Breaker) State() State {
	if b == nil {
		return Closed
	}
	return state(b.cb.State())
}
