package caddymodule

import (
	"fmt"
	"net/http"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/cmsevents/caddy-cms-events/sandbox"
	"github.com/cmsevents/caddy-cms-events/sandbox/contentstack"
)

func init() {
	caddy.RegisterModule(Sandbox{})
	httpcaddyfile.RegisterHandlerDirective("cms_sandbox", parseSandboxCaddyfile)
	httpcaddyfile.RegisterDirectiveOrder("cms_sandbox", httpcaddyfile.Before, "respond")
}

// Sandbox serves an in-memory management API, kept in memory for the life
// of the config: Contentful's (entries, assets, content types, environments,
// aliases, releases, bulk and scheduled actions) or Contentstack's CMA v3
// (content types, entries, assets, environments, publishing). It is meant
// for demos and tests, as the upstream behind a `cms_events` gateway. It
// answers every request itself.
type Sandbox struct {
	// API is the API to serve: `contentful` (default) or `contentstack`.
	API string `json:"api,omitempty"`

	handler http.Handler
	closer  func()
}

// CaddyModule returns the Caddy module information.
func (Sandbox) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.cms_sandbox",
		New: func() caddy.Module { return new(Sandbox) },
	}
}

// Provision starts an empty management API.
func (s *Sandbox) Provision(caddy.Context) error {
	switch s.API {
	case "", "contentful":
		api := sandbox.New()
		s.handler, s.closer = api, api.Close
	case "contentstack":
		s.handler, s.closer = contentstack.New(), func() {}
	default:
		return fmt.Errorf("cms_sandbox: unknown api %q; use contentful or contentstack", s.API)
	}
	return nil
}

// Cleanup stops the actions still pending in the API (Contentful's bulk,
// release and scheduled actions), so none runs after the config is gone.
func (s *Sandbox) Cleanup() error {
	if s.closer != nil {
		s.closer()
	}
	return nil
}

// ServeHTTP answers the request from the in-memory API.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request, _ caddyhttp.Handler) error {
	s.handler.ServeHTTP(w, r)
	return nil
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	cms_sandbox [contentful|contentstack]
func (s *Sandbox) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume directive name
	if d.NextArg() {
		s.API = d.Val()
		if s.API != "contentful" && s.API != "contentstack" {
			return d.Errf("want `cms_sandbox [contentful|contentstack]`, got %q", s.API)
		}
	}
	if d.NextArg() {
		return d.ArgErr()
	}
	if d.NextBlock(0) {
		return d.Errf("cms_sandbox takes no options; want `cms_sandbox [contentful|contentstack]`")
	}
	return nil
}

func parseSandboxCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	s := new(Sandbox)
	err := s.UnmarshalCaddyfile(h.Dispenser)
	return s, err
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Sandbox)(nil)
	_ caddy.CleanerUpper          = (*Sandbox)(nil)
	_ caddyhttp.MiddlewareHandler = (*Sandbox)(nil)
	_ caddyfile.Unmarshaler       = (*Sandbox)(nil)
)
