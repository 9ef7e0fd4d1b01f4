// Package provider is what Portavoce asks of a social network: publish a post
// (a thread of parts with media) for a connected account, and tell, when an
// earlier attempt's outcome is unknown, which parts the network already has.
//
// Each network lives in its own folder (mastodon, bluesky) with a local test
// server that speaks its documented API; every provider passes the shared
// contract suite in providertest.
package provider

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Network names, as stored with each connected account.
const (
	Mastodon = "mastodon"
	Bluesky  = "bluesky"
)

// Limits are what a network accepts from one account. Mastodon's come from
// the instance (/api/v2/instance); Bluesky's are fixed by its lexicons.
type Limits struct {
	// MaxChars is the text limit of one post, counted the network's way.
	MaxChars int `json:"max_chars"`
	// CharsPerURL is what a link counts for (Mastodon: 23), 0 when links
	// count as their text.
	CharsPerURL int `json:"chars_per_url,omitempty"`
	// Graphemes is true when text is counted in grapheme clusters (Bluesky).
	Graphemes bool `json:"graphemes,omitempty"`
	// MaxMedia is how many images or videos one post carries.
	MaxMedia int `json:"max_media"`
	// ImageMaxBytes and VideoMaxBytes bound one file.
	ImageMaxBytes int64 `json:"image_max_bytes"`
	VideoMaxBytes int64 `json:"video_max_bytes,omitempty"`
	// ImageMaxPixels bounds width×height, 0 for no limit.
	ImageMaxPixels int64 `json:"image_max_pixels,omitempty"`
	// MediaTypes are the accepted MIME types.
	MediaTypes []string `json:"media_types"`
	// MaxAltChars bounds an image's description.
	MaxAltChars int `json:"max_alt_chars"`
}

// Profile is a connected account as its network shows it.
type Profile struct {
	// RemoteID is the network's id: Mastodon's account id, Bluesky's DID.
	RemoteID    string `json:"remote_id"`
	Handle      string `json:"handle"`
	DisplayName string `json:"display_name"`
	AvatarURL   string `json:"avatar_url,omitempty"`
	// URL is the profile's public page.
	URL string `json:"url,omitempty"`
}

// Account is a connected account as a provider needs it to act.
type Account struct {
	// ID is Portavoce's id of the connected account.
	ID string
	// Server is the base URL the provider talks to: the Mastodon instance,
	// or the Bluesky account's PDS.
	Server string
	// RemoteID is Mastodon's account id or Bluesky's DID.
	RemoteID string
	Handle   string
	// Credentials are the provider's own secret state (tokens), decrypted.
	// They are never logged nor put in an error.
	Credentials []byte
	// SaveCredentials stores credentials that the provider renewed (Bluesky
	// rotates its tokens at every refresh). The provider calls it before it
	// uses the new tokens.
	SaveCredentials func(ctx context.Context, credentials []byte) error
}

// Media is one image (or video) attached to a part.
type Media struct {
	Filename    string
	ContentType string
	Data        []byte
	// Alt is the description read to people who cannot see the image.
	Alt           string
	Width, Height int
}

// Part is one post of a thread: the first part is the post, each next one
// answers the previous.
type Part struct {
	Text  string
	Media []Media
}

// Published is a part the network accepted.
type Published struct {
	// RemoteID is the network's id of the post: Mastodon's status id,
	// Bluesky's at:// URI.
	RemoteID string `json:"remote_id"`
	// CID is Bluesky's content hash of the record (needed to reply to it).
	CID string `json:"cid,omitempty"`
	// URL is the post's public page.
	URL string `json:"url"`
}

// Delivery is one post going to one account.
type Delivery struct {
	// ID is Portavoce's id of the delivery (one post, one account).
	ID    string
	Parts []Part
	// Keys, one per part, were chosen before the first attempt and are the
	// same at every attempt: Mastodon's Idempotency-Key, Bluesky's record
	// key. They are what makes a repeat unable to post twice.
	Keys []string
	// Done holds the parts accepted by earlier attempts, in order: a
	// publish resumes after them.
	Done []Published
	// LinkPreview asks for a card of the first link in the first part where
	// the network shows one only when the client builds it (Bluesky).
	LinkPreview bool
	// FirstAttempt is when the first attempt started: how long the
	// network's idempotency memory still covers a repeat.
	FirstAttempt time.Time
	// ReplyTo, when set, is what the first part answers (an inbox reply).
	ReplyTo *ReplyTo
}

// Publisher is the core of every provider.
type Publisher interface {
	// Network names the network (Mastodon, Bluesky).
	Network() string
	// NewKeys returns n keys for the parts of a new delivery.
	NewKeys(n int) []string
	// Publish publishes the parts not in d.Done, in order. accepted is
	// called as soon as the network accepts each part, before the next is
	// sent; if it fails, Publish stops and returns its error. Errors are
	// *Error.
	Publish(ctx context.Context, a Account, d Delivery, accepted func(part int, p Published) error) error
	// Check looks on the network for the parts of d that an interrupted
	// attempt may have created, and returns, for each part in order, the
	// published post or nil where the network does not have it. It is
	// called before any repeat of an attempt whose outcome is unknown; an
	// error means the check itself failed and nothing may be repeated yet.
	Check(ctx context.Context, a Account, d Delivery) ([]*Published, error)
}

// Kind sorts failures by what the scheduler does about them.
type Kind string

// Kinds of failure.
const (
	// Temporary failures (5xx, a refused connection) are retried with
	// backoff.
	Temporary Kind = "temporary"
	// RateLimited waits until Error.RetryAfter.
	RateLimited Kind = "rate_limited"
	// AuthExpired marks the account for reconnection; posts are kept.
	AuthExpired Kind = "auth_expired"
	// Rejected content is not retried: the network's reason is shown.
	Rejected Kind = "rejected"
	// Unknown outcome: the request left and no answer came back. The network
	// may have published: Check before any repeat.
	Unknown Kind = "unknown"
)

// Error is a failure of a network call, typed for the scheduler.
type Error struct {
	Kind    Kind
	Network string
	// Part is the index of the part being published, -1 when none.
	Part int
	// Status is the HTTP status, 0 when no answer came.
	Status int
	// Code is the network's own error code ("RateLimitExceeded").
	Code string
	// Reason is the network's own message, shown to the user; never a
	// secret.
	Reason string
	// RetryAfter is when a rate-limited call may be made again.
	RetryAfter time.Time
	Err        error
}

func (e *Error) Error() string {
	msg := e.Network + ": " + string(e.Kind)
	if e.Part >= 0 {
		msg += fmt.Sprintf(" (part %d)", e.Part+1)
	}
	if e.Status != 0 {
		msg += fmt.Sprintf(": HTTP %d", e.Status)
	}
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of err: an *Error's own, Temporary for anything
// else that is not a cancellation.
func KindOf(err error) Kind {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Kind
	}
	return Temporary
}

// Verifier is the optional capability of checking that an account's access
// still works, so that an expired token is shown on the accounts page
// before a post fails. It returns the profile as it is now.
type Verifier interface {
	Verify(ctx context.Context, a Account) (Profile, error)
}
