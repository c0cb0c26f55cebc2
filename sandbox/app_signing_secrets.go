package sandbox

import (
	"net/http"
	"regexp"
)

// signingSecretPattern is Contentful's rule for signing secrets: exactly 64
// characters of the hex and base64 alphabets.
var signingSecretPattern = regexp.MustCompile(`^[0-9a-zA-Z+/=_-]{64}$`)

// appSigningSecret is the signing secret of an app definition. Only its
// last four characters are ever answered.
type appSigningSecret struct {
	meta
	value string
}

// appSigningSecretBody is the body of a signing secret write.
type appSigningSecretBody struct {
	Value string `json:"value"`
}

// appSigningSecretJSON is an app signing secret, redacted.
type appSigningSecretJSON struct {
	RedactedValue string     `json:"redactedValue"`
	Sys           appPartSys `json:"sys"`
}

// render renders the signing secret of d.
func (a *appSigningSecret) render(d *appDefinition) *appSigningSecretJSON {
	return &appSigningSecretJSON{RedactedValue: a.value[len(a.value)-4:], Sys: newAppPartSys("AppSigningSecret", d, a.meta)}
}

// lookupAppSigningSecret finds the app definition a route names and its
// signing secret.
func (s *Sandbox) lookupAppSigningSecret(rt route) (*appDefinition, *apiError) {
	d, err := s.lookupAppDefinition(rt)
	if err == nil && d.secret == nil {
		err = notFound("The resource could not be found: app definition %q has no signing secret; create it with PUT.", d.id)
	}
	return d, err
}

// getAppSigningSecret answers GET …/app_definitions/{app}/signing_secret.
func (s *Sandbox) getAppSigningSecret(c *call, sc *scope, rt route) reply {
	d, err := s.lookupAppSigningSecret(rt)
	if err != nil {
		return err.reply()
	}
	return reply{status: http.StatusOK, body: d.secret.render(d)}
}

// putAppSigningSecret answers PUT …/app_definitions/{app}/signing_secret: a
// create (201) or a rotation (200) to the value sent.
func (s *Sandbox) putAppSigningSecret(c *call, sc *scope, rt route) reply {
	d, err := s.lookupAppDefinition(rt)
	if err != nil {
		return err.reply()
	}
	var body appSigningSecretBody
	if err := decodeBody(c.body, &body); err != nil {
		return err.reply()
	}
	if !signingSecretPattern.MatchString(body.Value) {
		return validationFailed([]string{"value"}, "The signing secret must be exactly 64 characters from 0-9, a-z, A-Z and +/=_- (%d sent).", len(body.Value)).reply()
	}
	if d.secret != nil {
		d.secret.value = body.Value
		d.secret.touch(c)
		return reply{status: http.StatusOK, body: d.secret.render(d)}
	}
	d.secret = &appSigningSecret{meta: newMeta(c, s.nextSeq()), value: body.Value}
	return reply{status: http.StatusCreated, body: d.secret.render(d)}
}

// deleteAppSigningSecret answers DELETE
// …/app_definitions/{app}/signing_secret: 204.
func (s *Sandbox) deleteAppSigningSecret(c *call, sc *scope, rt route) reply {
	d, err := s.lookupAppSigningSecret(rt)
	if err != nil {
		return err.reply()
	}
	d.secret = nil
	return reply{status: http.StatusNoContent}
}
