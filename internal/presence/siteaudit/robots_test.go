package siteaudit

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestParseRobotsGroups(t *testing.T) {
	r := parseRobots([]byte("\xef\xbb\xbfDisallow: /before-any-agent\r\n" +
		"User-agent: Googlebot/2.1 # the version is not part of the token\r\n" +
		"user-agent: BingBot\r\n" +
		"\r\n" + // empty lines do not end a group
		"Disallow: /a\r\n" +
		"Crawl-delay: 10\r" + // a lone CR ends a line too
		"Allow: /a/b\n" +
		"User-agent: *\n" +
		"Disallow:\n" + // empty: no rule
		"Disallow: /private # comment\n" +
		"Sitemap: https://rossi.example/sitemap.xml\n" +
		"no colon here\n" +
		"User-agent: googlebot\n" +
		"Disallow: /merged\n"))
	if len(r.groups) != 3 {
		t.Fatalf("%d groups: %+v", len(r.groups), r.groups)
	}
	if !slices.Equal(r.groups[0].agents, []string{"googlebot", "bingbot"}) {
		t.Errorf("agents %q", r.groups[0].agents)
	}
	var lines []string
	for _, rule := range r.rulesFor("googlebot") {
		lines = append(lines, fmt.Sprintf("%s@%d", rule.text, rule.line))
	}
	if want := []string{"Disallow: /a@5", "Allow: /a/b@7", "Disallow: /merged@14"}; !slices.Equal(lines, want) {
		t.Errorf("googlebot rules %q, want %q", lines, want)
	}
	if rules := r.rulesFor("*"); len(rules) != 1 || rules[0].pattern != "/private" {
		t.Errorf("* rules %+v", rules)
	}
	if rules := r.rulesFor("duckduckbot"); len(rules) != 1 || rules[0].pattern != "/private" {
		t.Errorf("an unnamed crawler follows *: %+v", rules)
	}
	if !slices.Equal(r.sitemaps, []string{"https://rossi.example/sitemap.xml"}) {
		t.Errorf("sitemaps %q", r.sitemaps)
	}
}

func TestRobotsDecide(t *testing.T) {
	tests := []struct {
		name, robots, agent, path string
		allowed                   bool
	}{
		{"no rules", "", "googlebot", "/", true},
		{"disallow all", "User-agent: *\nDisallow: /", "googlebot", "/", false},
		{"robots.txt itself", "User-agent: *\nDisallow: /", "googlebot", "/robots.txt", true},
		{"prefix", "User-agent: *\nDisallow: /admin", "googlebot", "/administrator", false},
		{"not a prefix", "User-agent: *\nDisallow: /admin", "googlebot", "/the-admin", true},
		{"longest wins", "User-agent: *\nDisallow: /\nAllow: /chi-siamo", "googlebot", "/chi-siamo.html", true},
		{"longest wins, other way", "User-agent: *\nAllow: /\nDisallow: /chi", "googlebot", "/chi-siamo", false},
		{"tie goes to allow", "User-agent: *\nDisallow: /page\nAllow: /page", "googlebot", "/page", true},
		{"end anchor", "User-agent: *\nDisallow: /$", "googlebot", "/", false},
		{"end anchor, other path", "User-agent: *\nDisallow: /$", "googlebot", "/chi-siamo", true},
		{"wildcard", "User-agent: *\nDisallow: /*.pdf$", "googlebot", "/menu/pranzo.pdf", false},
		{"wildcard, no end", "User-agent: *\nDisallow: /*.pdf$", "googlebot", "/menu.pdf?v=2", true},
		{"wildcard in the middle", "User-agent: *\nDisallow: /*/privato/", "googlebot", "/it/privato/x", false},
		{"query", "User-agent: *\nDisallow: /*?id=", "googlebot", "/pagina?id=7", false},
		{"case sensitive path", "User-agent: *\nDisallow: /Admin", "googlebot", "/admin", true},
		{"googlebot group replaces *", "User-agent: *\nDisallow: /\n\nUser-agent: Googlebot\nAllow: /", "googlebot", "/", true},
		{"* still blocks others", "User-agent: *\nDisallow: /\n\nUser-agent: Googlebot\nAllow: /", "*", "/", false},
		{"googlebot-image is not googlebot", "User-agent: Googlebot-Image\nDisallow: /", "googlebot", "/", true},
		{"agent case", "User-agent: GOOGLEBOT\nDisallow: /", "googlebot", "/", false},
		{"percent-encoding of unreserved", "User-agent: *\nDisallow: /%7Emario", "googlebot", "/~mario/", false},
		{"percent-encoding case", "User-agent: *\nDisallow: /caff%c3%a8", "googlebot", "/caff%C3%A8", false},
		{"raw UTF-8 in the rule", "User-agent: *\nDisallow: /caffè", "googlebot", "/caff%C3%A8", false},
		{"empty disallow allows", "User-agent: *\nDisallow:", "googlebot", "/", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allowed, _ := parseRobots([]byte(tt.robots)).decide(tt.agent, tt.path)
			if allowed != tt.allowed {
				t.Errorf("%q for %s on %s: allowed %v, want %v", tt.robots, tt.agent, tt.path, allowed, tt.allowed)
			}
		})
	}
}

func TestMatchRobots(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"/", "/", true},
		{"/a", "/", false},
		{"*", "", true},
		{"/*", "/x", true},
		{"/a*b*c$", "/axxbyyc", true},
		{"/a*b*c$", "/axxbyycd", false},
		{"/a$", "/a", true},
		{"/a$", "/ab", false},
		{"/$x", "/$x", true}, // "$" is special only at the end
		{"**", "/anything", true},
	}
	for _, tt := range tests {
		if got := matchRobots(tt.pattern, tt.path); got != tt.want {
			t.Errorf("matchRobots(%q, %q) = %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
	// A hostile pattern cannot make matching explode: this returns at
	// once instead of backtracking through every split of the path.
	pattern := strings.Repeat("*a", 500) + "$"
	if matchRobots(pattern, "/"+strings.Repeat("a", 400)+"b") {
		t.Error("hostile pattern matched")
	}
}

func TestCheckRobots(t *testing.T) {
	u := func(s string) *url.URL { v, _ := url.Parse(s); return v }
	pages := []*page{
		{URL: u("https://rossi.example/")},
		{URL: u("https://rossi.example/chi-siamo")},
		{URL: u("https://rossi.example/contatti?lang=it")},
		{URL: u("https://other.example/contatti")},
	}
	res := robotsResult{origin: u("https://rossi.example"), txt: parseRobots([]byte(
		"User-agent: *\nDisallow: /contatti\n\nUser-agent: Googlebot\nDisallow: /$\nDisallow: /contatti\n"))}
	fs := checkRobots(res, pages)
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.Check+" "+f.Page+" "+f.Args[0].(string)+" | "+f.Fix[strings.IndexByte(f.Fix, '\n')+1:])
	}
	want := []string{
		"robots.blocks_home https://rossi.example/ Googlebot | line 5: Disallow: /$",
		"robots.blocks_page https://rossi.example/contatti?lang=it Googlebot and every other crawler | line 6: Disallow: /contatti\nline 2: Disallow: /contatti",
	}
	if !slices.Equal(ids, want) {
		t.Errorf("findings\n %q\nwant\n %q", ids, want)
	}
	if fs := checkRobots(robotsResult{origin: u("https://rossi.example")}, pages); fs != nil {
		t.Errorf("no robots.txt: %v", fs)
	}
	star := robotsResult{origin: u("https://rossi.example"), txt: parseRobots([]byte("User-agent: *\nDisallow: /\nUser-agent: googlebot\nAllow: /\n"))}
	if fs := checkRobots(star, pages[:1]); len(fs) != 1 || fs[0].Args[0] != "every crawler but Googlebot (User-agent: *)" || fs[0].Severity != Critical {
		t.Errorf("blocked for * only: %+v", fs)
	}
}
