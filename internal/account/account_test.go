package account_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/account"
	"github.com/portavoce/portavoce/internal/auth"
	"github.com/portavoce/portavoce/internal/fakeclock"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/store/storetest"
	"github.com/portavoce/portavoce/internal/workspace"
)

type fixture struct {
	db    *store.DB
	clock *fakeclock.Clock
	svc   *account.Service
}

func newFixture(t *testing.T, db *store.DB, policy account.Policy) *fixture {
	t.Helper()
	c := fakeclock.New(time.Date(2025, time.March, 10, 9, 30, 0, 0, time.UTC))
	return &fixture{db: db, clock: c, svc: account.New(db, policy, c.Now, nil)}
}

// newWorkspace builds workspaces the way the set-up page does.
func (f *fixture) newWorkspace(name string) (portavoce.Workspace, error) {
	return workspace.New(f.db, f.svc, f.clock.Now, nil).Build(name, "", "Europe/Rome", "it")
}

func (f *fixture) user(t *testing.T, name, email, password string) portavoce.User {
	t.Helper()
	u, err := f.svc.CreateUser(t.Context(), name, email, password, false)
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

func (f *fixture) login(t *testing.T, email, password string, o account.Origin) (string, portavoce.Session) {
	t.Helper()
	token, sess, _, err := f.svc.Login(t.Context(), email, password, o)
	if err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
	return token, sess
}

// audit returns the instance's audit entries with one action, newest first.
func (f *fixture) audit(t *testing.T, action string) []portavoce.AuditEntry {
	t.Helper()
	all, err := f.db.Audit(t.Context(), store.AuditFilter{All: true, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []portavoce.AuditEntry
	for _, e := range all {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := portavoce.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var e *portavoce.Error
	if !errors.As(err, &e) || e.Code != portavoce.ECodeInvalid || e.Field != field {
		t.Fatalf("error %v, want invalid input in field %q", err, field)
	}
}

func wantNoSession(t *testing.T, f *fixture, token, why string) {
	t.Helper()
	if _, _, err := f.svc.Session(t.Context(), token); err != account.ErrNoSession {
		t.Fatalf("%s: Session = %v, want ErrNoSession", why, err)
	}
}

func wantSession(t *testing.T, f *fixture, token string, u portavoce.User) portavoce.Session {
	t.Helper()
	sess, got, err := f.svc.Session(t.Context(), token)
	if err != nil || got.ID != u.ID {
		t.Fatalf("Session = user %q, %v; want %q", got.ID, err, u.ID)
	}
	return sess
}

const (
	password  = "correct horse battery"
	password2 = "staple tortellini 42"
)

var (
	office = account.Origin{IP: "192.0.2.10", UserAgent: "Firefox"}
	home   = account.Origin{IP: "198.51.100.20", UserAgent: "Safari"}
)

func TestSetup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		f := newFixture(t, db, account.DefaultPolicy)
		if need, err := f.svc.NeedsSetup(ctx); err != nil || !need {
			t.Fatalf("NeedsSetup on an empty store = %v, %v", need, err)
		}

		t.Run("invalid input creates nothing", func(t *testing.T) {
			for _, tc := range []struct {
				name  string
				in    account.SetupInput
				field string
			}{
				{"weak password", account.SetupInput{Name: "Anna", Email: "anna@example.com", Password: "short", WorkspaceName: "Caffè Rossi"}, "password"},
				{"password is the email", account.SetupInput{Name: "Anna", Email: "anna@example.com", Password: "Anna@Example.com", WorkspaceName: "Caffè Rossi"}, "password"},
				{"bad email", account.SetupInput{Name: "Anna", Email: "anna", Password: password, WorkspaceName: "Caffè Rossi"}, "email"},
				{"no name", account.SetupInput{Name: "  ", Email: "anna@example.com", Password: password, WorkspaceName: "Caffè Rossi"}, "name"},
				{"no workspace name", account.SetupInput{Name: "Anna", Email: "anna@example.com", Password: password, WorkspaceName: " "}, "workspace_name"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					_, _, err := f.svc.Setup(ctx, tc.in, office, f.newWorkspace)
					wantField(t, err, tc.field)
					if need, _ := f.svc.NeedsSetup(ctx); !need {
						t.Fatal("a refused set-up created a user")
					}
				})
			}
		})

		in := account.SetupInput{Name: "Anna Bianchi", Email: "  Anna@Example.com ", Password: password, WorkspaceName: "Caffè Rossi", Language: "it"}
		u, w, err := f.svc.Setup(ctx, in, office, f.newWorkspace)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("admin owner", func(t *testing.T) {
			if !u.IsAdmin || u.Email != "anna@example.com" || u.Language != "it" {
				t.Fatalf("owner = %+v", u)
			}
			stored, err := db.UserByEmail(ctx, "anna@example.com")
			if err != nil || !stored.IsAdmin || stored.ID != u.ID {
				t.Fatalf("stored owner = %+v, %v", stored, err)
			}
			if strings.Contains(stored.PasswordHash, password) || auth.VerifyPassword(stored.PasswordHash, password) != nil {
				t.Fatal("the stored password hash is not an argon2 hash of the password")
			}
			if role, err := db.MemberRole(ctx, w.ID, u.ID); err != nil || role != portavoce.RoleOwner {
				t.Fatalf("role in the first workspace = %q, %v; want owner", role, err)
			}
			if got, err := db.WorkspaceBySlug(ctx, "caffe-rossi"); err != nil || got.ID != w.ID || got.Name != "Caffè Rossi" {
				t.Fatalf("workspace = %+v, %v", got, err)
			}
			if need, _ := f.svc.NeedsSetup(ctx); need {
				t.Fatal("NeedsSetup still true")
			}
			if entries := f.audit(t, portavoce.AuditSetup); len(entries) != 1 || entries[0].ActorID != u.ID ||
				entries[0].Target != "caffe-rossi" || entries[0].IP != office.IP {
				t.Fatalf("set-up audit = %+v", entries)
			}
		})
		t.Run("second set-up", func(t *testing.T) {
			again := account.SetupInput{Name: "Mallory", Email: "mallory@example.com", Password: password2, WorkspaceName: "Mallory SpA"}
			_, _, err := f.svc.Setup(ctx, again, home, f.newWorkspace)
			wantCode(t, err, portavoce.ECodeConflict)
			if n, _ := db.CountUsers(ctx); n != 1 {
				t.Fatalf("%d users after a second set-up, want 1", n)
			}
			if _, err := db.UserByEmail(ctx, "mallory@example.com"); err == nil {
				t.Fatal("the second set-up's user was stored")
			}
		})
		t.Run("owner logs in", func(t *testing.T) {
			f.login(t, "anna@example.com", password, office)
		})
	})
}

func TestCreateUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, account.DefaultPolicy)
		u := f.user(t, "Bruno", "Bruno@Example.com", password)
		if u.IsAdmin || u.Email != "bruno@example.com" {
			t.Fatalf("user = %+v", u)
		}
		_, err := f.svc.CreateUser(t.Context(), "Other Bruno", "bruno@example.com", password2, true)
		wantField(t, err, "email")
		if got, _ := db.UserByEmail(t.Context(), "bruno@example.com"); got.Name != "Bruno" || got.IsAdmin {
			t.Fatalf("the duplicate changed the user: %+v", got)
		}
		if entries := f.audit(t, portavoce.AuditUserCreated); len(entries) != 1 || entries[0].Target != "bruno@example.com" {
			t.Fatalf("user.created audit = %+v", entries)
		}
		t.Run("language", func(t *testing.T) {
			wantField(t, f.svc.SetLanguage(t.Context(), u, "fr"), "language")
			if err := f.svc.SetLanguage(t.Context(), u, "en"); err != nil {
				t.Fatal(err)
			}
			if got, _ := db.UserByID(t.Context(), u.ID); got.Language != "en" {
				t.Fatalf("language = %q, want en", got.Language)
			}
		})
	})
}

func TestLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		f := newFixture(t, db, account.DefaultPolicy)
		carla := f.user(t, "Carla", "carla@example.com", password)

		for _, tc := range []struct {
			name, email, password string
			ok                    bool
		}{
			{"wrong password", "carla@example.com", "wrong horse battery", false},
			{"unknown email", "nobody@example.com", password, false},
			{"empty password", "carla@example.com", "", false},
			{"right password", "carla@example.com", password, true},
			{"email in other case and spaces", "  CARLA@example.COM ", password, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := len(f.audit(t, portavoce.AuditLoginFailed))
				token, sess, u, err := f.svc.Login(ctx, tc.email, tc.password, office)
				if !tc.ok {
					if err != account.ErrBadCredentials {
						t.Fatalf("Login = %v, want ErrBadCredentials", err)
					}
					if token != "" {
						t.Fatal("a failed login returned a token")
					}
					failed := f.audit(t, portavoce.AuditLoginFailed)
					want := strings.ToLower(strings.TrimSpace(tc.email))
					if len(failed) != before+1 || failed[0].Target != want || failed[0].IP != office.IP || failed[0].ActorID != "" {
						t.Fatalf("login_failed audit = %+v", failed)
					}
					return
				}
				if err != nil || u.ID != carla.ID {
					t.Fatalf("Login = %+v, %v", u, err)
				}
				if token == "" || sess.TokenHash == token || sess.TokenHash != auth.HashToken(token) {
					t.Fatalf("session %+v for token %q: the store must keep the token's hash only", sess, token)
				}
				if sess.IP != office.IP || sess.UserAgent != office.UserAgent || sess.CSRFToken == "" {
					t.Fatalf("session = %+v", sess)
				}
				wantSession(t, f, token, carla)
				if len(f.audit(t, portavoce.AuditLoginFailed)) != before {
					t.Fatal("a successful login was audited as failed")
				}
			})
		}
		if logins := f.audit(t, portavoce.AuditLogin); len(logins) != 2 || logins[0].ActorID != carla.ID {
			t.Fatalf("user.login audit = %+v", logins)
		}
	})
}

func TestLoginThrottling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		policy := account.DefaultPolicy
		f := newFixture(t, db, policy)
		f.user(t, "Dora", "dora@example.com", password)
		failAll := func(t *testing.T, n int, email string, o account.Origin) {
			t.Helper()
			for i := range n {
				if _, _, _, err := f.svc.Login(ctx, email, "wrong horse battery", o); err != account.ErrBadCredentials {
					t.Fatalf("wrong password %d: %v, want ErrBadCredentials", i+1, err)
				}
			}
		}
		throttled := func(t *testing.T, email string, o account.Origin, wait time.Duration, words string) {
			t.Helper()
			_, _, _, err := f.svc.Login(ctx, email, password, o)
			var e *portavoce.Error
			if !errors.As(err, &e) || e.Code != portavoce.ECodeThrottled {
				t.Fatalf("Login = %v, want code %s", err, portavoce.ECodeThrottled)
			}
			if e.RetryAfter <= 0 || e.RetryAfter != wait {
				t.Fatalf("RetryAfter = %v, want %v", e.RetryAfter, wait)
			}
			if !strings.Contains(e.Message, "wait "+words) {
				t.Fatalf("message %q does not say to wait %s", e.Message, words)
			}
		}

		t.Run("per email", func(t *testing.T) {
			failAll(t, policy.MaxFailuresPerEmail-1, "dora@example.com", office)
			f.login(t, "dora@example.com", password, office) // a success forgets the failures
			failAll(t, policy.MaxFailuresPerEmail, "dora@example.com", office)

			throttled(t, "dora@example.com", office, policy.ThrottleWindow, "15 minutes")
			throttled(t, "dora@example.com", home, policy.ThrottleWindow, "15 minutes") // another address does not help
			// Recorded once, when the throttle engaged, not at each refusal
			// (a flood of refused attempts must not grow the log).
			if entries := f.audit(t, portavoce.AuditLoginThrottled); len(entries) != 1 || entries[0].Target != "dora@example.com" {
				t.Fatalf("login_throttled audit = %+v", entries)
			}
			f.clock.Advance(10 * time.Minute)
			throttled(t, "dora@example.com", office, 5*time.Minute, "5 minutes")
			f.clock.Advance(4*time.Minute + 50*time.Second)
			throttled(t, "dora@example.com", office, 10*time.Second, "10 seconds")
			f.clock.Advance(10 * time.Second)
			token, _ := f.login(t, "dora@example.com", password, office)
			if token == "" {
				t.Fatal("no token")
			}
		})

		t.Run("per address", func(t *testing.T) {
			strict := policy
			strict.MaxFailuresPerIP = 3
			f := newFixture(t, db, strict)
			f.clock.Advance(time.Hour) // past the failures of the subtest above
			for i := range strict.MaxFailuresPerIP {
				if _, _, _, err := f.svc.Login(ctx, fmt.Sprintf("guess%d@example.com", i), password, home); err != account.ErrBadCredentials {
					t.Fatalf("guess %d: %v", i, err)
				}
			}
			_, _, _, err := f.svc.Login(ctx, "dora@example.com", password, home)
			wantCode(t, err, portavoce.ECodeThrottled)
			if _, _, _, err := f.svc.Login(ctx, "dora@example.com", password, office); err != nil {
				t.Fatalf("login from another address: %v", err)
			}
		})
	})
}

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		policy := account.DefaultPolicy
		f := newFixture(t, db, policy)
		emma := f.user(t, "Emma", "emma@example.com", password)
		other := f.user(t, "Fabio", "fabio@example.com", password)
		nina := f.user(t, "Nina", "nina@example.com", password)

		t.Run("unknown tokens", func(t *testing.T) {
			for _, token := range []string{"", "made-up", auth.NewToken("")} {
				wantNoSession(t, f, token, fmt.Sprintf("token %q", token))
			}
		})

		t.Run("sliding expiry", func(t *testing.T) {
			token, sess := f.login(t, nina.Email, password, office)
			if want := f.clock.Now().Add(policy.SessionIdle); !sess.ExpiresAt.Equal(want) {
				t.Fatalf("ExpiresAt = %v, want %v", sess.ExpiresAt, want)
			}
			wantSession(t, f, token, nina)
			f.clock.Advance(time.Hour)
			wantSession(t, f, token, nina) // used: lives SessionIdle from now
			f.clock.Advance(policy.SessionIdle - 30*time.Minute)
			wantSession(t, f, token, nina) // past the first expiry, still alive
			f.clock.Advance(policy.SessionIdle + time.Second)
			wantNoSession(t, f, token, "unused for longer than SessionIdle")
		})

		t.Run("logout", func(t *testing.T) {
			t1, s1 := f.login(t, emma.Email, password, office)
			t2, _ := f.login(t, emma.Email, password, home)
			if err := f.svc.Logout(ctx, s1, emma, office); err != nil {
				t.Fatal(err)
			}
			wantNoSession(t, f, t1, "after logout")
			wantSession(t, f, t2, emma)
		})

		t.Run("logout everywhere", func(t *testing.T) {
			t3, _ := f.login(t, emma.Email, password, office)
			t4, _ := f.login(t, emma.Email, password, home)
			tOther, _ := f.login(t, other.Email, password, home)
			n, err := f.svc.LogoutEverywhere(ctx, emma, office)
			if err != nil || n != 3 { // t2 of the subtest above, t3, t4
				t.Fatalf("LogoutEverywhere = %d, %v; want 3", n, err)
			}
			wantNoSession(t, f, t3, "after logout everywhere")
			wantNoSession(t, f, t4, "after logout everywhere")
			wantSession(t, f, tOther, other)
			if entries := f.audit(t, portavoce.AuditLogoutEverywhere); len(entries) != 1 || entries[0].Detail != "3 sessions ended" {
				t.Fatalf("logout_everywhere audit = %+v", entries)
			}
		})
	})
}

func TestChangePassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		f := newFixture(t, db, account.DefaultPolicy)
		f.user(t, "Gino", "gino@example.com", password)
		token1, _, u, err := f.svc.Login(ctx, "gino@example.com", password, office)
		if err != nil {
			t.Fatal(err)
		}
		token2, _ := f.login(t, "gino@example.com", password, home)

		for _, tc := range []struct{ name, current, next, field string }{
			{"wrong current", "wrong horse battery", password2, "current_password"},
			{"too short", password, "short", "new_password"},
			{"the email", password, "Gino@example.com", "new_password"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := f.svc.ChangePassword(ctx, u, tc.current, tc.next, office)
				wantField(t, err, tc.field)
				wantSession(t, f, token1, u)
			})
		}

		newToken, sess, err := f.svc.ChangePassword(ctx, u, password, password2, office)
		if err != nil || newToken == "" || sess.UserID != u.ID {
			t.Fatalf("ChangePassword = %q, %+v, %v", newToken, sess, err)
		}
		wantNoSession(t, f, token1, "this browser's old session")
		wantNoSession(t, f, token2, "another browser's session")
		wantSession(t, f, newToken, u)
		if _, _, _, err := f.svc.Login(ctx, "gino@example.com", password, office); err != account.ErrBadCredentials {
			t.Fatalf("old password: %v, want ErrBadCredentials", err)
		}
		f.login(t, "gino@example.com", password2, office)
		if entries := f.audit(t, portavoce.AuditPasswordChanged); len(entries) != 1 || entries[0].ActorID != u.ID {
			t.Fatalf("password_changed audit = %+v", entries)
		}
	})
}

func TestResetPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		f := newFixture(t, db, account.DefaultPolicy)
		u := f.user(t, "Ivo", "ivo@example.com", password)
		token, _ := f.login(t, u.Email, password, office)

		for _, tc := range []struct{ name, email, password, field string }{
			{"weak password", u.Email, "short", "password"},
			{"password is the email", u.Email, "IVO@example.com", "password"},
			{"unknown email", "nobody@example.com", password2, "email"},
			{"not an email", "ivo", password2, "email"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.svc.ResetPassword(ctx, tc.email, tc.password)
				wantField(t, err, tc.field)
				wantSession(t, f, token, u)
			})
		}

		// Locked out by wrong passwords, the user asks an administrator.
		for range account.DefaultPolicy.MaxFailuresPerEmail {
			f.svc.Login(ctx, u.Email, "wrong horse battery", home)
		}
		_, _, _, err := f.svc.Login(ctx, u.Email, password, home)
		wantCode(t, err, portavoce.ECodeThrottled)

		apiToken, _, err := f.svc.CreateAPIToken(ctx, u, "script", office)
		if err != nil {
			t.Fatal(err)
		}
		if revoked, err := f.svc.ResetPassword(ctx, " IVO@example.com", password2); err != nil || revoked != 1 {
			t.Fatalf("ResetPassword = %d, %v; want 1 token revoked", revoked, err)
		}
		if _, _, err := f.svc.AuthenticateToken(ctx, apiToken); err != account.ErrBadToken {
			t.Fatalf("the API token survived the reset: %v", err)
		}
		wantNoSession(t, f, token, "after a reset")
		if _, _, _, err := f.svc.Login(ctx, u.Email, password2, home); err != nil {
			t.Fatalf("login with the new password right after the reset: %v", err)
		}
		if _, _, _, err := f.svc.Login(ctx, u.Email, password, office); err != account.ErrBadCredentials {
			t.Fatalf("old password: %v, want ErrBadCredentials", err)
		}
		if entries := f.audit(t, portavoce.AuditPasswordReset); len(entries) != 1 || entries[0].Target != u.Email {
			t.Fatalf("password_reset audit = %+v", entries)
		}
	})
}

func TestAPITokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		f := newFixture(t, db, account.DefaultPolicy)
		u := f.user(t, "Lia", "lia@example.com", password)
		other := f.user(t, "Max", "max@example.com", password)

		t.Run("name", func(t *testing.T) {
			for _, name := range []string{"", "   ", strings.Repeat("x", 81)} {
				_, _, err := f.svc.CreateAPIToken(ctx, u, name, office)
				wantField(t, err, "name")
			}
		})

		raw, tok, err := f.svc.CreateAPIToken(ctx, u, " laptop CLI ", office)
		if err != nil {
			t.Fatal(err)
		}
		secret := strings.TrimPrefix(raw, account.APITokenPrefix)
		if !strings.HasPrefix(raw, account.APITokenPrefix) || len(secret) < 30 {
			t.Fatalf("token %q: want pv_ and at least 30 random characters", raw)
		}
		if tok.Name != "laptop CLI" || tok.UserID != u.ID || tok.Hint != raw[len(raw)-4:] {
			t.Fatalf("token record = %+v", tok)
		}
		raw2, _, err := f.svc.CreateAPIToken(ctx, u, "CI", office)
		if err != nil || raw2 == raw {
			t.Fatalf("second token %q, %v", raw2, err)
		}

		t.Run("only the hash is stored", func(t *testing.T) {
			list, err := f.svc.APITokens(ctx, u)
			if err != nil || len(list) != 2 {
				t.Fatalf("APITokens = %+v, %v", list, err)
			}
			for _, entry := range list {
				if s := fmt.Sprintf("%#v", entry); strings.Contains(s, secret) || strings.Contains(s, strings.TrimPrefix(raw2, account.APITokenPrefix)) {
					t.Fatalf("a listed token holds the token itself: %s", s)
				}
			}
			rows, err := db.SQL().QueryContext(ctx, `SELECT id, user_id, name, token_hash, hint FROM api_tokens`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var cols [5]string
				if err := rows.Scan(&cols[0], &cols[1], &cols[2], &cols[3], &cols[4]); err != nil {
					t.Fatal(err)
				}
				if row := strings.Join(cols[:], "|"); strings.Contains(row, secret) {
					t.Fatalf("the api_tokens table holds the token: %s", row)
				}
			}
			for _, e := range f.audit(t, portavoce.AuditTokenCreated) {
				if strings.Contains(fmt.Sprintf("%#v", e), secret) {
					t.Fatalf("the audit log holds the token: %+v", e)
				}
			}
		})

		t.Run("authenticate", func(t *testing.T) {
			f.clock.Advance(time.Hour)
			got, gotUser, err := f.svc.AuthenticateToken(ctx, raw)
			if err != nil || got.ID != tok.ID || gotUser.ID != u.ID {
				t.Fatalf("AuthenticateToken = %+v, %+v, %v", got, gotUser, err)
			}
			list, _ := f.svc.APITokens(ctx, u)
			for _, entry := range list {
				if entry.ID == tok.ID && !entry.LastUsedAt.Equal(f.clock.Now()) {
					t.Fatalf("LastUsedAt = %v, want %v", entry.LastUsedAt, f.clock.Now())
				}
			}
			for _, bad := range []string{"", secret, account.APITokenPrefix + strings.Repeat("a", 32), raw + "x", strings.ToUpper(raw)} {
				if _, _, err := f.svc.AuthenticateToken(ctx, bad); err != account.ErrBadToken {
					t.Errorf("AuthenticateToken(%q) = %v, want ErrBadToken", bad, err)
				}
			}
		})

		t.Run("revoke", func(t *testing.T) {
			wantCode(t, f.svc.RevokeAPIToken(ctx, other, tok.ID, office), portavoce.ECodeNotFound)
			if _, _, err := f.svc.AuthenticateToken(ctx, raw); err != nil {
				t.Fatalf("another user's revocation took effect: %v", err)
			}
			if err := f.svc.RevokeAPIToken(ctx, u, tok.ID, office); err != nil {
				t.Fatal(err)
			}
			if _, _, err := f.svc.AuthenticateToken(ctx, raw); err != account.ErrBadToken {
				t.Fatalf("revoked token: %v, want ErrBadToken", err)
			}
			if _, _, err := f.svc.AuthenticateToken(ctx, raw2); err != nil {
				t.Fatalf("revoking one token broke another: %v", err)
			}
			if entries := f.audit(t, portavoce.AuditTokenRevoked); len(entries) != 1 || entries[0].Target != tok.ID {
				t.Fatalf("token.revoked audit = %+v", entries)
			}
		})
	})
}

func TestNormalizeEmail(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string // want "" means invalid
	}{
		{"plain", "anna@example.com", "anna@example.com"},
		{"upper case and spaces", "  Anna.Bianchi@Example.COM\t", "anna.bianchi@example.com"},
		{"plus tag", "anna+social@example.it", "anna+social@example.it"},
		{"localhost", "admin@localhost", "admin@localhost"},
		{"empty", "", ""},
		{"no at", "anna.example.com", ""},
		{"no domain dot", "anna@example", ""},
		{"display name", "Anna <anna@example.com>", ""},
		{"two ats", "anna@@example.com", ""},
		{"space inside", "anna bianchi@example.com", ""},
		{"no local part", "@example.com", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := account.NormalizeEmail(tc.in)
			if tc.want == "" {
				wantField(t, err, "email")
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("NormalizeEmail(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

// TestThrottleHoldsUnderParallelAttempts sends many wrong passwords at once:
// each attempt is recorded before the password is checked, so no more than
// the policy's number of checks happen, however many arrive together.
func TestThrottleHoldsUnderParallelAttempts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		f := newFixture(t, db, account.DefaultPolicy)
		f.user(t, "Elsa", "elsa@example.com", password)
		const attempts = 24
		results := make(chan error, attempts)
		var wg sync.WaitGroup
		for i := range attempts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, _, err := f.svc.Login(ctx, "elsa@example.com", fmt.Sprintf("wrong password %d", i), office)
				results <- err
			}()
		}
		wg.Wait()
		close(results)
		checked, throttled := 0, 0
		for err := range results {
			switch {
			case err == account.ErrBadCredentials:
				checked++
			case portavoce.ErrorCode(err) == portavoce.ECodeThrottled:
				throttled++
			default:
				t.Fatalf("unexpected answer: %v", err)
			}
		}
		if checked > account.DefaultPolicy.MaxFailuresPerEmail || checked+throttled != attempts {
			t.Fatalf("%d passwords checked and %d throttled of %d parallel attempts; at most %d may be checked",
				checked, throttled, attempts, account.DefaultPolicy.MaxFailuresPerEmail)
		}
	})
}

// TestChangePasswordIsThrottled: someone holding a session cannot guess the
// current password without limit.
func TestChangePasswordIsThrottled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		f := newFixture(t, db, account.DefaultPolicy)
		u := f.user(t, "Fabio", "fabio@example.com", password)
		for i := range account.DefaultPolicy.MaxFailuresPerEmail {
			_, _, err := f.svc.ChangePassword(ctx, u, fmt.Sprintf("guess %d", i), password2, office)
			wantField(t, err, "current_password")
		}
		_, _, err := f.svc.ChangePassword(ctx, u, password, password2, office)
		wantCode(t, err, portavoce.ECodeThrottled)
		if entries := f.audit(t, portavoce.AuditLoginFailed); len(entries) != account.DefaultPolicy.MaxFailuresPerEmail {
			t.Fatalf("failed checks audited: %d, want %d", len(entries), account.DefaultPolicy.MaxFailuresPerEmail)
		}
	})
}
