package caddymodule

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/cmsevents/caddy-cms-events/delivery"
	"github.com/cmsevents/caddy-cms-events/events"
)

func init() {
	caddy.RegisterModule(adminAPI{})
}

// adminAPI serves the cms_events endpoints on Caddy's admin API:
//
//	GET  /cms_events/webhooks                                  definitions, secrets redacted
//	GET  /cms_events/webhooks/{id}/calls?limit=&skip=          call overviews, newest first
//	GET  /cms_events/webhooks/{id}/calls/{callId}              call details
//	GET  /cms_events/webhooks/{id}/health                      {sys, calls:{total, healthy}}
//	GET  /cms_events/queue                                     {depth, due, oldestDue, failed, paused}
//	POST /cms_events/webhooks/{id}/calls/{callId}/redeliver    202: that delivery is due now
//	POST /cms_events/webhooks/{id}/redeliver?since=RFC3339     202: every failed delivery is due now
//	POST /cms_events/webhooks/{id}/pause                       200: keep queuing, send nothing
//	POST /cms_events/webhooks/{id}/resume                      200
type adminAPI struct {
	ctx caddy.Context
}

// CaddyModule returns the Caddy module information.
func (adminAPI) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "admin.api.cms_events",
		New: func() caddy.Module { return new(adminAPI) },
	}
}

// Provision keeps the context to find the running app with.
func (a *adminAPI) Provision(ctx caddy.Context) error {
	a.ctx = ctx
	return nil
}

// Routes returns the admin routes.
func (a *adminAPI) Routes() []caddy.AdminRoute {
	return []caddy.AdminRoute{{Pattern: "/cms_events/", Handler: caddy.AdminHandlerFunc(a.serve)}}
}

func (a *adminAPI) serve(w http.ResponseWriter, r *http.Request) error {
	app, err := a.app()
	if err != nil {
		return err
	}
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/cms_events/"), "/"), "/")
	return a.route(w, r, app, parts)
}

// route answers the admin route named by parts (the path below
// /cms_events/). The activity page's API answers with it too.
func (a *adminAPI) route(w http.ResponseWriter, r *http.Request, app *App, parts []string) error {
	switch {
	case len(parts) == 1 && parts[0] == "queue":
		return only(r, http.MethodGet, func() error { return a.queue(w, app) })
	case len(parts) == 1 && parts[0] == "webhooks":
		return only(r, http.MethodGet, func() error { return writeJSON(w, http.StatusOK, app.redactedWebhooks()) })
	case len(parts) < 3 || parts[0] != "webhooks":
		return notFound(r.URL.Path)
	}
	id := parts[1]
	if _, ok := app.webhook(id); !ok {
		return apiError(http.StatusNotFound, fmt.Errorf("no webhook with id %q; GET /cms_events/webhooks lists them", id))
	}
	switch rest := parts[2:]; {
	case len(rest) == 1 && rest[0] == "calls":
		return only(r, http.MethodGet, func() error { return a.calls(w, r, app, id) })
	case len(rest) == 2 && rest[0] == "calls":
		return only(r, http.MethodGet, func() error { return a.call(w, app, id, rest[1]) })
	case len(rest) == 3 && rest[0] == "calls" && rest[2] == "redeliver":
		return only(r, http.MethodPost, func() error { return a.redeliverCall(w, app, id, rest[1]) })
	case len(rest) == 1 && rest[0] == "health":
		return only(r, http.MethodGet, func() error { return a.health(w, app, id) })
	case len(rest) == 1 && rest[0] == "redeliver":
		return only(r, http.MethodPost, func() error { return a.redeliverFailed(w, r, app, id) })
	case len(rest) == 1 && (rest[0] == "pause" || rest[0] == "resume"):
		return only(r, http.MethodPost, func() error { return a.pause(w, app, id, rest[0] == "pause") })
	}
	return notFound(r.URL.Path)
}

// app returns the running cms_events app.
func (a *adminAPI) app() (*App, error) {
	v, err := a.ctx.AppIfConfigured("cms_events")
	if err != nil {
		return nil, apiError(http.StatusNotFound, errors.New("cms_events is not part of the running config"))
	}
	return v.(*App), nil
}

func (a *adminAPI) queue(w http.ResponseWriter, app *App) error {
	depth, due, failed, oldest, err := app.store.QueueStats()
	if err != nil {
		return apiError(http.StatusInternalServerError, err)
	}
	paused := app.store.PausedIDs()
	out := struct {
		Depth     int      `json:"depth"`
		Due       int      `json:"due"`
		OldestDue *string  `json:"oldestDue"`
		Failed    int      `json:"failed"`
		Paused    []string `json:"paused"`
	}{Depth: depth, Due: due, Failed: failed, Paused: paused}
	if !oldest.IsZero() {
		s := oldest.UTC().Format(time.RFC3339Nano)
		out.OldestDue = &s
	}
	if out.Paused == nil {
		out.Paused = []string{}
	}
	return writeJSON(w, http.StatusOK, out)
}

func (a *adminAPI) calls(w http.ResponseWriter, r *http.Request, app *App, id string) error {
	page, err := callsView(app.store, r, id)
	if err != nil {
		return viewAPIError(err)
	}
	return writeJSON(w, http.StatusOK, page)
}

func (a *adminAPI) call(w http.ResponseWriter, app *App, id, callID string) error {
	details, err := callView(app.store, id, callID)
	if err != nil {
		return viewAPIError(err)
	}
	return writeJSON(w, http.StatusOK, details)
}

func (a *adminAPI) health(w http.ResponseWriter, app *App, id string) error {
	health, err := healthView(app.store, id, "")
	if err != nil {
		return viewAPIError(err)
	}
	return writeJSON(w, http.StatusOK, health)
}

func (a *adminAPI) redeliverCall(w http.ResponseWriter, app *App, id, callID string) error {
	err := app.store.Redeliver(id, callID)
	if errors.Is(err, delivery.ErrNotFound) {
		return apiError(http.StatusNotFound, fmt.Errorf("webhook %q has no call %q in its call log", id, callID))
	}
	if err != nil {
		return apiError(http.StatusInternalServerError, err)
	}
	return writeJSON(w, http.StatusAccepted, map[string]int{"redelivered": 1})
}

func (a *adminAPI) redeliverFailed(w http.ResponseWriter, r *http.Request, app *App, id string) error {
	var since time.Time
	if s := r.URL.Query().Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return apiError(http.StatusBadRequest, fmt.Errorf("since must be an RFC 3339 time such as 2026-01-02T15:04:05Z: %v", err))
		}
		since = t
	}
	n, err := app.store.RedeliverFailed(id, since)
	if err != nil {
		return apiError(http.StatusInternalServerError, err)
	}
	return writeJSON(w, http.StatusAccepted, map[string]int{"redelivered": n})
}

func (a *adminAPI) pause(w http.ResponseWriter, app *App, id string, paused bool) error {
	if err := app.store.SetPaused(id, paused); err != nil {
		return apiError(http.StatusInternalServerError, err)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"id": id, "paused": paused})
}

// redactedWebhooks lists the webhook definitions without secrets: the
// config's, then those made through the webhooks API, oldest first.
func (a *App) redactedWebhooks() []events.Definition {
	whs := a.allWebhooks()
	out := make([]events.Definition, 0, len(whs))
	for _, wh := range whs {
		out = append(out, wh.Redacted())
	}
	return out
}

// allWebhooks lists the config's webhooks, then those made through the
// webhooks API, then the apps' event subscriptions.
func (a *App) allWebhooks() []*events.Webhook {
	whs := slices.Clone(a.webhooks())
	for _, h := range a.shared.api.list("") {
		whs = append(whs, h.wh)
	}
	return append(whs, a.shared.apps.subscriptions()...)
}

// webhook finds a webhook by id: in the config, made through the webhooks
// API, or an app's event subscription ("app.<app definition id>").
func (a *App) webhook(id string) (*events.Webhook, bool) {
	if wh, ok := a.configWebhook(id); ok {
		return wh, true
	}
	if h, ok := a.shared.api.get(id); ok {
		return h.wh, true
	}
	if app, ok := strings.CutPrefix(id, appEndpointPrefix); ok {
		if wh := a.shared.apps.subscription(app); wh != nil {
			return wh, true
		}
	}
	return nil, false
}

// configWebhook finds a webhook of the config by id.
func (a *App) configWebhook(id string) (*events.Webhook, bool) {
	for _, wh := range a.webhooks() {
		if wh.ID() == id {
			return wh, true
		}
	}
	return nil, false
}

func only(r *http.Request, method string, fn func() error) error {
	if r.Method != method {
		return apiError(http.StatusMethodNotAllowed, fmt.Errorf("method %s not allowed; use %s", r.Method, method))
	}
	return fn()
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

func apiError(status int, err error) error {
	return caddy.APIError{HTTPStatus: status, Err: err}
}

// viewAPIError turns the error of a call-log read into an admin API error.
func viewAPIError(err error) error {
	var ve *viewError
	if errors.As(err, &ve) {
		return apiError(ve.status, err)
	}
	return apiError(http.StatusInternalServerError, err)
}

func notFound(path string) error {
	return apiError(http.StatusNotFound, fmt.Errorf("no such cms_events endpoint: %s", path))
}

// Interface guards
var (
	_ caddy.AdminRouter = (*adminAPI)(nil)
	_ caddy.Provisioner = (*adminAPI)(nil)
)
