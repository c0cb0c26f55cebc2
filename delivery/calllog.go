package delivery

import (
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"
)

// MaxCallsPerWebhook is how many call-log entries are kept per webhook
// (Contentful's limit); recording one more drops the oldest.
const MaxCallsPerWebhook = 500

// CallTimeLayout formats the timestamps of call-log entries (always UTC).
const CallTimeLayout = "2006-01-02T15:04:05.000Z"

// Types of call-log entries (sys.type).
const (
	CallOverviewType = "WebhookCallOverview"
	CallDetailsType  = "WebhookCallDetails"
)

// Link is a Contentful link, {"sys": {"type": "Link", "linkType", "id"}}.
type Link struct {
	// Sys names the linked resource.
	Sys LinkSys `json:"sys"`
}

// LinkSys is the sys of a Link.
type LinkSys struct {
	// Type is always "Link".
	Type string `json:"type"`
	// LinkType is the type of the linked resource, e.g. "Space".
	LinkType string `json:"linkType"`
	// ID is the id of the linked resource.
	ID string `json:"id"`
}

// newLink returns a link to the resource id of type linkType.
func newLink(linkType, id string) Link {
	return Link{Sys: LinkSys{Type: "Link", LinkType: linkType, ID: id}}
}

// CallSys is the sys of a call-log entry.
type CallSys struct {
	// ID is the call's id, 32 lowercase hex characters.
	ID string `json:"id"`
	// Type is CallOverviewType or CallDetailsType.
	Type string `json:"type"`
	// Space links the space of the event.
	Space Link `json:"space"`
	// CreatedBy links the webhook (linkType "WebhookDefinition").
	CreatedBy Link `json:"createdBy"`
	// CreatedAt is when the call was made (CallTimeLayout).
	CreatedAt string `json:"createdAt"`
}

// CallOverview is one call-log entry as Contentful lists it
// (WebhookCallOverview).
type CallOverview struct {
	// Sys identifies the call.
	Sys CallSys `json:"sys"`
	// StatusCode is the receiver's status; 0 when there was no answer.
	StatusCode int `json:"statusCode"`
	// Errors names why there was no answer, with Contentful's error names
	// (e.g. "TimeoutError"); empty when there was an answer or the reason
	// has no Contentful name (the log has it then).
	Errors []string `json:"errors"`
	// EventType is the action of the event's topic, e.g. "publish".
	EventType string `json:"eventType"`
	// URL is the URL called, with any password in it redacted.
	URL string `json:"url"`
	// RequestAt and ResponseAt bound the call (CallTimeLayout).
	RequestAt  string `json:"requestAt"`
	ResponseAt string `json:"responseAt"`
}

// CallDetails is one call-log entry with its request and response
// (WebhookCallDetails).
type CallDetails struct {
	// CallOverview holds the overview fields; Sys.Type is CallDetailsType.
	CallOverview
	// Request is what was sent.
	Request CallDetailsRequest `json:"request"`
	// Response is what was answered (status 0, no headers and an empty
	// body when there was no answer).
	Response CallDetailsResponse `json:"response"`
}

// CallDetailsRequest is the request of a call-log entry.
type CallDetailsRequest struct {
	// URL is the URL called, with any password in it redacted.
	URL string `json:"url"`
	// Method is the HTTP method.
	Method string `json:"method"`
	// Headers are the headers sent; the values of secret headers and of
	// Authorization are "[redacted]".
	Headers map[string]string `json:"headers"`
	// Body is the body sent, cut at MaxRequestBodyLog bytes.
	Body string `json:"body"`
}

// CallDetailsResponse is the response of a call-log entry.
type CallDetailsResponse struct {
	// URL is the URL called.
	URL string `json:"url"`
	// Headers are the headers answered.
	Headers map[string]string `json:"headers"`
	// Body is the body answered, cut at MaxResponseBodyLog bytes.
	Body string `json:"body"`
	// StatusCode is the status answered; 0 when there was no answer.
	StatusCode int `json:"statusCode"`
}

// Calls returns the webhook's call-log entries newest first, skipping skip
// and returning at most limit of them, and how many there are in all. An
// entry that cannot be decoded is logged and left out of the page.
func (s *Store) Calls(webhookID string, skip, limit int) (items []CallOverview, total int, err error) {
	items = make([]CallOverview, 0, min(limit, 64))
	total, err = s.eachCall(webhookID, skip, limit, func(v []byte) error {
		ov, err := decodeOverview(v)
		if err == nil {
			items = append(items, ov)
		}
		return err
	})
	return items, total, err
}

// eachCall calls decode with the stored value of every entry of a page of
// the webhook's call log, newest first, and returns how many entries there
// are in all. An entry decode fails on is logged and skipped.
func (s *Store) eachCall(webhookID string, skip, limit int, decode func(v []byte) error) (total int, err error) {
	total, entries := s.calls.page(webhookID, skip, limit, time.Now().Unix())
	err = s.db.View(func(txn *badger.Txn) error {
		for _, e := range entries {
			err := readCall(txn, webhookID, e, func(v []byte) error {
				if err := decode(v); err != nil {
					s.log.Warn("unreadable call-log entry left out of the list; it expires with the retention",
						zap.String("webhook", webhookID), zap.String("call", e.id), zap.Error(err))
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("read the call log of webhook %s: %w", webhookID, err)
	}
	return total, nil
}

// Call returns the call callID of the webhook; ok is false when there is
// no such call (or it is no longer kept).
func (s *Store) Call(webhookID, callID string) (details CallDetails, ok bool, err error) {
	return callDetailsFrom(func(read func(v []byte) error) (bool, error) {
		return s.readCallRecord(webhookID, callID, read)
	})
}

// callDetailsFrom decodes the call that readRecord reads.
func callDetailsFrom(readRecord func(read func(v []byte) error) (bool, error)) (details CallDetails, ok bool, err error) {
	var ex callExtra
	ok, err = readRecord(func(v []byte) error {
		var err error
		details.CallOverview, ex, err = decodeCall(v)
		return err
	})
	if !ok || err != nil {
		return CallDetails{}, false, err
	}
	details.Sys.Type = CallDetailsType
	details.Request, details.Response = ex.Request, ex.Response
	return details, true, nil
}

// Health returns how many calls of the webhook the log holds and how many
// of them were answered with a status below 300. It reads counters.
func (s *Store) Health(webhookID string) (total, healthy int, err error) {
	total, healthy = s.calls.health(webhookID, time.Now().Unix())
	return total, healthy, nil
}

// readCallRecord reads the stored call callID of the webhook with read;
// ok is false when there is none.
func (s *Store) readCallRecord(webhookID, callID string, read func(v []byte) error) (ok bool, err error) {
	e, ok := s.calls.find(webhookID, callID, time.Now().Unix())
	if !ok {
		return false, nil
	}
	err = s.db.View(func(txn *badger.Txn) error {
		return readCall(txn, webhookID, e, func(v []byte) error {
			ok = true
			return read(v)
		})
	})
	if err != nil {
		return false, fmt.Errorf("read call %s of webhook %s: %w", callID, webhookID, err)
	}
	return ok, nil
}

// readCall calls read with the stored value of the call e, unless it has
// expired meanwhile.
func readCall(txn *badger.Txn, webhookID string, e callEntry, read func(v []byte) error) error {
	item, err := txn.Get(callKey(webhookID, e.seq, e.id))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return item.Value(read)
}
