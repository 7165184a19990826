package config

import (
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/providers/rawbytes"
)

func confmapProvider(m map[string]any) *confmap.Confmap { return confmap.Provider(m, ".") }
func rawBytes(b []byte) *rawbytes.RawBytes              { return rawbytes.Provider(b) }
func fileProvider(path string) *file.File               { return file.Provider(path) }
