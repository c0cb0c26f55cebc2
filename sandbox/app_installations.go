package sandbox

import (
	"encoding/json"
	"net/http"
)

// maxInstallationParameters is the longest parameters object, as JSON,
// that Contentful stores in an installation (16 kB).
const maxInstallationParameters = 16 << 10

// appInstallation is one app definition installed in an environment.
type appInstallation struct {
	app string
	meta
	// parameters is the installation's parameters object (compact JSON).
	parameters json.RawMessage
}

// appInstallationBody is the body of an installation write.
type appInstallationBody struct {
	Parameters json.RawMessage `json:"parameters"`
}

// appInstallationJSON is an app installation.
type appInstallationJSON struct {
	Parameters json.RawMessage    `json:"parameters"`
	Sys        appInstallationSys `json:"sys"`
}

// appInstallationSys is the sys object of an app installation; like
// Contentful's it has no id: the app definition link names it.
type appInstallationSys struct {
	Type          string `json:"type"`
	AppDefinition *link  `json:"appDefinition"`
	Space         *link  `json:"space"`
	Environment   *link  `json:"environment"`
	Organization  *link  `json:"organization"`
	Version       int    `json:"version"`
	CreatedAt     string `json:"createdAt"`
	UpdatedAt     string `json:"updatedAt"`
	CreatedBy     *link  `json:"createdBy"`
	UpdatedBy     *link  `json:"updatedBy"`
}

// renderInstallation renders the installation as seen through the scope.
func (s *Sandbox) renderInstallation(sc *scope, in *appInstallation) *appInstallationJSON {
	return &appInstallationJSON{Parameters: in.parameters, Sys: appInstallationSys{
		Type: "AppInstallation", AppDefinition: newLink("AppDefinition", in.app),
		Space: newLink("Space", sc.space.id), Environment: newLink("Environment", sc.seg),
		Organization: newLink("Organization", s.apps.defs[in.app].org), Version: in.version,
		CreatedAt: timestamp(in.createdAt), UpdatedAt: timestamp(in.updatedAt),
		CreatedBy: actorLink(in.createdBy), UpdatedBy: actorLink(in.updatedBy),
	}}
}

// lookupInstallation finds the installation a route names in the scope's
// environment.
func (s *Sandbox) lookupInstallation(sc *scope, rt route) (*appInstallation, *apiError) {
	if in := s.apps.installs[installKey{sc.env, rt.id}]; in != nil {
		return in, nil
	}
	return nil, notFound("The resource could not be found: app %q is not installed in environment %q of space %q.", rt.id, sc.seg, sc.space.id)
}

// listAppInstallations answers GET E/app_installations.
func (s *Sandbox) listAppInstallations(c *call, sc *scope, rt route) reply {
	var ins []*appInstallation
	for k, in := range s.apps.installs {
		if k.env == sc.env {
			ins = append(ins, in)
		}
	}
	return page(c, ins, func(in *appInstallation) int64 { return in.seq }, func(in *appInstallation) any { return s.renderInstallation(sc, in) })
}

// getAppInstallation answers GET E/app_installations/{app}.
func (s *Sandbox) getAppInstallation(c *call, sc *scope, rt route) reply {
	in, err := s.lookupInstallation(sc, rt)
	if err != nil {
		return err.reply()
	}
	return reply{status: http.StatusOK, body: s.renderInstallation(sc, in)}
}

// putAppInstallation answers PUT E/app_installations/{app}: an install
// (201) of an app definition of any organization, or an update (200) of
// the parameters, which checks X-Contentful-Version only when it is sent.
func (s *Sandbox) putAppInstallation(c *call, sc *scope, rt route) reply {
	if s.apps.defs[rt.id] == nil {
		e := notFound("The resource could not be found: no app definition %q exists in any organization; create it with POST /organizations/{organization}/app_definitions.", rt.id)
		e.details = map[string]string{"type": "AppDefinition", "id": rt.id}
		return e.reply()
	}
	var body appInstallationBody
	if err := decodeBody(c.body, &body); err != nil {
		return err.reply()
	}
	params, err := compactJSON(body.Parameters, '{', "{}", "parameters")
	if err != nil {
		return err.reply()
	}
	if len(params) > maxInstallationParameters {
		return validationFailed([]string{"parameters"}, "parameters are %d bytes as JSON; an installation keeps at most %d.", len(params), maxInstallationParameters).reply()
	}
	key := installKey{sc.env, rt.id}
	in := s.apps.installs[key]
	if in == nil {
		in = &appInstallation{app: rt.id, meta: newMeta(c, s.nextSeq()), parameters: params}
		s.apps.installs[key] = in
		return reply{status: http.StatusCreated, body: s.renderInstallation(sc, in)}
	}
	if err := checkVersion(c, in.version); err != nil {
		return err.reply()
	}
	in.parameters = params
	in.touch(c)
	return reply{status: http.StatusOK, body: s.renderInstallation(sc, in)}
}

// deleteAppInstallation answers DELETE E/app_installations/{app}: 204.
func (s *Sandbox) deleteAppInstallation(c *call, sc *scope, rt route) reply {
	in, err := s.lookupInstallation(sc, rt)
	if err != nil {
		return err.reply()
	}
	if err := checkVersion(c, in.version); err != nil {
		return err.reply()
	}
	delete(s.apps.installs, installKey{sc.env, in.app})
	return reply{status: http.StatusNoContent}
}
