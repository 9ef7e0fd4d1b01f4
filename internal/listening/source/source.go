// Package source is where listening reads public posts: Bluesky's
// Jetstream, Mastodon hashtag timelines, RSS and Atom feeds (Google Alerts
// included), Hacker News and Reddit search. Each source lives in its own
// folder with a local test server that speaks its real protocol.
//
// A source is resumable: it hands over posts in batches together with the
// cursor that follows them, and the caller stores both in one transaction.
// Restarted from a stored cursor, a source may repeat a few posts (the
// caller keeps one of each ID) but never skips one.
package source

import (
	"context"
	"time"
)

// Post is a public post, article or comment a source found.
type Post struct {
	// ID is unique and stable within the source: a Bluesky at:// URI, a
	// Mastodon status URL, a feed item's GUID (or link), an HN or Reddit
	// id.
	ID string
	// Source names the source kind: "bluesky", "mastodon", "rss", "hn",
	// "reddit".
	Source string
	// URL is the post's or page's public address.
	URL string
	// Title is the page's or story's title, when it has one.
	Title string
	// Text is plain text (HTML stripped).
	Text string
	// Author is the author's handle ("mario.bsky.social",
	// "anna@mastodon.social", a feed's author name, an HN user).
	Author string
	// AuthorName is the name the author shows, if different.
	AuthorName string
	// Lang is the language the source or the author gave ("it", "en"),
	// comma-separated when several.
	Lang string
	// Links are the external links of the post.
	Links []string
	// Reach is the source's measure of audience: followers, points,
	// upvotes (0 when unknown).
	Reach int
	// CreatedAt is when the post was written.
	CreatedAt time.Time
}

// Batch is what a source hands over at once.
type Batch struct {
	Posts []Post
	// Cursor is where the source resumes after these posts.
	Cursor string
}

// Status is how a source is doing, for the page that lists sources.
type Status struct {
	// Connected is true while the source is receiving (a live stream
	// connected, or the last poll succeeded).
	Connected bool
	// Err is the last failure, nil after a success.
	Err error
	// RetryAt is when a failed source tries again.
	RetryAt time.Time
}

// Source reads posts.
type Source interface {
	// Name identifies this source instance ("jetstream", "rss
	// https://example.com/feed.xml").
	Name() string
	// Run reads from cursor ("" for now on) until ctx ends, calling emit
	// with each batch; a source waits for emit to return before going on,
	// and stops with emit's error. status is called whenever the source
	// connects, fails or backs off. A failure of the network is retried
	// with back-off inside Run; Run returns only when ctx ends or emit
	// fails.
	Run(ctx context.Context, cursor string, emit func(context.Context, Batch) error, status func(Status)) error
}
