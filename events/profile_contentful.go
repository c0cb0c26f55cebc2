package events

import (
	"net/http"
	"strings"
)

// contentfulName is the configuration name of the Contentful profile.
const contentfulName = "contentful"

// contentful is the route table of the Contentful Content Management API:
// entries, assets and content types (with their published and archived
// sub-resources), environment aliases, releases (with their actions and
// release-scoped entries), bulk actions and scheduled actions, under /spaces/{s}/environments/{e} or the legacy /spaces/{s}.
type contentful struct{}

// Name returns "contentful".
func (contentful) Name() string { return contentfulName }

// MatchRequest is Match; Contentful's routes are in the path alone.
func (c contentful) MatchRequest(method, path string, _ http.Header) (Route, bool) {
	return c.Match(method, path)
}

// Needs is empty: the gateway gathers what Contentful events need (the
// entity before a DELETE, aliases) itself.
func (contentful) Needs(Route) Needs { return Needs{} }

// Derive is the package's Derive.
func (contentful) Derive(in Input) Derived { return Derive(in) }

// Defaults are ContentfulDefaults.
func (contentful) Defaults() Defaults { return ContentfulDefaults }

// Wire is nil: the delivery side frames Contentful's calls itself.
func (contentful) Wire() Wire { return nil }

// Match recognises the Contentful write routes. It slices path and never
// allocates. A query string, if present, is ignored.
func (contentful) Match(method, path string) (Route, bool) {
	switch method {
	case "POST", "PUT", "PATCH", "DELETE":
	default:
		return Route{}, false
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	rest, ok := strings.CutPrefix(path, "/spaces/")
	if !ok {
		return Route{}, false
	}
	p := segments{rest: rest}
	space, _ := p.next()
	if !ValidID(space) {
		return Route{}, false
	}
	r := Route{Space: space, Method: method}
	coll, ok := p.next()
	if !ok {
		return Route{}, false
	}
	switch coll {
	case "environments":
		env, _ := p.next()
		if !ValidID(env) {
			return Route{}, false
		}
		r.Environment = env
		if coll, ok = p.next(); !ok {
			return Route{}, false // the environment itself makes no event
		}
	case "environment_aliases":
		return matchAlias(r, &p)
	case "scheduled_actions":
		r.EntityType = TypeScheduledAction
		return matchPlain(r, &p)
	default:
		r.Environment = "master"
		r.Legacy = true
	}
	switch coll {
	case "entries":
		r.EntityType = TypeEntry
		return matchContent(r, &p, true)
	case "assets":
		r.EntityType = TypeAsset
		return matchContent(r, &p, true)
	case "content_types":
		r.EntityType = TypeContentType
		return matchContent(r, &p, false)
	case "releases":
		r.EntityType = TypeRelease
		return matchRelease(r, &p)
	case "bulk_actions":
		r.EntityType = TypeBulkAction
		return matchBulk(r, &p)
	case "app_installations":
		r.EntityType = TypeAppInstallation
		if r, ok := matchPlain(r, &p); ok && r.EntityID != "" {
			return r, true
		}
	}
	return Route{}, false
}

// matchContent matches the collection, entity and sub-resource routes of
// entries, assets and content types; archivable allows …/{id}/archived.
func matchContent(r Route, p *segments, archivable bool) (Route, bool) {
	id, ok := p.next()
	if !ok {
		return only(r, r.Method == "POST")
	}
	if !ValidID(id) {
		return Route{}, false
	}
	r.EntityID = id
	sub, ok := p.next()
	if !ok {
		return only(r, r.Method == "PUT" || r.Method == "PATCH" || r.Method == "DELETE")
	}
	if !p.end() || (r.Method != "PUT" && r.Method != "DELETE") {
		return Route{}, false
	}
	switch {
	case sub == SubPublished:
		r.Sub = SubPublished
	case sub == SubArchived && archivable:
		r.Sub = SubArchived
	default:
		return Route{}, false
	}
	return r, true
}

// matchRelease matches the release routes: POST releases, PUT/DELETE
// releases/{id} and releases/{id}/archived, the release actions started by
// PUT/DELETE releases/{id}/published and POST releases/{id}/validate, and the
// release-scoped entries POST releases/{id}/entries and PUT/PATCH
// releases/{id}/entries/{entry}.
func matchRelease(r Route, p *segments) (Route, bool) {
	id, ok := p.next()
	if !ok {
		return only(r, r.Method == "POST")
	}
	if !ValidID(id) {
		return Route{}, false
	}
	putOrDelete := r.Method == "PUT" || r.Method == "DELETE"
	sub, ok := p.next()
	if !ok {
		r.EntityID = id
		return only(r, putOrDelete)
	}
	switch sub {
	case SubArchived:
		r.EntityID, r.Sub = id, SubArchived
		return only(r, p.end() && putOrDelete)
	case SubPublished:
		r.EntityType, r.Release, r.Sub = TypeReleaseAction, id, SubPublished
		return only(r, p.end() && putOrDelete)
	case "validate":
		r.EntityType, r.Release = TypeReleaseAction, id
		return only(r, p.end() && r.Method == "POST")
	case "entries":
		r.EntityType, r.Release = TypeReleaseEntry, id
		entry, ok := p.next()
		if !ok {
			return only(r, r.Method == "POST")
		}
		r.EntityID = entry
		return only(r, ValidID(entry) && p.end() && (r.Method == "PUT" || r.Method == "PATCH"))
	}
	return Route{}, false
}

// matchBulk matches POST bulk_actions (v2) and POST
// bulk_actions/publish|unpublish|validate (v1).
func matchBulk(r Route, p *segments) (Route, bool) {
	if r.Method != "POST" {
		return Route{}, false
	}
	action, ok := p.next()
	if !ok {
		return r, true
	}
	switch action {
	case "publish", "unpublish", "validate":
		return only(r, p.end())
	}
	return Route{}, false
}

// matchAlias matches PUT/DELETE /spaces/{s}/environment_aliases/{a}.
func matchAlias(r Route, p *segments) (Route, bool) {
	id, _ := p.next()
	if !ValidID(id) || !p.end() || (r.Method != "PUT" && r.Method != "DELETE") {
		return Route{}, false
	}
	r.EntityType = TypeEnvironmentAlias
	r.EntityID = id
	return r, true
}

// matchPlain matches POST on a collection and PUT/DELETE on one of its items.
func matchPlain(r Route, p *segments) (Route, bool) {
	id, ok := p.next()
	if !ok {
		return only(r, r.Method == "POST")
	}
	if !ValidID(id) || !p.end() || (r.Method != "PUT" && r.Method != "DELETE") {
		return Route{}, false
	}
	r.EntityID = id
	return r, true
}

// only returns r when cond holds, else no match.
func only(r Route, cond bool) (Route, bool) {
	if !cond {
		return Route{}, false
	}
	return r, true
}

// segments walks a path one "/"-separated segment at a time without
// allocating. A trailing slash yields a final empty segment.
type segments struct {
	rest string
	done bool
}

// next returns the next segment, or false when the path has ended.
func (s *segments) next() (string, bool) {
	if s.done {
		return "", false
	}
	i := strings.IndexByte(s.rest, '/')
	if i < 0 {
		seg := s.rest
		s.rest, s.done = "", true
		return seg, true
	}
	seg := s.rest[:i]
	s.rest = s.rest[i+1:]
	return seg, true
}

// end reports whether the path has no further segment.
func (s *segments) end() bool { return s.done }
