package delivery

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// callWrite is a call-log entry ready to be stored with the outcome of its
// attempt.
type callWrite struct {
	webhookID, id string
	healthy       bool
	// requestAt is when the call was made; it orders the call log.
	requestAt time.Time
	value     []byte
}

// newCallID returns a random call id.
func newCallID() string {
	var b [callIDLen / 2]byte
	rand.Read(b[:]) // never fails (crypto/rand panics instead)
	return hex.EncodeToString(b[:])
}

// newCallWrite makes the call-log entry of an attempt of dl.
func newCallWrite(id string, dl *Delivery, a *attempt, outcome Outcome) *callWrite {
	status := a.response.StatusCode
	var errName string
	if status == 0 {
		errName = callErrorName(a.err)
	}
	return &callWrite{
		webhookID: dl.WebhookID,
		id:        id,
		healthy:   status > 0 && status < 300,
		requestAt: a.requestAt,
		value:     encodeCall(id, dl, a, errName, outcome == Delivered),
	}
}

// formatCallTime formats t with CallTimeLayout.
func formatCallTime(t time.Time) string {
	return t.UTC().Format(CallTimeLayout)
}

// recordCall returns the writes that add c to the call log at now, and
// updates the call index; the entries with the oldest requestAt beyond
// MaxCallsPerWebhook are deleted. The key's sequence is the call's
// requestAt, so the log lists calls in the order they were made, whatever
// order their outcomes were recorded in; the entry's retention counts from
// then too, so entries expire in that order. Committer only, once the op
// can no longer fail.
func (s *Store) recordCall(c *callWrite, now time.Time) []write {
	at := c.requestAt
	if at.IsZero() || at.After(now) {
		at = now
	}
	e := callEntry{seq: uint64(at.UnixNano()), id: c.id, expiresAt: expiresAt(at, s.retention), healthy: c.healthy}
	dropped := s.calls.add(c.webhookID, e, MaxCallsPerWebhook, now.Unix())
	writes := make([]write, 0, len(dropped)+1)
	for _, d := range dropped {
		writes = append(writes, write{key: callKey(c.webhookID, d.seq, d.id), del: true})
	}
	var meta byte
	if c.healthy {
		meta = metaHealthy
	}
	return append(writes, write{key: callKey(c.webhookID, e.seq, e.id), value: c.value, meta: meta, expiresAt: e.expiresAt})
}

// expiresAt returns the Badger expiry (unix seconds, rounded up) of an
// entry written at now and kept for retention.
func expiresAt(now time.Time, retention time.Duration) uint64 {
	end := now.Add(retention)
	sec := end.Unix()
	if end.Nanosecond() > 0 {
		sec++
	}
	return uint64(sec)
}
