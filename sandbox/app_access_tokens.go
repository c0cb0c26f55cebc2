package sandbox

import (
	"net/http"
	"time"
)

// AppTokenPrefix starts the app access tokens the sandbox issues:
// "app-<appDefinitionId>-<random>".
const AppTokenPrefix = "app-"

// appTokenLifetime is how long Contentful says an app access token lasts.
const appTokenLifetime = 10 * time.Minute

// appAccessTokenJSON is an app access token.
type appAccessTokenJSON struct {
	Token string            `json:"token"`
	Sys   appAccessTokenSys `json:"sys"`
}

// appAccessTokenSys is the sys object of an app access token.
type appAccessTokenSys struct {
	Type          string `json:"type"`
	AppDefinition *link  `json:"appDefinition"`
	Space         *link  `json:"space"`
	Environment   *link  `json:"environment"`
	CreatedAt     string `json:"createdAt"`
	CreatedBy     *link  `json:"createdBy"`
	ExpiresAt     string `json:"expiresAt"`
}

// postAppAccessToken answers POST E/app_installations/{app}/access_tokens,
// which apps call with a JWT signed by their private key as the bearer
// token. The sandbox takes any bearer token and, when the app is installed
// in the environment, issues a token (201) with which writes are the app's.
// Issued tokens do not expire in the sandbox, whatever expiresAt says.
func (s *Sandbox) postAppAccessToken(c *call, sc *scope, rt route) reply {
	if _, err := s.lookupInstallation(sc, rt); err != nil {
		return err.reply()
	}
	token := AppTokenPrefix + rt.id + "-" + newID()
	s.apps.tokens[token] = rt.id
	return reply{status: http.StatusCreated, body: &appAccessTokenJSON{Token: token, Sys: appAccessTokenSys{
		Type: "AppAccessToken", AppDefinition: newLink("AppDefinition", rt.id),
		Space: newLink("Space", sc.space.id), Environment: newLink("Environment", sc.seg),
		CreatedAt: timestamp(c.now), CreatedBy: actorLink(appActor(rt.id)),
		ExpiresAt: timestamp(c.now.Add(appTokenLifetime)),
	}}}
}
