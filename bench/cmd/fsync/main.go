// Command fsync measures the storage's synced-write latency: it appends a
// block to a file and fsyncs it, in a loop, in the given directory, and
// prints a JSON latency summary (nanoseconds).
//
//	fsync -dir <dir> [-d 2s] [-size 1024]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/cmsevents/caddy-cms-events/bench/internal/stats"
)

func main() {
	dir := flag.String("dir", "", "directory to write in (the one the database will use)")
	d := flag.Duration("d", 2*time.Second, "how long to measure")
	size := flag.Int("size", 1024, "bytes written before each fsync")
	flag.Parse()
	if *dir == "" {
		log.Fatal("fsync: give the directory to measure with -dir")
	}
	f, err := os.CreateTemp(*dir, "fsync-*")
	if err != nil {
		log.Fatalf("fsync: %v; give a writable directory with -dir", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	block := bytes.Repeat([]byte{'x'}, *size)
	var lat []time.Duration
	for end := time.Now().Add(*d); time.Now().Before(end); {
		start := time.Now()
		if _, err := f.Write(block); err != nil {
			log.Fatalf("fsync: write: %v", err)
		}
		if err := f.Sync(); err != nil {
			log.Fatalf("fsync: %v", err)
		}
		lat = append(lat, time.Since(start))
	}
	s := stats.Summarize(lat)
	fmt.Fprintf(os.Stderr, "%d × (%d B write + fsync): p50 %v p99 %v mean %v\n", s.N, *size, s.P50, s.P99, s.Mean)
	if err := json.NewEncoder(os.Stdout).Encode(s); err != nil {
		log.Fatal(err)
	}
}
