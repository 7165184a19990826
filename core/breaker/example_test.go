package breaker_test

import (
	"fmt"
	"time"

	"github.com/wasmgate/wasmgate/core/breaker"
)

func Example() {
	b := breaker.New("openai/main", breaker.Config{Failures: 2, OpenFor: 30 * time.Second}, nil)
	for range 2 {
		if done, ok := b.Allow(); ok {
			done(false) // the provider failed
		}
	}
	_, ok := b.Allow()
	fmt.Println(b.State(), ok)
	// Output: open false
}
