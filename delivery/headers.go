package delivery

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
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
		if strings.EqualFold(n, name) {
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
	h := &headerSet{}
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

// signedSubset returns the headers to sign: Content-Type and every
// X-Contentful-* header.
func (h *headerSet) signedSubset() map[string]string {
	m := make(map[string]string, len(h.names))
	for i, n := range h.names {
		l := strings.ToLower(n)
		if l == "content-type" || strings.HasPrefix(l, "x-contentful-") {
			m[n] = h.values[i]
		}
	}
	return m
}

// apply writes the headers into dst under their exact names.
func (h *headerSet) apply(dst http.Header) {
	for i, n := range h.names {
		dst[n] = []string{h.values[i]}
	}
}

// check rejects headers that net/http would refuse to send: names that are
// not HTTP tokens and values with control characters other than tab.
func (h *headerSet) check() error {
	for i, n := range h.names {
		if n == "" || strings.IndexFunc(n, func(r rune) bool { return !tokenChar(r) }) >= 0 {
			return fmt.Errorf("header name %q is not valid in HTTP; fix the webhook's headers", n)
		}
		if strings.IndexFunc(h.values[i], func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) >= 0 {
			return fmt.Errorf("header %s has a control character in its value; fix the webhook's headers", n)
		}
	}
	return nil
}

// tokenChar reports whether r may appear in an HTTP header name (RFC 9110 tchar).
func tokenChar(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r)
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
// and of Authorization replaced.
func redactedHeader(h http.Header, secret []string) http.Header {
	out := h.Clone()
	for k := range out {
		if strings.EqualFold(k, "Authorization") || slices.ContainsFunc(secret, func(s string) bool { return strings.EqualFold(k, s) }) {
			out[k] = []string{"[redacted]"}
		}
	}
	return out
}
