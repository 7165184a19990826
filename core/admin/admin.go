// Package admin is the gateway's admin API under /admin: virtual keys
// (create, list, rotate, revoke) and usage summaries. It is protected by its
// own credential (governance.admin_key), never by a client key.
package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/wasmgate/wasmgate/core/apierror"
	"github.com/wasmgate/wasmgate/core/keys"
	"github.com/wasmgate/wasmgate/core/usage"
)

// Backend is what the admin API manages.
type Backend interface {
	Keys() *keys.Manager
	Usage() *usage.Recorder
	// AdminKey is the current admin credential ("" turns the API off).
	AdminKey() string
}

// Handler serves /admin/*.
type Handler struct {
	b      Backend
	logger *slog.Logger
	mux    *http.ServeMux
}

// New makes the admin API.
func New(b Backend, logger *slog.Logger) *Handler {
	h := &Handler{b: b, logger: logger, mux: http.NewServeMux()}
	h.mux.HandleFunc("POST /admin/keys", h.create)
	h.mux.HandleFunc("GET /admin/keys", h.list)
	h.mux.HandleFunc("GET /admin/keys/{id}", h.get)
	h.mux.HandleFunc("POST /admin/keys/{id}/rotate", h.rotate)
	h.mux.HandleFunc("POST /admin/keys/{id}/revoke", h.revoke)
	h.mux.HandleFunc("DELETE /admin/keys/{id}", h.revoke)
	h.mux.HandleFunc("GET /admin/usage", h.usage)
	h.mux.HandleFunc("/admin/", func(w http.ResponseWriter, r *http.Request) {
		fail(w, apierror.Newf(apierror.NotFound, "unknown endpoint %s %s", r.Method, apierror.Truncate(r.URL.Path, 128)))
	})
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	want := h.b.AdminKey()
	if want == "" {
		fail(w, apierror.New(apierror.NotFound, "the admin API is off (set governance.admin_key)"))
		return
	}
	got := keys.FromHeader(func(n string) (string, bool) { v := r.Header.Get(n); return v, v != "" })
	// Compare digests: constant time, and the lengths leak nothing.
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	if got == "" || subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
		fail(w, apierror.New(apierror.Unauthorized, "the admin API needs the admin key (Authorization: Bearer …)"))
		return
	}
	h.mux.ServeHTTP(w, r)
}

func fail(w http.ResponseWriter, e *apierror.Error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.HTTPStatus())
	_, _ = w.Write(e.JSON())
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// stateError answers a failure of the key store.
func (h *Handler) stateError(w http.ResponseWriter, err error) {
	if errors.Is(err, keys.ErrNotFound) {
		fail(w, apierror.New(apierror.NotFound, "no such key").WithCode("key_not_found"))
		return
	}
	h.logger.Error("admin: state failed", "error", err)
	fail(w, apierror.Wrap(apierror.Unavailable, "the key store is unavailable", err))
}

// KeyWithSecret is the answer of create and rotate: the only time the
// secret is shown.
type KeyWithSecret struct {
	Key    *keys.Key `json:"key"`
	Secret string    `json:"secret"`
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	var s keys.Spec
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		fail(w, apierror.New(apierror.InvalidRequest, "the body must be a key spec: "+apierror.Truncate(err.Error(), 200)))
		return
	}
	if err := s.Check(); err != nil {
		fail(w, apierror.New(apierror.InvalidRequest, err.Error()))
		return
	}
	k, secret, err := h.b.Keys().Create(r.Context(), s)
	if err != nil {
		h.stateError(w, err)
		return
	}
	reply(w, http.StatusCreated, KeyWithSecret{k, secret})
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	ks, err := h.b.Keys().List(r.Context())
	if err != nil {
		h.stateError(w, err)
		return
	}
	reply(w, http.StatusOK, map[string]any{"object": "list", "data": ks})
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	k, err := h.b.Keys().Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.stateError(w, err)
		return
	}
	reply(w, http.StatusOK, k)
}

func (h *Handler) rotate(w http.ResponseWriter, r *http.Request) {
	k, secret, err := h.b.Keys().Rotate(r.Context(), r.PathValue("id"))
	if err != nil {
		h.stateError(w, err)
		return
	}
	reply(w, http.StatusOK, KeyWithSecret{k, secret})
}

func (h *Handler) revoke(w http.ResponseWriter, r *http.Request) {
	k, err := h.b.Keys().Revoke(r.Context(), r.PathValue("id"))
	if err != nil {
		h.stateError(w, err)
		return
	}
	reply(w, http.StatusOK, k)
}

// usage answers GET /admin/usage?from=YYYY-MM-DD&to=YYYY-MM-DD&key=ID
// (default: today, every key).
func (h *Handler) usage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	today := time.Now().UTC()
	day := func(name string, def time.Time) (time.Time, bool) {
		v := q.Get(name)
		if v == "" {
			return def, true
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			fail(w, apierror.Newf(apierror.InvalidRequest, "%s must be a date like 2006-01-02", name).WithParam(name))
			return t, false
		}
		return t, true
	}
	from, ok := day("from", today)
	if !ok {
		return
	}
	to, ok := day("to", today)
	if !ok {
		return
	}
	s, err := h.b.Usage().Summarize(r.Context(), from, to, q.Get("key"))
	if err != nil {
		if errors.Is(err, usage.ErrRange) {
			fail(w, apierror.New(apierror.InvalidRequest, err.Error()))
			return
		}
		h.stateError(w, err)
		return
	}
	reply(w, http.StatusOK, s)
}
