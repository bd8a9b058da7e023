package config

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// validator walks a generic tree alongside the Go types of Config and
// collects every mismatch.
type validator struct {
	errs []FieldError
	// fromEnv and unresolved come from the substituter.
	fromEnv    map[string]bool
	unresolved map[string]bool
}

func (v *validator) add(fe FieldError) { v.errs = append(v.errs, fe) }

func (v *validator) typeErr(path string, expected string, node any, hide bool) {
	v.add(FieldError{Path: path, Expected: expected, Found: describe(node, hide || v.fromEnv[path])})
}

// check validates node (at path) against Go type t with the field's rules.
func (v *validator) check(path string, node any, t reflect.Type, r rules) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case rawType:
		v.checkRaw(path, node)
		return
	case secretType:
		if _, ok := node.(string); !ok {
			v.typeErr(path, "string", node, true)
		}
		return
	case modelSelType:
		switch x := node.(type) {
		case string:
			v.checkString(path, x, rules{format: "modelref"})
		case map[string]any:
			v.checkStruct(path, x, t)
		default:
			v.typeErr(path, `a "provider/model" string or {primary, fallbacks}`, node, false)
		}
		return
	case webhookPortType:
		v.checkWebhookPort(path, node)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := node.(map[string]any)
		if !ok {
			v.typeErr(path, "object", node, false)
			return
		}
		v.checkStruct(path, m, t)
	case reflect.Map:
		m, ok := node.(map[string]any)
		if !ok {
			v.typeErr(path, "object", node, false)
			return
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			v.check(joinKey(path, k), m[k], t.Elem(), rules{})
		}
	case reflect.Slice:
		a, ok := node.([]any)
		if !ok {
			v.typeErr(path, "array", node, false)
			return
		}
		for i, e := range a {
			v.check(joinIndex(path, i), e, t.Elem(), r)
		}
	case reflect.String:
		s, ok := node.(string)
		if !ok {
			v.typeErr(path, "string", node, false)
			return
		}
		v.checkString(path, s, r)
	case reflect.Int, reflect.Int64:
		v.checkInt(path, node, r)
	case reflect.Bool:
		if _, ok := node.(bool); !ok {
			v.typeErr(path, "boolean", node, false)
		}
	default:
		// types.go uses no other kinds; a new one must be taught here.
		v.add(FieldError{Path: path, Message: fmt.Sprintf("internal: unsupported config type %s", t)})
	}
}

func (v *validator) checkStruct(path string, m map[string]any, t reflect.Type) {
	fields := fieldsOf(t)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		i := slices.IndexFunc(fields, func(f field) bool { return f.name == k })
		if i < 0 {
			msg := "unknown key"
			if s := suggest(k, fields); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			v.add(FieldError{Path: joinKey(path, k), Message: msg})
			continue
		}
		v.check(joinKey(path, k), m[k], fields[i].typ, fields[i].rules)
	}
}

func (v *validator) checkInt(path string, node any, r rules) {
	expected := "integer"
	switch {
	case r.min != nil && r.max != nil:
		expected = fmt.Sprintf("integer %d-%d", *r.min, *r.max)
	case r.min != nil:
		expected = fmt.Sprintf("integer >= %d", *r.min)
	case r.max != nil:
		expected = fmt.Sprintf("integer <= %d", *r.max)
	}
	n, ok := node.(json.Number)
	if !ok {
		v.typeErr(path, expected, node, false)
		return
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil || r.min != nil && i < *r.min || r.max != nil && i > *r.max {
		v.typeErr(path, expected, node, false)
	}
}

func (v *validator) checkWebhookPort(path string, node any) {
	const expected = `a port number 1-65535 or "gateway"`
	switch x := node.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil && i >= 1 && i <= 65535 {
			return
		}
	case string:
		if x == "gateway" || v.unresolved[path] {
			return
		}
		if i, err := strconv.Atoi(x); err == nil && i >= 1 && i <= 65535 {
			return
		}
	}
	v.typeErr(path, expected, node, false)
}

func (v *validator) checkString(path, s string, r rules) {
	if v.unresolved[path] {
		return // an unset ${VAR}: its value is unknown here
	}
	if len(r.enum) > 0 {
		if !slices.Contains(r.enum, s) {
			v.typeErr(path, "one of "+quoteList(r.enum), s, false)
		}
		return
	}
	if r.format == "" {
		return
	}
	if msg := checkFormat(r.format, s); msg != "" {
		v.add(FieldError{Path: path, Expected: msg, Found: describe(s, v.fromEnv[path])})
	}
}

// checkFormat returns what was expected when s does not match format.
func checkFormat(format, s string) string {
	switch format {
	case "ipv4":
		if a, err := netip.ParseAddr(s); err != nil || !a.Is4() {
			return "an IPv4 address"
		}
	case "ip-or-cidr":
		if _, err := netip.ParseAddr(s); err == nil {
			return ""
		}
		if _, err := netip.ParsePrefix(s); err != nil {
			return "an IP address or CIDR (10.0.0.1, 172.17.0.0/16, fd00::/8)"
		}
	case "url":
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "an http(s) URL"
		}
	case "abspath":
		if !strings.HasPrefix(s, "/") {
			return `a path starting with "/"`
		}
	case "modelref":
		if msg := modelRefProblem(s); msg != "" {
			return msg
		}
	case "agentid":
		if !validAgentID(s) {
			return "an agent id (1-64 letters, digits, '-' or '_', starting with a letter or digit)"
		}
	case "header":
		if !validHeaderName(s) {
			return "an HTTP header name"
		}
	default:
		return "internal: unknown format " + format
	}
	return ""
}

// modelRefProblem checks a model reference: "provider/model" split at the
// first "/" (both sides non-empty), or a bare model id or alias that the
// agent runtime resolves among configured providers (spec §2).
func modelRefProblem(s string) string {
	const expected = `a model reference "provider/model"`
	if s == "" || strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return expected
	}
	if p, m, ok := strings.Cut(s, "/"); ok && (p == "" || m == "") {
		return expected
	}
	return ""
}

func validAgentID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i, c := range s {
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '-' && c != '_') {
			return false
		}
	}
	return true
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", c)
		if !ok {
			return false
		}
	}
	return true
}

// checkRaw accepts any JSON in a preserved section, except the JSON5-only
// numbers that cannot be written back as JSON.
func (v *validator) checkRaw(path string, node any) {
	switch x := node.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			v.checkRaw(joinKey(path, k), x[k])
		}
	case []any:
		for i, e := range x {
			v.checkRaw(joinIndex(path, i), e)
		}
	case float64:
		v.typeErr(path, "a finite number", node, false)
	}
}

func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, e := range s {
		q[i] = strconv.Quote(e)
	}
	return strings.Join(q, ", ")
}

// suggest returns the field name closest to an unknown key, if close enough
// to be a likely typo.
func suggest(key string, fields []field) string {
	best, bestD := "", 3
	for _, f := range fields {
		if strings.EqualFold(f.name, key) {
			return f.name
		}
		if d := editDistance(strings.ToLower(key), strings.ToLower(f.name)); d < bestD {
			best, bestD = f.name, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
