package events

import (
	"net/http"
	"time"
)

// Profile is one CMS's management API as the gateway sees it: which writes
// make events, what the events are, and how their webhook calls are framed.
// The delivery side knows profiles only through the events they make and
// the Wire they give, so a new profile is a new implementation of this
// interface and nothing else.
type Profile interface {
	// Name is the profile's configuration name.
	Name() string
	// MatchRequest recognises a write request by its method, URL path and
	// headers. It must not allocate for non-matching requests (GETs,
	// unknown paths): it runs on every proxied request.
	MatchRequest(method, path string, header http.Header) (Route, bool)
	// Needs says what the gateway must gather before it forwards a
	// recognised write: the request body, and answers of GETs made
	// through the same upstream with the client's credentials.
	Needs(r Route) Needs
	// Derive turns a recognised write and its answer into events. It never
	// panics.
	Derive(in Input) Derived
	// Defaults are the definition defaults of the profile's webhooks.
	Defaults() Defaults
	// Wire frames the profile's webhook calls; nil means Contentful's
	// headers and signature.
	Wire() Wire
}

// Needs is what a profile needs gathered before a write is forwarded.
type Needs struct {
	// RequestBody asks for the client's request body in Input.RequestBody
	// (up to max_body; the request is forwarded unchanged).
	RequestBody bool
	// Lookups are GETs to make before the write, in order; their answers
	// are in Input.Lookups.
	Lookups []Lookup
}

// Lookup is a GET the gateway makes before forwarding a write.
type Lookup struct {
	// Path is the URL path, with its query if any.
	Path string
	// Cache allows an answer kept from an earlier lookup of the same path
	// and the same credentials to be used, for up to a minute: the thing
	// looked up rarely changes (a content type, an environment).
	Cache bool
}

// Defaults are what a webhook definition of a profile means when it leaves
// a field out.
type Defaults struct {
	// ContentType is the body's content type.
	ContentType string
	// Attempts, Delay, Backoff, Factor and MaxDelay are the retry policy:
	// the total number of attempts, the first wait, fixed or exponential
	// waits multiplied by Factor each time (0 means 2), at most MaxDelay.
	Attempts int
	Delay    time.Duration
	Backoff  string
	Factor   float64
	MaxDelay time.Duration
	// NoJitter makes exponential waits exact.
	NoJitter bool
	// RetryAll retries every answer that is not 2xx, 4xx included.
	RetryAll bool
	// Timeout bounds each call.
	Timeout time.Duration
	// AllEnvironments makes a webhook without filters fire for every
	// environment (Contentful's fire for master only).
	AllEnvironments bool
}

// ContentfulDefaults are the defaults of Contentful's webhooks: 3 attempts
// 30s apart, a 30s timeout, master only without filters.
var ContentfulDefaults = Defaults{
	ContentType: DefaultContentType,
	Attempts:    DefaultAttempts,
	Delay:       DefaultRetryDelay,
	Timeout:     DefaultTimeout,
}

// LookupProfile returns the built-in profile registered under name:
// "contentful" or "contentstack". Custom profiles are made with
// NewCustomProfile.
func LookupProfile(name string) (Profile, bool) {
	switch name {
	case contentfulName:
		return contentful{}, true
	case contentstackName:
		return contentstack{}, true
	}
	return nil, false
}

// ProfileNames lists the built-in profiles, for error messages.
const ProfileNames = `"contentful", "contentstack" or "custom"`
