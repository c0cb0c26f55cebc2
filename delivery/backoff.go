package delivery

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Backoff policies of an Endpoint.
const (
	// BackoffFixed waits Delay between attempts (Contentful's policy).
	BackoffFixed = "fixed"
	// BackoffExponential waits Delay × 2^(n-1) after the nth attempt,
	// spread by Jitter and capped at MaxDelay.
	BackoffExponential = "exponential"
)

// Defaults of the backoff settings of an Endpoint.
const (
	DefaultMaxDelay = 15 * time.Minute
	DefaultJitter   = 0.2
)

// ValidBackoff returns an error unless s names a backoff policy ("" is the
// default, fixed).
func ValidBackoff(s string) error {
	switch s {
	case "", BackoffFixed, BackoffExponential:
		return nil
	}
	return fmt.Errorf("backoff %q is unknown; use %q or %q", s, BackoffFixed, BackoffExponential)
}

// retryDelay returns how long to wait after the attempt-th attempt failed.
// retryAfter, when set, is what the receiver asked for in Retry-After; it
// replaces the policy's delay, clamped to [Delay, MaxDelay]. random is a
// number in [0, 1) that places the jitter.
func (ep *endpoint) retryDelay(attempt int, retryAfter time.Duration, hasRetryAfter bool, random float64) time.Duration {
	if hasRetryAfter {
		return min(max(retryAfter, ep.Delay), ep.MaxDelay)
	}
	if ep.Backoff != BackoffExponential {
		return ep.Delay
	}
	d := ep.Delay
	for i := 1; i < attempt && d < ep.MaxDelay; i++ {
		d = time.Duration(float64(d) * ep.Factor)
	}
	d = min(d, ep.MaxDelay)
	d = time.Duration(float64(d) * (1 + ep.Jitter*(2*random-1)))
	return min(d, ep.MaxDelay)
}

// parseRetryAfter reads a Retry-After value, in seconds or as an HTTP date,
// as a wait from now; ok is false when v is neither.
func parseRetryAfter(v string, now time.Time) (wait time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(min(secs, int64(365*24*time.Hour/time.Second))) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}
