package poll_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/portavoce/portavoce/internal/fakeclock"
	"github.com/portavoce/portavoce/internal/listening/source"
	"github.com/portavoce/portavoce/internal/listening/source/poll"
)

// script is a poll whose answers a test writes in advance; it records when
// each poll started.
type script struct {
	mu      sync.Mutex
	answers []func() (poll.Result, error)
	at      []time.Time
	done    chan struct{}
}

func newScript(answers ...func() (poll.Result, error)) *script {
	return &script{answers: answers, done: make(chan struct{})}
}

func (s *script) poll(ctx context.Context) (poll.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.at = append(s.at, time.Now())
	if len(s.at) > len(s.answers) {
		select {
		case <-s.done:
		default:
			close(s.done)
		}
		return poll.Result{}, nil
	}
	return s.answers[len(s.at)-1]()
}

func ok() (poll.Result, error)   { return poll.Result{}, nil }
func fail() (poll.Result, error) { return poll.Result{}, errors.New("connection refused") }
func more() (poll.Result, error) { return poll.Result{More: true}, nil }
func answer(err error) func() (poll.Result, error) {
	return func() (poll.Result, error) { return poll.Result{}, err }
}

// run runs the script until it has answered everything, and returns the
// gaps between polls and the statuses.
func run(t *testing.T, o poll.Options, s *script) ([]time.Duration, []source.Status) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	var mu sync.Mutex
	var statuses []source.Status
	errc := make(chan error, 1)
	go func() {
		errc <- poll.Run(ctx, o, s.poll, func(st source.Status) {
			mu.Lock()
			defer mu.Unlock()
			statuses = append(statuses, st)
		})
	}()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the script did not run to its end")
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v, want the context's error", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var gaps []time.Duration
	for i := 1; i < len(s.at); i++ {
		gaps = append(gaps, s.at[i].Sub(s.at[i-1]))
	}
	mu.Lock()
	defer mu.Unlock()
	return gaps, statuses
}

// TestBackoffDoublesToCap backs off 10, 20, 40, 40 ms after failures in a
// row (the cap), polls at the interval once one succeeds, and reports each
// failure with its retry time and the success after it. The clock stands
// still, so that the retry times are exact.
func TestBackoffDoublesToCap(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	o := poll.Options{Interval: 5 * time.Millisecond, Backoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond, Now: clock.Now}
	gaps, statuses := run(t, o, newScript(ok, fail, fail, fail, fail, ok))
	for i, w := range []time.Duration{5, 10, 20, 40, 40, 5} {
		if w *= time.Millisecond; gaps[i] < w {
			t.Errorf("gap %d = %v, want at least %v", i, gaps[i], w)
		}
	}
	var got []string
	for _, st := range statuses {
		switch {
		case st.Connected && st.Err == nil:
			got = append(got, "connected")
		case st.Err != nil && !st.Connected:
			got = append(got, "retry in "+st.RetryAt.Sub(clock.Now()).String())
		default:
			got = append(got, fmt.Sprintf("%+v", st))
		}
	}
	want := []string{"connected", "retry in 10ms", "retry in 20ms", "retry in 40ms", "retry in 40ms", "connected"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("statuses %q, want %q", got, want)
	}
}

// TestRetryAfterHonoured waits as long as an answer's Retry-After asks
// when that is longer than the back-off, and says so in the status.
func TestRetryAfterHonoured(t *testing.T) {
	retry := &poll.HTTPError{Status: http.StatusTooManyRequests, RetryAt: time.Now().Add(120 * time.Millisecond)}
	o := poll.Options{Interval: time.Millisecond, Backoff: time.Millisecond}
	gaps, statuses := run(t, o, newScript(answer(fmt.Errorf("search: %w", retry))))
	if gaps[0] < 110*time.Millisecond {
		t.Errorf("retried after %v, before Retry-After", gaps[0])
	}
	if len(statuses) == 0 || statuses[0].RetryAt.Before(retry.RetryAt.Add(-5*time.Millisecond)) {
		t.Errorf("statuses %+v: want RetryAt %v", statuses, retry.RetryAt)
	}
}

// TestMoreAndNotBefore polls again after the pause when a poll says More,
// and no earlier than NotBefore.
func TestMoreAndNotBefore(t *testing.T) {
	o := poll.Options{Interval: 10 * time.Second, Pause: time.Millisecond}
	notBefore := func() (poll.Result, error) {
		return poll.Result{More: true, NotBefore: time.Now().Add(80 * time.Millisecond)}, nil
	}
	gaps, _ := run(t, o, newScript(more, notBefore))
	if gaps[0] > 5*time.Second {
		t.Errorf("More: next poll after %v, want the pause", gaps[0])
	}
	if gaps[1] < 75*time.Millisecond || gaps[1] > 5*time.Second {
		t.Errorf("NotBefore: next poll after %v, want about 80ms", gaps[1])
	}
}

// TestStopEndsRun returns emit's error at once, and the context's when it
// ends during a wait.
func TestStopEndsRun(t *testing.T) {
	errStore := errors.New("store down")
	err := poll.Run(t.Context(), poll.Options{}, func(context.Context) (poll.Result, error) {
		return poll.Result{}, fmt.Errorf("emit: %w", poll.Stop(errStore))
	}, nil)
	if err != errStore {
		t.Errorf("Run returned %v, want emit's error", err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	polls := 0
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	err = poll.Run(ctx, poll.Options{Interval: time.Hour}, func(context.Context) (poll.Result, error) {
		polls++
		return poll.Result{}, nil
	}, nil)
	if !errors.Is(err, context.Canceled) || polls != 1 {
		t.Errorf("Run returned %v after %d polls, want the context's error after 1", err, polls)
	}
}

// TestGet sorts answers: 2xx and 304 are returned, the rest are
// *HTTPError with the body's reason and Retry-After.
func TestGet(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			if r.Header.Get("User-Agent") != "Test/1" {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			fmt.Fprint(w, "fine")
		case "/same":
			w.WriteHeader(http.StatusNotModified)
		case "/busy":
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, "<html><body><h1>Down</h1> <p>for maintenance</p></body></html>")
		}
	}))
	defer srv.Close()
	h := http.Header{"User-Agent": {"Test/1"}}
	now := time.Now()
	for _, path := range []string{"/ok", "/same"} {
		resp, err := poll.Get(t.Context(), srv.Client(), srv.URL+path, h, now)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		resp.Body.Close()
	}
	_, err := poll.Get(t.Context(), srv.Client(), srv.URL+"/busy", h, now)
	he, ok := errors.AsType[*poll.HTTPError](err)
	if !ok || he.Status != 503 || he.Reason != "Down for maintenance" {
		t.Fatalf("busy: %v", err)
	}
	if got := poll.RetryAt(fmt.Errorf("wrapped: %w", err)); !got.Equal(now.Add(30 * time.Second)) {
		t.Errorf("RetryAt %v, want 30s after now", got)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		v    string
		want time.Time
	}{
		{"", time.Time{}},
		{"120", now.Add(2 * time.Minute)},
		{"Sun, 01 Mar 2026 10:05:00 GMT", now.Add(5 * time.Minute)},
		{"soon", time.Time{}},
	} {
		h := http.Header{}
		if c.v != "" {
			h.Set("Retry-After", c.v)
		}
		if got := poll.RetryAfter(h, now); !got.Equal(c.want) {
			t.Errorf("Retry-After %q: %v, want %v", c.v, got, c.want)
		}
	}
}

func TestHTML(t *testing.T) {
	for _, c := range []struct {
		in, text string
		links    []string
	}{
		{`<p>Ciao <b>mondo</b> &amp; amici</p><p>Secondo<br>rigo</p>`, "Ciao mondo & amici\n\nSecondo\nrigo", nil},
		{`<p>Hello <span class="h-card"><a href="https://m.example/@anna" class="u-url mention">@<span>anna</span></a></span> ` +
			`<a href="https://m.example/tags/pizza" class="mention hashtag" rel="tag">#<span>pizza</span></a> ` +
			`<a href="https://shop.example/a?b=1" rel="nofollow noopener" target="_blank"><span class="invisible">https://</span>shop.example/a</a></p>`,
			"Hello @anna #pizza https://shop.example/a", []string{"https://shop.example/a?b=1"}},
		{`Plain text, no tags`, "Plain text, no tags", nil},
		{`<script>alert(1)</script><ul><li>one</li><li>two <a href="/rel">x</a></li></ul>`, "one\ntwo x", nil},
		{`<a href="https://a.example/">a</a><a href="https://a.example/">again</a><a href="javascript:x()">no</a>`, "aagainno", []string{"https://a.example/"}},
	} {
		text, links := poll.HTML(c.in)
		if text != c.text || !reflect.DeepEqual(links, c.links) {
			t.Errorf("HTML(%q) = %q, %q; want %q, %q", c.in, text, links, c.text, c.links)
		}
	}
}

func TestSeen(t *testing.T) {
	s := poll.NewSeen(3)
	for _, id := range []string{"a", "b", "c", "a", "d"} {
		s.Add(id)
	}
	for id, want := range map[string]bool{"a": false, "b": true, "c": true, "d": true, "e": false} {
		if s.Has(id) != want {
			t.Errorf("Has(%q) = %v, want %v", id, !want, want)
		}
	}
}

// TestWake starts the next poll at once on a receive on Wake, after a poll
// that succeeded, however long the interval.
func TestWake(t *testing.T) {
	wake := make(chan struct{}, 1)
	polls := make(chan struct{}, 10)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- poll.Run(ctx, poll.Options{Interval: time.Hour, Wake: wake}, func(context.Context) (poll.Result, error) {
			polls <- struct{}{}
			return poll.Result{}, nil
		}, nil)
	}()
	for i := range 3 {
		select {
		case <-polls:
		case <-time.After(5 * time.Second):
			t.Fatalf("poll %d not made", i+1)
		}
		wake <- struct{}{}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v", err)
	}
}
