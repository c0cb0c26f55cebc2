package sandbox

import "strings"

// target says which resource a path names.
type target int

// The resources the sandbox serves.
const (
	targetSpace            target = iota + 1 // /spaces/{s}
	targetEnvironments                       // /spaces/{s}/environments
	targetEnvironment                        // /spaces/{s}/environments/{e}
	targetAliases                            // /spaces/{s}/environment_aliases
	targetAlias                              // /spaces/{s}/environment_aliases/{a}
	targetScheduledActions                   // /spaces/{s}/scheduled_actions
	targetScheduledAction                    // /spaces/{s}/scheduled_actions/{id}
	targetLocales                            // E/locales
	targetCollection                         // E/{collection}
	targetEntity                             // E/{collection}/{id}
	targetPublished                          // E/{collection}/{id}/published
	targetArchived                           // E/{entries|assets}/{id}/archived
	targetProcess                            // E/assets/{id}/files/{locale}/process
	targetBulkActions                        // E/bulk_actions
	targetBulkVerb                           // E/bulk_actions/{publish|unpublish|validate}
	targetBulkAction                         // E/bulk_actions/{id}, E/bulk_actions/actions/{id}
	targetReleases                           // E/releases
	targetRelease                            // E/releases/{id}
	targetReleasePublished                   // E/releases/{id}/published
	targetReleaseArchived                    // E/releases/{id}/archived
	targetReleaseValidate                    // E/releases/{id}/validate
	targetReleaseActions                     // E/releases/{id}/actions
	targetReleaseAction                      // E/releases/{id}/actions/{action}
	targetAppInstallations                   // E/app_installations
	targetAppInstallation                    // E/app_installations/{app}
	targetAppAccessTokens                    // E/app_installations/{app}/access_tokens
	targetAppDefinitions                     // /organizations/{o}/app_definitions
	targetAppDefinition                      // /organizations/{o}/app_definitions/{app}
	targetAppSubscription                    // /organizations/{o}/app_definitions/{app}/event_subscription
	targetAppSigningSecret                   // /organizations/{o}/app_definitions/{app}/signing_secret
)

// route is a parsed request path.
type route struct {
	target target
	space  string
	// env is the environment segment the client used ("master" for legacy
	// paths), or the environment/alias id for targetEnvironment/targetAlias.
	env    string
	kind   *kind
	id     string
	locale string
	// sub is the verb of a v1 bulk action or the id of a release action.
	sub string
	// org is the organization of app definition routes, which name no
	// space.
	org string
}

// parseRoute parses a request path; ok is false for paths the sandbox does
// not serve.
func parseRoute(path string) (rt route, ok bool) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for _, s := range segs {
		if !idPattern.MatchString(s) {
			return route{}, false
		}
	}
	if len(segs) >= 2 && segs[0] == "organizations" {
		return parseOrganization(segs[1], segs[2:])
	}
	if len(segs) < 2 || segs[0] != "spaces" {
		return route{}, false
	}
	rt.space, segs = segs[1], segs[2:]
	switch {
	case len(segs) == 0:
		rt.target = targetSpace
		return rt, true
	case segs[0] == "environment_aliases":
		return parseNamed(rt, segs[1:], targetAliases, targetAlias)
	case segs[0] == "scheduled_actions":
		return parseScheduled(rt, segs[1:])
	case segs[0] == "environments" && len(segs) <= 2:
		return parseNamed(rt, segs[1:], targetEnvironments, targetEnvironment)
	case segs[0] == "environments":
		rt.env, segs = segs[1], segs[2:]
	default:
		rt.env = "master"
	}
	return parseScoped(rt, segs)
}

// parseNamed parses the rest of a space-level collection path: nothing (the
// collection) or one id.
func parseNamed(rt route, rest []string, coll, one target) (route, bool) {
	switch len(rest) {
	case 0:
		rt.target = coll
	case 1:
		rt.target, rt.env = one, rest[0]
	default:
		return route{}, false
	}
	return rt, true
}

// parseScoped parses the part of a path below the environment.
func parseScoped(rt route, segs []string) (route, bool) {
	if len(segs) == 1 && segs[0] == "locales" {
		rt.target = targetLocales
		return rt, true
	}
	if len(segs) == 0 {
		return route{}, false
	}
	switch segs[0] {
	case "bulk_actions":
		return parseBulk(rt, segs[1:])
	case "releases":
		return parseRelease(rt, segs[1:])
	case "app_installations":
		return parseAppInstallations(rt, segs[1:])
	}
	rt.kind = kindByCollection[segs[0]]
	if rt.kind == nil {
		return route{}, false
	}
	switch len(segs) {
	case 1:
		rt.target = targetCollection
		return rt, true
	case 2:
		rt.target, rt.id = targetEntity, segs[1]
		return rt, true
	}
	rt.id = segs[1]
	switch {
	case len(segs) == 3 && segs[2] == "published":
		rt.target = targetPublished
	case len(segs) == 3 && segs[2] == "archived" && rt.kind.archivable:
		rt.target = targetArchived
	case len(segs) == 5 && rt.kind == assetKind && segs[2] == "files" && segs[4] == "process":
		rt.target, rt.locale = targetProcess, segs[3]
	default:
		return route{}, false
	}
	return rt, true
}

// parseScheduled parses the rest of a scheduled actions path: nothing (the
// collection) or one id.
func parseScheduled(rt route, rest []string) (route, bool) {
	switch len(rest) {
	case 0:
		rt.target = targetScheduledActions
	case 1:
		rt.target, rt.id = targetScheduledAction, rest[0]
	default:
		return route{}, false
	}
	return rt, true
}

// parseBulk parses the rest of a bulk actions path.
func parseBulk(rt route, rest []string) (route, bool) {
	switch {
	case len(rest) == 0:
		rt.target = targetBulkActions
	case len(rest) == 1 && actionVerbs[rest[0]]:
		rt.target, rt.sub = targetBulkVerb, rest[0]
	case len(rest) == 1:
		rt.target, rt.id = targetBulkAction, rest[0]
	case len(rest) == 2 && rest[0] == "actions":
		rt.target, rt.id = targetBulkAction, rest[1]
	default:
		return route{}, false
	}
	return rt, true
}

// releaseTargets maps the sub-resources of a release to their targets.
var releaseTargets = map[string]target{
	"published": targetReleasePublished,
	"archived":  targetReleaseArchived,
	"validate":  targetReleaseValidate,
	"actions":   targetReleaseActions,
}

// parseRelease parses the rest of a releases path.
func parseRelease(rt route, rest []string) (route, bool) {
	if len(rest) == 0 {
		rt.target = targetReleases
		return rt, true
	}
	rt.id = rest[0]
	switch {
	case len(rest) == 1:
		rt.target = targetRelease
	case len(rest) == 2 && releaseTargets[rest[1]] != 0:
		rt.target = releaseTargets[rest[1]]
	case len(rest) == 3 && rest[1] == "actions":
		rt.target, rt.sub = targetReleaseAction, rest[2]
	default:
		return route{}, false
	}
	return rt, true
}
