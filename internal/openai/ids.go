package openai

import "crypto/rand"

// newID returns prefix followed by 26 random base32 characters (130 bits
// from crypto/rand), e.g. "chatcmpl-Q3…". Ids are made once per request or
// output item, never per chunk, so the cost does not matter.
func newID(prefix string) string { return prefix + rand.Text() }
