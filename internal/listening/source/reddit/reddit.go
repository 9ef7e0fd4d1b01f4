// Package reddit reads the Reddit posts that match a query, through the
// search listing:
//
//	GET https://www.reddit.com/search.json?q=Q&sort=new&limit=100&type=link&raw_json=1
//
// which answers a Listing, {"kind":"Listing","data":{"after":"t3_...",
// "children":[{"kind":"t3","data":{...}}]}}, newest first; each link has
// name (its fullname, t3_...), title, selftext (markdown), permalink, url,
// author, score, created_utc and subreddit. raw_json=1 asks for the texts
// unescaped. With Options.Token (an OAuth2 bearer token) the source asks
// oauth.reddit.com instead, as Reddit's API rules want of API clients.
//
// Reddit's rules ask for a unique, descriptive User-Agent,
// "<platform>:<app ID>:<version> (by /u/<username>)": the source sends
// "server:portavoce:<version> (by /u/<Options.Username>)", or the
// project's address in place of the user. Every answer carries
// X-Ratelimit-Remaining and X-Ratelimit-Reset (seconds to the end of the
// window): an answer with nothing remaining delays the next request until
// the reset, and a 429 is retried after it (or after Retry-After).
//
// The cursor is JSON,
//
//	{"t":1767258000,"names":{"t3_1abcde":1767258000,"t3_1abcdd":1767257000}}
//
// with t the created_utc of the newest post handed over and names the
// posts handed over from t minus Options.Overlap on. Search shows a post
// some time after it was written, so each poll takes the newest page and
// hands over the posts of the overlap that names does not list: a restart
// repeats nothing listed and skips nothing. The first poll ("" cursor)
// takes the newest page; older posts are left out. When a page is full of
// posts newer than the overlap's start, the ones below it have not been
// read: the cursor then holds "after", the fullname to read on from, and
// "from", the overlap's start, and the next polls, Options.Poll.Pause
// apart, read down with after= until they reach it.
package reddit

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/listening/source"
	"github.com/portavoce/portavoce/internal/listening/source/poll"
)

// Kind is the Source of the posts the source hands over.
const Kind = "reddit"

// Defaults of Options.
const (
	DefaultBaseURL = "https://www.reddit.com"
	// OAuthBaseURL is where requests with a token go.
	OAuthBaseURL    = "https://oauth.reddit.com"
	DefaultInterval = 5 * time.Minute
	// DefaultPause spaces the requests of a catch-up: Reddit asks for
	// one request every two seconds on average.
	DefaultPause = 2 * time.Second
	// DefaultLimit is the page size, Reddit's maximum.
	DefaultLimit = 100
	// DefaultOverlap is how far before the newest post each poll looks
	// again, for posts search shows late.
	DefaultOverlap = time.Hour
)

const (
	// siteURL is where permalinks point.
	siteURL  = "https://www.reddit.com"
	maxBytes = 8 << 20
	// maxNames bounds the names in the cursor; past it the oldest go,
	// and those may be handed over again.
	maxNames = 2000
	// rateLimitWait is how long a 429 that says nothing about when is
	// waited out.
	rateLimitWait = time.Minute
)

// Options configure the source. The zero value is ready to use.
type Options struct {
	// Poll sets the interval (default DefaultInterval), the pause
	// between the pages of a catch-up (default DefaultPause) and the
	// back-off.
	Poll poll.Options
	// BaseURL is Reddit's address. Default DefaultBaseURL, or
	// OAuthBaseURL with a Token.
	BaseURL string
	// Token is an OAuth2 bearer token, sent when set.
	Token string
	// Username is the Reddit user who runs the instance, named in the
	// User-Agent as Reddit's rules ask.
	Username string
	// UserAgent replaces the User-Agent built from Username.
	UserAgent string
	// Limit is the page size. Default and at most DefaultLimit.
	Limit int
	// Overlap is how far before the newest post each poll looks again.
	// Default DefaultOverlap; negative for none.
	Overlap time.Duration
}

// Source is one query on Reddit.
type Source struct {
	query  string
	client *http.Client
	o      Options
}

var _ source.Source = (*Source)(nil)

// UserAgent is the User-Agent Reddit's rules ask for:
// "server:portavoce:<version> (by /u/<username>)", or with the project's
// address when username is "".
func UserAgent(username string) string {
	contact := "(+https://github.com/portavoce/portavoce)"
	if u := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(username), "/u/"), "u/"); u != "" {
		contact = "(by /u/" + u + ")"
	}
	return "server:portavoce:" + portavoce.Version + " " + contact
}

// New returns the source of the Reddit posts that match query, asked
// with client (never http.DefaultClient: the caller's, netguard's in
// production).
func New(query string, client *http.Client, o Options) (*Source, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, errors.New("reddit: empty query")
	}
	if client == nil {
		return nil, errors.New("reddit: no HTTP client")
	}
	if o.Poll.Interval <= 0 {
		o.Poll.Interval = DefaultInterval
	}
	if o.Poll.Pause <= 0 {
		o.Poll.Pause = min(DefaultPause, o.Poll.Interval)
	}
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
		if o.Token != "" {
			o.BaseURL = OAuthBaseURL
		}
	}
	o.BaseURL = strings.TrimSuffix(o.BaseURL, "/")
	if poll.AbsoluteURL(o.BaseURL) == "" {
		return nil, fmt.Errorf("reddit: %q is not an http or https address", o.BaseURL)
	}
	if o.UserAgent == "" {
		o.UserAgent = UserAgent(o.Username)
	}
	if o.Limit <= 0 || o.Limit > DefaultLimit {
		o.Limit = DefaultLimit
	}
	switch {
	case o.Overlap == 0:
		o.Overlap = DefaultOverlap
	case o.Overlap < 0:
		o.Overlap = 0
	}
	return &Source{query: query, client: client, o: o}, nil
}

// Name is "reddit" and the query.
func (s *Source) Name() string { return Kind + " " + s.query }

// cursor is where the source resumes.
type cursor struct {
	// T is the created_utc (whole seconds) of the newest post handed
	// over; 0 before the first poll.
	T int64 `json:"t"`
	// Names are the posts handed over from the window's start on, with
	// their created_utc.
	Names map[string]int64 `json:"names,omitempty"`
	// After and From, during a catch-up, are the fullname to read on
	// from and the start of the window it reads down to.
	After string `json:"after,omitempty"`
	From  int64  `json:"from,omitempty"`
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

// link is the part of a t3 thing the source reads.
type link struct {
	Name       string  `json:"name"`
	Title      string  `json:"title"`
	Selftext   string  `json:"selftext"`
	Permalink  string  `json:"permalink"`
	URL        string  `json:"url"`
	Author     string  `json:"author"`
	Score      int     `json:"score"`
	CreatedUTC float64 `json:"created_utc"`
	Subreddit  string  `json:"subreddit"`
	ID         string  `json:"id"`
}

func (l link) created() int64 { return int64(math.Floor(l.CreatedUTC)) }

// listing is the part of a Listing the source reads.
type listing struct {
	Kind string `json:"kind"`
	Data *struct {
		After    *string `json:"after"`
		Children []struct {
			Kind string `json:"kind"`
			Data link   `json:"data"`
		} `json:"children"`
	} `json:"data"`
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
		"q":        {r.s.query},
		"sort":     {"new"},
		"limit":    {strconv.Itoa(r.s.o.Limit)},
		"type":     {"link"},
		"raw_json": {"1"},
	}
	from := c.T - r.overlap()
	if c.After != "" {
		q.Set("after", c.After)
		from = c.From
	}
	h := http.Header{"User-Agent": {r.s.o.UserAgent}, "Accept": {"application/json"}}
	if r.s.o.Token != "" {
		h.Set("Authorization", "Bearer "+r.s.o.Token)
	}
	now := r.now()
	resp, err := poll.Get(ctx, r.s.client, r.s.o.BaseURL+"/search.json?"+q.Encode(), h, now)
	if err != nil {
		if he, ok := errors.AsType[*poll.HTTPError](err); ok && he.Status == http.StatusTooManyRequests && he.RetryAt.IsZero() {
			he.RetryAt = reset(he.Header, now)
			if he.RetryAt.IsZero() {
				he.RetryAt = now.Add(rateLimitWait)
			}
		}
		return poll.Result{}, err
	}
	var res poll.Result
	if rem, err := strconv.ParseFloat(strings.TrimSpace(resp.Header.Get("X-Ratelimit-Remaining")), 64); err == nil && rem < 1 {
		res.NotBefore = reset(resp.Header, now)
	}
	body, err := poll.ReadBody(resp, maxBytes)
	if err != nil {
		return poll.Result{}, err
	}
	var l listing
	if err := json.Unmarshal(body, &l); err != nil {
		return poll.Result{}, fmt.Errorf("malformed search listing: %w", err)
	}
	if l.Kind != "Listing" || l.Data == nil {
		return poll.Result{}, errors.New("malformed search listing: not a Listing")
	}

	next := cursor{T: c.T, Names: maps.Clone(c.Names)}
	if next.Names == nil {
		next.Names = map[string]int64{}
	}
	var posts []source.Post
	var page []link
	for _, ch := range l.Data.Children {
		if ch.Kind != "t3" || ch.Data.Name == "" {
			continue
		}
		lk := ch.Data
		page = append(page, lk)
		if !first && lk.created() < from {
			// Older than the window: read before.
			continue
		}
		if _, ok := next.Names[lk.Name]; !ok && !r.seen.Has(lk.Name) {
			posts = append(posts, post(lk))
		}
		next.Names[lk.Name] = lk.created()
		next.T = max(next.T, lk.created())
	}
	if first && len(page) == 0 {
		// Nothing yet: from now on.
		next.T = now.Unix()
	}
	if !first && len(l.Data.Children) >= r.s.o.Limit && len(page) > 0 && l.Data.After != nil && *l.Data.After != "" {
		oldest := slices.MinFunc(page, func(x, y link) int { return cmp.Compare(x.created(), y.created()) })
		if oldest.created() >= from {
			// A page of new posts only: read on below it.
			next.After, next.From = *l.Data.After, from
		}
	}
	keep := next.T - r.overlap()
	if next.After != "" {
		keep = min(keep, next.From)
	}
	prune(next.Names, keep)

	slices.SortStableFunc(posts, func(x, y source.Post) int {
		return cmp.Or(x.CreatedAt.Compare(y.CreatedAt), cmp.Compare(x.ID, y.ID))
	})
	res.More = next.After != ""
	if len(posts) == 0 && next.String() == c.String() {
		return res, nil
	}
	if err := r.emit(ctx, source.Batch{Posts: posts, Cursor: next.String()}); err != nil {
		return poll.Result{}, poll.Stop(err)
	}
	for _, p := range posts {
		r.seen.Add(p.ID)
	}
	r.cur = next
	return res, nil
}

// reset reads X-Ratelimit-Reset (seconds to the end of the window), then
// Retry-After; zero when neither says.
func reset(h http.Header, now time.Time) time.Time {
	if s, err := strconv.ParseFloat(strings.TrimSpace(h.Get("X-Ratelimit-Reset")), 64); err == nil && s >= 0 {
		return now.Add(time.Duration(math.Ceil(s)) * time.Second)
	}
	return poll.RetryAfter(h, now)
}

// prune drops the names older than keep, then the oldest beyond maxNames.
func prune(names map[string]int64, keep int64) {
	maps.DeleteFunc(names, func(_ string, t int64) bool { return t < keep })
	if len(names) <= maxNames {
		return
	}
	all := slices.SortedFunc(maps.Keys(names), func(x, y string) int {
		return cmp.Or(cmp.Compare(names[x], names[y]), cmp.Compare(x, y))
	})
	for _, n := range all[:len(all)-maxNames] {
		delete(names, n)
	}
}

// bareURL finds the addresses in markdown text.
var bareURL = regexp.MustCompile(`https?://[^\s<>()\[\]"']+`)

// post turns a link into a post.
func post(l link) source.Post {
	p := source.Post{
		ID:     l.Name,
		Source: Kind,
		Title:  l.Title,
		Text:   strings.TrimSpace(l.Selftext),
		Author: l.Author,
		Reach:  l.Score,
	}
	sec, frac := math.Modf(l.CreatedUTC)
	p.CreatedAt = time.Unix(int64(sec), int64(frac*1e9)).UTC()
	switch {
	case strings.HasPrefix(l.Permalink, "/"):
		p.URL = siteURL + l.Permalink
	case l.Subreddit != "" && l.ID != "":
		p.URL = siteURL + "/r/" + l.Subreddit + "/comments/" + l.ID + "/"
	default:
		p.URL = poll.AbsoluteURL(l.URL)
	}
	if u := poll.AbsoluteURL(l.URL); u != "" && u != p.URL {
		p.Links = append(p.Links, u)
	}
	for _, u := range bareURL.FindAllString(p.Text, -1) {
		u = strings.TrimRight(u, ".,;:!?*_")
		if u = poll.AbsoluteURL(u); u != "" && !slices.Contains(p.Links, u) {
			p.Links = append(p.Links, u)
		}
	}
	return p
}
