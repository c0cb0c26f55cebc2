package events

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"time"
)

// Input is everything known after the upstream answered a write.
type Input struct {
	// Route is what the profile recognised in the request.
	Route Route
	// Status is the upstream answer's status code.
	Status int
	// Header holds the client's request headers (for X-Contentful-Content-Type).
	Header http.Header
	// Body is the upstream answer body; nil when not buffered (over max_body)
	// or empty. Derive does not keep a reference to it.
	Body []byte
	// Truncated is true when the answer was larger than max_body: Body is nil
	// and a thin event is derived.
	Truncated bool
	// Prior is what the gateway last saw of the entity (or fetched before a
	// DELETE); may be nil.
	Prior *Entity
	// Now is when the write succeeded.
	Now time.Time
	// AutoSave is true when the caller decided this update is an editor save
	// (topic auto_save instead of save; only where AutoSavable).
	AutoSave bool
	// AliasTarget is the environment Route.Environment targets when that
	// segment is an environment alias (AliasTable.Resolve), else "". It makes
	// the payload's sys.environment a link to the alias and Derived.Key use
	// the target; the event's environment and CRN stay the segment used.
	AliasTarget string
	// RequestBody is the client's request body when the profile's Needs
	// asked for it; nil otherwise or when larger than max_body.
	RequestBody []byte
	// Lookups holds the answers of the GETs the profile's Needs listed,
	// keyed by path; a lookup that failed or did not answer 200 is absent.
	Lookups map[string][]byte
}

// Derived is the outcome of one write.
type Derived struct {
	// Event is nil when the write makes no event (non-2xx, unrecognised status).
	Event *Event
	// More are further events of the same write, such as the second
	// environment of a Contentstack publish; usually empty.
	More []*Event
	// Entity is the entity's state to remember in the index; nil means
	// nothing new.
	Entity *Entity
	// Forget is true when the entity is gone (delete): drop it from the index.
	Forget bool
	// Key is the index key of Entity or of the entity to forget, also the
	// document key of auto_save windows: DocumentKey of the route's space,
	// environment (the alias target when Input.AliasTarget is set), entity
	// type and id, the id taken from the answer for a POST.
	Key string
	// Alias is the change an EnvironmentAlias event makes to the space's
	// aliases, for the caller to apply to its AliasTable; nil for other
	// events and when the answer does not name the target.
	Alias *AliasChange
	// Warning, when non-empty, describes something odd worth a log line
	// (malformed answer, thin event). It never contains payload content.
	Warning string
}

// Warnings Derive can report.
const (
	warnTruncated = "upstream answer larger than max_body: thin event built from the request path"
	warnMalformed = "upstream answer is not a JSON object: thin event built from the request path"
	warnEmpty     = "upstream answer has no body: thin event built from the request path"
	warnBadID     = "upstream answer has no valid sys.id: event has no entity id"
	warnNoTarget  = "upstream answer of an alias write has no valid environment.sys.id: alias target not learned"
)

// AliasChange is what an alias write did to the aliases of a space.
type AliasChange struct {
	// Space is the space id.
	Space string
	// Alias is the alias id.
	Alias string
	// Target is the environment the alias now targets; "" when Deleted.
	Target string
	// Deleted is true when the alias was deleted.
	Deleted bool
}

// Derive turns a write and its upstream answer into an event, following the
// Contentful rules: create on 201, save (or auto_save) on 200 to PUT/PATCH,
// publish/unpublish and archive/unarchive on 200 to the sub-resources, delete
// on 204 or 200. Payloads are shaped per action: the CMA draft as returned,
// a CDA-style entity for publish, a deletion object for unpublish and delete.
// When the write went through an environment alias (Input.AliasTarget), the
// payload's sys.environment links to the alias and nothing else changes.
// Derive never panics.
func Derive(in Input) Derived {
	r := in.Route
	action := actionFor(r, in.Status, in.AutoSave)
	if action == "" {
		return Derived{}
	}
	var d Derived
	ans := readAnswer(in.Body)
	switch {
	case in.Truncated:
		d.Warning = warnTruncated
	case len(in.Body) > 0 && ans.body == nil:
		d.Warning = warnMalformed
	case len(in.Body) == 0 && action != "delete":
		d.Warning = warnEmpty
	}

	id := r.EntityID
	if id == "" {
		if id = str(fieldOr(ans.sys, "id")); !ValidID(id) {
			id = ""
			if d.Warning == "" {
				d.Warning = warnBadID
			}
		}
	}
	alias := in.AliasTarget != "" && r.Environment != ""
	if id != "" {
		env := r.Environment
		if alias {
			env = in.AliasTarget
		}
		keyID := id
		if r.EntityType == TypeReleaseEntry {
			keyID = r.Release + "/" + id // one document per release
		}
		d.Key = DocumentKey(r.Space, env, r.EntityType, keyID)
	}

	s := shaper{route: r, id: id, sys: ans.sys, prior: in.Prior, now: in.Now, alias: alias}
	if s.prior != nil && s.prior.ContentType != "" {
		s.contentType = s.prior.ContentType
	} else if in.Header != nil {
		s.contentType = in.Header.Get("X-Contentful-Content-Type")
	}
	var payload []byte
	switch {
	case action == "unpublish" || (action == "delete" && isContentEntity(r.EntityType)):
		payload = s.deletion()
	case ans.body == nil:
		payload = s.thin()
	case action == "publish":
		payload = s.published(ans.body)
	case alias:
		payload = withEnvironment(ans.body, appendAliasLink(make([]byte, 0, 128), r.Environment))
	default:
		payload = bytes.Clone(ans.body)
	}

	switch {
	case action == "delete":
		d.Forget = d.Key != ""
	case ans.sys != nil && isContentEntity(r.EntityType) && d.Key != "":
		e := entityFromSys(ans.sys)
		e.Type, e.ID = r.EntityType, id
		d.Entity = e
	}

	prefix := "ContentManagement."
	if r.EntityType == TypeAppInstallation {
		prefix = "AppManagement."
	}
	if r.EntityType == TypeEnvironmentAlias {
		prefix = "SpaceManagement."
		d.Alias = aliasChange(r, action, ans.body)
		if d.Alias == nil && d.Warning == "" {
			d.Warning = warnNoTarget
		}
	}
	d.Event = &Event{
		ID:          newEventID(),
		Topic:       prefix + r.EntityType + "." + action,
		Space:       r.Space,
		Environment: r.Environment,
		EntityID:    id,
		CRN:         crn(r, id),
		Time:        in.Now.UTC(),
		Payload:     payload,
	}
	return d
}

// aliasChange returns the change made by an alias write: a delete, or the
// target named by the answer's environment.sys.id (nil when it names none).
func aliasChange(r Route, action string, body []byte) *AliasChange {
	if action == "delete" {
		return &AliasChange{Space: r.Space, Alias: r.EntityID, Deleted: true}
	}
	target, _ := stringAt(body, "environment", "sys", "id")
	if !ValidID(target) {
		return nil
	}
	return &AliasChange{Space: r.Space, Alias: r.EntityID, Target: target}
}

// actionFor returns the topic action of a write answered with status, or ""
// when it makes no event.
func actionFor(r Route, status int, autoSave bool) string {
	if status < 200 || status > 299 {
		return ""
	}
	save := "save"
	if autoSave && AutoSavable(r.EntityType) {
		save = "auto_save"
	}
	switch r.EntityType {
	case TypeReleaseAction:
		return "create" // publishing, unpublishing or validating a release starts an action
	case TypeReleaseEntry:
		return save // Contentful has no ReleaseEntry.create
	}
	switch r.Sub {
	case SubPublished:
		if status == http.StatusOK {
			return pick(r.Method, "publish", "unpublish")
		}
		return ""
	case SubArchived:
		if status == http.StatusOK {
			return pick(r.Method, "archive", "unarchive")
		}
		return ""
	}
	switch r.Method {
	case "POST":
		if status == http.StatusCreated || (r.EntityType == TypeBulkAction && (status == http.StatusOK || status == http.StatusAccepted)) {
			return "create"
		}
	case "PUT":
		switch {
		case status == http.StatusCreated:
			return "create"
		case status == http.StatusOK && r.EntityType == TypeEnvironmentAlias:
			return "change_target"
		case status == http.StatusOK:
			return save
		}
	case "PATCH":
		if status == http.StatusOK {
			return save
		}
	case "DELETE":
		if status == http.StatusOK || status == http.StatusNoContent {
			return "delete"
		}
	}
	return ""
}

// AutoSavable reports whether editor saves of an entity type are auto_save
// events: entries, assets and release-scoped entries.
func AutoSavable(typ string) bool {
	return typ == TypeEntry || typ == TypeAsset || typ == TypeReleaseEntry
}

// pick returns onPut for PUT and onDelete for DELETE.
func pick(method, onPut, onDelete string) string {
	switch method {
	case "PUT":
		return onPut
	case "DELETE":
		return onDelete
	}
	return ""
}

// answer is an upstream answer body that is a valid JSON object.
type answer struct {
	body []byte // nil when the answer was empty or not a JSON object
	sys  []byte // the sys member, or nil
}

// readAnswer validates an upstream answer body.
func readAnswer(body []byte) answer {
	if len(body) == 0 || !isObject(body) || !validJSON(body) {
		return answer{}
	}
	sys, ok := field(body, "sys")
	if !ok || !isObject(sys) {
		sys = nil
	}
	return answer{body: body, sys: sys}
}

// fieldOr returns the member key of obj, or nil.
func fieldOr(obj []byte, key string) []byte {
	if obj == nil {
		return nil
	}
	v, _ := field(obj, key)
	return v
}

// newEventID returns 32 random lowercase hex characters.
func newEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails: crypto/rand aborts the program instead
	return hex.EncodeToString(b[:])
}

// crn returns the Contentful resource name of an entry, asset or content
// type, or "" for other entities or an unknown id.
func crn(r Route, id string) string {
	if id != "" && r.EntityType == TypeAppInstallation {
		return "crn:contentful:::extensibility:spaces/" + r.Space + "/environments/" + r.Environment + "/app_installations/" + id
	}
	if id == "" || !isContentEntity(r.EntityType) {
		return ""
	}
	return "crn:contentful:::content:spaces/" + r.Space + "/environments/" + r.Environment + "/" + collectionOf(r.EntityType) + "/" + id
}
