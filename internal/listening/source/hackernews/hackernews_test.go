package hackernews_test

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/portavoce/portavoce/internal/listening/source"
	"github.com/portavoce/portavoce/internal/listening/source/hackernews"
	"github.com/portavoce/portavoce/internal/listening/source/hackernews/hntest"
	"github.com/portavoce/portavoce/internal/listening/source/poll"
	"github.com/portavoce/portavoce/internal/listening/source/poll/polltest"
	"github.com/portavoce/portavoce/internal/netguard"
)

var base = time.Now().Add(-time.Hour).Truncate(time.Second).UTC()

func at(sec int) time.Time { return base.Add(time.Duration(sec) * time.Second) }

type env struct {
	srv *hntest.Server
	o   hackernews.Options
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := hntest.New()
	t.Cleanup(srv.Close)
	return &env{srv: srv, o: hackernews.Options{
		BaseURL: srv.URL(),
		Poll:    poll.Options{Interval: 3 * time.Millisecond, Backoff: 2 * time.Millisecond, MaxBackoff: 10 * time.Millisecond},
	}}
}

func (e *env) start(t *testing.T, cursor string) *polltest.Run {
	t.Helper()
	src, err := hackernews.New("portavoce", e.srv.Client(), e.o)
	if err != nil {
		t.Fatal(err)
	}
	return polltest.Start(t, src, cursor)
}

func story(sec int, title string) hntest.Item {
	return hntest.Item{Title: title, URL: "https://blog.example/" + fmt.Sprint(sec), Author: "pg", Points: sec, Created: at(sec)}
}

// TestFirstAndNextPolls hands over the newest matching stories and
// comments, then only the new ones, asking from the newest hit on.
func TestFirstAndNextPolls(t *testing.T) {
	e := newEnv(t)
	ids := e.srv.Add(
		hntest.Item{Title: "Show HN: Portavoce, self-hosted social media", URL: "https://portavoce.example/",
			Text:   "<p>Hi HN &#x27;all&#x27;</p><p>See <a href=\"https://github.com/portavoce/portavoce\" rel=\"nofollow\">the code</a></p>",
			Author: "mario", Points: 42, Created: at(0)},
		hntest.Item{Kind: "comment", Text: "Portavoce looks nice<p>but why Go?", Author: "anna", StoryID: 1,
			StoryTitle: "Show HN: Portavoce, self-hosted social media", Created: at(5)},
		story(6, "Something else entirely"),
	)
	r := e.start(t, "")
	posts := r.UntilPosts(t, 2)
	want := []source.Post{{
		ID: ids[0], Source: "hn", URL: "https://news.ycombinator.com/item?id=" + ids[0],
		Title: "Show HN: Portavoce, self-hosted social media", Text: "Hi HN 'all'\n\nSee the code",
		Author: "mario", Reach: 42, Links: []string{"https://portavoce.example/", "https://github.com/portavoce/portavoce"},
		CreatedAt: at(0),
	}, {
		ID: ids[1], Source: "hn", URL: "https://news.ycombinator.com/item?id=" + ids[1],
		Title: "Show HN: Portavoce, self-hosted social media", Text: "Portavoce looks nice\n\nbut why Go?",
		Author: "anna", CreatedAt: at(5),
	}}
	if !reflect.DeepEqual(posts, want) {
		t.Errorf("posts\n got %+v\nwant %+v", posts, want)
	}

	newer := e.srv.Add(story(20, "Portavoce 1.0"))
	posts = r.UntilPosts(t, 3)
	if posts[2].ID != newer[0] {
		t.Errorf("posts %q", r.IDs())
	}
	reqs := e.srv.Requests()
	if q := reqs[0]; q.Get("tags") != "(story,comment)" || q.Get("query") != "portavoce" || q.Has("numericFilters") {
		t.Errorf("first request %v", q)
	}
	wantFilter := fmt.Sprintf("created_at_i>=%d", at(5).Unix()-600)
	if q := reqs[1]; q.Get("numericFilters") != wantFilter {
		t.Errorf("second request %v, want numericFilters %s", q, wantFilter)
	}
	if ua := e.srv.UserAgents()[0]; ua != netguard.DefaultUserAgent() {
		t.Errorf("User-Agent %q", ua)
	}
	n := len(e.srv.Requests())
	r.Until(t, "more polls", func() bool { return len(e.srv.Requests()) > n+5 })
	polltest.Unique(t, r.Posts())
	if len(r.Posts()) != 3 {
		t.Errorf("posts %q", r.IDs())
	}
}

// TestLateIndexedHit finds a hit the index shows after newer ones were
// read, within the overlap.
func TestLateIndexedHit(t *testing.T) {
	e := newEnv(t)
	e.srv.Add(story(0, "Portavoce a"))
	r := e.start(t, "")
	r.UntilPosts(t, 1)
	late := e.srv.Add(hntest.Item{Title: "Portavoce late", Created: at(30), Unindexed: true})
	e.srv.Add(story(40, "Portavoce b"))
	r.UntilPosts(t, 2)
	e.srv.Index(late...)
	posts := r.UntilPosts(t, 3)
	polltest.HasAll(t, posts, late...)
	polltest.Unique(t, posts)
}

// TestRestartFromCursor resumes from a stored cursor: the hits added
// meanwhile, none of those handed over (though the overlap asks for them
// again).
func TestRestartFromCursor(t *testing.T) {
	e := newEnv(t)
	e.srv.Add(story(0, "Portavoce a"), story(1, "Portavoce b"), story(1, "Portavoce c"))
	r := e.start(t, "")
	r.UntilPosts(t, 3)
	r.Stop(t)
	stored := r.Cursor()
	if !strings.Contains(stored, fmt.Sprintf(`"t":%d`, at(1).Unix())) {
		t.Errorf("cursor %s", stored)
	}

	added := e.srv.Add(story(1, "Portavoce same second"), story(9, "Portavoce d"))
	r = e.start(t, stored)
	r.UntilPosts(t, 2)
	n := len(e.srv.Requests())
	r.Until(t, "more polls", func() bool { return len(e.srv.Requests()) > n+3 })
	if got := r.IDs(); !reflect.DeepEqual(got, added) {
		t.Errorf("after restart %q, want %q", got, added)
	}
}

// TestFullPageCatchUp reads, a page per poll, the hits below a full page,
// and a restart in the middle loses none.
func TestFullPageCatchUp(t *testing.T) {
	e := newEnv(t)
	e.o.HitsPerPage = 5
	e.o.Poll.Interval = 20 * time.Millisecond
	e.srv.Add(story(0, "Portavoce first"))
	r := e.start(t, "")
	r.UntilPosts(t, 1)
	r.Stop(t)
	stored := r.Cursor()

	var want []string
	for i := range 23 {
		want = append(want, e.srv.Add(story(10+i/2, fmt.Sprintf("Portavoce %d", i)))...)
	}
	r = e.start(t, stored)
	r.Until(t, "a catch-up cursor", func() bool { return strings.Contains(r.Cursor(), `"until"`) })
	r.Stop(t)
	first := r.Posts()
	r = e.start(t, r.Cursor())
	r.Until(t, "the end of the catch-up", func() bool {
		return len(first)+len(r.Posts()) >= len(want) && !strings.Contains(r.Cursor(), `"until"`)
	})
	all := append(first, r.Posts()...)
	polltest.HasAll(t, all, want...)
	polltest.Unique(t, all)
	var bounded bool
	for _, q := range e.srv.Requests() {
		bounded = bounded || strings.Contains(q.Get("numericFilters"), "created_at_i<=")
	}
	if !bounded {
		t.Error("no request read below a full page")
	}
}

// TestPolite asks once per interval, and after a failure no sooner.
func TestPolite(t *testing.T) {
	e := newEnv(t)
	e.o.Poll = poll.Options{Interval: 60 * time.Millisecond}
	e.srv.Fail(2, http.StatusInternalServerError, nil)
	r := e.start(t, "")
	time.Sleep(330 * time.Millisecond)
	r.Stop(t)
	// Timers never fire early: at most one request per 60ms, failures
	// included.
	if n := len(e.srv.Requests()); n < 1 || n > 7 {
		t.Errorf("%d requests in 330ms at one per 60ms", n)
	}
}

// TestRateLimitAndErrors reports a 429 with its Retry-After and a 500, then
// carries on.
func TestRateLimitAndErrors(t *testing.T) {
	e := newEnv(t)
	e.srv.Add(story(0, "Portavoce"))
	e.srv.Fail(1, http.StatusTooManyRequests, http.Header{"Retry-After": {"1"}})
	began := time.Now()
	r := e.start(t, "")
	st := r.UntilFailure(t, nil)
	if he, ok := errors.AsType[*poll.HTTPError](st.Err); !ok || he.Status != 429 || st.RetryAt.Before(began.Add(900*time.Millisecond)) {
		t.Errorf("status %+v", st)
	}
	r.UntilPosts(t, 1)
	if time.Since(began) < 900*time.Millisecond {
		t.Error("asked again before Retry-After")
	}
	e.srv.Fail(2, http.StatusBadGateway, nil)
	e.srv.Add(story(3, "Portavoce again"))
	r.UntilFailure(t, func(err error) bool { return strings.Contains(err.Error(), "HTTP 502") })
	r.UntilPosts(t, 2)
	r.UntilConnectedAfterFailure(t)
}

// TestMalformed reports an answer that is not a search answer and carries
// on.
func TestMalformed(t *testing.T) {
	for _, body := range []string{`{"hits":[{"objectID":`, `{"message":"Index not available","status":200}`, `<html>oops</html>`} {
		e := newEnv(t)
		e.srv.Add(story(0, "Portavoce"))
		e.srv.SetBody(body)
		r := e.start(t, "")
		st := r.UntilFailure(t, nil)
		if !strings.Contains(st.Err.Error(), "malformed search answer") {
			t.Errorf("%s: %v", body, st.Err)
		}
		e.srv.SetBody("")
		r.UntilPosts(t, 1)
	}
}

func TestEmitFailureEndsRun(t *testing.T) {
	e := newEnv(t)
	r := e.start(t, "")
	r.FailEmit(polltest.ErrEmit)
	e.srv.Add(story(0, "Portavoce"))
	if err := r.Wait(t); !errors.Is(err, polltest.ErrEmit) {
		t.Errorf("Run returned %v", err)
	}
}

func TestNew(t *testing.T) {
	if _, err := hackernews.New("x", nil, hackernews.Options{}); err == nil {
		t.Error("no client accepted")
	}
	if _, err := hackernews.New(" ", &http.Client{}, hackernews.Options{}); err == nil {
		t.Error("empty query accepted")
	}
	src, err := hackernews.New("portavoce", &http.Client{}, hackernews.Options{})
	if err != nil || src.Name() != "hn portavoce" {
		t.Errorf("New: %v %v", src, err)
	}
}
