package delivery

import (
	"net/http"
	"time"
)

// Outcome is what became of a delivery after one attempt.
type Outcome int

// Outcomes of an attempt.
const (
	// Delivered: the receiver answered with a status below 300.
	Delivered Outcome = iota + 1
	// Retrying: the attempt failed and the delivery is due again later.
	Retrying
	// Failed: the attempt failed for good; the delivery is kept as failed.
	Failed
	// Interrupted: the dispatcher stopped during the attempt; the delivery
	// is due again at once and the attempt is not counted.
	Interrupted
)

// String returns the outcome's name in lower case.
func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Retrying:
		return "retrying"
	case Failed:
		return "failed"
	case Interrupted:
		return "interrupted"
	}
	return "unknown"
}

// Limits of the bodies kept in a Result (Contentful's call-log limits).
const (
	MaxRequestBodyLog  = 500_000
	MaxResponseBodyLog = 200_000
)

// Result describes one attempt, for call logs and metrics.
type Result struct {
	// Delivery is the delivery as claimed; Attempt is this attempt's number.
	Delivery *Delivery
	// Outcome is what became of the delivery.
	Outcome Outcome
	// Err says why the attempt failed; nil when delivered.
	Err error
	// RequestAt and ResponseAt bound the attempt.
	RequestAt, ResponseAt time.Time
	// Request is what was sent (zero if rendering failed).
	Request CallRequest
	// Response is what was answered (zero when there was no answer).
	Response CallResponse
	// CallID is the id of the attempt's call-log entry (see Store.Call);
	// empty for an interrupted attempt, which is not logged.
	CallID string
}

// CallRequest is the request of one attempt. Secret header values and the
// Authorization header are replaced by "[redacted]".
type CallRequest struct {
	// Method and URL (with any password in it redacted) of the call.
	Method, URL string
	// Header holds the headers set on the request.
	Header http.Header
	// Body is the request body, cut at MaxRequestBodyLog bytes.
	Body []byte
}

// CallResponse is the answer to one attempt.
type CallResponse struct {
	// StatusCode is the answer's status.
	StatusCode int
	// Header holds the answer's headers.
	Header http.Header
	// Body is the answer's body, cut at MaxResponseBodyLog bytes.
	Body []byte
}
