package contentstack

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// assetHost is the host of the asset urls the sandbox hands out; nothing is
// served there.
const assetHost = "images.sandbox.local"

// assetExample is the JSON body suggested when an asset update is refused.
const assetExample = `{"asset":{"title":"Logo","description":"","tags":[]}}`

// asset is one asset of a branch. The sandbox keeps what it answers about
// the file, not the file.
type asset struct {
	meta
	title       string
	description string
	tags        []string
	file        uploadedFile
	// fileKey is the random segment of the url, renewed with every upload.
	fileKey   string
	published []publishRecord
}

// assetJSON is an asset as Contentstack answers it.
type assetJSON struct {
	UID            string          `json:"uid"`
	CreatedAt      string          `json:"created_at"`
	UpdatedAt      string          `json:"updated_at"`
	CreatedBy      string          `json:"created_by"`
	UpdatedBy      string          `json:"updated_by"`
	ContentType    string          `json:"content_type"`
	FileSize       string          `json:"file_size"`
	Tags           []string        `json:"tags"`
	Filename       string          `json:"filename"`
	URL            string          `json:"url"`
	ACL            struct{}        `json:"ACL"`
	IsDir          bool            `json:"is_dir"`
	ParentUID      any             `json:"parent_uid"` // null: the sandbox has no folders
	Version        int             `json:"_version"`
	Title          string          `json:"title"`
	Description    string          `json:"description"`
	PublishDetails []publishRecord `json:"publish_details"`
	Branch         string          `json:"_branch,omitempty"`
}

// view is the asset as answered to c.
func (a *asset) view(c *call) any {
	return assetJSON{
		UID: a.uid, CreatedAt: timestamp(a.createdAt), UpdatedAt: timestamp(a.updatedAt),
		CreatedBy: a.createdBy, UpdatedBy: a.updatedBy,
		ContentType: a.file.contentType, FileSize: strconv.FormatInt(a.file.size, 10),
		Tags: a.tags, Filename: a.file.name,
		URL:     fmt.Sprintf("https://%s/v3/assets/%s/%s/%s/%s", assetHost, url.PathEscape(c.stack.apiKey), a.uid, a.fileKey, url.PathEscape(a.file.name)),
		Version: a.version, Title: a.title, Description: a.description,
		PublishDetails: a.published, Branch: branchName(c),
	}
}

// assetOf returns the asset the route names.
func assetOf(c *call) (*asset, *apiError) {
	a := c.branch.assets.get(c.rt.id)
	if a == nil {
		return nil, objectNotFound(fmt.Sprintf("asset %q: list them with GET /v3/assets", c.rt.id))
	}
	return a, nil
}

// listAssets answers GET /v3/assets.
func (s *Sandbox) listAssets(c *call) reply {
	return listAnswer(c, "assets", c.branch.assets.list(), func(a *asset) any { return a.view(c) })
}

// getAsset answers GET /v3/assets/{uid}.
func (s *Sandbox) getAsset(c *call) reply {
	a, err := assetOf(c)
	if err != nil {
		return err.reply()
	}
	return ok(map[string]any{"asset": a.view(c)})
}

// createAsset answers POST /v3/assets, an upload.
func (s *Sandbox) createAsset(c *call) reply {
	boundary := multipartBoundary(c)
	if boundary == "" {
		return fieldError(codeInvalid, "asset[upload]", "is required.", "Upload an asset as %s.", uploadExample).reply()
	}
	u, err := readUpload(c, boundary)
	if err != nil {
		return err.reply()
	}
	if u.file == nil {
		return fieldError(codeInvalid, "asset[upload]", "is required.", "The form has no file in asset[upload]; send %s.", uploadExample).reply()
	}
	a := &asset{meta: newMeta(c), tags: []string{}, published: []publishRecord{}}
	if err := a.applyUpload(u); err != nil {
		return err.reply()
	}
	if u.title == nil {
		a.title = a.file.name
	}
	c.branch.assets.add(a.uid, a)
	return reply{status: http.StatusCreated, body: map[string]any{"notice": "Asset created successfully.", "asset": a.view(c)}}
}

// updateAsset answers PUT /v3/assets/{uid}: a JSON body changes the title,
// description and tags; a multipart body (the SDK's replace) also replaces
// the file.
func (s *Sandbox) updateAsset(c *call) reply {
	a, err := assetOf(c)
	if err != nil {
		return err.reply()
	}
	next := *a
	if boundary := multipartBoundary(c); boundary != "" {
		u, err := readUpload(c, boundary)
		if err == nil {
			err = next.applyUpload(u)
		}
		if err != nil {
			return err.reply()
		}
	} else if err := next.applyJSON(c); err != nil {
		return err.reply()
	}
	next.touch(c)
	*a = next
	return ok(map[string]any{"notice": "Asset updated successfully.", "asset": a.view(c)})
}

// deleteAsset answers DELETE /v3/assets/{uid}.
func (s *Sandbox) deleteAsset(c *call) reply {
	a, err := assetOf(c)
	if err != nil {
		return err.reply()
	}
	c.branch.assets.remove(a.uid)
	return notice("Asset deleted successfully.")
}

// applyUpload copies what the form sent into a; a new file gets a new url.
func (a *asset) applyUpload(u *upload) *apiError {
	if err := checkParent(u.parentUID); err != nil {
		return err
	}
	if u.file != nil {
		a.file, a.fileKey = *u.file, randomHex(12)
	}
	if u.title != nil {
		a.title = *u.title
	}
	if u.description != nil {
		a.description = *u.description
	}
	if u.tags != nil {
		a.tags = u.tags
	}
	return nil
}

// assetBody is the asset object of a JSON asset update; other members (the
// SDK sends the whole asset back) are ignored.
type assetBody struct {
	Title       *string  `json:"title"`
	Description *string  `json:"description"`
	Tags        []string `json:"tags"`
	ParentUID   *string  `json:"parent_uid"`
}

// applyJSON copies the title, description and tags of a JSON update into a.
func (a *asset) applyJSON(c *call) *apiError {
	var body assetBody
	if err := decodeWrapped(c, "asset", codeInvalid, assetExample, &body); err != nil {
		return err
	}
	if err := checkParent(body.ParentUID); err != nil {
		return err
	}
	if body.Title != nil {
		a.title = *body.Title
	}
	if body.Description != nil {
		a.description = *body.Description
	}
	if body.Tags != nil {
		a.tags = body.Tags
	}
	return nil
}

// checkParent refuses a folder: the sandbox has none.
func checkParent(parentUID *string) *apiError {
	if parentUID != nil && *parentUID != "" {
		return fieldError(codeInvalid, "parent_uid", "is not valid.", "The sandbox has no asset folders: send no parent_uid (got %q).", *parentUID)
	}
	return nil
}
