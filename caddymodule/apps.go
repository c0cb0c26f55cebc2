package caddymodule

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/cmsevents/caddy-cms-events/delivery"
	"github.com/cmsevents/caddy-cms-events/events"
)

// appRoute is a write of an app definition's event subscription or signing
// secret: PUT or DELETE /organizations/{org}/app_definitions/{app}/{kind}.
type appRoute struct {
	org, app, kind string
}

// Kinds of app routes.
const (
	appSubscriptionRoute = "event_subscription"
	appSecretRoute       = "signing_secret"
)

// matchAppRoute recognises the app writes the gateway learns from.
func matchAppRoute(method, path string) (appRoute, bool) {
	if method != http.MethodPut && method != http.MethodDelete {
		return appRoute{}, false
	}
	rest, ok := strings.CutPrefix(path, "/organizations/")
	if !ok {
		return appRoute{}, false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 4 || parts[1] != "app_definitions" || !events.ValidID(parts[0]) || !events.ValidID(parts[2]) ||
		(parts[3] != appSubscriptionRoute && parts[3] != appSecretRoute) {
		return appRoute{}, false
	}
	return appRoute{org: parts[0], app: parts[2], kind: parts[3]}, true
}

// serveAppRoute passes an app write on and, when the CMS accepts it,
// records the subscription or secret before the client gets its answer.
func (h *Handler) serveAppRoute(w http.ResponseWriter, r *http.Request, ar appRoute, next caddyhttp.Handler) error {
	var reqBody []byte
	if r.Method == http.MethodPut {
		reqBody = h.peekBody(r)
	}
	cw := newCaptureWriter(w, h.app.MaxBody, func(status int, body []byte, truncated bool) {
		if status < 200 || status > 299 {
			return
		}
		if err := h.learnApp(r.Method, ar, reqBody, body, truncated); err != nil {
			h.logger.Error("could not record the app's "+strings.ReplaceAll(ar.kind, "_", " ")+"; its events may go unsent until it is written again",
				zap.String("app", ar.app), zap.Error(err))
		}
	})
	if err := next.ServeHTTP(cw, r); err != nil {
		cw.discard()
		return err
	}
	return cw.finish()
}

// learnApp applies an accepted app write to the registry. The signing
// secret comes from the request (the answer shows only its last
// characters); the subscription from the answer, else the request.
func (h *Handler) learnApp(method string, ar appRoute, reqBody, answer []byte, truncated bool) error {
	apps := h.app.shared.apps
	switch {
	case ar.kind == appSecretRoute && method == http.MethodDelete:
		return apps.update(ar.app, ar.org, func(rec *appRecord) { rec.Secret = "" })
	case ar.kind == appSecretRoute:
		var body struct {
			Value string `json:"value"`
		}
		if json.Unmarshal(reqBody, &body) != nil || delivery.ValidSecret(body.Value) != nil {
			h.logger.Warn("the app signing secret written is not one the gateway can sign with; the app's events go unsigned", zap.String("app", ar.app))
			body.Value = ""
		}
		return apps.update(ar.app, ar.org, func(rec *appRecord) { rec.Secret = body.Value })
	case method == http.MethodDelete:
		return apps.update(ar.app, ar.org, func(rec *appRecord) { rec.Subscription = nil })
	}
	sub, ok := parseSubscription(answer, truncated)
	if !ok {
		if sub, ok = parseSubscription(reqBody, false); !ok {
			h.logger.Warn("the app's event subscription has no targetUrl and topics; it is not recorded", zap.String("app", ar.app))
			return nil
		}
	}
	return apps.update(ar.app, ar.org, func(rec *appRecord) { rec.Subscription = sub })
}

// parseSubscription reads an AppEventSubscription.
func parseSubscription(body []byte, truncated bool) (*appSubscription, bool) {
	var sub appSubscription
	if truncated || json.Unmarshal(body, &sub) != nil || sub.TargetURL == "" || len(sub.Topics) == 0 {
		return nil, false
	}
	return &sub, true
}

// subscribers returns the app subscriptions an event goes to: those of the
// apps installed in its environment (env, past any alias), and for an
// AppInstallation event the subscription of the app installed or removed.
func (r *appRegistry) subscribers(route events.Route, env string) []*events.Webhook {
	if route.EntityType == events.TypeAppInstallation {
		if wh := r.subscription(route.EntityID); wh != nil {
			return []*events.Webhook{wh}
		}
		return nil
	}
	return r.matching(route.Space, env)
}
