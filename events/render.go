package events

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// Rendered is the request to make for one event: everything except the
// standard X-Contentful-* headers, the signature and the attempt number.
type Rendered struct {
	// Method is the HTTP method.
	Method string
	// URL is the receiver URL with its templates resolved (substituted
	// values path-escaped).
	URL string
	// ContentType is the Content-Type to send (also for GET and DELETE,
	// which have no body).
	ContentType string
	// Header holds the custom headers, their templates resolved, and
	// Authorization when basic authentication is configured.
	Header http.Header
	// SecretHeaders are the canonical names of the headers in Header whose
	// values are secret (secret custom headers, Authorization).
	SecretHeaders []string
	// Body is nil for GET and DELETE. It may share memory with the event
	// payload: do not modify it.
	Body []byte
	// ContentLength asks for a Content-Length header (includeContentLength).
	ContentLength bool
}

// Render builds the request for an event. Without a transformation body the
// body is the event payload. Templates resolve against /payload (the event
// payload), /topic (the full topic) and /user (a User link of the acting
// user, from the payload's sys.updatedBy, publishedBy or deletedBy; null when
// none). With a form content type the JSON body, which must be an object, is
// converted to form data (see formEncode). Render never panics; it fails
// only when the result cannot be sent.
func (w *Webhook) Render(ev *Event) (Rendered, error) {
	if ev == nil {
		return Rendered{}, errors.New("no event to render")
	}
	c := &renderCtx{ev: ev}
	r := Rendered{
		Method:        w.method,
		ContentType:   w.ctype,
		ContentLength: w.length,
		Header:        make(http.Header, len(w.headers)+1),
	}
	r.URL = w.url.render(c, url.PathEscape)
	if !w.url.static() {
		if err := checkURL(r.URL); err != nil {
			return Rendered{}, errors.New("webhook " + w.id + ": rendered url " + err.Error() + ": check the url template")
		}
	}
	for _, h := range w.headers {
		r.Header.Set(h.name, headerValue(h.value.render(c, nil)))
		if h.secret {
			r.SecretHeaders = append(r.SecretHeaders, h.name)
		}
	}
	if w.basicAuth != "" {
		r.Header.Set("Authorization", w.basicAuth)
		r.SecretHeaders = append(r.SecretHeaders, "Authorization")
	}
	if w.method == http.MethodGet || w.method == http.MethodDelete {
		return r, nil
	}
	body := []byte(ev.Payload)
	if w.body != nil {
		body = w.body.appendTo(nil, c)
	}
	if w.form {
		form, err := formEncode(body)
		if err != nil {
			return Rendered{}, errors.New("webhook " + w.id + ": " + err.Error())
		}
		body = form
	}
	r.Body = body
	return r, nil
}

// headerValue replaces control characters, which cannot be sent in a
// header, with spaces.
func headerValue(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// formEncode converts a JSON object to application/x-www-form-urlencoded
// data, keeping the member order: strings are sent as they are, numbers and
// booleans as their JSON text, null as an empty value, nested objects and
// arrays as their compact JSON text.
func formEncode(body []byte) ([]byte, error) {
	if !isObject(body) {
		return nil, errors.New("the body is not a JSON object: form content types need an object of fields")
	}
	var b strings.Builder
	ok := eachMember(body, func(k, v []byte) bool {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		key, _ := stringBytes(append(append([]byte{'"'}, k...), '"'))
		b.WriteString(url.QueryEscape(string(key)))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(textOf(v)))
		return true
	})
	if !ok {
		return nil, errors.New("the body is not a well-formed JSON object")
	}
	return []byte(b.String()), nil
}
