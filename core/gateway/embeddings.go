package gateway

import (
	"context"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/core/apierror"
)

// runEmbeddings checks an embeddings request and sends it through the
// provider's adapter. The pipeline's plugins work on chat requests and do
// not run.
func (c *call) runEmbeddings(ctx context.Context, req *Request) (*Reply, error) {
	model, err := c.loadModel(req.Body)
	if err != nil {
		return nil, err
	}
	ex := &c.ex
	in, _ := ex.Top("input")
	n, isArray := ex.TopElems("input")
	switch {
	case in.Type == gjson.String:
	case isArray && n > 0:
	default:
		return nil, apierror.New(apierror.InvalidRequest, "input must be a string or a non-empty array").WithParam("input")
	}
	if err := c.resolve(req, model); err != nil {
		return nil, err
	}
	if err := c.admit(ctx, req, model); err != nil { // governance: limits and budgets
		return nil, err
	}
	return c.sendToTargets(ctx) // dispatch.go: retries, fallbacks and keys as for chat

}

// pipelineLen is the number of pipeline slots that run for this request.
func (c *call) pipelineLen() int {
	if c.endpoint == endpointEmbeddings {
		return 0
	}
	return len(c.pipe.slots)
}
