package sandbox

import (
	"encoding/json"
	"net/http"
	"time"
)

// publishBody is the optional body of a publish: locale-based publishing
// adds or removes locales.
type publishBody struct {
	Remove json.RawMessage `json:"remove"`
}

// publish answers PUT E/{collection}/{id}/published (activate, for content
// types): publishedVersion becomes the version sent, the version goes up by
// one and publishedCounter by one.
func (s *Sandbox) publish(c *call, sc *scope, rt route) reply {
	e, err := lookup(sc, rt)
	if err != nil {
		return err.reply()
	}
	if err := writable(c, e, true); err != nil {
		return err.reply()
	}
	var body publishBody
	if err := decodeBody(c.body, &body); err != nil {
		return err.reply()
	}
	if !isAbsent(body.Remove) {
		return validationFailed([]string{"remove"}, "The sandbox does not support locale-based unpublishing; unpublish the whole %s with DELETE …/published.", e.kind.typ).reply()
	}
	if err := publishRefusal(e); err != nil {
		return err.reply()
	}
	markPublished(c, e)
	return sc.ok(http.StatusOK, e)
}

// publishRefusal says why e cannot be published as it is, or returns nil:
// it is archived, or it is an asset with an unprocessed file.
func publishRefusal(e *entity) *apiError {
	if e.archived() {
		return badRequest("Cannot publish an archived %s: unarchive it first (DELETE …/%s/%s/archived).", e.kind.typ, e.kind.collection, e.id)
	}
	if e.kind != assetKind {
		return nil
	}
	if locale := unprocessedLocale(e); locale != "" {
		return validationFailed([]string{"fields", "file", locale}, "Asset has unprocessed files: process locale %s with PUT …/assets/%s/files/%s/process before publishing.", locale, e.id, locale)
	}
	return nil
}

// markPublished publishes the current version of e as c: publishedVersion
// becomes the version, the version and publishedCounter go up by one.
func markPublished(c *call, e *entity) {
	e.publishedVersion = e.version
	e.publishedCounter++
	e.publishedAt, e.publishedBy = c.now, c.user
	if e.firstPublishedAt.IsZero() {
		e.firstPublishedAt = c.now
	}
	e.touch(c)
}

// unpublish answers DELETE E/{collection}/{id}/published (deactivate, for
// content types): the published version goes away, firstPublishedAt and
// publishedCounter stay.
func (s *Sandbox) unpublish(c *call, sc *scope, rt route) reply {
	e, err := lookup(sc, rt)
	if err != nil {
		return err.reply()
	}
	if err := checkVersion(c, e.version); err != nil {
		return err.reply()
	}
	if !e.published() {
		return badRequest("Not published: %s %q has no published version.", e.kind.typ, e.id).reply()
	}
	markUnpublished(c, e)
	return sc.ok(http.StatusOK, e)
}

// markUnpublished removes the published version of e as c; the version goes
// up by one.
func markUnpublished(c *call, e *entity) {
	e.publishedVersion, e.publishedAt, e.publishedBy = 0, time.Time{}, ""
	e.touch(c)
}

// archive answers PUT E/{entries|assets}/{id}/archived: allowed only when
// the entity is not published.
func (s *Sandbox) archive(c *call, sc *scope, rt route) reply {
	e, err := lookup(sc, rt)
	if err != nil {
		return err.reply()
	}
	if err := writable(c, e, false); err != nil {
		return err.reply()
	}
	if e.published() {
		return badRequest("Cannot archive a published %s: unpublish it first (DELETE …/%s/%s/published).", e.kind.typ, e.kind.collection, e.id).reply()
	}
	e.archivedVersion = e.version
	e.archivedAt, e.archivedBy = c.now, c.user
	e.touch(c)
	return sc.ok(http.StatusOK, e)
}

// unarchive answers DELETE E/{entries|assets}/{id}/archived.
func (s *Sandbox) unarchive(c *call, sc *scope, rt route) reply {
	e, err := lookup(sc, rt)
	if err != nil {
		return err.reply()
	}
	if err := checkVersion(c, e.version); err != nil {
		return err.reply()
	}
	if !e.archived() {
		return badRequest("Not archived: %s %q is not archived.", e.kind.typ, e.id).reply()
	}
	e.archivedVersion, e.archivedAt, e.archivedBy = 0, time.Time{}, ""
	e.touch(c)
	return sc.ok(http.StatusOK, e)
}
