package events

import "encoding/json"

// Definition is a Contentful webhook definition (JSON as exported from
// Contentful), plus the gateway's extensions (id, retry, timeout).
type Definition struct {
	// Sys is the Contentful system object; sys.id is used as the webhook id
	// when set and the rest of sys is ignored.
	Sys *DefinitionSys `json:"sys,omitempty"`
	// ID is an explicit webhook id (gateway extension); default sys.id, else
	// derived from the name with WebhookID.
	ID string `json:"id,omitempty"`
	// Name is the webhook name, sent as X-Contentful-Webhook-Name. Required.
	Name string `json:"name"`
	// URL is the receiver's absolute http(s) URL; it may hold { /pointer }
	// templates. Required.
	URL string `json:"url"`
	// Topics are Type.action patterns without the ContentManagement. prefix,
	// "*" standing for either part ("*.*", "Entry.*", "*.publish"). Required,
	// unless Channels are given.
	Topics []string `json:"topics"`
	// Channels are Contentstack webhook channels, such as
	// "content_types.entries.publish" or "assets.{uid}.delete"; "*" stands for
	// one segment and "$all" for every event. Used instead of Topics by
	// webhooks of the contentstack profile.
	Channels []string `json:"channels,omitempty"`
	// Filters constrain the events further; all must hold. Absent or null:
	// only events of the master environment; []: every environment.
	Filters *[]Filter `json:"filters,omitempty"`
	// Headers are custom headers sent with every call; values may hold
	// { /pointer } templates. Default none.
	Headers []Header `json:"headers,omitempty"`
	// HTTPBasicUsername, with HTTPBasicPassword, sends basic authentication.
	// Default none.
	HTTPBasicUsername string `json:"httpBasicUsername,omitempty"`
	// HTTPBasicPassword is the basic-authentication password; never shown.
	HTTPBasicPassword string `json:"httpBasicPassword,omitempty"`
	// Transformation changes method, content type, content length and body.
	// Default: POST of the event payload as
	// application/vnd.contentful.management.v1+json.
	Transformation *Transformation `json:"transformation,omitempty"`
	// Active is false to make no calls. Default true.
	Active *bool `json:"active,omitempty"`
	// Retry is the retry policy (gateway extension). Default 3 attempts, 30s apart.
	Retry *Retry `json:"retry,omitempty"`
	// Timeout bounds each call (gateway extension). Default 30s.
	Timeout Duration `json:"timeout,omitempty"`
}

// DefinitionSys is the part of a Contentful definition's sys the gateway reads.
type DefinitionSys struct {
	// Type is "WebhookDefinition" in Contentful exports and admin answers.
	Type string `json:"type,omitempty"`
	// ID is the webhook id.
	ID string `json:"id,omitempty"`
}

// Header is a custom header of a webhook definition.
type Header struct {
	// Key is the header name.
	Key string `json:"key"`
	// Value is the header value; it may hold { /pointer } templates.
	Value string `json:"value,omitempty"`
	// Secret hides the value from the admin API and the call log.
	Secret bool `json:"secret,omitempty"`
}

// Transformation changes the request made for each event (Contentful facts §5).
type Transformation struct {
	// Method is POST (default), GET, PUT, PATCH or DELETE. GET and DELETE
	// send no body.
	Method string `json:"method,omitempty"`
	// ContentType is one of application/vnd.contentful.management.v1+json
	// (default), application/json, application/x-www-form-urlencoded, each
	// optionally followed by "; charset=utf-8". The form types convert the
	// JSON body (an object) to form data.
	ContentType string `json:"contentType,omitempty"`
	// IncludeContentLength sends a Content-Length header. Default false.
	IncludeContentLength bool `json:"includeContentLength,omitempty"`
	// Body is the body template, any JSON; default the event payload.
	Body json.RawMessage `json:"body,omitempty"`
}

// Retry is a webhook's retry policy.
type Retry struct {
	// Attempts is the number of calls made at most, the first included
	// (1–100). Default 3.
	Attempts int `json:"attempts,omitempty"`
	// Delay is the pause before a retry. Default 30s.
	Delay Duration `json:"delay,omitempty"`
	// Backoff is "fixed" (default: every retry waits Delay) or
	// "exponential" (Delay doubles with each retry, ±20 % jitter, up to
	// MaxDelay).
	Backoff string `json:"backoff,omitempty"`
	// Factor multiplies the exponential delay with each retry. Default 2.
	Factor float64 `json:"factor,omitempty"`
	// MaxDelay caps exponential backoff and a receiver's Retry-After.
	// Default 15m.
	MaxDelay Duration `json:"maxDelay,omitempty"`
}

// clone returns a deep copy of d.
func (d Definition) clone() Definition {
	c := d
	if d.Sys != nil {
		sys := *d.Sys
		c.Sys = &sys
	}
	c.Topics = append([]string(nil), d.Topics...)
	c.Channels = append([]string(nil), d.Channels...)
	if d.Filters != nil {
		fs := make([]Filter, len(*d.Filters))
		for i, f := range *d.Filters {
			f.Values = append([]string(nil), f.Values...)
			fs[i] = f
		}
		c.Filters = &fs
	}
	c.Headers = append([]Header(nil), d.Headers...)
	if d.Transformation != nil {
		t := *d.Transformation
		t.Body = append(json.RawMessage(nil), t.Body...)
		c.Transformation = &t
	}
	if d.Active != nil {
		a := *d.Active
		c.Active = &a
	}
	if d.Retry != nil {
		r := *d.Retry
		c.Retry = &r
	}
	return c
}
