package events

import (
	"net/http"
	"strings"
	"time"
)

// contentstackName is the configuration name of the Contentstack profile.
const contentstackName = "contentstack"

// Contentstack modules: the entity types of the contentstack profile.
const (
	ModuleEntry       = "entry"
	ModuleAsset       = "asset"
	ModuleContentType = "content_type"
)

// Contentstack's publish actions, the Sub of their routes.
const (
	csPublish   = "publish"
	csUnpublish = "unpublish"
)

// contentstack is the route table of Contentstack's Content Management API
// (v3): content types, entries with publish and unpublish, and assets with
// publish and unpublish. The stack comes from the api_key header, the branch
// from the branch header (default main).
type contentstack struct{}

// Name returns "contentstack".
func (contentstack) Name() string { return contentstackName }

// MatchRequest recognises the Contentstack write routes. A request without
// an api_key header is not one.
func (contentstack) MatchRequest(method, path string, header http.Header) (Route, bool) {
	switch method {
	case "POST", "PUT", "DELETE":
	default:
		return Route{}, false
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	rest, ok := strings.CutPrefix(path, "/v3/")
	if !ok {
		return Route{}, false
	}
	stack := firstHeader(header, "Api_key")
	if !csUID(stack) {
		return Route{}, false
	}
	r := Route{Space: stack, Method: method, Branch: "main"}
	if b := firstHeader(header, "Branch"); csUID(b) {
		r.Branch = b
	}
	p := segments{rest: rest}
	switch coll, _ := p.next(); coll {
	case "content_types":
		ct, ok := p.next()
		if !ok {
			r.EntityType = ModuleContentType
			return only(r, method == "POST")
		}
		if !csUID(ct) {
			return Route{}, false
		}
		sub, ok := p.next()
		if !ok {
			r.EntityType, r.EntityID = ModuleContentType, ct
			return only(r, method == "PUT" || method == "DELETE")
		}
		if sub != "entries" {
			return Route{}, false
		}
		r.EntityType, r.Parent = ModuleEntry, ct
		return matchCSEntity(r, &p)
	case "assets":
		r.EntityType = ModuleAsset
		return matchCSEntity(r, &p)
	}
	return Route{}, false
}

// matchCSEntity matches POST to the collection, PUT and DELETE of an entry
// or asset, and POST to its publish and unpublish actions.
func matchCSEntity(r Route, p *segments) (Route, bool) {
	uid, ok := p.next()
	if !ok {
		return only(r, r.Method == "POST")
	}
	if !csUID(uid) {
		return Route{}, false
	}
	r.EntityID = uid
	action, ok := p.next()
	if !ok {
		return only(r, r.Method == "PUT" || r.Method == "DELETE")
	}
	if (action != csPublish && action != csUnpublish) || !p.end() || r.Method != "POST" {
		return Route{}, false
	}
	r.Sub = action
	return r, true
}

// firstHeader returns the first value of a header whose canonical name is
// given, without allocating.
func firstHeader(h http.Header, canonical string) string {
	if v := h[canonical]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// csUID reports whether s can be a Contentstack uid, api key or branch:
// 1–64 characters among letters, digits, "_" and "-".
func csUID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Needs asks for the publish body (it names the environments), the entry
// or asset before a publish, unpublish or delete (their answers are only a
// notice), the content type of an entry and the stack's environments.
func (contentstack) Needs(r Route) Needs {
	var n Needs
	if r.Sub != "" {
		n.RequestBody = true
	}
	if r.EntityID != "" && (r.Sub != "" || r.Method == "DELETE") {
		n.Lookups = append(n.Lookups, Lookup{Path: csEntityPath(r)})
	}
	if r.EntityType == ModuleEntry {
		n.Lookups = append(n.Lookups, Lookup{Path: "/v3/content_types/" + r.Parent, Cache: true})
	}
	if r.Sub != "" {
		n.Lookups = append(n.Lookups, Lookup{Path: csEnvironmentsPath, Cache: true})
	}
	return n
}

// csEnvironmentsPath lists a stack's environments.
const csEnvironmentsPath = "/v3/environments"

// csEntityPath returns the path of the route's entity.
func csEntityPath(r Route) string {
	switch r.EntityType {
	case ModuleEntry:
		return "/v3/content_types/" + r.Parent + "/entries/" + r.EntityID
	case ModuleAsset:
		return "/v3/assets/" + r.EntityID
	}
	return "/v3/content_types/" + r.EntityID
}

// Defaults follow Contentstack's retry policy: after a failure (any answer
// that is not 2xx, or no answer within 30s) it tries 4 more times, 5s,
// 25s, 125s and 625s later. Bodies are application/json, and a webhook
// without filters fires for every environment.
func (contentstack) Defaults() Defaults {
	return Defaults{
		ContentType:     "application/json",
		Attempts:        5,
		Delay:           5 * time.Second,
		Backoff:         BackoffExponential,
		Factor:          5,
		MaxDelay:        625 * time.Second,
		NoJitter:        true,
		RetryAll:        true,
		Timeout:         DefaultTimeout,
		AllEnvironments: true,
	}
}

// Wire is Contentstack's framing (ContentstackWire).
func (contentstack) Wire() Wire { return ContentstackWire{} }
