package delivery

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
)

// Defaults of an Endpoint's retry policy (Contentful's).
const (
	DefaultAttempts = 3
	DefaultDelay    = 30 * time.Second
	DefaultTimeout  = 30 * time.Second
)

// leaseMargin is added to an endpoint's timeout to form the lease on a
// claimed delivery: long enough to send and record the outcome.
const leaseMargin = 15 * time.Second

// Endpoint is one webhook as the dispatcher sends it.
type Endpoint struct {
	// ID is the webhook id; deliveries name it in Delivery.WebhookID.
	ID string
	// Name is sent as X-Contentful-Webhook-Name; a name with characters
	// outside printable ASCII is sent percent-encoded (UTF-8, as
	// JavaScript's encodeURIComponent does).
	Name string
	// Render turns an event into the request to send; an error fails the
	// delivery without retry.
	Render func(ev *events.Event) (Rendered, error)
	// Attempts is the total number of attempts; default 3.
	Attempts int
	// Delay is the wait between attempts; default 30s.
	Delay time.Duration
	// Timeout bounds one attempt, from dialling to reading the answer;
	// default 30s.
	Timeout time.Duration
	// Secret is the 64-character signing secret; empty sends unsigned calls.
	Secret string
	// BasicUser and BasicPassword, when either is set, are sent as HTTP
	// basic authentication.
	BasicUser, BasicPassword string
	// Paused leaves the webhook's deliveries queued; see Dispatcher.SetPaused.
	Paused bool
}

// Rendered is the request for one delivery, as the webhook's renderer made it.
type Rendered struct {
	// Method is the HTTP method; empty means POST. GET, HEAD and DELETE are
	// sent without a body and without Content-Type.
	Method string
	// URL is the absolute http or https URL to call.
	URL string
	// ContentType is sent as Content-Type with the body.
	ContentType string
	// Header holds the custom headers. X-Contentful-* headers set by the
	// dispatcher take precedence over custom headers of the same name.
	Header http.Header
	// SecretHeaders names the custom headers whose values are secret; they
	// are redacted in Result.
	SecretHeaders []string
	// Body is the request body.
	Body []byte
	// ContentLength asks for a Content-Length header. Calls always carry one
	// (the body is fully known, and net/http sends its length), which is
	// also what Contentful was observed to send; the field is kept for
	// parity with webhook definitions.
	ContentLength bool
}

// endpoint is an Endpoint with defaults applied and a pause switch that can
// change while the dispatcher runs.
type endpoint struct {
	Endpoint
	paused atomic.Bool
}

// newEndpoint copies e and fills in defaults.
func newEndpoint(e *Endpoint) *endpoint {
	ep := &endpoint{Endpoint: *e}
	if ep.Attempts <= 0 {
		ep.Attempts = DefaultAttempts
	}
	if ep.Delay <= 0 {
		ep.Delay = DefaultDelay
	}
	if ep.Timeout <= 0 {
		ep.Timeout = DefaultTimeout
	}
	if ep.Render == nil {
		ep.Render = func(*events.Event) (Rendered, error) {
			return Rendered{}, fmt.Errorf("webhook %s has no renderer", e.ID)
		}
	}
	ep.paused.Store(e.Paused)
	return ep
}

// lease is how long a claim on one of the endpoint's deliveries lasts.
func (ep *endpoint) lease() time.Duration { return ep.Timeout + leaseMargin }
