package contentstack

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// newUID returns a random uid like the ones Contentstack generates: "blt"
// and 16 hex characters.
func newUID() string {
	return "blt" + randomHex(8)
}

// randomHex returns n random bytes as 2n hex characters.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// UserUID returns the user uid the sandbox records as created_by,
// updated_by and publish_details.user for writes made with token (a
// management token or authtoken): "blt" followed by the first 16 hex
// characters of the token's SHA-256.
func UserUID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "blt" + hex.EncodeToString(sum[:8])
}

// timestamp formats t as Contentstack does: UTC, milliseconds, "Z".
func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
