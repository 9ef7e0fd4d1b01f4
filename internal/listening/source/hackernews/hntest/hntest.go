// Package hntest is the HN Search API (hn.algolia.com/api) for tests: a
// real HTTP server on loopback that answers GET /api/v1/search_by_date
// with the documented parameters (query, tags with AND and OR groups,
// numericFilters on created_at_i and points, hitsPerPage, page) and the
// documented answer (hits newest first with objectID, created_at,
// created_at_i, author, title, url, points, story_text or comment_text,
// story_id, story_title, story_url, parent_id and _tags; nbHits, page,
// nbPages, hitsPerPage; pagination stops at 1000 hits, as Algolia's
// paginationLimitedTo). The highlighting (_highlightResult) is left out.
//
// Items can be added unindexed and indexed later, as the real index shows
// an item some time after it was written; the server can fail (any status
// with its headers: 429 with Retry-After, 500) or answer a body that is no
// search answer. Control methods are safe for concurrent use.
package hntest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Item is a story or a comment.
type Item struct {
	// ID is the objectID; New numbers items from 40000001 when empty.
	ID string
	// Kind is "story" (the default) or "comment".
	Kind string
	// Title and URL are a story's.
	Title, URL string
	// Text is the story_text or comment_text, HTML.
	Text   string
	Author string
	// Points is a story's; comments have none (null).
	Points int
	// StoryID, StoryTitle and StoryURL are a comment's story; ParentID
	// what it answers.
	StoryID              int
	StoryTitle, StoryURL string
	ParentID             int
	Created              time.Time
	// Unindexed items are not found until Index.
	Unindexed bool
}

type fault struct {
	status int
	header http.Header
}

// Server is the search API on loopback.
type Server struct {
	ts *httptest.Server

	mu       sync.Mutex
	items    []*Item
	lastID   int
	faults   []fault
	body     string
	requests []url.Values
	agents   []string
}

// New starts the server. Close it when done.
func New() *Server {
	s := &Server{lastID: 40000000}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/search_by_date", s.search)
	s.ts = httptest.NewServer(mux)
	return s
}

// Close stops the server.
func (s *Server) Close() { s.ts.Close() }

// URL is the API's base address, as hackernews.Options.BaseURL wants it.
func (s *Server) URL() string { return s.ts.URL + "/api/v1" }

// Client is an HTTP client that reaches the server.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Add adds items and returns their objectIDs.
func (s *Server) Add(items ...Item) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for _, it := range items {
		if it.ID == "" {
			s.lastID++
			it.ID = strconv.Itoa(s.lastID)
		}
		if it.Kind == "" {
			it.Kind = "story"
		}
		s.items = append(s.items, &it)
		ids = append(ids, it.ID)
	}
	return ids
}

// Index makes unindexed items found.
func (s *Server) Index(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, it := range s.items {
		if slices.Contains(ids, it.ID) {
			it.Unindexed = false
		}
	}
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

// hitJSON is a hit as the API writes it; fields a kind lacks are null or
// left out, as there.
type hitJSON struct {
	Tags        []string `json:"_tags"`
	Author      string   `json:"author"`
	CommentText *string  `json:"comment_text,omitempty"`
	CreatedAt   string   `json:"created_at"`
	CreatedAtI  int64    `json:"created_at_i"`
	NumComments *int     `json:"num_comments,omitempty"`
	ObjectID    string   `json:"objectID"`
	ParentID    *int     `json:"parent_id,omitempty"`
	Points      *int     `json:"points"`
	StoryID     int      `json:"story_id"`
	StoryText   *string  `json:"story_text,omitempty"`
	StoryTitle  *string  `json:"story_title,omitempty"`
	StoryURL    *string  `json:"story_url,omitempty"`
	Title       *string  `json:"title,omitempty"`
	UpdatedAt   string   `json:"updated_at"`
	URL         *string  `json:"url,omitempty"`
}

type answerJSON struct {
	Hits             []hitJSON `json:"hits"`
	NbHits           int       `json:"nbHits"`
	Page             int       `json:"page"`
	NbPages          int       `json:"nbPages"`
	HitsPerPage      int       `json:"hitsPerPage"`
	ExhaustiveNbHits bool      `json:"exhaustiveNbHits"`
	ExhaustiveTypo   bool      `json:"exhaustiveTypo"`
	Query            string    `json:"query"`
	Params           string    `json:"params"`
	ProcessingTimeMS int       `json:"processingTimeMS"`
}

func ptr[T any](v T) *T { return &v }

func (it *Item) tags() []string {
	story := it.StoryID
	if it.Kind == "story" {
		story, _ = strconv.Atoi(it.ID)
	}
	return []string{it.Kind, "author_" + it.Author, "story_" + strconv.Itoa(story)}
}

func (it *Item) json() hitJSON {
	h := hitJSON{
		Tags: it.tags(), Author: it.Author, ObjectID: it.ID,
		CreatedAt:  it.Created.UTC().Format("2006-01-02T15:04:05Z"),
		CreatedAtI: it.Created.Unix(),
		UpdatedAt:  it.Created.UTC().Format("2006-01-02T15:04:05Z"),
	}
	if it.Kind == "comment" {
		h.CommentText = ptr(it.Text)
		h.ParentID = ptr(cmp.Or(it.ParentID, it.StoryID))
		h.StoryID = it.StoryID
		h.StoryTitle = ptr(it.StoryTitle)
		h.StoryURL = ptr(it.StoryURL)
		return h
	}
	h.StoryID, _ = strconv.Atoi(it.ID)
	h.Title = ptr(it.Title)
	h.Points = ptr(it.Points)
	h.NumComments = ptr(0)
	if it.URL != "" {
		h.URL = ptr(it.URL)
	}
	if it.Text != "" {
		h.StoryText = ptr(it.Text)
	}
	return h
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// badRequest answers as Algolia does an invalid parameter.
func badRequest(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"message": msg, "status": 400})
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	s.requests = append(s.requests, q)
	s.agents = append(s.agents, r.Header.Get("User-Agent"))
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
		writeJSON(w, f.status, map[string]any{"message": http.StatusText(f.status), "status": f.status})
		return
	}
	if body != "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		fmt.Fprint(w, body)
		return
	}

	perPage, page := 20, 0
	if v := q.Get("hitsPerPage"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1000 {
			badRequest(w, "Invalid value for \"hitsPerPage\" parameter, expected an integer between 0 and 1000")
			return
		}
		perPage = n
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			badRequest(w, "Invalid value for \"page\" parameter")
			return
		}
		page = n
	}
	tags, err := parseTags(q.Get("tags"))
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	filters, err := parseFilters(q.Get("numericFilters"))
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	words := strings.Fields(strings.ToLower(q.Get("query")))

	s.mu.Lock()
	var found []*Item
	for _, it := range s.items {
		if !it.Unindexed && matches(it, words) && tags(it.tags()) && filters(it) {
			found = append(found, it)
		}
	}
	s.mu.Unlock()
	slices.SortStableFunc(found, func(x, y *Item) int {
		xi, _ := strconv.Atoi(x.ID)
		yi, _ := strconv.Atoi(y.ID)
		return cmp.Or(y.Created.Compare(x.Created), cmp.Compare(yi, xi))
	})
	a := answerJSON{Hits: []hitJSON{}, NbHits: len(found), Page: page, HitsPerPage: perPage,
		ExhaustiveNbHits: true, ExhaustiveTypo: true, Query: q.Get("query"), Params: r.URL.RawQuery, ProcessingTimeMS: 1}
	// paginationLimitedTo: 1000.
	reachable := min(len(found), 1000)
	if perPage > 0 {
		a.NbPages = (reachable + perPage - 1) / perPage
		for i := page * perPage; i < reachable && i < (page+1)*perPage; i++ {
			a.Hits = append(a.Hits, found[i].json())
		}
	}
	writeJSON(w, http.StatusOK, a)
}

// matches is true when every word of the query is in the item's
// searchable text.
func matches(it *Item, words []string) bool {
	text := strings.ToLower(strings.Join([]string{it.Title, it.URL, it.Author, it.Text, it.StoryTitle}, " "))
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// parseTags reads tags: comma-separated ANDs, each a tag or a
// parenthesized OR group.
func parseTags(s string) (func([]string) bool, error) {
	var groups [][]string
	for s != "" {
		var part string
		if strings.HasPrefix(s, "(") {
			end := strings.IndexByte(s, ')')
			if end < 0 {
				return nil, fmt.Errorf("invalid tags %q: unclosed parenthesis", s)
			}
			part, s = s[1:end], strings.TrimPrefix(s[end+1:], ",")
		} else {
			part, s, _ = strings.Cut(s, ",")
		}
		groups = append(groups, strings.Split(part, ","))
	}
	return func(have []string) bool {
		for _, g := range groups {
			if !slices.ContainsFunc(g, func(t string) bool { return slices.Contains(have, strings.TrimSpace(t)) }) {
				return false
			}
		}
		return true
	}, nil
}

// parseFilters reads numericFilters on created_at_i and points.
func parseFilters(s string) (func(*Item) bool, error) {
	type filter struct {
		field, op string
		value     int64
	}
	var fs []filter
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		i := strings.IndexAny(part, "<>=!")
		if i <= 0 {
			return nil, fmt.Errorf("invalid numericFilters %q", part)
		}
		j := i
		for j < len(part) && strings.IndexByte("<>=!", part[j]) >= 0 {
			j++
		}
		f := filter{field: part[:i], op: part[i:j]}
		v, err := strconv.ParseInt(strings.TrimSpace(part[j:]), 10, 64)
		if err != nil || (f.field != "created_at_i" && f.field != "points") ||
			!slices.Contains([]string{"<", "<=", "=", "!=", ">", ">="}, f.op) {
			return nil, fmt.Errorf("invalid numericFilters %q", part)
		}
		f.value = v
		fs = append(fs, f)
	}
	return func(it *Item) bool {
		for _, f := range fs {
			x := it.Created.Unix()
			if f.field == "points" {
				x = int64(it.Points)
			}
			ok := map[string]bool{"<": x < f.value, "<=": x <= f.value, "=": x == f.value, "!=": x != f.value,
				">": x > f.value, ">=": x >= f.value}[f.op]
			if !ok {
				return false
			}
		}
		return true
	}, nil
}
