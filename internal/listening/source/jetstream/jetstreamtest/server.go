// Package jetstreamtest is a local Jetstream for tests, development and
// benchmarks: a loopback HTTP server with the /subscribe WebSocket endpoint
// of bluesky-social/jetstream, sending the JSON events its README
// documents.
//
// A subscription honours wantedCollections (NSIDs, or prefixes ending in
// ".*"), wantedDids, maxMessageSizeBytes and cursor: with a cursor the
// server replays the stored events whose time_us is at or after it, then
// goes on with the live ones; without one (or with one in the future) it
// sends only what is published afterwards. As in Jetstream, identity and
// account events reach every subscriber whatever its collections. zstd
// compression (compress=true) is not implemented: events are always plain
// text messages.
//
// Every event published gets a time_us from the wall clock, one µs after
// the previous one if the clock has not moved, so time_us strictly
// increases. The server keeps every event in memory, is safe for
// concurrent use and needs no *testing.T.
package jetstreamtest

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/coder/websocket"
	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"
)

// PostCollection is the NSID of Bluesky posts.
const PostCollection = "app.bsky.feed.post"

// Server is the local Jetstream. Create it with NewServer, stop it with
// Close.
type Server struct {
	// URL is the server's base URL (http://127.0.0.1:port), what a client
	// takes as its instance URL; the endpoint is URL + "/subscribe".
	URL string

	srv *httptest.Server

	mu     sync.Mutex
	clock  int64 // the last time_us given
	seq    int64 // the last seq of identity and account events
	tids   *syntax.TIDClock
	events []stored
	// wake is closed, and replaced, whenever events grow: the
	// subscriptions waiting for live events wait on it.
	wake  chan struct{}
	conns map[*websocket.Conn]struct{}
	subs  []url.Values
}

// stored is one published event.
type stored struct {
	timeUS int64
	did    string
	// collection is the commit's collection, "" for identity and account
	// events, which every subscriber gets.
	collection string
	data       []byte
}

// NewServer starts a Jetstream on a loopback port.
func NewServer() *Server {
	s := &Server{
		tids:  syntax.NewTIDClock(0),
		wake:  make(chan struct{}),
		conns: make(map[*websocket.Conn]struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /subscribe", s.subscribe)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	return s
}

// Close cuts every connection and stops the server.
func (s *Server) Close() {
	s.Drop()
	s.srv.Close()
}

// Drop cuts every open connection at once, without a close frame, as a
// network failure or a restart of Jetstream would.
func (s *Server) Drop() {
	s.mu.Lock()
	conns := make([]*websocket.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	clear(s.conns)
	s.mu.Unlock()
	for _, c := range conns {
		c.CloseNow()
	}
}

// Connections is how many subscribers are connected now.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Subscriptions are the query parameters of every subscription so far, in
// the order they connected.
func (s *Server) Subscriptions() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]url.Values, len(s.subs))
	for i, q := range s.subs {
		out[i] = cloneValues(q)
	}
	return out
}

// Events is how many events were published.
func (s *Server) Events() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events)
}

// TID returns a new timestamp identifier, the form of Bluesky's record
// keys and revisions.
func (s *Server) TID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tids.Next().String()
}

// The JSON of a Jetstream event (README, "Example events").
type (
	wireEvent struct {
		DID      string        `json:"did"`
		TimeUS   int64         `json:"time_us"`
		Kind     string        `json:"kind"`
		Commit   *wireCommit   `json:"commit,omitempty"`
		Identity *wireIdentity `json:"identity,omitempty"`
		Account  *wireAccount  `json:"account,omitempty"`
	}
	wireCommit struct {
		Rev        string          `json:"rev"`
		Operation  string          `json:"operation"`
		Collection string          `json:"collection"`
		RKey       string          `json:"rkey"`
		Record     json.RawMessage `json:"record,omitempty"`
		CID        string          `json:"cid,omitempty"`
	}
	wireIdentity struct {
		DID    string `json:"did"`
		Handle string `json:"handle,omitempty"`
		Seq    int64  `json:"seq"`
		Time   string `json:"time"`
	}
	wireAccount struct {
		Active bool   `json:"active"`
		DID    string `json:"did"`
		Seq    int64  `json:"seq"`
		Time   string `json:"time"`
		Status string `json:"status,omitempty"`
	}
)

// PostRecord is an app.bsky.feed.post record, with the fields listening
// reads.
type PostRecord struct {
	Type      string   `json:"$type"`
	Text      string   `json:"text"`
	Langs     []string `json:"langs,omitempty"`
	CreatedAt string   `json:"createdAt"`
	Facets    []Facet  `json:"facets,omitempty"`
	Embed     any      `json:"embed,omitempty"`
}

// Facet is an app.bsky.richtext.facet: a byte range of the text and what
// it is.
type Facet struct {
	Index    FacetIndex `json:"index"`
	Features []any      `json:"features"`
}

// FacetIndex is a facet's byte range, end excluded.
type FacetIndex struct {
	ByteStart int `json:"byteStart"`
	ByteEnd   int `json:"byteEnd"`
}

// NewPost is a post record as the Bluesky app writes it: createdAt in UTC
// with milliseconds, and a link facet for every http(s) link in the text.
func NewPost(text string, langs []string, at time.Time) PostRecord {
	p := PostRecord{
		Type:      PostCollection,
		Text:      text,
		Langs:     langs,
		CreatedAt: at.UTC().Format("2006-01-02T15:04:05.000Z"),
	}
	for i := 0; i < len(text); {
		j := strings.Index(text[i:], "http")
		if j < 0 {
			break
		}
		start := i + j
		end := start + strings.IndexAny(text[start:]+" ", " \n\t")
		uri := text[start:end]
		if strings.HasPrefix(uri, "http://") || strings.HasPrefix(uri, "https://") {
			p.Facets = append(p.Facets, Facet{
				Index:    FacetIndex{ByteStart: start, ByteEnd: end},
				Features: []any{map[string]string{"$type": "app.bsky.richtext.facet#link", "uri": uri}},
			})
		}
		i = end
	}
	return p
}

// ExternalEmbed is an app.bsky.embed.external, the card of a link.
func ExternalEmbed(uri, title, description string) any {
	return map[string]any{
		"$type": "app.bsky.embed.external",
		"external": map[string]string{
			"uri": uri, "title": title, "description": description,
		},
	}
}

// PublishPost publishes the creation of a post and returns its time_us.
func (s *Server) PublishPost(did, rkey, text string, langs []string, at time.Time) (timeUS int64) {
	return s.PublishRecord(did, PostCollection, rkey, NewPost(text, langs, at))
}

// PublishRecord publishes the creation of a record of any collection; the
// record is marshalled to JSON as is (give it its $type).
func (s *Server) PublishRecord(did, collection, rkey string, record any) (timeUS int64) {
	return s.publishCommit(did, "create", collection, rkey, record)
}

// PublishUpdate publishes the update of a record.
func (s *Server) PublishUpdate(did, collection, rkey string, record any) (timeUS int64) {
	return s.publishCommit(did, "update", collection, rkey, record)
}

// PublishDelete publishes the deletion of a record (a delete carries no
// record and no cid).
func (s *Server) PublishDelete(did, collection, rkey string) (timeUS int64) {
	return s.publishCommit(did, "delete", collection, rkey, nil)
}

func (s *Server) publishCommit(did, op, collection, rkey string, record any) int64 {
	var raw, cidStr = json.RawMessage(nil), ""
	if record != nil {
		var err error
		if raw, err = json.Marshal(record); err != nil {
			panic(fmt.Sprintf("jetstreamtest: record: %v", err))
		}
		cidStr = recordCID(raw)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tick()
	s.appendEvent(stored{timeUS: t, did: did, collection: collection}, &wireEvent{
		DID: did, TimeUS: t, Kind: "commit",
		Commit: &wireCommit{
			Rev: s.tids.Next().String(), Operation: op, Collection: collection,
			RKey: rkey, Record: raw, CID: cidStr,
		},
	})
	s.wakeUp()
	return t
}

// PublishIdentity publishes an identity event: the DID's handle or DID
// document changed.
func (s *Server) PublishIdentity(did, handle string) (timeUS int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tick()
	s.seq++
	s.appendEvent(stored{timeUS: t, did: did}, &wireEvent{
		DID: did, TimeUS: t, Kind: "identity",
		Identity: &wireIdentity{DID: did, Handle: handle, Seq: s.seq, Time: rfc3339(t)},
	})
	s.wakeUp()
	return t
}

// PublishAccount publishes an account event; status is "" for an active
// account, else "deactivated", "takendown", "suspended" or "deleted".
func (s *Server) PublishAccount(did string, status string) (timeUS int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tick()
	s.seq++
	s.appendEvent(stored{timeUS: t, did: did}, &wireEvent{
		DID: did, TimeUS: t, Kind: "account",
		Account: &wireAccount{Active: status == "", DID: did, Seq: s.seq, Time: rfc3339(t), Status: status},
	})
	s.wakeUp()
	return t
}

// PublishRaw publishes a message exactly as given, for malformed events.
// It gets a time_us in the order of the stream, which the message itself
// does not carry; collection filters it as a commit's would ("" reaches
// every subscriber).
func (s *Server) PublishRaw(collection string, data []byte) (timeUS int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tick()
	s.events = append(s.events, stored{timeUS: t, collection: collection, data: slices.Clone(data)})
	s.wakeUp()
	return t
}

// Flood publishes n posts at once, for load: post i has the DID, record
// key and text gen(i) returns, no langs, and the current time. The
// subscribers get them as one burst.
func (s *Server) Flood(n int, gen func(i int) (did, rkey, text string)) {
	now := time.Now()
	for i := 0; i < n; {
		// Marshal in chunks outside the lock, so that subscribers keep
		// streaming while a big flood is prepared.
		chunk := min(n-i, 1024)
		type rec struct {
			did, rkey string
			raw       []byte
		}
		recs := make([]rec, chunk)
		for k := range recs {
			did, rkey, text := gen(i + k)
			raw, err := json.Marshal(NewPost(text, nil, now))
			if err != nil {
				panic(fmt.Sprintf("jetstreamtest: record: %v", err))
			}
			recs[k] = rec{did, rkey, raw}
		}
		s.mu.Lock()
		for _, r := range recs {
			t := s.tick()
			s.appendEvent(stored{timeUS: t, did: r.did, collection: PostCollection}, &wireEvent{
				DID: r.did, TimeUS: t, Kind: "commit",
				Commit: &wireCommit{
					Rev: s.tids.Next().String(), Operation: "create", Collection: PostCollection,
					RKey: r.rkey, Record: r.raw, CID: recordCID(r.raw),
				},
			})
		}
		s.wakeUp()
		s.mu.Unlock()
		i += chunk
	}
}

// tick returns the next time_us. The caller holds s.mu.
func (s *Server) tick() int64 {
	t := time.Now().UnixMicro()
	if t <= s.clock {
		t = s.clock + 1
	}
	s.clock = t
	return t
}

// appendEvent marshals ev into st and stores it. The caller holds s.mu.
func (s *Server) appendEvent(st stored, ev *wireEvent) {
	data, err := json.Marshal(ev)
	if err != nil {
		panic(fmt.Sprintf("jetstreamtest: event: %v", err))
	}
	st.data = data
	s.events = append(s.events, st)
}

// wakeUp tells waiting subscriptions that events grew. The caller holds
// s.mu.
func (s *Server) wakeUp() {
	close(s.wake)
	s.wake = make(chan struct{})
}

// recordCID is a well-formed CID (v1, dag-cbor, sha-256) derived from the
// record's JSON. Jetstream's cid is that of the record's DAG-CBOR bytes,
// which this server does not produce; clients only pass it on.
func recordCID(raw []byte) string {
	sum := sha256.Sum256(raw)
	mh, err := multihash.Encode(sum[:], multihash.SHA2_256)
	if err != nil {
		panic(err)
	}
	return cid.NewCidV1(cid.DagCBOR, mh).String()
}

func rfc3339(us int64) string {
	return time.UnixMicro(us).UTC().Format("2006-01-02T15:04:05.000Z")
}

func cloneValues(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, v := range q {
		out[k] = slices.Clone(v)
	}
	return out
}

// filter is what one subscription asked for.
type filter struct {
	collections []string // exact NSIDs
	prefixes    []string // from "app.bsky.feed.*", kept as "app.bsky.feed."
	dids        map[string]bool
	maxSize     int
}

func (f *filter) match(e *stored) bool {
	if f.maxSize > 0 && len(e.data) > f.maxSize {
		return false
	}
	if len(f.dids) > 0 && e.did != "" && !f.dids[e.did] {
		return false
	}
	if e.collection == "" || len(f.collections)+len(f.prefixes) == 0 {
		return true
	}
	if slices.Contains(f.collections, e.collection) {
		return true
	}
	for _, p := range f.prefixes {
		if strings.HasPrefix(e.collection, p) {
			return true
		}
	}
	return false
}

// subscribe is GET /subscribe: the WebSocket of one subscriber.
func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f filter
	for _, c := range q["wantedCollections"] {
		if p, ok := strings.CutSuffix(c, ".*"); ok {
			f.prefixes = append(f.prefixes, p+".")
		} else {
			f.collections = append(f.collections, c)
		}
	}
	if dids := q["wantedDids"]; len(dids) > 0 {
		f.dids = make(map[string]bool, len(dids))
		for _, d := range dids {
			f.dids[d] = true
		}
	}
	if v := q.Get("maxMessageSizeBytes"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			http.Error(w, "invalid maxMessageSizeBytes", http.StatusBadRequest)
			return
		}
		f.maxSize = max(n, 0)
	}
	cursor := int64(-1)
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			http.Error(w, "invalid cursor", http.StatusBadRequest)
			return
		}
		cursor = n
	}

	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.subs = append(s.subs, cloneValues(q))
	s.conns[conn] = struct{}{}
	pos := len(s.events)
	if cursor >= 0 {
		pos = sort.Search(len(s.events), func(i int) bool { return s.events[i].timeUS >= cursor })
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, conn)
		s.mu.Unlock()
		conn.CloseNow()
	}()

	// CloseRead answers pings and notices the client going away; a
	// subscriber sends nothing else this server understands.
	ctx := conn.CloseRead(r.Context())
	for {
		s.mu.Lock()
		batch := s.events[pos:]
		wake := s.wake
		s.mu.Unlock()
		if len(batch) == 0 {
			select {
			case <-wake:
				continue
			case <-ctx.Done():
				return
			}
		}
		pos += len(batch)
		for i := range batch {
			if !f.match(&batch[i]) {
				continue
			}
			if err := conn.Write(ctx, websocket.MessageText, batch[i].data); err != nil {
				return
			}
		}
	}
}
