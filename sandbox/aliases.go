package sandbox

import (
	"maps"
	"net/http"
	"slices"
)

// aliasJSON is an environment alias.
type aliasJSON struct {
	Sys         metaSys `json:"sys"`
	Environment *link   `json:"environment"`
}

// aliasBody is the body of an alias write.
type aliasBody struct {
	Environment *link `json:"environment"`
}

// renderAlias renders an alias of space sp.
func renderAlias(sp *space, a *alias) *aliasJSON {
	sys := newMetaSys("EnvironmentAlias", a.id, a.meta)
	sys.Space = newLink("Space", sp.id)
	return &aliasJSON{Sys: sys, Environment: newLink("Environment", a.target)}
}

// listAliases answers GET /spaces/{s}/environment_aliases.
func (s *Sandbox) listAliases(c *call, sc *scope, rt route) reply {
	return page(c, slices.Collect(maps.Values(sc.space.aliases)), func(a *alias) int64 { return a.seq }, func(a *alias) any { return renderAlias(sc.space, a) })
}

// getAlias answers GET /spaces/{s}/environment_aliases/{a}.
func (s *Sandbox) getAlias(c *call, sc *scope, rt route) reply {
	a, err := lookupAlias(sc.space, rt.env)
	if err != nil {
		return err.reply()
	}
	return reply{status: http.StatusOK, body: renderAlias(sc.space, a)}
}

// putAlias answers PUT /spaces/{s}/environment_aliases/{a}: a create (201)
// for a new id, a retarget (200) of the current version otherwise. The
// target must be an existing environment. An alias named master shadows the
// plain master environment.
func (s *Sandbox) putAlias(c *call, sc *scope, rt route) reply {
	var body aliasBody
	if err := decodeBody(c.body, &body); err != nil {
		return err.reply()
	}
	if body.Environment == nil || body.Environment.Sys.ID == "" {
		return validationFailed([]string{"environment"}, `An alias needs a target: send {"environment":{"sys":{"type":"Link","linkType":"Environment","id":"<environment id>"}}}.`).reply()
	}
	target := body.Environment.Sys.ID
	if sc.space.aliases[target] != nil || s.environment(c, sc.space, target) == nil {
		return validationFailed([]string{"environment"}, "The environment %q does not exist: create it with PUT /spaces/%s/environments/%s first.", target, sc.space.id, target).reply()
	}
	a := sc.space.aliases[rt.env]
	if a == nil {
		if err := refuseVersionOnCreate(c, "alias "+rt.env); err != nil {
			return err.reply()
		}
		if sc.space.envs[rt.env] != nil && rt.env != "master" {
			return validationFailed([]string{"sys", "id"}, "An environment named %q exists: alias ids must differ from environment ids.", rt.env).reply()
		}
		a = &alias{id: rt.env, meta: newMeta(c, s.nextSeq()), target: target}
		sc.space.aliases[a.id] = a
		return reply{status: http.StatusCreated, body: renderAlias(sc.space, a)}
	}
	if err := requireVersion(c, a.version); err != nil {
		return err.reply()
	}
	a.target = target
	a.touch(c)
	return reply{status: http.StatusOK, body: renderAlias(sc.space, a)}
}

// deleteAlias answers DELETE /spaces/{s}/environment_aliases/{a}: 204.
func (s *Sandbox) deleteAlias(c *call, sc *scope, rt route) reply {
	a, err := lookupAlias(sc.space, rt.env)
	if err != nil {
		return err.reply()
	}
	if err := checkVersion(c, a.version); err != nil {
		return err.reply()
	}
	delete(sc.space.aliases, a.id)
	return reply{status: http.StatusNoContent}
}

// lookupAlias finds an alias of sp.
func lookupAlias(sp *space, id string) (*alias, *apiError) {
	if a := sp.aliases[id]; a != nil {
		return a, nil
	}
	return nil, notFound("The resource could not be found: no environment alias %q in space %q.", id, sp.id)
}
