// Package feed reads an RSS or Atom feed as a listening source, Google
// Alerts' Atom feeds included (their entries link to
// https://www.google.com/url?...&url=<page>, unwrapped to the page).
//
// Each poll is a conditional GET (If-None-Match with the ETag and
// If-Modified-Since with the Last-Modified of the last answer): a 304
// hands over nothing. A full answer is parsed with gofeed; its items whose
// ID (GUID, else link) was not handed over before go out oldest first,
// their HTML turned into text. The cursor is JSON,
//
//	{"etag":"\"abc\"","last_modified":"Mon, 02 Mar 2026 10:00:00 GMT","ids":["guid-1","https://example.com/a"]}
//
// with the validators and the IDs of the items of the last answer (the
// newest DefaultMaxIDs at most): a restart asks conditionally and skips
// the items it lists, so it repeats little (only items past the bound) and
// skips nothing (an item is listed only once handed over). A failure backs
// off, for this feed alone, as poll.Run does.
package feed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/portavoce/portavoce/internal/listening/source"
	"github.com/portavoce/portavoce/internal/listening/source/poll"
	"github.com/portavoce/portavoce/internal/netguard"
)

// Kind is the Source of the posts a feed hands over.
const Kind = "rss"

// Defaults of Options.
const (
	// DefaultInterval is how often a feed is asked: Google Alerts and
	// most publishers change far less often.
	DefaultInterval = 15 * time.Minute
	// DefaultMaxBytes bounds a feed document.
	DefaultMaxBytes = 10 << 20
	// DefaultMaxIDs bounds the IDs the cursor keeps.
	DefaultMaxIDs = 300
)

// accept names the feed types, then anything (many feeds are served as
// text/xml or worse).
const accept = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"

// Options configure a feed. The zero value is ready to use.
type Options struct {
	// Poll sets the interval (default DefaultInterval) and the back-off.
	Poll poll.Options
	// UserAgent is sent with every request. Default
	// netguard.DefaultUserAgent(): "Portavoce/<version>
	// (+https://github.com/portavoce/portavoce)".
	UserAgent string
	// MaxBytes bounds a feed document. Default DefaultMaxBytes.
	MaxBytes int64
	// MaxIDs bounds the IDs the cursor keeps. Default DefaultMaxIDs.
	MaxIDs int
}

// Source is one feed.
type Source struct {
	url    string
	client *http.Client
	o      Options
}

var _ source.Source = (*Source)(nil)

// New returns the source of the feed at feedURL (http or https), fetched
// with client: the SSRF-guarded one of netguard in production, as the
// address is the user's.
func New(feedURL string, client *http.Client, o Options) (*Source, error) {
	if client == nil {
		return nil, errors.New("feed: no HTTP client")
	}
	if poll.AbsoluteURL(feedURL) == "" {
		return nil, fmt.Errorf("feed: %q is not an http or https address", feedURL)
	}
	if o.Poll.Interval <= 0 {
		o.Poll.Interval = DefaultInterval
	}
	if o.UserAgent == "" {
		o.UserAgent = netguard.DefaultUserAgent()
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxIDs <= 0 {
		o.MaxIDs = DefaultMaxIDs
	}
	return &Source{url: strings.TrimSpace(feedURL), client: client, o: o}, nil
}

// Name is "rss" and the feed's address.
func (s *Source) Name() string { return Kind + " " + s.url }

// cursor is where a feed resumes.
type cursor struct {
	ETag         string   `json:"etag,omitempty"`
	LastModified string   `json:"last_modified,omitempty"`
	IDs          []string `json:"ids,omitempty"`
}

func (c cursor) String() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// parseCursor reads a stored cursor; one that cannot be read is taken as
// none, which repeats the feed's items rather than skipping any.
func parseCursor(s string) cursor {
	var c cursor
	if s != "" && json.Unmarshal([]byte(s), &c) != nil {
		return cursor{}
	}
	return c
}

// Run polls the feed until ctx ends or emit fails (see source.Source).
func (s *Source) Run(ctx context.Context, cur string, emit func(context.Context, source.Batch) error, status func(source.Status)) error {
	r := &run{s: s, cur: parseCursor(cur), seen: poll.NewSeen(0), emit: emit, now: s.o.Poll.Now}
	if r.now == nil {
		r.now = time.Now
	}
	for _, id := range r.cur.IDs {
		r.seen.Add(id)
	}
	return poll.Run(ctx, s.o.Poll, r.poll, status)
}

// run is the state of one Run.
type run struct {
	s    *Source
	cur  cursor
	seen *poll.Seen
	emit func(context.Context, source.Batch) error
	now  func() time.Time
}

func (r *run) poll(ctx context.Context) (poll.Result, error) {
	h := http.Header{"User-Agent": {r.s.o.UserAgent}, "Accept": {accept}}
	if r.cur.ETag != "" {
		h.Set("If-None-Match", r.cur.ETag)
	}
	if r.cur.LastModified != "" {
		h.Set("If-Modified-Since", r.cur.LastModified)
	}
	resp, err := poll.Get(ctx, r.s.client, r.s.url, h, r.now())
	if err != nil {
		return poll.Result{}, err
	}
	if resp.StatusCode == http.StatusNotModified {
		resp.Body.Close()
		return poll.Result{}, nil
	}
	body, err := poll.ReadBody(resp, r.s.o.MaxBytes)
	if err != nil {
		return poll.Result{}, err
	}
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return poll.Result{}, fmt.Errorf("not an RSS or Atom feed: %w", err)
	}
	next := cursor{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	posts, ids := r.read(f)
	next.IDs = ids
	if len(posts) == 0 && next.String() == r.cur.String() {
		return poll.Result{}, nil
	}
	if err := r.emit(ctx, source.Batch{Posts: posts, Cursor: next.String()}); err != nil {
		return poll.Result{}, poll.Stop(err)
	}
	for _, p := range posts {
		r.seen.Add(p.ID)
	}
	r.cur = next
	return poll.Result{}, nil
}

// read turns the feed's items into the posts not handed over yet, oldest
// first, and returns the IDs of all its items, the newest MaxIDs.
func (r *run) read(f *gofeed.Feed) (posts []source.Post, ids []string) {
	type known struct {
		id string
		at time.Time
	}
	var all []known
	now := r.now()
	lang := language(f.Language)
	for _, it := range f.Items {
		if it == nil {
			continue
		}
		p := r.post(f, it, lang, now)
		if slices.ContainsFunc(all, func(k known) bool { return k.id == p.ID }) {
			continue
		}
		all = append(all, known{p.ID, p.CreatedAt})
		if !r.seen.Has(p.ID) {
			posts = append(posts, p)
		}
	}
	slices.SortStableFunc(posts, func(a, b source.Post) int { return a.CreatedAt.Compare(b.CreatedAt) })
	slices.SortStableFunc(all, func(a, b known) int { return b.at.Compare(a.at) })
	for _, k := range all[:min(len(all), r.s.o.MaxIDs)] {
		ids = append(ids, k.id)
	}
	return posts, ids
}

// post turns an item into a post.
func (r *run) post(f *gofeed.Feed, it *gofeed.Item, lang string, now time.Time) source.Post {
	link := r.resolve(it.Link)
	if link == "" {
		for _, l := range it.Links {
			if link = r.resolve(l); link != "" {
				break
			}
		}
	}
	body := it.Description
	if strings.TrimSpace(body) == "" {
		body = it.Content
	}
	text, links := poll.HTML(body)
	title, _ := poll.HTML(it.Title)
	p := source.Post{
		ID:     strings.TrimSpace(it.GUID),
		Source: Kind,
		URL:    link,
		Title:  title,
		Text:   text,
		Author: author(it.Authors),
		Lang:   lang,
	}
	if p.Author == "" {
		p.Author = author(f.Authors)
	}
	for _, l := range links {
		if l = Unwrap(l); l != link && !slices.Contains(p.Links, l) {
			p.Links = append(p.Links, l)
		}
	}
	switch {
	case it.PublishedParsed != nil:
		p.CreatedAt = *it.PublishedParsed
	case it.UpdatedParsed != nil:
		p.CreatedAt = *it.UpdatedParsed
	default:
		// Undated: first seen now.
		p.CreatedAt = now
	}
	if p.ID == "" {
		p.ID = link
	}
	if p.ID == "" {
		sum := sha256.Sum256([]byte(it.Title + "\x00" + body))
		p.ID = "sha256:" + hex.EncodeToString(sum[:16])
	}
	return p
}

// resolve makes an item's link absolute against the feed's address and
// unwraps a Google redirect; "" when it is no http(s) link.
func (r *run) resolve(link string) string {
	link = strings.TrimSpace(link)
	if link == "" {
		return ""
	}
	if base, err := url.Parse(r.s.url); err == nil {
		if u, err := base.Parse(link); err == nil {
			link = u.String()
		}
	}
	return poll.AbsoluteURL(Unwrap(link))
}

// googleHost matches Google's hosts, whatever the country.
var googleHost = regexp.MustCompile(`^(www\.)?google\.[a-z]{2,3}(\.[a-z]{2})?$`)

// Unwrap returns the page a Google redirect (https://www.google.com/url?
// ...&url=<page>, as in Google Alerts, or ?q=<page>) leads to, and any
// other link as it is.
func Unwrap(link string) string {
	u, err := url.Parse(link)
	if err != nil || u.Path != "/url" || !googleHost.MatchString(strings.ToLower(u.Hostname())) {
		return link
	}
	q := u.Query()
	for _, k := range []string{"url", "q"} {
		if target := poll.AbsoluteURL(q.Get(k)); target != "" {
			return target
		}
	}
	return link
}

func author(people []*gofeed.Person) string {
	for _, p := range people {
		if p == nil {
			continue
		}
		if name := strings.TrimSpace(p.Name); name != "" {
			return name
		}
		if email := strings.TrimSpace(p.Email); email != "" {
			return email
		}
	}
	return ""
}

// language is the primary subtag of a feed's language ("it-IT" → "it").
func language(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	return s
}
