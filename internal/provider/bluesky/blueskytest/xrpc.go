package blueskytest

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"

	"github.com/portavoce/portavoce/internal/provider/providertest"
)

// EmailCode is the sign-in code the server "sends by e-mail" to accounts
// whose main password needs one (SetMainPassword).
const EmailCode = "ABCDE-12345"

// reply is an XRPC answer before it is written.
type reply struct {
	status int
	body   any
	header http.Header
	// lose performs the call but closes the connection instead of
	// answering (the LoseAnswer fault).
	lose bool
}

func ok(body any) reply { return reply{status: http.StatusOK, body: body} }

// xerr is an XRPC error: {"error": name, "message": message}, the body every
// atproto service answers with.
func xerr(status int, name, message string) reply {
	return reply{status: status, body: map[string]string{"error": name, "message": message}}
}

// method is one XRPC method: a query answers GET, a procedure POST.
type method struct {
	procedure bool
	handle    func(s *Server, r *http.Request) reply
}

var methods = map[string]method{
	"com.atproto.identity.resolveHandle": {false, (*Server).resolveHandle},
	"com.atproto.server.createSession":   {true, (*Server).createSession},
	"com.atproto.server.refreshSession":  {true, (*Server).refreshSession},
	"com.atproto.server.getSession":      {false, (*Server).getSession},
	"com.atproto.repo.uploadBlob":        {true, (*Server).uploadBlob},
	"com.atproto.repo.createRecord":      {true, (*Server).createRecord},
	"com.atproto.repo.getRecord":         {false, (*Server).getRecord},
	"com.atproto.repo.deleteRecord":      {true, (*Server).deleteRecord},
	"app.bsky.actor.getProfile":          {false, (*Server).getProfile},
	"com.atproto.repo.putRecord":         {true, (*Server).putAnyRecord},

	// The inbox (inbox.go): what the PDS proxies to the App View and to
	// the chat service.
	"app.bsky.notification.listNotifications": {false, (*Server).listNotifications},
	"app.bsky.feed.getPostThread":             {false, (*Server).getPostThread},
	"app.bsky.feed.getPosts":                  {false, (*Server).getPosts},
	"app.bsky.actor.getProfiles":              {false, (*Server).getProfiles},
	"chat.bsky.convo.listConvos":              {false, (*Server).listConvos},
	"chat.bsky.convo.getMessages":             {false, (*Server).getMessages},
	"chat.bsky.convo.sendMessage":             {true, (*Server).sendMessage},
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/xrpc/"):
		s.serveXRPC(w, r)
	case strings.HasPrefix(r.URL.Path, "/did:"):
		s.servePLC(w, r)
	case strings.HasPrefix(r.URL.Path, "/img/"):
		s.serveImage(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) serveXRPC(w http.ResponseWriter, r *http.Request) {
	nsid := strings.TrimPrefix(r.URL.Path, "/xrpc/")
	var rep reply
	m, found := methods[nsid]
	switch {
	case !found:
		rep = xerr(http.StatusNotImplemented, "MethodNotImplemented", "Method Not Implemented")
	case m.procedure && r.Method != http.MethodPost:
		rep = xerr(http.StatusBadRequest, "InvalidRequest", fmt.Sprintf("Incorrect HTTP method (%s) expected POST", r.Method))
	case !m.procedure && r.Method != http.MethodGet && r.Method != http.MethodHead:
		rep = xerr(http.StatusBadRequest, "InvalidRequest", fmt.Sprintf("Incorrect HTTP method (%s) expected GET", r.Method))
	default:
		rep = m.handle(s, r)
	}
	s.mu.Lock()
	latency := s.latency
	s.mu.Unlock()
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	if rep.lose {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	write(w, rep)
}

func write(w http.ResponseWriter, rep reply) {
	for k, vs := range rep.header {
		w.Header()[k] = vs
	}
	body, err := json.Marshal(rep.body)
	if err != nil {
		rep.status = http.StatusInternalServerError
		body = []byte(`{"error":"InternalServerError","message":"Internal Server Error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rep.status)
	_, _ = w.Write(body)
}

// servePLC answers GET /{did} as plc.directory does: the DID document, or
// 404 {"message": "DID not registered: …"}.
func (s *Server) servePLC(w http.ResponseWriter, r *http.Request) {
	did := strings.TrimPrefix(r.URL.Path, "/")
	s.mu.Lock()
	a := s.accounts[did]
	var doc map[string]any
	if a != nil {
		doc = s.didDocLocked(a)
	}
	s.mu.Unlock()
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if doc == nil {
		write(w, reply{status: http.StatusNotFound, body: map[string]string{"message": "DID not registered: " + did}})
		return
	}
	body, _ := json.Marshal(doc)
	w.Header().Set("Content-Type", "application/did+ld+json; charset=utf-8")
	_, _ = w.Write(body)
}

// didDocLocked is the account's DID document: its handle, a signing key
// (a placeholder: nothing here is signed) and this server as its PDS.
func (s *Server) didDocLocked(a *account) map[string]any {
	return map[string]any{
		"@context": []string{
			"https://www.w3.org/ns/did/v1",
			"https://w3id.org/security/multikey/v1",
			"https://w3id.org/security/suites/secp256k1-2019/v1",
		},
		"id":          a.did,
		"alsoKnownAs": []string{"at://" + a.handle},
		"verificationMethod": []map[string]string{{
			"id":                 a.did + "#atproto",
			"type":               "Multikey",
			"controller":         a.did,
			"publicKeyMultibase": "zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF",
		}},
		"service": []map[string]string{{
			"id":              "#atproto_pds",
			"type":            "AtprotoPersonalDataServer",
			"serviceEndpoint": s.srv.URL,
		}},
	}
}

// authLocked checks the access token as the PDS's auth verifier does: no
// token is 401 AuthenticationRequired; an unknown token 400 InvalidToken; a
// refresh token used for access 400 InvalidToken "Bad token scope"; an
// expired one 400 ExpiredToken.
func (s *Server) authLocked(r *http.Request) (*account, *reply) {
	token, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !found || token == "" {
		rep := xerr(http.StatusUnauthorized, "AuthenticationRequired", "Authentication Required")
		return nil, &rep
	}
	if _, isRefresh := s.refresh[token]; isRefresh {
		rep := xerr(http.StatusBadRequest, "InvalidToken", "Bad token scope")
		return nil, &rep
	}
	t := s.access[token]
	if t == nil {
		rep := xerr(http.StatusBadRequest, "InvalidToken", "Token could not be verified")
		return nil, &rep
	}
	if !s.now().Before(t.expires) {
		rep := xerr(http.StatusBadRequest, "ExpiredToken", "Token has expired")
		return nil, &rep
	}
	return s.accounts[t.did], nil
}

// faultLocked returns the fault that answers this call of op, nil when the
// call goes through. A fault first lets Skip calls through, then fails
// Times calls, then is forgotten.
func (s *Server) faultLocked(op string) *fault {
	for i, f := range s.faults {
		if f.Op != op {
			continue
		}
		if f.skipped < f.Skip {
			f.skipped++
			return nil
		}
		f.done++
		if f.done >= f.Times {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		return f
	}
	return nil
}

// faultReply is what a fault answers instead of the call; LoseAnswer has
// none (the call is made and its answer lost).
func (s *Server) faultReplyLocked(f *fault, a *account) (reply, bool) {
	switch f.Kind {
	case providertest.RateLimit:
		now := s.now()
		rep := xerr(http.StatusTooManyRequests, "RateLimitExceeded", "Rate Limit Exceeded")
		rep.header = rateLimitHeaders(WritePointsPerHour, 0, now.Add(time.Minute), time.Hour)
		return rep, true
	case providertest.Unavailable:
		return xerr(http.StatusServiceUnavailable, "NotEnoughResources", "Not Enough Resources"), true
	case providertest.Reject:
		if f.Op == "media" {
			return xerr(http.StatusBadRequest, "InvalidRequest", "Wrong type of file (injected fault)"), true
		}
		return xerr(http.StatusBadRequest, "InvalidRequest", "Invalid app.bsky.feed.post record: rejected by the test server (injected fault)"), true
	case providertest.Unauthorized:
		s.revokeLocked(a.did)
		return xerr(http.StatusBadRequest, "ExpiredToken", "Token has expired"), true
	}
	return reply{}, false
}

// rateLimitHeaders are the headers of the PDS's rate limiter: the limit,
// what remains, the reset time in Unix seconds and the policy
// ("limit;w=window seconds").
func rateLimitHeaders(limit, remaining int, reset time.Time, window time.Duration) http.Header {
	h := http.Header{}
	h.Set("RateLimit-Limit", strconv.Itoa(limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("RateLimit-Policy", fmt.Sprintf("%d;w=%d", limit, int(window.Seconds())))
	return h
}

// readJSON decodes a procedure's JSON input, bounded as the PDS bounds it.
func readJSON(r *http.Request, v any) *reply {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		rep := xerr(http.StatusBadRequest, "InvalidRequest", fmt.Sprintf("Wrong request encoding (Content-Type): %s", mt))
		return &rep
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, jsonLimit+1))
	if err != nil {
		rep := xerr(http.StatusBadRequest, "InvalidRequest", "Unable to read input")
		return &rep
	}
	if len(body) > jsonLimit {
		rep := xerr(http.StatusRequestEntityTooLarge, "PayloadTooLarge", "request entity too large")
		return &rep
	}
	if err := json.Unmarshal(body, v); err != nil {
		rep := xerr(http.StatusBadRequest, "InvalidRequest", "Unable to parse input: "+err.Error())
		return &rep
	}
	return nil
}

// lookupLocked finds an account by DID or handle.
func (s *Server) lookupLocked(actor string) *account {
	actor = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(actor), "@"))
	if strings.HasPrefix(actor, "did:") {
		return s.accounts[actor]
	}
	return s.accounts[s.handles[actor]]
}

func (s *Server) resolveHandle(r *http.Request) reply {
	raw := r.URL.Query().Get("handle")
	if raw == "" {
		return xerr(http.StatusBadRequest, "InvalidRequest", `Params must have the property "handle"`)
	}
	h, err := syntax.ParseHandle(raw)
	if err != nil {
		return xerr(http.StatusBadRequest, "InvalidRequest", "Error: handle must be a valid handle")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	did, found := s.handles[h.Normalize().String()]
	if !found {
		return xerr(http.StatusBadRequest, "InvalidRequest", "Unable to resolve handle")
	}
	return ok(map[string]string{"did": did})
}

type sessionOut struct {
	AccessJwt  string         `json:"accessJwt,omitempty"`
	RefreshJwt string         `json:"refreshJwt,omitempty"`
	Handle     string         `json:"handle"`
	DID        string         `json:"did"`
	DIDDoc     map[string]any `json:"didDoc,omitempty"`
	Active     bool           `json:"active"`
}

func (s *Server) createSession(r *http.Request) reply {
	var in struct {
		Identifier      string `json:"identifier"`
		Password        string `json:"password"`
		AuthFactorToken string `json:"authFactorToken"`
	}
	if rep := readJSON(r, &in); rep != nil {
		return *rep
	}
	if in.Identifier == "" {
		return xerr(http.StatusBadRequest, "InvalidRequest", `Input must have the property "identifier"`)
	}
	if in.Password == "" {
		return xerr(http.StatusBadRequest, "InvalidRequest", `Input must have the property "password"`)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.lookupLocked(in.Identifier)
	switch {
	case a == nil:
		return xerr(http.StatusUnauthorized, "AuthenticationRequired", "Invalid identifier or password")
	case a.appPasswords[in.Password]:
	case a.mainPassword != "" && in.Password == a.mainPassword:
		if a.emailCode && in.AuthFactorToken != EmailCode {
			return xerr(http.StatusUnauthorized, "AuthFactorTokenRequired", "A sign in code has been sent to your email address")
		}
	default:
		return xerr(http.StatusUnauthorized, "AuthenticationRequired", "Invalid identifier or password")
	}
	access, refresh := s.newSessionLocked(a.did)
	return ok(sessionOut{AccessJwt: access, RefreshJwt: refresh, Handle: a.handle, DID: a.did, DIDDoc: s.didDocLocked(a), Active: true})
}

// refreshSession rotates the session's tokens: the refresh token used
// stops working, as the reference PDS does once its grace period is over.
func (s *Server) refreshSession(r *http.Request) reply {
	token, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !found || token == "" {
		return xerr(http.StatusUnauthorized, "AuthenticationRequired", "Authentication Required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, isAccess := s.access[token]; isAccess {
		return xerr(http.StatusBadRequest, "InvalidToken", "Bad token scope")
	}
	t := s.refresh[token]
	if t == nil {
		return xerr(http.StatusBadRequest, "InvalidToken", "Token could not be verified")
	}
	if t.revoked {
		return xerr(http.StatusBadRequest, "ExpiredToken", "Token has been revoked")
	}
	t.revoked = true
	a := s.accounts[t.did]
	access, refresh := s.tokensLocked(a.did, t.session)
	return ok(sessionOut{AccessJwt: access, RefreshJwt: refresh, Handle: a.handle, DID: a.did, DIDDoc: s.didDocLocked(a), Active: true})
}

func (s *Server) getSession(r *http.Request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, rep := s.authLocked(r)
	if rep != nil {
		return *rep
	}
	return ok(sessionOut{Handle: a.handle, DID: a.did, DIDDoc: s.didDocLocked(a), Active: true})
}

// getProfile answers app.bsky.actor.getProfile as the App View does through
// the PDS (which checks the token, when there is one, before proxying).
func (s *Server) getProfile(r *http.Request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Header.Get("Authorization") != "" {
		if _, rep := s.authLocked(r); rep != nil {
			return *rep
		}
	}
	actor := r.URL.Query().Get("actor")
	if actor == "" {
		return xerr(http.StatusBadRequest, "InvalidRequest", `Params must have the property "actor"`)
	}
	a := s.lookupLocked(actor)
	if a == nil {
		return xerr(http.StatusBadRequest, "InvalidRequest", "Profile not found")
	}
	return ok(s.profileDetailedLocked(a))
}

// profileDetailedLocked is an account's app.bsky.actor.defs#profileViewDetailed.
func (s *Server) profileDetailedLocked(a *account) map[string]any {
	profile := map[string]any{
		"did":            a.did,
		"handle":         a.handle,
		"displayName":    a.displayName,
		"followersCount": a.followers,
		"followsCount":   0,
		"postsCount":     len(a.posts),
		"indexedAt":      s.now().UTC().Format(time.RFC3339),
	}
	if a.avatar != "" {
		profile["avatar"] = a.avatar
	}
	s.profileViewLocked(a, profile)
	return profile
}

// uploadBlob stores the raw body. Like the PDS it trusts the bytes over
// the Content-Type when it recognizes them, and answers the blob reference
// (CIDv1, raw codec, sha-256) that a record then points to.
func (s *Server) uploadBlob(r *http.Request) reply {
	s.mu.Lock()
	a, rep := s.authLocked(r)
	if rep != nil {
		s.mu.Unlock()
		return *rep
	}
	f := s.faultLocked("media")
	if f != nil {
		if rep, done := s.faultReplyLocked(f, a); done {
			s.mu.Unlock()
			return rep
		}
	}
	s.mu.Unlock()

	data, err := io.ReadAll(io.LimitReader(r.Body, BlobUploadLimit+1))
	if err != nil {
		return xerr(http.StatusBadRequest, "InvalidRequest", "Unable to read input")
	}
	if len(data) > BlobUploadLimit {
		return xerr(http.StatusRequestEntityTooLarge, "PayloadTooLarge", "request entity too large")
	}
	mimeType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if sniffed, _, _ := mime.ParseMediaType(http.DetectContentType(data)); sniffed != "application/octet-stream" && !strings.HasPrefix(sniffed, "text/") {
		mimeType = sniffed
	}
	if mimeType == "" {
		mimeType = "application/octet-stream"
	}
	ref := cidOf(cid.Raw, data)
	s.mu.Lock()
	a.blobs[ref] = blob{mimeType: mimeType, size: int64(len(data))}
	s.keepBlobLocked(ref, data)
	s.mu.Unlock()
	out := ok(map[string]any{"blob": map[string]any{
		"$type":    "blob",
		"ref":      map[string]string{"$link": ref},
		"mimeType": mimeType,
		"size":     len(data),
	}})
	out.lose = f != nil && f.Kind == providertest.LoseAnswer
	return out
}

// cidOf is the CIDv1 (sha-256) of data in a codec: raw for blobs, dag-cbor
// for records.
func cidOf(codec uint64, data []byte) string {
	c, err := cid.NewPrefixV1(codec, multihash.SHA2_256).Sum(data)
	if err != nil {
		sum := sha256.Sum256(data)
		panic(fmt.Sprintf("blueskytest: cid of %x: %v", sum[:4], err))
	}
	return c.String()
}

func (s *Server) getRecord(r *http.Request) reply {
	q := r.URL.Query()
	for _, p := range []string{"repo", "collection", "rkey"} {
		if q.Get(p) == "" {
			return xerr(http.StatusBadRequest, "InvalidRequest", fmt.Sprintf("Params must have the property %q", p))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.lookupLocked(q.Get("repo"))
	if a == nil {
		return xerr(http.StatusBadRequest, "InvalidRequest", "Could not find repo: "+q.Get("repo"))
	}
	switch q.Get("collection") {
	case profileCollection:
		return s.profileRecordLocked(a, q.Get("rkey"), q.Get("cid"))
	case likeCollection, repostCollection, threadgateCollection:
		return s.otherRecordLocked(a, q.Get("collection"), q.Get("rkey"), q.Get("cid"))
	}
	uri := "at://" + a.did + "/" + q.Get("collection") + "/" + q.Get("rkey")
	var p *Post
	if q.Get("collection") == postCollection {
		p = a.byRKey[q.Get("rkey")]
	}
	if p == nil || (q.Get("cid") != "" && q.Get("cid") != p.CID) {
		return xerr(http.StatusBadRequest, "RecordNotFound", "Could not locate record: "+uri)
	}
	return ok(map[string]any{"uri": p.URI, "cid": p.CID, "value": p.Record})
}

func (s *Server) deleteRecord(r *http.Request) reply {
	var in struct {
		Repo       string `json:"repo"`
		Collection string `json:"collection"`
		RKey       string `json:"rkey"`
	}
	if rep := readJSON(r, &in); rep != nil {
		return *rep
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, rep := s.authLocked(r)
	if rep != nil {
		return *rep
	}
	if target := s.lookupLocked(in.Repo); target == nil {
		return xerr(http.StatusBadRequest, "InvalidRequest", "Could not find repo: "+in.Repo)
	} else if target != a {
		return xerr(http.StatusUnauthorized, "AuthenticationRequired", "Authentication Required")
	}
	// Deleting a record that is not there does nothing and answers no
	// commit, as the reference PDS does.
	if !s.deleteLocked(a, in.Collection, in.RKey) {
		return ok(map[string]any{})
	}
	return ok(map[string]any{"commit": s.commitLocked()})
}

// deleteLocked removes a record of the account and, as the App View does,
// the notifications it caused; false when there was none.
func (s *Server) deleteLocked(a *account, collection, rkey string) bool {
	uri := "at://" + a.did + "/" + collection + "/" + rkey
	switch collection {
	case postCollection:
		p := a.byRKey[rkey]
		if p == nil {
			return false
		}
		delete(a.byRKey, rkey)
		for i, q := range a.posts {
			if q == p {
				a.posts = append(a.posts[:i:i], a.posts[i+1:]...)
				break
			}
		}
	default:
		if a.records[collection][rkey] == nil {
			return false
		}
		delete(a.records[collection], rkey)
	}
	s.dropNotificationsLocked(uri)
	return true
}

// commitLocked is the commit metadata a write answers with.
func (s *Server) commitLocked() map[string]string {
	rev := s.clock.Next().String()
	return map[string]string{"cid": cidOf(cid.DagCBOR, []byte(rev)), "rev": rev}
}
