package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// testToken is the bearer token of test requests; testUser is the user id
// the sandbox derives from it (first 8 hex digits of its SHA-256).
const (
	testToken = "e2e-token"
	testUser  = "user-cc318af2"
)

// clock is a settable clock for WithClock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// now returns the clock's time.
func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// set moves the clock to an RFC 3339 time.
func (c *clock) set(t *testing.T, v string) {
	t.Helper()
	parsed, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		t.Fatalf("bad test time %q: %v", v, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = parsed
}

// harness is a sandbox behind a real HTTP server.
type harness struct {
	sb    *Sandbox
	clock *clock
	url   string
}

// newHarness starts a sandbox on a test server with a settable clock
// (initially 2025-01-02T03:04:05.678901Z) and the options opts, and closes
// it when the test ends.
func newHarness(t *testing.T, opts ...Option) *harness {
	t.Helper()
	h := &harness{clock: &clock{}}
	h.clock.set(t, "2025-01-02T03:04:05.678901Z")
	h.sb = New(append([]Option{WithClock(h.clock.now)}, opts...)...)
	srv := httptest.NewServer(h.sb)
	t.Cleanup(srv.Close)
	t.Cleanup(h.sb.Close)
	h.url = srv.URL
	return h
}

// doc is a decoded JSON object answer.
type doc map[string]any

// at returns the value at a dotted path ("sys.version", "items.0.sys.id")
// and whether it exists.
func (d doc) at(path string) (any, bool) {
	var v any = map[string]any(d)
	for _, key := range strings.Split(path, ".") {
		switch n := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = n[key]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(n) {
				return nil, false
			}
			v = n[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// do sends one request with the test token (unless header sets
// Authorization, "" removing it) and returns the status, the decoded body
// (nil when empty) and the headers.
func (h *harness) do(t *testing.T, method, path string, header map[string]string, body string) (int, doc, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, h.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", contentType)
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	if len(raw) == 0 {
		return resp.StatusCode, nil, resp.Header
	}
	var d doc
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("%s %s: answer is not a JSON object: %v\n%s", method, path, err, raw)
	}
	return resp.StatusCode, d, resp.Header
}

// step is one request of a table test and what its answer must be.
type step struct {
	name   string
	at     string // clock time to set before the request, if any
	method string
	path   string
	header map[string]string
	body   string
	status int
	want   []kv // values at dotted paths of the answer
}

// kv expects the value v at path p; v == absent expects no value.
type kv struct {
	p string
	v any
}

// absent marks a path that must not exist.
var absent = &struct{ absent bool }{true}

// run executes steps in order, stopping at the first failure.
func (h *harness) run(t *testing.T, steps []step) {
	t.Helper()
	for i, s := range steps {
		if s.at != "" {
			h.clock.set(t, s.at)
		}
		status, got, _ := h.do(t, s.method, s.path, s.header, s.body)
		if status != s.status {
			t.Fatalf("step %d %q: %s %s: status %d, want %d; body %v", i, s.name, s.method, s.path, status, s.status, got)
		}
		for _, w := range s.want {
			checkAt(t, fmtStep(i, s.name), got, w)
		}
	}
}

// fmtStep names a step in failure messages.
func fmtStep(i int, name string) string {
	return "step " + strconv.Itoa(i) + " " + strconv.Quote(name)
}

// checkAt compares the value at w.p with w.v by their JSON encodings.
func checkAt(t *testing.T, where string, got doc, w kv) {
	t.Helper()
	v, ok := got.at(w.p)
	if w.v == absent {
		if ok {
			t.Fatalf("%s: %s = %v, want it absent", where, w.p, v)
		}
		return
	}
	if !ok {
		t.Fatalf("%s: %s is missing, want %v; body %v", where, w.p, w.v, got)
	}
	a, _ := json.Marshal(v)
	b, _ := json.Marshal(w.v)
	if !bytes.Equal(a, b) {
		t.Fatalf("%s: %s = %s, want %s", where, w.p, a, b)
	}
}

// hdr builds a header map from pairs.
func hdr(kvs ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kvs); i += 2 {
		m[kvs[i]] = kvs[i+1]
	}
	return m
}

// ver is the version header.
func ver(v int) map[string]string {
	return hdr(versionHeader, strconv.Itoa(v))
}

// userLink is the link to the test user.
var userLink = map[string]any{"sys": map[string]any{"type": "Link", "linkType": "User", "id": testUser}}

// create sends a request that must answer status and returns the answer
// and its sys.id.
func (h *harness) create(t *testing.T, method, path string, header map[string]string, body string, status int) (string, doc) {
	t.Helper()
	code, got, _ := h.do(t, method, path, header, body)
	if code != status {
		t.Fatalf("%s %s: status %d, want %d; body %v", method, path, code, status, got)
	}
	id, _ := got.at("sys.id")
	s, _ := id.(string)
	if s == "" {
		t.Fatalf("%s %s: the answer has no sys.id: %v", method, path, got)
	}
	return s, got
}

// waitFor polls GET path until the value at p is want (compared by JSON
// encoding) and returns that answer; it fails the test after 10 seconds.
func (h *harness) waitFor(t *testing.T, path, p string, want any) doc {
	t.Helper()
	wantJSON, _ := json.Marshal(want)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, got, _ := h.do(t, "GET", path, nil, "")
		v, _ := got.at(p)
		if gotJSON, _ := json.Marshal(v); bytes.Equal(gotJSON, wantJSON) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %s did not become %s before the deadline; last answer %v", path, p, wantJSON, got)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// timeAt parses the timestamp at path p of d.
func timeAt(t *testing.T, d doc, p string) time.Time {
	t.Helper()
	v, _ := d.at(p)
	s, _ := v.(string)
	parsed, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("%s = %v is not a timestamp: %v", p, v, err)
	}
	return parsed
}

// checkAll checks every expected value of an answer.
func checkAll(t *testing.T, where string, got doc, want ...kv) {
	t.Helper()
	for _, w := range want {
		checkAt(t, where, got, w)
	}
}

// linkTo builds the JSON of a link for expectations.
func linkTo(linkType, id string) map[string]any {
	return map[string]any{"sys": map[string]any{"type": "Link", "linkType": linkType, "id": id}}
}
