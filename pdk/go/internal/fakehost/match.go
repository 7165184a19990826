package fakehost

import (
	"bytes"
	"encoding/json"

	"github.com/wasmgate/wasmgate/pdk/go/detect"
	"github.com/wasmgate/wasmgate/pdk/go/detect/fields"
)

// maxMatchers is the host's limit of matchers per instance.
const maxMatchers = 64

// MatchCompile is match_compile. A refused spec is logged, as the host does.
func (h *Host) MatchCompile(spec string) int32 {
	if len(h.Matchers) >= maxMatchers {
		return TooLarge
	}
	var s detect.Spec
	d := json.NewDecoder(bytes.NewReader([]byte(spec)))
	d.DisallowUnknownFields()
	err := d.Decode(&s)
	var m *detect.Matcher
	if err == nil {
		m, err = detect.Compile(s)
	}
	if err != nil {
		h.Logs = append(h.Logs, LogEntry{Level: 2, Message: "match_compile: bad spec: " + err.Error()})
		return Invalid
	}
	h.Matchers = append(h.Matchers, m)
	return int32(len(h.Matchers) - 1)
}

func (h *Host) matcher(id int32) *detect.Matcher {
	if id >= 0 && int(id) < len(h.Matchers) {
		return h.Matchers[id]
	}
	return nil
}

// matcherBody returns the matcher and the object's body of a match_* call.
func (h *Host) matcherBody(matcher int32, obj uint32, write bool) (*detect.Matcher, []byte, int32) {
	m := h.matcher(matcher)
	if m == nil {
		return nil, nil, Invalid
	}
	if h.Phase == PhaseInit {
		return nil, nil, NotAvailable
	}
	b, has, r := h.body(obj, write)
	if r < 0 {
		return nil, nil, r
	}
	if !has {
		return nil, nil, NotFound
	}
	return m, b, 0
}

// MatchScan is match_scan.
func (h *Host) MatchScan(obj uint32, path string, matcher int32, flags uint32, buf []byte) int32 {
	m, b, r := h.matcherBody(matcher, obj, false)
	if r < 0 {
		return r
	}
	out, ok := fields.AppendScan(nil, int(obj), b, path, m, flags&1 != 0)
	if !ok {
		return NotFound
	}
	return put(buf, out)
}

// MatchText is match_text.
func (h *Host) MatchText(matcher int32, text string, buf []byte) int32 {
	m := h.matcher(matcher)
	if m == nil {
		return Invalid
	}
	if h.Phase == PhaseInit {
		return NotAvailable
	}
	return put(buf, detect.AppendGroup(nil, nil, "", m.Find(nil, text)))
}
