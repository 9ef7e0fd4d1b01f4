// Package query parses and matches listening queries: the boolean queries
// with which a workspace says which posts of the open stream are about its
// brand, written in the language listening professionals know from
// Brandwatch and Talkwalker.
//
//	"Caffè Rossi" OR caffero* NOT lavoro
//	(rossi OR #cafferossi) NEAR/3 (buono OR ottimo) lang:it
//	@caffe.rossi.it OR site:cafferossi.it OR url:corriere.it/economia
//
// Parse turns the text into a Query; Query.Match tells whether one post
// matches it. Compile puts all the active queries of all workspaces into one
// Matcher, which tokenises each post once and evaluates only the queries
// whose required terms the post contains, with the same answers.
//
// # Terms
//
// A term matches whole words, ignoring case and accents: perche matches
// "Perché", caffe matches "CAFFÈ" (text is folded to lower case after
// Unicode compatibility decomposition, dropping combining marks). Words are
// runs of letters, digits and '_'; everything else separates them, so an
// apostrophe splits "l'acqua" into "l" and "acqua", and a term written with
// separators inside is a phrase: coca-cola is "coca cola", l'acqua is
// "l acqua". Chinese and Japanese characters are one word each, so 東京 is
// the phrase "東 京" and finds 東京タワー.
//
//   - "exact phrase": the words in this order, next to each other.
//   - caff*: a trailing wildcard, any word starting with caff; at least
//     three letters before the *, and only at the end of a word. Also in
//     phrases: "caffè ross*".
//   - #hashtag matches only that hashtag. A plain term matches the word
//     and the hashtag: caffe matches "caffè" and "#caffè".
//   - @handle matches only a mention of that handle, as a whole:
//     @mario.rossi matches "@mario.rossi" but not "@mario.rossi.it";
//     @anna also matches "@anna@mastodon.social". A plain term never
//     matches inside a mention.
//   - Words of http:// and https:// links in a post's text are not words:
//     match links with site: and url:.
//
// # Operators
//
// From the tightest to the loosest:
//
//	NOT x           posts without x (upper case only; lower-case not is a word)
//	x NEAR/n y      x and y with at most n words between them, in either order
//	x ONEAR/n y     the same with x first
//	x AND y, x y    both; adjacent terms are joined by AND
//	x OR y          either
//
// Parentheses group. "a NOT b" is "a AND NOT b", and since AND binds tighter
// than OR, "a OR b NOT c" is "a OR (b AND NOT c)": String writes it that way.
// In NEAR/n, n goes from 0 (next to each other) to MaxNear. The two sides
// of NEAR must be different words (caffe NEAR/3 caffe needs the word twice)
// and may only be terms, phrases, OR groups of them and other NEARs: AND,
// NOT and fields inside NEAR are syntax errors, since a distance from them
// means nothing. A chain a NEAR/2 b NEAR/3 c groups from the left; a group
// matches where its words are, from the first to the last. On one post each
// side counts at most 256 places, which only a long post repeating the
// words many times could exceed.
//
// # Fields
//
//	author:mario.bsky.social   the post's author (leading @ optional; author:anna
//	                           also matches anna@mastodon.social)
//	site:corriere.it           a host of the post's URL or links, or a subdomain
//	                           of it (www.corriere.it, milano.corriere.it)
//	url:corriere.it/economia   a URL of the post or its links on that host whose
//	                           path is this one or goes on below it: whole
//	                           segments, so /economia/x and /economia?p=2 but not
//	                           /economiaxyz (scheme, "www." and case ignored)
//	lang:it                    the post's language; lang:en also matches en-US
//
// Field names are case-insensitive; a value with spaces or parentheses can
// be quoted: url:"example.com/a b". A word with a colon that is not a field
// ("Nota:") is a word, but "nome:valore" with an unknown name is an error,
// as it is most likely a misspelt field.
//
// # Grammar
//
//	query   = or
//	or      = and { "OR" and }
//	and     = near { [ "AND" ] near }
//	near    = unary { ( "NEAR/" n | "ONEAR/" n ) unary }
//	unary   = "NOT" unary | primary
//	primary = "(" or ")" | term | phrase | field
//	term    = [ "#" | "@" ] word [ "*" ]
//	phrase  = '"' { term } '"'
//	field   = ( "author" | "site" | "lang" | "url" ) ":" ( value | '"' value '"' )
//
// A mistake is a *SyntaxError with the byte offset and the column of the
// exact place, and a message saying what to write instead: an unbalanced
// parenthesis or quote, an operator with nothing on one side, a wildcard
// with fewer than three letters, an empty query, an unknown field.
package query
