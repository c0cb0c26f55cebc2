package hook

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// waitFor polls cond until it holds or a deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func post(t *testing.T, url, crn string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"sys":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	if crn != "" {
		req.Header.Set("X-Contentful-CRN", crn)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func getStats(t *testing.T, url string) Stats {
	t.Helper()
	resp, err := http.Get(url + "/_stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s Stats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestReceiverCountsAndRecords(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		crns    []string
		want    int
		wantIDs []string // nil: nothing recorded
	}{
		{"default 200, no record", Options{}, []string{"crn:contentful:::content:spaces/s/environments/master/entries/a"}, 200, nil},
		{"503", Options{Status: 503}, []string{"x/a", "x/b"}, 503, nil},
		{"record", Options{Record: true}, []string{"crn:contentful:::content:spaces/s/environments/master/entries/a", "b", ""}, 200, []string{"a", "b", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(New(tt.opts))
			defer srv.Close()
			before := time.Now()
			for _, crn := range tt.crns {
				if got := post(t, srv.URL+"/hooks", crn); got != tt.want {
					t.Fatalf("status %d, want %d", got, tt.want)
				}
			}
			s := getStats(t, srv.URL)
			if s.Count != int64(len(tt.crns)) || s.FirstNs < before.UnixNano() || s.LastNs < s.FirstNs || s.OpenedNs == 0 {
				t.Errorf("stats %+v after %d calls", s, len(tt.crns))
			}
			resp, err := http.Get(srv.URL + "/_arrivals")
			if err != nil {
				t.Fatal(err)
			}
			arr, err := ReadArrivals(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if len(arr) != len(tt.wantIDs) {
				t.Fatalf("%d arrivals, want %d", len(arr), len(tt.wantIDs))
			}
			for i, a := range arr {
				if a.ID != tt.wantIDs[i] || a.At.Before(before) {
					t.Errorf("arrival %d = %+v, want id %q after %v", i, a, tt.wantIDs[i], before)
				}
			}
		})
	}
}

func TestClosedReceiverHoldsCallsUntilOpened(t *testing.T) {
	r := New(Options{Closed: true})
	srv := httptest.NewServer(r)
	defer srv.Close()
	done := make(chan int, 1)
	go func() {
		resp, err := http.Post(srv.URL+"/hook", "application/json", strings.NewReader("{}"))
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	waitFor(t, "the call to be held", func() bool { return r.Stats().Held == 1 })
	select {
	case code := <-done:
		t.Fatalf("closed receiver answered %d", code)
	default:
	}
	if s := getStats(t, srv.URL); s.Count != 0 || s.OpenedNs != 0 {
		t.Fatalf("closed receiver stats %+v", s)
	}
	resp, err := http.Post(srv.URL+"/_open", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code := <-done; code != http.StatusOK {
		t.Fatalf("held call answered %d, want 200", code)
	}
	s := getStats(t, srv.URL)
	if s.Count != 1 || s.Held != 0 || s.OpenedNs == 0 || s.LastNs < s.OpenedNs {
		t.Errorf("stats after opening %+v", s)
	}
}

func TestUnknownControlPath(t *testing.T) {
	srv := httptest.NewServer(New(Options{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/_nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status %d, want 404", resp.StatusCode)
	}
	if s := getStats(t, srv.URL); s.Count != 0 {
		t.Errorf("a control request was counted as a call: %+v", s)
	}
}

func TestReadArrivalsRejectsGarbage(t *testing.T) {
	if _, err := ReadArrivals(strings.NewReader("a 12\nb x\n")); err == nil {
		t.Error("ReadArrivals accepted a line without a time")
	}
}
