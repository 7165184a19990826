// Package server is wasmgate's HTTP front: the OpenAI-compatible API (chat
// completions, embeddings, models) and Anthropic's Messages API on Fiber v2, health and readiness, and Prometheus metrics. It is the only
// package that knows Fiber; the request flow lives in package gateway.
package server

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"unsafe"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp"

	"github.com/wasmgate/wasmgate/core/apierror"
	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/gateway"
	"github.com/wasmgate/wasmgate/core/host"
	"github.com/wasmgate/wasmgate/core/metrics"
	"github.com/wasmgate/wasmgate/core/rawsock"
)

// Server serves the gateway over HTTP.
type Server struct {
	app    *fiber.App
	gw     *gateway.Gateway
	logger *slog.Logger
}

// New builds the HTTP server. Settings that need a new listener (address,
// body limit, timeouts) are taken from cfg once.
func New(gw *gateway.Gateway, cfg config.Server, m *metrics.Metrics, logger *slog.Logger, opts ...Option) *Server {
	s := &Server{gw: gw, logger: logger}
	s.app = fiber.New(fiber.Config{
		AppName:               "wasmgate",
		BodyLimit:             int(cfg.MaxBodyBytes),
		ReadTimeout:           cfg.ReadTimeout,
		WriteTimeout:          cfg.WriteTimeout,
		IdleTimeout:           cfg.IdleTimeout,
		DisableStartupMessage: true,
		ErrorHandler:          s.errorHandler,
	})
	s.app.Use(recover.New())
	s.app.Post("/v1/chat/completions", s.handle(gw.Chat))
	s.app.Post("/v1/embeddings", s.handle(gw.Embeddings))
	s.app.Post(messagesPath, s.handle(gw.Messages))
	s.app.Get("/v1/models", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(gw.Models())
	})
	s.app.Get("/healthz", func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"status": "ok"})
	})
	s.app.Get("/readyz", func(c *fiber.Ctx) error {
		if !gw.Ready() {
			return s.fail(c, apierror.New(apierror.Unavailable, "the gateway has no configuration loaded yet"))
		}
		return c.JSON(fiber.Map{"status": "ready"})
	})
	s.app.Get("/metrics", adaptor.HTTPHandler(promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})))
	for _, o := range opts { // mounted handlers (the admin API): options.go
		o(s)
	}
	s.app.Use(s.notFound)
	return s
}

// Serve answers on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(rawsock.Listener{Listener: ln}) }

// Shutdown stops accepting and waits for requests in flight (streams too).
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }

// messagesPath is Anthropic's Messages API: its errors take Anthropic's shape.
const messagesPath = "/v1/messages"

// handle serves one gateway endpoint.
func (s *Server) handle(serve func(context.Context, *gateway.Request) *gateway.Reply) fiber.Handler {
	return func(c *fiber.Ctx) error { return s.serve(c, serve) }
}

func (s *Server) serve(c *fiber.Ctx, serve func(context.Context, *gateway.Request) *gateway.Reply) error {
	rid := c.Get("X-Request-Id")
	if !validRequestID(rid) {
		rid = gateway.NewRequestID()
	}
	req := &gateway.Request{
		Path:      c.Path(),
		Body:      append([]byte(nil), c.Body()...), // fasthttp reuses its buffer; plugins rewrite ours
		RequestID: rid,
	}
	copyHeader(&req.Header, &c.Request().Header)
	// The gateway applies server.request_timeout itself (see gateway.Options).
	reply := serve(context.Background(), req)
	for _, h := range reply.Header {
		c.Set(h.Name, h.Value)
	}
	c.Status(reply.Status)
	if reply.Stream == nil {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(reply.Body)
	}
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) { reply.Stream(flusher{w}) })
	return nil
}

// copyHeader copies a request's headers with two allocations: the list,
// and one buffer that holds every value and every uncommon name (fasthttp
// reuses its own).
func copyHeader(dst *host.Header, h *fasthttp.RequestHeader) {
	n, size := 0, 0
	h.VisitAll(func(k, v []byte) {
		n, size = n+1, size+len(v)
		if commonName(k) == "" {
			size += len(k)
		}
	})
	*dst = make(host.Header, 0, n)
	buf := make([]byte, 0, size)
	// buf never grows past its capacity, so earlier views stay valid.
	keep := func(b []byte) string {
		start := len(buf)
		buf = append(buf, b...)
		return unsafe.String(unsafe.SliceData(buf[start:]), len(b))
	}
	h.VisitAll(func(k, v []byte) {
		name := commonName(k)
		if name == "" {
			name = keep(k)
		}
		dst.Add(name, keep(v))
	})
}

// commonName returns a request header's name when it is one that every
// request carries, without a copy; "" otherwise.
func commonName(k []byte) string {
	switch string(k) { // compared without a copy
	case "Host":
		return "Host"
	case "Content-Type":
		return "Content-Type"
	case "Content-Length":
		return "Content-Length"
	case "Authorization":
		return "Authorization"
	case "User-Agent":
		return "User-Agent"
	case "Accept":
		return "Accept"
	case "Accept-Encoding":
		return "Accept-Encoding"
	case "Connection":
		return "Connection"
	}
	return ""
}

type flusher struct{ *bufio.Writer }

func (f flusher) Flush() error { return f.Writer.Flush() }

func (s *Server) notFound(c *fiber.Ctx) error {
	return s.fail(c, apierror.Newf(apierror.NotFound, "unknown endpoint %s %s", c.Method(), apierror.Truncate(c.Path(), 128)))
}

func (s *Server) fail(c *fiber.Ctx, e *apierror.Error) error {
	r := gateway.ErrorReply(e, "")
	if c.Path() == messagesPath {
		r = gateway.AnthropicErrorReply(e, "")
	}
	for _, h := range r.Header {
		c.Set(h.Name, h.Value)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Status(r.Status).Send(r.Body)
}

// errorHandler turns every error Fiber sees into the API's error format:
// the body limit, bad methods, and panics caught by the recover middleware.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case fiber.StatusRequestEntityTooLarge:
			return s.fail(c, apierror.New(apierror.PayloadTooLarge, "the request body is over the size limit"))
		case fiber.StatusMethodNotAllowed:
			return s.fail(c, apierror.Newf(apierror.MethodNotAllowed, "method %s is not allowed on %s", c.Method(), apierror.Truncate(c.Path(), 128)))
		case fiber.StatusNotFound:
			return s.notFound(c)
		case fiber.StatusBadRequest:
			return s.fail(c, apierror.New(apierror.InvalidRequest, "malformed HTTP request"))
		case fiber.StatusRequestTimeout:
			return s.fail(c, apierror.New(apierror.InvalidRequest, "the request took too long to arrive").WithCode("request_timeout"))
		}
	}
	s.logger.Error("unhandled error", "path", c.Path(), "error", err)
	return s.fail(c, apierror.New(apierror.Internal, "internal error"))
}

func validRequestID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}
