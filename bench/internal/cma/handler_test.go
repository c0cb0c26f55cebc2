package cma

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
)

func TestHandlerAnswersLikeTheCMA(t *testing.T) {
	srv := httptest.NewServer(Handler{})
	defer srv.Close()
	profile, ok := events.LookupProfile("contentful")
	if !ok {
		t.Fatal("contentful profile missing")
	}
	tests := []struct {
		name        string
		method      string
		path        string
		version     string
		wantStatus  int
		wantVersion int
		wantTopic   string // "" when the gateway makes no event
	}{
		{"create", http.MethodPut, "/spaces/s1/environments/staging/entries/post-1", "", http.StatusCreated, 1, "ContentManagement.Entry.create"},
		{"update", http.MethodPut, "/spaces/s1/environments/staging/entries/post-1", "4", http.StatusOK, 5, "ContentManagement.Entry.save"},
		{"legacy path", http.MethodPut, "/spaces/s1/entries/post-2", "", http.StatusCreated, 1, "ContentManagement.Entry.create"},
		{"read", http.MethodGet, "/spaces/s1/environments/staging/entries/post-1", "", http.StatusOK, 1, ""},
		{"bad version", http.MethodPut, "/spaces/s1/environments/staging/entries/post-1", "x", http.StatusBadRequest, 0, ""},
		{"delete", http.MethodDelete, "/spaces/s1/environments/staging/entries/post-1", "", http.StatusNoContent, 0, "ContentManagement.Entry.delete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, bytes.NewReader(RequestBody(1024)))
			if err != nil {
				t.Fatal(err)
			}
			if tt.version != "" {
				req.Header.Set("X-Contentful-Version", tt.version)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d (body %s)", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantVersion > 0 {
				checkEntity(t, body, tt.path, tt.wantVersion)
			}
			route, isWrite := profile.MatchRequest(tt.method, tt.path, nil)
			if !isWrite {
				if tt.wantTopic != "" {
					t.Fatalf("the gateway does not see %s %s as a write", tt.method, tt.path)
				}
				return
			}
			d := events.Derive(events.Input{Route: route, Status: resp.StatusCode, Body: body, Header: req.Header, Now: time.Now()})
			topic := ""
			if d.Event != nil {
				topic = d.Event.Topic
			}
			if topic != tt.wantTopic {
				t.Errorf("event topic %q, want %q", topic, tt.wantTopic)
			}
			if d.Warning != "" && tt.method != http.MethodDelete {
				t.Errorf("the gateway warns about the answer: %s", d.Warning)
			}
		})
	}
}

// checkEntity checks that body is an entry named by path at version, of
// about EntitySize bytes.
func checkEntity(t *testing.T, body []byte, path string, version int) {
	t.Helper()
	if n := len(body); n < EntitySize-64 || n > EntitySize+64 {
		t.Errorf("entity is %d bytes, want about %d", n, EntitySize)
	}
	var e struct {
		Sys struct {
			ID      string `json:"id"`
			Type    string `json:"type"`
			Version int    `json:"version"`
		} `json:"sys"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, body)
	}
	_, _, id := parsePath(path)
	if e.Sys.ID != id || e.Sys.Type != "Entry" || e.Sys.Version != version {
		t.Errorf("sys = %+v, want id %s, type Entry, version %d", e.Sys, id, version)
	}
}

func TestRequestBody(t *testing.T) {
	for _, size := range []int{0, 100, 1024, 4096} {
		b := RequestBody(size)
		if !json.Valid(b) {
			t.Fatalf("RequestBody(%d) is not JSON: %s", size, b)
		}
		if size >= 100 && len(b) != size {
			t.Errorf("RequestBody(%d) is %d bytes", size, len(b))
		}
	}
}
