package server

import (
	"net/http"

	"github.com/gofiber/fiber/v2/middleware/adaptor"
)

// Option adds to the server.
type Option func(*Server)

// WithHandler serves every method under prefix (like "/admin") with a
// net/http handler: APIs beside the OpenAI one keep out of Fiber.
func WithHandler(prefix string, h http.Handler) Option {
	return func(s *Server) {
		fh := adaptor.HTTPHandler(h)
		s.app.All(prefix, fh)
		s.app.All(prefix+"/*", fh)
	}
}
