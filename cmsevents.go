// Package cmsevents is the caddy-cms-events plugin for Caddy: importing it
// registers the modules `cms_events` (app), `http.handlers.cms_events`,
// `http.handlers.cms_sandbox` and `admin.api.cms_events`, with their
// Caddyfile directives. Build Caddy with it through xcaddy:
//
//	xcaddy build --with github.com/cmsevents/caddy-cms-events
package cmsevents

import (
	// The modules live in caddymodule; this package is what xcaddy imports.
	_ "github.com/cmsevents/caddy-cms-events/caddymodule"
)
