package followup

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/cmsevents/caddy-cms-events/events"
)

// Defaults of Options.
const (
	DefaultPoll    = time.Second
	DefaultMaxPoll = time.Minute
	DefaultGiveUp  = 24 * time.Hour
)

// ErrNoUpstream is what a Fetcher returns while it has no way to reach the
// CMS for a space, such as after a restart, before a request to that space
// has brought credentials. The runner then waits for Wake.
var ErrNoUpstream = errors.New("no request to this space has passed through since the start or the last reload; waiting for one to reach the CMS with")

// Fetcher reaches the CMS for the runner.
type Fetcher interface {
	// Fetch makes a GET of path (with query, without "?") in the action's
	// space and returns the answer's status and body. It returns
	// ErrNoUpstream while it cannot reach the CMS for that space.
	Fetch(ctx context.Context, a *Action, path, query string) (status int, body []byte, err error)
}

// Sink takes the outcome of a finished action.
type Sink interface {
	// Finish durably queues the events of a finished action (none when it
	// was canceled or given up) and forgets the action, in one commit. An
	// error makes the runner try again later.
	Finish(a *Action, done []events.Derived) error
}

// Options configures New.
type Options struct {
	// Fetcher reaches the CMS; required.
	Fetcher Fetcher
	// Sink takes finished actions; required.
	Sink Sink
	// Logger receives a line per notable step; default: none.
	Logger *zap.Logger
	// Poll is the wait before the first status poll; it doubles after each
	// poll that finds the action still running. Default DefaultPoll.
	Poll time.Duration
	// MaxPoll caps the wait between polls. Default DefaultMaxPoll.
	MaxPoll time.Duration
	// GiveUp is how long after its start (or its due time, for a
	// scheduled action) an action is followed before it is dropped with an
	// error line. Default DefaultGiveUp.
	GiveUp time.Duration
	// Now tells the time; default time.Now.
	Now func() time.Time
}

// Runner follows actions, each in its own goroutine, until they have run.
type Runner struct {
	opts Options
	log  *zap.Logger

	mu      sync.Mutex
	actions map[string]*followed
	started bool
	stopped bool
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// followed is one action and the means to steer its goroutine.
type followed struct {
	action  *Action
	wake    chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	blocked bool // the last step waited for an upstream
}

// New returns a runner; Start starts it.
func New(opts Options) *Runner {
	if opts.Poll <= 0 {
		opts.Poll = DefaultPoll
	}
	if opts.MaxPoll <= 0 {
		opts.MaxPoll = DefaultMaxPoll
	}
	if opts.MaxPoll < opts.Poll {
		opts.MaxPoll = opts.Poll
	}
	if opts.GiveUp <= 0 {
		opts.GiveUp = DefaultGiveUp
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Runner{opts: opts, log: log, actions: map[string]*followed{}, ctx: ctx, cancel: cancel}
}

// Track follows a, replacing an action with the same key. Call it once the
// action is durable; the runner owns a from then on. Before Start, the
// action waits for it.
func (r *Runner) Track(a *Action) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return
	}
	key := a.Key()
	if old := r.actions[key]; old != nil {
		old.cancel()
	}
	f := &followed{action: a, wake: make(chan struct{}, 1)}
	f.ctx, f.cancel = context.WithCancel(r.ctx)
	r.actions[key] = f
	if r.started {
		r.launch(f)
	}
}

// Adopt follows an action that another process sharing the store
// recorded, so that its events are sent even if that process stops; of the
// processes that finish it, the store lets one win (Sink.Finish). An
// action followed already is left alone unless its schedule changed.
func (r *Runner) Adopt(a *Action) {
	r.mu.Lock()
	old := r.actions[a.Key()]
	r.mu.Unlock()
	if old != nil && old.action.Due.Equal(a.Due) && old.action.Started.Equal(a.Started) {
		return
	}
	r.Track(a)
}

// Cancel stops following the action with key, if any.
func (r *Runner) Cancel(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f := r.actions[key]; f != nil {
		f.cancel()
		delete(r.actions, key)
	}
}

// Wake makes the actions of space try again now: a way to reach the CMS
// for it may have appeared.
func (r *Runner) Wake(space string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.actions {
		if f.action.Space == space {
			select {
			case f.wake <- struct{}{}:
			default:
			}
		}
	}
}

// Len returns the number of actions followed.
func (r *Runner) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.actions)
}

// Start starts following the actions tracked so far and those to come.
func (r *Runner) Start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started || r.stopped {
		return
	}
	r.started = true
	for _, f := range r.actions {
		r.launch(f)
	}
}

// Stop stops following; actions not finished stay with the caller, which
// has them on disk. It waits for the goroutines until ctx ends.
func (r *Runner) Stop(ctx context.Context) error {
	r.mu.Lock()
	r.stopped = true
	r.cancel()
	r.mu.Unlock()
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// launch starts f's goroutine; r.mu is held.
func (r *Runner) launch(f *followed) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.run(f)
	}()
}

// forget removes f once it has finished, unless it was replaced.
func (r *Runner) forget(f *followed) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if key := f.action.Key(); r.actions[key] == f {
		delete(r.actions, key)
	}
}

// run follows one action until it has finished or the runner stops.
func (r *Runner) run(f *followed) {
	delay := r.opts.Poll
	wait := delay
	if due := f.action.Due; !due.IsZero() {
		wait = max(due.Sub(r.opts.Now()), 0)
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case <-f.ctx.Done():
			return
		case <-timer.C:
		case <-f.wake:
		}
		out := r.step(f)
		switch out.next {
		case nextDone:
			r.forget(f)
			return
		case nextAt:
			wait, delay = max(out.at.Sub(r.opts.Now()), 0), r.opts.Poll
		case nextBlocked:
			wait = r.opts.MaxPoll
		default:
			wait, delay = delay, min(2*delay, r.opts.MaxPoll)
		}
		timer.Reset(wait)
	}
}
