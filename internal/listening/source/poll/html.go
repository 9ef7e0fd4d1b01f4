package poll

import (
	"net/url"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// paragraphs are the elements set apart by a blank line, and lines the
// ones that start a line of their own.
var (
	paragraphs = []atom.Atom{atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Blockquote, atom.Pre, atom.Table, atom.Ul, atom.Ol, atom.Hr, atom.Figure}
	lines = []atom.Atom{atom.Div, atom.Li, atom.Tr, atom.Dt, atom.Dd, atom.Section, atom.Article,
		atom.Header, atom.Footer, atom.Figcaption, atom.Aside}
	// hidden are the elements whose text is not shown.
	hidden = []atom.Atom{atom.Script, atom.Style, atom.Template, atom.Noscript, atom.Head, atom.Title}
)

var manyBlankLines = regexp.MustCompile(`\n{3,}`)

// HTML reads an HTML fragment (a feed item's description, a status's
// content, an HN comment) as plain text, paragraphs a blank line apart and
// line breaks kept, entities decoded, other whitespace collapsed; and the
// absolute http(s) links of its <a href>, each once in order, but for the
// links that mark a mention or a hashtag (class "mention" or "hashtag", or
// rel "tag", as Mastodon writes them).
func HTML(s string) (text string, links []string) {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return tidy(b.String()), links
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			if slices.Contains(hidden, a) {
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
				continue
			}
			switch {
			case a == atom.Br:
				b.WriteByte('\n')
			case slices.Contains(paragraphs, a):
				b.WriteString("\n\n")
			case slices.Contains(lines, a):
				if !strings.HasSuffix(b.String(), "\n") {
					b.WriteByte('\n')
				}
			case a == atom.A && tt != html.EndTagToken && hasAttr:
				if l := linkOf(z); l != "" && !slices.Contains(links, l) {
					links = append(links, l)
				}
			}
		}
	}
}

// linkOf is the href of the <a> z is at, when it is an absolute http(s)
// link that is not a mention or a hashtag.
func linkOf(z *html.Tokenizer) string {
	var href string
	for {
		k, v, more := z.TagAttr()
		switch string(k) {
		case "href":
			href = string(v)
		case "class":
			for _, c := range strings.Fields(string(v)) {
				if c == "mention" || c == "hashtag" {
					return ""
				}
			}
		case "rel":
			if slices.Contains(strings.Fields(string(v)), "tag") {
				return ""
			}
		}
		if !more {
			break
		}
	}
	return AbsoluteURL(href)
}

// AbsoluteURL returns s trimmed when it is an absolute http or https URL
// with a host, "" otherwise.
func AbsoluteURL(s string) string {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return s
}

// tidy collapses the whitespace of each line, drops blank lines beyond
// one in a row and trims the whole.
func tidy(s string) string {
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		ls[i] = strings.Join(strings.Fields(l), " ")
	}
	s = strings.Join(ls, "\n")
	return strings.TrimSpace(manyBlankLines.ReplaceAllString(s, "\n\n"))
}
