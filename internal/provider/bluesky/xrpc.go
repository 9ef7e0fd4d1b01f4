package bluesky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	comatproto "github.com/bluesky-social/indigo/api/atproto"

	"github.com/portavoce/portavoce/internal/provider"
)

// maxAnswer bounds what is read of an answer: XRPC answers and DID
// documents are small JSON.
const maxAnswer = 1 << 20

// session is what Account.Credentials hold: the tokens of an app-password
// session and whose they are.
type session struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	DID        string `json:"did"`
	Handle     string `json:"handle"`
}

// call is one XRPC request.
type call struct {
	post        bool
	base        string
	nsid        string
	query       url.Values
	body        []byte
	contentType string
}

// answer is an XRPC answer read in full, with its error fields when it is
// not a success.
type answer struct {
	status  int
	header  http.Header
	body    []byte
	code    string
	message string
}

func (a answer) ok() bool { return a.status >= 200 && a.status <= 299 }

// send makes one call, with token as Bearer when it is not empty.
func (c *Client) send(ctx context.Context, k call, token string, part int) (answer, error) {
	u := strings.TrimRight(k.base, "/") + "/xrpc/" + k.nsid
	if len(k.query) > 0 {
		u += "?" + k.query.Encode()
	}
	return c.get(ctx, k.post, u, k.body, k.contentType, token, part)
}

// get sends a request and reads its answer; transport failures are sorted
// by provider.Send.
func (c *Client) get(ctx context.Context, post bool, u string, body []byte, contentType, token string, part int) (answer, error) {
	method := http.MethodGet
	var r io.Reader
	if post {
		method = http.MethodPost
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		// Only a malformed server address gets here: logging in again
		// finds the right one.
		return answer{}, &provider.Error{Kind: provider.AuthExpired, Network: provider.Bluesky, Part: part,
			Reason: "the account's server address is not valid: connect the account again"}
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "application/json")
	if post {
		if contentType == "" {
			contentType = "application/json"
		}
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := provider.Send(c.http, req, provider.Bluesky, part)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	a.body, err = io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return answer{}, &provider.Error{Kind: provider.Unknown, Network: provider.Bluesky, Part: part, Status: resp.StatusCode, Err: ctxErr}
		}
		return answer{}, &provider.Error{Kind: provider.Unknown, Network: provider.Bluesky, Part: part, Status: resp.StatusCode,
			Err: errors.New("bluesky: the answer was cut short")}
	}
	if !a.ok() {
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		if json.Unmarshal(a.body, &e) == nil {
			a.code, a.message = e.Error, e.Message
		}
	}
	return a, nil
}

// fail turns an answer that is not a success into a typed error: the
// status decides the kind (provider.StatusKind), an expired or invalid
// token is AuthExpired whatever its status (the PDS answers 400, the
// entryway 401), a rate limit carries its reset time.
func (c *Client) fail(a answer, part int, secrets ...string) *provider.Error {
	e := &provider.Error{
		Kind:    provider.StatusKind(a.status),
		Network: provider.Bluesky,
		Part:    part,
		Status:  a.status,
		Code:    clip(a.code, 100),
		Reason:  clip(a.message, 500),
	}
	for _, s := range secrets {
		if s != "" {
			e.Code = strings.ReplaceAll(e.Code, s, "[redacted]")
			e.Reason = strings.ReplaceAll(e.Reason, s, "[redacted]")
		}
	}
	switch {
	case a.status == http.StatusTooManyRequests:
		e.RetryAfter = retryAfter(a.header, c.now())
	case tokenRefused(a):
		e.Kind = provider.AuthExpired
	}
	return e
}

// retryAfter reads when a rate-limited call may be repeated: RateLimit-Reset
// (Unix seconds, what atproto services send), else Retry-After, else a
// minute from now.
func retryAfter(h http.Header, now time.Time) time.Time {
	if v, err := strconv.ParseInt(strings.TrimSpace(h.Get("RateLimit-Reset")), 10, 64); err == nil && v > 0 {
		if t := time.Unix(v, 0); t.After(now) {
			return t
		}
		return now.Add(time.Second)
	}
	if t := provider.RetryAfter(h, now); !t.IsZero() {
		return t
	}
	return now.Add(time.Minute)
}

// tokenRefused reports an answer refusing the access token because it
// expired (ExpiredToken) or cannot be verified (InvalidToken): refreshing
// the session may fix both.
func tokenRefused(a answer) bool {
	return (a.status == http.StatusBadRequest || a.status == http.StatusUnauthorized) &&
		(a.code == "ExpiredToken" || a.code == "InvalidToken")
}

// clip bounds a string the server chose, so that a hostile server cannot
// fill the logs.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// conn is one connected account while Portavoce acts for it: its PDS and
// its current session, renewed when the PDS says it expired.
type conn struct {
	c    *Client
	a    provider.Account
	pds  string
	sess session
}

// connect reads an account's credentials.
func (c *Client) connect(a provider.Account) (*conn, error) {
	var s session
	if err := json.Unmarshal(a.Credentials, &s); err != nil || s.AccessJwt == "" || s.RefreshJwt == "" {
		return nil, &provider.Error{Kind: provider.AuthExpired, Network: provider.Bluesky, Part: -1,
			Reason: "the account's credentials are missing or unreadable: connect the account again"}
	}
	if s.DID == "" {
		s.DID = a.RemoteID
	}
	if s.Handle == "" {
		s.Handle = a.Handle
	}
	if a.Server == "" {
		return nil, &provider.Error{Kind: provider.AuthExpired, Network: provider.Bluesky, Part: -1,
			Reason: "the account has no server address: connect the account again"}
	}
	return &conn{c: c, a: a, pds: a.Server, sess: s}, nil
}

// do makes an authenticated call. When the PDS refuses the access token,
// the session is refreshed (and saved) and the call repeated: a refused
// call did nothing, so repeating it cannot act twice. It is repeated once,
// or twice when the first renewal reused tokens another attempt had
// obtained and those had expired as well.
func (s *conn) do(ctx context.Context, k call, part int) (answer, error) {
	a, err := s.c.send(ctx, k, s.sess.AccessJwt, part)
	for range 2 {
		if err != nil || !tokenRefused(a) {
			return a, err
		}
		reused, rerr := s.refresh(ctx, part)
		if rerr != nil {
			return answer{}, rerr
		}
		a, err = s.c.send(ctx, k, s.sess.AccessJwt, part)
		if !reused {
			// Fresh tokens refused: refreshing again will not help.
			break
		}
		// Tokens another attempt renewed may have expired since:
		// one more turn renews them.
	}
	return a, err
}

// fail is Client.fail with the session's tokens kept out of the error.
func (s *conn) fail(a answer, part int) *provider.Error {
	return s.c.fail(a, part, s.sess.AccessJwt, s.sess.RefreshJwt)
}

// key names the account in the client's memory of rotations: Portavoce's
// id of the connection, since two workspaces may connect the same DID with
// different sessions.
func (s *conn) key() string {
	if s.a.ID != "" {
		return s.a.ID
	}
	return s.pds + " " + s.sess.DID
}

// refresh renews the session with com.atproto.server.refreshSession. The
// PDS rotates both tokens and accepts each refresh token once, so the new
// ones are saved through Account.SaveCredentials before anything uses them.
// A refresh the PDS refuses (expired, revoked) is AuthExpired: the account
// must be connected again.
func (s *conn) refresh(ctx context.Context, part int) (reused bool, err error) {
	lock := s.c.rotationLock(s.key())
	lock.Lock()
	defer lock.Unlock()

	s.c.mu.Lock()
	r, found := s.c.rotated[s.key()]
	s.c.mu.Unlock()
	if found && r.from == s.sess.RefreshJwt {
		// Another attempt already exchanged these tokens.
		if err := s.save(ctx, r.to, part); err != nil {
			return false, err
		}
		s.sess = r.to
		return true, nil
	}

	a, err := s.c.send(ctx, call{post: true, base: s.pds, nsid: "com.atproto.server.refreshSession"}, s.sess.RefreshJwt, part)
	if err != nil {
		// The post was refused before this: whatever became of the
		// refresh, nothing was published.
		var pe *provider.Error
		if errors.As(err, &pe) && pe.Kind == provider.Unknown {
			pe.Kind = provider.Temporary
		}
		return false, err
	}
	if !a.ok() {
		e := s.fail(a, part)
		switch {
		case a.status == http.StatusBadRequest || a.status == http.StatusUnauthorized || a.status == http.StatusForbidden:
			e.Kind = provider.AuthExpired
		case e.Kind == provider.Unknown:
			e.Kind = provider.Temporary
		}
		return false, e
	}
	var out comatproto.ServerRefreshSession_Output
	if err := json.Unmarshal(a.body, &out); err != nil || out.AccessJwt == "" || out.RefreshJwt == "" {
		return false, &provider.Error{Kind: provider.Temporary, Network: provider.Bluesky, Part: part, Status: a.status,
			Err: errors.New("bluesky: unreadable answer to refreshSession")}
	}
	next := session{AccessJwt: out.AccessJwt, RefreshJwt: out.RefreshJwt, DID: s.sess.DID, Handle: s.sess.Handle}
	if out.Did != "" {
		next.DID = out.Did
	}
	if out.Handle != "" {
		next.Handle = out.Handle
	}
	s.c.mu.Lock()
	s.c.rotated[s.key()] = rotation{from: s.sess.RefreshJwt, to: next}
	s.c.mu.Unlock()
	if err := s.save(ctx, next, part); err != nil {
		return false, err
	}
	s.sess = next
	return false, nil
}

// save stores renewed tokens with the account.
func (s *conn) save(ctx context.Context, next session, part int) error {
	if s.a.SaveCredentials == nil {
		return nil
	}
	b, err := json.Marshal(next)
	if err != nil {
		return &provider.Error{Kind: provider.Temporary, Network: provider.Bluesky, Part: part, Err: errors.New("bluesky: encoding the renewed session")}
	}
	if err := s.a.SaveCredentials(ctx, b); err != nil {
		return &provider.Error{Kind: provider.Temporary, Network: provider.Bluesky, Part: part,
			Err: fmt.Errorf("bluesky: saving the renewed session: %w", err)}
	}
	return nil
}

// rotationLock serializes the refreshes of one account.
func (c *Client) rotationLock(key string) *sync.Mutex {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.rotating[key]
	if l == nil {
		l = new(sync.Mutex)
		c.rotating[key] = l
	}
	return l
}
