package delivery

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"sync/atomic"
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
)

// Delivery is one event to be sent to one webhook. It is stored in the queue
// (pending), among the claims or in the failed list, in the binary layout of
// encodeDelivery.
type Delivery struct {
	// ID is 32 lowercase hex characters, set by NewDelivery: a sequence
	// number, so that deliveries due at the same time are claimed in the
	// order they were made, then random bits.
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
	// share, in a Store, names the event record this delivery shares with
	// the other deliveries of its write (see sharedevent.go); empty when
	// the event is stored in the delivery itself.
	share string
}

// deliverySeq numbers the deliveries made by this process; it starts at the
// start time, so that it keeps growing across restarts.
var deliverySeq atomic.Uint64

func init() { deliverySeq.Store(uint64(time.Now().UnixNano())) }

// NewDelivery returns a delivery of ev to the webhook webhookID, due at now.
// Deliveries due at the same time are sent in the order they were made
// (with one worker; several send side by side).
func NewDelivery(webhookID string, ev *events.Event, now time.Time) *Delivery {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], deliverySeq.Add(1))
	rand.Read(b[8:]) // never fails (crypto/rand panics instead)
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
