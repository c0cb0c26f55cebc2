package followup

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
)

// Kind is the kind of action followed.
type Kind string

// The kinds of actions followed.
const (
	KindBulk      Kind = "bulk"
	KindRelease   Kind = "release"
	KindScheduled Kind = "scheduled"
)

// Operations an action carries out on its entities.
const (
	OpPublish   = "publish"
	OpUnpublish = "unpublish"
	OpValidate  = "validate"
)

// Action is one action being followed. It is JSON-serialised by the caller,
// which keeps it durable from the write that started it until Sink.Finish.
type Action struct {
	// Kind says whether this is a bulk, release or scheduled action.
	Kind Kind `json:"kind"`
	// ID is the action's sys.id.
	ID string `json:"id"`
	// Space is the space id.
	Space string `json:"space"`
	// Environment is the environment segment of the write (for scheduled
	// actions: the environment the action names).
	Environment string `json:"environment"`
	// Legacy is true when the write used a path without /environments/{e};
	// the gateway's own requests then use the same form.
	Legacy bool `json:"legacy,omitempty"`
	// Op is what the action does to its entities: publish, unpublish or
	// validate.
	Op string `json:"op"`
	// Release is the release id of a release action.
	Release string `json:"release,omitempty"`
	// StatusPath and StatusQuery locate the action's status in the CMS.
	StatusPath  string `json:"statusPath"`
	StatusQuery string `json:"statusQuery,omitempty"`
	// Entities are the entries and assets of a bulk or scheduled action; a
	// release action reads them from the release when it has run.
	Entities []Link `json:"entities,omitempty"`
	// Due is when a scheduled action is to run.
	Due time.Time `json:"due,omitzero"`
	// Started is when the gateway saw the write that started the action.
	Started time.Time `json:"started"`
}

// Link names one entry or asset.
type Link struct {
	// Type is "Entry" or "Asset".
	Type string `json:"type"`
	// ID is the entity id.
	ID string `json:"id"`
}

// Key returns the action's key, unique per storage: kind, space,
// environment (none for scheduled actions, which are space-level) and id.
func (a *Action) Key() string {
	if a.Kind == KindScheduled {
		return ScheduledKey(a.Space, a.ID)
	}
	return string(a.Kind) + "/" + a.Space + "/" + a.Environment + "/" + a.ID
}

// ScheduledKey returns the key of a scheduled action, for Runner.Cancel when
// it is deleted.
func ScheduledKey(space, id string) string {
	return string(KindScheduled) + "/" + space + "/" + id
}

// envPrefix returns "/spaces/{s}/environments/{e}", or "/spaces/{s}" for a
// legacy action.
func (a *Action) envPrefix() string {
	if a.Legacy {
		return "/spaces/" + a.Space
	}
	return "/spaces/" + a.Space + "/environments/" + a.Environment
}

// entityPath returns the path of one entity of the action.
func (a *Action) entityPath(l Link) string {
	coll := "entries"
	if l.Type == events.TypeAsset {
		coll = "assets"
	}
	return a.envPrefix() + "/" + coll + "/" + l.ID
}

// releasePath returns the path of a release action's release.
func (a *Action) releasePath() string {
	return a.envPrefix() + "/releases/" + a.Release
}

// FromWrite returns the action a successful write started, or nil when it
// started none (any other write, a validate-only answer, an answer that does
// not name the action). path is the request path, which tells the two bulk
// action APIs apart; body is the upstream answer.
func FromWrite(route events.Route, path string, body []byte, now time.Time) *Action {
	var ans actionAnswer
	if len(body) == 0 || json.Unmarshal(body, &ans) != nil || !events.ValidID(ans.Sys.ID) {
		return nil
	}
	a := &Action{
		ID:          ans.Sys.ID,
		Space:       route.Space,
		Environment: route.Environment,
		Legacy:      route.Legacy,
		Op:          ans.Action,
		Started:     now.UTC(),
	}
	switch route.EntityType {
	case events.TypeBulkAction:
		if route.Method != "POST" {
			return nil
		}
		a.Kind = KindBulk
		a.Entities = ans.Payload.Entities.links()
		a.StatusPath = a.envPrefix() + "/bulk_actions/actions/" + a.ID
		if strings.HasSuffix(strings.TrimSuffix(path, "/"), "/bulk_actions") {
			a.StatusPath = a.envPrefix() + "/bulk_actions/" + a.ID
		}
	case events.TypeReleaseAction:
		a.Kind, a.Release = KindRelease, route.Release
		if a.Op == "" {
			a.Op = releaseOp(route)
		}
		a.StatusPath = a.releasePath() + "/actions/" + a.ID
	case events.TypeScheduledAction:
		if route.Method == "DELETE" || ans.Sys.Status != "scheduled" || !events.ValidID(ans.Environment.Sys.ID) {
			return nil
		}
		a.Kind = KindScheduled
		a.Environment, a.Legacy = ans.Environment.Sys.ID, false
		a.Entities = ans.Entity.links()
		a.Due = ans.ScheduledFor.due()
		a.StatusPath = "/spaces/" + a.Space + "/scheduled_actions/" + a.ID
		a.StatusQuery = "environment.sys.id=" + a.Environment
	default:
		return nil
	}
	switch a.Op {
	case OpPublish, OpUnpublish, OpValidate:
		return a
	}
	return nil
}

// releaseOp returns what a release action route asks for, for an answer
// that does not say.
func releaseOp(route events.Route) string {
	switch {
	case route.Method == "POST":
		return OpValidate
	case route.Method == "DELETE":
		return OpUnpublish
	}
	return OpPublish
}
