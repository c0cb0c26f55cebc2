package caddymodule

import (
	"crypto/sha256"
	"net/http"
	"sync"
	"time"
)

// Bounds of the lookup cache.
const (
	lookupTTL     = time.Minute
	lookupEntries = 1024
)

// lookupCache keeps the answers of cacheable lookups (a content type, a
// stack's environments) for a minute, keyed by a hash of the path and the
// client's credentials, so that a client never sees through the cache what
// its own credentials could not read. Credentials are not kept.
type lookupCache struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]lookupEntry
}

// lookupEntry is one kept answer.
type lookupEntry struct {
	body    []byte
	expires time.Time
}

// newLookupCache returns an empty cache.
func newLookupCache() *lookupCache {
	return &lookupCache{entries: make(map[[sha256.Size]byte]lookupEntry)}
}

// credentialHeaders are the request headers that say who asks, in every
// profile's API.
var credentialHeaders = []string{"Authorization", "Authtoken", "Api_key", "Branch", "X-Api-Key"}

// lookupKey hashes a path with the credentials of the request.
func lookupKey(h http.Header, path string) [sha256.Size]byte {
	sum := sha256.New()
	sum.Write([]byte(path))
	for _, name := range credentialHeaders {
		sum.Write([]byte{0})
		for _, v := range h[name] {
			sum.Write([]byte(v))
			sum.Write([]byte{1})
		}
	}
	var key [sha256.Size]byte
	sum.Sum(key[:0])
	return key
}

// get returns a kept answer that has not expired.
func (c *lookupCache) get(key [sha256.Size]byte) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || time.Now().After(e.expires) {
		return nil, false
	}
	return e.body, true
}

// put keeps an answer; when the cache is full, expired entries go first,
// and if none has expired, all of them.
func (c *lookupCache) put(key [sha256.Size]byte, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if len(c.entries) >= lookupEntries {
		for k, e := range c.entries {
			if now.After(e.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= lookupEntries {
			clear(c.entries)
		}
	}
	c.entries[key] = lookupEntry{body: body, expires: now.Add(lookupTTL)}
}
