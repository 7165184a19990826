package pdk

import (
	"errors"
	"sort"
	"strings"
)

// HeaderList turns a config's map of static headers into a list sorted by
// name, with lower-case names, for adapters that add them to every provider
// request. An empty name or a pseudo-header (":url") is refused.
func HeaderList(m map[string]string) ([][2]string, error) {
	out := make([][2]string, 0, len(m))
	for name, value := range m {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" || strings.HasPrefix(name, ":") {
			return nil, errors.New(`bad header name "` + name + `"`)
		}
		out = append(out, [2]string{name, value})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out, nil
}
