package load

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cmsevents/caddy-cms-events/bench/internal/stats"
)

// sample is one finished request.
type sample struct {
	id      string
	status  int // 0: no answer
	err     error
	latency time.Duration
	at      time.Time // answer time
}

// tally collects the samples of one sender.
type tally struct {
	samples []sample
}

// Run sends the load described by c and measures it. It stops early, with
// what it measured so far, when ctx ends.
func Run(ctx context.Context, c Config) (Result, error) {
	if err := c.check(); err != nil {
		return Result{}, err
	}
	tr := &http.Transport{
		Proxy:               nil, // always the given address, never a proxy from the environment
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: c.Connections,
		MaxConnsPerHost:     c.Connections,
		DisableCompression:  true,
		IdleConnTimeout:     time.Minute,
	}
	defer tr.CloseIdleConnections()
	s := &sender{cfg: c, client: &http.Client{Transport: tr, Timeout: time.Minute}}

	start := time.Now()
	var tallies []*tally
	var window time.Duration
	switch {
	case c.Count > 0:
		tallies = s.closedLoop(ctx, start, time.Time{})
		window = time.Since(start)
	case c.Rate > 0:
		measureFrom := start.Add(c.Warmup)
		tallies = s.openLoop(ctx, start, measureFrom, measureFrom.Add(c.Duration))
		window = c.Duration
	default:
		measureFrom := start.Add(c.Warmup)
		tallies = s.closedLoop(ctx, measureFrom, measureFrom.Add(c.Duration))
		window = c.Duration
	}
	r := summarize(tallies, window, c.Record)
	r.Sent = int(s.sent.Load())
	return r, nil
}

// sender sends the requests of one run.
type sender struct {
	cfg    Config
	client *http.Client
	seq    atomic.Int64
	sent   atomic.Int64
}

// closedLoop runs cfg.Connections senders back to back. With a count they
// stop after cfg.Count requests; otherwise at until, and only requests that
// finish in [from, until] are kept.
func (s *sender) closedLoop(ctx context.Context, from, until time.Time) []*tally {
	tallies := make([]*tally, s.cfg.Connections)
	var wg sync.WaitGroup
	for i := range tallies {
		t := &tally{}
		tallies[i] = t
		wg.Go(func() {
			for ctx.Err() == nil {
				n := s.seq.Add(1)
				if s.cfg.Count > 0 && n > int64(s.cfg.Count) {
					return
				}
				if !until.IsZero() && !time.Now().Before(until) {
					return
				}
				sm := s.do(ctx, n, time.Now())
				if until.IsZero() || !sm.at.Before(from) && !sm.at.After(until) {
					t.samples = append(t.samples, sm)
				}
			}
		})
	}
	wg.Wait()
	return tallies
}

// openLoop starts request n at start + n/rate until until, at most
// cfg.Connections at once, and keeps those scheduled in [from, until).
func (s *sender) openLoop(ctx context.Context, start, from, until time.Time) []*tally {
	interval := time.Duration(float64(time.Second) / s.cfg.Rate)
	slots := make(chan struct{}, s.cfg.Connections)
	t := &tally{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for n := int64(0); ctx.Err() == nil; n++ {
		at := start.Add(time.Duration(n) * interval)
		if !at.Before(until) {
			break
		}
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			sm := s.do(ctx, n+1, at)
			if !at.Before(from) {
				mu.Lock()
				t.samples = append(t.samples, sm)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return []*tally{t}
}

// do sends request n; its latency counts from begin.
func (s *sender) do(ctx context.Context, n int64, begin time.Time) sample {
	sm := sample{id: s.cfg.IDPrefix + strconv.FormatInt(n, 10)}
	url := strings.ReplaceAll(s.cfg.URL, "{id}", sm.id)
	var body io.Reader
	if s.cfg.Body != nil {
		body = bytes.NewReader(s.cfg.Body)
	}
	req, err := http.NewRequestWithContext(ctx, s.cfg.Method, url, body)
	if err != nil {
		sm.err, sm.at = err, time.Now()
		return sm
	}
	for k, v := range s.cfg.Header {
		req.Header[k] = v
	}
	if s.cfg.Prepare != nil {
		s.cfg.Prepare(req, sm.id)
	}
	s.sent.Add(1)
	resp, err := s.client.Do(req)
	sm.at = time.Now()
	if err != nil {
		sm.err = err
		return sm
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	sm.status, sm.err = resp.StatusCode, err
	sm.latency = time.Since(begin)
	return sm
}

// summarize merges the tallies into a Result.
func summarize(tallies []*tally, window time.Duration, record bool) Result {
	r := Result{Status: map[int]int{}, Window: window}
	var lat []time.Duration
	for _, t := range tallies {
		for _, sm := range t.samples {
			r.Requests++
			if sm.status != 0 {
				r.Status[sm.status]++
			}
			switch {
			case sm.err != nil || sm.status == 0:
				r.Errors++
				if r.FirstError == "" && sm.err != nil {
					r.FirstError = sm.err.Error()
				}
			case sm.status >= 200 && sm.status < 300:
				r.OK++
				lat = append(lat, sm.latency)
				if record {
					r.Answers = append(r.Answers, Answer{ID: sm.id, At: sm.at})
				}
			}
		}
	}
	r.Latency = stats.Summarize(lat)
	if window > 0 {
		r.PerSecond = float64(r.OK) / window.Seconds()
	}
	return r
}
