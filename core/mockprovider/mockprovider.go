// Package mockprovider is a deterministic mock of an OpenAI-compatible model
// provider. It stands in for real providers in the quickstart, in tests and
// in benchmarks, and uses only the standard library.
//
// Every answer is a pure function of the request: a chat completion replies
// "Mock reply to: " followed by the text of the last user message (truncated
// to 200 bytes), ids are derived from a hash of the request body and the
// created timestamp is fixed. Token counts are whitespace-separated words:
// prompt_tokens is 3 plus, for each message, 3 plus the words of its text;
// completion_tokens is the words of the answer times the number of choices.
// "n" asks for that many (identical) choices, and "max_tokens" or
// "max_completion_tokens" cut the answer to that many words, with
// finish_reason "length". A stream sends one chunk per word and choice.
//
// Endpoints:
//
//	POST /v1/chat/completions  chat.completion, or SSE chat.completion.chunk events with "stream": true
//	POST /v1/embeddings        deterministic unit vectors (float or base64)
//	POST /v1/messages          Anthropic's Messages API: a message, or its SSE events with "stream": true
//	GET  /v1/models            fixed model list
//	GET  /v1/models/{id}       one model of that list
//
// A chat request that offers tools, whose last message is the user's, is
// answered with a call of the first tool (finish_reason "tool_calls"), its
// first required property set to the user's text; streamed, the call's
// arguments come in three pieces. The Messages API does the same with
// tool_use blocks and input_json_delta events.
//
// Faults can be injected through the model name (directives below), which
// makes it easy to exercise retries, timeouts and broken streams from tests:
//
//	fail-<status>  answer with that HTTP status (400-599) and an OpenAI error body; 429 adds Retry-After: 1
//	slow-<ms>      wait that many milliseconds before answering (cancelled with the request)
//	cut            streams stop after 2 chunks without [DONE]; other answers stop half-way through the body
//	reset          the connection is reset (TCP RST) before any answer
//
// A directive must be delimited by the start or end of the name or by a
// character that is not a letter or digit, e.g. "mock-fail-429",
// "mock-slow-300", "mock-cut", "mock-slow-50-cut".
package mockprovider

import (
	"context"
	"errors"
	"log"
	"net"
	"net/http"
	"strings"
	"time"
)

// DefaultCreated is the "created" timestamp used in responses when
// Options.Created is zero (2025-01-01T00:00:00Z).
const DefaultCreated int64 = 1735689600

// DefaultEmbeddingDimensions is the length of embedding vectors when the
// request does not set "dimensions".
const DefaultEmbeddingDimensions = 64

// DefaultMaxBodyBytes is the request body limit when Options.MaxBodyBytes is
// zero.
const DefaultMaxBodyBytes int64 = 32 << 20

// DefaultModels returns the model ids listed by GET /v1/models when
// Options.Models is empty.
func DefaultModels() []string {
	return []string{"gpt-4o-mini", "mock-gpt", "text-embedding-3-small"}
}

// Options configures the mock provider. The zero value is a usable,
// unauthenticated, zero-latency provider.
type Options struct {
	// APIKey, when set, is required as "Authorization: Bearer <APIKey>" on
	// every endpoint; other requests get 401 invalid_api_key.
	APIKey string
	// Latency is waited before answering a chat completion or embeddings
	// request (time to first byte). It is cut short when the client goes away.
	Latency time.Duration
	// ChunkDelay is waited between two events of a streamed answer.
	ChunkDelay time.Duration
	// Models are the ids listed by GET /v1/models; DefaultModels() if empty.
	// Chat completions and embeddings accept any model name.
	Models []string
	// Created is the "created" timestamp of every response; DefaultCreated
	// if zero.
	Created int64
	// MaxBodyBytes limits request bodies (413 beyond); DefaultMaxBodyBytes
	// if zero.
	MaxBodyBytes int64
	// ErrorLog receives the HTTP server's errors in Start, Serve and
	// ListenAndServe; the log package's standard logger if nil.
	ErrorLog *log.Logger
}

// New returns the mock provider as an http.Handler.
func New(opts Options) http.Handler {
	if opts.Created == 0 {
		opts.Created = DefaultCreated
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if len(opts.Models) == 0 {
		opts.Models = DefaultModels()
	} else {
		opts.Models = append([]string(nil), opts.Models...)
	}
	h := &handler{opts: opts}
	h.modelsJSON = h.appendModelList(nil)
	return h
}

// Server is a running mock provider, as returned by Start.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves the
// mock provider in the background until Close.
func Start(addr string, opts Options) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{srv: newHTTPServer(opts), ln: ln, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Addr is the address the server listens on, as host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the base URL of the API, e.g. "http://127.0.0.1:41234/v1".
func (s *Server) URL() string { return "http://" + s.Addr() + "/v1" }

// Close stops the server: it stops accepting connections, gives in-flight
// requests a second to finish, then closes every connection.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = s.srv.Close()
	}
	<-s.done
	return err
}

// ListenAndServe listens on addr and serves the mock provider until ctx is
// cancelled, then shuts down gracefully (in-flight requests get up to 5
// seconds). It returns nil after a shutdown caused by ctx, or the error that
// stopped the server.
func ListenAndServe(ctx context.Context, addr string, opts Options) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return Serve(ctx, ln, opts)
}

// Serve is ListenAndServe on an existing listener, which it closes.
func Serve(ctx context.Context, ln net.Listener, opts Options) error {
	srv := newHTTPServer(opts)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func newHTTPServer(opts Options) *http.Server {
	return &http.Server{
		Handler:           New(opts),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          opts.ErrorLog,
	}
}

type handler struct {
	opts       Options
	modelsJSON []byte
}

const (
	pathChat       = "/v1/chat/completions"
	pathEmbeddings = "/v1/embeddings"
	pathModels     = "/v1/models"
)

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	var want string
	switch {
	case path == pathChat, path == pathEmbeddings, path == pathMessages:
		want = http.MethodPost
	case path == pathModels, strings.HasPrefix(path, pathModels+"/"):
		want = http.MethodGet
	default:
		writeError(w, http.StatusNotFound, "Invalid URL ("+r.Method+" "+path+")", typeInvalidRequest, "", "")
		return
	}
	if r.Method != want {
		w.Header().Set("Allow", want)
		writeError(w, http.StatusMethodNotAllowed, "Invalid method for URL ("+r.Method+" "+path+")", typeInvalidRequest, "", "")
		return
	}
	if path == pathMessages {
		h.messages(w, r) // Anthropic's API checks its own key header
		return
	}
	if !h.authorized(w, r) {
		return
	}
	switch path {
	case pathChat:
		h.chatCompletions(w, r)
	case pathEmbeddings:
		h.embeddings(w, r)
	case pathModels:
		writeJSON(w, http.StatusOK, h.modelsJSON)
	default:
		h.model(w, strings.TrimPrefix(path, pathModels+"/"))
	}
}

func (h *handler) authorized(w http.ResponseWriter, r *http.Request) bool {
	if h.opts.APIKey == "" {
		return true
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		writeError(w, http.StatusUnauthorized,
			"You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
			typeInvalidRequest, "", "invalid_api_key")
		return false
	}
	const prefix = "bearer "
	key := ""
	if len(auth) > len(prefix) && strings.EqualFold(auth[:len(prefix)], prefix) {
		key = strings.TrimSpace(auth[len(prefix):])
	}
	if !constantTimeEqual(key, h.opts.APIKey) {
		writeError(w, http.StatusUnauthorized,
			"Incorrect API key provided: "+maskKey(key)+".",
			typeInvalidRequest, "", "invalid_api_key")
		return false
	}
	return true
}

func (h *handler) appendModelList(b []byte) []byte {
	b = append(b, `{"object":"list","data":[`...)
	for i, id := range h.opts.Models {
		if i > 0 {
			b = append(b, ',')
		}
		b = h.appendModel(b, id)
	}
	return append(b, "]}"...)
}

func (h *handler) appendModel(b []byte, id string) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, id)
	b = append(b, `,"object":"model","created":`...)
	b = appendInt(b, h.opts.Created)
	return append(b, `,"owned_by":"wasmgate-mock"}`...)
}

func (h *handler) model(w http.ResponseWriter, id string) {
	for _, m := range h.opts.Models {
		if m == id {
			writeJSON(w, http.StatusOK, h.appendModel(nil, id))
			return
		}
	}
	writeError(w, http.StatusNotFound, "The model '"+id+"' does not exist", typeInvalidRequest, "model", "model_not_found")
}

// wait sleeps for d, or until ctx is done; it reports whether the full
// duration elapsed.
func wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
