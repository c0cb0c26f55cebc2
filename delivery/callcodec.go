package delivery

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/cmsevents/caddy-cms-events/events"
)

// callLayout is the first byte of a stored call: the version of the layout
// of encodeCall. Version 1, written by earlier releases, is read too.
const (
	callLayout   byte = 2
	callLayoutV1 byte = 1 // earlier releases; events without channels
)

// How a stored call holds its request body.
const (
	// bodyOwn: the body follows.
	bodyOwn byte = iota
	// bodyPayload: the body is the event's payload (cut at
	// MaxRequestBodyLog), which is stored once, with the event.
	bodyPayload
)

// callExtra is what a stored call holds besides its overview: the request
// and response, and what redelivering it needs.
type callExtra struct {
	Request    CallDetailsRequest
	Response   CallDetailsResponse
	DeliveryID string
	// Delivered is set when the call delivered the delivery.
	Delivered bool
	Event     *events.Event
}

// encodeCall returns the stored value of the call id, the attempt a of dl.
// errName is the Contentful name of the reason there was no answer, if any.
// The overview comes first, so that listing calls decodes nothing else:
//
//	callLayout, id, space, webhook id, status, errors (a count, then
//	each), event type, URL, request time, response time,
//
// then the details: method, request headers (appendHeader), request body
// (bodyOwn and the body, or bodyPayload), response headers, response body,
// delivery id, whether the call delivered it, and the event (appendEvent).
func encodeCall(id string, dl *Delivery, a *attempt, errName string, delivered bool) []byte {
	ev := dl.Event
	var space, action string
	var payload []byte
	if ev != nil {
		space, action = ev.Space, ev.Action()
		payload = ev.Payload[:min(len(ev.Payload), MaxRequestBodyLog)]
	}
	body := a.request.Body
	samePayload := len(body) > 0 && bytes.Equal(body, payload)
	if samePayload {
		body = nil
	}
	size := 1 + stringSize(len(id)) + stringSize(len(space)) + stringSize(len(dl.WebhookID)) +
		binary.MaxVarintLen64 + 1 + stringSize(len(errName)) + stringSize(len(action)) +
		stringSize(len(a.request.URL)) + 2*timeSize + stringSize(len(a.request.Method)) +
		headerSize(a.request.Header) + 1 + stringSize(len(body)) + headerSize(a.response.Header) +
		stringSize(len(a.response.Body)) + stringSize(len(dl.ID)) + 1 + eventSize(ev)
	b := make([]byte, 0, size)
	b = append(b, callLayout)
	b = appendString(b, id)
	b = appendString(b, space)
	b = appendString(b, dl.WebhookID)
	b = binary.AppendUvarint(b, uint64(max(a.response.StatusCode, 0)))
	if errName != "" {
		b = append(b, 1)
		b = appendString(b, errName)
	} else {
		b = append(b, 0)
	}
	b = appendString(b, action)
	b = appendString(b, a.request.URL)
	b = appendTime(b, a.requestAt)
	b = appendTime(b, a.responseAt)

	b = appendString(b, a.request.Method)
	b = appendHeader(b, a.request.Header)
	if samePayload {
		b = append(b, bodyPayload)
	} else {
		b = append(b, bodyOwn)
		b = appendBytes(b, body)
	}
	b = appendHeader(b, a.response.Header)
	b = appendBytes(b, a.response.Body)
	b = appendString(b, dl.ID)
	b = appendBool(b, delivered)
	return appendEvent(b, ev)
}

// headerSize is what appendHeader adds for h.
func headerSize(h http.Header) int {
	n := uvarintSize(uint64(len(h)))
	for name, vals := range h {
		joined := 0
		for _, v := range vals {
			joined += len(v) + len(", ")
		}
		n += stringSize(len(name)) + stringSize(max(joined-len(", "), 0))
	}
	return n
}

// appendHeader appends h as a count, then the name and value of each
// header (in no particular order); several values of one name are joined by
// ", ".
func appendHeader(b []byte, h http.Header) []byte {
	b = binary.AppendUvarint(b, uint64(len(h)))
	for name, vals := range h {
		b = appendString(b, name)
		if len(vals) == 1 {
			b = appendString(b, vals[0])
			continue
		}
		b = appendString(b, strings.Join(vals, ", "))
	}
	return b
}

// header reads what appendHeader wrote, as a map (never nil).
func (r *reader) header() map[string]string {
	n := r.count(2)
	m := make(map[string]string, n)
	for range n {
		name := r.string()
		m[name] = r.string()
	}
	return m
}

// overview reads the overview of a stored call, after its layout byte.
func (r *reader) overview() CallOverview {
	var ov CallOverview
	ov.Sys.Type = CallOverviewType
	ov.Sys.ID = r.string()
	ov.Sys.Space = newLink("Space", r.string())
	ov.Sys.CreatedBy = newLink("WebhookDefinition", r.string())
	ov.StatusCode = r.int()
	n := r.count(1)
	ov.Errors = make([]string, 0, n)
	for range n {
		ov.Errors = append(ov.Errors, r.string())
	}
	ov.EventType = r.string()
	ov.URL = r.string()
	ov.RequestAt = formatCallTime(r.time())
	ov.ResponseAt = formatCallTime(r.time())
	ov.Sys.CreatedAt = ov.RequestAt
	return ov
}

// checkCallLayout returns an error unless v starts with callLayout.
func checkCallLayout(v []byte) error {
	if len(v) == 0 {
		return errors.New("stored call is empty")
	}
	if v[0] != callLayout && v[0] != callLayoutV1 {
		return layoutError("call", v[0], callLayout)
	}
	return nil
}

// decodeOverview decodes the overview of a stored call.
func decodeOverview(v []byte) (CallOverview, error) {
	if err := checkCallLayout(v); err != nil {
		return CallOverview{}, err
	}
	r := reader{b: v[1:]}
	ov := r.overview()
	if r.err != nil {
		return CallOverview{}, fmt.Errorf("stored call: %w", r.err)
	}
	return ov, nil
}

// decodeCall decodes a stored call. Nothing in the result aliases v.
func decodeCall(v []byte) (ov CallOverview, ex callExtra, err error) {
	if err := checkCallLayout(v); err != nil {
		return CallOverview{}, callExtra{}, err
	}
	r := reader{b: v[1:]}
	ov = r.overview()
	ex.Request.URL = ov.URL
	ex.Request.Method = r.string()
	ex.Request.Headers = r.header()
	bodyKind := r.byte()
	switch bodyKind {
	case bodyOwn:
		ex.Request.Body = r.string()
	case bodyPayload:
	default:
		r.fail()
	}
	ex.Response.URL = ov.URL
	ex.Response.StatusCode = ov.StatusCode
	ex.Response.Headers = r.header()
	ex.Response.Body = r.string()
	ex.DeliveryID = r.string()
	ex.Delivered = r.bool()
	ex.Event = r.event(v[0] != callLayoutV1)
	if err := r.end(); err != nil {
		return CallOverview{}, callExtra{}, fmt.Errorf("stored call: %w", err)
	}
	if ex.Event != nil {
		ex.Event.Payload = bytes.Clone(ex.Event.Payload)
		if bodyKind == bodyPayload {
			ex.Request.Body = string(ex.Event.Payload[:min(len(ex.Event.Payload), MaxRequestBodyLog)])
		}
	}
	return ov, ex, nil
}
