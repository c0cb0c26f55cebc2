package sandbox

// appDefinitionParts maps the singletons below an app definition to their
// targets.
var appDefinitionParts = map[string]target{
	"event_subscription": targetAppSubscription,
	"signing_secret":     targetAppSigningSecret,
}

// parseOrganization parses the rest of an organization path:
// app_definitions, app_definitions/{app} or one of its singletons.
func parseOrganization(org string, rest []string) (route, bool) {
	rt := route{org: org}
	if len(rest) == 0 || rest[0] != "app_definitions" {
		return route{}, false
	}
	switch len(rest) {
	case 1:
		rt.target = targetAppDefinitions
	case 2:
		rt.target, rt.id = targetAppDefinition, rest[1]
	case 3:
		rt.target, rt.id = appDefinitionParts[rest[2]], rest[1]
		if rt.target == 0 {
			return route{}, false
		}
	default:
		return route{}, false
	}
	return rt, true
}

// parseAppInstallations parses the rest of an app installations path:
// nothing (the collection), {app} or {app}/access_tokens.
func parseAppInstallations(rt route, rest []string) (route, bool) {
	switch {
	case len(rest) == 0:
		rt.target = targetAppInstallations
	case len(rest) == 1:
		rt.target, rt.id = targetAppInstallation, rest[0]
	case len(rest) == 2 && rest[1] == "access_tokens":
		rt.target, rt.id = targetAppAccessTokens, rest[0]
	default:
		return route{}, false
	}
	return rt, true
}
