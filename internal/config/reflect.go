package config

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
)

// Types with their own rules in validation, redaction and the schema.
var (
	secretType      = reflect.TypeFor[Secret]()
	rawType         = reflect.TypeFor[json.RawMessage]()
	modelSelType    = reflect.TypeFor[ModelSelection]()
	webhookPortType = reflect.TypeFor[WebhookPort]()
)

// rules are the validation tags of one field.
type rules struct {
	enum     []string
	min, max *int64
	format   string // validate:"…"
}

func rulesOf(tag reflect.StructTag) rules {
	var r rules
	if e := tag.Get("enum"); e != "" {
		r.enum = strings.Split(e, ",")
	}
	if v, err := strconv.ParseInt(tag.Get("min"), 10, 64); err == nil {
		r.min = &v
	}
	if v, err := strconv.ParseInt(tag.Get("max"), 10, 64); err == nil {
		r.max = &v
	}
	r.format = tag.Get("validate")
	return r
}

// field is one JSON-visible struct field.
type field struct {
	name  string
	index int
	typ   reflect.Type
	rules rules
}

// fieldsOf lists the JSON-visible fields of struct type t in declaration
// order, named by their json tags.
func fieldsOf(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		out = append(out, field{name: name, index: i, typ: sf.Type, rules: rulesOf(sf.Tag)})
	}
	return out
}

func lookupField(t reflect.Type, name string) (field, bool) {
	for _, f := range fieldsOf(t) {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

// typeAt returns the Go type that the value at p has in Config. raw is true
// when p lies inside a preserved json.RawMessage section (whose contents
// have no Go type); rawSecret is true when, inside such a section, a key on
// the way looks secret. ok is false for paths that do not exist in the
// schema.
func typeAt(p Path) (t reflect.Type, raw, rawSecret, ok bool) {
	t = reflect.TypeFor[Config]()
	for _, seg := range p {
		if raw {
			rawSecret = rawSecret || secretKeyName(seg.Key)
			continue
		}
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch {
		case t == webhookPortType:
			return nil, false, false, false
		case t == rawType:
			raw = true
			rawSecret = secretKeyName(seg.Key)
			continue
		case t.Kind() == reflect.Struct:
			if seg.Bracket {
				return nil, false, false, false
			}
			f, found := lookupField(t, seg.Key)
			if !found {
				return nil, false, false, false
			}
			t = f.typ
		case t.Kind() == reflect.Map:
			t = t.Elem()
		case t.Kind() == reflect.Slice:
			if seg.Index < 0 {
				return nil, false, false, false
			}
			t = t.Elem()
		default:
			return nil, false, false, false
		}
	}
	if !raw && t == rawType {
		raw = true
	}
	return t, raw, rawSecret, true
}

// secretKeyName reports whether an object key names a secret, for values
// whose Go type does not say (preserved sections, header maps).
func secretKeyName(k string) bool {
	n := strings.ToLower(strings.NewReplacer("_", "", "-", "", ".", "").Replace(k))
	for _, w := range []string{"token", "password", "passwd", "secret", "apikey", "privatekey", "credential", "authorization", "cookie", "signature"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return strings.HasSuffix(n, "key")
}
