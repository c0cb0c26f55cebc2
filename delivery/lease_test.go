package delivery

import (
	"bytes"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// value returns the value stored under key, or nil.
func value(t *testing.T, s *Store, key []byte) []byte {
	t.Helper()
	var v []byte
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(key)
		if err == badger.ErrKeyNotFound {
			return nil
		}
		if err != nil {
			return err
		}
		v, err = item.ValueCopy(nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestClaimLeavesTheDeliveryInPlace checks that a claim writes only a
// small lease beside the delivery, which stays as it was stored.
func TestClaimLeavesTheDeliveryInPlace(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	sub := s.subs.add(nil)
	defer s.subs.remove(sub)
	d := enqueue(t, s, "w", "ev")[0]
	qk := queueKey(d.DueAt, d.ID, d.WebhookID)
	before := value(t, s, qk)
	res, err := s.claim(claimRequest{now: time.Now(), max: 1, sub: sub, lease: func(string) (time.Duration, bool, bool) { return time.Minute, true, true }})
	if err != nil || len(res.claimed) != 1 || res.claimed[0].d.Attempt != 1 {
		t.Fatalf("claim = %+v, %v", res, err)
	}
	if after := value(t, s, qk); !bytes.Equal(before, after) {
		t.Fatal("the claim rewrote the delivery")
	}
	lv := value(t, s, res.claimed[0].leaseKey)
	attempt, ref, ok := decodeLeaseRef(lv)
	if !ok || attempt != 1 || !bytes.Equal(ref, qk) || len(lv) >= valueThreshold {
		t.Fatalf("lease value %q: attempt %d, ref %q, ok %v; want attempt 1 naming %q, under %d bytes", lv, attempt, ref, ok, qk, valueThreshold)
	}
	if _, err := s.settle(res.claimed[0], settlement{kind: settleDone}); err != nil {
		t.Fatal(err)
	}
	if keyCount(t, s, queuePrefix)+keyCount(t, s, leasePrefix) != 0 {
		t.Fatal("a delivered delivery left keys behind")
	}
}

// TestOpenReleasesEarlierLeases checks that a claim of an earlier release,
// which held its delivery under the lease key, goes back to the queue when
// the store opens, with its attempt.
func TestOpenReleasesEarlierLeases(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStore(StoreOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	d := NewDelivery("w", testEvent("old"), time.Now())
	d.Attempt, d.DueAt = 2, time.Now().Add(time.Hour)
	err = s.db.Update(func(txn *badger.Txn) error {
		return txn.Set(leaseKey(d.DueAt, d.ID, d.WebhookID), encodeDelivery(d))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	s = openTestStore(t, dir)
	if n := keyCount(t, s, leasePrefix); n != 0 {
		t.Fatalf("%d leases after opening; want 0", n)
	}
	q := records(t, s, queuePrefix)
	if len(q) != 1 || q[0].ID != d.ID || q[0].Attempt != 2 || q[0].DueAt.Before(start) || q[0].DueAt.After(time.Now()) {
		t.Fatalf("queue after opening = %+v; want the delivery with attempt 2, due at the open", q)
	}
	if depth, _ := s.Counts(); depth != 1 {
		t.Fatalf("depth = %d; want 1", depth)
	}
}
