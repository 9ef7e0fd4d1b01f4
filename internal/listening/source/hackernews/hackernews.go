// Package hackernews reads Hacker News stories and comments that match a
// query, through the HN Search API by Algolia (hn.algolia.com/api):
//
//	GET /api/v1/search_by_date?query=Q&tags=(story,comment)&hitsPerPage=N&numericFilters=created_at_i>=T
//
// which answers {"hits":[...],"nbHits":...,"page":0,"nbPages":...,
// "hitsPerPage":N}, newest first; each hit has objectID, created_at_i,
// author, and, by kind, title, url, points and story_text (a story) or
// comment_text, story_id, story_title and parent_id (a comment). Texts are
// HTML.
//
// The source is polite: one request per interval (5 minutes by default)
// per query, retries after a failure no sooner, and backs off on 429 and
// 5xx answers (honouring Retry-After).
//
// The cursor is JSON,
//
//	{"t":1767258000,"ids":{"41234567":1767258000,"41234501":1767257712}}
//
// with t the created_at_i of the newest hit handed over and ids the hits
// handed over from t minus Options.Overlap on, by objectID. Each poll asks
// for the hits from t minus the overlap (the index shows a hit some time
// after it was written, so a late one is still found) and drops those in
// ids: a restart repeats nothing it listed and skips nothing. The first
// poll ("" cursor) takes the newest page; what is older is left out. When a
// page is full, the hits below it have not been read: the cursor then also
// holds the window still to read, "from" and "until", and the next polls
// read it downward, a page each, before going on from t.
package hackernews

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portavoce/portavoce/internal/listening/source"
	"github.com/portavoce/portavoce/internal/listening/source/poll"
	"github.com/portavoce/portavoce/internal/netguard"
)

// Kind is the Source of the posts the source hands over.
const Kind = "hn"

// Defaults of Options.
const (
	DefaultBaseURL     = "https://hn.algolia.com/api/v1"
	DefaultInterval    = 5 * time.Minute
	DefaultTags        = "(story,comment)"
	DefaultHitsPerPage = 100
	// MaxHitsPerPage is the API's limit.
	MaxHitsPerPage = 1000
	// DefaultOverlap is how far before the newest hit each poll looks
	// again, for hits the index shows late.
	DefaultOverlap = 10 * time.Minute
)

const (
	// itemURL is the address of an item's page on Hacker News.
	itemURL = "https://news.ycombinator.com/item?id="
	// maxBytes bounds an answer (1000 hits with long comments).
	maxBytes = 16 << 20
	// maxIDs bounds the IDs in the cursor; past it the oldest go, and
	// those may be handed over again.
	maxIDs = 2000
)

// Options configure the source. The zero value is ready to use.
type Options struct {
	// Poll sets the interval (default DefaultInterval) and the back-off
	// (from the interval by default: a failure is retried no sooner).
	Poll poll.Options
	// BaseURL is the API's address. Default DefaultBaseURL.
	BaseURL string
	// Tags filters the hits. Default DefaultTags: stories and comments.
	Tags string
	// HitsPerPage is the page size. Default DefaultHitsPerPage, at most
	// MaxHitsPerPage.
	HitsPerPage int
	// Overlap is how far before the newest hit each poll looks again.
	// Default DefaultOverlap; negative for none.
	Overlap time.Duration
	// UserAgent is sent with every request. Default
	// netguard.DefaultUserAgent().
	UserAgent string
}

// Source is one query on Hacker News.
type Source struct {
	query  string
	client *http.Client
	o      Options
}

var _ source.Source = (*Source)(nil)

// New returns the source of the HN posts that match query, asked with
// client (never http.DefaultClient: the caller's, netguard's in
// production).
func New(query string, client *http.Client, o Options) (*Source, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, errors.New("hackernews: empty query")
	}
	if client == nil {
		return nil, errors.New("hackernews: no HTTP client")
	}
	if o.Poll.Interval <= 0 {
		o.Poll.Interval = DefaultInterval
	}
	if o.Poll.Backoff <= 0 {
		o.Poll.Backoff = o.Poll.Interval
	}
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	o.BaseURL = strings.TrimSuffix(o.BaseURL, "/")
	if poll.AbsoluteURL(o.BaseURL) == "" {
		return nil, fmt.Errorf("hackernews: %q is not an http or https address", o.BaseURL)
	}
	if o.Tags == "" {
		o.Tags = DefaultTags
	}
	if o.HitsPerPage <= 0 {
		o.HitsPerPage = DefaultHitsPerPage
	}
	o.HitsPerPage = min(o.HitsPerPage, MaxHitsPerPage)
	switch {
	case o.Overlap == 0:
		o.Overlap = DefaultOverlap
	case o.Overlap < 0:
		o.Overlap = 0
	}
	if o.UserAgent == "" {
		o.UserAgent = netguard.DefaultUserAgent()
	}
	return &Source{query: query, client: client, o: o}, nil
}

// Name is "hn" and the query.
func (s *Source) Name() string { return Kind + " " + s.query }

// cursor is where the source resumes.
type cursor struct {
	// T is the created_at_i of the newest hit handed over; 0 before the
	// first poll.
	T int64 `json:"t"`
	// IDs are the hits handed over from the window's start on, by
	// objectID, with their created_at_i.
	IDs map[string]int64 `json:"ids,omitempty"`
	// From and Until, while a full page is being caught up with, bound
	// (inclusive) the hits still to read.
	From  int64 `json:"from,omitempty"`
	Until int64 `json:"until,omitempty"`
}

func (c cursor) String() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// parseCursor reads a stored cursor; one that cannot be read is taken as
// none (the newest page).
func parseCursor(s string) cursor {
	var c cursor
	if s == "" || json.Unmarshal([]byte(s), &c) != nil {
		return cursor{}
	}
	return c
}

// hit is the part of a search hit the source reads.
type hit struct {
	ObjectID    string  `json:"objectID"`
	CreatedAtI  int64   `json:"created_at_i"`
	Title       *string `json:"title"`
	URL         *string `json:"url"`
	Author      string  `json:"author"`
	Points      *int    `json:"points"`
	StoryText   *string `json:"story_text"`
	CommentText *string `json:"comment_text"`
	StoryTitle  *string `json:"story_title"`
}

// answer is the part of a search answer the source reads.
type answer struct {
	Hits   *[]hit `json:"hits"`
	NbHits int    `json:"nbHits"`
}

// Run polls until ctx ends or emit fails (see source.Source).
func (s *Source) Run(ctx context.Context, cur string, emit func(context.Context, source.Batch) error, status func(source.Status)) error {
	r := &run{s: s, cur: parseCursor(cur), seen: poll.NewSeen(0), emit: emit, now: s.o.Poll.Now}
	if r.now == nil {
		r.now = time.Now
	}
	return poll.Run(ctx, s.o.Poll, r.poll, status)
}

type run struct {
	s    *Source
	cur  cursor
	seen *poll.Seen
	emit func(context.Context, source.Batch) error
	now  func() time.Time
}

func (r *run) overlap() int64 { return int64(r.s.o.Overlap / time.Second) }

func (r *run) poll(ctx context.Context) (poll.Result, error) {
	c := r.cur
	first := c.T == 0
	q := url.Values{
		"query":       {r.s.query},
		"tags":        {r.s.o.Tags},
		"hitsPerPage": {strconv.Itoa(r.s.o.HitsPerPage)},
	}
	switch {
	case c.Until > 0:
		q.Set("numericFilters", fmt.Sprintf("created_at_i>=%d,created_at_i<=%d", c.From, c.Until))
	case !first:
		q.Set("numericFilters", fmt.Sprintf("created_at_i>=%d", c.T-r.overlap()))
	}
	h := http.Header{"User-Agent": {r.s.o.UserAgent}, "Accept": {"application/json"}}
	resp, err := poll.Get(ctx, r.s.client, r.s.o.BaseURL+"/search_by_date?"+q.Encode(), h, r.now())
	if err != nil {
		return poll.Result{}, err
	}
	body, err := poll.ReadBody(resp, maxBytes)
	if err != nil {
		return poll.Result{}, err
	}
	var a answer
	if err := json.Unmarshal(body, &a); err != nil {
		return poll.Result{}, fmt.Errorf("malformed search answer: %w", err)
	}
	if a.Hits == nil {
		return poll.Result{}, errors.New("malformed search answer: no hits")
	}
	hits := slices.DeleteFunc(*a.Hits, func(h hit) bool { return h.ObjectID == "" || h.CreatedAtI <= 0 })

	next := cursor{T: c.T, IDs: maps.Clone(c.IDs)}
	if next.IDs == nil {
		next.IDs = map[string]int64{}
	}
	var posts []source.Post
	for _, h := range hits {
		if _, ok := next.IDs[h.ObjectID]; !ok && !r.seen.Has(h.ObjectID) {
			posts = append(posts, post(h))
		}
		next.IDs[h.ObjectID] = h.CreatedAtI
		next.T = max(next.T, h.CreatedAtI)
	}
	if first && len(hits) == 0 {
		// Nothing yet: from now on.
		next.T = r.now().Unix()
	}
	if !first && len(*a.Hits) >= r.s.o.HitsPerPage && len(hits) > 0 {
		// A full page: the hits below its oldest are still to read.
		oldest := slices.MinFunc(hits, func(x, y hit) int { return cmp.Compare(x.CreatedAtI, y.CreatedAtI) }).CreatedAtI
		from, until := c.T-r.overlap(), oldest
		if c.Until > 0 {
			from = c.From
			if until >= c.Until {
				// A whole page in one second: the rest of that second
				// cannot be reached by time; go below it.
				until = c.Until - 1
			}
		}
		if until >= from {
			next.From, next.Until = from, until
		}
	}
	keep := next.T - r.overlap()
	if next.Until > 0 {
		keep = min(keep, next.From)
	}
	prune(next.IDs, keep)

	slices.SortStableFunc(posts, func(x, y source.Post) int {
		return cmp.Or(x.CreatedAt.Compare(y.CreatedAt), cmp.Compare(x.ID, y.ID))
	})
	if len(posts) == 0 && next.String() == c.String() {
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

// prune drops the IDs older than keep, then the oldest beyond maxIDs.
func prune(ids map[string]int64, keep int64) {
	maps.DeleteFunc(ids, func(_ string, t int64) bool { return t < keep })
	if len(ids) <= maxIDs {
		return
	}
	all := slices.SortedFunc(maps.Keys(ids), func(x, y string) int {
		return cmp.Or(cmp.Compare(ids[x], ids[y]), cmp.Compare(x, y))
	})
	for _, id := range all[:len(all)-maxIDs] {
		delete(ids, id)
	}
}

// post turns a hit into a post.
func post(h hit) source.Post {
	p := source.Post{
		ID:        h.ObjectID,
		Source:    Kind,
		URL:       itemURL + url.QueryEscape(h.ObjectID),
		Title:     deref(h.Title),
		Author:    h.Author,
		CreatedAt: time.Unix(h.CreatedAtI, 0).UTC(),
	}
	if p.Title == "" {
		p.Title = deref(h.StoryTitle)
	}
	if h.Points != nil {
		p.Reach = *h.Points
	}
	body := deref(h.StoryText)
	if body == "" {
		body = deref(h.CommentText)
	}
	var links []string
	p.Text, links = poll.HTML(body)
	if u := poll.AbsoluteURL(deref(h.URL)); u != "" {
		p.Links = append(p.Links, u)
	}
	for _, l := range links {
		if !slices.Contains(p.Links, l) {
			p.Links = append(p.Links, l)
		}
	}
	return p
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
