package caddymodule

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/cmsevents/caddy-cms-events/events"
)

// priorEntity returns what is known of the entity a DELETE removes (env is
// the environment the path resolves to, past any alias): from the
// entity index when the gateway has seen it, otherwise from a GET through
// the same upstream with the client's own credentials, made before the
// DELETE goes out. It returns nil when neither works; the event is then
// built from what the path says.
func (h *Handler) priorEntity(r *http.Request, route events.Route, env string, next caddyhttp.Handler) *events.Entity {
	key := events.DocumentKey(route.Space, env, route.EntityType, route.EntityID)
	raw, found, err := h.app.store.Get(key)
	if err != nil {
		h.logger.Warn("reading the entity index", zap.String("entity", key), zap.Error(err))
	}
	if found {
		var e events.Entity
		if err := json.Unmarshal(raw, &e); err == nil {
			return &e
		}
	}

	rec, err := h.fetch(r.Context(), r, route.EntityPath(), "", next)
	if err != nil || rec.status != http.StatusOK || rec.overflow {
		h.logger.Warn("could not fetch the entity before deleting it; the deletion event will lack its content type and revision",
			zap.String("path", route.EntityPath()), zap.Int("status", rec.status), zap.Error(err))
		return nil
	}
	e, err := events.EntityFromJSON(rec.body.Bytes())
	if err != nil {
		h.logger.Warn("the entity fetched before a delete is not valid JSON",
			zap.String("path", route.EntityPath()), zap.Error(err))
		return nil
	}
	return e
}

// fetch makes the gateway's own GET of path through the rest of the
// handler chain (the same upstream), with the client's credentials. The
// request gets fresh Caddy request state, so it may run beside the client's.
func (h *Handler) fetch(ctx context.Context, r *http.Request, path, query string, next caddyhttp.Handler) (*fetchRecorder, error) {
	srv, _ := r.Context().Value(caddyhttp.ServerCtxKey).(*caddyhttp.Server)
	u := upstream{next: next, srv: srv, req: r}
	return u.get(ctx, path, query, h.app.MaxBody)
}

// upstream is a way to reach the CMS: the handler chain after cms_events in
// one server, and a client request whose headers (credentials) and
// connection details the gateway's own GETs reuse.
type upstream struct {
	app  *App // the config whose chain next is
	next caddyhttp.Handler
	srv  *caddyhttp.Server
	req  *http.Request
}

// get makes a GET of path through the chain and keeps the answer, up to
// limit bytes.
func (u upstream) get(ctx context.Context, path, query string, limit int64) (*fetchRecorder, error) {
	get := u.req.Clone(ctx)
	get.Method = http.MethodGet
	get.URL.Path, get.URL.RawPath, get.URL.RawQuery = path, "", query
	get.RequestURI = get.URL.RequestURI()
	get.Body, get.ContentLength = http.NoBody, 0
	for _, name := range []string{"Content-Length", "Content-Type", "Accept-Encoding", "If-Match", "If-None-Match", "X-Contentful-Version"} {
		get.Header.Del(name)
	}
	get = caddyhttp.PrepareRequest(get, caddy.NewReplacer(), nil, u.srv)
	rec := &fetchRecorder{header: make(http.Header), limit: limit}
	return rec, u.next.ServeHTTP(rec, get)
}

// fetchRecorder is the response writer of the gateway's own GET: it keeps
// the answer (up to a limit) and sends nothing to the client.
type fetchRecorder struct {
	header   http.Header
	status   int
	body     bytes.Buffer
	limit    int64
	overflow bool
}

// Header returns the answer's header map.
func (f *fetchRecorder) Header() http.Header { return f.header }

// WriteHeader records the final status.
func (f *fetchRecorder) WriteHeader(status int) {
	if f.status == 0 && status >= 200 {
		f.status = status
	}
}

// Write keeps the body up to the limit and notes an overflow.
func (f *fetchRecorder) Write(p []byte) (int, error) {
	if f.status == 0 {
		f.status = http.StatusOK
	}
	if int64(f.body.Len()+len(p)) > f.limit {
		f.overflow = true
		return len(p), nil
	}
	return f.body.Write(p)
}
