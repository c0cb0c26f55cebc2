package sandbox

import (
	"encoding/json"
	"fmt"
	"time"
)

// maxActionItems is the most entities one bulk action or release may list.
const maxActionItems = 200

// The verbs of bulk, release and scheduled actions.
const (
	verbPublish   = "publish"
	verbUnpublish = "unpublish"
	verbValidate  = "validate"
)

// actionVerbs holds the verbs of bulk and release actions.
var actionVerbs = map[string]bool{verbPublish: true, verbUnpublish: true, verbValidate: true}

// The statuses of bulk, release and scheduled actions.
const (
	statusCreated    = "created"
	statusInProgress = "inProgress"
	statusScheduled  = "scheduled"
	statusSucceeded  = "succeeded"
	statusFailed     = "failed"
	statusCanceled   = "canceled"
)

// kindByLinkType finds the kinds actions work on by the linkType of a link.
var kindByLinkType = map[string]*kind{entryKind.typ: entryKind, assetKind.typ: assetKind}

// entityRef names one entity an action works on; version is 0 when the
// action names none.
type entityRef struct {
	kind    *kind
	id      string
	version int
}

// link is the link to the entity.
func (r entityRef) link() *link { return newLink(r.kind.typ, r.id) }

// entitiesBody is the entities member of a bulk action or release body.
type entitiesBody struct {
	Items []linkBody `json:"items"`
}

// linkBody is a link as clients send it, with an optional version.
type linkBody struct {
	Sys struct {
		Type     string `json:"type"`
		LinkType string `json:"linkType"`
		ID       string `json:"id"`
		Version  *int   `json:"version"`
	} `json:"sys"`
}

// decodeEntities reads the entities member of a bulk action or release: an
// Array of at least minItems and at most maxActionItems links to distinct
// entries and assets, each with a version when needVersion is set.
func decodeEntities(raw json.RawMessage, minItems int, needVersion bool) ([]entityRef, *apiError) {
	const shape = `{"sys":{"type":"Array"},"items":[{"sys":{"type":"Link","linkType":"Entry","id":"…","version":1}}]}`
	var body entitiesBody
	if isAbsent(raw) && minItems == 0 {
		return nil, nil
	}
	if isAbsent(raw) || json.Unmarshal(raw, &body) != nil {
		return nil, validationFailed([]string{"entities"}, "entities must be an object like %s", shape)
	}
	if n := len(body.Items); n < minItems || n > maxActionItems {
		return nil, validationFailed([]string{"entities", "items"}, "entities.items must list from %d to %d links, got %d", minItems, maxActionItems, n)
	}
	refs := make([]entityRef, 0, len(body.Items))
	seen := map[entityRef]bool{}
	for i, item := range body.Items {
		path := []string{"entities", "items", fmt.Sprint(i)}
		k := kindByLinkType[item.Sys.LinkType]
		if item.Sys.Type != "Link" || k == nil || !idPattern.MatchString(item.Sys.ID) {
			return nil, validationFailed(path, "entities.items[%d] must be a link to an Entry or Asset like %s", i, `{"sys":{"type":"Link","linkType":"Entry","id":"…"}}`)
		}
		ref := entityRef{kind: k, id: item.Sys.ID}
		if seen[ref] {
			return nil, validationFailed(path, "entities.items[%d] lists %s %q a second time; list every entity once", i, k.typ, ref.id)
		}
		seen[ref] = true
		switch v := item.Sys.Version; {
		case v == nil && needVersion:
			return nil, validationFailed(append(path, "sys", "version"), "entities.items[%d] needs sys.version: publishing names the version of every entity", i)
		case v != nil && *v < 1:
			return nil, validationFailed(append(path, "sys", "version"), "entities.items[%d].sys.version must be at least 1, got %d", i, *v)
		case v != nil:
			ref.version = *v
		}
		refs = append(refs, ref)
	}
	return refs, nil
}

// linksJSON is a list of links: {"sys":{"type":"Array"},"items":[…]}.
type linksJSON struct {
	Sys   arraySys `json:"sys"`
	Items []*link  `json:"items"`
}

// renderLinks renders refs as a list of links without versions.
func renderLinks(refs []entityRef) linksJSON {
	out := linksJSON{Sys: arraySys{Type: "Array"}, Items: []*link{}}
	for _, r := range refs {
		out.Items = append(out.Items, r.link())
	}
	return out
}

// actionError is the error of a failed action:
// {"sys":{"type":"Error","id":…},"message":…,"details":{"errors":[…]}}.
type actionError struct {
	Sys     errorSys           `json:"sys"`
	Message string             `json:"message"`
	Details actionErrorDetails `json:"details"`
}

// actionErrorDetails lists what went wrong, entity by entity.
type actionErrorDetails struct {
	Errors []entityError `json:"errors"`
}

// entityError is why an action could not work on one entity.
type entityError struct {
	Entity *link     `json:"entity"`
	Error  errorJSON `json:"error"`
}

// errorJSON is an error object without a request id.
type errorJSON struct {
	Sys     errorSys `json:"sys"`
	Message string   `json:"message"`
}

// newActionError builds the error of an action that failed on errs; id
// names the kind of action ("BulkActionFailed").
func newActionError(id string, errs []entityError) *actionError {
	return &actionError{
		Sys:     errorSys{Type: "Error", ID: id},
		Message: fmt.Sprintf("The action changed nothing: %d of its entities cannot take it; see details.errors.", len(errs)),
		Details: actionErrorDetails{Errors: errs},
	}
}

// progress is the state of an action that runs once: its status and, when
// it has finished, when and with which error.
type progress struct {
	status      string
	updatedAt   time.Time
	completedAt time.Time
	err         *actionError
}

// set moves the action to status at now.
func (p *progress) set(status string, now time.Time) {
	p.status, p.updatedAt = status, now
}

// finish records the outcome of a run at now: succeeded when errs is empty,
// else failed with an error of id errID.
func (p *progress) finish(now time.Time, errID string, errs []entityError) {
	p.set(statusSucceeded, now)
	p.completedAt = now
	if len(errs) > 0 {
		p.status, p.err = statusFailed, newActionError(errID, errs)
	}
}

// runVerb carries out verb on refs in env as c.user at c.now, all or
// nothing: every entity is checked first and only when all pass is any of
// them changed. Publishing works as PUT …/published does and unpublishing
// as DELETE …/published; validate changes nothing. It returns the entities
// that failed the checks.
func runVerb(c *call, env *environment, verb string, refs []entityRef) []entityError {
	var errs []entityError
	targets := make([]*entity, 0, len(refs))
	for _, r := range refs {
		e, id, msg := checkEntity(env, verb, r)
		if id != "" {
			errs = append(errs, entityError{Entity: r.link(), Error: errorJSON{Sys: errorSys{Type: "Error", ID: id}, Message: msg}})
			continue
		}
		targets = append(targets, e)
	}
	if len(errs) > 0 {
		return errs
	}
	for _, e := range targets {
		switch verb {
		case verbPublish:
			markPublished(c, e)
		case verbUnpublish:
			markUnpublished(c, e)
		}
	}
	return nil
}

// checkEntity finds the entity r names in env and checks that verb can work
// on it. It returns the entity, or the error id and message of the failure.
func checkEntity(env *environment, verb string, r entityRef) (e *entity, id, msg string) {
	e = env.entities[r.kind][r.id]
	switch {
	case e == nil:
		return nil, "NotFound", fmt.Sprintf("%s %q does not exist in this environment.", r.kind.typ, r.id)
	case r.version != 0 && r.version != e.version:
		return nil, "VersionMismatch", fmt.Sprintf("%s %q is at version %d, not %d; fetch it and send its current version.", r.kind.typ, r.id, e.version, r.version)
	case verb == verbUnpublish && !e.published():
		return nil, "NotPublished", fmt.Sprintf("%s %q has no published version.", r.kind.typ, r.id)
	}
	if verb != verbUnpublish {
		if err := publishRefusal(e); err != nil {
			return nil, err.id, err.message
		}
	}
	return e, "", ""
}
