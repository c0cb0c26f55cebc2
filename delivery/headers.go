package delivery

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
)

// Headers of every webhook call (Contentful facts §3.1).
const (
	HeaderTopic          = "X-Contentful-Topic"
	HeaderWebhookName    = "X-Contentful-Webhook-Name"
	HeaderIdempotencyKey = "X-Contentful-Idempotency-Key"
	HeaderCRN            = "X-Contentful-CRN"
	HeaderEventDatetime  = "X-Contentful-Event-Datetime"
	HeaderAttempt        = "X-Contentful-Webhook-Request-Attempt"
)

// EventDatetimeLayout formats X-Contentful-Event-Datetime (always UTC).
const EventDatetimeLayout = "2006-01-02T15:04:05.000Z"

// headerSet is an ordered list of headers, one value per name (compared
// case-insensitively); setting a name again replaces the earlier value.
type headerSet struct {
	names, values []string
}

// set adds or replaces a header.
func (h *headerSet) set(name, value string) {
	for i, n := range h.names {
		if len(n) == len(name) && strings.EqualFold(n, name) {
			h.names[i], h.values[i] = name, value
			return
		}
	}
	h.names = append(h.names, name)
	h.values = append(h.values, value)
}

// callHeaders returns the headers of one attempt in the order custom headers,
// event context headers, then the headers the dispatcher owns, so that later
// ones win on a name clash.
func callHeaders(ep *endpoint, r *Rendered, d *Delivery, withBody bool) *headerSet {
	// Room for the custom and context headers, and the ten the
	// dispatcher sets (signing included).
	n := len(r.Header) + len(d.Event.Headers) + 10
	h := &headerSet{names: make([]string, 0, n), values: make([]string, 0, n)}
	for name, vals := range r.Header {
		h.set(name, strings.Join(vals, ", "))
	}
	ev := d.Event
	for name, v := range ev.Headers {
		h.set(name, v)
	}
	if withBody && r.ContentType != "" {
		h.set("Content-Type", r.ContentType)
	}
	h.set(HeaderTopic, ev.Topic)
	h.set(HeaderWebhookName, encodeWebhookName(ep.Name))
	h.set(HeaderIdempotencyKey, IdempotencyKey(d.WebhookID, ev.ID))
	if ev.CRN != "" {
		h.set(HeaderCRN, ev.CRN)
	}
	h.set(HeaderEventDatetime, ev.Time.UTC().Format(EventDatetimeLayout))
	h.set(HeaderAttempt, strconv.Itoa(d.Attempt))
	return h
}

// wiredHeaders returns the headers of one attempt of a webhook whose
// profile frames its own calls: custom headers, the content type, then
// what the endpoint's Wire sets, signature included.
func wiredHeaders(ep *endpoint, r *Rendered, d *Delivery, withBody bool, method, uri string, at time.Time) *headerSet {
	n := len(r.Header) + 6
	h := &headerSet{names: make([]string, 0, n), values: make([]string, 0, n)}
	for name, vals := range r.Header {
		h.set(name, strings.Join(vals, ", "))
	}
	if withBody && r.ContentType != "" {
		h.set("Content-Type", r.ContentType)
	}
	c := events.Call{
		Event:          d.Event,
		WebhookID:      d.WebhookID,
		WebhookName:    ep.Name,
		IdempotencyKey: IdempotencyKey(d.WebhookID, d.Event.ID),
		Attempt:        d.Attempt,
		Method:         method,
		RequestURI:     uri,
		At:             at,
	}
	if withBody {
		c.Body = r.Body
	}
	ep.Wire.Frame(&c, ep.Secret, h.set)
	return h
}

// signed returns the headers to sign: Content-Type and every
// X-Contentful-* header.
func (h *headerSet) signed() []headerPair {
	pairs := make([]headerPair, 0, len(h.names))
	for i, n := range h.names {
		if strings.EqualFold(n, "Content-Type") || len(n) >= len(contentfulPrefix) && strings.EqualFold(n[:len(contentfulPrefix)], contentfulPrefix) {
			pairs = append(pairs, headerPair{n, h.values[i]})
		}
	}
	return pairs
}

// contentfulPrefix starts the names of the headers Contentful defines.
const contentfulPrefix = "X-Contentful-"

// apply writes the headers into dst under their exact names.
func (h *headerSet) apply(dst http.Header) {
	vals := slices.Clone(h.values)
	for i, n := range h.names {
		dst[n] = vals[i : i+1 : i+1]
	}
}

// check rejects headers that net/http would refuse to send: names that are
// not HTTP tokens and values with control characters other than tab.
func (h *headerSet) check() error {
	for i, n := range h.names {
		if !validName(n) {
			return fmt.Errorf("header name %q is not valid in HTTP; fix the webhook's headers", n)
		}
		if !validValue(h.values[i]) {
			return fmt.Errorf("header %s has a control character in its value; fix the webhook's headers", n)
		}
	}
	return nil
}

// validName reports whether n is an HTTP token (RFC 9110), which a header
// name must be.
func validName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		if !tokenChar(n[i]) {
			return false
		}
	}
	return true
}

// validValue reports whether v has no control characters other than tab.
func validValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// tokenChar reports whether c may appear in an HTTP header name (RFC 9110 tchar).
func tokenChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// encodeWebhookName returns name as it is when it is printable ASCII, and
// otherwise percent-encoded UTF-8 as JavaScript's encodeURIComponent does
// (decodeURIComponent restores it).
func encodeWebhookName(name string) string {
	for i := 0; i < len(name); i++ {
		if name[i] < 0x20 || name[i] > 0x7e {
			return percentEncode(name, queryEscapeKeeps)
		}
	}
	return name
}

// redactedHeader returns a copy of h with the values of the secret headers
// and of Authorization replaced. The other values are shared with h.
func redactedHeader(h http.Header, secret []string) http.Header {
	out := make(http.Header, len(h))
	for k, v := range h {
		if strings.EqualFold(k, "Authorization") || slices.ContainsFunc(secret, func(s string) bool { return strings.EqualFold(k, s) }) {
			v = []string{"[redacted]"}
		}
		out[k] = v
	}
	return out
}
