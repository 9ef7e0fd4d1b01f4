package profileaudit

import (
	"errors"
	"net"
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/portavoce/portavoce/internal/provider"
)

// notMastodon are sites whose profile pages also read /@name.
var notMastodon = []string{"tiktok.com", "youtube.com", "medium.com", "threads.net", "threads.com", "instagram.com", "x.com", "twitter.com"}

// ParseProfileRef reads a profile address as a person pastes it and tells
// its network: a Bluesky page (https://bsky.app/profile/…) or handle
// (name.bsky.social, @name.bsky.social), a Mastodon page
// (https://instance/@name) or handle (@name@instance). ok is false for
// anything else: another network, or a bare name that could be either (a
// custom Bluesky handle like acme.com needs its page address).
func ParseProfileRef(address string) (ref ProfileRef, ok bool) {
	raw := strings.TrimSpace(address)
	lower := strings.ToLower(raw)
	if strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return ProfileRef{}, false
		}
		host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
		if host == "bsky.app" || strings.HasSuffix(host, ".bsky.app") {
			r := ProfileRef{Network: provider.Bluesky, URL: raw}
			if _, err := blueskyActor(r); err != nil {
				return ProfileRef{}, false
			}
			return r, true
		}
		for _, h := range notMastodon {
			if host == h || strings.HasSuffix(host, "."+h) {
				return ProfileRef{}, false
			}
		}
		r := ProfileRef{Network: provider.Mastodon, URL: raw}
		if _, _, err := mastodonRef(r); err != nil {
			return ProfileRef{}, false
		}
		return r, true
	}
	handle := strings.TrimPrefix(raw, "@")
	if strings.Contains(handle, "@") {
		r := ProfileRef{Network: provider.Mastodon, Handle: "@" + handle}
		if _, _, err := mastodonRef(r); err != nil {
			return ProfileRef{}, false
		}
		return r, true
	}
	if strings.HasSuffix(strings.ToLower(handle), ".bsky.social") && !strings.ContainsAny(handle, " /") {
		return ProfileRef{Network: provider.Bluesky, Handle: handle}, true
	}
	return ProfileRef{}, false
}

// mastodonRef finds the instance and the acct of a Mastodon profile from
// its page ("https://mastodon.social/@acme", ".../@acme@other.example",
// ".../users/acme") or its handle ("@acme@mastodon.social").
func mastodonRef(r ProfileRef) (instance, acct string, err error) {
	raw := strings.TrimSpace(r.URL)
	if raw == "" {
		raw = strings.TrimSpace(r.Handle)
	}
	lower := strings.ToLower(raw)
	if strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return "", "", errors.New("not a web address")
		}
		path := strings.Trim(u.Path, "/")
		switch {
		case strings.HasPrefix(path, "@"):
			acct = strings.SplitN(path[1:], "/", 2)[0]
		case strings.HasPrefix(path, "users/"):
			acct = strings.SplitN(strings.TrimPrefix(path, "users/"), "/", 2)[0]
		}
		if acct == "" {
			return "", "", errors.New("the address names no account (like https://mastodon.social/@name)")
		}
		return u.Scheme + "://" + u.Host, acct, nil
	}
	user, domain, ok := strings.Cut(strings.TrimPrefix(raw, "@"), "@")
	if !ok || user == "" || domain == "" || strings.ContainsAny(raw, " /") {
		return "", "", errors.New("not a Mastodon handle (like @name@mastodon.social)")
	}
	return "https://" + domain, user, nil
}

// blueskyActor finds the handle or DID of a Bluesky profile from its page
// ("https://bsky.app/profile/acme.com") or its handle.
func blueskyActor(r ProfileRef) (string, error) {
	raw := strings.TrimSpace(r.URL)
	if raw == "" {
		raw = strings.TrimSpace(r.Handle)
	}
	lower := strings.ToLower(raw)
	if strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") {
		u, err := url.Parse(raw)
		if err != nil {
			return "", errors.New("not a web address")
		}
		rest, ok := strings.CutPrefix(strings.Trim(u.Path, "/"), "profile/")
		actor := strings.SplitN(rest, "/", 2)[0]
		if !ok || actor == "" {
			return "", errors.New("the address names no profile (like https://bsky.app/profile/name.bsky.social)")
		}
		return actor, nil
	}
	actor := strings.TrimPrefix(raw, "@")
	if actor == "" || strings.ContainsAny(actor, " /") {
		return "", errors.New("not a Bluesky handle (like name.bsky.social)")
	}
	return actor, nil
}

// site is the brand's website as the checks compare links with it.
type site struct {
	// raw is the address as the brand gave it.
	raw string
	// host is the lower-cased host without "www."; port is kept only
	// when the address names one.
	host string
	// domain is the host when it can be a Bluesky handle (a name with
	// a dot, not an address), else empty.
	domain string
}

// parseSite reads the brand's website; a zero site when there is none.
func parseSite(raw string) site {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return site{}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		u, err = url.Parse("https://" + raw)
		if err != nil || u.Host == "" {
			return site{}
		}
		raw = "https://" + raw
	}
	s := site{raw: raw, host: hostKey(u)}
	name := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	if net.ParseIP(name) == nil && strings.Contains(name, ".") && u.Port() == "" {
		s.domain = name
	}
	return s
}

// hostKey is a link's host as compared with the site's.
func hostKey(u *url.URL) string {
	h := strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(u.Hostname()), "www."), ".")
	if p := u.Port(); p != "" {
		h += ":" + p
	}
	return h
}

// links finds web addresses in text: written with their scheme, or bare
// domain names (acme.com/shop); e-mail addresses and handles are not links.
var (
	schemeLink = regexp.MustCompile(`(?i)\bhttps?://[^\s<>"'()]+`)
	bareLink   = regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}@./:-])((?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+\p{L}{2,})(/[^\s<>"'()]*)?`)
)

func links(text string) []string {
	var out []string
	for _, m := range schemeLink.FindAllString(text, -1) {
		out = append(out, strings.TrimRight(m, ".,;:!?"))
	}
	rest := schemeLink.ReplaceAllString(text, " ")
	for _, m := range bareLink.FindAllStringSubmatch(rest, -1) {
		out = append(out, "https://"+m[1]+strings.TrimRight(m[2], ".,;:!?"))
	}
	return out
}

// pointsTo reports whether a link leads to the site: the same host, or
// one of its subdomains (shop.acme.com for acme.com). The path and the
// query (tracking parameters like utm_source) do not matter.
func (s site) pointsTo(link string) bool {
	if s.host == "" {
		return false
	}
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || u.Host == "" {
		return false
	}
	h := hostKey(u)
	return h == s.host || strings.HasSuffix(h, "."+s.host)
}

// normalName reduces a name to what a reader compares: letters and digits,
// lower-cased, accents and styled letters (𝐀𝐜𝐦𝐞, Ａｃｍｅ) taken to their
// plain form, emoji, spaces and punctuation dropped.
func normalName(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(strings.ToLower(s)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// handleName is the part of a handle people remember, compared across
// networks: Mastodon's user name, the first label of a Bluesky handle
// (acme.bsky.social and acme.com both give "acme"), without separators.
func handleName(p ProfileData) string {
	h := strings.TrimPrefix(p.Handle, "@")
	switch p.Network {
	case provider.Mastodon:
		h, _, _ = strings.Cut(h, "@")
	case provider.Bluesky:
		h, _, _ = strings.Cut(h, ".")
	}
	return strings.NewReplacer("_", "", "-", "", ".", "").Replace(strings.ToLower(h))
}

// networkName is a network as a message names it.
func networkName(network string) string {
	switch network {
	case provider.Mastodon:
		return "Mastodon"
	case provider.Bluesky:
		return "Bluesky"
	}
	return network
}
