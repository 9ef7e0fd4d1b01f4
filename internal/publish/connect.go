package publish

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/netguard"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/provider/bluesky"
	"github.com/portavoce/portavoce/internal/provider/mastodon"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/workspace"
)

// ConnectStore is what connecting accounts needs from the database.
type ConnectStore interface {
	ConnectSocialAccount(ctx context.Context, a p.SocialAccount) (p.SocialAccount, error)
	SocialAccount(ctx context.Context, workspaceID, id string) (p.SocialAccount, error)
	DisconnectSocialAccount(ctx context.Context, workspaceID, id string, at time.Time) error
	MastodonApp(ctx context.Context, instance, redirectURI string) (clientID, secretID string, err error)
	SaveMastodonApp(ctx context.Context, instance, redirectURI, clientID, secretID string, at time.Time) error
	SaveOAuthState(ctx context.Context, s store.OAuthState) error
	TakeOAuthState(ctx context.Context, stateHash string, now time.Time) (store.OAuthState, error)
	WorkspaceByID(ctx context.Context, id string) (p.Workspace, error)
	MemberRole(ctx context.Context, workspaceID, userID string) (p.Role, error)
	AddAudit(ctx context.Context, e p.AuditEntry) error
}

// Vault seals secrets (tokens, app passwords never: only the session they
// open).
type Vault interface {
	Put(ctx context.Context, workspaceID, purpose string, plaintext []byte) (string, error)
	Get(ctx context.Context, id string) ([]byte, error)
}

// Connector connects network accounts to workspaces.
type Connector struct {
	store    ConnectStore
	vault    Vault
	mastodon *mastodon.Client
	bluesky  *bluesky.Client
	now      func() time.Time
	log      *slog.Logger
}

// NewConnector returns a Connector using the given network clients.
func NewConnector(s ConnectStore, v Vault, m *mastodon.Client, b *bluesky.Client, now func() time.Time, log *slog.Logger) *Connector {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Connector{store: s, vault: v, mastodon: m, bluesky: b, now: func() time.Time { return now().UTC() }, log: log}
}

// secretPurpose binds sealed account credentials to their use.
const secretPurpose = "social_account"

// BeginMastodon starts connecting a Mastodon account: it registers
// Portavoce on the instance (once per instance), remembers a one-time state
// with a PKCE verifier, and returns the instance's authorization page.
func (c *Connector) BeginMastodon(ctx context.Context, a workspace.Actor, acc workspace.Access, input, redirectURI string) (string, error) {
	instance, err := mastodon.NormalizeInstance(input)
	if err != nil {
		if strings.TrimSpace(input) == "" {
			return "", p.FieldError("instance", "type the address of your Mastodon server, such as mastodon.social")
		}
		return "", p.FieldError("instance", "%q is not the name of a Mastodon server: type only the server's name, such as mastodon.social", input)
	}
	app, err := c.mastodonApp(ctx, instance, redirectURI)
	if err != nil {
		return "", connectError(provider.Mastodon, instance, err)
	}
	state, hash := newState()
	verifier := mastodon.NewVerifier()
	now := c.now()
	if err := c.store.SaveOAuthState(ctx, store.OAuthState{StateHash: hash, WorkspaceID: acc.Workspace.ID, UserID: a.User.ID,
		Network: provider.Mastodon, Instance: instance, Verifier: verifier, RedirectURI: redirectURI, CreatedAt: now,
		ExpiresAt: now.Add(15 * time.Minute)}); err != nil {
		return "", err
	}
	return mastodon.AuthorizeURL(instance, app, redirectURI, state, mastodon.Challenge(verifier)), nil
}

func (c *Connector) mastodonApp(ctx context.Context, instance, redirectURI string) (mastodon.App, error) {
	clientID, secretID, err := c.store.MastodonApp(ctx, instance, redirectURI)
	if errors.Is(err, p.ErrNotFound) {
		app, err := c.mastodon.RegisterApp(ctx, instance, redirectURI, "")
		if err != nil {
			return mastodon.App{}, err
		}
		secretID, err := c.vault.Put(ctx, "", "mastodon_app", []byte(app.ClientSecret))
		if err != nil {
			return mastodon.App{}, err
		}
		if err := c.store.SaveMastodonApp(ctx, instance, redirectURI, app.ClientID, secretID, c.now()); err != nil {
			return mastodon.App{}, err
		}
		// Two registrations may race: the stored one wins.
		clientID, secretID, err = c.store.MastodonApp(ctx, instance, redirectURI)
		if err != nil {
			return mastodon.App{}, err
		}
		return c.openApp(ctx, clientID, secretID)
	}
	if err != nil {
		return mastodon.App{}, err
	}
	return c.openApp(ctx, clientID, secretID)
}

func (c *Connector) openApp(ctx context.Context, clientID, secretID string) (mastodon.App, error) {
	secret, err := c.vault.Get(ctx, secretID)
	if err != nil {
		return mastodon.App{}, err
	}
	return mastodon.App{ClientID: clientID, ClientSecret: string(secret)}, nil
}

// ErrStateUnknown is the answer to an authorization that Portavoce did not
// start, or that was already used or expired.
var ErrStateUnknown = p.Errorf(p.ECodeInvalid, "this authorization has expired or was already used: start connecting the account again")

// FinishMastodon completes the authorization the instance redirected back
// with: it exchanges the code, reads the profile and the instance's limits,
// and stores the account with its token sealed. It returns the workspace
// the account joined.
func (c *Connector) FinishMastodon(ctx context.Context, a workspace.Actor, state, code, denied string) (p.Workspace, p.SocialAccount, error) {
	st, err := c.store.TakeOAuthState(ctx, hashState(state), c.now())
	if errors.Is(err, p.ErrNotFound) {
		return p.Workspace{}, p.SocialAccount{}, ErrStateUnknown
	}
	if err != nil {
		return p.Workspace{}, p.SocialAccount{}, err
	}
	if st.UserID != a.User.ID {
		return p.Workspace{}, p.SocialAccount{}, ErrStateUnknown
	}
	ws, err := c.store.WorkspaceByID(ctx, st.WorkspaceID)
	if err != nil {
		return p.Workspace{}, p.SocialAccount{}, err
	}
	// The person must still be allowed to connect accounts there: a role
	// may have changed during the authorization.
	if role, err := c.store.MemberRole(ctx, ws.ID, a.User.ID); err != nil || !role.Can(p.PermManageAccounts) {
		return p.Workspace{}, p.SocialAccount{}, p.Errorf(p.ECodeForbidden, "your role in this workspace does not allow connecting accounts")
	}
	if denied != "" {
		return ws, p.SocialAccount{}, p.Errorf(p.ECodeInvalid, "the instance did not authorize Portavoce (%s): nothing was connected", denied)
	}
	if code == "" {
		return ws, p.SocialAccount{}, ErrStateUnknown
	}
	app, err := c.mastodonApp(ctx, st.Instance, st.RedirectURI)
	if err != nil {
		return ws, p.SocialAccount{}, connectError(provider.Mastodon, st.Instance, err)
	}
	token, err := c.mastodon.ExchangeCode(ctx, st.Instance, app, st.RedirectURI, code, st.Verifier)
	if err != nil {
		return ws, p.SocialAccount{}, connectError(provider.Mastodon, st.Instance, err)
	}
	profile, limits, creds, err := c.mastodon.Connect(ctx, st.Instance, token)
	if err != nil {
		return ws, p.SocialAccount{}, connectError(provider.Mastodon, st.Instance, err)
	}
	acc, err := c.Save(ctx, a, ws, provider.Mastodon, st.Instance, profile, limits, creds)
	return ws, acc, err
}

// ConnectBluesky signs in to a Bluesky account with an app password: the
// handle (or DID) leads to the account's PDS, the session's tokens are
// stored sealed, the app password is not kept.
func (c *Connector) ConnectBluesky(ctx context.Context, a workspace.Actor, acc workspace.Access, identifier, appPassword string) (p.SocialAccount, error) {
	identifier = strings.TrimSpace(identifier)
	if identifier == "" {
		return p.SocialAccount{}, p.FieldError("identifier", "write the account's handle (such as name.bsky.social) or its DID")
	}
	if strings.TrimSpace(appPassword) == "" {
		return p.SocialAccount{}, p.FieldError("app_password", "write an app password: create one in Bluesky under Settings → Privacy and security → App passwords")
	}
	profile, pds, creds, err := c.bluesky.Login(ctx, identifier, appPassword)
	switch {
	case errors.Is(err, bluesky.ErrNotIdentifier):
		return p.SocialAccount{}, p.FieldError("identifier", "%q is neither a Bluesky handle (such as name.bsky.social) nor a DID", identifier)
	case errors.Is(err, bluesky.ErrUnknownHandle), errors.Is(err, bluesky.ErrUnknownDID), errors.Is(err, bluesky.ErrNoPDS):
		return p.SocialAccount{}, p.FieldError("identifier", "no Bluesky account was found for %q: check the handle", identifier)
	case errors.Is(err, bluesky.ErrWrongPassword):
		return p.SocialAccount{}, p.FieldError("app_password", "Bluesky refused this handle and app password: check both, or create a new app password")
	case errors.Is(err, bluesky.ErrAuthFactor):
		return p.SocialAccount{}, p.FieldError("app_password", "this is the account's own password, which asks for a code by email: use an app password instead")
	case errors.Is(err, bluesky.ErrTakenDown):
		return p.SocialAccount{}, p.FieldError("identifier", "Bluesky says this account is suspended or taken down")
	case err != nil:
		return p.SocialAccount{}, connectError(provider.Bluesky, identifier, err)
	}
	limits := bluesky.Limits()
	return c.Save(ctx, a, acc.Workspace, provider.Bluesky, pds, profile, limits, creds)
}

// Save stores an account whose sign-in succeeded: its credentials sealed in
// the vault, its profile and limits, and the audit entry. The connect flows
// end here; tools and tests that signed in with a provider directly use it
// too.
func (c *Connector) Save(ctx context.Context, a workspace.Actor, ws p.Workspace, network, server string, profile provider.Profile,
	limits provider.Limits, creds []byte) (p.SocialAccount, error) {
	secretID, err := c.vault.Put(ctx, ws.ID, secretPurpose, creds)
	if err != nil {
		return p.SocialAccount{}, err
	}
	l, _ := json.Marshal(limits)
	now := c.now()
	acc, err := c.store.ConnectSocialAccount(ctx, p.SocialAccount{ID: uuid.Must(uuid.NewV7()).String(), WorkspaceID: ws.ID,
		Network: network, Server: server, RemoteID: profile.RemoteID, Handle: profile.Handle, DisplayName: profile.DisplayName,
		AvatarURL: profile.AvatarURL, ProfileURL: profile.URL, SecretID: secretID, Limits: string(l), ConnectedBy: a.User.ID,
		CreatedAt: now, UpdatedAt: now})
	if err != nil {
		return p.SocialAccount{}, err
	}
	c.audit(ctx, a, ws.ID, p.AuditAccountConnected, acc.ID, acc.Label())
	return acc, nil
}

// Disconnect removes an account from the workspace; its scheduled posts
// that have not gone out are removed with it.
func (c *Connector) Disconnect(ctx context.Context, a workspace.Actor, acc workspace.Access, id string) error {
	account, err := c.store.SocialAccount(ctx, acc.Workspace.ID, id)
	if err != nil {
		return err
	}
	if err := c.store.DisconnectSocialAccount(ctx, acc.Workspace.ID, id, c.now()); err != nil {
		return err
	}
	c.audit(ctx, a, acc.Workspace.ID, p.AuditAccountRemoved, id, account.Label())
	return nil
}

// connectError turns a network's refusal while connecting into a message
// that says what to do.
func connectError(network, where string, err error) error {
	name := p.NetworkName(network)
	if errors.Is(err, netguard.ErrBlocked) {
		return p.Errorf(p.ECodeInvalid, "%s is on a private network address, which Portavoce does not contact unless the administrator allows it (--allow-hosts)", where)
	}
	var pe *provider.Error
	if errors.As(err, &pe) {
		switch {
		case pe.Kind == provider.AuthExpired && pe.Reason == "":
			return p.Errorf(p.ECodeInvalid, "%s refused the sign-in: check what you typed and try again", name)
		case pe.Kind == provider.AuthExpired:
			return p.Errorf(p.ECodeInvalid, "%s refused the sign-in: %s", name, pe.Reason)
		case pe.Kind == provider.Rejected && pe.Reason == "":
			return p.Errorf(p.ECodeInvalid, "%s refused the request: check what you typed and try again", name)
		case pe.Kind == provider.Rejected:
			return p.Errorf(p.ECodeInvalid, "%s refused: %s", name, pe.Reason)
		case pe.Kind == provider.RateLimited:
			return p.Errorf(p.ECodeInvalid, "%s asks to wait before trying again (rate limit): try again in a few minutes", name)
		}
		return p.Errorf(p.ECodeInvalid, "%s at %s is not answering: try again in a moment", name, where)
	}
	var perr *p.Error
	if errors.As(err, &perr) {
		return err
	}
	return p.Errorf(p.ECodeInvalid, "could not reach %s at %s: check the address and try again", name, where)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// newState returns a random OAuth state and the hash stored for it.
func newState() (state, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	state = base64.RawURLEncoding.EncodeToString(b)
	return state, hashState(state)
}

func hashState(state string) string {
	sum := sha256.Sum256([]byte(state))
	return hex.EncodeToString(sum[:])
}

func (c *Connector) audit(ctx context.Context, a workspace.Actor, workspaceID, action, target, detail string) {
	workspace.Record(ctx, c.store, c.log, c.now(), a, workspaceID, action, target, detail)
}

// OpenAccount opens a connected account's credentials for a provider call.
// Tokens the provider renews are sealed again under the same secret.
func OpenAccount(ctx context.Context, s Secrets, a p.SocialAccount) (provider.Account, error) {
	creds, err := s.Get(ctx, a.SecretID)
	if err != nil {
		return provider.Account{}, fmt.Errorf("open the credentials of %s: %w", a.Label(), err)
	}
	return provider.Account{ID: a.ID, Server: a.Server, RemoteID: a.RemoteID, Handle: a.Handle, Credentials: creds,
		SaveCredentials: func(ctx context.Context, fresh []byte) error {
			return s.Replace(ctx, a.SecretID, a.WorkspaceID, secretPurpose, fresh)
		}}, nil
}

// Refused turns a network's refusal of an action (a like, a repost, a
// lookup) into an error for people, with the network's reason; other
// errors pass through.
func Refused(network string, err error) error {
	var pe *provider.Error
	if !errors.As(err, &pe) {
		return err
	}
	reason := pe.Reason
	if reason == "" {
		reason = string(pe.Kind)
	}
	return p.Errorf(p.ECodeConflict, "%s did not do it: %s", p.NetworkName(network), reason)
}
