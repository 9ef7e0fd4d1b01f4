package cli_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/store/storetest"
)

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestTwoNodesOnPostgres runs two `portavoce serve` processes on one
// PostgreSQL, as an agency would behind a load balancer: the owner set up on
// node A logs in on node B, a session made on one node works on the other, a
// workspace created on B is listed on A, and the periodic sweep runs once per
// period across both nodes.
func TestTwoNodesOnPostgres(t *testing.T) {
	if !postgresUp() {
		t.Skip("PostgreSQL does not answer on 127.0.0.1:5432; set CI=true to make this a failure")
	}
	dbURL := storetest.PostgresURL(t)
	key := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	env := environ("PORTAVOCE_SECRET_KEY", key, "PORTAVOCE_DATABASE", dbURL, "PORTAVOCE_SWEEP_EVERY", "1s")
	a, err := startServe(t, env, "--data", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := startServe(t, env, "--data", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	page := func(u string) string {
		t.Helper()
		res, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return string(body)
	}
	post := func(u string, form url.Values) *http.Response {
		t.Helper()
		res, err := client.PostForm(u, form)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	csrf := func(html string) string {
		t.Helper()
		m := csrfInput.FindStringSubmatch(html)
		if m == nil {
			t.Fatalf("no CSRF field in:\n%s", html)
		}
		return m[1]
	}

	// Set-up on A. The cookie jar keys cookies by host (127.0.0.1), so the
	// browser's session travels to B as it would behind one load balancer.
	res := post(a.url+"/setup", url.Values{"csrf": {csrf(page(a.url + "/setup"))}, "name": {"Anna Rossi"},
		"email": {"anna@example.it"}, "password": {"una password lunga"}, "language": {"it"}, "workspace_name": {"Caffè Rossi"}})
	if res.Request.URL.Path != "/w/caffe-rossi/calendar" {
		t.Fatalf("set-up on A ended at %s", res.Request.URL)
	}
	// The session made on A is valid on B.
	if html := page(b.url + "/workspaces"); !strings.Contains(html, "Caffè Rossi") {
		t.Fatalf("B does not know A's session:\n%s", html)
	}
	// B's set-up page says it is done; creating a workspace on B shows on A.
	if res := post(b.url+"/workspaces", url.Values{"csrf": {csrf(page(b.url + "/workspaces"))}, "workspace_name": {"Studio Bianchi"},
		"timezone": {"Europe/Rome"}, "language": {"it"}}); res.StatusCode != 200 || !strings.HasPrefix(res.Request.URL.Path, "/w/studio-bianchi/") {
		t.Fatalf("create on B: %d %s", res.StatusCode, res.Request.URL)
	}
	if html := page(a.url + "/workspaces"); !strings.Contains(html, "Studio Bianchi") {
		t.Fatal("A does not list the workspace created on B")
	}
	// Log out on B, log in on A with the same password.
	post(b.url+"/logout", url.Values{"csrf": {csrf(page(b.url + "/account"))}})
	res = post(a.url+"/login", url.Values{"csrf": {csrf(page(a.url + "/login"))}, "email": {"anna@example.it"}, "password": {"una password lunga"}})
	if res.Request.URL.Path != "/workspaces" {
		t.Fatalf("login on A after logout on B ended at %s", res.Request.URL)
	}

	// The sweep: both nodes run River's periodic job every second; each
	// period must be recorded once, whichever node did it.
	db, err := store.Open(context.Background(), store.Options{DatabaseURL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	var runs []store.MaintenanceRun
	for time.Now().Before(deadline) {
		if runs, err = db.MaintenanceRuns(context.Background(), "sweep"); err != nil {
			t.Fatal(err)
		}
		if len(runs) >= 4 {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if len(runs) < 4 {
		t.Fatalf("only %d sweep periods ran in 30 s with two nodes", len(runs))
	}
	nodes := map[string]int{}
	for i, r := range runs {
		nodes[r.Node]++
		if i > 0 && !r.PeriodStart.After(runs[i-1].PeriodStart) {
			t.Fatalf("periods not distinct: %+v", runs)
		}
	}
	t.Logf("%d periods swept, by node: %v", len(runs), nodes)
	// Each node's log says how many it swept; together they must equal the
	// recorded periods (a period done twice would be counted twice).
	swept := strings.Count(a.stderr.String(), "swept expired rows") + strings.Count(b.stderr.String(), "swept expired rows")
	if runs, _ = db.MaintenanceRuns(context.Background(), "sweep"); swept > len(runs) {
		t.Fatalf("the nodes logged %d sweeps for %d periods: some period was swept twice", swept, len(runs))
	}
}
