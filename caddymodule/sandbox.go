package caddymodule

import (
	"net/http"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/cmsevents/caddy-cms-events/sandbox"
)

func init() {
	caddy.RegisterModule(Sandbox{})
	httpcaddyfile.RegisterHandlerDirective("cms_sandbox", parseSandboxCaddyfile)
	httpcaddyfile.RegisterDirectiveOrder("cms_sandbox", httpcaddyfile.Before, "respond")
}

// Sandbox serves an in-memory, Contentful-compatible management API: entries,
// assets, content types, environments and environment aliases, kept in memory
// for the life of the config. It is meant for demos and tests, as the
// upstream behind a `cms_events` gateway. It answers every request itself.
type Sandbox struct {
	api *sandbox.Sandbox
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
	s.api = sandbox.New()
	return nil
}

// Cleanup stops the actions still pending in the API (bulk, release and
// scheduled actions), so none runs after the config is gone.
func (s *Sandbox) Cleanup() error {
	s.api.Close()
	return nil
}

// ServeHTTP answers the request from the in-memory API.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request, _ caddyhttp.Handler) error {
	s.api.ServeHTTP(w, r)
	return nil
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	cms_sandbox
func (s *Sandbox) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	if d.NextBlock(0) {
		return d.Errf("cms_sandbox takes no options; want a bare `cms_sandbox` line")
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
