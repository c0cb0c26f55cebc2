package events

import "time"

// Wire frames the webhook calls of a profile whose receivers expect other
// headers and another signature than Contentful's. The delivery side calls
// Frame for every attempt, after it has set the custom headers and the
// content type, so that what Frame sets wins.
type Wire interface {
	// Frame sets the headers that name the event and the attempt, and,
	// when secret is not empty, the signature of the call.
	Frame(c *Call, secret string, set func(name, value string))
}

// Call is one attempt of a webhook call, as a Wire sees it.
type Call struct {
	// Event is the event the call is for.
	Event *Event
	// WebhookID and WebhookName name the webhook.
	WebhookID, WebhookName string
	// IdempotencyKey is the same on every attempt of one delivery.
	IdempotencyKey string
	// Attempt counts from 1.
	Attempt int
	// Method and RequestURI are the request's method and path with query.
	Method, RequestURI string
	// Body is the request body, nil for methods without one.
	Body []byte
	// At is when the attempt is made.
	At time.Time
}
