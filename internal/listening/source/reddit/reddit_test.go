package reddit_test

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/portavoce/portavoce/internal/listening/source"
	"github.com/portavoce/portavoce/internal/listening/source/poll"
	"github.com/portavoce/portavoce/internal/listening/source/poll/polltest"
	"github.com/portavoce/portavoce/internal/listening/source/reddit"
	"github.com/portavoce/portavoce/internal/listening/source/reddit/reddittest"
)

var base = time.Now().Add(-30 * time.Minute).Truncate(time.Second).UTC()

func at(sec int) time.Time { return base.Add(time.Duration(sec) * time.Second) }

type env struct {
	srv *reddittest.Server
	o   reddit.Options
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := reddittest.New()
	t.Cleanup(srv.Close)
	return &env{srv: srv, o: reddit.Options{
		BaseURL:  srv.URL(),
		Username: "portavoce_bot",
		Poll: poll.Options{Interval: 3 * time.Millisecond, Pause: time.Millisecond,
			Backoff: 2 * time.Millisecond, MaxBackoff: 10 * time.Millisecond},
	}}
}

func (e *env) start(t *testing.T, cursor string) *polltest.Run {
	t.Helper()
	src, err := reddit.New("portavoce", e.srv.Client(), e.o)
	if err != nil {
		t.Fatal(err)
	}
	return polltest.Start(t, src, cursor)
}

func self(sec int, title string) reddittest.Post {
	return reddittest.Post{Title: title, Selftext: "About portavoce", Author: "anna", Score: sec, Created: at(sec)}
}

// TestFirstAndNextPolls hands over the newest matching posts, then only the
// new ones, with the parameters, texts and User-Agent Reddit's rules ask
// for.
func TestFirstAndNextPolls(t *testing.T) {
	e := newEnv(t)
	names := e.srv.Add(
		reddittest.Post{Subreddit: "italy", Title: "Portavoce: fish & chips <3", Author: "mario", Score: 12, Created: at(0),
			Selftext: "Provato **Portavoce** oggi, vedi https://portavoce.example/docs. E [il codice](https://github.com/portavoce/portavoce)."},
		reddittest.Post{Subreddit: "golang", Title: "Portavoce in Go", URL: "https://blog.example/portavoce?a=1&b=2", Author: "anna", Score: 3, Created: at(5)},
		reddittest.Post{Title: "Nothing to see", Created: at(6)},
	)
	r := e.start(t, "")
	posts := r.UntilPosts(t, 2)
	want := []source.Post{{
		ID: names[0], Source: "reddit", URL: "https://www.reddit.com/r/italy/comments/" + strings.TrimPrefix(names[0], "t3_") + "/portavoce_fish_chips_3/",
		Title: "Portavoce: fish & chips <3", Author: "mario", Reach: 12, CreatedAt: at(0),
		Text:  "Provato **Portavoce** oggi, vedi https://portavoce.example/docs. E [il codice](https://github.com/portavoce/portavoce).",
		Links: []string{"https://portavoce.example/docs", "https://github.com/portavoce/portavoce"},
	}, {
		ID: names[1], Source: "reddit", URL: "https://www.reddit.com/r/golang/comments/" + strings.TrimPrefix(names[1], "t3_") + "/portavoce_in_go/",
		Title: "Portavoce in Go", Author: "anna", Reach: 3, CreatedAt: at(5),
		Links: []string{"https://blog.example/portavoce?a=1&b=2"},
	}}
	if !reflect.DeepEqual(posts, want) {
		t.Errorf("posts\n got %+v\nwant %+v", posts, want)
	}
	q := e.srv.Requests()[0]
	if q.Get("q") != "portavoce" || q.Get("sort") != "new" || q.Get("limit") != "100" || q.Get("raw_json") != "1" || q.Has("after") {
		t.Errorf("request %v", q)
	}
	if ua := e.srv.UserAgents()[0]; !strings.HasPrefix(ua, "server:portavoce:") || !strings.HasSuffix(ua, " (by /u/portavoce_bot)") {
		t.Errorf("User-Agent %q", ua)
	}

	newer := e.srv.Add(self(20, "Portavoce 1.0"))
	r.UntilPosts(t, 3)
	n := len(e.srv.Requests())
	r.Until(t, "more polls", func() bool { return len(e.srv.Requests()) > n+5 })
	if got := r.IDs(); !reflect.DeepEqual(got, append(names[:2], newer...)) {
		t.Errorf("posts %q", got)
	}
	polltest.Unique(t, r.Posts())
}

// TestLateAndRestart finds a post search shows late (older than the newest
// read, within the overlap), and resumes from a stored cursor with neither
// loss nor repeat.
func TestLateAndRestart(t *testing.T) {
	e := newEnv(t)
	first := e.srv.Add(self(0, "Portavoce a"), self(10, "Portavoce b"))
	r := e.start(t, "")
	r.UntilPosts(t, 2)
	late := e.srv.Add(self(5, "Portavoce late"))
	r.UntilPosts(t, 3)
	r.Stop(t)
	stored := r.Cursor()
	if !strings.Contains(stored, fmt.Sprintf(`"t":%d`, at(10).Unix())) || !strings.Contains(stored, late[0]) {
		t.Errorf("cursor %s", stored)
	}

	added := e.srv.Add(self(10, "Portavoce same second"), self(30, "Portavoce c"))
	r = e.start(t, stored)
	r.UntilPosts(t, 2)
	n := len(e.srv.Requests())
	r.Until(t, "more polls", func() bool { return len(e.srv.Requests()) > n+3 })
	if got := r.IDs(); !reflect.DeepEqual(got, added) {
		t.Errorf("after restart %q, want %q (first run: %q, %q)", got, added, first, late)
	}
}

// TestFullPageCatchUp reads, with after=, the posts below a full page of
// new ones, and a restart in the middle loses none.
func TestFullPageCatchUp(t *testing.T) {
	e := newEnv(t)
	e.o.Limit = 5
	e.o.Poll.Pause = 20 * time.Millisecond
	e.srv.Add(self(0, "Portavoce first"))
	r := e.start(t, "")
	r.UntilPosts(t, 1)
	r.Stop(t)

	var want []string
	for i := range 17 {
		want = append(want, e.srv.Add(self(10+i, fmt.Sprintf("Portavoce %d", i)))...)
	}
	r = e.start(t, r.Cursor())
	r.Until(t, "a catch-up cursor", func() bool { return strings.Contains(r.Cursor(), `"after"`) })
	r.Stop(t)
	done := r.Posts()
	r = e.start(t, r.Cursor())
	r.Until(t, "the end of the catch-up", func() bool {
		return len(done)+len(r.Posts()) >= len(want) && !strings.Contains(r.Cursor(), `"after"`)
	})
	all := append(done, r.Posts()...)
	polltest.HasAll(t, all, want...)
	polltest.Unique(t, all)
	var after bool
	for _, q := range e.srv.Requests() {
		after = after || q.Has("after")
	}
	if !after {
		t.Error("no request read below a full page")
	}
}

// TestRateLimitHeaders waits for the window's reset when nothing remains,
// rather than being refused.
func TestRateLimitHeaders(t *testing.T) {
	e := newEnv(t)
	e.srv.Add(self(0, "Portavoce"))
	e.srv.SetRateLimit(2, time.Second)
	began := time.Now()
	r := e.start(t, "")
	r.Until(t, "a third request", func() bool { return len(e.srv.Requests()) >= 3 })
	if d := time.Since(began); d < 800*time.Millisecond {
		t.Errorf("third request after %v, before the window's reset", d)
	}
	if n := e.srv.Limited(); n != 0 {
		t.Errorf("%d requests refused", n)
	}
}

// Test429 retries a 429 after the X-Ratelimit-Reset it carries, and
// reports a refused generic User-Agent.
func Test429(t *testing.T) {
	e := newEnv(t)
	e.srv.Add(self(0, "Portavoce"))
	e.srv.Fail(1, http.StatusTooManyRequests, http.Header{"X-Ratelimit-Remaining": {"0.0"}, "X-Ratelimit-Reset": {"1"}})
	began := time.Now()
	r := e.start(t, "")
	st := r.UntilFailure(t, nil)
	if he, ok := errors.AsType[*poll.HTTPError](st.Err); !ok || he.Status != 429 || st.RetryAt.Before(began.Add(900*time.Millisecond)) {
		t.Errorf("status %+v", st)
	}
	r.UntilPosts(t, 1)
	if time.Since(began) < 900*time.Millisecond {
		t.Error("asked again before the reset")
	}
	r.Stop(t)

	e = newEnv(t)
	e.o.UserAgent = "Go-http-client/1.1"
	r = e.start(t, "")
	st = r.UntilFailure(t, nil)
	if !strings.Contains(st.Err.Error(), "429") || st.RetryAt.Before(time.Now().Add(time.Minute)) {
		t.Errorf("generic User-Agent: %+v", st)
	}
}

// TestErrorsAndMalformed backs off from 5xx answers and reports answers
// that are no Listing, carrying on once they are fixed.
func TestErrorsAndMalformed(t *testing.T) {
	e := newEnv(t)
	e.srv.Add(self(0, "Portavoce"))
	e.srv.Fail(3, http.StatusServiceUnavailable, nil)
	r := e.start(t, "")
	r.UntilFailure(t, func(err error) bool { return strings.Contains(err.Error(), "HTTP 503") })
	r.UntilPosts(t, 1)
	r.UntilConnectedAfterFailure(t)

	for _, body := range []string{`{"kind":"Listing","data":{"children":[`, `{"kind":"t3","data":{}}`, `<html>blocked</html>`} {
		e := newEnv(t)
		e.srv.Add(self(0, "Portavoce"))
		e.srv.SetBody(body)
		r := e.start(t, "")
		st := r.UntilFailure(t, nil)
		if !strings.Contains(st.Err.Error(), "malformed search listing") {
			t.Errorf("%s: %v", body, st.Err)
		}
		e.srv.SetBody("")
		r.UntilPosts(t, 1)
	}
}

// TestToken sends the OAuth token as a bearer.
func TestToken(t *testing.T) {
	e := newEnv(t)
	e.srv.RequireToken("s3cret")
	e.srv.Add(self(0, "Portavoce"))
	r := e.start(t, "")
	r.UntilFailure(t, func(err error) bool { return strings.Contains(err.Error(), "401") })
	r.Stop(t)
	e.o.Token = "s3cret"
	r = e.start(t, "")
	r.UntilPosts(t, 1)
}

func TestEmitFailureEndsRun(t *testing.T) {
	e := newEnv(t)
	r := e.start(t, "")
	r.FailEmit(polltest.ErrEmit)
	e.srv.Add(self(0, "Portavoce"))
	if err := r.Wait(t); !errors.Is(err, polltest.ErrEmit) {
		t.Errorf("Run returned %v", err)
	}
}

func TestNew(t *testing.T) {
	if _, err := reddit.New("x", nil, reddit.Options{}); err == nil {
		t.Error("no client accepted")
	}
	if _, err := reddit.New("", &http.Client{}, reddit.Options{}); err == nil {
		t.Error("empty query accepted")
	}
	src, err := reddit.New("portavoce", &http.Client{}, reddit.Options{})
	if err != nil || src.Name() != "reddit portavoce" {
		t.Errorf("New: %v %v", src, err)
	}
	if ua := reddit.UserAgent(""); !strings.HasPrefix(ua, "server:portavoce:") || !strings.HasSuffix(ua, "(+https://github.com/portavoce/portavoce)") {
		t.Errorf("UserAgent %q", ua)
	}
	if ua := reddit.UserAgent("/u/mario"); !strings.HasSuffix(ua, " (by /u/mario)") {
		t.Errorf("UserAgent %q", ua)
	}
}
