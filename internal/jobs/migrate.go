package jobs

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/portavoce/portavoce/internal/store"
)

// migrateLockClass is the first half of the two-key PostgreSQL advisory lock
// taken around River's migrations ("rivr"); the second half is a hash of the
// schema, so that databases holding several schemas (tests) do not wait on
// each other. Two-key advisory locks live apart from goose's one-key lock.
const migrateLockClass int32 = 0x72697672

// Migrate creates or updates River's tables (river_job, river_leader, ...)
// next to Portavoce's own, in the same database and, on PostgreSQL, in the
// schema that the connection's search_path selects. It is safe to run again
// and, on PostgreSQL, by several processes at once: rivermigrate itself takes
// no lock (it reads the applied versions, then applies the rest one
// transaction each), so Migrate serialises callers itself.
func Migrate(ctx context.Context, db *store.DB) error {
	var err error
	switch db.Dialect {
	case store.Postgres:
		err = migratePostgres(ctx, db)
	case store.SQLite:
		err = migrateSQLite(ctx, db)
	default:
		err = fmt.Errorf("unknown database dialect %q", db.Dialect)
	}
	if err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	return nil
}

// migratePostgres holds a session advisory lock on a connection of its own
// while River migrates through the pool. The connection is closed at the
// end, which releases the lock even if unlocking would have failed.
func migratePostgres(ctx context.Context, db *store.DB) error {
	if db.Pool == nil {
		return fmt.Errorf("the PostgreSQL store has no pgx pool")
	}
	pooled, err := db.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	conn := pooled.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, hashtext(coalesce(current_schema(), '')))`, migrateLockClass); err != nil {
		return fmt.Errorf("waiting for the migration lock: %w", err)
	}
	migrator, err := rivermigrate.New(riverpgxv5.New(db.Pool), &rivermigrate.Config{Logger: discard()})
	if err != nil {
		return err
	}
	_, err = migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

// migrateSQLite runs all of River's migrations in one write transaction.
// The store opens SQLite with _txlock=immediate, so BEGIN takes the write
// lock: a second caller, in this process or another, waits (busy_timeout)
// and then finds nothing left to do. rivermigrate's plain Migrate would
// read the applied versions outside any transaction, and two callers could
// both try to create river_migration.
func migrateSQLite(ctx context.Context, db *store.DB) error {
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	migrator, err := rivermigrate.New(riversqlite.New(db.SQL()), &rivermigrate.Config{Logger: discard()})
	if err != nil {
		return err
	}
	// MigrateTx is deprecated because some PostgreSQL migrations cannot share
	// a transaction; SQLite's can (its DDL is transactional), and a write
	// transaction is the only lock SQLite offers across processes.
	if _, err := migrator.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil { //nolint:staticcheck // see above
		return err
	}
	return tx.Commit()
}

// discard is the logger given to rivermigrate, which otherwise prints
// warnings to standard output; Migrate returns what matters as an error.
func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
