package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func mustDoc(t *testing.T, src string) *Document {
	t.Helper()
	d, err := ParseDocument([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParsePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, canonical string
		wantErr       bool
	}{
		{"gateway.port", "gateway.port", false},
		{"agents.list[0].id", "agents.list[0].id", false},
		{"agents.list.0.id", "agents.list.0.id", false},
		{`channels.msteams.teams["19:a@thread.x"].requireMention`, `channels.msteams.teams["19:a@thread.x"].requireMention`, false},
		{"", "", true},
		{"a..b", "", true},
		{"a.", "", true},
		{"a[x]", "", true},
		{"a[0", "", true},
		{"a[0]b", "", true},
		{`a["b`, "", true},
	}
	for _, tc := range tests {
		p, err := ParsePath(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParsePath(%q) err = %v", tc.in, err)
			continue
		}
		if err != nil && !errors.Is(err, ErrBadPath) {
			t.Errorf("ParsePath(%q) err %v does not wrap ErrBadPath", tc.in, err)
		}
		if err == nil && p.String() != tc.canonical {
			t.Errorf("ParsePath(%q).String() = %q", tc.in, p.String())
		}
	}
}

func TestDocumentGetSetUnset(t *testing.T) {
	t.Parallel()
	const src = `{gateway: {port: 1, auth: {token: "${TOK}"}}, agents: {list: [{id: "a"}, {id: "b"}]}}`
	tests := []struct {
		name string
		op   func(d *Document) error
		path string // read back after op
		want string // JSON, or "" for not found
	}{
		{"get nested", nil, "gateway.port", `1`},
		{"get with bracket index", nil, "agents.list[1].id", `"b"`},
		{"get with dotted index", nil, "agents.list.1.id", `"b"`},
		{"get keeps references", nil, "gateway.auth.token", `"${TOK}"`},
		{"get missing", nil, "gateway.bind", ``},
		{"get index out of range", nil, "agents.list[5]", ``},
		{"set scalar", func(d *Document) error { return d.Set("gateway.port", json.Number("2"), Replace) }, "gateway.port", `2`},
		{"set creates objects", func(d *Document) error { return d.Set("gateway.http.endpoints.responses.enabled", true, Replace) }, "gateway.http", `{"endpoints":{"responses":{"enabled":true}}}`},
		{"set replaces an object", func(d *Document) error {
			return d.Set("gateway.auth", map[string]any{"mode": "none"}, Replace)
		}, "gateway.auth", `{"mode":"none"}`},
		{"set merges an object", func(d *Document) error {
			return d.Set("gateway.auth", map[string]any{"mode": "none"}, Merge)
		}, "gateway.auth", `{"mode":"none","token":"${TOK}"}`},
		{"set array element", func(d *Document) error { return d.Set("agents.list[1].id", "c", Replace) }, "agents.list", `[{"id":"a"},{"id":"c"}]`},
		{"set appends at len", func(d *Document) error { return d.Set("agents.list[2]", map[string]any{"id": "d"}, Replace) }, "agents.list[2].id", `"d"`},
		{"dotted index creates an array where the schema has a list", func(d *Document) error {
			return d.Set("gateway.trustedProxies.0", "10.0.0.1", Replace)
		}, "gateway.trustedProxies", `["10.0.0.1"]`},
		{"unset key", func(d *Document) error { return d.Unset("gateway.auth.token") }, "gateway.auth", `{}`},
		{"unset array element shifts", func(d *Document) error { return d.Unset("agents.list[0]") }, "agents.list", `[{"id":"b"}]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := mustDoc(t, src)
			if tc.op != nil {
				if err := tc.op(d); err != nil {
					t.Fatal(err)
				}
			}
			v, err := d.Get(tc.path)
			if tc.want == "" {
				if !errors.Is(err, ErrPathNotFound) {
					t.Fatalf("Get(%s) = %v, %v; want ErrPathNotFound", tc.path, v, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := jsonOf(t, v); got != tc.want {
				t.Errorf("Get(%s) = %s, want %s", tc.path, got, tc.want)
			}
		})
	}
}

func TestDocumentErrors(t *testing.T) {
	t.Parallel()
	d := mustDoc(t, `{gateway: {port: 1}, agents: {list: []}}`)
	if err := d.Unset("gateway.bind"); !errors.Is(err, ErrPathNotFound) {
		t.Errorf("Unset missing: %v", err)
	}
	if err := d.Set("gateway.port.x", 1, Replace); err == nil {
		t.Error("Set through a scalar succeeded")
	}
	if err := d.Set("agents.list[3]", 1, Replace); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("Set past the end: %v", err)
	}
	if err := d.Set("agents.list.id", 1, Replace); err == nil {
		t.Error("Set of a key on an array succeeded")
	}
}

func TestDocumentValidate(t *testing.T) {
	t.Parallel()
	d := mustDoc(t, `{gateway: {auth: {token: "${UNSET_TOKEN}"}}}`)
	if err := d.Validate(Options{}); err == nil {
		t.Error("strict validation accepted an unset variable")
	}
	if err := d.Validate(Options{AllowUnsetEnv: true}); err != nil {
		t.Errorf("lenient validation: %v", err)
	}
	_ = d.Set("gateway.port", "high", Replace)
	_ = d.Set("gateway.bogus", true, Replace)
	err := d.Validate(Options{AllowUnsetEnv: true})
	if n := len(FieldErrors(err)); n != 2 {
		t.Errorf("got %d errors, want 2: %v", n, err)
	}
	// References survive a Set + Marshal round trip unchanged.
	out, _ := d.Marshal()
	if !bytes.Contains(out, []byte(`"token": "${UNSET_TOKEN}"`)) {
		t.Errorf("reference not preserved:\n%s", out)
	}
}

func TestParseValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		strict bool
		want   string
		err    bool
	}{
		{"18790", false, `18790`, false},
		{"lan", false, `"lan"`, false},
		{"true", false, `true`, false},
		{"openai/gpt-4o", false, `"openai/gpt-4o"`, false},
		{"{enabled: true}", false, `{"enabled":true}`, false},
		{"['a', 'b',]", false, `["a","b"]`, false},
		{"0x10", false, `16`, false},
		{"", false, `""`, false},
		{`{"a":1}`, true, `{"a":1}`, false},
		{"{a:1}", true, ``, true},
		{"lan", true, ``, true},
	}
	for _, tc := range tests {
		v, err := ParseValue(tc.in, tc.strict)
		if (err != nil) != tc.err {
			t.Errorf("ParseValue(%q, %v) err = %v", tc.in, tc.strict, err)
			continue
		}
		if err == nil && jsonOf(t, v) != tc.want {
			t.Errorf("ParseValue(%q, %v) = %s, want %s", tc.in, tc.strict, jsonOf(t, v), tc.want)
		}
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	doc := mustDoc(t, `{
	  gateway: {port: 1, auth: {mode: "token", token: "s3cret", password: "${PW}"}},
	  models: {providers: {p: {apiKey: "sk-1", baseUrl: "http://x", headers: {Authorization: "Bearer z", "X-Trace": "on"}}}},
	  channels: {msteams: {appId: "id", appPassword: "pw"}, telegram: {botToken: "123:abc", name: "bot", nested: {clientSecret: "cs"}}},
	  storage: {sessions: {driver: "postgres", url: "postgres://u:p@h/db"}},
	  env: {OPENAI_API_KEY: "sk-env", vars: {GITHUB_TOKEN: "ghp"}, shellEnv: {enabled: true}},
	}`)
	tests := []struct{ path, want string }{
		{"gateway.auth.token", `"` + Redacted + `"`},
		{"gateway.auth.password", `"${PW}"`},
		{"gateway.port", `1`},
		{"gateway.auth", `{"mode":"token","password":"${PW}","token":"` + Redacted + `"}`},
		{"models.providers.p", `{"apiKey":"` + Redacted + `","baseUrl":"http://x","headers":{"Authorization":"` + Redacted + `","X-Trace":"on"}}`},
		{"channels.msteams.appPassword", `"` + Redacted + `"`},
		{"channels.telegram", `{"botToken":"` + Redacted + `","name":"bot","nested":{"clientSecret":"` + Redacted + `"}}`},
		{"channels.telegram.botToken", `"` + Redacted + `"`},
		{"storage.sessions.url", `"` + Redacted + `"`},
		{"env", `{"OPENAI_API_KEY":"` + Redacted + `","shellEnv":{"enabled":true},"vars":{"GITHUB_TOKEN":"` + Redacted + `"}}`},
	}
	for _, tc := range tests {
		v, err := doc.Get(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := ParsePath(tc.path)
		if got := jsonOf(t, Redact(p, v)); got != tc.want {
			t.Errorf("Redact(%s) = %s\nwant %s", tc.path, got, tc.want)
		}
	}
	// The top level, printed whole, leaks nothing.
	all := jsonOf(t, Redact(nil, doc.Tree()))
	for _, secret := range []string{"s3cret", "sk-1", "Bearer z", "pw\"", "123:abc", "u:p@h", "sk-env", "ghp", "cs\""} {
		if strings.Contains(all, secret) {
			t.Errorf("whole-document redaction leaks %q: %s", secret, all)
		}
	}
	if !ContainsRedacted(map[string]any{"a": []any{Redacted}}) {
		t.Error("ContainsRedacted missed the placeholder")
	}
}

func TestSecretFieldsAreCoveredByRedaction(t *testing.T) {
	t.Parallel()
	// Every Secret-typed field must be found by typeAt, so that a new
	// Secret field in types.go is redacted without further work.
	var walk func(tp reflect.Type, path Path)
	found := 0
	walk = func(tp reflect.Type, path Path) {
		for tp.Kind() == reflect.Pointer || tp.Kind() == reflect.Slice || tp.Kind() == reflect.Map {
			seg := Segment{Key: "x", Index: -1}
			if tp.Kind() == reflect.Slice {
				seg = Segment{Key: "0", Index: 0, Bracket: true}
			}
			if tp.Kind() != reflect.Pointer {
				path = append(path, seg)
			}
			tp = tp.Elem()
		}
		if tp == secretType {
			found++
			if got := Redact(path, "value"); got != Redacted {
				t.Errorf("secret at %s not redacted", path)
			}
			return
		}
		if tp.Kind() != reflect.Struct || tp == webhookPortType {
			return
		}
		for _, f := range fieldsOf(tp) {
			walk(f.typ, append(append(Path{}, path...), Segment{Key: f.name, Index: -1}))
		}
	}
	walk(reflect.TypeFor[Config](), nil)
	if found < 5 {
		t.Errorf("found %d secret fields, want at least 5", found)
	}
}

func TestWriteFileAtomicWithBackup(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "state")
	path := filepath.Join(dir, "openclaw.json")

	if err := WriteFile(path, []byte("{\"v\": 1}\n")); err != nil {
		t.Fatal(err)
	}
	assertMode(t, dir, 0o700)
	assertMode(t, path, 0o600)
	if _, err := os.Stat(path + ".bak"); !os.IsNotExist(err) {
		t.Errorf("first write made a backup: %v", err)
	}

	if err := os.Chmod(path, 0o644); err != nil { // a hand-made file
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("{\"v\": 2}\n")); err != nil {
		t.Fatal(err)
	}
	assertMode(t, path, 0o600)
	assertMode(t, path+".bak", 0o600)
	if b, _ := os.ReadFile(path); string(b) != "{\"v\": 2}\n" {
		t.Errorf("file = %q", b)
	}
	if b, _ := os.ReadFile(path + ".bak"); string(b) != "{\"v\": 1}\n" {
		t.Errorf("backup = %q", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("directory holds %d entries, want the file and its backup (temp files left behind?)", len(entries))
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %o, want %o", path, got, want)
	}
}

func TestMarshalIsPrettyJSON(t *testing.T) {
	t.Parallel()
	d := mustDoc(t, "// comment\n{b: 1, a: {c: 'x<y'}}")
	out, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"a\": {\n    \"c\": \"x<y\"\n  },\n  \"b\": 1\n}\n"
	if string(out) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", out, want)
	}
}

func TestSchema(t *testing.T) {
	t.Parallel()
	s := Schema()
	var v map[string]any
	if err := json.Unmarshal(s, &v); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	if v["$schema"] != "https://json-schema.org/draft/2020-12/schema" || v["additionalProperties"] != false {
		t.Errorf("schema header: %v %v", v["$schema"], v["additionalProperties"])
	}
	mode := dig(v, "properties", "gateway", "properties", "auth", "properties", "mode", "enum")
	if jsonOf(t, mode) != `["token","password","trusted-proxy","none"]` {
		t.Errorf("gateway.auth.mode enum = %v", mode)
	}
	port := dig(v, "properties", "gateway", "properties", "port")
	if jsonOf(t, port) != `{"maximum":65535,"minimum":1,"type":"integer"}` {
		t.Errorf("gateway.port = %v", jsonOf(t, port))
	}
	if tok := dig(v, "properties", "gateway", "properties", "auth", "properties", "token", "writeOnly"); tok != true {
		t.Errorf("token is not writeOnly: %v", tok)
	}
	if !bytes.Equal(s, Schema()) {
		t.Error("schema output is not stable")
	}
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
