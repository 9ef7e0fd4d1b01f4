package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/portavoce/portavoce/internal/account"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/store/storetest"
	"github.com/portavoce/portavoce/internal/web"
	"github.com/portavoce/portavoce/internal/workspace"
)

// TestPostgresGoesDownWhileRunning cuts the connection to PostgreSQL under a
// running server: requests fail cleanly with 503 and a message, nothing
// hangs, and the server answers again once the database is back.
func TestPostgresGoesDownWhileRunning(t *testing.T) {
	outage, dbURL := storetest.NewOutage(t, storetest.PostgresURL(t))
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DatabaseURL: dbURL, Wait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	accounts := account.New(db, account.DefaultPolicy, nil, nil)
	u, err := accounts.CreateUser(ctx, "Anna", "anna@example.it", "unapasswordlunga", true)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := accounts.CreateAPIToken(ctx, u, "test", account.Origin{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := web.NewServer(web.Deps{Accounts: accounts, Workspaces: workspace.New(db, accounts, nil, nil), DB: db})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := &http.Client{Timeout: 30 * time.Second}

	get := func(path string) (int, string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v (the server must answer, not drop the request)", path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	if code, _ := get("/api/v1/workspaces"); code != 200 {
		t.Fatalf("before the outage: %d", code)
	}
	outage.Cut()
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz during the outage: %d %s", code, body)
	}
	code, body := get("/api/v1/workspaces")
	if code != http.StatusServiceUnavailable {
		t.Fatalf("API during the outage: %d %s, want 503", code, body)
	}
	var e struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code != "database_unavailable" ||
		!strings.Contains(e.Error.Message, "try again") {
		t.Fatalf("API error during the outage: %s", body)
	}

	outage.Restore()
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, _ := get("/api/v1/workspaces")
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not recover after the database came back (last status %d)", code)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if code, _ := get("/readyz"); code != 200 {
		t.Fatalf("/readyz after the outage: %d", code)
	}
}
