package feed_test

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/portavoce/portavoce/internal/listening/source"
	"github.com/portavoce/portavoce/internal/listening/source/feed"
	"github.com/portavoce/portavoce/internal/listening/source/feed/feedtest"
	"github.com/portavoce/portavoce/internal/listening/source/poll"
	"github.com/portavoce/portavoce/internal/listening/source/poll/polltest"
	"github.com/portavoce/portavoce/internal/netguard"
)

// fast polls every few milliseconds, so that tests take no time.
var fast = feed.Options{Poll: poll.Options{Interval: 3 * time.Millisecond, Backoff: 2 * time.Millisecond, MaxBackoff: 10 * time.Millisecond}}

var day = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func newFeed(t *testing.T) *feedtest.Server {
	t.Helper()
	srv := feedtest.New()
	t.Cleanup(srv.Close)
	return srv
}

func newSource(t *testing.T, srv *feedtest.Server, feedURL string, o feed.Options) *feed.Source {
	t.Helper()
	src, err := feed.New(feedURL, srv.Client(), o)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func item(n int) feedtest.Item {
	id := "item-" + string(rune('a'+n))
	return feedtest.Item{
		ID:          id,
		Title:       "Notizia " + id,
		Link:        "https://news.example/" + id,
		Description: "<p>Testo di <b>" + id + "</b></p>",
		Author:      "Redazione",
		Published:   day.Add(time.Duration(n) * time.Hour),
	}
}

// TestRSSFirstAndNextPolls hands over the feed's items on the first poll,
// then only the new ones, as plain text with author, language and links.
func TestRSSFirstAndNextPolls(t *testing.T) {
	srv := newFeed(t)
	srv.SetLanguage("it-IT")
	first := item(0)
	first.Description = `<p>Portavoce &egrave; <b>nuovo</b>: <a href="https://shop.example/p?x=1">il negozio</a></p><script>x()</script>`
	srv.Add(first, item(1))
	r := polltest.Start(t, newSource(t, srv, srv.RSSURL(), fast), "")

	posts := r.UntilPosts(t, 2)
	want := source.Post{
		ID: "item-a", Source: "rss", URL: "https://news.example/item-a", Title: "Notizia item-a",
		Text: "Portavoce è nuovo: il negozio", Author: "Redazione", Lang: "it",
		Links: []string{"https://shop.example/p?x=1"}, CreatedAt: day,
	}
	if got := posts[0]; !reflect.DeepEqual(got, want) || !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("first post\n got %+v\nwant %+v", got, want)
	}
	if posts[1].ID != "item-b" {
		t.Errorf("posts %q: want oldest first", r.IDs())
	}

	srv.Add(item(2), item(3))
	posts = r.UntilPosts(t, 4)
	last := r.Batches()[len(r.Batches())-1]
	if ids := []string{last.Posts[0].ID, last.Posts[1].ID}; !reflect.DeepEqual(ids, []string{"item-c", "item-d"}) {
		t.Errorf("second batch %q, want only the new items", ids)
	}
	polltest.Unique(t, posts)
	if ua := srv.LastHeader().Get("User-Agent"); ua != netguard.DefaultUserAgent() || !strings.HasPrefix(ua, "Portavoce/") {
		t.Errorf("User-Agent %q", ua)
	}
}

// TestConditionalGET asks with the validators of the last answer: an
// unchanged feed answers 304 and nothing is handed over; a feed rewritten
// with the same items hands over only its new cursor.
func TestConditionalGET(t *testing.T) {
	srv := newFeed(t)
	srv.Add(item(0))
	r := polltest.Start(t, newSource(t, srv, srv.RSSURL(), fast), "")
	r.UntilPosts(t, 1)
	r.Until(t, "304 answers", func() bool { return srv.NotModified() >= 5 })
	h := srv.LastHeader()
	if h.Get("If-None-Match") != `"rss-1"` || h.Get("If-Modified-Since") == "" {
		t.Errorf("conditional headers %v", h)
	}
	if n := len(r.Batches()); n != 1 {
		t.Errorf("%d batches after 304s, want 1", n)
	}

	// Only Last-Modified: If-Modified-Since alone.
	srv.SetValidators(false, true)
	srv.Touch()
	r.Until(t, "a cursor without etag", func() bool { return !strings.Contains(r.Cursor(), "etag") })
	before := srv.NotModified()
	r.Until(t, "304 by date", func() bool { return srv.NotModified() >= before+3 })
	if len(r.Posts()) != 1 {
		t.Errorf("posts %q after a rewrite with the same items", r.IDs())
	}
}

// TestGoogleAlertsAtom reads a Google Alerts feed: entry links unwrapped to
// the page, HTML titles and snippets as text.
func TestGoogleAlertsAtom(t *testing.T) {
	srv := newFeed(t)
	srv.SetTitle("Google Alert - portavoce")
	srv.Add(feedtest.Item{
		ID:          "tag:google.com,2013:googlealerts/feed:10483572930143",
		Title:       "<b>Portavoce</b> apre a Bari",
		Link:        feedtest.GoogleLink("https://giornale.example/bari/portavoce?ref=a&b=2"),
		Description: `Il nuovo <b>Portavoce</b> &amp; co. <a href="` + feedtest.GoogleLink("https://altro.example/") + `">altro</a>`,
		Published:   day,
	})
	r := polltest.Start(t, newSource(t, srv, srv.AtomURL(), fast), "")
	p := r.UntilPosts(t, 1)[0]
	if p.ID != "tag:google.com,2013:googlealerts/feed:10483572930143" || p.URL != "https://giornale.example/bari/portavoce?ref=a&b=2" ||
		p.Title != "Portavoce apre a Bari" || p.Text != "Il nuovo Portavoce & co. altro" ||
		!reflect.DeepEqual(p.Links, []string{"https://altro.example/"}) || !p.CreatedAt.Equal(day) {
		t.Errorf("post %+v", p)
	}
}

// TestRestartFromCursor resumes from a stored cursor: the items added
// while stopped, none of those handed over; an unchanged feed answers 304.
func TestRestartFromCursor(t *testing.T) {
	for _, kind := range []string{"rss", "atom"} {
		t.Run(kind, func(t *testing.T) {
			srv := newFeed(t)
			u := srv.RSSURL()
			if kind == "atom" {
				u = srv.AtomURL()
			}
			srv.Add(item(0), item(1))
			r := polltest.Start(t, newSource(t, srv, u, fast), "")
			r.UntilPosts(t, 2)
			r.Stop(t)
			stored := r.Cursor()

			// Unchanged: a 304, nothing.
			before := srv.NotModified()
			r = polltest.Start(t, newSource(t, srv, u, fast), stored)
			r.Until(t, "a 304", func() bool { return srv.NotModified() > before })
			r.Stop(t)
			if len(r.Posts()) != 0 {
				t.Fatalf("restart of an unchanged feed handed over %q", r.IDs())
			}

			srv.Add(item(2), item(3))
			r = polltest.Start(t, newSource(t, srv, u, fast), stored)
			posts := r.UntilPosts(t, 2)
			time.Sleep(20 * time.Millisecond)
			if ids := r.IDs(); !reflect.DeepEqual(ids, []string{"item-c", "item-d"}) {
				t.Errorf("after restart %q, want only the new items", ids)
			}
			polltest.Unique(t, posts)
		})
	}
}

// TestNoRepeatsWithoutValidators fetches a feed that has no validators in
// full every time, and hands over each item once.
func TestNoRepeatsWithoutValidators(t *testing.T) {
	srv := newFeed(t)
	srv.SetValidators(false, false)
	srv.SetKeep(3)
	srv.Add(item(0), item(1), item(2))
	r := polltest.Start(t, newSource(t, srv, srv.RSSURL(), fast), "")
	r.UntilPosts(t, 3)
	srv.Add(item(3))
	r.UntilPosts(t, 4)
	n := srv.Requests()
	r.Until(t, "more polls", func() bool { return srv.Requests() >= n+5 })
	polltest.Unique(t, r.Posts())
	if len(r.Posts()) != 4 {
		t.Errorf("posts %q", r.IDs())
	}
	// The cursor lists what the feed shows now.
	if c := r.Cursor(); strings.Contains(c, "item-a") || !strings.Contains(c, "item-d") {
		t.Errorf("cursor %s", c)
	}
}

// TestFailuresBackOff reports server errors with their retry time, honours
// Retry-After, and reads the feed once it answers again.
func TestFailuresBackOff(t *testing.T) {
	srv := newFeed(t)
	srv.Add(item(0))
	srv.Fail(3, http.StatusInternalServerError, nil)
	r := polltest.Start(t, newSource(t, srv, srv.RSSURL(), fast), "")
	st := r.UntilFailure(t, func(err error) bool { return strings.Contains(err.Error(), "HTTP 500") })
	if st.Connected || st.RetryAt.IsZero() {
		t.Errorf("status %+v", st)
	}
	r.UntilPosts(t, 1)
	r.UntilConnectedAfterFailure(t)
	if n := srv.Requests(); n < 4 {
		t.Errorf("%d requests", n)
	}

	// 503 with Retry-After: 1 second, far longer than the back-off.
	srv.Fail(1, http.StatusServiceUnavailable, http.Header{"Retry-After": {"1"}})
	at := time.Now()
	st = r.UntilFailure(t, func(err error) bool { return strings.Contains(err.Error(), "HTTP 503") })
	if st.RetryAt.Before(at.Add(900 * time.Millisecond)) {
		t.Errorf("RetryAt %v: Retry-After not honoured", st.RetryAt.Sub(at))
	}
	n := srv.Requests()
	time.Sleep(200 * time.Millisecond)
	if srv.Requests() != n {
		t.Errorf("asked again before Retry-After")
	}
}

// TestMalformedAndSlow reports a page that is no feed and a server too
// slow for the client as failures, and carries on once they are fixed.
func TestMalformedAndSlow(t *testing.T) {
	srv := newFeed(t)
	srv.Add(item(0))
	for _, body := range []string{"<html><body>Not a feed</body></html>", `<?xml version="1.0"?><rss version="2.0"><channel><item><title>broken</ti`} {
		srv.SetBody(body)
		r := polltest.Start(t, newSource(t, srv, srv.RSSURL(), fast), "")
		st := r.UntilFailure(t, nil)
		if !strings.Contains(st.Err.Error(), "not an RSS or Atom feed") {
			t.Errorf("%q: failure %v", body, st.Err)
		}
		srv.SetBody("")
		r.UntilPosts(t, 1)
		r.Stop(t)
	}

	client := srv.Client()
	client.Timeout = 30 * time.Millisecond
	src, err := feed.New(srv.RSSURL(), client, fast)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetLatency(200 * time.Millisecond)
	r := polltest.Start(t, src, "")
	r.UntilFailure(t, nil)
	srv.SetLatency(0)
	r.UntilPosts(t, 1)
	r.UntilConnectedAfterFailure(t)
}

// TestEmitFailureEndsRun returns emit's error.
func TestEmitFailureEndsRun(t *testing.T) {
	srv := newFeed(t)
	r := polltest.Start(t, newSource(t, srv, srv.RSSURL(), fast), "")
	r.UntilPosts(t, 0)
	r.FailEmit(polltest.ErrEmit)
	srv.Add(item(0))
	if err := r.Wait(t); !errors.Is(err, polltest.ErrEmit) {
		t.Errorf("Run returned %v", err)
	}
}

// TestCursorBound keeps the newest MaxIDs IDs in the cursor.
func TestCursorBound(t *testing.T) {
	srv := newFeed(t)
	for n := range 6 {
		srv.Add(item(n))
	}
	o := fast
	o.MaxIDs = 2
	r := polltest.Start(t, newSource(t, srv, srv.RSSURL(), o), "")
	r.UntilPosts(t, 6)
	if c := r.Cursor(); !strings.Contains(c, `"ids":["item-f","item-e"]`) {
		t.Errorf("cursor %s", c)
	}
}

func TestNew(t *testing.T) {
	if _, err := feed.New("https://example.com/feed", nil, feed.Options{}); err == nil {
		t.Error("no client accepted")
	}
	for _, u := range []string{"", "ftp://example.com/feed", "/feed.xml", "file:///etc/passwd"} {
		if _, err := feed.New(u, http.DefaultClient, feed.Options{}); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
	src, err := feed.New("https://example.com/feed.xml", &http.Client{}, feed.Options{})
	if err != nil || src.Name() != "rss https://example.com/feed.xml" {
		t.Errorf("New: %v, %v", src, err)
	}
}

func TestUnwrap(t *testing.T) {
	for in, want := range map[string]string{
		"https://www.google.com/url?rct=j&sa=t&url=https://a.example/x%3Fy%3D1&ct=ga": "https://a.example/x?y=1",
		"https://www.google.it/url?q=https://b.example/&sa=U":                         "https://b.example/",
		"https://google.com/url?url=javascript:alert(1)":                              "https://google.com/url?url=javascript:alert(1)",
		"https://evil.example/url?url=https://a.example/":                             "https://evil.example/url?url=https://a.example/",
		"https://www.google.com/search?q=x":                                           "https://www.google.com/search?q=x",
	} {
		if got := feed.Unwrap(in); got != want {
			t.Errorf("Unwrap(%q) = %q, want %q", in, got, want)
		}
	}
}
