package siteaudit

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
)

// mkPage parses an HTML page as if fetched from rawURL with these headers.
func mkPage(t *testing.T, rawURL, body string, header ...string) *page {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Add(header[i], header[i+1])
	}
	p := &page{Requested: rawURL, URL: u, Status: 200, Header: h}
	if err := p.parse([]byte(body), h.Get("Content-Type")); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParsePage(t *testing.T) {
	p := mkPage(t, "https://rossi.example/a/b", `<!doctype html><html lang="it-IT"><head>
		<title>  Caffè
		Rossi  </title>
		<meta property="og:title" content="OG">
		<meta name="description" content="Desc">
		<meta name="og:description" content="by name">
		<meta charset="utf-8">
		<link rel="Canonical" href="https://rossi.example/a/b">
		<link rel="shortcut icon" href="/f.ico">
		<base href="/base/">
		<script type="application/ld+json; charset=utf-8">{"@type":"Organization"}</script>
		<script>var x = "<title>no</title>";</script>
		</head><body>
		<svg><title>Not the page's title</title></svg>
		<p>short</p>
		<p>Un paragrafo abbastanza lungo da descrivere la pagina per intero.</p>
		<a rel="me  noopener" href="https://social.example/@rossi">Segui <b>su</b>
		Mastodon</a>
		<link rel="canonical" href="https://elsewhere.example/">
		</body></html>`)
	if p.Lang != "it-IT" || p.Title != "Caffè Rossi" {
		t.Errorf("lang %q title %q", p.Lang, p.Title)
	}
	for name, want := range map[string]string{"og:title": "OG", "description": "Desc", "og:description": "by name"} {
		if got := p.metaValue(name); got != want {
			t.Errorf("meta %s = %q, want %q", name, got, want)
		}
	}
	if len(p.JSONLD) != 1 || p.JSONLD[0] != `{"@type":"Organization"}` {
		t.Errorf("JSON-LD %q", p.JSONLD)
	}
	if p.Paragraph != "Un paragrafo abbastanza lungo da descrivere la pagina per intero." {
		t.Errorf("paragraph %q", p.Paragraph)
	}
	if p.Base == nil || p.Base.String() != "https://rossi.example/base/" {
		t.Errorf("base %v", p.Base)
	}
	if u, _ := p.resolve("x.png"); u.String() != "https://rossi.example/base/x.png" {
		t.Errorf("resolve against base: %s", u)
	}
	var me, canonicalInHead, canonicalInBody int
	for _, l := range p.Links {
		if l.hasRel("me") {
			me++
			if l.Text != "Segui su Mastodon" || l.Tag != "a" {
				t.Errorf("rel=me link %+v", l)
			}
		}
		if l.hasRel("canonical") {
			if l.InHead {
				canonicalInHead++
			} else {
				canonicalInBody++
			}
		}
	}
	if me != 1 || canonicalInHead != 1 || canonicalInBody != 1 {
		t.Errorf("me %d, canonical in head %d, in body %d", me, canonicalInHead, canonicalInBody)
	}
	if faviconLink(p) != "/f.ico" {
		t.Errorf("favicon %q", faviconLink(p))
	}
}

func TestParsePageCharset(t *testing.T) {
	p := mkPage(t, "https://rossi.example/", "<html><head><title>Citt\xe0</title></head></html>", "Content-Type", "text/html; charset=iso-8859-1")
	if p.Title != "Città" {
		t.Errorf("title %q", p.Title)
	}
	p = mkPage(t, "https://rossi.example/", `<html><head><meta charset="windows-1252"><title>Caff`+"\xe8"+`</title></head></html>`)
	if p.Title != "Caffè" {
		t.Errorf("title from meta charset %q", p.Title)
	}
}

func TestCompanyLinks(t *testing.T) {
	p := mkPage(t, "https://www.rossi.example/", `<body>
		<a href="/">Home</a>
		<a href="#orari">Orari</a>
		<a href="/prodotti">Prodotti</a>
		<a href="/chi-siamo#storia">La storia</a>
		<a href="/pagina?id=7">Chi siamo</a>
		<a href="https://www.rossi.example/contatti/">Scrivici</a>
		<a href="/chi-siamo">Chi siamo (again)</a>
		<a href="/brochure-azienda.pdf">Azienda (PDF)</a>
		<a href="https://rossi.example/about">About (other host)</a>
		<a href="https://partner.example/contatti">Partner</a>
		<a href="mailto:ciao@rossi.example">Contattaci</a>
		<a href="/team">Il team</a>
		<a href="/dove-siamo">Dove siamo</a>
	</body>`)
	want := []string{
		"https://www.rossi.example/chi-siamo",
		"https://www.rossi.example/pagina?id=7",
		"https://www.rossi.example/contatti/",
		"https://www.rossi.example/team",
	}
	if got := companyLinks(p, 4); !slices.Equal(got, want) {
		t.Errorf("companyLinks =\n %q\nwant\n %q", got, want)
	}
	if got := companyLinks(p, 0); len(got) != 0 {
		t.Errorf("limit 0: %q", got)
	}
}

func TestContactFacts(t *testing.T) {
	p1 := mkPage(t, "https://rossi.example/", `<a href="/x">x</a><a href="mailto:ciao@rossi.example?subject=Ciao">scrivi</a>`)
	p2 := mkPage(t, "https://rossi.example/contatti", `<a href="tel:+39%20051%20123456">chiama</a><a href="tel:+39000">altro</a>`)
	f := Facts{}
	contactFacts(f, []*page{p1, p2})
	if f["telephone"] != "+39 051 123456" || f["email"] != "ciao@rossi.example" {
		t.Errorf("facts %v", f)
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"una frase lunga da tagliare", 15, "una frase…"},
		{"parolaunicalunghissima", 10, "parolauni…"},
		{"caffè caffè caffè", 8, "caffè…"},
	}
	for _, tt := range tests {
		if got := clip(tt.in, tt.n); got != tt.want || runes(got) > tt.n {
			t.Errorf("clip(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestSameSite(t *testing.T) {
	u := func(s string) *url.URL { v, _ := url.Parse(s); return v }
	tests := []struct {
		a, b       string
		host, site bool
	}{
		{"https://rossi.example/", "https://ROSSI.example:443/x", true, true},
		{"https://rossi.example/", "http://rossi.example/", true, true},
		{"https://www.rossi.example/", "https://rossi.example/", false, true},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8081/", false, false},
		{"https://rossi.example/", "https://rossi.example.evil/", false, false},
	}
	for _, tt := range tests {
		if sameHost(u(tt.a), u(tt.b)) != tt.host || sameSite(u(tt.a), u(tt.b)) != tt.site {
			t.Errorf("%s vs %s: host %v site %v", tt.a, tt.b, sameHost(u(tt.a), u(tt.b)), sameSite(u(tt.a), u(tt.b)))
		}
	}
}

func TestRefreshTarget(t *testing.T) {
	tests := map[string]string{
		"0; url=/it/":                "/it/",
		"0;URL='https://r.example/'": "https://r.example/",
		"3, url=/home":               "/home",
		"0; /it/":                    "/it/",
		"30; url=/later":             "",
		"0":                          "",
		"-1; url=/x":                 "",
		"soon; url=/x":               "",
	}
	for in, want := range tests {
		if got := refreshTarget(in); got != want {
			t.Errorf("refreshTarget(%q) = %q, want %q", in, got, want)
		}
	}
}
