package mastodon_test

import (
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/provider/mastodon"
)

func TestNormalizeInstance(t *testing.T) {
	cases := []struct {
		in, want string
		err      string
	}{
		{in: "mastodon.social", want: "https://mastodon.social"},
		{in: "  Mastodon.Social  ", want: "https://mastodon.social"},
		{in: "https://mastodon.social/", want: "https://mastodon.social"},
		{in: "HTTPS://mastodon.social/about", want: "https://mastodon.social"},
		{in: "@me@mastodon.social", want: "https://mastodon.social"},
		{in: "me@mastodon.social", want: "https://mastodon.social"},
		{in: "mastodon.social/@me", want: "https://mastodon.social"},
		{in: "https://mastodon.social/@me/1234", want: "https://mastodon.social"},
		{in: "http://127.0.0.1:3000", want: "http://127.0.0.1:3000"},
		{in: "localhost:3000", want: "https://localhost:3000"},
		{in: "http://[::1]:8080/", want: "http://[::1]:8080"},
		{in: "social.example.org.", want: "https://social.example.org"},
		{in: "", err: "type the address"},
		{in: "   ", err: "type the address"},
		{in: "mastodon", err: "not a server name"},
		{in: "ftp://mastodon.social", err: "not a web address"},
		{in: "https://user:pw@mastodon.social", err: "user name or password"},
		{in: "mast odon.social", err: "not a server name"},
		{in: "-bad-.example", err: "not a server name"},
		{in: "mastòdon.example", err: "xn--"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := mastodon.NormalizeInstance(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), "mastodon: ") {
					t.Fatalf("NormalizeInstance(%q) = %q, %v; want an error about %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("NormalizeInstance(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

// browser follows the authorization page as a person would: it loads the
// page, submits a form and reads where the instance redirects.
type browser struct {
	t      *testing.T
	client *http.Client
}

func newBrowser(t *testing.T, base *http.Client) *browser {
	c := *base
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: t, client: &c}
}

var (
	formRE  = regexp.MustCompile(`(?s)<form class="([a-z]+)" method="post" action="([^"]+)">(.*?)</form>`)
	inputRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// authorize loads the page at pageURL, submits its form whose class is
// button ("authorize" or "deny") and returns the redirect's Location.
func (b *browser) authorize(pageURL, button string) *url.URL {
	b.t.Helper()
	resp, err := b.client.Get(pageURL)
	if err != nil {
		b.t.Fatalf("authorization page: %v", err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), ">Authorize</button>") {
		b.t.Fatalf("authorization page: %d\n%s", resp.StatusCode, page)
	}
	for _, f := range formRE.FindAllStringSubmatch(string(page), -1) {
		if f[1] != button {
			continue
		}
		form := url.Values{}
		for _, in := range inputRE.FindAllStringSubmatch(f[3], -1) {
			form.Set(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
		}
		action, _ := url.Parse(pageURL)
		action, _ = action.Parse(f[2])
		resp, err := b.client.PostForm(action.String(), form)
		if err != nil {
			b.t.Fatalf("submit %s: %v", button, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			b.t.Fatalf("submit %s: %d, want a redirect", button, resp.StatusCode)
		}
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil {
			b.t.Fatal(err)
		}
		return loc
	}
	b.t.Fatalf("no %s form on the page:\n%s", button, page)
	return nil
}

func TestOAuthFlow(t *testing.T) {
	e := newEnv(t)
	const redirect = "https://portavoce.example/connect/mastodon/callback"
	app, err := e.c.RegisterApp(t.Context(), e.srv.URL(), redirect, "https://portavoce.example")
	if err != nil {
		t.Fatalf("register app: %v", err)
	}
	if app.ClientID == "" || app.ClientSecret == "" {
		t.Fatalf("app %+v", app)
	}
	id, _ := e.srv.CreateAccount("giulia")
	e.srv.SignIn(id)
	b := newBrowser(t, e.srv.Client())

	verifier := mastodon.NewVerifier()
	if len(verifier) < 43 || mastodon.Challenge(verifier) == verifier {
		t.Fatalf("verifier %q, challenge %q", verifier, mastodon.Challenge(verifier))
	}
	authURL := mastodon.AuthorizeURL(e.srv.URL(), app, redirect, "stato-1", mastodon.Challenge(verifier))
	loc := b.authorize(authURL, "authorize")
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirect {
		t.Fatalf("redirected to %s, want %s", loc, redirect)
	}
	code, state := loc.Query().Get("code"), loc.Query().Get("state")
	if code == "" || state != "stato-1" {
		t.Fatalf("redirect %s, want a code and state stato-1", loc)
	}

	refusals := []struct {
		name                         string
		app                          mastodon.App
		redirect, verifier, wantCode string
		wantKind                     provider.Kind
	}{
		{name: "wrong verifier", app: app, redirect: redirect, verifier: mastodon.NewVerifier(), wantCode: "invalid_grant", wantKind: provider.Rejected},
		{name: "no verifier", app: app, redirect: redirect, verifier: "", wantCode: "invalid_request", wantKind: provider.Rejected},
		{name: "other redirect URI", app: app, redirect: redirect + "/other", verifier: verifier, wantCode: "invalid_grant", wantKind: provider.Rejected},
		{name: "wrong client secret", app: mastodon.App{ClientID: app.ClientID, ClientSecret: "nope"}, redirect: redirect, verifier: verifier, wantCode: "invalid_client", wantKind: provider.Rejected},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			_, err := e.c.ExchangeCode(t.Context(), e.srv.URL(), r.app, r.redirect, code, r.verifier)
			var pe *provider.Error
			if !errors.As(err, &pe) || pe.Code != r.wantCode || pe.Kind != r.wantKind || pe.Reason == "" {
				t.Fatalf("error %v, want %s %s with Doorkeeper's description", err, r.wantKind, r.wantCode)
			}
			for _, secret := range []string{app.ClientSecret, code, verifier} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q holds a secret", err)
				}
			}
		})
	}

	token, err := e.c.ExchangeCode(t.Context(), e.srv.URL(), app, redirect, code, verifier)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if _, err := e.c.ExchangeCode(t.Context(), e.srv.URL(), app, redirect, code, verifier); provider.KindOf(err) != provider.Rejected {
		t.Fatalf("second use of the code: %v, want rejected", err)
	}
	profile, limits, creds, err := e.c.Connect(t.Context(), e.srv.URL(), token)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	host := strings.TrimPrefix(e.srv.URL(), "http://")
	if profile.RemoteID != id || profile.Handle != "@giulia@"+host || profile.URL != e.srv.URL()+"/@giulia" || profile.DisplayName == "" {
		t.Errorf("profile %+v", profile)
	}
	if limits.MaxChars != 500 || len(creds) == 0 || tokenFromCredentials(creds) != token {
		t.Errorf("limits %+v, credentials %q", limits, creds)
	}
	a := provider.Account{Server: e.srv.URL(), RemoteID: profile.RemoteID, Credentials: creds}
	if _, err := e.publish(t.Context(), a, e.delivery("Collegata!")); err != nil {
		t.Fatalf("publish with the new token: %v", err)
	}

	if err := e.c.Revoke(t.Context(), e.srv.URL(), app, token); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if err := e.c.Revoke(t.Context(), e.srv.URL(), app, token); err != nil {
		t.Fatalf("revoke again: %v", err)
	}
	if _, _, _, err := e.c.Connect(t.Context(), e.srv.URL(), token); provider.KindOf(err) != provider.AuthExpired {
		t.Fatalf("connect with a revoked token: %v, want auth expired", err)
	}
}

func TestAuthorizePage(t *testing.T) {
	e := newEnv(t)
	const redirect = "http://localhost:8080/callback"
	app, err := e.c.RegisterApp(t.Context(), e.srv.URL(), redirect, "")
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e.srv.Client())
	challenge := mastodon.Challenge(mastodon.NewVerifier())

	t.Run("deny", func(t *testing.T) {
		loc := b.authorize(mastodon.AuthorizeURL(e.srv.URL(), app, redirect, "s", challenge), "deny")
		if q := loc.Query(); q.Get("error") != "access_denied" || q.Get("state") != "s" || q.Get("code") != "" {
			t.Fatalf("deny redirected to %s", loc)
		}
	})
	pages := []struct {
		name string
		url  string
		want int
		// errorCode is what a redirect carries, when the client is trusted.
		errorCode string
	}{
		{name: "unknown client", url: mastodon.AuthorizeURL(e.srv.URL(), mastodon.App{ClientID: "nope"}, redirect, "s", challenge), want: http.StatusBadRequest},
		{name: "redirect URI not registered", url: mastodon.AuthorizeURL(e.srv.URL(), app, "https://evil.example/cb", "s", challenge), want: http.StatusBadRequest},
		{name: "plain challenge method", url: strings.Replace(mastodon.AuthorizeURL(e.srv.URL(), app, redirect, "s", challenge), "S256", "plain", 1), want: http.StatusFound, errorCode: "invalid_request"},
		{name: "scope not registered", url: strings.Replace(mastodon.AuthorizeURL(e.srv.URL(), app, redirect, "s", challenge), "scope=read+write", "scope=read+write+push", 1), want: http.StatusFound, errorCode: "invalid_scope"},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			resp, err := b.client.Get(p.url)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != p.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, p.want)
			}
			if p.errorCode != "" {
				loc, _ := url.Parse(resp.Header.Get("Location"))
				if loc.Query().Get("error") != p.errorCode || !strings.HasPrefix(loc.String(), redirect) {
					t.Fatalf("redirected to %s, want error %s", loc, p.errorCode)
				}
			}
		})
	}
	t.Run("forged form", func(t *testing.T) {
		resp, err := b.client.PostForm(e.srv.URL()+"/oauth/authorize", url.Values{
			"client_id": {app.ClientID}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {"read write"},
		})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("a form without the page's authenticity token: %d, want 422", resp.StatusCode)
		}
	})
}

func TestRegisterAppRefused(t *testing.T) {
	e := newEnv(t)
	_, err := e.c.RegisterApp(t.Context(), e.srv.URL(), "not a uri", "")
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Kind != provider.Rejected || pe.Reason != "Validation failed: Redirect URI must be an absolute URI." {
		t.Fatalf("error %v, want Mastodon's validation message", err)
	}
}

func TestLimits(t *testing.T) {
	e := newEnv(t)
	e.srv.SetInstance(1000, 6)
	l, err := e.c.Limits(t.Context(), e.srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	if l.MaxChars != 1000 || l.MaxMedia != 6 || l.CharsPerURL != 23 || l.ImageMaxBytes != 16<<20 || l.VideoMaxBytes != 99<<20 ||
		l.ImageMaxPixels != 33_177_600 || l.MaxAltChars != 1500 || !slices.Contains(l.MediaTypes, "image/png") || l.Graphemes {
		t.Fatalf("limits %+v", l)
	}
	// The instance enforces what it publishes.
	a := e.account(t)
	if _, err := e.publish(t.Context(), a, e.delivery(strings.Repeat("a", 1000))); err != nil {
		t.Fatalf("1000 characters on a 1000-character instance: %v", err)
	}

	// Before 4.0 there is no /api/v2/instance; v1 has the same
	// configuration since 3.4.
	old := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/instance" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":"Record not found"}`)
			return
		}
		fmt.Fprint(w, `{"uri":"old.example","configuration":{"statuses":{"max_characters":800,"max_media_attachments":4,"characters_reserved_per_url":23},"media_attachments":{"supported_mime_types":["image/png"],"image_size_limit":10485760,"image_matrix_limit":16777216,"video_size_limit":41943040}}}`)
	}))
	defer old.Close()
	l, err = mastodon.New(old.Client()).Limits(t.Context(), old.URL)
	if err != nil {
		t.Fatal(err)
	}
	if l.MaxChars != 800 || l.ImageMaxBytes != 10485760 || l.MaxAltChars != 1500 || len(l.MediaTypes) != 1 {
		t.Fatalf("limits from /api/v1/instance: %+v", l)
	}
}
