package events

import (
	"errors"
)

// Entity is what the index remembers of an entity between writes: enough to
// build the deletion object of a later DELETE, whose answer has no body. It is
// JSON-serialised by the caller.
type Entity struct {
	// Type is the entity type ("Entry", "Asset", "ContentType").
	Type string `json:"type"`
	// ID is the entity id.
	ID string `json:"id"`
	// ContentType is the content type id of an entry.
	ContentType string `json:"contentType,omitempty"`
	// Revision is the publish counter (sys.publishedCounter); it becomes
	// sys.revision of deletion objects.
	Revision int `json:"revision,omitempty"`
	// Version is sys.version.
	Version int `json:"version,omitempty"`
	// CreatedBy is the id of the user who created the entity.
	CreatedBy string `json:"createdBy,omitempty"`
	// UpdatedBy is the id of the user who last changed the entity; it
	// becomes sys.deletedBy of a deletion object.
	UpdatedBy string `json:"updatedBy,omitempty"`
}

// EntityFromJSON reads an entity from its CMA representation, such as the
// answer of the GET made before a DELETE.
func EntityFromJSON(body []byte) (*Entity, error) {
	if !validJSON(body) || !isObject(body) {
		return nil, errors.New("entity answer is not a JSON object: check that the upstream is a Contentful-compatible management API")
	}
	sys, ok := field(body, "sys")
	if !ok {
		return nil, errors.New("entity answer has no sys object: check that the upstream is a Contentful-compatible management API")
	}
	e := entityFromSys(sys)
	if e.Type == "" || e.ID == "" {
		return nil, errors.New("entity answer lacks sys.type or sys.id: check that the upstream is a Contentful-compatible management API")
	}
	return e, nil
}

// entityFromSys reads an Entity from a raw, valid sys object.
func entityFromSys(sys []byte) *Entity {
	e := &Entity{}
	eachMember(sys, func(k, v []byte) bool {
		switch string(k) {
		case "type":
			e.Type = str(v)
		case "id":
			e.ID = str(v)
		case "contentType":
			e.ContentType = linkID(v)
		case "publishedCounter":
			e.Revision, _ = intOf(v)
		case "version":
			e.Version, _ = intOf(v)
		case "createdBy":
			e.CreatedBy = linkID(v)
		case "updatedBy":
			e.UpdatedBy = linkID(v)
		}
		return true
	})
	return e
}
