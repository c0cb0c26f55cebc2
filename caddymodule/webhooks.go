package caddymodule

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/cmsevents/caddy-cms-events/delivery"
	"github.com/cmsevents/caddy-cms-events/events"
)

// Contentful's delivery defaults: 3 attempts, 30 s apart, 30 s timeout.
const (
	defaultAttempts = 3
	defaultDelay    = 30 * time.Second
	defaultTimeout  = 30 * time.Second
)

// newEndpoint makes the delivery side of a compiled webhook.
func newEndpoint(wh *events.Webhook, secret string) *delivery.Endpoint {
	def := wh.Definition()
	ep := &delivery.Endpoint{
		ID:            wh.ID(),
		Name:          def.Name,
		Attempts:      defaultAttempts,
		Delay:         defaultDelay,
		Timeout:       defaultTimeout,
		Secret:        secret,
		BasicUser:     def.HTTPBasicUsername,
		BasicPassword: def.HTTPBasicPassword,
		Render: func(ev *events.Event) (delivery.Rendered, error) {
			r, err := wh.Render(ev)
			return delivery.Rendered(r), err
		},
	}
	if def.Retry != nil {
		if def.Retry.Attempts > 0 {
			ep.Attempts = def.Retry.Attempts
		}
		if def.Retry.Delay > 0 {
			ep.Delay = time.Duration(def.Retry.Delay)
		}
	}
	if def.Timeout > 0 {
		ep.Timeout = time.Duration(def.Timeout)
	}
	return ep
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
