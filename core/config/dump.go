package config

import (
	"fmt"
	"reflect"
	"time"
)

// Dump is the config as plain values (for `wasmgate config show`): every
// secret appears as its reference, a literal one as [redacted]; durations
// are text.
func (c *Config) Dump() map[string]any {
	return dumpValue(reflect.ValueOf(*c)).(map[string]any)
}

func dumpValue(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	switch x := v.Interface().(type) {
	case Secret:
		if x == "" {
			return ""
		}
		return x.String()
	case time.Duration:
		return x.String()
	}
	switch v.Kind() {
	case reflect.Struct:
		m := map[string]any{}
		t := v.Type()
		for i := range t.NumField() {
			if tag := t.Field(i).Tag.Get("koanf"); tag != "" && tag != "-" {
				m[tag] = dumpValue(v.Field(i))
			}
		}
		return m
	case reflect.Map:
		m := map[string]any{}
		for it := v.MapRange(); it.Next(); {
			m[fmt.Sprint(it.Key().Interface())] = dumpValue(it.Value())
		}
		return m
	case reflect.Slice:
		s := make([]any, v.Len())
		for i := range s {
			s[i] = dumpValue(v.Index(i))
		}
		return s
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return dumpValue(v.Elem())
	}
	return v.Interface()
}
