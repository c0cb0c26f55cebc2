package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// customName is the configuration name of custom profiles.
const customName = "custom"

// maxCustomSegments bounds the segments of a custom route's path.
const maxCustomSegments = 16

// CustomTopicPrefix starts the topics of custom profiles' events, as
// "ContentManagement." starts Contentful's: "Custom.articles.create".
const CustomTopicPrefix = "Custom."

// CustomSpec describes the management API of a CMS that no built-in profile
// covers (Strapi, Directus, Payload, an in-house API): its write routes and
// where each event's type, action, id, space, environment and payload come
// from. Values written `{name}` are taken from the path parameter of that
// name; other values are fixed.
type CustomSpec struct {
	// Routes are the write routes, tried in order. Required.
	Routes []CustomRoute `json:"routes"`
	// Type is the entity type of the events, e.g. "{collection}" or
	// "article". Required unless every route sets its own.
	Type string `json:"type,omitempty"`
	// ID is a JSON pointer into the answer ("/data/id") naming the entity
	// id; when the answer lacks it (or ID is empty), the {id} path
	// parameter is used.
	ID string `json:"id,omitempty"`
	// Space groups events like a Contentful space, e.g. "{tenant}"; default
	// none.
	Space string `json:"space,omitempty"`
	// Environment is the events' environment, e.g. "{env}" or "production";
	// default none.
	Environment string `json:"environment,omitempty"`
	// Payload is a JSON pointer into the answer naming the webhook body,
	// e.g. "/data"; default the whole answer. An answer without a body
	// gives {"type", "id", "action"}.
	Payload string `json:"payload,omitempty"`
}

// CustomRoute is one write route of a custom profile.
type CustomRoute struct {
	// Method is POST, PUT, PATCH or DELETE.
	Method string `json:"method"`
	// Path is the URL path, segments either literal or {name}, e.g.
	// "/api/{collection}/{id}/publish".
	Path string `json:"path"`
	// Status lists the answer statuses that make an event; default any 2xx.
	Status []int `json:"status,omitempty"`
	// Action is the event's action, e.g. "create", "save", "publish",
	// "delete". Required.
	Action string `json:"action"`
	// Type overrides the spec's Type for this route.
	Type string `json:"type,omitempty"`
}

// custom is a compiled CustomSpec.
type custom struct {
	spec    CustomSpec
	routes  []customRoute
	id      []string // pointer tokens; nil: the {id} parameter only
	payload []string // pointer tokens; nil: the whole answer
}

// customRoute is a compiled CustomRoute.
type customRoute struct {
	method string
	segs   []string // literal, or "{name}"
	typ    value
	space  value
	env    value
	action string
	status []int
	idSeg  int // the index of the {id} segment, or -1
}

// value is a fixed string or a path parameter.
type value struct {
	fixed string
	param int // the segment index of the parameter, or -1
}

// NewCustomProfile compiles a custom profile. Errors name the field at
// fault and the expected form.
func NewCustomProfile(spec CustomSpec) (Profile, error) {
	if len(spec.Routes) == 0 {
		return nil, fmt.Errorf("custom profile: list at least one route, e.g. `route POST /api/{collection} 201 create`")
	}
	c := &custom{spec: spec}
	var err error
	if c.id, err = optionalPointer("id", spec.ID); err != nil {
		return nil, err
	}
	if c.payload, err = optionalPointer("payload", spec.Payload); err != nil {
		return nil, err
	}
	for i, r := range spec.Routes {
		cr, err := compileCustomRoute(r, spec)
		if err != nil {
			return nil, fmt.Errorf("custom profile: route %d (%s %s): %w", i+1, r.Method, r.Path, err)
		}
		c.routes = append(c.routes, cr)
	}
	return c, nil
}

// optionalPointer parses a JSON pointer that may be empty.
func optionalPointer(field, p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("custom profile: %s %q: want a JSON pointer into the answer, e.g. /data/id", field, p)
	}
	return parsePointer(p)
}

// compileCustomRoute checks a route and resolves where its values come from.
func compileCustomRoute(r CustomRoute, spec CustomSpec) (customRoute, error) {
	cr := customRoute{method: r.Method, action: r.Action, status: r.Status, idSeg: -1}
	switch r.Method {
	case "POST", "PUT", "PATCH", "DELETE":
	default:
		return cr, fmt.Errorf("method %q: use POST, PUT, PATCH or DELETE", r.Method)
	}
	if !strings.HasPrefix(r.Path, "/") {
		return cr, fmt.Errorf("path %q: want an absolute path such as /api/{collection}/{id}", r.Path)
	}
	cr.segs = strings.Split(r.Path[1:], "/")
	if len(cr.segs) > maxCustomSegments {
		return cr, fmt.Errorf("path has %d segments; at most %d", len(cr.segs), maxCustomSegments)
	}
	for i, seg := range cr.segs {
		if name, ok := paramName(seg); ok {
			if !topicPart(name) {
				return cr, fmt.Errorf("path parameter %q: use a name of letters, digits and _", seg)
			}
			if slices.Contains(cr.segs[:i], seg) {
				return cr, fmt.Errorf("path parameter %s appears twice", seg)
			}
			if name == "id" {
				cr.idSeg = i
			}
		} else if seg == "" || strings.ContainsAny(seg, "{}") {
			return cr, fmt.Errorf("path segment %q: want a literal name or a {parameter}", seg)
		}
	}
	if !topicPart(r.Action) {
		return cr, fmt.Errorf("action %q: want a name such as create, save, publish or delete", r.Action)
	}
	for _, st := range r.Status {
		if st < 200 || st > 299 {
			return cr, fmt.Errorf("status %d: an event needs a 2xx answer", st)
		}
	}
	typ := cmpOr(r.Type, spec.Type)
	if typ == "" {
		return cr, fmt.Errorf("no type: set `type {collection}` or a fixed name")
	}
	var err error
	if cr.typ, err = cr.value("type", typ); err != nil {
		return cr, err
	}
	if cr.typ.param < 0 && !topicPart(typ) {
		return cr, fmt.Errorf("type %q: use a name of letters, digits, _ and - that starts with a letter", typ)
	}
	if cr.space, err = cr.value("space", spec.Space); err != nil {
		return cr, err
	}
	if cr.env, err = cr.value("environment", spec.Environment); err != nil {
		return cr, err
	}
	return cr, nil
}

// cmpOr returns the first non-empty string.
func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// paramName returns name for a "{name}" segment.
func paramName(seg string) (string, bool) {
	if len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' {
		return seg[1 : len(seg)-1], true
	}
	return "", false
}

// value resolves a spec value against the route's parameters.
func (r customRoute) value(field, v string) (value, error) {
	if _, ok := paramName(v); !ok {
		return value{fixed: v, param: -1}, nil
	}
	if i := slices.Index(r.segs, v); i >= 0 {
		return value{param: i}, nil
	}
	return value{}, fmt.Errorf("%s %s: the path has no such parameter", field, v)
}

// Name returns "custom".
func (*custom) Name() string { return customName }

// MatchRequest tries the routes in order. It slices path and never
// allocates.
func (c *custom) MatchRequest(method, path string, _ http.Header) (Route, bool) {
	switch method {
	case "POST", "PUT", "PATCH", "DELETE":
	default:
		return Route{}, false
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	rest, ok := strings.CutPrefix(path, "/")
	if !ok {
		return Route{}, false
	}
	for i := range c.routes {
		cr := &c.routes[i]
		if cr.method != method {
			continue
		}
		var segs [maxCustomSegments]string
		if !cr.match(rest, segs[:]) {
			continue
		}
		r := Route{Method: method, Sub: cr.action, Rule: i}
		r.EntityType = cr.typ.of(segs[:])
		if cr.idSeg >= 0 {
			r.EntityID = segs[cr.idSeg]
		}
		r.Space, r.Environment = cr.space.of(segs[:]), cr.env.of(segs[:])
		return r, true
	}
	return Route{}, false
}

// match fills segs with the path's segments when the path fits the route.
func (r *customRoute) match(path string, segs []string) bool {
	if len(r.segs) > len(segs) {
		return false
	}
	for i, want := range r.segs {
		var seg string
		var more bool
		seg, path, more = strings.Cut(path, "/")
		if more == (i == len(r.segs)-1) {
			return false
		}
		if _, isParam := paramName(want); isParam {
			if !customSegment(seg) {
				return false
			}
		} else if seg != want {
			return false
		}
		segs[i] = seg
	}
	return true
}

// customSegment reports whether a path parameter's value is acceptable:
// 1–128 characters among letters, digits, "-", "_", "." and "~", and not
// "." or "..".
func customSegment(s string) bool {
	if len(s) == 0 || len(s) > 128 || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~') {
			return false
		}
	}
	return true
}

// of returns the value for the path's segments.
func (v value) of(segs []string) string {
	if v.param >= 0 {
		return segs[v.param]
	}
	return v.fixed
}

// Needs is empty: a custom event is built from the answer alone.
func (*custom) Needs(Route) Needs { return Needs{} }

// Defaults are Contentful's retry policy with application/json bodies;
// a webhook without filters fires for every environment.
func (*custom) Defaults() Defaults {
	d := ContentfulDefaults
	d.ContentType = "application/json"
	d.AllEnvironments = true
	return d
}

// Wire is nil: custom profiles' calls carry Contentful's headers (topic
// Custom.<type>.<action>) and signature.
func (*custom) Wire() Wire { return nil }

// Derive makes the event of a custom route: topic Custom.<type>.<action>,
// the id from the answer (or the path), the payload from the answer.
func (c *custom) Derive(in Input) Derived {
	r := in.Route
	if r.Rule < 0 || r.Rule >= len(c.routes) {
		return Derived{}
	}
	cr := c.routes[r.Rule]
	if in.Status < 200 || in.Status > 299 || (len(cr.status) > 0 && !slices.Contains(cr.status, in.Status)) {
		return Derived{}
	}
	var d Derived
	body := in.Body
	switch {
	case len(body) == 0:
		body = nil
	case !json.Valid(body):
		body = nil
		d.Warning = warnMalformed
	}
	id := r.EntityID
	if c.id != nil && body != nil {
		if raw, ok := lookup(body, c.id); ok {
			if s := textOf(raw); customSegment(s) {
				id = s
			}
		}
	}
	var payload []byte
	if body != nil {
		payload = body
		if c.payload != nil {
			if raw, ok := lookup(body, c.payload); ok && (isObject(raw) || raw[0] == '[') {
				payload = raw
			}
		}
		payload = bytes.Clone(compact(payload))
	} else {
		payload, _ = json.Marshal(map[string]string{"type": r.EntityType, "id": id, "action": cr.action})
	}
	d.Event = &Event{
		ID:          newEventID(),
		Topic:       CustomTopicPrefix + r.EntityType + "." + cr.action,
		Space:       r.Space,
		Environment: r.Environment,
		EntityID:    id,
		Time:        in.Now.UTC(),
		Payload:     payload,
	}
	return d
}
