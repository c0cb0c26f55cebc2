package caddymodule

import (
	"errors"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/cmsevents/caddy-cms-events/events"
)

// apiTarget says which resource of the webhooks API a path names.
type apiTarget int

// The resources of the webhooks API.
const (
	apiDefinitions   apiTarget = iota + 1 // /spaces/{s}/webhook_definitions
	apiDefinitionOne                      // /spaces/{s}/webhook_definitions/{id}
	apiCalls                              // /spaces/{s}/webhooks/{id}/calls
	apiCallOne                            // /spaces/{s}/webhooks/{id}/calls/{call}
	apiHealth                             // /spaces/{s}/webhooks/{id}/health
	apiSigningSecret                      // /spaces/{s}/webhook_settings/signing_secret
)

// apiRoute is a parsed path of the webhooks API.
type apiRoute struct {
	target apiTarget
	space  string
	id     string // the webhook id
	callID string
}

// matchAPIRoute parses a path of the webhooks API; ok is false for every
// other path.
func matchAPIRoute(path string) (rt apiRoute, ok bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) < 3 || segs[0] != "spaces" || segs[1] == "" {
		return apiRoute{}, false
	}
	rt.space, segs = segs[1], segs[2:]
	switch {
	case segs[0] == "webhook_definitions" && len(segs) == 1:
		rt.target = apiDefinitions
	case segs[0] == "webhook_definitions" && len(segs) == 2:
		rt.target, rt.id = apiDefinitionOne, segs[1]
	case segs[0] == "webhooks" && len(segs) == 3 && segs[2] == "calls":
		rt.target, rt.id = apiCalls, segs[1]
	case segs[0] == "webhooks" && len(segs) == 4 && segs[2] == "calls":
		rt.target, rt.id, rt.callID = apiCallOne, segs[1], segs[3]
	case segs[0] == "webhooks" && len(segs) == 3 && segs[2] == "health":
		rt.target, rt.id = apiHealth, segs[1]
	case segs[0] == "webhook_settings" && len(segs) == 2 && segs[1] == "signing_secret":
		rt.target = apiSigningSecret
	default:
		return apiRoute{}, false
	}
	return rt, true
}

// apiMethods are the methods each resource answers.
var apiMethods = map[apiTarget][]string{
	apiDefinitions:   {http.MethodGet, http.MethodPost},
	apiDefinitionOne: {http.MethodGet, http.MethodPut, http.MethodDelete},
	apiCalls:         {http.MethodGet},
	apiCallOne:       {http.MethodGet},
	apiHealth:        {http.MethodGet},
	apiSigningSecret: {http.MethodGet, http.MethodPut, http.MethodDelete},
}

// serveWebhooksAPI answers a request of the webhooks API itself, once the
// CMS has allowed the client's credentials in the space. It never
// forwards the request.
func (h *Handler) serveWebhooksAPI(w http.ResponseWriter, r *http.Request, rt apiRoute, next caddyhttp.Handler) error {
	ok, err := h.authorize(w, r, rt.space, next)
	if err != nil || !ok {
		return err
	}
	if !allowedMethod(rt.target, r.Method) {
		w.Header().Set("Allow", strings.Join(apiMethods[rt.target], ", "))
		writeCMAError(w, newCMAError(http.StatusMethodNotAllowed, errMethodNotAllowed,
			"%s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(apiMethods[rt.target], " or ")))
		return nil
	}
	api := webhooksAPI{app: h.app, reg: h.app.shared.api, space: rt.space}
	var status int
	var answer any
	switch {
	case !events.ValidID(rt.space):
		err = newCMAError(http.StatusNotFound, errNotFound, "The resource could not be found: %q is not a space id", rt.space)
	case rt.target == apiDefinitions && r.Method == http.MethodGet:
		status, answer, err = api.listDefinitions(r)
	case rt.target == apiDefinitions:
		status, answer, err = api.createDefinition(r)
	case rt.target == apiDefinitionOne && r.Method == http.MethodGet:
		status, answer, err = api.getDefinition(rt.id)
	case rt.target == apiDefinitionOne && r.Method == http.MethodPut:
		status, answer, err = api.putDefinition(r, rt.id)
	case rt.target == apiDefinitionOne:
		status, err = api.deleteDefinition(rt.id)
	case rt.target == apiSigningSecret && r.Method == http.MethodGet:
		status, answer, err = api.getSecret()
	case rt.target == apiSigningSecret && r.Method == http.MethodPut:
		status, answer, err = api.putSecret(r)
	case rt.target == apiSigningSecret:
		status, err = api.deleteSecret()
	default:
		status, answer, err = api.callLog(r, rt)
	}
	if err != nil {
		var ce *cmaError
		if !errors.As(err, &ce) {
			h.logger.Error("webhooks API call failed", zap.String("method", r.Method), zap.String("path", r.URL.Path), zap.Error(err))
		}
		writeCMAError(w, err)
		return nil
	}
	if answer == nil {
		w.WriteHeader(status)
		return nil
	}
	writeCMA(w, status, answer)
	return nil
}

// allowedMethod reports whether the resource answers method.
func allowedMethod(t apiTarget, method string) bool {
	for _, m := range apiMethods[t] {
		if m == method {
			return true
		}
	}
	return false
}

// webhooksAPI answers the webhooks API of one space.
type webhooksAPI struct {
	app   *App
	reg   *apiRegistry
	space string
}

// callLog answers the call list, one call or the health of a webhook of
// the space: one made through the API in this space, or one of the config
// (whose calls are those of every space).
func (a webhooksAPI) callLog(r *http.Request, rt apiRoute) (int, any, error) {
	if _, ok := a.webhookOfSpace(rt.id); !ok {
		return 0, nil, a.noWebhook(rt.id)
	}
	var answer any
	var err error
	switch rt.target {
	case apiCalls:
		answer, err = callsView(a.app.store, r, rt.id)
	case apiCallOne:
		answer, err = callView(a.app.store, rt.id, rt.callID)
	default:
		answer, err = healthView(a.app.store, rt.id, a.space)
	}
	if err != nil {
		return 0, nil, viewCMAError(err)
	}
	return http.StatusOK, answer, nil
}

// webhookOfSpace finds the webhook id among the config's and the space's
// API webhooks.
func (a webhooksAPI) webhookOfSpace(id string) (*events.Webhook, bool) {
	if wh, ok := a.app.configWebhook(id); ok {
		return wh, true
	}
	if h, ok := a.reg.get(id); ok && h.rec.Space == a.space {
		return h.wh, true
	}
	return nil, false
}

// noWebhook is the 404 answer for an unknown webhook id.
func (a webhooksAPI) noWebhook(id string) error {
	return newCMAError(http.StatusNotFound, errNotFound,
		"The resource could not be found: space %q has no webhook %q; GET /spaces/%s/webhook_definitions lists them", a.space, id, a.space)
}

// viewCMAError turns the error of a call-log read into an error answer.
func viewCMAError(err error) error {
	var ve *viewError
	if !errors.As(err, &ve) {
		return err
	}
	switch ve.status {
	case http.StatusNotFound:
		return newCMAError(ve.status, errNotFound, "The resource could not be found: %s", ve.msg)
	case http.StatusBadRequest:
		return newCMAError(ve.status, errBadRequest, "%s", ve.msg)
	}
	return err
}
