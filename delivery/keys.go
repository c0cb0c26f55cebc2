package delivery

import (
	"bytes"
	"encoding/binary"
	"time"
)

// Key layout inside Badger:
//
//	q/<8-byte big-endian due unix nanos>/<delivery id>/<webhook id>  pending (and claimed) deliveries
//	f/<webhook id>/<delivery id>                                     failed deliveries
//	x/<key>                                                          index records of the caller
//
// Pending keys sort by due time. The webhook id at the end of a pending key
// lets a scan skip paused and removed webhooks without reading the value.
var (
	queuePrefix  = []byte("q/")
	failedPrefix = []byte("f/")
	indexPrefix  = []byte("x/")
)

// queueKey returns the pending key of a delivery due at due.
func queueKey(due time.Time, deliveryID, webhookID string) []byte {
	k := make([]byte, 0, len(queuePrefix)+8+2+len(deliveryID)+len(webhookID))
	k = append(k, queuePrefix...)
	k = binary.BigEndian.AppendUint64(k, uint64(due.UnixNano()))
	k = append(k, '/')
	k = append(k, deliveryID...)
	k = append(k, '/')
	k = append(k, webhookID...)
	return k
}

// parseQueueKey splits a pending key; ok is false for a malformed key.
func parseQueueKey(k []byte) (due time.Time, deliveryID, webhookID string, ok bool) {
	const head = 2 + 8 + 1
	if len(k) < head+2 || !bytes.HasPrefix(k, queuePrefix) || k[head-1] != '/' {
		return time.Time{}, "", "", false
	}
	rest := k[head:]
	i := bytes.IndexByte(rest, '/')
	if i <= 0 || i == len(rest)-1 {
		return time.Time{}, "", "", false
	}
	return queueDue(k), string(rest[:i]), string(rest[i+1:]), true
}

// queueDue returns the due time encoded in a pending key (which must be at
// least 10 bytes long).
func queueDue(k []byte) time.Time {
	return time.Unix(0, int64(queueDueBits(k)))
}

// queueDueBits returns the encoded due time of a pending key (at least 10
// bytes long), which orders pending keys.
func queueDueBits(k []byte) uint64 {
	return binary.BigEndian.Uint64(k[2:10])
}

// queueSeekKey returns the smallest pending key with encoded due time bits.
func queueSeekKey(bits uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), queuePrefix...), bits)
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

// indexKey returns the Badger key of the caller's index key.
func indexKey(key string) []byte {
	return append(append(make([]byte, 0, len(indexPrefix)+len(key)), indexPrefix...), key...)
}
