package gateway

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/core/apierror"
)

// eventStreamType is the content type of the AWS event stream (Bedrock's
// ConverseStream): binary messages of a prelude (total and header lengths,
// CRC), headers, a payload and a CRC of the whole message.
const eventStreamType = "application/vnd.amazon.eventstream"

// pumpEventStream relays an AWS event stream: the payload of each event
// message goes to the adapter's chunk hook as the upstream chunk, as an SSE
// event's data does. An exception message ends the stream with an error
// event naming the exception; a message whose CRCs do not match ends it as
// broken.
func (c *call) pumpEventStream(ctx context.Context, body io.Reader, w Flusher) {
	r := bufio.NewReaderSize(body, 32<<10)
	dec := eventstream.NewDecoder()
	var payload []byte
	for {
		if _, err := r.Peek(1); err != nil {
			c.streamEnd(w, err)
			return
		}
		msg, err := dec.Decode(r, payload[:0])
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				err = fmt.Errorf("a truncated event-stream message: %w", io.ErrUnexpectedEOF)
			}
			c.streamError(w, apierror.Wrap(apierror.Upstream, "the provider's stream broke off", err))
			return
		}
		payload = msg.Payload
		switch headerString(msg.Headers, ":message-type") {
		case "event":
			if !c.relay(ctx, msg.Payload, w) {
				return
			}
		case "exception", "error":
			c.streamError(w, eventStreamException(c.prov.name, msg))
			return
		}
		// Other message types are not part of the protocol's responses.
	}
}

// eventStreamException is the client's error for an exception message: the
// provider's exception type and message, with the status the provider gives
// that exception in a non-streamed answer.
func eventStreamException(provider string, msg eventstream.Message) error {
	typ := headerString(msg.Headers, ":exception-type")
	if typ == "" {
		typ = headerString(msg.Headers, ":error-code")
	}
	text := gjson.GetBytes(msg.Payload, "message").String()
	if text == "" {
		text = headerString(msg.Headers, ":error-message")
	}
	e := &apierror.Error{Kind: apierror.Upstream,
		Message: fmt.Sprintf("provider %q sent %s: %s", provider, apierror.Truncate(typ, 64), apierror.Truncate(text, 512))}
	switch typ {
	case "throttlingException":
		e.Kind = apierror.RateLimited
	case "validationException":
		e.Status, e.Type = 400, "invalid_request_error"
	}
	return e
}

func headerString(h eventstream.Headers, name string) string {
	if v := h.Get(name); v != nil {
		if s, ok := v.Get().(string); ok {
			return s
		}
	}
	return ""
}
