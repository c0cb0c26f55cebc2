package events

import (
	"bytes"
	"strconv"
	"time"
)

// timeLayout is the timestamp format of Contentful payloads (UTC, milliseconds).
const timeLayout = "2006-01-02T15:04:05.000Z"

// shaper builds the webhook payloads that are not the upstream answer as is.
type shaper struct {
	route       Route
	id          string  // entity id ("" when unknown)
	sys         []byte  // sys of the upstream answer, or nil
	prior       *Entity // may be nil
	now         time.Time
	contentType string // content type id known from the index or the request
	alias       bool   // the route's environment segment is an alias
}

// thin builds {"sys":{type, id, space, environment[, contentType]}} from what
// the route says, for answers that cannot be read.
func (s shaper) thin() []byte {
	b := append(make([]byte, 0, 256), `{"sys":{"type":`...)
	b = appendString(b, s.route.EntityType)
	b = s.appendIdentity(b)
	if s.route.EntityType == TypeEntry && s.contentType != "" {
		b = append(b, `,"contentType":`...)
		b = appendLink(b, "ContentType", s.contentType)
	}
	return append(b, "}}"...)
}

// deletion builds the deletion object of an unpublish or delete
// (DeletedEntry, DeletedAsset, DeletedContentType). Content type, revision
// and acting user come from the answer when it has them, else from the prior
// state; the three timestamps are the time of the write.
func (s shaper) deletion() []byte {
	b := append(make([]byte, 0, 512), `{"sys":{"type":`...)
	b = appendString(b, "Deleted"+s.route.EntityType)
	b = s.appendIdentity(b)
	if s.route.EntityType == TypeEntry {
		b = s.appendContentType(b)
	}
	if n, ok := intOf(fieldOr(s.sys, "publishedCounter")); ok {
		b = append(b, `,"revision":`...)
		b = appendInt(b, n)
	} else if s.prior != nil {
		b = append(b, `,"revision":`...)
		b = appendInt(b, s.prior.Revision)
	}
	ts := s.now.UTC().Format(timeLayout)
	for _, k := range [...]string{"createdAt", "updatedAt", "deletedAt"} {
		b = append(b, ',', '"')
		b = append(b, k...)
		b = append(b, '"', ':')
		b = appendString(b, ts)
	}
	if by := fieldOr(s.sys, "updatedBy"); isObject(by) {
		b = append(b, `,"deletedBy":`...)
		b = append(b, by...)
	} else if s.prior != nil && s.prior.UpdatedBy != "" {
		b = append(b, `,"deletedBy":`...)
		b = appendLink(b, "User", s.prior.UpdatedBy)
	}
	return compactValid(append(b, "}}"...))
}

// published turns the CMA answer of a publish into the published entity: the
// answer's members in their order, with a CDA-style sys (revision instead of
// version).
func (s shaper) published(body []byte) []byte {
	b := append(make([]byte, 0, len(body)), '{')
	wroteSys := false
	eachMember(body, func(k, v []byte) bool {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, '"', ':')
		if keyIs(k, "sys") {
			b = s.appendCDASys(b)
			wroteSys = true
		} else {
			b = append(b, v...)
		}
		return true
	})
	if !wroteSys {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, `"sys":`...)
		b = s.appendCDASys(b)
	}
	return compactValid(append(b, '}'))
}

// appendCDASys appends the sys of a publish payload: type, id, space,
// environment, contentType (entries), createdBy, updatedBy, revision,
// createdAt, updatedAt, publishedVersion.
func (s shaper) appendCDASys(b []byte) []byte {
	b = append(b, `{"type":`...)
	b = appendString(b, s.route.EntityType)
	b = s.appendIdentity(b)
	if s.route.EntityType == TypeEntry {
		b = s.appendContentType(b)
	}
	b = s.appendRaw(b, "createdBy")
	b = s.appendRaw(b, "updatedBy")
	if n, ok := intOf(fieldOr(s.sys, "publishedCounter")); ok {
		b = append(b, `,"revision":`...)
		b = appendInt(b, n)
	}
	b = s.appendRaw(b, "createdAt")
	b = s.appendRaw(b, "updatedAt")
	b = s.appendRaw(b, "publishedVersion")
	return append(b, '}')
}

// appendIdentity appends the id, space and environment members of a sys.
func (s shaper) appendIdentity(b []byte) []byte {
	if s.id != "" {
		b = append(b, `,"id":`...)
		b = appendString(b, s.id)
	}
	b = append(b, `,"space":`...)
	b = appendLink(b, "Space", s.route.Space)
	if s.route.Environment != "" {
		b = append(b, `,"environment":`...)
		if s.alias {
			b = appendAliasLink(b, s.route.Environment)
		} else {
			b = appendLink(b, "Environment", s.route.Environment)
		}
	}
	return b
}

// appendContentType appends the contentType link of an entry, from the
// answer or else from what is known; nothing when unknown.
func (s shaper) appendContentType(b []byte) []byte {
	if raw := fieldOr(s.sys, "contentType"); isObject(raw) {
		b = append(b, `,"contentType":`...)
		return append(b, raw...)
	}
	if s.contentType != "" {
		b = append(b, `,"contentType":`...)
		b = appendLink(b, "ContentType", s.contentType)
	}
	return b
}

// appendRaw copies the member key of the answer's sys, when present.
func (s shaper) appendRaw(b []byte, key string) []byte {
	raw := fieldOr(s.sys, key)
	if raw == nil {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return append(b, raw...)
}

// appendLink appends {"sys":{"type":"Link","linkType":…,"id":…}}.
func appendLink(b []byte, linkType, id string) []byte {
	b = append(b, `{"sys":{"type":"Link","linkType":`...)
	b = appendString(b, linkType)
	b = append(b, `,"id":`...)
	b = appendString(b, id)
	return append(b, "}}"...)
}

// appendAliasLink appends the sys.environment of a write made through the
// environment alias id: {"sys":{"id":…,"type":"Link","linkType":"EnvironmentAlias"}}.
func appendAliasLink(b []byte, id string) []byte {
	b = append(b, `{"sys":{"id":`...)
	b = appendString(b, id)
	return append(b, `,"type":"Link","linkType":"EnvironmentAlias"}}`...)
}

// withEnvironment returns a copy of the valid JSON object body with the value
// of its sys.environment member replaced by link and every other byte kept;
// an unchanged copy when body has no sys.environment.
func withEnvironment(body, link []byte) []byte {
	s0, s1, ok := memberSpan(body, "sys")
	if !ok {
		return bytes.Clone(body)
	}
	e0, e1, ok := memberSpan(body[s0:s1], "environment")
	if !ok {
		return bytes.Clone(body)
	}
	e0, e1 = s0+e0, s0+e1
	out := make([]byte, 0, len(body)-(e1-e0)+len(link))
	out = append(out, body[:e0]...)
	out = append(out, link...)
	return append(out, body[e1:]...)
}

// appendInt appends n in decimal.
func appendInt(b []byte, n int) []byte {
	return strconv.AppendInt(b, int64(n), 10)
}
