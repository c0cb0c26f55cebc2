package contentstack

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// entryExample is the body suggested when an entry write is refused.
const entryExample = `{"entry":{"title":"Hello"}}`

// entry is one entry of a content type, in the branch's one locale.
type entry struct {
	meta
	// fields holds the values of the content type's schema fields.
	fields    map[string]json.RawMessage
	tags      []string
	published []publishRecord
}

// view is the entry as answered to c: its field values and Contentstack's
// system fields.
func (e *entry) view(c *call) any {
	m := make(map[string]any, len(e.fields)+12)
	for k, v := range e.fields {
		m[k] = v
	}
	m["uid"] = e.uid
	m["locale"] = masterLocale
	m["_version"] = e.version
	m["created_at"] = timestamp(e.createdAt)
	m["updated_at"] = timestamp(e.updatedAt)
	m["created_by"] = e.createdBy
	m["updated_by"] = e.updatedBy
	m["ACL"] = struct{}{}
	m["tags"] = e.tags
	m["_in_progress"] = false
	m["publish_details"] = e.published
	if b := branchName(c); b != "" {
		m["_branch"] = b
	}
	return m
}

// entryOf returns the content type and entry the route names.
func entryOf(c *call) (*contentType, *entry, *apiError) {
	ct, err := contentTypeOf(c)
	if err != nil {
		return nil, nil, err
	}
	e := ct.entries.get(c.rt.id)
	if e == nil {
		return nil, nil, objectNotFound(fmt.Sprintf("entry %q in content type %q: list them with GET /v3/content_types/%s/entries", c.rt.id, ct.uid, ct.uid))
	}
	return ct, e, nil
}

// listEntries answers GET /v3/content_types/{ct}/entries.
func (s *Sandbox) listEntries(c *call) reply {
	ct, err := contentTypeOf(c)
	if err == nil {
		err = checkLocale(c)
	}
	if err != nil {
		return err.reply()
	}
	return listAnswer(c, "entries", ct.entries.list(), func(e *entry) any { return e.view(c) })
}

// getEntry answers GET /v3/content_types/{ct}/entries/{uid}.
func (s *Sandbox) getEntry(c *call) reply {
	_, e, err := entryOf(c)
	if err == nil {
		err = checkLocale(c)
	}
	if err != nil {
		return err.reply()
	}
	return ok(map[string]any{"entry": e.view(c)})
}

// createEntry answers POST /v3/content_types/{ct}/entries.
func (s *Sandbox) createEntry(c *call) reply {
	ct, err := contentTypeOf(c)
	if err == nil {
		err = checkLocale(c)
	}
	if err != nil {
		return err.reply()
	}
	e := &entry{meta: newMeta(c), tags: []string{}, published: []publishRecord{}}
	if err := e.apply(c, ct, "Entry creation failed. Please enter valid data."); err != nil {
		return err.reply()
	}
	ct.entries.add(e.uid, e)
	return reply{status: http.StatusCreated, body: map[string]any{"notice": "Entry created successfully.", "entry": e.view(c)}}
}

// updateEntry answers PUT /v3/content_types/{ct}/entries/{uid}.
func (s *Sandbox) updateEntry(c *call) reply {
	ct, e, err := entryOf(c)
	if err == nil {
		err = checkLocale(c)
	}
	if err != nil {
		return err.reply()
	}
	if err := e.apply(c, ct, "Entry update failed. Please enter valid data."); err != nil {
		return err.reply()
	}
	e.touch(c)
	return ok(map[string]any{"notice": "Entry updated successfully.", "entry": e.view(c)})
}

// deleteEntry answers DELETE /v3/content_types/{ct}/entries/{uid}.
func (s *Sandbox) deleteEntry(c *call) reply {
	ct, e, err := entryOf(c)
	if err == nil {
		err = checkLocale(c)
	}
	if err != nil {
		return err.reply()
	}
	ct.entries.remove(e.uid)
	return notice("Entry deleted successfully.")
}

// apply sets the entry's fields from the body of c: the values of the
// content type's schema fields replace the stored ones (other members are
// dropped), and tags replace the stored tags when sent. Mandatory fields
// must have a value; failed starts the message of a refusal, and nothing
// changes then.
func (e *entry) apply(c *call, ct *contentType, failed string) *apiError {
	var body map[string]json.RawMessage
	if err := decodeWrapped(c, "entry", codeEntryInvalid, entryExample, &body); err != nil {
		return err
	}
	fields := map[string]json.RawMessage{}
	for _, f := range ct.fields {
		v, sent := body[f.UID]
		empty := !sent || string(v) == "null" || string(v) == `""`
		if f.Mandatory && empty {
			return fieldError(codeEntryInvalid, f.UID, "is a required field.", "%s (The content type %q makes %q mandatory.)", failed, ct.uid, f.UID)
		}
		if sent && string(v) != "null" {
			fields[f.UID] = v
		}
	}
	tags := e.tags
	if raw := body["tags"]; len(raw) > 0 && string(raw) != "null" {
		tags = nil
		if err := json.Unmarshal(raw, &tags); err != nil {
			return fieldError(codeEntryInvalid, "tags", "is not valid.", "%s (tags must be an array of strings.)", failed)
		}
	}
	e.fields, e.tags = fields, tags
	return nil
}
