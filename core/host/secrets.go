package host

import (
	"strings"

	"github.com/wasmgate/wasmgate/core/abi"
)

// secret_get is the only way a plugin reaches a secret: by a name granted
// to it in config (plugins.NAME.capabilities.secrets), never by reference,
// so a plugin cannot read another plugin's or a provider's secrets.
func init() {
	registerHostFunc(abi.FnSecretGet, hostFunc{sig: signature{i32s(4), i32s(1)}, fn: hSecretGet, atInit: true})
}

func hSecretGet(in *Instance, s []uint64) int32 {
	name := in.readString(s[0], s[1])
	// A name is not a secret, but it is the guest's text: log a short copy.
	logName := strings.Clone(name[:min(len(name), 128)])
	src := in.plugin.caps.Secrets
	if src == nil {
		in.plugin.logger.Warn("secret refused: the plugin is granted no secrets", "secret", logName)
		return abi.ErrDenied
	}
	v, granted, ok := src.Secret(name)
	switch {
	case !granted:
		in.plugin.logger.Warn("secret refused: not granted to the plugin", "secret", logName)
		return abi.ErrDenied
	case !ok:
		return abi.ErrNotAvailable
	}
	return in.giveString(s[2], s[3], v)
}
