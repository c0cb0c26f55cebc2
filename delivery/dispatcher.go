package delivery

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// DefaultWorkers is the default number of concurrent sends.
const DefaultWorkers = 8

// rescanInterval is how often a dispatcher looks for due deliveries even
// without a wake-up, in case one was missed.
const rescanInterval = 5 * time.Second

// DispatcherOptions configures NewDispatcher.
type DispatcherOptions struct {
	// Store is the queue to work on; it must stay open until Stop returns.
	Store *Store
	// Workers is the number of concurrent sends; default 8.
	Workers int
	// Endpoints are the configured webhooks by id.
	Endpoints map[string]*Endpoint
	// Client sends the calls; default NewClient(Workers, DenyPrivate). A
	// client given here should not follow redirects.
	Client *http.Client
	// DenyPrivate makes the default client refuse private addresses too.
	DenyPrivate bool
	// Logger receives one entry per attempt (never payloads or secrets).
	Logger *zap.Logger
	// OnResult, if set, is called after every attempt, from the worker
	// that made it; it should return quickly.
	OnResult func(Result)
	// Now tells the time; default time.Now.
	Now func() time.Time
}

// Dispatcher sends due deliveries of its endpoints from a Store. Several
// dispatchers may share a Store (an old and a new configuration during a
// reload): the store makes claims one at a time, with a lease, so no
// delivery is sent by two at once.
type Dispatcher struct {
	store     *Store
	endpoints map[string]*endpoint
	workers   int
	client    *http.Client
	ownClient bool // the client was made here; its idle connections close on Stop
	log       *zap.Logger
	onResult  func(Result)
	now       func() time.Time

	mu      sync.Mutex
	started bool
	stopped bool

	sub         *subscription
	quit        chan struct{}
	loopDone    chan struct{}
	rescan      chan struct{} // a worker freed up or a webhook was resumed
	busy        atomic.Int64
	sends       sync.WaitGroup
	sendCtx     context.Context
	cancelSends context.CancelFunc
}

// NewDispatcher returns a dispatcher; Start starts it.
func NewDispatcher(opts DispatcherOptions) *Dispatcher {
	d := &Dispatcher{
		store:     opts.Store,
		endpoints: make(map[string]*endpoint, len(opts.Endpoints)),
		workers:   opts.Workers,
		client:    opts.Client,
		log:       opts.Logger,
		onResult:  opts.OnResult,
		now:       opts.Now,
		quit:      make(chan struct{}),
		loopDone:  make(chan struct{}),
		rescan:    make(chan struct{}, 1),
	}
	if d.workers <= 0 {
		d.workers = DefaultWorkers
	}
	if d.client == nil {
		d.client = NewClient(d.workers, opts.DenyPrivate)
		d.ownClient = true
	}
	if d.log == nil {
		d.log = zap.NewNop()
	}
	if d.now == nil {
		d.now = time.Now
	}
	for id, e := range opts.Endpoints {
		if e != nil {
			d.endpoints[id] = newEndpoint(e)
		}
	}
	d.sendCtx, d.cancelSends = context.WithCancel(context.Background())
	return d
}

// Start starts claiming and sending. It registers the dispatcher as the
// newest on its store and pauses the webhooks the store has recorded as
// paused. Calling it again does nothing.
func (d *Dispatcher) Start() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.started || d.stopped {
		return
	}
	d.started = true
	d.sub = d.store.subs.add(d.applyPause)
	go d.loop()
}

// Stop stops claiming and waits for the calls in flight until ctx ends;
// calls still running then are cancelled and their deliveries are due again
// at once (the attempt not counted). Everything not sent stays queued. The
// error reports interrupted calls.
func (d *Dispatcher) Stop(ctx context.Context) error {
	d.mu.Lock()
	if !d.started || d.stopped {
		d.stopped = true
		d.mu.Unlock()
		return nil
	}
	d.stopped = true
	d.mu.Unlock()

	close(d.quit)
	<-d.loopDone
	d.store.subs.remove(d.sub)

	done := make(chan struct{})
	go func() {
		d.sends.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		n := d.busy.Load()
		d.cancelSends()
		<-done
		err = fmt.Errorf("%d webhook calls were interrupted and are due again: %w", n, ctx.Err())
	}
	d.cancelSends()
	if d.ownClient {
		d.client.CloseIdleConnections()
	}
	return err
}

// SetPaused pauses or resumes the webhook id: a paused webhook's deliveries
// stay queued. It reports whether the dispatcher has that webhook; if so,
// the change is recorded in the store (Store.SetPaused), which applies it to
// every dispatcher on the store and to those started later. Should
// recording fail, the error is logged and the change applies to this
// dispatcher only.
func (d *Dispatcher) SetPaused(id string, paused bool) bool {
	if _, ok := d.endpoints[id]; !ok {
		return false
	}
	if err := d.store.SetPaused(id, paused); err != nil {
		d.log.Error("recording a webhook pause failed; it applies until the configuration is reloaded",
			zap.String("webhook", id), zap.Bool("paused", paused), zap.Error(err))
		d.applyPause(id, paused)
	}
	return true
}

// applyPause pauses or resumes the webhook id, if the dispatcher has it.
func (d *Dispatcher) applyPause(id string, paused bool) {
	ep, ok := d.endpoints[id]
	if ok && ep.paused.Swap(paused) && !paused {
		select {
		case d.rescan <- struct{}{}:
		default:
		}
	}
}

// Paused reports whether the webhook id is paused.
func (d *Dispatcher) Paused(id string) bool {
	ep, ok := d.endpoints[id]
	return ok && ep.paused.Load()
}

// loop claims due deliveries while workers are free and otherwise sleeps
// until a commit adds work, a worker frees up, the earliest delivery comes
// due or the periodic rescan. While every webhook of the dispatcher is
// paused, commits do not start a scan (it would walk the paused backlog on
// every write); the periodic rescan still ends deliveries of removed
// webhooks.
func (d *Dispatcher) loop() {
	defer close(d.loopDone)
	timer := time.NewTimer(rescanInterval)
	defer timer.Stop()
	scan := true
	for {
		if scan {
			wait := rescanInterval
			if free := d.workers - int(d.busy.Load()); free > 0 {
				now := d.now()
				res, err := d.store.claim(claimRequest{now: now, max: free, lease: d.leaseFor, sub: d.sub})
				if err != nil {
					d.log.Error("claiming due deliveries failed; retrying at the next rescan", zap.Error(err))
				}
				for _, c := range res.claimed {
					d.busy.Add(1)
					d.sends.Add(1)
					go d.deliver(c)
				}
				if res.removed > 0 {
					d.log.Warn("deliveries of webhooks removed from the configuration kept as failed", zap.Int("count", res.removed))
				}
				if res.more && int(d.busy.Load()) < d.workers {
					continue
				}
				if !res.next.IsZero() {
					wait = min(wait, max(res.next.Sub(now), 0))
				}
			}
			timer.Reset(wait)
		}
		select {
		case <-d.quit:
			return
		case <-d.sub.wake:
			scan = d.anyClaimable()
		case <-d.rescan:
			scan = true
		case <-timer.C:
			scan = true
		}
	}
}

// anyClaimable reports whether some webhook of the dispatcher is not paused.
func (d *Dispatcher) anyClaimable() bool {
	for _, ep := range d.endpoints {
		if !ep.paused.Load() {
			return true
		}
	}
	return false
}

// leaseFor tells the store how to claim deliveries of webhookID.
func (d *Dispatcher) leaseFor(webhookID string) (lease time.Duration, claimable, known bool) {
	ep, ok := d.endpoints[webhookID]
	if !ok {
		return 0, false, false
	}
	return ep.lease(), !ep.paused.Load(), true
}

// deliver makes one attempt of a claimed delivery and records its outcome.
// The worker counts as free once the call is over, so the next claim can be
// committed together with this outcome.
func (d *Dispatcher) deliver(c claimed) {
	defer d.sends.Done()
	dl := c.d
	ep := d.endpoints[dl.WebhookID]
	start := time.Now()
	a := d.call(ep, dl)
	took := time.Since(start)
	d.busy.Add(-1)
	select {
	case d.rescan <- struct{}{}:
	default:
	}

	st, outcome := d.settlementFor(ep, dl, a)
	var callID string
	if outcome != Interrupted {
		id := newCallID()
		cw, err := newCallWrite(id, dl, &a, outcome)
		if err != nil {
			d.log.Error("the call could not be added to the call log", zap.String("webhook", dl.WebhookID), zap.Error(err))
		} else {
			st.call, callID = cw, id
		}
	}
	lost, err := d.store.settle(c, st)
	d.logAttempt(dl, a, st, outcome, took, lost, err)
	if d.onResult != nil {
		d.onResult(Result{
			Delivery:   dl,
			Outcome:    outcome,
			Err:        a.err,
			RequestAt:  a.requestAt,
			ResponseAt: a.responseAt,
			Request:    a.request,
			Response:   a.response,
			CallID:     callID,
		})
	}
}

// settlementFor applies the retry policy to an attempt: success is a status
// below 300; 429, 5xx, connection errors and timeouts are retried while
// attempts are left, after the endpoint's backoff or what Retry-After asks
// for; anything else (410 Gone included) fails the delivery.
func (d *Dispatcher) settlementFor(ep *endpoint, dl *Delivery, a attempt) (settlement, Outcome) {
	switch {
	case a.interrupted:
		return settlement{kind: settleRelease, at: d.now()}, Interrupted
	case a.err == nil:
		return settlement{kind: settleDone}, Delivered
	case a.retryable && dl.Attempt < ep.Attempts:
		delay := ep.retryDelay(dl.Attempt, a.retryAfter, a.hasRetryAfter, rand.Float64())
		return settlement{kind: settleRetry, at: d.now().Add(delay), lastError: a.err.Error()}, Retrying
	}
	return settlement{kind: settleFail, lastError: a.err.Error()}, Failed
}

// logAttempt logs one attempt: success at Debug, a retry at Warn, a final
// failure at Error. Payloads and header values are never logged.
func (d *Dispatcher) logAttempt(dl *Delivery, a attempt, st settlement, outcome Outcome, took time.Duration, lost bool, err error) {
	fields := []zap.Field{
		zap.String("webhook", dl.WebhookID),
		zap.String("delivery", dl.ID),
		zap.Int("attempt", dl.Attempt),
		zap.Int("status", a.response.StatusCode),
		zap.Duration("duration", took),
	}
	switch {
	case err != nil:
		d.log.Error("recording the outcome of a webhook call failed; the delivery is due again when its lease ends",
			append(fields, zap.Stringer("outcome", outcome), zap.Error(err))...)
	case lost:
		d.log.Warn("the lease on a delivery ended before its call finished; another worker owns it now",
			append(fields, zap.Stringer("outcome", outcome))...)
	}
	switch outcome {
	case Delivered:
		if ce := d.log.Check(zapcore.DebugLevel, "webhook delivered"); ce != nil {
			ce.Write(fields...)
		}
	case Retrying:
		d.log.Warn("webhook call failed; will retry", append(fields, zap.Time("next_attempt", st.at), zap.Error(a.err))...)
	case Failed:
		d.log.Error("webhook call failed for good; the delivery is kept as failed", append(fields, zap.Error(a.err))...)
	case Interrupted:
		d.log.Info("webhook call interrupted by shutdown; the delivery is due again", fields...)
	}
}
