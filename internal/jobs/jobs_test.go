package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/store/storetest"
)

// waitLimit bounds every wait: reaching it is a failure (something never
// happened), not a statement about speed.
const waitLimit = 20 * time.Second

// migrated returns db with River's tables added.
func migrated(t *testing.T, db *store.DB) *store.DB {
	t.Helper()
	if err := Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db
}

// sweepLog counts, per period, the sweeps that Runners actually performed.
type sweepLog struct {
	mu     sync.Mutex
	counts map[time.Time]int
	byNode map[string]int
}

func newSweepLog() *sweepLog {
	return &sweepLog{counts: map[time.Time]int{}, byNode: map[string]int{}}
}

func (l *sweepLog) hook(node string) func(time.Time, int64) {
	return func(period time.Time, _ int64) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.counts[period]++
		l.byNode[node]++
	}
}

func (l *sweepLog) snapshot() (map[time.Time]int, map[string]int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	counts, byNode := map[time.Time]int{}, map[string]int{}
	for k, v := range l.counts {
		counts[k] = v
	}
	for k, v := range l.byNode {
		byNode[k] = v
	}
	return counts, byNode
}

// startRunner starts a Runner whose sweeps are recorded in log (if not nil);
// it is stopped when the test ends.
func startRunner(t *testing.T, db *store.DB, node string, every time.Duration, log *sweepLog) *Runner {
	t.Helper()
	r := newRunner(t, db, node, every, log)
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopRunner(t, r) })
	return r
}

func newRunner(t *testing.T, db *store.DB, node string, every time.Duration, log *sweepLog) *Runner {
	t.Helper()
	r, err := New(db, Options{
		Node:       node,
		SweepEvery: every,
		Logger:     slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatal(err)
	}
	if log != nil {
		r.swept = log.hook(node)
	}
	return r
}

func stopRunner(t *testing.T, r *Runner) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Stop(ctx); err != nil {
		t.Errorf("stop %s: %v", r.node, err)
	}
}

// waitFor polls cond until it holds, failing the test at waitLimit.
func waitFor(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func count(t *testing.T, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// pendingSweeps counts sweep jobs River has not finished with.
func pendingSweeps(t *testing.T, db *store.DB) int {
	return count(t, db, `SELECT count(*) FROM river_job WHERE kind = 'maintenance.sweep'
		AND state NOT IN ('completed', 'cancelled', 'discarded')`)
}

// insertDuplicate queues a sweep without River's uniqueness, the way a retry,
// a second leader or a bug could: only the claim stands in its way.
func insertDuplicate(t *testing.T, r *Runner, period time.Time) {
	t.Helper()
	if _, err := r.queue.Insert(context.Background(), SweepArgs{PeriodStart: period.UnixMicro()}, nil); err != nil {
		t.Fatal(err)
	}
}

// twoStores opens the same database twice, as two serving processes would.
func twoStores(t *testing.T, dialect store.Dialect) (*store.DB, *store.DB) {
	t.Helper()
	var opts store.Options
	if dialect == store.Postgres {
		opts = store.Options{DatabaseURL: storetest.PostgresURL(t), Wait: 10 * time.Second}
	} else {
		opts = store.Options{DataDir: t.TempDir()}
	}
	open := func() *store.DB {
		db, err := store.Open(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, b := open(), open()
	if err := a.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a, b
}

func TestMigrate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for range 2 {
			if err := Migrate(context.Background(), db); err != nil {
				t.Fatal(err)
			}
		}
		if db.Dialect == store.Postgres {
			// River follows search_path: its tables sit in the test's schema.
			n := count(t, db, `SELECT count(*) FROM information_schema.tables
				WHERE table_schema = current_schema() AND table_name IN ('river_job', 'river_leader', 'river_migration')`)
			if n != 3 {
				t.Fatalf("found %d of River's 3 main tables in the current schema", n)
			}
		}
		if n := count(t, db, `SELECT count(*) FROM river_job`); n != 0 {
			t.Fatalf("river_job has %d rows after migrating", n)
		}
	})
}

// TestMigrateConcurrently runs River's migrations from two connections to
// one database at once, twice each, as nodes starting together do.
func TestMigrateConcurrently(t *testing.T) {
	for _, dialect := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			a, b := twoStores(t, dialect)
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for _, db := range []*store.DB{a, b, a, b} {
				wg.Go(func() { errs <- Migrate(context.Background(), db) })
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
			if n := count(t, b, `SELECT count(*) FROM river_job`); n != 0 {
				t.Fatalf("river_job has %d rows after migrating", n)
			}
		})
	}
}

// TestPeriodicSweep proves the periodic job on each database: started with a
// one-second period, the Runner sweeps by itself (at start, then on the
// schedule), removing the expired session and keeping the live one.
func TestPeriodicSweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		migrated(t, db)
		ctx := context.Background()
		now := time.Now().UTC()
		if err := db.CreateUser(ctx, portavoce.User{ID: "u1", Email: "ada@example.com", Name: "Ada",
			PasswordHash: "x", CreatedAt: now, PasswordChangedAt: now}); err != nil {
			t.Fatal(err)
		}
		for _, s := range []portavoce.Session{
			{TokenHash: "expired", UserID: "u1", CSRFToken: "c1", CreatedAt: now.Add(-2 * time.Hour),
				ExpiresAt: now.Add(-time.Hour), LastSeenAt: now.Add(-2 * time.Hour)},
			{TokenHash: "live", UserID: "u1", CSRFToken: "c2", CreatedAt: now,
				ExpiresAt: now.Add(time.Hour), LastSeenAt: now},
		} {
			if err := db.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		log := newSweepLog()
		startRunner(t, db, "solo", time.Second, log)

		var runs []store.MaintenanceRun
		waitFor(t, "two periodic sweeps", func() (bool, error) {
			var err error
			runs, err = db.MaintenanceRuns(ctx, sweepTask)
			return len(runs) >= 2, err
		})
		sessions := func(hash string) int {
			return count(t, db, `SELECT count(*) FROM sessions WHERE token_hash = $1`, hash)
		}
		if n := sessions("expired"); n != 0 {
			t.Errorf("the expired session is still there after %d sweeps", len(runs))
		}
		if n := sessions("live"); n != 1 {
			t.Errorf("the live session was removed")
		}
		var removed int64
		for _, run := range runs {
			if run.Node != "solo" {
				t.Errorf("run %v recorded by node %q, want solo", run.PeriodStart, run.Node)
			}
			if !run.PeriodStart.Equal(run.PeriodStart.Truncate(time.Second)) {
				t.Errorf("period %v is not on a period boundary", run.PeriodStart)
			}
			removed += run.Removed
		}
		if removed != 1 {
			t.Errorf("the runs record %d rows removed, want 1 (the expired session)", removed)
		}
		counts, _ := log.snapshot()
		for period, n := range counts {
			if n != 1 {
				t.Errorf("period %v swept %d times", period, n)
			}
		}
	})
}

// TestEnqueueSweepDeduplicates checks the queue's own half: River keeps one
// job per period. (The claim is the guarantee; this only saves work.)
func TestEnqueueSweepDeduplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		migrated(t, db)
		r := newRunner(t, db, "a", time.Hour, nil)
		period := time.Date(2001, 1, 1, 10, 0, 0, 0, time.UTC)
		for _, at := range []time.Time{period, period.Add(30 * time.Minute), period.Add(time.Hour)} {
			if err := r.EnqueueSweep(context.Background(), at); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, db, `SELECT count(*) FROM river_job WHERE kind = 'maintenance.sweep'`); n != 2 {
			t.Fatalf("%d sweep jobs queued for 2 periods", n)
		}
	})
}

// sweepEachPeriodOnce queues each of 40 periods through both Runners, with
// River's uniqueness and twice without it, then checks that every period was
// swept exactly once, whoever worked its jobs.
func sweepEachPeriodOnce(t *testing.T, dbA, dbB *store.DB) {
	ctx := context.Background()
	log := newSweepLog()
	a := startRunner(t, dbA, "a", time.Hour, log)
	b := startRunner(t, dbB, "b", time.Hour, log)

	base := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	var periods []time.Time
	for i := range 40 {
		p := base.Add(time.Duration(i) * time.Hour)
		periods = append(periods, p)
		for _, r := range []*Runner{a, b} {
			if err := r.EnqueueSweep(ctx, p); err != nil {
				t.Fatal(err)
			}
			insertDuplicate(t, r, p)
		}
	}
	waitAllSwept(t, dbA, periods)
	checkSweptOnce(t, dbA, log, periods, "a", "b")
}

// waitAllSwept waits until every period has a run and River has no sweep job
// left to work, so that no late duplicate can still run after the checks.
func waitAllSwept(t *testing.T, db *store.DB, periods []time.Time) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d periods swept and the queue drained", len(periods)), func() (bool, error) {
		runs, err := db.MaintenanceRuns(context.Background(), sweepTask)
		if err != nil {
			return false, err
		}
		done := map[time.Time]bool{}
		for _, run := range runs {
			done[run.PeriodStart] = true
		}
		for _, p := range periods {
			if !done[p] {
				return false, nil
			}
		}
		return pendingSweeps(t, db) == 0, nil
	})
}

func checkSweptOnce(t *testing.T, db *store.DB, log *sweepLog, periods []time.Time, nodes ...string) {
	t.Helper()
	runs, err := db.MaintenanceRuns(context.Background(), sweepTask)
	if err != nil {
		t.Fatal(err)
	}
	recorded := map[time.Time]store.MaintenanceRun{}
	for _, run := range runs {
		recorded[run.PeriodStart] = run
	}
	counts, byNode := log.snapshot()
	for _, p := range periods {
		run, ok := recorded[p]
		if !ok {
			t.Errorf("period %v has no run", p)
			continue
		}
		if n := counts[p]; n != 1 {
			t.Errorf("period %v swept %d times, want once", p, n)
		}
		if !slices.Contains(nodes, run.Node) {
			t.Errorf("period %v recorded by node %q, want one of %v", p, run.Node, nodes)
		}
	}
	// Periods other than the queued ones come from RunOnStart (the current
	// period): at most once each as well.
	for p, n := range counts {
		if n > 1 {
			t.Errorf("period %v swept %d times", p, n)
		}
	}
	jobs := count(t, db, `SELECT count(*) FROM river_job WHERE kind = 'maintenance.sweep'`)
	t.Logf("%d sweep jobs worked for %d periods (%d runs recorded); sweeps by node: %v", jobs, len(periods), len(runs), byNode)
}

// TestExactlyOnceAcrossNodes runs two Runners on one database. On PostgreSQL
// they have a pool each, like two serving processes. On SQLite, Portavoce
// runs one process; the two Runners share the store (and its one writer
// connection), and then, separately, two stores open the same file.
func TestExactlyOnceAcrossNodes(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		a, b := twoStores(t, store.Postgres)
		migrated(t, a)
		sweepEachPeriodOnce(t, a, b)
	})
	t.Run("sqlite/one store", func(t *testing.T) {
		db := migrated(t, storetest.SQLite(t))
		sweepEachPeriodOnce(t, db, db)
	})
	t.Run("sqlite/two stores", func(t *testing.T) {
		a, b := twoStores(t, store.SQLite)
		migrated(t, a)
		sweepEachPeriodOnce(t, a, b)
	})
}

// TestRestart stops a Runner while its queue is half worked and starts
// another: the new one finishes the rest, and the periods the first one
// swept, queued again, are not swept twice.
func TestRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		migrated(t, db)
		ctx := context.Background()
		log := newSweepLog()
		base := time.Date(2002, 1, 1, 0, 0, 0, 0, time.UTC)
		var periods []time.Time
		for i := range 40 {
			periods = append(periods, base.Add(time.Duration(i)*time.Hour))
		}

		first := startRunner(t, db, "first", time.Hour, log)
		for _, p := range periods {
			if err := first.EnqueueSweep(ctx, p); err != nil {
				t.Fatal(err)
			}
			insertDuplicate(t, first, p)
		}
		waitFor(t, "a first sweep", func() (bool, error) {
			runs, err := db.MaintenanceRuns(ctx, sweepTask)
			return len(runs) > 0, err
		})
		stopRunner(t, first)
		before, _ := log.snapshot()
		t.Logf("stopped the first runner after it swept %d periods, with %d sweep jobs left", len(before), pendingSweeps(t, db))

		second := startRunner(t, db, "second", time.Hour, log)
		for _, p := range periods {
			if err := second.EnqueueSweep(ctx, p); err != nil {
				t.Fatal(err)
			}
			insertDuplicate(t, second, p)
		}
		waitAllSwept(t, db, periods)
		checkSweptOnce(t, db, log, periods, "first", "second")
	})
}
