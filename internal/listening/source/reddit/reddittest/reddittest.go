// Package reddittest is Reddit's search for tests: a real HTTP server on
// loopback that answers GET /search.json as www.reddit.com (and
// oauth.reddit.com, with a bearer token) does: parameters q, sort (new is
// newest first; the others too, as the tests need no ranking), limit
// (default 25, at most 100), after and before (fullnames), raw_json (without
// it, &, < and > in texts come escaped, Reddit's legacy behaviour); the
// answer a Listing ({"kind":"Listing","data":{"after":...,"before":...,
// "dist":...,"children":[{"kind":"t3","data":{...}}]}}) whose links carry
// name (t3_...), id, title, selftext, permalink, url, author, score,
// created_utc (a float), subreddit and the fields around them.
//
// Every answer carries the rate-limit headers of Reddit's API rules
// (X-Ratelimit-Used, X-Ratelimit-Remaining, X-Ratelimit-Reset: requests
// used and left in the window, seconds to its end); a request past the
// allowance is answered 429 with them. A generic User-Agent (none,
// Go-http-client, python-requests, curl) is answered 429 at once, as
// Reddit "drastically limits" them. The server can fail (any status with
// its headers) or answer a body that is no Listing. Control methods are
// safe for concurrent use.
package reddittest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Post is a link or self post.
type Post struct {
	// ID is the base-36 id; numbered from "1a0000" when empty.
	ID        string
	Subreddit string
	Title     string
	// Selftext is a self post's markdown; URL a link post's address.
	Selftext string
	URL      string
	Author   string
	Score    int
	Created  time.Time
}

type fault struct {
	status int
	header http.Header
}

// Server is Reddit's search on loopback.
type Server struct {
	ts *httptest.Server

	mu       sync.Mutex
	posts    []*Post
	lastID   int64
	faults   []fault
	body     string
	token    string
	limit    int
	window   time.Duration
	start    time.Time
	used     int
	requests []url.Values
	agents   []string
	limited  int
}

// New starts the server with an allowance of 100 requests per 10 minutes.
// Close it when done.
func New() *Server {
	s := &Server{lastID: 2_000_000_000, limit: 100, window: 10 * time.Minute, start: time.Now()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /search.json", s.search)
	mux.HandleFunc("GET /search", s.search)
	s.ts = httptest.NewServer(mux)
	return s
}

// Close stops the server.
func (s *Server) Close() { s.ts.Close() }

// URL is the server's address, as reddit.Options.BaseURL wants it.
func (s *Server) URL() string { return s.ts.URL }

// Client is an HTTP client that reaches the server.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Add publishes posts and returns their fullnames (t3_...).
func (s *Server) Add(posts ...Post) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for _, p := range posts {
		if p.ID == "" {
			s.lastID++
			p.ID = strconv.FormatInt(s.lastID, 36)
		}
		if p.Subreddit == "" {
			p.Subreddit = "italy"
		}
		s.posts = append(s.posts, &p)
		names = append(names, "t3_"+p.ID)
	}
	return names
}

// SetRateLimit sets the allowance: n requests per window, counted from
// now.
func (s *Server) SetRateLimit(n int, window time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit, s.window, s.start, s.used = n, window, time.Now(), 0
}

// RequireToken makes the server answer only requests with this bearer
// token, as oauth.reddit.com.
func (s *Server) RequireToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = token
}

// Fail answers the next n requests with status and header.
func (s *Server) Fail(n int, status int, header http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, fault{status, header})
	}
}

// SetBody makes every answer this body with status 200 ("" goes back to
// searching).
func (s *Server) SetBody(body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body = body
}

// Requests are the query parameters of the requests received.
func (s *Server) Requests() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// UserAgents are the User-Agent headers of the requests received.
func (s *Server) UserAgents() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.agents)
}

// Limited counts the requests answered 429 for the rate limit.
func (s *Server) Limited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limited
}

// genericAgent is true for the default User-Agents of HTTP libraries.
func genericAgent(ua string) bool {
	ua = strings.ToLower(strings.TrimSpace(ua))
	for _, p := range []string{"go-http-client", "python-requests", "python-urllib", "curl/", "java/"} {
		if strings.HasPrefix(ua, p) {
			return true
		}
	}
	return ua == ""
}

// rateHeadersLocked counts the request in the window and sets the
// rate-limit headers; it reports whether the allowance was exceeded.
func (s *Server) rateHeadersLocked(w http.ResponseWriter) bool {
	now := time.Now()
	for now.Sub(s.start) >= s.window {
		s.start, s.used = s.start.Add(s.window), 0
	}
	s.used++
	over := s.used > s.limit
	used := min(s.used, s.limit)
	reset := int(math.Ceil(s.start.Add(s.window).Sub(now).Seconds()))
	w.Header().Set("X-Ratelimit-Used", strconv.Itoa(used))
	w.Header().Set("X-Ratelimit-Remaining", strconv.FormatFloat(float64(s.limit-used), 'f', 1, 64))
	w.Header().Set("X-Ratelimit-Reset", strconv.Itoa(max(reset, 0)))
	return over
}

type linkJSON struct {
	ApprovedAtUTC         *float64 `json:"approved_at_utc"`
	Subreddit             string   `json:"subreddit"`
	Selftext              string   `json:"selftext"`
	AuthorFullname        string   `json:"author_fullname"`
	Title                 string   `json:"title"`
	SubredditNamePrefixed string   `json:"subreddit_name_prefixed"`
	Name                  string   `json:"name"`
	Score                 int      `json:"score"`
	Ups                   int      `json:"ups"`
	UpvoteRatio           float64  `json:"upvote_ratio"`
	NumComments           int      `json:"num_comments"`
	Created               float64  `json:"created"`
	CreatedUTC            float64  `json:"created_utc"`
	Domain                string   `json:"domain"`
	IsSelf                bool     `json:"is_self"`
	SelftextHTML          *string  `json:"selftext_html"`
	Permalink             string   `json:"permalink"`
	URL                   string   `json:"url"`
	ID                    string   `json:"id"`
	Author                string   `json:"author"`
	Over18                bool     `json:"over_18"`
	Stickied              bool     `json:"stickied"`
	SubredditID           string   `json:"subreddit_id"`
}

type thingJSON struct {
	Kind string   `json:"kind"`
	Data linkJSON `json:"data"`
}

type listingJSON struct {
	Kind string `json:"kind"`
	Data struct {
		After     *string     `json:"after"`
		Dist      int         `json:"dist"`
		Modhash   string      `json:"modhash"`
		GeoFilter string      `json:"geo_filter"`
		Facets    struct{}    `json:"facets"`
		Children  []thingJSON `json:"children"`
		Before    *string     `json:"before"`
	} `json:"data"`
}

// legacy escapes as Reddit does without raw_json=1.
var legacy = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func (s *Server) linkJSON(p *Post, raw bool) linkJSON {
	esc := func(v string) string {
		if raw {
			return v
		}
		return legacy.Replace(v)
	}
	slug := strings.ToLower(strings.Join(strings.FieldsFunc(p.Title, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}), "_"))
	permalink := "/r/" + p.Subreddit + "/comments/" + p.ID + "/" + slug + "/"
	v := linkJSON{
		Subreddit: p.Subreddit, Selftext: esc(p.Selftext), AuthorFullname: "t2_" + strings.ToLower(p.Author),
		Title: esc(p.Title), SubredditNamePrefixed: "r/" + p.Subreddit, Name: "t3_" + p.ID,
		Score: p.Score, Ups: p.Score, UpvoteRatio: 1, Created: float64(p.Created.Unix()),
		CreatedUTC: float64(p.Created.Unix()), IsSelf: p.URL == "", Permalink: permalink,
		ID: p.ID, Author: p.Author, SubredditID: "t5_2qh" + strconv.Itoa(len(p.Subreddit)),
	}
	if p.URL == "" {
		v.URL = "https://www.reddit.com" + permalink
		v.Domain = "self." + p.Subreddit
		if p.Selftext != "" {
			v.SelftextHTML = new(esc("<!-- SC_OFF --><div class=\"md\"><p>" + p.Selftext + "</p></div><!-- SC_ON -->"))
		}
	} else {
		v.URL = esc(p.URL)
		if u, err := url.Parse(p.URL); err == nil {
			v.Domain = strings.TrimPrefix(u.Hostname(), "www.")
		}
	}
	return v
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	s.requests = append(s.requests, q)
	s.agents = append(s.agents, r.Header.Get("User-Agent"))
	over := s.rateHeadersLocked(w)
	if over || genericAgent(r.Header.Get("User-Agent")) {
		s.limited++
		s.mu.Unlock()
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"message": "Too Many Requests", "error": 429})
		return
	}
	if s.token != "" && r.Header.Get("Authorization") != "Bearer "+s.token {
		s.mu.Unlock()
		w.Header().Set("WWW-Authenticate", `Bearer realm="reddit", error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Unauthorized", "error": 401})
		return
	}
	var f *fault
	if len(s.faults) > 0 {
		f = &s.faults[0]
		s.faults = s.faults[1:]
	}
	body := s.body
	s.mu.Unlock()
	if f != nil {
		for k, vs := range f.header {
			w.Header()[k] = vs
		}
		writeJSON(w, f.status, map[string]any{"message": http.StatusText(f.status), "error": f.status})
		return
	}
	if body != "" {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		fmt.Fprint(w, body)
		return
	}

	limit := 25
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = min(n, 100)
	}
	words := strings.Fields(strings.ToLower(q.Get("q")))
	s.mu.Lock()
	var found []*Post
	for _, p := range s.posts {
		text := strings.ToLower(p.Title + " " + p.Selftext + " " + p.URL)
		if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(text, w) }) {
			found = append(found, p)
		}
	}
	s.mu.Unlock()
	// Newest first; equal times by id, newest id first.
	slices.SortStableFunc(found, func(x, y *Post) int {
		xi, _ := strconv.ParseInt(x.ID, 36, 64)
		yi, _ := strconv.ParseInt(y.ID, 36, 64)
		return cmp.Or(y.Created.Compare(x.Created), cmp.Compare(yi, xi))
	})
	from, to := 0, len(found)
	if after := q.Get("after"); after != "" {
		i := slices.IndexFunc(found, func(p *Post) bool { return "t3_"+p.ID == after })
		if i < 0 {
			from = len(found) // an unknown fullname: an empty page, as Reddit answers
		} else {
			from = i + 1
		}
	} else if before := q.Get("before"); before != "" {
		i := slices.IndexFunc(found, func(p *Post) bool { return "t3_"+p.ID == before })
		to = max(i, 0)
		from = max(to-limit, 0)
	}
	page := found[from:min(to, from+limit)]
	var l listingJSON
	l.Kind = "Listing"
	l.Data.Children = []thingJSON{}
	raw := q.Get("raw_json") == "1"
	for _, p := range page {
		l.Data.Children = append(l.Data.Children, thingJSON{Kind: "t3", Data: s.linkJSON(p, raw)})
	}
	l.Data.Dist = len(page)
	if len(page) > 0 && from+len(page) < len(found) {
		l.Data.After = new("t3_" + page[len(page)-1].ID)
	}
	if len(page) > 0 && from > 0 {
		l.Data.Before = new("t3_" + page[0].ID)
	}
	writeJSON(w, http.StatusOK, l)
}
