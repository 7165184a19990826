package secrets_test

import (
	"context"
	"fmt"
	"os"

	"github.com/wasmgate/wasmgate/core/secrets"
)

func Example() {
	os.Setenv("EXAMPLE_PROVIDER_KEY", "sk-example")
	defer os.Unsetenv("EXAMPLE_PROVIDER_KEY")

	// With Options.Vault set, vault://MOUNT/PATH#FIELD references work too.
	store, err := secrets.New(context.Background(), secrets.Options{})
	if err != nil {
		panic(err)
	}
	store.Start() // re-read every RefreshInterval from now on
	defer store.Close()

	key, err := store.Get(context.Background(), "env://EXAMPLE_PROVIDER_KEY")
	if err != nil {
		panic(err) // the error names the reference, never a value
	}
	v, _ := key.Value()
	fmt.Println(key, len(v))
	// Output: env://EXAMPLE_PROVIDER_KEY 10
}
