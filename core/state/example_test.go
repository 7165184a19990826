package state_test

import (
	"context"
	"fmt"
	"time"

	"github.com/wasmgate/wasmgate/core/state"
)

// Three requests a minute: the fourth is refused until the window ends.
func Example() {
	st, _ := state.Open("memory") // or "redis://127.0.0.1:6379/0", shared by replicas
	defer st.Close()
	limit := []state.Counter{{Key: "rl:key_1:rq:m", Inc: 1, Limit: 3, TTL: time.Minute}}
	for i := range 4 {
		denied, _ := st.Reserve(context.Background(), limit)
		fmt.Println(i+1, denied == nil)
	}
	// Output:
	// 1 true
	// 2 true
	// 3 true
	// 4 false
}
