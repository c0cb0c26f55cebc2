package sandbox

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
)

// idPattern is Contentful's rule for resource ids; path segments that break
// it name nothing.
var idPattern = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,64}$`)

// idAlphabet is the alphabet of generated ids.
const idAlphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// newID returns a random 22-character id like the ones Contentful generates.
func newID() string {
	b := make([]byte, 22)
	rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

// newRequestID returns a random request id (32 hex characters).
func newRequestID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// UserID returns the user id the sandbox records as createdBy, updatedBy,
// publishedBy and archivedBy for writes made with the bearer token token:
// "user-" followed by the first 8 hex characters of the token's SHA-256.
func UserID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "user-" + hex.EncodeToString(sum[:4])
}
