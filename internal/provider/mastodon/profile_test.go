package mastodon_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	imagepng "image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/portavoce/portavoce/internal/presence/profile"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/provider/mastodon/mastodontest"
)

// squarePNG is a w×w image of one colour.
func squarePNG(t *testing.T, w int, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, w))
	for y := range w {
		for x := range w {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := imagepng.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func ptr[T any](v T) *T { return &v }

// username is the user name of a connected account ("@user1@host" → "user1").
func username(a provider.Account) string {
	return strings.SplitN(strings.TrimPrefix(a.Handle, "@"), "@", 2)[0]
}

func TestPublicProfileOfANewAccount(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	p, err := e.c.PublicProfile(t.Context(), e.srv.URL(), username(a))
	if err != nil {
		t.Fatal(err)
	}
	if p.Network != provider.Mastodon || p.ID != a.RemoteID || p.Handle != a.Handle {
		t.Errorf("profile = %+v, want the account %s (%s)", p, a.Handle, a.RemoteID)
	}
	if !p.DefaultAvatar || !p.DefaultHeader {
		t.Errorf("a new account shows its own pictures: avatar %q (default %v), header %q (default %v)",
			p.AvatarURL, p.DefaultAvatar, p.HeaderURL, p.DefaultHeader)
	}
	if p.Bio != "" || len(p.Fields) != 0 || p.Website != "" {
		t.Errorf("a new account has a bio %q, fields %v, website %q", p.Bio, p.Fields, p.Website)
	}
	if p.URL != e.srv.URL()+"/@"+username(a) {
		t.Errorf("URL = %q", p.URL)
	}
	// The handle's domain may be written, and an @ in front is fine.
	if q, err := e.c.PublicProfile(t.Context(), e.srv.URL(), "@"+strings.TrimPrefix(a.Handle, "@")); err != nil || q.ID != p.ID {
		t.Errorf("lookup with the domain: %+v, %v", q, err)
	}
}

func TestPublicProfileNotFound(t *testing.T) {
	e := newEnv(t)
	for _, acct := range []string{"nobody", "user@elsewhere.example", ""} {
		_, err := e.c.PublicProfile(t.Context(), e.srv.URL(), acct)
		if !errors.Is(err, profile.ErrNotFound) || provider.KindOf(err) != provider.Rejected {
			t.Errorf("lookup %q: %v, want a Rejected profile.ErrNotFound", acct, err)
		}
	}
}

func TestUpdateProfileIsShownPublicly(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	avatar := squarePNG(t, 64, color.RGBA{R: 200, A: 255})
	header := squarePNG(t, 32, color.RGBA{B: 200, A: 255})
	err := e.c.UpdateProfile(t.Context(), a, profile.Update{
		DisplayName: ptr("Acme Coffee"),
		Bio:         ptr("Roasting since 1990.\nOrders: https://acme.example/shop?utm_source=mastodon"),
		Fields:      []profile.Field{{Name: "Phone", Value: "+39 02 1234"}},
		Website:     ptr("https://acme.example"),
		Avatar:      &provider.Media{Filename: "logo.png", ContentType: "image/png", Data: avatar},
		Header:      &provider.Media{Filename: "header.png", ContentType: "image/png", Data: header},
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.c.PublicProfile(t.Context(), e.srv.URL(), username(a))
	if err != nil {
		t.Fatal(err)
	}
	if p.DisplayName != "Acme Coffee" {
		t.Errorf("display name = %q", p.DisplayName)
	}
	if !strings.Contains(p.Bio, "Roasting since 1990.") || !strings.Contains(p.Bio, "https://acme.example/shop?utm_source=mastodon") {
		t.Errorf("bio = %q, want the text with its link written in full", p.Bio)
	}
	want := []profile.Field{{Name: "Phone", Value: "+39 02 1234"}, {Name: "Website", Value: "https://acme.example"}}
	if len(p.Fields) != len(want) {
		t.Fatalf("fields = %+v, want %+v", p.Fields, want)
	}
	for i := range want {
		if p.Fields[i].Name != want[i].Name || p.Fields[i].Value != want[i].Value {
			t.Errorf("field %d = %+v, want %+v", i, p.Fields[i], want[i])
		}
	}
	if p.Website != "https://acme.example" {
		t.Errorf("website = %q", p.Website)
	}
	if p.DefaultAvatar || p.DefaultHeader {
		t.Errorf("pictures still default: %+v", p)
	}
	for name, c := range map[string]struct {
		url  string
		want []byte
	}{"avatar": {p.AvatarURL, avatar}, "header": {p.HeaderURL, header}} {
		resp, err := http.Get(c.url)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !bytes.Equal(got, c.want) {
			t.Errorf("%s at %s: %d bytes, want the uploaded %d", name, c.url, len(got), len(c.want))
		}
	}
}

func TestUpdateProfileKeepsOtherFieldsVerbatim(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	e.srv.SetProfile(a.RemoteID, mastodontest.Profile{DisplayName: "Acme", Fields: []mastodontest.Field{
		{Name: "Support", Value: "@help@acme.example"},
		{Name: "website", Value: "https://old.example"},
	}})
	if err := e.c.UpdateProfile(t.Context(), a, profile.Update{Fields: []profile.Field{
		{Name: "Website", Value: "https://acme.example"},
		{Name: "Shop", Value: "https://shop.acme.example"},
	}}); err != nil {
		t.Fatal(err)
	}
	got := e.srv.ProfileOf(a.RemoteID)
	want := []mastodontest.Field{
		{Name: "Support", Value: "@help@acme.example"},
		{Name: "Website", Value: "https://acme.example"},
		{Name: "Shop", Value: "https://shop.acme.example"},
	}
	if len(got.Fields) != len(want) {
		t.Fatalf("fields = %+v, want %+v", got.Fields, want)
	}
	for i := range want {
		if got.Fields[i].Name != want[i].Name || got.Fields[i].Value != want[i].Value {
			t.Errorf("field %d = %+v, want %+v", i, got.Fields[i], want[i])
		}
	}
	if got.DisplayName != "Acme" {
		t.Errorf("display name changed to %q", got.DisplayName)
	}
	// An empty value removes the field.
	if err := e.c.UpdateProfile(t.Context(), a, profile.Update{Fields: []profile.Field{{Name: "shop"}}}); err != nil {
		t.Fatal(err)
	}
	if got := e.srv.ProfileOf(a.RemoteID).Fields; len(got) != 2 || got[1].Name != "Website" {
		t.Errorf("after removing Shop: %+v", got)
	}
}

func TestUpdateProfileLinkVerification(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	profileURL := e.srv.URL() + "/@" + username(a)
	withMe := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, `<html><head><link rel="stylesheet" href="/s.css"></head><body>
			<a href="`+strings.ToUpper(profileURL[:4])+profileURL[4:]+`" rel="noopener me">Mastodon</a></body></html>`)
	}))
	defer withMe.Close()
	without := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<a href="`+profileURL+`">Mastodon</a>`)
	}))
	defer without.Close()

	if err := e.c.UpdateProfile(t.Context(), a, profile.Update{Fields: []profile.Field{
		{Name: "Website", Value: withMe.URL},
		{Name: "Blog", Value: without.URL},
	}}); err != nil {
		t.Fatal(err)
	}
	p, err := e.c.PublicProfile(t.Context(), e.srv.URL(), username(a))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Fields) != 2 || !p.Fields[0].Verified() || p.Fields[1].Verified() {
		t.Fatalf("fields = %+v, want the page with rel=me verified and the other not", p.Fields)
	}
	if p.Website != withMe.URL {
		t.Errorf("website = %q, want the verified link", p.Website)
	}
	// Renaming a field keeps its verification: its value did not change.
	first := p.Fields[0].VerifiedAt
	if err := e.c.UpdateProfile(t.Context(), a, profile.Update{Fields: []profile.Field{{Name: "website", Value: withMe.URL}}}); err != nil {
		t.Fatal(err)
	}
	p, err = e.c.PublicProfile(t.Context(), e.srv.URL(), username(a))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Fields[0]; got.Name != "website" || !got.VerifiedAt.Equal(first) {
		t.Errorf("after an edit keeping the value: %+v, want verified at %v", got, first)
	}
}

func TestUpdateProfileRefusals(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	tests := []struct {
		name   string
		update profile.Update
		reason string
	}{
		{"display name too long", profile.Update{DisplayName: ptr(strings.Repeat("a", 31))},
			"Validation failed: Display name is too long (maximum is 30 characters)"},
		{"note too long", profile.Update{Bio: ptr(strings.Repeat("é", 501))},
			"Validation failed: Note is too long (maximum is 500 characters)"},
		{"five fields", profile.Update{Fields: []profile.Field{{Name: "a", Value: "1"}, {Name: "b", Value: "2"},
			{Name: "c", Value: "3"}, {Name: "d", Value: "4"}, {Name: "e", Value: "5"}}},
			"Validation failed: Fields is too long (maximum is 4 characters)"},
		{"not an image", profile.Update{Avatar: &provider.Media{Filename: "a.txt", ContentType: "image/png", Data: []byte("hello")}},
			"Validation failed: Avatar content type is invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := e.c.UpdateProfile(t.Context(), a, tc.update)
			var pe *provider.Error
			if !errors.As(err, &pe) || pe.Kind != provider.Rejected || pe.Status != http.StatusUnprocessableEntity || pe.Reason != tc.reason {
				t.Fatalf("err = %v, want Rejected 422 %q", err, tc.reason)
			}
		})
	}
	// A note of 500 characters of which a long link counts 23 fits.
	note := strings.Repeat("x", 476) + " https://acme.com/" + strings.Repeat("p", 200)
	if err := e.c.UpdateProfile(t.Context(), a, profile.Update{Bio: &note}); err != nil {
		t.Errorf("a note of 500 characters counting its link as 23: %v", err)
	}
}

func TestUpdateProfileRevokedToken(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	e.srv.RevokeTokens(a.RemoteID)
	err := e.c.UpdateProfile(t.Context(), a, profile.Update{DisplayName: ptr("Acme")})
	if provider.KindOf(err) != provider.AuthExpired {
		t.Fatalf("err = %v, want AuthExpired", err)
	}
	if strings.Contains(err.Error(), tokenOf(t, a)) {
		t.Errorf("the error shows the token: %v", err)
	}
	// Fields are merged with the current ones first: that read fails the
	// same way.
	err = e.c.UpdateProfile(t.Context(), a, profile.Update{Website: ptr("https://acme.example")})
	if provider.KindOf(err) != provider.AuthExpired {
		t.Fatalf("err = %v, want AuthExpired", err)
	}
}
