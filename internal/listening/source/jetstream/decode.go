package jetstream

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/portavoce/portavoce/internal/listening/source"
)

// PostCollection is the NSID of Bluesky posts, the only records that become
// source.Posts.
const PostCollection = "app.bsky.feed.post"

// tag is a JSON string that listening only compares with a few known
// values: an event's kind, a commit's operation and collection, the $type
// of an embed or a facet feature. Matching the raw bytes spares a string
// allocation per field per event. Jetstream writes these values without
// escapes; an escaped spelling would read as tagOther.
type tag uint8

const (
	tagOther tag = iota
	// "commit", one of the three kinds of events (with "identity" and
	// "account") the Jetstream README lists.
	tagCommit
	// "create", one of a commit's operations (with "update" and "delete").
	tagCreate
	// app.bsky.feed.post, the collection of posts.
	tagPost
	// app.bsky.richtext.facet#link, the feature of a facet that is a link.
	tagLink
	// app.bsky.embed.external, a link card.
	tagExternal
	// app.bsky.embed.recordWithMedia, a quoted post with media, which may
	// be a link card.
	tagRecordWithMedia
)

// tagJSON are the tags as they appear in an event, quotes included.
var tagJSON = [...]string{
	tagCommit:          `"commit"`,
	tagCreate:          `"create"`,
	tagPost:            `"` + PostCollection + `"`,
	tagLink:            `"app.bsky.richtext.facet#link"`,
	tagExternal:        `"app.bsky.embed.external"`,
	tagRecordWithMedia: `"app.bsky.embed.recordWithMedia"`,
}

// UnmarshalJSON implements json.Unmarshaler. Any string or null is
// accepted; another JSON value makes the event malformed.
func (t *tag) UnmarshalJSON(b []byte) error {
	*t = tagOther
	if len(b) == 0 || b[0] != '"' {
		if string(b) == "null" {
			return nil
		}
		return errors.New("jetstream: not a string: " + string(b))
	}
	for i := tagCommit; int(i) < len(tagJSON); i++ {
		if string(b) == tagJSON[i] {
			*t = i
			return nil
		}
	}
	return nil
}

// wireEvent is the part of a Jetstream event that listening reads. Every
// event has did, time_us and kind; a commit event carries the commit with
// the record as JSON (the lexicon's JSON form of app.bsky.feed.post).
// Identity and account events are read only for their time_us, which moves
// the cursor. Fields not named here (rev, cid, the identity and account
// objects, the post's reply, tags, images) are skipped by the decoder.
//
// Nested objects are values, not pointers, so that decoding an event into
// a reused wireEvent allocates only its strings and slices.
type wireEvent struct {
	DID    string     `json:"did"`
	TimeUS int64      `json:"time_us"`
	Kind   tag        `json:"kind"`
	Commit wireCommit `json:"commit"`
}

type wireCommit struct {
	Operation  tag        `json:"operation"`
	Collection tag        `json:"collection"`
	RKey       string     `json:"rkey"`
	Record     wireRecord `json:"record"`
}

// wireRecord is app.bsky.feed.post: text, langs (up to 3 BCP-47 tags),
// createdAt (the client's RFC 3339 time), facets (byte ranges of the text
// with their features: links, mentions, tags) and embed (a union told
// apart by $type).
type wireRecord struct {
	Text      string      `json:"text"`
	Langs     []string    `json:"langs"`
	CreatedAt string      `json:"createdAt"`
	Facets    []wireFacet `json:"facets"`
	Embed     wireEmbed   `json:"embed"`
}

type wireFacet struct {
	Features []wireFeature `json:"features"`
}

// wireFeature is one feature of a facet; only app.bsky.richtext.facet#link
// has a uri.
type wireFeature struct {
	Type tag    `json:"$type"`
	URI  string `json:"uri"`
}

// wireEmbed is the embed union: app.bsky.embed.external has the link card
// in external, app.bsky.embed.recordWithMedia a quoted post plus media,
// which may itself be an external card.
type wireEmbed struct {
	Type     tag          `json:"$type"`
	External wireExternal `json:"external"`
	Media    wireMedia    `json:"media"`
}

type wireMedia struct {
	Type     tag          `json:"$type"`
	External wireExternal `json:"external"`
}

type wireExternal struct {
	URI string `json:"uri"`
}

// event is one decoded Jetstream event, as the reader hands it to Run.
type event struct {
	// timeUS is the event's time_us, the stream's cursor.
	timeUS int64
	// isPost is true when post holds a new post.
	isPost bool
	post   source.Post
}

// errMalformed marks an event that is not JSON or misses what its kind
// requires; it is counted and skipped.
var errMalformed = errors.New("jetstream: malformed event")

// decoder turns Jetstream messages into events. It reuses its wireEvent
// between messages; it is not safe for concurrent use.
type decoder struct {
	w wireEvent
}

// decode reads one Jetstream message into ev. It returns errMalformed
// (wrapped) for a message that is not a JSON event; ev.timeUS is set
// whenever the message had a usable time_us, even if the rest was wrong,
// so that the cursor still moves past it.
func (d *decoder) decode(data []byte, ev *event) error {
	*ev = event{}
	d.w = wireEvent{}
	w := &d.w
	if err := json.Unmarshal(data, w); err != nil {
		return errors.Join(errMalformed, err)
	}
	if w.TimeUS <= 0 {
		return errors.Join(errMalformed, errors.New("no time_us"))
	}
	ev.timeUS = w.TimeUS
	if w.Kind != tagCommit {
		// identity, account, or a kind newer than this code: nothing to
		// read but the time.
		return nil
	}
	c := &w.Commit
	if c.Operation != tagCreate || c.Collection != tagPost {
		return nil
	}
	if !strings.HasPrefix(w.DID, "did:") || c.RKey == "" || strings.ContainsRune(c.RKey, '/') {
		return errors.Join(errMalformed, errors.New("post without did or rkey"))
	}
	d.post(&ev.post)
	ev.isPost = true
	return nil
}

// post fills p from the decoded post commit.
func (d *decoder) post(p *source.Post) {
	w := &d.w
	r := &w.Commit.Record
	p.ID = "at://" + w.DID + "/" + PostCollection + "/" + w.Commit.RKey
	p.Source = "bluesky"
	p.URL = "https://bsky.app/profile/" + w.DID + "/post/" + w.Commit.RKey
	p.Text = r.Text
	// Jetstream carries no handle: the DID is the author until someone
	// resolves it.
	p.Author = w.DID
	p.Lang = strings.Join(r.Langs, ",")
	p.CreatedAt = createdAt(r.CreatedAt, w.TimeUS)

	var links []string
	for i := range r.Facets {
		for _, f := range r.Facets[i].Features {
			if f.Type == tagLink && f.URI != "" {
				links = appendNew(links, f.URI)
			}
		}
	}
	switch {
	case r.Embed.Type == tagExternal:
		links = appendNew(links, r.Embed.External.URI)
	case r.Embed.Type == tagRecordWithMedia && r.Embed.Media.Type == tagExternal:
		links = appendNew(links, r.Embed.Media.External.URI)
	}
	p.Links = links
}

// appendNew appends s unless it is empty or already there: a link card
// usually repeats a link of the text.
func appendNew(list []string, s string) []string {
	if s == "" {
		return list
	}
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// createdAt parses the record's createdAt (RFC 3339; Bluesky writes
// milliseconds and Z, other clients offsets or no fraction) and falls back
// on the time Jetstream saw the event when it is missing or not a time.
func createdAt(s string, timeUS int64) time.Time {
	if s != "" {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.UTC()
		}
	}
	return time.UnixMicro(timeUS).UTC()
}

// formatCursor writes a time_us as the cursor string of a Batch.
func formatCursor(us int64) string { return strconv.FormatInt(us, 10) }

// parseCursor reads a cursor written by formatCursor.
func parseCursor(s string) (int64, error) {
	us, err := strconv.ParseInt(s, 10, 64)
	if err != nil || us <= 0 {
		return 0, errors.New("jetstream: cursor " + strconv.Quote(s) + " is not a time_us")
	}
	return us, nil
}
