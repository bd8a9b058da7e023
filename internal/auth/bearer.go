package auth

import (
	"crypto/subtle"
	"strings"
)

// ParseBearer parses an Authorization header value. ok reports whether the
// header uses the Bearer scheme (case-insensitive, RFC 6750); token is the
// credential with surrounding blanks removed and may be empty ("Bearer" or
// "Bearer   "). The token is opaque: it is never decoded.
func ParseBearer(h string) (token string, ok bool) {
	h = trimBlank(h)
	const scheme = "bearer"
	if len(h) < len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", false
	}
	rest := h[len(scheme):]
	if rest == "" {
		return "", true
	}
	if rest[0] != ' ' && rest[0] != '\t' {
		return "", false // "Bearerxyz" is another scheme
	}
	return trimBlank(rest), true
}

// trimBlank removes leading and trailing spaces and tabs (HTTP OWS).
func trimBlank(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// secretEqual compares a presented credential with a configured secret in
// time that depends only on their lengths. It works on strings because
// converting a presented token to []byte for subtle.ConstantTimeCompare
// allocates once it is longer than 32 bytes, and the token-mode success path
// must not allocate. Like subtle.ConstantTimeCompare it reveals the length,
// which is not secret (generated tokens have a fixed length).
func secretEqual(presented, secret string) bool {
	if len(secret) == 0 || len(presented) != len(secret) {
		return false
	}
	var v byte
	for i := 0; i < len(secret); i++ {
		v |= presented[i] ^ secret[i]
	}
	return subtle.ConstantTimeByteEq(v, 0) == 1
}

// looksLikeJWT is a cheap shape check, used only to choose a hint after a
// mismatch: a JWT is three base64url segments whose header starts with '{"'
// ("eyJ" once encoded). The token is never decoded.
func looksLikeJWT(t string) bool {
	return strings.HasPrefix(t, "eyJ") && strings.Count(t, ".") == 2
}
