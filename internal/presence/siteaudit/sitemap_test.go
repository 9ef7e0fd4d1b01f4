package siteaudit

import (
	"bytes"
	"compress/gzip"
	"errors"
	"slices"
	"strings"
	"testing"
)

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestParseSitemap(t *testing.T) {
	urlset := `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url><loc> https://rossi.example/ </loc><lastmod>2026-01-01</lastmod></url>
  <url><loc>https://rossi.example/caff%C3%A8?a=1&amp;b=2</loc>
    <image:image><image:loc>https://rossi.example/og.png</image:loc></image:image></url>
</urlset>`
	wantURLs := []string{"https://rossi.example/", "https://rossi.example/caff%C3%A8?a=1&b=2"}
	tests := []struct {
		name     string
		body     []byte
		urls     []string
		children []string
		err      string
	}{
		{name: "urlset", body: []byte(urlset), urls: wantURLs},
		{name: "gzip", body: gz(t, urlset), urls: wantURLs},
		{name: "index", body: []byte(`<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
			<sitemap><loc>https://rossi.example/s1.xml</loc></sitemap><sitemap><loc>https://rossi.example/s2.xml.gz</loc></sitemap></sitemapindex>`),
			children: []string{"https://rossi.example/s1.xml", "https://rossi.example/s2.xml.gz"}},
		{name: "text", body: []byte("https://rossi.example/\r\n\r\nhttps://rossi.example/contatti\n"), urls: []string{"https://rossi.example/", "https://rossi.example/contatti"}},
		{name: "latin-1", body: []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><urlset><url><loc>https://rossi.example/citt\xe0</loc></url></urlset>"), urls: []string{"https://rossi.example/città"}},
		{name: "html page", body: []byte("<!doctype html><html><body>not found</body></html>"), err: "root element is <html>"},
		{name: "broken xml", body: []byte("<urlset><url><loc>https://rossi.example/</url></urlset>"), err: "element <loc> closed by </url>"},
		{name: "text with a non-address", body: []byte("https://rossi.example/\nhello\n"), err: `"hello" is not an address`},
		{name: "empty", body: nil, err: "empty"},
		{name: "gzip bomb", body: gz(t, "<urlset>"+strings.Repeat(" ", 1<<20)+"</urlset>"), err: "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			urls, children, err := parseSitemap(tt.body, 64<<10)
			if tt.err != "" {
				if !errors.Is(err, errNotSitemap) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(urls, tt.urls) || !slices.Equal(children, tt.children) {
				t.Errorf("urls %q children %q, want %q %q", urls, children, tt.urls, tt.children)
			}
		})
	}
}

func TestURLKey(t *testing.T) {
	same := [][2]string{
		{"https://Rossi.Example:443", "https://rossi.example/"},
		{"HTTP://rossi.example:80/a?x=1#frag", "http://rossi.example/a?x=1"},
	}
	for _, s := range same {
		if urlKey(s[0]) != urlKey(s[1]) {
			t.Errorf("%s and %s differ: %s, %s", s[0], s[1], urlKey(s[0]), urlKey(s[1]))
		}
	}
	different := [][2]string{
		{"https://rossi.example/", "http://rossi.example/"},
		{"https://rossi.example/", "https://www.rossi.example/"},
		{"https://rossi.example/a", "https://rossi.example/a/"},
		{"https://rossi.example/A", "https://rossi.example/a"},
	}
	for _, d := range different {
		if urlKey(d[0]) == urlKey(d[1]) {
			t.Errorf("%s and %s are the same: %s", d[0], d[1], urlKey(d[0]))
		}
	}
}

func TestSuggestedSitemap(t *testing.T) {
	pages := []*page{
		mkPage(t, "https://rossi.example/", `<link rel="canonical" href="https://rossi.example/">`),
		mkPage(t, "https://rossi.example/chi-siamo?a=1&b=2", `<link rel="canonical" href="https://elsewhere.example/">`),
	}
	got := suggestedSitemap(pages)
	for _, want := range []string{"<loc>https://rossi.example/</loc>", "<loc>https://rossi.example/chi-siamo?a=1&amp;b=2</loc>"} {
		if !strings.Contains(got, want) {
			t.Errorf("sitemap lacks %s:\n%s", want, got)
		}
	}
	if _, _, err := parseSitemap([]byte(got), 1<<20); err != nil {
		t.Errorf("the suggested sitemap does not parse: %v", err)
	}
}
