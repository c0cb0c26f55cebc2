package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"
)

func TestOpenStoreErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	locked := t.TempDir()
	openTestStore(t, locked)

	tests := []struct {
		name string
		dir  string
		want []string
	}{
		{"empty", "", []string{"storage dir is empty", "set storage_dir"}},
		{"below a file", filepath.Join(file, "data"), []string{"is not writable", "set storage_dir (or storage badger's dir) to a writable directory"}},
		{"in use", locked, []string{"another process uses this directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := OpenStore(StoreOptions{Dir: tt.dir})
			if err == nil {
				s.Close()
				t.Fatal("OpenStore succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestOpenStoreCreatesPrivateDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	openTestStore(t, dir)
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Fatalf("mode = %v, want 0700", fi.Mode().Perm())
	}
}

// TestEnqueueConcurrentDurable has many callers enqueue at once and checks
// that everything is there after the store is closed and opened again.
func TestEnqueueConcurrentDurable(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStore(StoreOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	const callers, each = 32, 40
	var wg sync.WaitGroup
	errs := make(chan error, callers*each)
	for c := range callers {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("%d-%d", c, i)
				err := s.Enqueue(context.Background(), Batch{
					Deliveries: []*Delivery{NewDelivery("wh", testEvent(id), time.Now())},
					Put:        []KV{{Key: "entity/" + id, Value: []byte(id)}},
				})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Enqueue: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = openTestStore(t, dir)
	if n := queueLen(t, s); n != callers*each {
		t.Fatalf("queue depth after reopen = %d, want %d", n, callers*each)
	}
	seen := map[string]bool{}
	for _, d := range records(t, s, queuePrefix) {
		seen[d.Event.ID] = true
	}
	for c := range callers {
		for i := range each {
			id := fmt.Sprintf("%d-%d", c, i)
			if !seen[id] {
				t.Fatalf("delivery of event %s missing", id)
			}
			v, ok, err := s.Get("entity/" + id)
			if err != nil || !ok || string(v) != id {
				t.Fatalf("Get(entity/%s) = %q, %v, %v", id, v, ok, err)
			}
		}
	}
}

// TestEnqueueGroupCommit checks that callers waiting together are committed
// in one transaction: every key then carries the same Badger version.
func TestEnqueueGroupCommit(t *testing.T) {
	db, err := badger.Open(badger.DefaultOptions(t.TempDir()).WithLogger(nil).WithSyncWrites(true))
	if err != nil {
		t.Fatal(err)
	}
	s, err := newStore(db, StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const callers = 32
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			if err := s.Enqueue(context.Background(), Batch{Put: []KV{{Key: fmt.Sprint(i), Value: []byte("v")}}}); err != nil {
				t.Errorf("Enqueue: %v", err)
			}
		})
	}
	waitFor(t, 5*time.Second, "all callers to wait for the committer", func() bool { return len(s.ops) == callers })
	s.start()
	wg.Wait()
	defer s.Close()

	versions := map[uint64]int{}
	err = db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: indexPrefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			versions[it.Item().Version()]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(versions) != 1 {
		t.Fatalf("keys were committed in %d transactions (%v), want 1", len(versions), versions)
	}
}

// TestEnqueueSplitsLargeBatch enqueues more than one transaction can hold.
func TestEnqueueSplitsLargeBatch(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	n := int(s.maxTxnCount) + 500
	b := Batch{}
	for i := range n {
		b.Put = append(b.Put, KV{Key: fmt.Sprintf("k%06d", i), Value: []byte("v")})
	}
	if err := s.Enqueue(context.Background(), b); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	byKey := indexVersions(t, s)
	versions := map[uint64]bool{}
	for _, v := range byKey {
		versions[v] = true
	}
	if len(byKey) != n {
		t.Fatalf("stored %d records, want %d", len(byKey), n)
	}
	if len(versions) < 2 {
		t.Fatalf("batch was committed in %d transaction(s), want it split", len(versions))
	}
}

// indexVersions returns the commit version of each index record, by key.
func indexVersions(t *testing.T, s *Store) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: indexPrefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			out[string(it.Item().Key()[len(indexPrefix):])] = it.Item().Version()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCommitGroupKeepsOpsWhole checks that an op whose writes do not fit in
// the group's current transaction starts the next one, so a crash keeps
// all of its writes or none (a settle's delete and its shared-event count,
// an enqueue's event record and its deliveries).
func TestCommitGroupKeepsOpsWhole(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	s.maxTxnCount = 4
	puts := func(keys ...string) *op {
		return newOp(func(*badger.Txn) ([]write, error) {
			var ws []write
			for _, k := range keys {
				ws = append(ws, write{key: indexKey(k), value: []byte("v")})
			}
			return ws, nil
		})
	}
	// The committer is idle: no op is submitted while this group runs.
	group := []*op{puts("a1", "a2", "a3"), puts("b1", "b2", "b3")}
	s.commitGroup(group)
	for _, o := range group {
		if err := <-o.done; err != nil {
			t.Fatal(err)
		}
	}
	v := indexVersions(t, s)
	if v["a1"] != v["a2"] || v["a2"] != v["a3"] || v["b1"] != v["b2"] || v["b2"] != v["b3"] || v["a1"] == v["b1"] {
		t.Fatalf("commit versions %v; want a1-a3 in one transaction and b1-b3 in another", v)
	}
}

func TestEnqueueIndexPutAndDelete(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	ctx := context.Background()
	if err := s.Enqueue(ctx, Batch{Put: []KV{{Key: "a", Value: []byte("1")}, {Key: "b", Value: []byte("2")}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, Batch{Delete: []string{"a"}, Put: []KV{{Key: "b", Value: []byte("3")}}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key    string
		want   string
		wantOK bool
	}{
		{"a", "", false},
		{"b", "3", true},
		{"missing", "", false},
	}
	for _, tt := range tests {
		v, ok, err := s.Get(tt.key)
		if err != nil || ok != tt.wantOK || string(v) != tt.want {
			t.Errorf("Get(%q) = %q, %v, %v; want %q, %v", tt.key, v, ok, err, tt.want, tt.wantOK)
		}
	}
	if n := queueLen(t, s); n != 0 {
		t.Errorf("queue depth = %d, want 0", n)
	}
}

func TestEnqueueRejectsInvalid(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	valid := func() *Delivery { return NewDelivery("wh", testEvent("1"), time.Now()) }
	tests := []struct {
		name  string
		batch Batch
		want  string
	}{
		{"nil delivery", Batch{Deliveries: []*Delivery{nil}}, "nil delivery"},
		{"no id", Batch{Deliveries: []*Delivery{func() *Delivery { d := valid(); d.ID = ""; return d }()}}, "NewDelivery"},
		{"slash in id", Batch{Deliveries: []*Delivery{func() *Delivery { d := valid(); d.ID = "a/b"; return d }()}}, "NewDelivery"},
		{"no webhook", Batch{Deliveries: []*Delivery{func() *Delivery { d := valid(); d.WebhookID = ""; return d }()}}, "no webhook id"},
		{"no event", Batch{Deliveries: []*Delivery{func() *Delivery { d := valid(); d.Event = nil; return d }()}}, "no event"},
		{"no due time", Batch{Deliveries: []*Delivery{func() *Delivery { d := valid(); d.DueAt = time.Time{}; return d }()}}, "no due time"},
		{"empty index key", Batch{Put: []KV{{Key: ""}}}, "empty key"},
		{"payload too large", Batch{Deliveries: []*Delivery{func() *Delivery { d := valid(); d.Event.Payload = largePayload(MaxPayload + 1); return d }()}}, "lower max_body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Enqueue(context.Background(), tt.batch)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Enqueue error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if n := queueLen(t, s); n != 0 {
		t.Fatalf("queue depth = %d after rejected batches", n)
	}
}

func TestEnqueueAfterClose(t *testing.T) {
	s, err := OpenStore(StoreOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	err = s.Enqueue(context.Background(), Batch{Put: []KV{{Key: "a"}}})
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("Enqueue after Close = %v, want ErrClosed", err)
	}
}

// TestEnqueueContextCancelled returns when ctx ends while the commit is
// pending; the commit still lands.
func TestEnqueueContextCancelled(t *testing.T) {
	dir := t.TempDir()
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil).WithSyncWrites(true))
	if err != nil {
		t.Fatal(err)
	}
	s, err := newStore(db, StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Enqueue(ctx, Batch{Put: []KV{{Key: "late", Value: []byte("1")}}}) }()
	waitFor(t, 5*time.Second, "the op to be queued", func() bool { return len(s.ops) == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Enqueue = %v, want context.Canceled", err)
	}
	s.start()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTestStore(t, dir)
	if _, ok, err := s.Get("late"); !ok || err != nil {
		t.Fatalf("Get(late) = %v, %v; the pending commit should have landed", ok, err)
	}
}

func TestQueueStats(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	now := time.Now()
	past := NewDelivery("wh", testEvent("1"), now.Add(-time.Minute))
	due := NewDelivery("wh", testEvent("2"), now.Add(-time.Second))
	later := NewDelivery("wh", testEvent("3"), now.Add(time.Hour))
	if err := s.Enqueue(context.Background(), Batch{Deliveries: []*Delivery{later, due, past}}); err != nil {
		t.Fatal(err)
	}
	depth, dueN, failed, oldest, err := s.QueueStats()
	if err != nil {
		t.Fatal(err)
	}
	if depth != 3 || dueN != 2 || failed != 0 || !oldest.Equal(past.DueAt) {
		t.Fatalf("QueueStats = %d, %d, %d, %v; want 3, 2, 0, %v", depth, dueN, failed, oldest, past.DueAt)
	}
}

func TestClaimAndSettle(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	sub := s.subs.add(nil)
	defer s.subs.remove(sub)
	now := time.Now()
	d1 := NewDelivery("wh", testEvent("1"), now.Add(-3*time.Second))
	d2 := NewDelivery("wh", testEvent("2"), now.Add(-2*time.Second))
	d3 := NewDelivery("wh", testEvent("3"), now.Add(-time.Second))
	future := NewDelivery("wh", testEvent("4"), now.Add(time.Hour))
	if err := s.Enqueue(context.Background(), Batch{Deliveries: []*Delivery{d1, d2, d3, future}}); err != nil {
		t.Fatal(err)
	}
	const lease = time.Minute
	req := func(at time.Time, max int) claimRequest {
		return claimRequest{now: at, max: max, sub: sub, lease: func(string) (time.Duration, bool, bool) { return lease, true, true }}
	}

	res, err := s.claim(req(now, 2))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.claimed) != 2 || res.claimed[0].d.ID != d1.ID || res.claimed[1].d.ID != d2.ID || !res.more {
		t.Fatalf("first claim = %+v; want d1, d2 in due order and more", res)
	}
	for _, c := range res.claimed {
		if c.d.Attempt != 1 || !c.d.DueAt.Equal(now.Add(lease)) {
			t.Fatalf("claimed %s: attempt %d, due %v; want 1, now+lease", c.d.ID, c.d.Attempt, c.d.DueAt)
		}
	}
	first := res.claimed

	res, err = s.claim(req(now, 5))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.claimed) != 1 || res.claimed[0].d.ID != d3.ID || res.more || !res.next.Equal(now.Add(lease)) {
		t.Fatalf("second claim = %+v; want d3 only and next = first lease end", res)
	}
	third := res.claimed[0]

	// Settle: d1 delivered, d2 retried in 10s, d3 failed.
	retryAt := now.Add(10 * time.Second)
	for _, tc := range []struct {
		c  claimed
		st settlement
	}{
		{first[0], settlement{kind: settleDone}},
		{first[1], settlement{kind: settleRetry, at: retryAt, lastError: "receiver answered 503"}},
		{third, settlement{kind: settleFail, lastError: "receiver answered 400"}},
	} {
		lost, err := s.settle(tc.c, tc.st)
		if err != nil || lost {
			t.Fatalf("settle %s = %v, %v", tc.c.d.ID, lost, err)
		}
	}
	queued := records(t, s, queuePrefix)
	if len(queued) != 2 || queued[0].ID != d2.ID || !queued[0].DueAt.Equal(retryAt) || queued[0].Attempt != 1 || queued[0].LastError != "receiver answered 503" {
		t.Fatalf("queue after settling = %+v", queued)
	}
	failed := records(t, s, failedPrefix)
	if len(failed) != 1 || failed[0].ID != d3.ID || failed[0].LastError != "receiver answered 400" {
		t.Fatalf("failed after settling = %+v", failed)
	}

	// A lease that ran out: the delivery is claimed again, and the late
	// outcome of the first claim is not recorded.
	res, err = s.claim(req(retryAt, 1))
	if err != nil || len(res.claimed) != 1 || res.claimed[0].d.Attempt != 2 {
		t.Fatalf("claim after retry delay = %+v, %v", res, err)
	}
	stale := res.claimed[0]
	res, err = s.claim(req(retryAt.Add(lease+time.Second), 1))
	if err != nil || len(res.claimed) != 1 || res.claimed[0].d.ID != d2.ID || res.claimed[0].d.Attempt != 3 {
		t.Fatalf("claim after lease end = %+v, %v", res, err)
	}
	lost, err := s.settle(stale, settlement{kind: settleDone})
	if err != nil || !lost {
		t.Fatalf("settle with an ended lease = %v, %v; want lost", lost, err)
	}
	if n := queueLen(t, s); n != 2 {
		t.Fatalf("queue depth = %d, want 2 (the re-claimed delivery and the future one)", n)
	}

	// Release gives the attempt back; the delivery keeps its place in the
	// queue, due already.
	lost, err = s.settle(res.claimed[0], settlement{kind: settleRelease, at: now})
	if err != nil || lost {
		t.Fatalf("release = %v, %v", lost, err)
	}
	queued = records(t, s, queuePrefix)
	if claimedAt := retryAt.Add(lease + time.Second); queued[0].ID != d2.ID || queued[0].Attempt != 2 || queued[0].DueAt.After(claimedAt) {
		t.Fatalf("released delivery = %+v; want attempt 2 due by %v", queued[0], claimedAt)
	}
	if n := keyCount(t, s, leasePrefix); n != 0 {
		t.Fatalf("%d leases after the release; want 0", n)
	}
}

func TestClaimSkipsPausedAndRemoved(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	older, newer := s.subs.add(nil), s.subs.add(nil)
	now := time.Now()
	paused := NewDelivery("paused", testEvent("1"), now.Add(-2*time.Second))
	gone := NewDelivery("gone", testEvent("2"), now.Add(-time.Second))
	if err := s.Enqueue(context.Background(), Batch{Deliveries: []*Delivery{paused, gone}}); err != nil {
		t.Fatal(err)
	}
	lease := func(id string) (time.Duration, bool, bool) {
		if id == "paused" {
			return time.Minute, false, true
		}
		return 0, false, false
	}
	res, err := s.claim(claimRequest{now: now, max: 5, sub: older, lease: lease})
	if err != nil || len(res.claimed) != 0 || res.removed != 0 {
		t.Fatalf("older claim = %+v, %v; want nothing", res, err)
	}
	res, err = s.claim(claimRequest{now: now, max: 5, sub: newer, lease: lease})
	if err != nil || len(res.claimed) != 0 || res.removed != 1 {
		t.Fatalf("newest claim = %+v, %v; want one removal", res, err)
	}
	failed := records(t, s, failedPrefix)
	if len(failed) != 1 || failed[0].ID != gone.ID || failed[0].LastError != "webhook gone was removed from the configuration" {
		t.Fatalf("failed = %+v", failed)
	}
	if q := records(t, s, queuePrefix); len(q) != 1 || q[0].ID != paused.ID {
		t.Fatalf("queue = %+v; want the paused delivery only", q)
	}
	s.subs.remove(newer)
	if !s.subs.newest(older) {
		t.Fatal("older subscription is not the newest after the newer one left")
	}
}

func TestQueueKeyRoundTrip(t *testing.T) {
	due := time.Unix(1718000000, 123456789)
	tests := []struct {
		delivery, webhook string
	}{
		{"0123456789abcdef0123456789abcdef", "rebuild-site"},
		{"id", "hook/with/slashes"},
	}
	for _, tt := range tests {
		k := queueKey(due, tt.delivery, tt.webhook)
		gotDue, gotID, gotWebhook, ok := parseDueKey(k)
		if !ok || !gotDue.Equal(due) || gotID != tt.delivery || gotWebhook != tt.webhook {
			t.Errorf("parseDueKey(queueKey(%q, %q)) = %v, %q, %q, %v", tt.delivery, tt.webhook, gotDue, gotID, gotWebhook, ok)
		}
	}
	if _, id, webhook, ok := parseDueKey(leaseKey(due, "d1", "w")); !ok || id != "d1" || webhook != "w" {
		t.Error("parseDueKey does not read lease keys")
	}
	for _, bad := range [][]byte{[]byte("q/"), []byte("x/12345678/a/b"), append(queueKey(due, "id", "w")[:11], "noslash"...)} {
		if _, _, _, ok := parseDueKey(bad); ok {
			t.Errorf("parseDueKey(%q) accepted a malformed key", bad)
		}
	}
	// Keys sort by due time.
	a := queueKey(time.Unix(10, 0), "zzz", "w")
	b := queueKey(time.Unix(11, 0), "aaa", "w")
	if string(a) >= string(b) {
		t.Error("an earlier due time does not sort first")
	}
}

func TestIdempotencyKey(t *testing.T) {
	k := IdempotencyKey("rebuild-site", "0123456789abcdef0123456789abcdef")
	if len(k) != 64 || strings.ToLower(k) != k {
		t.Fatalf("key %q is not 64 lowercase hex characters", k)
	}
	if k != IdempotencyKey("rebuild-site", "0123456789abcdef0123456789abcdef") {
		t.Fatal("key is not stable")
	}
	if IdempotencyKey("a", "bc") == IdempotencyKey("ab", "c") {
		t.Fatal("webhook and event ids are not separated")
	}
}

func TestNewDelivery(t *testing.T) {
	now := time.Now()
	a, b := NewDelivery("wh", testEvent("1"), now), NewDelivery("wh", testEvent("1"), now)
	if len(a.ID) != 32 || a.ID == b.ID {
		t.Fatalf("ids %q and %q: want distinct 32-character ids", a.ID, b.ID)
	}
	if !a.DueAt.Equal(now) || !a.CreatedAt.Equal(now) || a.Attempt != 0 || a.WebhookID != "wh" {
		t.Fatalf("NewDelivery = %+v", a)
	}
}

func BenchmarkEnqueue(b *testing.B) {
	s := openTestStore(b, b.TempDir())
	ev := testEvent("bench")
	// 16 goroutines per CPU: 32 concurrent callers on 2 cores.
	b.SetParallelism(16)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			d := NewDelivery("wh", ev, time.Now())
			if err := s.Enqueue(context.Background(), Batch{Deliveries: []*Delivery{d}}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// TestClaimQueueFloor checks that claims, which seek past delivered
// deliveries, still find deliveries written with an earlier due time.
func TestClaimQueueFloor(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	sub := s.subs.add(nil)
	defer s.subs.remove(sub)
	now := time.Now()
	claim := func(at time.Time) claimResult {
		t.Helper()
		res, err := s.claim(claimRequest{now: at, max: 10, sub: sub, lease: func(string) (time.Duration, bool, bool) { return time.Minute, true, true }})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	for i := range 20 {
		enqueue(t, s, "wh", fmt.Sprint(i))
	}
	for {
		res := claim(now.Add(time.Second))
		for _, c := range res.claimed {
			if lost, err := s.settle(c, settlement{kind: settleDone}); err != nil || lost {
				t.Fatalf("settle = %v, %v", lost, err)
			}
		}
		if len(res.claimed) == 0 {
			break
		}
	}
	if res := claim(now.Add(time.Second)); len(res.claimed) != 0 || !res.next.IsZero() {
		t.Fatalf("claim on an empty queue = %+v", res)
	}
	floor := s.queueFloor
	if floor <= uint64(now.UnixNano()) {
		t.Fatalf("queue floor %d was not raised past the delivered deliveries", floor)
	}

	old := NewDelivery("wh", testEvent("old"), now.Add(-time.Hour))
	if err := s.Enqueue(context.Background(), Batch{Deliveries: []*Delivery{old}}); err != nil {
		t.Fatal(err)
	}
	res := claim(now.Add(time.Second))
	if len(res.claimed) != 1 || res.claimed[0].d.ID != old.ID {
		t.Fatalf("claim after an earlier delivery was added = %+v", res)
	}
}

// TestEnqueueAsync checks that an async store's Enqueue returns before the
// batch is committed and a sync one's after, and that Close commits what
// was handed over either way.
func TestEnqueueAsync(t *testing.T) {
	for _, async := range []bool{true, false} {
		t.Run(fmt.Sprintf("async=%v", async), func(t *testing.T) {
			dir := t.TempDir()
			db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil).WithSyncWrites(true))
			if err != nil {
				t.Fatal(err)
			}
			s, err := newStore(db, StoreOptions{Async: async})
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				done <- s.Enqueue(context.Background(), Batch{Deliveries: []*Delivery{NewDelivery("w", testEvent("1"), time.Now())}})
			}()
			// The committer is not running: only an async Enqueue can return.
			waitFor(t, 5*time.Second, "the batch to reach the committer", func() bool { return len(s.ops) == 1 })
			if async {
				select {
				case err := <-done:
					if err != nil {
						t.Fatalf("async Enqueue = %v", err)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("async Enqueue waited for the committer")
				}
			} else {
				select {
				case err := <-done:
					t.Fatalf("sync Enqueue returned (%v) before the commit", err)
				default:
				}
			}
			s.start()
			if !async {
				if err := <-done; err != nil {
					t.Fatalf("sync Enqueue = %v", err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = openTestStore(t, dir)
			if depth, _ := s.Counts(); depth != 1 {
				t.Fatalf("depth after reopening = %d, want 1", depth)
			}
		})
	}
}

func TestOpenStoreAsync(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStore(StoreOptions{Dir: dir, Async: true})
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := s.Enqueue(context.Background(), Batch{Deliveries: []*Delivery{NewDelivery("w", testEvent(fmt.Sprint(i)), time.Now())}}); err != nil {
				t.Errorf("Enqueue: %v", err)
			}
		})
	}
	wg.Wait()
	if err := s.Enqueue(context.Background(), Batch{Deliveries: []*Delivery{{}}}); err == nil {
		t.Error("an async Enqueue accepted an invalid delivery")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(context.Background(), Batch{Put: []KV{{Key: "k"}}}); !errors.Is(err, ErrClosed) {
		t.Errorf("async Enqueue after Close = %v, want ErrClosed", err)
	}
	s = openTestStore(t, dir)
	if got := queueLen(t, s); got != n {
		t.Fatalf("queue depth after reopening = %d, want %d", got, n)
	}
}

// TestCounts follows the counters through enqueue, claim, settle and
// reopening.
func TestCounts(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStore(StoreOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string, wantDepth, wantFailed int) {
		t.Helper()
		if depth, failed := s.Counts(); depth != wantDepth || failed != wantFailed {
			t.Fatalf("%s: Counts = %d, %d; want %d, %d", when, depth, failed, wantDepth, wantFailed)
		}
		depth, _, failed, _, err := s.QueueStats()
		if err != nil || depth != wantDepth || failed != wantFailed {
			t.Fatalf("%s: QueueStats = %d, %d, %v; want %d, %d", when, depth, failed, err, wantDepth, wantFailed)
		}
	}
	check("empty", 0, 0)
	enqueue(t, s, "w", "1", "2", "3")
	check("after enqueue", 3, 0)
	sub := s.subs.add(nil)
	res, err := s.claim(claimRequest{now: time.Now(), max: 2, sub: sub, lease: func(string) (time.Duration, bool, bool) { return time.Minute, true, true }})
	if err != nil || len(res.claimed) != 2 {
		t.Fatalf("claim = %+v, %v", res, err)
	}
	check("after claiming", 3, 0)
	for i, kind := range []settleKind{settleDone, settleFail} {
		if lost, err := s.settle(res.claimed[i], settlement{kind: kind}); err != nil || lost {
			t.Fatalf("settle = %v, %v", lost, err)
		}
	}
	check("after settling", 1, 1)
	if lost, err := s.settle(res.claimed[0], settlement{kind: settleDone}); err != nil || !lost {
		t.Fatalf("second settle = %v, %v; want lost", lost, err)
	}
	check("after a lost settle", 1, 1)
	s.subs.remove(sub)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTestStore(t, dir)
	check("after reopening", 1, 1)
}

// largePayload returns a JSON string of n bytes.
func largePayload(n int) json.RawMessage {
	return json.RawMessage(`"` + strings.Repeat("x", n-2) + `"`)
}

// TestEnqueueLargestPayload checks that a delivery with the largest payload
// allowed is stored and read back whole.
func TestEnqueueLargestPayload(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	d := NewDelivery("wh", testEvent("1"), time.Now())
	d.Event.Payload = largePayload(MaxPayload)
	if err := s.Enqueue(context.Background(), Batch{Deliveries: []*Delivery{d}}); err != nil {
		t.Fatal(err)
	}
	got := records(t, s, queuePrefix)
	if len(got) != 1 || len(got[0].Event.Payload) != MaxPayload {
		t.Fatalf("stored %d deliveries; want the one with its %d-byte payload", len(got), MaxPayload)
	}
}

// TestAsyncWritesSyncedTogether checks that asynchronous writes wait for
// one sync at most asyncSyncEvery after the last, and are synced at Close.
func TestAsyncWritesSyncedTogether(t *testing.T) {
	open := func(dir string, every time.Duration) *Store {
		db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
		if err != nil {
			t.Fatal(err)
		}
		s, err := newStore(db, StoreOptions{Async: true})
		if err != nil {
			t.Fatal(err)
		}
		s.asyncSyncEvery, s.lastSync = every, time.Now()
		s.start()
		return s
	}
	enqueue := func(s *Store, n int) {
		for i := range n {
			b := Batch{Deliveries: []*Delivery{NewDelivery("w", testEvent(fmt.Sprint(i)), time.Now())}}
			if err := s.Enqueue(context.Background(), b); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, 5*time.Second, "the batches to be committed", func() bool { d, _ := s.Counts(); return d == n })
	}

	dir := t.TempDir()
	s := open(dir, time.Hour)
	enqueue(s, 20)
	if n := s.syncs.Load(); n != 0 {
		t.Fatalf("%d syncs within the interval, want none", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := s.syncs.Load(); n != 1 {
		t.Fatalf("%d syncs at Close, want 1", n)
	}
	reopened := openTestStore(t, dir)
	if depth, _ := reopened.Counts(); depth != 20 {
		t.Fatalf("depth after reopening = %d, want 20", depth)
	}
	reopened.Close()

	s = open(t.TempDir(), time.Millisecond)
	defer s.Close()
	enqueue(s, 1)
	waitFor(t, 5*time.Second, "the pending write to be synced without further writes", func() bool { return s.syncs.Load() == 1 })
}

// TestOpenReplaysLargerMemtables opens a directory a crash left with the
// logs of memtables, and a value log, larger than the store uses now (an
// earlier version's): Badger must replay them into memtables of their own
// size, not exit, and every record must be there.
func TestOpenReplaysLargerMemtables(t *testing.T) {
	dir := t.TempDir()
	const records, earlierMemTable = 6000, 8 << 20
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil).
		WithMemTableSize(earlierMemTable).WithValueThreshold(1 << 10).WithValueLogFileSize(64 << 20))
	if err != nil {
		t.Fatal(err)
	}
	value := func(i int) []byte { // every tenth in the value log, the rest in the memtable's log
		if i%10 == 0 {
			return bytes.Repeat([]byte("l"), 2000)
		}
		return bytes.Repeat([]byte("v"), 900)
	}
	wb := db.NewWriteBatch()
	for i := range records {
		if err := wb.Set(indexKey(fmt.Sprint(i)), value(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := wb.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := db.Sync(); err != nil {
		t.Fatal(err)
	}
	// The files as a crash leaves them: synced, the memtable never flushed.
	crashed := t.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "LOCK" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(crashed, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if replayMemTableSize(crashed, zap.NewNop()) != earlierMemTable {
		t.Fatalf("the crashed directory's memtable logs were not recognised as %d-byte memtables", earlierMemTable)
	}

	s := openTestStore(t, crashed)
	for _, i := range []int{0, 1, records / 2, records - 1} {
		got, ok, err := s.Get(fmt.Sprint(i))
		if err != nil || !ok || !bytes.Equal(got, value(i)) {
			t.Fatalf("record %d after replay: ok %v, %d bytes, %v", i, ok, len(got), err)
		}
	}
}
