package events

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults of a webhook definition.
const (
	DefaultContentType = "application/vnd.contentful.management.v1+json"
	DefaultAttempts    = 3
	DefaultRetryDelay  = 30 * time.Second
	DefaultTimeout     = 30 * time.Second
	maxAttempts        = 100
)

// Retry backoffs.
const (
	BackoffFixed       = "fixed"
	BackoffExponential = "exponential"
)

// contentTypes are the transformation content types Contentful allows; the
// value says whether the body is converted to form data.
var contentTypes = map[string]bool{
	DefaultContentType:                                 false,
	DefaultContentType + "; charset=utf-8":             false,
	"application/json":                                 false,
	"application/json; charset=utf-8":                  false,
	"application/x-www-form-urlencoded":                true,
	"application/x-www-form-urlencoded; charset=utf-8": true,
}

// reservedHeaders are set by the gateway itself and cannot be custom headers.
var reservedHeaders = map[string]bool{
	"Content-Type": true, "Content-Length": true, "Host": true, "Transfer-Encoding": true,
	"X-Contentful-Topic": true, "X-Contentful-Webhook-Name": true,
	"X-Contentful-Idempotency-Key": true, "X-Contentful-Crn": true,
	"X-Contentful-Event-Datetime": true, "X-Contentful-Webhook-Request-Attempt": true,
	"X-Contentful-Signature": true, "X-Contentful-Signed-Headers": true,
	"X-Contentful-Timestamp": true,
}

// Webhook is a compiled, validated Definition. It is immutable and safe for
// concurrent use.
type Webhook struct {
	def        Definition
	id         string
	active     bool
	topics     []topicPattern
	channels   []channelPattern
	filters    []compiledFilter
	masterOnly bool // filters absent or null
	url        strTemplate
	headers    []header
	basicAuth  string // Authorization value, or ""
	method     string
	ctype      string
	form       bool
	length     bool
	body       *node // nil: the event payload
	attempts   int
	delay      time.Duration
	backoff    string
	factor     float64
	maxDelay   time.Duration
	noJitter   bool
	retryAll   bool
	timeout    time.Duration
}

// header is a compiled custom header.
type header struct {
	name   string // canonical
	value  strTemplate
	secret bool
}

// DefinitionError is the error Compile returns: it names the webhook and
// the field of the definition at fault.
type DefinitionError struct {
	// Webhook is the webhook's name, or its id when it has no name.
	Webhook string
	// Field is the field at fault in the JSON form of the definition, such
	// as "url", "topics", "filters[1]" or "retry.attempts".
	Field string
	// Err says what is wrong with the field.
	Err error
}

// Error returns `webhook "<name>": <field>: <what is wrong>`.
func (e *DefinitionError) Error() string {
	return fmt.Sprintf("webhook %q: %s: %v", e.Webhook, e.Field, e.Err)
}

// Unwrap returns the error about the field.
func (e *DefinitionError) Unwrap() error { return e.Err }

// Compile validates a definition of a Contentful webhook and prepares it
// for matching and rendering. Errors name the webhook and the field at fault.
func Compile(def Definition) (*Webhook, error) {
	return CompileWith(def, ContentfulDefaults)
}

// CompileWith is Compile for the webhooks of a profile whose defaults are
// dflt (Profile.Defaults).
func CompileWith(def Definition, dflt Defaults) (*Webhook, error) {
	w := &Webhook{def: def.clone(), active: def.Active == nil || *def.Active}
	label := def.Name
	if label == "" {
		label = def.ID
	}
	fail := func(field string, err error) (*Webhook, error) {
		return nil, &DefinitionError{Webhook: label, Field: field, Err: err}
	}
	if strings.TrimSpace(def.Name) == "" {
		return fail("name", fmt.Errorf("required: give the webhook a name"))
	}

	w.id = def.ID
	if w.id == "" && def.Sys != nil {
		w.id = def.Sys.ID
	}
	if w.id == "" {
		w.id = WebhookID(def.Name)
		if !ValidID(w.id) {
			return fail("id", fmt.Errorf("cannot derive an id of 1–64 characters from the name %q: set id explicitly", def.Name))
		}
	} else if !ValidID(w.id) {
		return fail("id", fmt.Errorf("%q: use 1–64 characters among a-z, A-Z, 0-9, -, _ and dot", w.id))
	}

	if err := w.compileURL(def.URL); err != nil {
		return fail("url", err)
	}

	switch {
	case len(def.Topics) == 0 && len(def.Channels) == 0:
		return fail("topics", fmt.Errorf("required: list at least one topic such as Entry.publish or *.*, or for Contentstack a channel such as content_types.entries.publish"))
	case len(def.Topics) > 0 && len(def.Channels) > 0:
		return fail("channels", fmt.Errorf("give topics or channels, not both"))
	}
	for _, c := range def.Channels {
		p, err := parseChannel(c)
		if err != nil {
			return fail("channels", err)
		}
		w.channels = append(w.channels, p)
	}
	for _, t := range def.Topics {
		p, err := parseTopic(t)
		if err != nil {
			return fail("topics", err)
		}
		w.topics = append(w.topics, p)
	}

	w.masterOnly = def.Filters == nil && !dflt.AllEnvironments
	if def.Filters != nil {
		for i, f := range *def.Filters {
			c, err := compileFilter(f)
			if err != nil {
				return fail(fmt.Sprintf("filters[%d]", i), err)
			}
			w.filters = append(w.filters, c)
		}
	}

	if err := w.compileHeaders(def); err != nil {
		return fail("headers", err)
	}
	if def.HTTPBasicPassword != "" && def.HTTPBasicUsername == "" {
		return fail("httpBasicUsername", fmt.Errorf("required when httpBasicPassword is set"))
	}
	if strings.Contains(def.HTTPBasicUsername, ":") {
		return fail("httpBasicUsername", fmt.Errorf("must not contain \":\""))
	}
	if def.HTTPBasicUsername != "" {
		w.basicAuth = "Basic " + base64.StdEncoding.EncodeToString([]byte(def.HTTPBasicUsername+":"+def.HTTPBasicPassword))
	}

	if err := w.compileTransformation(def.Transformation, dflt.ContentType); err != nil {
		return fail("transformation", err)
	}

	w.attempts, w.delay, w.timeout = dflt.Attempts, dflt.Delay, dflt.Timeout
	w.backoff, w.factor, w.maxDelay = dflt.Backoff, dflt.Factor, dflt.MaxDelay
	w.noJitter, w.retryAll = dflt.NoJitter, dflt.RetryAll
	if def.Retry != nil {
		// A policy of the definition's own replaces the profile's shape.
		w.backoff, w.factor, w.maxDelay = "", 0, 0
	}
	if r := def.Retry; r != nil {
		switch {
		case r.Attempts < 0 || r.Attempts > maxAttempts:
			return fail("retry.attempts", fmt.Errorf("%d: use 1–%d (0 means the default %d)", r.Attempts, maxAttempts, dflt.Attempts))
		case r.Attempts > 0:
			w.attempts = r.Attempts
		}
		switch {
		case r.Delay < 0:
			return fail("retry.delay", fmt.Errorf("must not be negative"))
		case r.Delay > 0:
			w.delay = time.Duration(r.Delay)
		}
		switch r.Backoff {
		case "", BackoffFixed, BackoffExponential:
			w.backoff = r.Backoff
		default:
			return fail("retry.backoff", fmt.Errorf("%q: use %q or %q", r.Backoff, BackoffFixed, BackoffExponential))
		}
		switch {
		case r.Factor != 0 && (r.Factor < 1 || r.Factor > 10):
			return fail("retry.factor", fmt.Errorf("%v: use a factor from 1 to 10", r.Factor))
		case r.Factor != 0 && w.backoff != BackoffExponential:
			return fail("retry.factor", fmt.Errorf("a factor needs exponential backoff"))
		}
		w.factor = r.Factor
		switch {
		case r.MaxDelay < 0:
			return fail("retry.maxDelay", fmt.Errorf("must not be negative"))
		case r.MaxDelay > 0 && time.Duration(r.MaxDelay) < w.delay:
			return fail("retry.maxDelay", fmt.Errorf("%v is shorter than the delay %v", time.Duration(r.MaxDelay), w.delay))
		}
		w.maxDelay = time.Duration(r.MaxDelay)
	}
	switch {
	case def.Timeout < 0:
		return fail("timeout", fmt.Errorf("must not be negative"))
	case def.Timeout > 0:
		w.timeout = time.Duration(def.Timeout)
	}
	return w, nil
}

// compileURL parses the URL template and checks that it gives an absolute
// http(s) URL.
func (w *Webhook) compileURL(raw string) error {
	if raw == "" {
		return fmt.Errorf("required: the receiver's absolute http or https URL")
	}
	t, err := parseTemplate(raw)
	if err != nil {
		return err
	}
	var probe strings.Builder
	for _, p := range t.parts {
		if p.ex != nil {
			probe.WriteString("x")
		} else {
			probe.WriteString(p.lit)
		}
	}
	if err := checkURL(probe.String()); err != nil {
		return fmt.Errorf("%q %v", raw, err)
	}
	w.url = t
	return nil
}

// checkURL reports whether s is an absolute http or https URL with a host.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("is not an absolute http or https URL")
	}
	return nil
}

// compileHeaders validates the custom headers.
func (w *Webhook) compileHeaders(def Definition) error {
	seen := map[string]bool{}
	for _, h := range def.Headers {
		name := http.CanonicalHeaderKey(h.Key)
		switch {
		case !validToken(h.Key):
			return fmt.Errorf("key %q is not a valid header name", h.Key)
		case reservedHeaders[name] || (name == "Authorization" && def.HTTPBasicUsername != ""):
			return fmt.Errorf("%s is set by the gateway and cannot be a custom header", name)
		case seen[name]:
			return fmt.Errorf("%s is listed twice", name)
		}
		seen[name] = true
		for i := 0; i < len(h.Value); i++ {
			if c := h.Value[i]; c < 0x20 && c != '\t' || c == 0x7f {
				return fmt.Errorf("%s: value contains a control character", name)
			}
		}
		t, err := parseTemplate(h.Value)
		if err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		w.headers = append(w.headers, header{name: name, value: t, secret: h.Secret})
	}
	return nil
}

// validToken reports whether s is an RFC 7230 token.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isLetter(c) || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// compileTransformation validates method, content type and body template;
// ctype is the content type when the transformation names none.
func (w *Webhook) compileTransformation(t *Transformation, ctype string) error {
	w.method, w.ctype = http.MethodPost, ctype
	if t == nil {
		return nil
	}
	switch t.Method {
	case "":
	case http.MethodPost, http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete:
		w.method = t.Method
	default:
		return fmt.Errorf("method %q: use POST, GET, PUT, PATCH or DELETE", t.Method)
	}
	if t.ContentType != "" {
		form, ok := contentTypes[t.ContentType]
		if !ok {
			return fmt.Errorf("contentType %q: use application/vnd.contentful.management.v1+json, application/json or application/x-www-form-urlencoded, optionally with \"; charset=utf-8\"", t.ContentType)
		}
		w.ctype, w.form = t.ContentType, form
	}
	w.length = t.IncludeContentLength
	if len(t.Body) == 0 {
		return nil
	}
	if !json.Valid(t.Body) {
		return fmt.Errorf("body is not valid JSON")
	}
	n, err := parseBody(t.Body)
	if err != nil {
		return fmt.Errorf("body: %v", err)
	}
	if w.form && n.kind != nodeObject && n.kind != nodeWhole && !(n.kind == nodeLiteral && isObject(n.raw)) {
		return fmt.Errorf("body must be a JSON object for the form content type %s", w.ctype)
	}
	w.body = n
	return nil
}

// ID returns the webhook id.
func (w *Webhook) ID() string { return w.id }

// Name returns the webhook name (X-Contentful-Webhook-Name).
func (w *Webhook) Name() string { return w.def.Name }

// Attempts returns how many calls are made at most for one event.
func (w *Webhook) Attempts() int { return w.attempts }

// RetryDelay returns the pause before a retry.
func (w *Webhook) RetryDelay() time.Duration { return w.delay }

// Backoff returns the retry backoff, "" meaning the default (fixed).
func (w *Webhook) Backoff() string { return w.backoff }

// MaxDelay returns the cap of exponential backoff and Retry-After, 0
// meaning the default.
func (w *Webhook) MaxDelay() time.Duration { return w.maxDelay }

// Factor returns what an exponential delay is multiplied by with each
// retry, 0 meaning the default 2.
func (w *Webhook) Factor() float64 { return w.factor }

// NoJitter reports whether exponential delays are exact.
func (w *Webhook) NoJitter() bool { return w.noJitter }

// RetryAll reports whether every answer that is not 2xx is retried, 4xx
// included (Contentstack's rule).
func (w *Webhook) RetryAll() bool { return w.retryAll }

// Timeout returns the time limit of one call.
func (w *Webhook) Timeout() time.Duration { return w.timeout }

// Definition returns the definition as configured (a copy).
func (w *Webhook) Definition() Definition { return w.def.clone() }

// Redacted returns the definition without secrets, for display: secret
// header values and httpBasicPassword are dropped, and sys carries the
// webhook id and type "WebhookDefinition".
func (w *Webhook) Redacted() Definition {
	d := w.def.clone()
	d.Sys = &DefinitionSys{Type: "WebhookDefinition", ID: w.id}
	d.HTTPBasicPassword = ""
	for i := range d.Headers {
		if d.Headers[i].Secret {
			d.Headers[i].Value = ""
		}
	}
	return d
}

// Matches reports whether the webhook calls for the event: it is active, a
// topic pattern fits (patterns match the event topic without its first
// segment) or a channel pattern fits one of the event's channels, and every
// filter holds. Without filters (absent or null) only
// events of the master environment match, and space-level events, which
// have no environment; with filters [] every event matches.
func (w *Webhook) Matches(ev *Event) bool {
	if !w.active || ev == nil {
		return false
	}
	if !w.subscribed(ev) {
		return false
	}
	if w.masterOnly {
		return ev.Environment == "master" || ev.Environment == ""
	}
	doc := filterDoc{ev: ev}
	for i := range w.filters {
		if !doc.eval(&w.filters[i]) {
			return false
		}
	}
	return true
}

// subscribed reports whether a topic pattern fits the event's topic, or a
// channel pattern one of its channels.
func (w *Webhook) subscribed(ev *Event) bool {
	if len(w.channels) > 0 {
		for _, p := range w.channels {
			if p.matchAny(ev.Channels) {
				return true
			}
		}
		return false
	}
	_, typ, action := splitTopic(ev.Topic)
	for _, p := range w.topics {
		if p.match(typ, action) {
			return true
		}
	}
	return false
}
