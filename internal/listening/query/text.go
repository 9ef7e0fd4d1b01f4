package query

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// tokenKind says what a token of a post is: a plain word, a #hashtag or an
// @mention. A plain query term matches words and hashtags; #term and @term
// match only their own kind.
type tokenKind uint8

const (
	kindWord tokenKind = iota
	kindHashtag
	kindMention
)

// marker is the byte written before a token of this kind in the haystack.
func (k tokenKind) marker() string {
	switch k {
	case kindHashtag:
		return "#"
	case kindMention:
		return "@"
	}
	return ""
}

// token is one word of a normalised post: doc.text[start:end] is its folded
// text, without the # or @ marker. Its position is its index in doc.toks.
type token struct {
	start, end int32
	kind       tokenKind
}

// link is a URL split for site: and url:. host keeps "www." (site: matches
// subdomains by suffix); url drops it, as url: treats www.x.it and x.it as
// the same site, and is followed by the lowercased path, query and fragment
// (always starting with "/"): url[:hostLen] is the host.
type link struct {
	host    string
	url     string
	hostLen int
}

// urlRest returns the path part of the link for url:.
func (l link) urlRest() string { return l.url[l.hostLen:] }

// isPathBoundary reports whether c ends a path segment: url: values match
// whole segments, so url:x.it/news finds x.it/news/a and x.it/news?p=2 but
// not x.it/newsletter.
func isPathBoundary(c byte) bool { return c == '/' || c == '?' || c == '#' || c == '&' }

// urlPathValue normalises the path of a url: value: no trailing '/', and
// empty for the whole site.
func urlPathValue(rest string) string {
	return strings.TrimRight(rest, "/")
}

// urlMatches reports whether a link path continues the url: value path p
// at a segment boundary.
func urlMatches(rest, p string) bool {
	if p == "" || rest == p {
		return true
	}
	return len(rest) > len(p) && rest[:len(p)] == p && isPathBoundary(rest[len(p)])
}

// doc is a post prepared for matching: the text tokenised once, the fields
// normalised once, so that any number of queries can be evaluated on it.
//
// buf is also the haystack the Aho-Corasick automaton scans: a space, then
// every token followed by a space, hashtags written as "#tag" and mentions
// as "@handle". Only word characters, '.', '-', '@' (inside handles), '#' and
// ' ' occur in it, which is what lets a pattern and the byte before it decide
// whether a hit is a whole token (see textPatterns).
type doc struct {
	buf     []byte
	text    string // string(buf), what tokens point into
	toks    []token
	author  string
	langs   []string
	links   []link
	rawURLs []string // http(s) URLs found in Text, before normalisation
	spans   []span   // scratch stack for NEAR evaluation
}

// reset empties d for reuse, keeping its buffers.
func (d *doc) reset() {
	d.buf = d.buf[:0]
	d.text = ""
	d.toks = d.toks[:0]
	d.author = ""
	d.langs = d.langs[:0]
	d.links = d.links[:0]
	d.rawURLs = d.rawURLs[:0]
	d.spans = d.spans[:0]
}

// prepare fills d (after reset) with p.
func (d *doc) prepare(p Post) {
	d.reset()
	d.buf = append(d.buf, ' ')
	d.tokenize(p.Text, true)
	d.text = string(d.buf)

	d.author = normAuthor(p.Author)
	d.langs = appendLangs(d.langs, p.Lang)
	if p.URL != "" {
		d.addLink(p.URL)
	}
	for _, l := range p.Links {
		d.addLink(l)
	}
	for _, u := range d.rawURLs {
		d.addLink(u)
	}
}

func (d *doc) addLink(s string) {
	host, rest, ok := splitLink(s)
	if !ok {
		return
	}
	urlHost := strings.TrimPrefix(host, "www.")
	d.links = append(d.links, link{host: host, url: urlHost + rest, hostLen: len(urlHost)})
}

// tokenText returns the folded text of token i.
func (d *doc) tokenText(i int) string {
	t := d.toks[i]
	return d.text[t.start:t.end]
}

// isWordStart reports whether r can start a word: a letter, a digit or '_'.
func isWordStart(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// isWordPart reports whether r can continue a word: a word start or a
// combining mark (the accent of a decomposed "e\u0301").
func isWordPart(r rune) bool {
	if r < utf8.RuneSelf {
		return isWordStart(r)
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// isIdeograph reports whether r belongs to a script written without spaces
// between words. Each such character is a token of its own, so that a query
// for 東京 (two tokens, a phrase) finds 東京タワー.
func isIdeograph(r rune) bool {
	return r >= 0x2E80 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r))
}

func isHashSign(r rune) bool { return r == '#' || r == '＃' }
func isAtSign(r rune) bool   { return r == '@' || r == '＠' }

// foldRune appends the folded form of r to dst: lower case, compatibility
// decomposition, combining marks (accents) dropped, so "É" becomes "e" and
// "ﬁ" becomes "fi". Of the result only runes that can be part of a word are
// kept (word starts and spacing marks); the caller decides where they go
// (an ideograph is a token of its own, a mark cannot start a token).
func foldRune(dst []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(dst, byte(r))
	}
	if unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) {
		return dst
	}
	r = unicode.ToLower(r)
	var tmp [utf8.UTFMax]byte
	n := utf8.EncodeRune(tmp[:], r)
	dec := norm.NFKD.Properties(tmp[:n]).Decomposition()
	if dec == nil {
		return appendIfWord(dst, r)
	}
	for len(dec) > 0 {
		c, size := utf8.DecodeRune(dec)
		dec = dec[size:]
		if unicode.Is(unicode.Mn, c) || unicode.Is(unicode.Me, c) {
			continue
		}
		dst = appendIfWord(dst, unicode.ToLower(c))
	}
	return dst
}

func appendIfWord(dst []byte, r rune) []byte {
	if isWordStart(r) || unicode.Is(unicode.Mc, r) {
		return utf8.AppendRune(dst, r)
	}
	return dst
}

// asciiFold maps each ASCII byte that is part of a word to its lower-case
// form and every other byte to 0: the fast path of tokenize, since most
// posts are mostly ASCII.
var asciiFold = func() (t [utf8.RuneSelf]byte) {
	for c := 0; c < utf8.RuneSelf; c++ {
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '_':
			t[c] = byte(c)
		case 'A' <= c && c <= 'Z':
			t[c] = byte(c + 'a' - 'A')
		}
	}
	return t
}()

// tokenize appends the tokens of s to d. withURLs makes http:// and https://
// URLs links instead of words (for posts; a query never contains them).
func (d *doc) tokenize(s string, withURLs bool) {
	prevWord := false // the rune before i was part of a word
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf && asciiFold[c] == 0 && c != '#' && c != '@' {
			// ASCII separator.
			i++
			prevWord = false
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		switch {
		case isHashSign(r) && !prevWord:
			if n := d.scanHandle(s[i+size:], kindHashtag); n > 0 {
				i += size + n
				prevWord = true
				continue
			}
		case isAtSign(r) && !prevWord:
			if n := d.scanHandle(s[i+size:], kindMention); n > 0 {
				i += size + n
				prevWord = true
				continue
			}
		case !prevWord && isWordStart(r):
			if withURLs && (c == 'h' || c == 'H') {
				if n := urlLen(s[i:]); n > 0 {
					d.rawURLs = append(d.rawURLs, s[i:i+n])
					i += n
					prevWord = false
					continue
				}
			}
			i += d.scanWord(s[i:])
			prevWord = true
			continue
		}
		// Anything else separates words. A word start never gets here with
		// prevWord set: scanWord and scanHandle stop before a word part.
		i += size
		prevWord = false
	}
}

// scanWord appends the word at the start of s, splitting ideographs into
// one token each, and returns the bytes consumed.
func (d *doc) scanWord(s string) int {
	// A local slice: appending to d.buf byte by byte would store the slice
	// header back to the heap every time.
	buf := d.buf
	start := len(buf)
	i := 0
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			f := asciiFold[c]
			if f == 0 {
				break
			}
			buf = append(buf, f)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWordPart(r) {
			break
		}
		i += size
		// Decide on the folded runes: ㈢ folds to the ideograph 三, which
		// must be a token of its own as it is when written plainly.
		var tmp [4 * utf8.UTFMax]byte
		folded := foldRune(tmp[:0], r)
		for len(folded) > 0 {
			fr, n := utf8.DecodeRune(folded)
			folded = folded[n:]
			switch {
			case isIdeograph(fr):
				d.buf = buf
				d.endToken(start, kindWord)
				d.buf = utf8.AppendRune(d.buf, fr)
				d.endToken(len(d.buf)-n, kindWord)
				buf = d.buf
				start = len(buf)
			case len(buf) == start && !isWordStart(fr):
				// A spacing mark cannot start a token.
			default:
				buf = utf8.AppendRune(buf, fr)
			}
		}
	}
	d.buf = buf
	d.endToken(start, kindWord)
	return i
}

// endToken records buf[start:] as a token of kind k, if it is not empty,
// and writes the separating space.
func (d *doc) endToken(start int, k tokenKind) {
	if len(d.buf) == start {
		return
	}
	d.toks = append(d.toks, token{start: int32(start), end: int32(len(d.buf)), kind: k})
	d.buf = append(d.buf, ' ')
}

// scanHandle appends the hashtag or mention whose text starts at s (just
// after the # or @) and returns the bytes consumed, or 0 if there is none.
// A hashtag is a run of word characters; a handle may also hold '.', '-' and
// '@' between word characters (mario.bsky.social, anna@mastodon.social).
func (d *doc) scanHandle(s string, k tokenKind) int {
	r, _ := utf8.DecodeRuneInString(s)
	if !isWordStart(r) {
		return 0
	}
	mark := len(d.buf)
	d.buf = append(d.buf, k.marker()...)
	start := len(d.buf)
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if isWordPart(r) {
			var tmp [4 * utf8.UTFMax]byte
			for folded := foldRune(tmp[:0], r); len(folded) > 0; {
				fr, n := utf8.DecodeRune(folded)
				folded = folded[n:]
				if len(d.buf) > start || isWordStart(fr) {
					d.buf = utf8.AppendRune(d.buf, fr)
				}
			}
			i += size
			continue
		}
		if k == kindMention && (r == '.' || r == '-' || isAtSign(r)) {
			next, _ := utf8.DecodeRuneInString(s[i+size:])
			if isWordStart(next) {
				if isAtSign(r) {
					d.buf = append(d.buf, '@')
				} else {
					d.buf = append(d.buf, byte(r))
				}
				i += size
				continue
			}
		}
		break
	}
	if len(d.buf) == start {
		d.buf = d.buf[:mark]
		return i
	}
	d.endToken(start, k)
	return i
}

// urlLen returns the length of the http:// or https:// URL at the start of
// s, up to the next space, or 0 if s does not start with one.
func urlLen(s string) int {
	var n int
	switch {
	case len(s) >= 7 && strings.EqualFold(s[:7], "http://"):
		n = 7
	case len(s) >= 8 && strings.EqualFold(s[:8], "https://"):
		n = 8
	default:
		return 0
	}
	for n < len(s) {
		r, size := utf8.DecodeRuneInString(s[n:])
		if unicode.IsSpace(r) {
			break
		}
		n += size
	}
	return n
}

// normAuthor normalises a handle for author: lower case, no leading '@'.
func normAuthor(s string) string {
	s = strings.TrimLeftFunc(s, func(r rune) bool { return r == '@' || unicode.IsSpace(r) })
	return strings.ToLower(strings.TrimRightFunc(s, unicode.IsSpace))
}

// appendLangs appends the language tags in s (BCP 47, separated by commas
// or spaces, as Bluesky posts may carry several) lowercased, '_' read as '-'.
func appendLangs(dst []string, s string) []string {
	if s == "" {
		return dst
	}
	s = strings.ToLower(s)
	if strings.IndexByte(s, '_') >= 0 {
		s = strings.ReplaceAll(s, "_", "-")
	}
	for s != "" {
		i := strings.IndexAny(s, ", \t")
		if i < 0 {
			i = len(s)
		}
		if i > 0 {
			dst = append(dst, s[:i])
		}
		if i == len(s) {
			break
		}
		s = s[i+1:]
	}
	return dst
}

// primaryLang returns the primary subtag of a lowercased language tag.
func primaryLang(tag string) string {
	if i := strings.IndexByte(tag, '-'); i >= 0 {
		return tag[:i]
	}
	return tag
}

// splitLink splits a URL (with or without scheme) into its normalised host
// (lower case, ASCII, no port, no user) and the rest, lowercased and always
// starting with "/". ok is false when there is no host.
func splitLink(s string) (host, rest string, ok bool) {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "://"); i > 0 && isScheme(s[:i]) {
		s = s[i+3:]
	} else {
		s = strings.TrimPrefix(s, "//")
	}
	end := strings.IndexAny(s, "/?#")
	if end < 0 {
		end = len(s)
	}
	host, rest = s[:end], s[end:]
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	if strings.HasPrefix(host, "[") {
		if j := strings.IndexByte(host, ']'); j > 0 {
			host = host[:j+1]
		}
	} else if c := strings.LastIndexByte(host, ':'); c >= 0 {
		host = host[:c]
	}
	host = normHost(host)
	if host == "" {
		return "", "", false
	}
	if rest == "" || rest[0] != '/' {
		rest = "/" + rest
	}
	return host, strings.ToLower(rest), true
}

func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return s != ""
}

// normHost lowercases a host name, drops a trailing dot and turns an
// internationalised name into its ASCII (punycode) form, so that caffè.it
// in a query finds xn--caff-8oa.it in a link and the other way round.
func normHost(h string) string {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	for i := 0; i < len(h); i++ {
		if h[i] >= utf8.RuneSelf {
			if a, err := idna.Lookup.ToASCII(h); err == nil {
				return a
			}
			return h
		}
	}
	return h
}

// displayHost is the inverse of normHost for printing: the Unicode form of
// a punycode host.
func displayHost(h string) string {
	if !strings.Contains(h, "xn--") {
		return h
	}
	if u, err := idna.Lookup.ToUnicode(h); err == nil {
		return u
	}
	return h
}
