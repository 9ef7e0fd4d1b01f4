// Package mastodontest is a local Mastodon instance for tests, benchmarks
// and browser runs: a real HTTP server on loopback that speaks the parts of
// the Mastodon REST API and OAuth endpoints Portavoce uses, validates what a
// real instance validates and answers with the documented shapes, status
// codes, headers and error messages (docs.joinmastodon.org: methods/apps,
// methods/oauth, methods/accounts, methods/instance, methods/media,
// methods/statuses, methods/notifications, methods/conversations,
// methods/streaming, api/rate-limits, api/guidelines#pagination; and
// Mastodon's own source where the documentation is silent:
// PostStatusService, Api::ErrorHandling, Api::RateLimitHeaders,
// rack_attack.rb, TextFormatter).
//
// Tests drive it with control methods (CreateAccount, Inject, RevokeTokens,
// SetLatency, SetInstance, ...) that are safe for concurrent use; the
// constructor needs no *testing.T so that programs can run it too.
package mastodontest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/portavoce/portavoce/internal/provider/providertest"
)

// Reasons the server gives for an injected providertest.Reject, real
// Mastodon messages: the one of a too-long status (422 from POST
// /api/v1/statuses) and the documented one of a refused upload (422 from
// POST /api/v2/media).
const (
	RejectPostReason  = "Validation failed: Text character limit of 500 exceeded"
	RejectMediaReason = "Validation failed: File content type is invalid, File is invalid"
)

// IdempotencyTTL is how long an Idempotency-Key is remembered for an
// account: PostStatusService's setex of 3 600 seconds.
const IdempotencyTTL = time.Hour

// Default limits, those of a stock Mastodon 4.4 (entities/Instance and the
// constants behind it).
const (
	DefaultMaxChars    = 500
	DefaultMaxMedia    = 4
	DefaultCharsPerURL = 23
	imageSizeLimit     = 16 << 20
	videoSizeLimit     = 99 << 20
	imageMatrixLimit   = 33_177_600
	descriptionLimit   = 1500
	// codeLifetime is Doorkeeper's authorization_code_expires_in default.
	codeLifetime = 10 * time.Minute
)

// supportedMIMETypes are the upload types the server accepts and
// publishes in /api/v2/instance.
var supportedMIMETypes = []string{
	"image/jpeg", "image/png", "image/gif", "image/heic", "image/heif", "image/webp", "image/avif",
	"video/webm", "video/mp4", "video/quicktime", "video/ogg",
	"audio/wave", "audio/wav", "audio/x-wav", "audio/x-pn-wave", "audio/vnd.wave", "audio/ogg",
	"audio/vorbis", "audio/mpeg", "audio/mp3", "audio/webm", "audio/flac", "audio/aac", "audio/m4a",
	"audio/x-m4a", "audio/mp4", "audio/3gpp", "video/x-ms-asf",
}

// Server is a Mastodon instance on loopback.
type Server struct {
	ts     *httptest.Server
	base   string // http://127.0.0.1:port
	domain string // 127.0.0.1:port

	mu       sync.Mutex
	now      func() time.Time
	lastID   uint64
	apps     map[string]*app // by client_id
	grants   map[string]*grant
	csrf     map[string]bool
	tokens   map[string]*token
	accounts map[string]*account // by id
	byName   map[string]*account // by lower-cased username
	remote   map[string]string   // ids of mentioned remote accounts, by acct
	statuses map[string]*status  // by id, deleted ones included
	media    map[string]*media
	idem     map[string]idemEntry // account id + "\x00" + key
	faults   []*fault
	calls    map[string]int
	windows  map[string]*window
	signedIn *account
	// notes are the notifications, by recipient account id, by
	// ascending id (inbox.go).
	notes    map[string][]*notification
	lastNote uint64
	// streams are the open user streams; streamTS is the separate
	// streaming host, nil while streams are served by the instance's own
	// host; closing ends every stream when the server closes.
	streams  map[*stream]bool
	streamTS *httptest.Server
	closing  chan struct{}

	latency    time.Duration
	processing time.Duration
	maxChars   int
	maxMedia   int
	rateLimit  int
	ratePeriod time.Duration
	enforce    bool
}

type app struct {
	id, name, website    string
	clientID, secret     string
	redirectURIs, scopes []string
}

// grant is an authorization code waiting to be exchanged.
type grant struct {
	code              string
	app               *app
	account           *account
	redirectURI       string
	scopes            []string
	challenge, method string
	expires           time.Time
}

type token struct {
	value   string
	app     *app
	account *account // nil for a client_credentials token
	scopes  []string
	created time.Time
	revoked bool
}

type account struct {
	id, username, displayName string
	created                   time.Time
	// statuses are the account's statuses not deleted, by ascending id.
	statuses []*status
	// profile is the rest of what the account shows (profile.go).
	profile accountProfile
}

type status struct {
	id          string
	n           uint64
	account     *account
	text        string // as sent
	spoiler     string
	visibility  string
	language    string
	sensitive   bool
	inReplyTo   *status
	replies     int
	media       []*media
	mentions    []mentionJSON
	tags        []tagJSON
	content     string
	key         string
	application *app
	created     time.Time
	deleted     bool
	// favourites and reblogs are who favourited and who boosted it, in
	// order; quoted is the status it quotes (inbox.go).
	favourites []*account
	reblogs    []*reblog
	quoted     *status
}

type media struct {
	id          string
	account     *account
	kind        string // image, gifv, video, audio
	contentType string
	filename    string
	description string
	size        int
	width       int
	height      int
	ready       time.Time
	status      *status
	created     time.Time
}

type idemEntry struct {
	statusID string
	expires  time.Time
}

type fault struct {
	kind        providertest.FaultKind
	op          string
	skip, times int
}

type window struct {
	index int64
	count int
}

// NewServer starts a server on loopback. Close it when done.
func NewServer() *Server {
	s := &Server{
		now:        time.Now,
		apps:       make(map[string]*app),
		grants:     make(map[string]*grant),
		csrf:       make(map[string]bool),
		tokens:     make(map[string]*token),
		accounts:   make(map[string]*account),
		byName:     make(map[string]*account),
		remote:     make(map[string]string),
		statuses:   make(map[string]*status),
		media:      make(map[string]*media),
		idem:       make(map[string]idemEntry),
		calls:      make(map[string]int),
		windows:    make(map[string]*window),
		notes:      make(map[string][]*notification),
		streams:    make(map[*stream]bool),
		closing:    make(chan struct{}),
		maxChars:   DefaultMaxChars,
		maxMedia:   DefaultMaxMedia,
		rateLimit:  300,
		ratePeriod: 5 * time.Minute,
	}
	s.ts = httptest.NewServer(s.routes())
	s.base = s.ts.URL
	u, _ := url.Parse(s.base)
	s.domain = u.Host
	return s
}

// URL is the instance's base URL, as Portavoce stores it.
func (s *Server) URL() string { return s.base }

// Client returns an HTTP client for the server (any client reaches it; this
// one closes its connections with the server).
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Close shuts the server down, ending the open streams first (an
// httptest.Server waits for every request in progress).
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.closing:
	default:
		close(s.closing)
	}
	streamTS := s.streamTS
	s.mu.Unlock()
	if streamTS != nil {
		streamTS.Close()
	}
	s.ts.Close()
}

// SetClock replaces the server's clock: status ids, created_at, the
// Idempotency-Key memory, authorization codes, media processing and
// rate-limit windows all follow it.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetLatency makes every answer wait d first (the network answering in
// 50 ms, for benchmarks). A request cancelled meanwhile gets no answer.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// SetInstance sets the status limits the instance publishes and enforces:
// max_characters and max_media_attachments (0 keeps the current value).
func (s *Server) SetInstance(maxChars, maxMedia int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if maxChars > 0 {
		s.maxChars = maxChars
	}
	if maxMedia > 0 {
		s.maxMedia = maxMedia
	}
}

// SetMediaProcessing makes every upload answer 202 and stay processing for
// d (GET /api/v1/media/:id answers 206 until then). With 0, the default,
// images are processed at once (200, as Mastodon does since 4.0) and video
// and audio answer 202 and are ready at the first look.
func (s *Server) SetMediaProcessing(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.processing = d
}

// SetRateLimit enforces limit calls per period and per access token (or per
// address without one), answering 429 beyond it, like Mastodon's
// throttle_per_token_api (300 per 5 minutes). By default the limit is
// reported in the X-RateLimit headers of every answer but not enforced, so
// that benchmarks can post thousands of statuses; limit 0 turns enforcing
// off again.
func (s *Server) SetRateLimit(limit int, period time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.enforce = limit > 0
	if limit > 0 {
		s.rateLimit = limit
	}
	if period > 0 {
		s.ratePeriod = period
	}
	s.windows = make(map[string]*window)
}

// CreateAccount creates an account (or finds the one with that user name)
// and returns its id and a new access token already authorised with the
// scopes "read write", as if the OAuth flow had run.
func (s *Server) CreateAccount(username string) (accountID, accessToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accountLocked(username)
	t := s.issueLocked(s.builtinAppLocked(), a, []string{"read", "write"})
	return a.id, t.value
}

// SignIn makes accountID the user who answers the authorization page
// (GET /oauth/authorize). Without it, a user "user" is created and signed
// in at the first authorization.
func (s *Server) SignIn(accountID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[accountID]; a != nil {
		s.signedIn = a
	}
}

// RevokeTokens revokes every access token of the account, as when the user
// removes the application from their settings: the API then answers 401
// "The access token was revoked", and the streams opened with them end.
func (s *Server) RevokeTokens(accountID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		if t.account != nil && t.account.id == accountID {
			t.revoked = true
		}
	}
	s.endStreamsLocked(accountID)
}

// Inject makes the next matching calls fail: Op "post" matches POST
// /api/v1/statuses, "media" the uploads, "" both; "inbox" matches GET
// /api/v1/notifications and "act" the favourites and boosts, and only
// faults injected with those ops reach them. Skip lets that many
// matching calls through first; Times is how many then fail (0 means 1).
// Faults apply in the order injected, one at a time.
//
//   - RateLimit answers 429 {"error":"Too many requests"} with
//     X-RateLimit-Limit, X-RateLimit-Remaining 0 and X-RateLimit-Reset, as
//     rack_attack.rb's throttled responder does.
//   - Unavailable answers 503 {"error":"Service Unavailable"}.
//   - Reject answers 422 with RejectPostReason or RejectMediaReason.
//   - Unauthorized answers 401 {"error":"The access token is invalid"}.
//   - LoseAnswer performs the call (the status or upload exists, the
//     Idempotency-Key is remembered) and closes the connection without
//     answering.
func (s *Server) Inject(f providertest.Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	times := f.Times
	if times <= 0 {
		times = 1
	}
	s.faults = append(s.faults, &fault{kind: f.Kind, op: f.Op, skip: f.Skip, times: times})
}

// Calls returns how many requests reached a route, named by its pattern
// ("POST /api/v1/statuses", "GET /api/v1/media/{id}").
func (s *Server) Calls(pattern string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[pattern]
}

// Status is a status as the server holds it.
type Status struct {
	ID string
	// Text is the status text as the client sent it.
	Text        string
	SpoilerText string
	// InReplyToID is the id of the status answered, empty for none.
	InReplyToID string
	Visibility  string
	Language    string
	// Content is the HTML the API shows.
	Content string
	URL     string
	// IdempotencyKey is the Idempotency-Key header of the request that
	// created it.
	IdempotencyKey string
	CreatedAt      time.Time
	Media          []Media
}

// Media is an attachment as the server holds it.
type Media struct {
	ID string
	// Type is Mastodon's: image, gifv, video or audio.
	Type        string
	ContentType string
	Description string
	Width       int
	Height      int
	Size        int
}

// Statuses returns what the account published and did not delete, oldest
// first.
func (s *Server) Statuses(accountID string) []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[accountID]
	if a == nil {
		return nil
	}
	out := make([]Status, 0, len(a.statuses))
	for _, st := range a.statuses {
		out = append(out, s.statusViewLocked(st))
	}
	return out
}

// statusViewLocked is a status as Statuses shows it.
func (s *Server) statusViewLocked(st *status) Status {
	v := Status{
		ID: st.id, Text: st.text, SpoilerText: st.spoiler, Visibility: st.visibility, Language: st.language,
		Content: st.content, URL: s.statusURL(st), IdempotencyKey: st.key, CreatedAt: st.created,
	}
	if st.inReplyTo != nil {
		v.InReplyToID = st.inReplyTo.id
	}
	for _, m := range st.media {
		v.Media = append(v.Media, Media{ID: m.id, Type: m.kind, ContentType: m.contentType, Description: m.description,
			Width: m.width, Height: m.height, Size: m.size})
	}
	return v
}

// nextIDLocked returns a new Snowflake-like id: the clock in milliseconds
// shifted left by 16 bits, as Mastodon's timestamp_id, kept increasing.
func (s *Server) nextIDLocked() (string, uint64) {
	ms := s.now().UnixMilli()
	var n uint64
	if ms > 0 {
		n = uint64(ms) << 16
	}
	if n <= s.lastID {
		n = s.lastID + 1
	}
	s.lastID = n
	return strconv.FormatUint(n, 10), n
}

// accountLocked finds or creates an account by user name.
func (s *Server) accountLocked(username string) *account {
	if a := s.byName[strings.ToLower(username)]; a != nil {
		return a
	}
	id, _ := s.nextIDLocked()
	a := &account{id: id, username: username, displayName: username, created: s.now()}
	s.accounts[id] = a
	s.byName[strings.ToLower(username)] = a
	return a
}

// builtinAppLocked is the application tokens made by CreateAccount belong
// to.
func (s *Server) builtinAppLocked() *app {
	const id = "portavoce-test"
	if a := s.apps[id]; a != nil {
		return a
	}
	a := &app{id: "1", name: "Portavoce", clientID: id, secret: randomString(32),
		redirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"}, scopes: []string{"read", "write"}}
	s.apps[id] = a
	return a
}

func (s *Server) issueLocked(a *app, acc *account, scopes []string) *token {
	t := &token{value: randomString(32), app: a, account: acc, scopes: scopes, created: s.now()}
	s.tokens[t.value] = t
	return t
}

// randomString returns n random bytes in base64url, like Doorkeeper's
// tokens.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// routes wires the endpoints. Each is counted, carries the rate-limit
// headers and waits for the configured latency.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, h http.HandlerFunc) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			s.mu.Lock()
			s.calls[pattern]++
			latency := s.latency
			s.mu.Unlock()
			if latency > 0 {
				timer := time.NewTimer(latency)
				select {
				case <-timer.C:
				case <-r.Context().Done():
					timer.Stop()
					return
				}
			}
			if !s.throttle(w, r) {
				return
			}
			h(w, r)
		})
	}
	handle("POST /api/v1/apps", s.createApp)
	handle("GET /oauth/authorize", s.authorizePage)
	handle("POST /oauth/authorize", s.authorize)
	handle("POST /oauth/token", s.issueToken)
	handle("POST /oauth/revoke", s.revoke)
	handle("GET /api/v1/accounts/verify_credentials", s.verifyCredentials)
	handle("GET /api/v1/accounts/{id}", s.getAccount)
	handle("GET /api/v1/accounts/{id}/statuses", s.accountStatuses)
	handle("GET /api/v2/instance", s.instance)
	handle("POST /api/v2/media", s.upload)
	handle("POST /api/v1/media", s.upload)
	handle("GET /api/v1/media/{id}", s.getMedia)
	handle("POST /api/v1/statuses", s.createStatus)
	handle("GET /api/v1/statuses/{id}", s.getStatus)
	handle("DELETE /api/v1/statuses/{id}", s.deleteStatus)
	s.profileRoutes(handle)
	s.inboxRoutes(handle)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Record not found")
	})
	return mux
}

// throttle counts the call in its rate-limit window and sets Mastodon's
// X-RateLimit headers; it answers 429 and returns false past an enforced
// limit. Windows are aligned on the period, as Rack::Attack's are, and the
// reset time is computed as Api::RateLimitHeaders does.
func (s *Server) throttle(w http.ResponseWriter, r *http.Request) bool {
	key := bearer(r)
	if key == "" {
		key = "ip:" + r.RemoteAddr
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			key = "ip:" + host
		}
	}
	s.mu.Lock()
	now := s.now()
	period := int64(s.ratePeriod / time.Second)
	if period <= 0 {
		period = 1
	}
	index := now.Unix() / period
	win := s.windows[key]
	if win == nil || win.index != index {
		win = &window{index: index}
		s.windows[key] = win
	}
	win.count++
	limit, count, enforce := s.rateLimit, win.count, s.enforce
	s.mu.Unlock()
	reset := resetTime(now, period)
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(limit-count, 0)))
	h.Set("X-RateLimit-Reset", reset)
	if enforce && count > limit {
		writeError(w, http.StatusTooManyRequests, "Too many requests")
		return false
	}
	return true
}

// resetTime is when the current window ends, in Mastodon's format
// (iso8601 with microseconds).
func resetTime(now time.Time, period int64) string {
	return now.Add(time.Duration(period-now.Unix()%period) * time.Second).UTC().Format("2006-01-02T15:04:05.000000Z")
}

// takeFault returns the fault the next call of op must suffer, if any.
func (s *Server) takeFault(op string) providertest.FaultKind {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.op != "" && f.op != op {
			continue
		}
		if f.skip > 0 {
			f.skip--
			return ""
		}
		f.times--
		if f.times <= 0 {
			s.faults = slices.Delete(s.faults, i, i+1)
		}
		return f.kind
	}
	return ""
}

// answerFault answers a call with an injected fault other than LoseAnswer,
// and says whether it did.
func (s *Server) answerFault(w http.ResponseWriter, kind providertest.FaultKind, op string) bool {
	switch kind {
	case providertest.RateLimit:
		s.mu.Lock()
		now, limit, period := s.now(), s.rateLimit, int64(s.ratePeriod/time.Second)
		s.mu.Unlock()
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset", resetTime(now, max(period, 1)))
		writeError(w, http.StatusTooManyRequests, "Too many requests")
	case providertest.Unavailable:
		writeError(w, http.StatusServiceUnavailable, "Service Unavailable")
	case providertest.Reject:
		reason := RejectPostReason
		if op == "media" {
			reason = RejectMediaReason
		}
		writeError(w, http.StatusUnprocessableEntity, reason)
	case providertest.Unauthorized:
		unauthorized(w, "The access token is invalid")
	default:
		return false
	}
	return true
}

// loseAnswer closes the connection without answering.
func loseAnswer(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// writeJSON answers v as JSON.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers Mastodon's Error entity.
func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// unauthorized answers as Doorkeeper does for a missing, unknown or
// revoked token.
func unauthorized(w http.ResponseWriter, description string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="Doorkeeper", error="invalid_token", error_description="`+description+`"`)
	writeError(w, http.StatusUnauthorized, description)
}

// bearer reads the access token of a request: the Authorization header,
// or the access_token parameter (Doorkeeper's from_access_token_param).
func bearer(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, value, ok := strings.Cut(h, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(value)
		}
		return ""
	}
	return r.URL.Query().Get("access_token")
}

// authenticate finds the token of a request and checks it grants one of
// the scopes (none: any token). It answers 401 or 403 itself and returns
// nil then. The token must act for a user.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, scopes ...string) *token {
	value := bearer(r)
	s.mu.Lock()
	t := s.tokens[value]
	revoked := t != nil && t.revoked
	s.mu.Unlock()
	switch {
	case t == nil:
		unauthorized(w, "The access token is invalid")
		return nil
	case revoked:
		unauthorized(w, "The access token was revoked")
		return nil
	case len(scopes) > 0 && !grants(t.scopes, scopes...):
		writeError(w, http.StatusForbidden, "This action is outside the authorized scopes")
		return nil
	case t.account == nil:
		writeError(w, http.StatusUnprocessableEntity, "This method requires an authenticated user")
		return nil
	}
	return t
}

// grants says whether granted scopes cover one of the wanted ones: "read"
// covers every "read:…", "write" every "write:…".
func grants(granted []string, wanted ...string) bool {
	for _, w := range wanted {
		for _, g := range granted {
			if g == w || strings.HasPrefix(w, g+":") {
				return true
			}
		}
	}
	return false
}
