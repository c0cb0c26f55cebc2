package caddymodule

import (
	"crypto/sha256"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// authTTL is how long the CMS's yes to a token and a space is trusted.
const authTTL = 30 * time.Second

// authCacheSize is how many answers the cache holds before it drops the
// expired ones (and, if they were not enough, all of them).
const authCacheSize = 4096

// authCache remembers for a short while that the CMS allowed a token in a
// space. It keys by a hash of both, never by the token itself.
type authCache struct {
	mu    sync.Mutex
	until map[[sha256.Size]byte]time.Time
}

// authKey hashes the credentials of r (its Authorization header and
// access_token query parameter) with the space.
func authKey(r *http.Request, space string) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(space))
	h.Write([]byte{0})
	h.Write([]byte(r.Header.Get("Authorization")))
	h.Write([]byte{0})
	h.Write([]byte(r.URL.Query().Get("access_token")))
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// allowed reports whether the CMS allowed key within the last authTTL.
func (c *authCache) allowed(key [sha256.Size]byte, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return now.Before(c.until[key])
}

// allow remembers that the CMS allowed key at now.
func (c *authCache) allow(key [sha256.Size]byte, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.until == nil {
		c.until = make(map[[sha256.Size]byte]time.Time)
	}
	if len(c.until) >= authCacheSize {
		for k, t := range c.until {
			if !now.Before(t) {
				delete(c.until, k)
			}
		}
		if len(c.until) >= authCacheSize {
			clear(c.until)
		}
	}
	c.until[key] = now.Add(authTTL)
}

// authorize asks the CMS whether the client may use the space: a GET
// /spaces/{space} through the same upstream with the client's own
// credentials. A 2xx answer allows the call (and is remembered for
// authTTL); any other answer is written to the client as it is, and
// authorize reports false. An upstream that cannot be reached is an error,
// as for a proxied request.
func (h *Handler) authorize(w http.ResponseWriter, r *http.Request, space string, next caddyhttp.Handler) (bool, error) {
	key, now := authKey(r, space), time.Now()
	if h.auth.allowed(key, now) {
		return true, nil
	}
	var query string
	if token := r.URL.Query().Get("access_token"); token != "" {
		query = "access_token=" + url.QueryEscape(token)
	}
	rec, err := h.fetch(r.Context(), r, "/spaces/"+space, query, next)
	if err != nil {
		return false, err
	}
	if rec.status >= 200 && rec.status < 300 {
		h.auth.allow(key, now)
		return true, nil
	}
	if c := h.logger.Check(zapcore.DebugLevel, "the CMS refused a webhooks API call"); c != nil {
		c.Write(zap.String("space", space), zap.String("method", r.Method), zap.String("path", r.URL.Path), zap.Int("status", rec.status))
	}
	for name, values := range rec.header {
		if name == "Content-Length" || name == "Transfer-Encoding" {
			continue
		}
		w.Header()[name] = values
	}
	w.Header().Set("Content-Length", strconv.Itoa(rec.body.Len()))
	w.WriteHeader(rec.status)
	w.Write(rec.body.Bytes())
	return false, nil
}
