package sandbox

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"time"
)

// release is one release of an environment: a titled list of entities that
// are published, unpublished or validated together by release actions.
type release struct {
	id string
	meta
	title      string
	refs       []entityRef
	archivedAt time.Time
	archivedBy string
	actions    map[string]*releaseAction
}

// archived says whether the release is archived.
func (r *release) archived() bool { return !r.archivedAt.IsZero() }

// releaseBody is the body of a release write.
type releaseBody struct {
	Title    string          `json:"title"`
	Entities json.RawMessage `json:"entities"`
}

// releaseJSON is a release.
type releaseJSON struct {
	Sys      releaseSys `json:"sys"`
	Title    string     `json:"title"`
	Entities linksJSON  `json:"entities"`
}

// releaseSys is the sys object of a release.
type releaseSys struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	Version     int    `json:"version"`
	Status      string `json:"status"`
	Space       *link  `json:"space"`
	Environment *link  `json:"environment"`
	CreatedAt   string `json:"createdAt"`
	UpdatedAt   string `json:"updatedAt"`
	CreatedBy   *link  `json:"createdBy"`
	UpdatedBy   *link  `json:"updatedBy"`
	ArchivedAt  string `json:"archivedAt,omitempty"`
	ArchivedBy  *link  `json:"archivedBy,omitempty"`
}

// render renders the release as seen through the scope.
func (r *release) render(sc *scope) *releaseJSON {
	sys := releaseSys{
		Type: "Release", ID: r.id, Version: r.version, Status: "active",
		Space: newLink("Space", sc.space.id), Environment: newLink("Environment", sc.seg),
		CreatedAt: timestamp(r.createdAt), UpdatedAt: timestamp(r.updatedAt),
		CreatedBy: actorLink(r.createdBy), UpdatedBy: actorLink(r.updatedBy),
	}
	if r.archived() {
		sys.Status = "archived"
		sys.ArchivedAt, sys.ArchivedBy = timestamp(r.archivedAt), actorLink(r.archivedBy)
	}
	return &releaseJSON{Sys: sys, Title: r.title, Entities: renderLinks(r.refs)}
}

// lookupRelease finds the release a route names.
func lookupRelease(sc *scope, rt route) (*release, *apiError) {
	if r := sc.env.releases[rt.id]; r != nil {
		return r, nil
	}
	return nil, notFound("The resource could not be found: no release %q in environment %q of space %q.", rt.id, sc.seg, sc.space.id)
}

// decodeRelease reads the body of a release write: a title and up to 200
// entry and asset links; versions in the links are ignored.
func decodeRelease(c *call) (string, []entityRef, *apiError) {
	var body releaseBody
	if err := decodeBody(c.body, &body); err != nil {
		return "", nil, err
	}
	if body.Title == "" {
		return "", nil, validationFailed([]string{"title"}, `A release needs a title: send {"title":"…","entities":{"sys":{"type":"Array"},"items":[…]}}.`)
	}
	refs, err := decodeEntities(body.Entities, 0, false)
	for i := range refs {
		refs[i].version = 0 // a release runs on the current versions
	}
	return body.Title, refs, err
}

// listReleases answers GET E/releases.
func (s *Sandbox) listReleases(c *call, sc *scope, rt route) reply {
	return page(c, slices.Collect(maps.Values(sc.env.releases)), func(r *release) int64 { return r.seq }, func(r *release) any { return r.render(sc) })
}

// getRelease answers GET E/releases/{id}.
func (s *Sandbox) getRelease(c *call, sc *scope, rt route) reply {
	r, err := lookupRelease(sc, rt)
	if err != nil {
		return err.reply()
	}
	return reply{status: http.StatusOK, body: r.render(sc)}
}

// postRelease answers POST E/releases: a create with a generated id.
func (s *Sandbox) postRelease(c *call, sc *scope, rt route) reply {
	rt.id = newID()
	return s.createRelease(c, sc, rt)
}

// createRelease stores a new release with the route's id and answers 201.
func (s *Sandbox) createRelease(c *call, sc *scope, rt route) reply {
	title, refs, err := decodeRelease(c)
	if err != nil {
		return err.reply()
	}
	r := &release{id: rt.id, meta: newMeta(c, s.nextSeq()), title: title, refs: refs, actions: map[string]*releaseAction{}}
	sc.env.releases[r.id] = r
	return reply{status: http.StatusCreated, body: r.render(sc)}
}

// putRelease answers PUT E/releases/{id}: a create (201) for a new id, an
// update (200) of the current version otherwise.
func (s *Sandbox) putRelease(c *call, sc *scope, rt route) reply {
	r := sc.env.releases[rt.id]
	if r == nil {
		if err := refuseVersionOnCreate(c, "release "+rt.id); err != nil {
			return err.reply()
		}
		return s.createRelease(c, sc, rt)
	}
	if err := changeableRelease(c, r, requireVersion); err != nil {
		return err.reply()
	}
	title, refs, err := decodeRelease(c)
	if err != nil {
		return err.reply()
	}
	r.title, r.refs = title, refs
	r.touch(c)
	return reply{status: http.StatusOK, body: r.render(sc)}
}

// deleteRelease answers DELETE E/releases/{id}: 204. Actions already in
// progress still execute.
func (s *Sandbox) deleteRelease(c *call, sc *scope, rt route) reply {
	r, err := lookupRelease(sc, rt)
	if err != nil {
		return err.reply()
	}
	if err := checkVersion(c, r.version); err != nil {
		return err.reply()
	}
	delete(sc.env.releases, r.id)
	return reply{status: http.StatusNoContent}
}

// archiveRelease answers PUT E/releases/{id}/archived: the release becomes
// read-only until it is unarchived.
func (s *Sandbox) archiveRelease(c *call, sc *scope, rt route) reply {
	r, err := lookupRelease(sc, rt)
	if err != nil {
		return err.reply()
	}
	if err := changeableRelease(c, r, requireVersion); err != nil {
		return err.reply()
	}
	r.archivedAt, r.archivedBy = c.now, c.user
	r.touch(c)
	return reply{status: http.StatusOK, body: r.render(sc)}
}

// unarchiveRelease answers DELETE E/releases/{id}/archived.
func (s *Sandbox) unarchiveRelease(c *call, sc *scope, rt route) reply {
	r, err := lookupRelease(sc, rt)
	if err != nil {
		return err.reply()
	}
	if err := requireVersion(c, r.version); err != nil {
		return err.reply()
	}
	if !r.archived() {
		return badRequest("Not archived: release %q is not archived.", r.id).reply()
	}
	r.archivedAt, r.archivedBy = time.Time{}, ""
	r.touch(c)
	return reply{status: http.StatusOK, body: r.render(sc)}
}

// changeableRelease checks the version with check and that r is not
// archived.
func changeableRelease(c *call, r *release, check func(*call, int) *apiError) *apiError {
	if err := check(c, r.version); err != nil {
		return err
	}
	if r.archived() {
		return badRequest("Release %q is archived: unarchive it first (DELETE …/releases/%s/archived).", r.id, r.id)
	}
	return nil
}
