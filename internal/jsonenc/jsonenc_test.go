package jsonenc

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/openclaw/openclaw-go/internal/jsonenc/jsonenctest"
)

func TestString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "nl\n\r\t", "\b\f", "\x00\x01\x1f\x7f", "ünï €", "😀",
		"\u2028\u2029", "bad\xffutf8\xc3", "<script>&amp;</script>"} {
		if got, want := String(nil, s), jsonenctest.Reference(t, s); !bytes.Equal(got, want) {
			t.Errorf("String(%q) = %s, encoding/json writes %s", s, got, want)
		}
	}
}

// FuzzString checks String byte for byte against encoding/json with HTML
// escaping off.
func FuzzString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\x00", "\b\f", "\xff", "\u2028", "😀", "<&>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := String(nil, s), jsonenctest.Reference(t, s); !bytes.Equal(got, want) {
			t.Fatalf("String(%q) = %s, encoding/json writes %s", s, got, want)
		}
	})
}

// Float writes exactly what encoding/json writes.
func TestFloat(t *testing.T) {
	for _, f := range []float64{0, 1, -1, 0.5, 0.7, 1.0 / 3, 2, 100, 1e20, 1e21, 1.5e21, 1e-6, 1e-7, 9.99e-7, -2.5e-9,
		123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64, 1e100, -1e-100} {
		want, _ := json.Marshal(f)
		if got := Float(nil, f); !bytes.Equal(got, want) {
			t.Errorf("Float(%v) = %s, want %s", f, got, want)
		}
	}
}

func FuzzFloat(f *testing.F) {
	for _, v := range []float64{0, 1e-7, 1e21, 0.1} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		want, _ := json.Marshal(v)
		if got := Float(nil, v); !bytes.Equal(got, want) {
			t.Fatalf("Float(%v) = %s, want %s", v, got, want)
		}
	})
}

func TestKey(t *testing.T) {
	b := append([]byte(nil), '{')
	b = Key(b, "a")
	b = Int(b, 1)
	b = Key(b, "b\"")
	b = String(b, "x")
	b = append(b, '}')
	if string(b) != `{"a":1,"b\"":"x"}` {
		t.Fatalf("got %s", b)
	}
}

func TestList(t *testing.T) {
	elem := func(n *int, b []byte) []byte { return Int(b, int64(*n)) }
	for _, tc := range []struct {
		xs   []int
		want string
	}{{nil, "null"}, {[]int{}, "[]"}, {[]int{7}, "[7]"}, {[]int{1, -2, 3}, "[1,-2,3]"}} {
		got := List([]byte("x"), tc.xs, elem)
		if want := jsonenctest.Reference(t, tc.xs); string(got) != "x"+tc.want || string(want) != tc.want {
			t.Errorf("List(%v) = %s, want x%s (encoding/json: %s)", tc.xs, got, tc.want, want)
		}
	}
}
