package caddymodule

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cmsevents/caddy-cms-events/delivery"
	"github.com/cmsevents/caddy-cms-events/events"
)

// maxDefinitionBody is the largest webhook definition the API reads.
const maxDefinitionBody = 1 << 20

// definitionAnswer is a webhook definition as the webhooks API answers it:
// Contentful's WebhookDefinition, secrets left out.
type definitionAnswer struct {
	Sys definitionSys `json:"sys"`
	// ID hides the gateway's own id field: the id is in sys.
	ID string `json:"id,omitempty"`
	// HTTPBasicUsername is null when unset, as in Contentful.
	HTTPBasicUsername *string `json:"httpBasicUsername"`
	events.Definition
}

// definitionSys is the sys of a definitionAnswer. ReadOnly marks a
// definition of the config (Caddyfile, JSON or webhooks_file), which the
// API does not change.
type definitionSys struct {
	Type      string        `json:"type"`
	ID        string        `json:"id"`
	Version   int           `json:"version"`
	Space     delivery.Link `json:"space"`
	CreatedAt string        `json:"createdAt,omitempty"`
	UpdatedAt string        `json:"updatedAt,omitempty"`
	ReadOnly  bool          `json:"readOnly,omitempty"`
}

// answerOf shapes a webhook for an answer in space; rec is nil for a
// webhook of the config.
func answerOf(wh *events.Webhook, rec *apiDefinition, space string) definitionAnswer {
	def := wh.Redacted()
	def.Sys = nil
	if def.Active == nil {
		active := true
		def.Active = &active
	}
	out := definitionAnswer{
		Sys:        definitionSys{Type: "WebhookDefinition", ID: wh.ID(), Space: link("Space", space), ReadOnly: rec == nil},
		Definition: def,
	}
	if def.HTTPBasicUsername != "" {
		out.HTTPBasicUsername = &def.HTTPBasicUsername
	}
	if rec != nil {
		out.Sys.Version = rec.Version
		out.Sys.CreatedAt = rec.CreatedAt.UTC().Format(delivery.CallTimeLayout)
		out.Sys.UpdatedAt = rec.UpdatedAt.UTC().Format(delivery.CallTimeLayout)
	}
	return out
}

// definitionCollection is a page of definitions.
type definitionCollection struct {
	Sys   arraySys           `json:"sys"`
	Items []definitionAnswer `json:"items"`
	Total int                `json:"total"`
	Skip  int                `json:"skip"`
	Limit int                `json:"limit"`
}

// listDefinitions answers the space's definitions: the config's (read-only)
// first, then those made through the API, oldest first.
func (a webhooksAPI) listDefinitions(r *http.Request) (int, any, error) {
	skip, limit, err := pageParams(r)
	if err != nil {
		return 0, nil, viewCMAError(err)
	}
	var all []definitionAnswer
	for _, wh := range a.app.webhooks() {
		all = append(all, answerOf(wh, nil, a.space))
	}
	for _, h := range a.reg.list(a.space) {
		all = append(all, answerOf(h.wh, &h.rec, a.space))
	}
	page := []definitionAnswer{}
	if skip < len(all) {
		page = all[skip:min(len(all), skip+limit)]
	}
	return http.StatusOK, definitionCollection{Sys: arraySys{Type: "Array"}, Items: page, Total: len(all), Skip: skip, Limit: limit}, nil
}

// getDefinition answers one definition of the space.
func (a webhooksAPI) getDefinition(id string) (int, any, error) {
	if wh, ok := a.app.configWebhook(id); ok {
		return http.StatusOK, answerOf(wh, nil, a.space), nil
	}
	if h, ok := a.reg.get(id); ok && h.rec.Space == a.space {
		return http.StatusOK, answerOf(h.wh, &h.rec, a.space), nil
	}
	return 0, nil, a.noWebhook(id)
}

// createDefinition makes a definition with a new id (POST): 201.
func (a webhooksAPI) createDefinition(r *http.Request) (int, any, error) {
	def, err := readDefinition(r)
	if err != nil {
		return 0, nil, err
	}
	a.reg.changes.Lock()
	defer a.reg.changes.Unlock()
	id := newWebhookID()
	for a.idTaken(id) {
		id = newWebhookID()
	}
	return a.save(def, id, nil)
}

// putDefinition makes the definition id (201) or updates it (200) with
// the current X-Contentful-Version.
func (a webhooksAPI) putDefinition(r *http.Request, id string) (int, any, error) {
	if !events.ValidID(id) {
		return 0, nil, validationFailed([]any{"sys", "id"}, fmt.Sprintf("%q: use 1–64 characters among a-z, A-Z, 0-9, -, _ and dot", id))
	}
	if _, ok := a.app.configWebhook(id); ok {
		return 0, nil, readOnly(id)
	}
	def, err := readDefinition(r)
	if err != nil {
		return 0, nil, err
	}
	a.reg.changes.Lock()
	defer a.reg.changes.Unlock()
	old, exists := a.reg.get(id)
	switch {
	case exists && old.rec.Space != a.space:
		return 0, nil, validationFailed([]any{"sys", "id"}, fmt.Sprintf("%q is the id of a webhook of another space; webhook ids are unique across spaces, choose another", id))
	case !exists:
		return a.save(def, id, nil)
	}
	sent := r.Header.Get("X-Contentful-Version")
	if v, err := strconv.Atoi(sent); err != nil || v != old.rec.Version {
		return 0, nil, newCMAError(http.StatusConflict, errVersionMismatch,
			"Version mismatch: webhook %q is at version %d; send X-Contentful-Version: %d (got %q)", id, old.rec.Version, old.rec.Version, sent)
	}
	if err := keepSecrets(&def, old.rec.Definition); err != nil {
		return 0, nil, err
	}
	return a.save(def, id, &old.rec)
}

// save compiles def as webhook id and stores it: a new definition when old
// is nil (201), else the next version of old (200). a.reg.changes must be
// held.
func (a webhooksAPI) save(def events.Definition, id string, old *apiDefinition) (int, any, error) {
	def.ID, def.Sys = id, nil
	if old == nil {
		if err := keepSecrets(&def, events.Definition{}); err != nil {
			return 0, nil, err
		}
	}
	wh, err := events.Compile(def)
	if err != nil {
		return 0, nil, definitionFailed(err)
	}
	now := time.Now().UTC()
	rec := apiDefinition{Space: a.space, Definition: def, CreatedAt: now, UpdatedAt: now}
	status := http.StatusCreated
	if old != nil {
		rec.Version, rec.CreatedAt = old.Version+1, old.CreatedAt
		status = http.StatusOK
	}
	if err := a.reg.putWebhook(rec, wh); err != nil {
		return 0, nil, fmt.Errorf("store webhook %s: %w", id, err)
	}
	return status, answerOf(wh, &rec, a.space), nil
}

// deleteDefinition removes a definition made through the API: 204.
func (a webhooksAPI) deleteDefinition(id string) (int, error) {
	if _, ok := a.app.configWebhook(id); ok {
		return 0, readOnly(id)
	}
	a.reg.changes.Lock()
	defer a.reg.changes.Unlock()
	if h, ok := a.reg.get(id); !ok || h.rec.Space != a.space {
		return 0, a.noWebhook(id)
	}
	if err := a.reg.deleteWebhook(a.space, id); err != nil {
		return 0, fmt.Errorf("delete webhook %s: %w", id, err)
	}
	return http.StatusNoContent, nil
}

// idTaken reports whether a webhook of the config or of any space has id.
func (a webhooksAPI) idTaken(id string) bool {
	if _, ok := a.app.configWebhook(id); ok {
		return true
	}
	_, ok := a.reg.get(id)
	return ok
}

// readOnly is the 403 answer for a change to a webhook of the config.
func readOnly(id string) error {
	return newCMAError(http.StatusForbidden, errAccessDenied,
		"Webhook %q is defined in the gateway's configuration (Caddyfile, JSON config or webhooks_file) and is read-only here; change it there and reload the config", id)
}

// readDefinition decodes the request body as a webhook definition.
func readDefinition(r *http.Request) (events.Definition, error) {
	var def events.Definition
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxDefinitionBody+1))
	switch {
	case err != nil:
		return def, newCMAError(http.StatusBadRequest, errBadRequest, "reading the request body: %v", err)
	case len(raw) > maxDefinitionBody:
		return def, newCMAError(http.StatusBadRequest, errBadRequest, "the webhook definition is larger than %d bytes", maxDefinitionBody)
	}
	if err := json.Unmarshal(raw, &def); err != nil {
		return def, newCMAError(http.StatusBadRequest, errBadRequest, "the body is not a webhook definition in JSON: %v", err)
	}
	return def, nil
}

// keepSecrets fills in what an update leaves out of the secrets of old, as
// Contentful does: a secret header sent without a value keeps its value,
// and a missing httpBasicPassword is kept while the user name stays.
func keepSecrets(def *events.Definition, old events.Definition) error {
	for i, hd := range def.Headers {
		if !hd.Secret || hd.Value != "" {
			continue
		}
		kept := false
		for _, o := range old.Headers {
			if o.Secret && strings.EqualFold(o.Key, hd.Key) {
				def.Headers[i].Value, kept = o.Value, true
				break
			}
		}
		if !kept {
			return validationFailed([]any{"headers", i, "value"}, fmt.Sprintf("secret header %q needs a value: only a secret header the webhook already has keeps its value when sent without one", hd.Key))
		}
	}
	if def.HTTPBasicPassword == "" && def.HTTPBasicUsername != "" && def.HTTPBasicUsername == old.HTTPBasicUsername {
		def.HTTPBasicPassword = old.HTTPBasicPassword
	}
	return nil
}

// webhookIDAlphabet is the alphabet of generated webhook ids.
const webhookIDAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newWebhookID returns a random id of 22 characters, like Contentful's.
func newWebhookID() string {
	var b [22]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = webhookIDAlphabet[int(b[i])%len(webhookIDAlphabet)]
	}
	return string(b[:])
}
