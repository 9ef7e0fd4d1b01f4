package bluesky_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/gif"
	imagepng "image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/portavoce/portavoce/internal/presence/profile"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/provider/bluesky"
	"github.com/portavoce/portavoce/internal/provider/bluesky/blueskytest"
	"github.com/portavoce/portavoce/internal/provider/providertest"
)

func ptr[T any](v T) *T { return &v }

func solidPNG(t *testing.T, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 40))
	for i := 0; i < len(img.Pix); i += 4 {
		r, g, b, a := c.RGBA()
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = uint8(r>>8), uint8(g>>8), uint8(b>>8), uint8(a>>8)
	}
	var buf bytes.Buffer
	if err := imagepng.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rawPut writes a profile record with the account's own token, as another
// app would.
func rawPut(t *testing.T, e *env, a provider.Account, record string) {
	t.Helper()
	var s struct{ AccessJwt string }
	_ = json.Unmarshal(a.Credentials, &s)
	body := `{"repo":"` + a.RemoteID + `","collection":"app.bsky.actor.profile","rkey":"self","record":` + record + `}`
	req, _ := http.NewRequestWithContext(t.Context(), "POST", e.srv.URL()+"/xrpc/com.atproto.repo.putRecord", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.AccessJwt)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("putRecord: %d %s", resp.StatusCode, b)
	}
}

// storedRecord is the profile record's JSON as the server returns it.
func storedRecord(t *testing.T, e *env, did string) map[string]any {
	t.Helper()
	resp, err := http.Get(e.srv.URL() + "/xrpc/com.atproto.repo.getRecord?repo=" + did + "&collection=app.bsky.actor.profile&rkey=self")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Value map[string]any `json:"value"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out.Value
}

func TestPublicProfile(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	p, err := e.client.PublicProfile(t.Context(), "@"+a.Handle)
	if err != nil {
		t.Fatal(err)
	}
	if p.Network != provider.Bluesky || p.ID != a.RemoteID || p.Handle != a.Handle || p.URL != "https://bsky.app/profile/"+a.Handle {
		t.Errorf("profile = %+v", p)
	}
	if !p.DefaultAvatar || !p.DefaultHeader || p.Bio != "" || p.Website != "" {
		t.Errorf("a new account: %+v", p)
	}
	for _, actor := range []string{"nobody.bsky.social", "not a handle", "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"} {
		_, err := e.client.PublicProfile(t.Context(), actor)
		if !errors.Is(err, profile.ErrNotFound) || provider.KindOf(err) != provider.Rejected {
			t.Errorf("%q: %v, want a Rejected profile.ErrNotFound", actor, err)
		}
	}
	// Another App View can be named.
	other := blueskytest.NewServer()
	defer other.Close()
	did := other.CreateAccount("elsewhere.bsky.social", "pw")
	got, err := e.client.Profiles(other.URL(), nil).PublicProfile(t.Context(), did)
	if err != nil || got.Handle != "elsewhere.bsky.social" {
		t.Errorf("from another App View: %+v, %v", got, err)
	}
}

func TestUpdateProfileKeepsWhatItDoesNotChange(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	rawPut(t, e, a, `{"$type":"app.bsky.actor.profile","displayName":"Acme","description":"Old bio","pronouns":"it/its","x.example.custom":"kept"}`)
	avatar := solidPNG(t, color.RGBA{R: 255, A: 255})
	err := e.client.UpdateProfile(t.Context(), a, profile.Update{
		Bio:     ptr("Coffee roasters. https://acme.example"),
		Website: ptr("https://acme.example"),
		Avatar:  &provider.Media{Filename: "logo.png", ContentType: "image/png", Data: avatar},
		Fields:  []profile.Field{{Name: "ignored", Value: "on Bluesky"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := storedRecord(t, e, a.RemoteID)
	if rec["displayName"] != "Acme" || rec["pronouns"] != "it/its" || rec["x.example.custom"] != "kept" ||
		rec["description"] != "Coffee roasters. https://acme.example" || rec["website"] != "https://acme.example" {
		t.Errorf("record = %v", rec)
	}
	p, err := e.client.PublicProfile(t.Context(), a.Handle)
	if err != nil {
		t.Fatal(err)
	}
	if p.DisplayName != "Acme" || p.Bio != "Coffee roasters. https://acme.example" || p.Website != "https://acme.example" || p.DefaultAvatar {
		t.Errorf("profile = %+v", p)
	}
	resp, err := http.Get(p.AvatarURL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, avatar) {
		t.Errorf("avatar at %s is not the uploaded one", p.AvatarURL)
	}
	// An empty string removes a property.
	if err := e.client.UpdateProfile(t.Context(), a, profile.Update{Website: ptr("")}); err != nil {
		t.Fatal(err)
	}
	if rec := storedRecord(t, e, a.RemoteID); rec["website"] != nil || rec["avatar"] == nil {
		t.Errorf("after clearing the website: %v", rec)
	}
}

func TestUpdateProfileCreatesTheRecord(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	if err := e.client.UpdateProfile(t.Context(), a, profile.Update{DisplayName: ptr("Acme Coffee")}); err != nil {
		t.Fatal(err)
	}
	rec := storedRecord(t, e, a.RemoteID)
	if rec["displayName"] != "Acme Coffee" || rec["$type"] != "app.bsky.actor.profile" {
		t.Errorf("record = %v", rec)
	}
	if _, err := time.Parse(time.RFC3339, rec["createdAt"].(string)); err != nil {
		t.Errorf("createdAt = %v", rec["createdAt"])
	}
}

// editingTransport lets a request through after running edit, once, when
// it is a putRecord: another app editing the profile meanwhile.
type editingTransport struct {
	next http.RoundTripper
	edit func()
}

func (t *editingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/com.atproto.repo.putRecord") && t.edit != nil {
		t.edit()
		t.edit = nil
	}
	return t.next.RoundTrip(r)
}

func TestUpdateProfileDoesNotOverwriteAConcurrentEdit(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	e.srv.SetProfileRecord(a.RemoteID, blueskytest.ProfileRecord{DisplayName: "Acme", Description: "first"})
	edited := e.srv.SetProfileRecord // captured for the transport
	c := bluesky.New(&http.Client{Transport: &editingTransport{next: http.DefaultTransport, edit: func() {
		edited(a.RemoteID, blueskytest.ProfileRecord{DisplayName: "Acme", Description: "written by someone else"})
	}}}, e.srv.URL(), e.srv.URL())
	err := c.UpdateProfile(t.Context(), a, profile.Update{Bio: ptr("Portavoce's")})
	var pe *provider.Error
	if !errors.Is(err, profile.ErrChanged) || !errors.As(err, &pe) || pe.Kind != provider.Rejected || pe.Code != "InvalidSwap" {
		t.Fatalf("err = %v, want a Rejected InvalidSwap matching profile.ErrChanged", err)
	}
	if p, _, _ := e.srv.ProfileRecordOf(a.RemoteID); p.Description != "written by someone else" {
		t.Errorf("the other edit was overwritten: %+v", p)
	}
	// Read again, the same update goes through.
	if err := c.UpdateProfile(t.Context(), a, profile.Update{Bio: ptr("Portavoce's")}); err != nil {
		t.Fatal(err)
	}
	if p, _, _ := e.srv.ProfileRecordOf(a.RemoteID); p.Description != "Portavoce's" {
		t.Errorf("record = %+v", p)
	}
}

func TestUpdateProfileRefusals(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	var gifData bytes.Buffer
	_ = gif.Encode(&gifData, image.NewGray(image.Rect(0, 0, 4, 4)), nil)
	cases := []struct {
		name   string
		update profile.Update
		reason string
	}{
		{"description", profile.Update{Bio: ptr(strings.Repeat("é", 257))}, "a Bluesky description has at most 256 characters, this one has 257"},
		{"display name", profile.Update{DisplayName: ptr(strings.Repeat("x", 65))}, "a Bluesky display name has at most 64 characters, this one has 65"},
		{"gif", profile.Update{Avatar: &provider.Media{ContentType: "image/gif", Data: gifData.Bytes()}}, "a Bluesky avatar must be PNG or JPEG, not image/gif"},
		{"big", profile.Update{Header: &provider.Media{ContentType: "image/png", Data: append(solidPNG(t, color.White), make([]byte, 1_000_000)...)}},
			"a Bluesky banner has at most 1000000 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := e.client.UpdateProfile(t.Context(), a, tc.update)
			var pe *provider.Error
			if !errors.As(err, &pe) || pe.Kind != provider.Rejected || !strings.HasPrefix(pe.Reason, tc.reason) {
				t.Fatalf("err = %v, want Rejected %q", err, tc.reason)
			}
		})
	}
	if _, _, ok := e.srv.ProfileRecordOf(a.RemoteID); ok {
		t.Errorf("a refused update wrote a record")
	}
}

func TestUpdateProfileRefreshesTheSession(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	e.srv.ExpireAccessTokens()
	if err := e.client.UpdateProfile(t.Context(), a, profile.Update{DisplayName: ptr("Acme")}); err != nil {
		t.Fatal(err)
	}
	e.mu.Lock()
	saved := len(e.saved[a.ID])
	e.mu.Unlock()
	if saved != 1 {
		t.Errorf("renewed credentials saved %d times, want 1", saved)
	}
	e.srv.RevokeSessions(a.RemoteID)
	err := e.client.UpdateProfile(t.Context(), a, profile.Update{DisplayName: ptr("Acme 2")})
	if provider.KindOf(err) != provider.AuthExpired {
		t.Fatalf("err = %v, want AuthExpired", err)
	}
	for _, s := range e.secretsOf(a) {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("the error shows a secret: %v", err)
		}
	}
}

func TestUpdateProfileLostAnswer(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	e.srv.Inject(providertest.Fault{Kind: providertest.LoseAnswer, Op: "profile"})
	if err := e.client.UpdateProfile(t.Context(), a, profile.Update{DisplayName: ptr("Acme")}); err != nil {
		t.Fatalf("a write whose answer was lost but which is there: %v", err)
	}
	e.srv.Inject(providertest.Fault{Kind: providertest.Unavailable, Op: "profile"})
	if err := e.client.UpdateProfile(t.Context(), a, profile.Update{DisplayName: ptr("Acme 2")}); provider.KindOf(err) != provider.Temporary {
		t.Fatalf("err = %v, want Temporary", err)
	}
}

// handleSite serves /.well-known/atproto-did over TLS for any name under
// example.com (the test certificate's), whatever the port a client dials.
func handleSite(t *testing.T, files map[string]string) *http.Client {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.Host]
		if !ok || r.URL.Path != "/.well-known/atproto-did" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

func TestDomainHandleStatus(t *testing.T) {
	const did = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
	const other = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"
	web := handleSite(t, map[string]string{
		"web.example.com":        did + "\n",
		"both.example.com":       did,
		"conflict.example.com":   other,
		"garbage.example.com":    "<html>not a DID</html>",
		"broken-dns.example.com": did,
	})
	dns := map[string][]string{
		"_atproto.dns.example.com":      {"v=spf1 -all", "did=" + did},
		"_atproto.both.example.com":     {"did=" + did},
		"_atproto.conflict.example.com": {"did=" + did},
	}
	resolver := func(ctx context.Context, name string) ([]string, error) {
		if r, ok := dns[name]; ok {
			return r, nil
		}
		if strings.HasPrefix(name, "_atproto.broken") {
			return nil, &net.DNSError{Err: "server misbehaving", Name: name, IsTemporary: true}
		}
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	c := bluesky.New(nil, "", "")
	c.SetPreviewClient(web)
	p := c.Profiles("", resolver)
	cases := []struct {
		domain, did, how string
		err              bool
	}{
		{"web.example.com", did, bluesky.HandleViaHTTPS, false},
		{"dns.example.com", did, bluesky.HandleViaDNS, false},
		{"Both.Example.com.", did, bluesky.HandleViaBoth, false},
		{"none.example.com", "", "", false},
		{"garbage.example.com", "", "", false},
		{"conflict.example.com", "", "", true},
		{"not a domain", "", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.domain, func(t *testing.T) {
			gotDID, how, err := p.DomainHandleStatus(t.Context(), tc.domain)
			if gotDID != tc.did || how != tc.how || (err != nil) != tc.err {
				t.Fatalf("= %q, %q, %v; want %q, %q, error %v", gotDID, how, err, tc.did, tc.how, tc.err)
			}
		})
	}
	var conflict *bluesky.HandleConflictError
	if _, _, err := p.DomainHandleStatus(t.Context(), "conflict.example.com"); !errors.As(err, &conflict) || conflict.DNS != did || conflict.HTTPS != other {
		t.Errorf("conflict: %v", err)
	}
	dns["_atproto.two.example.com"] = []string{"did=" + did, "did=" + other}
	if _, _, err := p.DomainHandleStatus(t.Context(), "two.example.com"); !errors.Is(err, bluesky.ErrSeveralDIDs) {
		t.Errorf("two DIDs in DNS: %v", err)
	}
	// DNS failing while the site has no file: the record may exist.
	if d, how, err := p.DomainHandleStatus(t.Context(), "broken.example.com"); err == nil {
		t.Errorf("a failing DNS lookup answered %q, %q without an error", d, how)
	}
	// The file alone is enough even when DNS fails.
	if d, how, err := p.DomainHandleStatus(t.Context(), "broken-dns.example.com"); d != did || how != bluesky.HandleViaHTTPS || err != nil {
		t.Errorf("= %q, %q, %v", d, how, err)
	}
}
