// Package fakeclock is a clock that tests move by hand, so that expiry,
// throttling windows and periods are tested without sleeping.
package fakeclock

import (
	"sync"
	"time"
)

// Clock is safe for concurrent use. Its Now method fits the services'
// now func() time.Time parameters.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a clock stopped at t.
func New(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
