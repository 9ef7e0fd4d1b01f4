// Package bluesky publishes to Bluesky through the AT Protocol: an account
// connects with an app password, its posts are app.bsky.feed.post records
// created in its repository on its PDS, with images, rich-text facets,
// replies for threads and, when asked, a link card built from the linked
// page.
//
// Every call goes through plain net/http and provider.Send, so that a
// failure is sorted the way the scheduler needs (see provider.Kind).
// Records are created with a record key chosen before the first attempt
// (Delivery.Keys, TIDs from NewKeys): the PDS refuses a second record with
// the same key, which is what keeps a repeated attempt from posting twice.
package bluesky

import (
	"crypto/rand"
	"encoding/binary"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/portavoce/portavoce/internal/provider"
)

// Default services: where handles are resolved and logins start, and the
// directory of did:plc identities.
const (
	DefaultEntry = "https://bsky.social"
	DefaultPLC   = "https://plc.directory"
)

// userAgent names Portavoce to the servers it calls.
const userAgent = "Portavoce (+https://github.com/portavoce/portavoce)"

// Lexicon limits (app.bsky.feed.post, app.bsky.embed.images and
// app.bsky.embed.external).
const (
	maxGraphemes = 300
	maxImages    = 4
	// maxImageBytes is the historical 1 MB bound of an image blob, which
	// every Bluesky server accepts (the current lexicon allows 2 MB).
	maxImageBytes = 1_000_000
	// maxThumbBytes bounds a link card's thumbnail.
	maxThumbBytes = 1_000_000
	// maxAltChars is the Bluesky app's limit on an image description: the
	// lexicon itself sets none.
	maxAltChars = 2000
)

// Client talks to Bluesky for any number of connected accounts. It is safe
// for concurrent use.
type Client struct {
	http    *http.Client
	preview *http.Client
	entry   string
	plc     string
	now     func() time.Time
	tids    *syntax.TIDClock

	mu       sync.Mutex
	rotating map[string]*sync.Mutex
	rotated  map[string]rotation
}

// rotation remembers, per connected account, which refresh token was last
// exchanged and for which session, so that an attempt still holding the old
// tokens uses the new ones instead of failing (the PDS accepts each refresh
// token once).
type rotation struct {
	from string
	to   session
}

var _ provider.Publisher = (*Client)(nil)

// New returns a client that calls Bluesky through httpClient. entry is the
// service where handles are resolved (DefaultEntry when empty) and plc the
// PLC directory (DefaultPLC when empty); tests point both at a
// blueskytest.Server.
func New(httpClient *http.Client, entry, plc string) *Client {
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	if entry == "" {
		entry = DefaultEntry
	}
	if plc == "" {
		plc = DefaultPLC
	}
	var seed [2]byte
	_, _ = rand.Read(seed[:])
	return &Client{
		http:     httpClient,
		preview:  httpClient,
		entry:    strings.TrimRight(entry, "/"),
		plc:      strings.TrimRight(plc, "/"),
		now:      time.Now,
		tids:     syntax.NewTIDClock(uint(binary.BigEndian.Uint16(seed[:]) % 1024)),
		rotating: map[string]*sync.Mutex{},
		rotated:  map[string]rotation{},
	}
}

// SetPreviewClient sets the client that fetches linked pages for link cards
// (by default the one given to New). Those pages are anywhere on the web,
// so production gives one that refuses private addresses. Call it before
// the client is used.
func (c *Client) SetPreviewClient(hc *http.Client) {
	if hc != nil {
		c.preview = hc
	}
}

// SetClock replaces the clock that dates posts and reads rate-limit resets.
// Call it before the client is used.
func (c *Client) SetClock(now func() time.Time) {
	if now != nil {
		c.now = now
	}
}

// Network names Bluesky.
func (c *Client) Network() string { return provider.Bluesky }

// NewKeys returns n record keys for the parts of a new delivery: TIDs,
// distinct and increasing, as app.bsky.feed.post records want (their key
// type is "tid"), from a clock with a random clock id so that two Portavoce
// processes do not collide.
func (c *Client) NewKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = c.tids.Next().String()
	}
	return keys
}

// Limits are what one Bluesky post accepts: 300 graphemes of text, four
// images of at most 1,000,000 bytes each, alt text up to 2,000 characters.
// Bluesky's limits are fixed by its lexicons, not by the server.
func Limits() provider.Limits {
	return provider.Limits{
		MaxChars:      maxGraphemes,
		Graphemes:     true,
		MaxMedia:      maxImages,
		ImageMaxBytes: maxImageBytes,
		MediaTypes:    []string{"image/jpeg", "image/png", "image/webp", "image/gif"},
		MaxAltChars:   maxAltChars,
	}
}

// postURL is a post's page on bsky.app.
func postURL(handle, did, rkey string) string {
	return profileURL(handle, did) + "/post/" + rkey
}

// profileURL is an account's page on bsky.app, by handle unless the handle
// is unknown or broken ("handle.invalid").
func profileURL(handle, did string) string {
	if handle == "" || handle == "handle.invalid" {
		handle = did
	}
	return "https://bsky.app/profile/" + handle
}
