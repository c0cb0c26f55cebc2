package sandbox

import (
	"net/http"
	"strconv"
)

// versionHeader carries the version a client expects to change.
const versionHeader = "X-Contentful-Version"

// requireVersion checks that the request names the current version.
func requireVersion(c *call, current int) *apiError {
	v := c.header.Get(versionHeader)
	if v == "" {
		return newError(http.StatusConflict, "Version mismatch: send %s with the current version (%d).", versionHeader, current)
	}
	if n, err := strconv.Atoi(v); err != nil || n != current {
		return newError(http.StatusConflict, "Version mismatch: %s is %q but the current version is %d; fetch the latest version and retry.", versionHeader, v, current)
	}
	return nil
}

// checkVersion checks the version header when the request has one; requests
// the SDK sends without one pass.
func checkVersion(c *call, current int) *apiError {
	if c.header.Get(versionHeader) == "" {
		return nil
	}
	return requireVersion(c, current)
}

// refuseVersionOnCreate rejects a create that names a version: the client
// meant to update something that does not exist.
func refuseVersionOnCreate(c *call, what string) *apiError {
	if c.header.Get(versionHeader) == "" {
		return nil
	}
	return notFound("The resource could not be found: %s does not exist; send the PUT without %s to create it.", what, versionHeader)
}
