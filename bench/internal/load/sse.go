package load

import "bytes"

var contentKey = []byte(`"content":`)

// HasContent reports whether an SSE data payload carries a non-empty
// string "content" (a text delta), as opposed to the role-only first chunk,
// a finish chunk or usage.
func HasContent(payload []byte) bool {
	for {
		i := bytes.Index(payload, contentKey)
		if i < 0 {
			return false
		}
		rest := bytes.TrimLeft(payload[i+len(contentKey):], " \t")
		if len(rest) >= 2 && rest[0] == '"' && rest[1] != '"' {
			return true
		}
		payload = rest
	}
}
