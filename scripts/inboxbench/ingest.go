package main

import (
	"context"
	"fmt"
	"log"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/portavoce/portavoce/internal/inbox"
	"github.com/portavoce/portavoce/internal/live"
	"github.com/portavoce/portavoce/internal/provider"
)

// ingestion connects the accounts, lets the real Ingester fetch every
// notification from the in-process network, round after round as its
// clock moves on by the poll interval, and checks what was stored.
func (b *bench) ingestion(ctx context.Context, c config) error {
	perAccount := c.items / c.accounts
	log.Printf("ingestion: connecting %d accounts", c.accounts)
	ws, accounts, err := b.workspace(ctx, "ingest", c.accounts)
	if err != nil {
		return err
	}
	// The notifications arrived over the last half day; the ingester's
	// clock starts after the last of them and moves a poll interval per
	// round.
	var mu sync.Mutex
	clock := time.Now().UTC().Truncate(time.Second)
	step := 12 * time.Hour / time.Duration(perAccount)
	net := newNetwork(c.accounts, perAccount, c.pageSize, clock.Add(-12*time.Hour), step)
	for i, a := range accounts {
		net.accounts[a.ID] = i
		net.networks[i] = a.Network
	}
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	}
	ing := inbox.NewIngester(b.db, b.vault, map[string]provider.Inbox{provider.Mastodon: net, provider.Bluesky: net},
		live.NewHub(), inbox.IngestOptions{Node: "bench", Concurrency: c.concurrency}, now, nil)

	log.Printf("ingestion: %d notifications (%d per account) in pages of %d", c.items, perAccount, c.pageSize)
	mem := watchMemory()
	cpu := cpuTime()
	started := time.Now()
	rounds := 0
	for !net.done() {
		if rounds++; rounds > 1000 {
			return fmt.Errorf("still not done after %d rounds", rounds-1)
		}
		if err := ing.Round(ctx); err != nil {
			return err
		}
		mu.Lock()
		clock = clock.Add(ing.Every())
		mu.Unlock()
	}
	took := time.Since(started)
	cpu = cpuTime() - cpu
	mem.Stop()
	peakRSS := procStatus("VmHWM")

	// Where the work goes, measured apart on one core: making the items
	// (the network's side, in this process) and analysing them
	// (inbox.Arrivals: language, sentiment, the reply target as JSON).
	var m0, m1, m2 runtime.MemStats
	runtime.ReadMemStats(&m0)
	t0 := time.Now()
	var made [][]provider.Item
	for i := range accounts {
		items := make([]provider.Item, 0, perAccount)
		for j := range perAccount {
			items = append(items, net.item(i, j))
		}
		made = append(made, items)
	}
	makeTook := time.Since(t0)
	runtime.ReadMemStats(&m1)
	t0 = time.Now()
	for _, items := range made {
		inbox.Arrivals(items, clock)
	}
	analyseTook := time.Since(t0)
	runtime.ReadMemStats(&m2)
	made = nil

	// What was stored: every notification once.
	var rows, conversations, counted int
	if err := b.db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM inbox_items WHERE workspace_id = $1`, ws.ID).Scan(&rows); err != nil {
		return err
	}
	var dups int
	if err := b.db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT account_id, remote_id FROM inbox_items
		WHERE workspace_id = $1 GROUP BY account_id, remote_id HAVING COUNT(*) > 1) d`, ws.ID).Scan(&dups); err != nil {
		return err
	}
	if err := b.db.SQL().QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(items), 0) FROM inbox_conversations WHERE workspace_id = $1`,
		ws.ID).Scan(&conversations, &counted); err != nil {
		return err
	}
	stored := map[string]map[string]bool{}
	q, err := b.db.SQL().QueryContext(ctx, `SELECT account_id, remote_id FROM inbox_items WHERE workspace_id = $1`, ws.ID)
	if err != nil {
		return err
	}
	for q.Next() {
		var acc, id string
		if err := q.Scan(&acc, &id); err != nil {
			q.Close()
			return err
		}
		if stored[acc] == nil {
			stored[acc] = map[string]bool{}
		}
		stored[acc][id] = true
	}
	q.Close()
	if err := q.Err(); err != nil {
		return err
	}
	missing, extra := 0, 0
	for i, a := range accounts {
		want := map[string]bool{}
		for j := range perAccount {
			want[net.item(i, j).RemoteID] = true
		}
		for id := range want {
			if !stored[a.ID][id] {
				missing++
			}
		}
		for id := range stored[a.ID] {
			if !want[id] {
				extra++
			}
		}
	}
	badCursors := 0
	for _, a := range accounts {
		var cursor string
		if err := b.db.SQL().QueryRowContext(ctx, `SELECT cursor FROM inbox_cursors WHERE account_id = $1`, a.ID).Scan(&cursor); err != nil {
			return err
		}
		if cursor != strconv.Itoa(perAccount) {
			badCursors++
		}
	}

	fmt.Printf("\nIngestion (%s): %d notifications across %d accounts, pages of %d, the real Ingester (concurrency %s)\n",
		b.engine, c.items, c.accounts, c.pageSize, orDefault(c.concurrency))
	fmt.Printf("  fetched %d items in %d pages over %d rounds, %d of them repeats of earlier pages\n",
		net.fetched.Load(), net.fetches.Load(), rounds, net.repeated.Load())
	fmt.Printf("  total %s: %.0f notifications/s (%.0f fetched items/s)\n", took.Round(10*time.Millisecond),
		float64(c.items)/took.Seconds(), float64(net.fetched.Load())/took.Seconds())
	fmt.Printf("  CPU of this process %.1f s (%.0f µs per notification; the database server's own CPU not included)\n",
		cpu.Seconds(), float64(cpu.Microseconds())/float64(c.items))
	fmt.Printf("  of which, measured apart: making the items (the fake network) %s and %.0f MB; inbox.Arrivals (language, sentiment) %s and %.0f MB\n",
		makeTook.Round(10*time.Millisecond), mb(m1.TotalAlloc-m0.TotalAlloc), analyseTook.Round(10*time.Millisecond), mb(m2.TotalAlloc-m1.TotalAlloc))
	fmt.Printf("  Go heap: max HeapAlloc %.1f MB, TotalAlloc %.0f MB (%.1f KB per notification), %d GCs; peak RSS %.1f MB\n",
		mb(mem.maxHeap), mb(mem.end.TotalAlloc-mem.start.TotalAlloc),
		float64(mem.end.TotalAlloc-mem.start.TotalAlloc)/1e3/float64(c.items), mem.end.NumGC-mem.start.NumGC, peakRSS)
	fmt.Printf("  stored: %d items (%d expected), %d duplicates, %d missing, %d unexpected; %d conversations counting %d items; %d cursors not at the end\n",
		rows, c.items, dups, missing, extra, conversations, counted, badCursors)
	if rows != c.items || dups != 0 || missing != 0 || extra != 0 || counted != c.items || badCursors != 0 {
		return fmt.Errorf("what was stored is wrong (see above)")
	}
	fmt.Println("  check: OK, every notification stored exactly once")
	return nil
}

func orDefault(n int) string {
	if n <= 0 {
		return "default 8"
	}
	return strconv.Itoa(n)
}
