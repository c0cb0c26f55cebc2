// Package stats summarises latency samples and benchmark rounds.
package stats

import (
	"math"
	"slices"
	"time"
)

// Summary describes a set of latency samples.
type Summary struct {
	// N is the number of samples.
	N int `json:"n"`
	// P50 is the median sample.
	P50 time.Duration `json:"p50"`
	// P99 is the 99th percentile sample.
	P99 time.Duration `json:"p99"`
	// Max is the largest sample.
	Max time.Duration `json:"max"`
	// Mean is the arithmetic mean.
	Mean time.Duration `json:"mean"`
}

// Summarize sorts samples in place and summarises them. No samples give a
// zero Summary.
func Summarize(samples []time.Duration) Summary {
	if len(samples) == 0 {
		return Summary{}
	}
	slices.Sort(samples)
	var sum time.Duration
	for _, s := range samples {
		sum += s
	}
	return Summary{
		N:    len(samples),
		P50:  Percentile(samples, 50),
		P99:  Percentile(samples, 99),
		Max:  samples[len(samples)-1],
		Mean: sum / time.Duration(len(samples)),
	}
}

// Percentile returns the p-th percentile (0 < p ≤ 100) of sorted samples by
// the nearest-rank method: the smallest sample with at least p% of the
// samples at or below it. No samples give 0.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	// The small slack keeps float error from pushing an exact rank up.
	rank := int(math.Ceil(p/100*float64(len(sorted)) - 1e-9))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// Median returns the median of values (the mean of the two middle values for
// an even count); no values give 0. values is not modified.
func Median(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	s := slices.Clone(values)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}
