// Command listenbench measures listening at firehose speed: a day of
// generated Bluesky posts (2.2 million by default) replayed through the
// real path, from a local Jetstream over WebSocket through jetstream.Source
// and listening.Pipeline.Run, with 10,000 active topics stored in a real
// database, to the matched posts stored as mentions. It then matches the
// same posts with the compiled Matcher alone, checks that the database holds
// exactly the posts and mentions that matching finds, and prints markdown
// tables. With -direct it also replays the posts without the WebSocket
// (pre-decoded batches straight into Pipeline.Run, on a fresh database); with
// -sweep it measures the Matcher alone, and the naive way, at several numbers
// of queries.
//
//	go run ./scripts/listenbench                              # 2.2M posts, 10,000 topics, SQLite
//	go run ./scripts/listenbench -direct                      # and without the WebSocket
//	go run ./scripts/listenbench -posts 500000 -queries 1000
//	go run ./scripts/listenbench -database postgres://postgres@127.0.0.1:5432/listenbench
//	go run ./scripts/listenbench -sweep 100,1000,10000,100000 # the matcher alone, and the naive way
//	go run ./scripts/listenbench -show 20                     # what the generated topics and posts look like
//
// The posts are English, Japanese, Portuguese, German, Spanish and Italian,
// from a few characters to Bluesky's 300; -mention-rate (per ten thousand)
// of them name one of the watched brands, and generic topics on common
// words match some more (the run prints the share that matched: 1.7% with
// the defaults).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/listening"
	"github.com/portavoce/portavoce/internal/listening/query"
	"github.com/portavoce/portavoce/internal/listening/source"
	"github.com/portavoce/portavoce/internal/listening/source/jetstream"
	"github.com/portavoce/portavoce/internal/listening/source/jetstream/jetstreamtest"
	"github.com/portavoce/portavoce/internal/live"
	"github.com/portavoce/portavoce/internal/store"
)

type config struct {
	posts, queries, workspaces int
	seed                       uint64
	mentionRate                int
	database                   string
	websocket, direct          bool
	sweep                      string
	sweepPosts                 int
	naiveSeconds               float64
}

func main() {
	var cfg config
	flag.IntVar(&cfg.posts, "posts", 2200000, "posts to replay (24 hours of Bluesky are about 2.2 million)")
	flag.IntVar(&cfg.queries, "queries", 10000, "active topics, one query each")
	flag.IntVar(&cfg.workspaces, "workspaces", 1000, "workspaces the topics belong to")
	flag.Uint64Var(&cfg.seed, "seed", 2026, "seed of the generated topics and posts")
	flag.IntVar(&cfg.mentionRate, "mention-rate", 150, "posts per ten thousand that name a watched brand")
	flag.StringVar(&cfg.database, "database", "", "PostgreSQL URL of an empty database, whose public schema is reset (default: SQLite in a temporary folder)")
	flag.BoolVar(&cfg.websocket, "websocket", true, "replay through the local Jetstream over WebSocket")
	flag.BoolVar(&cfg.direct, "direct", false, "also replay the posts pre-decoded, without the WebSocket, through Pipeline.Run into a fresh database")
	flag.StringVar(&cfg.sweep, "sweep", "", "comma-separated numbers of queries: measure the Matcher alone and the naive way at each, instead of the replay")
	flag.IntVar(&cfg.sweepPosts, "sweep-posts", 100000, "posts matched at each size of -sweep")
	flag.Float64Var(&cfg.naiveSeconds, "naive-seconds", 3, "CPU seconds given to the naive way at each size of -sweep")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of each measured phase to this prefix + -<phase>.pprof")
	flag.BoolVar(&keepDB, "keep", false, "keep the SQLite databases (their folders are printed)")
	show := flag.Int("show", 0, "print this many of the generated queries and posts, and stop")
	serveMode := flag.Bool("serve", false, "internal: be the Jetstream process")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("listenbench: ")

	var err error
	switch {
	case *show > 0:
		err = showSample(cfg, *show)
	case *serveMode:
		err = serve(cfg)
	case cfg.sweep != "":
		err = runSweep(cfg)
	default:
		err = run(cfg)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// keepDB keeps the SQLite folders (-keep).
var keepDB bool

// world is the topics and their workspaces, the same in every database.
type world struct {
	owner      p.User
	workspaces []p.Workspace
	topics     []p.Topic
}

func newWorld(cfg config, queries []string) world {
	now := time.Now().UTC()
	w := world{owner: p.User{ID: uuid.NewString(), Email: "bench@example.it", Name: "Bench", PasswordHash: "x",
		CreatedAt: now, PasswordChangedAt: now}}
	nws := max(1, min(cfg.workspaces, len(queries)))
	for i := range nws {
		w.workspaces = append(w.workspaces, p.Workspace{ID: uuid.NewString(), Slug: fmt.Sprintf("ws-%05d", i),
			Name: fmt.Sprintf("Workspace %d", i), Timezone: "Europe/Rome", Language: "it", CreatedAt: now})
	}
	for i, q := range queries {
		w.topics = append(w.topics, p.Topic{ID: uuid.NewString(), WorkspaceID: w.workspaces[i%nws].ID,
			Name: fmt.Sprintf("Topic %d", i), Kind: p.TopicBrand, Query: q, Active: true, CreatedAt: now, UpdatedAt: now})
	}
	return w
}

// openDB opens a fresh database with the world's topics.
func openDB(ctx context.Context, cfg config, w world) (*store.DB, func(), error) {
	opts := store.Options{DatabaseURL: cfg.database}
	cleanup := func() {}
	if cfg.database == "" {
		dir, err := os.MkdirTemp("", "listenbench-")
		if err != nil {
			return nil, nil, err
		}
		opts.DataDir = dir
		cleanup = func() { os.RemoveAll(dir) }
		if keepDB {
			cleanup = func() { fmt.Fprintf(os.Stderr, "listenbench: kept %s\n", dir) }
		}
	} else {
		conn, err := pgx.Connect(ctx, cfg.database)
		if err != nil {
			return nil, nil, err
		}
		_, err = conn.Exec(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
		conn.Close(ctx)
		if err != nil {
			return nil, nil, err
		}
	}
	db, err := store.Open(ctx, opts)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	done := func() { db.Close(); cleanup() }
	if err := db.Migrate(ctx); err != nil {
		done()
		return nil, nil, err
	}
	if err := db.CreateUser(ctx, w.owner); err != nil {
		done()
		return nil, nil, err
	}
	for _, ws := range w.workspaces {
		if err := db.CreateWorkspace(ctx, ws, w.owner.ID); err != nil {
			done()
			return nil, nil, err
		}
	}
	for _, t := range w.topics {
		if err := db.SaveTopic(ctx, t); err != nil {
			done()
			return nil, nil, err
		}
	}
	return db, done, nil
}

// stored counts the stored posts and mentions.
func stored(ctx context.Context, db *store.DB) (posts, mentions int, err error) {
	if err = db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM listening_posts`).Scan(&posts); err != nil {
		return
	}
	err = db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM listening_mentions`).Scan(&mentions)
	return
}

// untilN stops a source once it has handed over n posts and the pipeline
// has stored them: it cancels the run after the emit that reaches n. A
// watchdog gives up when nothing arrives for a while (a post lost).
type untilN struct {
	source.Source
	n      int
	cancel context.CancelFunc
	got    atomic.Int64
	last   atomic.Int64 // unix ns of the last batch
}

func (u *untilN) Run(ctx context.Context, cursor string, emit func(context.Context, source.Batch) error, status func(source.Status)) error {
	u.last.Store(time.Now().UnixNano())
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if time.Since(time.Unix(0, u.last.Load())) > 30*time.Second {
					log.Printf("nothing for 30 s after %d posts of %d: giving up", u.got.Load(), u.n)
					u.cancel()
					return
				}
			}
		}
	}()
	return u.Source.Run(ctx, cursor, func(ctx context.Context, b source.Batch) error {
		err := emit(ctx, b)
		u.last.Store(time.Now().UnixNano())
		if u.got.Add(int64(len(b.Posts))) >= int64(u.n) {
			u.cancel()
		}
		return err
	}, status)
}

// batches is a source of pre-decoded posts, handed over in batches of
// Jetstream's default size; it returns after the last one.
type batches struct{ posts []source.Post }

func (b *batches) Name() string { return "pre-decoded" }

func (b *batches) Run(ctx context.Context, _ string, emit func(context.Context, source.Batch) error, status func(source.Status)) error {
	status(source.Status{Connected: true})
	for i := 0; i < len(b.posts); i += jetstream.DefaultBatchSize {
		j := min(i+jetstream.DefaultBatchSize, len(b.posts))
		if err := emit(ctx, source.Batch{Posts: b.posts[i:j], Cursor: strconv.Itoa(j)}); err != nil {
			return err
		}
	}
	return nil
}

// decoded is post i as jetstream.Source hands it over: the same ID, URL,
// author (the DID), languages, creation time and links (from the link
// facets jetstreamtest.NewPost writes).
func decoded(g genPost) source.Post {
	sp := source.Post{
		ID:        "at://" + g.did + "/" + jetstream.PostCollection + "/" + g.rkey,
		Source:    "bluesky",
		URL:       "https://bsky.app/profile/" + g.did + "/post/" + g.rkey,
		Text:      g.text,
		Author:    g.did,
		Lang:      strings.Join(g.langs, ","),
		CreatedAt: g.at.Truncate(time.Millisecond).UTC(),
	}
	for _, f := range jetstreamtest.NewPost(g.text, g.langs, g.at).Facets {
		for _, feat := range f.Features {
			if m, ok := feat.(map[string]string); ok && m["uri"] != "" && !contains(sp.Links, m["uri"]) {
				sp.Links = append(sp.Links, m["uri"])
			}
		}
	}
	return sp
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// genDecoded generates posts start to end-1, on every CPU.
func genDecoded(cfg config, brands []brand, start, end int) []source.Post {
	posts := make([]source.Post, end-start)
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := start + w; i < end; i += workers {
				posts[i-start] = decoded(genPostAt(cfg.seed, i, cfg.posts, brands, cfg.mentionRate))
			}
		})
	}
	wg.Wait()
	return posts
}

// result is one row of the replay table.
type result struct {
	path               string
	posts              int
	m                  measured
	server             bool
	stored             bool
	gotPosts, mentions int
}

func run(cfg config) error {
	ctx := context.Background()
	fmt.Fprintf(os.Stderr, "listenbench: %d posts, %d topics in %d workspaces, GOMAXPROCS %d\n",
		cfg.posts, cfg.queries, cfg.workspaces, runtime.GOMAXPROCS(0))

	var js *jetstreamProcess
	jsDone := make(chan error, 1)
	if cfg.websocket {
		// The child generates and publishes while this process sets up
		// its database.
		go func() {
			var err error
			js, err = startJetstream(ctx, cfg)
			jsDone <- err
		}()
	}

	brands := genBrands(cfg.seed, cfg.queries)
	queries, err := genQueries(cfg.seed, brands)
	if err != nil {
		return err
	}
	w := newWorld(cfg, queries)

	var results []result
	var compileTime time.Duration
	var stats query.MatcherStats
	var matcherHeap uint64
	var jsPublish float64

	if cfg.websocket {
		t0 := time.Now()
		db, done, err := openDB(ctx, cfg, w)
		if err != nil {
			if <-jsDone == nil {
				js.Stop()
			}
			return err
		}
		fmt.Fprintf(os.Stderr, "listenbench: database with %d topics ready in %v\n", len(w.topics), time.Since(t0).Round(time.Millisecond))
		if err := <-jsDone; err != nil {
			done()
			return err
		}
		jsPublish = js.Publish
		fmt.Fprintf(os.Stderr, "listenbench: the Jetstream process published %d events in %.1f s\n", js.Events, js.Publish)
		r, err := replayWebSocket(ctx, cfg, db, js)
		js.Stop()
		done()
		if err != nil {
			return err
		}
		results = append(results, r)
	}

	var expectPosts, expectMentions int
	{
		// Matching the same posts directly: the expected counts, and
		// the Matcher's own speed.
		qs := make(map[string]*query.Query, len(w.topics))
		for _, t := range w.topics {
			q, err := query.Parse(t.Query)
			if err != nil {
				return err
			}
			qs[t.ID] = q
		}
		before := liveHeap()
		t0 := time.Now()
		m := query.Compile(qs)
		compileTime = time.Since(t0)
		matcherHeap = max(liveHeap(), before) - before
		stats = m.Stats()

		// The posts are generated a chunk at a time, outside the
		// measured time, so that they do not fill the memory either.
		ph := startPhase("matcher", 0)
		var wall, cpu time.Duration
		var ids []string
		const chunk = 100000
		for start := 0; start < cfg.posts; start += chunk {
			posts := genDecoded(cfg, brands, start, min(start+chunk, cfg.posts))
			w0, c0 := time.Now(), cpuSelf()
			for _, sp := range posts {
				ids = m.Match(query.Post{Text: sp.Text, Author: sp.Author, URL: sp.URL, Lang: sp.Lang, Links: sp.Links}, ids[:0])
				if len(ids) > 0 {
					expectPosts++
					expectMentions += len(ids)
				}
			}
			wall += time.Since(w0)
			cpu += cpuSelf() - c0
		}
		mm := ph.end()
		mm.Wall, mm.CPU = wall, cpu
		runtime.KeepAlive(m)
		results = append(results, result{path: "`Matcher.Match` alone, no store (the expected counts)", posts: cfg.posts, m: mm,
			gotPosts: expectPosts, mentions: expectMentions})

		if cfg.direct {
			t0 := time.Now()
			posts := genDecoded(cfg, brands, 0, cfg.posts)
			fmt.Fprintf(os.Stderr, "listenbench: generated the posts again in %v\n", time.Since(t0).Round(time.Millisecond))
			r, err := replayDirect(ctx, cfg, w, posts)
			if err != nil {
				return err
			}
			results = append(results, r)
		}
	}

	printReport(cfg, w, stats, compileTime, matcherHeap, jsPublish, expectPosts, expectMentions, results)
	for _, r := range results {
		if r.stored && (r.gotPosts != expectPosts || r.mentions != expectMentions) {
			return fmt.Errorf("%s stored %d posts and %d mentions; matching the same posts directly says %d and %d",
				r.path, r.gotPosts, r.mentions, expectPosts, expectMentions)
		}
	}
	return nil
}

// replayWebSocket replays every post from the Jetstream process through
// jetstream.Source and Pipeline.Run into db.
func replayWebSocket(ctx context.Context, cfg config, db *store.DB, js *jetstreamProcess) (result, error) {
	pl := listening.NewPipeline(db, live.NewHub(), nil, nil, nil)
	if err := pl.Load(ctx); err != nil {
		return result{}, err
	}
	// Replay from the start of the server's events, as after a day's
	// outage: the source's stored cursor is the oldest time_us.
	now := time.Now()
	row, err := db.Source(ctx, "", "jetstream", js.URL, now)
	if err != nil {
		return result{}, err
	}
	if err := db.SaveSourceCursor(ctx, row.ID, "1", 0, now); err != nil {
		return result{}, err
	}
	src, err := jetstream.New(jetstream.Options{URL: js.URL})
	if err != nil {
		return result{}, err
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	u := &untilN{Source: src, n: cfg.posts, cancel: cancel}
	fmt.Fprintf(os.Stderr, "listenbench: replaying over WebSocket...\n")
	ph := startPhase("websocket", js.PID())
	err = pl.Run(rctx, u, "", "jetstream", js.URL)
	m := ph.end()
	if err != nil && !errors.Is(err, context.Canceled) {
		return result{}, err
	}
	if got := int(u.got.Load()); got != cfg.posts {
		return result{}, fmt.Errorf("the source handed over %d posts of %d (%d malformed)", got, cfg.posts, src.Malformed())
	}
	r := result{path: "Jetstream over WebSocket → `jetstream.Source` → `Pipeline.Run` → " + dbName(cfg),
		posts: cfg.posts, m: m, server: true, stored: true}
	r.gotPosts, r.mentions, err = stored(ctx, db)
	fmt.Fprintf(os.Stderr, "listenbench: WebSocket replay: %v\n", m.Wall.Round(time.Millisecond))
	return r, err
}

// replayDirect replays the pre-decoded posts through Pipeline.Run into a
// fresh database.
func replayDirect(ctx context.Context, cfg config, w world, posts []source.Post) (result, error) {
	db, done, err := openDB(ctx, cfg, w)
	if err != nil {
		return result{}, err
	}
	defer done()
	pl := listening.NewPipeline(db, live.NewHub(), nil, nil, nil)
	if err := pl.Load(ctx); err != nil {
		return result{}, err
	}
	fmt.Fprintf(os.Stderr, "listenbench: replaying pre-decoded batches...\n")
	ph := startPhase("predecoded", 0)
	err = pl.Run(ctx, &batches{posts}, "", "jetstream", "pre-decoded")
	m := ph.end()
	if err != nil {
		return result{}, err
	}
	r := result{path: "pre-decoded batches → `Pipeline.Run` → " + dbName(cfg), posts: len(posts), m: m, stored: true}
	r.gotPosts, r.mentions, err = stored(ctx, db)
	fmt.Fprintf(os.Stderr, "listenbench: pre-decoded replay: %v\n", m.Wall.Round(time.Millisecond))
	return r, err
}

func dbName(cfg config) string {
	if cfg.database != "" {
		return "PostgreSQL"
	}
	return "SQLite"
}

func mb(b uint64) string {
	switch {
	case b < 1<<20:
		return fmt.Sprintf("%.0f kB", float64(b)/(1<<10))
	case b < 10<<20:
		return fmt.Sprintf("%.1f MB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%.0f MB", float64(b)/(1<<20))
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func rate(n int, d time.Duration) string {
	if d <= 0 {
		return "–"
	}
	return thousands(int(float64(n) / d.Seconds()))
}

func printReport(cfg config, w world, st query.MatcherStats, compile time.Duration, heap uint64, publish float64,
	expectPosts, expectMentions int, results []result) {
	fmt.Printf("Listening replay: %s generated Bluesky posts, %s active topics in %s workspaces, %s, GOMAXPROCS %d.\n\n",
		thousands(cfg.posts), thousands(len(w.topics)), thousands(len(w.workspaces)), dbName(cfg), runtime.GOMAXPROCS(0))
	if st.Queries > 0 {
		fmt.Printf("| Topics | Distinct queries | Automaton patterns / states | Compile | Matcher heap | Posts matching a topic | Mentions |\n")
		fmt.Printf("|---:|---:|---:|---:|---:|---:|---:|\n")
		fmt.Printf("| %s | %s | %s / %s | %v | %s | %s (%.2f%%) | %s |\n\n", thousands(st.Queries), thousands(st.Distinct),
			thousands(st.Patterns), thousands(st.States), compile.Round(time.Millisecond), mb(heap),
			thousands(expectPosts), 100*float64(expectPosts)/float64(max(cfg.posts, 1)), thousands(expectMentions))
	}
	fmt.Printf("| Path | Wall | Posts/s (wall) | CPU (process) | Posts per CPU-second | Jetstream server CPU | Peak RSS | Max HeapAlloc | Stored posts / mentions |\n")
	fmt.Printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		server := "–"
		if r.server {
			server = fmt.Sprintf("%.1f s", r.m.OtherCPU.Seconds())
		}
		rss := mb(r.m.PeakRSS)
		if !r.m.RSSSinceStart {
			rss += " (process lifetime)"
		}
		storedCol := "–"
		if r.stored {
			ok := "✓"
			if r.gotPosts != expectPosts || r.mentions != expectMentions {
				ok = fmt.Sprintf("✗ (expected %s / %s)", thousands(expectPosts), thousands(expectMentions))
			}
			storedCol = fmt.Sprintf("%s / %s %s", thousands(r.gotPosts), thousands(r.mentions), ok)
		}
		fmt.Printf("| %s | %.1f s | %s | %.1f s | %s | %s | %s | %s (%s live at start) | %s |\n", r.path, r.m.Wall.Seconds(),
			rate(r.posts, r.m.Wall), r.m.CPU.Seconds(), rate(r.posts, r.m.CPU), server, rss, mb(r.m.HeapMax), mb(r.m.HeapBase), storedCol)
	}
	if publish > 0 {
		fmt.Printf("\nThe Jetstream process generated and published the %s posts in %.1f s before the replay (not counted).\n",
			thousands(cfg.posts), publish)
	}
}

// showSample prints the first n queries and posts, to see what the
// benchmark is made of.
func showSample(cfg config, n int) error {
	brands := genBrands(cfg.seed, cfg.queries)
	queries, err := genQueries(cfg.seed, brands)
	if err != nil {
		return err
	}
	for _, q := range queries[:min(n, len(queries))] {
		fmt.Println("query:", q)
	}
	chars := 0
	for i := range cfg.posts {
		g := genPostAt(cfg.seed, i, cfg.posts, brands, cfg.mentionRate)
		chars += utf8.RuneCountInString(g.text)
		if i < n {
			fmt.Printf("post %s %v: %q\n", g.did, g.langs, g.text)
		}
	}
	fmt.Printf("mean length: %.0f characters\n", float64(chars)/float64(max(cfg.posts, 1)))
	return nil
}
