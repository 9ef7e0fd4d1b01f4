package textcount

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file reproduces the entity extraction behind Mastodon's
// StatusLengthValidator: twitter-text's URL extraction (with Mastodon's
// changes to it in config/initializers/twitter_regex.rb, URLs only when written
// with a scheme) and Mastodon's own mention extraction (Extractor and
// Account::MENTION_RE). It is written as small scanners rather than one large
// regular expression, with the regular expressions' greedy-then-backtrack
// outcome worked out by hand where it matters.

// mastodonEntity is a URL or mention Mastodon would rewrite before counting.
// For a mention, keepEnd is the end of "@user": the part that still counts.
type mastodonEntity struct {
	start, end int
	keepEnd    int
	url        bool
}

// mastodonURLSchemes are the schemes Mastodon's valid_url links (its
// twitter_regex.rb initializer adds the non-web ones to twitter-text's http/https).
var mastodonURLSchemes = []string{"https", "http", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "gemini"}

// mastodonMaxURLLength is twitter-text's MAX_URL_LENGTH: a longer match is not
// treated as a URL at all.
const mastodonMaxURLLength = 4096

// mastodonMaxDomainLength is Extractor::MAX_DOMAIN_LENGTH: a mention whose
// domain is longer is not a mention.
const mastodonMaxDomainLength = 253

// mastodonCountable returns text as Mastodon counts it, with URLs replaced by a
// placeholder and mentions shortened to @user, plus the characters the
// placeholders stand for beyond what was written. Each URL is written as a
// single "x" and the other charsPerURL-1 are added arithmetically, which keeps
// memory bounded whatever the instance's setting: between two "x" there is
// always a grapheme break, so the "x" that is written joins its neighbours
// (a combining mark right after a URL, say) exactly as the first and last of
// Mastodon's own placeholder do, and every "x" in between is a cluster of its
// own.
func mastodonCountable(text string, charsPerURL int) (string, int) {
	if isBlank(text) {
		return "", 0
	}
	entities := mastodonEntities(text)
	if len(entities) == 0 {
		return text, 0
	}
	var b strings.Builder
	b.Grow(len(text))
	extra, last := 0, 0
	for _, e := range entities {
		b.WriteString(text[last:e.start])
		if e.url {
			b.WriteByte('x')
			extra += charsPerURL - 1
		} else {
			b.WriteString(text[e.start:e.keepEnd])
		}
		last = e.end
	}
	b.WriteString(text[last:])
	return b.String(), extra
}

// mastodonEntities returns the URLs and mentions Mastodon would rewrite, in
// order and without overlaps: like twitter-text's remove_overlapping_entities,
// an entity starting inside an earlier one is dropped (a mention inside a
// URL's path is part of the URL).
func mastodonEntities(text string) []mastodonEntity {
	var all []mastodonEntity
	all = appendMastodonURLs(all, text)
	all = appendMastodonMentions(all, text)
	if len(all) == 0 {
		return nil
	}
	slices.SortStableFunc(all, func(a, b mastodonEntity) int { return a.start - b.start })
	kept := all[:1]
	for _, e := range all[1:] {
		if e.start >= kept[len(kept)-1].end {
			kept = append(kept, e)
		}
	}
	return kept
}

// appendMastodonURLs appends the URLs Mastodon counts as charsPerURL: a scheme
// and "://", a domain ending in a known top-level domain, an optional port,
// path and query, as twitter-text's valid_url with Mastodon's changes. The
// scheme must not follow a letter, digit, @, $ or # (valid_url_preceding_chars),
// so "xhttps://..." is not a URL. URLs written without a scheme are not
// counted specially: the validator asks for extract_url_without_protocol: false.
func appendMastodonURLs(out []mastodonEntity, text string) []mastodonEntity {
	lastEnd := 0 // where the previous URL ended: the regexp scan resumes there
	for from := 0; from < len(text); {
		k := strings.Index(text[from:], "://")
		if k < 0 {
			break
		}
		k += from
		from = k + 3
		start, ok := mastodonSchemeStart(text, k, lastEnd)
		if !ok {
			continue
		}
		end, ok := mastodonURLEnd(text, k+3)
		if !ok || utf8.RuneCountInString(text[start:end]) > mastodonMaxURLLength {
			continue
		}
		out = append(out, mastodonEntity{start: start, end: end, url: true})
		from, lastEnd = end, end
	}
	return out
}

// mastodonSchemeStart finds which scheme, if any, ends at sep (the index of
// "://") and returns where it starts. The character before the scheme must be
// a valid URL preceding character and must not belong to the previous URL,
// which ended at lastEnd (the scan consumed it), unless the scheme starts the
// text.
func mastodonSchemeStart(text string, sep, lastEnd int) (int, bool) {
	for _, s := range mastodonURLSchemes {
		start := sep - len(s)
		if start < 0 || !strings.EqualFold(text[start:sep], s) {
			continue
		}
		if start == 0 {
			return start, true
		}
		if start-1 < lastEnd {
			return 0, false
		}
		r, _ := utf8.DecodeLastRuneInString(text[:start])
		return start, validURLPrecedingRune(r)
	}
	return 0, false
}

// validURLPrecedingRune is twitter-text's valid_url_preceding_chars: anything but
// an ASCII letter or digit, @, $, #, their full-width forms, and the invalid
// characters U+FFFE, U+FEFF, U+FFFF.
func validURLPrecedingRune(r rune) bool {
	switch {
	case r < utf8.RuneSelf && (isASCIIAlnum(byte(r)) || r == '@' || r == '$' || r == '#'):
		return false
	case r == '＠' || r == '＃' || r == 0xFFFE || r == 0xFEFF || r == 0xFFFF:
		return false
	}
	return true
}

// mastodonURLEnd returns where a URL whose domain starts at p ends, or false if
// no valid domain starts there.
func mastodonURLEnd(text string, p int) (int, bool) {
	end, ok := mastodonDomainEnd(text, p)
	if !ok {
		return 0, false
	}
	// Port: ":" and at least one digit, or nothing.
	if end+1 < len(text) && text[end] == ':' && isASCIIDigit(text[end+1]) {
		end += 2
		for end < len(text) && isASCIIDigit(text[end]) {
			end++
		}
	}
	if end < len(text) && text[end] == '/' {
		end = mastodonPathEnd(text, end+1)
	}
	if end < len(text) && text[end] == '?' {
		end = mastodonQueryEnd(text, end)
	}
	return end, true
}

// mastodonDomainEnd matches twitter-text's valid_domain at p: labels of
// "domain valid characters" (anything but ASCII punctuation, spaces and control
// characters) with inner hyphens (and underscores, except in the label just
// before the top-level domain), then a known top-level domain that is not
// followed by a letter, digit, @, + or -. Like the backtracking regexp it
// prefers the longest such domain.
func mastodonDomainEnd(text string, p int) (int, bool) {
	// The host run: every character a domain could be made of.
	h := p
	var dots []int
	for h < len(text) {
		r, size := utf8.DecodeRuneInString(text[h:])
		if r == '.' {
			dots = append(dots, h)
		} else if r != '-' && r != '_' && !isDomainRune(r) {
			break
		}
		h += size
	}
	if len(dots) == 0 {
		return 0, false
	}
	// valid[i]: the labels before dots[i] all parse as subdomains, the label
	// just before dots[i] as a domain name (no underscore).
	valid := make([]bool, len(dots))
	subdomainsOK, labelStart := true, p
	for i, d := range dots {
		label := text[labelStart:d]
		valid[i] = subdomainsOK && isDomainLabel(label, false)
		subdomainsOK = subdomainsOK && isDomainLabel(label, true)
		labelStart = d + 1
	}
	for i := len(dots) - 1; i >= 0; i-- {
		if !valid[i] {
			continue
		}
		if end, ok := mastodonTLDEnd(text, dots[i]+1); ok {
			return end, true
		}
	}
	return 0, false
}

// isDomainLabel reports whether label starts and ends with a domain valid
// character and has only those and hyphens (and underscores, if allowed) inside.
func isDomainLabel(label string, underscore bool) bool {
	if label == "" {
		return false
	}
	first, _ := utf8.DecodeRuneInString(label)
	last, _ := utf8.DecodeLastRuneInString(label)
	if !isDomainRune(first) || !isDomainRune(last) {
		return false
	}
	for _, r := range label {
		if !isDomainRune(r) && r != '-' && !(underscore && r == '_') {
			return false
		}
	}
	return true
}

// mastodonTLDEnd matches a top-level domain at p and returns its end. ASCII
// top-level domains must be followed by something other than [0-9a-z@+-] (as
// twitter-text's valid_gTLD and valid_ccTLD), so the candidate is the whole run
// of letters, digits and hyphens; punycode ("xn--...") is accepted as
// twitter-text does; a non-ASCII top-level domain is checked in its IDNA form.
func mastodonTLDEnd(text string, p int) (int, bool) {
	e := p
	for e < len(text) && (isASCIIAlnum(text[e]) || text[e] == '-') {
		e++
	}
	if e > p {
		tld := text[p:e]
		if len(tld) > 4 && strings.EqualFold(tld[:4], "xn--") {
			return e, true
		}
		if e < len(text) && (text[e] == '@' || text[e] == '+') {
			return 0, false
		}
		return e, isKnownTLD(tld)
	}
	for e < len(text) {
		r, size := utf8.DecodeRuneInString(text[e:])
		if r < utf8.RuneSelf || !isDomainRune(r) {
			break
		}
		e += size
	}
	if e == p {
		return 0, false
	}
	if e < len(text) && (isASCIIAlnum(text[e]) || strings.IndexByte("@+-", text[e]) >= 0) {
		return 0, false
	}
	return e, isKnownTLD(text[p:e])
}

// mastodonPathEnd returns where a URL path starting at p (just after its first
// "/") ends. Mastodon's valid_url_path lets a path run over anything but
// whitespace, "<", ">", "?" and unbalanced parentheses, but it must end with a
// character that is unlikely to be sentence punctuation (not one of
// !*"'「」<>;:=,.$%[]~&|@) or with a balanced parenthesis group, so "/caffè."
// does not swallow the full stop and "/Caffè_(bevanda)" keeps its parenthesis.
func mastodonPathEnd(text string, p int) int {
	end := p // a bare "/" is a valid path
	for i := p; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == '(' {
			j, ok := balancedParens(text, i)
			if !ok {
				break
			}
			i, end = j, j
			continue
		}
		if !isGeneralPathRune(r) {
			break
		}
		i += size
		if isPathEndingRune(r) {
			end = i
		}
	}
	return end
}

// balancedParens matches valid_url_balanced_parens at p (a "("): path
// characters, or path characters around one nested balanced pair, then ")".
func balancedParens(text string, p int) (int, bool) {
	i, n := generalPathRun(text, p+1)
	if i < len(text) && text[i] == ')' && n > 0 {
		return i + 1, true
	}
	if i >= len(text) || text[i] != '(' {
		return 0, false
	}
	i, n = generalPathRun(text, i+1)
	if n == 0 || i >= len(text) || text[i] != ')' {
		return 0, false
	}
	i, _ = generalPathRun(text, i+1)
	if i >= len(text) || text[i] != ')' {
		return 0, false
	}
	return i + 1, true
}

// generalPathRun skips path characters from p and returns where they stop and
// how many there were.
func generalPathRun(text string, p int) (int, int) {
	n := 0
	for p < len(text) {
		r, size := utf8.DecodeRuneInString(text[p:])
		if !isGeneralPathRune(r) {
			break
		}
		p += size
		n++
	}
	return p, n
}

// isGeneralPathRune is Mastodon's valid_general_url_path_chars.
func isGeneralPathRune(r rune) bool {
	return !unicode.IsSpace(r) && r != '<' && r != '>' && r != '(' && r != ')' && r != '?'
}

// isPathEndingRune is Mastodon's valid_url_path_ending_chars, less the
// balanced parentheses handled by the caller.
func isPathEndingRune(r rune) bool {
	return isGeneralPathRune(r) && !strings.ContainsRune("!*\"'「」;:=,.$%[]~&|@", r)
}

// mastodonQueryEnd returns where a query starting at p (a "?") ends: query
// characters up to the last one that may end a query, or p itself (no query)
// if there is none.
func mastodonQueryEnd(text string, p int) int {
	end := p
	for i := p + 1; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isQueryRune(r) {
			break
		}
		i += size
		if isQueryEndingRune(r) {
			end = i
		}
	}
	return end
}

// isQueryRune is Mastodon's valid_url_query_chars.
func isQueryRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(byte(r)) || strings.ContainsRune("!?*'();:&=+$/%#[]-_.,~|@^", r)
	}
	return isUChar(r)
}

// isQueryEndingRune is Mastodon's valid_url_query_ending_chars.
func isQueryEndingRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(byte(r)) || strings.ContainsRune("_&=#/-", r)
	}
	return isUChar(r)
}

// isUChar is the UCHARS class of Mastodon's twitter_regex.rb (RFC 3987's
// ucschar and iprivate): the non-ASCII characters allowed in a query.
func isUChar(r rune) bool {
	switch {
	case r >= 0xA0 && r <= 0xD7FF, r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFEF,
		r >= 0xE000 && r <= 0xF8FF:
		return true
	case r >= 0xE0000 && r < 0xE1000:
		return false
	case r >= 0x10000 && r <= 0x10FFFD:
		return r&0xFFFF <= 0xFFFD
	}
	return false
}

// appendMastodonMentions appends the mentions Mastodon shortens before
// counting, following Account::MENTION_RE and Extractor: "@", a username of
// ASCII letters, digits and underscores (dots and hyphens inside), and
// optionally "@" and a domain of word characters (dots and hyphens inside).
// The "@" must not follow a word character, "=" or "/" (so e-mail addresses and
// URL paths are not mentions); a match followed by "@", "://" or a Latin
// accented letter is discarded ("@noël" is not "@no"), as is one whose domain is
// longer than 253 characters.
func appendMastodonMentions(out []mastodonEntity, text string) []mastodonEntity {
	from := 0
	for from < len(text) {
		k := strings.IndexByte(text[from:], '@')
		if k < 0 {
			break
		}
		at := from + k
		from = at + 1
		if at > 0 {
			r, _ := utf8.DecodeLastRuneInString(text[:at])
			if r == '=' || r == '/' || isRubyWordRune(r) {
				continue
			}
		}
		userEnd := mastodonUsernameEnd(text, at+1)
		if userEnd == at+1 {
			continue
		}
		end := userEnd
		if end < len(text) && text[end] == '@' {
			end = mastodonMentionDomainEnd(text, end+1)
			if end == userEnd+1 { // "@" and no domain: not part of the match
				end = userEnd
			}
		}
		from = end
		if endsMentionBadly(text[end:]) {
			continue
		}
		if end > userEnd && utf8.RuneCountInString(text[userEnd+1:end]) > mastodonMaxDomainLength {
			continue
		}
		out = append(out, mastodonEntity{start: at, end: end, keepEnd: userEnd})
	}
	return out
}

// mastodonUsernameEnd matches USERNAME_RE, [a-z0-9_]+([.-]+[a-z0-9_]+)*
// ignoring case, at p and returns its end (p if there is none).
func mastodonUsernameEnd(text string, p int) int {
	isUser := func(c byte) bool { return isASCIIAlnum(c) || c == '_' }
	end := p
	for end < len(text) && isUser(text[end]) {
		end++
	}
	if end == p {
		return p
	}
	for {
		i := end
		for i < len(text) && (text[i] == '.' || text[i] == '-') {
			i++
		}
		if i == end || i >= len(text) || !isUser(text[i]) {
			return end
		}
		for i < len(text) && isUser(text[i]) {
			i++
		}
		end = i
	}
}

// mastodonMentionDomainEnd matches a mention's domain, [[:word:]]+([.-]+[[:word:]]+)*,
// at p and returns its end (p if there is none).
func mastodonMentionDomainEnd(text string, p int) int {
	wordRun := func(i int) int {
		for i < len(text) {
			r, size := utf8.DecodeRuneInString(text[i:])
			if !isRubyWordRune(r) {
				break
			}
			i += size
		}
		return i
	}
	end := wordRun(p)
	if end == p {
		return p
	}
	for {
		i := end
		for i < len(text) && (text[i] == '.' || text[i] == '-') {
			i++
		}
		if i == end {
			return end
		}
		j := wordRun(i)
		if j == i {
			return end
		}
		end = j
	}
}

// endsMentionBadly is twitter-text's end_mention_match as Mastodon spells it
// (Extractor::END_MENTION_MATCH): what follows a mention that makes it not one.
func endsMentionBadly(after string) bool {
	if strings.HasPrefix(after, "://") {
		return true
	}
	r, _ := utf8.DecodeRuneInString(after)
	return r == '@' || r == '＠' || isLatinAccent(r)
}

// isLatinAccent is twitter-text's LATIN_ACCENTS: accented Latin letters and
// combining diacritics.
func isLatinAccent(r rune) bool {
	switch {
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0xFF,
		r >= 0x100 && r <= 0x24F, r >= 0x253 && r <= 0x254, r >= 0x256 && r <= 0x257,
		r >= 0x300 && r <= 0x36F, r >= 0x1E00 && r <= 0x1EFF:
		return true
	}
	switch r {
	case 0x259, 0x25B, 0x263, 0x268, 0x26F, 0x272, 0x289, 0x28B, 0x2BB:
		return true
	}
	return false
}

// isRubyWordRune is Ruby's [[:word:]] on a UTF-8 string: letters, marks,
// decimal digits and connector punctuation.
func isRubyWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r) || unicode.Is(unicode.Pc, r)
}

// isDomainRune is twitter-text's DOMAIN_VALID_CHARS: anything but ASCII
// punctuation, spaces, control characters and the invalid U+FFFE, U+FEFF,
// U+FFFF. It includes non-ASCII letters, so "https://caffè.it" is a URL.
func isDomainRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(byte(r))
	}
	if r == 0xFFFE || r == 0xFEFF || r == 0xFFFF {
		return false
	}
	return !unicode.IsSpace(r) && r != 0x180E
}
