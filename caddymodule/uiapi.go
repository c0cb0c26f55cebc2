package caddymodule

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/cmsevents/caddy-cms-events/delivery"
)

// chartMinutes is how far back the activity chart goes.
const chartMinutes = 60

// serveAPI answers the activity page's API (parts is the path below
// api/): the overview, a webhook's activity and chart, and every admin
// route below /cms_events/ (a call, redelivery, pause, resume), from the
// admin API's own code. Errors are {"error": "…"}.
func (u *UI) serveAPI(w http.ResponseWriter, r *http.Request, parts []string) error {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Header.Get(uiHeader) == "" {
		return uiError(w, http.StatusForbidden, fmt.Errorf("a change through the activity page needs the %s header, which the page sends", uiHeader))
	}
	app := u.app
	var err error
	switch {
	case len(parts) == 1 && parts[0] == "webhooks" && r.Method == http.MethodGet:
		err = u.overview(w)
	case len(parts) == 3 && parts[0] == "webhooks" && parts[2] == "activity" && r.Method == http.MethodGet:
		err = u.activity(w, r, parts[1])
	case len(parts) == 3 && parts[0] == "webhooks" && parts[2] == "chart" && r.Method == http.MethodGet:
		err = u.chart(w, parts[1])
	default:
		err = (&adminAPI{}).route(w, r, app, parts)
	}
	var ae caddy.APIError
	if errors.As(err, &ae) {
		return uiError(w, ae.HTTPStatus, ae.Err)
	}
	return err
}

// uiError answers {"error": message}.
func uiError(w http.ResponseWriter, status int, err error) error {
	return writeJSON(w, status, map[string]string{"error": err.Error()})
}

// uiWebhook is one webhook of the overview.
type uiWebhook struct {
	ID       string       `json:"id"`
	Name     string       `json:"name"`
	URL      string       `json:"url"`
	Topics   []string     `json:"topics,omitempty"`
	Channels []string     `json:"channels,omitempty"`
	Paused   bool         `json:"paused"`
	Attempts int          `json:"attempts"`
	Health   healthCounts `json:"health"`
	delivery.WebhookQueue
}

// overview answers the queue and every webhook with its health and queue.
func (u *UI) overview(w http.ResponseWriter) error {
	app := u.app
	depth, due, failed, oldest, err := app.store.QueueStats()
	if err != nil {
		return apiError(http.StatusInternalServerError, err)
	}
	byWebhook, err := app.store.QueueByWebhook()
	if err != nil {
		return apiError(http.StatusInternalServerError, err)
	}
	paused := app.store.PausedIDs()
	out := struct {
		Queue struct {
			Depth     int      `json:"depth"`
			Due       int      `json:"due"`
			Failed    int      `json:"failed"`
			OldestDue *string  `json:"oldestDue"`
			Paused    []string `json:"paused"`
		} `json:"queue"`
		Webhooks []uiWebhook `json:"webhooks"`
	}{Webhooks: []uiWebhook{}}
	out.Queue.Depth, out.Queue.Due, out.Queue.Failed, out.Queue.Paused = depth, due, failed, paused
	if out.Queue.Paused == nil {
		out.Queue.Paused = []string{}
	}
	if !oldest.IsZero() {
		s := oldest.UTC().Format(time.RFC3339Nano)
		out.Queue.OldestDue = &s
	}
	isPaused := make(map[string]bool, len(paused))
	for _, id := range paused {
		isPaused[id] = true
	}
	for _, wh := range app.allWebhooks() {
		def := wh.Redacted()
		total, healthy, err := app.store.Health(wh.ID())
		if err != nil {
			return apiError(http.StatusInternalServerError, err)
		}
		out.Webhooks = append(out.Webhooks, uiWebhook{
			ID: wh.ID(), Name: wh.Name(), URL: def.URL, Topics: def.Topics, Channels: def.Channels,
			Paused: isPaused[wh.ID()], Attempts: wh.Attempts(), Health: healthCounts{Total: total, Healthy: healthy},
			WebhookQueue: byWebhook[wh.ID()],
		})
	}
	return writeJSON(w, http.StatusOK, out)
}

// activity answers a page of the webhook's calls with their event and
// attempt, newest first.
func (u *UI) activity(w http.ResponseWriter, r *http.Request, id string) error {
	if _, ok := u.app.webhook(id); !ok {
		return apiError(http.StatusNotFound, fmt.Errorf("no webhook with id %q", id))
	}
	skip, limit, err := pageParams(r)
	if err != nil {
		return viewAPIError(err)
	}
	items, total, err := u.app.store.CallActivity(id, skip, limit)
	if err != nil {
		return apiError(http.StatusInternalServerError, err)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": total, "skip": skip, "limit": limit})
}

// chartMinute counts the calls of one minute by outcome.
type chartMinute struct {
	Minute    string `json:"minute"`
	Delivered int    `json:"delivered"`
	Failed    int    `json:"failed"`
	Retrying  int    `json:"retrying"`
}

// chart answers the webhook's calls per minute over the last hour, oldest
// first: delivered, failed for good, and failed with attempts left.
func (u *UI) chart(w http.ResponseWriter, id string) error {
	wh, ok := u.app.webhook(id)
	if !ok {
		return apiError(http.StatusNotFound, fmt.Errorf("no webhook with id %q", id))
	}
	items, _, err := u.app.store.CallActivity(id, 0, maxCallsLimit)
	if err != nil {
		return apiError(http.StatusInternalServerError, err)
	}
	now := time.Now().UTC().Truncate(time.Minute)
	first := now.Add(-(chartMinutes - 1) * time.Minute)
	minutes := make([]chartMinute, chartMinutes)
	for i := range minutes {
		minutes[i].Minute = first.Add(time.Duration(i) * time.Minute).Format(time.RFC3339)
	}
	for _, c := range items {
		at, err := time.Parse(delivery.CallTimeLayout, c.RequestAt)
		if err != nil {
			continue
		}
		i := int(at.Truncate(time.Minute).Sub(first) / time.Minute)
		if i < 0 || i >= chartMinutes {
			continue
		}
		switch {
		case c.Delivered:
			minutes[i].Delivered++
		case c.Attempt > 0 && c.Attempt < wh.Attempts():
			minutes[i].Retrying++
		default:
			minutes[i].Failed++
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"minutes": minutes})
}
