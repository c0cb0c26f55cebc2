package autosave

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
)

// nopSink holds and emits nothing.
type nopSink struct{}

func (nopSink) Hold(Pending) error { return nil }
func (nopSink) Emit(Pending) error { return nil }

// openWindows opens one window for each of n documents on a tracker that is
// not started and returns the tracker's heap growth per document, not
// counting the keys and events, which the caller owns.
func openWindows(tb testing.TB, n int) float64 {
	tb.Helper()
	docs := make([]string, n)
	evs := make([]events.Event, n)
	for i := range docs {
		docs[i] = fmt.Sprintf("space/master/Entry/%08d", i)
		evs[i].ID = docs[i]
	}
	tr := New(Options{Clock: newFakeClock(), Sink: nopSink{}, Window: time.Minute})
	before := heapInUse()
	for i, doc := range docs {
		if err := tr.Save(doc, &evs[i]); err != nil {
			tb.Fatal(err)
		}
	}
	after := heapInUse()
	if tr.Active() != n {
		tb.Fatalf("Active() = %d, want %d", tr.Active(), n)
	}
	runtime.KeepAlive(tr)
	runtime.KeepAlive(docs)
	runtime.KeepAlive(evs)
	return float64(after-before) / float64(n)
}

// heapInUse returns the live heap size after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func TestManyDocumentsStaySmall(t *testing.T) {
	const limit = 200 // bytes of tracker state per open window
	if perDoc := openWindows(t, 100_000); perDoc > limit {
		t.Errorf("%.0f bytes per open window, want at most %d", perDoc, limit)
	}
}

// BenchmarkManyDocuments opens 100,000 windows and reports the tracker's
// memory per document.
func BenchmarkManyDocuments(b *testing.B) {
	var perDoc float64
	for b.Loop() {
		perDoc = openWindows(b, 100_000)
	}
	b.ReportMetric(perDoc, "B/doc")
}
