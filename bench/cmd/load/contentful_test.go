package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestContentfulCallHeaders(t *testing.T) {
	secret := strings.Repeat("k", 64)
	body := []byte(`{"fields":{}}`)
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:9/hook", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/vnd.contentful.management.v1+json")
	before := time.Now()
	contentfulCall("bench", secret, body)(req, "e-1")
	// The gateway sends X-Contentful-CRN under that exact name, which is
	// not net/http's canonical form; a server reads it case-insensitively.
	get := func(h http.Header, name string) []string {
		for k, v := range h {
			if strings.EqualFold(k, name) {
				return v
			}
		}
		return nil
	}

	for name, want := range map[string]string{
		"X-Contentful-Topic":                   entrySaveTopic,
		"X-Contentful-Webhook-Name":            "bench",
		"X-Contentful-CRN":                     "crn:contentful:::content:spaces/bench/environments/master/entries/e-1",
		"X-Contentful-Webhook-Request-Attempt": "1",
	} {
		if got := get(req.Header, name); len(got) != 1 || got[0] != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if key := req.Header.Get("X-Contentful-Idempotency-Key"); len(key) != 64 {
		t.Errorf("X-Contentful-Idempotency-Key = %q, want 64 hex digits", key)
	}
	if at, err := time.Parse("2006-01-02T15:04:05.000Z", req.Header.Get("X-Contentful-Event-Datetime")); err != nil || at.Before(before.Add(-time.Millisecond)) {
		t.Errorf("X-Contentful-Event-Datetime = %q (%v)", req.Header.Get("X-Contentful-Event-Datetime"), err)
	}

	// The signature, checked the way a receiver checks it: the signed
	// headers sorted, lower-cased, "name:value" joined by ";", after the
	// method and the request-target, then the body, all under HMAC-SHA256.
	signed := strings.Split(req.Header.Get("X-Contentful-Signed-Headers"), ",")
	want := []string{"content-type", "x-contentful-crn", "x-contentful-event-datetime", "x-contentful-idempotency-key",
		"x-contentful-signed-headers", "x-contentful-timestamp", "x-contentful-topic", "x-contentful-webhook-name",
		"x-contentful-webhook-request-attempt"}
	if !slices.Equal(signed, want) {
		t.Fatalf("signed headers %q, want %q", signed, want)
	}
	pairs := make([]string, len(signed))
	for i, name := range signed {
		pairs[i] = name + ":" + strings.Join(get(req.Header, name), ",")
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("POST\n/hook\n" + strings.Join(pairs, ";") + "\n"))
	mac.Write(body)
	if got, want := req.Header.Get("X-Contentful-Signature"), hex.EncodeToString(mac.Sum(nil)); got != want {
		t.Errorf("signature %s, want %s", got, want)
	}

	// A second request gets its own key and signature.
	other, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:9/hook", nil)
	other.Header.Set("Content-Type", "application/vnd.contentful.management.v1+json")
	contentfulCall("bench", secret, body)(other, "e-2")
	if other.Header.Get("X-Contentful-Idempotency-Key") == req.Header.Get("X-Contentful-Idempotency-Key") ||
		other.Header.Get("X-Contentful-Signature") == req.Header.Get("X-Contentful-Signature") {
		t.Error("two ids got the same idempotency key or signature")
	}
}

func TestContentfulCallUnsigned(t *testing.T) {
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:9/hook", nil)
	contentfulCall("bench", "", nil)(req, "e-1")
	if req.Header.Get("X-Contentful-Topic") == "" || req.Header.Get("X-Contentful-Signature") != "" || req.Header.Get("Content-Type") != "" {
		t.Errorf("headers without a secret: %v", req.Header)
	}
}
