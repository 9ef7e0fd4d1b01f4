package profileaudit

import (
	"slices"
	"testing"

	"github.com/portavoce/portavoce/internal/provider"
)

func TestPointsTo(t *testing.T) {
	cases := []struct {
		site, link string
		want       bool
	}{
		{"https://www.acme.com", "https://acme.com/shop?utm_source=mastodon&utm_medium=social", true},
		{"https://www.acme.com", "http://ACME.com", true},
		{"acme.com", "https://www.acme.com/", true},
		{"https://acme.com", "https://shop.acme.com/", true},
		{"https://acme.com", "https://acme.com.evil.example/", false},
		{"https://acme.com", "https://notacme.com/", false},
		{"https://acme.com", "https://evil.example/?next=acme.com", false},
		{"https://acme.com", "acme.com", false},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/x", true},
		{"http://127.0.0.1:8080", "http://127.0.0.1:9090/", false},
		{"", "https://acme.com", false},
	}
	for _, tc := range cases {
		if got := parseSite(tc.site).pointsTo(tc.link); got != tc.want {
			t.Errorf("site %q, link %q: %v, want %v", tc.site, tc.link, got, tc.want)
		}
	}
}

func TestParseSite(t *testing.T) {
	cases := []struct{ in, raw, domain string }{
		{"https://www.acme.com/it/", "https://www.acme.com/it/", "acme.com"},
		{"acme.com", "https://acme.com", "acme.com"},
		{"http://127.0.0.1:5000", "http://127.0.0.1:5000", ""},
		{"https://acme.com:8443", "https://acme.com:8443", ""},
		{"http://localhost", "http://localhost", ""},
		{"", "", ""},
	}
	for _, tc := range cases {
		if s := parseSite(tc.in); s.raw != tc.raw || s.domain != tc.domain {
			t.Errorf("parseSite(%q) = %+v, want raw %q, domain %q", tc.in, s, tc.raw, tc.domain)
		}
	}
}

func TestLinks(t *testing.T) {
	cases := []struct {
		text string
		want []string
	}{
		{"Visit acme.com/shop, or write to info@acme.com; we are @acme.bsky.social too.", []string{"https://acme.com/shop"}},
		{"See https://acme.com/a?utm_source=x. Thanks!", []string{"https://acme.com/a?utm_source=x"}},
		{"(https://acme.com) and www.acme.it", []string{"https://acme.com", "https://www.acme.it"}},
		{"Caffè torrefatto a Milano", nil},
		{"v1.2 released", nil},
	}
	for _, tc := range cases {
		if got := links(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("links(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestRefs(t *testing.T) {
	masto := []struct{ url, handle, instance, acct string }{
		{"https://mastodon.social/@acme", "", "https://mastodon.social", "acme"},
		{"https://mastodon.social/@acme/110000000000000000", "", "https://mastodon.social", "acme"},
		{"https://mastodon.social/@acme@other.example", "", "https://mastodon.social", "acme@other.example"},
		{"https://mastodon.social/users/acme", "", "https://mastodon.social", "acme"},
		{"", "@acme@mastodon.social", "https://mastodon.social", "acme"},
		{"", "acme@mastodon.social", "https://mastodon.social", "acme"},
		{"", "acme", "", ""},
		{"https://mastodon.social/about", "", "", ""},
	}
	for _, tc := range masto {
		instance, acct, err := mastodonRef(ProfileRef{Network: provider.Mastodon, URL: tc.url, Handle: tc.handle})
		if instance != tc.instance || acct != tc.acct || (err != nil) != (tc.acct == "") {
			t.Errorf("mastodonRef(%q, %q) = %q, %q, %v", tc.url, tc.handle, instance, acct, err)
		}
	}
	bsky := []struct{ url, handle, actor string }{
		{"https://bsky.app/profile/acme.com", "", "acme.com"},
		{"https://bsky.app/profile/did:plc:ewvi7nxzyoun6zhxrhs64oiz/post/3k", "", "did:plc:ewvi7nxzyoun6zhxrhs64oiz"},
		{"", "@acme.bsky.social", "acme.bsky.social"},
		{"https://bsky.app/", "", ""},
		{"", "", ""},
	}
	for _, tc := range bsky {
		actor, err := blueskyActor(ProfileRef{Network: provider.Bluesky, URL: tc.url, Handle: tc.handle})
		if actor != tc.actor || (err != nil) != (tc.actor == "") {
			t.Errorf("blueskyActor(%q, %q) = %q, %v", tc.url, tc.handle, actor, err)
		}
	}
}

func TestNormalName(t *testing.T) {
	same := [][2]string{
		{"Acme Coffee", "ACME coffee ☕"},
		{"Acme Coffee", "𝐀𝐜𝐦𝐞 𝐂𝐨𝐟𝐟𝐞𝐞"},
		{"Caffè Rossi", "Caffe Rossi"},
		{"Acme-Coffee", "Ａｃｍｅ Ｃｏｆｆｅｅ"},
	}
	for _, p := range same {
		if normalName(p[0]) != normalName(p[1]) {
			t.Errorf("%q and %q differ: %q, %q", p[0], p[1], normalName(p[0]), normalName(p[1]))
		}
	}
	if normalName("Acme") == normalName("Acne") {
		t.Error("different names compare equal")
	}
}

func TestPlainHTTP(t *testing.T) {
	for page, want := range map[string]bool{
		"http://acme.com/":       true,
		"HTTP://acme.com":        true,
		"https://acme.com/":      false,
		"http://127.0.0.1:8080/": false,
		"http://localhost/":      false,
		"http://[::1]:80/":       false,
	} {
		if got := plainHTTP(page); got != want {
			t.Errorf("plainHTTP(%q) = %v, want %v", page, got, want)
		}
	}
}

func TestParseProfileRef(t *testing.T) {
	cases := []struct {
		in   string
		want ProfileRef
		ok   bool
	}{
		{"https://mastodon.social/@acme", ProfileRef{Network: provider.Mastodon, URL: "https://mastodon.social/@acme"}, true},
		{" @acme@mastodon.social ", ProfileRef{Network: provider.Mastodon, Handle: "@acme@mastodon.social"}, true},
		{"acme@mastodon.social", ProfileRef{Network: provider.Mastodon, Handle: "@acme@mastodon.social"}, true},
		{"https://bsky.app/profile/acme.com", ProfileRef{Network: provider.Bluesky, URL: "https://bsky.app/profile/acme.com"}, true},
		{"@acme.bsky.social", ProfileRef{Network: provider.Bluesky, Handle: "acme.bsky.social"}, true},
		{"https://www.tiktok.com/@acme", ProfileRef{}, false},
		{"https://www.youtube.com/@acme", ProfileRef{}, false},
		{"https://www.facebook.com/acme", ProfileRef{}, false},
		{"https://bsky.app/", ProfileRef{}, false},
		{"acme.com", ProfileRef{}, false},
		{"", ProfileRef{}, false},
	}
	for _, tc := range cases {
		got, ok := ParseProfileRef(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseProfileRef(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
