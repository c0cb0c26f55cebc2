package followup

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/cmsevents/caddy-cms-events/events"
)

// next says when a followed action is looked at again.
type next int

const (
	nextPoll    next = iota // poll again after the current backoff
	nextAt                  // poll at outcome.at (a scheduled action's due time)
	nextBlocked             // wait for Wake (or the longest poll interval)
	nextDone                // finished: the sink has it
)

// outcome is the result of one step.
type outcome struct {
	next next
	at   time.Time
}

// fetched is one answer of the CMS, or why there is none.
type fetched struct {
	status int
	body   []byte
	out    outcome // set when the answer cannot be used
	ok     bool
}

// step polls the action's status once and, when it has run, finishes it.
func (r *Runner) step(f *followed) outcome {
	a := f.action
	now := r.opts.Now()
	since := a.Started
	if a.Due.After(since) {
		since = a.Due
	}
	if now.Sub(since) > r.opts.GiveUp {
		r.log.Error("gave up following an action that did not finish; its entity events are not sent",
			r.fields(a, zap.Duration("after", now.Sub(since)))...)
		return r.finish(a, nil)
	}
	res := r.get(f, a.StatusPath, a.StatusQuery)
	if !res.ok {
		if res.status == http.StatusNotFound {
			r.log.Warn("the action no longer exists in the CMS; its entity events are not sent", r.fields(a)...)
			return r.finish(a, nil)
		}
		return res.out
	}
	var ans actionAnswer
	if err := json.Unmarshal(res.body, &ans); err != nil {
		r.log.Warn("the action's status is not valid JSON; asking again later", r.fields(a, zap.Error(err))...)
		return outcome{}
	}
	switch ans.Sys.Status {
	case "succeeded":
		return r.complete(f, res.body, true)
	case "failed":
		r.log.Info("the action failed in the CMS; only its execute event is sent", r.fields(a)...)
		return r.complete(f, res.body, false)
	case "canceled":
		r.log.Info("the action was canceled", r.fields(a)...)
		return r.finish(a, nil)
	case "scheduled":
		if a.Kind == KindScheduled {
			a.reschedule(ans)
			if a.Due.After(now) {
				return outcome{next: nextAt, at: a.Due}
			}
		}
	}
	return outcome{}
}

// reschedule takes what may have changed in a scheduled action since it was
// created: its time, entity and operation.
func (a *Action) reschedule(ans actionAnswer) {
	if due := ans.ScheduledFor.due(); !due.IsZero() {
		a.Due = due
	}
	if l := ans.Entity.links(); l != nil {
		a.Entities = l
	}
	switch ans.Action {
	case OpPublish, OpUnpublish:
		a.Op = ans.Action
	}
}

// complete fetches the entities of an action that has run and hands their
// events and the action's execute event to the sink. status is the action
// as the CMS reports it.
func (r *Runner) complete(f *followed, status []byte, succeeded bool) outcome {
	a := f.action
	var done []events.Derived
	if succeeded && (a.Op == OpPublish || a.Op == OpUnpublish) {
		links, version := a.Entities, 0
		if a.Kind == KindRelease {
			res := r.get(f, a.releasePath(), "")
			if !res.ok && res.status != http.StatusNotFound {
				return res.out
			}
			var rel releaseAnswer
			if res.ok && json.Unmarshal(res.body, &rel) == nil {
				links, version = rel.Entities.links(), rel.Sys.Version
			} else {
				r.log.Warn("cannot read the release of a release action; no entity events are sent", r.fields(a, zap.Int("status", res.status))...)
			}
		}
		headers := a.contextHeaders(version)
		for _, l := range links {
			res := r.get(f, a.entityPath(l), "")
			if !res.ok {
				if res.status == http.StatusNotFound {
					r.log.Warn("an entity of the action no longer exists; no event for it", r.fields(a, zap.String("entity", l.ID))...)
					continue
				}
				return res.out
			}
			d := events.Derive(events.Input{Route: a.entityRoute(l), Status: http.StatusOK, Body: res.body, Now: r.opts.Now()})
			if d.Event == nil {
				continue
			}
			if d.Warning != "" {
				r.log.Warn(d.Warning, r.fields(a, zap.String("entity", l.ID))...)
			}
			d.Event.Headers = headers
			done = append(done, d)
		}
	}
	env := a.Environment
	if a.Kind == KindScheduled {
		env = "" // like the scheduled action's other events: space-level
	}
	done = append(done, events.Derived{Event: events.ActionEvent(a.entityType(), "execute", a.Space, env, a.ID, status, r.opts.Now())})
	return r.finish(a, done)
}

// entityRoute returns the route of a publish or unpublish of one entity of
// the action, as if the client had made it.
func (a *Action) entityRoute(l Link) events.Route {
	method := http.MethodPut
	if a.Op == OpUnpublish {
		method = http.MethodDelete
	}
	return events.Route{Space: a.Space, Environment: a.Environment, Legacy: a.Legacy,
		EntityType: l.Type, EntityID: l.ID, Sub: events.SubPublished, Method: method}
}

// get fetches path from the CMS. A result that is not ok says how to go on
// in out; status is the answer's status when there was one.
func (r *Runner) get(f *followed, path, query string) fetched {
	status, body, err := r.opts.Fetcher.Fetch(f.ctx, f.action, path, query)
	switch {
	case errors.Is(err, ErrNoUpstream):
		if !f.blocked {
			r.log.Info("an action waits for a request to its space before it can be followed", r.fields(f.action)...)
		}
		f.blocked = true
		return fetched{out: outcome{next: nextBlocked}}
	case err != nil:
		r.log.Warn("cannot ask the CMS about an action; trying again later", r.fields(f.action, zap.String("path", path), zap.Error(err))...)
		return fetched{out: outcome{}}
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		if !f.blocked {
			r.log.Warn("the CMS refused the credentials of the last request to the space; waiting for another request",
				r.fields(f.action, zap.String("path", path), zap.Int("status", status))...)
		}
		f.blocked = true
		return fetched{status: status, out: outcome{next: nextBlocked}}
	case status != http.StatusOK:
		if status != http.StatusNotFound {
			r.log.Warn("unexpected answer while following an action; trying again later",
				r.fields(f.action, zap.String("path", path), zap.Int("status", status))...)
		}
		return fetched{status: status, out: outcome{}}
	}
	f.blocked = false
	return fetched{status: status, body: body, ok: true}
}

// finish hands the outcome to the sink; on error the step is tried again.
func (r *Runner) finish(a *Action, done []events.Derived) outcome {
	if err := r.opts.Sink.Finish(a, done); err != nil {
		r.log.Warn("cannot queue the events of a finished action; trying again later", r.fields(a, zap.Error(err))...)
		return outcome{}
	}
	if len(done) > 0 {
		r.log.Debug("action finished", r.fields(a, zap.Int("events", len(done)))...)
	}
	return outcome{next: nextDone}
}

// fields returns the log fields naming an action, plus extra.
func (r *Runner) fields(a *Action, extra ...zap.Field) []zap.Field {
	return append([]zap.Field{zap.String("kind", string(a.Kind)), zap.String("action", a.ID),
		zap.String("space", a.Space), zap.String("op", a.Op)}, extra...)
}
