package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// assetHost is the host of the URLs processed asset files get.
const assetHost = "//assets.sandbox.local/"

// processAsset answers PUT E/assets/{id}/files/{locale}/process: 204, and the
// file is processed at once: it gets a url and details, loses upload and
// uploadFrom, and the version goes up by one.
func (s *Sandbox) processAsset(c *call, sc *scope, rt route) reply {
	e, err := lookup(sc, rt)
	if err != nil {
		return err.reply()
	}
	if err := writable(c, e, false); err != nil {
		return err.reply()
	}
	var fields map[string]any
	if decodeJSON(e.fields, &fields) != nil {
		return badRequest("The asset's fields cannot be read; PUT the asset again.").reply()
	}
	files, _ := fields["file"].(map[string]any)
	file, _ := files[rt.locale].(map[string]any)
	if file == nil {
		return validationFailed([]string{"fields", "file", rt.locale}, "Asset %q has no file for locale %s: set fields.file[%q] with fileName, contentType and upload first.", e.id, rt.locale, rt.locale).reply()
	}
	name, _ := file["fileName"].(string)
	if name == "" {
		name = "file"
	}
	file["url"] = assetHost + sc.space.id + "/" + e.id + "/" + url.PathEscape(name)
	file["details"] = fileDetails(file["contentType"])
	delete(file, "upload")
	delete(file, "uploadFrom")
	e.fields, _ = json.Marshal(fields)
	e.touch(c)
	return reply{status: http.StatusNoContent}
}

// fileDetails are the placeholder details of a processed file: a size, and
// image dimensions for images.
func fileDetails(contentType any) map[string]any {
	details := map[string]any{"size": 1024}
	if ct, _ := contentType.(string); strings.HasPrefix(ct, "image/") {
		details["image"] = map[string]any{"width": 640, "height": 480}
	}
	return details
}

// unprocessedLocale returns a locale whose file has no url yet, or "".
func unprocessedLocale(e *entity) string {
	var fields struct {
		File map[string]struct {
			URL string `json:"url"`
		} `json:"file"`
	}
	if json.Unmarshal(e.fields, &fields) != nil {
		return ""
	}
	for _, locale := range sortedKeys(fields.File) {
		if fields.File[locale].URL == "" {
			return locale
		}
	}
	return ""
}

// decodeJSON decodes raw into v, keeping numbers as written.
func decodeJSON(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}
