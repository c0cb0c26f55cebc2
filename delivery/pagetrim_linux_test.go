package delivery

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cmsevents/caddy-cms-events/events"
)

// residentUnder returns the resident bytes of the mappings of the tables
// and value logs under dir (the files trimMappedPages advises), from
// /proc/self/smaps.
func residentUnder(t *testing.T, dir string) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var total int64
	inDir := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-"):
			inDir = len(fields) >= 6 && trimmable(fields[5], dir)
		case inDir && fields[0] == "Rss:":
			kb, _ := strconv.ParseInt(fields[1], 10, 64)
			total += kb << 10
		}
	}
	return total
}

func TestTrimMappedPages(t *testing.T) {
	dir, err := filepath.Abs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := openTestStore(t, dir)
	payload := []byte(`{"sys":{"type":"Entry"},"fields":{"body":{"en-US":"` + strings.Repeat("x", 1500) + `"}}}`)
	for i := 0; i < 20_000; i += 500 {
		var b Batch
		for j := range 500 {
			ev := &events.Event{ID: fmt.Sprintf("ev-%d", i+j), Topic: "ContentManagement.Entry.save", Space: "sp1", Time: time.Now(), Payload: payload}
			b.Deliveries = append(b.Deliveries, NewDelivery("w", ev, time.Now()))
		}
		if err := s.Enqueue(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	// The kernel may have reclaimed mapped pages on its own meanwhile
	// (DAMON-based reclaim does): fault them all in first.
	populateMapped(t, dir)
	before := residentUnder(t, dir)
	if before < 20<<20 {
		t.Fatalf("only %d bytes of the database are resident after queueing 30 MB; the test shows nothing", before)
	}
	advised, err := trimMappedPages(dir)
	if err == errTrimUnsupported {
		t.Fatalf("this kernel has no MADV_PAGEOUT: %v", err)
	}
	if err != nil || advised < before {
		t.Fatalf("trimMappedPages = %d, %v; want at least the %d resident bytes advised", advised, err, before)
	}
	if after := residentUnder(t, dir); after > before/4 {
		t.Fatalf("%d bytes still resident after the trim, %d before", after, before)
	}
	// The queue reads back from disk.
	if got := records(t, s, queuePrefix); len(got) != 20_000 || string(got[0].Event.Payload) != string(payload) {
		t.Fatalf("%d queued deliveries after the trim, first payload intact: %v", len(got), len(got) > 0 && string(got[0].Event.Payload) == string(payload))
	}
}

// trimmable reports whether path is a table or value log under dir.
func trimmable(path, dir string) bool {
	return strings.HasPrefix(path, dir+"/") && (strings.HasSuffix(path, ".vlog") || strings.HasSuffix(path, ".sst"))
}

// populateMapped faults in the mapped pages of the tables and value logs
// under dir, the files trimMappedPages advises.
func populateMapped(t *testing.T, dir string) {
	t.Helper()
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(maps), "\n") {
		start, end, path, ok := parseMapsLine(line)
		if ok && trimmable(path, dir) {
			// Past the end of a file it fails with EFAULT, once the
			// pages before are in: that is all there is to fault.
			unix.Syscall(unix.SYS_MADVISE, start, end-start, unix.MADV_POPULATE_READ)
		}
	}
}

func TestParseMapsLine(t *testing.T) {
	tests := []struct {
		line       string
		start, end uintptr
		path       string
		ok         bool
	}{
		{"7f0000000000-7f0000400000 r--s 00000000 fd:01 123 /data/events/000001.vlog", 0x7f0000000000, 0x7f0000400000, "/data/events/000001.vlog", true},
		{"7f00-7f80 rw-s 00000000 fd:01 123 /data/my events/000002.sst", 0x7f00, 0x7f80, "/data/my events/000002.sst", true},
		{"7f00-7f80 rw-p 00000000 fd:01 123 /data/events/000001.vlog", 0, 0, "", false}, // private: never
		{"7f00-7f80 rw-p 00000000 00:00 0", 0, 0, "", false},
		{"7f80-7f00 r--s 00000000 fd:01 123 /x.vlog", 0, 0, "", false},
		{"zz-7f00 r--s 00000000 fd:01 123 /x.vlog", 0, 0, "", false},
		{"", 0, 0, "", false},
	}
	for _, tt := range tests {
		start, end, path, ok := parseMapsLine(tt.line)
		if start != tt.start || end != tt.end || path != tt.path || ok != tt.ok {
			t.Errorf("parseMapsLine(%q) = %x, %x, %q, %v", tt.line, start, end, path, ok)
		}
	}
}
