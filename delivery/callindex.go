package delivery

import (
	"slices"
	"sync"
)

// metaHealthy is the Badger user-metadata bit of a call answered with a
// status below 300, so that health counts can be rebuilt from keys alone.
const metaHealthy byte = 1

// callIndex lists the call-log entries of every webhook in memory, oldest
// first, with health counts: listing, counting and capping the log read
// no keys. The committer adds entries; readers drop the expired ones.
type callIndex struct {
	mu        sync.Mutex
	byWebhook map[string]*webhookCalls
}

// webhookCalls are the entries of one webhook.
type webhookCalls struct {
	entries []callEntry // oldest first
	healthy int         // entries with healthy set
}

// callEntry is one call-log entry.
type callEntry struct {
	seq       uint64 // the call's requestAt, unix nanoseconds
	id        string
	expiresAt uint64 // unix seconds; Badger drops the entry from then on
	healthy   bool
	msgSeq    uint64 // JetStream only: the entry's stream sequence
}

// add inserts e in its place, by requestAt (seq) and then id: usually
// last, but a long call may be recorded after quicker ones made later.
func (wc *webhookCalls) add(e callEntry) {
	i := len(wc.entries)
	for i > 0 && e.before(wc.entries[i-1]) {
		i--
	}
	wc.entries = slices.Insert(wc.entries, i, e)
	if e.healthy {
		wc.healthy++
	}
}

// before reports whether e was made before o.
func (e callEntry) before(o callEntry) bool {
	return e.seq < o.seq || e.seq == o.seq && e.id < o.id
}

// dropOldest removes and returns the oldest entry.
func (wc *webhookCalls) dropOldest() callEntry {
	e := wc.entries[0]
	wc.entries = wc.entries[1:]
	if e.healthy {
		wc.healthy--
	}
	return e
}

// prune drops the entries expired at now (unix seconds), as Badger does:
// entries expire in requestAt order, as their retention counts from then.
func (wc *webhookCalls) prune(now int64) {
	for len(wc.entries) > 0 && wc.entries[0].expiresAt <= uint64(now) {
		wc.dropOldest()
	}
}

// replace swaps in a freshly loaded index.
func (ci *callIndex) replace(m map[string]*webhookCalls) {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	ci.byWebhook = m
}

// get returns the webhook's entries with the expired ones dropped, or nil.
// ci.mu must be held.
func (ci *callIndex) get(webhookID string, now int64) *webhookCalls {
	wc := ci.byWebhook[webhookID]
	if wc == nil {
		return nil
	}
	wc.prune(now)
	if len(wc.entries) == 0 {
		delete(ci.byWebhook, webhookID)
		return nil
	}
	return wc
}

// add records e as the webhook's newest entry, first dropping the oldest
// entries beyond max-1; it returns the dropped entries, whose keys are to be
// deleted.
func (ci *callIndex) add(webhookID string, e callEntry, max int, now int64) (dropped []callEntry) {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	wc := ci.get(webhookID, now)
	if wc == nil {
		if ci.byWebhook == nil {
			ci.byWebhook = make(map[string]*webhookCalls)
		}
		wc = &webhookCalls{}
		ci.byWebhook[webhookID] = wc
	}
	for len(wc.entries) >= max {
		dropped = append(dropped, wc.dropOldest())
	}
	wc.add(e)
	return dropped
}

// page returns the number of the webhook's entries and, newest first, the
// limit entries after skip.
func (ci *callIndex) page(webhookID string, skip, limit int, now int64) (total int, page []callEntry) {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	wc := ci.get(webhookID, now)
	if wc == nil {
		return 0, nil
	}
	total = len(wc.entries)
	skip = max(skip, 0)
	for i := total - 1 - skip; i >= 0 && len(page) < limit; i-- {
		page = append(page, wc.entries[i])
	}
	return total, page
}

// health returns the number of the webhook's entries and of the healthy ones.
func (ci *callIndex) health(webhookID string, now int64) (total, healthy int) {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	wc := ci.get(webhookID, now)
	if wc == nil {
		return 0, 0
	}
	return len(wc.entries), wc.healthy
}

// find returns the webhook's entry with id callID.
func (ci *callIndex) find(webhookID, callID string, now int64) (callEntry, bool) {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	wc := ci.get(webhookID, now)
	if wc == nil {
		return callEntry{}, false
	}
	for i := len(wc.entries) - 1; i >= 0; i-- {
		if wc.entries[i].id == callID {
			return wc.entries[i], true
		}
	}
	return callEntry{}, false
}
