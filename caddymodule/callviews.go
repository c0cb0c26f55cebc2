package caddymodule

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/cmsevents/caddy-cms-events/delivery"
)

// The call-log answers, shared by the admin API and the webhooks API: both
// serve the same shapes, from the same code.

// maxCallsLimit is the largest page of calls one request gets.
const maxCallsLimit = 500

// viewError is a failed call-log read: the status to answer and a message
// for the user.
type viewError struct {
	status int
	msg    string
}

// Error returns the message.
func (e *viewError) Error() string { return e.msg }

// callCollection is a page of a webhook's call log, newest first by
// requestAt: {sys:{type:"Array"}, items, total, skip, limit}.
type callCollection struct {
	Sys   arraySys                `json:"sys"`
	Items []delivery.CallOverview `json:"items"`
	Total int                     `json:"total"`
	Skip  int                     `json:"skip"`
	Limit int                     `json:"limit"`
}

// arraySys is the sys of a collection.
type arraySys struct {
	Type string `json:"type"`
}

// callsView reads the page of the webhook's call log that r's skip and
// limit query parameters ask for (default 0 and 100, limit at most 500).
func callsView(store delivery.Backend, r *http.Request, id string) (*callCollection, error) {
	skip, limit, err := pageParams(r)
	if err != nil {
		return nil, err
	}
	items, total, err := store.Calls(id, skip, limit)
	if err != nil {
		return nil, &viewError{http.StatusInternalServerError, err.Error()}
	}
	if items == nil {
		items = []delivery.CallOverview{}
	}
	return &callCollection{Sys: arraySys{Type: "Array"}, Items: items, Total: total, Skip: skip, Limit: limit}, nil
}

// callView reads one call of the webhook's call log.
func callView(store delivery.Backend, id, callID string) (*delivery.CallDetails, error) {
	details, ok, err := store.Call(id, callID)
	if err != nil {
		return nil, &viewError{http.StatusInternalServerError, err.Error()}
	}
	if !ok {
		return nil, &viewError{http.StatusNotFound, fmt.Sprintf("webhook %q has no call %q in its call log", id, callID)}
	}
	return &details, nil
}

// healthAnswer is a webhook's health: {sys, calls:{total, healthy}}.
type healthAnswer struct {
	Sys   healthSys    `json:"sys"`
	Calls healthCounts `json:"calls"`
}

// healthSys is the sys of a health answer; Space and CreatedBy are set
// when it is answered for a space.
type healthSys struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	Space     *delivery.Link `json:"space,omitempty"`
	CreatedBy *delivery.Link `json:"createdBy,omitempty"`
}

// healthCounts counts the calls the log holds and those answered with a
// status below 300.
type healthCounts struct {
	Total   int `json:"total"`
	Healthy int `json:"healthy"`
}

// healthView reads the webhook's health; space, when not "", is linked in
// sys as Contentful does.
func healthView(store delivery.Backend, id, space string) (*healthAnswer, error) {
	total, healthy, err := store.Health(id)
	if err != nil {
		return nil, &viewError{http.StatusInternalServerError, err.Error()}
	}
	out := &healthAnswer{Sys: healthSys{ID: id, Type: "Webhook"}, Calls: healthCounts{Total: total, Healthy: healthy}}
	if space != "" {
		s, by := link("Space", space), link("WebhookDefinition", id)
		out.Sys.Space, out.Sys.CreatedBy = &s, &by
	}
	return out, nil
}

// link returns a Contentful link to the resource id of type linkType.
func link(linkType, id string) delivery.Link {
	return delivery.Link{Sys: delivery.LinkSys{Type: "Link", LinkType: linkType, ID: id}}
}

// pageParams reads the skip and limit query parameters (default 0 and
// 100; limit at most 500).
func pageParams(r *http.Request) (skip, limit int, err error) {
	if skip, err = queryInt(r, "skip", 0); err != nil {
		return 0, 0, err
	}
	if limit, err = queryInt(r, "limit", 100); err != nil {
		return 0, 0, err
	}
	return skip, min(limit, maxCallsLimit), nil
}

// queryInt reads a whole-number query parameter, def when it is absent.
func queryInt(r *http.Request, name string, def int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, &viewError{http.StatusBadRequest, fmt.Sprintf("%s must be a whole number ≥ 0, got %q", name, s)}
	}
	return n, nil
}
