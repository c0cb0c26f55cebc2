package events

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// Headers of the calls of Contentstack webhooks.
const (
	// HeaderContentstackSignature carries Contentstack's HMAC signature,
	// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">".
	HeaderContentstackSignature = "X-Contentstack-Hmac-Signature"
	// HeaderIdempotencyKey is the same on every attempt of one delivery.
	HeaderIdempotencyKey = "Idempotency-Key"
	// HeaderRequestAttempt counts the attempts of one delivery from 1.
	HeaderRequestAttempt = "X-Webhook-Request-Attempt"
)

// ContentstackWire frames calls as Contentstack's webhooks are: User-Agent
// Contentstack and, with a signing secret, the HMAC signature header that
// Contentstack sends when a webhook's signing method is HMAC. Contentstack
// sends no idempotency key or attempt number; the gateway adds
// Idempotency-Key and X-Webhook-Request-Attempt, which receivers may ignore.
type ContentstackWire struct{}

// Frame sets the call's headers and signs it when secret is set.
func (ContentstackWire) Frame(c *Call, secret string, set func(name, value string)) {
	set("User-Agent", "Contentstack")
	set(HeaderIdempotencyKey, c.IdempotencyKey)
	set(HeaderRequestAttempt, strconv.Itoa(c.Attempt))
	if secret != "" {
		set(HeaderContentstackSignature, ContentstackSignature(secret, c.At.Unix(), c.Body))
	}
}

// ContentstackSignature returns the value of X-Contentstack-Hmac-Signature
// for a body sent at the unix time t.
func ContentstackSignature(secret string, t int64, body []byte) string {
	ts := strconv.FormatInt(t, 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}
