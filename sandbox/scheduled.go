package sandbox

import (
	"maps"
	"net/http"
	"time"
)

// envQuery is the query parameter naming the environment of scheduled
// actions.
const envQuery = "environment.sys.id"

// scheduledActionFailed is the error id of a failed scheduled action.
const scheduledActionFailed = "ScheduledActionFailed"

// scheduledAction is one scheduled publish or unpublish of an entry or
// asset. Scheduled actions belong to the space and name their environment.
type scheduledAction struct {
	id string
	meta
	// seg is the environment (or alias) id the action names.
	seg        string
	verb       string
	ref        entityRef
	at         time.Time
	timezone   string
	status     string
	canceledAt time.Time
	canceledBy string
	err        *actionError
	// timer executes the action; nil once it ran or was disarmed.
	timer *time.Timer
}

// scheduledBody is the body of a scheduled action write.
type scheduledBody struct {
	Entity       linkBody         `json:"entity"`
	Environment  linkBody         `json:"environment"`
	Action       string           `json:"action"`
	ScheduledFor scheduledForJSON `json:"scheduledFor"`
}

// scheduledForJSON says when a scheduled action executes.
type scheduledForJSON struct {
	Datetime string `json:"datetime"`
	Timezone string `json:"timezone,omitempty"`
}

// scheduledActionJSON is a scheduled action.
type scheduledActionJSON struct {
	Sys          scheduledSys     `json:"sys"`
	Entity       *link            `json:"entity"`
	Environment  *link            `json:"environment"`
	Action       string           `json:"action"`
	ScheduledFor scheduledForJSON `json:"scheduledFor"`
	Error        *actionError     `json:"error,omitempty"`
}

// scheduledSys is the sys object of a scheduled action.
type scheduledSys struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	Version    int    `json:"version"`
	Status     string `json:"status"`
	Space      *link  `json:"space"`
	CreatedAt  string `json:"createdAt"`
	UpdatedAt  string `json:"updatedAt"`
	CreatedBy  *link  `json:"createdBy"`
	UpdatedBy  *link  `json:"updatedBy"`
	CanceledAt string `json:"canceledAt,omitempty"`
	CanceledBy *link  `json:"canceledBy,omitempty"`
}

// render renders the scheduled action of space sp.
func (a *scheduledAction) render(sp *space) *scheduledActionJSON {
	sys := scheduledSys{
		Type: "ScheduledAction", ID: a.id, Version: a.version, Status: a.status,
		Space:     newLink("Space", sp.id),
		CreatedAt: timestamp(a.createdAt), UpdatedAt: timestamp(a.updatedAt),
		CreatedBy: actorLink(a.createdBy), UpdatedBy: actorLink(a.updatedBy),
		CanceledAt: timestamp(a.canceledAt),
	}
	if a.canceledBy != "" {
		sys.CanceledBy = actorLink(a.canceledBy)
	}
	return &scheduledActionJSON{
		Sys: sys, Entity: a.ref.link(), Environment: newLink("Environment", a.seg), Action: a.verb,
		ScheduledFor: scheduledForJSON{Datetime: timestamp(a.at), Timezone: a.timezone},
		Error:        a.err,
	}
}

// decodeScheduled reads the body of a scheduled action write into a: the
// entity, the environment (which must exist), the action and the time.
func (s *Sandbox) decodeScheduled(c *call, sp *space, a *scheduledAction) *apiError {
	var body scheduledBody
	if err := decodeBody(c.body, &body); err != nil {
		return err
	}
	k := kindByLinkType[body.Entity.Sys.LinkType]
	if body.Entity.Sys.Type != "Link" || k == nil || !idPattern.MatchString(body.Entity.Sys.ID) {
		return validationFailed([]string{"entity"}, `entity must be a link to an Entry or Asset like {"sys":{"type":"Link","linkType":"Entry","id":"…"}}`)
	}
	env := body.Environment.Sys.ID
	if env == "" || s.environment(c, sp, env) == nil {
		return validationFailed([]string{"environment"}, `environment must link to an existing environment like {"sys":{"type":"Link","linkType":"Environment","id":"master"}}; %q does not exist`, env)
	}
	if body.Action != verbPublish && body.Action != verbUnpublish {
		return validationFailed([]string{"action"}, `action must be "publish" or "unpublish", got %q`, body.Action)
	}
	at, err := time.Parse(time.RFC3339, body.ScheduledFor.Datetime)
	if err != nil {
		return validationFailed([]string{"scheduledFor", "datetime"}, "scheduledFor.datetime must be an RFC 3339 time like 2026-11-23T10:00:00.000Z, got %q", body.ScheduledFor.Datetime)
	}
	a.ref, a.seg, a.verb = entityRef{kind: k, id: body.Entity.Sys.ID}, env, body.Action
	a.at, a.timezone = at.UTC().Truncate(time.Millisecond), body.ScheduledFor.Timezone
	return nil
}

// arm (re)arms the execution of a: at its time, or after the action delay
// when that has passed at from.
func (s *Sandbox) arm(sp *space, a *scheduledAction, from time.Time) {
	s.disarm(a.timer)
	a.timer = s.later(scheduleDelay(from, a.at, s.actionDelay), func(now time.Time) {
		a.timer = nil
		s.executeScheduled(sp, a, now)
	})
}

// executeScheduled publishes or unpublishes the entity of a as its creator,
// as the /published routes do (publishing the current version), and records
// the outcome.
func (s *Sandbox) executeScheduled(sp *space, a *scheduledAction, now time.Time) {
	c := &call{now: now, user: a.createdBy}
	var errs []entityError
	if env := s.environment(c, sp, a.seg); env != nil {
		errs = runVerb(c, env, a.verb, []entityRef{a.ref})
	} else {
		errs = []entityError{{Entity: newLink("Environment", a.seg), Error: errorJSON{
			Sys: errorSys{Type: "Error", ID: "NotFound"}, Message: "The environment " + a.seg + " no longer exists.",
		}}}
	}
	a.status, a.updatedAt = statusSucceeded, now
	if len(errs) > 0 {
		a.status, a.err = statusFailed, newActionError(scheduledActionFailed, errs)
	}
}

// lookupScheduled finds the scheduled action a route names; when the query
// names an environment, the action must belong to it.
func lookupScheduled(c *call, sc *scope, rt route) (*scheduledAction, *apiError) {
	a := sc.space.scheduled[rt.id]
	if a == nil || (c.query.Has(envQuery) && c.query.Get(envQuery) != a.seg) {
		return nil, notFound("The resource could not be found: no scheduled action %q in environment %q of space %q.", rt.id, c.query.Get(envQuery), sc.space.id)
	}
	return a, nil
}

// notScheduled is the message refusing to change or cancel an action that
// is no longer scheduled; its arguments are the id and the status.
const notScheduled = "Scheduled action %q is %s: only scheduled actions can be changed or canceled; create a new one."

// postScheduledAction answers POST /spaces/{s}/scheduled_actions: 201, and
// the action executes at scheduledFor.datetime.
func (s *Sandbox) postScheduledAction(c *call, sc *scope, rt route) reply {
	a := &scheduledAction{id: newID(), meta: newMeta(c, s.nextSeq()), status: statusScheduled}
	if err := s.decodeScheduled(c, sc.space, a); err != nil {
		return err.reply()
	}
	sc.space.scheduled[a.id] = a
	s.arm(sc.space, a, c.now)
	return reply{status: http.StatusCreated, body: a.render(sc.space)}
}

// listScheduledActions answers GET /spaces/{s}/scheduled_actions with the
// actions of the environment the query names.
func (s *Sandbox) listScheduledActions(c *call, sc *scope, rt route) reply {
	if !c.query.Has(envQuery) {
		return badRequest("Name the environment: GET /spaces/%s/scheduled_actions?%s=master.", sc.space.id, envQuery).reply()
	}
	var items []*scheduledAction
	for a := range maps.Values(sc.space.scheduled) {
		if a.seg == c.query.Get(envQuery) {
			items = append(items, a)
		}
	}
	return page(c, items, func(a *scheduledAction) int64 { return a.seq }, func(a *scheduledAction) any { return a.render(sc.space) })
}

// getScheduledAction answers GET /spaces/{s}/scheduled_actions/{id}.
func (s *Sandbox) getScheduledAction(c *call, sc *scope, rt route) reply {
	a, err := lookupScheduled(c, sc, rt)
	if err != nil {
		return err.reply()
	}
	return reply{status: http.StatusOK, body: a.render(sc.space)}
}

// putScheduledAction answers PUT /spaces/{s}/scheduled_actions/{id}: the
// body replaces the action (a reschedule, another entity or action) and
// its execution is re-armed; X-Contentful-Version must be current.
func (s *Sandbox) putScheduledAction(c *call, sc *scope, rt route) reply {
	a, err := lookupScheduled(c, sc, rt)
	if err != nil {
		return err.reply()
	}
	if err := requireVersion(c, a.version); err != nil {
		return err.reply()
	}
	if a.status != statusScheduled {
		return validationFailed([]string{"sys", "status"}, notScheduled, a.id, a.status).reply()
	}
	next := *a
	if err := s.decodeScheduled(c, sc.space, &next); err != nil {
		return err.reply()
	}
	a.ref, a.seg, a.verb, a.at, a.timezone = next.ref, next.seg, next.verb, next.at, next.timezone
	a.touch(c)
	s.arm(sc.space, a, c.now)
	return reply{status: http.StatusOK, body: a.render(sc.space)}
}

// cancelScheduledAction answers DELETE /spaces/{s}/scheduled_actions/{id}:
// 200 with the action, now canceled; it never executes.
func (s *Sandbox) cancelScheduledAction(c *call, sc *scope, rt route) reply {
	a, err := lookupScheduled(c, sc, rt)
	if err != nil {
		return err.reply()
	}
	if err := checkVersion(c, a.version); err != nil {
		return err.reply()
	}
	if a.status != statusScheduled {
		return badRequest(notScheduled, a.id, a.status).reply()
	}
	s.disarm(a.timer)
	a.timer = nil
	a.status, a.canceledAt, a.canceledBy = statusCanceled, c.now, c.user
	a.touch(c)
	return reply{status: http.StatusOK, body: a.render(sc.space)}
}
