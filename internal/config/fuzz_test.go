package config

import (
	"errors"
	"testing"
)

func FuzzParseConfig(f *testing.F) {
	for _, seed := range []string{
		fullConfig,
		`{}`,
		``,
		`// only a comment`,
		`{gateway: {port: "abc", bind: 'x',}}`,
		`{gateway: {port: 0x10, auth: {token: "${T}", password: "$${P}"}}}`,
		`{agents: {list: [{id: "a", default: true}, {id: "a", default: true}], entries: {b: {model: {primary: "x/y"}}}}}`,
		`{channels: {msteams: {webhook: {port: "gateway"}, teams: {"a.b": {channels: {c: {requireMention: true}}}}}}}`,
		`{meta: {x: [Infinity, -Infinity, NaN, 1e400, .5, +1, 5.]}}`,
		`[1, 2]`,
		`{a: 1} trailing`,
		`{"gateway": {"trustedProxies": ["::1", "10.0.0.0/8", "x"]}}`,
		`{gateway: {port: 1e3}}`,
		`{gateway: {port: 99999999999999999999999}}`,
		`{"\u0000": "\ud800"}`,
	} {
		f.Add([]byte(seed))
	}
	getenv := env("T", "token")
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, getenv)
		if err == nil {
			if c == nil {
				t.Fatal("nil config without error")
			}
			_ = c.AgentList()
			return
		}
		var ve *ValidationError
		if errors.As(err, &ve) && len(ve.Errors) == 0 {
			t.Fatal("ValidationError without errors")
		}
		// A document that parses can be redacted and marshalled.
		if d, err := ParseDocument(data); err == nil {
			_ = Redact(nil, d.Tree())
			if _, err := d.Marshal(); err != nil && d.Validate(Options{Getenv: getenv}) == nil {
				t.Fatalf("valid document does not marshal: %v", err)
			}
		}
	})
}
