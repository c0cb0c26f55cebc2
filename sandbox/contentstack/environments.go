package contentstack

import (
	"fmt"
	"net/http"
)

// environmentExample is the body suggested when an environment write is
// refused.
const environmentExample = `{"environment":{"name":"staging","urls":[{"locale":"en-us","url":"https://staging.example.com"}]}}`

// environment is one publishing environment of a stack.
type environment struct {
	meta
	name          string
	urls          []environmentURL
	servers       []any
	deployContent bool
}

// environmentURL is the base url of an environment for one locale.
type environmentURL struct {
	Locale string `json:"locale"`
	URL    string `json:"url"`
}

// environmentBody is the environment object of an environment write.
type environmentBody struct {
	Name          *string          `json:"name"`
	URLs          []environmentURL `json:"urls"`
	Servers       []any            `json:"servers"`
	DeployContent *bool            `json:"deploy_content"`
}

// environmentJSON is an environment as Contentstack answers it.
type environmentJSON struct {
	Name          string           `json:"name"`
	URLs          []environmentURL `json:"urls"`
	Servers       []any            `json:"servers"`
	DeployContent bool             `json:"deploy_content"`
	UID           string           `json:"uid"`
	CreatedBy     string           `json:"created_by"`
	UpdatedBy     string           `json:"updated_by"`
	CreatedAt     string           `json:"created_at"`
	UpdatedAt     string           `json:"updated_at"`
	ACL           []any            `json:"ACL"`
	Version       int              `json:"_version"`
}

// view is the environment as Contentstack answers it.
func (env *environment) view() any {
	return environmentJSON{
		Name: env.name, URLs: env.urls, Servers: env.servers, DeployContent: env.deployContent,
		UID: env.uid, CreatedBy: env.createdBy, UpdatedBy: env.updatedBy,
		CreatedAt: timestamp(env.createdAt), UpdatedAt: timestamp(env.updatedAt),
		ACL: []any{}, Version: env.version,
	}
}

// environmentOf returns the environment the route names (by name, as the
// SDK does, or by uid).
func environmentOf(c *call) (*environment, *apiError) {
	env := c.stack.environment(c.rt.id)
	if env == nil {
		return nil, objectNotFound(fmt.Sprintf("environment %q: list them with GET /v3/environments", c.rt.id))
	}
	return env, nil
}

// listEnvironments answers GET /v3/environments.
func (s *Sandbox) listEnvironments(c *call) reply {
	return listAnswer(c, "environments", c.stack.environments.list(), (*environment).view)
}

// getEnvironment answers GET /v3/environments/{name}.
func (s *Sandbox) getEnvironment(c *call) reply {
	env, err := environmentOf(c)
	if err != nil {
		return err.reply()
	}
	return ok(map[string]any{"environment": env.view()})
}

// createEnvironment answers POST /v3/environments.
func (s *Sandbox) createEnvironment(c *call) reply {
	env := &environment{meta: newMeta(c), urls: []environmentURL{}, servers: []any{}}
	if err := applyEnvironment(c, env, "Environment creation failed. Please enter valid data."); err != nil {
		return err.reply()
	}
	c.stack.environments.add(env.name, env)
	return reply{status: http.StatusCreated, body: map[string]any{"notice": "Environment created successfully.", "environment": env.view()}}
}

// updateEnvironment answers PUT /v3/environments/{name}; the members sent
// replace the stored ones, the name included.
func (s *Sandbox) updateEnvironment(c *call) reply {
	env, err := environmentOf(c)
	if err != nil {
		return err.reply()
	}
	next := *env
	if err := applyEnvironment(c, &next, "Environment update failed. Please enter valid data."); err != nil {
		return err.reply()
	}
	next.touch(c)
	c.stack.environments.rekey(env.name, next.name)
	*env = next
	return ok(map[string]any{"notice": "Environment updated successfully.", "environment": env.view()})
}

// deleteEnvironment answers DELETE /v3/environments/{name}. What was
// published there keeps its publish_details, as the sandbox does not
// unpublish.
func (s *Sandbox) deleteEnvironment(c *call) reply {
	env, err := environmentOf(c)
	if err != nil {
		return err.reply()
	}
	c.stack.environments.remove(env.name)
	return notice("Environment deleted successfully.")
}

// applyEnvironment copies the members of the body of c into env; the name
// must be present and not used by another environment. failed starts the
// message of a refusal.
func applyEnvironment(c *call, env *environment, failed string) *apiError {
	var body environmentBody
	if err := decodeWrapped(c, "environment", codeInvalid, environmentExample, &body); err != nil {
		return err
	}
	if body.Name != nil {
		if other := c.stack.environments.get(*body.Name); other != nil && other.uid != env.uid {
			return fieldError(codeInvalid, "name", "is not unique.", "%s (An environment %q already exists.)", failed, *body.Name)
		}
		env.name = *body.Name
	}
	if !segmentPattern.MatchString(env.name) {
		return fieldError(codeInvalid, "name", "is not valid.", "%s (name must be 1 to 100 letters, digits, '_', '.' or '-', like %s.)", failed, environmentExample)
	}
	if body.URLs != nil {
		env.urls = body.URLs
	}
	if body.Servers != nil {
		env.servers = body.Servers
	}
	if body.DeployContent != nil {
		env.deployContent = *body.DeployContent
	}
	return nil
}
