package pdk

import "strconv"

// Object gives access to one object of the exchange (pdk/ABI.md, "Objects"):
// its JSON body by path, its whole body and its headers. Paths are
// dot-separated keys and array indexes ("messages.0.content"); "#" reads the
// length of an array ("messages.#") and "-1" appends to one on write; a "."
// inside a key is written as `\.`. The JSON work is done by the host, so a
// plugin never decodes the whole body.
//
// Which objects may be read or written in which phase is up to the host; a
// call outside it fails with ErrNotAvailable.
type Object struct {
	id ObjectID
}

// ID returns the object's id.
func (o Object) ID() ObjectID { return o.id }

// Has reports whether the body has a value at path.
func (o Object) Has(path string) bool {
	return hJSONGet(uint32(o.id), path, 0, nil) >= 0
}

// Size returns the length of the raw JSON text at path without reading it
// into the guest.
func (o Object) Size(path string) (int, bool) {
	n := hJSONGet(uint32(o.id), path, 0, nil)
	return int(n), n >= 0
}

// Get returns the raw JSON text at path.
func (o Object) Get(path string) ([]byte, bool) {
	b, n := readJSON(o.id, path, 0)
	if n < 0 {
		return nil, false
	}
	return clone(b), true
}

// AppendRaw appends the raw JSON text at path to dst and returns the
// extended slice; ok is false (and dst unchanged) if there is none. The host
// writes straight into dst's spare capacity, so with a reused dst it does not
// allocate. The Append* methods are for hot paths: in Wasm every heap
// allocation costs more than a host call.
func (o Object) AppendRaw(dst []byte, path string) (out []byte, ok bool) {
	out, n := appendRead(dst, rdJSON, o.id, path, 0)
	return out, n >= 0
}

// AppendString is GetString appending to dst, like AppendRaw.
func (o Object) AppendString(dst []byte, path string) (out []byte, ok bool) {
	out, n := appendRead(dst, rdJSON, o.id, path, FlagString)
	return out, n >= 0
}

// AppendBody appends the whole body to dst, like AppendRaw.
func (o Object) AppendBody(dst []byte) (out []byte, ok bool) {
	out, n := appendRead(dst, rdBody, o.id, "", 0)
	return out, n >= 0
}

// AppendHeader appends a header's value to dst, like AppendRaw.
func (o Object) AppendHeader(dst []byte, name string) (out []byte, ok bool) {
	out, n := appendRead(dst, rdHeader, o.id, name, 0)
	return out, n >= 0
}

// GetString returns the string at path, unquoted and unescaped. A value that
// is not a JSON string comes back as its JSON text.
func (o Object) GetString(path string) (string, bool) {
	b, n := readJSON(o.id, path, FlagString)
	if n < 0 {
		return "", false
	}
	return string(b), true
}

// GetInt returns the integer at path; false if there is none or the value is
// not an integer.
func (o Object) GetInt(path string) (int, bool) {
	b, n := readJSON(o.id, path, 0)
	if n < 0 {
		return 0, false
	}
	v, ok := parseInt(b)
	return v, ok
}

// GetBool returns the boolean at path; false if there is none or the value is
// not a boolean.
func (o Object) GetBool(path string) (value, ok bool) {
	b, n := readJSON(o.id, path, 0)
	if n < 0 {
		return false, false
	}
	switch string(b) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// Set sets the value at path to raw JSON text.
func (o Object) Set(path string, rawJSON []byte) error {
	o.changed()
	return errorFor(hJSONSet(uint32(o.id), path, 0, bstr(rawJSON)))
}

// SetString sets the value at path to the string s (the host escapes it).
func (o Object) SetString(path, s string) error {
	o.changed()
	return errorFor(hJSONSet(uint32(o.id), path, FlagString, s))
}

var numBuf = make([]byte, 0, 24)

// SetStringBytes is SetString taking the text as bytes, without a conversion
// to string.
func (o Object) SetStringBytes(path string, b []byte) error { return o.SetString(path, bstr(b)) }

// SetInt sets the value at path to the integer v.
func (o Object) SetInt(path string, v int) error {
	numBuf = strconv.AppendInt(numBuf[:0], int64(v), 10)
	o.changed()
	return errorFor(hJSONSet(uint32(o.id), path, 0, bstr(numBuf)))
}

// SetBool sets the value at path to the boolean v.
func (o Object) SetBool(path string, v bool) error {
	s := "false"
	if v {
		s = "true"
	}
	o.changed()
	return errorFor(hJSONSet(uint32(o.id), path, 0, s))
}

// Delete removes the value at path. Deleting a missing value is not an error.
func (o Object) Delete(path string) error {
	o.changed()
	r := hJSONSet(uint32(o.id), path, FlagDelete, "")
	if r == ResultNotFound {
		return nil
	}
	return errorFor(r)
}

// Body returns a copy of the whole body, or nil if there is none.
func (o Object) Body() []byte {
	b, n := read(rdBody, o.id, "", 0)
	if n < 0 {
		return nil
	}
	return clone(b)
}

// SetBody replaces the whole body. Request, response and chunk bodies must be
// valid JSON.
func (o Object) SetBody(b []byte) error {
	o.changed()
	return errorFor(hBodySet(uint32(o.id), bstr(b)))
}

// Header returns a header's value. Names are case-insensitive; pseudo-headers
// start with ":" (":status", ":url", ":method").
func (o Object) Header(name string) (string, bool) {
	b, n := read(rdHeader, o.id, name, 0)
	if n < 0 {
		return "", false
	}
	return string(b), true
}

// SetHeader sets a header.
func (o Object) SetHeader(name, value string) error {
	return errorFor(hHeaderSet(uint32(o.id), name, value, false))
}

// DeleteHeader removes a header.
func (o Object) DeleteHeader(name string) error {
	return errorFor(hHeaderSet(uint32(o.id), name, "", true))
}

// changed forgets cached facts about the request when it is written.
func (o Object) changed() {
	if o.id == ObjRequest {
		msgCount = -1
	}
}

// Request is the canonical request: OpenAI chat-completions JSON and the
// client's request headers. It is writable in the request phase and readable
// in the response and chunk phases.
type Request struct {
	Object
}

// Message is one chat message. Content is its text: the string content, or
// the text parts of an array content joined together.
type Message struct {
	Role    string
	Content string
}

// msgCount caches the number of messages of the request during one hook call
// (-1: unknown). Writes to the request through this package reset it.
var msgCount = -1

// Model returns the requested model.
func (r *Request) Model() string {
	s, _ := r.GetString("model")
	return s
}

// SetModel sets the requested model.
func (r *Request) SetModel(model string) error { return r.SetString("model", model) }

// Stream reports whether the client asked for a streamed response.
func (r *Request) Stream() bool {
	v, _ := r.GetBool("stream")
	return v
}

// MessageCount returns the number of messages.
func (r *Request) MessageCount() int {
	if msgCount >= 0 {
		return msgCount
	}
	b, n := readJSON(ObjRequest, "messages.#", 0)
	c := 0
	if n >= 0 {
		c, _ = parseInt(b)
	}
	msgCount = c
	return c
}

// index resolves i (negative counts from the end) to an index, or -1.
func (r *Request) index(i int) int {
	c := r.MessageCount()
	if i < 0 {
		i += c
	}
	if i < 0 || i >= c {
		return -1
	}
	return i
}

// Message returns message i; a negative i counts from the end (-1 is the
// last message). Out of range it returns the zero Message.
func (r *Request) Message(i int) Message {
	if i = r.index(i); i < 0 {
		return Message{}
	}
	var m Message
	if b, n := readJSON(ObjRequest, msgPath(i, "role"), FlagString); n >= 0 {
		m.Role = internRole(b)
	}
	m.Content = textAt(ObjRequest, msgPath(i, "content"))
	return m
}

// Messages returns all messages (Message for each index).
func (r *Request) Messages() []Message {
	c := r.MessageCount()
	msgs := make([]Message, c)
	for i := range msgs {
		msgs[i] = r.Message(i)
	}
	return msgs
}

// LastUserMessage returns the index and text of the last message with role
// "user"; ok is false if there is none.
func (r *Request) LastUserMessage() (index int, content string, ok bool) {
	if index = r.LastUserIndex(); index < 0 {
		return -1, "", false
	}
	return index, textAt(ObjRequest, msgPath(index, "content")), true
}

// LastUserIndex returns the index of the last message with role "user", or
// -1.
func (r *Request) LastUserIndex() int {
	for i := r.MessageCount() - 1; i >= 0; i-- {
		b, n := readJSON(ObjRequest, msgPath(i, "role"), FlagString)
		if n >= 0 && string(b) == "user" {
			return i
		}
	}
	return -1
}

// AppendMessageContent appends the text of message i (negative counts from
// the end) to dst, like Message(i).Content. For string content it does not
// allocate when dst has room, which makes this, LastUserIndex and
// SetMessageContentBytes the allocation-free way to rewrite a message:
//
//	i := req.LastUserIndex()
//	p.buf = append(p.buf[:0], "Prefix: "...)
//	p.buf, _ = req.AppendMessageContent(p.buf, i)
//	req.SetMessageContentBytes(i, p.buf)
func (r *Request) AppendMessageContent(dst []byte, i int) (out []byte, ok bool) {
	if i = r.index(i); i < 0 {
		return dst, false
	}
	path := msgPath(i, "content")
	out, n := appendRead(dst, rdJSON, ObjRequest, path, FlagString)
	if n < 0 {
		return dst, false
	}
	v := out[len(dst):]
	if len(v) == 0 || (v[0] != '[' && v[0] != '{' && string(v) != "null") {
		return out, true
	}
	// Not plainly a string: resolve it as Message does.
	return append(dst, textAt(ObjRequest, msgPath(i, "content"))...), true
}

// SetMessageContent sets the content of message i (negative counts from the
// end) to the string s. An array content is replaced by the string.
func (r *Request) SetMessageContent(i int, s string) error {
	if i = r.index(i); i < 0 {
		return ErrNotFound
	}
	return errorFor(hJSONSet(uint32(ObjRequest), msgPath(i, "content"), FlagString, s))
}

// SetMessageContentBytes is SetMessageContent taking the text as bytes,
// without a conversion to string.
func (r *Request) SetMessageContentBytes(i int, b []byte) error {
	return r.SetMessageContent(i, bstr(b))
}

// Response is the canonical response (a chat.completion) and the headers sent
// to the client, with its status as ":status". Writable in the response
// phase.
type Response struct {
	Object
}

// Request returns the request of this exchange (read only).
func (r *Response) Request() *Request { return &theRequest }

// Status returns the HTTP status sent to the client, or 0 if unknown.
func (r *Response) Status() int { return statusOf(r.id) }

// SetStatus sets the HTTP status sent to the client.
func (r *Response) SetStatus(code int) error {
	numBuf = strconv.AppendInt(numBuf[:0], int64(code), 10)
	return errorFor(hHeaderSet(uint32(r.id), HeaderStatus, bstr(numBuf), false))
}

// Content returns the text of choice 0 (choices.0.message.content).
func (r *Response) Content() string { return textAt(r.id, "choices.0.message.content") }

// SetContent sets the text of choice 0.
func (r *Response) SetContent(s string) error {
	return r.SetString("choices.0.message.content", s)
}

// Chunk is one canonical stream chunk (a chat.completion.chunk). Setting
// its body to empty (Drop) drops it.
type Chunk struct {
	Object
}

// Request returns the request of this exchange (read only).
func (c *Chunk) Request() *Request { return &theRequest }

// Content returns the delta text of choice 0 (choices.0.delta.content).
func (c *Chunk) Content() string { return textAt(c.id, "choices.0.delta.content") }

// SetContent sets the delta text of choice 0.
func (c *Chunk) SetContent(s string) error {
	return c.SetString("choices.0.delta.content", s)
}

// Drop drops the chunk: the client does not get it.
func (c *Chunk) Drop() error { return errorFor(hBodySet(uint32(c.id), "")) }

// SetResponseHeader sets a header of the response sent to the client, if the
// host has not sent the headers yet.
func (c *Chunk) SetResponseHeader(name, value string) error {
	return errorFor(hHeaderSet(uint32(ObjResponse), name, value, false))
}

// ProviderRequest is the request sent to the provider (adapters only, request
// phase). If its body is never set the host sends the canonical request.
type ProviderRequest struct {
	Object
}

// Upstream returns the provider request (for adapters).
func Upstream() *ProviderRequest { return &theUpstream }

// URL returns the absolute provider URL (":url").
func (u *ProviderRequest) URL() string {
	s, _ := u.Header(HeaderURL)
	return s
}

// SetURL sets the absolute provider URL (":url").
func (u *ProviderRequest) SetURL(url string) error { return u.SetHeader(HeaderURL, url) }

// Method returns the HTTP method (":method", POST unless set).
func (u *ProviderRequest) Method() string {
	s, ok := u.Header(HeaderMethod)
	if !ok {
		return "POST"
	}
	return s
}

// SetMethod sets the HTTP method (":method").
func (u *ProviderRequest) SetMethod(method string) error { return u.SetHeader(HeaderMethod, method) }

// ProviderResponse is the provider's response: body, headers and ":status"
// (adapters only, read only, response and chunk phases).
type ProviderResponse struct {
	Object
}

// UpstreamResponse returns the provider response (for adapters).
func UpstreamResponse() *ProviderResponse { return &theUpstreamResponse }

// Status returns the provider's HTTP status, or 0 if unknown.
func (u *ProviderResponse) Status() int { return statusOf(u.id) }

// ProviderChunk is the data of one provider event (adapters only, read only,
// chunk phase).
type ProviderChunk struct {
	Object
}

// UpstreamChunk returns the provider event (for adapters).
func UpstreamChunk() *ProviderChunk { return &theUpstreamChunk }

func statusOf(obj ObjectID) int {
	b, n := read(rdHeader, obj, HeaderStatus, 0)
	if n < 0 {
		return 0
	}
	v, _ := parseInt(b)
	return v
}

// textAt returns the text of a message content at path: a string's text, or
// the "text" of the parts of type "text" of an array, joined. The host
// unescapes strings (flag string); only when the answer could be something
// else than a string (it starts with '[' or '{', or is "null") is the raw
// value looked at.
func textAt(obj ObjectID, path string) string {
	b, n := readJSON(obj, path, FlagString)
	if n < 0 {
		return ""
	}
	if n == 0 || (b[0] != '[' && b[0] != '{' && string(b) != "null") {
		return string(b)
	}
	if raw, _ := readJSON(obj, path, 0); len(raw) > 0 {
		switch raw[0] {
		case '"':
			b, _ = readJSON(obj, path, FlagString)
			return string(b)
		case '[':
			return partsText(obj, string(path))
		}
	}
	return ""
}

// partsText joins the text of the parts of type "text" of the array at base,
// reading each part by path so that large parts (images) never enter the
// guest.
func partsText(obj ObjectID, base string) string {
	b, n := readJSON(obj, subPath(base, -1, "#"), 0)
	if n < 0 {
		return ""
	}
	count, _ := parseInt(b)
	var out []byte
	for j := 0; j < count; j++ {
		if t, n := readJSON(obj, subPath(base, j, "type"), FlagString); n < 0 || string(t) != "text" {
			continue
		}
		if t, n := readJSON(obj, subPath(base, j, "text"), FlagString); n >= 0 {
			out = append(out, t...)
		}
	}
	return string(out)
}

// subPath builds "<base>.<j>.<field>" (or "<base>.<field>" for j < 0) in
// pathBuf.
func subPath(base string, j int, field string) string {
	pathBuf = append(pathBuf[:0], base...)
	if j >= 0 {
		pathBuf = appendIndex(append(pathBuf, '.'), j)
	}
	pathBuf = append(pathBuf, '.')
	pathBuf = append(pathBuf, field...)
	return bstr(pathBuf)
}
