// Package blueskytest is a local Bluesky for tests, development and
// benchmarks: one loopback HTTP server that plays the entry service
// (bsky.social), the account's PDS and the PLC directory, and answers the
// XRPC methods Portavoce uses with the requests, responses and error bodies
// of the reference PDS (bluesky-social/atproto) and of the lexicons.
//
// It keeps everything in memory, is safe for concurrent use and needs no
// *testing.T, so a development server or a benchmark can run it too.
package blueskytest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/portavoce/portavoce/internal/provider/providertest"
)

// Defaults of the reference PDS.
const (
	// AccessTokenLifetime is how long an access token works (the PDS
	// issues them for 120 minutes).
	AccessTokenLifetime = 2 * time.Hour
	// BlobUploadLimit is the biggest upload accepted (PDS_BLOB_UPLOAD_LIMIT
	// defaults to 5 MiB).
	BlobUploadLimit = 5 * 1024 * 1024
	// jsonLimit is the biggest JSON request body (the PDS's jsonLimit).
	jsonLimit = 150 * 1024
)

// WritePointsPerHour is the rate limit of record writes per account on
// Bluesky's PDS instances: 5,000 points an hour, where creating a record
// costs 3.
const WritePointsPerHour = 5000

const createPoints = 3

// Server is the local Bluesky. Create it with NewServer, stop it with Close.
type Server struct {
	srv *httptest.Server

	mu          sync.Mutex
	now         func() time.Time
	accessTTL   time.Duration
	latency     time.Duration
	writeLimit  int
	accounts    map[string]*account // by DID
	handles     map[string]string   // handle → DID
	access      map[string]*accessToken
	refresh     map[string]*refreshToken
	faults      []*fault
	clock       *syntax.TIDClock
	nextSession int
	// blobData holds uploaded bytes by CID, for the image CDN (profile.go).
	blobData map[string][]byte
	// notifs are the App View's notifications, by recipient DID, in the
	// order they were indexed (inbox.go).
	notifs map[string][]*notification
	// convos are the chat service's conversations, by id (inbox.go).
	convos map[string]*convo
}

type account struct {
	did, handle  string
	appPasswords map[string]bool
	// mainPassword logs in with full rights; emailCode makes such a login
	// ask for a code sent by e-mail (app passwords never do).
	mainPassword string
	emailCode    bool
	displayName  string
	avatar       string
	posts        []*Post          // oldest first
	byRKey       map[string]*Post // app.bsky.feed.post records by record key
	blobs        map[string]blob  // by CID
	windowStart  time.Time        // rate-limit window of record writes
	windowPoints int
	// profile is the app.bsky.actor.profile record, nil until written.
	profile *profileRecord
	// records are the likes, reposts and threadgates, by collection then
	// record key (inbox.go).
	records map[string]map[string]*record
	// followers is the followersCount the App View shows (SetFollowers).
	followers int
	// chat is true when the account's app passwords may use direct
	// messages (GrantChat).
	chat bool
}

type blob struct {
	mimeType string
	size     int64
}

type accessToken struct {
	did     string
	session int
	expires time.Time
}

type refreshToken struct {
	did     string
	session int
	// revoked is set when the token was rotated or its session revoked.
	revoked bool
}

type fault struct {
	providertest.Fault
	skipped, done int
}

// NewServer starts a server on a loopback port. It plays the entry service,
// the PDS of every account it holds and the PLC directory: point a client's
// entry, PDS and PLC URLs at URL().
func NewServer() *Server {
	s := &Server{
		now:        time.Now,
		accessTTL:  AccessTokenLifetime,
		writeLimit: WritePointsPerHour,
		accounts:   map[string]*account{},
		handles:    map[string]string{},
		access:     map[string]*accessToken{},
		refresh:    map[string]*refreshToken{},
		clock:      syntax.NewTIDClock(0),
		notifs:     map[string][]*notification{},
		convos:     map[string]*convo{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// URL is the server's base URL (http://127.0.0.1:port).
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server and waits for the requests in flight.
func (s *Server) Close() { s.srv.Close() }

// CreateAccount creates an account with an app password and returns its
// DID (did:plc:…). The handle must be a valid handle not yet taken; a
// second app password for the same handle is added with AddAppPassword.
func (s *Server) CreateAccount(handle, appPassword string) (did string) {
	h, err := syntax.ParseHandle(strings.TrimPrefix(handle, "@"))
	if err != nil {
		panic(fmt.Sprintf("blueskytest: CreateAccount: %v", err))
	}
	handle = h.Normalize().String()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.handles[handle]; taken {
		panic(fmt.Sprintf("blueskytest: CreateAccount: handle %s is taken", handle))
	}
	sum := sha256.Sum256([]byte(handle + "\x00" + randomString(8)))
	did = "did:plc:" + strings.ToLower(base32.StdEncoding.EncodeToString(sum[:]))[:24]
	s.accounts[did] = &account{
		did:          did,
		handle:       handle,
		appPasswords: map[string]bool{appPassword: true},
		displayName:  strings.SplitN(handle, ".", 2)[0],
		byRKey:       map[string]*Post{},
		blobs:        map[string]blob{},
		records:      map[string]map[string]*record{},
	}
	s.handles[handle] = did
	return did
}

// SetMainPassword gives an account its main password. With emailCode set,
// logging in with it answers AuthFactorTokenRequired, as the PDS does for
// accounts with e-mail two-factor authentication; app passwords still work.
func (s *Server) SetMainPassword(did, password string, emailCode bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.mustAccount(did)
	a.mainPassword, a.emailCode = password, emailCode
}

// SetProfile sets what app.bsky.actor.getProfile shows of an account.
func (s *Server) SetProfile(did, displayName, avatarURL string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.mustAccount(did)
	a.displayName, a.avatar = displayName, avatarURL
}

// Post is an app.bsky.feed.post record as the server stored it.
type Post struct {
	RKey string
	// URI is at://<did>/app.bsky.feed.post/<rkey>, the post's id.
	URI       string
	CID       string
	Text      string
	CreatedAt string
	Langs     []string
	Facets    []Facet
	// ReplyRoot and ReplyParent are the URIs the post answers, empty for
	// a root post.
	ReplyRoot, ReplyParent string
	// Quote is the URI of the post it quotes (app.bsky.embed.record),
	// empty when none.
	Quote string
	// IndexedAt is when the App View indexed it (to the millisecond).
	IndexedAt time.Time
	Images    []Image
	External  *External
	// Record is the record's JSON as received.
	Record json.RawMessage
}

// Facet is one rich-text annotation: Kind is "mention" (Value a DID),
// "link" (a URI) or "tag" (without #); Start and End are UTF-8 byte offsets
// into the text.
type Facet struct {
	Kind       string
	Start, End int
	Value      string
}

// Image is an image embed (or a link card's thumbnail): the blob it
// references and what describes it.
type Image struct {
	Alt      string
	CID      string
	MimeType string
	Size     int64
	// Width and Height are the declared aspect ratio, 0 when absent.
	Width, Height int64
}

// External is a link card (app.bsky.embed.external).
type External struct {
	URI, Title, Description string
	// Thumb is the card's image, nil when it has none.
	Thumb *Image
}

// Posts returns an account's posts, oldest first.
func (s *Server) Posts(did string) []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[did]
	if a == nil {
		return nil
	}
	out := make([]Post, 0, len(a.posts))
	for _, p := range a.posts {
		out = append(out, *p)
	}
	return out
}

// Inject makes the next matching calls fail: Op "post" is
// com.atproto.repo.createRecord of a post, "media"
// com.atproto.repo.uploadBlob, "profile" com.atproto.repo.putRecord of the
// profile; for the inbox, "like" and "repost" are createRecord of those
// records, "threadgate" putRecord of a threadgate, "notifications"
// app.bsky.notification.listNotifications, "chat" the chat.bsky.convo
// queries and "message" chat.bsky.convo.sendMessage.
// Faults apply to calls that authenticated; the first matching fault that
// still has calls to fail answers.
//
//   - RateLimit: 429 RateLimitExceeded with the RateLimit-* headers, reset
//     in a minute.
//   - Unavailable: 503 NotEnoughResources.
//   - Reject: 400 InvalidRequest with a validation message.
//   - Unauthorized: revokes the account's sessions (refreshing fails too)
//     and answers 400 ExpiredToken.
//   - LoseAnswer: performs the call, then closes the connection without
//     answering.
func (s *Server) Inject(f providertest.Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{Fault: f})
}

// ExpireAccessTokens makes every access token issued so far expired: the
// next call with one answers ExpiredToken, and refreshing still works.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := s.now().Add(-time.Second)
	for _, t := range s.access {
		t.expires = past
	}
}

// RevokeSessions ends every session of an account, as deleting its app
// password does: access tokens answer ExpiredToken and refresh tokens
// "Token has been revoked".
func (s *Server) RevokeSessions(did string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revokeLocked(did)
}

func (s *Server) revokeLocked(did string) {
	for _, t := range s.refresh {
		if t.did == did {
			t.revoked = true
		}
	}
	past := s.now().Add(-time.Second)
	for _, t := range s.access {
		if t.did == did {
			t.expires = past
		}
	}
}

// SetAccessTokenLifetime sets how long new access tokens work (default
// AccessTokenLifetime).
func (s *Server) SetAccessTokenLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accessTTL = d
}

// SetClock replaces the server's clock (token expiry, rate-limit windows),
// for tests that move time by hand.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetWriteRateLimit sets how many write points an account may spend in an
// hour (a created post costs 3; default WritePointsPerHour); 0 turns the
// limit off, for benchmarks that post more than a real account may.
func (s *Server) SetWriteRateLimit(pointsPerHour int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeLimit = pointsPerHour
}

// SetLatency makes every XRPC answer wait d, like a distant server
// (benchmarks use 50 ms).
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

func (s *Server) mustAccount(did string) *account {
	a := s.accounts[did]
	if a == nil {
		panic("blueskytest: no account " + did)
	}
	return a
}

// newSessionLocked issues an access and a refresh token for a new session.
func (s *Server) newSessionLocked(did string) (accessJwt, refreshJwt string) {
	s.nextSession++
	return s.tokensLocked(did, s.nextSession)
}

// tokensLocked issues the tokens of a session. They are shaped like the
// PDS's JWTs (header, claims, signature) but the server only looks them up.
func (s *Server) tokensLocked(did string, session int) (accessJwt, refreshJwt string) {
	now := s.now()
	accessJwt = jwt("at+jwt", map[string]any{"scope": "com.atproto.appPass", "sub": did, "iat": now.Unix(), "exp": now.Add(s.accessTTL).Unix()})
	refreshJwt = jwt("refresh+jwt", map[string]any{"scope": "com.atproto.refresh", "sub": did, "iat": now.Unix(), "exp": now.Add(90 * 24 * time.Hour).Unix(), "jti": randomString(16)})
	s.access[accessJwt] = &accessToken{did: did, session: session, expires: now.Add(s.accessTTL)}
	s.refresh[refreshJwt] = &refreshToken{did: did, session: session}
	return accessJwt, refreshJwt
}

func jwt(typ string, claims map[string]any) string {
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"typ": typ, "alg": "HS256"})
	body, _ := json.Marshal(claims)
	return enc.EncodeToString(header) + "." + enc.EncodeToString(body) + "." + randomString(32)
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
