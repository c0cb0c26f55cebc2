package contentstack

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// testKey is the api_key of test requests; testToken their management
// token.
const (
	testKey   = "blt0123456789abcdef"
	testToken = "cs-test-token"
)

// testUser is the user uid the sandbox derives from testToken.
var testUser = UserUID(testToken)

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
	clock *clock
	url   string
}

// newHarness starts a sandbox on a test server with a settable clock,
// initially 2025-01-02T03:04:05.678901Z, and closes it when the test ends.
func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{clock: &clock{}}
	h.clock.set(t, "2025-01-02T03:04:05.678901Z")
	srv := httptest.NewServer(New(WithClock(h.clock.now)))
	t.Cleanup(srv.Close)
	h.url = srv.URL
	return h
}

// doc is a decoded JSON object answer.
type doc map[string]any

// at returns the value at a dotted path ("entry._version",
// "entries.0.uid") and whether it exists.
func (d doc) at(path string) (any, bool) {
	var v any = map[string]any(d)
	for _, key := range strings.Split(path, ".") {
		switch n := v.(type) {
		case map[string]any:
			var found bool
			if v, found = n[key]; !found {
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

// str returns the string at path, failing the test when there is none.
func (d doc) str(t *testing.T, path string) string {
	t.Helper()
	v, _ := d.at(path)
	s, isString := v.(string)
	if !isString {
		t.Fatalf("%s = %v, want a string; answer %v", path, v, d)
	}
	return s
}

// request is one request to the sandbox: the api_key and authorization
// headers default to testKey and testToken; a header set to "" is removed.
type request struct {
	method string
	path   string
	header map[string]string
	body   string
}

// send sends r and returns the status and the decoded answer.
func (h *harness) send(t *testing.T, r request) (int, doc) {
	t.Helper()
	req, err := http.NewRequest(r.method, h.url+r.path, strings.NewReader(r.body))
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	req.Header.Set("api_key", testKey)
	req.Header.Set("authorization", testToken)
	if r.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.header {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != answerMediaType {
		t.Fatalf("%s %s: Content-Type %q, want %q", r.method, r.path, ct, answerMediaType)
	}
	var d doc
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("%s %s: answer is not a JSON object: %v\n%s", r.method, r.path, err, raw)
	}
	return resp.StatusCode, d
}

// do sends method path with an optional JSON body and the default headers;
// the answer must have status want.
func (h *harness) do(t *testing.T, method, path, body string, want int) doc {
	t.Helper()
	return h.must(t, request{method: method, path: path, body: body}, want)
}

// must sends r; the answer must have status want.
func (h *harness) must(t *testing.T, r request, want int) doc {
	t.Helper()
	status, d := h.send(t, r)
	if status != want {
		t.Fatalf("%s %s: status %d, want %d; answer %v", r.method, r.path, status, want, d)
	}
	return d
}

// form is a multipart upload: value fields and at most one file.
type form struct {
	values   map[string]string
	fileName string
	fileType string
	content  string
}

// upload sends f as multipart/form-data; the answer must have status want.
func (h *harness) upload(t *testing.T, method, path string, f form, want int) doc {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range f.values {
		w.WriteField(k, v)
	}
	if f.fileName != "" {
		hdr := textproto.MIMEHeader{}
		hdr.Set("Content-Disposition", `form-data; name="asset[upload]"; filename="`+f.fileName+`"`)
		if f.fileType != "" {
			hdr.Set("Content-Type", f.fileType)
		}
		part, err := w.CreatePart(hdr)
		if err != nil {
			t.Fatalf("build form: %v", err)
		}
		part.Write([]byte(f.content))
	}
	w.Close()
	return h.must(t, request{method: method, path: path, body: buf.String(), header: map[string]string{"Content-Type": w.FormDataContentType()}}, want)
}

// expect checks the values at dotted paths of an answer, compared by their
// JSON encodings; absent expects no value.
func expect(t *testing.T, got doc, want map[string]any) {
	t.Helper()
	for p, w := range want {
		v, found := got.at(p)
		if w == absent {
			if found {
				t.Errorf("%s = %v, want it absent", p, v)
			}
			continue
		}
		if !found {
			t.Errorf("%s is missing, want %v; answer %v", p, w, got)
			continue
		}
		a, _ := json.Marshal(v)
		b, _ := json.Marshal(w)
		if !bytes.Equal(a, b) {
			t.Errorf("%s = %s, want %s", p, a, b)
		}
	}
}

// absent marks a path that must not exist.
var absent = &struct{ absent bool }{true}

// blogType is a content type body with a mandatory title and a url.
const blogType = `{"content_type":{"title":"Blog","uid":"blog","schema":[
	{"display_name":"Title","uid":"title","data_type":"text","mandatory":true,"unique":true},
	{"display_name":"URL","uid":"url","data_type":"text"}]}}`

// newEntry creates the blog content type unless it exists and an entry
// with body, and returns the entry's uid.
func (h *harness) newEntry(t *testing.T, body string) string {
	t.Helper()
	if status, _ := h.send(t, request{method: "GET", path: "/v3/content_types/blog"}); status != http.StatusOK {
		h.do(t, "POST", "/v3/content_types", blogType, http.StatusCreated)
	}
	return h.do(t, "POST", "/v3/content_types/blog/entries", body, http.StatusCreated).str(t, "entry.uid")
}

// newAsset uploads a small PNG and returns its uid.
func (h *harness) newAsset(t *testing.T) string {
	t.Helper()
	return h.upload(t, "POST", "/v3/assets", form{fileName: "logo.png", fileType: "image/png", content: "PNG!"}, http.StatusCreated).str(t, "asset.uid")
}
