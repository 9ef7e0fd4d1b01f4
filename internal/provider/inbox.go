package provider

import (
	"context"
	"time"
)

// What an inbox item is.
const (
	// ItemReply answers one of the account's posts (or a reply under it).
	ItemReply = "reply"
	// ItemMention names the account in a post that is not a reply to it.
	ItemMention = "mention"
	// ItemQuote quotes one of the account's posts.
	ItemQuote = "quote"
	// ItemRepost reposts (boosts) one of the account's posts.
	ItemRepost = "repost"
	// ItemMessage is a direct message: a Mastodon direct status, a Bluesky
	// chat message.
	ItemMessage = "message"
)

// Person is the author of an inbox item, as the network shows them.
type Person struct {
	// RemoteID is Mastodon's account id or Bluesky's DID.
	RemoteID  string `json:"remote_id"`
	Handle    string `json:"handle"`
	Name      string `json:"name,omitempty"`
	AvatarURL string `json:"avatar_url,omitempty"`
	URL       string `json:"url,omitempty"`
	Followers int    `json:"followers"`
}

// ReplyTo is the post (or chat conversation) a reply answers. A delivery
// with a ReplyTo publishes its first part as an answer to it.
type ReplyTo struct {
	// RemoteID is the post answered: Mastodon's status id, Bluesky's at://
	// URI.
	RemoteID string `json:"remote_id,omitempty"`
	// CID is Bluesky's content hash of that post.
	CID string `json:"cid,omitempty"`
	// RootID and RootCID are the thread's first post on Bluesky (the same
	// as RemoteID and CID when the post answered is the root).
	RootID  string `json:"root_id,omitempty"`
	RootCID string `json:"root_cid,omitempty"`
	// Direct is true when the answer is private: on Mastodon a direct
	// status that mentions Handle, on Bluesky a chat message in
	// Conversation.
	Direct bool `json:"direct,omitempty"`
	// Handle is the person answered, mentioned in a Mastodon direct reply.
	Handle string `json:"handle,omitempty"`
	// Conversation is Bluesky's chat conversation id.
	Conversation string `json:"conversation,omitempty"`
}

// Item is one thing that arrived for a connected account: a reply, a
// mention, a quote, a repost or a direct message.
type Item struct {
	// RemoteID is unique among the account's items and stable: the post's
	// id for replies, mentions, quotes and Mastodon direct statuses, the
	// notification's id for reposts, the message id for chat messages.
	RemoteID string `json:"remote_id"`
	Kind     string `json:"kind"`
	// Thread groups items into one conversation: for posts, the remote id
	// of the thread's first post (usually one of ours); for direct
	// messages, "dm:" followed by the network's conversation id, or the
	// person's id where the network has none.
	Thread string `json:"thread"`
	// SubjectText and SubjectURL are the thread's first post (the one of
	// ours that was answered, reposted or quoted), when known.
	SubjectText string `json:"subject_text,omitempty"`
	SubjectURL  string `json:"subject_url,omitempty"`
	// Reply is what an answer to this item must point to; nil when the
	// item cannot be answered (a repost).
	Reply *ReplyTo `json:"reply,omitempty"`
	// URL is the item's public page on the network, when it has one.
	URL  string `json:"url,omitempty"`
	Text string `json:"text"`
	// Lang is the language the network or the author gave, if any.
	Lang      string    `json:"lang,omitempty"`
	Author    Person    `json:"author"`
	CreatedAt time.Time `json:"created_at"`
	// Deleted is true when the network says the post is gone.
	Deleted bool `json:"deleted,omitempty"`
}

// Page is what one Fetch brought.
type Page struct {
	// Items are new since the cursor, oldest first. A network may repeat
	// items already given: the caller keeps one of each RemoteID.
	Items []Item
	// Cursor is where the next Fetch resumes. The caller stores it in the
	// same transaction as the items, so that a crash repeats a page rather
	// than losing it.
	Cursor string
	// More is true when the network holds more items past Cursor: fetch
	// again at once.
	More bool
}

// Action is something done to an item on the network.
type Action string

// Actions on items.
const (
	// Like favourites (Mastodon) or likes (Bluesky) the item. Repeating it
	// leaves one like.
	Like Action = "like"
	// Repost boosts (Mastodon) or reposts (Bluesky) the item. Repeating it
	// leaves one repost.
	Repost Action = "repost"
	// Hide hides a reply under one of the account's threads where the
	// network allows it (Bluesky's threadgate).
	Hide Action = "hide"
	// Delete deletes one of the account's own posts (a reply sent from
	// Portavoce).
	Delete Action = "delete"
)

// Event is what a live stream signals.
type Event struct {
	// Type is "new" (something arrived: fetch now) or "deleted" (the post
	// RemoteID was deleted).
	Type     string
	RemoteID string
}

// Inbox is what a provider offers for the unified inbox. Its errors are
// *Error, classified as for publishing.
type Inbox interface {
	// Fetch returns the items that arrived since cursor. The empty cursor
	// is the first poll of an account: it brings the recent items (at most
	// a few pages) and a cursor.
	Fetch(ctx context.Context, a Account, cursor string) (Page, error)
	// Thread returns the posts of the thread of the post remoteID as the
	// network shows them now, first post first. A post the network reports
	// as deleted comes back with Deleted set; if remoteID itself is gone,
	// the result holds it with Deleted set.
	Thread(ctx context.Context, a Account, remoteID string) ([]Item, error)
	// Act does action to the post target.
	Act(ctx context.Context, a Account, action Action, target ReplyTo) error
	// Actions lists the actions the network allows on an item of a kind.
	Actions(kind string) []Action
}

// Streamer is an Inbox that the network also pushes to (Mastodon's user
// stream).
type Streamer interface {
	// Watch follows the account's live stream, calling on for each event,
	// until ctx ends or the stream fails (its error says why).
	Watch(ctx context.Context, a Account, on func(Event)) error
}

// PollEvery is how often an account's inbox is fetched when the network
// does not stream, and the safety net when it does.
const PollEvery = time.Minute
