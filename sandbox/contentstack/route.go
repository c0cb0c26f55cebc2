package contentstack

import (
	"regexp"
	"strings"
)

// target says which resource a path names.
type target int

// The resources the sandbox serves.
const (
	targetStack          target = iota + 1 // /v3/stacks
	targetLocales                          // /v3/locales
	targetEnvironments                     // /v3/environments
	targetEnvironment                      // /v3/environments/{name}
	targetContentTypes                     // /v3/content_types
	targetContentType                      // /v3/content_types/{ct}
	targetEntries                          // /v3/content_types/{ct}/entries
	targetEntry                            // /v3/content_types/{ct}/entries/{uid}
	targetEntryPublish                     // /v3/content_types/{ct}/entries/{uid}/publish
	targetEntryUnpublish                   // /v3/content_types/{ct}/entries/{uid}/unpublish
	targetAssets                           // /v3/assets
	targetAsset                            // /v3/assets/{uid}
	targetAssetPublish                     // /v3/assets/{uid}/publish
	targetAssetUnpublish                   // /v3/assets/{uid}/unpublish
)

// route is a parsed request path.
type route struct {
	target target
	// ct is the content type uid of content type and entry routes.
	ct string
	// id is the entry or asset uid, or the environment name.
	id string
}

// segmentPattern is what a path segment may hold; paths with other
// segments name nothing.
var segmentPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)

// parseRoute parses a request path; ok is false for paths the sandbox does
// not serve.
func parseRoute(path string) (rt route, ok bool) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for _, s := range segs {
		if !segmentPattern.MatchString(s) {
			return route{}, false
		}
	}
	if len(segs) < 2 || segs[0] != "v3" {
		return route{}, false
	}
	segs = segs[1:]
	switch {
	case len(segs) == 1 && segs[0] == "stacks":
		return route{target: targetStack}, true
	case len(segs) == 1 && segs[0] == "locales":
		return route{target: targetLocales}, true
	case segs[0] == "environments" && len(segs) == 1:
		return route{target: targetEnvironments}, true
	case segs[0] == "environments" && len(segs) == 2:
		return route{target: targetEnvironment, id: segs[1]}, true
	case segs[0] == "assets":
		return parseUnder(segs[1:], route{}, targetAssets, targetAsset, targetAssetPublish, targetAssetUnpublish)
	case segs[0] == "content_types" && len(segs) == 1:
		return route{target: targetContentTypes}, true
	case segs[0] == "content_types" && len(segs) == 2:
		return route{target: targetContentType, ct: segs[1]}, true
	case segs[0] == "content_types" && segs[2] == "entries":
		return parseUnder(segs[3:], route{ct: segs[1]}, targetEntries, targetEntry, targetEntryPublish, targetEntryUnpublish)
	}
	return route{}, false
}

// parseUnder parses the rest of an entry or asset path: nothing (the
// collection), a uid, or a uid and publish or unpublish.
func parseUnder(rest []string, rt route, coll, one, publish, unpublish target) (route, bool) {
	switch {
	case len(rest) == 0:
		rt.target = coll
	case len(rest) == 1:
		rt.target, rt.id = one, rest[0]
	case len(rest) == 2 && rest[1] == "publish":
		rt.target, rt.id = publish, rest[0]
	case len(rest) == 2 && rest[1] == "unpublish":
		rt.target, rt.id = unpublish, rest[0]
	default:
		return route{}, false
	}
	return rt, true
}
