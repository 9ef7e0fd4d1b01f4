// Package poll is what the polled listening sources share (feeds, Hacker
// News, Reddit, Mastodon hashtags): the loop that polls once at once and
// then once per interval, backs off after a failure (doubling up to a cap,
// or as long as a rate limit or Retry-After asks when that is longer),
// reports the source's status as it changes and ends with ctx or with
// emit's error; the HTTP answers sorted into errors that say when to try
// again; a bounded set of the IDs a Run has already handed over; and HTML
// turned into plain text and links.
package poll

import (
	"context"
	"errors"
	"time"

	"github.com/portavoce/portavoce/internal/listening/source"
)

// Defaults of Options.
const (
	DefaultInterval   = 5 * time.Minute
	DefaultBackoff    = 30 * time.Second
	DefaultMaxBackoff = time.Hour
	DefaultPause      = 2 * time.Second
	// MaxWait bounds any wait a server asks for (Retry-After, a rate
	// limit's reset): a server that asks for a week is asked again
	// after a day.
	MaxWait = 24 * time.Hour
)

// Options configure Run. The zero value polls every DefaultInterval.
type Options struct {
	// Interval is the time between the start of a poll that succeeded
	// and the next. Default DefaultInterval.
	Interval time.Duration
	// Backoff is the wait after a first failure; it doubles with each
	// failure in a row up to MaxBackoff. Default DefaultBackoff, or the
	// interval when that is shorter.
	Backoff time.Duration
	// MaxBackoff caps the back-off. Default DefaultMaxBackoff, or the
	// interval when that is longer.
	MaxBackoff time.Duration
	// Pause is the wait before the next poll when a poll says More (a
	// full page, more waiting). Default DefaultPause, or the interval
	// when that is shorter.
	Pause time.Duration
	// Now is the clock the waits are measured on. Default time.Now.
	Now func() time.Time
	// Wake, when set, ends the wait after a poll that succeeded at
	// once: a receive on it starts the next poll early (a stream said
	// something new is there). It is not heeded while backing off from
	// a failure, nor before a Result's NotBefore.
	Wake <-chan struct{}
}

// WithDefaults fills the options left zero.
func (o Options) WithDefaults() Options {
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Backoff <= 0 {
		o.Backoff = min(DefaultBackoff, o.Interval)
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = max(DefaultMaxBackoff, o.Interval)
	}
	o.MaxBackoff = max(o.MaxBackoff, o.Backoff)
	if o.Pause <= 0 {
		o.Pause = min(DefaultPause, o.Interval)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// backoff is the wait after n failures in a row (n ≥ 1).
func (o Options) backoff(n int) time.Duration {
	d := o.Backoff
	for i := 1; i < n && d < o.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, o.MaxBackoff)
}

// Result is what a poll that succeeded says about the next one.
type Result struct {
	// More asks for the next poll after Options.Pause rather than the
	// interval: a page was full and more is waiting.
	More bool
	// NotBefore, when later than the next poll would be, delays it: a
	// rate limit whose allowance is spent until then.
	NotBefore time.Time
}

// Func is one poll: it fetches, hands what it found to emit, and returns.
// An error is a failure to back off from, unless it comes from Stop.
type Func func(ctx context.Context) (Result, error)

// stopError ends Run with err.
type stopError struct{ err error }

func (e *stopError) Error() string { return e.err.Error() }
func (e *stopError) Unwrap() error { return e.err }

// Stop wraps the error that ends Run at once rather than being retried:
// emit's.
func Stop(err error) error {
	if err == nil {
		return nil
	}
	return &stopError{err: err}
}

// Run polls until ctx ends, returning its error, or until poll fails with
// an error from Stop, returning the error Stop wrapped. The first poll is
// made at once; each next one after the interval, after Options.Pause when
// the poll said More, no earlier than its NotBefore, and after a failure
// when the back-off or the time the failure asks to wait for (RetryAt) has
// passed, whichever is later; a receive on Options.Wake starts the next
// poll early after one that succeeded. status (which may be nil) is told of the
// first success, of every failure with the time of the next try, and of
// the success that follows a failure.
func Run(ctx context.Context, o Options, poll Func, status func(source.Status)) error {
	o = o.WithDefaults()
	if status == nil {
		status = func(source.Status) {}
	}
	failures := 0
	connected := false
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for {
		started := o.Now()
		res, err := poll(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if stop, ok := errors.AsType[*stopError](err); ok {
			return stop.err
		}
		now := o.Now()
		var wait time.Duration
		wake := o.Wake
		if err != nil {
			wake = nil
			failures++
			connected = false
			wait = o.backoff(failures)
			if at := RetryAt(err); at.After(now.Add(wait)) {
				wait = min(at.Sub(now), MaxWait)
			}
			status(source.Status{Err: err, RetryAt: now.Add(wait)})
		} else {
			failures = 0
			if !connected {
				connected = true
				status(source.Status{Connected: true})
			}
			next := started.Add(o.Interval)
			if res.More {
				next = now.Add(o.Pause)
			}
			wait = max(next.Sub(now), 0)
			if res.NotBefore.After(now) {
				wake = nil
			}
			if res.NotBefore.After(now.Add(wait)) {
				wait = min(res.NotBefore.Sub(now), MaxWait)
			}
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		case <-wake:
			timer.Stop()
		}
	}
}
