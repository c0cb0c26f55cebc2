package autosave

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestConcurrentSaves saves from many goroutines while the clock moves, some
// documents owned by one goroutine and some shared by all. The sink checks
// that Hold and Emit of a document never overlap and that no stale window is
// held after its emission; each owned document's last emission must carry its
// last draft.
func TestConcurrentSaves(t *testing.T) {
	const (
		workers = 16
		owned   = 4 // documents per worker
		shared  = 4 // documents every worker saves
		saves   = 300
	)
	tr, clock, sink := startTracker(t, time.Second)

	var running atomic.Bool
	running.Store(true)
	ticked := make(chan struct{})
	go func() { // moves the fake clock while the workers save
		defer close(ticked)
		for at := time.Duration(0); running.Load(); at += 10 * time.Millisecond {
			clock.set(at)
			runtime.Gosched()
		}
	}()

	var ids atomic.Int64
	last := make([]string, workers*owned) // last draft of each owned document
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range saves {
				doc := fmt.Sprintf("shared/%d", i/2%shared)
				if i%2 == 0 {
					n := w*owned + i/2%owned
					doc = fmt.Sprintf("owned/%d", n)
					last[n] = fmt.Sprintf("%d/%d", w, i)
				}
				payload := fmt.Sprintf("%d/%d", w, i)
				if err := tr.Save(doc, draft(fmt.Sprint(ids.Add(1)), payload)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	running.Store(false)
	<-ticked

	clock.set(time.Hour)
	settle(t, tr)
	got, held := sink.snapshot(t)
	if n := tr.Active(); n != 0 || len(held) != 0 {
		t.Fatalf("%d active windows and %d held drafts after all windows ended", n, len(held))
	}
	lastEmitted := map[string]string{}
	for _, e := range got {
		lastEmitted[e.Doc] = e.payload
	}
	if len(lastEmitted) != workers*owned+shared {
		t.Errorf("%d documents emitted, want %d", len(lastEmitted), workers*owned+shared)
	}
	for n, want := range last {
		if doc := fmt.Sprintf("owned/%d", n); lastEmitted[doc] != want {
			t.Errorf("%s: last emitted draft %q, want %q", doc, lastEmitted[doc], want)
		}
	}
	if len(got) > workers*saves {
		t.Errorf("%d emissions for %d saves", len(got), workers*saves)
	}
}
