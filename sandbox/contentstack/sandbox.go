package contentstack

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cmsevents/caddy-cms-events/sandbox"
)

// maxBody is the largest request body the sandbox accepts (10 MiB), asset
// uploads included.
const maxBody = 10 << 20

// answerMediaType is the media type of every answer.
const answerMediaType = "application/json; charset=utf-8"

// Sandbox is an in-memory Contentstack-compatible Content Management API
// (v3). Create one with New; it is safe for concurrent use.
type Sandbox struct {
	now func() time.Time

	mu     sync.Mutex
	stacks map[string]*stack
}

// Option configures a Sandbox.
type Option func(*Sandbox)

// WithClock makes the sandbox read the time from now instead of time.Now,
// so tests can expect exact timestamps. Times are kept in UTC at millisecond
// precision.
func WithClock(now func() time.Time) Option {
	return func(s *Sandbox) { s.now = now }
}

// New returns an empty sandbox. Stacks, their branches and their default
// environments spring into existence on first use.
func New(opts ...Option) *Sandbox {
	s := &Sandbox{now: time.Now, stacks: map[string]*stack{}}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// call is one request as the handlers see it.
type call struct {
	header http.Header
	query  url.Values
	body   []byte
	rt     route
	// user is the acting user's uid, derived from the token.
	user string
	// now is the time of the request, UTC, millisecond precision.
	now    time.Time
	stack  *stack
	branch *branch
}

// reply is an answer: a status and a body to encode as JSON.
type reply struct {
	status int
	body   any
}

// ok is a 200 answer with body.
func ok(body any) reply { return reply{status: http.StatusOK, body: body} }

// notice is a 200 answer that only carries Contentstack's notice.
func notice(text string) reply { return ok(map[string]string{"notice": text}) }

// handler serves one method on one kind of route.
type handler func(s *Sandbox, c *call) reply

// routes holds the handler of every route and method the sandbox serves.
var routes = map[target]map[string]handler{
	targetStack:   {http.MethodGet: (*Sandbox).getStack},
	targetLocales: {http.MethodGet: (*Sandbox).listLocales},
	targetEnvironments: {
		http.MethodGet:  (*Sandbox).listEnvironments,
		http.MethodPost: (*Sandbox).createEnvironment,
	},
	targetEnvironment: {
		http.MethodGet:    (*Sandbox).getEnvironment,
		http.MethodPut:    (*Sandbox).updateEnvironment,
		http.MethodDelete: (*Sandbox).deleteEnvironment,
	},
	targetContentTypes: {
		http.MethodGet:  (*Sandbox).listContentTypes,
		http.MethodPost: (*Sandbox).createContentType,
	},
	targetContentType: {
		http.MethodGet:    (*Sandbox).getContentType,
		http.MethodPut:    (*Sandbox).updateContentType,
		http.MethodDelete: (*Sandbox).deleteContentType,
	},
	targetEntries: {
		http.MethodGet:  (*Sandbox).listEntries,
		http.MethodPost: (*Sandbox).createEntry,
	},
	targetEntry: {
		http.MethodGet:    (*Sandbox).getEntry,
		http.MethodPut:    (*Sandbox).updateEntry,
		http.MethodDelete: (*Sandbox).deleteEntry,
	},
	targetEntryPublish:   {http.MethodPost: (*Sandbox).publishEntry},
	targetEntryUnpublish: {http.MethodPost: (*Sandbox).unpublishEntry},
	targetAssets: {
		http.MethodGet:  (*Sandbox).listAssets,
		http.MethodPost: (*Sandbox).createAsset,
	},
	targetAsset: {
		http.MethodGet:    (*Sandbox).getAsset,
		http.MethodPut:    (*Sandbox).updateAsset,
		http.MethodDelete: (*Sandbox).deleteAsset,
	},
	targetAssetPublish:   {http.MethodPost: (*Sandbox).publishAsset},
	targetAssetUnpublish: {http.MethodPost: (*Sandbox).unpublishAsset},
}

// ServeHTTP serves the Content Management API.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rep := s.serve(r)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rep.body); err != nil {
		http.Error(w, "contentstack sandbox: cannot encode the answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", answerMediaType)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(rep.status)
	w.Write(buf.Bytes())
}

// serve answers one request.
func (s *Sandbox) serve(r *http.Request) reply {
	if v := r.Header.Get(sandbox.FailHeader); v != "" {
		status, err := strconv.Atoi(v)
		if err != nil || status < 400 || status > 599 {
			return newError(http.StatusBadRequest, http.StatusBadRequest, "%s must be a status code from 400 to 599, got %q.", sandbox.FailHeader, v).reply()
		}
		return newError(status, status, "The sandbox was told to fail this request with status %d (%s header).", status, sandbox.FailHeader).reply()
	}
	apiKey := r.Header.Get("api_key")
	if apiKey == "" {
		return missingAPIKey().reply()
	}
	token, tokenHeader := requestToken(r)
	if token == "" || strings.HasPrefix(token, sandbox.InvalidTokenPrefix) {
		return notLoggedIn(tokenHeader).reply()
	}
	rt, found := parseRoute(r.URL.EscapedPath())
	h := routes[rt.target][r.Method]
	if !found || h == nil {
		return newError(http.StatusNotFound, http.StatusNotFound, "The sandbox serves no %s %s; see the package documentation of sandbox/contentstack for its routes.", r.Method, r.URL.Path).reply()
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return newError(http.StatusBadRequest, http.StatusBadRequest, "Cannot read the request body: %v.", err).reply()
	}
	if len(body) > maxBody {
		return newError(http.StatusRequestEntityTooLarge, http.StatusRequestEntityTooLarge, "The request body is larger than the sandbox's limit of %d bytes.", maxBody).reply()
	}
	c := &call{header: r.Header, query: r.URL.Query(), body: body, rt: rt, user: UserUID(token)}

	s.mu.Lock()
	defer s.mu.Unlock()
	c.now = s.now().UTC().Truncate(time.Millisecond)
	c.stack = s.stackFor(c, apiKey)
	branch := r.Header.Get("branch")
	if branch == "" {
		branch = DefaultBranch
	}
	c.branch = c.stack.branchFor(c, branch)
	return h(s, c)
}

// requestToken returns the management token (authorization header, with or
// without a "Bearer " prefix) or else the authtoken, and the name of the
// header it came from ("authorization" when neither is sent).
func requestToken(r *http.Request) (token, header string) {
	if v := strings.TrimSpace(r.Header.Get("authorization")); v != "" {
		if scheme, rest, found := strings.Cut(v, " "); found && strings.EqualFold(scheme, "Bearer") {
			v = strings.TrimSpace(rest)
		}
		return v, "authorization"
	}
	if v := strings.TrimSpace(r.Header.Get("authtoken")); v != "" {
		return v, "authtoken"
	}
	return "", "authorization"
}
