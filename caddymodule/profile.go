package caddymodule

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/cmsevents/caddy-cms-events/delivery"
	"github.com/cmsevents/caddy-cms-events/events"
)

// lookupProfile returns the handler's profile: a built-in one, or the
// custom one its Custom spec describes.
func (h *Handler) lookupProfile() (events.Profile, error) {
	if h.Profile == "custom" {
		if h.Custom == nil {
			return nil, errors.New("profile custom needs its routes: in the Caddyfile `profile custom { route … }`, in JSON \"custom\": {\"routes\": […]}")
		}
		return events.NewCustomProfile(*h.Custom)
	}
	if h.Custom != nil {
		return nil, fmt.Errorf("custom routes are given but the profile is %q; set the profile to custom", h.Profile)
	}
	if p, ok := events.LookupProfile(h.Profile); ok {
		return p, nil
	}
	return nil, fmt.Errorf("unknown profile %q; use %s", h.Profile, events.ProfileNames)
}

// checkContentfulOnly refuses the subdirectives that only the Contentful
// profile has.
func (h *Handler) checkContentfulOnly() error {
	if !h.generic {
		return nil
	}
	var used []string
	if len(h.Aliases) > 0 {
		used = append(used, "alias")
	}
	if h.AutoSave != nil {
		used = append(used, "auto_save")
	}
	if h.WebhooksAPI {
		used = append(used, "webhooks_api")
	}
	if len(used) > 0 {
		return fmt.Errorf("profile %s: %s only work with the contentful profile; remove them", h.Profile, strings.Join(used, ", "))
	}
	return nil
}

// validSecret checks a signing secret: Contentful's rule (64 characters)
// for the Contentful profile, else 16 to 256 printable ASCII characters.
// The messages never quote the secret.
func validSecret(contentful bool, s string) error {
	if s == "" {
		return nil
	}
	if contentful {
		return delivery.ValidSecret(s)
	}
	if len(s) < 16 || len(s) > 256 {
		return fmt.Errorf("signing secret has %d characters; use 16 to 256, e.g. `openssl rand -hex 32`", len(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return errors.New("signing secret has a character that is not printable ASCII or is a space; use letters, digits and punctuation")
		}
	}
	return nil
}

// serveProfile passes a recognised write of a profile other than
// Contentful's on, gathering first what the profile needs (the request
// body, GETs through the same upstream), and holds a 2xx answer back until
// its events are committed.
func (h *Handler) serveProfile(w http.ResponseWriter, r *http.Request, route events.Route, next caddyhttp.Handler) error {
	needs := h.profile.Needs(route)
	in := events.Input{Route: route, Header: r.Header}
	if needs.RequestBody {
		in.RequestBody = h.peekBody(r)
	}
	if len(needs.Lookups) > 0 {
		in.Lookups = h.lookup(r, needs.Lookups, next)
	}
	cw := newCaptureWriter(w, h.app.MaxBody, func(status int, body []byte, truncated bool) {
		in.Status, in.Truncated, in.Body = status, truncated, body
		h.recordProfile(r, in, w.Header())
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

// peekBody reads the request body up to max_body and puts it back, so the
// request goes on unchanged. It returns nil for a larger body.
func (h *Handler) peekBody(r *http.Request) []byte {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	read, err := io.ReadAll(io.LimitReader(r.Body, h.app.MaxBody+1))
	r.Body = readCloser{io.MultiReader(bytes.NewReader(read), r.Body), r.Body}
	if err != nil || int64(len(read)) > h.app.MaxBody {
		h.logger.Warn("request body larger than max_body or unreadable; the event is built without it",
			zap.String("path", r.URL.Path), zap.Error(err))
		return nil
	}
	return read
}

// readCloser reads from one reader and closes another.
type readCloser struct {
	io.Reader
	io.Closer
}

// lookup makes the GETs a profile needs, through the same upstream with the
// client's credentials; answers other than a complete 200 are left out.
func (h *Handler) lookup(r *http.Request, lookups []events.Lookup, next caddyhttp.Handler) map[string][]byte {
	out := make(map[string][]byte, len(lookups))
	for _, l := range lookups {
		key := lookupKey(r.Header, l.Path)
		if l.Cache {
			if body, ok := h.lookups.get(key); ok {
				out[l.Path] = body
				continue
			}
		}
		path, query, _ := strings.Cut(l.Path, "?")
		rec, err := h.fetch(r.Context(), r, path, query, next)
		if err != nil || rec.status != http.StatusOK || rec.overflow {
			h.logger.Warn("could not look up what the event needs; it is built without it",
				zap.String("path", path), zap.Int("status", rec.status), zap.Error(err))
			continue
		}
		body := bytes.Clone(rec.body.Bytes())
		out[l.Path] = body
		if l.Cache {
			h.lookups.put(key, body)
		}
	}
	return out
}

// recordProfile derives the events of one write of a profile other than
// Contentful's and commits their deliveries in one durable batch.
func (h *Handler) recordProfile(r *http.Request, in events.Input, respHeader http.Header) {
	in.Now = time.Now()
	if !in.Truncated {
		body, err := decodeBody(respHeader.Get("Content-Encoding"), in.Body, h.app.MaxBody)
		if err != nil {
			h.logger.Warn("cannot decode the answer body; recording a thin event",
				zap.String("path", r.URL.Path), zap.Error(err))
			body, in.Truncated = nil, true
		}
		in.Body = body
	}
	d := h.profile.Derive(in)
	if d.Warning != "" {
		h.logger.Warn(d.Warning, zap.String("method", r.Method), zap.String("path", r.URL.Path), zap.Int("status", in.Status))
	}
	if d.Event == nil {
		return
	}
	var batch delivery.Batch
	for _, ev := range append([]*events.Event{d.Event}, d.More...) {
		metrics.events.WithLabelValues(ev.Topic).Inc()
		batch.Deliveries = appendDeliveries(batch.Deliveries, h.webhooks, ev, in.Now)
	}
	if err := h.commit(r, batch); err != nil {
		h.logger.Error("could not queue the event; its webhooks will not be called",
			zap.String("topic", d.Event.Topic), zap.String("entity", d.Event.EntityID),
			zap.Int("deliveries", len(batch.Deliveries)), zap.Error(err))
		return
	}
	if c := h.logger.Check(zapcore.DebugLevel, "events queued"); c != nil {
		c.Write(zap.String("topic", d.Event.Topic), zap.String("entity", d.Event.EntityID),
			zap.Int("events", 1+len(d.More)), zap.Int("deliveries", len(batch.Deliveries)))
	}
}

// warnNoAPIKey logs once when a Contentstack write arrives without its
// api_key header, which Caddy drops unless the server expects it.
func (h *Handler) warnNoAPIKey(r *http.Request) {
	if h.profile.Name() != "contentstack" || r.Method == http.MethodGet || !strings.HasPrefix(r.URL.Path, "/v3/") || r.Header.Get("api_key") != "" {
		return
	}
	if h.noAPIKey.CompareAndSwap(false, true) {
		h.logger.Warn("a Contentstack write arrived without its api_key header, so it makes no event: Caddy drops headers with underscores unless the server expects them; add `servers { expected_underscore_headers api_key }` to the global options",
			zap.String("method", r.Method), zap.String("path", r.URL.Path))
	}
}
