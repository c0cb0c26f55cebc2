package delivery

import (
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestBadgerLoggerLevels(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	l := badgerLogger{zap.New(core).Sugar()}
	l.Errorf("e %d\n", 1)
	l.Warningf("w %d\n", 2)
	l.Infof("i %d\n", 3)
	l.Debugf("d %d\n", 4)
	want := []struct {
		level zapcore.Level
		msg   string
	}{
		{zapcore.ErrorLevel, "e 1"},
		{zapcore.WarnLevel, "w 2"},
		{zapcore.DebugLevel, "i 3"},
	}
	got := logs.All()
	if len(got) != len(want) {
		t.Fatalf("got %d entries, want %d: %v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].Level != w.level || got[i].Message != w.msg {
			t.Errorf("entry %d = %v %q, want %v %q", i, got[i].Level, got[i].Message, w.level, w.msg)
		}
	}
}

// TestStoreRoutesBadgerLog opens a store with a logger and checks that
// Badger's startup messages arrive at Debug level only, and that a GC run
// with nothing to collect logs no warning.
func TestStoreRoutesBadgerLog(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	s, err := OpenStore(StoreOptions{Dir: t.TempDir(), Logger: zap.New(core)})
	if err != nil {
		t.Fatal(err)
	}
	s.runGC()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if logs.FilterLoggerName("badger").Len() == 0 {
		t.Error("no Badger messages were routed")
	}
	for _, e := range logs.All() {
		if e.Level > zapcore.DebugLevel {
			t.Errorf("unexpected %v entry: %s", e.Level, e.Message)
		}
	}
}
