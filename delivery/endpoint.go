package delivery

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"hash"
	"sync"
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
	// Delay is the wait between attempts (the first one with exponential
	// backoff); default 30s.
	Delay time.Duration
	// Backoff is BackoffFixed (default, Contentful's) or
	// BackoffExponential; any other value means fixed (see ValidBackoff).
	Backoff string
	// MaxDelay caps exponential delays and the waits receivers ask for with
	// Retry-After; default 15m, and never below Delay.
	MaxDelay time.Duration
	// Jitter spreads each exponential delay at random by up to ±Jitter of
	// itself; 0 means the default 0.2, a negative value none, and values
	// above 1 count as 1.
	Jitter float64
	// Factor multiplies an exponential delay with each retry; 0 means 2.
	Factor float64
	// RetryAll retries every answer that is not 2xx, 4xx included
	// (Contentstack's rule); by default only 429 and 5xx are retried.
	RetryAll bool
	// Wire frames the calls of a profile other than Contentful: it sets
	// the headers naming the event and the attempt, and the signature made
	// with Secret. Nil sends Contentful's X-Contentful-* headers and
	// signature.
	Wire events.Wire
	// Timeout bounds one attempt, from dialling to reading the answer;
	// default 30s.
	Timeout time.Duration
	// Secret is the 64-character signing secret; empty sends unsigned calls.
	Secret string
	// BasicUser and BasicPassword, when either is set, are sent as HTTP
	// basic authentication.
	BasicUser, BasicPassword string
	// Paused leaves the webhook's deliveries queued (a webhook that is not
	// active). A pause recorded in the store (Store.SetPaused) also pauses
	// it, and a resume recorded while the dispatcher runs resumes it.
	Paused bool
}

// Rendered is the request for one delivery, as the webhook's renderer made
// it. The dispatcher sends an empty Method as POST; GET, HEAD and DELETE go
// without a body and without Content-Type; X-Contentful-* headers it sets
// take precedence over custom headers of the same name. Calls always carry
// a Content-Length (the body is fully known, and Contentful was observed to
// send one), whatever ContentLength says.
type Rendered = events.Rendered

// endpoint is an Endpoint with defaults applied and a pause switch that can
// change while the dispatcher runs.
type endpoint struct {
	Endpoint
	paused atomic.Bool
	// macs holds HMACs keyed with Secret, ready for reuse (see mac).
	macs sync.Pool
}

// mac returns an HMAC-SHA256 keyed with the signing secret, in its initial
// state; give it back to ep.macs after use.
func (ep *endpoint) mac() hash.Hash {
	if m, ok := ep.macs.Get().(hash.Hash); ok {
		m.Reset()
		return m
	}
	return hmac.New(sha256.New, []byte(ep.Secret))
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
	if ep.MaxDelay <= 0 {
		ep.MaxDelay = DefaultMaxDelay
	}
	ep.MaxDelay = max(ep.MaxDelay, ep.Delay)
	switch {
	case ep.Jitter == 0:
		ep.Jitter = DefaultJitter
	case ep.Jitter < 0:
		ep.Jitter = 0
	}
	ep.Jitter = min(ep.Jitter, 1)
	if ep.Factor < 1 {
		ep.Factor = 2
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
