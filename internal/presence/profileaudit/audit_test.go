package profileaudit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/portavoce/portavoce/internal/netguard"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/provider/bluesky"
	"github.com/portavoce/portavoce/internal/provider/bluesky/blueskytest"
	"github.com/portavoce/portavoce/internal/provider/mastodon"
	"github.com/portavoce/portavoce/internal/provider/mastodon/mastodontest"
)

// world is a brand's corner of the internet on loopback: a Mastodon
// instance, a Bluesky, and the brand's website with its logo.
type world struct {
	masto *mastodontest.Server
	bsky  *blueskytest.Server
	site  *httptest.Server
	mc    *mastodon.Client
	bc    *bluesky.Client
	logo  []byte

	mu   sync.Mutex
	home string // the site's home page
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{masto: mastodontest.NewServer(), bsky: blueskytest.NewServer(), logo: pngData(t, logoA(512, color.White))}
	t.Cleanup(w.masto.Close)
	t.Cleanup(w.bsky.Close)
	w.site = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.mu.Lock()
			home := w.home
			w.mu.Unlock()
			rw.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(rw, home)
		case "/logo.png":
			rw.Header().Set("Content-Type", "image/png")
			rw.Write(w.logo)
		case "/logo.svg":
			rw.Header().Set("Content-Type", "image/svg+xml")
			io.WriteString(rw, `<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>`)
		default:
			http.NotFound(rw, r)
		}
	}))
	t.Cleanup(w.site.Close)
	w.mc = mastodon.New(nil)
	w.bc = bluesky.New(&http.Client{}, w.bsky.URL(), w.bsky.URL())
	w.setHome("<html><body>Acme Coffee</body></html>")
	return w
}

func (w *world) setHome(html string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.home = html
}

// relMe is a home page linking back to a Mastodon profile.
func relMe(profileURL string) string {
	return `<html><head><link rel="stylesheet" href="/s.css"></head><body><footer><a rel="me noopener" href="` + profileURL + `">Mastodon</a></footer></body></html>`
}

// deps are what the audit gets in production: the providers, and the
// guarded client, told to allow loopback.
func (w *world) deps() Deps {
	return Deps{Mastodon: w.mc, Bluesky: w.bc, Handles: w.bc, HTTP: netguard.NewClient(netguard.Options{Allow: []string{"127.0.0.1"}})}
}

// mastodonAccount creates a Mastodon account and returns it connected.
func (w *world) mastodonAccount(t *testing.T, name string, p *mastodontest.Profile) (provider.Account, string) {
	t.Helper()
	id, token := w.masto.CreateAccount(name)
	if p != nil {
		w.masto.SetProfile(id, *p)
		w.masto.VerifyLinks(id)
	}
	creds, _ := json.Marshal(map[string]string{"access_token": token})
	a := provider.Account{ID: "m-" + id, Server: w.masto.URL(), RemoteID: id, Handle: "@" + name, Credentials: creds}
	return a, w.masto.URL() + "/@" + name
}

// blueskyAccount creates a Bluesky account and returns it connected.
func (w *world) blueskyAccount(t *testing.T, handle string, rec *blueskytest.ProfileRecord) provider.Account {
	t.Helper()
	did := w.bsky.CreateAccount(handle, "app-pass-word")
	if rec != nil {
		w.bsky.SetProfileRecord(did, *rec)
	}
	p, pds, creds, err := w.bc.Login(t.Context(), handle, "app-pass-word")
	if err != nil {
		t.Fatal(err)
	}
	return provider.Account{ID: "b-" + did, Server: pds, RemoteID: p.RemoteID, Handle: p.Handle, Credentials: creds}
}

// ids lists a report's findings as "check@network", sorted.
func ids(rep Report) []string {
	var out []string
	for _, f := range rep.Findings {
		id := f.Check
		if f.Network != "" {
			id += "@" + f.Network
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func finding(t *testing.T, rep Report, check, network string) Finding {
	t.Helper()
	for _, f := range rep.Findings {
		if f.Check == check && f.Network == network {
			return f
		}
	}
	t.Fatalf("no finding %s on %s in %v", check, network, ids(rep))
	return Finding{}
}

func audit(t *testing.T, deps Deps, b Brand) Report {
	t.Helper()
	rep, err := Audit(t.Context(), deps, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Message != fmt.Sprintf(f.Format, f.Args...) || f.Fix != fmt.Sprintf(f.FixFormat, f.FixArgs...) || f.Fix == "" {
			t.Errorf("%s: message or fix does not follow its format: %+v", f.Check, f)
		}
		if strings.Contains(f.Message, "%!") || strings.Contains(f.Fix, "%!") {
			t.Errorf("%s: badly formatted: %q / %q", f.Check, f.Message, f.Fix)
		}
		if !slices.Contains(Messages, f.Format) || !slices.Contains(Messages, f.FixFormat) {
			t.Errorf("%s: format %q or fix format %q is missing from Messages", f.Check, f.Format, f.FixFormat)
		}
		if f.Fixable != (f.Update != nil && !f.Update.Empty()) {
			t.Errorf("%s: fixable %v with update %+v", f.Check, f.Fixable, f.Update)
		}
	}
	return rep
}

func TestAuditGoodMastodonFlawedBluesky(t *testing.T) {
	w := newWorld(t)
	header := pngData(t, paint(300, 100, acmeBlue, func(x, y float64) color.Color { return nil }))
	mastodonAccount, mastodonURL := w.mastodonAccount(t, "acme", nil)
	w.setHome(relMe(mastodonURL))
	id := mastodonAccount.RemoteID
	w.masto.SetProfile(id, mastodontest.Profile{
		DisplayName: "Acme Coffee ☕",
		Note:        "Roasting since 1990. " + w.site.URL + "/?utm_source=mastodon",
		Fields:      []mastodontest.Field{{Name: "Website", Value: w.site.URL}},
		Avatar:      pngData(t, scaled(logoA(512, color.White), 400, 400)),
		Header:      header,
	})
	w.masto.VerifyLinks(id)
	bskyAccount := w.blueskyAccount(t, "acme.bsky.social", &blueskytest.ProfileRecord{
		DisplayName: "Acme Coffee",
		Description: "Roasting since 1990.",
		Avatar:      pngData(t, logoB(400)),
		Banner:      header,
	})
	brand := Brand{Name: "Acme Coffee", Website: w.site.URL, LogoURL: w.site.URL + "/logo.png", Profiles: []ProfileRef{
		{Network: provider.Mastodon, URL: mastodonURL},
		{Network: provider.Bluesky, Handle: "@acme.bsky.social"},
	}}

	rep := audit(t, w.deps(), brand)
	want := []string{CheckAvatarNotLogo + "@bluesky", CheckWebsiteLinkMissing + "@bluesky"}
	if got := ids(rep); !slices.Equal(got, want) {
		t.Fatalf("findings = %v, want %v", got, want)
	}
	if rep.Score != 100-15-10 {
		t.Errorf("score = %d, want 75", rep.Score)
	}
	if len(rep.Profiles) != 2 || rep.Profiles[0].Handle != "@acme@"+strings.TrimPrefix(w.masto.URL(), "http://") ||
		rep.Profiles[1].Handle != "acme.bsky.social" {
		t.Errorf("profiles = %+v", rep.Profiles)
	}
	if rep.Findings[0].Check != CheckWebsiteLinkMissing {
		t.Errorf("findings are not sorted by severity: %v", ids(rep))
	}

	link := finding(t, rep, CheckWebsiteLinkMissing, provider.Bluesky)
	if link.Severity != SeverityError || !link.Fixable || link.Profile != "acme.bsky.social" ||
		*link.Update.Website != w.site.URL || *link.Update.Bio != "Roasting since 1990.\n"+w.site.URL {
		t.Errorf("website finding = %+v (update %+v)", link, link.Update)
	}
	avatar := finding(t, rep, CheckAvatarNotLogo, provider.Bluesky)
	if !avatar.Fixable || avatar.Update.Avatar == nil || avatar.Update.Avatar.ContentType != "image/png" {
		t.Fatalf("avatar finding = %+v", avatar)
	}

	for _, f := range rep.Findings {
		if err := Apply(t.Context(), w.bc, bskyAccount, f); err != nil {
			t.Fatalf("applying %s: %v", f.Check, err)
		}
	}
	rep = audit(t, w.deps(), brand)
	if len(rep.Findings) != 0 || rep.Score != 100 {
		t.Errorf("after the fixes: score %d, findings %v", rep.Score, ids(rep))
	}
	if rec, _, _ := w.bsky.ProfileRecordOf(bskyAccount.RemoteID); rec.DisplayName != "Acme Coffee" || rec.Banner == nil {
		t.Errorf("the fixes changed what they should not: %+v", rec)
	}
}

func TestAuditMastodonFixesImproveTheScore(t *testing.T) {
	w := newWorld(t)
	account, mastodonURL := w.mastodonAccount(t, "acme", nil)
	w.setHome(relMe(mastodonURL))
	brand := Brand{Name: "Acme Coffee", Website: w.site.URL, LogoURL: w.site.URL + "/logo.png",
		Profiles: []ProfileRef{{Network: provider.Mastodon, URL: mastodonURL}}}

	rep := audit(t, w.deps(), brand)
	want := []string{CheckAvatarMissing + "@mastodon", CheckBioMissing + "@mastodon", CheckDisplayNameMismatch + "@mastodon",
		CheckHeaderMissing + "@mastodon", CheckWebsiteLinkMissing + "@mastodon"}
	if got := ids(rep); !slices.Equal(got, want) {
		t.Fatalf("findings = %v, want %v", got, want)
	}
	if f := finding(t, rep, CheckBioMissing, provider.Mastodon); f.Fixable {
		t.Errorf("a bio with nothing to copy is fixable: %+v", f)
	}
	link := finding(t, rep, CheckWebsiteLinkMissing, provider.Mastodon)
	if !link.Fixable || len(link.Update.Fields) != 1 || link.Update.Fields[0] != (Field{Name: "Website", Value: w.site.URL}) ||
		!strings.Contains(link.Fix, `<a rel="me" href="`+mastodonURL+`">`) {
		t.Fatalf("website finding = %+v", link)
	}

	score := rep.Score
	for _, check := range []string{CheckWebsiteLinkMissing, CheckDisplayNameMismatch, CheckAvatarMissing} {
		if err := Apply(t.Context(), w.mc, account, finding(t, rep, check, provider.Mastodon)); err != nil {
			t.Fatalf("applying %s: %v", check, err)
		}
		rep = audit(t, w.deps(), brand)
		if slices.Contains(ids(rep), check+"@mastodon") || rep.Score <= score {
			t.Fatalf("after fixing %s: score %d (was %d), findings %v", check, rep.Score, score, ids(rep))
		}
		score = rep.Score
	}
	// The link was verified: the site links back.
	if got := ids(rep); !slices.Equal(got, []string{CheckBioMissing + "@mastodon", CheckHeaderMissing + "@mastodon"}) {
		t.Errorf("findings left = %v", got)
	}
	p := w.masto.ProfileOf(account.RemoteID)
	if len(p.Fields) != 1 || p.Fields[0].VerifiedAt.IsZero() || p.DisplayName != "Acme Coffee" || len(p.Avatar) == 0 {
		t.Errorf("profile = %+v", p)
	}
}

func TestAuditMastodonVerification(t *testing.T) {
	w := newWorld(t)
	account, mastodonURL := w.mastodonAccount(t, "acme", nil)
	w.masto.SetProfile(account.RemoteID, mastodontest.Profile{DisplayName: "Acme", Note: "Coffee",
		Fields: []mastodontest.Field{{Name: "Web", Value: w.site.URL}}, Avatar: w.logo, Header: w.logo})
	brand := Brand{Name: "Acme", Website: w.site.URL, Profiles: []ProfileRef{{Network: provider.Mastodon, URL: mastodonURL}}}

	// The site does not link back.
	rep := audit(t, w.deps(), brand)
	if got := ids(rep); !slices.Equal(got, []string{CheckMastodonLinkUnverified + "@mastodon"}) {
		t.Fatalf("findings = %v", got)
	}
	f := rep.Findings[0]
	if f.Fixable || !strings.Contains(f.Fix, `<a rel="me" href="`+mastodonURL+`">`) || !strings.Contains(f.Fix, w.site.URL) {
		t.Errorf("finding = %+v", f)
	}

	// It does now, but Mastodon has not looked again: saving the profile
	// makes it look.
	w.setHome(relMe(strings.ToUpper(mastodonURL[:8]) + mastodonURL[8:]))
	rep = audit(t, w.deps(), brand)
	f = finding(t, rep, CheckMastodonLinkUnverified, provider.Mastodon)
	if !f.Fixable || f.Update.Fields[0] != (Field{Name: "Web", Value: w.site.URL}) || !strings.Contains(f.Fix, "save it again") {
		t.Fatalf("finding = %+v", f)
	}
	if err := Apply(t.Context(), w.mc, account, f); err != nil {
		t.Fatal(err)
	}
	if rep = audit(t, w.deps(), brand); len(rep.Findings) != 0 {
		t.Errorf("after saving again: %v", ids(rep))
	}
}

func TestAuditChecks(t *testing.T) {
	type setup struct {
		name  string
		brand string
		// user is the Mastodon user name (default acme).
		user     string
		mastodon *mastodontest.Profile
		bluesky  *blueskytest.ProfileRecord
		// handle of the Bluesky account (default acme.bsky.social).
		handle string
		want   []string
	}
	logo := pngData(t, logoA(300, color.White))
	ok := func(name, note string) *mastodontest.Profile {
		return &mastodontest.Profile{DisplayName: name, Note: note, Avatar: logo, Header: logo}
	}
	okB := func(name, description string) *blueskytest.ProfileRecord {
		return &blueskytest.ProfileRecord{DisplayName: name, Description: description, Avatar: logo, Banner: logo}
	}
	cases := []setup{
		{name: "styled name and emoji are the same name", brand: "Acme Coffee",
			mastodon: ok("𝐀𝐜𝐦𝐞 𝐂𝐨𝐟𝐟𝐞𝐞 ☕", "Coffee."), bluesky: okB("ACME coffee", "Coffee.")},
		{name: "name with more words", brand: "Acme Coffee",
			mastodon: ok("Acme Coffee – official", "Coffee."), bluesky: okB("Acme Coffee", "Coffee."),
			want: []string{CheckDisplayNameMismatch + "@mastodon"}},
		{name: "another name", brand: "Acme Coffee",
			mastodon: ok("Acme Coffee", "Coffee."), bluesky: okB("Bob's Beans", "Coffee."),
			want: []string{CheckDisplayNameMismatch + "@bluesky"}},
		{name: "no display name", brand: "Acme Coffee",
			mastodon: ok("Acme Coffee", "Coffee."), bluesky: okB("", "Coffee."),
			want: []string{CheckDisplayNameMissing + "@bluesky"}},
		{name: "bluesky bio too long", brand: "Acme",
			mastodon: ok("Acme", "Coffee."), bluesky: okB("Acme", strings.Repeat("☕", 257)),
			want: []string{CheckBioTooLong + "@bluesky"}},
		{name: "mastodon bio too long", brand: "Acme",
			mastodon: ok("Acme", strings.Repeat("a", 501)), bluesky: okB("Acme", "Coffee."),
			want: []string{CheckBioTooLong + "@mastodon"}},
		{name: "bio missing", brand: "Acme",
			mastodon: ok("Acme", "Coffee, roasted in Milan."), bluesky: okB("Acme", ""),
			want: []string{CheckBioMissing + "@bluesky"}},
		{name: "no header", brand: "Acme",
			mastodon: &mastodontest.Profile{DisplayName: "Acme", Note: "Coffee.", Avatar: logo}, bluesky: okB("Acme", "Coffee."),
			want: []string{CheckHeaderMissing + "@mastodon"}},
		{name: "handles differ", brand: "Acme", handle: "acmecoffee.bsky.social",
			mastodon: ok("Acme", "Coffee."), bluesky: okB("Acme", "Coffee."),
			want: []string{CheckHandleInconsistent}},
		{name: "handles alike but for separators", brand: "Acme", user: "acme_coffee", handle: "acme-coffee.bsky.social",
			mastodon: ok("Acme", "Coffee."), bluesky: okB("Acme", "Coffee.")},
		{name: "avatars differ, no logo to compare with", brand: "Acme",
			mastodon: ok("Acme", "Coffee."),
			bluesky:  &blueskytest.ProfileRecord{DisplayName: "Acme", Description: "Coffee.", Avatar: pngData(t, logoB(300)), Banner: logo},
			want:     []string{CheckAvatarInconsistent + "@bluesky"}},
		{name: "no name for the brand: the first profile's counts", brand: "",
			mastodon: ok("Acme", "Coffee."), bluesky: okB("Acme Inc", "Coffee."),
			want: []string{CheckDisplayNameMismatch + "@bluesky"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			// Both profiles link the site, and the site links back, so
			// that only the check under test finds something.
			user := cmpOr(tc.user, "acme")
			w.setHome(relMe(w.masto.URL() + "/@" + user))
			tc.mastodon.Fields = []mastodontest.Field{{Name: "Website", Value: w.site.URL + "/?utm_source=mastodon"}}
			tc.bluesky.Website = w.site.URL
			_, mastodonURL := w.mastodonAccount(t, user, tc.mastodon)
			handle := cmpOr(tc.handle, "acme.bsky.social")
			w.blueskyAccount(t, handle, tc.bluesky)
			brand := Brand{Name: tc.brand, Website: w.site.URL, Profiles: []ProfileRef{
				{Network: provider.Mastodon, URL: mastodonURL},
				{Network: provider.Bluesky, URL: "https://bsky.app/profile/" + handle},
			}}
			rep := audit(t, w.deps(), brand)
			got := ids(rep)
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(got, want) {
				for _, f := range rep.Findings {
					t.Log(f.Message)
				}
				t.Fatalf("findings = %v, want %v", got, want)
			}
		})
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func TestAuditFindingDetails(t *testing.T) {
	w := newWorld(t)
	_, mastodonURL := w.mastodonAccount(t, "acme", &mastodontest.Profile{DisplayName: "Acme Coffee – official",
		Note: "Coffee. " + w.site.URL, Avatar: w.logo, Header: w.logo})
	w.blueskyAccount(t, "acme.bsky.social", &blueskytest.ProfileRecord{DisplayName: "Beans", Avatar: w.logo, Banner: w.logo})
	brand := Brand{Name: "Acme Coffee", Website: w.site.URL, Profiles: []ProfileRef{
		{Network: provider.Mastodon, URL: mastodonURL},
		{Network: provider.Bluesky, Handle: "acme.bsky.social"},
	}}
	rep := audit(t, w.deps(), brand)

	name := finding(t, rep, CheckDisplayNameMismatch, provider.Mastodon)
	if name.Severity != SeverityNotice || name.Format != "The display name on %s is %q, not the brand's name %q." ||
		!slices.Equal(name.Args, []any{"Mastodon", "Acme Coffee – official", "Acme Coffee"}) || *name.Update.DisplayName != "Acme Coffee" {
		t.Errorf("mastodon name = %+v", name)
	}
	if name := finding(t, rep, CheckDisplayNameMismatch, provider.Bluesky); name.Severity != SeverityWarning {
		t.Errorf("bluesky name = %+v", name)
	}
	// The Bluesky bio can be copied from Mastodon, and the website fix
	// then writes the link alone.
	bio := finding(t, rep, CheckBioMissing, provider.Bluesky)
	if !bio.Fixable || *bio.Update.Bio != "Coffee. "+w.site.URL {
		t.Errorf("bio = %+v", bio)
	}
	if link := finding(t, rep, CheckWebsiteLinkMissing, provider.Bluesky); *link.Update.Bio != w.site.URL {
		t.Errorf("website = %+v", link.Update)
	}
	// A brand name too long for Mastodon is not fixable there.
	brand.Name = "Acme Coffee Roasters of Milan and Turin"
	rep = audit(t, w.deps(), brand)
	name = finding(t, rep, CheckDisplayNameMismatch, provider.Mastodon)
	if name.Fixable || !strings.Contains(name.Fix, "Mastodon allows 30 characters") {
		t.Errorf("long name on mastodon = %+v", name)
	}
	if name := finding(t, rep, CheckDisplayNameMismatch, provider.Bluesky); !name.Fixable {
		t.Errorf("long name on bluesky = %+v", name)
	}
}

func TestAuditUnreadable(t *testing.T) {
	w := newWorld(t)
	_, mastodonURL := w.mastodonAccount(t, "acme", &mastodontest.Profile{DisplayName: "Acme", Note: "Coffee " + w.site.URL,
		Avatar: w.logo, Header: w.logo})
	down := mastodontest.NewServer()
	downURL := down.URL()
	down.Close()
	brand := Brand{Name: "Acme", Website: w.site.URL, LogoURL: w.site.URL + "/logo.svg", Profiles: []ProfileRef{
		{Network: provider.Mastodon, URL: mastodonURL},
		{Network: provider.Mastodon, URL: w.masto.URL() + "/@nobody"},
		{Network: provider.Mastodon, URL: downURL + "/@acme"},
		{Network: provider.Bluesky, Handle: "nobody.bsky.social"},
		{Network: provider.Bluesky, URL: "https://bsky.app/"},
	}}
	rep := audit(t, w.deps(), brand)
	want := []string{CheckImageUnreadable, CheckProfileNotFound + "@bluesky", CheckProfileNotFound + "@bluesky",
		CheckProfileNotFound + "@mastodon", CheckProfileUnreadable + "@mastodon"}
	if got := ids(rep); !slices.Equal(got, want) {
		t.Fatalf("findings = %v, want %v", got, want)
	}
	if rep.Score != 100-3*25 || len(rep.Profiles) != 1 {
		t.Errorf("score %d, %d profiles read", rep.Score, len(rep.Profiles))
	}
	if f := finding(t, rep, CheckProfileUnreadable, provider.Mastodon); f.Profile != downURL+"/@acme" || f.Impact != 0 {
		t.Errorf("unreadable = %+v", f)
	}
}

func TestAuditRefusesBadInput(t *testing.T) {
	w := newWorld(t)
	deps := w.deps()
	cases := map[string]struct {
		deps  Deps
		brand Brand
	}{
		"no profile":         {deps, Brand{Name: "Acme"}},
		"unknown network":    {deps, Brand{Profiles: []ProfileRef{{Network: "myspace", Handle: "acme"}}}},
		"no bluesky reader":  {Deps{Mastodon: w.mc, HTTP: deps.HTTP}, Brand{Profiles: []ProfileRef{{Network: provider.Bluesky, Handle: "acme.bsky.social"}}}},
		"no mastodon reader": {Deps{Bluesky: w.bc, HTTP: deps.HTTP}, Brand{Profiles: []ProfileRef{{Network: provider.Mastodon, Handle: "@a@b.c"}}}},
		"no http client":     {Deps{Mastodon: w.mc, Bluesky: w.bc}, Brand{Profiles: []ProfileRef{{Network: provider.Mastodon, Handle: "@a@b.c"}}}},
	}
	for name, tc := range cases {
		if _, err := Audit(t.Context(), tc.deps, tc.brand); err == nil || !strings.HasPrefix(err.Error(), "profileaudit: ") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Audit(ctx, deps, Brand{Profiles: []ProfileRef{{Network: provider.Bluesky, Handle: "acme.bsky.social"}}}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestApplyRefusesWhatIsNotFixable(t *testing.T) {
	w := newWorld(t)
	a, _ := w.mastodonAccount(t, "acme", nil)
	err := Apply(t.Context(), w.mc, a, Finding{Check: CheckHeaderMissing})
	if !errors.Is(err, ErrNotFixable) {
		t.Errorf("err = %v", err)
	}
	// A provider's refusal comes back typed.
	w.masto.RevokeTokens(a.RemoteID)
	name := "Acme"
	err = Apply(t.Context(), w.mc, a, Finding{Check: CheckDisplayNameMissing, Fixable: true, Update: &ProfileUpdate{DisplayName: &name}})
	if provider.KindOf(err) != provider.AuthExpired {
		t.Errorf("err = %v, want AuthExpired", err)
	}
}
