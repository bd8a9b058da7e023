package config

import "reflect"

// Redact returns a copy of v, the raw value found at path p, with every
// secret replaced by Redacted, for printing (`config get`). Secrets are
// values whose Go type is Secret (gateway.auth.token, models.providers.*.apiKey,
// channels.msteams.appPassword, storage.*.url, …) and, where the types do not
// say (preserved sections, header maps, unknown keys), string values under a
// key whose name looks secret (token, password, secret, apiKey, *key, …).
// Empty strings and values that are exactly one `${VAR}` reference are kept:
// they reveal nothing.
func Redact(p Path, v any) any {
	t, raw, rawSecret, ok := typeAt(p)
	switch {
	case !ok:
		last := ""
		if len(p) > 0 {
			last = p[len(p)-1].Key
		}
		return redactByName(v, secretKeyName(last))
	case raw:
		return redactByName(v, rawSecret)
	default:
		return redactTyped(v, t)
	}
}

func redactTyped(v any, t reflect.Type) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case secretType:
		return redactLeaf(v)
	case rawType:
		return redactByName(v, false)
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			if f, found := lookupField(t, k); found {
				out[k] = redactTyped(e, f.typ)
			} else {
				out[k] = redactByName(e, secretKeyName(k))
			}
		}
		return out
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			if t.Elem().Kind() == reflect.String && secretKeyName(k) {
				out[k] = redactLeaf(e) // e.g. provider headers["Authorization"]
			} else {
				out[k] = redactTyped(e, t.Elem())
			}
		}
		return out
	case reflect.Slice:
		a, ok := v.([]any)
		if !ok {
			return v
		}
		out := make([]any, len(a))
		for i, e := range a {
			out[i] = redactTyped(e, t.Elem())
		}
		return out
	default:
		return v
	}
}

// redactByName redacts string leaves under secret-looking keys.
func redactByName(v any, secret bool) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = redactByName(e, secret || secretKeyName(k))
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = redactByName(e, secret)
		}
		return out
	case string:
		if secret {
			return redactLeaf(x)
		}
		return x
	default:
		return v
	}
}

func redactLeaf(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		if x == "" || isEnvRef(x) {
			return x
		}
	}
	return Redacted
}

// ContainsRedacted reports whether a value holds the Redacted placeholder,
// which must never be written back as if it were the secret.
func ContainsRedacted(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			if ContainsRedacted(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if ContainsRedacted(e) {
				return true
			}
		}
	case string:
		return x == Redacted
	}
	return false
}
