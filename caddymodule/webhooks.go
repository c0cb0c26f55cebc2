package caddymodule

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/caddyserver/caddy/v2"

	"github.com/cmsevents/caddy-cms-events/delivery"
	"github.com/cmsevents/caddy-cms-events/events"
)

// newEndpoint makes the delivery side of a compiled webhook. Basic auth
// travels in the rendered headers (marked secret), so it is not set here.
func newEndpoint(wh *events.Webhook, secret string) *delivery.Endpoint {
	return &delivery.Endpoint{
		ID:       wh.ID(),
		Name:     wh.Name(),
		Attempts: wh.Attempts(),
		Delay:    wh.RetryDelay(),
		Backoff:  wh.Backoff(),
		MaxDelay: wh.MaxDelay(),
		Factor:   wh.Factor(),
		RetryAll: wh.RetryAll(),
		Jitter:   jitter(wh),
		Timeout:  wh.Timeout(),
		Secret:   secret,
		Render:   wh.Render,
	}
}

// jitter returns the endpoint's jitter: none when the webhook's policy is
// exact, else the default.
func jitter(wh *events.Webhook) float64 {
	if wh.NoJitter() {
		return -1
	}
	return 0
}

// resolvePlaceholders resolves config-time placeholders such as
// {env.API_KEY} in the parts of a definition that hold credentials or
// addresses. Template expressions ({ /payload/sys/id }) are left alone.
func resolvePlaceholders(repl *caddy.Replacer, def events.Definition) events.Definition {
	def.URL = repl.ReplaceKnown(def.URL, "")
	def.HTTPBasicUsername = repl.ReplaceKnown(def.HTTPBasicUsername, "")
	def.HTTPBasicPassword = repl.ReplaceKnown(def.HTTPBasicPassword, "")
	headers := make([]events.Header, len(def.Headers))
	for i, hd := range def.Headers {
		hd.Value = repl.ReplaceKnown(hd.Value, "")
		headers[i] = hd
	}
	def.Headers = headers
	return def
}

// loadWebhooksFile reads a JSON array of Contentful webhook definitions.
func loadWebhooksFile(path string) ([]events.Definition, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("webhooks_file: %v", err)
	}
	var defs []events.Definition
	if err := json.Unmarshal(raw, &defs); err != nil {
		return nil, fmt.Errorf("webhooks_file %s: want a JSON array of Contentful webhook definitions: %v", path, err)
	}
	return defs, nil
}
