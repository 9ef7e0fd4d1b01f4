// Package tagtest is a Mastodon hashtag timeline for tests: a real HTTP
// server on loopback that answers GET /api/v1/timelines/tag/:hashtag
// (docs.joinmastodon.org methods/timelines#tag) with its paging parameters
// (limit, default 20 and at most 40; max_id, since_id and min_id: without
// min_id the newest page, with it the page immediately newer than min_id,
// newest first either way) and the Link header of api/guidelines#pagination
// (rel="next" with max_id when the page is full, rel="prev" with min_id).
// Statuses are entities/Status with the fields a listening source reads
// (id, uri, url, created_at, content, spoiler_text, language, visibility,
// account with acct, display_name, url and followers_count, tags, card)
// and the ones around them. Every answer carries Mastodon's rate-limit
// headers (X-RateLimit-Limit, -Remaining, -Reset).
//
// It also serves the hashtag stream of methods/streaming, GET
// /api/v1/streaming/hashtag?tag=… as server-sent events (a token required,
// as since Mastodon 4.2: a bearer token or access_token; the one of
// RequireToken when set, any otherwise): ":)" on connecting, a ":thump"
// heartbeat, and an "update" event with the Status as data for each status
// Post publishes with the tag. GET /api/v2/instance names the streaming
// address in configuration.urls.streaming (ws://, the server itself).
//
// The server can require a token (an instance that disabled the public
// preview of timelines), fail (any status with its headers) or answer a
// body that is no timeline. Control methods are safe for concurrent use.
package tagtest

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

// Account is a status's author. A remote account's Acct has its domain
// ("anna@other.example"); a local one's is its username.
type Account struct {
	ID          string
	Username    string
	Acct        string
	DisplayName string
	Followers   int
}

// Card is a status's preview card.
type Card struct {
	URL, Title, Description string
}

// Status is a public status.
type Status struct {
	// ID is set by Post, growing with Created as Mastodon's snowflake ids.
	ID          string
	Account     Account
	Content     string // HTML
	SpoilerText string
	Language    string
	// Tags are the hashtags, without "#".
	Tags    []string
	Card    *Card
	Created time.Time
}

type fault struct {
	status int
	header http.Header
}

// Server is the timeline on loopback.
type Server struct {
	ts *httptest.Server

	mu       sync.Mutex
	statuses []*Status
	seq      int64
	token    string
	faults   []fault
	body     string
	requests []*http.Request

	streams     map[*stream]struct{}
	streamConns int
	heartbeat   time.Duration
	done        chan struct{}
}

// stream is one open hashtag stream.
type stream struct {
	tag    string
	events chan []byte
	drop   chan struct{}
}

// New starts the server. Close it when done.
func New() *Server {
	s := &Server{streams: map[*stream]struct{}{}, heartbeat: 15 * time.Second, done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/timelines/tag/{hashtag}", s.timeline)
	mux.HandleFunc("GET /api/v1/streaming/hashtag", s.stream)
	mux.HandleFunc("GET /api/v2/instance", s.instance)
	s.ts = httptest.NewServer(mux)
	return s
}

// Close stops the server, its streams first.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	s.mu.Unlock()
	s.ts.Close()
}

// StreamConnections is how many hashtag streams were opened (answered
// 200), in all.
func (s *Server) StreamConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.streamConns
}

// OpenStreams is how many hashtag streams are open now.
func (s *Server) OpenStreams() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.streams)
}

// DropStreams ends the streams open now, as a streaming server that
// restarts.
func (s *Server) DropStreams() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for st := range s.streams {
		close(st.drop)
		delete(s.streams, st)
	}
}

// URL is the instance's address.
func (s *Server) URL() string { return s.ts.URL }

// Client is an HTTP client that reaches the server.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Domain is the instance's domain, the one local accounts' handles lack.
func (s *Server) Domain() string { return strings.TrimPrefix(s.ts.URL, "http://") }

// Post publishes a status and returns it as published (its ID set).
func (s *Server) Post(st Status) Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.Created.IsZero() {
		st.Created = time.Now()
	}
	if st.Account.Acct == "" {
		st.Account.Acct = st.Account.Username
	}
	if st.Account.ID == "" {
		st.Account.ID = strconv.Itoa(100 + len(st.Account.Username))
	}
	s.seq++
	// Snowflake: milliseconds, then 16 bits of sequence.
	st.ID = strconv.FormatInt(st.Created.UnixMilli()<<16|s.seq&0xffff, 10)
	s.statuses = append(s.statuses, &st)
	var event []byte
	for sub := range s.streams {
		if !slices.ContainsFunc(st.Tags, func(t string) bool { return strings.EqualFold(t, sub.tag) }) {
			continue
		}
		if event == nil {
			data, _ := json.Marshal(s.statusJSON(&st))
			event = []byte("event: update\ndata: " + string(data) + "\n\n")
		}
		select {
		case sub.events <- event:
		default: // a reader too slow: the event is lost, as on a real server
		}
	}
	return st
}

// URI is a status's ActivityPub id, as the server writes it.
func (s *Server) URI(st Status) string { return s.accountURI(st.Account) + "/statuses/" + st.ID }

func (s *Server) accountURI(a Account) string {
	if user, domain, ok := strings.Cut(a.Acct, "@"); ok {
		return "https://" + domain + "/users/" + user
	}
	return s.ts.URL + "/users/" + a.Username
}

func (s *Server) accountURL(a Account) string {
	if user, domain, ok := strings.Cut(a.Acct, "@"); ok {
		return "https://" + domain + "/@" + user
	}
	return s.ts.URL + "/@" + a.Username
}

// RequireToken makes the timeline answer only requests with this bearer
// token, as an instance that disabled the public preview.
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
// the timeline).
func (s *Server) SetBody(body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body = body
}

// Requests are the requests received (their URL and header).
func (s *Server) Requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

type accountJSON struct {
	ID             string `json:"id"`
	Username       string `json:"username"`
	Acct           string `json:"acct"`
	DisplayName    string `json:"display_name"`
	Locked         bool   `json:"locked"`
	Bot            bool   `json:"bot"`
	CreatedAt      string `json:"created_at"`
	Note           string `json:"note"`
	URL            string `json:"url"`
	URI            string `json:"uri"`
	Avatar         string `json:"avatar"`
	FollowersCount int    `json:"followers_count"`
	FollowingCount int    `json:"following_count"`
	StatusesCount  int    `json:"statuses_count"`
	Emojis         []any  `json:"emojis"`
	Fields         []any  `json:"fields"`
}

type tagJSON struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

type cardJSON struct {
	URL          string  `json:"url"`
	Title        string  `json:"title"`
	Description  string  `json:"description"`
	Type         string  `json:"type"`
	AuthorName   string  `json:"author_name"`
	AuthorURL    string  `json:"author_url"`
	ProviderName string  `json:"provider_name"`
	ProviderURL  string  `json:"provider_url"`
	HTML         string  `json:"html"`
	Width        int     `json:"width"`
	Height       int     `json:"height"`
	Image        *string `json:"image"`
	EmbedURL     string  `json:"embed_url"`
	Blurhash     *string `json:"blurhash"`
}

type statusJSON struct {
	ID                 string      `json:"id"`
	CreatedAt          string      `json:"created_at"`
	InReplyToID        *string     `json:"in_reply_to_id"`
	InReplyToAccountID *string     `json:"in_reply_to_account_id"`
	Sensitive          bool        `json:"sensitive"`
	SpoilerText        string      `json:"spoiler_text"`
	Visibility         string      `json:"visibility"`
	Language           *string     `json:"language"`
	URI                string      `json:"uri"`
	URL                *string     `json:"url"`
	RepliesCount       int         `json:"replies_count"`
	ReblogsCount       int         `json:"reblogs_count"`
	FavouritesCount    int         `json:"favourites_count"`
	EditedAt           *string     `json:"edited_at"`
	Content            string      `json:"content"`
	Reblog             *statusJSON `json:"reblog"`
	Application        any         `json:"application"`
	Account            accountJSON `json:"account"`
	MediaAttachments   []any       `json:"media_attachments"`
	Mentions           []any       `json:"mentions"`
	Tags               []tagJSON   `json:"tags"`
	Emojis             []any       `json:"emojis"`
	Card               *cardJSON   `json:"card"`
	Poll               any         `json:"poll"`
}

func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (s *Server) statusJSON(st *Status) statusJSON {
	a := st.Account
	v := statusJSON{
		ID: st.ID, CreatedAt: timestamp(st.Created), SpoilerText: st.SpoilerText, Sensitive: st.SpoilerText != "",
		Visibility: "public", URI: s.URI(*st), Content: st.Content,
		Account: accountJSON{
			ID: a.ID, Username: a.Username, Acct: a.Acct, DisplayName: a.DisplayName,
			CreatedAt: timestamp(st.Created.Truncate(24 * time.Hour)), URL: s.accountURL(a), URI: s.accountURI(a),
			Avatar: s.ts.URL + "/avatars/original/missing.png", FollowersCount: a.Followers, Emojis: []any{}, Fields: []any{},
		},
		MediaAttachments: []any{}, Mentions: []any{}, Tags: []tagJSON{}, Emojis: []any{},
	}
	u := s.accountURL(a) + "/" + st.ID
	v.URL = &u
	if st.Language != "" {
		v.Language = &st.Language
	}
	for _, t := range st.Tags {
		v.Tags = append(v.Tags, tagJSON{Name: strings.ToLower(t), URL: s.ts.URL + "/tags/" + strings.ToLower(t)})
	}
	if c := st.Card; c != nil {
		host := c.URL
		if pu, err := url.Parse(c.URL); err == nil {
			host = pu.Host
		}
		v.Card = &cardJSON{URL: c.URL, Title: c.Title, Description: c.Description, Type: "link", ProviderName: host}
	}
	return v
}

// idCompare orders snowflake ids, numbers of varying length.
func idCompare(a, b string) int {
	return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
}

func idParam(s string) string {
	if _, err := strconv.ParseUint(s, 10, 64); err != nil {
		return ""
	}
	return s
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) timeline(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.Clone(r.Context()))
	var f *fault
	if len(s.faults) > 0 {
		f = &s.faults[0]
		s.faults = s.faults[1:]
	}
	body, token := s.body, s.token
	s.mu.Unlock()

	reset := time.Now().Add(5 * time.Minute).Truncate(5 * time.Minute)
	w.Header().Set("X-RateLimit-Limit", "300")
	w.Header().Set("X-RateLimit-Remaining", "299")
	w.Header().Set("X-RateLimit-Reset", reset.UTC().Format("2006-01-02T15:04:05.000000Z"))
	if f != nil {
		for k, vs := range f.header {
			w.Header()[k] = vs
		}
		msg := http.StatusText(f.status)
		if f.status == http.StatusTooManyRequests {
			msg = "Too many requests"
		}
		writeJSON(w, f.status, map[string]string{"error": msg})
		return
	}
	if auth := r.Header.Get("Authorization"); token != "" && auth != "Bearer "+token {
		msg := "This method requires an authenticated user"
		if auth != "" {
			msg = "The access token is invalid"
		}
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": msg})
		return
	}
	if body != "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		fmt.Fprint(w, body)
		return
	}

	q := r.URL.Query()
	tag := strings.ToLower(strings.TrimPrefix(r.PathValue("hashtag"), "#"))
	limit := 20
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = min(n, 40)
	}
	maxID, sinceID, minID := idParam(q.Get("max_id")), idParam(q.Get("since_id")), idParam(q.Get("min_id"))
	s.mu.Lock()
	var all []*Status // oldest first
	for _, st := range s.statuses {
		if !slices.ContainsFunc(st.Tags, func(t string) bool { return strings.ToLower(t) == tag }) {
			continue
		}
		if (maxID != "" && idCompare(st.ID, maxID) >= 0) || (sinceID != "" && idCompare(st.ID, sinceID) <= 0) ||
			(minID != "" && idCompare(st.ID, minID) <= 0) {
			continue
		}
		all = append(all, st)
	}
	slices.SortFunc(all, func(x, y *Status) int { return idCompare(x.ID, y.ID) })
	var page []*Status
	if minID != "" {
		page = all[:min(limit, len(all))]
	} else {
		page = all[max(len(all)-limit, 0):]
	}
	slices.Reverse(page) // newest first
	out := make([]statusJSON, 0, len(page))
	for _, st := range page {
		out = append(out, s.statusJSON(st))
	}
	s.mu.Unlock()
	if len(page) > 0 {
		path := s.ts.URL + "/api/v1/timelines/tag/" + url.PathEscape(tag)
		link := func(k, id string) string {
			lq := url.Values{k: {id}}
			if v := q.Get("limit"); v != "" {
				lq.Set("limit", v)
			}
			return "<" + path + "?" + lq.Encode() + ">"
		}
		var links []string
		if len(page) == limit {
			links = append(links, link("max_id", page[len(page)-1].ID)+`; rel="next"`)
		}
		links = append(links, link("min_id", page[0].ID)+`; rel="prev"`)
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	token, heartbeat := s.token, s.heartbeat
	s.mu.Unlock()
	got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if got == "" {
		got = r.URL.Query().Get("access_token")
	}
	if got == "" || (token != "" && got != token) {
		msg := "Missing access token"
		if got != "" {
			msg = "Invalid access token"
		}
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": msg})
		return
	}
	tag := strings.TrimPrefix(r.URL.Query().Get("tag"), "#")
	if tag == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "No tag for stream provided"})
		return
	}
	fl, _ := w.(http.Flusher)
	sub := &stream{tag: tag, events: make(chan []byte, 64), drop: make(chan struct{})}
	s.mu.Lock()
	s.streams[sub] = struct{}{}
	s.streamConns++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.streams, sub)
		s.mu.Unlock()
	}()

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ":)\n")
	if fl != nil {
		fl.Flush()
	}
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case <-sub.drop:
			return
		case <-beat.C:
			fmt.Fprint(w, ":thump\n")
		case ev := <-sub.events:
			_, _ = w.Write(ev)
		}
		if fl != nil {
			fl.Flush()
		}
	}
}

func (s *Server) instance(w http.ResponseWriter, r *http.Request) {
	host := strings.TrimPrefix(s.ts.URL, "http://")
	writeJSON(w, http.StatusOK, map[string]any{
		"domain": host,
		"title":  "tagtest",
		"configuration": map[string]any{
			"urls": map[string]any{"streaming": "ws://" + host},
		},
	})
}
