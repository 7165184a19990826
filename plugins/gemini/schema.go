package main

import (
	"strings"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/pdk/go"
)

// Gemini's function parameters are an OpenAPI 3.0 subset: it refuses JSON
// Schema keywords outside it ($ref, $defs, additionalProperties, $schema,
// oneOf, const, ...), type arrays, and string formats other than enum and
// date-time. cleanSchema rewrites a JSON Schema into that subset: $ref is
// resolved from $defs (or definitions), const becomes a one-value enum, a
// type array with "null" becomes nullable, oneOf becomes anyOf, and every
// other keyword outside the subset is dropped.

// maxRefDepth bounds $ref resolution, so a recursive schema ends in a plain
// object instead of an endless expansion.
const maxRefDepth = 8

// schemaKeys are the keywords kept as they are (besides the ones handled
// below).
var schemaKeys = map[string]bool{
	"title": true, "description": true, "nullable": true, "example": true, "default": true,
	"minItems": true, "maxItems": true, "minProperties": true, "maxProperties": true,
	"minLength": true, "maxLength": true, "pattern": true, "minimum": true, "maximum": true,
	"propertyOrdering": true,
}

type schemaCleaner struct {
	defs []gjson.Result // $defs and definitions of the root
}

// cleanSchema appends the Gemini form of a JSON Schema.
func cleanSchema(b []byte, schema gjson.Result) []byte {
	c := schemaCleaner{defs: []gjson.Result{schema.Get(`\$defs`), schema.Get("definitions")}}
	return c.node(b, schema, 0)
}

func (c *schemaCleaner) resolve(ref string) (gjson.Result, bool) {
	for _, prefix := range []string{"#/$defs/", "#/definitions/"} {
		if name, ok := strings.CutPrefix(ref, prefix); ok {
			for _, defs := range c.defs {
				if d := defs.Get(gjson.Escape(name)); d.IsObject() {
					return d, true
				}
			}
		}
	}
	return gjson.Result{}, false
}

func (c *schemaCleaner) node(b []byte, s gjson.Result, depth int) []byte {
	if !s.IsObject() {
		return append(b, "{}"...)
	}
	if ref := s.Get(`\$ref`); ref.Exists() {
		if d, ok := c.resolve(ref.Str); ok && depth < maxRefDepth {
			// Keywords beside the $ref (a description) win over the target's.
			b = c.node(b, d, depth+1)
			if desc := s.Get("description"); desc.Exists() {
				b = append(b[:len(b)-1], `,"description":`...)
				b = append(append(b, desc.Raw...), '}')
			}
			return b
		}
		return append(b, `{"type":"object"}`...)
	}
	b = append(b, '{')
	first := true
	field := func(name string) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = pdk.AppendJSONString(b, name)
		b = append(b, ':')
	}
	nullable := false
	typ := s.Get("type")
	if typ.IsArray() {
		var one string
		typ.ForEach(func(_, t gjson.Result) bool {
			if t.Str == "null" {
				nullable = true
			} else if one == "" {
				one = t.Str
			}
			return true
		})
		if one != "" {
			field("type")
			b = pdk.AppendJSONString(b, one)
		}
	} else if typ.Type == gjson.String && typ.Str != "null" {
		field("type")
		b = append(b, typ.Raw...)
	} else if typ.Str == "null" {
		nullable = true
	}
	if nullable && !s.Get("nullable").Exists() {
		field("nullable")
		b = append(b, "true"...)
	}
	isString := typ.Str == "string"
	s.ForEach(func(k, v gjson.Result) bool {
		switch key := k.Str; {
		case schemaKeys[key]:
			field(key)
			b = append(b, v.Raw...)
		case key == "format":
			// Gemini takes enum and date-time for strings, and the number
			// formats; others are refused.
			if !isString || v.Str == "enum" || v.Str == "date-time" {
				field(key)
				b = append(b, v.Raw...)
			}
		case key == "enum":
			if allStrings(v) {
				field(key)
				b = append(b, v.Raw...)
			}
		case key == "const":
			if v.Type == gjson.String {
				field("enum")
				b = append(append(append(b, '['), v.Raw...), ']')
			}
		case key == "properties":
			field(key)
			b = append(b, '{')
			i := 0
			v.ForEach(func(name, prop gjson.Result) bool {
				if i > 0 {
					b = append(b, ',')
				}
				i++
				b = append(append(b, name.Raw...), ':')
				b = c.node(b, prop, depth)
				return true
			})
			b = append(b, '}')
		case key == "required":
			// Only names of properties that exist: Gemini refuses others.
			props := s.Get("properties")
			field(key)
			b = appendArray(b, v, func(b []byte, name gjson.Result) ([]byte, bool) {
				return append(b, name.Raw...), props.Get(gjson.Escape(name.Str)).Exists()
			})
		case key == "items":
			field(key)
			b = c.node(b, v, depth)
		case key == "anyOf" || key == "oneOf":
			if s.Get("anyOf").Exists() && key == "oneOf" {
				return true
			}
			field("anyOf")
			b = appendArray(b, v, func(b []byte, sub gjson.Result) ([]byte, bool) {
				return c.node(b, sub, depth), true
			})
		}
		return true
	})
	return append(b, '}')
}

// appendArray appends a JSON array of the elements of arr that elem appends
// (elem reports false to leave one out).
func appendArray(b []byte, arr gjson.Result, elem func(b []byte, e gjson.Result) ([]byte, bool)) []byte {
	b = append(b, '[')
	n := 0
	arr.ForEach(func(_, e gjson.Result) bool {
		mark := len(b)
		if n > 0 {
			b = append(b, ',')
		}
		var keep bool
		if b, keep = elem(b, e); keep {
			n++
		} else {
			b = b[:mark]
		}
		return true
	})
	return append(b, ']')
}

func allStrings(v gjson.Result) bool {
	ok := v.IsArray()
	v.ForEach(func(_, e gjson.Result) bool {
		ok = e.Type == gjson.String
		return ok
	})
	return ok
}
