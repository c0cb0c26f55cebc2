package delivery

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
	"github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestDeliveryRoundTrip(t *testing.T) {
	berlin := time.FixedZone("CEST", 2*3600)
	full := testEvent("full")
	full.Headers = map[string]string{"x-contentful-bulk-action-id": "b1", "x-other": ""}
	bare := &events.Event{ID: "bare", Topic: "ContentManagement.Entry.save"}
	tests := []struct {
		name string
		d    *Delivery
	}{
		{"new", NewDelivery("rebuild-site", testEvent("1"), time.Now())},
		{"retried", &Delivery{ID: "0123456789abcdef0123456789abcdef", WebhookID: "w/x", Event: full, Attempt: 7,
			DueAt: time.Date(2026, 6, 22, 20, 0, 0, 1, berlin), CreatedAt: time.Date(2026, 6, 22, 19, 0, 0, 999_999_999, berlin), LastError: "receiver answered 503 Service Unavailable"}},
		{"bare event, zero creation time", &Delivery{ID: "x", WebhookID: "w", Event: bare, DueAt: time.Unix(1, 0)}},
		{"no event", &Delivery{ID: "x", WebhookID: "w", DueAt: time.Unix(1, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := encodeDelivery(tt.d)
			if v[0] != deliveryLayout {
				t.Fatalf("encoded value starts with %d", v[0])
			}
			got, err := decodeDelivery(v)
			if err != nil {
				t.Fatal(err)
			}
			want := *tt.d
			if !got.DueAt.Equal(want.DueAt) || !got.CreatedAt.Equal(want.CreatedAt) || got.CreatedAt.IsZero() != want.CreatedAt.IsZero() {
				t.Errorf("times = %v, %v; want %v, %v", got.DueAt, got.CreatedAt, want.DueAt, want.CreatedAt)
			}
			got.DueAt, got.CreatedAt, want.DueAt, want.CreatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if want.Event != nil {
				ev := *want.Event
				if !got.Event.Time.Equal(ev.Time) {
					t.Errorf("event time = %v, want %v", got.Event.Time, ev.Time)
				}
				got.Event.Time, ev.Time = time.Time{}, time.Time{}
				want.Event = &ev
			}
			if !reflect.DeepEqual(got, &want) {
				t.Errorf("decoded = %+v\nwant      %+v", got, &want)
			}
		})
	}
}

// TestDeliveryHead checks that rewriting the head of a stored delivery
// changes its attempt and due time and nothing else.
func TestDeliveryHead(t *testing.T) {
	d := NewDelivery("w", testEvent("1"), time.Now())
	v := encodeDelivery(d)
	due := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	setDeliveryHead(v, 3, due)
	got, err := decodeDelivery(v)
	if err != nil {
		t.Fatal(err)
	}
	if got.Attempt != 3 || !got.DueAt.Equal(due) || got.ID != d.ID || !bytes.Equal(got.Event.Payload, d.Event.Payload) {
		t.Fatalf("after setDeliveryHead: %+v", got)
	}
}

// TestDecodeDeliveryRejects checks that malformed and foreign values give
// an error (never a panic) that says what is wrong.
func TestDecodeDeliveryRejects(t *testing.T) {
	valid := encodeDelivery(NewDelivery("w", testEvent("1"), time.Now()))
	old, err := json.Marshal(NewDelivery("w", testEvent("1"), time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, want string
		v          []byte
	}{
		{"empty", "empty", nil},
		{"JSON of an earlier version", "JSON", old},
		{"unknown version", "layout version 9", append([]byte{9}, valid[1:]...)},
		{"trailing bytes", "malformed", append(append([]byte(nil), valid...), 0)},
		{"nanoseconds out of range", "malformed", withCreatedAt(valid, 0, uint64(time.Second))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decodeDelivery(tt.v); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("decodeDelivery = %v; want an error mentioning %q", err, tt.want)
			}
		})
	}
	for n := range len(valid) {
		if _, err := decodeDelivery(valid[:n]); err == nil {
			t.Fatalf("the first %d of %d bytes decoded without error", n, len(valid))
		}
	}
}

// withCreatedAt returns the stored delivery v with its creation time
// replaced by the given raw seconds and nanoseconds.
func withCreatedAt(v []byte, sec int64, nsec uint64) []byte {
	r := reader{b: v[deliveryHeadLen:]}
	r.time()
	out := append([]byte(nil), v[:deliveryHeadLen]...)
	out = binary.AppendVarint(out, sec)
	out = binary.AppendUvarint(out, nsec)
	return append(out, r.b...)
}

// TestClaimMovesUnreadableToFailed stores a delivery in the JSON layout of
// an earlier version: a claim moves it to the failed list, logs why, and
// claims the readable one behind it.
func TestClaimMovesUnreadableToFailed(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	dir := t.TempDir()
	s, err := OpenStore(StoreOptions{Dir: dir, Logger: zap.New(core)})
	if err != nil {
		t.Fatal(err)
	}
	old := NewDelivery("w", testEvent("old"), time.Now().Add(-time.Minute))
	v, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set(queueKey(old.DueAt, old.ID, "w"), v) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = OpenStore(StoreOptions{Dir: dir, Logger: zap.New(core)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	good := enqueue(t, s, "w", "good")[0]
	sub := s.subs.add(nil)
	defer s.subs.remove(sub)
	res, err := s.claim(claimRequest{now: time.Now(), max: 10, sub: sub, lease: func(string) (time.Duration, bool, bool) { return time.Minute, true, true }})
	if err != nil || len(res.claimed) != 1 || res.claimed[0].d.ID != good.ID {
		t.Fatalf("claim = %+v, %v; want the readable delivery only", res, err)
	}
	if depth, failed := s.Counts(); depth != 1 || failed != 1 {
		t.Fatalf("Counts = %d, %d; want 1 claimed, 1 failed", depth, failed)
	}
	entries := logs.FilterMessageSnippet("unreadable delivery").All()
	if len(entries) != 1 || !strings.Contains(entries[0].ContextMap()["error"].(string), "JSON") ||
		entries[0].ContextMap()["delivery"] != old.ID || entries[0].Level != zapcore.ErrorLevel {
		t.Fatalf("log entries = %+v; want one error naming the delivery and the JSON layout", entries)
	}
	if n, err := s.RedeliverFailed("w", time.Time{}); err != nil || n != 0 {
		t.Fatalf("RedeliverFailed = %d, %v; want 0 (the unreadable delivery stays failed)", n, err)
	}
	if logs.FilterMessageSnippet("unreadable failed delivery").Len() != 1 {
		t.Fatal("RedeliverFailed did not log the unreadable delivery it left")
	}
}

// TestEventLayoutCoversFields fails when events.Event gains or loses a
// field: appendEvent and reader.event must then be changed with it (and
// the layout versions raised), or stored events would silently lose it.
func TestEventLayoutCoversFields(t *testing.T) {
	kept := []string{"ID", "Topic", "Space", "Environment", "EntityID", "CRN", "Time", "Channels", "Headers", "Payload"}
	typ := reflect.TypeFor[events.Event]()
	var fields []string
	for i := range typ.NumField() {
		fields = append(fields, typ.Field(i).Name)
	}
	if !reflect.DeepEqual(fields, kept) {
		t.Fatalf("events.Event has the fields %v; the stored layout keeps %v", fields, kept)
	}
}

// Deliveries stored by earlier releases (layout 1, whose events have no
// channels) are still read, and channels survive a round trip.
func TestDeliveryLayouts(t *testing.T) {
	payload := []byte(`{"module":"entry"}`)
	d := &Delivery{ID: "d1", WebhookID: "w", Attempt: 2, DueAt: time.Unix(100, 5).UTC(), CreatedAt: time.Unix(90, 0).UTC(),
		Event: &events.Event{ID: "e1", Topic: "content_types.entries.update", Space: "blt1", Time: time.Unix(80, 0).UTC(),
			Channels: []string{"content_types.entries.update", "content_types.blog.entries.update"}, Payload: payload}}
	got, err := decodeDelivery(encodeDelivery(d))
	if err != nil || !reflect.DeepEqual(got.Event.Channels, d.Event.Channels) || string(got.Event.Payload) != string(payload) {
		t.Fatalf("round trip: %+v, %v", got, err)
	}

	d.Event.Channels = nil
	v2 := encodeDelivery(d)
	at := len(v2) - stringSize(len(payload)) - 1 // the channel count, 0
	if v2[at] != 0 {
		t.Fatalf("no channel count before the payload: %v", v2[at-2:])
	}
	v1 := append(append([]byte{deliveryLayoutV1}, v2[1:at]...), v2[at+1:]...)
	old, err := decodeDelivery(v1)
	if err != nil || old.Event.ID != "e1" || old.Event.Channels != nil || string(old.Event.Payload) != string(payload) || old.Attempt != 2 {
		t.Fatalf("layout 1: %+v, %v", old, err)
	}
}

// A delivery whose event is stored once for its write keeps only the
// record's name: it round-trips without its event, keeps the name through
// a rewrite (a retry), and every truncation of it is an error.
func TestDeliveryLayoutShared(t *testing.T) {
	d := NewDelivery("w", testEvent("1"), time.Now())
	d.LastError = "receiver answered 503"
	v := encodeDeliveryShared(d, "0123abcd")
	if v[0] != deliveryLayoutShared {
		t.Fatalf("layout %d, want %d", v[0], deliveryLayoutShared)
	}
	got, err := decodeDelivery(v)
	if err != nil || got.share != "0123abcd" || got.Event != nil || got.ID != d.ID || got.WebhookID != "w" || got.LastError != d.LastError {
		t.Fatalf("decoded %+v, %v; want the fields, the record's name and no event", got, err)
	}
	got.Event = d.Event // as withEvent sets it
	if again := encodeDelivery(got); !bytes.Equal(again, v) {
		t.Fatalf("re-encoded shared delivery differs:\n%q\n%q", again, v)
	}
	for n := range len(v) {
		if _, err := decodeDelivery(v[:n]); err == nil {
			t.Fatalf("the first %d of %d bytes decoded without error", n, len(v))
		}
	}
}
