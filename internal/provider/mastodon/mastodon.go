// Package mastodon publishes to Mastodon instances through their REST API
// (docs.joinmastodon.org, methods/statuses, methods/media, methods/oauth,
// methods/instance, methods/accounts).
//
// An account is connected with the OAuth authorization-code flow with PKCE:
// RegisterApp once per instance and redirect URI, AuthorizeURL for the
// browser, ExchangeCode for the access token, then Connect for the profile,
// the instance's limits and the credentials to store. The token does not
// expire; it stops working when the user revokes it, which Publish reports
// as provider.AuthExpired.
//
// Publishing uploads each image with POST /api/v2/media (waiting for the
// instance to process it), then posts each part with POST /api/v1/statuses
// as an answer to the previous one, with the part's key as Idempotency-Key.
// Check finds the parts an interrupted attempt already created by reading
// the account's own statuses since the first attempt.
package mastodon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/portavoce/portavoce/internal/provider"
)

// IdempotencyTTL is how long a Mastodon instance remembers an
// Idempotency-Key: PostStatusService keeps "idempotency:status:<account
// id>:<key>" in Redis with a TTL of 3 600 seconds (app/services/
// post_status_service.rb; the API documentation says "up to 1 hour"). A
// repeat with the same key within that hour returns the status created the
// first time, whatever the repeat's parameters; after it, the repeat posts
// again, which is why an unknown outcome is always checked first.
const IdempotencyTTL = time.Hour

const (
	// scopes are what Portavoce asks for: reading the profile and its own
	// statuses (Check), writing statuses and media.
	scopes = "read write"
	// appName is the client_name shown to the user on the authorization
	// page and under each status.
	appName = "Portavoce"
	// maxBody bounds what is read of any answer.
	maxBody = 8 << 20
	// maxReason bounds the network's message kept in an error.
	maxReason = 300
)

// Client talks to any Mastodon instance. It holds no account: each call
// names the instance and carries the account's credentials. It is safe for
// concurrent use.
type Client struct {
	http *http.Client
	now  func() time.Time
	// mediaWait bounds the wait for an upload's processing; mediaPoll is
	// the first interval between two looks, growing to mediaPollMax.
	mediaWait, mediaPoll, mediaPollMax time.Duration
}

var _ provider.Publisher = (*Client)(nil)

// New returns a client that makes its calls with httpClient (tests point it
// at a local test server; nil means a client with a two-minute time-out,
// long enough for a large upload).
func New(httpClient *http.Client) *Client {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 2 * time.Minute}
	}
	return &Client{
		http:         httpClient,
		now:          time.Now,
		mediaWait:    3 * time.Minute,
		mediaPoll:    500 * time.Millisecond,
		mediaPollMax: 5 * time.Second,
	}
}

// SetClock replaces the clock used for rate-limit times and the window
// Check reads, so that tests can pin time.
func (c *Client) SetClock(now func() time.Time) { c.now = now }

// SetMediaWait sets how long Publish waits for an instance to process an
// upload (a video can take minutes) and the first interval between two
// looks. Past the wait the part fails as Temporary and is tried again
// later.
func (c *Client) SetMediaWait(total, firstPoll time.Duration) {
	c.mediaWait, c.mediaPoll = total, firstPoll
	if c.mediaPollMax < firstPoll {
		c.mediaPollMax = firstPoll
	}
}

// Network names the network.
func (c *Client) Network() string { return provider.Mastodon }

// NewKeys returns n random UUIDs, used as Idempotency-Key headers.
func (c *Client) NewKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = uuid.NewString()
	}
	return keys
}

// credentials are what Portavoce stores for a connected account.
type credentials struct {
	AccessToken string `json:"access_token"`
}

// marshalCredentials returns the credentials JSON for an access token.
func marshalCredentials(token string) []byte {
	b, _ := json.Marshal(credentials{AccessToken: token})
	return b
}

// tokenOf reads the access token from an account's credentials. Unreadable
// credentials mean the account must be connected again.
func tokenOf(a provider.Account) (string, error) {
	var cr credentials
	if err := json.Unmarshal(a.Credentials, &cr); err != nil || cr.AccessToken == "" {
		return "", &provider.Error{Kind: provider.AuthExpired, Network: provider.Mastodon, Part: -1,
			Reason: "the stored credentials hold no access token; connect the account again"}
	}
	return cr.AccessToken, nil
}

// call is one request to an instance.
type call struct {
	method string
	url    string
	token  string
	body   []byte
	// contentType of body.
	contentType string
	// idempotencyKey goes in the Idempotency-Key header.
	idempotencyKey string
	// part is the part being published, -1 for none.
	part int
	// repeatable calls (reads, uploads) create nothing a repeat could
	// duplicate: an unanswered one is Temporary, not Unknown.
	repeatable bool
	// secrets are masked in any reason kept from the answer.
	secrets []string
}

// do sends a call and returns the response when its status is one of ok;
// anything else becomes a *provider.Error (the body is then closed).
func (c *Client) do(ctx context.Context, cl call, ok ...int) (*http.Response, error) {
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, cl.url, body)
	if err != nil {
		// The URL came from a normalised instance address: this is a
		// programming error, and the URL holds no secret.
		return nil, &provider.Error{Kind: provider.Rejected, Network: provider.Mastodon, Part: cl.part,
			Reason: "invalid instance address", Err: err}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", appName)
	if cl.contentType != "" {
		req.Header.Set("Content-Type", cl.contentType)
	}
	if cl.token != "" {
		req.Header.Set("Authorization", "Bearer "+cl.token)
	}
	if cl.idempotencyKey != "" {
		// Set under a non-canonical key on purpose: net/http's Transport
		// silently replays a request whose Header map holds
		// "Idempotency-Key" when a reused connection dies before the
		// answer. The replay would hide an unknown outcome that the
		// scheduler must see and check (provider.Unknown). HTTP header
		// names are case-insensitive, so the instance reads it all the
		// same; requests that were never written are still retried.
		req.Header["idempotency-key"] = []string{cl.idempotencyKey}
	}
	resp, err := provider.Send(c.http, req, provider.Mastodon, cl.part)
	if err != nil {
		var pe *provider.Error
		if cl.repeatable && errors.As(err, &pe) && pe.Kind == provider.Unknown {
			pe.Kind = provider.Temporary
		}
		return nil, err
	}
	for _, s := range ok {
		if resp.StatusCode == s {
			return resp, nil
		}
	}
	defer resp.Body.Close()
	return nil, c.failure(resp, cl)
}

// apiError is Mastodon's error entity, and Doorkeeper's OAuth error.
type apiError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// failure turns an answer that is not a success into a *provider.Error
// with the network's own message as Reason.
func (c *Client) failure(resp *http.Response, cl call) *provider.Error {
	pe := &provider.Error{
		Kind:    provider.StatusKind(resp.StatusCode),
		Network: provider.Mastodon,
		Part:    cl.part,
		Status:  resp.StatusCode,
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var e apiError
	if json.Unmarshal(raw, &e) == nil {
		if e.Description != "" {
			// Doorkeeper: {"error":"invalid_grant","error_description":"..."}
			pe.Code, pe.Reason = e.Error, e.Description
		} else {
			pe.Reason = e.Error
		}
	}
	pe.Reason = cleanReason(pe.Reason, cl.secrets)
	if !isCode(pe.Code) {
		pe.Code = ""
	}
	switch {
	case resp.StatusCode == http.StatusForbidden && pe.Reason == "This action is outside the authorized scopes":
		// The token lacks a scope: connecting again grants it.
		pe.Kind = provider.AuthExpired
	case resp.StatusCode == http.StatusUnprocessableEntity && strings.HasPrefix(pe.Reason, "Cannot attach files that have not finished processing"):
		pe.Kind = provider.Temporary
	case cl.repeatable && pe.Kind == provider.Unknown:
		pe.Kind = provider.Temporary
	}
	switch {
	case pe.Kind == provider.RateLimited:
		pe.RetryAfter = c.retryAfter(resp.Header)
	case resp.StatusCode == http.StatusServiceUnavailable:
		// Every Mastodon answer carries X-RateLimit-Reset; only a 429's
		// is a time to wait for. A 503 may say Retry-After.
		pe.RetryAfter = provider.RetryAfter(resp.Header, c.now())
	}
	if pe.Kind == provider.RateLimited && !pe.RetryAfter.After(c.now()) {
		// Mastodon always says when; an answer that does not still
		// deserves a pause rather than an immediate repeat.
		pe.RetryAfter = c.now().Add(time.Minute)
	}
	return pe
}

// retryAfter reads when a rate-limited call may be repeated: Mastodon's
// X-RateLimit-Reset (ISO 8601, app/controllers/concerns/
// api/rate_limit_headers.rb and config/initializers/rack_attack.rb) or the
// standard Retry-After. The reset is the instance's clock, so it is taken
// relative to the answer's Date when there is one: a skewed clock on either
// side does not turn it into the past.
func (c *Client) retryAfter(h http.Header) time.Time {
	now := c.now()
	if v := h.Get("X-RateLimit-Reset"); v != "" {
		if reset, err := time.Parse(time.RFC3339Nano, v); err == nil {
			if date, err := http.ParseTime(h.Get("Date")); err == nil {
				// Date has whole seconds: keep at least the rest of one.
				wait := reset.Sub(date)
				if wait < time.Second {
					wait = time.Second
				}
				return now.Add(wait)
			}
			return reset
		}
	}
	return provider.RetryAfter(h, now)
}

// isCode accepts an OAuth error code ("invalid_grant"), nothing else.
func isCode(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// cleanReason keeps a network's message fit to show: one line, bounded,
// without any of the call's secrets.
func cleanReason(s string, secrets []string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if r := []rune(s); len(r) > maxReason {
		s = string(r[:maxReason]) + "…"
	}
	return s
}

// decode reads a JSON answer into v and closes its body. A body that is
// not the expected JSON is Unknown for a write (the instance answered
// something else than it should), Temporary for a repeatable call.
func decode(resp *http.Response, v any, cl call) error {
	defer resp.Body.Close()
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(v); err != nil {
		kind := provider.Unknown
		if cl.repeatable {
			kind = provider.Temporary
		}
		return &provider.Error{Kind: kind, Network: provider.Mastodon, Part: cl.part, Status: resp.StatusCode,
			Reason: "unreadable answer", Err: fmt.Errorf("decode: %w", err)}
	}
	return nil
}

// AccessToken reads the access token from a connected account's
// credentials, for callers that talk to the instance on the account's
// behalf outside a provider call (a hashtag stream for listening).
func AccessToken(credentials []byte) (string, error) {
	return tokenOf(provider.Account{Credentials: credentials})
}
