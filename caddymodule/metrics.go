package caddymodule

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cmsevents/caddy-cms-events/delivery"
	"github.com/cmsevents/caddy-cms-events/followup"
)

// metrics are the plugin's Prometheus collectors, made once and registered
// in Caddy's registry at every provision. Labels stay bounded: topics are a
// fixed set, webhook ids come from the config.
var metrics = struct {
	once             sync.Once
	events           *prometheus.CounterVec
	deliveries       *prometheus.CounterVec
	deliveryDuration *prometheus.HistogramVec
	enqueueDuration  prometheus.Histogram
	enqueueErrors    prometheus.Counter
	queueDepth       prometheus.GaugeFunc
	failed           prometheus.GaugeFunc
	followed         prometheus.GaugeFunc
}{}

// gaugeStore and gaugeRunner are the store and the action runner the
// gauges report on: the newest started config's.
var (
	gaugeStore  atomic.Pointer[gaugedBackend]
	gaugeRunner atomic.Pointer[followup.Runner]
)

func initMetrics(registry *prometheus.Registry) error {
	const ns, sub = "caddy", "cms_events"
	metrics.once.Do(func() {
		metrics.events = prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "events_total",
			Help: "Events derived from successful writes, by topic.",
		}, []string{"topic"})
		metrics.deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "deliveries_total",
			Help: "Webhook call attempts, by webhook and outcome (delivered, retrying, failed, interrupted).",
		}, []string{"webhook", "outcome"})
		metrics.deliveryDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "delivery_duration_seconds",
			Help:    "Duration of webhook calls, by webhook.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 9),
		}, []string{"webhook"})
		metrics.enqueueDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "enqueue_duration_seconds",
			Help:    "Time a write's answer waited for its events to be committed.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2.5, 10),
		})
		metrics.enqueueErrors = prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "enqueue_errors_total",
			Help: "Writes whose events could not be committed to the queue.",
		})
		metrics.queueDepth = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "queue_depth",
			Help: "Deliveries waiting to be sent, including those being sent.",
		}, func() float64 { depth, _ := storeCounts(); return float64(depth) })
		metrics.failed = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "failed_deliveries",
			Help: "Deliveries that ran out of attempts and are kept for redelivery.",
		}, func() float64 { _, failed := storeCounts(); return float64(failed) })
		metrics.followed = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "followed_actions",
			Help: "Bulk, release and scheduled actions followed until the CMS has run them.",
		}, func() float64 {
			if r := gaugeRunner.Load(); r != nil {
				return float64(r.Len())
			}
			return 0
		})
	})
	for _, c := range []prometheus.Collector{
		metrics.events, metrics.deliveries, metrics.deliveryDuration,
		metrics.enqueueDuration, metrics.enqueueErrors, metrics.queueDepth, metrics.failed, metrics.followed,
	} {
		if err := registry.Register(c); err != nil {
			var already prometheus.AlreadyRegisteredError
			if !errors.As(err, &already) {
				return err
			}
		}
	}
	return nil
}

// gaugedBackend holds the backend the gauges report on.
type gaugedBackend struct{ delivery.Backend }

func storeCounts() (depth, failed int) {
	s := gaugeStore.Load()
	if s == nil {
		return 0, 0
	}
	return s.Counts()
}

// observeResult counts one webhook call attempt.
func observeResult(r delivery.Result) {
	id := r.Delivery.WebhookID
	metrics.deliveries.WithLabelValues(id, r.Outcome.String()).Inc()
	if !r.ResponseAt.IsZero() {
		metrics.deliveryDuration.WithLabelValues(id).Observe(r.ResponseAt.Sub(r.RequestAt).Seconds())
	}
}
