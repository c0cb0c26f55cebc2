package load

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// server records what it was sent and answers with status(path).
type server struct {
	mu     sync.Mutex
	paths  map[string]int
	bodies map[string]bool
	bad    string // first request that was not what the config asked for
}

func newServer(t *testing.T, status func(path string) int) (*server, string) {
	s := &server{paths: map[string]int{}, bodies: map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.paths[r.URL.Path]++
		s.bodies[string(body)] = true
		if (r.Method != http.MethodPut || r.Header.Get("X-Test") != "yes") && s.bad == "" {
			s.bad = r.Method + " " + r.URL.Path + " X-Test=" + r.Header.Get("X-Test")
		}
		s.mu.Unlock()
		w.WriteHeader(status(r.URL.Path))
		_, _ = w.Write([]byte("{}"))
	}))
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func always(code int) func(string) int { return func(string) int { return code } }

func TestRunSendsUniqueIDs(t *testing.T) {
	tests := []struct {
		name      string
		cfg       Config
		status    func(string) int
		wantMeas  int // measured requests; -1: at least one
		wantOK    int // -1: same as measured
		wantRecs  bool
		wantSent  int // requests the server saw; -1: at least wantMeas
		wantWin   time.Duration
		wantCodes map[int]int // nil: not checked
	}{
		{
			name:     "count",
			cfg:      Config{Count: 200, Connections: 8},
			status:   always(http.StatusCreated),
			wantMeas: 200, wantOK: -1, wantSent: 200,
			wantCodes: map[int]int{201: 200},
		},
		{
			name: "count with failures",
			cfg:  Config{Count: 100, Connections: 4},
			status: func(p string) int {
				if strings.HasSuffix(p, "0") {
					return http.StatusServiceUnavailable
				}
				return http.StatusOK
			},
			wantMeas: 100, wantOK: 90, wantSent: 100,
			wantCodes: map[int]int{200: 90, 503: 10},
		},
		{
			name:     "duration with warmup",
			cfg:      Config{Duration: 150 * time.Millisecond, Warmup: 50 * time.Millisecond, Connections: 4},
			status:   always(http.StatusOK),
			wantMeas: -1, wantOK: -1, wantSent: -1, wantWin: 150 * time.Millisecond,
		},
		{
			name:     "rate",
			cfg:      Config{Rate: 400, Duration: 250 * time.Millisecond, Warmup: 50 * time.Millisecond, Connections: 16, Record: true},
			status:   always(http.StatusOK),
			wantMeas: 100, wantOK: -1, wantSent: 120, wantWin: 250 * time.Millisecond, wantRecs: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, url := newServer(t, tt.status)
			cfg := tt.cfg
			cfg.URL = url + "/entries/{id}"
			cfg.Method = http.MethodPut
			cfg.Header = http.Header{"X-Test": {"yes"}}
			cfg.Body = []byte(`{"fields":{}}`)
			cfg.IDPrefix = "t-"
			res, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantMeas >= 0 && res.Requests != tt.wantMeas || res.Requests == 0 {
				t.Errorf("measured %d requests, want %d", res.Requests, tt.wantMeas)
			}
			wantOK := tt.wantOK
			if wantOK < 0 {
				wantOK = res.Requests
			}
			if res.OK != wantOK || res.Errors != 0 {
				t.Errorf("ok %d errors %d (%s), want ok %d", res.OK, res.Errors, res.FirstError, wantOK)
			}
			if res.Latency.N != res.OK || res.Latency.P50 <= 0 || res.Latency.P99 < res.Latency.P50 {
				t.Errorf("latency %+v for %d answers", res.Latency, res.OK)
			}
			if tt.wantWin > 0 && res.Window != tt.wantWin {
				t.Errorf("window %v, want %v", res.Window, tt.wantWin)
			}
			if got := float64(res.OK) / res.Window.Seconds(); res.PerSecond != got {
				t.Errorf("per second %v, want %v", res.PerSecond, got)
			}
			for code, n := range tt.wantCodes {
				if res.Status[code] != n {
					t.Errorf("status %d counted %d times, want %d (%v)", code, res.Status[code], n, res.Status)
				}
			}
			srv.mu.Lock()
			defer srv.mu.Unlock()
			if srv.bad != "" {
				t.Errorf("server got %s", srv.bad)
			}
			sent := 0
			for p, n := range srv.paths {
				sent += n
				if n != 1 {
					t.Errorf("%s requested %d times; ids must be unique", p, n)
				}
			}
			if res.Sent != sent {
				t.Errorf("result says %d sent, server saw %d", res.Sent, sent)
			}
			if tt.wantSent >= 0 && sent != tt.wantSent || sent < res.Requests {
				t.Errorf("server saw %d requests, want %d (measured %d)", sent, tt.wantSent, res.Requests)
			}
			if len(srv.bodies) != 1 || !srv.bodies[`{"fields":{}}`] {
				t.Errorf("bodies sent: %v", srv.bodies)
			}
			if !tt.wantRecs {
				if len(res.Answers) != 0 {
					t.Errorf("%d answers recorded without Record", len(res.Answers))
				}
				return
			}
			if len(res.Answers) != res.OK {
				t.Fatalf("%d answers recorded, want %d", len(res.Answers), res.OK)
			}
			for _, a := range res.Answers {
				if srv.paths["/entries/"+a.ID] != 1 || a.At.IsZero() {
					t.Errorf("recorded answer %+v was not sent", a)
				}
			}
		})
	}
}

func TestRunPreparesEveryRequest(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{} // path → X-Id
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path] = r.Header.Get("X-Id") + " " + r.Header.Get("X-Static")
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	cfg := Config{
		URL: srv.URL + "/{id}", Count: 20, Connections: 4, IDPrefix: "p-",
		Header: http.Header{"X-Static": {"s"}},
		Prepare: func(req *http.Request, id string) {
			if req.Header.Get("X-Static") != "s" {
				t.Errorf("Prepare of %s ran before the static headers were set", id)
			}
			req.Header.Set("X-Id", id)
		},
	}
	res, err := Run(context.Background(), cfg)
	if err != nil || res.OK != 20 {
		t.Fatalf("result %+v, %v; want 20 ok", res, err)
	}
	if len(seen) != 20 {
		t.Fatalf("server saw %d paths, want 20", len(seen))
	}
	for path, got := range seen {
		if want := strings.TrimPrefix(path, "/") + " s"; got != want {
			t.Errorf("%s carried %q, want %q", path, got, want)
		}
	}
}

func TestRunCountsUnansweredRequests(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/{id}"
	ln.Close() // nothing listens there now
	res, err := Run(context.Background(), Config{URL: url, Count: 5, Connections: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 5 || res.Errors != 5 || res.OK != 0 || res.FirstError == "" {
		t.Errorf("result %+v, want 5 unanswered requests", res)
	}
}

func TestConfigCheck(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"duration", Config{URL: "http://127.0.0.1:1/", Duration: time.Second}, true},
		{"count", Config{URL: "http://127.0.0.1:1/", Count: 3}, true},
		{"rate", Config{URL: "http://127.0.0.1:1/", Rate: 10, Duration: time.Second}, true},
		{"no url scheme", Config{URL: "127.0.0.1:1/", Count: 3}, false},
		{"nothing to stop at", Config{URL: "http://127.0.0.1:1/"}, false},
		{"count and duration", Config{URL: "http://127.0.0.1:1/", Count: 3, Duration: time.Second}, false},
		{"count and rate", Config{URL: "http://127.0.0.1:1/", Count: 3, Rate: 5}, false},
		{"negative warmup", Config{URL: "http://127.0.0.1:1/", Duration: time.Second, Warmup: -1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.cfg
			err := c.check()
			if (err == nil) != tt.ok {
				t.Fatalf("check() = %v, want ok %v", err, tt.ok)
			}
			if tt.ok && (c.Method != http.MethodGet || c.Connections != 1) {
				t.Errorf("defaults not filled in: %+v", c)
			}
		})
	}
}
