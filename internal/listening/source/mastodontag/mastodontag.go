// Package mastodontag reads a hashtag's public timeline on a Mastodon
// instance (docs.joinmastodon.org methods/timelines#tag) as a listening
// source:
//
//	GET /api/v1/timelines/tag/:hashtag?limit=40&min_id=<cursor>
//
// public unless the instance disabled the preview of its timelines (then
// Options.Token, a bearer token with read:statuses, is needed). It pages
// forward as the Mastodon inbox does: the first poll ("" cursor) takes the
// newest page, and each next one asks min_id, "results immediately newer
// than this ID", 40 at a time; a full page asks for the next after
// Options.Poll.Pause. The cursor is the id of the newest status handed over
// (the min_id of the answer's Link rel="prev" when it has one), or "0"
// when the first poll found none: a restart from it repeats nothing and
// skips nothing the instance had shown.
//
// With Options.Token the source also follows the hashtag's stream (GET
// /api/v1/streaming/hashtag?tag=…, methods/streaming; public and hashtag
// streams need a user token since Mastodon 4.2) on the streaming host the
// instance publishes: an "update" event only starts the next poll at once,
// the poll from the cursor still being what hands statuses over, so a
// dropped stream loses and repeats nothing. A stream that fails is
// connected again after a back-off while polling goes on at its interval.
// Without a token no stream is opened.
//
// A status becomes a post with its ActivityPub uri as ID, its page as URL,
// its content as text (the content warning first), the author's acct with
// the instance's domain for local accounts, their followers as reach, its
// language, and the links of its card and content (mentions and hashtags
// left out).
package mastodontag

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portavoce/portavoce/internal/listening/source"
	"github.com/portavoce/portavoce/internal/listening/source/poll"
	"github.com/portavoce/portavoce/internal/netguard"
)

// Kind is the Source of the posts the source hands over.
const Kind = "mastodon"

// Defaults of Options.
const (
	DefaultInterval = 2 * time.Minute
	DefaultPause    = time.Second
	// DefaultLimit is the page size, the API's maximum.
	DefaultLimit = 40
)

const (
	maxBytes = 16 << 20
	// rateLimitWait is how long a 429 that says nothing about when is
	// waited out.
	rateLimitWait = time.Minute
)

// Options configure the source. The zero value is ready to use.
type Options struct {
	// Poll sets the interval (default DefaultInterval), the pause
	// before the next page after a full one (default DefaultPause) and
	// the back-off.
	Poll poll.Options
	// Token is a bearer token, sent when set. With one the source also
	// follows the hashtag's stream, each new status waking a poll at
	// once (Poll.Wake is then the source's own).
	Token string
	// StreamBackoff is the wait before connecting the stream again after
	// a first failure; it doubles with each failure in a row up to
	// MaxStreamBackoff. Defaults DefaultStreamBackoff and
	// DefaultMaxStreamBackoff.
	StreamBackoff    time.Duration
	MaxStreamBackoff time.Duration
	// UserAgent is sent with every request. Default
	// netguard.DefaultUserAgent().
	UserAgent string
	// Limit is the page size. Default and at most DefaultLimit.
	Limit int
}

// Source is one hashtag on one instance.
type Source struct {
	instance string
	host     string
	tag      string
	client   *http.Client
	o        Options
}

var _ source.Source = (*Source)(nil)

// hashtag is what Mastodon accepts as a hashtag's name.
var hashtag = regexp.MustCompile(`^[\p{L}\p{N}_\p{M}·]+$`)

// New returns the source of the public statuses tagged hashtag ("#" or
// not) on instance ("https://mastodon.social"), asked with client (the
// SSRF-guarded one of netguard in production: the instance is the user's).
func New(instance, tag string, client *http.Client, o Options) (*Source, error) {
	if client == nil {
		return nil, errors.New("mastodontag: no HTTP client")
	}
	instance = strings.TrimSuffix(strings.TrimSpace(instance), "/")
	u, err := url.Parse(instance)
	if poll.AbsoluteURL(instance) == "" || err != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return nil, fmt.Errorf("mastodontag: %q is not an instance's address", instance)
	}
	tag = strings.TrimPrefix(strings.TrimSpace(tag), "#")
	if !hashtag.MatchString(tag) {
		return nil, fmt.Errorf("mastodontag: %q is not a hashtag", tag)
	}
	if o.Poll.Interval <= 0 {
		o.Poll.Interval = DefaultInterval
	}
	if o.Poll.Pause <= 0 {
		o.Poll.Pause = min(DefaultPause, o.Poll.Interval)
	}
	if o.UserAgent == "" {
		o.UserAgent = netguard.DefaultUserAgent()
	}
	if o.StreamBackoff <= 0 {
		o.StreamBackoff = DefaultStreamBackoff
	}
	if o.MaxStreamBackoff <= 0 {
		o.MaxStreamBackoff = DefaultMaxStreamBackoff
	}
	o.MaxStreamBackoff = max(o.MaxStreamBackoff, o.StreamBackoff)
	if o.Limit <= 0 || o.Limit > DefaultLimit {
		o.Limit = DefaultLimit
	}
	return &Source{instance: instance, host: u.Host, tag: tag, client: client, o: o}, nil
}

// Name is "mastodon", the instance and the hashtag.
func (s *Source) Name() string { return Kind + " " + s.instance + " #" + s.tag }

// accountEntity is the part of entities/Account the source reads.
type accountEntity struct {
	Username       string `json:"username"`
	Acct           string `json:"acct"`
	DisplayName    string `json:"display_name"`
	URL            string `json:"url"`
	FollowersCount int    `json:"followers_count"`
}

// statusEntity is the part of entities/Status the source reads.
type statusEntity struct {
	ID          string          `json:"id"`
	CreatedAt   string          `json:"created_at"`
	URI         string          `json:"uri"`
	URL         *string         `json:"url"`
	Content     string          `json:"content"`
	SpoilerText string          `json:"spoiler_text"`
	Language    *string         `json:"language"`
	Account     accountEntity   `json:"account"`
	Reblog      json.RawMessage `json:"reblog"`
	Card        *struct {
		URL string `json:"url"`
	} `json:"card"`
}

// Run polls until ctx ends or emit fails (see source.Source).
func (s *Source) Run(ctx context.Context, cur string, emit func(context.Context, source.Batch) error, status func(source.Status)) error {
	r := &run{s: s, cur: strings.TrimSpace(cur), seen: poll.NewSeen(0), emit: emit, now: s.o.Poll.Now}
	if r.now == nil {
		r.now = time.Now
	}
	po := s.o.Poll
	if s.o.Token != "" {
		ctx, cancel := context.WithCancel(ctx)
		wake := make(chan struct{}, 1)
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.follow(ctx, wake)
		}()
		defer func() {
			cancel()
			<-done
		}()
		po.Wake = wake
		return poll.Run(ctx, po, r.poll, status)
	}
	return poll.Run(ctx, po, r.poll, status)
}

type run struct {
	s    *Source
	cur  string
	seen *poll.Seen
	emit func(context.Context, source.Batch) error
	now  func() time.Time
}

func (r *run) poll(ctx context.Context) (poll.Result, error) {
	q := url.Values{"limit": {strconv.Itoa(r.s.o.Limit)}}
	if r.cur != "" {
		q.Set("min_id", r.cur)
	}
	h := http.Header{"User-Agent": {r.s.o.UserAgent}, "Accept": {"application/json"}}
	if r.s.o.Token != "" {
		h.Set("Authorization", "Bearer "+r.s.o.Token)
	}
	now := r.now()
	u := r.s.instance + "/api/v1/timelines/tag/" + url.PathEscape(r.s.tag) + "?" + q.Encode()
	resp, err := poll.Get(ctx, r.s.client, u, h, now)
	if err != nil {
		if he, ok := errors.AsType[*poll.HTTPError](err); ok && he.Status == http.StatusTooManyRequests {
			if at := rateLimitReset(he.Header, now); !at.IsZero() {
				he.RetryAt = at
			} else if he.RetryAt.IsZero() {
				he.RetryAt = now.Add(rateLimitWait)
			}
		}
		return poll.Result{}, err
	}
	var res poll.Result
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		res.NotBefore = rateLimitReset(resp.Header, now)
	}
	link := resp.Header.Get("Link")
	body, err := poll.ReadBody(resp, maxBytes)
	if err != nil {
		return poll.Result{}, err
	}
	var statuses []statusEntity
	if err := json.Unmarshal(body, &statuses); err != nil {
		return poll.Result{}, fmt.Errorf("malformed timeline: %w", err)
	}
	// Newest first in the answer, with or without min_id.
	slices.SortStableFunc(statuses, func(x, y statusEntity) int { return idCompare(x.ID, y.ID) })

	next := r.cur
	var posts []source.Post
	for _, st := range statuses {
		if st.ID == "" {
			continue
		}
		if next == "" || idCompare(next, st.ID) < 0 {
			next = st.ID
		}
		if st.URI == "" || (len(st.Reblog) > 0 && string(st.Reblog) != "null") || r.seen.Has(st.URI) {
			continue
		}
		posts = append(posts, r.post(st))
	}
	if prev := prevMinID(link); prev != "" && len(statuses) > 0 {
		next = prev
	}
	if next == "" {
		// Nothing yet: page from the start, which is from now on.
		next = "0"
	}
	res.More = r.cur != "" && len(statuses) >= r.s.o.Limit
	if len(posts) == 0 && next == r.cur {
		return res, nil
	}
	if err := r.emit(ctx, source.Batch{Posts: posts, Cursor: next}); err != nil {
		return poll.Result{}, poll.Stop(err)
	}
	for _, p := range posts {
		r.seen.Add(p.ID)
	}
	r.cur = next
	return res, nil
}

// post turns a status into a post.
func (r *run) post(st statusEntity) source.Post {
	p := source.Post{ID: st.URI, Source: Kind, URL: st.URI, Reach: st.Account.FollowersCount}
	if st.URL != nil && *st.URL != "" {
		p.URL = *st.URL
	}
	var links []string
	p.Text, links = poll.HTML(st.Content)
	if cw := strings.TrimSpace(st.SpoilerText); cw != "" {
		p.Text = strings.TrimSpace(cw + "\n\n" + p.Text)
	}
	if st.Language != nil {
		p.Lang = *st.Language
	}
	p.Author = st.Account.Acct
	if p.Author == "" {
		p.Author = st.Account.Username
	}
	if p.Author != "" && !strings.Contains(p.Author, "@") {
		// A local account: the domain is the instance's (its profile's
		// host, which a server on another domain than its web host
		// still shows).
		domain := r.s.host
		if u, err := url.Parse(st.Account.URL); err == nil && u.Host != "" {
			domain = u.Host
		}
		p.Author += "@" + domain
	}
	if st.Account.DisplayName != "" && st.Account.DisplayName != st.Account.Username {
		p.AuthorName = st.Account.DisplayName
	}
	if st.Card != nil {
		if u := poll.AbsoluteURL(st.Card.URL); u != "" {
			p.Links = append(p.Links, u)
		}
	}
	for _, l := range links {
		if !slices.Contains(p.Links, l) {
			p.Links = append(p.Links, l)
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, st.CreatedAt); err == nil {
		p.CreatedAt = t
	}
	return p
}

// idCompare orders status ids: Mastodon's are numbers of varying length,
// other servers' strings of one length.
func idCompare(a, b string) int {
	return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
}

// linkPrev finds the rel="prev" address of a Link header.
var linkPrev = regexp.MustCompile(`<([^>]*)>\s*;\s*rel="?prev"?`)

// prevMinID is the min_id of the Link header's rel="prev": where the
// server says the next page forward starts.
func prevMinID(link string) string {
	m := linkPrev.FindStringSubmatch(link)
	if m == nil {
		return ""
	}
	u, err := url.Parse(m[1])
	if err != nil {
		return ""
	}
	return u.Query().Get("min_id")
}

// rateLimitReset reads X-RateLimit-Reset (an ISO 8601 time on the
// instance's clock), taken relative to the answer's Date so that a skewed
// clock on either side does not move it; zero when absent.
func rateLimitReset(h http.Header, now time.Time) time.Time {
	reset, err := time.Parse(time.RFC3339Nano, h.Get("X-RateLimit-Reset"))
	if err != nil {
		return time.Time{}
	}
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		// Date has whole seconds: keep at least the rest of one.
		return now.Add(max(reset.Sub(date), time.Second))
	}
	return reset
}
