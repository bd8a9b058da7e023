package config

import (
	"maps"
	"reflect"
)

// Schema returns a JSON Schema (draft 2020-12) for openclaw.json, generated
// from the Go types: types, enums, integer bounds, string formats, and
// additionalProperties:false on every object the gateway interprets.
// Preserved sections accept anything. The output is stable (sorted keys).
func Schema() []byte {
	s := map[string]any{
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"title":       "OpenClaw gateway config (openclaw.json)",
		"description": "JSON5 is accepted. String values may reference the environment as ${VAR} ($${VAR} for a literal).",
	}
	maps.Copy(s, schemaFor(reflect.TypeFor[Config](), rules{}))
	out, err := marshalTree(s)
	if err != nil {
		panic("config: schema does not marshal: " + err.Error()) // only plain maps, strings and numbers above
	}
	return out
}

// Patterns for validate:"…" formats that JSON Schema has no name for.
var formatPatterns = map[string]string{
	"modelref": `^[^/\s]+(/\S+)?$`,
	"agentid":  `^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`,
	"abspath":  `^/`,
	"header":   "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
}

func schemaFor(t reflect.Type, r rules) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case rawType:
		return map[string]any{"description": "Preserved from the original OpenClaw config; not interpreted by this gateway."}
	case secretType:
		return map[string]any{"type": "string", "writeOnly": true, "description": "Secret: never printed by `openclaw config get`. Prefer a ${VAR} reference."}
	case modelSelType:
		return map[string]any{"oneOf": []any{
			map[string]any{"type": "string", "pattern": formatPatterns["modelref"], "description": "provider/model"},
			objectSchema(t),
		}}
	case webhookPortType:
		return map[string]any{"oneOf": []any{
			map[string]any{"type": "integer", "minimum": 1, "maximum": 65535},
			map[string]any{"const": "gateway", "description": "Serve the webhook on the main gateway port."},
		}}
	}
	switch t.Kind() {
	case reflect.Struct:
		return objectSchema(t)
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaFor(t.Elem(), rules{})}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaFor(t.Elem(), r)}
	case reflect.String:
		s := map[string]any{"type": "string"}
		if len(r.enum) > 0 {
			enum := make([]any, len(r.enum))
			for i, e := range r.enum {
				enum[i] = e
			}
			s["enum"] = enum
		}
		switch r.format {
		case "ipv4":
			s["format"] = "ipv4"
		case "url":
			s["format"] = "uri"
		case "ip-or-cidr":
			s["description"] = "IP address or CIDR (IPv4 or IPv6)"
		case "":
		default:
			s["pattern"] = formatPatterns[r.format]
		}
		return s
	case reflect.Int, reflect.Int64:
		s := map[string]any{"type": "integer"}
		if r.min != nil {
			s["minimum"] = *r.min
		}
		if r.max != nil {
			s["maximum"] = *r.max
		}
		return s
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	default:
		return map[string]any{}
	}
}

func objectSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	for _, f := range fieldsOf(t) {
		props[f.name] = schemaFor(f.typ, f.rules)
	}
	return map[string]any{"type": "object", "properties": props, "additionalProperties": false}
}
