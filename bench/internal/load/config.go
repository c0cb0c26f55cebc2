// Package load is an HTTP load generator: a fixed number of connections
// sending back to back (closed loop) or a fixed request rate (open loop),
// for a duration or a request count, with a unique id in every URL and a
// latency summary of the requests inside the measured window.
package load

import (
	"errors"
	"net/http"
	"strings"
	"time"
)

// Config describes one load run.
type Config struct {
	// URL is the request URL; every "{id}" in it is replaced by the
	// request's unique id (IDPrefix followed by a sequence number).
	URL string
	// Method is the request method; default GET.
	Method string
	// Header is sent with every request.
	Header http.Header
	// Prepare, when set, is called for every request after Header is set
	// and right before it is sent, with the request's unique id; it may
	// add headers that differ from request to request.
	Prepare func(req *http.Request, id string)
	// Body is sent with every request.
	Body []byte
	// Connections is the number of connections, each sending one request
	// after another (closed loop); with Rate it bounds the requests in
	// flight. Default 1.
	Connections int
	// Rate, when positive, sends this many requests per second on a fixed
	// schedule (open loop); latency counts from the scheduled time.
	Rate float64
	// Duration is how long requests are measured, after Warmup.
	Duration time.Duration
	// Warmup is how long requests are sent before measuring starts.
	Warmup time.Duration
	// Count, when positive, sends exactly this many requests and measures
	// them all (closed loop only; Duration and Warmup must be zero).
	Count int
	// IDPrefix starts every id; give each run its own to keep ids unique.
	IDPrefix string
	// Record keeps the id and answer time of every measured 2xx answer.
	Record bool
}

// check validates c and fills in defaults.
func (c *Config) check() error {
	if !strings.HasPrefix(c.URL, "http://") && !strings.HasPrefix(c.URL, "https://") {
		return errors.New("url must start with http:// or https://")
	}
	if c.Method == "" {
		c.Method = http.MethodGet
	}
	if c.Connections <= 0 {
		c.Connections = 1
	}
	switch {
	case c.Count > 0 && (c.Duration > 0 || c.Warmup > 0):
		return errors.New("give either a request count or a duration (with an optional warmup), not both")
	case c.Count > 0 && c.Rate > 0:
		return errors.New("a request count works with a fixed number of connections only; drop the rate or give a duration")
	case c.Count <= 0 && c.Duration <= 0:
		return errors.New("give a duration or a request count")
	case c.Rate < 0 || c.Warmup < 0:
		return errors.New("rate and warmup cannot be negative")
	}
	return nil
}
