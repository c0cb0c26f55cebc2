package delivery

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"go.uber.org/zap"
)

// ErrClosed is returned by writes to a closed Store.
var ErrClosed = errors.New("delivery store is closed")

// Memory and file sizes of the Badger database. Deliveries are short-lived,
// so small memtables and value-log files keep memory low and let the
// value-log GC reclaim space early.
//
// The memtable size sets the heap more than anything else: flushing a
// memtable builds a level-0 table in buffers that double as they fill, about
// six times the memtable size (with 8 MB memtables and a million deliveries
// queued, one such builder held 48 MB and heap and stacks were 157 MB; with
// 2 MB memtables they were 65 MB). Values from 256 bytes on (every
// delivery) live in the value log, so the tables hold keys and pointers and
// compactions stay small. The value-log file being written is mapped and
// resident: 16 MB files bound that.
const (
	memTableSize     = 2 << 20
	numMemtables     = 2
	blockCacheSize   = 8 << 20
	valueThreshold   = 256
	valueLogFileSize = 16 << 20
	baseTableSize    = 1 << 20
	numCompactors    = 2
)

// MaxPayload is the largest event payload, in bytes, a delivery may carry: a
// stored delivery is one value in a value-log file, with room to spare.
const MaxPayload = valueLogFileSize / 2

// DefaultRetention is how long call-log entries are kept by default.
const DefaultRetention = 168 * time.Hour

// StoreOptions configures OpenStore.
type StoreOptions struct {
	// Dir is the data directory; it is created (mode 0700) if missing.
	Dir string
	// Logger receives the store's and Badger's messages (Badger's INFO at
	// Debug level; Badger's own DEBUG messages are dropped). Nil means none.
	Logger *zap.Logger
	// Retention is how long a call-log entry is kept; default 168h. At most
	// MaxCallsPerWebhook entries are kept per webhook in any case.
	Retention time.Duration
	// Async makes Enqueue return as soon as the committer has the batch,
	// without waiting for it to be synced; the batches are synced together
	// at most every 10ms. Faster for the caller and the machine, but a
	// crash may lose the batches of the last 10ms or so. Default false:
	// Enqueue returns once the batch is on disk.
	Async bool
}

// Store is the durable delivery queue, call log and index, backed by
// Badger. All writes go through one committer goroutine (see Enqueue). A
// Store is shared by every Dispatcher using the same directory.
type Store struct {
	db        *badger.DB
	dir       string // the absolute storage dir; "" for a store made by newStore
	log       *zap.Logger
	retention time.Duration
	async     bool

	// mu guards closed; submitters hold it for reading while they hand an op
	// to the committer, so Close knows no op is added after it.
	mu     sync.RWMutex
	closed bool
	ops    chan *op
	quit   chan struct{}
	wg     sync.WaitGroup

	// Transaction limits used to split large groups (below Badger's own).
	maxTxnSize, maxTxnCount int64

	// queueFloor is the encoded due time below which no pending key is live.
	// Claims seek to it instead of walking the tombstones that delivered
	// deliveries leave at the front of the queue. Used by the committer only:
	// every pending key written lowers it, every claim scan raises it to the
	// first live key.
	queueFloor uint64

	// depth counts pending and claimed deliveries, failed the failed ones.
	// The committer keeps them (see op); anyone reads them.
	depth, failed atomic.Int64
	// leases are the claimed deliveries by lease key, leasedQueue their
	// pending keys. Committer only.
	leases      map[string]lease
	leasedQueue map[string]bool
	// lastSync is when the logs were last synced; unsynced is set while
	// asynchronous writes wait for a sync, which comes asyncSyncEvery
	// after lastSync at the latest. Committer only.
	lastSync       time.Time
	unsynced       bool
	asyncSyncEvery time.Duration
	// syncs counts the syncs of the logs.
	syncs atomic.Int64
	// calls indexes the call log.
	calls callIndex

	subs subscribers
}

// lease is a claimed delivery as the store remembers it.
type lease struct {
	end                   time.Time
	deliveryID, webhookID string
	// queueKey is where the delivery is stored while claimed: its pending
	// key, unchanged by the claim.
	queueKey []byte
	// attempt counts the attempts with the one the lease is for.
	attempt int
}

// startLease records a new lease under key. Committer only.
func (s *Store) startLease(key string, l lease) {
	s.leases[key] = l
	s.leasedQueue[string(l.queueKey)] = true
}

// endLease forgets the lease under key. Committer only.
func (s *Store) endLease(key string) {
	if l, ok := s.leases[key]; ok {
		delete(s.leasedQueue, string(l.queueKey))
		delete(s.leases, key)
	}
}

// OpenStore opens (creating if needed) the store in opts.Dir and starts its
// committer and value-log GC loop.
func OpenStore(opts StoreOptions) (*Store, error) {
	if opts.Dir == "" {
		return nil, errors.New("storage dir is empty; set storage_dir (or storage badger's dir) to a writable directory")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("storage dir %s: %w; set storage_dir (or storage badger's dir) to an absolute path", opts.Dir, err)
	}
	if err := checkWritable(dir); err != nil {
		return nil, fmt.Errorf("storage dir %s is not writable: %w; set storage_dir (or storage badger's dir) to a writable directory", dir, err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = zap.NewNop()
	}
	bopts := badger.DefaultOptions(dir).
		WithLogger(badgerLogger{logger.Named("badger").Sugar()}).
		WithSyncWrites(false). // the committer syncs the groups that need it
		WithMemTableSize(replayMemTableSize(dir, logger)).
		WithNumMemtables(numMemtables).
		WithBlockCacheSize(blockCacheSize).
		WithCompression(options.None).
		WithValueThreshold(valueThreshold).
		WithValueLogFileSize(valueLogFileSize).
		WithNumCompactors(numCompactors).
		WithMetricsEnabled(false).
		WithDetectConflicts(false) // the committer is the only writer
	// Every table the same small size: a table builder reserves twice
	// the table size up front, and compactions run up to 13 of them at
	// once, so Badger's default growth per level (2 MB, 4, 8, …) made
	// the heap grow with the database.
	bopts.BaseTableSize, bopts.TableSizeMultiplier = baseTableSize, 1
	db, err := badger.Open(bopts)
	if err != nil {
		if strings.Contains(err.Error(), "Cannot acquire directory lock") {
			return nil, fmt.Errorf("open delivery store in %s: %w; another process uses this directory: stop it or set storage_dir (or storage badger's dir) to another directory", dir, err)
		}
		return nil, fmt.Errorf("open delivery store in %s: %w", dir, err)
	}
	opts.Logger = logger
	s, err := newStore(db, opts)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open delivery store in %s: %w", dir, err)
	}
	s.dir = dir
	s.start()
	return s, nil
}

// newStore wraps an open database: it gives the claims of the previous run
// back to the queue and loads the in-memory state. start launches its
// goroutines. opts.Dir is not used.
func newStore(db *badger.DB, opts StoreOptions) (*Store, error) {
	s := &Store{
		db:             db,
		log:            opts.Logger,
		retention:      opts.Retention,
		async:          opts.Async,
		asyncSyncEvery: asyncSyncInterval,
		ops:            make(chan *op, maxGroupOps),
		quit:           make(chan struct{}),
		maxTxnSize:     db.MaxBatchSize() * 9 / 10,
		maxTxnCount:    db.MaxBatchCount() * 9 / 10,
	}
	if s.log == nil {
		s.log = zap.NewNop()
	}
	if s.retention <= 0 {
		s.retention = DefaultRetention
	}
	n, err := s.releaseLeases(time.Now())
	if err != nil {
		return nil, err
	}
	if n > 0 {
		s.log.Info("deliveries claimed when the store was last closed are due again", zap.Int("count", n))
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	paused, err := s.loadPaused()
	if err != nil {
		return nil, err
	}
	s.subs.paused = paused
	return s, nil
}

// start launches the committer, the value-log GC loop and the page trimmer.
func (s *Store) start() {
	s.wg.Add(3)
	go s.commitLoop()
	go s.gcLoop()
	go s.trimLoop()
}

// replayMemTableSize returns the memtable size to open dir with: the
// configured one, or the size of the memtables whose logs a crash left in dir
// if a version with larger memtables wrote them. Badger replays each log into
// a memtable of the configured size and exits the process when it does not
// fit; a memtable's log file is created at twice its size.
func replayMemTableSize(dir string, log *zap.Logger) int64 {
	size := int64(memTableSize)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return size // a new directory, or Badger reports the problem
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".mem") {
			continue
		}
		if info, err := e.Info(); err == nil && info.Size()/2 > size {
			size = info.Size() / 2
		}
	}
	if size > memTableSize {
		log.Info("replaying memtables written with a larger size; memtables keep that size until the store is next closed cleanly",
			zap.Int64("memtable_bytes", size))
	}
	return size
}

// checkWritable creates dir if needed and proves a file can be created in it.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// Close commits what is already handed to the committer, stops the committer
// and the GC loop and closes Badger. Later writes fail with ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	close(s.quit)
	s.wg.Wait()
	return s.db.Close()
}

// Batch is what one Enqueue commits atomically when it fits in one Badger
// transaction (very large batches are split; Enqueue returns when all parts
// are on disk).
type Batch struct {
	// Deliveries are added to the queue, due at their DueAt.
	Deliveries []*Delivery
	// Put writes index records.
	Put []KV
	// Delete removes index records.
	Delete []string
	// Sync makes Enqueue wait until the batch is synced to disk even when
	// the store is asynchronous (StoreOptions.Async), for records that must
	// be durable before their writer answers.
	Sync bool
	// Take, if set, makes the batch conditional: it commits only while the
	// index record Take.Key exists and Take.Match accepts its value, and it
	// deletes that record. Otherwise nothing is committed and Enqueue
	// returns an error wrapping ErrTaken. A taken batch is always waited
	// for, even when the store is asynchronous.
	Take *Take
}

// KV is one index record. Index keys live in their own namespace of the
// store; give them without a prefix.
type KV struct {
	// Key names the record.
	Key string
	// Value is the record's content.
	Value []byte
}

// Enqueue durably commits b and returns when it is synced to disk. Many
// goroutines may call it at once: the committer gathers every pending call
// into one synced transaction and then wakes each caller with the result,
// and wakes the dispatchers when deliveries were added.
//
// If ctx ends first, Enqueue returns ctx's error; the batch may still be
// committed. With StoreOptions.Async, Enqueue returns once the committer has
// the batch (unless b.Sync); a failure to commit it is then logged, not
// returned.
func (s *Store) Enqueue(ctx context.Context, b Batch) error {
	if len(b.Deliveries)+len(b.Put)+len(b.Delete) == 0 && b.Take == nil {
		return nil
	}
	for _, d := range b.Deliveries {
		if err := checkDelivery(d); err != nil {
			return err
		}
	}
	writes := enqueueWrites(b.Deliveries)
	for _, kv := range b.Put {
		if kv.Key == "" {
			return errors.New("index record with an empty key; give every record a key")
		}
		writes = append(writes, write{key: indexKey(kv.Key), value: kv.Value})
	}
	for _, k := range b.Delete {
		writes = append(writes, write{key: indexKey(k), del: true})
	}
	if b.Take != nil {
		writes = append(writes, write{key: indexKey(b.Take.Key), del: true})
	}
	added := int64(len(b.Deliveries))
	o := newOp(func(txn *badger.Txn) ([]write, error) {
		if b.Take != nil {
			if err := s.checkTake(txn, b.Take); err != nil {
				return nil, err
			}
		}
		s.depth.Add(added)
		return writes, nil
	})
	o.wake = added > 0
	o.async = s.async && !b.Sync && b.Take == nil
	return s.submit(ctx, o)
}

// checkTake fails with ErrTaken unless the take's record is there and
// matches. Committer only.
func (s *Store) checkTake(txn *badger.Txn, t *Take) error {
	var value []byte
	item, err := txn.Get(indexKey(t.Key))
	found := err == nil
	switch {
	case found:
		if value, err = item.ValueCopy(nil); err != nil {
			return fmt.Errorf("read index record %q: %w", t.Key, err)
		}
	case !errors.Is(err, badger.ErrKeyNotFound):
		return fmt.Errorf("read index record %q: %w", t.Key, err)
	}
	if t.taken(value, found) {
		return fmt.Errorf("index record %q: %w", t.Key, ErrTaken)
	}
	return nil
}

// checkDelivery rejects deliveries that cannot be stored.
func checkDelivery(d *Delivery) error {
	switch {
	case d == nil:
		return errors.New("nil delivery in batch")
	case d.ID == "" || strings.Contains(d.ID, "/"):
		return fmt.Errorf("delivery id %q is invalid; create deliveries with NewDelivery", d.ID)
	case d.WebhookID == "":
		return fmt.Errorf("delivery %s has no webhook id", d.ID)
	case len(d.WebhookID) > maxWebhookIDLen:
		return fmt.Errorf("delivery %s: webhook id is longer than %d bytes; use a shorter webhook id", d.ID, maxWebhookIDLen)
	case d.Event == nil:
		return fmt.Errorf("delivery %s has no event", d.ID)
	case d.DueAt.IsZero():
		return fmt.Errorf("delivery %s has no due time; create deliveries with NewDelivery", d.ID)
	case len(d.Event.Payload) > MaxPayload:
		return fmt.Errorf("delivery %s: its payload is %d bytes, more than the %d a delivery can carry; lower max_body", d.ID, len(d.Event.Payload), MaxPayload)
	}
	return nil
}

// Get reads the index record key; ok is false when there is none.
func (s *Store) Get(key string) (value []byte, ok bool, err error) {
	err = s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(indexKey(key))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		value, err = item.ValueCopy(nil)
		ok = err == nil
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("read index record %q: %w", key, err)
	}
	return value, ok, nil
}
