package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/api/bsky"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/portavoce/portavoce/internal/provider"
)

// Login errors a person can act on. Login wraps them with the detail
// (which handle, which DID); other failures (the network is down, rate
// limits) are *provider.Error.
var (
	// ErrNotIdentifier is an identifier that is neither a handle
	// (name.bsky.social) nor a DID.
	ErrNotIdentifier = errors.New("bluesky: not a Bluesky handle (like name.bsky.social) nor a DID")
	// ErrUnknownHandle is a handle no account has.
	ErrUnknownHandle = errors.New("bluesky: no Bluesky account has this handle")
	// ErrUnknownDID is a DID its directory does not know, or no longer
	// serves.
	ErrUnknownDID = errors.New("bluesky: no Bluesky account has this DID")
	// ErrNoPDS is a DID whose document names no server (PDS) hosting the
	// account.
	ErrNoPDS = errors.New("bluesky: the account's identity names no server hosting it")
	// ErrWrongPassword is a login the PDS refused: wrong handle or app
	// password (app passwords are created in the Bluesky app, Settings →
	// Privacy and security → App passwords). The account's main password
	// is accepted too, but an app password can be revoked on its own and
	// is what Portavoce should be given.
	ErrWrongPassword = errors.New("bluesky: wrong handle or app password")
	// ErrAuthFactor is a login with the account's main password on an
	// account that confirms logins by e-mail: an app password needs no
	// code.
	ErrAuthFactor = errors.New("bluesky: this password needs a sign-in code sent by e-mail; use an app password instead")
	// ErrTakenDown is an account its server suspended or took down.
	ErrTakenDown = errors.New("bluesky: the account is suspended or taken down")
)

// Login connects an account: it resolves the identifier (a handle, with or
// without @, or a DID) to the account's DID and its DID document to the PDS
// that hosts it, logs in there with the app password
// (com.atproto.server.createSession) and reads the profile. credentials go
// to Account.Credentials (they hold the session's tokens, never the
// password); pdsURL to Account.Server.
//
// The API also accepts the account's main password, and Login cannot tell
// the difference when no e-mail code is asked; Portavoce's pages should
// still ask for an app password, which can be revoked on its own.
func (c *Client) Login(ctx context.Context, identifier, appPassword string) (profile provider.Profile, pdsURL string, credentials []byte, err error) {
	did, err := c.resolveIdentifier(ctx, identifier)
	if err != nil {
		return provider.Profile{}, "", nil, err
	}
	pdsURL, err = c.pdsOf(ctx, did)
	if err != nil {
		return provider.Profile{}, "", nil, err
	}
	body, _ := json.Marshal(comatproto.ServerCreateSession_Input{Identifier: did, Password: appPassword})
	a, err := c.send(ctx, call{post: true, base: pdsURL, nsid: "com.atproto.server.createSession", body: body}, "", -1)
	if err != nil {
		return provider.Profile{}, "", nil, err
	}
	if !a.ok() {
		switch {
		case a.code == "AuthFactorTokenRequired":
			return provider.Profile{}, "", nil, ErrAuthFactor
		case a.code == "AccountTakedown" || a.code == "AccountSuspended":
			return provider.Profile{}, "", nil, ErrTakenDown
		case a.status == http.StatusUnauthorized || (a.status == http.StatusBadRequest && a.code == "AuthenticationRequired"):
			return provider.Profile{}, "", nil, ErrWrongPassword
		}
		return provider.Profile{}, "", nil, c.fail(a, -1, appPassword)
	}
	var out comatproto.ServerCreateSession_Output
	if err := json.Unmarshal(a.body, &out); err != nil || out.AccessJwt == "" || out.RefreshJwt == "" {
		return provider.Profile{}, "", nil, &provider.Error{Kind: provider.Temporary, Network: provider.Bluesky, Part: -1,
			Err: errors.New("bluesky: unreadable answer to createSession")}
	}
	if out.Did != did {
		return provider.Profile{}, "", nil, fmt.Errorf("bluesky: the server at %s logged in %s instead of %s", hostOf(pdsURL), out.Did, did)
	}
	if out.Active != nil && !*out.Active {
		return provider.Profile{}, "", nil, fmt.Errorf("%w (%s)", ErrTakenDown, deref(out.Status))
	}
	sess := session{AccessJwt: out.AccessJwt, RefreshJwt: out.RefreshJwt, DID: out.Did, Handle: out.Handle}
	credentials, _ = json.Marshal(sess)
	profile = c.profile(ctx, &conn{c: c, pds: pdsURL, sess: sess})
	return profile, pdsURL, credentials, nil
}

// resolveIdentifier turns a handle or a DID into a DID: a handle through
// com.atproto.identity.resolveHandle on the entry service.
func (c *Client) resolveIdentifier(ctx context.Context, identifier string) (string, error) {
	id := strings.TrimPrefix(strings.TrimSpace(identifier), "@")
	if strings.HasPrefix(id, "did:") {
		did, err := syntax.ParseDID(id)
		if err != nil {
			return "", fmt.Errorf("%w: %q", ErrNotIdentifier, identifier)
		}
		return did.String(), nil
	}
	h, err := syntax.ParseHandle(id)
	if err != nil {
		return "", fmt.Errorf("%w: %q", ErrNotIdentifier, identifier)
	}
	handle := h.Normalize().String()
	did, found, err := c.resolveHandle(ctx, c.entry, handle, -1)
	if err != nil {
		return "", err
	}
	if !found {
		return "", fmt.Errorf("%w: @%s", ErrUnknownHandle, handle)
	}
	return did, nil
}

// resolveHandle asks base for a handle's DID. found is false when the
// server says no account has it (400, "Unable to resolve handle" or
// HandleNotFound).
func (c *Client) resolveHandle(ctx context.Context, base, handle string, part int) (did string, found bool, err error) {
	a, err := c.send(ctx, call{base: base, nsid: "com.atproto.identity.resolveHandle", query: url.Values{"handle": {handle}}}, "", part)
	if err != nil {
		return "", false, err
	}
	if a.status == http.StatusBadRequest || a.status == http.StatusNotFound {
		return "", false, nil
	}
	if !a.ok() {
		return "", false, c.fail(a, part)
	}
	var out comatproto.IdentityResolveHandle_Output
	if err := json.Unmarshal(a.body, &out); err != nil {
		return "", false, &provider.Error{Kind: provider.Temporary, Network: provider.Bluesky, Part: part,
			Err: errors.New("bluesky: unreadable answer to resolveHandle")}
	}
	parsed, err := syntax.ParseDID(out.Did)
	if err != nil {
		return "", false, nil
	}
	return parsed.String(), true, nil
}

// didDocument is the part of a DID document Portavoce reads.
type didDocument struct {
	ID      string `json:"id"`
	Service []struct {
		ID              string `json:"id"`
		Type            string `json:"type"`
		ServiceEndpoint any    `json:"serviceEndpoint"`
	} `json:"service"`
}

// pdsOf finds the PDS hosting a DID: the serviceEndpoint of the
// #atproto_pds service (type AtprotoPersonalDataServer) in the DID
// document, which comes from the PLC directory for did:plc and from
// https://<host>/.well-known/did.json for did:web.
func (c *Client) pdsOf(ctx context.Context, did string) (string, error) {
	var docURL string
	switch {
	case strings.HasPrefix(did, "did:plc:"):
		docURL = c.plc + "/" + did
	case strings.HasPrefix(did, "did:web:"):
		host, err := url.PathUnescape(strings.TrimPrefix(did, "did:web:"))
		if err != nil || !validHostPort(host) {
			return "", fmt.Errorf("%w: %s", ErrUnknownDID, did)
		}
		docURL = "https://" + host + "/.well-known/did.json"
	default:
		return "", fmt.Errorf("%w: %s (Bluesky uses did:plc and did:web)", ErrUnknownDID, did)
	}
	a, err := c.get(ctx, false, docURL, nil, "", "", -1)
	if err != nil {
		return "", err
	}
	switch {
	case a.status == http.StatusNotFound || a.status == http.StatusGone:
		return "", fmt.Errorf("%w: %s", ErrUnknownDID, did)
	case !a.ok():
		e := c.fail(a, -1)
		e.Code, e.Reason = "", "" // not an XRPC answer: its body says nothing useful
		return "", e
	}
	var doc didDocument
	if err := json.Unmarshal(a.body, &doc); err != nil || doc.ID != did {
		return "", fmt.Errorf("bluesky: the identity document of %s is not valid", did)
	}
	for _, s := range doc.Service {
		if (s.ID == "#atproto_pds" || s.ID == did+"#atproto_pds") && s.Type == "AtprotoPersonalDataServer" {
			endpoint, _ := s.ServiceEndpoint.(string)
			u, err := url.Parse(endpoint)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
				return "", fmt.Errorf("%w: %s", ErrNoPDS, did)
			}
			return strings.TrimRight(u.String(), "/"), nil
		}
	}
	return "", fmt.Errorf("%w: %s", ErrNoPDS, did)
}

// validHostPort accepts "host:port", the only colon a did:web may carry
// (percent-encoded).
func validHostPort(s string) bool {
	u, err := url.Parse("https://" + s)
	return s != "" && err == nil && u.Host == s && u.Path == "" && u.User == nil
}

// profile reads the account's profile (app.bsky.actor.getProfile, which
// the PDS forwards to the App View). A profile that cannot be read is no
// reason to refuse the login: the handle and DID are enough.
func (c *Client) profile(ctx context.Context, s *conn) provider.Profile {
	p := provider.Profile{RemoteID: s.sess.DID, Handle: s.sess.Handle, URL: profileURL(s.sess.Handle, s.sess.DID)}
	a, err := s.c.send(ctx, call{base: s.pds, nsid: "app.bsky.actor.getProfile", query: url.Values{"actor": {s.sess.DID}}}, s.sess.AccessJwt, -1)
	if err != nil || !a.ok() {
		return p
	}
	var out bsky.ActorDefs_ProfileViewDetailed
	if json.Unmarshal(a.body, &out) != nil || out.Did != s.sess.DID {
		return p
	}
	if out.Handle != "" && out.Handle != "handle.invalid" {
		p.Handle = out.Handle
	}
	p.DisplayName = deref(out.DisplayName)
	p.AvatarURL = deref(out.Avatar)
	p.URL = profileURL(p.Handle, p.RemoteID)
	return p
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func hostOf(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Host
	}
	return "?"
}

var _ provider.Verifier = (*Client)(nil)

// Verify checks the stored session with com.atproto.server.getSession,
// refreshing (and saving) it when the access token has expired: a session
// the PDS no longer accepts answers AuthExpired.
func (c *Client) Verify(ctx context.Context, a provider.Account) (provider.Profile, error) {
	s, err := c.connect(a)
	if err != nil {
		return provider.Profile{}, err
	}
	ans, err := s.do(ctx, call{base: s.pds, nsid: "com.atproto.server.getSession"}, -1)
	if err != nil {
		return provider.Profile{}, err
	}
	if !ans.ok() {
		return provider.Profile{}, s.fail(ans, -1)
	}
	return c.profile(ctx, s), nil
}
