package delivery

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
)

// Delivery is one event to be sent to one webhook. It is stored in the queue
// (pending), among the claims or in the failed list, in the binary layout of
// encodeDelivery.
type Delivery struct {
	// ID is 32 random lowercase hex characters, set by NewDelivery.
	ID string `json:"id"`
	// WebhookID is the id of the webhook the event goes to.
	WebhookID string `json:"webhookId"`
	// Event is what is sent; the webhook's renderer turns it into a request.
	Event *events.Event `json:"event"`
	// Attempt counts the attempts already made (a claimed delivery counts the
	// attempt in progress).
	Attempt int `json:"attempt"`
	// DueAt is when the delivery is to be sent next (or when its lease ends).
	DueAt time.Time `json:"dueAt"`
	// CreatedAt is when the delivery was created.
	CreatedAt time.Time `json:"createdAt"`
	// LastError says why the last attempt failed; empty until one fails.
	LastError string `json:"lastError,omitempty"`
}

// NewDelivery returns a delivery of ev to the webhook webhookID, due at now.
func NewDelivery(webhookID string, ev *events.Event, now time.Time) *Delivery {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand panics instead)
	return &Delivery{
		ID:        hex.EncodeToString(b[:]),
		WebhookID: webhookID,
		Event:     ev,
		DueAt:     now,
		CreatedAt: now,
	}
}

// IdempotencyKey returns the X-Contentful-Idempotency-Key of every call of the
// event eventID to the webhook webhookID: the lowercase hex SHA-256 of
// webhookID, a NUL byte and eventID. It is the same on every attempt.
func IdempotencyKey(webhookID, eventID string) string {
	h := sha256.New()
	h.Write([]byte(webhookID))
	h.Write([]byte{0})
	h.Write([]byte(eventID))
	return hex.EncodeToString(h.Sum(nil))
}
