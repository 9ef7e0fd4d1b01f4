package mastodontag_test

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/portavoce/portavoce/internal/listening/source"
	"github.com/portavoce/portavoce/internal/listening/source/mastodontag"
	"github.com/portavoce/portavoce/internal/listening/source/mastodontag/tagtest"
	"github.com/portavoce/portavoce/internal/listening/source/poll"
	"github.com/portavoce/portavoce/internal/listening/source/poll/polltest"
	"github.com/portavoce/portavoce/internal/netguard"
)

var base = time.Now().Add(-time.Hour).Truncate(time.Second).UTC()

func at(sec int) time.Time { return base.Add(time.Duration(sec) * time.Second) }

type env struct {
	srv *tagtest.Server
	o   mastodontag.Options
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := tagtest.New()
	t.Cleanup(srv.Close)
	return &env{srv: srv, o: mastodontag.Options{
		Poll: poll.Options{Interval: 3 * time.Millisecond, Pause: time.Millisecond,
			Backoff: 2 * time.Millisecond, MaxBackoff: 10 * time.Millisecond},
	}}
}

func (e *env) start(t *testing.T, cursor string) *polltest.Run {
	t.Helper()
	src, err := mastodontag.New(e.srv.URL(), "#Portavoce", e.srv.Client(), e.o)
	if err != nil {
		t.Fatal(err)
	}
	return polltest.Start(t, src, cursor)
}

var anna = tagtest.Account{Username: "anna", DisplayName: "Anna Rossi", Followers: 120}

func (e *env) post(sec int, text string) tagtest.Status {
	return e.srv.Post(tagtest.Status{Account: anna, Content: "<p>" + text + " #portavoce</p>", Tags: []string{"portavoce"}, Created: at(sec)})
}

// TestFirstAndNextPolls hands over the newest statuses of the hashtag, then
// pages forward with min_id, the statuses as posts.
func TestFirstAndNextPolls(t *testing.T) {
	e := newEnv(t)
	local := e.srv.Post(tagtest.Status{
		Account: anna, Language: "it", Created: at(0), Tags: []string{"Portavoce"},
		Content: `<p>Proviamo <a href="https://` + e.srv.Domain() + `/tags/portavoce" class="mention hashtag" rel="tag">#<span>Portavoce</span></a> ` +
			`con <span class="h-card"><a href="https://` + e.srv.Domain() + `/@bob" class="u-url mention">@<span>bob</span></a></span>:</p>` +
			`<p><a href="https://portavoce.example/docs" target="_blank" rel="nofollow noopener"><span class="invisible">https://</span>portavoce.example/docs</a></p>`,
		Card: &tagtest.Card{URL: "https://portavoce.example/", Title: "Portavoce"},
	})
	remote := e.srv.Post(tagtest.Status{
		Account:     tagtest.Account{Username: "jan", Acct: "jan@other.example", DisplayName: "jan", Followers: 7},
		SpoilerText: "opinione", Content: "<p>Non mi convince</p>", Language: "nl", Created: at(5), Tags: []string{"portavoce"},
	})
	e.srv.Post(tagtest.Status{Account: anna, Content: "<p>other</p>", Tags: []string{"other"}, Created: at(6)})
	r := e.start(t, "")
	posts := r.UntilPosts(t, 2)
	want := []source.Post{{
		ID: e.srv.URI(local), Source: "mastodon", URL: e.srv.URL() + "/@anna/" + local.ID,
		Text:   "Proviamo #Portavoce con @bob:\n\nhttps://portavoce.example/docs",
		Author: "anna@" + e.srv.Domain(), AuthorName: "Anna Rossi", Lang: "it", Reach: 120,
		Links:     []string{"https://portavoce.example/", "https://portavoce.example/docs"},
		CreatedAt: at(0),
	}, {
		ID: "https://other.example/users/jan/statuses/" + remote.ID, Source: "mastodon", URL: "https://other.example/@jan/" + remote.ID,
		Text: "opinione\n\nNon mi convince", Author: "jan@other.example", Lang: "nl", Reach: 7, CreatedAt: at(5),
	}}
	if !reflect.DeepEqual(posts, want) {
		t.Errorf("posts\n got %+v\nwant %+v", posts, want)
	}
	if c := r.Cursor(); c != remote.ID {
		t.Errorf("cursor %q, want %q", c, remote.ID)
	}

	newer := e.post(20, "Nuovo")
	r.UntilPosts(t, 3)
	reqs := e.srv.Requests()
	if q := reqs[0].URL.Query(); q.Get("limit") != "40" || q.Has("min_id") || reqs[0].URL.Path != "/api/v1/timelines/tag/Portavoce" {
		t.Errorf("first request %v", reqs[0].URL)
	}
	if q := reqs[1].URL.Query(); q.Get("min_id") != remote.ID {
		t.Errorf("second request %v", reqs[1].URL)
	}
	if ua := reqs[0].Header.Get("User-Agent"); ua != netguard.DefaultUserAgent() {
		t.Errorf("User-Agent %q", ua)
	}
	if reqs[0].Header.Get("Authorization") != "" {
		t.Error("a token sent without one")
	}
	n := len(e.srv.Requests())
	r.Until(t, "more polls", func() bool { return len(e.srv.Requests()) > n+5 })
	if ids := r.IDs(); len(ids) != 3 || ids[2] != e.srv.URI(newer) {
		t.Errorf("posts %q", ids)
	}
	polltest.Unique(t, r.Posts())
}

// TestPagingAndRestart pages forward through more than two full pages,
// and a restart from a stored cursor loses and repeats nothing.
func TestPagingAndRestart(t *testing.T) {
	e := newEnv(t)
	r := e.start(t, "")
	r.Until(t, "a cursor", func() bool { return r.Cursor() == "0" })
	var want []string
	for i := range 95 {
		want = append(want, e.srv.URI(e.post(i, fmt.Sprint("Stato ", i))))
	}
	r.UntilPosts(t, 95)
	if got := r.IDs(); !reflect.DeepEqual(got, want) {
		t.Errorf("paged %d posts, not in order or not each once", len(got))
	}
	if len(r.Batches()) < 3 {
		t.Errorf("%d batches for 95 statuses at 40 a page", len(r.Batches()))
	}
	r.Stop(t)

	stored := r.Cursor()
	var more []string
	for i := range 3 {
		more = append(more, e.srv.URI(e.post(200+i, "Dopo")))
	}
	r = e.start(t, stored)
	r.UntilPosts(t, 3)
	n := len(e.srv.Requests())
	r.Until(t, "more polls", func() bool { return len(e.srv.Requests()) > n+3 })
	if got := r.IDs(); !reflect.DeepEqual(got, more) {
		t.Errorf("after restart %q, want %q", got, more)
	}
}

// TestToken sends the bearer token an instance without a public preview
// asks for, and reports the refusal without it.
func TestToken(t *testing.T) {
	e := newEnv(t)
	e.srv.RequireToken("tok")
	e.post(0, "Ciao")
	r := e.start(t, "")
	st := r.UntilFailure(t, nil)
	if !strings.Contains(st.Err.Error(), "HTTP 401") || !strings.Contains(st.Err.Error(), "requires an authenticated user") {
		t.Errorf("failure %v", st.Err)
	}
	r.Stop(t)
	e.o.Token = "tok"
	r = e.start(t, "")
	r.UntilPosts(t, 1)
}

// TestRateLimitAndErrors retries a 429 at its X-RateLimit-Reset, backs off
// from 5xx, and carries on.
func TestRateLimitAndErrors(t *testing.T) {
	e := newEnv(t)
	e.post(0, "Ciao")
	date := time.Now().UTC().Truncate(time.Second)
	e.srv.Fail(1, http.StatusTooManyRequests, http.Header{
		"Date":                  {date.Format(http.TimeFormat)},
		"X-RateLimit-Remaining": {"0"},
		"X-RateLimit-Reset":     {date.Add(time.Second).Format("2006-01-02T15:04:05.000000Z")},
	})
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
	e.srv.Fail(3, http.StatusInternalServerError, nil)
	e.post(1, "Di nuovo")
	r.UntilFailure(t, func(err error) bool { return strings.Contains(err.Error(), "HTTP 500") })
	r.UntilPosts(t, 2)
	r.UntilConnectedAfterFailure(t)
}

// TestMalformed reports an answer that is no timeline and carries on.
func TestMalformed(t *testing.T) {
	for _, body := range []string{`[{"id":"1",`, `{"error":"Record not found"}`, `<html>maintenance</html>`} {
		e := newEnv(t)
		e.post(0, "Ciao")
		e.srv.SetBody(body)
		r := e.start(t, "")
		st := r.UntilFailure(t, nil)
		if !strings.Contains(st.Err.Error(), "malformed timeline") {
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
	e.post(0, "Ciao")
	if err := r.Wait(t); !errors.Is(err, polltest.ErrEmit) {
		t.Errorf("Run returned %v", err)
	}
}

func TestNew(t *testing.T) {
	c := &http.Client{}
	for _, bad := range [][2]string{
		{"https://mastodon.social", ""}, {"https://mastodon.social", "two words"}, {"https://mastodon.social", "a/b"},
		{"mastodon.social", "tag"}, {"https://mastodon.social/@anna", "tag"}, {"ftp://mastodon.social", "tag"},
	} {
		if _, err := mastodontag.New(bad[0], bad[1], c, mastodontag.Options{}); err == nil {
			t.Errorf("New(%q, %q) accepted", bad[0], bad[1])
		}
	}
	if _, err := mastodontag.New("https://mastodon.social", "x", nil, mastodontag.Options{}); err == nil {
		t.Error("no client accepted")
	}
	src, err := mastodontag.New("https://mastodon.social/", "#caffè", c, mastodontag.Options{})
	if err != nil || src.Name() != "mastodon https://mastodon.social #caffè" {
		t.Errorf("New: %v %v", src, err)
	}
}

// streamEnv is an env with a token the instance requires, polls an hour
// apart and a quick stream back-off.
func streamEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.srv.RequireToken("tok")
	e.o.Token = "tok"
	e.o.Poll.Interval = time.Hour
	e.o.StreamBackoff = 5 * time.Millisecond
	e.o.MaxStreamBackoff = 20 * time.Millisecond
	return e
}

// streamed posts a status once the stream is open and the polls settled,
// and checks the stream made it handed over within a second.
func streamed(t *testing.T, e *env, r *polltest.Run, sec int, text string) {
	t.Helper()
	r.Until(t, "the stream", func() bool { return e.srv.OpenStreams() == 1 })
	// Let the poll the stream's opening starts end: the status is then
	// the stream's to announce.
	time.Sleep(50 * time.Millisecond)
	had := len(r.Posts())
	st := e.post(sec, text)
	started := time.Now()
	r.UntilPosts(t, had+1)
	if d := time.Since(started); d > time.Second {
		t.Errorf("status handed over after %v", d)
	}
	if ids := r.IDs(); ids[len(ids)-1] != e.srv.URI(st) {
		t.Errorf("posts %q, want %s last", ids, e.srv.URI(st))
	}
}

// TestStreamWakesPoll follows the hashtag stream with a token: a new
// status is polled for at once, not an hour later, and handed over once.
func TestStreamWakesPoll(t *testing.T) {
	e := streamEnv(t)
	e.post(0, "Prima")
	r := e.start(t, "")
	r.UntilPosts(t, 1)
	streamed(t, e, r, 10, "Seconda")
	streamed(t, e, r, 20, "Terza")
	polltest.Unique(t, r.Posts())
	if n := e.srv.StreamConnections(); n != 1 {
		t.Errorf("%d stream connections, want 1", n)
	}
	for _, req := range e.srv.Requests() {
		if req.URL.Query().Get("since_id") != "" {
			t.Errorf("timeline asked with since_id: %s", req.URL)
		}
	}
}

// TestNoTokenNoStream opens no stream without a token.
func TestNoTokenNoStream(t *testing.T) {
	e := newEnv(t)
	e.post(0, "Ciao")
	r := e.start(t, "")
	r.UntilPosts(t, 1)
	n := len(e.srv.Requests())
	r.Until(t, "more polls", func() bool { return len(e.srv.Requests()) > n+5 })
	if c := e.srv.StreamConnections(); c != 0 {
		t.Errorf("%d stream connections without a token", c)
	}
}

// TestStreamReconnects connects the stream again when it drops, and goes
// on waking polls through the new one.
func TestStreamReconnects(t *testing.T) {
	e := streamEnv(t)
	r := e.start(t, "")
	r.Until(t, "the stream", func() bool { return e.srv.OpenStreams() == 1 })
	e.srv.DropStreams()
	r.Until(t, "the stream again", func() bool { return e.srv.StreamConnections() == 2 && e.srv.OpenStreams() == 1 })
	streamed(t, e, r, 5, "Dopo")
	polltest.Unique(t, r.Posts())
}
