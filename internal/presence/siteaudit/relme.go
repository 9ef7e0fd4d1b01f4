package siteaudit

import (
	"net/url"
	"regexp"
	"strings"
)

// mastodonPath is the path of a Mastodon profile: /@name, or /@name@server
// for an account of another server seen from this one.
var mastodonPath = regexp.MustCompile(`^/@[A-Za-z0-9_.-]+(@[A-Za-z0-9.-]+)?/?$`)

// notMastodon are hosts whose profiles also look like /@name.
var notMastodon = map[string]bool{
	"youtube.com": true, "m.youtube.com": true, "tiktok.com": true, "threads.net": true,
	"threads.com": true, "medium.com": true, "x.com": true, "twitter.com": true,
	"instagram.com": true, "facebook.com": true, "linkedin.com": true, "bsky.app": true,
	"pinterest.com": true, "vimeo.com": true, "snapchat.com": true, "substack.com": true,
}

// IsMastodonProfile reports whether a profile address has the shape of a
// Mastodon profile (https://server/@name) on a host that is not a known
// network using the same shape (YouTube, TikTok, Threads, Medium...).
func IsMastodonProfile(raw string) bool {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return false
	}
	if notMastodon[strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")] {
		return false
	}
	return mastodonPath.MatchString(u.Path)
}

// mastodonProfiles returns the brand's Mastodon profiles: those it names,
// or those recognized among its profiles.
func mastodonProfiles(b Brand) []string {
	if b.Mastodon != nil {
		return b.Mastodon
	}
	var out []string
	for _, p := range b.Profiles {
		if IsMastodonProfile(p) {
			out = append(out, strings.TrimSpace(p))
		}
	}
	return out
}

// checkRelMe checks that the home page links to each Mastodon profile with
// rel="me". Mastodon marks the website of a profile as verified when the
// page has an <a> or <link> whose rel contains "me" and whose href is the
// profile's address, compared as written but for letter case.
func checkRelMe(home *page, profiles []string) []Finding {
	page := home.URL.String()
	var relMe []string
	for _, l := range home.Links {
		if l.hasRel("me") && l.Href != "" {
			relMe = append(relMe, l.Href)
		}
	}
	var out []Finding
	for _, profile := range profiles {
		tag := `<a rel="me" href="` + escAttr(profile) + `">Mastodon</a>`
		exact, near := false, ""
		for _, href := range relMe {
			if strings.EqualFold(href, profile) {
				exact = true
				break
			}
			if near == "" && looseURL(href) == looseURL(profile) {
				near = href
			}
		}
		switch {
		case exact:
		case near != "":
			out = append(out, newFinding("rel_me.mismatch", page, []any{near, profile}, tag))
		default:
			out = append(out, newFinding("rel_me.missing", page, []any{profile}, tag))
		}
	}
	return out
}

// looseURL reduces an address to its host and path, lowercased, without
// scheme, "www.", query, fragment or trailing slash.
func looseURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return strings.ToLower(strings.TrimSpace(raw))
	}
	return strings.TrimPrefix(strings.ToLower(u.Host), "www.") + strings.TrimRight(strings.ToLower(u.EscapedPath()), "/")
}
