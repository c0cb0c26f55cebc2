package delivery

import (
	"strings"

	"go.uber.org/zap"
)

// badgerLogger routes Badger's log into zap: errors and warnings at their
// level, INFO at Debug. Badger's DEBUG messages (several per commit) are
// dropped.
type badgerLogger struct {
	s *zap.SugaredLogger
}

// Errorf implements badger.Logger.
func (l badgerLogger) Errorf(f string, v ...any) { l.s.Errorf(trimNewline(f), v...) }

// Warningf implements badger.Logger.
func (l badgerLogger) Warningf(f string, v ...any) { l.s.Warnf(trimNewline(f), v...) }

// Infof implements badger.Logger.
func (l badgerLogger) Infof(f string, v ...any) { l.s.Debugf(trimNewline(f), v...) }

// Debugf implements badger.Logger.
func (l badgerLogger) Debugf(string, ...any) {}

// trimNewline drops the line end Badger puts on many format strings.
func trimNewline(f string) string { return strings.TrimRight(f, "\n") }
