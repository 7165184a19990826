package detect_test

import (
	"fmt"

	"github.com/wasmgate/wasmgate/pdk/go/detect"
)

func Example() {
	m, err := detect.Compile(detect.Spec{
		Builtin: []string{"email", "card"},
		Custom:  []detect.Pattern{{Words: []string{"Project Falcon"}}},
	})
	if err != nil {
		panic(err)
	}
	text := "Ask jane@example.com about Project Falcon; card 4111 1111 1111 1111."
	for _, sp := range m.Find(nil, text) {
		fmt.Println(sp.Kind, text[sp.Start:sp.End])
	}
	// Output:
	// email jane@example.com
	// custom_0 Project Falcon
	// card 4111 1111 1111 1111
}
