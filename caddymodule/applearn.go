package caddymodule

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/cmsevents/caddy-cms-events/delivery"
)

// appInstallationList is what the gateway reads of a GET of an
// environment's app installations.
type appInstallationList struct {
	Items []struct {
		Sys struct {
			AppDefinition struct {
				Sys struct {
					ID string `json:"id"`
				} `json:"sys"`
			} `json:"appDefinition"`
			Organization *struct {
				Sys struct {
					ID string `json:"id"`
				} `json:"sys"`
			} `json:"organization"`
		} `json:"sys"`
	} `json:"items"`
}

// learnApps asks the CMS, once per environment after a start, which apps
// are installed there, with the client's credentials and in the
// background, and for the event subscription of each app the gateway has
// no record of. Installations made or removed elsewhere are then known;
// a signing secret cannot be read back and is learned only from its write.
func (h *Handler) learnApps(r *http.Request, space, env string, next caddyhttp.Handler) {
	apps := h.app.shared.apps
	if !apps.markAsked(space, env) {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 30*time.Second)
	client := r.Clone(ctx) // r is the client's, in use after this returns
	go func() {
		defer cancel()
		if err := h.askApps(ctx, client, space, env, next); err != nil {
			apps.unmarkAsked(space, env) // the next write tries again
			h.logger.Warn("could not read the environment's app installations; app events go to the apps whose installation the gateway saw",
				zap.String("space", space), zap.String("environment", env), zap.Error(err))
		}
	}()
}

// askApps reads the installations of one environment and the missing
// subscriptions, and records them.
func (h *Handler) askApps(ctx context.Context, r *http.Request, space, env string, next caddyhttp.Handler) error {
	apps := h.app.shared.apps
	gen := apps.generation(space, env)
	rec, err := h.fetch(ctx, r, "/spaces/"+space+"/environments/"+env+"/app_installations", "limit=1000", next)
	if err != nil {
		return err
	}
	if rec.status != http.StatusOK || rec.overflow {
		return fmt.Errorf("the CMS answered %d", rec.status)
	}
	var list appInstallationList
	if err := json.Unmarshal(rec.body.Bytes(), &list); err != nil {
		return fmt.Errorf("the app installations are not a collection: %w", err)
	}
	installed := map[string]string{} // app id → organization
	for _, it := range list.Items {
		org := ""
		if it.Sys.Organization != nil {
			org = it.Sys.Organization.Sys.ID
		}
		installed[it.Sys.AppDefinition.Sys.ID] = org
	}
	if err := apps.setInstalls(space, env, installed, gen); err != nil {
		return err
	}
	for app, org := range installed {
		if err := h.askSubscription(ctx, r, org, app, next); err != nil {
			return err
		}
	}
	return nil
}

// askSubscription reads the event subscription of an app the gateway has
// no record of from the CMS, and records it.
func (h *Handler) askSubscription(ctx context.Context, r *http.Request, org, app string, next caddyhttp.Handler) error {
	apps := h.app.shared.apps
	if apps.knows(app) || org == "" {
		return nil
	}
	rec, err := h.fetch(ctx, r, "/organizations/"+org+"/app_definitions/"+app+"/event_subscription", "", next)
	if err != nil || rec.status != http.StatusOK || rec.overflow {
		return nil // no subscription, or not readable with these credentials
	}
	sub, ok := parseSubscription(rec.body.Bytes(), false)
	if !ok {
		return nil
	}
	if err := apps.update(app, org, func(r *appRecord) { r.Subscription = sub }); err != nil {
		return err
	}
	h.logger.Info("learned an app's event subscription from the CMS; its events go unsigned until its signing secret is written through the gateway",
		zap.String("app", app))
	return nil
}

// learnInstalledApp asks the CMS, in the background, for the subscription
// of an app seen first in an installation write; body is the CMS's answer
// (an AppInstallation, which names the app's organization).
func (h *Handler) learnInstalledApp(r *http.Request, app string, body []byte, next caddyhttp.Handler) {
	if h.app.shared.apps.knows(app) {
		return
	}
	var inst struct {
		Sys struct {
			Organization struct {
				Sys struct {
					ID string `json:"id"`
				} `json:"sys"`
			} `json:"organization"`
		} `json:"sys"`
	}
	if json.Unmarshal(body, &inst) != nil || inst.Sys.Organization.Sys.ID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 30*time.Second)
	client := r.Clone(ctx) // r is the client's, in use after this returns
	go func() {
		defer cancel()
		if err := h.askSubscription(ctx, client, inst.Sys.Organization.Sys.ID, app, next); err != nil {
			h.logger.Warn("could not record the app's event subscription read from the CMS", zap.String("app", app), zap.Error(err))
		}
	}()
}

// setInstalls makes the installations of one environment exactly those
// given, in the store and in memory, unless they changed since generation
// gen (an installation written meanwhile is newer than the list).
func (r *appRegistry) setInstalls(space, env string, installed map[string]string, gen int) error {
	r.changes.Lock()
	defer r.changes.Unlock()
	var batch delivery.Batch
	var applies []func()
	r.mu.RLock()
	if r.changed[envKey{space, env}] != gen {
		r.mu.RUnlock()
		return nil
	}
	for app := range r.installs[envKey{space, env}] {
		if _, ok := installed[app]; !ok {
			applies = append(applies, r.installWrites(space, env, app, true, &batch))
		}
	}
	r.mu.RUnlock()
	for app := range installed {
		if !r.installed(space, env, app) {
			applies = append(applies, r.installWrites(space, env, app, false, &batch))
		}
	}
	if len(applies) == 0 {
		return nil
	}
	batch.Sync = true
	if err := r.store.Enqueue(context.Background(), batch); err != nil {
		return err
	}
	for _, apply := range applies {
		apply()
	}
	return nil
}
