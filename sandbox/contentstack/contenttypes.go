package contentstack

import (
	"encoding/json"
	"net/http"
	"regexp"
)

// contentTypeUIDPattern is Contentstack's rule for content type uids.
var contentTypeUIDPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,99}$`)

// defaultOptions are the options of a content type created without any.
var defaultOptions = json.RawMessage(`{"title":"title","publishable":true,"is_page":false,"singleton":false,"sub_title":[]}`)

// contentTypeExample is the body suggested when a write is refused.
const contentTypeExample = `{"content_type":{"title":"Blog","uid":"blog","schema":[{"display_name":"Title","uid":"title","data_type":"text","mandatory":true}]}}`

// contentType is one content type of a branch and its entries. meta.uid is
// the uid the client chose.
type contentType struct {
	meta
	title       string
	description string
	// schema holds the fields as sent; fields is what the sandbox reads of
	// them.
	schema  []json.RawMessage
	fields  []schemaField
	options json.RawMessage
	entries table[entry]
}

// schemaField is what the sandbox reads of a schema field.
type schemaField struct {
	UID       string `json:"uid"`
	Mandatory bool   `json:"mandatory"`
}

// contentTypeBody is the content_type object of a content type write.
type contentTypeBody struct {
	Title       *string           `json:"title"`
	UID         string            `json:"uid"`
	Description *string           `json:"description"`
	Schema      []json.RawMessage `json:"schema"`
	Options     json.RawMessage   `json:"options"`
}

// contentTypeJSON is a content type as Contentstack answers it.
type contentTypeJSON struct {
	CreatedAt         string            `json:"created_at"`
	UpdatedAt         string            `json:"updated_at"`
	CreatedBy         string            `json:"created_by"`
	UpdatedBy         string            `json:"updated_by"`
	Title             string            `json:"title"`
	UID               string            `json:"uid"`
	Version           int               `json:"_version"`
	InbuiltClass      bool              `json:"inbuilt_class"`
	Description       string            `json:"description"`
	Schema            []json.RawMessage `json:"schema"`
	Options           json.RawMessage   `json:"options"`
	MaintainRevisions bool              `json:"maintain_revisions"`
	Branch            string            `json:"_branch,omitempty"`
}

// view is the content type as answered to c.
func (ct *contentType) view(c *call) any {
	return contentTypeJSON{
		CreatedAt: timestamp(ct.createdAt), UpdatedAt: timestamp(ct.updatedAt),
		CreatedBy: ct.createdBy, UpdatedBy: ct.updatedBy,
		Title: ct.title, UID: ct.uid, Version: ct.version,
		Description: ct.description, Schema: ct.schema, Options: ct.options,
		MaintainRevisions: true, Branch: branchName(c),
	}
}

// contentTypeOf returns the content type the route names.
func contentTypeOf(c *call) (*contentType, *apiError) {
	ct := c.branch.contentTypes.get(c.rt.ct)
	if ct == nil {
		return nil, contentTypeNotFound(c.rt.ct)
	}
	return ct, nil
}

// listContentTypes answers GET /v3/content_types.
func (s *Sandbox) listContentTypes(c *call) reply {
	return listAnswer(c, "content_types", c.branch.contentTypes.list(), func(ct *contentType) any { return ct.view(c) })
}

// getContentType answers GET /v3/content_types/{ct}.
func (s *Sandbox) getContentType(c *call) reply {
	ct, err := contentTypeOf(c)
	if err != nil {
		return err.reply()
	}
	return ok(map[string]any{"content_type": ct.view(c)})
}

// createContentType answers POST /v3/content_types.
func (s *Sandbox) createContentType(c *call) reply {
	var body contentTypeBody
	if err := decodeWrapped(c, "content_type", codeContentTypeInvalid, contentTypeExample, &body); err != nil {
		return err.reply()
	}
	const failed = "Content Type creation failed. Please enter valid data."
	if !contentTypeUIDPattern.MatchString(body.UID) {
		return fieldError(codeContentTypeInvalid, "uid", "is not valid.", "%s (uid must be lowercase letters, digits and underscores, starting with a letter; got %q.)", failed, body.UID).reply()
	}
	if c.branch.contentTypes.get(body.UID) != nil {
		return fieldError(codeContentTypeInvalid, "uid", "is not unique.", "%s (A content type %q already exists: pick another uid or change it with PUT /v3/content_types/%s.)", failed, body.UID, body.UID).reply()
	}
	ct := &contentType{meta: newMeta(c), options: defaultOptions, schema: []json.RawMessage{}}
	ct.uid = body.UID
	if err := ct.apply(body, failed); err != nil {
		return err.reply()
	}
	if ct.title == "" {
		return fieldError(codeContentTypeInvalid, "title", "is a required field.", "%s (Send a title, like %s.)", failed, contentTypeExample).reply()
	}
	c.branch.contentTypes.add(ct.uid, ct)
	return reply{status: http.StatusCreated, body: map[string]any{"notice": "Content Type created successfully.", "content_type": ct.view(c)}}
}

// updateContentType answers PUT /v3/content_types/{ct}: the members sent
// replace the stored ones.
func (s *Sandbox) updateContentType(c *call) reply {
	ct, err := contentTypeOf(c)
	if err != nil {
		return err.reply()
	}
	var body contentTypeBody
	if err := decodeWrapped(c, "content_type", codeContentTypeInvalid, contentTypeExample, &body); err != nil {
		return err.reply()
	}
	next := *ct
	const failed = "Content Type update failed. Please enter valid data."
	if err := next.apply(body, failed); err != nil {
		return err.reply()
	}
	if next.title == "" {
		return fieldError(codeContentTypeInvalid, "title", "is a required field.", "%s (The title cannot be empty.)", failed).reply()
	}
	next.touch(c)
	*ct = next
	return ok(map[string]any{"notice": "Content Type updated successfully.", "content_type": ct.view(c)})
}

// deleteContentType answers DELETE /v3/content_types/{ct}; its entries go
// with it.
func (s *Sandbox) deleteContentType(c *call) reply {
	if _, err := contentTypeOf(c); err != nil {
		return err.reply()
	}
	c.branch.contentTypes.remove(c.rt.ct)
	return notice("Content Type deleted successfully.")
}

// apply copies the members of body that were sent into ct; failed starts
// the message of a refusal.
func (ct *contentType) apply(body contentTypeBody, failed string) *apiError {
	if body.Title != nil {
		ct.title = *body.Title
	}
	if body.Description != nil {
		ct.description = *body.Description
	}
	if body.Schema != nil {
		fields, err := parseSchema(body.Schema, failed)
		if err != nil {
			return err
		}
		ct.schema, ct.fields = body.Schema, fields
	}
	if len(body.Options) > 0 && string(body.Options) != "null" {
		if body.Options[0] != '{' {
			return fieldError(codeContentTypeInvalid, "options", "is not valid.", "%s (options must be a JSON object.)", failed)
		}
		ct.options = body.Options
	}
	return nil
}

// parseSchema reads the uid and mandatory flag of every schema field; uids
// must be present and distinct.
func parseSchema(schema []json.RawMessage, failed string) ([]schemaField, *apiError) {
	fields := make([]schemaField, len(schema))
	seen := map[string]bool{}
	for i, raw := range schema {
		if err := json.Unmarshal(raw, &fields[i]); err != nil || fields[i].UID == "" {
			return nil, fieldError(codeContentTypeInvalid, "schema", "is not valid.", "%s (schema[%d] must be an object with a uid, like %s.)", failed, i, `{"display_name":"Title","uid":"title","data_type":"text"}`)
		}
		if seen[fields[i].UID] {
			return nil, fieldError(codeContentTypeInvalid, "schema", "is not valid.", "%s (Two schema fields have the uid %q.)", failed, fields[i].UID)
		}
		seen[fields[i].UID] = true
	}
	return fields, nil
}
