package siteaudit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/portavoce/portavoce/internal/netguard"
)

// robotsRule is an Allow or Disallow line of robots.txt.
type robotsRule struct {
	allow   bool
	pattern string // percent-encoding normalized
	line    int
	text    string // the line as written
}

// robotsGroup is a group of robots.txt: its user agents and its rules.
type robotsGroup struct {
	agents []string // lowercased product tokens, "*" included
	rules  []robotsRule
}

// robotsTxt is a parsed robots.txt (RFC 9309).
type robotsTxt struct {
	groups   []robotsGroup
	sitemaps []string
}

// parseRobots reads robots.txt as RFC 9309 says: lines of "key: value"
// with # comments; one or more user-agent lines start a group, the allow
// and disallow lines after them are its rules, and a user-agent line after
// a rule starts a new group. Rules before any user-agent line, unknown keys
// and malformed lines are ignored. Sitemap lines belong to no group.
func parseRobots(body []byte) *robotsTxt {
	r := &robotsTxt{}
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	cur := -1 // the group being read, an index since r.groups grows
	lastWasAgent := false
	for i, raw := range splitLines(string(body)) {
		n := i + 1
		line := raw
		if c := strings.IndexByte(line, '#'); c >= 0 {
			line = line[:c]
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		value = strings.TrimSpace(value)
		switch key {
		case "user-agent":
			if !lastWasAgent || cur < 0 {
				r.groups = append(r.groups, robotsGroup{})
				cur = len(r.groups) - 1
			}
			r.groups[cur].agents = append(r.groups[cur].agents, productToken(value))
			lastWasAgent = true
		case "allow", "disallow":
			lastWasAgent = false
			if cur < 0 || value == "" {
				continue
			}
			r.groups[cur].rules = append(r.groups[cur].rules, robotsRule{
				allow:   key == "allow",
				pattern: normalizePercent(value),
				line:    n,
				text:    strings.TrimSpace(raw),
			})
		case "sitemap":
			if value != "" {
				r.sitemaps = append(r.sitemaps, value)
			}
		default:
			// Other keys (crawl-delay...) neither end a group nor
			// belong to one.
		}
	}
	return r
}

// splitLines splits s at CR, LF and CRLF, keeping empty lines so that
// line numbers are right.
func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i])
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
	return out
}

// productToken reduces a user-agent value to the token crawlers match,
// lowercased: "Googlebot/2.1" and "Googlebot" are the same group.
func productToken(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if i := strings.IndexAny(v, "/ \t"); i >= 0 {
		v = v[:i]
	}
	return v
}

// rulesFor returns the rules that apply to a crawler (a lowercased product
// token): those of every group naming it, merged, or when none does, those
// of the "*" groups. A nil slice means everything is allowed.
func (r *robotsTxt) rulesFor(agent string) []robotsRule {
	var named, star []robotsRule
	foundNamed := false
	for _, g := range r.groups {
		for _, a := range g.agents {
			if a == agent && agent != "*" {
				named = append(named, g.rules...)
				foundNamed = true
				break
			}
			if a == "*" {
				star = append(star, g.rules...)
				break
			}
		}
	}
	if foundNamed {
		return named
	}
	return star
}

// decide tells whether the crawler may fetch the path (with its query),
// and the rule that decided: the matching rule with the longest pattern,
// Allow winning a tie (RFC 9309, 2.2.2). No matching rule allows.
func (r *robotsTxt) decide(agent, pathQuery string) (bool, *robotsRule) {
	if pathQuery == "/robots.txt" {
		return true, nil
	}
	target := normalizePercent(pathQuery)
	var best *robotsRule
	rules := r.rulesFor(agent)
	for i := range rules {
		rule := &rules[i]
		if !matchRobots(rule.pattern, target) {
			continue
		}
		if best == nil || len(rule.pattern) > len(best.pattern) ||
			len(rule.pattern) == len(best.pattern) && rule.allow && !best.allow {
			best = rule
		}
	}
	if best == nil {
		return true, nil
	}
	return best.allow, best
}

// matchRobots reports whether a robots.txt pattern matches a path: the
// pattern matches from the start of the path, "*" matches any run of
// characters and a final "$" anchors the end. It runs in time
// proportional to len(pattern)×len(path), whatever the pattern.
func matchRobots(pattern, path string) bool {
	anchored := strings.HasSuffix(pattern, "$")
	if anchored {
		pattern = pattern[:len(pattern)-1]
	}
	// pos holds, in increasing order, every position of path that the
	// pattern read so far can end at.
	pos := []int{0}
	next := make([]int, 0, len(path)+1)
	for i := 0; i < len(pattern); i++ {
		next = next[:0]
		if pattern[i] == '*' {
			for j := pos[0]; j <= len(path); j++ {
				next = append(next, j)
			}
		} else {
			for _, p := range pos {
				if p < len(path) && path[p] == pattern[i] {
					next = append(next, p+1)
				}
			}
		}
		if len(next) == 0 {
			return false
		}
		pos, next = next, pos
	}
	if !anchored {
		return true
	}
	return pos[len(pos)-1] == len(path)
}

// normalizePercent writes a pattern or path the same way whatever its
// author's choices: percent-escapes in upper case, unreserved characters
// unescaped, other bytes outside printable ASCII escaped.
func normalizePercent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			v := unhex(s[i+1])<<4 | unhex(s[i+2])
			if isUnreserved(v) {
				b.WriteByte(v)
			} else {
				fmt.Fprintf(&b, "%%%02X", v)
			}
			i += 2
		case c <= 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// robotsResult is what reading robots.txt found.
type robotsResult struct {
	// txt is nil when there is no file (or it cannot be read): everything
	// is then allowed, as for Google.
	txt *robotsTxt
	// origin is scheme://host of the site robots.txt governs.
	origin *url.URL
}

// readRobots fetches the home page's host's robots.txt. A 4xx answer means
// no rules (RFC 9309: the file is unavailable); a server error, or no
// answer, is a finding, since Google then stops crawling the site.
func (a *auditor) readRobots(ctx context.Context, home *page) (robotsResult, []Finding) {
	origin := &url.URL{Scheme: home.URL.Scheme, Host: home.URL.Host}
	res := robotsResult{origin: origin}
	robotsURL := origin.String() + "/robots.txt"
	resp, err := a.fetch.get(ctx, robotsURL, "text/plain,*/*;q=0.1", bodyLimit{max: MaxRobotsBytes, truncate: true})
	switch {
	case errors.Is(err, netguard.ErrTooManyRedirects):
		// RFC 9309 2.3.1.2: past five redirects the file may be taken
		// as unavailable.
		a.facts["robots.txt"] = "unavailable (too many redirects)"
		return res, nil
	case err != nil:
		a.facts["robots.txt"] = "unreachable"
		return res, []Finding{newFinding("robots.unreachable", home.URL.String(), []any{reason(err)}, robotsURL)}
	case resp.Status >= 500:
		a.facts["robots.txt"] = fmt.Sprintf("HTTP %d", resp.Status)
		return res, []Finding{newFinding("robots.unreachable", home.URL.String(), []any{fmt.Sprintf("HTTP %d", resp.Status)}, robotsURL)}
	case resp.Status >= 400:
		a.facts["robots.txt"] = fmt.Sprintf("none (HTTP %d)", resp.Status)
		return res, nil
	case resp.Status < 200 || resp.Status > 299:
		a.facts["robots.txt"] = fmt.Sprintf("HTTP %d", resp.Status)
		return res, nil
	}
	a.facts["robots.txt"] = robotsURL
	res.txt = parseRobots(resp.Body)
	return res, nil
}

// googlebot is the product token of Google's crawler.
const googlebot = "googlebot"

// checkRobots finds the audited pages that robots.txt forbids to Googlebot
// or to every crawler ("*").
func checkRobots(res robotsResult, pages []*page) []Finding {
	if res.txt == nil {
		return nil
	}
	var out []Finding
	for i, p := range pages {
		if !sameHost(p.URL, res.origin) {
			continue
		}
		target := p.URL.EscapedPath()
		if target == "" {
			target = "/"
		}
		if p.URL.RawQuery != "" {
			target += "?" + p.URL.RawQuery
		}
		gAllowed, gRule := res.txt.decide(googlebot, target)
		sAllowed, sRule := res.txt.decide("*", target)
		if gAllowed && sAllowed {
			continue
		}
		var who string
		var lines []string
		seen := map[int]bool{}
		add := func(r *robotsRule) {
			if r != nil && !seen[r.line] {
				seen[r.line] = true
				lines = append(lines, fmt.Sprintf("line %d: %s", r.line, r.text))
			}
		}
		switch {
		case !gAllowed && !sAllowed:
			who = "Googlebot and every other crawler"
			add(gRule)
			add(sRule)
		case !gAllowed:
			who = "Googlebot"
			add(gRule)
		default:
			who = "every crawler but Googlebot (User-agent: *)"
			add(sRule)
		}
		fix := strings.Join(lines, "\n")
		if i == 0 {
			out = append(out, newFinding("robots.blocks_home", p.URL.String(), []any{who}, fix))
		} else {
			out = append(out, newFinding("robots.blocks_page", p.URL.String(), []any{who, p.URL.String()}, fix))
		}
	}
	return out
}
