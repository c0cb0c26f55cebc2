package sandbox

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
)

// appDefinition is one app of an organization, with the event subscription
// and signing secret it may have.
type appDefinition struct {
	id  string
	org string
	meta
	attrs        appDefinitionAttrs
	subscription *appSubscription
	secret       *appSigningSecret
}

// appDefinitionAttrs are the attributes of an app definition besides sys,
// as written and as answered (compact JSON; absent ones are nil).
type appDefinitionAttrs struct {
	Name       string          `json:"name"`
	Src        string          `json:"src,omitempty"`
	Bundle     json.RawMessage `json:"bundle,omitempty"`
	Locations  json.RawMessage `json:"locations"`
	Parameters json.RawMessage `json:"parameters,omitempty"`
}

// appDefinitionJSON is an app definition.
type appDefinitionJSON struct {
	appDefinitionAttrs
	Sys appDefinitionSys `json:"sys"`
}

// appDefinitionSys is the sys object of an app definition.
type appDefinitionSys struct {
	Type         string `json:"type"`
	ID           string `json:"id"`
	Version      int    `json:"version"`
	Organization *link  `json:"organization"`
	Shared       bool   `json:"shared"`
	CreatedAt    string `json:"createdAt"`
	UpdatedAt    string `json:"updatedAt"`
	CreatedBy    *link  `json:"createdBy"`
	UpdatedBy    *link  `json:"updatedBy"`
}

// render renders the app definition.
func (d *appDefinition) render() *appDefinitionJSON {
	return &appDefinitionJSON{appDefinitionAttrs: d.attrs, Sys: appDefinitionSys{
		Type: "AppDefinition", ID: d.id, Version: d.version,
		Organization: newLink("Organization", d.org),
		CreatedAt:    timestamp(d.createdAt), UpdatedAt: timestamp(d.updatedAt),
		CreatedBy: actorLink(d.createdBy), UpdatedBy: actorLink(d.updatedBy),
	}}
}

// decodeAppDefinition reads the body of an app definition write: a name,
// and optionally src, bundle (a link), locations (an array, default []) and
// parameters (an object).
func decodeAppDefinition(body []byte) (appDefinitionAttrs, *apiError) {
	var a appDefinitionAttrs
	if err := decodeBody(body, &a); err != nil {
		return a, err
	}
	if a.Name == "" {
		return a, validationFailed([]string{"name"}, `An app definition needs a name: send {"name":"…","src":"https://…","locations":[{"location":"app-config"}]}.`)
	}
	var err *apiError
	if a.Locations, err = compactJSON(a.Locations, '[', "[]", "locations"); err != nil {
		return a, err
	}
	if a.Bundle, err = compactOptional(a.Bundle, '{', "bundle"); err != nil {
		return a, err
	}
	a.Parameters, err = compactOptional(a.Parameters, '{', "parameters")
	return a, err
}

// compactOptional is compactJSON for a member that stays absent (nil) when
// it was not sent or was null.
func compactOptional(raw json.RawMessage, open byte, name string) (json.RawMessage, *apiError) {
	if isAbsent(raw) {
		return nil, nil
	}
	return compactJSON(raw, open, "", name)
}

// lookupAppDefinition finds the app definition a route names in its
// organization.
func (s *Sandbox) lookupAppDefinition(rt route) (*appDefinition, *apiError) {
	if d := s.apps.defs[rt.id]; d != nil && d.org == rt.org {
		return d, nil
	}
	return nil, notFound("The resource could not be found: no app definition %q in organization %q.", rt.id, rt.org)
}

// listAppDefinitions answers GET /organizations/{o}/app_definitions.
func (s *Sandbox) listAppDefinitions(c *call, sc *scope, rt route) reply {
	defs := slices.Collect(maps.Values(s.apps.defs))
	defs = slices.DeleteFunc(defs, func(d *appDefinition) bool { return d.org != rt.org })
	return page(c, defs, func(d *appDefinition) int64 { return d.seq }, func(d *appDefinition) any { return d.render() })
}

// getAppDefinition answers GET /organizations/{o}/app_definitions/{app}.
func (s *Sandbox) getAppDefinition(c *call, sc *scope, rt route) reply {
	d, err := s.lookupAppDefinition(rt)
	if err != nil {
		return err.reply()
	}
	return reply{status: http.StatusOK, body: d.render()}
}

// postAppDefinition answers POST /organizations/{o}/app_definitions: a
// create with a generated id (201).
func (s *Sandbox) postAppDefinition(c *call, sc *scope, rt route) reply {
	attrs, err := decodeAppDefinition(c.body)
	if err != nil {
		return err.reply()
	}
	d := &appDefinition{id: newID(), org: rt.org, meta: newMeta(c, s.nextSeq()), attrs: attrs}
	s.apps.defs[d.id] = d
	return reply{status: http.StatusCreated, body: d.render()}
}

// putAppDefinition answers PUT /organizations/{o}/app_definitions/{app}: an
// update (200) of the current version that replaces every attribute.
func (s *Sandbox) putAppDefinition(c *call, sc *scope, rt route) reply {
	d, err := s.lookupAppDefinition(rt)
	if err != nil {
		return err.reply()
	}
	if err := requireVersion(c, d.version); err != nil {
		return err.reply()
	}
	attrs, err := decodeAppDefinition(c.body)
	if err != nil {
		return err.reply()
	}
	d.attrs = attrs
	d.touch(c)
	return reply{status: http.StatusOK, body: d.render()}
}

// deleteAppDefinition answers DELETE /organizations/{o}/app_definitions/{app}:
// 204; its event subscription, signing secret and installations go with it.
func (s *Sandbox) deleteAppDefinition(c *call, sc *scope, rt route) reply {
	d, err := s.lookupAppDefinition(rt)
	if err != nil {
		return err.reply()
	}
	if err := checkVersion(c, d.version); err != nil {
		return err.reply()
	}
	delete(s.apps.defs, d.id)
	maps.DeleteFunc(s.apps.installs, func(k installKey, _ *appInstallation) bool { return k.app == d.id })
	return reply{status: http.StatusNoContent}
}
