package chunkjson

import (
	"encoding/json"
	"strings"
	"testing"
)

// checkString compares Scanner.String with encoding/json on one JSON text.
func checkString(t *testing.T, doc []byte) {
	t.Helper()
	var sc Scanner
	sc.Reset(doc)
	got, ok := sc.String()
	ok = ok && sc.End()
	var want string
	err := json.Unmarshal(doc, &want)
	if ok && (err != nil || got != want) {
		t.Fatalf("String(%q) = %q, encoding/json: %q, %v", doc, got, want, err)
	}
}

// checkSkip compares Scanner.Skip with json.Valid: Skip may only accept
// valid JSON, and must accept all of it but deep nesting.
func checkSkip(t *testing.T, doc []byte) {
	t.Helper()
	var sc Scanner
	sc.Reset(doc)
	ok := sc.Skip() && sc.End()
	valid := json.Valid(doc)
	if ok && !valid {
		t.Fatalf("Skip accepted invalid JSON %q", doc)
	}
	if !ok && valid && strings.Count(string(doc), "[")+strings.Count(string(doc), "{") < maxSkipDepth {
		t.Fatalf("Skip rejected valid JSON %q", doc)
	}
}

func TestScannerString(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		`""`, `"plain"`, ` "ws" `, `"a\"b\\c\/d\b\f\n\r\t"`, `"\u00e9\u20ac\u0000"`, `"\ud83d\ude00"`,
		`"\ud83d"`, `"\ude00"`, `"\ud83d\u0041"`, `"\ud83d\ud83d\ude00"`, `"\uD83D\uDE00x"`, `"日本"`, `"é\nü"`,
		`"\x"`, `"\u12"`, "\"a\x01\"", "\"\xff\"", "\"\\n\xff\"", `"open`, `"a"b`, `x`, ``,
	} {
		checkString(t, []byte(s))
	}
}

func TestScannerSkip(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		`0`, `-0`, `1.5e+3`, `1E-2`, `01`, `1.`, `.5`, `-`, `+1`, `1e`, `true`, `false`, `null`, `nul`, `truex`,
		`""`, `"\u00"`, "\"\xff\"", `[]`, `[1,2]`, `[1,]`, `[,]`, `{}`, `{"a":1}`, `{"a":1,}`, `{"a" 1}`, `{1:1}`,
		`{"a":{"b":[{"c":null}]}}`, ` [ 1 , { "x" : "y" } ] `, `[1 2]`, `{"a":1 "b":2}`,
	} {
		checkSkip(t, []byte(s))
	}
}

func FuzzScanner(f *testing.F) {
	for _, s := range []string{`"a\u00e9\ud83d\ude00\n"`, `{"a":[1,-2.5e3,true,null,{"b":"c"}]}`, `"\ud83d\u0041"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkString(t, doc)
		checkSkip(t, doc)
		var sc Scanner
		sc.Reset(doc)
		if n, ok := sc.Int(); ok && sc.End() {
			var want int
			if err := json.Unmarshal(doc, &want); err != nil || n != want {
				t.Fatalf("Int(%q) = %d, encoding/json: %d, %v", doc, n, want, err)
			}
		}
	})
}
