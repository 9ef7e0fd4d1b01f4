package query

import (
	"strconv"
	"strings"
)

// Query is a parsed listening query. It is immutable once parsed and safe
// for concurrent use. Build one with Parse.
type Query struct {
	root *node
}

// Post is what a query is matched against. Hashtags and mentions are found
// in Text; Author, URL, Lang and Links feed the author:, site:, url: and
// lang: fields.
type Post struct {
	// Text is the plain text of the post (HTML already stripped). Words in
	// http:// and https:// URLs are not matched as words; their hosts count
	// for site: and url: as if they were in Links.
	Text string
	// Author is the author's handle: "mario.bsky.social",
	// "anna@mastodon.social" or "@anna@mastodon.social".
	Author string
	// URL is the address of the post or page itself.
	URL string
	// Lang is the post's language as a BCP 47 tag ("it", "en-US"); several
	// tags may be given separated by commas, as Bluesky posts carry a list.
	Lang string
	// Links are the external links of the post (Bluesky link facets and
	// embeds, a Mastodon status's links).
	Links []string
}

// nodeKind is the operator or operand a node stands for.
type nodeKind uint8

const (
	nodeTerm nodeKind = iota // a word, wildcard, #hashtag, @mention or phrase
	nodeField
	nodeAnd
	nodeOr
	nodeNot
	nodeNear
)

// fieldKind is one of the fields a query can test.
type fieldKind uint8

const (
	fieldAuthor fieldKind = iota
	fieldSite
	fieldLang
	fieldURL
)

// fieldNames maps each field as written to its kind.
var fieldNames = map[string]fieldKind{
	"author": fieldAuthor,
	"site":   fieldSite,
	"lang":   fieldLang,
	"url":    fieldURL,
}

func (f fieldKind) String() string {
	switch f {
	case fieldAuthor:
		return "author"
	case fieldSite:
		return "site"
	case fieldLang:
		return "lang"
	}
	return "url"
}

// word is one element of a term: folded text, the kind of token it matches
// and whether it is a trailing wildcard (a prefix).
type word struct {
	text   string
	kind   tokenKind
	prefix bool
}

func (w word) String() string {
	s := w.kind.marker() + w.text
	if w.prefix {
		s += "*"
	}
	return s
}

// node is one node of the parsed query tree.
type node struct {
	kind nodeKind
	pos  int // byte offset in the source, for error messages

	words []word // nodeTerm: one word, or a phrase of several

	field fieldKind // nodeField
	value string    // nodeField: normalised value (url: host only)
	rest  string    // nodeField url: normalised path, "" or starting with "/"

	kids    []*node // nodeAnd, nodeOr (two or more), nodeNot (one), nodeNear (two)
	dist    int     // nodeNear: most words allowed between the two sides
	ordered bool    // nodeNear: ONEAR, left side first
}

// String returns the canonical form of q: words folded to lower case
// without accents, implicit ANDs written out, nested ANDs and ORs flattened,
// parentheses only where needed. Parsing it gives back an equal query, so
// two queries that mean the same thing as written print the same.
func (q *Query) String() string {
	var b strings.Builder
	q.root.write(&b)
	return b.String()
}

// Operator precedence, loosest first.
const (
	precOr = iota + 1
	precAnd
	precNear
	precNot
	precAtom
)

func (n *node) prec() int {
	switch n.kind {
	case nodeOr:
		return precOr
	case nodeAnd:
		return precAnd
	case nodeNear:
		return precNear
	case nodeNot:
		return precNot
	}
	return precAtom
}

// writeKid writes k, in parentheses when it binds looser than min.
func writeKid(b *strings.Builder, k *node, min int) {
	if k.prec() < min {
		b.WriteByte('(')
		k.write(b)
		b.WriteByte(')')
		return
	}
	k.write(b)
}

func (n *node) write(b *strings.Builder) {
	switch n.kind {
	case nodeTerm:
		if len(n.words) == 1 {
			b.WriteString(n.words[0].String())
			return
		}
		b.WriteByte('"')
		for i, w := range n.words {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(w.String())
		}
		b.WriteByte('"')
	case nodeField:
		b.WriteString(n.field.String())
		b.WriteByte(':')
		v := n.value
		switch n.field {
		case fieldSite:
			v = displayHost(v)
		case fieldURL:
			v = displayHost(v) + n.rest
		}
		if v == "" || strings.ContainsAny(v, "()\"") || strings.ContainsFunc(v, isSpaceRune) {
			b.WriteByte('"')
			b.WriteString(v)
			b.WriteByte('"')
			return
		}
		b.WriteString(v)
	case nodeAnd, nodeOr:
		// An AND inside an OR is put in parentheses although AND binds
		// tighter: "a OR (b AND NOT c)" says what "a OR b NOT c" means.
		sep, min := " AND ", precAnd
		if n.kind == nodeOr {
			sep, min = " OR ", precAnd+1
		}
		for i, k := range n.kids {
			if i > 0 {
				b.WriteString(sep)
			}
			writeKid(b, k, min)
		}
	case nodeNot:
		b.WriteString("NOT ")
		writeKid(b, n.kids[0], precNot)
	case nodeNear:
		// Either side in parentheses when it is itself a NEAR, so the
		// grouping of a chain is always visible.
		writeKid(b, n.kids[0], precNear+1)
		if n.ordered {
			b.WriteString(" ONEAR/")
		} else {
			b.WriteString(" NEAR/")
		}
		b.WriteString(strconv.Itoa(n.dist))
		b.WriteByte(' ')
		writeKid(b, n.kids[1], precNear+1)
	}
}
