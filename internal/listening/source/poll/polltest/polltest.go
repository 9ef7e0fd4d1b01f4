// Package polltest runs a listening source in a test: it records every
// batch and status the source hands over and waits for what a test
// expects, so that the sources' tests read as what they check.
package polltest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/portavoce/portavoce/internal/listening/source"
)

// Timeout bounds every wait.
const Timeout = 10 * time.Second

// Run is a source running in a test.
type Run struct {
	src    source.Source
	cancel context.CancelFunc
	done   chan error

	mu       sync.Mutex
	cursor   string
	batches  []source.Batch
	statuses []source.Status
	// failEmit is returned by emit from then on, when set.
	failEmit error
}

// Start runs src from cursor until the test ends or Stop.
func Start(t testing.TB, src source.Source, cursor string) *Run {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &Run{src: src, cancel: cancel, done: make(chan error, 1), cursor: cursor}
	go func() {
		r.done <- src.Run(ctx, cursor, r.emit, r.status)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(Timeout):
			t.Errorf("%s: Run did not return after its context ended", src.Name())
		}
	})
	return r
}

func (r *Run) emit(ctx context.Context, b source.Batch) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failEmit != nil {
		return r.failEmit
	}
	b.Posts = slices.Clone(b.Posts)
	r.batches = append(r.batches, b)
	r.cursor = b.Cursor
	return nil
}

func (r *Run) status(s source.Status) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.statuses = append(r.statuses, s)
}

// FailEmit makes every emit from now on fail with err, as a caller whose
// store failed.
func (r *Run) FailEmit(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failEmit = err
}

// Stop ends the run and returns Run's error.
func (r *Run) Stop(t testing.TB) error {
	t.Helper()
	r.cancel()
	return r.Wait(t)
}

// Wait waits for Run to return by itself and returns its error.
func (r *Run) Wait(t testing.TB) error {
	t.Helper()
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		return err
	case <-time.After(Timeout):
		t.Fatalf("%s: Run did not return", r.src.Name())
		return nil
	}
}

// Cursor is the cursor of the last batch, or the one the run started
// from.
func (r *Run) Cursor() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cursor
}

// Batches are the batches handed over so far.
func (r *Run) Batches() []source.Batch {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.batches)
}

// Posts are the posts handed over so far, in order.
func (r *Run) Posts() []source.Post {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []source.Post
	for _, b := range r.batches {
		out = append(out, b.Posts...)
	}
	return out
}

// IDs are the IDs of Posts.
func (r *Run) IDs() []string {
	var ids []string
	for _, p := range r.Posts() {
		ids = append(ids, p.ID)
	}
	return ids
}

// Statuses are the statuses reported so far.
func (r *Run) Statuses() []source.Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.statuses)
}

// Until waits until cond is true, failing the test with what after
// Timeout.
func (r *Run) Until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: timed out waiting for %s; posts %q, statuses %v", r.src.Name(), what, r.IDs(), r.Statuses())
		}
		time.Sleep(time.Millisecond)
	}
}

// UntilPosts waits until at least n posts were handed over and returns
// them all.
func (r *Run) UntilPosts(t testing.TB, n int) []source.Post {
	t.Helper()
	r.Until(t, fmt.Sprintf("%d posts", n), func() bool { return len(r.Posts()) >= n })
	return r.Posts()
}

// UntilFailure waits for a status that reports a failure matching match
// (any failure when match is nil) and returns it.
func (r *Run) UntilFailure(t testing.TB, match func(error) bool) source.Status {
	t.Helper()
	var got source.Status
	r.Until(t, "a failure", func() bool {
		for _, s := range r.Statuses() {
			if s.Err != nil && (match == nil || match(s.Err)) {
				got = s
				return true
			}
		}
		return false
	})
	return got
}

// UntilConnectedAfterFailure waits for a status that reports the source
// connected after a failure.
func (r *Run) UntilConnectedAfterFailure(t testing.TB) {
	t.Helper()
	r.Until(t, "connected after a failure", func() bool {
		failed := false
		for _, s := range r.Statuses() {
			if s.Err != nil {
				failed = true
			} else if s.Connected && failed {
				return true
			}
		}
		return false
	})
}

// Unique fails the test when an ID was handed over twice.
func Unique(t testing.TB, posts []source.Post) {
	t.Helper()
	seen := map[string]bool{}
	for _, p := range posts {
		if seen[p.ID] {
			t.Errorf("post %q handed over twice", p.ID)
		}
		seen[p.ID] = true
	}
}

// HasAll fails the test when one of ids is not among the posts' IDs.
func HasAll(t testing.TB, posts []source.Post, ids ...string) {
	t.Helper()
	got := map[string]bool{}
	for _, p := range posts {
		got[p.ID] = true
	}
	for _, id := range ids {
		if !got[id] {
			t.Errorf("post %q missing", id)
		}
	}
}

// ErrEmit is an emit failure for tests.
var ErrEmit = errors.New("polltest: the store is down")
