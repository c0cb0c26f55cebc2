package caddymodule

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/cmsevents/caddy-cms-events/autosave"
)

// AutoSave tells editor saves apart from API saves. Contentful emits no
// `save` for a save made in its web app's editor; while the document is
// being edited it emits at most one `auto_save` per window, at the window's
// end, with the latest draft.
type AutoSave struct {
	// Window is how long an editor save that finds the document idle keeps
	// it active. At the window's end one `auto_save` event carries the
	// latest draft seen in it. Default: 5s (Contentful's older value: 20s).
	Window caddy.Duration `json:"window,omitempty"`

	// MatcherSetsRaw selects the requests that are editor saves, replacing
	// the default: the header `X-Contentful-UI-Content-Auto-Save: true`, or
	// an `X-Contentful-User-Agent` that starts with `app contentful.web-app`.
	// Only updates of entries and assets (PUT or PATCH answered 200) are
	// looked at.
	MatcherSetsRaw caddyhttp.RawMatcherSets `json:"match,omitempty" caddy:"namespace=http.matchers"`

	matchers caddyhttp.MatcherSets
}

// provision loads the matchers.
func (as *AutoSave) provision(ctx caddy.Context) error {
	if as.Window < 0 {
		return fmt.Errorf("auto_save window must be positive, got %v", time.Duration(as.Window))
	}
	if as.Window == 0 {
		as.Window = caddy.Duration(autosave.DefaultWindow)
	}
	if as.MatcherSetsRaw == nil {
		return nil
	}
	mods, err := ctx.LoadModule(as, "MatcherSetsRaw")
	if err != nil {
		return fmt.Errorf("auto_save match: %v", err)
	}
	return as.matchers.FromInterface(mods)
}

// editorSave reports whether r is a save made by an editor.
func (as *AutoSave) editorSave(r *http.Request) (bool, error) {
	if as.matchers == nil {
		return defaultEditorSave(r.Header), nil
	}
	return as.matchers.AnyMatchWithError(r)
}

// defaultEditorSave recognises Contentful's web app: it sends
// X-Contentful-UI-Content-Auto-Save with its saves and names itself in
// X-Contentful-User-Agent.
func defaultEditorSave(h http.Header) bool {
	if strings.EqualFold(h.Get("X-Contentful-UI-Content-Auto-Save"), "true") {
		return true
	}
	return strings.HasPrefix(h.Get("X-Contentful-User-Agent"), "app contentful.web-app")
}
