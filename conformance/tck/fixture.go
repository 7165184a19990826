package tck

import "github.com/wasmgate/wasmgate/conformance/tck/fixture"

// scenario is the exchange of a scenario (the guest reads x-tck-case).
func scenario(name string) Exchange {
	return Exchange{
		Request:         []byte(fixture.RequestJSON),
		RequestHeaders:  map[string]string{"X-Tck-Case": name, "X-Tenant": "acme"},
		Attrs:           map[string]string{"wasmgate.request_id": fixture.RequestID, "wasmgate.model": "tck-model", "tck.in": "from-host"},
		APIKey:          fixture.APIKey,
		Response:        []byte(fixture.ResponseJSON),
		Chunk:           []byte(fixture.ChunkJSON),
		UpstreamStatus:  200,
		UpstreamHeaders: map[string]string{"X-Up": "1"},
		UpstreamBody:    []byte(fixture.UpResponseJSON),
		UpstreamChunk:   []byte(fixture.UpChunkJSON),
		ProviderStats:   []byte(fixture.ProviderStats),
	}
}
