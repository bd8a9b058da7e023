package auth

import (
	"crypto/rand"
	"encoding/hex"
)

// NewToken returns a fresh gateway token: 32 random bytes, hex encoded.
func NewToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}
