package sandbox

import (
	"maps"
	"mime"
	"net/http"
	"strings"
)

// contentTypeHeader names the content type of an entry being created.
const contentTypeHeader = "X-Contentful-Content-Type"

// jsonPatchType is the media type of a JSON Patch body.
const jsonPatchType = "application/json-patch+json"

// lookup finds the entity a route names.
func lookup(sc *scope, rt route) (*entity, *apiError) {
	if e := sc.env.entities[rt.kind][rt.id]; e != nil {
		return e, nil
	}
	err := notFound("The resource could not be found: no %s %q in environment %q of space %q.", rt.kind.typ, rt.id, sc.seg, sc.space.id)
	err.details = map[string]string{"type": rt.kind.typ, "id": rt.id, "environment": sc.seg, "space": sc.space.id}
	return nil, err
}

// ok answers status with the entity as seen through the scope.
func (sc *scope) ok(status int, e *entity) reply {
	return reply{status: status, body: e.render(sc.space.id, sc.seg)}
}

// listEntities answers GET E/{collection}. It filters on content_type,
// sys.id and sys.id[in].
func (s *Sandbox) listEntities(c *call, sc *scope, rt route) reply {
	ids := map[string]bool{}
	for _, v := range append(c.query["sys.id"], c.query["sys.id[in]"]...) {
		for id := range strings.SplitSeq(v, ",") {
			ids[id] = true
		}
	}
	ct := c.query.Get("content_type")
	var items []*entity
	for e := range maps.Values(sc.env.entities[rt.kind]) {
		if (len(ids) == 0 || ids[e.id]) && (ct == "" || e.contentType == ct) {
			items = append(items, e)
		}
	}
	return page(c, items, func(e *entity) int64 { return e.seq }, func(e *entity) any { return e.render(sc.space.id, sc.seg) })
}

// getEntity answers GET E/{collection}/{id}.
func (s *Sandbox) getEntity(c *call, sc *scope, rt route) reply {
	e, err := lookup(sc, rt)
	if err != nil {
		return err.reply()
	}
	return sc.ok(http.StatusOK, e)
}

// postEntity answers POST E/{collection}: a create with a generated id.
func (s *Sandbox) postEntity(c *call, sc *scope, rt route) reply {
	rt.id = newID()
	return s.create(c, sc, rt)
}

// putEntity answers PUT E/{collection}/{id}: a create (201) for a new id, an
// update (200) of the current version otherwise.
func (s *Sandbox) putEntity(c *call, sc *scope, rt route) reply {
	e := sc.env.entities[rt.kind][rt.id]
	if e == nil {
		if err := refuseVersionOnCreate(c, rt.kind.typ+" "+rt.id); err != nil {
			return err.reply()
		}
		return s.create(c, sc, rt)
	}
	if err := writable(c, e, true); err != nil {
		return err.reply()
	}
	if err := readBody(c, e); err != nil {
		return err.reply()
	}
	e.touch(c)
	return sc.ok(http.StatusOK, e)
}

// create stores a new entity with the route's id and answers 201.
func (s *Sandbox) create(c *call, sc *scope, rt route) reply {
	e := &entity{kind: rt.kind, id: rt.id, metadata: defaultMetadata}
	if rt.kind == entryKind {
		e.contentType = c.header.Get(contentTypeHeader)
		if !idPattern.MatchString(e.contentType) {
			return validationFailed([]string{"sys", "contentType"}, "Creating an entry needs the %s header naming its content type id.", contentTypeHeader).reply()
		}
	}
	if err := readBody(c, e); err != nil {
		return err.reply()
	}
	e.meta = newMeta(c, s.nextSeq())
	sc.env.entities[rt.kind][rt.id] = e
	return sc.ok(http.StatusCreated, e)
}

// readBody sets what the request body says of e: name, description,
// displayField and fields of a content type; fields and, when the body has
// them, metadata of an entry or asset.
func readBody(c *call, e *entity) *apiError {
	if e.kind == contentTypeKind {
		attrs, fields, err := decodeContentType(c.body)
		if err != nil {
			return err
		}
		e.ct, e.fields = attrs, fields
		return nil
	}
	fields, metadata, err := decodeDocument(c.body)
	if err != nil {
		return err
	}
	e.fields = fields
	if metadata != nil {
		e.metadata = metadata
	}
	return nil
}

// patchEntity answers PATCH E/entries/{id}: a JSON Patch of fields and
// metadata.
func (s *Sandbox) patchEntity(c *call, sc *scope, rt route) reply {
	if rt.kind != entryKind {
		return notFound("The resource could not be found: the sandbox accepts PATCH for entries only; PUT the whole %s instead.", rt.kind.typ).reply()
	}
	if mt, _, _ := mime.ParseMediaType(c.header.Get("Content-Type")); mt != jsonPatchType {
		return newError(http.StatusUnsupportedMediaType, "A PATCH body is a JSON Patch: send Content-Type: %s.", jsonPatchType).reply()
	}
	e, err := lookup(sc, rt)
	if err != nil {
		return err.reply()
	}
	if err := writable(c, e, true); err != nil {
		return err.reply()
	}
	fields, metadata, err := applyPatch(e.fields, e.metadata, c.body)
	if err != nil {
		return err.reply()
	}
	e.fields, e.metadata = fields, metadata
	e.touch(c)
	return sc.ok(http.StatusOK, e)
}

// deleteEntity answers DELETE E/{collection}/{id}: 204, refused while the
// entity is published (active, for content types).
func (s *Sandbox) deleteEntity(c *call, sc *scope, rt route) reply {
	e, err := lookup(sc, rt)
	if err != nil {
		return err.reply()
	}
	if err := checkVersion(c, e.version); err != nil {
		return err.reply()
	}
	if e.published() {
		return badRequest("Cannot delete a published %s: %s it first (DELETE …/%s/%s/published).", e.kind.typ, unpublishVerb(e.kind), e.kind.collection, e.id).reply()
	}
	delete(sc.env.entities[rt.kind], rt.id)
	return reply{status: http.StatusNoContent}
}

// writable checks that an update may change e: the version (required when
// requireVer, else only when sent) and that e is not archived.
func writable(c *call, e *entity, requireVer bool) *apiError {
	check := checkVersion
	if requireVer {
		check = requireVersion
	}
	if err := check(c, e.version); err != nil {
		return err
	}
	if e.archived() {
		return badRequest("Cannot change an archived %s: unarchive it first (DELETE …/%s/%s/archived).", e.kind.typ, e.kind.collection, e.id)
	}
	return nil
}

// unpublishVerb names the action that undoes publishing for k.
func unpublishVerb(k *kind) string {
	if k == contentTypeKind {
		return "deactivate"
	}
	return "unpublish"
}
