package siteaudit

import (
	"slices"
	"strings"
	"testing"
)

func TestCheckCanonical(t *testing.T) {
	tests := []struct {
		name, url, head string
		want            []string
		fix             string
	}{
		{"absolute", "https://rossi.example/a", `<link rel="canonical" href="https://rossi.example/a">`, nil, ""},
		{"www variant is the same site", "https://rossi.example/a", `<link rel="canonical" href="https://www.rossi.example/a">`, nil, ""},
		{"missing", "https://rossi.example/a?utm=1", ``, []string{"canonical.missing"}, `<link rel="canonical" href="https://rossi.example/a?utm=1">`},
		{"relative", "https://rossi.example/a", `<link rel="canonical" href="/a">`, []string{"canonical.relative"}, `<link rel="canonical" href="https://rossi.example/a">`},
		{"other site", "https://rossi.example/", `<link rel="canonical" href="https://shop.example/">`, []string{"canonical.other_site"}, `<link rel="canonical" href="https://rossi.example/">`},
		{"two different", "https://rossi.example/", `<link rel="canonical" href="https://rossi.example/"><link rel="canonical" href="https://rossi.example/home">`, []string{"canonical.conflicting"}, ""},
		{"two equal", "https://rossi.example/", `<link rel="canonical" href="https://rossi.example/"><link rel="canonical" href="/">`, []string{"canonical.relative"}, ""},
		{"in the body only", "https://rossi.example/", `</head><body><link rel="canonical" href="https://rossi.example/">`, []string{"canonical.missing"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mkPage(t, tt.url, "<html><head>"+tt.head+"</head></html>")
			fs := checkCanonical(p)
			if got := ids(fs); !slices.Equal(got, tt.want) {
				t.Fatalf("findings %q, want %q", got, tt.want)
			}
			if tt.fix != "" && fs[0].FixArgs[0] != tt.fix {
				t.Errorf("fix %q, want %q", fs[0].FixArgs[0], tt.fix)
			}
		})
	}
}

func TestCheckLang(t *testing.T) {
	tests := []struct {
		html   string
		header []string
		want   string // the fix, "" for no finding
	}{
		{`<html lang="it"><head></head></html>`, nil, ""},
		{`<html lang=" "><head></head></html>`, nil, `<html lang="it">`},
		{`<html><head><meta property="og:locale" content="en_GB"></head></html>`, nil, `<html lang="en">`},
		{`<html><head></head></html>`, []string{"Content-Language", "de, en"}, `<html lang="de">`},
	}
	for _, tt := range tests {
		fs := checkLang(mkPage(t, "https://r.example/", tt.html, tt.header...))
		got := ""
		if len(fs) == 1 {
			got = fs[0].FixArgs[0].(string)
		}
		if got != tt.want || len(fs) > 1 {
			t.Errorf("%s: fix %q, want %q", tt.html, got, tt.want)
		}
	}
}

func TestCheckTitleAndDescription(t *testing.T) {
	b := Brand{Name: "Caffè Rossi"}
	title := func(s string) string { return "<title>" + s + "</title>" }
	desc := func(n int) string { return `<meta name="description" content="` + strings.Repeat("è", n) + `">` }
	tests := []struct {
		head string
		want []string
	}{
		{title(strings.Repeat("è", 30)) + desc(70), nil},
		{title(strings.Repeat("è", 60)) + desc(160), nil},
		{title(strings.Repeat("è", 29)) + desc(69), []string{"title.too_short", "description.too_short"}},
		{title(strings.Repeat("è", 61)) + desc(161), []string{"title.too_long", "description.too_long"}},
		{title("   ") + `<meta name="description" content="">`, []string{"title.missing", "description.missing"}},
		{``, []string{"title.missing", "description.missing"}},
		// The description is name=, not property=.
		{title(strings.Repeat("a", 40)) + `<meta property="description" content="` + strings.Repeat("a", 80) + `">`, []string{"description.missing"}},
	}
	for _, tt := range tests {
		p := mkPage(t, "https://r.example/", "<html><head>"+tt.head+"</head></html>")
		got := append(ids(checkTitle(p, b)), ids(checkDescription(p))...)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%.60s…: %q, want %q", tt.head, got, tt.want)
		}
	}
}

func TestSuggestions(t *testing.T) {
	p := mkPage(t, "https://r.example/", `<html><head><title>Home</title>
		<meta property="og:title" content="Caffè Rossi – Torrefazione">
		<meta property="og:description" content="Caffè tostato a Bologna dal 1952.">
		</head><body><p>Una torrefazione di famiglia nel centro di Bologna, con caffetteria e corsi di degustazione.</p></body></html>`)
	if got := suggestTitle(p, Brand{Name: "Caffè Rossi"}); got != "Home – Caffè Rossi – Torrefazione" {
		t.Errorf("title %q", got)
	}
	d := suggestDescription(p)
	if n := runes(d); n < minDescription || n > maxDescription {
		t.Errorf("description of %d characters: %q", n, d)
	}
	if !strings.HasPrefix(d, "Una torrefazione di famiglia") {
		t.Errorf("description %q does not start with the longest summary", d)
	}
	long := mkPage(t, "https://r.example/", "<title>"+strings.Repeat("parola ", 20)+"</title>")
	if fs := checkTitle(long, Brand{}); runes(fs[0].FixArgs[0].(string)) > maxTitle+len("<title></title>") {
		t.Errorf("the shortened title is too long: %q", fs[0].FixArgs[0])
	}
}

func TestCheckNoindex(t *testing.T) {
	tests := []struct {
		name   string
		head   string
		header []string
		want   string // the argument, "" for none
	}{
		{"nothing", ``, nil, ""},
		{"index", `<meta name="robots" content="index, follow">`, nil, ""},
		{"robots noindex", `<meta name="ROBOTS" content="NoIndex">`, nil, `<meta name="robots" content="NoIndex">`},
		{"none", `<meta name="googlebot" content="none">`, nil, `<meta name="googlebot" content="none">`},
		{"other crawler", `<meta name="bingbot" content="noindex">`, nil, ""},
		{"nofollow only", `<meta name="robots" content="nofollow">`, nil, ""},
		{"header", ``, []string{"X-Robots-Tag", "noarchive, noindex"}, "X-Robots-Tag: noarchive, noindex"},
		{"header for googlebot", ``, []string{"X-Robots-Tag", "googlebot: noindex"}, "X-Robots-Tag: googlebot: noindex"},
		{"header for another crawler", ``, []string{"X-Robots-Tag", "otherbot: noindex, nofollow"}, ""},
		{"unavailable_after is no crawler", ``, []string{"X-Robots-Tag", "unavailable_after: 2030-01-01"}, ""},
		{"both", `<meta name="robots" content="noindex">`, []string{"X-Robots-Tag", "none"}, `<meta name="robots" content="noindex">, X-Robots-Tag: none`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mkPage(t, "https://r.example/", "<html><head>"+tt.head+"</head></html>", tt.header...)
			for _, home := range []bool{true, false} {
				fs := checkNoindex(p, home)
				got := ""
				if len(fs) == 1 {
					got = fs[0].Args[0].(string)
					if wantID := map[bool]string{true: "noindex.home", false: "noindex.page"}[home]; fs[0].Check != wantID {
						t.Errorf("check %s, want %s", fs[0].Check, wantID)
					}
				}
				if got != tt.want || len(fs) > 1 {
					t.Errorf("got %q, want %q", got, tt.want)
				}
			}
		})
	}
}

func TestFaviconFindings(t *testing.T) {
	home := mkPage(t, "https://r.example/", "<title>x</title>")
	tests := []struct {
		declared string
		info     imageInfo
		want     string
	}{
		{"/f.png", imageInfo{URL: "https://r.example/f.png", Status: 200, Format: "png"}, ""},
		{"/f.svg", imageInfo{URL: "https://r.example/f.svg", Status: 200, Format: "svg"}, ""},
		{"", imageInfo{URL: "https://r.example/favicon.ico", Status: 200, Format: "ico"}, ""},
		{"", imageInfo{URL: "https://r.example/favicon.ico", Status: 404}, "favicon.missing"},
		{"", imageInfo{URL: "https://r.example/favicon.ico", Status: 200, ContentType: "text/html"}, "favicon.missing"},
		{"/f.png", imageInfo{URL: "https://r.example/f.png", Status: 404}, "favicon.broken"},
		{"/f.png", imageInfo{URL: "https://r.example/f.png", Status: 200, ContentType: "text/html"}, "favicon.broken"},
		{"/f.png", imageInfo{URL: "https://r.example/f.png", Status: 200, ContentType: "image/png"}, "favicon.broken"},
		{"/f.bmp", imageInfo{URL: "https://r.example/f.bmp", Status: 200, ContentType: "image/bmp"}, ""},
	}
	for _, tt := range tests {
		fs := faviconFindings(home, tt.declared, tt.info)
		got := ""
		if len(fs) == 1 {
			got = fs[0].Check
		}
		if got != tt.want || len(fs) > 1 {
			t.Errorf("%q %+v: %q, want %q", tt.declared, tt.info, got, tt.want)
		}
	}
}

func TestDefaultFaviconIsAtTheRoot(t *testing.T) {
	home := mkPage(t, "https://r.example/it/", `<html><head><base href="https://cdn.example/assets/"></head></html>`)
	a := &auditor{
		fetch:  newFetcher(guarded(), Options{}.withDefaults()),
		facts:  Facts{},
		images: map[string]imageInfo{"https://r.example/favicon.ico": {URL: "https://r.example/favicon.ico", Status: 200, Format: "ico"}},
	}
	if fs := a.checkFavicon(t.Context(), home); len(fs) != 0 {
		t.Errorf("findings %q: /favicon.ico was not looked for at the root of the host", ids(fs))
	}
	if a.facts["favicon"] != "https://r.example/favicon.ico" {
		t.Errorf("favicon fact %q", a.facts["favicon"])
	}
}
