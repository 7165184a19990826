package health_test

import (
	"fmt"
	"time"

	"github.com/wasmgate/wasmgate/core/health"
	"github.com/wasmgate/wasmgate/core/providerstats"
)

func ExampleThresholds() {
	th := health.Thresholds{MaxLatency: time.Second, MaxErrorRate: 0.03, MinSamples: 5}
	fmt.Println(th.Healthy(providerstats.Snapshot{Requests: 100, Failures: 2, ErrorRate: 0.02, Latency: 300 * time.Millisecond}))
	fmt.Println(th.Healthy(providerstats.Snapshot{Requests: 100, Failures: 9, ErrorRate: 0.09, Latency: 300 * time.Millisecond}))
	// Output:
	// true
	// false
}
