// Package feedtest is a web feed for tests: a real HTTP server on loopback
// that serves the same items as an RSS 2.0 document (/rss.xml) and as an
// Atom 1.0 one (/atom.xml), in the shapes real publishers and Google
// Alerts write, with ETag and Last-Modified validators honoured as RFC 9110
// says (If-None-Match first, If-Modified-Since only without it). It
// counts requests and answers 304s, and can fail (an error status with
// its headers, a slow answer, a body that is no feed).
//
// Control methods are safe for concurrent use; New needs no *testing.T
// so that programs can run it too.
package feedtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Item is an entry of the feed.
type Item struct {
	// ID is the RSS guid (isPermaLink="false") and the Atom id; an RSS
	// item without it has no guid (its link identifies it), an Atom
	// entry uses its link.
	ID string
	// Title is plain text in RSS, HTML in Atom (type="html"), as Google
	// Alerts writes it.
	Title string
	// Link is the item's address.
	Link string
	// Description is HTML: the RSS description, the Atom content.
	Description string
	// Author is the dc:creator in RSS, the author's name in Atom.
	Author string
	// Published is pubDate in RSS, published in Atom.
	Published time.Time
}

// fault is an answer queued for the next request.
type fault struct {
	status int
	header http.Header
}

// Server is a feed on loopback.
type Server struct {
	ts *httptest.Server

	mu          sync.Mutex
	title       string
	language    string
	items       []Item // newest first
	keep        int
	version     int
	modified    time.Time
	etag        bool
	lastMod     bool
	body        string
	latency     time.Duration
	faults      []fault
	requests    int
	notModified int
	last        http.Header
}

// New starts a feed with no items. Close it when done.
func New() *Server {
	s := &Server{
		title:    "Portavoce test feed",
		keep:     20,
		modified: time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC),
		etag:     true,
		lastMod:  true,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /rss.xml", func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, "rss") })
	mux.HandleFunc("GET /atom.xml", func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, "atom") })
	s.ts = httptest.NewServer(mux)
	return s
}

// Close stops the server.
func (s *Server) Close() { s.ts.Close() }

// Client is an HTTP client that reaches the server.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// RSSURL is the address of the RSS 2.0 document.
func (s *Server) RSSURL() string { return s.ts.URL + "/rss.xml" }

// AtomURL is the address of the Atom 1.0 document.
func (s *Server) AtomURL() string { return s.ts.URL + "/atom.xml" }

// GoogleLink wraps target as Google Alerts does the links of its entries
// (https://www.google.com/url?rct=j&sa=t&url=...&ct=ga&cd=...&usg=...).
func GoogleLink(target string) string {
	q := url.Values{"rct": {"j"}, "sa": {"t"}, "url": {target}, "ct": {"ga"},
		"cd": {"CAIyGjFkYTU0ZjRjNzY1ZjJiNmQ6Y29tOml0OklU"}, "usg": {"AOvVaw0testtesttest"}}
	return "https://www.google.com/url?" + q.Encode()
}

// SetTitle sets the feed's title.
func (s *Server) SetTitle(title string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.title = title
	s.changedLocked()
}

// SetLanguage sets the RSS channel's language ("it").
func (s *Server) SetLanguage(lang string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.language = lang
	s.changedLocked()
}

// SetKeep sets how many of the newest items the feed shows (20 at
// first): older ones drop out, as on a real feed.
func (s *Server) SetKeep(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keep = n
	s.changedLocked()
}

// Add publishes items, each newer than the ones before, and changes the
// validators.
func (s *Server) Add(items ...Item) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, it := range items {
		s.items = append([]Item{it}, s.items...)
	}
	s.changedLocked()
}

// Touch changes the validators without changing the items, as a
// publisher that rewrites its feed does.
func (s *Server) Touch() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.changedLocked()
}

func (s *Server) changedLocked() {
	s.version++
	// A whole second later: Last-Modified has whole seconds.
	s.modified = s.modified.Add(time.Second)
}

// SetValidators chooses which validators the answers carry (both at
// first): a feed with neither is fetched in full every time.
func (s *Server) SetValidators(etag, lastModified bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.etag, s.lastMod = etag, lastModified
}

// SetBody makes every answer this body, with status 200 and no
// validators ("" goes back to the feed): a page that is no feed.
func (s *Server) SetBody(body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body = body
}

// SetLatency delays every answer by d (a slow server).
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// Fail answers the next n requests with status and header (a 500, a 503
// with Retry-After, a 429).
func (s *Server) Fail(n int, status int, header http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, fault{status: status, header: header})
	}
}

// Requests counts the requests received.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// NotModified counts the 304 answers.
func (s *Server) NotModified() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.notModified
}

// LastHeader is the header of the last request.
func (s *Server) LastHeader() http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last.Clone()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, kind string) {
	s.mu.Lock()
	s.requests++
	s.last = r.Header.Clone()
	latency := s.latency
	var f *fault
	if len(s.faults) > 0 {
		f = &s.faults[0]
		s.faults = s.faults[1:]
	}
	s.mu.Unlock()
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}
	if f != nil {
		for k, vs := range f.header {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(f.status)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>", f.status, http.StatusText(f.status))
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.body != "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, s.body)
		return
	}
	etag := fmt.Sprintf(`"%s-%d"`, kind, s.version)
	lastMod := s.modified.UTC().Format(http.TimeFormat)
	if s.etag {
		w.Header().Set("ETag", etag)
	}
	if s.lastMod {
		w.Header().Set("Last-Modified", lastMod)
	}
	if s.unchangedLocked(r, etag) {
		s.notModified++
		w.WriteHeader(http.StatusNotModified)
		return
	}
	items := s.items[:min(len(s.items), max(s.keep, 0))]
	if kind == "rss" {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprint(w, s.rssLocked(items))
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	fmt.Fprint(w, s.atomLocked(items))
}

// unchangedLocked applies RFC 9110's conditional GET: If-None-Match when
// present, else If-Modified-Since.
func (s *Server) unchangedLocked(r *http.Request, etag string) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if !s.etag {
			return false
		}
		for _, tag := range strings.Split(inm, ",") {
			tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
			if tag == "*" || tag == etag {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" && s.lastMod {
		t, err := http.ParseTime(ims)
		return err == nil && !s.modified.Truncate(time.Second).After(t)
	}
	return false
}

func (s *Server) rssLocked(items []Item) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">` + "\n<channel>\n")
	fmt.Fprintf(&b, "<title>%s</title>\n<link>%s/</link>\n<description>Items for tests</description>\n", esc(s.title), s.ts.URL)
	fmt.Fprintf(&b, `<atom:link href="%s" rel="self" type="application/rss+xml"/>`+"\n", esc(s.RSSURL()))
	if s.language != "" {
		fmt.Fprintf(&b, "<language>%s</language>\n", esc(s.language))
	}
	fmt.Fprintf(&b, "<lastBuildDate>%s</lastBuildDate>\n", s.modified.Format(time.RFC1123Z))
	for _, it := range items {
		b.WriteString("<item>\n")
		fmt.Fprintf(&b, "  <title>%s</title>\n", esc(it.Title))
		if it.Link != "" {
			fmt.Fprintf(&b, "  <link>%s</link>\n", esc(it.Link))
		}
		if it.ID != "" {
			fmt.Fprintf(&b, `  <guid isPermaLink="false">%s</guid>`+"\n", esc(it.ID))
		}
		if !it.Published.IsZero() {
			fmt.Fprintf(&b, "  <pubDate>%s</pubDate>\n", it.Published.Format(time.RFC1123Z))
		}
		if it.Author != "" {
			fmt.Fprintf(&b, "  <dc:creator>%s</dc:creator>\n", esc(it.Author))
		}
		fmt.Fprintf(&b, "  <description>%s</description>\n", esc(it.Description))
		b.WriteString("</item>\n")
	}
	b.WriteString("</channel>\n</rss>\n")
	return b.String()
}

func (s *Server) atomLocked(items []Item) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	b.WriteString(`<feed xmlns="http://www.w3.org/2005/Atom" xmlns:idx="urn:atom-extension:indexing">` + "\n")
	fmt.Fprintf(&b, "<id>tag:google.com,2005:reader/user/00000000000000000000/state/com.google/alerts/1</id>\n")
	fmt.Fprintf(&b, "<title>%s</title>\n", esc(s.title))
	fmt.Fprintf(&b, `<link href="%s" rel="self"/>`+"\n", esc(s.AtomURL()))
	fmt.Fprintf(&b, "<updated>%s</updated>\n", s.modified.Format(time.RFC3339))
	for _, it := range items {
		b.WriteString("<entry>\n")
		id := it.ID
		if id == "" {
			id = it.Link
		}
		fmt.Fprintf(&b, "  <id>%s</id>\n", esc(id))
		fmt.Fprintf(&b, `  <title type="html">%s</title>`+"\n", esc(it.Title))
		if it.Link != "" {
			fmt.Fprintf(&b, `  <link href="%s"/>`+"\n", esc(it.Link))
		}
		if !it.Published.IsZero() {
			fmt.Fprintf(&b, "  <published>%s</published>\n", it.Published.UTC().Format(time.RFC3339))
			fmt.Fprintf(&b, "  <updated>%s</updated>\n", it.Published.UTC().Format(time.RFC3339))
		}
		fmt.Fprintf(&b, `  <content type="html">%s</content>`+"\n", esc(it.Description))
		fmt.Fprintf(&b, "  <author><name>%s</name></author>\n", esc(it.Author))
		b.WriteString("</entry>\n")
	}
	b.WriteString("</feed>\n")
	return b.String()
}

// esc escapes text for XML character data and attribute values.
func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;").Replace(s)
}
