package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/secrets"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/store/storetest"
)

// t0 is the fixed "now" of the contract suite. Times are whole seconds in
// UTC, so they survive the store's microsecond precision unchanged.
var t0 = time.Date(2025, time.March, 10, 9, 30, 0, 0, time.UTC)

// wantCode fails the test unless err carries the domain error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := portavoce.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// addUser stores a user with a fake password hash: the store does not care
// what the hash is, and argon2 would only slow the suite down.
func addUser(t *testing.T, db *store.DB, id, email string) portavoce.User {
	t.Helper()
	u := portavoce.User{ID: id, Email: email, Name: "Name of " + id, PasswordHash: "$argon2id$fake$" + id,
		Language: "it", CreatedAt: t0, PasswordChangedAt: t0}
	if err := db.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("create user %s: %v", id, err)
	}
	return u
}

func addWorkspace(t *testing.T, db *store.DB, id, slug, name, ownerID string) portavoce.Workspace {
	t.Helper()
	w := portavoce.Workspace{ID: id, Slug: slug, Name: name, Timezone: "Europe/Rome", Language: "it", CreatedAt: t0}
	if err := db.CreateWorkspace(t.Context(), w, ownerID); err != nil {
		t.Fatalf("create workspace %s: %v", slug, err)
	}
	return w
}

func addSession(t *testing.T, db *store.DB, hash, userID string, expires time.Time) portavoce.Session {
	t.Helper()
	s := portavoce.Session{TokenHash: hash, UserID: userID, CSRFToken: "csrf-" + hash, CreatedAt: t0.Add(-time.Hour),
		ExpiresAt: expires, LastSeenAt: t0.Add(-time.Hour), IP: "192.0.2.7", UserAgent: "Firefox"}
	if err := db.CreateSession(t.Context(), s); err != nil {
		t.Fatalf("create session %s: %v", hash, err)
	}
	return s
}

func addInvitation(t *testing.T, db *store.DB, id, workspaceID, email string, role portavoce.Role, by string, created, expires, accepted time.Time) portavoce.Invitation {
	t.Helper()
	inv := portavoce.Invitation{ID: id, WorkspaceID: workspaceID, Email: email, Role: role, TokenHash: "hash-" + id,
		InvitedBy: by, CreatedAt: created, ExpiresAt: expires, AcceptedAt: accepted}
	if err := db.CreateInvitation(t.Context(), inv); err != nil {
		t.Fatalf("create invitation %s: %v", id, err)
	}
	return inv
}

func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func sameStrings(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }

func TestUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		n, err := db.CountUsers(ctx)
		if err != nil || n != 0 {
			t.Fatalf("CountUsers on an empty store = %d, %v", n, err)
		}
		anna := portavoce.User{ID: "u-anna", Email: "anna@example.com", Name: "Anna Bianchi", PasswordHash: "$argon2id$x",
			IsAdmin: true, Language: "en", CreatedAt: t0, PasswordChangedAt: t0.Add(time.Minute)}
		mustNil(t, db.CreateUser(ctx, anna))
		bruno := addUser(t, db, "u-bruno", "bruno@example.com")

		t.Run("by id and email", func(t *testing.T) {
			for name, get := range map[string]func() (portavoce.User, error){
				"id":    func() (portavoce.User, error) { return db.UserByID(ctx, anna.ID) },
				"email": func() (portavoce.User, error) { return db.UserByEmail(ctx, anna.Email) },
			} {
				got, err := get()
				if err != nil || got != anna {
					t.Errorf("by %s = %+v, %v; want %+v", name, got, err, anna)
				}
			}
			if got, _ := db.UserByID(ctx, bruno.ID); got.IsAdmin || got.Email != bruno.Email {
				t.Errorf("bruno read back as %+v", got)
			}
			if n, err := db.CountUsers(ctx); err != nil || n != 2 {
				t.Errorf("CountUsers = %d, %v; want 2", n, err)
			}
		})

		t.Run("not found", func(t *testing.T) {
			for _, tc := range []struct {
				name string
				get  func() (portavoce.User, error)
			}{
				{"unknown id", func() (portavoce.User, error) { return db.UserByID(ctx, "u-nobody") }},
				{"unknown email", func() (portavoce.User, error) { return db.UserByEmail(ctx, "nobody@example.com") }},
			} {
				t.Run(tc.name, func(t *testing.T) {
					_, err := tc.get()
					wantCode(t, err, portavoce.ECodeNotFound)
				})
			}
		})

		t.Run("duplicates", func(t *testing.T) {
			for _, tc := range []struct {
				name string
				user portavoce.User
			}{
				{"same email", portavoce.User{ID: "u-anna2", Email: anna.Email, Name: "Other", PasswordHash: "x", CreatedAt: t0}},
				{"same id", portavoce.User{ID: anna.ID, Email: "other@example.com", Name: "Other", PasswordHash: "x", CreatedAt: t0}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					wantCode(t, db.CreateUser(ctx, tc.user), portavoce.ECodeConflict)
				})
			}
			if n, _ := db.CountUsers(ctx); n != 2 {
				t.Errorf("CountUsers after refused duplicates = %d, want 2", n)
			}
		})

		t.Run("language", func(t *testing.T) {
			mustNil(t, db.SetUserLanguage(ctx, bruno.ID, "en"))
			if got, _ := db.UserByID(ctx, bruno.ID); got.Language != "en" {
				t.Errorf("language = %q, want en", got.Language)
			}
		})

		t.Run("set password ends sessions", func(t *testing.T) {
			addSession(t, db, "s-anna-1", anna.ID, t0.Add(time.Hour))
			addSession(t, db, "s-anna-2", anna.ID, t0.Add(2*time.Hour))
			addSession(t, db, "s-bruno", bruno.ID, t0.Add(time.Hour))
			changed := t0.Add(5 * time.Minute)
			mustNil(t, db.SetPassword(ctx, anna.ID, "$argon2id$new", changed))
			got, _ := db.UserByID(ctx, anna.ID)
			if got.PasswordHash != "$argon2id$new" || !got.PasswordChangedAt.Equal(changed) {
				t.Errorf("after SetPassword: hash %q changed %v", got.PasswordHash, got.PasswordChangedAt)
			}
			if n, _ := db.CountUserSessions(ctx, anna.ID, t0); n != 0 {
				t.Errorf("anna still has %d sessions after a password change", n)
			}
			if n, _ := db.CountUserSessions(ctx, bruno.ID, t0); n != 1 {
				t.Errorf("bruno has %d sessions, want 1: another user's password change ended them", n)
			}
			wantCode(t, db.SetPassword(ctx, "u-nobody", "x", changed), portavoce.ECodeNotFound)
		})
	})
}

func TestCreateFirstUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		owner := portavoce.User{ID: "u-owner", Email: "owner@example.com", Name: "Owner", PasswordHash: "x", IsAdmin: true, CreatedAt: t0}
		w := portavoce.Workspace{ID: "w-1", Slug: "caffe-rossi", Name: "Caffè Rossi", Timezone: "Europe/Rome", Language: "it", CreatedAt: t0}
		mustNil(t, db.CreateFirstUser(ctx, owner, w))
		if role, err := db.MemberRole(ctx, w.ID, owner.ID); err != nil || role != portavoce.RoleOwner {
			t.Fatalf("first user's role = %q, %v; want owner", role, err)
		}
		if got, err := db.WorkspaceBySlug(ctx, w.Slug); err != nil || got != w {
			t.Fatalf("first workspace = %+v, %v", got, err)
		}

		second := portavoce.User{ID: "u-second", Email: "second@example.com", Name: "Second", PasswordHash: "x", IsAdmin: true, CreatedAt: t0}
		w2 := portavoce.Workspace{ID: "w-2", Slug: "other", Name: "Other", Timezone: "Europe/Rome", Language: "it", CreatedAt: t0}
		wantCode(t, db.CreateFirstUser(ctx, second, w2), portavoce.ECodeConflict)
		if n, _ := db.CountUsers(ctx); n != 1 {
			t.Errorf("CountUsers = %d after a second set-up, want 1", n)
		}
		_, err := db.WorkspaceBySlug(ctx, w2.Slug)
		wantCode(t, err, portavoce.ECodeNotFound)
	})
}

// warmUp opens n connections at once and gives them back, so that
// concurrent calls in a test really run at the same time instead of waiting
// one after the other for new connections. SQLite has one writer connection:
// nothing to warm there.
func warmUp(t *testing.T, db *store.DB, n int) {
	t.Helper()
	if db.Dialect != store.Postgres {
		return
	}
	conns := make([]*sql.Conn, n)
	for i := range conns {
		c, err := db.SQL().Conn(t.Context())
		mustNil(t, err)
		mustNil(t, c.PingContext(t.Context()))
		conns[i] = c
	}
	for _, c := range conns {
		c.Close()
	}
}

// TestCreateFirstUserConcurrent starts several set-ups at once, as two
// browsers on the set-up page would: exactly one may become the owner.
func TestCreateFirstUserConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for round := range 3 {
			if round > 0 { // set-up happens once per store: take a new one
				if db.Dialect == store.Postgres {
					db = storetest.Postgres(t)
				} else {
					db = storetest.SQLite(t)
				}
			}
			createFirstUserRace(t, db, round)
		}
	})
}

func createFirstUserRace(t *testing.T, db *store.DB, round int) {
	t.Helper()
	ctx := t.Context()
	const n = 8
	warmUp(t, db, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			u := portavoce.User{ID: fmt.Sprintf("u-%d", i), Email: fmt.Sprintf("owner%d@example.com", i), Name: "Owner",
				PasswordHash: "x", IsAdmin: true, CreatedAt: t0}
			w := portavoce.Workspace{ID: fmt.Sprintf("w-%d", i), Slug: fmt.Sprintf("brand-%d", i), Name: "Brand",
				Timezone: "Europe/Rome", Language: "it", CreatedAt: t0}
			<-start
			errs[i] = db.CreateFirstUser(ctx, u, w)
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case portavoce.ErrorCode(err) != portavoce.ECodeConflict:
			t.Errorf("set-up %d: %v, want success or conflict", i, err)
		}
	}
	users, _ := db.CountUsers(ctx)
	if ok != 1 || users != 1 {
		t.Fatalf("round %d: %d concurrent set-ups succeeded and %d users exist; want exactly 1 of each", round, ok, users)
	}
}

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		anna := addUser(t, db, "u-anna", "anna@example.com")
		bruno := addUser(t, db, "u-bruno", "bruno@example.com")
		live := addSession(t, db, "s-live", anna.ID, t0.Add(time.Hour))
		addSession(t, db, "s-expired", anna.ID, t0.Add(-time.Second))
		addSession(t, db, "s-bruno", bruno.ID, t0.Add(time.Hour))

		t.Run("lookup", func(t *testing.T) {
			for _, tc := range []struct {
				name string
				hash string
				at   time.Time
				want string // user id, or "" for not found
			}{
				{"live", "s-live", t0, anna.ID},
				{"one microsecond before expiry", "s-live", live.ExpiresAt.Add(-time.Microsecond), anna.ID},
				{"at expiry", "s-live", live.ExpiresAt, ""},
				{"expired", "s-expired", t0, ""},
				{"unknown", "s-nope", t0, ""},
			} {
				t.Run(tc.name, func(t *testing.T) {
					s, u, err := db.SessionUser(ctx, tc.hash, tc.at)
					if tc.want == "" {
						wantCode(t, err, portavoce.ECodeNotFound)
						return
					}
					if err != nil || u.ID != tc.want || s != live || u != anna {
						t.Fatalf("SessionUser = %+v, %+v, %v", s, u, err)
					}
				})
			}
		})

		t.Run("count", func(t *testing.T) {
			if n, err := db.CountUserSessions(ctx, anna.ID, t0); err != nil || n != 1 {
				t.Fatalf("CountUserSessions = %d, %v; want 1 (the expired one does not count)", n, err)
			}
		})

		t.Run("touch", func(t *testing.T) {
			seen, expires := t0.Add(30*time.Minute), t0.Add(48*time.Hour)
			mustNil(t, db.TouchSession(ctx, live.TokenHash, seen, expires))
			s, _, err := db.SessionUser(ctx, live.TokenHash, t0.Add(2*time.Hour))
			if err != nil || !s.LastSeenAt.Equal(seen) || !s.ExpiresAt.Equal(expires) {
				t.Fatalf("after touch: %+v, %v", s, err)
			}
		})

		t.Run("delete one", func(t *testing.T) {
			addSession(t, db, "s-other", anna.ID, t0.Add(time.Hour))
			mustNil(t, db.DeleteSession(ctx, "s-other"))
			_, _, err := db.SessionUser(ctx, "s-other", t0)
			wantCode(t, err, portavoce.ECodeNotFound)
			if _, _, err := db.SessionUser(ctx, live.TokenHash, t0); err != nil {
				t.Fatalf("deleting one session ended another: %v", err)
			}
		})

		t.Run("delete all of a user", func(t *testing.T) {
			n, err := db.DeleteUserSessions(ctx, anna.ID)
			if err != nil || n != 2 {
				t.Fatalf("DeleteUserSessions = %d, %v; want 2 (live and expired)", n, err)
			}
			_, _, err = db.SessionUser(ctx, live.TokenHash, t0)
			wantCode(t, err, portavoce.ECodeNotFound)
			if _, u, err := db.SessionUser(ctx, "s-bruno", t0); err != nil || u.ID != bruno.ID {
				t.Fatalf("another user's session was ended: %v", err)
			}
		})

		t.Run("unknown user", func(t *testing.T) {
			s := portavoce.Session{TokenHash: "s-ghost", UserID: "u-nobody", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), LastSeenAt: t0}
			if err := db.CreateSession(ctx, s); err == nil {
				t.Fatal("a session for a user that does not exist was stored")
			}
		})
	})
}

func TestLoginFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		for i, f := range []struct {
			email, ip string
			ago       time.Duration
		}{
			{"anna@example.com", "192.0.2.1", 20 * time.Minute}, // outside the window
			{"anna@example.com", "192.0.2.1", 10 * time.Minute},
			{"anna@example.com", "192.0.2.2", 5 * time.Minute},
			{"bruno@example.com", "192.0.2.1", 2 * time.Minute},
		} {
			mustNil(t, db.RecordLoginFailure(ctx, fmt.Sprintf("f-%d", i), f.email, f.ip, t0.Add(-f.ago)))
		}
		since := t0.Add(-15 * time.Minute)
		check := func(t *testing.T, email, ip string, want store.LoginFailureCounts) {
			t.Helper()
			got, err := db.LoginFailures(ctx, email, ip, since)
			if err != nil || got.ByEmail != want.ByEmail || got.ByIP != want.ByIP ||
				!got.OldestEmail.Equal(want.OldestEmail) || !got.OldestIP.Equal(want.OldestIP) {
				t.Fatalf("LoginFailures(%s, %s) = %+v, %v; want %+v", email, ip, got, err, want)
			}
		}
		for _, tc := range []struct {
			name, email, ip string
			want            store.LoginFailureCounts
		}{
			{"email and ip", "anna@example.com", "192.0.2.1", store.LoginFailureCounts{ByEmail: 2, ByIP: 2,
				OldestEmail: t0.Add(-10 * time.Minute), OldestIP: t0.Add(-10 * time.Minute)}},
			{"each its own oldest", "bruno@example.com", "192.0.2.2", store.LoginFailureCounts{ByEmail: 1, ByIP: 1,
				OldestEmail: t0.Add(-2 * time.Minute), OldestIP: t0.Add(-5 * time.Minute)}},
			{"ip only", "carla@example.com", "192.0.2.1", store.LoginFailureCounts{ByIP: 2, OldestIP: t0.Add(-10 * time.Minute)}},
			{"nothing", "carla@example.com", "198.51.100.1", store.LoginFailureCounts{}},
		} {
			t.Run(tc.name, func(t *testing.T) { check(t, tc.email, tc.ip, tc.want) })
		}
		t.Run("clear", func(t *testing.T) {
			mustNil(t, db.ClearLoginFailures(ctx, "anna@example.com"))
			check(t, "anna@example.com", "192.0.2.1", store.LoginFailureCounts{ByIP: 1, OldestIP: t0.Add(-2 * time.Minute)})
			check(t, "bruno@example.com", "192.0.2.9", store.LoginFailureCounts{ByEmail: 1, OldestEmail: t0.Add(-2 * time.Minute)})
		})
	})
}

func TestAPITokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		anna := addUser(t, db, "u-anna", "anna@example.com")
		bruno := addUser(t, db, "u-bruno", "bruno@example.com")
		tokens := []portavoce.APIToken{
			{ID: "t-old", UserID: anna.ID, Name: "laptop CLI", TokenHash: "h-old", Hint: "abcd", CreatedAt: t0},
			{ID: "t-new", UserID: anna.ID, Name: "CI", TokenHash: "h-new", Hint: "efgh", CreatedAt: t0.Add(time.Minute)},
			{ID: "t-bruno", UserID: bruno.ID, Name: "phone", TokenHash: "h-bruno", Hint: "ijkl", CreatedAt: t0.Add(2 * time.Minute)},
		}
		for _, tok := range tokens {
			mustNil(t, db.CreateAPIToken(ctx, tok))
		}

		t.Run("duplicate hash", func(t *testing.T) {
			dup := portavoce.APIToken{ID: "t-dup", UserID: bruno.ID, Name: "dup", TokenHash: "h-old", Hint: "zzzz", CreatedAt: t0}
			wantCode(t, db.CreateAPIToken(ctx, dup), portavoce.ECodeConflict)
		})

		t.Run("lookup by hash", func(t *testing.T) {
			tok, u, err := db.APITokenUser(ctx, "h-new")
			if err != nil || tok != tokens[1] || u != anna {
				t.Fatalf("APITokenUser = %+v, %+v, %v", tok, u, err)
			}
			_, _, err = db.APITokenUser(ctx, "h-nope")
			wantCode(t, err, portavoce.ECodeNotFound)
		})

		t.Run("list newest first", func(t *testing.T) {
			list, err := db.ListAPITokens(ctx, anna.ID)
			got := ids(list, func(t portavoce.APIToken) string { return t.ID })
			if err != nil || !sameStrings(got, []string{"t-new", "t-old"}) {
				t.Fatalf("ListAPITokens = %v, %v; want [t-new t-old]", got, err)
			}
			if list[1] != tokens[0] {
				t.Fatalf("listed %+v, stored %+v", list[1], tokens[0])
			}
		})

		t.Run("touch", func(t *testing.T) {
			used := t0.Add(time.Hour)
			mustNil(t, db.TouchAPIToken(ctx, "t-old", used))
			if tok, _, _ := db.APITokenUser(ctx, "h-old"); !tok.LastUsedAt.Equal(used) {
				t.Fatalf("LastUsedAt = %v, want %v", tok.LastUsedAt, used)
			}
		})

		t.Run("delete", func(t *testing.T) {
			for _, tc := range []struct {
				name, user, id string
				code           string // "" for success
			}{
				{"someone else's", bruno.ID, "t-old", portavoce.ECodeNotFound},
				{"unknown", anna.ID, "t-nope", portavoce.ECodeNotFound},
				{"own", anna.ID, "t-old", ""},
				{"twice", anna.ID, "t-old", portavoce.ECodeNotFound},
			} {
				t.Run(tc.name, func(t *testing.T) {
					err := db.DeleteAPIToken(ctx, tc.user, tc.id)
					if tc.code == "" {
						mustNil(t, err)
						return
					}
					wantCode(t, err, tc.code)
				})
			}
			_, _, err := db.APITokenUser(ctx, "h-old")
			wantCode(t, err, portavoce.ECodeNotFound)
			if _, _, err := db.APITokenUser(ctx, "h-bruno"); err != nil {
				t.Fatalf("bruno's token is gone: %v", err)
			}
		})
	})
}

func TestWorkspaces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		anna := addUser(t, db, "u-anna", "anna@example.com")
		bruno := addUser(t, db, "u-bruno", "bruno@example.com")
		zeta := addWorkspace(t, db, "w-zeta", "zeta", "Zeta Sport", anna.ID)
		alfa := addWorkspace(t, db, "w-alfa", "alfa", "Alfa Caffè", bruno.ID)

		t.Run("by slug and id", func(t *testing.T) {
			if got, err := db.WorkspaceBySlug(ctx, "zeta"); err != nil || got != zeta {
				t.Errorf("WorkspaceBySlug = %+v, %v", got, err)
			}
			if got, err := db.WorkspaceByID(ctx, alfa.ID); err != nil || got != alfa {
				t.Errorf("WorkspaceByID = %+v, %v", got, err)
			}
			_, err := db.WorkspaceBySlug(ctx, "nope")
			wantCode(t, err, portavoce.ECodeNotFound)
			_, err = db.WorkspaceByID(ctx, "w-nope")
			wantCode(t, err, portavoce.ECodeNotFound)
		})

		t.Run("owner", func(t *testing.T) {
			if role, err := db.MemberRole(ctx, zeta.ID, anna.ID); err != nil || role != portavoce.RoleOwner {
				t.Errorf("creator's role = %q, %v; want owner", role, err)
			}
			_, err := db.MemberRole(ctx, zeta.ID, bruno.ID)
			wantCode(t, err, portavoce.ECodeNotFound)
		})

		t.Run("duplicate slug", func(t *testing.T) {
			dup := portavoce.Workspace{ID: "w-dup", Slug: "zeta", Name: "Another Zeta", Timezone: "UTC", Language: "en", CreatedAt: t0}
			wantCode(t, db.CreateWorkspace(ctx, dup, bruno.ID), portavoce.ECodeConflict)
			_, err := db.WorkspaceByID(ctx, dup.ID)
			wantCode(t, err, portavoce.ECodeNotFound)
			_, err = db.MemberRole(ctx, dup.ID, bruno.ID)
			wantCode(t, err, portavoce.ECodeNotFound)
		})

		t.Run("update", func(t *testing.T) {
			changed := zeta
			changed.Name, changed.Timezone, changed.Language = "Zeta Sport SRL", "America/New_York", "en"
			changed.Slug = "ignored" // the slug is the workspace's address: it does not change
			mustNil(t, db.UpdateWorkspace(ctx, changed))
			got, err := db.WorkspaceByID(ctx, zeta.ID)
			want := changed
			want.Slug = zeta.Slug
			if err != nil || got != want {
				t.Errorf("after update = %+v, %v; want %+v", got, err, want)
			}
			zeta = got
			wantCode(t, db.UpdateWorkspace(ctx, portavoce.Workspace{ID: "w-nope", Name: "x"}), portavoce.ECodeNotFound)
		})

		t.Run("user workspaces", func(t *testing.T) {
			mustNil(t, db.AddMember(ctx, portavoce.Membership{WorkspaceID: zeta.ID, UserID: bruno.ID, Role: portavoce.RoleViewer, CreatedAt: t0}))
			list, err := db.UserWorkspaces(ctx, bruno.ID)
			if err != nil || len(list) != 2 {
				t.Fatalf("UserWorkspaces = %+v, %v", list, err)
			}
			want := []store.WorkspaceRole{{Workspace: alfa, Role: portavoce.RoleOwner}, {Workspace: zeta, Role: portavoce.RoleViewer}}
			for i := range want {
				if list[i] != want[i] {
					t.Errorf("UserWorkspaces[%d] = %+v, want %+v (sorted by name)", i, list[i], want[i])
				}
			}
			if list, _ := db.UserWorkspaces(ctx, anna.ID); len(list) != 1 || list[0].Workspace.ID != zeta.ID {
				t.Errorf("anna's workspaces = %+v, want only zeta", list)
			}
			if list, err := db.UserWorkspaces(ctx, "u-nobody"); err != nil || len(list) != 0 {
				t.Errorf("unknown user's workspaces = %+v, %v", list, err)
			}
		})
	})
}

func TestMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		owner := addUser(t, db, "u-owner", "owner@example.com")
		second := addUser(t, db, "u-second", "second@example.com")
		editor := addUser(t, db, "u-editor", "editor@example.com")
		w := addWorkspace(t, db, "w-1", "brand", "Brand", owner.ID)
		mustNil(t, db.AddMember(ctx, portavoce.Membership{WorkspaceID: w.ID, UserID: editor.ID, Role: portavoce.RoleEditor, CreatedAt: t0}))

		role := func(t *testing.T, userID string) portavoce.Role {
			t.Helper()
			r, err := db.MemberRole(ctx, w.ID, userID)
			if err != nil {
				t.Fatalf("role of %s: %v", userID, err)
			}
			return r
		}

		t.Run("list", func(t *testing.T) {
			members, err := db.Members(ctx, w.ID)
			if err != nil || len(members) != 2 {
				t.Fatalf("Members = %+v, %v", members, err)
			}
			// Sorted by name: "Name of u-editor" before "Name of u-owner".
			if members[0].User != editor || members[0].Role != portavoce.RoleEditor ||
				members[1].User != owner || members[1].Role != portavoce.RoleOwner {
				t.Fatalf("Members = %+v", members)
			}
		})

		t.Run("add twice", func(t *testing.T) {
			err := db.AddMember(ctx, portavoce.Membership{WorkspaceID: w.ID, UserID: editor.ID, Role: portavoce.RoleOwner, CreatedAt: t0})
			wantCode(t, err, portavoce.ECodeConflict)
			if r := role(t, editor.ID); r != portavoce.RoleEditor {
				t.Fatalf("a refused AddMember changed the role to %s", r)
			}
		})

		t.Run("last owner", func(t *testing.T) {
			for _, tc := range []struct {
				name string
				do   func() error
			}{
				{"demote", func() error { return db.SetMemberRole(ctx, w.ID, owner.ID, portavoce.RoleManager, nil, "") }},
				{"remove", func() error { return db.RemoveMember(ctx, w.ID, owner.ID, nil, "") }},
			} {
				t.Run(tc.name, func(t *testing.T) {
					wantCode(t, tc.do(), portavoce.ECodeConflict)
					if r := role(t, owner.ID); r != portavoce.RoleOwner {
						t.Fatalf("the last owner is now %s", r)
					}
				})
			}
			mustNil(t, db.SetMemberRole(ctx, w.ID, owner.ID, portavoce.RoleOwner, nil, "")) // owner to owner changes nothing
		})

		t.Run("other members", func(t *testing.T) {
			mustNil(t, db.SetMemberRole(ctx, w.ID, editor.ID, portavoce.RoleViewer, nil, ""))
			if r := role(t, editor.ID); r != portavoce.RoleViewer {
				t.Fatalf("role = %s, want viewer", r)
			}
			wantCode(t, db.SetMemberRole(ctx, w.ID, second.ID, portavoce.RoleViewer, nil, ""), portavoce.ECodeNotFound)
			wantCode(t, db.RemoveMember(ctx, w.ID, second.ID, nil, ""), portavoce.ECodeNotFound)
		})

		t.Run("two owners", func(t *testing.T) {
			mustNil(t, db.AddMember(ctx, portavoce.Membership{WorkspaceID: w.ID, UserID: second.ID, Role: portavoce.RoleOwner, CreatedAt: t0}))
			mustNil(t, db.SetMemberRole(ctx, w.ID, owner.ID, portavoce.RoleManager, nil, ""))
			// second is now the only owner again.
			wantCode(t, db.RemoveMember(ctx, w.ID, second.ID, nil, ""), portavoce.ECodeConflict)
			wantCode(t, db.SetMemberRole(ctx, w.ID, second.ID, portavoce.RoleEditor, nil, ""), portavoce.ECodeConflict)
			mustNil(t, db.SetMemberRole(ctx, w.ID, owner.ID, portavoce.RoleOwner, nil, ""))
			mustNil(t, db.RemoveMember(ctx, w.ID, second.ID, nil, ""))
			_, err := db.MemberRole(ctx, w.ID, second.ID)
			wantCode(t, err, portavoce.ECodeNotFound)
			if r := role(t, owner.ID); r != portavoce.RoleOwner {
				t.Fatalf("owner is %s", r)
			}
		})

		t.Run("remove", func(t *testing.T) {
			mustNil(t, db.RemoveMember(ctx, w.ID, editor.ID, nil, ""))
			if list, _ := db.UserWorkspaces(ctx, editor.ID); len(list) != 0 {
				t.Fatalf("removed member still sees %+v", list)
			}
		})
	})
}

// TestLastOwnerConcurrent has two owners step down at the same moment: one
// of them must be refused, or the workspace is left without an owner.
func TestLastOwnerConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		a := addUser(t, db, "u-a", "a@example.com")
		b := addUser(t, db, "u-b", "b@example.com")
		warmUp(t, db, 4)
		for round := range 5 {
			for _, op := range []struct {
				name string
				do   func(workspaceID, userID string) error
			}{
				{"demote", func(w, u string) error { return db.SetMemberRole(ctx, w, u, portavoce.RoleEditor, nil, "") }},
				{"remove", func(w, u string) error { return db.RemoveMember(ctx, w, u, nil, "") }},
			} {
				w := addWorkspace(t, db, fmt.Sprintf("w-%s-%d", op.name, round), fmt.Sprintf("%s-%d", op.name, round), "Brand", a.ID)
				mustNil(t, db.AddMember(ctx, portavoce.Membership{WorkspaceID: w.ID, UserID: b.ID, Role: portavoce.RoleOwner, CreatedAt: t0}))
				start := make(chan struct{})
				var wg sync.WaitGroup
				for _, u := range []string{a.ID, b.ID} {
					wg.Go(func() {
						<-start
						if err := op.do(w.ID, u); err != nil && portavoce.ErrorCode(err) != portavoce.ECodeConflict {
							t.Errorf("%s %s: %v", op.name, u, err)
						}
					})
				}
				close(start)
				wg.Wait()
				members, err := db.Members(ctx, w.ID)
				mustNil(t, err)
				owners := 0
				for _, m := range members {
					if m.Role == portavoce.RoleOwner {
						owners++
					}
				}
				if owners != 1 {
					t.Fatalf("round %d: both owners could %s at once: %d owners left, want 1", round, op.name, owners)
				}
			}
		}
	})
}

func TestInvitations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		owner := addUser(t, db, "u-owner", "owner@example.com")
		editor := addUser(t, db, "u-editor", "editor@example.com")
		w := addWorkspace(t, db, "w-1", "brand", "Brand", owner.ID)
		other := addWorkspace(t, db, "w-2", "other", "Other", owner.ID)
		mustNil(t, db.AddMember(ctx, portavoce.Membership{WorkspaceID: w.ID, UserID: editor.ID, Role: portavoce.RoleEditor, CreatedAt: t0}))

		week := 7 * 24 * time.Hour
		older := addInvitation(t, db, "i-older", w.ID, "new@example.com", portavoce.RoleAgency, owner.ID, t0.Add(-time.Hour), t0.Add(week), time.Time{})
		newer := addInvitation(t, db, "i-newer", w.ID, "newer@example.com", portavoce.RoleViewer, owner.ID, t0, t0.Add(week), time.Time{})
		addInvitation(t, db, "i-expired", w.ID, "late@example.com", portavoce.RoleViewer, owner.ID, t0.Add(-2*week), t0.Add(-time.Second), time.Time{})
		addInvitation(t, db, "i-accepted", w.ID, "done@example.com", portavoce.RoleViewer, owner.ID, t0.Add(-time.Hour), t0.Add(week), t0.Add(-time.Minute))
		addInvitation(t, db, "i-other", other.ID, "new@example.com", portavoce.RoleViewer, owner.ID, t0, t0.Add(week), time.Time{})
		forEditor := addInvitation(t, db, "i-editor", w.ID, editor.Email, portavoce.RoleViewer, owner.ID, t0.Add(-30*time.Minute), t0.Add(week), time.Time{})

		t.Run("by token", func(t *testing.T) {
			got, err := db.InvitationByToken(ctx, older.TokenHash)
			if err != nil || got != older {
				t.Fatalf("InvitationByToken = %+v, %v; want %+v", got, err, older)
			}
			_, err = db.InvitationByToken(ctx, "hash-nope")
			wantCode(t, err, portavoce.ECodeNotFound)
		})

		t.Run("duplicate token", func(t *testing.T) {
			dup := older
			dup.ID = "i-dup"
			wantCode(t, db.CreateInvitation(ctx, dup), portavoce.ECodeConflict)
		})

		t.Run("pending", func(t *testing.T) {
			list, err := db.PendingInvitations(ctx, w.ID, t0)
			got := ids(list, func(i portavoce.Invitation) string { return i.ID })
			// Newest first; expired, accepted and other workspaces' left out.
			want := []string{"i-newer", "i-editor", "i-older"}
			if err != nil || !sameStrings(got, want) {
				t.Fatalf("PendingInvitations = %v, %v; want %v", got, err, want)
			}
		})

		t.Run("accept creates the user", func(t *testing.T) {
			nu := portavoce.User{ID: "u-new", Email: older.Email, Name: "New", PasswordHash: "x", CreatedAt: t0, PasswordChangedAt: t0}
			mustNil(t, db.AcceptInvitation(ctx, older.ID, nu.ID, t0, &nu))
			if got, err := db.UserByEmail(ctx, nu.Email); err != nil || got != nu {
				t.Fatalf("new user = %+v, %v", got, err)
			}
			if r, err := db.MemberRole(ctx, w.ID, nu.ID); err != nil || r != portavoce.RoleAgency {
				t.Fatalf("new member's role = %q, %v; want agency", r, err)
			}
			if got, _ := db.InvitationByToken(ctx, older.TokenHash); !got.AcceptedAt.Equal(t0) {
				t.Fatalf("AcceptedAt = %v, want %v", got.AcceptedAt, t0)
			}
			if _, err := db.MemberRole(ctx, other.ID, nu.ID); err == nil {
				t.Fatal("accepting an invitation made the user a member of another workspace")
			}
		})

		t.Run("accept works once", func(t *testing.T) {
			outsider := addUser(t, db, "u-outsider", "outsider@example.com")
			wantCode(t, db.AcceptInvitation(ctx, older.ID, outsider.ID, t0, nil), portavoce.ECodeConflict)
			_, err := db.MemberRole(ctx, w.ID, outsider.ID)
			wantCode(t, err, portavoce.ECodeNotFound)
		})

		t.Run("existing member keeps role", func(t *testing.T) {
			mustNil(t, db.AcceptInvitation(ctx, forEditor.ID, editor.ID, t0, nil))
			if r, _ := db.MemberRole(ctx, w.ID, editor.ID); r != portavoce.RoleEditor {
				t.Fatalf("role = %s, want editor kept", r)
			}
		})

		t.Run("expired", func(t *testing.T) {
			wantCode(t, db.AcceptInvitation(ctx, "i-expired", editor.ID, t0, nil), portavoce.ECodeConflict)
		})

		t.Run("taken email rolls back", func(t *testing.T) {
			clash := portavoce.User{ID: "u-clash", Email: editor.Email, Name: "Clash", PasswordHash: "x", CreatedAt: t0}
			wantCode(t, db.AcceptInvitation(ctx, newer.ID, clash.ID, t0, &clash), portavoce.ECodeConflict)
			if got, _ := db.InvitationByToken(ctx, newer.TokenHash); !got.AcceptedAt.IsZero() {
				t.Fatal("a failed acceptance used up the invitation")
			}
		})

		t.Run("unknown", func(t *testing.T) {
			wantCode(t, db.AcceptInvitation(ctx, "i-nope", editor.ID, t0, nil), portavoce.ECodeNotFound)
		})

		t.Run("delete", func(t *testing.T) {
			for _, tc := range []struct {
				name, workspace, id string
				code                string
			}{
				{"other workspace", other.ID, newer.ID, portavoce.ECodeNotFound},
				{"accepted", w.ID, older.ID, portavoce.ECodeNotFound},
				{"pending", w.ID, newer.ID, ""},
				{"twice", w.ID, newer.ID, portavoce.ECodeNotFound},
			} {
				t.Run(tc.name, func(t *testing.T) {
					err := db.DeleteInvitation(ctx, tc.workspace, tc.id)
					if tc.code == "" {
						mustNil(t, err)
						return
					}
					wantCode(t, err, tc.code)
				})
			}
			if list, _ := db.PendingInvitations(ctx, w.ID, t0); len(list) != 0 {
				t.Fatalf("pending after accept and delete: %v", ids(list, func(i portavoce.Invitation) string { return i.ID }))
			}
		})
	})
}

// TestAcceptInvitationConcurrent accepts one invitation for two users at the
// same moment: an invitation works once, so one of them must be refused.
func TestAcceptInvitationConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		owner := addUser(t, db, "u-owner", "owner@example.com")
		a := addUser(t, db, "u-a", "a@example.com")
		b := addUser(t, db, "u-b", "b@example.com")
		warmUp(t, db, 4)
		for round := range 5 {
			w := addWorkspace(t, db, fmt.Sprintf("w-%d", round), fmt.Sprintf("brand-%d", round), "Brand", owner.ID)
			inv := addInvitation(t, db, fmt.Sprintf("i-%d", round), w.ID, "someone@example.com", portavoce.RoleViewer,
				owner.ID, t0, t0.Add(time.Hour), time.Time{})
			errs := make([]error, 2)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, u := range []string{a.ID, b.ID} {
				wg.Go(func() {
					<-start
					errs[i] = db.AcceptInvitation(ctx, inv.ID, u, t0, nil)
				})
			}
			close(start)
			wg.Wait()
			ok := 0
			for _, err := range errs {
				if err == nil {
					ok++
				} else if portavoce.ErrorCode(err) != portavoce.ECodeConflict {
					t.Errorf("round %d: %v, want success or conflict", round, err)
				}
			}
			if ok != 1 {
				t.Fatalf("round %d: one invitation was accepted %d times (%v), want once", round, ok, errs)
			}
			if members, _ := db.Members(ctx, w.ID); len(members) != 2 {
				t.Fatalf("round %d: %d members after one invitation, want 2 (owner and one guest)", round, len(members))
			}
		}
	})
}

func TestAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		entries := []portavoce.AuditEntry{
			{ID: "a1", At: t0, ActorID: "u-1", ActorEmail: "anna@example.com", WorkspaceID: "w-1",
				Action: portavoce.AuditMemberInvited, Target: "new@example.com", IP: "192.0.2.1", Detail: "editor"},
			{ID: "a2", At: t0.Add(30 * time.Second), WorkspaceID: "w-2", Action: portavoce.AuditMemberJoined},
			{ID: "a3", At: t0.Add(time.Minute), WorkspaceID: "w-1", Action: portavoce.AuditRoleChanged},
			{ID: "a4", At: t0.Add(2 * time.Minute), WorkspaceID: "w-1", Action: portavoce.AuditMemberRemoved},
			{ID: "a5", At: t0.Add(3 * time.Minute), Action: portavoce.AuditLogin, ActorEmail: "anna@example.com"},
		}
		for _, e := range entries {
			mustNil(t, db.AddAudit(ctx, e))
		}
		for _, tc := range []struct {
			name   string
			filter store.AuditFilter
			want   []string
		}{
			{"workspace", store.AuditFilter{WorkspaceID: "w-1"}, []string{"a4", "a3", "a1"}},
			{"other workspace", store.AuditFilter{WorkspaceID: "w-2"}, []string{"a2"}},
			{"instance entries", store.AuditFilter{WorkspaceID: ""}, []string{"a5"}},
			{"unknown workspace", store.AuditFilter{WorkspaceID: "w-nope"}, []string{}},
			{"all", store.AuditFilter{All: true}, []string{"a5", "a4", "a3", "a2", "a1"}},
			{"before", store.AuditFilter{WorkspaceID: "w-1", Before: t0.Add(2 * time.Minute)}, []string{"a3", "a1"}},
			{"all before", store.AuditFilter{All: true, Before: t0.Add(time.Minute)}, []string{"a2", "a1"}},
			{"limit", store.AuditFilter{All: true, Limit: 2}, []string{"a5", "a4"}},
			{"page two", store.AuditFilter{All: true, Limit: 2, Before: t0.Add(2 * time.Minute)}, []string{"a3", "a2"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				list, err := db.Audit(ctx, tc.filter)
				got := ids(list, func(e portavoce.AuditEntry) string { return e.ID })
				if err != nil || !sameStrings(got, tc.want) {
					t.Fatalf("Audit(%+v) = %v, %v; want %v", tc.filter, got, err, tc.want)
				}
			})
		}
		t.Run("fields", func(t *testing.T) {
			list, err := db.Audit(ctx, store.AuditFilter{WorkspaceID: "w-1", Before: t0.Add(time.Second)})
			if err != nil || len(list) != 1 || list[0] != entries[0] {
				t.Fatalf("Audit = %+v, %v; want %+v", list, err, entries[0])
			}
		})
	})
}

func TestSecrets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		owner := addUser(t, db, "u-owner", "owner@example.com")
		w := addWorkspace(t, db, "w-1", "brand", "Brand", owner.ID)

		box, err := secrets.NewBox(bytes.Repeat([]byte{0x42}, secrets.KeySize))
		mustNil(t, err)
		sealed := box.Seal([]byte("mastodon-access-token"), []byte("sec-sealed"))
		random := make([]byte, 4096)
		rand.Read(random)
		random[0], random[100], random[4095] = 0, 0, 0

		for _, tc := range []struct {
			name  string
			bytes []byte
		}{
			{"zero bytes", []byte{0, 0, 1, 0, 0xff, 0, 0x80, 0}},
			{"only zeros", make([]byte, 32)},
			{"invalid utf-8", []byte{0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28}},
			{"random 4 KiB", random},
			{"sealed", sealed},
		} {
			t.Run(tc.name, func(t *testing.T) {
				id := "sec-" + strings.ReplaceAll(tc.name, " ", "-")
				mustNil(t, db.PutSecret(ctx, id, w.ID, "mastodon", tc.bytes, t0))
				ws, purpose, got, err := db.Secret(ctx, id)
				if err != nil || ws != w.ID || purpose != "mastodon" || !bytes.Equal(got, tc.bytes) {
					t.Fatalf("Secret = %q, %q, %x, %v; want %x", ws, purpose, got, err, tc.bytes)
				}
			})
		}
		t.Run("sealed opens after the round trip", func(t *testing.T) {
			_, _, got, err := db.Secret(ctx, "sec-sealed")
			mustNil(t, err)
			plain, err := box.Open(got, []byte("sec-sealed"))
			if err != nil || string(plain) != "mastodon-access-token" {
				t.Fatalf("Open = %q, %v", plain, err)
			}
		})
		t.Run("upsert", func(t *testing.T) {
			mustNil(t, db.PutSecret(ctx, "sec-up", w.ID, "bluesky", []byte{1, 2, 3}, t0))
			mustNil(t, db.PutSecret(ctx, "sec-up", w.ID, "bluesky", []byte{4, 0, 5}, t0.Add(time.Hour)))
			_, purpose, got, err := db.Secret(ctx, "sec-up")
			if err != nil || purpose != "bluesky" || !bytes.Equal(got, []byte{4, 0, 5}) {
				t.Fatalf("after upsert: %q, %x, %v", purpose, got, err)
			}
		})
		t.Run("instance secret", func(t *testing.T) {
			mustNil(t, db.PutSecret(ctx, "sec-instance", "", "key-check", []byte{9, 0, 9}, t0))
			ws, purpose, got, err := db.Secret(ctx, "sec-instance")
			if err != nil || ws != "" || purpose != "key-check" || !bytes.Equal(got, []byte{9, 0, 9}) {
				t.Fatalf("Secret = %q, %q, %x, %v", ws, purpose, got, err)
			}
		})
		t.Run("unknown workspace", func(t *testing.T) {
			if err := db.PutSecret(ctx, "sec-orphan", "w-nope", "mastodon", []byte{1}, t0); err == nil {
				t.Fatal("a secret of a workspace that does not exist was stored")
			}
		})
		t.Run("not found", func(t *testing.T) {
			_, _, _, err := db.Secret(ctx, "sec-nope")
			wantCode(t, err, portavoce.ECodeNotFound)
		})
	})
}

func TestMaintenance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		day := 24 * time.Hour
		period := t0.Truncate(time.Hour)

		t.Run("claim", func(t *testing.T) {
			for _, tc := range []struct {
				name, task string
				period     time.Time
				node       string
				want       bool
			}{
				{"first", "sweep", period, "node-a", true},
				{"same period, same node", "sweep", period, "node-a", false},
				{"same period, other node", "sweep", period, "node-b", false},
				{"next period", "sweep", period.Add(time.Hour), "node-b", true},
				{"other task", "report", period, "node-b", true},
			} {
				t.Run(tc.name, func(t *testing.T) {
					got, removed, err := db.Sweep(ctx, tc.task, tc.period, tc.node, t0, time.Hour)
					if err != nil || got != tc.want || removed != 0 {
						t.Fatalf("Sweep = %v, %d, %v; want claimed=%v and nothing removed", got, removed, err, tc.want)
					}
				})
			}
		})

		t.Run("sweep", func(t *testing.T) {
			owner := addUser(t, db, "u-owner", "owner@example.com")
			w := addWorkspace(t, db, "w-1", "brand", "Brand", owner.ID)
			addSession(t, db, "s-expired", owner.ID, t0.Add(-time.Minute))
			addSession(t, db, "s-live", owner.ID, t0.Add(time.Hour))
			mustNil(t, db.RecordLoginFailure(ctx, "f-old", "x@example.com", "192.0.2.1", t0.Add(-2*time.Hour)))
			mustNil(t, db.RecordLoginFailure(ctx, "f-recent", "x@example.com", "192.0.2.1", t0.Add(-5*time.Minute)))
			for _, inv := range []struct {
				id                string
				expires, accepted time.Time
			}{
				{"i-expired-long-ago", t0.Add(-8 * day), time.Time{}},      // removed
				{"i-accepted-long-ago", t0.Add(5 * day), t0.Add(-8 * day)}, // removed
				{"i-expired-yesterday", t0.Add(-day), time.Time{}},         // kept a week
				{"i-accepted-yesterday", t0.Add(5 * day), t0.Add(-day)},    // kept a week
				{"i-pending", t0.Add(5 * day), time.Time{}},                // kept
			} {
				addInvitation(t, db, inv.id, w.ID, inv.id+"@example.com", portavoce.RoleViewer, owner.ID, t0.Add(-10*day), inv.expires, inv.accepted)
			}

			if claimed, removed, err := db.Sweep(ctx, "sweep", period, "node-c", t0, time.Hour); err != nil || claimed || removed != 0 {
				t.Fatalf("Sweep of a claimed period = %v, %d, %v; want nothing done", claimed, removed, err)
			}
			claimed, removed, err := db.Sweep(ctx, "sweep", period.Add(2*time.Hour), "node-a", t0, time.Hour)
			if err != nil || !claimed || removed != 4 {
				t.Fatalf("Sweep = %v, %d, %v; want 4 (1 session, 1 failure, 2 invitations)", claimed, removed, err)
			}
			if _, _, err := db.SessionUser(ctx, "s-live", t0); err != nil {
				t.Errorf("live session swept: %v", err)
			}
			if n, err := db.DeleteUserSessions(ctx, owner.ID); err != nil || n != 1 {
				t.Errorf("sessions left = %d, %v; want only the live one", n, err)
			}
			if c, _ := db.LoginFailures(ctx, "x@example.com", "", time.Time{}); c.ByEmail != 1 {
				t.Errorf("login failures left = %d, want 1 (the recent one)", c.ByEmail)
			}
			for id, kept := range map[string]bool{
				"i-expired-long-ago": false, "i-accepted-long-ago": false,
				"i-expired-yesterday": true, "i-accepted-yesterday": true, "i-pending": true,
			} {
				_, err := db.InvitationByToken(ctx, "hash-"+id)
				if kept && err != nil {
					t.Errorf("%s was swept: %v", id, err)
				}
				if !kept {
					wantCode(t, err, portavoce.ECodeNotFound)
				}
			}

			claimed, again, err := db.Sweep(ctx, "sweep", period.Add(3*time.Hour), "node-b", t0, time.Hour)
			if err != nil || !claimed || again != 0 {
				t.Fatalf("second Sweep = %v, %d, %v; want claimed with 0 removed", claimed, again, err)
			}

			runs, err := db.MaintenanceRuns(ctx, "sweep")
			want := []store.MaintenanceRun{
				{Task: "sweep", PeriodStart: period, Node: "node-a", Removed: 0},
				{Task: "sweep", PeriodStart: period.Add(time.Hour), Node: "node-b", Removed: 0},
				{Task: "sweep", PeriodStart: period.Add(2 * time.Hour), Node: "node-a", Removed: 4},
				{Task: "sweep", PeriodStart: period.Add(3 * time.Hour), Node: "node-b", Removed: 0},
			}
			if err != nil || len(runs) != len(want) {
				t.Fatalf("MaintenanceRuns = %+v, %v; want %+v", runs, err, want)
			}
			for i := range want {
				if runs[i] != want[i] {
					t.Errorf("run %d = %+v, want %+v", i, runs[i], want[i])
				}
			}
			if runs, _ := db.MaintenanceRuns(ctx, "report"); len(runs) != 1 || runs[0].Removed != 0 {
				t.Errorf("report runs = %+v", runs)
			}
		})
	})
}

func TestOpenSQLiteUnwritableFolder(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-folder")
	mustNil(t, os.WriteFile(file, []byte("x"), 0o600))
	// Running as root, chmod would not stop the store: a path through a
	// regular file cannot be created by anyone.
	for _, tc := range []struct{ name, dir string }{
		{"folder under a file", filepath.Join(file, "sub")},
		{"folder is a file", file},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := store.Open(t.Context(), store.Options{DataDir: tc.dir})
			if err == nil {
				db.Close()
				t.Fatalf("Open(%s) succeeded", tc.dir)
			}
			for _, want := range []string{tc.dir, "--data"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func randomName(prefix string) string {
	b := make([]byte, 5)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// withQuery returns rawURL with one query parameter set.
func withQuery(t *testing.T, rawURL, key, value string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	mustNil(t, err)
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestPostgresTerminatedBackends ends the store's connections from the
// server side, as a restart or an administrator would: every error the store
// returns meanwhile says the database is unavailable, and the store recovers
// on its own.
func TestPostgresTerminatedBackends(t *testing.T) {
	ctx := t.Context()
	base := storetest.PostgresURL(t)
	app := randomName("pv_test_")
	db, err := store.Open(ctx, store.Options{DatabaseURL: withQuery(t, base, "application_name", app), Wait: 10 * time.Second})
	mustNil(t, err)
	defer db.Close()
	mustNil(t, db.Migrate(ctx))
	addUser(t, db, "u-anna", "anna@example.com")

	admin, err := pgx.Connect(ctx, base)
	mustNil(t, err)
	defer admin.Close(context.Background())

	for round := range 3 {
		var killed int
		mustNil(t, admin.QueryRow(ctx, `SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE application_name = $1) AS k`, app).Scan(&killed))
		if killed == 0 {
			t.Fatalf("round %d: no backend with application_name %s to terminate", round, app)
		}
		recovered := false
		for attempt := 1; attempt <= 20 && !recovered; attempt++ {
			_, err := db.UserByEmail(ctx, "anna@example.com")
			switch {
			case err == nil:
				recovered = true
			case portavoce.ErrorCode(err) == portavoce.ECodeUnavailable:
				t.Logf("round %d, attempt %d: unavailable, as expected: %v", round, attempt, err)
				time.Sleep(50 * time.Millisecond)
			default:
				t.Fatalf("round %d, attempt %d: error %q (code %q), want %q", round, attempt, err,
					portavoce.ErrorCode(err), portavoce.ECodeUnavailable)
			}
		}
		if !recovered {
			t.Fatalf("round %d: the store did not recover after its backends were terminated", round)
		}
	}
}

// TestPostgresGoneAway cuts the network between the store and PostgreSQL:
// while it is cut, every kind of call fails with "database unavailable"
// (never a raw driver error); when it is back, the store works again.
func TestPostgresGoneAway(t *testing.T) {
	ctx := t.Context()
	outage, dbURL := storetest.NewOutage(t, storetest.PostgresURL(t))
	db, err := store.Open(ctx, store.Options{DatabaseURL: dbURL, Wait: 10 * time.Second})
	mustNil(t, err)
	defer db.Close()
	mustNil(t, db.Migrate(ctx))
	anna := addUser(t, db, "u-anna", "anna@example.com")

	outage.Cut()
	calls := []struct {
		name string
		do   func() error
	}{
		{"read", func() error { _, err := db.UserByEmail(ctx, anna.Email); return err }},
		{"write", func() error { return db.SetUserLanguage(ctx, anna.ID, "en") }},
		{"transaction", func() error { return db.SetPassword(ctx, anna.ID, "x", t0) }},
		{"list", func() error { _, err := db.Audit(ctx, store.AuditFilter{All: true}); return err }},
		{"ping", func() error { return db.Ping(ctx) }},
	}
	for _, c := range calls {
		t.Run("away/"+c.name, func(t *testing.T) {
			err := c.do()
			if err == nil {
				t.Fatal("succeeded with the database away")
			}
			wantCode(t, err, portavoce.ECodeUnavailable)
		})
	}

	outage.Restore()
	var last error
	for attempt := 0; attempt < 50; attempt++ {
		if _, last = db.UserByEmail(ctx, anna.Email); last == nil {
			break
		}
		if portavoce.ErrorCode(last) != portavoce.ECodeUnavailable {
			t.Fatalf("while recovering: %v, want %s or success", last, portavoce.ECodeUnavailable)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if last != nil {
		t.Fatalf("the store did not recover when the database came back: %v", last)
	}
	for _, c := range calls {
		if err := c.do(); err != nil {
			t.Errorf("%s after recovery: %v", c.name, err)
		}
	}
}

func TestPingAndWhere(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		mustNil(t, db.Ping(t.Context()))
		want := map[store.Dialect]string{store.SQLite: "portavoce.db", store.Postgres: "PostgreSQL at 127.0.0.1:"}[db.Dialect]
		if want == "" || !strings.Contains(db.Where(), want) {
			t.Fatalf("Where() = %q for %s, want it to mention %q", db.Where(), db.Dialect, want)
		}
	})
}

// TestOpenPostgresHidesPassword gives up on a PostgreSQL that does not
// answer: the error says where it looked, never the password.
func TestOpenPostgresHidesPassword(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	mustNil(t, err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	const password = "s3cret-Pa55word"
	for _, tc := range []struct{ name, url, where string }{
		{"url", "postgres://portavoce:" + password + "@" + addr + "/portavoce?sslmode=disable&connect_timeout=2", addr},
		{"key-value", "host=127.0.0.1 port=" + addr[strings.LastIndexByte(addr, ':')+1:] + " user=portavoce password=" + password +
			" dbname=portavoce sslmode=disable", addr},
		{"malformed", "postgres://portavoce:" + password + "@127.0.0.1:notaport/portavoce", "postgres://"},
		{"bad option", "postgres://portavoce:" + password + "@" + addr + "/portavoce?sslmode=bogus", "sslmode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := store.Open(t.Context(), store.Options{DatabaseURL: tc.url, Wait: 300 * time.Millisecond})
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded with nothing listening")
			}
			if strings.Contains(err.Error(), password) {
				t.Fatalf("the error shows the password: %v", err)
			}
			if !strings.Contains(err.Error(), tc.where) {
				t.Errorf("the error does not mention %q: %v", tc.where, err)
			}
		})
	}
}
