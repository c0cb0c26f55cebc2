package caddymodule

import (
	"net/http/httptest"
	"testing"
	"time"
)

func TestAuthCache(t *testing.T) {
	var c authCache
	now := time.Now()
	r := httptest.NewRequest("GET", "/spaces/sp1/webhook_definitions", nil)
	r.Header.Set("Authorization", "Bearer one")
	key := authKey(r, "sp1")
	if c.allowed(key, now) {
		t.Fatal("an empty cache allowed a token")
	}
	c.allow(key, now)
	if !c.allowed(key, now.Add(authTTL-time.Millisecond)) {
		t.Fatal("the CMS's yes was not remembered")
	}
	if c.allowed(key, now.Add(authTTL)) {
		t.Fatal("the CMS's yes was trusted for longer than 30 s")
	}

	other := httptest.NewRequest("GET", "/spaces/sp1/webhook_definitions", nil)
	other.Header.Set("Authorization", "Bearer two")
	if c.allowed(authKey(other, "sp1"), now) || c.allowed(authKey(r, "sp2"), now) {
		t.Fatal("a yes for one token and space allowed another")
	}
	query := httptest.NewRequest("GET", "/spaces/sp1/webhook_definitions?access_token=one", nil)
	if authKey(query, "sp1") == key {
		t.Fatal("a query token and a header token share a key")
	}

	// A full cache drops what has expired before it takes more.
	for i := range authCacheSize - 1 {
		k := key
		k[0], k[1], k[31] = byte(i), byte(i>>8), ^key[31]
		c.allow(k, now)
	}
	if len(c.until) != authCacheSize {
		t.Fatalf("the cache holds %d entries, want %d", len(c.until), authCacheSize)
	}
	later := now.Add(authTTL)
	c.allow(key, later)
	if len(c.until) != 1 || !c.allowed(key, later) {
		t.Fatalf("the full cache kept %d entries, want only the new one", len(c.until))
	}
}
