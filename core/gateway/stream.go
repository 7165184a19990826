package gateway

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/apierror"
)

var (
	dataPrefix = []byte("data:")
	doneEvent  = []byte("data: [DONE]\n\n")
)

// pump relays a provider's server-sent events to the client, one flush per
// event, running each through the adapter and the pipeline's chunk hooks.
// A failure after the first byte cannot change the status any more: it ends
// the stream with an error event in the API's format.
func (c *call) pump(ctx context.Context, body io.Reader, w Flusher) {
	r := bufio.NewReaderSize(body, 32<<10)
	var data []byte // the current event's data (lines joined by \n)
	var line []byte
	for {
		frag, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			line = append(line, frag...)
			continue
		}
		if len(line) > 0 {
			frag = append(line, frag...)
			line = line[:0]
		}
		if err != nil && len(frag) == 0 {
			if data != nil && errors.Is(err, io.EOF) {
				// A last event without its blank line.
				if !c.relay(ctx, data, w) {
					return
				}
			}
			c.streamEnd(w, err)
			return
		}
		frag = bytes.TrimRight(frag, "\r\n")
		switch {
		case len(frag) == 0: // end of an event
			if data == nil {
				continue
			}
			if bytes.Equal(data, []byte("[DONE]")) {
				c.done(w)
				return
			}
			if !c.relay(ctx, data, w) {
				return
			}
			data = nil
		case bytes.HasPrefix(frag, dataPrefix):
			v := bytes.TrimPrefix(frag[len(dataPrefix):], []byte(" "))
			if data != nil {
				data = append(append(data, '\n'), v...)
			} else {
				data = append([]byte(nil), v...)
			}
		}
		// Comments (":…") and other fields (event:, id:, retry:) are not relayed.
	}
}

// relay runs one event through the chunk hooks and writes it.
func (c *call) relay(ctx context.Context, data []byte, w Flusher) bool {
	ex := &c.ex
	ex.UpChunk, ex.Chunk, ex.ChunkSet = data, nil, false
	if c.prov.adapter != nil {
		if _, err := c.hook(ctx, len(c.pipe.slots), abi.PhaseChunk); err != nil {
			c.streamError(w, err)
			return false
		}
	}
	if out := ex.FinalChunk(); len(out) > 0 {
		ex.Chunk, ex.ChunkSet = normalizeUsage(out), true
	}
	return c.sendChunk(ctx, w, c.pipelineLen()-1)
}

// sendChunk runs the chunk hooks of the pipeline's slots from slot last
// down to the first on the exchange's chunk, and writes what they leave.
func (c *call) sendChunk(ctx context.Context, w Flusher, last int) bool {
	ex := &c.ex
	for i := last; i >= 0; i-- {
		if _, err := c.hook(ctx, i, abi.PhaseChunk); err != nil {
			c.streamError(w, err)
			return false
		}
	}
	out := ex.FinalChunk()
	c.noteChunk(out) // governance: a stream's usage
	if len(out) == 0 {
		return true // dropped by a plugin
	}
	if !c.finished {
		c.finished = hasFinishReason(out)
	}
	if c.anth != nil {
		if err := c.anth.Chunk(w, out); err != nil {
			c.streamError(w, err)
			return false
		}
	} else {
		_, _ = w.Write(dataPrefix)
		_, _ = w.Write([]byte{' '})
		_, _ = w.Write(out)
		_, _ = w.Write([]byte("\n\n"))
	}
	if err := w.Flush(); err != nil {
		return false // the client went away
	}
	return true
}

// streamEnd ends a stream whose provider closed it (or broke off) without
// [DONE]. Only OpenAI-format providers send [DONE]; for the others (Gemini,
// Cohere, Bedrock, Anthropic) the end of the body is the end of the stream,
// and it is a complete answer if a chunk carried a finish_reason. The client
// gets the [DONE] it expects; a stream cut short gets an error event.
func (c *call) streamEnd(w Flusher, err error) {
	if errors.Is(err, io.EOF) {
		// Providers whose streams end without [DONE]: the adapter said it
		// saw the last event, or a chunk already finished the answer.
		if v, _ := c.ex.Attr(abi.AttrUpstreamDone); v == "true" || c.finished {
			c.done(w)
			return
		}
	}
	msg := "the provider's stream ended before [DONE]"
	if !errors.Is(err, io.EOF) {
		msg = "the provider's stream broke off"
	}
	c.streamError(w, apierror.Wrap(apierror.Upstream, msg, err))
}

// hasFinishReason reports whether a canonical chunk ends a choice.
func hasFinishReason(chunk []byte) bool {
	found := false
	gjson.GetBytes(chunk, "choices").ForEach(func(_, ch gjson.Result) bool {
		found = ch.Get("finish_reason").Type == gjson.String
		return !found
	})
	return found
}

// streamError ends a stream with an error event.
func (c *call) streamError(w Flusher, err error) {
	e := apierror.From(err)
	if e.Cause != nil || e.Kind == apierror.Internal {
		c.g.logger.Warn("stream failed", "request_id", c.ex.RequestIDAttr(), "error", err)
	}
	if c.anth != nil {
		c.anth.Error(w, e)
	} else {
		_, _ = fmt.Fprintf(w, "data: %s\n\n", e.JSON())
	}
	_ = w.Flush()
}

// done ends a complete stream in the client's format.
func (c *call) done(w Flusher) {
	if c.anth != nil {
		c.anth.Done(w)
	} else {
		_, _ = w.Write(doneEvent)
	}
	_ = w.Flush()
}
