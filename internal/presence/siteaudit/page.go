package siteaudit

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
)

// page is an audited HTML page and what the checks need from it.
type page struct {
	// Requested is the address asked for; URL the final one.
	Requested string
	URL       *url.URL
	Status    int
	Header    http.Header

	// Lang is the lang attribute of <html>.
	Lang string
	// Title is the first <title> outside SVG, white space collapsed.
	Title    string
	HasTitle bool
	Metas    []metaTag
	Links    []linkTag
	// JSONLD are the texts of the application/ld+json scripts, in order.
	JSONLD []string
	// Base is the <base href>, resolved.
	Base *url.URL
	// Paragraph is the first paragraph long enough to describe the page.
	Paragraph string
	// Refresh is the address of a <meta http-equiv="refresh"> that sends
	// the reader elsewhere at once (within refreshDelay seconds).
	Refresh string

	// problem is set when the answer was not an HTML page.
	problem *Finding
}

// metaTag is a <meta> with a name or property.
type metaTag struct {
	// Name is the name or property, lowercased.
	Name    string
	Content string
	// Property tells property= from name=.
	Property bool
}

// linkTag is a <link> or an <a> with an href.
type linkTag struct {
	Tag string // "link" or "a"
	// Rel are the lowercased tokens of rel.
	Rel    []string
	Href   string
	InHead bool
	// Text is the text of an <a>, white space collapsed.
	Text string
}

func (l linkTag) hasRel(token string) bool {
	for _, r := range l.Rel {
		if r == token {
			return true
		}
	}
	return false
}

// parse reads the page's HTML, decoded from the charset its content type or
// its bytes declare.
func (p *page) parse(body []byte, contentType string) error {
	var r io.Reader = bytes.NewReader(body)
	if len(body) > 0 {
		dec, err := charset.NewReader(r, contentType)
		if err != nil {
			return err
		}
		r = dec
	}
	doc, err := html.Parse(r)
	if err != nil {
		return err
	}
	p.walk(doc, false)
	return nil
}

func (p *page) walk(n *html.Node, inHead bool) {
	if n.Type == html.ElementNode && n.Namespace == "" {
		switch n.DataAtom {
		case atom.Html:
			if p.Lang == "" {
				p.Lang = strings.TrimSpace(attr(n, "lang"))
			}
		case atom.Head:
			inHead = true
		case atom.Title:
			if !p.HasTitle {
				p.Title, p.HasTitle = collapse(textOf(n)), true
			}
			return
		case atom.Meta:
			content, hasContent := attrOK(n, "content")
			if !hasContent {
				break
			}
			if strings.EqualFold(strings.TrimSpace(attr(n, "http-equiv")), "refresh") && p.Refresh == "" {
				p.Refresh = refreshTarget(content)
			}
			if prop := strings.ToLower(strings.TrimSpace(attr(n, "property"))); prop != "" {
				p.Metas = append(p.Metas, metaTag{Name: prop, Content: content, Property: true})
			}
			if name := strings.ToLower(strings.TrimSpace(attr(n, "name"))); name != "" {
				p.Metas = append(p.Metas, metaTag{Name: name, Content: content})
			}
		case atom.Link, atom.A:
			href, ok := attrOK(n, "href")
			if !ok {
				break
			}
			l := linkTag{Tag: n.Data, Rel: strings.Fields(strings.ToLower(attr(n, "rel"))), Href: strings.TrimSpace(href), InHead: inHead}
			if n.DataAtom == atom.A {
				l.Text = clip(collapse(textOf(n)), 200)
			}
			p.Links = append(p.Links, l)
		case atom.Base:
			if href := strings.TrimSpace(attr(n, "href")); href != "" && p.Base == nil {
				if b, err := p.URL.Parse(href); err == nil {
					p.Base = b
				}
			}
		case atom.Script:
			mt, _, _ := mime.ParseMediaType(attr(n, "type"))
			if strings.EqualFold(mt, "application/ld+json") {
				p.JSONLD = append(p.JSONLD, textOf(n))
			}
			return
		case atom.Style, atom.Template, atom.Noscript:
			return
		case atom.P:
			if p.Paragraph == "" {
				if t := collapse(textOf(n)); utf8.RuneCountInString(t) >= 40 {
					p.Paragraph = t
				}
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		p.walk(c, inHead)
	}
}

// refreshDelay is the longest delay of a meta refresh taken as a redirect:
// Google treats an instant one as a permanent redirect.
const refreshDelay = 5

// refreshTarget reads the content of a meta refresh ("0; url=/it/") and
// returns its address when it redirects within refreshDelay seconds.
func refreshTarget(content string) string {
	i := strings.IndexAny(content, ";,")
	if i < 0 {
		return "" // a delay alone reloads the same page
	}
	secs, err := strconv.ParseFloat(strings.TrimSpace(content[:i]), 64)
	if err != nil || secs < 0 || secs > refreshDelay {
		return ""
	}
	rest := strings.TrimSpace(content[i+1:])
	if k, v, ok := strings.Cut(rest, "="); ok && strings.EqualFold(strings.TrimSpace(k), "url") {
		rest = strings.TrimSpace(v)
	}
	return strings.Trim(rest, `"' `)
}

// named returns the content of the first <meta name=...> (not property=)
// with this name, trimmed.
func (p *page) named(name string) string {
	for _, m := range p.Metas {
		if m.Name == name && !m.Property {
			return strings.TrimSpace(m.Content)
		}
	}
	return ""
}

// metaValue returns the content of the first meta tag with this name or
// property, trimmed.
func (p *page) metaValue(name string) string {
	for _, m := range p.Metas {
		if m.Name == name {
			return strings.TrimSpace(m.Content)
		}
	}
	return ""
}

// resolve makes href absolute against the page's base.
func (p *page) resolve(href string) (*url.URL, error) {
	base := p.URL
	if p.Base != nil {
		base = p.Base
	}
	u, err := base.Parse(strings.TrimSpace(href))
	if err != nil {
		return nil, err
	}
	u.Fragment = ""
	return u, nil
}

func attr(n *html.Node, key string) string {
	v, _ := attrOK(n, key)
	return v
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, key) {
			return a.Val, true
		}
	}
	return "", false
}

// textOf concatenates the text inside n.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// collapse trims s and reduces its runs of white space to one space.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// runes counts the characters of s.
func runes(s string) int { return utf8.RuneCountInString(s) }

// clip shortens s to at most n characters, cutting at a word boundary when
// there is one in the second half and ending with an ellipsis.
func clip(s string, n int) string {
	if runes(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.-–—") + "…"
}

var (
	attrEscaper = strings.NewReplacer("&", "&amp;", `"`, "&quot;", "<", "&lt;", ">", "&gt;")
	textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
)

// escAttr escapes s for an HTML attribute value in double quotes.
func escAttr(s string) string { return attrEscaper.Replace(s) }

// escText escapes s for HTML or XML text.
func escText(s string) string { return textEscaper.Replace(s) }

// contactFacts records the first telephone number and email address the
// pages link to (tel: and mailto: links), for the suggested JSON-LD.
func contactFacts(f Facts, pages []*page) {
	for _, p := range pages {
		for _, l := range p.Links {
			if l.Tag != "a" {
				continue
			}
			u, err := url.Parse(l.Href)
			if err != nil || u.Opaque == "" {
				continue
			}
			v, err := url.PathUnescape(u.Opaque)
			if err != nil {
				continue
			}
			switch key := map[string]string{"tel": "telephone", "mailto": "email"}[strings.ToLower(u.Scheme)]; {
			case key != "" && f[key] == "":
				f[key] = strings.TrimSpace(v)
			}
		}
	}
}

// companyWords are the words of the paths and link texts of the pages a
// company has about itself, in the languages Portavoce's users write.
var companyWords = []string{
	"about", "chi-siamo", "chisiamo", "chi_siamo", "chi siamo", "contact", "contatt", "azienda",
	"company", "dove-siamo", "dove siamo", "who-we-are", "who we are", "storia", "team",
	"impressum", "kontakt", "uber-uns", "ueber-uns", "über uns", "qui-sommes-nous",
	"qui sommes-nous", "nosotros", "contacto", "sobre", "negozio", "sede",
}

// skippedExtensions are links to files, not pages.
var skippedExtensions = map[string]bool{
	".pdf": true, ".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".webp": true,
	".svg": true, ".zip": true, ".doc": true, ".docx": true, ".xls": true, ".xlsx": true,
	".mp4": true, ".mp3": true, ".xml": true, ".txt": true, ".ico": true,
}

// companyLinks returns up to n links of the home page to the company's own
// pages (about, contacts...), on the home page's host, in page order.
func companyLinks(home *page, n int) []string {
	var out []string
	seen := map[string]bool{home.URL.String(): true, home.Requested: true}
	for _, l := range home.Links {
		if len(out) >= n {
			break
		}
		if l.Tag != "a" {
			continue
		}
		u, err := home.resolve(l.Href)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !sameHost(u, home.URL) {
			continue
		}
		if skippedExtensions[strings.ToLower(path.Ext(u.Path))] {
			continue
		}
		if u.Path == "" {
			u.Path = "/"
		}
		s := u.String()
		if seen[s] || u.Path == "/" && u.RawQuery == "" {
			continue
		}
		hay := strings.ToLower(u.Path + " " + l.Text)
		for _, w := range companyWords {
			if strings.Contains(hay, w) {
				seen[s] = true
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// hostKey is a host for comparisons: lowercase, without the default port.
func hostKey(u *url.URL) string {
	h := strings.ToLower(u.Hostname())
	if p := u.Port(); p != "" && !(p == "80" && u.Scheme == "http") && !(p == "443" && u.Scheme == "https") {
		return h + ":" + p
	}
	return h
}

// sameHost reports whether a and b are on the same host.
func sameHost(a, b *url.URL) bool { return hostKey(a) == hostKey(b) }

// sameSite reports whether a and b are on the same site: the same host,
// give or take a leading "www.".
func sameSite(a, b *url.URL) bool {
	return strings.TrimPrefix(hostKey(a), "www.") == strings.TrimPrefix(hostKey(b), "www.")
}

// homeFacts records what the home page shows.
func homeFacts(f Facts, home *page) {
	set := func(k, v string) {
		if v != "" {
			f[k] = v
		}
	}
	set("url", home.URL.String())
	if home.problem != nil {
		set("status", fmt.Sprint(home.Status))
		return
	}
	set("title", home.Title)
	set("description", home.named("description"))
	set("lang", home.Lang)
	for _, k := range []string{"og:title", "og:description", "og:image", "og:url", "og:type", "og:site_name", "og:locale", "twitter:card", "twitter:image", "twitter:site"} {
		set(k, home.metaValue(k))
	}
	var canonical []string
	for _, l := range home.Links {
		if l.InHead && l.Tag == "link" && l.hasRel("canonical") {
			canonical = append(canonical, l.Href)
		}
	}
	set("canonical", strings.Join(canonical, "\n"))
}
