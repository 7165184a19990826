package apierror_test

import (
	"errors"
	"fmt"

	"github.com/wasmgate/wasmgate/core/apierror"
)

func Example() {
	// A provider that cannot be reached: the client sees the message and the
	// status of the Kind; the cause stays in the log.
	err := apierror.Wrap(apierror.Upstream, `provider "openai" is unreachable`, errors.New("dial tcp: connection refused"))
	fmt.Println(err.HTTPStatus())
	fmt.Println(string(err.JSON()))
	// Output:
	// 502
	// {"error":{"message":"provider \"openai\" is unreachable","type":"upstream_error","param":null,"code":"upstream_error"}}
}
