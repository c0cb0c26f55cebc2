package caddymodule

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/cmsevents/caddy-cms-events/delivery"
)

// secretAnswer is a space's signing secret as the webhooks API answers
// it: only its last four characters.
type secretAnswer struct {
	RedactedValue string    `json:"redactedValue"`
	Sys           secretSys `json:"sys"`
}

// secretSys is the sys of a secretAnswer.
type secretSys struct {
	Type      string        `json:"type"`
	ID        string        `json:"id"`
	Space     delivery.Link `json:"space"`
	CreatedAt string        `json:"createdAt"`
	UpdatedAt string        `json:"updatedAt"`
}

// secretAnswerOf shapes the stored secret of the space for an answer.
func (a webhooksAPI) secretAnswerOf(s apiSecret) secretAnswer {
	return secretAnswer{
		RedactedValue: s.Value[len(s.Value)-4:],
		Sys: secretSys{
			Type:      "WebhookSigningSecret",
			ID:        "signing_secret",
			Space:     link("Space", a.space),
			CreatedAt: s.CreatedAt.UTC().Format(delivery.CallTimeLayout),
			UpdatedAt: s.UpdatedAt.UTC().Format(delivery.CallTimeLayout),
		},
	}
}

// getSecret answers the space's signing secret, redacted; 404 when it has
// none.
func (a webhooksAPI) getSecret() (int, any, error) {
	s, ok := a.reg.secret(a.space)
	if !ok {
		return 0, nil, newCMAError(http.StatusNotFound, errNotFound,
			"The resource could not be found: space %q has no signing secret; set one with PUT /spaces/%s/webhook_settings/signing_secret", a.space, a.space)
	}
	return http.StatusOK, a.secretAnswerOf(s), nil
}

// putSecret sets the space's signing secret from {"value": "<64
// characters>"}; from then on every webhook call of the space is signed
// with it.
func (a webhooksAPI) putSecret(r *http.Request) (int, any, error) {
	var body struct {
		Value string `json:"value"`
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 4096))
	if err == nil {
		err = json.Unmarshal(raw, &body)
	}
	if err != nil {
		return 0, nil, newCMAError(http.StatusBadRequest, errBadRequest, `the body must be {"value": "<64 characters>"}: %v`, err)
	}
	if err := delivery.ValidSecret(body.Value); err != nil {
		// The error names lengths and the alphabet, never the value.
		return 0, nil, validationFailed([]any{"value"}, err.Error())
	}
	a.reg.changes.Lock()
	defer a.reg.changes.Unlock()
	now := time.Now().UTC()
	s := apiSecret{Value: body.Value, CreatedAt: now, UpdatedAt: now}
	if old, ok := a.reg.secret(a.space); ok {
		s.CreatedAt = old.CreatedAt
	}
	if err := a.reg.putSecret(a.space, s); err != nil {
		return 0, nil, fmt.Errorf("store the signing secret of space %s: %w", a.space, err)
	}
	return http.StatusOK, a.secretAnswerOf(s), nil
}

// deleteSecret removes the space's signing secret: 204. Calls of the
// space are then signed as the config says (or not at all).
func (a webhooksAPI) deleteSecret() (int, error) {
	a.reg.changes.Lock()
	defer a.reg.changes.Unlock()
	if _, ok := a.reg.secret(a.space); ok {
		if err := a.reg.deleteSecret(a.space); err != nil {
			return 0, fmt.Errorf("delete the signing secret of space %s: %w", a.space, err)
		}
	}
	return http.StatusNoContent, nil
}
