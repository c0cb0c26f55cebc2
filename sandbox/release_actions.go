package sandbox

import (
	"maps"
	"net/http"
	"slices"
	"time"
)

// releaseAction is one publish, unpublish or validate run of a release.
type releaseAction struct {
	id        string
	seq       int64
	release   string
	verb      string
	createdAt time.Time
	createdBy string
	progress
}

// releaseActionJSON is a release action.
type releaseActionJSON struct {
	Sys    actionSys    `json:"sys"`
	Action string       `json:"action"`
	Error  *actionError `json:"error,omitempty"`
}

// render renders the release action as seen through the scope.
func (a *releaseAction) render(sc *scope) *releaseActionJSON {
	sys := newActionSys("ReleaseAction", a.id, sc, a.createdAt, a.createdBy, a.progress)
	sys.Release = newLink("Release", a.release)
	return &releaseActionJSON{Sys: sys, Action: a.verb, Error: a.err}
}

// publishRelease answers PUT E/releases/{id}/published: it starts a publish
// action; X-Contentful-Version must be the release's version.
func (s *Sandbox) publishRelease(c *call, sc *scope, rt route) reply {
	return s.startReleaseAction(c, sc, rt, verbPublish, requireVersion)
}

// unpublishRelease answers DELETE E/releases/{id}/published: it starts an
// unpublish action.
func (s *Sandbox) unpublishRelease(c *call, sc *scope, rt route) reply {
	return s.startReleaseAction(c, sc, rt, verbUnpublish, checkVersion)
}

// validateRelease answers POST E/releases/{id}/validate: it starts a
// validate action.
func (s *Sandbox) validateRelease(c *call, sc *scope, rt route) reply {
	return s.startReleaseAction(c, sc, rt, verbValidate, checkVersion)
}

// startReleaseAction starts a verb action over the release's entities as
// they are now and answers 200 with it (status inProgress); it executes
// after the action delay like a bulk action whose links name no version.
// The release's version does not change.
func (s *Sandbox) startReleaseAction(c *call, sc *scope, rt route, verb string, check func(*call, int) *apiError) reply {
	r, err := lookupRelease(sc, rt)
	if err != nil {
		return err.reply()
	}
	if err := changeableRelease(c, r, check); err != nil {
		return err.reply()
	}
	a := &releaseAction{id: newID(), seq: s.nextSeq(), release: r.id, verb: verb, createdAt: c.now, createdBy: c.user}
	a.set(statusInProgress, c.now)
	r.actions[a.id] = a
	env, refs := sc.env, slices.Clone(r.refs)
	s.later(s.actionDelay, func(now time.Time) {
		errs := runVerb(&call{now: now, user: a.createdBy}, env, a.verb, refs)
		a.finish(now, bulkActionFailed, errs)
	})
	return reply{status: http.StatusOK, body: a.render(sc)}
}

// listReleaseActions answers GET E/releases/{id}/actions.
func (s *Sandbox) listReleaseActions(c *call, sc *scope, rt route) reply {
	r, err := lookupRelease(sc, rt)
	if err != nil {
		return err.reply()
	}
	return page(c, slices.Collect(maps.Values(r.actions)), func(a *releaseAction) int64 { return a.seq }, func(a *releaseAction) any { return a.render(sc) })
}

// getReleaseAction answers GET E/releases/{id}/actions/{actionId}.
func (s *Sandbox) getReleaseAction(c *call, sc *scope, rt route) reply {
	r, err := lookupRelease(sc, rt)
	if err != nil {
		return err.reply()
	}
	a := r.actions[rt.sub]
	if a == nil {
		return notFound("The resource could not be found: release %q has no action %q.", r.id, rt.sub).reply()
	}
	return reply{status: http.StatusOK, body: a.render(sc)}
}
