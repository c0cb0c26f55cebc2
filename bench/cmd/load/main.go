// Command load is an HTTP load generator (see package load). It prints the
// result as JSON on standard output and a summary line on standard error.
//
//	load -url 'http://127.0.0.1:8080/spaces/s/environments/master/entries/{id}' \
//	     -method PUT -body-size 1024 -H 'Content-Type: application/json' \
//	     -c 64 -d 5s -warmup 1s -id-prefix run1-
//	load -url … -rate 1000 -d 5s -record answers.txt
//	load -url … -c 64 -n 50000
//	LOAD_SIGNING_SECRET=… load -url http://127.0.0.1:9001/hook -method POST -body-size 1024 \
//	     -H 'Content-Type: application/vnd.contentful.management.v1+json' \
//	     -contentful-webhook bench -c 16 -n 50000
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"

	"github.com/cmsevents/caddy-cms-events/bench/internal/cma"
	"github.com/cmsevents/caddy-cms-events/bench/internal/load"
)

// headerFlags collects repeated -H "Name: value" flags.
type headerFlags http.Header

// String implements flag.Value.
func (h headerFlags) String() string { return "" }

// Set adds one "Name: value" header.
func (h headerFlags) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	if !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf("header %q: want \"Name: value\"", v)
	}
	http.Header(h).Add(strings.TrimSpace(name), strings.TrimSpace(value))
	return nil
}

func main() {
	var c load.Config
	header := headerFlags{}
	flag.StringVar(&c.URL, "url", "", "request URL; {id} is replaced by a unique id per request")
	flag.StringVar(&c.Method, "method", "GET", "request method")
	flag.Var(header, "H", "request header \"Name: value\" (repeatable)")
	bodySize := flag.Int("body-size", 0, "send an entry JSON body of this many bytes")
	flag.IntVar(&c.Connections, "c", 1, "connections (with -rate: most requests in flight)")
	flag.Float64Var(&c.Rate, "rate", 0, "requests per second on a fixed schedule (0: back to back)")
	flag.DurationVar(&c.Duration, "d", 0, "how long to measure")
	flag.DurationVar(&c.Warmup, "warmup", 0, "how long to send before measuring")
	flag.IntVar(&c.Count, "n", 0, "send exactly this many requests (instead of -d)")
	flag.StringVar(&c.IDPrefix, "id-prefix", "", "start of every id; give each run its own")
	record := flag.String("record", "", "write \"<id> <answer unix ns>\" for every measured 2xx answer to this file")
	webhook := flag.String("contentful-webhook", "", "send every request as a call of the cms_events webhook of this name about the save of the entry with the request's id: the X-Contentful-* headers the gateway sends, signed per request with $"+signingSecretEnv+" when it is set")
	flag.Parse()
	c.Header = http.Header(header)
	if *bodySize > 0 {
		c.Body = cma.RequestBody(*bodySize)
	}
	c.Record = *record != ""
	if *webhook != "" {
		c.Prepare = contentfulCall(*webhook, os.Getenv(signingSecretEnv), c.Body)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := load.Run(ctx, c)
	if err != nil {
		log.Fatalf("load: %v", err)
	}
	if *record != "" {
		if err := writeAnswers(*record, res.Answers); err != nil {
			log.Fatalf("load: %v", err)
		}
	}
	l := res.Latency
	fmt.Fprintf(os.Stderr, "%d requests, %d ok, %d errors, %.0f/s, p50 %v p99 %v max %v, status %v\n",
		res.Requests, res.OK, res.Errors, res.PerSecond, l.P50, l.P99, l.Max, res.Status)
	if res.FirstError != "" {
		fmt.Fprintf(os.Stderr, "first error: %s\n", res.FirstError)
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		log.Fatal(err)
	}
}

// writeAnswers writes one "<id> <unix ns>" line per answer.
func writeAnswers(path string, answers []load.Answer) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("record file: %w", err)
	}
	w := bufio.NewWriter(f)
	for _, a := range answers {
		fmt.Fprintf(w, "%s %d\n", a.ID, a.At.UnixNano())
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("record file: %w", err)
	}
	return f.Close()
}
