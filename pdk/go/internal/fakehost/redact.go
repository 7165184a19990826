package fakehost

import (
	"errors"

	"github.com/wasmgate/wasmgate/pdk/go/detect/fields"
)

// MatchRedact is match_redact: like the host, a result larger than buf
// changes nothing.
func (h *Host) MatchRedact(obj uint32, path string, matcher int32, buf []byte) int32 {
	if obj > ObjChunk {
		return Invalid
	}
	m, b, r := h.matcherBody(matcher, obj, true)
	if r < 0 {
		return r
	}
	if !m.Redacts() {
		return Invalid
	}
	var red fields.Redactor
	out, blocked, err := red.Redact(nil, int(obj), b, path, m)
	switch {
	case errors.Is(err, fields.ErrNotString):
		return NotFound
	case err != nil:
		return Invalid
	}
	rep := fields.AppendReport(nil, blocked, &red.Placeholders)
	if len(rep) > len(buf) || out == nil {
		return put(buf, rep)
	}
	if !h.spend(red.Written) {
		return TooLarge
	}
	h.Objs[obj].SetBody(out)
	return put(buf, rep)
}
