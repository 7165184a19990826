package extism

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/gobwas/glob"
)

// hostList is a plugin's capabilities.allowed_hosts. It matches a host name
// the way Extism's http_request does (equal to an entry, or matching it as
// a glob), so that the redirect check below agrees with the SDK's own.
type hostList struct {
	names []string
	globs []glob.Glob
}

// compileHosts checks allowed_hosts at load: the SDK compiles each entry
// with glob.MustCompile at call time (a bad one would panic mid-request),
// and compares only the host name (an entry with a scheme, port or path
// would silently never match).
func compileHosts(entries []string) (*hostList, error) {
	l := &hostList{}
	for _, h := range entries {
		if h == "" || strings.ContainsAny(h, "/@ ") || strings.Contains(h, ":") && net.ParseIP(h) == nil {
			return nil, fmt.Errorf("allowed_hosts %q: want a host name or glob (api.example.com, *.example.com, 127.0.0.1), without scheme, port or path", h)
		}
		g, err := glob.Compile(h)
		if err != nil {
			return nil, fmt.Errorf("allowed_hosts %q: %w", h, err)
		}
		l.names, l.globs = append(l.names, h), append(l.globs, g)
	}
	return l, nil
}

func (l *hostList) allows(host string) bool {
	for i, g := range l.globs {
		if l.names[i] == host || g.Match(host) {
			return true
		}
	}
	return false
}

// errNotAllowed marks a request to a host outside allowed_hosts.
var errNotAllowed = errors.New("not in capabilities.allowed_hosts")

// hostsKey carries the calling plugin's hostList in the context of a call.
type hostsKey struct{}

func withHosts(ctx context.Context, l *hostList) context.Context {
	return context.WithValue(ctx, hostsKey{}, l)
}

// The SDK's http_request sends with http.DefaultClient, which follows
// redirects to any host: a listed host could send a plugin anywhere. Refuse
// a redirect that leaves the calling plugin's allowed_hosts; requests that
// do not come from an Extism plugin keep the default policy.
func init() {
	next := http.DefaultClient.CheckRedirect
	http.DefaultClient.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if l, ok := req.Context().Value(hostsKey{}).(*hostList); ok && !l.allows(req.URL.Hostname()) {
			return fmt.Errorf("HTTP redirect to %q is not allowed: %w", req.URL.Hostname(), errNotAllowed)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}
