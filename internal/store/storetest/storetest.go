// Package storetest opens real databases for tests: a fresh SQLite file, and
// a fresh schema in the PostgreSQL named by PORTAVOCE_TEST_DATABASE (default:
// the local server's database "test"). Without CI, a PostgreSQL that does not
// answer skips its half of the test; with CI=true it fails it.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portavoce/portavoce/internal/store"
)

// DefaultPostgresURL is the PostgreSQL used when PORTAVOCE_TEST_DATABASE is
// unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Each runs fn once on a migrated SQLite store and once on a migrated
// PostgreSQL store, as subtests named "sqlite" and "postgres".
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns a migrated store in a new temporary folder.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), store.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// PostgresURL returns the URL of a new, empty schema on the test
// PostgreSQL, dropped when the test ends. It skips (or fails, under CI) when
// PostgreSQL does not answer.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("PORTAVOCE_TEST_DATABASE")
	if base == "" {
		base = DefaultPostgresURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required under CI=true and does not answer at %s: %v", base, err)
		}
		t.Skipf("PostgreSQL does not answer (%v): skipping; set CI=true to make this a failure", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, base); err == nil {
			conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			conn.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Postgres returns a migrated store on a new schema of the test PostgreSQL.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	dbURL := PostgresURL(t)
	db, err := store.Open(context.Background(), store.Options{DatabaseURL: dbURL, Wait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}
