package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FailHeader is the request header that makes the sandbox answer the status
// it names (400–599) in Contentful's error shape, without changing state.
const FailHeader = "X-Sandbox-Fail"

// maxBody is the largest request body the sandbox accepts (10 MiB).
const maxBody = 10 << 20

// contentType is the media type of every answer with a body.
const contentType = "application/vnd.contentful.management.v1+json"

// Sandbox is an in-memory Contentful-compatible Content Management API.
// Create one with New; it is safe for concurrent use.
type Sandbox struct {
	now         func() time.Time
	actionDelay time.Duration

	mu         sync.Mutex
	spaces     map[string]*space
	apps       *appStore
	seq        int64
	failWrites int
	failStatus int
	// timers holds the armed timers of pending actions.
	timers map[*time.Timer]struct{}
	closed bool
}

// Option configures a Sandbox.
type Option func(*Sandbox)

// WithClock makes the sandbox read the time from now instead of time.Now,
// so tests can expect exact timestamps. Times are kept in UTC at millisecond
// precision.
func WithClock(now func() time.Time) Option {
	return func(s *Sandbox) { s.now = now }
}

// New returns an empty sandbox. Spaces and their "master" environment spring
// into existence on first use.
func New(opts ...Option) *Sandbox {
	s := &Sandbox{now: time.Now, actionDelay: defaultActionDelay, spaces: map[string]*space{}, apps: newAppStore(), timers: map[*time.Timer]struct{}{}}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// FailNextWrites makes the next n write requests (PUT, POST, PATCH, DELETE)
// answer status, a code from 400 to 599, without changing state. n = 0
// clears a previous call.
func (s *Sandbox) FailNextWrites(n, status int) error {
	if n < 0 {
		return fmt.Errorf("sandbox: FailNextWrites needs n >= 0, got %d", n)
	}
	if !failStatusOK(status) {
		return fmt.Errorf("sandbox: FailNextWrites needs a status from 400 to 599, got %d", status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failWrites, s.failStatus = n, status
	return nil
}

// call is one request as the handlers see it.
type call struct {
	header http.Header
	query  url.Values
	body   []byte
	// user is the acting user's id, derived from the bearer token.
	user string
	// now is the time of the request, UTC, millisecond precision.
	now time.Time
}

// reply is an answer: a status and a body to encode as JSON (nil for none).
type reply struct {
	status int
	body   any
}

// handler serves one method on one kind of route.
type handler func(s *Sandbox, c *call, sc *scope, rt route) reply

// routes holds the handler of every route and method the sandbox serves.
var routes = map[target]map[string]handler{
	targetSpace:        {http.MethodGet: (*Sandbox).getSpace},
	targetEnvironments: {http.MethodGet: (*Sandbox).listEnvironments},
	targetEnvironment: {
		http.MethodGet:    (*Sandbox).getEnvironment,
		http.MethodPut:    (*Sandbox).putEnvironment,
		http.MethodDelete: (*Sandbox).deleteEnvironment,
	},
	targetAliases: {http.MethodGet: (*Sandbox).listAliases},
	targetAlias: {
		http.MethodGet:    (*Sandbox).getAlias,
		http.MethodPut:    (*Sandbox).putAlias,
		http.MethodDelete: (*Sandbox).deleteAlias,
	},
	targetLocales: {http.MethodGet: (*Sandbox).listLocales},
	targetCollection: {
		http.MethodGet:  (*Sandbox).listEntities,
		http.MethodPost: (*Sandbox).postEntity,
	},
	targetEntity: {
		http.MethodGet:    (*Sandbox).getEntity,
		http.MethodPut:    (*Sandbox).putEntity,
		http.MethodPatch:  (*Sandbox).patchEntity,
		http.MethodDelete: (*Sandbox).deleteEntity,
	},
	targetPublished: {
		http.MethodPut:    (*Sandbox).publish,
		http.MethodDelete: (*Sandbox).unpublish,
	},
	targetArchived: {
		http.MethodPut:    (*Sandbox).archive,
		http.MethodDelete: (*Sandbox).unarchive,
	},
	targetProcess:     {http.MethodPut: (*Sandbox).processAsset},
	targetBulkActions: {http.MethodPost: (*Sandbox).postBulkAction},
	targetBulkVerb:    {http.MethodPost: (*Sandbox).postBulkActionV1},
	targetBulkAction:  {http.MethodGet: (*Sandbox).getBulkAction},
	targetReleases: {
		http.MethodGet:  (*Sandbox).listReleases,
		http.MethodPost: (*Sandbox).postRelease,
	},
	targetRelease: {
		http.MethodGet:    (*Sandbox).getRelease,
		http.MethodPut:    (*Sandbox).putRelease,
		http.MethodDelete: (*Sandbox).deleteRelease,
	},
	targetReleasePublished: {
		http.MethodPut:    (*Sandbox).publishRelease,
		http.MethodDelete: (*Sandbox).unpublishRelease,
	},
	targetReleaseArchived: {
		http.MethodPut:    (*Sandbox).archiveRelease,
		http.MethodDelete: (*Sandbox).unarchiveRelease,
	},
	targetReleaseValidate: {http.MethodPost: (*Sandbox).validateRelease},
	targetReleaseActions:  {http.MethodGet: (*Sandbox).listReleaseActions},
	targetReleaseAction:   {http.MethodGet: (*Sandbox).getReleaseAction},
	targetScheduledActions: {
		http.MethodGet:  (*Sandbox).listScheduledActions,
		http.MethodPost: (*Sandbox).postScheduledAction,
	},
	targetScheduledAction: {
		http.MethodGet:    (*Sandbox).getScheduledAction,
		http.MethodPut:    (*Sandbox).putScheduledAction,
		http.MethodDelete: (*Sandbox).cancelScheduledAction,
	},
	targetAppInstallations: {http.MethodGet: (*Sandbox).listAppInstallations},
	targetAppInstallation: {
		http.MethodGet:    (*Sandbox).getAppInstallation,
		http.MethodPut:    (*Sandbox).putAppInstallation,
		http.MethodDelete: (*Sandbox).deleteAppInstallation,
	},
	targetAppAccessTokens: {http.MethodPost: (*Sandbox).postAppAccessToken},
	targetAppDefinitions: {
		http.MethodGet:  (*Sandbox).listAppDefinitions,
		http.MethodPost: (*Sandbox).postAppDefinition,
	},
	targetAppDefinition: {
		http.MethodGet:    (*Sandbox).getAppDefinition,
		http.MethodPut:    (*Sandbox).putAppDefinition,
		http.MethodDelete: (*Sandbox).deleteAppDefinition,
	},
	targetAppSubscription: {
		http.MethodGet:    (*Sandbox).getAppSubscription,
		http.MethodPut:    (*Sandbox).putAppSubscription,
		http.MethodDelete: (*Sandbox).deleteAppSubscription,
	},
	targetAppSigningSecret: {
		http.MethodGet:    (*Sandbox).getAppSigningSecret,
		http.MethodPut:    (*Sandbox).putAppSigningSecret,
		http.MethodDelete: (*Sandbox).deleteAppSigningSecret,
	},
}

// ServeHTTP serves the Content Management API.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rep := s.serve(r)
	requestID := newRequestID()
	w.Header().Set("X-Contentful-Request-Id", requestID)
	if rep.body == nil {
		w.WriteHeader(rep.status)
		return
	}
	if eb, ok := rep.body.(*errorBody); ok {
		eb.RequestID = requestID
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rep.body); err != nil {
		http.Error(w, "sandbox: cannot encode the answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(rep.status)
	w.Write(buf.Bytes())
}

// serve answers one request.
func (s *Sandbox) serve(r *http.Request) reply {
	if v := r.Header.Get(FailHeader); v != "" {
		status, err := strconv.Atoi(v)
		if err != nil || !failStatusOK(status) {
			return badRequest("%s must be a status code from 400 to 599, got %q", FailHeader, v).reply()
		}
		return injectedFailure(status)
	}
	if isWrite(r.Method) {
		if status := s.takeFailure(); status != 0 {
			return injectedFailure(status)
		}
	}
	token := bearerToken(r)
	if token == "" || strings.HasPrefix(token, InvalidTokenPrefix) {
		return newError(http.StatusUnauthorized, "The access token you sent could not be found or is invalid. Send Authorization: Bearer <token>; the sandbox accepts any token that does not start with %q.", InvalidTokenPrefix).reply()
	}
	rt, ok := parseRoute(r.URL.EscapedPath())
	h := routes[rt.target][r.Method]
	if !ok || h == nil {
		return notFound("The resource could not be found: the sandbox serves no %s %s.", r.Method, r.URL.Path).reply()
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return badRequest("cannot read the request body: %v", err).reply()
	}
	if len(body) > maxBody {
		return newError(http.StatusRequestEntityTooLarge, "the request body is larger than %d bytes", maxBody).reply()
	}
	c := &call{header: r.Header, query: r.URL.Query(), body: body}

	s.mu.Lock()
	defer s.mu.Unlock()
	c.now = s.instant()
	c.user = s.actor(token)
	if rt.org != "" {
		return h(s, c, &scope{}, rt)
	}
	sc := &scope{space: s.space(c, rt.space)}
	if rt.target >= targetLocales {
		sc.seg = rt.env
		sc.env = s.environment(c, sc.space, rt.env)
		if sc.env == nil {
			return notFound("The environment %q does not exist in space %q: create it with PUT /spaces/%s/environments/%s.", rt.env, rt.space, rt.space, rt.env).reply()
		}
	}
	return h(s, c, sc, rt)
}

// instant is the sandbox's time, UTC, millisecond precision.
func (s *Sandbox) instant() time.Time {
	return s.now().UTC().Truncate(time.Millisecond)
}

// takeFailure consumes one of the failures armed by FailNextWrites and
// returns its status, or 0 when none is armed.
func (s *Sandbox) takeFailure() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failWrites == 0 {
		return 0
	}
	s.failWrites--
	return s.failStatus
}

// injectedFailure is the answer to a request told to fail.
func injectedFailure(status int) reply {
	return newError(status, "The sandbox was told to fail this request with status %d (%s header or FailNextWrites).", status, FailHeader).reply()
}

// failStatusOK says whether status can be injected.
func failStatusOK(status int) bool {
	return status >= 400 && status <= 599
}

// isWrite says whether method changes state.
func isWrite(method string) bool {
	switch method {
	case http.MethodPut, http.MethodPost, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// InvalidTokenPrefix starts the tokens the sandbox refuses with 401
// AccessTokenInvalid, so that clients can try their handling of a bad
// token.
const InvalidTokenPrefix = "invalid"

// bearerToken returns the access token from the Authorization header or the
// access_token query parameter, or "".
func bearerToken(r *http.Request) string {
	if scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(token)
	}
	return r.URL.Query().Get("access_token")
}
