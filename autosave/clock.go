package autosave

import "time"

// Clock tells the time and makes timers; tests substitute a fake one.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTimer returns a timer that fires once, at or after at.
	NewTimer(at time.Time) Timer
}

// Timer is a one-shot timer made by a [Clock].
type Timer interface {
	// C delivers the time once the timer fires.
	C() <-chan time.Time
	// Stop releases the timer; it does not fire afterwards.
	Stop()
}

// realClock is the [Clock] of the running system.
type realClock struct{}

// Now returns time.Now().
func (realClock) Now() time.Time { return time.Now() }

// NewTimer returns a [time.Timer] that fires at at.
func (realClock) NewTimer(at time.Time) Timer {
	return realTimer{time.NewTimer(time.Until(at))}
}

// realTimer adapts [time.Timer] to [Timer].
type realTimer struct{ t *time.Timer }

// C returns the timer's channel.
func (r realTimer) C() <-chan time.Time { return r.t.C }

// Stop stops the timer.
func (r realTimer) Stop() { r.t.Stop() }
