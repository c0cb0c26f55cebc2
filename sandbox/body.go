package sandbox

import (
	"bytes"
	"encoding/json"
	"strings"
)

// defaultMetadata is the metadata of an entity written without one.
var defaultMetadata = json.RawMessage(`{"tags":[],"concepts":[]}`)

// documentBody is the body of an entry or asset write.
type documentBody struct {
	Fields   json.RawMessage `json:"fields"`
	Metadata json.RawMessage `json:"metadata"`
}

// metadataBody is the metadata object of an entry or asset.
type metadataBody struct {
	Tags     json.RawMessage `json:"tags"`
	Concepts json.RawMessage `json:"concepts"`
}

// contentTypeBody is the body of a content type write.
type contentTypeBody struct {
	contentTypeAttrs
	Fields json.RawMessage `json:"fields"`
}

// decodeDocument reads the body of an entry or asset write. An empty body
// is an empty entity; metadata is nil when the body has none.
func decodeDocument(body []byte) (fields, metadata json.RawMessage, err *apiError) {
	var doc documentBody
	if err := decodeBody(body, &doc); err != nil {
		return nil, nil, err
	}
	fields, err = compactJSON(doc.Fields, '{', "{}", "fields")
	if err != nil {
		return nil, nil, err
	}
	if isAbsent(doc.Metadata) {
		return fields, nil, nil
	}
	metadata, err = normalizeMetadata(doc.Metadata)
	return fields, metadata, err
}

// normalizeMetadata checks a metadata object and fills in missing tags and
// concepts with empty arrays.
func normalizeMetadata(raw json.RawMessage) (json.RawMessage, *apiError) {
	var md metadataBody
	if json.Unmarshal(raw, &md) != nil {
		return nil, validationFailed([]string{"metadata"}, "metadata must be an object like %s", defaultMetadata)
	}
	var err *apiError
	if md.Tags, err = compactJSON(md.Tags, '[', "[]", "metadata.tags"); err != nil {
		return nil, err
	}
	if md.Concepts, err = compactJSON(md.Concepts, '[', "[]", "metadata.concepts"); err != nil {
		return nil, err
	}
	out, _ := json.Marshal(md)
	return out, nil
}

// decodeContentType reads the body of a content type write.
func decodeContentType(body []byte) (contentTypeAttrs, json.RawMessage, *apiError) {
	var ct contentTypeBody
	if err := decodeBody(body, &ct); err != nil {
		return contentTypeAttrs{}, nil, err
	}
	if ct.Name == "" {
		return contentTypeAttrs{}, nil, validationFailed([]string{"name"}, "a content type needs a name: send {\"name\": \"…\", \"fields\": […]}")
	}
	fields, err := compactJSON(ct.Fields, '[', "[]", "fields")
	return ct.contentTypeAttrs, fields, err
}

// decodeBody decodes a JSON object body; an empty body decodes as {}.
func decodeBody(body []byte, v any) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return badRequest("the body is not a JSON object: %v", err)
	}
	return nil
}

// compactJSON checks that raw is a JSON value starting with open ('{' or
// '[') and returns it compacted; absent or null gives def.
func compactJSON(raw json.RawMessage, open byte, def, name string) (json.RawMessage, *apiError) {
	if isAbsent(raw) {
		return json.RawMessage(def), nil
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil || buf.Bytes()[0] != open {
		return nil, validationFailed(strings.Split(name, "."), "%s must be a JSON %s", name, map[byte]string{'{': "object", '[': "array"}[open])
	}
	return buf.Bytes(), nil
}

// isAbsent says whether a decoded member was missing or null.
func isAbsent(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}
