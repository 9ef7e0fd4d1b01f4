// Package store keeps Portavoce's state in an embedded SQLite file or in
// PostgreSQL. The same SQL (with $N placeholders, which both accept) runs on
// both; only the schema files differ where the two type systems do.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/portavoce/portavoce"
)

//go:embed migrations
var migrations embed.FS

// Dialect names the database engine behind a DB.
type Dialect string

// The two engines Portavoce runs on.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the store. On SQLite, writes go through a single connection (SQLite
// has one writer) and reads through a small pool; on PostgreSQL both are the
// same pool.
type DB struct {
	Dialect Dialect
	write   *sql.DB
	read    *sql.DB
	// Pool is the pgx pool on PostgreSQL (River's driver needs it), else nil.
	Pool *pgxpool.Pool
	// where describes the database for messages, without credentials.
	where string
}

// Options say where the data lives.
type Options struct {
	// DataDir holds the SQLite file (portavoce.db) when DatabaseURL is empty.
	DataDir string
	// DatabaseURL is a postgres:// URL; empty means SQLite in DataDir.
	DatabaseURL string
	// Logger receives the "waiting for PostgreSQL" messages.
	Logger *slog.Logger
	// Wait is how long Open keeps retrying an unreachable PostgreSQL; zero
	// means until ctx ends.
	Wait time.Duration
}

// Open connects to the database named by opts. An unreachable PostgreSQL is
// retried with a message until ctx ends or opts.Wait runs out; SQLite files
// are created in DataDir, which must be writable.
func Open(ctx context.Context, opts Options) (*DB, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.DatabaseURL != "" {
		return openPostgres(ctx, opts)
	}
	return openSQLite(opts.DataDir)
}

func openSQLite(dir string) (*DB, error) {
	if dir == "" {
		dir = "data"
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: cannot create the data folder %s: %w (choose another with --data or PORTAVOCE_DATA)", dir, err)
	}
	probe, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return nil, fmt.Errorf("store: the data folder %s is not writable: %w (fix its permissions or choose another with --data or PORTAVOCE_DATA)", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())

	path := filepath.Join(dir, "portavoce.db")
	// The database holds password hashes: only this user reads it. SQLite
	// gives its -wal and -shm files the database file's permissions.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: cannot open %s: %w (fix its permissions or choose another folder with --data)", path, err)
	}
	f.Close()
	if err := os.Chmod(path, 0o600); err != nil {
		return nil, fmt.Errorf("store: cannot restrict %s to its owner: %w", path, err)
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	write, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	read, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	read.SetMaxOpenConns(4)
	if err := write.Ping(); err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return &DB{Dialect: SQLite, write: write, read: read, where: path}, nil
}

func openPostgres(ctx context.Context, opts Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(opts.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("store: the database URL is not a valid PostgreSQL URL (postgres://user@host:5432/db): %w", redactURLError(err))
	}
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	if strings.Contains(cfg.ConnConfig.Host, "@") {
		// A password with an unescaped "@" ends up in the host name, and from
		// there in every connection error: refuse it before connecting.
		return nil, errors.New("store: the database URL has an \"@\" in its password or user name: write it as %40")
	}
	where := fmt.Sprintf("PostgreSQL at %s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
	if opts.Wait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Wait)
		defer cancel()
	}
	delay := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err == nil {
			err = pool.Ping(ctx)
			if err == nil {
				db := stdlib.OpenDBFromPool(pool)
				return &DB{Dialect: Postgres, write: db, read: db, Pool: pool, where: where}, nil
			}
			pool.Close()
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("store: gave up waiting for %s: %w", where, redactURLError(err))
		}
		opts.Logger.Warn("waiting for the database", "database", where, "attempt", attempt,
			"retry_in", delay.String(), "error", redactURLError(err).Error())
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("store: gave up waiting for %s: %w", where, redactURLError(err))
		case <-time.After(delay):
		}
		delay = min(delay*2, 10*time.Second)
	}
}

// redactURLError drops anything after "password=" or a URL's user info from
// an error, so connection failures never print a password.
func redactURLError(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if i := strings.Index(msg, "://"); i >= 0 {
		// The user info ends at the last "@" before the host: a password may
		// itself hold an "@".
		end := len(msg)
		if k := strings.IndexAny(msg[i+3:], " /?"); k >= 0 {
			end = i + 3 + k
		}
		if j := strings.LastIndex(msg[i+3:end], "@"); j >= 0 {
			msg = msg[:i+3] + "***" + msg[i+3+j:]
		}
	}
	if i := strings.Index(msg, "password="); i >= 0 {
		end := strings.IndexAny(msg[i:], " &")
		if end < 0 {
			msg = msg[:i] + "password=***"
		} else {
			msg = msg[:i] + "password=***" + msg[i+end:]
		}
	}
	return errors.New(msg)
}

// Where describes the database without credentials.
func (db *DB) Where() string { return db.where }

// SQL returns the connection pool that writes (River's SQLite driver uses it,
// so that River and Portavoce share SQLite's single writer).
func (db *DB) SQL() *sql.DB { return db.write }

// Close closes every connection.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	if db.Pool != nil {
		db.Pool.Close()
	}
	return err
}

// Ping checks that the database answers, for /readyz.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return wrap(err)
	}
	var one int
	if err := db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return wrap(err)
	}
	return nil
}

// Migrate brings the schema up to date. On PostgreSQL a session lock makes
// several nodes starting together take turns.
func (db *DB) Migrate(ctx context.Context) error {
	dir := "migrations/sqlite"
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if db.Dialect == Postgres {
		dir, dialect = "migrations/postgres", goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return fmt.Errorf("store: migrate: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	fsys, err := fs.Sub(migrations, dir)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	p, err := goose.NewProvider(dialect, db.write, fsys, opts...)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", wrap(err))
	}
	return nil
}

// MigrationStatus reports the applied and the latest schema version.
func (db *DB) MigrationStatus(ctx context.Context) (current, latest int64, err error) {
	dir, dialect := "migrations/sqlite", goose.DialectSQLite3
	if db.Dialect == Postgres {
		dir, dialect = "migrations/postgres", goose.DialectPostgres
	}
	fsys, err := fs.Sub(migrations, dir)
	if err != nil {
		return 0, 0, err
	}
	p, err := goose.NewProvider(dialect, db.write, fsys)
	if err != nil {
		return 0, 0, err
	}
	current, err = p.GetDBVersion(ctx)
	if err != nil {
		return 0, 0, wrap(err)
	}
	sources := p.ListSources()
	if len(sources) > 0 {
		latest = sources[len(sources)-1].Version
	}
	return current, latest, nil
}

// wrap turns driver errors into domain errors: a unique violation becomes a
// conflict, a lost connection becomes "database unavailable", sql.ErrNoRows
// becomes not found. Other errors pass through.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return portavoce.ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505":
			return conflict(err)
		case strings.HasPrefix(pgErr.Code, "08"), pgErr.Code == "57P01", pgErr.Code == "57P03":
			return unavailable(err)
		}
		return err
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		switch code := sqliteErr.Code(); {
		case code == sqlite3.SQLITE_CONSTRAINT_UNIQUE, code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return conflict(err)
		case code&0xff == sqlite3.SQLITE_BUSY, code&0xff == sqlite3.SQLITE_FULL, code&0xff == sqlite3.SQLITE_IOERR,
			code&0xff == sqlite3.SQLITE_READONLY, code&0xff == sqlite3.SQLITE_CANTOPEN:
			return unavailable(err)
		}
		return err
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, sql.ErrConnDone) || pgconn.SafeToRetry(err) || strings.Contains(err.Error(), "failed to connect") ||
		strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "database is closed") || strings.Contains(err.Error(), "unexpected EOF") {
		return unavailable(err)
	}
	return err
}

func unavailable(err error) error {
	e := portavoce.Errorf(portavoce.ECodeUnavailable, "the database is not answering; nothing was changed, please try again in a moment")
	e.Err = err
	return e
}

func conflict(err error) error {
	e := portavoce.Errorf(portavoce.ECodeConflict, "already exists")
	e.Err = err
	return e
}
