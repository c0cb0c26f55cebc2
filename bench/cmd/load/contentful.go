package main

import (
	"net/http"
	"strconv"
	"time"

	"github.com/cmsevents/caddy-cms-events/delivery"
)

// signingSecretEnv names the environment variable holding the secret that
// -contentful-webhook signs with; unset, the calls go unsigned.
const signingSecretEnv = "LOAD_SIGNING_SECRET"

// entrySaveTopic is the topic of the calls -contentful-webhook sends.
const entrySaveTopic = "ContentManagement.Entry.save"

// contentfulCall returns a load.Config Prepare function that makes every
// request look like a call of the cms_events webhook name about the save of
// the entry with the request's id: the headers the gateway sends (under the
// names it uses, one value each) and, when secret is set, their signature
// over the method, the request-target, those headers and body, computed per
// request with the gateway's signing function.
func contentfulCall(name, secret string, body []byte) func(req *http.Request, id string) {
	return func(req *http.Request, id string) {
		now := time.Now()
		headers := map[string]string{
			delivery.HeaderTopic:          entrySaveTopic,
			delivery.HeaderWebhookName:    name,
			delivery.HeaderIdempotencyKey: delivery.IdempotencyKey(name, id),
			delivery.HeaderCRN:            "crn:contentful:::content:spaces/bench/environments/master/entries/" + id,
			delivery.HeaderEventDatetime:  now.UTC().Format(delivery.EventDatetimeLayout),
			delivery.HeaderAttempt:        strconv.Itoa(1),
		}
		if ct := req.Header.Get("Content-Type"); ct != "" {
			headers["Content-Type"] = ct
		}
		for k, v := range headers {
			req.Header[k] = []string{v}
		}
		if secret == "" {
			return
		}
		sig, signed, ts := delivery.Sign(secret, req.Method, req.URL.RequestURI(), headers, body, now)
		req.Header[delivery.HeaderSignature] = []string{sig}
		req.Header[delivery.HeaderSignedHeaders] = []string{signed}
		req.Header[delivery.HeaderTimestamp] = []string{ts}
	}
}
