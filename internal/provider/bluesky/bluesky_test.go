package bluesky_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/provider/bluesky"
	"github.com/portavoce/portavoce/internal/provider/bluesky/blueskytest"
	"github.com/portavoce/portavoce/internal/provider/providertest"
)

// env is a client wired to a local Bluesky.
type env struct {
	srv    *blueskytest.Server
	client *bluesky.Client
	n      atomic.Int64

	mu       sync.Mutex
	secrets  map[string][]string // by account id: app password and every token issued
	saved    map[string][][]byte // by account id: credentials saved, in order
	password map[string]string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := blueskytest.NewServer()
	t.Cleanup(srv.Close)
	return &env{
		srv:      srv,
		client:   bluesky.New(&http.Client{Timeout: 10 * time.Second}, srv.URL(), srv.URL()),
		secrets:  map[string][]string{},
		saved:    map[string][][]byte{},
		password: map[string]string{},
	}
}

// account creates an account on the server and connects it.
func (e *env) account(t *testing.T) provider.Account {
	t.Helper()
	n := e.n.Add(1)
	handle := fmt.Sprintf("utente%d.bsky.social", n)
	password := fmt.Sprintf("abcd-efgh-%04d-ijkl", n)
	e.srv.CreateAccount(handle, password)
	profile, pds, creds, err := e.client.Login(t.Context(), handle, password)
	if err != nil {
		t.Fatalf("login %s: %v", handle, err)
	}
	id := "acct-" + handle
	e.remember(id, password, creds)
	return provider.Account{
		ID:          id,
		Server:      pds,
		RemoteID:    profile.RemoteID,
		Handle:      profile.Handle,
		Credentials: creds,
		SaveCredentials: func(ctx context.Context, credentials []byte) error {
			e.remember(id, "", credentials)
			e.mu.Lock()
			defer e.mu.Unlock()
			e.saved[id] = append(e.saved[id], credentials)
			return nil
		},
	}
}

func (e *env) remember(id, password string, creds []byte) {
	var s struct{ AccessJwt, RefreshJwt string }
	_ = json.Unmarshal(creds, &s)
	e.mu.Lock()
	defer e.mu.Unlock()
	if password != "" {
		e.password[id] = password
		e.secrets[id] = append(e.secrets[id], password)
	}
	e.secrets[id] = append(e.secrets[id], s.AccessJwt, s.RefreshJwt)
}

func (e *env) secretsOf(a provider.Account) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.secrets[a.ID]...)
}

// noSecret fails when err mentions a secret of the account.
func (e *env) noSecret(t *testing.T, a provider.Account, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range e.secretsOf(a) {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains a secret", err)
		}
	}
}

func (e *env) harness() providertest.Harness {
	return providertest.Harness{
		Publisher: e.client,
		Account:   e.account,
		Posts: func(t *testing.T, a provider.Account) []providertest.RemotePost {
			var out []providertest.RemotePost
			for _, p := range e.srv.Posts(a.RemoteID) {
				rp := providertest.RemotePost{ID: p.URI, Text: p.Text, ReplyTo: p.ReplyParent}
				for _, img := range p.Images {
					rp.Media = append(rp.Media, providertest.RemoteMedia{ContentType: img.MimeType, Alt: img.Alt})
				}
				out = append(out, rp)
			}
			return out
		},
		Inject:  func(t *testing.T, f providertest.Fault) { e.srv.Inject(f) },
		Expire:  func(t *testing.T, a provider.Account) { e.srv.RevokeSessions(a.RemoteID) },
		Secrets: e.secretsOf,
		TooLong: strings.Repeat("Troppo lungo 🍕 ", 21),
	}
}

func TestContract(t *testing.T) {
	providertest.Run(t, newEnv(t).harness())
}

// publish runs Publish and collects what was accepted.
func publish(t *testing.T, e *env, ctx context.Context, a provider.Account, d provider.Delivery) ([]provider.Published, error) {
	t.Helper()
	var got []provider.Published
	err := e.client.Publish(ctx, a, d, func(part int, p provider.Published) error {
		got = append(got, p)
		return nil
	})
	return got, err
}

func delivery(e *env, texts ...string) provider.Delivery {
	d := provider.Delivery{ID: "d", Keys: e.client.NewKeys(len(texts)), FirstAttempt: time.Now()}
	for _, text := range texts {
		d.Parts = append(d.Parts, provider.Part{Text: text})
	}
	return d
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	did := e.srv.CreateAccount("maria.bsky.social", "mari-aaaa-bbbb-cccc")
	e.srv.SetProfile(did, "Maria Rossi", "https://cdn.example/maria.jpg")
	e.srv.SetMainPassword(did, "la-password-vera", true)
	plain := e.srv.CreateAccount("luigi.bsky.social", "luig-aaaa-bbbb-cccc")
	e.srv.SetMainPassword(plain, "password-di-luigi", false)

	cases := []struct {
		name, identifier, password string
		wantDID                    string
		wantErr                    error
	}{
		{"handle", "maria.bsky.social", "mari-aaaa-bbbb-cccc", did, nil},
		{"handle with @ and capitals", " @Maria.BSKY.social ", "mari-aaaa-bbbb-cccc", did, nil},
		{"DID", did, "mari-aaaa-bbbb-cccc", did, nil},
		{"main password without e-mail code", "luigi.bsky.social", "password-di-luigi", plain, nil},
		{"wrong app password", "maria.bsky.social", "sbagliata", "", bluesky.ErrWrongPassword},
		{"main password needing an e-mail code", "maria.bsky.social", "la-password-vera", "", bluesky.ErrAuthFactor},
		{"unknown handle", "nessuno.bsky.social", "x", "", bluesky.ErrUnknownHandle},
		{"unknown DID", "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "x", "", bluesky.ErrUnknownDID},
		{"not an identifier", "maria rossi", "x", "", bluesky.ErrNotIdentifier},
		{"unsupported DID method", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "x", "", bluesky.ErrUnknownDID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			profile, pds, creds, err := e.client.Login(t.Context(), c.identifier, c.password)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("Login = %v, want %v", err, c.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "bluesky: ") || strings.Contains(err.Error(), c.password) {
					t.Errorf("error %q: want a bluesky: prefix and no password", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			if profile.RemoteID != c.wantDID || pds != e.srv.URL() {
				t.Errorf("Login = %+v at %s, want %s at %s", profile, pds, c.wantDID, e.srv.URL())
			}
			var s map[string]string
			if err := json.Unmarshal(creds, &s); err != nil {
				t.Fatal(err)
			}
			if s["accessJwt"] == "" || s["refreshJwt"] == "" || s["did"] != c.wantDID || s["handle"] != profile.Handle || len(s) != 4 {
				t.Errorf("credentials %v", s)
			}
			if strings.Contains(string(creds), c.password) {
				t.Error("credentials hold the password")
			}
			if c.wantDID == did {
				want := provider.Profile{RemoteID: did, Handle: "maria.bsky.social", DisplayName: "Maria Rossi",
					AvatarURL: "https://cdn.example/maria.jpg", URL: "https://bsky.app/profile/maria.bsky.social"}
				if profile != want {
					t.Errorf("profile %+v, want %+v", profile, want)
				}
			}
		})
	}
}

func TestLoginServerDown(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	c := bluesky.New(nil, down.URL, down.URL)
	_, _, _, err := c.Login(t.Context(), "maria.bsky.social", "x")
	if provider.KindOf(err) != provider.Temporary {
		t.Fatalf("login with the entry service down: %v, want temporary", err)
	}
}

func TestPublishFacets(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	bob := e.srv.CreateAccount("bob.bsky.social", "bob-pw")
	text := "Buongiorno @bob.bsky.social! Caffè ☕ e cornetto 🥐 al bar: https://example.com/menù?x=1 #colazione #caffè da https://caffè.it/bar, saluti a @nessuno.bsky.social"
	got, err := publish(t, e, t.Context(), a, delivery(e, text))
	if err != nil {
		t.Fatal(err)
	}
	posts := e.srv.Posts(a.RemoteID)
	if len(got) != 1 || len(posts) != 1 || posts[0].URI != got[0].RemoteID || posts[0].CID != got[0].CID {
		t.Fatalf("accepted %+v, server holds %+v", got, posts)
	}
	rkey := posts[0].RKey
	if want := "https://bsky.app/profile/" + a.Handle + "/post/" + rkey; got[0].URL != want {
		t.Errorf("URL %s, want %s", got[0].URL, want)
	}
	type facet struct{ kind, slice, value string }
	want := []facet{
		{"mention", "@bob.bsky.social", bob},
		{"link", "https://example.com/menù?x=1", "https://example.com/men%C3%B9?x=1"},
		{"tag", "#colazione", "colazione"},
		{"tag", "#caffè", "caffè"},
		{"link", "https://caffè.it/bar", "https://xn--caff-8oa.it/bar"},
	}
	var have []facet
	for _, f := range posts[0].Facets {
		have = append(have, facet{f.Kind, text[f.Start:f.End], f.Value})
	}
	if fmt.Sprint(have) != fmt.Sprint(want) {
		t.Errorf("facets\n %v\nwant\n %v", have, want)
	}
	if posts[0].Text != text {
		t.Errorf("text %q", posts[0].Text)
	}
}

func TestPublishThread(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	got, err := publish(t, e, t.Context(), a, delivery(e, "Uno", "Due", "Tre"))
	if err != nil {
		t.Fatal(err)
	}
	posts := e.srv.Posts(a.RemoteID)
	if len(posts) != 3 || len(got) != 3 {
		t.Fatalf("%d posts, %d accepted", len(posts), len(got))
	}
	for i, p := range posts {
		root, parent := "", ""
		if i > 0 {
			root, parent = posts[0].URI, posts[i-1].URI
		}
		if p.ReplyRoot != root || p.ReplyParent != parent || p.URI != got[i].RemoteID {
			t.Errorf("post %d: root %q parent %q uri %s, want %q %q %s", i, p.ReplyRoot, p.ReplyParent, p.URI, root, parent, got[i].RemoteID)
		}
	}

	// A resume that only knows the earlier parts' URIs looks their CIDs up.
	d := delivery(e, "A", "B")
	first, err := publish(t, e, t.Context(), a, provider.Delivery{Parts: d.Parts[:1], Keys: d.Keys[:1]})
	if err != nil {
		t.Fatal(err)
	}
	d.Done = []provider.Published{{RemoteID: first[0].RemoteID, URL: first[0].URL}}
	if _, err := publish(t, e, t.Context(), a, d); err != nil {
		t.Fatal(err)
	}
	posts = e.srv.Posts(a.RemoteID)
	if last := posts[len(posts)-1]; last.ReplyParent != first[0].RemoteID {
		t.Errorf("resumed part answers %q, want %q", last.ReplyParent, first[0].RemoteID)
	}
}

func TestPublishImages(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	d := delivery(e, "Tre foto")
	d.Parts[0].Media = []provider.Media{
		{Filename: "a.png", ContentType: "image/png", Data: providertest.PNG(40, 30), Alt: "La vetrina", Width: 40, Height: 30},
		{Filename: "b.png", ContentType: "image/png", Data: providertest.PNG(10, 20), Alt: "Il bancone", Width: 10, Height: 20},
		{Filename: "c.png", ContentType: "image/png", Data: providertest.PNG(5, 5), Alt: ""},
	}
	if _, err := publish(t, e, t.Context(), a, d); err != nil {
		t.Fatal(err)
	}
	posts := e.srv.Posts(a.RemoteID)
	if len(posts) != 1 || len(posts[0].Images) != 3 {
		t.Fatalf("server holds %+v", posts)
	}
	want := []blueskytest.Image{{Alt: "La vetrina", Width: 40, Height: 30}, {Alt: "Il bancone", Width: 10, Height: 20}, {Alt: ""}}
	for i, img := range posts[0].Images {
		if img.Alt != want[i].Alt || img.Width != want[i].Width || img.Height != want[i].Height || img.MimeType != "image/png" || img.Size != int64(len(d.Parts[0].Media[i].Data)) {
			t.Errorf("image %d: %+v, want %+v", i, img, want[i])
		}
	}

	tooMany := delivery(e, "Cinque foto")
	for range 5 {
		tooMany.Parts[0].Media = append(tooMany.Parts[0].Media, d.Parts[0].Media[0])
	}
	if _, err := publish(t, e, t.Context(), a, tooMany); provider.KindOf(err) != provider.Rejected {
		t.Errorf("five images: %v, want rejected", err)
	}
}

func TestPublishLinkCard(t *testing.T) {
	e := newEnv(t)
	png := providertest.PNG(12, 8)
	var pageURL string
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/articolo":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<html><head><title>Fallback</title>
				<meta property="og:title" content="Il nuovo menù">
				<meta property="og:description" content="Tutte le novità della stagione">
				<meta property="og:image" content="/img/copertina.png"></head></html>`)
		case "/img/copertina.png":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(png)
		case "/senza-immagine":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<meta property="og:title" content="Solo testo">`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer site.Close()
	pageURL = site.URL + "/articolo"

	cases := []struct {
		name, text  string
		preview     bool
		media       bool
		want        *blueskytest.External
		wantThumb   bool
		wantNoEmbed bool
	}{
		{name: "card with thumbnail", text: "Leggete qui: " + pageURL + " grazie", preview: true,
			want: &blueskytest.External{URI: pageURL, Title: "Il nuovo menù", Description: "Tutte le novità della stagione"}, wantThumb: true},
		{name: "card without image", text: site.URL + "/senza-immagine", preview: true,
			want: &blueskytest.External{URI: site.URL + "/senza-immagine", Title: "Solo testo"}},
		{name: "page missing: no card, still posted", text: "Rotto: " + site.URL + "/manca", preview: true},
		{name: "not asked", text: "Niente anteprima " + pageURL},
		{name: "images win", text: "Con foto " + pageURL, preview: true, media: true},
		{name: "no link", text: "Nessun collegamento", preview: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := e.account(t)
			d := delivery(e, c.text)
			d.LinkPreview = c.preview
			if c.media {
				d.Parts[0].Media = []provider.Media{{ContentType: "image/png", Data: png, Alt: "x", Width: 12, Height: 8}}
			}
			if _, err := publish(t, e, t.Context(), a, d); err != nil {
				t.Fatal(err)
			}
			posts := e.srv.Posts(a.RemoteID)
			if len(posts) != 1 {
				t.Fatalf("%d posts", len(posts))
			}
			ext := posts[0].External
			if c.want == nil {
				if ext != nil {
					t.Errorf("card %+v, want none", ext)
				}
				return
			}
			if ext == nil {
				t.Fatal("no card")
			}
			if ext.URI != c.want.URI || ext.Title != c.want.Title || ext.Description != c.want.Description {
				t.Errorf("card %+v, want %+v", ext, c.want)
			}
			if c.wantThumb != (ext.Thumb != nil) {
				t.Fatalf("thumb %+v, want one: %v", ext.Thumb, c.wantThumb)
			}
			if c.wantThumb && (ext.Thumb.MimeType != "image/png" || ext.Thumb.Size != int64(len(png))) {
				t.Errorf("thumb %+v", ext.Thumb)
			}
		})
	}
}

func TestExpiredAccessTokenRefreshed(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	old := a.Credentials
	var postsAtSave []int
	save := a.SaveCredentials
	a.SaveCredentials = func(ctx context.Context, credentials []byte) error {
		// The renewed tokens are saved before anything uses them.
		postsAtSave = append(postsAtSave, len(e.srv.Posts(a.RemoteID)))
		return save(ctx, credentials)
	}
	e.srv.ExpireAccessTokens()
	if _, err := publish(t, e, t.Context(), a, delivery(e, "Dopo il rinnovo")); err != nil {
		t.Fatalf("publish with an expired access token: %v", err)
	}
	saved := e.saved[a.ID]
	if len(saved) != 1 || len(postsAtSave) != 1 || postsAtSave[0] != 0 {
		t.Fatalf("saved %d times (posts at save %v), want once before posting", len(saved), postsAtSave)
	}
	var before, after map[string]string
	_ = json.Unmarshal(old, &before)
	_ = json.Unmarshal(saved[0], &after)
	if after["accessJwt"] == before["accessJwt"] || after["refreshJwt"] == before["refreshJwt"] || after["did"] != a.RemoteID || after["handle"] != a.Handle {
		t.Errorf("saved credentials %v after %v", after, before)
	}

	// Another attempt still holding the old tokens (loaded before the
	// save) finds the rotation instead of failing on the spent refresh
	// token and saves those tokens again before using them; they have
	// expired too, so it refreshes them in turn and saves once more.
	e.srv.ExpireAccessTokens()
	if _, err := publish(t, e, t.Context(), a, delivery(e, "Con le credenziali vecchie")); err != nil {
		t.Fatalf("publish with the old credentials: %v", err)
	}
	if n := len(e.saved[a.ID]); n != 3 || string(e.saved[a.ID][1]) != string(e.saved[a.ID][0]) {
		t.Errorf("saved %d times, want 3 (the first rotation again, then a new one)", n)
	}

	// The next attempt loads the saved credentials.
	a.Credentials = e.saved[a.ID][len(e.saved[a.ID])-1]
	if _, err := publish(t, e, t.Context(), a, delivery(e, "Con le credenziali nuove")); err != nil {
		t.Fatalf("publish with the saved credentials: %v", err)
	}
	if n := len(e.srv.Posts(a.RemoteID)); n != 3 {
		t.Errorf("%d posts, want 3", n)
	}
}

func TestSaveCredentialsFails(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	a.SaveCredentials = func(ctx context.Context, credentials []byte) error { return errors.New("database is locked") }
	e.srv.ExpireAccessTokens()
	_, err := publish(t, e, t.Context(), a, delivery(e, "Non salvato"))
	if provider.KindOf(err) != provider.Temporary || len(e.srv.Posts(a.RemoteID)) != 0 {
		t.Fatalf("publish when the renewed tokens cannot be saved: %v, want temporary and no post", err)
	}
	e.noSecret(t, a, err)
}

func TestRefreshRevoked(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	e.srv.RevokeSessions(a.RemoteID)
	_, err := publish(t, e, t.Context(), a, delivery(e, "Revocato"))
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Kind != provider.AuthExpired || pe.Part != 0 {
		t.Fatalf("publish with a revoked session: %v, want auth expired on part 1", err)
	}
	e.noSecret(t, a, err)
}

func TestFaults(t *testing.T) {
	e := newEnv(t)
	png := providertest.PNG(4, 4)
	cases := []struct {
		fault providertest.FaultKind
		op    string
		want  provider.Kind
	}{
		{providertest.RateLimit, "post", provider.RateLimited},
		{providertest.RateLimit, "media", provider.RateLimited},
		{providertest.Unavailable, "post", provider.Temporary},
		{providertest.Unavailable, "media", provider.Temporary},
		{providertest.Reject, "post", provider.Rejected},
		{providertest.Reject, "media", provider.Rejected},
		{providertest.Unauthorized, "post", provider.AuthExpired},
		{providertest.Unauthorized, "media", provider.AuthExpired},
		{providertest.LoseAnswer, "post", provider.Unknown},
		{providertest.LoseAnswer, "media", provider.Unknown},
	}
	for _, c := range cases {
		t.Run(string(c.fault)+" "+c.op, func(t *testing.T) {
			a := e.account(t)
			d := delivery(e, "Primo", "Secondo")
			d.Parts[1].Media = []provider.Media{{ContentType: "image/png", Data: png, Alt: "x"}}
			e.srv.Inject(providertest.Fault{Kind: c.fault, Op: c.op, Skip: map[string]int{"post": 1, "media": 0}[c.op]})
			start := time.Now()
			got, err := publish(t, e, t.Context(), a, d)
			var pe *provider.Error
			if !errors.As(err, &pe) || pe.Kind != c.want || pe.Part != 1 || pe.Network != provider.Bluesky || len(got) != 1 {
				t.Fatalf("publish = %d accepted, %v; want part 2 failing %s", len(got), err, c.want)
			}
			switch c.want {
			case provider.RateLimited:
				if pe.RetryAfter.Before(start.Add(50*time.Second)) || pe.RetryAfter.After(start.Add(70*time.Second)) {
					t.Errorf("retry after %v, want about a minute from now", pe.RetryAfter)
				}
			case provider.Rejected:
				if pe.Reason == "" || pe.Status != 400 || pe.Code != "InvalidRequest" {
					t.Errorf("rejection %+v, want the server's reason", pe)
				}
			}
			e.noSecret(t, a, err)
		})
	}
}

func TestLoseAnswerThenCheck(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	d := delivery(e, "Uno", "Due", "Tre")
	e.srv.Inject(providertest.Fault{Kind: providertest.LoseAnswer, Op: "post", Skip: 1})
	got, err := publish(t, e, t.Context(), a, d)
	if provider.KindOf(err) != provider.Unknown || len(got) != 1 {
		t.Fatalf("publish = %d accepted, %v; want an unknown outcome on part 2", len(got), err)
	}
	found, err := e.client.Check(t.Context(), a, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 3 || found[0] == nil || found[1] == nil || found[2] != nil || found[0].RemoteID != got[0].RemoteID || found[0].CID != got[0].CID {
		t.Fatalf("check = %v", found)
	}
	posts := e.srv.Posts(a.RemoteID)
	if found[1].RemoteID != posts[1].URI || found[1].CID != posts[1].CID || !strings.HasSuffix(found[1].URL, "/post/"+d.Keys[1]) {
		t.Errorf("check found %+v, server holds %+v", found[1], posts[1])
	}
	// A repeat with the same keys that ignores the check: part 2's key is
	// taken, so it is found, not posted again; part 3 follows.
	d.Done = got
	rest, err := publish(t, e, t.Context(), a, d)
	if err != nil || len(rest) != 2 || rest[0].RemoteID != posts[1].URI {
		t.Fatalf("repeat = %+v, %v", rest, err)
	}
	if posts := e.srv.Posts(a.RemoteID); len(posts) != 3 || posts[2].ReplyParent != posts[1].URI {
		t.Fatalf("server holds %d posts, want a thread of 3", len(posts))
	}
}

func TestCancelled(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	e.srv.SetLatency(2 * time.Second)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err := publish(t, e, ctx, a, delivery(e, "Troppo lento"))
	if err == nil {
		t.Fatal("publish succeeded after its deadline")
	}
	if k := provider.KindOf(err); k != provider.Unknown && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("publish past its deadline: %v (kind %s), want unknown: the request had left", err, k)
	}
	e.noSecret(t, a, err)

	ctx, cancel = context.WithCancel(t.Context())
	cancel()
	if _, err := publish(t, e, ctx, a, delivery(e, "Annullato")); !errors.Is(err, context.Canceled) {
		t.Errorf("publish with a cancelled context: %v", err)
	}
}

func TestNewKeys(t *testing.T) {
	e := newEnv(t)
	seen := map[string]bool{}
	last := ""
	for range 50 {
		for _, k := range e.client.NewKeys(4) {
			if seen[k] || k <= last || len(k) != 13 {
				t.Fatalf("key %q after %q (seen %v)", k, last, seen[k])
			}
			seen[k], last = true, k
		}
	}
}

func TestLimits(t *testing.T) {
	l := bluesky.Limits()
	if l.MaxChars != 300 || !l.Graphemes || l.MaxMedia != 4 || l.ImageMaxBytes != 1_000_000 || l.MaxAltChars == 0 || len(l.MediaTypes) == 0 {
		t.Errorf("limits %+v", l)
	}
}

// TestConcurrentPublishes publishes from many goroutines through one client.
func TestConcurrentPublishes(t *testing.T) {
	e := newEnv(t)
	e.srv.SetLatency(10 * time.Millisecond)
	accounts := make([]provider.Account, 10)
	for i := range accounts {
		accounts[i] = e.account(t)
	}
	e.srv.ExpireAccessTokens() // every account refreshes, many at once
	var wg sync.WaitGroup
	for _, a := range accounts {
		for j := range 10 {
			wg.Go(func() {
				if _, err := publish(t, e, t.Context(), a, delivery(e, fmt.Sprintf("Post %d", j), "Risposta")); err != nil {
					t.Errorf("publish: %v", err)
				}
			})
		}
	}
	wg.Wait()
	for _, a := range accounts {
		if n := len(e.srv.Posts(a.RemoteID)); n != 20 {
			t.Errorf("%s holds %d posts, want 20", a.Handle, n)
		}
	}
}
