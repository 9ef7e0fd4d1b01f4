package mastodon_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portavoce/portavoce/internal/fakeclock"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/provider/mastodon"
	"github.com/portavoce/portavoce/internal/provider/mastodon/mastodontest"
	"github.com/portavoce/portavoce/internal/provider/providertest"
)

// env is a client wired to its own test server.
type env struct {
	srv *mastodontest.Server
	c   *mastodon.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := mastodontest.NewServer()
	t.Cleanup(srv.Close)
	c := mastodon.New(srv.Client())
	c.SetMediaWait(5*time.Second, 10*time.Millisecond)
	return &env{srv: srv, c: c}
}

var accounts atomic.Int64

// account creates an account on the server and connects it the way the web
// layer does, with Connect.
func (e *env) account(t *testing.T) provider.Account {
	t.Helper()
	name := fmt.Sprintf("user%d", accounts.Add(1))
	_, token := e.srv.CreateAccount(name)
	profile, _, creds, err := e.c.Connect(t.Context(), e.srv.URL(), token)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	return provider.Account{ID: "local-" + profile.RemoteID, Server: e.srv.URL(), RemoteID: profile.RemoteID,
		Handle: profile.Handle, Credentials: creds}
}

func tokenOf(t *testing.T, a provider.Account) string {
	t.Helper()
	var cr struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(a.Credentials, &cr); err != nil || cr.AccessToken == "" {
		t.Fatalf("credentials %q hold no token", a.Credentials)
	}
	return cr.AccessToken
}

func (e *env) harness() providertest.Harness {
	return providertest.Harness{
		Publisher: e.c,
		Account:   e.account,
		Posts: func(t *testing.T, a provider.Account) []providertest.RemotePost {
			var out []providertest.RemotePost
			for _, st := range e.srv.Statuses(a.RemoteID) {
				p := providertest.RemotePost{ID: st.ID, Text: st.Text, ReplyTo: st.InReplyToID}
				for _, m := range st.Media {
					p.Media = append(p.Media, providertest.RemoteMedia{ContentType: m.ContentType, Alt: m.Description})
				}
				out = append(out, p)
			}
			return out
		},
		Inject:  func(t *testing.T, f providertest.Fault) { e.srv.Inject(f) },
		Expire:  func(t *testing.T, a provider.Account) { e.srv.RevokeTokens(a.RemoteID) },
		Secrets: func(a provider.Account) []string { return []string{tokenFromCredentials(a.Credentials)} },
		TooLong: strings.Repeat("Troppo lungo. ", 40),
	}
}

func tokenFromCredentials(b []byte) string {
	var cr struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal(b, &cr)
	return cr.AccessToken
}

func TestContract(t *testing.T) {
	providertest.Run(t, newEnv(t).harness())
}

// delivery builds a delivery of texts with fresh keys.
func (e *env) delivery(texts ...string) provider.Delivery {
	d := provider.Delivery{ID: "d", Keys: e.c.NewKeys(len(texts)), FirstAttempt: time.Now()}
	for _, text := range texts {
		d.Parts = append(d.Parts, provider.Part{Text: text})
	}
	return d
}

// publish runs Publish and returns what was accepted.
func (e *env) publish(ctx context.Context, a provider.Account, d provider.Delivery) ([]provider.Published, error) {
	var got []provider.Published
	err := e.c.Publish(ctx, a, d, func(part int, p provider.Published) error {
		got = append(got, p)
		return nil
	})
	return got, err
}

func png(w, h int) provider.Media {
	return provider.Media{Filename: "photo.png", ContentType: "image/png", Data: providertest.PNG(w, h), Width: w, Height: h}
}

func TestPublish(t *testing.T) {
	cases := []struct {
		name       string
		parts      []provider.Part
		processing time.Duration
		// polls says whether the upload must have gone through the
		// 202/206 path.
		polls bool
	}{
		{name: "text", parts: []provider.Part{{Text: "Ciao dal mare 🌊 https://example.com/una/pagina/molto/lunga/davvero #estate"}}},
		{name: "thread of three", parts: []provider.Part{{Text: "Uno"}, {Text: "Due"}, {Text: "Tre"}}},
		{name: "media with alt text", parts: []provider.Part{{Text: "Foto", Media: []provider.Media{
			withAlt(png(30, 20), "Un gatto sul divano"), withAlt(png(10, 10), "Una tazza"),
		}}}},
		{name: "media still processing", processing: 150 * time.Millisecond, polls: true, parts: []provider.Part{
			{Text: "Prima"}, {Text: "Con foto", Media: []provider.Media{withAlt(png(16, 16), "Il porto al tramonto")}},
		}},
		{name: "video processed in the background", polls: true, parts: []provider.Part{{Text: "Video", Media: []provider.Media{
			{Filename: "clip.mp4", ContentType: "video/mp4", Data: mp4(), Alt: "Onde sulla spiaggia"},
		}}}},
		{name: "media only", parts: []provider.Part{{Media: []provider.Media{withAlt(png(8, 8), "Solo una foto")}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.srv.SetMediaProcessing(tc.processing)
			a := e.account(t)
			d := provider.Delivery{ID: "d", Parts: tc.parts, Keys: e.c.NewKeys(len(tc.parts)), FirstAttempt: time.Now()}
			got, err := e.publish(t.Context(), a, d)
			if err != nil {
				t.Fatalf("publish: %v", err)
			}
			posts := e.srv.Statuses(a.RemoteID)
			if len(got) != len(tc.parts) || len(posts) != len(tc.parts) {
				t.Fatalf("accepted %d, server holds %d, want %d", len(got), len(posts), len(tc.parts))
			}
			for i, p := range posts {
				if p.ID != got[i].RemoteID || got[i].URL != p.URL {
					t.Errorf("part %d: server %s %s, accepted %+v", i, p.ID, p.URL, got[i])
				}
				if p.Text != tc.parts[i].Text || p.Visibility != "public" || p.IdempotencyKey != d.Keys[i] {
					t.Errorf("part %d: %+v, want text %q, public, key %s", i, p, tc.parts[i].Text, d.Keys[i])
				}
				want := ""
				if i > 0 {
					want = posts[i-1].ID
				}
				if p.InReplyToID != want {
					t.Errorf("part %d answers %q, want %q", i, p.InReplyToID, want)
				}
				if len(p.Media) != len(tc.parts[i].Media) {
					t.Fatalf("part %d: %d media, want %d", i, len(p.Media), len(tc.parts[i].Media))
				}
				for j, m := range p.Media {
					if sent := tc.parts[i].Media[j]; m.Description != sent.Alt || m.ContentType != sent.ContentType {
						t.Errorf("part %d media %d: %+v, want %q %s", i, j, m, sent.Alt, sent.ContentType)
					}
				}
			}
			if polls := e.srv.Calls("GET /api/v1/media/{id}"); (polls > 0) != tc.polls {
				t.Errorf("%d polls of the media, want polling %v", polls, tc.polls)
			}
		})
	}
}

func withAlt(m provider.Media, alt string) provider.Media {
	m.Alt = alt
	return m
}

// mp4 is the start of an MP4 file, enough for content sniffing.
func mp4() []byte {
	return append([]byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'm', 'p', '4', '2', 0, 0, 0, 0, 'm', 'p', '4', '2', 'i', 's', 'o', 'm'}, make([]byte, 64)...)
}

func TestFaults(t *testing.T) {
	cases := []struct {
		name  string
		fault providertest.FaultKind
		op    string
		skip  int
		want  provider.Kind
		// reason is the server's own message, when it gives one.
		reason string
		part   int
	}{
		{name: "rate limited", fault: providertest.RateLimit, op: "post", want: provider.RateLimited, reason: "Too many requests"},
		{name: "unavailable", fault: providertest.Unavailable, op: "post", want: provider.Temporary, reason: "Service Unavailable"},
		{name: "rejected", fault: providertest.Reject, op: "post", want: provider.Rejected, reason: mastodontest.RejectPostReason},
		{name: "unauthorized", fault: providertest.Unauthorized, op: "post", want: provider.AuthExpired, reason: "The access token is invalid"},
		{name: "answer lost", fault: providertest.LoseAnswer, op: "post", want: provider.Unknown},
		{name: "answer lost on the second part", fault: providertest.LoseAnswer, op: "post", skip: 1, want: provider.Unknown, part: 1},
		{name: "media rate limited", fault: providertest.RateLimit, op: "media", want: provider.RateLimited, reason: "Too many requests"},
		{name: "media rejected", fault: providertest.Reject, op: "media", want: provider.Rejected, reason: mastodontest.RejectMediaReason},
		{name: "media unauthorized", fault: providertest.Unauthorized, op: "media", want: provider.AuthExpired},
		// A lost upload created nothing anyone sees: repeating it is safe.
		{name: "media answer lost", fault: providertest.LoseAnswer, op: "media", want: provider.Temporary},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			a := e.account(t)
			d := e.delivery("Prima parte", "Seconda parte")
			if tc.op == "media" {
				d.Parts[0].Media = []provider.Media{withAlt(png(4, 4), "x")}
			}
			e.srv.Inject(providertest.Fault{Kind: tc.fault, Op: tc.op, Skip: tc.skip})
			start := time.Now()
			got, err := e.publish(t.Context(), a, d)
			var pe *provider.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T), want *provider.Error", err, err)
			}
			if pe.Kind != tc.want || pe.Network != provider.Mastodon || pe.Part != tc.part || len(got) != tc.part {
				t.Fatalf("error %+v after %d parts, want %s on part %d", pe, len(got), tc.want, tc.part)
			}
			if tc.reason != "" && pe.Reason != tc.reason {
				t.Errorf("reason %q, want the server's %q", pe.Reason, tc.reason)
			}
			if tc.want == provider.RateLimited && !pe.RetryAfter.After(start) {
				t.Errorf("retry after %v, want a time in the future", pe.RetryAfter)
			}
			if tc.want != provider.RateLimited && !pe.RetryAfter.IsZero() {
				// X-RateLimit-Reset is on every answer; it means a wait
				// only on a 429.
				t.Errorf("retry after %v on a %s failure", pe.RetryAfter, tc.want)
			}
			if s := tokenOf(t, a); strings.Contains(err.Error(), s) {
				t.Errorf("error %q holds the access token", err)
			}
		})
	}
}

// TestUnknownOutcomeChecked is the path the scheduler takes after a lost
// answer: Check finds the status the lost call made, and the resumed
// publish posts only what is missing.
func TestUnknownOutcomeChecked(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	d := e.delivery("Uno @amica@altro.example", "Due\n\ncon https://example.org/percorso/abbastanza/lungo/da/tagliare", "Tre")
	e.srv.Inject(providertest.Fault{Kind: providertest.LoseAnswer, Op: "post", Skip: 1})
	got, err := e.publish(t.Context(), a, d)
	if provider.KindOf(err) != provider.Unknown || len(got) != 1 {
		t.Fatalf("accepted %d, error %v; want 1 then unknown", len(got), err)
	}
	d.Done = got
	found, err := e.c.Check(t.Context(), a, d)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	posts := e.srv.Statuses(a.RemoteID)
	if len(posts) != 2 || len(found) != 3 || found[0] == nil || found[1] == nil || found[2] != nil {
		t.Fatalf("check found %v with the server holding %d, want parts 1 and 2", found, len(posts))
	}
	if found[1].RemoteID != posts[1].ID || found[1].URL != posts[1].URL {
		t.Errorf("part 2 found as %+v, server has %s %s", found[1], posts[1].ID, posts[1].URL)
	}
	d.Done = []provider.Published{*found[0], *found[1]}
	rest, err := e.publish(t.Context(), a, d)
	if err != nil || len(rest) != 1 {
		t.Fatalf("resumed publish: %d parts, %v; want the third only", len(rest), err)
	}
	posts = e.srv.Statuses(a.RemoteID)
	if len(posts) != 3 || posts[2].InReplyToID != posts[1].ID {
		t.Fatalf("server holds %+v, want a thread of 3", posts)
	}
}

func TestCheck(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	texts := []string{
		"Riga uno\nriga due\n\nNuovo paragrafo con @Amica@altro.example e #Tag",
		"<b>non è HTML</b> & \"virgolette\" 'singole'",
		"Link: https://www.example.com/un/percorso/molto/molto/lungo?con=parametri&e=altri.",
	}
	d := e.delivery(texts...)
	if _, err := e.publish(t.Context(), a, d); err != nil {
		t.Fatalf("publish: %v", err)
	}
	posts := e.srv.Statuses(a.RemoteID)
	for _, p := range posts {
		t.Logf("%s", p.Content)
	}
	cases := []struct {
		name  string
		d     provider.Delivery
		found int
	}{
		{name: "all parts", d: d, found: 3},
		{name: "first part only", d: e.delivery(texts[0], "Mai inviata"), found: 1},
		{name: "other text", d: e.delivery("Un altro testo"), found: 0},
		{name: "second part alone is not a root", d: e.delivery(texts[1]), found: 0},
		{name: "before the window", d: func() provider.Delivery {
			old := e.delivery(texts...)
			old.FirstAttempt = time.Now().Add(2 * time.Hour)
			return old
		}(), found: 0},
		{name: "resumed after part one", d: func() provider.Delivery {
			r := d
			r.Done = []provider.Published{{RemoteID: posts[0].ID, URL: posts[0].URL}}
			return r
		}(), found: 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			found, err := e.c.Check(t.Context(), a, tc.d)
			if err != nil {
				t.Fatalf("check: %v", err)
			}
			if len(found) != len(tc.d.Parts) {
				t.Fatalf("%d entries for %d parts", len(found), len(tc.d.Parts))
			}
			n := 0
			for i, f := range found {
				if f == nil {
					continue
				}
				n++
				if f.RemoteID != posts[i].ID {
					t.Errorf("part %d found as %s, want %s", i, f.RemoteID, posts[i].ID)
				}
			}
			if n != tc.found {
				t.Errorf("found %d parts (%v), want %d", n, found, tc.found)
			}
		})
	}
}

// TestCheckPages reads past one page of the account's statuses.
func TestCheckPages(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	first := time.Now()
	for i := range 95 {
		if _, err := e.publish(t.Context(), a, e.delivery(fmt.Sprintf("Rumore %d", i))); err != nil {
			t.Fatal(err)
		}
	}
	d := e.delivery("Cercami")
	d.FirstAttempt = first
	if _, err := e.publish(t.Context(), a, d); err != nil {
		t.Fatal(err)
	}
	found, err := e.c.Check(t.Context(), a, d)
	if err != nil || found[0] == nil {
		t.Fatalf("check after 95 other statuses: %v, %v", found, err)
	}
}

func TestIdempotencyKey(t *testing.T) {
	clock := fakeclock.New(time.Now())
	cases := []struct {
		name    string
		advance time.Duration
		same    bool
	}{
		{name: "repeat within the hour", advance: 59 * time.Minute, same: true},
		{name: "repeat after the hour", advance: 61 * time.Minute, same: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.srv.SetClock(clock.Now)
			a := e.account(t)
			d := e.delivery("Una volta sola")
			first, err := e.publish(t.Context(), a, d)
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(tc.advance)
			again, err := e.publish(t.Context(), a, d)
			if err != nil {
				t.Fatal(err)
			}
			posts := e.srv.Statuses(a.RemoteID)
			if same := again[0].RemoteID == first[0].RemoteID; same != tc.same || (len(posts) == 1) != tc.same {
				t.Fatalf("repeat gave %s after %s (first %s), server holds %d", again[0].RemoteID, first[0].RemoteID, tc.advance, len(posts))
			}
		})
	}
	if mastodon.IdempotencyTTL != mastodontest.IdempotencyTTL {
		t.Errorf("client and server disagree on the Idempotency-Key memory: %s, %s", mastodon.IdempotencyTTL, mastodontest.IdempotencyTTL)
	}
}

func TestCancelled(t *testing.T) {
	cases := []struct {
		name string
		// cancelAfter cancels while the call is under way; 0 cancels
		// before.
		cancelAfter time.Duration
		processing  time.Duration
		media       bool
	}{
		{name: "before sending"},
		{name: "while waiting for processing", cancelAfter: 50 * time.Millisecond, processing: time.Hour, media: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.srv.SetMediaProcessing(tc.processing)
			a := e.account(t)
			d := e.delivery("Annullato")
			if tc.media {
				d.Parts[0].Media = []provider.Media{withAlt(png(4, 4), "x")}
			}
			ctx, cancel := context.WithCancel(t.Context())
			if tc.cancelAfter == 0 {
				cancel()
			} else {
				time.AfterFunc(tc.cancelAfter, cancel)
				defer cancel()
			}
			_, err := e.publish(ctx, a, d)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("error %v, want context.Canceled", err)
			}
			if n := len(e.srv.Statuses(a.RemoteID)); n != 0 {
				t.Fatalf("a cancelled publish left %d statuses", n)
			}
		})
	}
}

func TestMediaWaitBounded(t *testing.T) {
	e := newEnv(t)
	e.c.SetMediaWait(100*time.Millisecond, 10*time.Millisecond)
	e.srv.SetMediaProcessing(time.Hour)
	a := e.account(t)
	d := e.delivery("Lento")
	d.Parts[0].Media = []provider.Media{withAlt(png(4, 4), "x")}
	_, err := e.publish(t.Context(), a, d)
	if provider.KindOf(err) != provider.Temporary {
		t.Fatalf("error %v, want temporary after the bounded wait", err)
	}
}

func TestTooLong(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	cases := []struct {
		name string
		text string
		ok   bool
	}{
		{name: "501 characters", text: strings.Repeat("a", 501)},
		{name: "500 characters", text: strings.Repeat("è", 500), ok: true},
		// A link counts as 23 characters whatever its length.
		{name: "long link counts as 23", text: strings.Repeat("a", 476) + " https://example.com/" + strings.Repeat("x", 200), ok: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.publish(t.Context(), a, e.delivery(tc.text))
			if tc.ok {
				if err != nil {
					t.Fatalf("publish: %v", err)
				}
				return
			}
			var pe *provider.Error
			if !errors.As(err, &pe) || pe.Kind != provider.Rejected || pe.Status != http.StatusUnprocessableEntity ||
				pe.Reason != "Validation failed: Text character limit of 500 exceeded" {
				t.Fatalf("error %+v, want rejected with Mastodon's reason", err)
			}
		})
	}
}

func TestAuthExpired(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	e.srv.RevokeTokens(a.RemoteID)
	_, err := e.publish(t.Context(), a, e.delivery("Dopo la revoca"))
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Kind != provider.AuthExpired || pe.Reason != "The access token was revoked" {
		t.Fatalf("error %v, want auth expired, revoked", err)
	}
	if _, err := e.c.Check(t.Context(), a, e.delivery("x")); provider.KindOf(err) != provider.AuthExpired {
		t.Fatalf("check with a revoked token: %v, want auth expired", err)
	}
	bad := a
	bad.Credentials = []byte("not json")
	if _, err := e.publish(t.Context(), bad, e.delivery("x")); provider.KindOf(err) != provider.AuthExpired {
		t.Fatalf("unreadable credentials: %v, want auth expired", err)
	}
}

// TestSecretsNeverInErrors feeds errors from an instance that echoes the
// token back.
func TestSecretsNeverInErrors(t *testing.T) {
	const token = "s3cr3t-t0ken-value"
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprintf(w, `{"error":"bad request with %s"}`, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	}))
	defer echo.Close()
	c := mastodon.New(echo.Client())
	a := provider.Account{Server: echo.URL, RemoteID: "1", Credentials: []byte(`{"access_token":"` + token + `"}`)}
	d := provider.Delivery{Parts: []provider.Part{{Text: "x", Media: []provider.Media{withAlt(png(2, 2), "x")}}}, Keys: []string{"k"}}
	errs := []error{}
	errs = append(errs, c.Publish(t.Context(), a, d, func(int, provider.Published) error { return nil }))
	d.Parts[0].Media = nil
	errs = append(errs, c.Publish(t.Context(), a, d, func(int, provider.Published) error { return nil }))
	_, err := c.Check(t.Context(), a, d)
	errs = append(errs, err)
	_, _, _, err = c.Connect(t.Context(), echo.URL, token)
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			t.Fatalf("call %d succeeded against an instance that refuses everything", i)
		}
		if strings.Contains(err.Error(), token) {
			t.Errorf("call %d: error %q holds the token", i, err)
		}
	}
}

func TestAcceptedFailureStops(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	stop := errors.New("store down")
	err := e.c.Publish(t.Context(), a, e.delivery("Uno", "Due"), func(int, provider.Published) error { return stop })
	if !errors.Is(err, stop) {
		t.Fatalf("error %v, want accepted's", err)
	}
	if n := len(e.srv.Statuses(a.RemoteID)); n != 1 {
		t.Fatalf("server holds %d statuses, want 1: publishing stops when accepted fails", n)
	}
}

func TestRetryAfterFromRateLimitHeaders(t *testing.T) {
	// The instance's clock is an hour behind ours: the reset it announces
	// is read relative to its Date header.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now().Add(-time.Hour).UTC()
		w.Header().Set("Date", now.Format(http.TimeFormat))
		w.Header().Set("X-RateLimit-Limit", "300")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", now.Add(90*time.Second).Format("2006-01-02T15:04:05.000000Z"))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"error":"Too many requests"}`)
	}))
	defer srv.Close()
	c := mastodon.New(srv.Client())
	a := provider.Account{Server: srv.URL, RemoteID: "1", Credentials: []byte(`{"access_token":"t"}`)}
	err := c.Publish(t.Context(), a, provider.Delivery{Parts: []provider.Part{{Text: "x"}}, Keys: []string{"k"}},
		func(int, provider.Published) error { return nil })
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Kind != provider.RateLimited {
		t.Fatalf("error %v, want rate limited", err)
	}
	if wait := time.Until(pe.RetryAfter); wait < 80*time.Second || wait > 100*time.Second {
		t.Errorf("retry in %s, want about 90s", wait)
	}
}
