package caddymodule

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/cmsevents/caddy-cms-events/delivery"
	"github.com/cmsevents/caddy-cms-events/events"
)

func init() {
	caddy.RegisterModule(Handler{})
	httpcaddyfile.RegisterHandlerDirective("cms_events", parseHandlerCaddyfile)
	httpcaddyfile.RegisterDirectiveOrder("cms_events", httpcaddyfile.Before, "reverse_proxy")
}

// Handler turns every successful write that passes through it into events
// and queues the webhook deliveries they trigger before the client gets its
// answer. Put it in front of a `reverse_proxy` to the CMS management API.
//
// Only requests that match a write route of the profile are looked at; all
// other requests stream through untouched. A write whose answer is not 2xx
// makes no event.
type Handler struct {
	// Profile names the CMS API in front of which the handler sits: its
	// write routes, the events they make and how webhook calls are framed.
	// `contentful` (default) or `contentstack` (Contentstack's CMA v3, with
	// Contentstack's webhook envelope, channels, retry policy and HMAC
	// signature). Environment aliases, auto_save and the webhooks API are
	// Contentful's and need the contentful profile.
	Profile string `json:"profile,omitempty"`

	// Custom is the route table of `profile custom`: the write routes of a
	// CMS that no built-in profile covers, and where each event's type,
	// action, id, space, environment and payload come from. Its events have
	// the topic `Custom.<type>.<action>` and are sent as Contentful's.
	Custom *events.CustomSpec `json:"custom,omitempty"`

	// SigningSecret signs every webhook call with Contentful's request
	// signing algorithm (x-contentful-signature). It must be 64 characters
	// of `0-9a-zA-Z+/=_-`. With the contentstack profile it signs with
	// Contentstack's HMAC (x-contentstack-hmac-signature) and may be any
	// 16 to 256 printable characters. Placeholders such as `{env.CMS_SIGNING_SECRET}`
	// are resolved when the config loads. Default: calls are not signed.
	SigningSecret string `json:"signing_secret,omitempty"`

	// Webhooks are Contentful webhook definitions (`name`, `url`, `topics`,
	// `filters`, `headers`, `httpBasicUsername`, `httpBasicPassword`,
	// `transformation`, `active`), plus `id`, `retry` and `timeout`.
	// Definitions exported from Contentful load unchanged.
	Webhooks []events.Definition `json:"webhooks,omitempty"`

	// WebhooksFile is the path of a JSON file holding an array of
	// Contentful webhook definitions, loaded in addition to Webhooks.
	WebhooksFile string `json:"webhooks_file,omitempty"`

	// Aliases are environment aliases known up front, alias id → target
	// environment id, for every space. The gateway also learns aliases
	// from alias writes passing through and asks the CMS once per space;
	// these take precedence.
	Aliases map[string]string `json:"aliases,omitempty"`

	// WebhooksAPI makes the gateway answer Contentful's webhook API itself:
	// `/spaces/{s}/webhook_definitions[/{id}]`,
	// `/spaces/{s}/webhooks/{id}/calls[/{callId}]`, `…/health` and
	// `/spaces/{s}/webhook_settings/signing_secret`. Each request is
	// authorised by the CMS (a GET of the space with the client's own
	// credentials) and never forwarded. Definitions and secrets made
	// through it are kept in the store. Default: false, those requests
	// pass through.
	WebhooksAPI bool `json:"webhooks_api,omitempty"`

	// AutoSave tells editor saves apart from API saves and sets their
	// window. Default: Contentful's web app headers and a 5s window.
	AutoSave *AutoSave `json:"auto_save,omitempty"`

	app     *App
	static  *events.AliasTable
	profile events.Profile
	// generic is true for profiles other than Contentful's: their writes
	// take the profile's own path, without aliases, auto_save, followed
	// actions and the webhooks API.
	generic  bool
	webhooks []*events.Webhook
	auth     *authCache
	lookups  *lookupCache
	noAPIKey *atomic.Bool
	logger   *zap.Logger
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.cms_events",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision compiles the webhooks and registers them with the app.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	if h.Profile == "" {
		h.Profile = "contentful"
	}
	profile, err := h.lookupProfile()
	if err != nil {
		return err
	}
	h.profile = profile
	h.generic = profile.Name() != "contentful"
	if err := h.checkContentfulOnly(); err != nil {
		return err
	}
	h.auth = new(authCache)
	h.lookups = newLookupCache()
	h.noAPIKey = new(atomic.Bool)

	repl := caddy.NewReplacer()
	secret := repl.ReplaceKnown(h.SigningSecret, "")
	if err := validSecret(!h.generic, secret); err != nil {
		return fmt.Errorf("signing_secret: %v", err)
	}

	defs := h.Webhooks
	if h.WebhooksFile != "" {
		fromFile, err := loadWebhooksFile(h.WebhooksFile)
		if err != nil {
			return err
		}
		defs = append(append([]events.Definition(nil), defs...), fromFile...)
	}
	endpoints := make([]*delivery.Endpoint, 0, len(defs))
	for _, def := range defs {
		wh, err := events.CompileWith(resolvePlaceholders(repl, def), profile.Defaults())
		if err != nil {
			return err
		}
		h.webhooks = append(h.webhooks, wh)
		ep := newEndpoint(wh, secret)
		ep.Wire = profile.Wire()
		endpoints = append(endpoints, ep)
	}

	h.static = events.NewAliasTable()
	for alias, env := range h.Aliases {
		if !events.ValidID(alias) || !events.ValidID(env) {
			return fmt.Errorf("alias %s %s: alias and environment ids are 1–64 characters of a-z, A-Z, 0-9, -, _ and dot", alias, env)
		}
		h.static.SetStatic("", alias, env)
	}

	if h.AutoSave == nil {
		h.AutoSave = new(AutoSave)
	}
	if err := h.AutoSave.provision(ctx); err != nil {
		return err
	}

	appIface, err := ctx.App("cms_events")
	if err != nil {
		return err
	}
	h.app = appIface.(*App)
	return h.app.register(h.webhooks, endpoints)
}

// ServeHTTP passes the request on; for a write route it holds a 2xx answer
// back until the events it makes are committed.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	if h.WebhooksAPI {
		if rt, ok := matchAPIRoute(r.URL.Path); ok {
			return h.serveWebhooksAPI(w, r, rt, next)
		}
	}
	if !h.generic {
		if ar, ok := matchAppRoute(r.Method, r.URL.Path); ok {
			return h.serveAppRoute(w, r, ar, next)
		}
	}
	route, ok := h.profile.MatchRequest(r.Method, r.URL.Path, r.Header)
	if !ok {
		if h.generic {
			h.warnNoAPIKey(r)
		}
		return next.ServeHTTP(w, r)
	}
	if h.generic {
		return h.serveProfile(w, r, route, next)
	}
	wr := write{r: r, route: route, next: next}
	if route.Space != "" {
		h.learnAliases(r, route.Space, next)
		h.app.shared.noteUpstream(h, route.Space, r, next)
	}
	if target, ok := h.resolveAlias(route.Space, route.Environment); ok {
		wr.aliasTarget = target
	}
	if route.Environment != "" && route.EntityType != events.TypeAppInstallation {
		h.learnApps(r, route.Space, cmp.Or(wr.aliasTarget, route.Environment), next)
	}
	if route.NeedsPrior() {
		env := route.Environment
		if wr.aliasTarget != "" {
			env = wr.aliasTarget
		}
		wr.prior = h.priorEntity(r, route, env, next)
	}
	wr.editorSave = h.editorSave(r, route)
	cw := newCaptureWriter(w, h.app.MaxBody, func(status int, body []byte, truncated bool) {
		h.record(wr, status, w.Header(), body, truncated)
	})
	if err := next.ServeHTTP(cw, r); err != nil {
		if cw.discard() {
			h.logger.Warn("upstream answer broke off; no event recorded",
				zap.String("method", r.Method), zap.String("path", r.URL.Path), zap.Error(err))
		}
		return err
	}
	return cw.finish()
}

// write is what is known of a write request before its answer.
type write struct {
	r           *http.Request
	route       events.Route
	prior       *events.Entity // the entity a DELETE removes, when known
	aliasTarget string         // the environment the alias in the path points to
	editorSave  bool           // an update made by an editor: auto_save, not save
	next        caddyhttp.Handler
}

// editorSave reports whether the request is an editor's update of an entry,
// asset or release-scoped entry.
func (h *Handler) editorSave(r *http.Request, route events.Route) bool {
	if route.Sub != "" || route.EntityID == "" || !events.AutoSavable(route.EntityType) ||
		(r.Method != http.MethodPut && r.Method != http.MethodPatch) {
		return false
	}
	match, err := h.AutoSave.editorSave(r)
	if err != nil {
		h.logger.Warn("auto_save matcher failed; treating the write as an API save", zap.Error(err))
	}
	return match
}

// record derives the event of one write and commits its deliveries and the
// entity's new state in one durable batch. An editor save goes to its
// auto_save window instead of being delivered now.
func (h *Handler) record(wr write, status int, respHeader http.Header, body []byte, truncated bool) {
	r, route := wr.r, wr.route
	now := time.Now()
	if !truncated {
		var err error
		body, err = decodeBody(respHeader.Get("Content-Encoding"), body, h.app.MaxBody)
		if err != nil {
			h.logger.Warn("cannot decode the answer body; recording a thin event",
				zap.String("path", r.URL.Path), zap.Error(err))
			body, truncated = nil, true
		}
	}
	d := events.Derive(events.Input{
		Route:       route,
		Status:      status,
		Header:      r.Header,
		Body:        body,
		Truncated:   truncated,
		Prior:       wr.prior,
		Now:         now,
		AutoSave:    wr.editorSave,
		AliasTarget: wr.aliasTarget,
	})
	if d.Warning != "" {
		h.logger.Warn(d.Warning, zap.String("method", r.Method), zap.String("path", r.URL.Path), zap.Int("status", status))
	}
	if d.Event == nil {
		return
	}
	var batch delivery.Batch
	indexWrites(d, &batch)
	followed := h.followWrite(wr, body, now, d, &batch)
	if d.Alias != nil {
		h.app.shared.applyAlias(d.Alias, &batch)
	}
	if d.Event.Action() == "auto_save" {
		h.holdAutoSave(r, d, batch)
		return
	}
	metrics.events.WithLabelValues(d.Event.Topic).Inc()
	batch.Deliveries = appendDeliveries(batch.Deliveries, h.webhooks, d.Event, now)
	batch.Deliveries = appendDeliveries(batch.Deliveries, h.app.shared.api.matching(d.Event.Space), d.Event, now)
	env := cmp.Or(wr.aliasTarget, route.Environment)
	apps := h.app.shared.apps
	batch.Deliveries = appendDeliveries(batch.Deliveries, apps.subscribers(route, env), d.Event, now)
	var installed func()
	if route.EntityType == events.TypeAppInstallation {
		// Serialised with the CMS's answer to "which apps are installed"
		// (setInstalls), so neither overwrites the other.
		apps.changes.Lock()
		defer apps.changes.Unlock()
		installed = apps.installWrites(route.Space, env, route.EntityID, d.Event.Action() == "delete", &batch)
	}
	if err := h.commit(r, batch); err != nil {
		h.logger.Error("could not queue the event; its webhooks will not be called",
			zap.String("topic", d.Event.Topic), zap.String("entity", d.Event.EntityID),
			zap.Int("deliveries", len(batch.Deliveries)), zap.Error(err))
		return
	}
	if followed != nil {
		followed()
	}
	if installed != nil {
		installed()
		if d.Event.Action() != "delete" {
			h.learnInstalledApp(r, route.EntityID, body, wr.next)
		}
	}
	if c := h.logger.Check(zapcore.DebugLevel, "event queued"); c != nil {
		c.Write(zap.String("event", d.Event.ID), zap.String("topic", d.Event.Topic),
			zap.String("entity", d.Event.EntityID), zap.Int("deliveries", len(batch.Deliveries)))
	}
}

// indexWrites adds to batch the change a derived event makes to the entity
// index: the entity's new state, or its removal.
func indexWrites(d events.Derived, batch *delivery.Batch) {
	if d.Key == "" {
		return
	}
	if d.Forget {
		batch.Delete = append(batch.Delete, d.Key)
	} else if d.Entity != nil {
		if raw, err := json.Marshal(d.Entity); err == nil {
			batch.Put = append(batch.Put, delivery.KV{Key: d.Key, Value: raw})
		}
	}
}

// holdAutoSave commits the entity's new state and puts the editor save into
// its document's auto_save window, whose draft is on disk before the
// client gets its answer.
func (h *Handler) holdAutoSave(r *http.Request, d events.Derived, batch delivery.Batch) {
	err := h.commit(r, batch)
	if err == nil {
		err = h.app.shared.tracker.SaveWindow(d.Key, d.Event, time.Duration(h.AutoSave.Window))
	}
	if err != nil {
		h.logger.Error("could not hold the auto_save draft", zap.String("entity", d.Event.EntityID), zap.Error(err))
	}
}

// commit durably writes a batch. It finishes even if the client goes away:
// the write happened.
func (h *Handler) commit(r *http.Request, batch delivery.Batch) error {
	if len(batch.Deliveries) == 0 && len(batch.Put) == 0 && len(batch.Delete) == 0 {
		return nil
	}
	start := time.Now()
	err := h.app.store.Enqueue(context.WithoutCancel(r.Context()), batch)
	metrics.enqueueDuration.Observe(time.Since(start).Seconds())
	if err != nil {
		metrics.enqueueErrors.Inc()
	}
	return err
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
