package presence_test

import (
	"bytes"
	"crypto/rand"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/netguard"
	"github.com/portavoce/portavoce/internal/presence"
	"github.com/portavoce/portavoce/internal/presence/profileaudit"
	"github.com/portavoce/portavoce/internal/presence/siteaudit"
	"github.com/portavoce/portavoce/internal/provider/bluesky"
	"github.com/portavoce/portavoce/internal/provider/mastodon"
	"github.com/portavoce/portavoce/internal/provider/mastodon/mastodontest"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/secrets"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/store/storetest"
	"github.com/portavoce/portavoce/internal/workspace"
)

// site serves one of siteaudit's test websites, switchable while the test
// runs, as the company's site changing between two audits.
type site struct {
	name   atomic.Value
	srv    *httptest.Server
	social *httptest.Server
}

func newSite(t *testing.T, name string) *site {
	t.Helper()
	s := &site{}
	s.name.Store(name)
	s.social = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!doctype html><title>profile</title>"))
	}))
	t.Cleanup(s.social.Close)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		file := path.Clean(r.URL.Path)
		if file == "/" {
			file = "/index.html"
		}
		root := filepath.Join("siteaudit", "testdata", "sites")
		b, err := os.ReadFile(filepath.Join(root, s.name.Load().(string), filepath.FromSlash(file)))
		if err != nil {
			b, err = os.ReadFile(filepath.Join(root, "_assets", filepath.FromSlash(file)))
		}
		if err != nil || strings.HasPrefix(path.Base(file), "_") {
			http.NotFound(w, r)
			return
		}
		ct := mime.TypeByExtension(path.Ext(file))
		if strings.HasPrefix(ct, "text/") || strings.Contains(ct, "xml") {
			b = bytes.ReplaceAll(b, []byte("{{SITE}}"), []byte(s.srv.URL))
			b = bytes.ReplaceAll(b, []byte("{{SOCIAL}}"), []byte(s.social.URL))
		}
		w.Header().Set("Content-Type", ct)
		w.Write(b)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func newWorkspace(t *testing.T, db *store.DB) workspace.Access {
	t.Helper()
	now := time.Now().UTC()
	u := p.User{ID: uuid.NewString(), Email: uuid.NewString()[:8] + "@example.it", Name: "Anna", PasswordHash: "x", CreatedAt: now, PasswordChangedAt: now}
	if err := db.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	ws := p.Workspace{ID: uuid.NewString(), Slug: "caffe-" + uuid.NewString()[:8], Name: "Caffè Rossi", Timezone: "Europe/Rome", Language: "it", CreatedAt: now}
	if err := db.CreateWorkspace(t.Context(), ws, u.ID); err != nil {
		t.Fatal(err)
	}
	return workspace.Access{Workspace: ws, Role: p.RoleOwner}
}

// TestAuditHistoryAndWorse: the correct site scores 100; once the site
// loses its structured data the next audit scores lower, lists the new
// findings, and the workspace is told once; the history keeps both.
func TestAuditHistoryAndWorse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, "caffe-rossi-ok")
		client := netguard.NewClient(netguard.Options{Allow: []string{"127.0.0.1"}})
		svc := presence.New(db, client, siteaudit.Options{}, profileaudit.Deps{}, nil, nil)
		acc := newWorkspace(t, db)
		actor := workspace.Actor{}

		if _, _, err := svc.RunNow(t.Context(), actor, acc); err == nil || !strings.Contains(err.Error(), "website first") {
			t.Fatalf("an audit without a website: %v, want a clear refusal", err)
		}
		if _, err := svc.SaveSettings(t.Context(), actor, acc, p.PresenceSettings{Website: "not a site"}); err == nil {
			t.Fatal("a website that is not an address was accepted")
		}
		settings, err := svc.SaveSettings(t.Context(), actor, acc, p.PresenceSettings{Website: s.srv.URL, BrandName: "Caffè Rossi",
			LocalBusiness: true, Profiles: []string{s.social.URL + "/@cafferossi", s.social.URL + "/instagram/cafferossi",
				s.social.URL + "/facebook/cafferossi", " "}, AuditEvery: 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if len(settings.Profiles) != 3 || settings.NextAudit.IsZero() {
			t.Fatalf("settings %+v", settings)
		}

		first, _, err := svc.RunNow(t.Context(), actor, acc)
		if err != nil {
			t.Fatal(err)
		}
		if first.Score != 100 || len(first.Findings) != 0 {
			t.Fatalf("the correct site scored %d with %+v", first.Score, first.Findings)
		}

		s.name.Store("no-jsonld")
		second, change, err := svc.RunNow(t.Context(), actor, acc)
		if err != nil {
			t.Fatal(err)
		}
		if second.Score >= first.Score || !change.Worse() || len(change.New) == 0 || change.New[0].Check != "jsonld.missing" {
			t.Fatalf("after losing its JSON-LD: score %d, change %+v", second.Score, change)
		}
		if change.New[0].Fix == "" || !strings.Contains(change.New[0].Fix, "LocalBusiness") {
			t.Errorf("the finding's fix does not give the JSON-LD to paste: %q", change.New[0].Fix)
		}
		notes, _ := db.Notifications(t.Context(), acc.Workspace.ID, 10)
		if len(notes) != 1 || notes[0].Kind != presence.NotifyWorse || notes[0].Detail != "100 → 70" {
			t.Fatalf("notifications %+v, want one 'worse' with 100 → 70", notes)
		}

		// Fixed again: better, and nobody is told.
		s.name.Store("caffe-rossi-ok")
		third, change, err := svc.RunNow(t.Context(), actor, acc)
		if err != nil || third.Score != 100 || change.Worse() || len(change.Resolved) != len(second.Findings) {
			t.Fatalf("after the fix: score %d, change %+v, %v", third.Score, change, err)
		}
		if notes, _ := db.Notifications(t.Context(), acc.Workspace.ID, 10); len(notes) != 1 {
			t.Fatalf("%d notifications, want still 1", len(notes))
		}
		history, err := svc.History(t.Context(), acc, 10)
		if err != nil || len(history) != 3 || history[0].ID != third.ID || history[1].Findings[0].Check != "jsonld.missing" {
			t.Fatalf("history %+v (%v)", history, err)
		}
	})
}

// TestScheduledAuditsRunOnce: two nodes running the schedule together audit
// a due workspace once; a workspace not due is left alone.
func TestScheduledAuditsRunOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, "caffe-rossi-ok")
		client := netguard.NewClient(netguard.Options{Allow: []string{"127.0.0.1"}})
		clock := time.Now()
		svc := presence.New(db, client, siteaudit.Options{}, profileaudit.Deps{}, func() time.Time { return clock }, nil)
		due, later := newWorkspace(t, db), newWorkspace(t, db)
		for _, acc := range []workspace.Access{due, later} {
			if _, err := svc.SaveSettings(t.Context(), workspace.Actor{}, acc, p.PresenceSettings{Website: s.srv.URL,
				AuditEvery: 7 * 24 * time.Hour}); err != nil {
				t.Fatal(err)
			}
		}
		// Only the first is due: its week has passed.
		st, _ := db.PresenceSettings(t.Context(), due.Workspace.ID)
		st.NextAudit = clock.Add(-time.Minute)
		if err := db.SavePresenceSettings(t.Context(), st); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 2)
		for range 2 {
			go func() { done <- svc.RunScheduled(t.Context()) }()
		}
		for range 2 {
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		a, _ := svc.History(t.Context(), due, 10)
		b, _ := svc.History(t.Context(), later, 10)
		if len(a) != 1 || a[0].Trigger != "scheduled" || len(b) != 0 {
			t.Fatalf("audits: %d for the due workspace (want 1, scheduled), %d for the other (want 0)", len(a), len(b))
		}
	})
}

// TestProfilesAudited: the brand's Mastodon profile is audited with the
// website, and a profile without the link to the site is a finding with
// its fix.
func TestProfilesAudited(t *testing.T) {
	db := storetest.SQLite(t)
	s := newSite(t, "caffe-rossi-ok")
	masto := mastodontest.NewServer()
	t.Cleanup(masto.Close)
	masto.CreateAccount("cafferossi")
	client := netguard.NewClient(netguard.Options{Allow: []string{"127.0.0.1"}})
	sky := bluesky.New(client, "http://127.0.0.1:1", "http://127.0.0.1:1").Profiles("http://127.0.0.1:1", nil)
	svc := presence.New(db, client, siteaudit.Options{}, profileaudit.Deps{Mastodon: mastodon.New(client), Bluesky: sky, Handles: sky}, nil, nil)
	acc := newWorkspace(t, db)
	if _, err := svc.SaveSettings(t.Context(), workspace.Actor{}, acc, p.PresenceSettings{Website: s.srv.URL, BrandName: "Caffè Rossi",
		LocalBusiness: true, Profiles: []string{masto.URL() + "/@cafferossi"}}); err != nil {
		t.Fatal(err)
	}
	audit, _, err := svc.RunNow(t.Context(), workspace.Actor{}, acc)
	if err != nil {
		t.Fatal(err)
	}
	var profileFindings []string
	for _, f := range audit.Findings {
		if f.Source == "profile" {
			profileFindings = append(profileFindings, f.Check)
		}
	}
	if !slices.Contains(profileFindings, "website-link-missing") || audit.Score >= 100 {
		t.Fatalf("score %d, profile findings %v; want the missing link to the site", audit.Score, profileFindings)
	}
}

// TestProfileFixApplied: the connected Mastodon account lacks the link to
// the site; the fix is applied from Portavoce, the instance's profile gets
// the link, and the next audit no longer has the finding and scores higher.
func TestProfileFixApplied(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, "caffe-rossi-ok")
		masto := mastodontest.NewServer()
		t.Cleanup(masto.Close)
		client := netguard.NewClient(netguard.Options{Allow: []string{"127.0.0.1"}})
		mc := mastodon.New(client)
		sky := bluesky.New(client, "http://127.0.0.1:1", "http://127.0.0.1:1").Profiles("http://127.0.0.1:1", nil)
		key := make([]byte, secrets.KeySize)
		rand.Read(key)
		box, _ := secrets.NewBox(key)
		vault := secrets.NewVault(box, db)
		svc := presence.New(db, client, siteaudit.Options{}, profileaudit.Deps{Mastodon: mc, Bluesky: sky, Handles: sky}, nil, nil)
		svc.SetFixer(presence.Fixer{Secrets: vault, Updaters: map[string]profileaudit.ProfileUpdater{"mastodon": mc}})
		acc := newWorkspace(t, db)

		// The brand's Mastodon account, connected.
		_, token := masto.CreateAccount("cafferossi")
		profile, limits, creds, err := mc.Connect(t.Context(), masto.URL(), token)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := publish.NewConnector(db, vault, mc, nil, nil, nil).Save(t.Context(), workspace.Actor{}, acc.Workspace, "mastodon",
			masto.URL(), profile, limits, creds); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SaveSettings(t.Context(), workspace.Actor{}, acc, p.PresenceSettings{Website: s.srv.URL, BrandName: "Caffè Rossi",
			LocalBusiness: true}); err != nil {
			t.Fatal(err)
		}
		before, _, err := svc.RunNow(t.Context(), workspace.Actor{}, acc)
		if err != nil {
			t.Fatal(err)
		}
		var subject string
		for _, f := range before.Findings {
			if f.Source == "profile" && f.Check == "website-link-missing" {
				subject = f.Subject
			}
		}
		if subject == "" {
			t.Fatalf("no missing-link finding to fix: %+v", before.Findings)
		}
		if _, err := svc.Fix(t.Context(), workspace.Actor{}, acc, "header-missing", subject); err == nil {
			t.Error("a finding Portavoce cannot fix was 'fixed'")
		}
		after, err := svc.Fix(t.Context(), workspace.Actor{}, acc, "website-link-missing", subject)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range after.Findings {
			if f.Check == "website-link-missing" {
				t.Fatalf("the finding is still there after the fix: %+v", f)
			}
		}
		if after.Score <= before.Score {
			t.Fatalf("score %d after the fix, %d before: want higher", after.Score, before.Score)
		}
		var linked bool
		for _, fld := range masto.ProfileOf(profile.RemoteID).Fields {
			if strings.Contains(fld.Value, s.srv.URL) {
				linked = true
			}
		}
		if !linked {
			t.Fatalf("the Mastodon profile has no field with the site: %+v", masto.ProfileOf(profile.RemoteID).Fields)
		}
		if _, err := svc.Fix(t.Context(), workspace.Actor{}, workspace.Access{Workspace: acc.Workspace, Role: p.RoleEditor},
			"website-link-missing", subject); err == nil {
			t.Error("an editor applied a fix")
		}
	})
}
