// Package textcount measures post text the way each network measures it, and
// finds the rich-text facets Bluesky wants alongside a post.
//
// Every network counts differently, and a count that disagrees with the
// server is worse than none: the composer shows "12 left", the post is
// scheduled, and hours later the publish job is refused. So the rules here
// follow what the servers actually do, not what looks reasonable:
//
//   - Mastodon (app/validators/status_length_validator.rb): the content warning
//     plus the text, where every URL the server would link counts as the
//     instance's characters_reserved_per_url (23), a mention @user@domain counts
//     as @user, and the result is measured in extended grapheme clusters
//     (Ruby's String#each_grapheme_cluster), not code points.
//   - Bluesky (app.bsky.feed.post): extended grapheme clusters, at most 300.
//
// Facets reproduces the official client's rich-text detection
// (packages/api/src/rich-text/detection.ts in bluesky-social/atproto) because a
// post is rendered from its facets alone: text that the Bluesky app would have
// linked but Portavoce did not would show up as plain text.
//
// All positions this package returns are UTF-8 byte offsets into the string it
// was given, the unit app.bsky.richtext.facet's byteSlice uses.
package textcount

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

const (
	// MastodonDefaultMaxChars is a stock Mastodon instance's status limit.
	// Instances may raise it (configuration.statuses.max_characters), so
	// prefer the instance's own value and fall back on this one.
	MastodonDefaultMaxChars = 500

	// MastodonDefaultCharsPerURL is what a stock Mastodon instance charges for
	// any URL, however long (configuration.statuses.characters_reserved_per_url).
	MastodonDefaultCharsPerURL = 23

	// BlueskyMaxGraphemes is app.bsky.feed.post's maxGraphemes for text: the
	// limit users see, and the one Bluesky checks first.
	BlueskyMaxGraphemes = 300

	// BlueskyMaxBytes is app.bsky.feed.post's maxLength for text, in UTF-8
	// bytes. Only text dense in long grapheme clusters (emoji ZWJ sequences,
	// stacked combining marks) reaches it before BlueskyMaxGraphemes, but a
	// record over either limit is refused.
	BlueskyMaxBytes = 3000
)

// Mastodon returns the length of text as a Mastodon instance counts it, so
// that the composer, the scheduler's validation and the Mastodon test server
// agree with a real instance about what fits.
//
// Every URL the instance would link (http, https and the few other schemes
// Mastodon links, written with their "scheme://") counts as charsPerURL
// characters, the instance's characters_reserved_per_url; a charsPerURL of
// zero or less means MastodonDefaultCharsPerURL, because an instance that
// does not report the setting decodes as zero. A mention @user@domain counts
// as @user only. Everything else counts in extended grapheme clusters, as
// Mastodon's StatusLengthValidator measures with each_grapheme_cluster: "è",
// "e\u0301", "👍🏽" and "👨‍👩‍👧‍👦" are one character each. Text made only of
// whitespace counts as zero, as Mastodon treats blank text as empty.
//
// The content warning counts towards the same limit: use MastodonStatus when
// the post has one.
func Mastodon(text string, charsPerURL int) int {
	return MastodonStatus(text, "", charsPerURL)
}

// MastodonStatus returns the length Mastodon checks against its limit for a
// status with a content warning: the spoiler text, counted as written, plus
// the status text counted as Mastodon does. A content warning is easy to
// forget and still makes a 490-character post too long.
func MastodonStatus(text, spoilerText string, charsPerURL int) int {
	if charsPerURL <= 0 {
		charsPerURL = MastodonDefaultCharsPerURL
	}
	countable, extra := mastodonCountable(text, charsPerURL)
	if spoilerText != "" {
		// Mastodon joins the two before counting, so a combining mark
		// at the start of the text belongs to the warning's last
		// character; counting the joined string keeps that.
		countable = spoilerText + countable
	}
	return uniseg.GraphemeClusterCount(countable) + extra
}

// Bluesky returns the length of text as Bluesky counts it: extended grapheme
// clusters (Unicode UAX #29), the unit of app.bsky.feed.post's 300-character
// limit (BlueskyMaxGraphemes). URLs and mentions count as written, because
// on Bluesky the text is stored and shown in full.
func Bluesky(text string) int {
	return uniseg.GraphemeClusterCount(text)
}

// isBlank reports whether s is empty or only whitespace, as Ruby's String#blank?
// (Unicode White_Space, which is what unicode.IsSpace tests).
func isBlank(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return !unicode.IsSpace(r) }) < 0
}

// Clip shortens s to at most n characters (runes), ending with an
// ellipsis when something was cut: for previews and lists, not for what a
// network counts.
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i = range s {
		if count == n-1 {
			break
		}
		count++
	}
	return strings.TrimSpace(s[:i]) + "…"
}
