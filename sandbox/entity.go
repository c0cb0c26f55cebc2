package sandbox

import (
	"encoding/json"
	"time"
)

// entity is a stored entry, asset or content type.
type entity struct {
	kind *kind
	id   string
	meta
	// contentType is the content type id of an entry.
	contentType string

	publishedVersion int
	publishedCounter int
	publishedAt      time.Time
	firstPublishedAt time.Time
	publishedBy      string

	archivedVersion int
	archivedAt      time.Time
	archivedBy      string

	// fields is the fields object of entries and assets, and the fields
	// array of content types (compact JSON).
	fields json.RawMessage
	// metadata is the metadata object of entries and assets.
	metadata json.RawMessage
	// ct holds the attributes of a content type.
	ct contentTypeAttrs
}

// contentTypeAttrs are the top-level attributes of a content type besides
// sys and fields.
type contentTypeAttrs struct {
	DisplayField *string `json:"displayField"`
	Name         string  `json:"name"`
	Description  *string `json:"description"`
}

// published says whether the entity has a published version.
func (e *entity) published() bool { return e.publishedVersion > 0 }

// archived says whether the entity is archived.
func (e *entity) archived() bool { return e.archivedVersion > 0 }

// link is a Contentful link object.
type link struct {
	Sys linkSys `json:"sys"`
}

// linkSys is the sys object of a link.
type linkSys struct {
	Type     string `json:"type"`
	LinkType string `json:"linkType"`
	ID       string `json:"id"`
}

// newLink builds a link to an object of linkType.
func newLink(linkType, id string) *link {
	return &link{Sys: linkSys{Type: "Link", LinkType: linkType, ID: id}}
}

// entitySys is the CMA sys object of an entity, keys in Contentful's order.
type entitySys struct {
	Space            *link           `json:"space"`
	ID               string          `json:"id"`
	Type             string          `json:"type"`
	CreatedAt        string          `json:"createdAt"`
	UpdatedAt        string          `json:"updatedAt"`
	Environment      *link           `json:"environment"`
	PublishedVersion int             `json:"publishedVersion,omitempty"`
	PublishedAt      string          `json:"publishedAt,omitempty"`
	FirstPublishedAt string          `json:"firstPublishedAt,omitempty"`
	CreatedBy        *link           `json:"createdBy"`
	UpdatedBy        *link           `json:"updatedBy"`
	PublishedCounter int             `json:"publishedCounter"`
	Version          int             `json:"version"`
	PublishedBy      *link           `json:"publishedBy,omitempty"`
	ArchivedVersion  int             `json:"archivedVersion,omitempty"`
	ArchivedAt       string          `json:"archivedAt,omitempty"`
	ArchivedBy       *link           `json:"archivedBy,omitempty"`
	AutomationTags   json.RawMessage `json:"automationTags,omitempty"`
	ContentType      *link           `json:"contentType,omitempty"`
	URN              string          `json:"urn"`
}

// documentJSON is an entry or asset.
type documentJSON struct {
	Metadata json.RawMessage `json:"metadata"`
	Sys      *entitySys      `json:"sys"`
	Fields   json.RawMessage `json:"fields"`
}

// contentTypeJSON is a content type.
type contentTypeJSON struct {
	Sys *entitySys `json:"sys"`
	contentTypeAttrs
	Fields json.RawMessage `json:"fields"`
}

// render returns the CMA JSON of the entity as seen through the environment
// segment seg of space spaceID.
func (e *entity) render(spaceID, seg string) any {
	sys := &entitySys{
		Space:            newLink("Space", spaceID),
		ID:               e.id,
		Type:             e.kind.typ,
		CreatedAt:        timestamp(e.createdAt),
		UpdatedAt:        timestamp(e.updatedAt),
		Environment:      newLink("Environment", seg),
		FirstPublishedAt: timestamp(e.firstPublishedAt),
		CreatedBy:        actorLink(e.createdBy),
		UpdatedBy:        actorLink(e.updatedBy),
		PublishedCounter: e.publishedCounter,
		Version:          e.version,
		URN:              "crn:contentful:::content:spaces/" + spaceID + "/environments/" + seg + "/" + e.kind.collection + "/" + e.id,
	}
	if e.published() {
		sys.PublishedVersion = e.publishedVersion
		sys.PublishedAt = timestamp(e.publishedAt)
		sys.PublishedBy = actorLink(e.publishedBy)
	}
	if e.archived() {
		sys.ArchivedVersion = e.archivedVersion
		sys.ArchivedAt = timestamp(e.archivedAt)
		sys.ArchivedBy = actorLink(e.archivedBy)
	}
	if e.kind == contentTypeKind {
		return &contentTypeJSON{Sys: sys, contentTypeAttrs: e.ct, Fields: e.fields}
	}
	sys.AutomationTags = json.RawMessage("[]")
	if e.kind == entryKind {
		sys.ContentType = newLink("ContentType", e.contentType)
	}
	return &documentJSON{Metadata: e.metadata, Sys: sys, Fields: e.fields}
}

// timestamp formats t as Contentful does (RFC 3339, milliseconds, UTC);
// the zero time gives "".
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
