// Package jobs runs Portavoce's background work on River, a job queue kept in
// the same database as everything else (SQLite or PostgreSQL).
//
// The queue only wakes workers. Whether a piece of work has been done is
// recorded in Portavoce's own tables, which a worker checks and claims before
// acting, so a job delivered twice (a retry, two nodes, a restart, a new
// leader inserting its periodic jobs again) does nothing the second time.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/portavoce/portavoce/internal/store"
)

// DefaultSweepEvery is how often expired sessions, login failures and
// invitations are removed when Options.SweepEvery is zero.
const DefaultSweepEvery = 10 * time.Minute

// MinSweepEvery is the shortest sweep period: River runs periodic jobs no
// more often than once a second.
const MinSweepEvery = time.Second

// Options configure a Runner.
type Options struct {
	// Node names this process in the records of the work it did, e.g.
	// "hostname-pid" (the default). Each serving process needs its own.
	Node string
	// SweepEvery is the length of a sweep period: one sweep runs per period,
	// at its start, on whichever node gets there first. Defaults to
	// DefaultSweepEvery; at least MinSweepEvery. Periods are multiples of
	// SweepEvery since the zero time, so every node sharing a database must
	// use the same value, or their periods (and claims) would not line up.
	SweepEvery time.Duration
	// Logger receives what the workers did, and River's own warnings and
	// errors (River's informational chatter is dropped).
	Logger *slog.Logger
	// Now is the clock for sweep cut-offs and periods; time.Now by default.
	Now func() time.Time
}

// Runner runs the background workers of one process. Several Runners (one
// per process) may share a PostgreSQL database: River's leader election makes
// one of them insert the periodic jobs, any of them may work a job, and the
// claims in Portavoce's tables keep each period's work from being done twice.
type Runner struct {
	db         *store.DB
	node       string
	sweepEvery time.Duration
	log        *slog.Logger
	now        func() time.Time
	queue      queue

	// swept, when set before Start (tests), learns of each period this Runner
	// swept after the sweep committed.
	swept func(periodStart time.Time, removed int64)
}

// queue is the part of river.Client the Runner uses; it hides the client's
// transaction type, which differs between the two drivers.
type queue interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// New prepares a Runner on db; River's tables must exist (see Migrate).
// Nothing runs until Start.
func New(db *store.DB, opts Options) (*Runner, error) {
	if db == nil {
		return nil, errors.New("jobs: no database")
	}
	if opts.SweepEvery == 0 {
		opts.SweepEvery = DefaultSweepEvery
	}
	if opts.SweepEvery < MinSweepEvery {
		return nil, fmt.Errorf("jobs: the sweep period %s is too short: it must be at least %s", opts.SweepEvery, MinSweepEvery)
	}
	if opts.Node == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "portavoce"
		}
		opts.Node = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	r := &Runner{
		db:         db,
		node:       opts.Node,
		sweepEvery: opts.SweepEvery,
		log:        opts.Logger.With("component", "jobs", "node", opts.Node),
		now:        func() time.Time { return opts.Now().UTC() },
	}

	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &sweepWorker{runner: r}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	config := &river.Config{
		ID:     clientID(opts.Node),
		Logger: slog.New(atLeast(opts.Logger.Handler(), slog.LevelWarn)).With("component", "river", "node", opts.Node),
		// Schema stays empty: River then finds its tables through the
		// connection's search_path, like Portavoce's own queries do, and
		// names its LISTEN/NOTIFY channels after current_schema(), so
		// schemas sharing a database do not wake each other.
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		Workers: workers,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(periodBoundaries{every: opts.SweepEvery}, r.periodicSweep,
				&river.PeriodicJobOpts{ID: SweepArgs{}.Kind(), RunOnStart: true}),
		},
	}
	var err error
	switch db.Dialect {
	case store.Postgres:
		if db.Pool == nil {
			return nil, errors.New("jobs: the PostgreSQL store has no pgx pool")
		}
		r.queue, err = newClient(riverpgxv5.New(db.Pool), config)
	case store.SQLite:
		// River shares the store's single writer connection: SQLite has one
		// writer, and a second pool would only trade waits for SQLITE_BUSY.
		r.queue, err = newClient(riversqlite.New(db.SQL()), config)
	default:
		err = fmt.Errorf("unknown database dialect %q", db.Dialect)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return r, nil
}

func newClient[TTx any](driver riverdriver.Driver[TTx], config *river.Config) (queue, error) {
	return river.NewClient(driver, config)
}

// clientID is River's name for this client: the node plus a random suffix,
// because River requires client IDs to be unique in a schema and a
// misconfigured Node should not break its leader election.
func clientID(node string) string {
	b := make([]byte, 4)
	rand.Read(b)
	suffix := "-" + hex.EncodeToString(b)
	if len(node)+len(suffix) > 100 {
		node = node[:100-len(suffix)]
	}
	return node + suffix
}

// Start starts working jobs and, once this Runner is River's leader,
// inserting the periodic ones. Cancelling ctx stops the Runner too.
func (r *Runner) Start(ctx context.Context) error {
	if err := r.queue.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	r.log.Info("background jobs started", "sweep_every", r.sweepEvery.String())
	return nil
}

// Stop stops fetching jobs and waits for the running ones to finish, or for
// ctx to end (then the Runner may be stopped again).
func (r *Runner) Stop(ctx context.Context) error {
	if err := r.queue.Stop(ctx); err != nil {
		return fmt.Errorf("jobs: stop: %w", err)
	}
	r.log.Info("background jobs stopped")
	return nil
}

// atLeast returns a handler that passes on records from min up to h.
func atLeast(h slog.Handler, min slog.Level) slog.Handler {
	return &levelFloor{Handler: h, min: min}
}

type levelFloor struct {
	slog.Handler
	min slog.Level
}

func (l *levelFloor) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= l.min && l.Handler.Enabled(ctx, level)
}

func (l *levelFloor) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &levelFloor{Handler: l.Handler.WithAttrs(attrs), min: l.min}
}

func (l *levelFloor) WithGroup(name string) slog.Handler {
	return &levelFloor{Handler: l.Handler.WithGroup(name), min: l.min}
}
