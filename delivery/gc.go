package delivery

import (
	"errors"
	"time"

	"github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"
)

// gcInterval is how often the value-log GC runs.
const gcInterval = 5 * time.Minute

// gcDiscardRatio is the share of stale data a value-log file needs to be rewritten.
const gcDiscardRatio = 0.5

// gcLoop rewrites value-log files that are mostly stale, every gcInterval,
// until the store closes.
func (s *Store) gcLoop() {
	defer s.wg.Done()
	t := time.NewTicker(gcInterval)
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
			s.runGC()
		}
	}
}

// runGC rewrites value-log files until Badger finds none worth rewriting.
func (s *Store) runGC() {
	for {
		select {
		case <-s.quit:
			return
		default:
		}
		err := s.db.RunValueLogGC(gcDiscardRatio)
		switch {
		case err == nil:
			continue
		case errors.Is(err, badger.ErrNoRewrite), errors.Is(err, badger.ErrRejected):
		default:
			s.log.Warn("value-log GC failed", zap.Error(err))
		}
		return
	}
}
