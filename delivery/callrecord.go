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
	value         []byte
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
		value:     encodeCall(id, dl, a, errName, outcome == Delivered),
	}
}

// formatCallTime formats t with CallTimeLayout.
func formatCallTime(t time.Time) string {
	return t.UTC().Format(CallTimeLayout)
}

// recordCall returns the writes that add c to the call log at now, and
// updates the call index; the oldest entries beyond MaxCallsPerWebhook are
// deleted. Committer only, once the op can no longer fail.
func (s *Store) recordCall(c *callWrite, now time.Time) []write {
	s.callSeq = max(s.callSeq+1, uint64(now.UnixNano()))
	e := callEntry{seq: s.callSeq, id: c.id, expiresAt: expiresAt(now, s.retention), healthy: c.healthy}
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
