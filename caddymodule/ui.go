package caddymodule

import (
	"embed"
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func init() {
	caddy.RegisterModule(UI{})
	httpcaddyfile.RegisterHandlerDirective("cms_events_ui", parseUICaddyfile)
	httpcaddyfile.RegisterDirectiveOrder("cms_events_ui", httpcaddyfile.Before, "respond")
}

// uiAssets are the activity page's files.
//
//go:embed ui/index.html ui/app.js ui/style.css
var uiAssets embed.FS

// uiHeader is the header every POST of the activity page carries; a
// cross-site form or script cannot send it without a CORS preflight, which
// the page's API does not answer.
const uiHeader = "X-CMS-Events-UI"

// UI serves the activity page: the webhooks with their health and queue,
// each webhook's recent calls (live), a call's request and response,
// redelivery, pause and resume, and a chart of the last hour. Mount it
// on a path of a site, e.g. `handle /cms-events/* { cms_events_ui }`, and
// protect that path as any other (basic_auth, forward_auth): the page has
// no authentication of its own. It shows what the admin API shows, from
// the same code, and never a secret.
type UI struct {
	app *App
}

// CaddyModule returns the Caddy module information.
func (UI) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.cms_events_ui",
		New: func() caddy.Module { return new(UI) },
	}
}

// Provision finds the cms_events app whose webhooks the page shows.
func (u *UI) Provision(ctx caddy.Context) error {
	app, err := ctx.App("cms_events")
	if err != nil {
		return err
	}
	u.app = app.(*App)
	return nil
}

// ServeHTTP answers the page, its assets and its API. Every URL is
// relative to the page, so it works under any path: …/ is the page,
// …/app.js and …/style.css its assets, …/api/… its API.
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request, _ caddyhttp.Handler) error {
	p := r.URL.Path
	if i := strings.LastIndex(p, "/api/"); i >= 0 {
		return u.serveAPI(w, r, strings.Split(strings.Trim(p[i+len("/api/"):], "/"), "/"))
	}
	name := path.Base(p)
	if strings.HasSuffix(p, "/") {
		name = "index.html"
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return caddyhttp.Error(http.StatusMethodNotAllowed, errors.New("the activity page takes GET"))
	}
	data, err := fs.ReadFile(uiAssets, "ui/"+name)
	if err != nil {
		return caddyhttp.Error(http.StatusNotFound, errors.New("the activity page has no such file: open the path that ends in /"))
	}
	h := w.Header()
	h.Set("Content-Type", map[string]string{
		"index.html": "text/html; charset=utf-8",
		"app.js":     "text/javascript; charset=utf-8",
		"style.css":  "text/css; charset=utf-8",
	}[name])
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
	_, err = w.Write(data)
	return err
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	cms_events_ui
func (u *UI) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume directive name
	if d.NextArg() || d.NextBlock(0) {
		return d.Errf("cms_events_ui takes no options; want a bare `cms_events_ui` line, e.g. inside `handle /cms-events/* { … }`")
	}
	return nil
}

func parseUICaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	u := new(UI)
	err := u.UnmarshalCaddyfile(h.Dispenser)
	return u, err
}

// Interface guards
var (
	_ caddy.Provisioner           = (*UI)(nil)
	_ caddyhttp.MiddlewareHandler = (*UI)(nil)
	_ caddyfile.Unmarshaler       = (*UI)(nil)
)
