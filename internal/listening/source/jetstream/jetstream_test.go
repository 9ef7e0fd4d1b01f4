package jetstream

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/portavoce/portavoce/internal/listening/source"
	"github.com/portavoce/portavoce/internal/listening/source/jetstream/jetstreamtest"
)

// collector is an emit and a status that remember what they got.
type collector struct {
	mu       sync.Mutex
	batches  []source.Batch
	statuses []source.Status
	at       []time.Time // when each status came
	changed  chan struct{}
	// fail, if set, is what emit returns.
	fail error
}

func newCollector() *collector { return &collector{changed: make(chan struct{}, 1)} }

func (c *collector) emit(_ context.Context, b source.Batch) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return c.fail
	}
	c.batches = append(c.batches, b)
	c.signal()
	return nil
}

func (c *collector) status(s source.Status) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.statuses = append(c.statuses, s)
	c.at = append(c.at, time.Now())
	c.signal()
}

func (c *collector) signal() {
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

func (c *collector) posts() []source.Post {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []source.Post
	for _, b := range c.batches {
		out = append(out, b.Posts...)
	}
	return out
}

func (c *collector) cursor() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.batches) == 0 {
		return ""
	}
	return c.batches[len(c.batches)-1].Cursor
}

func (c *collector) statusList() []source.Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.statuses)
}

// waitFor waits until cond holds.
func (c *collector) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case <-c.changed:
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (c *collector) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, b := range c.batches {
		n += len(b.Posts)
	}
	return n
}

// waitPosts waits for at least n posts.
func (c *collector) waitPosts(t *testing.T, n int) []source.Post {
	t.Helper()
	c.waitFor(t, fmt.Sprintf("%d posts", n), func() bool { return c.count() >= n })
	return c.posts()
}

// running is a Run in the background.
type running struct {
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, src *Source, cursor string, c *collector) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- src.Run(ctx, cursor, c.emit, c.status) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels the Run and returns its error; it fails the test if Run
// takes more than a second.
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err // for the next stop
		return err
	case <-time.After(time.Second):
		t.Fatal("Run did not return within a second of the cancellation")
		return nil
	}
}

func waitConnections(t *testing.T, s *jetstreamtest.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Connections() != n {
		if time.Now().After(deadline) {
			t.Fatalf("connections = %d, want %d", s.Connections(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func newSource(t *testing.T, opts Options) *Source {
	t.Helper()
	if opts.FlushEvery == 0 {
		opts.FlushEvery = 20 * time.Millisecond
	}
	if opts.MinBackoff == 0 {
		opts.MinBackoff = 50 * time.Millisecond
	}
	src, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func newServer(t *testing.T) *jetstreamtest.Server {
	s := jetstreamtest.NewServer()
	t.Cleanup(s.Close)
	return s
}

func ids(posts []source.Post) []string {
	out := make([]string, len(posts))
	for i, p := range posts {
		out[i] = p.ID
	}
	return out
}

func postID(did, rkey string) string { return "at://" + did + "/app.bsky.feed.post/" + rkey }

func TestPostsArriveInOrderWithTheirFields(t *testing.T) {
	srv := newServer(t)
	src := newSource(t, Options{URL: srv.URL})
	c := newCollector()
	r := start(t, src, "", c)
	waitConnections(t, srv, 1)

	const alice, bob = "did:plc:alice", "did:web:bob.example"
	at := time.Date(2026, 3, 14, 9, 26, 53, 589_000_000, time.UTC)
	srv.PublishPost(alice, "3k001", "Il caffè di Rossi è ottimo", []string{"it"}, at)
	rec := jetstreamtest.NewPost("Leggete https://corriere.it/economia/rossi e http://example.com/x", []string{"it", "en"}, at.Add(time.Second))
	rec.Embed = jetstreamtest.ExternalEmbed("https://corriere.it/economia/rossi", "Rossi", "")
	srv.PublishRecord(bob, PostCollection, "3k002", rec)
	card := jetstreamtest.NewPost("", nil, at.Add(2*time.Second))
	card.Embed = map[string]any{
		"$type":  "app.bsky.embed.recordWithMedia",
		"record": map[string]any{"record": map[string]string{"uri": postID(alice, "3k001"), "cid": "bafyreia"}},
		"media":  jetstreamtest.ExternalEmbed("https://cafferossi.it/", "Caffè Rossi", "Dal 1923"),
	}
	srv.PublishRecord(alice, PostCollection, "3k003", card)
	noDate := srv.PublishRecord(alice, PostCollection, "3k004", map[string]any{"$type": PostCollection, "text": "no date"})
	last := srv.PublishIdentity(alice, "alice.example")

	posts := c.waitPosts(t, 4)
	c.waitFor(t, "the cursor of the identity event", func() bool { return c.cursor() == strconv.FormatInt(last, 10) })
	if err := r.stop(t); !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}

	want := []source.Post{{
		ID: postID(alice, "3k001"), Source: "bluesky",
		URL:  "https://bsky.app/profile/did:plc:alice/post/3k001",
		Text: "Il caffè di Rossi è ottimo", Author: alice, Lang: "it", CreatedAt: at,
	}, {
		ID: postID(bob, "3k002"), Source: "bluesky",
		URL:    "https://bsky.app/profile/did:web:bob.example/post/3k002",
		Text:   "Leggete https://corriere.it/economia/rossi e http://example.com/x",
		Author: bob, Lang: "it,en", CreatedAt: at.Add(time.Second),
		Links: []string{"https://corriere.it/economia/rossi", "http://example.com/x"},
	}, {
		ID: postID(alice, "3k003"), Source: "bluesky",
		URL:    "https://bsky.app/profile/did:plc:alice/post/3k003",
		Author: alice, CreatedAt: at.Add(2 * time.Second),
		Links: []string{"https://cafferossi.it/"},
	}, {
		ID: postID(alice, "3k004"), Source: "bluesky",
		URL:  "https://bsky.app/profile/did:plc:alice/post/3k004",
		Text: "no date", Author: alice, CreatedAt: time.UnixMicro(noDate).UTC(),
	}}
	if len(posts) != len(want) {
		t.Fatalf("got %d posts, want %d: %v", len(posts), len(want), ids(posts))
	}
	for i := range want {
		if fmt.Sprint(posts[i]) != fmt.Sprint(want[i]) {
			t.Errorf("post %d:\n got %+v\nwant %+v", i, posts[i], want[i])
		}
	}

	subs := srv.Subscriptions()
	if len(subs) != 1 {
		t.Fatalf("subscriptions = %v", subs)
	}
	if got := subs[0]["wantedCollections"]; !slices.Equal(got, []string{PostCollection}) {
		t.Errorf("wantedCollections = %v", got)
	}
	if subs[0].Has("cursor") || subs[0].Has("compress") {
		t.Errorf("first subscription from the live tail = %v, want no cursor and no compress", subs[0])
	}
	st := c.statusList()
	if len(st) == 0 || !st[0].Connected {
		t.Errorf("statuses = %+v, want Connected first", st)
	}
	if st[len(st)-1].Connected {
		t.Errorf("last status %+v after Run ended, want disconnected", st[len(st)-1])
	}
}

func TestReconnectResumesWithoutDuplicatesOrLoss(t *testing.T) {
	srv := newServer(t)
	src := newSource(t, Options{URL: srv.URL, MinBackoff: 300 * time.Millisecond})
	c := newCollector()
	r := start(t, src, "", c)
	waitConnections(t, srv, 1)

	var want []string
	publish := func(from, to int) int64 {
		var last int64
		for i := from; i < to; i++ {
			rkey := fmt.Sprintf("r%03d", i)
			last = srv.PublishPost("did:plc:a", rkey, fmt.Sprint("post ", i), nil, time.Now())
			want = append(want, postID("did:plc:a", rkey))
		}
		return last
	}
	lastBefore := publish(0, 10)
	c.waitPosts(t, 10)
	c.waitFor(t, "the cursor", func() bool { return c.cursor() == strconv.FormatInt(lastBefore, 10) })

	srv.Drop()
	publish(10, 20) // while the client waits to reconnect
	waitConnections(t, srv, 1)
	publish(20, 30)
	c.waitPosts(t, 30)
	time.Sleep(100 * time.Millisecond) // room for duplicates to show
	r.stop(t)

	if got := ids(c.posts()); !slices.Equal(got, want) {
		t.Errorf("posts:\n got %v\nwant %v", got, want)
	}
	subs := srv.Subscriptions()
	if len(subs) != 2 {
		t.Fatalf("subscriptions = %v, want 2", subs)
	}
	wantCursor := strconv.FormatInt(lastBefore-DefaultRewind.Microseconds(), 10)
	if got := subs[1].Get("cursor"); got != wantCursor {
		t.Errorf("reconnection cursor = %s, want %s (last read minus the rewind)", got, wantCursor)
	}
	var failed, reconnected bool
	for _, s := range c.statusList() {
		switch {
		case s.Err != nil:
			failed = true
			if s.Connected || s.RetryAt.IsZero() {
				t.Errorf("failure status %+v, want disconnected with RetryAt", s)
			}
		case failed && s.Connected:
			reconnected = true
		}
	}
	if !failed || !reconnected {
		t.Errorf("statuses %+v, want a failure then a connection", c.statusList())
	}
}

func TestRestartFromStoredCursor(t *testing.T) {
	srv := newServer(t)
	src := newSource(t, Options{URL: srv.URL})
	c := newCollector()
	r := start(t, src, "", c)
	waitConnections(t, srv, 1)
	var last int64
	for i := range 10 {
		last = srv.PublishPost("did:plc:a", fmt.Sprintf("a%02d", i), "first run", nil, time.Now())
	}
	c.waitFor(t, "the last cursor", func() bool { return c.cursor() == strconv.FormatInt(last, 10) })
	r.stop(t)
	stored := c.cursor()
	waitConnections(t, srv, 0)

	var want []string
	for i := range 10 {
		rkey := fmt.Sprintf("b%02d", i)
		srv.PublishPost("did:plc:a", rkey, "while stopped", nil, time.Now())
		want = append(want, postID("did:plc:a", rkey))
	}

	c2 := newCollector()
	r2 := start(t, src, stored, c2)
	c2.waitPosts(t, 10)
	want = append(want, postID("did:plc:a", "c00"))
	srv.PublishPost("did:plc:a", "c00", "live", nil, time.Now())
	c2.waitFor(t, "the live post", func() bool { return slices.Contains(ids(c2.posts()), want[len(want)-1]) })
	r2.stop(t)

	// The rewind may repeat first-run posts (the caller keeps one per
	// ID); every later post must be there, once, in order.
	var got []string
	for _, id := range ids(c2.posts()) {
		if !strings.Contains(id, "feed.post/a") {
			got = append(got, id)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("after restart:\n got %v\nwant %v", got, want)
	}
	subs := srv.Subscriptions()
	storedUS, _ := strconv.ParseInt(stored, 10, 64)
	if got, want := subs[len(subs)-1].Get("cursor"), strconv.FormatInt(storedUS-DefaultRewind.Microseconds(), 10); got != want {
		t.Errorf("restart cursor = %s, want %s", got, want)
	}
	for _, b := range c2.batches {
		if n, _ := strconv.ParseInt(b.Cursor, 10, 64); n < storedUS {
			t.Errorf("batch cursor %s went back before the stored %s", b.Cursor, stored)
		}
	}
}

func TestRestartBeforeAnyEventAsksSinceTheStart(t *testing.T) {
	srv := newServer(t)
	src := newSource(t, Options{URL: srv.URL, MinBackoff: 200 * time.Millisecond})
	c := newCollector()
	r := start(t, src, "", c)
	waitConnections(t, srv, 1)
	srv.Drop()
	srv.PublishPost("did:plc:a", "r1", "published while disconnected", nil, time.Now())
	c.waitPosts(t, 1)
	r.stop(t)
	if got := srv.Subscriptions()[1].Get("cursor"); got == "" {
		t.Errorf("reconnection from the live tail without a cursor: a post published meanwhile could be lost")
	}
}

func TestIgnoresOtherCollectionsDeletesAndUpdates(t *testing.T) {
	srv := newServer(t)
	// Ask for the whole app.bsky.feed namespace so that the server does
	// send likes and reposts: the client must leave them out itself.
	src := newSource(t, Options{URL: srv.URL, Collections: []string{"app.bsky.feed.*"}})
	c := newCollector()
	r := start(t, src, "", c)
	waitConnections(t, srv, 1)

	like := map[string]any{
		"$type": "app.bsky.feed.like", "createdAt": "2026-01-02T03:04:05.000Z",
		"subject": map[string]string{"uri": postID("did:plc:b", "p1"), "cid": "bafyreib"},
	}
	srv.PublishRecord("did:plc:a", "app.bsky.feed.like", "l1", like)
	srv.PublishRecord("did:plc:a", "app.bsky.graph.follow", "f1", map[string]any{"$type": "app.bsky.graph.follow", "subject": "did:plc:b"})
	srv.PublishDelete("did:plc:a", PostCollection, "old")
	srv.PublishUpdate("did:plc:a", PostCollection, "p0", jetstreamtest.NewPost("edited", nil, time.Now()))
	srv.PublishAccount("did:plc:a", "deactivated")
	srv.PublishIdentity("did:plc:a", "a.example")
	srv.PublishPost("did:plc:a", "p1", "the only post", nil, time.Now())
	last := srv.PublishDelete("did:plc:a", PostCollection, "p1")

	c.waitFor(t, "the last cursor", func() bool { return c.cursor() == strconv.FormatInt(last, 10) })
	r.stop(t)
	if got := ids(c.posts()); !slices.Equal(got, []string{postID("did:plc:a", "p1")}) {
		t.Errorf("posts = %v, want only p1", got)
	}
	if got := srv.Subscriptions()[0]["wantedCollections"]; !slices.Equal(got, []string{"app.bsky.feed.*"}) {
		t.Errorf("wantedCollections = %v", got)
	}
	if n := src.Malformed(); n != 0 {
		t.Errorf("Malformed = %d, want 0", n)
	}
}

func TestMalformedEventsAreSkipped(t *testing.T) {
	srv := newServer(t)
	src := newSource(t, Options{URL: srv.URL})
	c := newCollector()
	r := start(t, src, "", c)
	waitConnections(t, srv, 1)

	srv.PublishRaw("", []byte(`not json`))
	srv.PublishRaw("", []byte(`{"did":"did:plc:a","time_us":`))
	srv.PublishRaw("", []byte(`{"did":"did:plc:a","kind":"commit"}`))
	srv.PublishRaw("", []byte(`{"did":"did:plc:a","time_us":"soon","kind":"identity"}`))
	noRKey := time.Now().UnixMicro()
	srv.PublishRaw(PostCollection, fmt.Appendf(nil, `{"did":"did:plc:a","time_us":%d,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","record":{"text":"x"}}}`, noRKey))
	srv.PublishRaw(PostCollection, []byte(`{"did":"did:plc:a","time_us":17,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r","record":{"text":["not","a","string"]}}}`))
	last := srv.PublishPost("did:plc:a", "good", "good", nil, time.Now())

	c.waitFor(t, "the good post", func() bool { return c.cursor() == strconv.FormatInt(last, 10) })
	r.stop(t)
	if got := ids(c.posts()); !slices.Equal(got, []string{postID("did:plc:a", "good")}) {
		t.Errorf("posts = %v", got)
	}
	if n := src.Malformed(); n != 6 {
		t.Errorf("Malformed = %d, want 6", n)
	}
	if st := c.statusList(); len(st) != 2 || !st[0].Connected {
		t.Errorf("statuses = %+v, want one connection for the whole test", st)
	}
}

func TestEmitErrorStopsRun(t *testing.T) {
	srv := newServer(t)
	src := newSource(t, Options{URL: srv.URL})
	c := newCollector()
	boom := errors.New("database is gone")
	c.fail = boom
	ctx := t.Context()
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, "", c.emit, c.status) }()
	waitConnections(t, srv, 1)
	srv.PublishPost("did:plc:a", "r1", "x", nil, time.Now())
	select {
	case err := <-done:
		if !errors.Is(err, boom) {
			t.Errorf("Run = %v, want %v", err, boom)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run went on after emit failed")
	}
	waitConnections(t, srv, 0)
}

func TestCancelStopsPromptly(t *testing.T) {
	t.Run("connected", func(t *testing.T) {
		srv := newServer(t)
		src := newSource(t, Options{URL: srv.URL})
		c := newCollector()
		r := start(t, src, "", c)
		waitConnections(t, srv, 1)
		began := time.Now()
		if err := r.stop(t); !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v", err)
		}
		t.Logf("stopped in %v", time.Since(began))
		waitConnections(t, srv, 0)
	})
	t.Run("emitting", func(t *testing.T) {
		// emit blocks until its context ends, with the reader's buffer
		// full behind it.
		srv := newServer(t)
		src := newSource(t, Options{URL: srv.URL, BatchSize: 10})
		ctx, cancel := context.WithCancel(context.Background())
		inEmit := make(chan struct{}, 1)
		emit := func(ctx context.Context, b source.Batch) error {
			select {
			case inEmit <- struct{}{}:
			default:
			}
			<-ctx.Done()
			return ctx.Err()
		}
		done := make(chan error, 1)
		go func() { done <- src.Run(ctx, "", emit, nil) }()
		waitConnections(t, srv, 1)
		srv.Flood(1000, func(i int) (string, string, string) { return "did:plc:a", fmt.Sprint("r", i), "x" })
		<-inEmit
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Run = %v", err)
			}
		case <-time.After(time.Second):
			t.Fatal("Run did not return within a second")
		}
	})
	t.Run("backing off", func(t *testing.T) {
		srv := jetstreamtest.NewServer()
		srv.Close() // nothing listens there any more
		src := newSource(t, Options{URL: srv.URL, MinBackoff: time.Hour})
		c := newCollector()
		r := start(t, src, "", c)
		c.waitFor(t, "a failure", func() bool { return len(c.statusList()) > 0 })
		if err := r.stop(t); !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v", err)
		}
	})
}

// retryDelays are the waits the failure statuses announced, to 10ms: the
// status comes a moment after RetryAt was set.
func (c *collector) retryDelays() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []time.Duration
	for i, s := range c.statuses {
		if s.Err != nil {
			out = append(out, (s.RetryAt.Sub(c.at[i]) + 9*time.Millisecond).Truncate(10*time.Millisecond))
		}
	}
	return out
}

func TestBackoff(t *testing.T) {
	srv := jetstreamtest.NewServer()
	srv.Close() // nothing listens there any more
	src := newSource(t, Options{URL: srv.URL, MinBackoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond})
	c := newCollector()
	r := start(t, src, "", c)
	c.waitFor(t, "5 failures", func() bool { return len(c.retryDelays()) >= 5 })
	r.stop(t)
	for _, s := range c.statusList() {
		if s.Connected || s.Err == nil && !s.RetryAt.IsZero() {
			t.Errorf("status %+v while the server is down", s)
		}
	}
	want := []time.Duration{10, 20, 40, 40, 40}
	for i, d := range c.retryDelays()[:5] {
		if d != want[i]*time.Millisecond {
			t.Errorf("retry %d after %v, want %v", i, d, want[i]*time.Millisecond)
		}
	}
}

func TestBackoffResetsAfterAHealthyConnection(t *testing.T) {
	srv := newServer(t)
	src := newSource(t, Options{URL: srv.URL, MinBackoff: 50 * time.Millisecond, MaxBackoff: time.Hour})
	src.healthy = 200 * time.Millisecond
	c := newCollector()
	r := start(t, src, "", c)
	// Two quick drops double the wait; a connection that lasted brings it
	// back to the minimum.
	for i := range 3 {
		waitConnections(t, srv, 1)
		if i == 2 {
			time.Sleep(300 * time.Millisecond)
		}
		srv.Drop()
		c.waitFor(t, "the failure", func() bool { return len(c.retryDelays()) > i })
	}
	r.stop(t)
	want := []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 50 * time.Millisecond}
	if got := c.retryDelays(); !slices.Equal(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
}

// TestDeadConnectionIsGivenUp plays a connection that stays open but
// carries nothing, pings included: the client must notice and reconnect.
func TestDeadConnectionIsGivenUp(t *testing.T) {
	var accepted atomic.Int32
	hold := make(chan struct{})
	defer close(hold)
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer conn.CloseNow()
		accepted.Add(1)
		<-hold // never read, so never answer a ping
	}))
	defer dead.Close()

	src := newSource(t, Options{URL: dead.URL})
	src.pingAfter, src.pingTimeout = 100*time.Millisecond, 100*time.Millisecond
	c := newCollector()
	r := start(t, src, "", c)
	c.waitFor(t, "a failure", func() bool { return len(c.retryDelays()) > 0 })
	c.waitFor(t, "a second connection", func() bool { return accepted.Load() >= 2 })
	r.stop(t)
	st := c.statusList()
	if !st[0].Connected || st[1].Err == nil {
		t.Fatalf("statuses = %+v, want connected then a failure", st)
	}
	t.Logf("failure: %v", st[1].Err)
}

func TestBadCursor(t *testing.T) {
	src := newSource(t, Options{URL: "ws://127.0.0.1:1"})
	for _, cur := range []string{"abc", "-5", "0", "12.5"} {
		err := src.Run(t.Context(), cur, func(context.Context, source.Batch) error { return nil }, nil)
		if err == nil || !strings.Contains(err.Error(), "cursor") {
			t.Errorf("Run(%q) = %v, want a cursor error", cur, err)
		}
	}
}

func TestNew(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "wss://jetstream2.us-east.bsky.network/subscribe?maxMessageSizeBytes=1048576&wantedCollections=app.bsky.feed.post"},
		{"wss://js.example/", "wss://js.example/subscribe?maxMessageSizeBytes=1048576&wantedCollections=app.bsky.feed.post"},
		{"https://js.example/subscribe?wantedDids=did:plc:x", "https://js.example/subscribe?maxMessageSizeBytes=1048576&wantedCollections=app.bsky.feed.post&wantedDids=did%3Aplc%3Ax"},
	} {
		src, err := New(Options{URL: tc.in})
		if err != nil {
			t.Errorf("New(%q): %v", tc.in, err)
			continue
		}
		if got := src.subscribeURL(0); got != tc.want {
			t.Errorf("New(%q): %s, want %s", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{"ftp://x", "js.example", "ws://", ":"} {
		if _, err := New(Options{URL: bad}); err == nil {
			t.Errorf("New(%q) did not fail", bad)
		}
	}
}

// TestAcceptSkipsWhatWasRead checks the de-duplication of a rewind,
// including events that share a time_us.
func TestAcceptSkipsWhatWasRead(t *testing.T) {
	r := &run{}
	post := func(us int64, id string) *event {
		return &event{timeUS: us, isPost: true, post: source.Post{ID: id}}
	}
	for _, ev := range []*event{post(10, "a"), post(20, "b"), post(20, "c")} {
		if !r.accept(ev) {
			t.Fatalf("first read of %s refused", ev.post.ID)
		}
	}
	// The connection breaks here, before a third event at 20 was read.
	r.catchUp, r.seen = true, 0
	var got []string
	for _, ev := range []*event{post(5, "z"), post(10, "a"), post(20, "b"), post(20, "c"), post(20, "d"), post(30, "e")} {
		if r.accept(ev) {
			got = append(got, ev.post.ID)
		}
	}
	if want := []string{"d", "e"}; !slices.Equal(got, want) {
		t.Errorf("after the rewind accepted %v, want %v", got, want)
	}
	if got := ids(r.pending); !slices.Equal(got, []string{"a", "b", "c", "d", "e"}) {
		t.Errorf("pending = %v", got)
	}
}

func TestReadMessageSkipsTooBig(t *testing.T) {
	buf := make([]byte, 0, 4)
	got, err := readMessage(strings.NewReader("hello"), buf, 5)
	if err != nil || string(got) != "hello" {
		t.Errorf("readMessage = %q, %v", got, err)
	}
	r := strings.NewReader(strings.Repeat("x", 100))
	if _, err := readMessage(r, buf, 10); !errors.Is(err, errTooBig) {
		t.Errorf("readMessage of 100 bytes with a limit of 10 = %v, want errTooBig", err)
	}
	if r.Len() != 0 {
		t.Errorf("%d bytes left unread", r.Len())
	}
}

func TestLoad(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	srv := newServer(t)
	src := newSource(t, Options{URL: srv.URL, FlushEvery: 250 * time.Millisecond})
	c := newCollector()
	r := start(t, src, "", c)
	waitConnections(t, srv, 1)
	began := time.Now()
	srv.Flood(n, func(i int) (string, string, string) {
		return fmt.Sprintf("did:plc:user%d", i%5000), fmt.Sprintf("3l%09d", i), "Un post qualunque sul caffè https://example.com/" + strconv.Itoa(i)
	})
	c.waitPosts(t, n)
	elapsed := time.Since(began)
	r.stop(t)
	posts := c.posts()
	if len(posts) != n {
		t.Fatalf("got %d posts, want %d", len(posts), n)
	}
	for i, p := range posts {
		if want := fmt.Sprintf("3l%09d", i); !strings.HasSuffix(p.ID, want) {
			t.Fatalf("post %d is %s, want …%s", i, p.ID, want)
		}
	}
	for _, b := range c.batches {
		if len(b.Posts) > DefaultBatchSize {
			t.Fatalf("batch of %d posts, more than %d", len(b.Posts), DefaultBatchSize)
		}
	}
	t.Logf("%d posts in %v (%.0f posts/s, flood included), %d batches", n, elapsed, float64(n)/elapsed.Seconds(), len(c.batches))
}

// benchEvents are a mix like the post stream's: posts with and without
// links and cards, deletes, and identity and account events.
var benchEvents = [][]byte{
	[]byte(`{"did":"did:plc:eygmaihciaxprqvxpfvl6flk","time_us":1725911162329308,"kind":"commit","commit":{"rev":"3l3qo2vutsw2b","operation":"create","collection":"app.bsky.feed.post","rkey":"3l3qo2vuowo2b","record":{"$type":"app.bsky.feed.post","createdAt":"2024-09-09T19:46:02.102Z","langs":["en"],"text":"Coffee this morning was great, nothing like the first sip of the day."},"cid":"bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi"}}`),
	[]byte(`{"did":"did:plc:ufbl4k27gp6kzas5glhz7fim","time_us":1725911162329412,"kind":"commit","commit":{"rev":"3l3qo2vutsw2c","operation":"create","collection":"app.bsky.feed.post","rkey":"3l3qo2vuowo2c","record":{"$type":"app.bsky.feed.post","createdAt":"2024-09-09T19:46:02.205Z","embed":{"$type":"app.bsky.embed.external","external":{"description":"Le notizie di oggi","thumb":{"$type":"blob","ref":{"$link":"bafkreia"},"mimeType":"image/jpeg","size":12345},"title":"Corriere","uri":"https://www.corriere.it/economia/articolo"}},"facets":[{"features":[{"$type":"app.bsky.richtext.facet#link","uri":"https://www.corriere.it/economia/articolo"}],"index":{"byteEnd":60,"byteStart":30}},{"features":[{"$type":"app.bsky.richtext.facet#tag","tag":"economia"}],"index":{"byteEnd":70,"byteStart":61}}],"langs":["it"],"reply":{"parent":{"cid":"bafyreib","uri":"at://did:plc:x/app.bsky.feed.post/3l3"},"root":{"cid":"bafyreib","uri":"at://did:plc:x/app.bsky.feed.post/3l3"}},"text":"Interessante analisi su corriere.it/economia/artic... #economia"},"cid":"bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqj"}}`),
	[]byte(`{"did":"did:plc:rfov6bpyztcnedeyyzgfq42k","time_us":1725911162329500,"kind":"commit","commit":{"rev":"3l3f6nzl3cv2s","operation":"delete","collection":"app.bsky.feed.post","rkey":"3l3dn7tku762u"}}`),
	[]byte(`{"did":"did:plc:abcdefghijklmnopqrstuvwx","time_us":1725911162329600,"kind":"commit","commit":{"rev":"3l3qo2vutsw2d","operation":"create","collection":"app.bsky.feed.post","rkey":"3l3qo2vuowo2d","record":{"$type":"app.bsky.feed.post","createdAt":"2024-09-09T19:46:02.300Z","embed":{"$type":"app.bsky.embed.images","images":[{"alt":"","aspectRatio":{"height":1000,"width":750},"image":{"$type":"blob","ref":{"$link":"bafkreib"},"mimeType":"image/jpeg","size":223344}}]},"langs":["pt"],"text":"bom dia 🌞"},"cid":"bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqk"}}`),
	[]byte(`{"did":"did:plc:ufbl4k27gp6kzas5glhz7fim","time_us":1725516665234703,"kind":"identity","identity":{"did":"did:plc:ufbl4k27gp6kzas5glhz7fim","handle":"yohenrique.bsky.social","seq":1409752997,"time":"2024-09-05T06:11:04.870Z"}}`),
	[]byte(`{"did":"did:plc:ufbl4k27gp6kzas5glhz7fim","time_us":1725516665333808,"kind":"account","account":{"active":true,"did":"did:plc:ufbl4k27gp6kzas5glhz7fim","seq":1409753013,"time":"2024-09-05T06:11:04.870Z"}}`),
}

func TestBenchEventsDecode(t *testing.T) {
	var d decoder
	var posts int
	for _, data := range benchEvents {
		var ev event
		if err := d.decode(data, &ev); err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		if ev.isPost {
			posts++
		}
	}
	if posts != 3 {
		t.Errorf("%d posts, want 3", posts)
	}
	var ev event
	d.decode(benchEvents[1], &ev)
	if !slices.Equal(ev.post.Links, []string{"https://www.corriere.it/economia/articolo"}) || ev.post.Lang != "it" {
		t.Errorf("post with a card: %+v", ev.post)
	}
}

// BenchmarkDecode measures the decoding of events into posts, the work
// of the reader for every message.
func BenchmarkDecode(b *testing.B) {
	var d decoder
	var ev event
	size := 0
	for _, e := range benchEvents {
		size += len(e)
	}
	b.SetBytes(int64(size / len(benchEvents)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := d.decode(benchEvents[i%len(benchEvents)], &ev); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
