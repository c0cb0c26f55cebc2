package sandbox

import (
	"encoding/json"
	"net/http"
	"time"
)

// bulkActionFailed is the error id of a failed bulk or release action.
const bulkActionFailed = "BulkActionFailed"

// bulkAction is one bulk action of an environment.
type bulkAction struct {
	id        string
	verb      string
	createdAt time.Time
	createdBy string
	// entities is the entities member as posted (compact JSON).
	entities json.RawMessage
	refs     []entityRef
	progress
}

// bulkBody is the body of a bulk action: v2 names the action, v1 has it in
// the path.
type bulkBody struct {
	Action   string          `json:"action"`
	Entities json.RawMessage `json:"entities"`
}

// actionSys is the sys object of bulk and release actions.
type actionSys struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	Status      string `json:"status"`
	Release     *link  `json:"release,omitempty"`
	Space       *link  `json:"space"`
	Environment *link  `json:"environment"`
	CreatedAt   string `json:"createdAt"`
	UpdatedAt   string `json:"updatedAt"`
	CreatedBy   *link  `json:"createdBy"`
	CompletedAt string `json:"completedAt,omitempty"`
}

// bulkActionJSON is a bulk action.
type bulkActionJSON struct {
	Sys     actionSys    `json:"sys"`
	Action  string       `json:"action"`
	Payload bulkPayload  `json:"payload"`
	Error   *actionError `json:"error,omitempty"`
}

// bulkPayload is the payload of a bulk action: its entities as posted.
type bulkPayload struct {
	Entities json.RawMessage `json:"entities"`
}

// newActionSys renders the sys object shared by bulk and release actions.
func newActionSys(typ, id string, sc *scope, createdAt time.Time, createdBy string, p progress) actionSys {
	return actionSys{
		Type: typ, ID: id, Status: p.status,
		Space: newLink("Space", sc.space.id), Environment: newLink("Environment", sc.seg),
		CreatedAt: timestamp(createdAt), UpdatedAt: timestamp(p.updatedAt),
		CreatedBy: actorLink(createdBy), CompletedAt: timestamp(p.completedAt),
	}
}

// render renders the bulk action as seen through the scope.
func (b *bulkAction) render(sc *scope) *bulkActionJSON {
	return &bulkActionJSON{
		Sys:     newActionSys("BulkAction", b.id, sc, b.createdAt, b.createdBy, b.progress),
		Action:  b.verb,
		Payload: bulkPayload{Entities: b.entities},
		Error:   b.err,
	}
}

// postBulkAction answers POST E/bulk_actions (v2): the action is in the body.
func (s *Sandbox) postBulkAction(c *call, sc *scope, rt route) reply {
	var body bulkBody
	if err := decodeBody(c.body, &body); err != nil {
		return err.reply()
	}
	if !actionVerbs[body.Action] {
		return validationFailed([]string{"action"}, `action must be "publish", "unpublish" or "validate", got %q`, body.Action).reply()
	}
	return s.startBulkAction(c, sc, body.Action, body.Entities)
}

// postBulkActionV1 answers POST E/bulk_actions/{publish|unpublish|validate}.
func (s *Sandbox) postBulkActionV1(c *call, sc *scope, rt route) reply {
	var body bulkBody
	if err := decodeBody(c.body, &body); err != nil {
		return err.reply()
	}
	return s.startBulkAction(c, sc, rt.sub, body.Entities)
}

// startBulkAction creates a bulk action, answers 201 with it (status
// created), then puts it in progress and arms its execution.
func (s *Sandbox) startBulkAction(c *call, sc *scope, verb string, entities json.RawMessage) reply {
	refs, err := decodeEntities(entities, 1, verb == verbPublish)
	if err != nil {
		return err.reply()
	}
	compact, err := compactJSON(entities, '{', "{}", "entities")
	if err != nil {
		return err.reply()
	}
	b := &bulkAction{id: newID(), verb: verb, createdAt: c.now, createdBy: c.user, entities: compact, refs: refs}
	b.set(statusCreated, c.now)
	answer := b.render(sc)
	sc.env.bulkActions[b.id] = b
	b.set(statusInProgress, c.now)
	env := sc.env
	s.later(s.actionDelay, func(now time.Time) {
		errs := runVerb(&call{now: now, user: b.createdBy}, env, b.verb, b.refs)
		b.finish(now, bulkActionFailed, errs)
	})
	return reply{status: http.StatusCreated, body: answer}
}

// getBulkAction answers GET E/bulk_actions/{id} and
// GET E/bulk_actions/actions/{id}, for actions of either version.
func (s *Sandbox) getBulkAction(c *call, sc *scope, rt route) reply {
	b := sc.env.bulkActions[rt.id]
	if b == nil {
		return notFound("The resource could not be found: no bulk action %q in environment %q of space %q.", rt.id, sc.seg, sc.space.id).reply()
	}
	return reply{status: http.StatusOK, body: b.render(sc)}
}
