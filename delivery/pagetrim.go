package delivery

import (
	"errors"
	"time"

	"go.uber.org/zap"
)

// errTrimUnsupported means the system cannot reclaim mapped pages on
// request (MADV_PAGEOUT needs Linux 5.4).
var errTrimUnsupported = errors.New("the system cannot reclaim mapped file pages on request (MADV_PAGEOUT needs Linux 5.4 or later)")

// trimInterval is how often the store hands the pages of its mapped
// database files back to the kernel.
const trimInterval = 2 * time.Second

// trimLoop keeps the queue on disk rather than in memory: Badger maps its
// tables and value logs into the process, so every queued delivery written
// or read stays resident until the kernel needs the memory. Every
// trimInterval, those pages are reclaimed; a later read faults them back
// in. On systems that cannot do this the loop ends after one log line.
func (s *Store) trimLoop() {
	defer s.wg.Done()
	if s.dir == "" {
		return
	}
	t := time.NewTicker(trimInterval)
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
		}
		if _, err := trimMappedPages(s.dir); err != nil {
			if errors.Is(err, errTrimUnsupported) {
				s.log.Info("queued deliveries stay in memory as well as on disk", zap.Error(err))
				return
			}
			s.log.Warn("could not release the memory of the database files", zap.Error(err))
		}
	}
}
