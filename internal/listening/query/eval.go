package query

import (
	"cmp"
	"slices"
	"strings"
)

// span is the range of word positions (inclusive) where a term, an OR group
// or a NEAR matched.
type span struct{ start, end int }

// maxSpans bounds the positions kept for one term, OR group or NEAR on one
// post. Nested NEARs pair the positions of their sides, so without a bound a
// long post repeating the words of a deeply nested query would cost the
// stream quadratically more at each level. Only a post where a side matches
// in more than maxSpans places can be affected: farther places are ignored.
const maxSpans = 256

// tidySpans sorts, dedupes and bounds the spans in s[from:].
func tidySpans(s []span, from int) []span {
	r := s[from:]
	slices.SortFunc(r, func(a, b span) int {
		return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.end, b.end))
	})
	r = slices.Compact(r)
	return s[:from+min(len(r), maxSpans)]
}

// Match reports whether the post matches q. It prepares the post for this
// one query: to test many queries against the same post, Compile them into a
// Matcher, which gives the same answers.
func (q *Query) Match(p Post) bool {
	var d doc
	d.prepare(p)
	return q.root.match(&d)
}

// match evaluates n on the prepared post d.
func (n *node) match(d *doc) bool {
	switch n.kind {
	case nodeTerm:
		for i := 0; i+len(n.words) <= len(d.toks); i++ {
			if d.phraseAt(n.words, i) {
				return true
			}
		}
		return false
	case nodeField:
		return d.matchField(n)
	case nodeAnd:
		for _, k := range n.kids {
			if !k.match(d) {
				return false
			}
		}
		return true
	case nodeOr:
		for _, k := range n.kids {
			if k.match(d) {
				return true
			}
		}
		return false
	case nodeNot:
		return !n.kids[0].match(d)
	case nodeNear:
		base := len(d.spans)
		d.spans = n.appendSpans(d, d.spans)
		found := len(d.spans) > base
		d.spans = d.spans[:base]
		return found
	}
	return false
}

// appendSpans appends to dst the spans where the positional node n (a term,
// an OR of positional nodes or a NEAR) matches. dst is used as a stack: a
// NEAR computes both sides above its own base and keeps only its result.
func (n *node) appendSpans(d *doc, dst []span) []span {
	switch n.kind {
	case nodeTerm:
		found := 0
		for i := 0; i+len(n.words) <= len(d.toks) && found < maxSpans; i++ {
			if d.phraseAt(n.words, i) {
				dst = append(dst, span{i, i + len(n.words) - 1})
				found++
			}
		}
	case nodeOr:
		a := len(dst)
		for _, k := range n.kids {
			dst = k.appendSpans(d, dst)
		}
		if len(dst)-a > maxSpans {
			dst = tidySpans(dst, a)
		}
	case nodeNear:
		a := len(dst)
		dst = n.kids[0].appendSpans(d, dst)
		b := len(dst)
		if b == a {
			return dst
		}
		dst = n.kids[1].appendSpans(d, dst)
		c := len(dst)
		for i := a; i < b; i++ {
			for j := b; j < c; j++ {
				l, r := dst[i], dst[j]
				if near(l, r, n.dist, n.ordered) {
					dst = append(dst, span{min(l.start, r.start), max(l.end, r.end)})
				}
			}
		}
		dst = tidySpans(dst, c)
		dst = dst[:a+copy(dst[a:], dst[c:])]
	}
	return dst
}

// near reports whether l and r are at most dist words apart without
// overlapping (the two sides of NEAR are different words); with ordered, l
// must come first.
func near(l, r span, dist int, ordered bool) bool {
	if l.end < r.start {
		return r.start-l.end-1 <= dist
	}
	if !ordered && r.end < l.start {
		return l.start-r.end-1 <= dist
	}
	return false
}

// phraseAt reports whether the words ws match the tokens starting at i.
func (d *doc) phraseAt(ws []word, i int) bool {
	for j := range ws {
		if !d.wordAt(ws[j], i+j) {
			return false
		}
	}
	return true
}

// wordAt reports whether w matches token i. A plain word matches words and
// hashtags; a #hashtag only hashtags; an @mention only mentions, where
// @anna also matches @anna@mastodon.social.
func (d *doc) wordAt(w word, i int) bool {
	t := d.toks[i]
	text := d.text[t.start:t.end]
	switch w.kind {
	case kindWord:
		if t.kind == kindMention {
			return false
		}
	case kindHashtag:
		if t.kind != kindHashtag {
			return false
		}
	case kindMention:
		if t.kind != kindMention {
			return false
		}
		if !w.prefix && len(text) > len(w.text) && text[len(w.text)] == '@' {
			return text[:len(w.text)] == w.text
		}
	}
	if w.prefix {
		return strings.HasPrefix(text, w.text)
	}
	return text == w.text
}

// matchField evaluates a field node.
func (d *doc) matchField(n *node) bool {
	switch n.field {
	case fieldAuthor:
		return authorMatches(d.author, n.value)
	case fieldLang:
		for _, t := range d.langs {
			if t == n.value || strings.HasPrefix(t, n.value) && t[len(n.value)] == '-' {
				return true
			}
		}
	case fieldSite:
		for _, l := range d.links {
			if hostWithin(l.host, n.value) {
				return true
			}
		}
	case fieldURL:
		for _, l := range d.links {
			if l.url[:l.hostLen] == n.value && urlMatches(l.urlRest(), n.rest) {
				return true
			}
		}
	}
	return false
}

// authorMatches reports whether the post's author a is the handle h: the
// same handle, or h@instance when h has no instance.
func authorMatches(a, h string) bool {
	return a == h || len(a) > len(h) && a[len(h)] == '@' && a[:len(h)] == h
}

// hostWithin reports whether host is site or one of its subdomains.
func hostWithin(host, site string) bool {
	return host == site || len(host) > len(site) && host[len(host)-len(site)-1] == '.' && host[len(host)-len(site):] == site
}
