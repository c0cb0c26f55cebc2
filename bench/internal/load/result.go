package load

import (
	"time"

	"github.com/cmsevents/caddy-cms-events/bench/internal/stats"
)

// Result is what a run measured.
type Result struct {
	// Sent counts every request sent, warmup and unmeasured ones included.
	Sent int `json:"sent"`
	// Requests counts the measured requests, answered or not.
	Requests int `json:"requests"`
	// OK counts the measured 2xx answers.
	OK int `json:"ok"`
	// Errors counts measured requests that got no answer.
	Errors int `json:"errors"`
	// Status counts measured answers by status code.
	Status map[int]int `json:"status"`
	// FirstError describes the first request that got no answer.
	FirstError string `json:"first_error,omitempty"`
	// Window is the measured time span.
	Window time.Duration `json:"window"`
	// PerSecond is OK answers per second of Window.
	PerSecond float64 `json:"per_second"`
	// Latency summarises the measured 2xx answers (request sent, or
	// scheduled with a rate, to body read).
	Latency stats.Summary `json:"latency"`
	// Answers holds, with Config.Record, the id and answer time of every
	// measured 2xx answer.
	Answers []Answer `json:"-"`
}

// Answer is when the answer about one id arrived.
type Answer struct {
	// ID is the request's unique id.
	ID string
	// At is when the answer's status line and headers arrived.
	At time.Time
}
