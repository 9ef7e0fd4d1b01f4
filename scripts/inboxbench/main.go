// Command inboxbench measures the unified inbox on a real database.
//
// Ingestion: the real inbox.Ingester fetches 100,000 notifications for 100
// connected accounts from an in-process network (pages of 40, with
// notifications repeated across pages), then the stored items are checked:
// every notification once, none twice.
//
// The inbox page: with 100,000 conversations stored, inbox.Service.List
// (the queries of the inbox page) is called 1,000 times per filter for a
// manager (every conversation) and for a responder (the 1% assigned to
// them), and its latency reported.
//
//	go run ./scripts/inboxbench                                                   # SQLite in a temporary folder
//	go run ./scripts/inboxbench -database postgres://postgres@127.0.0.1:5432/test  # PostgreSQL: a new schema, dropped at the end
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/secrets"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/workspace"
)

type config struct {
	database      string
	items         int
	accounts      int
	pageSize      int
	concurrency   int
	conversations int
	calls         int
	only          string
	keep          bool
}

func main() {
	var c config
	flag.StringVar(&c.database, "database", "", "PostgreSQL URL: the tool works in a new schema of it, dropped at the end (default: SQLite in a temporary folder)")
	flag.IntVar(&c.items, "items", 100_000, "notifications to ingest, spread evenly over the accounts")
	flag.IntVar(&c.accounts, "accounts", 100, "connected accounts (half Mastodon, half Bluesky), for both measurements")
	flag.IntVar(&c.pageSize, "page", 40, "notifications per fetch")
	flag.IntVar(&c.concurrency, "concurrency", 0, "accounts fetched at once (0: the ingester's default)")
	flag.IntVar(&c.conversations, "conversations", 100_000, "conversations stored for the inbox page measurement")
	flag.IntVar(&c.calls, "calls", 1000, "inbox page calls per filter and role")
	flag.StringVar(&c.only, "only", "", `"ingest" or "page" to run one measurement`)
	flag.BoolVar(&c.keep, "keep", false, "keep the database (folder or schema) and print where it is")
	flag.Parse()
	if c.accounts <= 0 || c.items%c.accounts != 0 || c.conversations%c.accounts != 0 {
		log.Fatal("-items and -conversations must be multiples of -accounts")
	}
	if c.only != "" && c.only != "ingest" && c.only != "page" {
		log.Fatal(`-only is "ingest" or "page"`)
	}
	if err := run(c); err != nil {
		log.Fatal(err)
	}
}

// bench is an open, migrated database with the vault and an owner.
type bench struct {
	db        *store.DB
	vault     *secrets.Vault
	connector *publish.Connector
	owner     p.User
	engine    string
}

func run(c config) error {
	ctx := context.Background()
	opts := store.Options{Wait: 10 * time.Second}
	engine := "SQLite"
	if c.database == "" {
		dir, err := os.MkdirTemp("", "inboxbench")
		if err != nil {
			return err
		}
		if c.keep {
			defer log.Printf("kept the SQLite database in %s", dir)
		} else {
			defer os.RemoveAll(dir)
		}
		opts.DataDir = dir
	} else {
		engine = "PostgreSQL"
		u, drop, err := newSchema(ctx, c.database)
		if err != nil {
			return err
		}
		if c.keep {
			defer log.Printf("kept the PostgreSQL schema: %s", u)
		} else {
			defer drop()
		}
		opts.DatabaseURL = u
	}
	db, err := store.Open(ctx, opts)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	key := make([]byte, secrets.KeySize)
	rand.Read(key)
	box, err := secrets.NewBox(key)
	if err != nil {
		return err
	}
	vault := secrets.NewVault(box, db)
	if err := vault.CheckKey(ctx); err != nil {
		return err
	}
	now := time.Now().UTC()
	owner := p.User{ID: uuid.NewString(), Email: "owner@example.it", Name: "Owner", PasswordHash: "x", CreatedAt: now, PasswordChangedAt: now}
	if err := db.CreateUser(ctx, owner); err != nil {
		return err
	}
	b := &bench{db: db, vault: vault, connector: publish.NewConnector(db, vault, nil, nil, nil, nil), owner: owner, engine: engine}
	fmt.Printf("%s, %s, %d CPUs, %s\n", engine, runtime.Version(), runtime.NumCPU(), db.Where())
	if c.only != "page" {
		if err := b.ingestion(ctx, c); err != nil {
			return fmt.Errorf("ingestion: %w", err)
		}
	}
	if c.only != "ingest" {
		if err := b.page(ctx, c); err != nil {
			return fmt.Errorf("inbox page: %w", err)
		}
	}
	return nil
}

// newSchema makes a new schema in the PostgreSQL at base, as the store's
// tests do, and returns the URL that works in it and what drops it.
func newSchema(ctx context.Context, base string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(ctx)
	b := make([]byte, 4)
	rand.Read(b)
	schema := "inboxbench_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, err
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if conn, err := pgx.Connect(ctx, base); err == nil {
			if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
				log.Printf("dropping schema %s: %v", schema, err)
			}
			conn.Close(ctx)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// workspace makes a workspace owned by the bench's owner, with n accounts
// connected through the Connector (credentials sealed in the vault),
// alternately Mastodon and Bluesky.
func (b *bench) workspace(ctx context.Context, slug string, n int) (p.Workspace, []p.SocialAccount, error) {
	now := time.Now().UTC()
	ws := p.Workspace{ID: uuid.NewString(), Slug: slug, Name: "Bench " + slug, Timezone: "Europe/Rome", Language: "it", CreatedAt: now}
	if err := b.db.CreateWorkspace(ctx, ws, b.owner.ID); err != nil {
		return ws, nil, err
	}
	var out []p.SocialAccount
	for i := range n {
		network, server := provider.Mastodon, "https://mastodon.example"
		profile := provider.Profile{RemoteID: fmt.Sprint(100_000 + i), Handle: fmt.Sprintf("brand%d@mastodon.example", i),
			DisplayName: fmt.Sprintf("Brand %d", i), URL: fmt.Sprintf("https://mastodon.example/@brand%d", i)}
		if i%2 == 1 {
			network, server = provider.Bluesky, "https://pds.example"
			profile = provider.Profile{RemoteID: fmt.Sprintf("did:plc:brand%06d", i), Handle: fmt.Sprintf("brand%d.bsky.social", i),
				DisplayName: fmt.Sprintf("Brand %d", i), URL: fmt.Sprintf("https://bsky.app/profile/brand%d.bsky.social", i)}
		}
		acc, err := b.connector.Save(ctx, workspace.Actor{User: b.owner}, ws, network, server, profile, provider.Limits{},
			[]byte(`{"access_token":"bench-token-`+fmt.Sprint(i)+`"}`))
		if err != nil {
			return ws, nil, err
		}
		out = append(out, acc)
	}
	return ws, out, nil
}

// user makes a user with a role in ws.
func (b *bench) user(ctx context.Context, ws p.Workspace, name string, role p.Role) (p.User, error) {
	now := time.Now().UTC()
	u := p.User{ID: uuid.NewString(), Email: strings.ToLower(name) + "@example.it", Name: name, PasswordHash: "x",
		CreatedAt: now, PasswordChangedAt: now}
	if err := b.db.CreateUser(ctx, u); err != nil {
		return u, err
	}
	return u, b.db.AddMember(ctx, p.Membership{WorkspaceID: ws.ID, UserID: u.ID, Role: role, CreatedAt: now})
}

// memWatch follows the Go heap while a measurement runs.
type memWatch struct {
	stop    chan struct{}
	done    chan struct{}
	start   runtime.MemStats
	end     runtime.MemStats
	maxHeap uint64
}

// watchMemory resets the process's peak RSS (where Linux allows it) and
// samples the Go heap every 10 ms until Stop.
func watchMemory() *memWatch {
	runtime.GC()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	m := &memWatch{stop: make(chan struct{}), done: make(chan struct{})}
	runtime.ReadMemStats(&m.start)
	m.maxHeap = m.start.HeapAlloc
	go func() {
		defer close(m.done)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		var s runtime.MemStats
		for {
			select {
			case <-m.stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&s)
				m.maxHeap = max(m.maxHeap, s.HeapAlloc)
			}
		}
	}()
	return m
}

func (m *memWatch) Stop() {
	close(m.stop)
	<-m.done
	runtime.ReadMemStats(&m.end)
	m.maxHeap = max(m.maxHeap, m.end.HeapAlloc)
}

// procStatus reads a size (in kB) from /proc/self/status, in MB.
func procStatus(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(rest), "%g", &kb)
			return kb / 1000
		}
	}
	return 0
}

// cpuTime is the CPU time (user and system) this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func mb(b uint64) float64 { return float64(b) / 1e6 }

// parallel runs fn(i) for i in [0, n) on workers goroutines, stopping at
// the first error.
func parallel(n, workers int, fn func(i int) error) error {
	var (
		mu    sync.Mutex
		first error
		next  int
		wg    sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if first != nil || next >= n {
					mu.Unlock()
					return
				}
				i := next
				next++
				mu.Unlock()
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}
