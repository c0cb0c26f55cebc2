package delivery

import (
	"strings"
	"testing"
	"time"
)

const exampleSecret = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ01"

var exampleTime = time.UnixMilli(1718000000000)

// TestSignWorkedExamples checks Sign against the worked examples computed with
// @contentful/node-apps-toolkit (Contentful facts §3.5).
func TestSignWorkedExamples(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		target     string
		headers    map[string]string
		body       string
		wantSig    string
		wantSigned string
	}{
		{
			name:   "example 1",
			method: "POST",
			target: "/hooks/contentful",
			headers: map[string]string{
				"Content-Type":              "application/vnd.contentful.management.v1+json",
				"X-Contentful-Topic":        "ContentManagement.Entry.publish",
				"X-Contentful-Webhook-Name": "My webhook",
			},
			body:       `{"sys":{"id":"hello","type":"Entry"}}`,
			wantSig:    "03d6929dcca68617c6695fea98678ce8c1a9fcda20901298e43832fa6fc0353a",
			wantSigned: "content-type,x-contentful-signed-headers,x-contentful-timestamp,x-contentful-topic,x-contentful-webhook-name",
		},
		{
			name:    "example 1 with names and values needing normalisation",
			method:  "POST",
			target:  "/hooks/contentful",
			headers: map[string]string{" CONTENT-TYPE ": "\u00a0application/vnd.contentful.management.v1+json\t", "x-contentful-topic": " ContentManagement.Entry.publish", "X-CONTENTFUL-WEBHOOK-NAME": "My webhook\ufeff"},
			body:    `{"sys":{"id":"hello","type":"Entry"}}`,
			wantSig: "03d6929dcca68617c6695fea98678ce8c1a9fcda20901298e43832fa6fc0353a",
		},
		{
			name:   "example 2 attempt 1",
			method: "POST",
			target: "/hooks/contentful?source=cf&env=master",
			headers: map[string]string{
				"Content-Type":                         "application/vnd.contentful.management.v1+json",
				"X-Contentful-Topic":                   "ContentManagement.Entry.publish",
				"X-Contentful-Webhook-Name":            "Site rebuild",
				"X-Contentful-CRN":                     "crn:contentful:::content:spaces/sp1/environments/master/entries/e1",
				"X-Contentful-Webhook-Request-Attempt": "1",
			},
			body:       `{"sys":{"type":"Entry","id":"e1"}}`,
			wantSig:    "8813135acaa6e95e1a646c23200e3e7e947ff2b7fa64560b704e80d09ced5ae3",
			wantSigned: "content-type,x-contentful-crn,x-contentful-signed-headers,x-contentful-timestamp,x-contentful-topic,x-contentful-webhook-name,x-contentful-webhook-request-attempt",
		},
		{
			name:   "example 2 attempt 2",
			method: "POST",
			target: "/hooks/contentful?source=cf&env=master",
			headers: map[string]string{
				"Content-Type":                         "application/vnd.contentful.management.v1+json",
				"X-Contentful-Topic":                   "ContentManagement.Entry.publish",
				"X-Contentful-Webhook-Name":            "Site rebuild",
				"X-Contentful-CRN":                     "crn:contentful:::content:spaces/sp1/environments/master/entries/e1",
				"X-Contentful-Webhook-Request-Attempt": "2",
			},
			body:    `{"sys":{"type":"Entry","id":"e1"}}`,
			wantSig: "9a698b148fe8ccbb3448239ce393d546c45d227edf2ffc6ed9290c482c8f87e9",
		},
		{
			name:       "example 3 without headers and body",
			method:     "GET",
			target:     "/api/resources/1",
			wantSig:    "6d73f8eab00b267605a19e8f1dc6a6da0eb052cee99b16bfec377582bbdf6af8",
			wantSigned: "x-contentful-signed-headers,x-contentful-timestamp",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			sig, signed, ts := Sign(exampleSecret, tt.method, tt.target, tt.headers, body, exampleTime)
			if sig != tt.wantSig {
				t.Errorf("signature = %s, want %s", sig, tt.wantSig)
			}
			if tt.wantSigned != "" && signed != tt.wantSigned {
				t.Errorf("signed headers = %s, want %s", signed, tt.wantSigned)
			}
			if ts != "1718000000000" {
				t.Errorf("timestamp = %s, want 1718000000000", ts)
			}
		})
	}
}

func TestSignTimestampChangesSignature(t *testing.T) {
	h := map[string]string{"X-Contentful-Topic": "ContentManagement.Entry.save"}
	a, _, _ := Sign(exampleSecret, "POST", "/", h, nil, exampleTime)
	b, _, tsB := Sign(exampleSecret, "POST", "/", h, nil, exampleTime.Add(time.Millisecond))
	if a == b {
		t.Fatal("signatures for different timestamps are equal")
	}
	if tsB != "1718000000001" {
		t.Fatalf("timestamp = %s", tsB)
	}
}

func TestNormalizePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/a?b=1&c=2", "/a?b%253D1%2526c%253D2"},
		{"/a b/ü?x=y z", "/a%20b/%C3%BC?x%253Dy%2520z"},
		{"/a%20b", "/a%2520b"},
		{"/a?b=1?c=2", "/a?b%253D1"},
		{"/a?", "/a"},
		{"/hooks/contentful?source=cf&env=master", "/hooks/contentful?source%253Dcf%2526env%253Dmaster"},
		{"/keep;,/:@&=+$#-_.!~*'()", "/keep;,/:@&=+$#-_.!~*'()"},
		{"/q?a'b(c)*!~._-", "/q?a'b(c)*!~._-"},
		{"/q?a/b:c", "/q?a%252Fb%253Ac"},
		{"/x[y]{z}|^`\"<>\\", "/x%5By%5D%7Bz%7D%7C%5E%60%22%3C%3E%5C"},
	}
	for _, tt := range tests {
		if got := normalizePath(tt.in); got != tt.want {
			t.Errorf("normalizePath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidSecret(t *testing.T) {
	tests := []struct {
		name   string
		secret string
		ok     bool
	}{
		{"example", exampleSecret, true},
		{"all allowed punctuation", strings.Repeat("+/=_-", 12) + "abcd", true},
		{"too short", exampleSecret[:63], false},
		{"too long", exampleSecret + "x", false},
		{"empty", "", false},
		{"space", exampleSecret[:63] + " ", false},
		{"dot", "." + exampleSecret[1:], false},
		{"non-ASCII", "é" + exampleSecret[2:], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidSecret(tt.secret)
			if (err == nil) != tt.ok {
				t.Fatalf("ValidSecret = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestJSTrim(t *testing.T) {
	tests := []struct{ in, want string }{
		{" \t\n\v\f\r a b \r\n", "a b"},
		{"\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeffx\ufeff", "x"},
		{"\u0085x\u0085", "\u0085x\u0085"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := jsTrim(tt.in); got != tt.want {
			t.Errorf("jsTrim(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	headers := map[string]string{
		"Content-Type":                         "application/vnd.contentful.management.v1+json",
		"X-Contentful-Topic":                   "ContentManagement.Entry.publish",
		"X-Contentful-Webhook-Name":            "Site rebuild",
		"X-Contentful-CRN":                     "crn:contentful:::content:spaces/sp1/environments/master/entries/e1",
		"X-Contentful-Webhook-Request-Attempt": "1",
		"X-Contentful-Idempotency-Key":         "3f1c1a3f9b1c4e7a8d2b6c0e9f1a2b3c4d5e6f708192a3b4c5d6e7f809a1b2c3",
		"X-Contentful-Event-Datetime":          "2026-06-22T18:42:22.587Z",
	}
	body := []byte(strings.Repeat(`{"sys":{"type":"Entry","id":"e1"},"fields":{"title":{"en-US":"Hello"}}}`, 20))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		Sign(exampleSecret, "POST", "/hooks/contentful?source=cf&env=master", headers, body, exampleTime)
	}
}
