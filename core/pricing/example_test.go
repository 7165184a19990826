package pricing_test

import (
	"fmt"

	"github.com/wasmgate/wasmgate/core/pricing"
)

func Example() {
	table := pricing.Default().With(map[string]pricing.Price{"my-model": {Input: 1, Output: 3}})
	price, _ := table.Lookup("my-model")
	fmt.Println(price.Cost(pricing.Usage{Prompt: 1000, Completion: 500}))
	// Output: $0.002500
}
