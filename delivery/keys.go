package delivery

import (
	"bytes"
	"encoding/binary"
	"time"
)

// Key layout inside Badger:
//
//	q/<8-byte big-endian due unix nanos>/<delivery id>/<webhook id>  pending deliveries
//	l/<8-byte big-endian lease end unix nanos>/<delivery id>/<webhook id>  leases on claimed ones
//	f/<webhook id>/<delivery id>                                     failed deliveries
//	c/<2-byte length><webhook id><8-byte sequence><call id>          call log (with a TTL)
//	p/<webhook id>                                                   paused webhooks
//	x/<key>                                                          index records of the caller
//
// A claimed delivery stays under its pending key; its lease key beside it
// holds a lease reference (encodeLeaseRef): the attempt and the pending
// key. (Earlier releases moved the whole delivery to the lease key; such a
// lease is released to the queue when the store opens.) Pending and lease
// keys sort by due time. The webhook id at the end of
// them lets a scan skip paused and removed webhooks without reading the
// value. Delivery ids never hold a '/', so the last '/' of a failed key ends
// the webhook id. Call keys give the webhook id's length, so the calls of one
// webhook never share a prefix with another's.
var (
	queuePrefix  = []byte("q/")
	leasePrefix  = []byte("l/")
	failedPrefix = []byte("f/")
	callPrefix   = []byte("c/")
	pausePrefix  = []byte("p/")
	indexPrefix  = []byte("x/")
)

// maxWebhookIDLen is the longest webhook id the store accepts; call keys
// give the length in two bytes.
const maxWebhookIDLen = 1024

// dueKeyHead is the length of a pending or claimed key up to its delivery id.
const dueKeyHead = 2 + 8 + 1

// dueKey returns the key of a delivery under prefix (queuePrefix or
// leasePrefix), due at due.
func dueKey(prefix []byte, due time.Time, deliveryID, webhookID string) []byte {
	k := make([]byte, 0, dueKeyHead+len(deliveryID)+1+len(webhookID))
	k = append(k, prefix...)
	k = binary.BigEndian.AppendUint64(k, uint64(due.UnixNano()))
	k = append(k, '/')
	k = append(k, deliveryID...)
	k = append(k, '/')
	k = append(k, webhookID...)
	return k
}

// queueKey returns the pending key of a delivery due at due.
func queueKey(due time.Time, deliveryID, webhookID string) []byte {
	return dueKey(queuePrefix, due, deliveryID, webhookID)
}

// leaseKey returns the key of a delivery claimed until end.
func leaseKey(end time.Time, deliveryID, webhookID string) []byte {
	return dueKey(leasePrefix, end, deliveryID, webhookID)
}

// parseDueKey splits a pending or claimed key; ok is false for a malformed
// key.
func parseDueKey(k []byte) (due time.Time, deliveryID, webhookID string, ok bool) {
	if len(k) < dueKeyHead+2 || !bytes.HasPrefix(k, queuePrefix) && !bytes.HasPrefix(k, leasePrefix) || k[dueKeyHead-1] != '/' {
		return time.Time{}, "", "", false
	}
	rest := k[dueKeyHead:]
	i := bytes.IndexByte(rest, '/')
	if i <= 0 || i == len(rest)-1 {
		return time.Time{}, "", "", false
	}
	return queueDue(k), string(rest[:i]), string(rest[i+1:]), true
}

// queueDue returns the due time encoded in a pending or claimed key (which
// must be at least 10 bytes long).
func queueDue(k []byte) time.Time {
	return time.Unix(0, int64(queueDueBits(k)))
}

// queueDueBits returns the encoded due time of a pending or claimed key (at
// least 10 bytes long), which orders these keys.
func queueDueBits(k []byte) uint64 {
	return binary.BigEndian.Uint64(k[2:10])
}

// queueSeekKey returns the smallest pending key with encoded due time bits.
func queueSeekKey(bits uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), queuePrefix...), bits)
}

// leaseRef starts the value of a lease key that refers to its delivery's
// pending key; a stored delivery starts with its layout version instead.
const leaseRef byte = 0xfe

// encodeLeaseRef returns the value of a lease for the attempt-th attempt of
// the delivery stored under queueKey.
func encodeLeaseRef(attempt int, queueKey []byte) []byte {
	v := make([]byte, 0, 5+len(queueKey))
	v = append(v, leaseRef)
	v = binary.BigEndian.AppendUint32(v, uint32(max(attempt, 0)))
	return append(v, queueKey...)
}

// decodeLeaseRef reads a lease value written by encodeLeaseRef; ok is false
// for any other value (a whole delivery, as earlier releases wrote).
func decodeLeaseRef(v []byte) (attempt int, queueKey []byte, ok bool) {
	if len(v) < 5+len(queuePrefix) || v[0] != leaseRef || !bytes.HasPrefix(v[5:], queuePrefix) {
		return 0, nil, false
	}
	return int(binary.BigEndian.Uint32(v[1:5])), bytes.Clone(v[5:]), true
}

// failedKey returns the key of a failed delivery.
func failedKey(webhookID, deliveryID string) []byte {
	k := make([]byte, 0, len(failedPrefix)+len(webhookID)+1+len(deliveryID))
	k = append(k, failedPrefix...)
	k = append(k, webhookID...)
	k = append(k, '/')
	k = append(k, deliveryID...)
	return k
}

// failedWebhookPrefix returns the prefix of the failed keys of webhookID
// (and of webhooks whose id starts with webhookID and a '/'; see
// failedKeyOf).
func failedWebhookPrefix(webhookID string) []byte {
	return append(append(append([]byte(nil), failedPrefix...), webhookID...), '/')
}

// failedKeyOf reports whether k, found under failedWebhookPrefix(webhookID),
// is a failed key of exactly that webhook.
func failedKeyOf(k []byte, webhookID string) bool {
	return bytes.IndexByte(k[len(failedPrefix)+len(webhookID)+1:], '/') < 0
}

// callIDLen is the length of a call id (hex of 16 random bytes).
const callIDLen = 32

// callWebhookPrefix returns the prefix of the call keys of webhookID.
func callWebhookPrefix(webhookID string) []byte {
	k := make([]byte, 0, len(callPrefix)+2+len(webhookID)+8+callIDLen)
	k = append(k, callPrefix...)
	k = binary.BigEndian.AppendUint16(k, uint16(len(webhookID)))
	return append(k, webhookID...)
}

// callKey returns the key of a call; seq orders the calls of a webhook.
func callKey(webhookID string, seq uint64, callID string) []byte {
	k := callWebhookPrefix(webhookID)
	k = binary.BigEndian.AppendUint64(k, seq)
	return append(k, callID...)
}

// parseCallKey splits a call key; ok is false for a malformed key.
func parseCallKey(k []byte) (webhookID string, seq uint64, callID string, ok bool) {
	if len(k) < len(callPrefix)+2 || !bytes.HasPrefix(k, callPrefix) {
		return "", 0, "", false
	}
	n := int(binary.BigEndian.Uint16(k[len(callPrefix):]))
	rest := k[len(callPrefix)+2:]
	if len(rest) != n+8+callIDLen {
		return "", 0, "", false
	}
	return string(rest[:n]), binary.BigEndian.Uint64(rest[n:]), string(rest[n+8:]), true
}

// pauseKey returns the key that marks webhookID as paused.
func pauseKey(webhookID string) []byte {
	return append(append(make([]byte, 0, len(pausePrefix)+len(webhookID)), pausePrefix...), webhookID...)
}

// indexKey returns the Badger key of the caller's index key.
func indexKey(key string) []byte {
	return append(append(make([]byte, 0, len(indexPrefix)+len(key)), indexPrefix...), key...)
}
