package delivery

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// drainLimit is how much of an answer is read (and dropped) so the
// connection can be reused; longer answers close it.
const drainLimit = 256 << 10

// attempt is what one call did.
type attempt struct {
	err         error // nil: delivered
	retryable   bool  // the failure may go away on a later attempt
	interrupted bool  // the dispatcher stopped during the call
	requestAt   time.Time
	responseAt  time.Time
	request     CallRequest
	response    CallResponse
	// retryAfter is the wait a 429 or 503 answer asked for, if it did.
	retryAfter    time.Duration
	hasRetryAfter bool
}

// signer returns the HMAC that signs an attempt of dl, and a function to
// call when it is no longer used, or nil when the call goes unsigned: the
// space's signing secret takes precedence over the endpoint's.
func (d *Dispatcher) signer(ep *endpoint, dl *Delivery) (hash.Hash, func()) {
	if d.spaceSecrets != nil {
		if secret := d.spaceSecrets.SpaceSecret(dl.Event.Space); secret != "" && secret != ep.Secret {
			return hmac.New(sha256.New, []byte(secret)), func() {}
		}
	}
	if ep.Secret == "" {
		return nil, nil
	}
	mac := ep.mac()
	return mac, func() { ep.macs.Put(mac) }
}

// sign adds Contentful's signature headers to an attempt of dl, when it
// is signed.
func (d *Dispatcher) sign(headers *headerSet, ep *endpoint, dl *Delivery, r *Rendered, withBody bool, method, uri string, at time.Time) {
	mac, done := d.signer(ep, dl)
	if mac == nil {
		return
	}
	var signed []byte
	if withBody {
		signed = r.Body
	}
	sig, names, ts := signPairs(mac, method, uri, headers.signed(), signed, at)
	done()
	headers.set(HeaderSignature, sig)
	headers.set(HeaderSignedHeaders, names)
	headers.set(HeaderTimestamp, ts)
}

// call renders, signs and sends one attempt of dl.
func (d *Dispatcher) call(ep *endpoint, dl *Delivery) (a attempt) {
	a.requestAt = d.now()
	defer func() { a.responseAt = d.now() }()
	r, err := ep.Render(dl.Event)
	if err != nil {
		a.err = fmt.Errorf("render webhook request: %w", err)
		return a
	}
	method := strings.ToUpper(r.Method)
	if method == "" {
		method = http.MethodPost
	}
	withBody := method != http.MethodGet && method != http.MethodHead && method != http.MethodDelete
	var body io.Reader
	if withBody {
		body = bytes.NewReader(r.Body)
	}
	ctx, cancel := context.WithTimeout(d.sendCtx, ep.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, r.URL, body)
	if err != nil {
		// Report the reason only: the URL may hold credentials.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		a.err = fmt.Errorf("webhook URL is invalid: %v; fix the webhook's url", err)
		return a
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" || req.URL.Host == "" {
		a.err = fmt.Errorf("webhook URL %s is not an absolute http or https URL; fix the webhook's url", req.URL.Redacted())
		return a
	}

	var headers *headerSet
	if ep.Wire != nil {
		headers = wiredHeaders(ep, &r, dl, withBody, method, req.URL.RequestURI(), a.requestAt)
	} else {
		headers = callHeaders(ep, &r, dl, withBody)
	}
	if err := headers.check(); err != nil {
		a.err = err
		return a
	}
	if ep.Wire == nil {
		d.sign(headers, ep, dl, &r, withBody, method, req.URL.RequestURI(), a.requestAt)
	}
	req.Header = make(http.Header, len(headers.names)+1) // and Authorization
	headers.apply(req.Header)
	if ep.BasicUser != "" || ep.BasicPassword != "" {
		req.SetBasicAuth(ep.BasicUser, ep.BasicPassword)
	}
	a.request = CallRequest{Method: method, URL: req.URL.Redacted(), Header: redactedHeader(req.Header, r.SecretHeaders)}
	if withBody {
		a.request.Body = r.Body[:min(len(r.Body), MaxRequestBodyLog)]
	}

	resp, err := d.client.Do(req)
	if err != nil {
		switch {
		case d.sendCtx.Err() != nil:
			a.interrupted = true
		case errors.Is(err, context.DeadlineExceeded):
			a.retryable = true
			err = fmt.Errorf("no answer within %s: %w", ep.Timeout, err)
		default:
			a.retryable = !errors.Is(err, ErrForbiddenAddress)
		}
		a.err = err
		return a
	}
	defer resp.Body.Close()
	a.response.StatusCode = resp.StatusCode
	a.response.Header = resp.Header
	a.response.Body, _ = io.ReadAll(io.LimitReader(resp.Body, MaxResponseBodyLog))
	io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
	if resp.StatusCode >= 300 {
		a.retryable = ep.RetryAll || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		a.err = fmt.Errorf("receiver answered %s", resp.Status)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		a.retryAfter, a.hasRetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), d.now())
	}
	return a
}
