package sandbox

import "strings"

// appActorPrefix starts the acting-user ids the sandbox records for writes
// made with an app access token; ids never contain the colon, so no user id
// looks like one.
const appActorPrefix = "app:"

// appStore holds the App Framework state: app definitions with their event
// subscription and signing secret, installations, and the app access tokens
// issued so far.
type appStore struct {
	// defs holds the app definitions of every organization by id, which is
	// unique across organizations as in Contentful.
	defs map[string]*appDefinition
	// installs holds the installations of every environment.
	installs map[installKey]*appInstallation
	// tokens maps each issued app access token to its app definition id.
	tokens map[string]string
}

// installKey names one installation: an app definition in an environment.
// It holds the environment itself, so that an environment deleted and
// created again starts without installations.
type installKey struct {
	env *environment
	app string
}

// newAppStore returns an empty app store.
func newAppStore() *appStore {
	return &appStore{defs: map[string]*appDefinition{}, installs: map[installKey]*appInstallation{}, tokens: map[string]string{}}
}

// appActor is the acting-user id of writes made with an access token of the
// app definition appID.
func appActor(appID string) string {
	return appActorPrefix + appID
}

// actorLink links to whoever made a write: the AppDefinition for writes made
// with an app access token, as Contentful records them, else the User.
func actorLink(id string) *link {
	if app, ok := strings.CutPrefix(id, appActorPrefix); ok {
		return newLink("AppDefinition", app)
	}
	return newLink("User", id)
}

// actor returns the acting-user id of requests with the bearer token token:
// the app of an app access token the sandbox issued, else UserID(token).
// The caller holds the mutex.
func (s *Sandbox) actor(token string) string {
	if app := s.apps.tokens[token]; app != "" {
		return appActor(app)
	}
	return UserID(token)
}
