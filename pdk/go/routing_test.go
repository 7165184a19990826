package pdk_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/pdk/go"
)

func TestParseProviderStats(t *testing.T) {
	text := "openai k1 1 closed 182000 0 412\n" +
		"openai k2 0 open 0 1000000 9 extra fields later\n" + // fields a later host adds are ignored
		"broken line\n" +
		"anthropic default 1 half_open x 0 1\n" + // a number that is not one: skipped
		"\n"
	got := pdk.ParseProviderStats(nil, text)
	want := []pdk.ProviderStat{
		{Provider: "openai", Key: "k1", Healthy: true, Breaker: "closed", Latency: 182 * time.Millisecond, ErrorRate: 0, Requests: 412},
		{Provider: "openai", Key: "k2", Healthy: false, Breaker: "open", ErrorRate: 1, Requests: 9},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if !got[0].Available() || got[1].Available() {
		t.Errorf("available: %v %v", got[0].Available(), got[1].Available())
	}
}
