package sandbox

import (
	"cmp"
	"maps"
	"net/http"
)

// maxEnvironmentID is the longest environment id Contentful accepts.
const maxEnvironmentID = 40

// spaceJSON is a space.
type spaceJSON struct {
	Name string  `json:"name"`
	Sys  metaSys `json:"sys"`
}

// metaSys is the sys object of spaces, environments and aliases.
type metaSys struct {
	Type               string  `json:"type"`
	ID                 string  `json:"id"`
	Version            int     `json:"version"`
	Space              *link   `json:"space,omitempty"`
	Status             *link   `json:"status,omitempty"`
	CreatedAt          string  `json:"createdAt"`
	UpdatedAt          string  `json:"updatedAt"`
	CreatedBy          *link   `json:"createdBy"`
	UpdatedBy          *link   `json:"updatedBy"`
	Aliases            []*link `json:"aliases,omitempty"`
	AliasedEnvironment *link   `json:"aliasedEnvironment,omitempty"`
}

// environmentJSON is an environment.
type environmentJSON struct {
	Name string  `json:"name"`
	Sys  metaSys `json:"sys"`
}

// environmentBody is the body of an environment write.
type environmentBody struct {
	Name string `json:"name"`
}

// localeJSON is a locale.
type localeJSON struct {
	Name                 string  `json:"name"`
	Code                 string  `json:"code"`
	FallbackCode         *string `json:"fallbackCode"`
	Default              bool    `json:"default"`
	ContentManagementAPI bool    `json:"contentManagementApi"`
	ContentDeliveryAPI   bool    `json:"contentDeliveryApi"`
	Optional             bool    `json:"optional"`
	Sys                  metaSys `json:"sys"`
}

// newMetaSys renders the bookkeeping of a space-level object.
func newMetaSys(typ, id string, m meta) metaSys {
	return metaSys{
		Type: typ, ID: id, Version: m.version,
		CreatedAt: timestamp(m.createdAt), UpdatedAt: timestamp(m.updatedAt),
		CreatedBy: actorLink(m.createdBy), UpdatedBy: actorLink(m.updatedBy),
	}
}

// getSpace answers GET /spaces/{s}.
func (s *Sandbox) getSpace(c *call, sc *scope, rt route) reply {
	return reply{status: http.StatusOK, body: &spaceJSON{Name: sc.space.id, Sys: newMetaSys("Space", sc.space.id, sc.space.meta)}}
}

// renderEnvironment renders env as seen through the segment seg (its id or
// an alias id).
func renderEnvironment(sp *space, env *environment, seg string) *environmentJSON {
	sys := newMetaSys("Environment", seg, env.meta)
	sys.Space = newLink("Space", sp.id)
	sys.Status = newLink("Status", "ready")
	for _, id := range sortedKeys(sp.aliases) {
		if sp.aliases[id].target == env.id {
			sys.Aliases = append(sys.Aliases, newLink("EnvironmentAlias", id))
		}
	}
	if seg != env.id {
		sys.AliasedEnvironment = newLink("Environment", env.id)
	}
	return &environmentJSON{Name: env.name, Sys: sys}
}

// listEnvironments answers GET /spaces/{s}/environments: every environment
// under its own id, except one shadowed by an alias of the same name.
func (s *Sandbox) listEnvironments(c *call, sc *scope, rt route) reply {
	s.environment(c, sc.space, "master")
	var envs []*environment
	for env := range maps.Values(sc.space.envs) {
		if sc.space.aliases[env.id] == nil {
			envs = append(envs, env)
		}
	}
	return page(c, envs, func(e *environment) int64 { return e.seq }, func(e *environment) any { return renderEnvironment(sc.space, e, e.id) })
}

// getEnvironment answers GET /spaces/{s}/environments/{e}; an alias id gives
// the target environment with sys.aliasedEnvironment.
func (s *Sandbox) getEnvironment(c *call, sc *scope, rt route) reply {
	env := s.environment(c, sc.space, rt.env)
	if env == nil {
		return notFound("The resource could not be found: no environment %q in space %q.", rt.env, sc.space.id).reply()
	}
	return reply{status: http.StatusOK, body: renderEnvironment(sc.space, env, rt.env)}
}

// putEnvironment answers PUT /spaces/{s}/environments/{e}: a create (201,
// empty) for a new id, a rename (200) of the current version otherwise.
func (s *Sandbox) putEnvironment(c *call, sc *scope, rt route) reply {
	if err := notAlias(sc.space, rt.env); err != nil {
		return err.reply()
	}
	var body environmentBody
	if err := decodeBody(c.body, &body); err != nil {
		return err.reply()
	}
	env := s.environment(c, sc.space, rt.env)
	if env == nil {
		if err := refuseVersionOnCreate(c, "environment "+rt.env); err != nil {
			return err.reply()
		}
		if len(rt.env) > maxEnvironmentID {
			return validationFailed([]string{"sys", "id"}, "Environment ids have at most %d characters; %q has %d.", maxEnvironmentID, rt.env, len(rt.env)).reply()
		}
		env = s.newEnvironment(c, sc.space, rt.env, cmp.Or(body.Name, rt.env))
		return reply{status: http.StatusCreated, body: renderEnvironment(sc.space, env, env.id)}
	}
	if err := requireVersion(c, env.version); err != nil {
		return err.reply()
	}
	env.name = cmp.Or(body.Name, env.name)
	env.touch(c)
	return reply{status: http.StatusOK, body: renderEnvironment(sc.space, env, env.id)}
}

// deleteEnvironment answers DELETE /spaces/{s}/environments/{e}: 204, refused
// for master and for the target of an alias.
func (s *Sandbox) deleteEnvironment(c *call, sc *scope, rt route) reply {
	if err := notAlias(sc.space, rt.env); err != nil {
		return err.reply()
	}
	env := sc.space.envs[rt.env]
	if env == nil {
		return notFound("The resource could not be found: no environment %q in space %q.", rt.env, sc.space.id).reply()
	}
	if err := checkVersion(c, env.version); err != nil {
		return err.reply()
	}
	if env.id == "master" {
		return badRequest("The master environment cannot be deleted.").reply()
	}
	for _, id := range sortedKeys(sc.space.aliases) {
		if sc.space.aliases[id].target == env.id {
			return badRequest("Environment %q is the target of alias %q: point the alias at another environment first.", env.id, id).reply()
		}
	}
	delete(sc.space.envs, env.id)
	return reply{status: http.StatusNoContent}
}

// notAlias refuses environment writes addressed through an alias id.
func notAlias(sp *space, id string) *apiError {
	if sp.aliases[id] == nil {
		return nil
	}
	return badRequest("%q is an environment alias, not an environment: change it with PUT /spaces/%s/environment_aliases/%s.", id, sp.id, id)
}

// listLocales answers GET E/locales: the single default locale en-US.
func (s *Sandbox) listLocales(c *call, sc *scope, rt route) reply {
	sys := newMetaSys("Locale", "en-US", sc.env.meta)
	sys.Version = 1
	sys.Space = newLink("Space", sc.space.id)
	loc := &localeJSON{
		Name: "English (United States)", Code: "en-US", Default: true,
		ContentManagementAPI: true, ContentDeliveryAPI: true, Sys: sys,
	}
	return page(c, []*localeJSON{loc}, func(*localeJSON) int64 { return 0 }, func(l *localeJSON) any { return l })
}
