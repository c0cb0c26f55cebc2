package delivery

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
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
	Store Backend
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
	// OnResult, if set, is called after every attempt once its outcome is
	// recorded, from a goroutine of that attempt (calls for different
	// attempts may run at once); it should return quickly.
	OnResult func(Result)
	// Now tells the time; default time.Now.
	Now func() time.Time
	// SpaceSecrets, if set, gives the signing secret of a space: a call
	// for an event of a space that has one is signed with it instead of
	// its endpoint's Secret.
	SpaceSecrets SpaceSecrets
}

// SpaceSecrets gives the signing secrets of spaces. In Contentful a space
// has one signing secret, and once it is set every webhook call of the
// space is signed with it.
type SpaceSecrets interface {
	// SpaceSecret returns the signing secret of space, or "" when it has
	// none. It is called once per attempt, from several goroutines at once,
	// and must be fast.
	SpaceSecret(space string) string
}

// Dispatcher sends due deliveries of its endpoints from a Store. Several
// dispatchers may share a Store (an old and a new configuration during a
// reload): the store makes claims one at a time, with a lease, so no
// delivery is sent by two at once. A dispatcher claims up to twice as many
// deliveries as it has workers, so that a worker ending a call finds the
// next one claimed; its workers start calls in claim (due) order.
type Dispatcher struct {
	store Backend
	// endpoints holds the webhooks by id; it is replaced, never changed,
	// under endpointsMu.
	endpoints    atomic.Pointer[map[string]*endpoint]
	endpointsMu  sync.Mutex
	spaceSecrets SpaceSecrets
	workers      int
	client       *http.Client
	ownClient    bool // the client was made here; its idle connections close on Stop
	log          *zap.Logger
	onResult     func(Result)
	now          func() time.Time

	mu      sync.Mutex
	started bool
	stopped bool

	sub      *subscription
	quit     chan struct{}
	loopDone chan struct{}
	rescan   chan struct{} // a call ended, a claim was given back or a webhook was resumed
	// ready holds the claimed deliveries no worker has taken yet, in claim
	// order.
	ready chan claimed
	// busy counts the calls in flight, held the claimed deliveries whose
	// call is not over (in ready or in flight).
	busy, held atomic.Int64
	// sends counts the workers and the attempts whose outcome is being
	// recorded.
	sends       sync.WaitGroup
	sendCtx     context.Context
	cancelSends context.CancelFunc
}

// NewDispatcher returns a dispatcher; Start starts it.
func NewDispatcher(opts DispatcherOptions) *Dispatcher {
	d := &Dispatcher{
		store:        opts.Store,
		spaceSecrets: opts.SpaceSecrets,
		workers:      opts.Workers,
		client:       opts.Client,
		log:          opts.Logger,
		onResult:     opts.OnResult,
		now:          opts.Now,
		quit:         make(chan struct{}),
		loopDone:     make(chan struct{}),
		rescan:       make(chan struct{}, 1),
	}
	if d.workers <= 0 {
		d.workers = DefaultWorkers
	}
	d.ready = make(chan claimed, d.maxHeld())
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
	endpoints := make(map[string]*endpoint, len(opts.Endpoints))
	for id, e := range opts.Endpoints {
		if e != nil {
			endpoints[id] = newEndpoint(e)
		}
	}
	d.endpoints.Store(&endpoints)
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
	d.sub = d.store.subscribers().add(d.applyPause)
	d.sends.Add(d.workers)
	for range d.workers {
		go d.work()
	}
	go d.loop()
}

// Stop stops claiming, gives back the claimed deliveries no call has started
// for, and waits for the calls in flight until ctx ends; calls still running
// then are cancelled and their deliveries are due again at once (the attempt
// not counted). Everything not sent stays queued. The error reports
// interrupted calls.
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
	d.store.subscribers().remove(d.sub)
	d.giveBackReady()

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

// endpoint returns the webhook id's endpoint.
func (d *Dispatcher) endpoint(id string) (*endpoint, bool) {
	ep, ok := (*d.endpoints.Load())[id]
	return ep, ok
}

// SetEndpoint adds the webhook e.ID, or replaces it: calls in flight end
// with the settings they started with, later ones use e's. A pause
// recorded in the store for the id applies to it. It may be called before
// or after Start, while the dispatcher runs.
func (d *Dispatcher) SetEndpoint(e *Endpoint) {
	ep := newEndpoint(e)
	d.endpointsMu.Lock()
	defer d.endpointsMu.Unlock()
	// Under the store's pause lock, so that no pause or resume recorded
	// meanwhile is lost on the new endpoint.
	d.store.subscribers().withPaused(e.ID, func(paused bool) {
		if paused {
			ep.paused.Store(true)
		}
		next := maps.Clone(*d.endpoints.Load())
		next[e.ID] = ep
		d.endpoints.Store(&next)
	})
	d.signalRescan()
}

// RemoveEndpoint removes the webhook id: its queued deliveries are then
// kept as failed, as those of a webhook removed from the configuration.
// A call in flight ends as it started.
func (d *Dispatcher) RemoveEndpoint(id string) {
	d.endpointsMu.Lock()
	defer d.endpointsMu.Unlock()
	next := maps.Clone(*d.endpoints.Load())
	delete(next, id)
	d.endpoints.Store(&next)
	d.signalRescan()
}

// SetPaused pauses or resumes the webhook id: a paused webhook's deliveries
// stay queued. It reports whether the dispatcher has that webhook; if so,
// the change is recorded in the store (Store.SetPaused), which applies it to
// every dispatcher on the store and to those started later. Should
// recording fail, the error is logged and the change applies to this
// dispatcher only.
func (d *Dispatcher) SetPaused(id string, paused bool) bool {
	if _, ok := d.endpoint(id); !ok {
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
	ep, ok := d.endpoint(id)
	if ok && ep.paused.Swap(paused) && !paused {
		d.signalRescan()
	}
}

// Paused reports whether the webhook id is paused.
func (d *Dispatcher) Paused(id string) bool {
	ep, ok := d.endpoint(id)
	return ok && ep.paused.Load()
}

// loop claims due deliveries while it holds fewer than twice as many as it
// has workers, and otherwise sleeps until a commit adds work, a call ends,
// the earliest delivery comes due or the periodic rescan. Holding more
// claims than workers lets a worker that ends a call start the next one at
// once, without waiting for a claim to be committed. It claims only once
// it has room for a batch (claimBatch): a scan walks the queue from its
// start, past the deliveries already claimed, so claiming one delivery per
// ended call cost a scan per delivery. While every webhook of
// the dispatcher is paused, commits do not start a scan (it would walk the
// paused backlog on every write); the periodic rescan still ends deliveries
// of removed webhooks.
func (d *Dispatcher) loop() {
	defer close(d.loopDone)
	timer := time.NewTimer(rescanInterval)
	defer timer.Stop()
	scan := true
	for {
		if scan {
			wait := rescanInterval
			if free := d.maxHeld() - int(d.held.Load()); free >= d.claimBatch() {
				now := d.now()
				res, err := d.store.claim(claimRequest{now: now, max: free, lease: d.leaseFor, sub: d.sub, webhooks: d.webhookIDs})
				if err != nil {
					d.log.Error("claiming due deliveries failed; retrying at the next rescan", zap.Error(err))
				}
				for _, c := range res.claimed {
					d.held.Add(1)
					d.ready <- c
				}
				if res.removed > 0 {
					d.log.Warn("deliveries of webhooks removed from the configuration kept as failed", zap.Int("count", res.removed))
				}
				if res.more && d.maxHeld()-int(d.held.Load()) >= d.claimBatch() {
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

// maxHeld is how many claimed deliveries the dispatcher holds at most.
func (d *Dispatcher) maxHeld() int { return 2 * d.workers }

// claimBatch is how many claims the dispatcher must have room for before
// it scans the queue: half its workers, so that the workers still have a
// claimed delivery waiting for each of them when the scan starts.
func (d *Dispatcher) claimBatch() int { return max(1, d.workers/2) }

// anyClaimable reports whether some webhook of the dispatcher is not paused.
func (d *Dispatcher) anyClaimable() bool {
	for _, ep := range *d.endpoints.Load() {
		if !ep.paused.Load() {
			return true
		}
	}
	return false
}

// webhookIDs lists the webhooks the dispatcher has.
func (d *Dispatcher) webhookIDs() []string {
	return slices.Collect(maps.Keys(*d.endpoints.Load()))
}

// leaseFor tells the store how to claim deliveries of webhookID.
func (d *Dispatcher) leaseFor(webhookID string) (lease time.Duration, claimable, known bool) {
	ep, ok := d.endpoint(webhookID)
	if !ok {
		return 0, false, false
	}
	return ep.lease(), !ep.paused.Load(), true
}

// work is a worker: it sends the claimed deliveries from ready, one at a
// time, until the dispatcher stops.
func (d *Dispatcher) work() {
	defer d.sends.Done()
	for {
		select {
		case <-d.quit:
			return
		case c := <-d.ready:
			d.deliver(c)
		}
	}
}

// deliver makes one attempt of the claimed c. It gives the claim back
// instead, without counting an attempt, when the dispatcher stops, the
// webhook was paused meanwhile, or the lease would end before a call that
// takes the whole timeout could be recorded. The worker is free again once
// the call is over: the outcome is recorded by a goroutine of its own, so
// the next claim can be committed together with it.
func (d *Dispatcher) deliver(c claimed) {
	dl := c.d
	ep, ok := d.endpoint(dl.WebhookID)
	if !ok || d.stopping() || ep.paused.Load() || dl.DueAt.Sub(d.now()) < ep.Timeout+leaseMargin/2 {
		d.giveBack(c)
		return
	}
	d.busy.Add(1)
	start := time.Now()
	a := d.call(ep, dl)
	took := time.Since(start)
	d.busy.Add(-1)
	d.held.Add(-1)
	d.signalRescan()
	d.sends.Add(1)
	go d.record(c, ep, a, took)
}

// stopping reports whether Stop was called.
func (d *Dispatcher) stopping() bool {
	select {
	case <-d.quit:
		return true
	default:
		return false
	}
}

// record records the outcome of an attempt of c and its call-log entry,
// logs it and reports it to OnResult.
func (d *Dispatcher) record(c claimed, ep *endpoint, a attempt, took time.Duration) {
	defer d.sends.Done()
	dl := c.d
	st, outcome := d.settlementFor(ep, dl, a)
	var callID string
	if outcome != Interrupted {
		callID = newCallID()
		st.call = newCallWrite(callID, dl, &a, outcome)
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

// giveBackReady gives back the claimed deliveries no worker has taken.
// The loop must have ended.
func (d *Dispatcher) giveBackReady() {
	for {
		select {
		case c := <-d.ready:
			d.giveBack(c)
		default:
			return
		}
	}
}

// giveBack returns a claimed delivery that was not sent to the queue, due
// at once with its attempt not counted.
func (d *Dispatcher) giveBack(c claimed) {
	d.held.Add(-1)
	if _, err := d.store.settle(c, settlement{kind: settleRelease, at: d.now()}); err != nil {
		d.log.Error("giving back a claimed delivery failed; it is due again when its lease ends",
			zap.String("webhook", c.d.WebhookID), zap.String("delivery", c.d.ID), zap.Error(err))
	}
	d.signalRescan()
}

// signalRescan asks the loop to claim again.
func (d *Dispatcher) signalRescan() {
	select {
	case d.rescan <- struct{}{}:
	default:
	}
}

// settlementFor applies the retry policy to an attempt: success is a status
// below 300; 429, 5xx, connection errors and timeouts are retried while
// attempts are left, after the endpoint's backoff or what Retry-After asks
// for; anything else (410 Gone included) fails the delivery, unless the
// endpoint retries every answer (Endpoint.RetryAll).
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
	if outcome == Delivered && !lost && err == nil && !d.log.Core().Enabled(zapcore.DebugLevel) {
		return
	}
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
