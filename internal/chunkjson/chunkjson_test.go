package chunkjson

import "testing"

func TestDecoderSequence(t *testing.T) {
	t.Parallel()
	type v struct {
		A string `json:"a"`
	}
	var d Decoder
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{`{"a":"1"}`, "1", true},
		{" {\"a\":\"2\"} \n", "2", true},
		{`{"a":"3"} {"a":"x"}`, "", false}, // trailing data
		{`{"a":"4"}`, "4", true},           // recovers after an error
		{`{"a":`, "", false},
		{``, "", false},
		{`{"a":"5"}`, "5", true},
	} {
		var got v
		err := d.Decode([]byte(tc.in), &got)
		if (err == nil) != tc.ok || (tc.ok && got.A != tc.want) {
			t.Errorf("Decode(%q) = %+v, %v", tc.in, got, err)
		}
	}
}
