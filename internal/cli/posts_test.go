package cli_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/account"
	"github.com/portavoce/portavoce/internal/cli"
	"github.com/portavoce/portavoce/internal/provider/mastodon"
	"github.com/portavoce/portavoce/internal/provider/mastodon/mastodontest"
	"github.com/portavoce/portavoce/internal/provider/providertest"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/secrets"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/workspace"
)

// TestPostCommands schedules, lists, shows, reschedules, cancels and
// publishes posts from the command line against a running server whose
// account lives on the local Mastodon test server.
func TestPostCommands(t *testing.T) {
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "data")
	key := make([]byte, secrets.KeySize)
	rand.Read(key)
	masto := mastodontest.NewServer()
	defer masto.Close()
	srv, err := startServe(t, environ("PORTAVOCE_SECRET_KEY", base64.StdEncoding.EncodeToString(key)), "--data", data,
		"--allow-hosts", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}

	// An owner with a token and a workspace with a Mastodon account, put
	// in the server's database as the set-up and the connect flow would.
	db, err := store.Open(ctx, store.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	accounts := account.New(db, account.DefaultPolicy, nil, nil)
	owner, err := accounts.CreateUser(ctx, "Anna Rossi", "anna@example.it", "una password lunga", true)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := accounts.CreateAPIToken(ctx, owner, "cli test", account.Origin{})
	if err != nil {
		t.Fatal(err)
	}
	ws := p.Workspace{ID: uuid.NewString(), Slug: "caffe-rossi", Name: "Caffè Rossi", Timezone: "Europe/Rome", Language: "it", CreatedAt: time.Now().UTC()}
	if err := db.CreateWorkspace(ctx, ws, owner.ID); err != nil {
		t.Fatal(err)
	}
	box, _ := secrets.NewBox(key)
	mastoID, mtoken := masto.CreateAccount("caffe")
	profile, limits, creds, err := mastodon.New(masto.Client()).Connect(ctx, masto.URL(), mtoken)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := publish.NewConnector(db, secrets.NewVault(box, db), nil, nil, nil, nil).Save(ctx, workspace.Actor{User: owner}, ws,
		"mastodon", masto.URL(), profile, limits, creds)
	if err != nil {
		t.Fatal(err)
	}

	env := environ("PORTAVOCE_SERVER", srv.url, "PORTAVOCE_TOKEN", token, "PORTAVOCE_WORKSPACE", "caffe-rossi")
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := cli.Run(ctx, append([]string{"portavoce", "post"}, args...), env, strings.NewReader(""), &out, &errOut)
		if errOut.Len() > 0 {
			t.Logf("stderr: %s", errOut.String())
		}
		return out.String(), err
	}
	image := filepath.Join(t.TempDir(), "vetrina.png")
	if err := os.WriteFile(image, providertest.PNG(40, 30), 0o600); err != nil {
		t.Fatal(err)
	}
	tomorrow := time.Now().In(mustZone(t)).AddDate(0, 0, 1).Format("2006-01-02")

	out, err := run("accounts")
	if err != nil || !strings.Contains(out, acc.ID) || !strings.Contains(out, "@caffe@") {
		t.Fatalf("accounts: %v\n%s", err, out)
	}
	out, err = run("create", "--account", acc.ID, "--text", "Domani apriamo alle 9 ☕", "--image", image, "--alt", "La vetrina",
		"--at", tomorrow+" 09:00", "--json")
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	var created struct{ Post struct{ ID, State string } }
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.Post.State != "scheduled" {
		t.Fatalf("create answered %s (%v)", out, err)
	}
	id := created.Post.ID
	if out, err = run("list"); err != nil || !strings.Contains(out, id) || !strings.Contains(out, tomorrow+" 09:00") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if out, err = run("reschedule", id, "--at", tomorrow+" 10:30"); err != nil || !strings.Contains(out, tomorrow+" 10:30") {
		t.Fatalf("reschedule: %v\n%s", err, out)
	}
	if out, err = run("show", id); err != nil || !strings.Contains(out, "scheduled") {
		t.Fatalf("show: %v\n%s", err, out)
	}
	if _, err = run("reschedule", id, "--at", "2027-03-28 02:30"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("a time in the skipped hour: %v, want the server's refusal", err)
	}
	if out, err = run("cancel", id); err != nil || !strings.Contains(out, "cancelled") {
		t.Fatalf("cancel: %v\n%s", err, out)
	}
	if _, err = run("create", "--account", acc.ID, "--text", "x"); err == nil || !strings.Contains(err.Error(), "exactly one of --at, --now, --queue or --draft") {
		t.Fatalf("create without a time: %v", err)
	}
	if _, err = run("create", "--account", acc.ID, "--text", "Subito!", "--now"); err != nil {
		t.Fatalf("create now: %v", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(masto.Statuses(mastoID)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the post published now never reached the network")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st := masto.Statuses(mastoID); len(st) != 1 || st[0].Text != "Subito!" {
		t.Fatalf("the network holds %+v", st)
	}
}

func mustZone(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
