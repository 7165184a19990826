package gateway

import (
	"bytes"
	"context"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/apierror"
	"github.com/wasmgate/wasmgate/core/governance"
	"github.com/wasmgate/wasmgate/core/keys"
	"github.com/wasmgate/wasmgate/core/pricing"
)

// govCall is a request's part in governance (keys, limits, budgets, usage):
// the request flow calls the methods below at a few marked places.
type govCall struct {
	key      *keys.Key
	ticket   *governance.Ticket
	usage    pricing.Usage
	hasUsage bool
}

// authenticate checks the request's wasmgate key (when auth is on).
func (c *call) authenticate(ctx context.Context, req *Request) error {
	gov := c.g.gov
	if gov == nil {
		return nil
	}
	k, err := gov.Authenticate(ctx, req.Header.Get)
	c.gov.key = k
	return err
}

// admit reserves the request's share of its key's limits and budgets. It
// runs once the model and provider are known and the request header is in
// the exchange, and takes the client's key out of what plugins and the
// provider see.
func (c *call) admit(ctx context.Context, req *Request, model string) error {
	gov := c.g.gov
	if gov == nil || c.gov.key == nil {
		// No auth, no key: nothing to limit or charge, and the request
		// flow stays as fast as without governance.
		return nil
	}
	c.ex.ReqHeader.Del("authorization")
	c.ex.ReqHeader.Del("x-api-key")
	k := c.gov.key
	c.ex.SetAttr(abi.AttrKeyID, k.ID)
	if k.Team != "" {
		c.ex.SetAttr(abi.AttrKeyTeam, k.Team)
	}
	if k.User != "" {
		c.ex.SetAttr(abi.AttrKeyUser, k.User)
	}
	a := governance.Admission{Key: c.gov.key, Model: model, RequestID: req.RequestID, Stream: c.stream}
	if c.model != nil { // the default target; a router may pick another (settle says which served)
		a.Upstream, a.Provider = c.model.upstream, c.model.provider.name
	}
	if msgs, ok := c.ex.Top("messages"); ok {
		a.PromptTokens = governance.EstimateTokens(len(msgs.Raw))
	}
	for _, f := range []string{"max_completion_tokens", "max_tokens"} {
		if v, ok := c.ex.Top(f); ok && v.Type == gjson.Number && v.Int() > 0 {
			a.MaxTokens = v.Int()
			break
		}
	}
	if v, ok := req.Header.Get(gov.MetadataHeader()); ok {
		a.Tags = governance.ParseTags(v)
	}
	t, err := gov.Admit(ctx, a)
	c.gov.ticket = t
	if err != nil {
		return err
	}
	return c.askStreamUsage()
}

// askStreamUsage asks the provider for a stream's usage (OpenAI's
// stream_options.include_usage), which is what a stream is charged.
func (c *call) askStreamUsage() error {
	if !c.stream {
		return nil
	}
	if o, ok := c.ex.Top("stream_options"); ok && o.Get("include_usage").Type == gjson.True {
		return nil
	}
	b, err := sjson.SetBytes(c.ex.Request, "stream_options.include_usage", true)
	if err != nil {
		return apierror.New(apierror.InvalidRequest, "stream_options must be an object").WithParam("stream_options")
	}
	c.ex.SetRequest(b)
	_, err = c.ex.IndexRequest()
	return err
}

// noteChunk keeps the usage a stream reports (in its last chunk).
func (c *call) noteChunk(chunk []byte) {
	// Most chunks carry no usage: one byte search skips the parse
	// (as normalizeUsage does).
	if c.gov.ticket == nil || !bytes.Contains(chunk, usageKey) {
		return
	}
	if u := gjson.GetBytes(chunk, "usage"); u.IsObject() {
		c.gov.usage, c.gov.hasUsage = usageOf(u), true
	}
}

// settle charges what the request used and records it.
func (c *call) settle(status int) {
	t := c.gov.ticket
	if t == nil {
		return
	}
	o := governance.Outcome{Status: status}
	if c.served != nil { // the target of the last attempt (dispatch.go)
		o.Provider, o.Upstream = c.served.prov.name, c.served.model
	}
	if !c.stream {
		body := c.ex.Response
		if body == nil {
			body = c.ex.ShortBody
		}
		if u := gjson.GetBytes(body, "usage"); status < 400 && u.IsObject() {
			c.gov.usage, c.gov.hasUsage = usageOf(u), true
		}
	}
	if c.gov.hasUsage {
		o.Usage = &c.gov.usage
	}
	if v, ok := c.ex.Attr(abi.AttrCacheStatus); ok {
		o.Cache = v
	} else if v, ok := c.ex.RespHeader.Get("x-wasmgate-cache"); ok { // the cache plugin's answer
		o.Cache = v
	}
	t.Settle(context.Background(), o)
}

func usageOf(u gjson.Result) pricing.Usage {
	return pricing.Usage{
		Prompt:     u.Get("prompt_tokens").Int(),
		Completion: u.Get("completion_tokens").Int(),
		Cached:     u.Get("prompt_tokens_details.cached_tokens").Int(),
	}
}
