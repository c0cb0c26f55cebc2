package events

// Profile maps write requests to routes. Match must not allocate for
// non-matching requests (GETs, unknown paths): it runs on every proxied request.
type Profile interface {
	// Name is the profile's configuration name.
	Name() string
	// Match recognises a write request by its method and URL path.
	Match(method, path string) (Route, bool)
}

// LookupProfile returns the profile registered under name; "contentful" is
// the only one.
func LookupProfile(name string) (Profile, bool) {
	if name == contentfulName {
		return contentful{}, true
	}
	return nil, false
}
