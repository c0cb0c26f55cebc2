package contentstack

import (
	"bytes"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strings"
)

// uploadExample describes the form the sandbox expects for asset uploads.
const uploadExample = "a multipart/form-data body with the file in the field asset[upload] and optionally asset[title], asset[description] and asset[tags] (comma-separated)"

// upload is what an asset form holds; nil members were not sent.
type upload struct {
	file        *uploadedFile
	title       *string
	description *string
	tags        []string
	parentUID   *string
}

// uploadedFile is what the sandbox keeps of an uploaded file: not its bytes.
type uploadedFile struct {
	name        string
	contentType string
	size        int64
}

// multipartBoundary returns the boundary of a multipart/form-data body, or
// "" when the body is something else.
func multipartBoundary(c *call) string {
	mt, params, err := mime.ParseMediaType(c.header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return ""
	}
	return params["boundary"]
}

// readUpload reads an asset form with the given boundary.
func readUpload(c *call, boundary string) (*upload, *apiError) {
	form, err := multipart.NewReader(bytes.NewReader(c.body), boundary).ReadForm(maxBody)
	if err != nil {
		return nil, newError(http.StatusBadRequest, codeInvalid, "The multipart body cannot be read (%v); send %s.", err, uploadExample)
	}
	defer form.RemoveAll()
	value := func(name string) *string {
		if vs := form.Value[name]; len(vs) > 0 {
			return &vs[0]
		}
		return nil
	}
	u := &upload{title: value("asset[title]"), description: value("asset[description]"), parentUID: value("asset[parent_uid]")}
	if t := value("asset[tags]"); t != nil {
		u.tags = splitTags(*t)
	}
	if files := form.File["asset[upload]"]; len(files) > 0 {
		fh := files[0]
		name := cleanFilename(fh.Filename)
		u.file = &uploadedFile{name: name, contentType: fileType(fh.Header.Get("Content-Type"), name), size: fh.Size}
	}
	return u, nil
}

// splitTags splits a comma-separated tag list, dropping empty tags; the
// result is never nil.
func splitTags(s string) []string {
	tags := []string{}
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	return tags
}

// cleanFilename keeps the last element of an uploaded file name and, as
// Contentstack does, turns spaces into underscores.
func cleanFilename(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	return strings.ReplaceAll(name, " ", "_")
}

// fileType is the media type of an uploaded file: the part's own type, or
// else the one its extension suggests, or else application/octet-stream.
func fileType(partType, name string) string {
	if mt, _, err := mime.ParseMediaType(partType); err == nil && mt != "application/octet-stream" {
		return mt
	}
	if mt, _, err := mime.ParseMediaType(mime.TypeByExtension(path.Ext(name))); err == nil {
		return mt
	}
	return "application/octet-stream"
}
