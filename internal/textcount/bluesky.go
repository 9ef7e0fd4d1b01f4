package textcount

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FacetKind says which app.bsky.richtext.facet feature a Facet becomes.
type FacetKind string

// The kinds of facet Facets finds, one per feature of app.bsky.richtext.facet.
const (
	// FacetLink becomes an app.bsky.richtext.facet#link with Value as uri.
	FacetLink FacetKind = "link"
	// FacetMention becomes an app.bsky.richtext.facet#mention once Value,
	// a handle, has been resolved to a DID; a handle that does not resolve
	// should be dropped, as the official client does.
	FacetMention FacetKind = "mention"
	// FacetTag becomes an app.bsky.richtext.facet#tag with Value as tag.
	FacetTag FacetKind = "tag"
)

// Facet is a rich-text annotation Bluesky needs next to a post's text: the
// text itself is stored plain, and links, mentions and hashtags only work if
// the post carries a facet for them.
//
// Start and End are UTF-8 byte offsets into the text (End exclusive), as
// app.bsky.richtext.facet's byteSlice wants, so text[Start:End] is exactly the
// annotated part: "https://…" or "example.com/…" for a link, "@handle" for a
// mention, "#tag" (or "＃tag") for a hashtag.
//
// Value is what the feature needs: the full URL for a link (with "https://"
// added to a bare domain), the handle without "@" for a mention (as written;
// handles are case-insensitive, so lowercase it before resolving), the tag
// without "#" for a hashtag.
type Facet struct {
	Kind       FacetKind
	Start, End int
	Value      string
}

// Facets returns the links, mentions and hashtags in text, in order of Start
// and without overlaps, following the official client's detection
// (bluesky-social/atproto, packages/api/src/rich-text/detection.ts) so that a
// post from Portavoce looks like one written in the Bluesky app:
//
//   - A mention is "@" and a handle, at the start of the text or after
//     whitespace or "(". The handle must be a syntactically valid handle
//     (dot-separated labels of letters, digits and inner hyphens, the last one
//     starting with a letter) under a delegated top-level domain, or ".test".
//   - A link starts the text or follows whitespace or "(", and is either
//     "http://" or "https://" (in any case) and everything up to the next
//     whitespace, or a bare domain with a delegated top-level domain
//     ("example.com/path"), which gets "https://" in Value. One trailing ".",
//     ",", ";", ":", "!" or "?" is left out, and then a trailing ")" if the
//     link has no "(".
//   - A hashtag is "#" or "＃" at the start of the text or after whitespace,
//     and everything up to the next whitespace, less trailing punctuation. It
//     must not be only digits and punctuation, and at most 64 UTF-16 code
//     units (the official check, which keeps within the lexicon's limits).
//
// Where the official detection would annotate the same bytes twice (a mention
// inside a link's path, say), the facet that starts first wins: Bluesky's
// rendering expects facets not to overlap.
func Facets(text string) []Facet {
	var fs []Facet
	fs = appendBlueskyMentions(fs, text)
	fs = appendBlueskyLinks(fs, text)
	fs = appendBlueskyTags(fs, text)
	if len(fs) == 0 {
		return nil
	}
	slices.SortStableFunc(fs, func(a, b Facet) int { return a.Start - b.Start })
	kept := fs[:1]
	for _, f := range fs[1:] {
		if f.Start >= kept[len(kept)-1].End {
			kept = append(kept, f)
		}
	}
	return kept
}

// URLs returns the URLs of the links in text, in order: the Value of every
// link Facets finds, so a bare domain comes back with "https://" in front.
// Link previews use the first one, as the Bluesky app does when it suggests a
// link card.
func URLs(text string) []string {
	var urls []string
	for _, f := range Facets(text) {
		if f.Kind == FacetLink {
			urls = append(urls, f.Value)
		}
	}
	return urls
}

// appendBlueskyMentions follows the official MENTION_REGEX,
// (^|\s|\()(@)([a-zA-Z0-9.-]+)(\b): the run of handle characters is cut back
// to its last word boundary, as \b makes the greedy regexp do, and if what is
// left is not a handle the "@" is passed over, with no shorter retry:
// "@alice.bsky.social_x" leaves "alice.bsky.", which is no mention.
func appendBlueskyMentions(out []Facet, text string) []Facet {
	for from := 0; from < len(text); {
		k := strings.IndexByte(text[from:], '@')
		if k < 0 {
			break
		}
		at := from + k
		from = at + 1
		if at > 0 {
			r, _ := utf8.DecodeLastRuneInString(text[:at])
			if !isJSSpace(r) && r != '(' {
				continue
			}
		}
		end := at + 1
		for end < len(text) && isHandleByte(text[end]) {
			end++
		}
		// Back off to the last ASCII word boundary, as \b makes the
		// greedy run do; what follows the run counts as a non-word
		// character unless it is "_".
		for ; end > at+1; end-- {
			var next byte = ' '
			if end < len(text) {
				next = text[end]
			}
			if isASCIIWordByte(text[end-1]) != isASCIIWordByte(next) {
				break
			}
		}
		if end == at+1 {
			continue
		}
		from = end
		handle := text[at+1 : end]
		if !isMentionableHandle(handle) {
			continue
		}
		out = append(out, Facet{Kind: FacetMention, Start: at, End: end, Value: handle})
	}
	return out
}

func isHandleByte(c byte) bool { return isASCIIAlnum(c) || c == '.' || c == '-' }

func isASCIIWordByte(c byte) bool { return isASCIIAlnum(c) || c == '_' }

// disallowedHandleTLDs are the top-level domains the atproto handle
// specification rules out for handles even though some are delegated.
var disallowedHandleTLDs = []string{"alt", "arpa", "example", "internal", "invalid", "local", "localhost", "onion"}

// isMentionableHandle reports whether handle is worth a mention facet: valid
// handle syntax (atproto.com/specs/handle: at most 253 characters, at least two
// labels of 1 to 63 letters, digits and inner hyphens, the last label starting
// with a letter) under a delegated top-level domain, or ".test" as the official
// detection allows for development servers.
func isMentionableHandle(handle string) bool {
	if len(handle) > 253 {
		return false
	}
	labels := strings.Split(handle, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if !isASCIIAlnum(l[i]) && l[i] != '-' {
				return false
			}
		}
	}
	tld := strings.ToLower(labels[len(labels)-1])
	if !isASCIILetter(tld[0]) || slices.Contains(disallowedHandleTLDs, tld) {
		return false
	}
	return tld == "test" || isKnownTLD(tld)
}

// appendBlueskyLinks follows the official URL_REGEX,
// (^|\s|\()((https?:\/\/[\S]+)|((?<domain>[a-z][a-z0-9]*(\.[a-z0-9]+)+)[\S]*)),
// and its trailing punctuation rules. A match whose domain is not under a
// delegated top-level domain is skipped but, as in the regexp scan, its text
// is consumed: "foo.bar1(example.com" has no link.
func appendBlueskyLinks(out []Facet, text string) []Facet {
	for i := 0; i < len(text); {
		if !isASCIILetter(text[i]) || !linkMayStartAt(text, i) {
			_, size := utf8.DecodeRuneInString(text[i:])
			i += size
			continue
		}
		end, uri, ok := matchBlueskyLink(text, i)
		if !ok {
			i++ // text[i] is an ASCII letter
			continue
		}
		start := i
		i = end // the scan resumes after the match, valid or not
		if uri == "" {
			continue
		}
		// Strip ending punctuation as the official detection does: one
		// sentence mark, then a closing parenthesis that has no opening one.
		if strings.IndexByte(".,;:!?", uri[len(uri)-1]) >= 0 {
			uri, end = uri[:len(uri)-1], end-1
		}
		if uri[len(uri)-1] == ')' && !strings.Contains(uri, "(") {
			uri, end = uri[:len(uri)-1], end-1
		}
		// app.bsky.richtext.facet#link's uri must be a valid URI, which
		// the PDS checks: "https://" alone, left by stripping, or
		// "https:///x" would get the whole post refused.
		if s := strings.Index(uri, "://") + 3; s >= len(uri) || uri[s] == '/' {
			continue
		}
		out = append(out, Facet{Kind: FacetLink, Start: start, End: end, Value: uri})
	}
	return out
}

// linkMayStartAt reports whether a link may start at i: at the start of the
// text, or after whitespace or "(".
func linkMayStartAt(text string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return isJSSpace(r) || r == '('
}

// matchBlueskyLink matches the link alternatives of URL_REGEX at i. It returns
// where the match ends and the URL, or an empty URL if the text matched but
// is not a link (a bare domain under an unknown top-level domain); ok is false
// if nothing matched at all.
func matchBlueskyLink(text string, i int) (end int, uri string, ok bool) {
	rest := text[i:]
	for _, scheme := range []string{"https://", "http://"} {
		if len(rest) >= len(scheme) && strings.EqualFold(rest[:len(scheme)], scheme) {
			if e := nonSpaceRunEnd(text, i+len(scheme)); e > i+len(scheme) {
				return e, text[i:e], true
			}
			break
		}
	}
	// A bare domain: [a-z][a-z0-9]*(\.[a-z0-9]+)+, ignoring case.
	j := i + 1
	for j < len(text) && isASCIIAlnum(text[j]) {
		j++
	}
	lastLabel, dots := j, 0
	for j+1 < len(text) && text[j] == '.' && isASCIIAlnum(text[j+1]) {
		lastLabel = j + 1
		for j++; j < len(text) && isASCIIAlnum(text[j]); j++ {
		}
		dots++
	}
	if dots == 0 {
		return 0, "", false
	}
	end = nonSpaceRunEnd(text, j)
	if !isKnownTLD(text[lastLabel:j]) {
		return end, "", true
	}
	return end, "https://" + text[i:end], true
}

// nonSpaceRunEnd returns where the run of non-whitespace (JavaScript's \S)
// starting at i ends.
func nonSpaceRunEnd(text string, i int) int {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if isJSSpace(r) {
			break
		}
		i += size
	}
	return i
}

// appendBlueskyTags follows the official TAG_REGEX,
// (^|\s)[#＃]((?!\ufe0f)[^\s\u00AD\u2060\u200A\u200B\u200C\u200D\u20e2]*[^\d\s\p{P}\u00AD\u2060\u200A\u200B\u200C\u200D\u20e2]+[^\s\u00AD\u2060\u200A\u200B\u200C\u200D\u20e2]*)?,
// then strips trailing punctuation and drops tags longer than 64 UTF-16 code
// units. The tag runs to the next whitespace or invisible separator, and must
// have at least one character that is neither a digit nor punctuation, so
// "#2024" and "#1." are not tags but "#caffè" and "#2024caffè" are. A "#"
// followed by U+FE0F is the keycap emoji #️⃣, not a tag.
func appendBlueskyTags(out []Facet, text string) []Facet {
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		start := i
		i += size
		if r != '#' && r != '＃' {
			continue
		}
		if start > 0 {
			p, _ := utf8.DecodeLastRuneInString(text[:start])
			if !isJSSpace(p) {
				continue
			}
		}
		body := i
		if strings.HasPrefix(text[body:], "\ufe0f") {
			continue
		}
		end, hasTagRune := body, false
		for end < len(text) {
			c, n := utf8.DecodeRuneInString(text[end:])
			if isJSSpace(c) || isTagSeparator(c) {
				break
			}
			if !(c >= '0' && c <= '9') && !unicode.IsPunct(c) {
				hasTagRune = true
			}
			end += n
		}
		if !hasTagRune {
			continue
		}
		tag := strings.TrimRightFunc(text[body:end], unicode.IsPunct)
		if tag == "" || utf16Len(tag) > 64 {
			continue
		}
		out = append(out, Facet{Kind: FacetTag, Start: start, End: body + len(tag), Value: tag})
		i = end
	}
	return out
}

// isTagSeparator reports the invisible characters the official TAG_REGEX ends a
// tag at besides whitespace: soft hyphen, word joiner, zero-width space,
// (non-)joiner and the combining enclosing circle backslash.
func isTagSeparator(r rune) bool {
	switch r {
	case 0xAD, 0x2060, 0x200A, 0x200B, 0x200C, 0x200D, 0x20E2:
		return true
	}
	return false
}

// utf16Len is JavaScript's String.prototype.length, which the official
// detection measures tags with.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}
