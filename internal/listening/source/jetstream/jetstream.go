// Package jetstream reads Bluesky posts from Jetstream, the service that
// turns the AT Protocol firehose (com.atproto.sync.subscribeRepos, CBOR)
// into JSON over a WebSocket (github.com/bluesky-social/jetstream).
//
// A client connects to <instance>/subscribe with the query parameters the
// Jetstream README documents: wantedCollections (repeated, one NSID each;
// app.bsky.feed.post here), cursor (a Unix time in microseconds; replay
// starts there, and an absent cursor or one in the future means the live
// tail) and maxMessageSizeBytes (the server leaves out bigger events). The
// server then sends one text message per event:
//
//	{"did":"did:plc:…","time_us":1725911162329308,"kind":"commit",
//	 "commit":{"rev":"…","operation":"create","collection":"app.bsky.feed.post",
//	           "rkey":"3l3qo2vuowo2b","record":{"$type":"app.bsky.feed.post",
//	           "text":"…","langs":["it"],"createdAt":"2024-09-09T19:46:02.102Z"},
//	           "cid":"bafyrei…"}}
//
// kind is "commit", "identity" or "account"; a commit's operation is
// "create", "update" or "delete" (deletes have no record). Identity and
// account events reach every subscriber whatever the collections. The
// cursor of a Batch is the time_us of the last event read, of any kind.
//
// The README advises rewinding the cursor a few seconds on reconnection
// "for gapless playback if you process events idempotently": Run rewinds by
// Options.Rewind and, within one Run, drops the events it has already read;
// across restarts the caller keeps one post per ID. zstd compression
// (compress=true) is not requested: it needs Jetstream's custom dictionary,
// and the posts alone are a few hundred kB/s at most.
package jetstream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/portavoce/portavoce/internal/listening/source"
)

// DefaultURL is a public Jetstream instance run by Bluesky.
const DefaultURL = "wss://jetstream2.us-east.bsky.network"

// Defaults of Options.
const (
	DefaultRewind     = 5 * time.Second
	DefaultBatchSize  = 500
	DefaultFlushEvery = 250 * time.Millisecond
	// DefaultMaxEventSize is the biggest event read, and the
	// maxMessageSizeBytes asked of the server. A post record is at most
	// a few kB (300 graphemes of text, facets, an embed's metadata; images
	// are blobs, not inline), so this leaves out only absurd records.
	DefaultMaxEventSize = 1 << 20
	DefaultMinBackoff   = time.Second
	DefaultMaxBackoff   = 2 * time.Minute
)

const (
	// healthyAfter is how long a connection must last for the back-off to
	// start again from the minimum.
	healthyAfter = time.Minute
	// dialTimeout bounds the WebSocket handshake.
	dialTimeout = 30 * time.Second
	// pingAfter is the silence after which the client pings the server;
	// pingTimeout is how long it waits for the pong before it gives the
	// connection up. A live Jetstream sends posts every few milliseconds,
	// so silence means a dead connection more often than a quiet network.
	pingAfter   = 30 * time.Second
	pingTimeout = 15 * time.Second
)

// Options configure a Source. The zero value reads posts from DefaultURL.
type Options struct {
	// URL is the Jetstream instance ("wss://jetstream2.us-east.bsky.network";
	// ws, wss, http and https work). "/subscribe" is appended unless the
	// path already ends with it; query parameters in URL are kept, so
	// wantedDids can be set there.
	URL string
	// Collections are the wantedCollections (default app.bsky.feed.post;
	// prefixes like app.bsky.feed.* work). Only posts become source.Posts;
	// other collections only move the cursor.
	Collections []string
	// Rewind is how far before the last event read a reconnection asks
	// to start (default 5s, negative for none).
	Rewind time.Duration
	// BatchSize is the most posts in one Batch (default 500).
	BatchSize int
	// FlushEvery is the longest an event waits before its Batch is
	// handed over (default 250ms).
	FlushEvery time.Duration
	// MaxEventSize is the biggest event read; bigger ones are skipped as
	// malformed (default DefaultMaxEventSize).
	MaxEventSize int
	// MinBackoff and MaxBackoff bound the wait before a reconnection: it
	// starts at MinBackoff (default 1s), doubles at each failure up to
	// MaxBackoff (default 2m), and starts again after a connection that
	// lasted a minute.
	MinBackoff, MaxBackoff time.Duration
	// HTTPClient makes the WebSocket handshake (default
	// http.DefaultClient); its Transport can set a proxy or TLS roots.
	HTTPClient *http.Client
}

// Source reads posts from a Jetstream instance. It implements
// source.Source; one Source may Run several times, one after the other.
type Source struct {
	opts Options
	base *url.URL
	// healthy, pingAfter and pingTimeout are the constants of the same
	// names, shorter in tests.
	healthy, pingAfter, pingTimeout time.Duration
	// malformed counts skipped events over every Run.
	malformed atomic.Int64
}

var _ source.Source = (*Source)(nil)

// New returns a Source for opts, with the defaults filled in. It fails
// only on a URL that is not a WebSocket or HTTP URL.
func New(opts Options) (*Source, error) {
	if opts.URL == "" {
		opts.URL = DefaultURL
	}
	u, err := url.Parse(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("jetstream: URL: %w", err)
	}
	switch u.Scheme {
	case "ws", "wss", "http", "https":
	default:
		return nil, fmt.Errorf("jetstream: URL %q: scheme must be ws, wss, http or https", opts.URL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("jetstream: URL %q has no host", opts.URL)
	}
	if !strings.HasSuffix(u.Path, "/subscribe") {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/subscribe"
		u.RawPath = ""
	}
	if len(opts.Collections) == 0 {
		opts.Collections = []string{PostCollection}
	}
	if opts.Rewind == 0 {
		opts.Rewind = DefaultRewind
	} else if opts.Rewind < 0 {
		opts.Rewind = 0
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.FlushEvery <= 0 {
		opts.FlushEvery = DefaultFlushEvery
	}
	if opts.MaxEventSize <= 0 {
		opts.MaxEventSize = DefaultMaxEventSize
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = DefaultMinBackoff
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = opts.MinBackoff
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = http.DefaultClient
	}
	return &Source{
		opts: opts, base: u,
		healthy: healthyAfter, pingAfter: pingAfter, pingTimeout: pingTimeout,
	}, nil
}

// Name implements source.Source.
func (s *Source) Name() string { return "jetstream" }

// Malformed is how many events were skipped because they were not JSON,
// too big, or a post without a DID or record key.
func (s *Source) Malformed() int64 { return s.malformed.Load() }

// subscribeURL is the URL of a connection that starts at cursor (0 for the
// live tail).
func (s *Source) subscribeURL(cursor int64) string {
	u := *s.base
	q := u.Query()
	q.Del("wantedCollections")
	for _, c := range s.opts.Collections {
		q.Add("wantedCollections", c)
	}
	q.Set("maxMessageSizeBytes", formatCursor(int64(s.opts.MaxEventSize)))
	q.Del("cursor")
	if cursor > 0 {
		q.Set("cursor", formatCursor(cursor))
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Run implements source.Source. The cursor is a time_us as a decimal
// string; Run fails at once on a cursor that is not one, since starting
// from anywhere else could skip posts. On the first connection it asks for
// cursor minus Rewind, so a restart repeats up to Rewind of posts; Run
// returns ctx's error when ctx ends and emit's error when emit fails.
func (s *Source) Run(ctx context.Context, cursor string, emit func(context.Context, source.Batch) error, status func(source.Status)) error {
	if status == nil {
		status = func(source.Status) {}
	}
	r := &run{src: s, emit: emit, status: status}
	if cursor != "" {
		us, err := parseCursor(cursor)
		if err != nil {
			return err
		}
		r.resume = us
	}
	defer status(source.Status{})

	var delay time.Duration
	for {
		connected, err := r.connection(ctx)
		if e, ok := errors.AsType[*emitError](err); ok {
			return e.err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !connected.IsZero() && time.Since(connected) >= s.healthy {
			delay = 0
		}
		if delay == 0 {
			delay = s.opts.MinBackoff
		} else {
			delay = min(2*delay, s.opts.MaxBackoff)
		}
		status(source.Status{Err: err, RetryAt: time.Now().Add(delay)})
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// emitError wraps the error of emit, which ends Run, to tell it from the
// failures of the network, which Run retries.
type emitError struct{ err error }

func (e *emitError) Error() string { return e.err.Error() }
func (e *emitError) Unwrap() error { return e.err }

// run is the state of one Run.
type run struct {
	src    *Source
	emit   func(context.Context, source.Batch) error
	status func(source.Status)

	// resume is the cursor Run started from (0 for the live tail).
	resume int64
	// started is when the first connection opened, in the local clock's
	// µs: when Run started from the live tail and a connection fails
	// before any event, the next one asks for events since then.
	started int64
	// last is the highest time_us read in this Run and ties how many
	// events were read with that time_us (time_us is a clock, not a
	// sequence, so two events may share one).
	last int64
	ties int

	// catchUp is true on a new connection until it has passed the events
	// already read; seen counts the ties passed so far.
	catchUp bool
	seen    int

	// pending is the Batch being filled; dirty tells whether the cursor
	// moved since the last emit.
	pending []source.Post
	dirty   bool
}

// connection dials, reads until the connection fails or ctx ends, and
// returns when it connected (zero if it did not) and why it ended; the
// events read before a failure are handed over first.
func (r *run) connection(ctx context.Context) (time.Time, error) {
	opts := &r.src.opts
	from := max(r.last, r.resume)
	if from == 0 {
		from = r.started
	}
	if from > 0 {
		from = max(1, from-opts.Rewind.Microseconds())
	}

	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	conn, _, err := websocket.Dial(dctx, r.src.subscribeURL(from), &websocket.DialOptions{
		HTTPClient: opts.HTTPClient,
	})
	cancel()
	if err != nil {
		return time.Time{}, fmt.Errorf("jetstream: dial: %w", err)
	}
	connected := time.Now()
	if r.started == 0 && r.resume == 0 {
		r.started = connected.UnixMicro()
	}
	// The reader enforces MaxEventSize itself, skipping bigger events,
	// where the library's limit would close the connection and a
	// reconnection would meet the same event again.
	conn.SetReadLimit(-1)
	r.status(source.Status{Connected: true})

	cctx, stop := context.WithCancelCause(ctx)
	events := make(chan event, opts.BatchSize)
	var readErr error
	var idle atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(events)
		readErr = r.src.read(cctx, conn, events, &idle)
	})
	wg.Go(func() { r.src.keepAlive(cctx, conn, &idle, stop) })
	defer func() {
		stop(nil)
		conn.CloseNow()
		for range events {
		}
		wg.Wait()
	}()

	r.catchUp = r.last > 0
	r.seen = 0
	flush := time.NewTimer(opts.FlushEvery)
	flush.Stop()
	var flushC <-chan time.Time
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				if ctx.Err() != nil {
					return connected, ctx.Err()
				}
				// Hand over what was read before going away: those
				// posts are good, and the next connection skips them.
				if err := r.flush(ctx); err != nil {
					return connected, err
				}
				if readErr == nil {
					readErr = errors.New("jetstream: connection closed")
				}
				return connected, readErr
			}
			if !r.accept(&ev) {
				continue
			}
			if flushC == nil {
				flush.Reset(opts.FlushEvery)
				flushC = flush.C
			}
			if len(r.pending) >= opts.BatchSize {
				flush.Stop()
				flushC = nil
				if err := r.flush(ctx); err != nil {
					return connected, err
				}
			}
		case <-flushC:
			flushC = nil
			if err := r.flush(ctx); err != nil {
				return connected, err
			}
		case <-ctx.Done():
			return connected, ctx.Err()
		}
	}
}

// accept applies one event to the Run: it drops what a reconnection
// repeats, moves the cursor and keeps the post. It reports whether the
// event was new.
func (r *run) accept(ev *event) bool {
	t := ev.timeUS
	if r.catchUp {
		if t < r.last {
			return false
		}
		if t == r.last && r.seen < r.ties {
			r.seen++
			return false
		}
		r.catchUp = false
	}
	switch {
	case t > r.last:
		r.last, r.ties = t, 1
	case t == r.last:
		r.ties++
	}
	r.dirty = true
	if ev.isPost {
		r.pending = append(r.pending, ev.post)
	}
	return true
}

// flush hands the pending posts and the cursor over, if anything moved.
func (r *run) flush(ctx context.Context) error {
	if !r.dirty && len(r.pending) == 0 {
		return nil
	}
	b := source.Batch{
		Posts:  r.pending,
		Cursor: formatCursor(max(r.last, r.resume)),
	}
	// A new slice for every Batch, since emit may keep the posts, sized
	// like the last one.
	r.pending = make([]source.Post, 0, min(max(len(b.Posts), 16), r.src.opts.BatchSize))
	r.dirty = false
	if err := r.emit(ctx, b); err != nil {
		return &emitError{err}
	}
	return nil
}

// read decodes the messages of conn into events until the connection
// fails. Malformed events are counted and skipped; those whose time_us
// could be read still move the cursor.
//
// idle holds, in Unix ns, since when the reader has been waiting for a
// message, 0 while it decodes or waits for Run to take an event.
func (s *Source) read(ctx context.Context, conn *websocket.Conn, events chan<- event, idle *atomic.Int64) error {
	var (
		d     decoder
		buf   = make([]byte, 0, 16<<10)
		limit = s.opts.MaxEventSize
	)
	for {
		idle.Store(time.Now().UnixNano())
		_, msg, err := conn.Reader(ctx)
		if err == nil {
			buf, err = readMessage(msg, buf[:0], limit)
		}
		idle.Store(0)
		if err != nil && ctx.Err() != nil {
			// Run ended, or keepAlive gave the connection up.
			return context.Cause(ctx)
		}
		if errors.Is(err, errTooBig) {
			s.malformed.Add(1)
			continue
		}
		if err != nil {
			return fmt.Errorf("jetstream: read: %w", err)
		}
		var ev event
		if err := d.decode(buf, &ev); err != nil {
			s.malformed.Add(1)
			if ev.timeUS == 0 {
				continue
			}
		}
		select {
		case events <- ev:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		if cap(buf) > 256<<10 {
			// One huge event should not pin its buffer for good.
			buf = make([]byte, 0, 16<<10)
		}
	}
}

var errTooBig = errors.New("jetstream: event bigger than MaxEventSize")

// readMessage reads one message into buf. A message longer than limit is
// read to its end and dropped, with errTooBig.
func readMessage(r io.Reader, buf []byte, limit int) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > limit {
			if _, err := io.Copy(io.Discard, r); err != nil {
				return buf[:0], err
			}
			return buf[:0], errTooBig
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// keepAlive pings the server when the reader has waited pingAfter for a
// message, and gives the connection up, through stop, when no pong comes
// back in time: a connection cut without a FIN would otherwise leave the
// reader waiting for ever. While Run is busy in emit the reader does not
// wait on the network, and a ping could not be answered (the reader is
// what handles pongs), so there is no ping then.
func (s *Source) keepAlive(ctx context.Context, conn *websocket.Conn, idle *atomic.Int64, stop context.CancelCauseFunc) {
	t := time.NewTicker(s.pingAfter / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			since := idle.Load()
			if since == 0 || now.Sub(time.Unix(0, since)) < s.pingAfter {
				continue
			}
			pctx, cancel := context.WithTimeout(ctx, s.pingTimeout)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				stop(fmt.Errorf("jetstream: no pong within %v of a ping: %w", s.pingTimeout, err))
				conn.CloseNow()
				return
			}
			idle.CompareAndSwap(since, time.Now().UnixNano())
		}
	}
}
