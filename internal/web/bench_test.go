package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/account"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/store/storetest"
	"github.com/portavoce/portavoce/internal/web"
	"github.com/portavoce/portavoce/internal/workspace"
)

// benchFixture is an instance with an owner, a workspace of ten members, a
// session and an API token.
type benchFixture struct {
	handler http.Handler
	session string
	token   string
}

func newBenchFixture(b *testing.B, db *store.DB) benchFixture {
	b.Helper()
	ctx := context.Background()
	accounts := account.New(db, account.DefaultPolicy, nil, nil)
	workspaces := workspace.New(db, accounts, nil, nil)
	owner, err := accounts.CreateUser(ctx, "Owner", "owner@example.it", "a long bench password", true)
	if err != nil {
		b.Fatal(err)
	}
	ws, err := workspaces.Create(ctx, workspace.Actor{User: owner}, "Bench", "bench", "", "")
	if err != nil {
		b.Fatal(err)
	}
	for i, role := range []p.Role{p.RoleManager, p.RoleEditor, p.RoleAgency, p.RoleResponder, p.RoleViewer} {
		u := owner
		u.ID, u.Email, u.IsAdmin = "member-"+string(role), string(role)+"@example.it", false
		if err := db.CreateUser(ctx, u); err != nil {
			b.Fatal(err, i)
		}
		if err := db.AddMember(ctx, p.Membership{WorkspaceID: ws.ID, UserID: u.ID, Role: role, CreatedAt: ws.CreatedAt}); err != nil {
			b.Fatal(err)
		}
	}
	session, _, err := accounts.StartSession(ctx, owner, account.Origin{})
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := accounts.CreateAPIToken(ctx, owner, "bench", account.Origin{})
	if err != nil {
		b.Fatal(err)
	}
	h, err := web.NewServer(web.Deps{Accounts: accounts, Workspaces: workspaces, DB: db})
	if err != nil {
		b.Fatal(err)
	}
	return benchFixture{handler: h, session: session, token: token}
}

// BenchmarkRequests measures the server's own work per request (no network)
// for a logged-in page and an API call, on both databases.
func BenchmarkRequests(b *testing.B) {
	for _, dbCase := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(dbCase.name, func(b *testing.B) {
			f := newBenchFixture(b, dbCase.open(b))
			b.Run("settings page", func(b *testing.B) {
				for b.Loop() {
					req := httptest.NewRequest("GET", "/w/bench/settings", nil)
					req.AddCookie(&http.Cookie{Name: "pv_session", Value: f.session})
					rec := httptest.NewRecorder()
					f.handler.ServeHTTP(rec, req)
					if rec.Code != 200 {
						b.Fatalf("status %d", rec.Code)
					}
				}
			})
			b.Run("API members", func(b *testing.B) {
				for b.Loop() {
					req := httptest.NewRequest("GET", "/api/v1/workspaces/bench/members", nil)
					req.Header.Set("Authorization", "Bearer "+f.token)
					rec := httptest.NewRecorder()
					f.handler.ServeHTTP(rec, req)
					if rec.Code != 200 {
						b.Fatalf("status %d", rec.Code)
					}
				}
			})
		})
	}
}
