package events

import "strings"

// Entity types recognised by the contentful profile.
const (
	TypeEntry            = "Entry"
	TypeAsset            = "Asset"
	TypeContentType      = "ContentType"
	TypeEnvironmentAlias = "EnvironmentAlias"
	TypeRelease          = "Release"
	TypeReleaseAction    = "ReleaseAction"
	TypeReleaseEntry     = "ReleaseEntry"
	TypeBulkAction       = "BulkAction"
	TypeScheduledAction  = "ScheduledAction"
	TypeAppInstallation  = "AppInstallation"
)

// Sub-resources a write can address below an entity.
const (
	SubPublished = "published"
	SubArchived  = "archived"
)

// Route is what a profile recognised in a write request, before the answer is known.
// Its strings are slices of the request path.
type Route struct {
	// Space is the space id.
	Space string
	// Environment is the environment segment used by the client; "master" for
	// legacy /spaces/{s}/… paths; "" for space-level routes.
	Environment string
	// Legacy is true when an environment-scoped route was reached without the
	// /environments/{e} segment. Space-level routes are never legacy.
	Legacy bool
	// EntityType is "Entry", "Asset", "ContentType", "EnvironmentAlias", …
	EntityType string
	// EntityID is "" for a POST to a collection (the id comes from the answer body).
	EntityID string
	// Sub is "", "published" or "archived".
	Sub string
	// Release is the release id of a ReleaseAction route (…/releases/{r}/published
	// or …/validate) and of a ReleaseEntry route (…/releases/{r}/entries/…).
	Release string
	// Method is the request method.
	Method string
	// Parent is the content type uid of a Contentstack entry route.
	Parent string
	// Branch is the Contentstack branch (the branch header, default main).
	Branch string
	// Rule is the index of the custom profile's route that matched.
	Rule int
}

// EntityKey returns the index key "space/env/Type/id" of the entity, or ""
// when the route does not name one (POST to a collection). env is the
// segment used; when it is an alias, the entity's key is DocumentKey with
// the alias target.
func (r Route) EntityKey() string {
	if r.EntityID == "" {
		return ""
	}
	return DocumentKey(r.Space, r.Environment, r.EntityType, r.EntityID)
}

// DocumentKey returns the index key "space/env/Type/id" of an entity, also
// the document key of auto_save windows (Derived.Key). env is an environment
// id, never an alias, so that one document reached by its alias and by its
// environment id has one key; "" for space-level entities.
func DocumentKey(space, env, typ, id string) string {
	return space + "/" + env + "/" + typ + "/" + id
}

// EntityPath returns the path of the entity itself, in the same form as the
// request (a legacy path stays legacy), for a GET before a DELETE. It is ""
// when the route does not name an entity.
func (r Route) EntityPath() string {
	coll := collectionOf(r.EntityType)
	if r.EntityID == "" || coll == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString("/spaces/")
	b.WriteString(r.Space)
	if r.Environment != "" && !r.Legacy {
		b.WriteString("/environments/")
		b.WriteString(r.Environment)
	}
	b.WriteByte('/')
	b.WriteString(coll)
	b.WriteByte('/')
	b.WriteString(r.EntityID)
	return b.String()
}

// NeedsPrior reports whether the answer will have no body to derive the event
// from, so the caller must supply Input.Prior: the DELETE of an entry, asset or
// content type (answered with 204).
func (r Route) NeedsPrior() bool {
	return r.Method == "DELETE" && r.Sub == "" && r.EntityID != "" && isContentEntity(r.EntityType)
}

// isContentEntity reports whether typ is one of the types with published
// states, deletion objects and a CRN.
func isContentEntity(typ string) bool {
	return typ == TypeEntry || typ == TypeAsset || typ == TypeContentType
}

// collectionOf returns the path collection of an entity type.
func collectionOf(typ string) string {
	switch typ {
	case TypeEntry:
		return "entries"
	case TypeAsset:
		return "assets"
	case TypeContentType:
		return "content_types"
	case TypeEnvironmentAlias:
		return "environment_aliases"
	case TypeRelease:
		return "releases"
	case TypeBulkAction:
		return "bulk_actions"
	case TypeScheduledAction:
		return "scheduled_actions"
	case TypeAppInstallation:
		return "app_installations"
	}
	return ""
}

// ValidID reports whether s is a Contentful resource id
// (/^[a-zA-Z0-9-_.]{1,64}$/), excluding the path segments "." and "..".
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > 64 || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}
