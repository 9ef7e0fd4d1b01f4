package siteaudit

import (
	"slices"
	"testing"
)

func TestIsMastodonProfile(t *testing.T) {
	tests := map[string]bool{
		"https://mastodon.social/@cafferossi":             true,
		"https://mastodon.uno/@caffe_rossi/":              true,
		"https://sociale.network/@rossi@mastodon.uno":     true,
		"http://127.0.0.1:8080/@rossi":                    true,
		"https://mastodon.social/@rossi/1234567":          false, // a post
		"https://mastodon.social/users/rossi":             false, // not the profile's address
		"https://www.youtube.com/@cafferossi":             false,
		"https://www.tiktok.com/@cafferossi":              false,
		"https://www.threads.net/@cafferossi":             false,
		"https://medium.com/@cafferossi":                  false,
		"https://www.instagram.com/cafferossi/":           false,
		"https://bsky.app/profile/cafferossi.bsky.social": false,
		"mastodon.social/@rossi":                          false,
		"":                                                false,
	}
	for u, want := range tests {
		if got := IsMastodonProfile(u); got != want {
			t.Errorf("IsMastodonProfile(%q) = %v, want %v", u, got, want)
		}
	}
}

func TestMastodonProfiles(t *testing.T) {
	b := Brand{Profiles: []string{"https://mastodon.social/@rossi", "https://www.instagram.com/rossi", " https://mastodon.uno/@rossi "}}
	if got := mastodonProfiles(b); !slices.Equal(got, []string{"https://mastodon.social/@rossi", "https://mastodon.uno/@rossi"}) {
		t.Errorf("recognized %q", got)
	}
	b.Mastodon = []string{"https://pixelfed.example/rossi"}
	if got := mastodonProfiles(b); !slices.Equal(got, b.Mastodon) {
		t.Errorf("named %q", got)
	}
	b.Mastodon = []string{}
	if got := mastodonProfiles(b); len(got) != 0 {
		t.Errorf("an empty list names none: %q", got)
	}
}

func TestCheckRelMe(t *testing.T) {
	profile := "https://mastodon.social/@CaffeRossi"
	tests := []struct {
		name, body string
		want       []string
	}{
		{"a", `<a rel="me" href="https://mastodon.social/@cafferossi">M</a>`, nil},
		{"link in head", `<head><link rel="me" href="https://mastodon.social/@CaffeRossi"></head>`, nil},
		{"among other tokens", `<a rel="noopener ME nofollow" href="https://mastodon.social/@CaffeRossi">M</a>`, nil},
		{"no rel", `<a href="https://mastodon.social/@CaffeRossi">M</a>`, []string{"rel_me.missing"}},
		{"a word containing me", `<a rel="meh" href="https://mastodon.social/@CaffeRossi">M</a>`, []string{"rel_me.missing"}},
		{"another profile", `<a rel="me" href="https://mastodon.social/@someoneelse">M</a>`, []string{"rel_me.missing"}},
		{"trailing slash", `<a rel="me" href="https://mastodon.social/@CaffeRossi/">M</a>`, []string{"rel_me.mismatch"}},
		{"http", `<a rel="me" href="http://mastodon.social/@CaffeRossi">M</a>`, []string{"rel_me.mismatch"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mkPage(t, "https://rossi.example/", "<html>"+tt.body+"</html>")
			fs := checkRelMe(p, []string{profile})
			if got := ids(fs); !slices.Equal(got, tt.want) {
				t.Fatalf("findings %q, want %q", got, tt.want)
			}
			if len(fs) > 0 && fs[0].FixArgs[0] != `<a rel="me" href="https://mastodon.social/@CaffeRossi">Mastodon</a>` {
				t.Errorf("fix %q", fs[0].FixArgs[0])
			}
		})
	}
	p := mkPage(t, "https://rossi.example/", `<a rel="me" href="https://a.example/@r">a</a>`)
	if got := ids(checkRelMe(p, []string{"https://a.example/@r", "https://b.example/@r"})); !slices.Equal(got, []string{"rel_me.missing"}) {
		t.Errorf("two profiles, one linked: %q", got)
	}
}
