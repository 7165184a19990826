package providerstats_test

import (
	"fmt"
	"time"

	"github.com/wasmgate/wasmgate/core/providerstats"
)

func Example() {
	s := providerstats.New(10 * time.Second)
	now := time.Now()
	s.Observe(now, 120*time.Millisecond, false)
	s.Observe(now, 80*time.Millisecond, true)
	snap := s.Snapshot(now)
	fmt.Println(snap.Requests, snap.ErrorRate, snap.Latency)
	// Output: 2 0.5 100ms
}
