package sandbox

import (
	"testing"
	"time"
)

func TestWithActionDelay(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		want time.Duration
	}{
		{"default", nil, 100 * time.Millisecond},
		{"set", []Option{WithActionDelay(5 * time.Second)}, 5 * time.Second},
		{"zero", []Option{WithActionDelay(0)}, 0},
		{"negative", []Option{WithActionDelay(-time.Second)}, 0},
	}
	for _, tt := range tests {
		if got := New(tt.opts...).actionDelay; got != tt.want {
			t.Errorf("%s: action delay %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestCloseStopsPendingActions(t *testing.T) {
	h := newHarness(t, WithActionDelay(time.Hour))
	seed(t, h, "/entries/e1")
	bulk, _ := h.create(t, "POST", envPath+"/bulk_actions/publish", nil, `{"entities":`+items(ref("Entry", "e1", 1))+`}`, 201)
	rel, _ := h.create(t, "POST", envPath+"/releases", nil, releaseJSONBody("R", items(ref("Entry", "e1", 0))), 201)
	relAction, _ := h.create(t, "PUT", envPath+"/releases/"+rel+"/published", ver(1), "", 200)
	due, _ := h.create(t, "POST", scheduled, nil, schedule("Entry", "e1", "master", "publish", past), 201)
	if n := armed(h.sb); n != 3 {
		t.Fatalf("%d timers armed for three pending actions, want 3", n)
	}
	h.sb.Close()
	if n := armed(h.sb); n != 0 {
		t.Fatalf("%d timers armed after Close, want 0", n)
	}
	h.sb.Close()

	after, got := h.create(t, "POST", envPath+"/bulk_actions/publish", nil, `{"entities":`+items(ref("Entry", "e1", 1))+`}`, 201)
	checkAt(t, "started after Close", got, kv{"sys.status", "created"})
	if n := armed(h.sb); n != 0 {
		t.Fatalf("an action started after Close armed a timer (%d armed)", n)
	}
	h.run(t, []step{
		{name: "bulk action pending", method: "GET", path: envPath + "/bulk_actions/" + bulk, status: 200, want: []kv{{"sys.status", "inProgress"}}},
		{name: "later bulk action pending", method: "GET", path: envPath + "/bulk_actions/" + after, status: 200, want: []kv{{"sys.status", "inProgress"}}},
		{name: "release action pending", method: "GET", path: envPath + "/releases/" + rel + "/actions/" + relAction, status: 200, want: []kv{{"sys.status", "inProgress"}}},
		{name: "scheduled action pending", method: "GET", path: scheduled + "/" + due + onMaster, status: 200, want: []kv{{"sys.status", "scheduled"}}},
		{name: "entry untouched", method: "GET", path: envPath + "/entries/e1", status: 200, want: []kv{{"sys.version", 1}, {"sys.publishedVersion", absent}}},
	})
}
