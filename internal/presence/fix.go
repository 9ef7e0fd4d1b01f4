package presence

import (
	"context"
	"errors"
	"strings"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/presence/profileaudit"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/workspace"
)

// Secrets opens and replaces connected accounts' sealed credentials.
type Secrets interface {
	Get(ctx context.Context, id string) ([]byte, error)
	Replace(ctx context.Context, id, workspaceID, purpose string, plaintext []byte) error
}

// Fixer applies the profile audit's fixes to connected accounts.
type Fixer struct {
	Secrets Secrets
	// Updaters change a profile, by network (Mastodon's
	// update_credentials, Bluesky's profile record).
	Updaters map[string]profileaudit.ProfileUpdater
}

// SetFixer lets the service apply profile fixes.
func (s *Service) SetFixer(f Fixer) { s.fixer = f }

// ErrCannotFix is the answer for a finding Portavoce cannot fix itself, or
// on a profile that is not a connected account.
var ErrCannotFix = p.Errorf(p.ECodeConflict, "Portavoce cannot make this change itself: follow the fix by hand, or connect the account first")

// Fix applies the fix of a profile finding (check, on the profile named
// subject) to the connected account behind that profile. The profile is
// audited again first, because the fix depends on the profile as it is
// now; after the change a new audit shows the result.
func (s *Service) Fix(ctx context.Context, a workspace.Actor, acc workspace.Access, check, subject string) (p.PresenceAudit, error) {
	if !acc.Can(p.PermManagePresence) {
		return p.PresenceAudit{}, p.Errorf(p.ECodeForbidden, "your role in this workspace does not allow this")
	}
	if s.fixer.Secrets == nil || s.profiles.Mastodon == nil || s.profiles.Bluesky == nil {
		return p.PresenceAudit{}, ErrCannotFix
	}
	brand, err := s.brand(ctx, acc.Workspace)
	if err != nil {
		return p.PresenceAudit{}, err
	}
	accounts, err := s.store.SocialAccounts(ctx, acc.Workspace.ID, false)
	if err != nil {
		return p.PresenceAudit{}, err
	}
	var account p.SocialAccount
	var ref profileaudit.ProfileRef
	for _, sa := range accounts {
		r, ok := profileaudit.ParseProfileRef(sa.ProfileURL)
		if ok && sameHandle(sa.Handle, subject) {
			account, ref = sa, r
			break
		}
	}
	updater := s.fixer.Updaters[account.Network]
	if account.ID == "" || updater == nil {
		return p.PresenceAudit{}, ErrCannotFix
	}
	report, err := profileaudit.Audit(ctx, s.profiles, profileaudit.Brand{Name: brand.Name, Website: brand.Website, LogoURL: brand.Logo,
		Profiles: []profileaudit.ProfileRef{ref}})
	if err != nil {
		return p.PresenceAudit{}, err
	}
	var finding *profileaudit.Finding
	for i, f := range report.Findings {
		if f.Check == check && sameHandle(f.Profile, subject) {
			finding = &report.Findings[i]
		}
	}
	if finding == nil {
		// Already fixed (by hand, or by someone else): the new audit
		// shows it.
		audit, _, err := s.Run(ctx, acc.Workspace, "manual")
		return audit, err
	}
	creds, err := s.fixer.Secrets.Get(ctx, account.SecretID)
	if err != nil {
		return p.PresenceAudit{}, err
	}
	pa := provider.Account{ID: account.ID, Server: account.Server, RemoteID: account.RemoteID, Handle: account.Handle, Credentials: creds,
		SaveCredentials: func(ctx context.Context, fresh []byte) error {
			return s.fixer.Secrets.Replace(ctx, account.SecretID, account.WorkspaceID, "social_account", fresh)
		}}
	if err := profileaudit.Apply(ctx, updater, pa, *finding); err != nil {
		if errors.Is(err, profileaudit.ErrNotFixable) {
			return p.PresenceAudit{}, ErrCannotFix
		}
		var pe *provider.Error
		if errors.As(err, &pe) && pe.Reason != "" {
			return p.PresenceAudit{}, p.Errorf(p.ECodeConflict, "%s refused the change: %s", p.NetworkName(account.Network), pe.Reason)
		}
		return p.PresenceAudit{}, err
	}
	s.auditLog(ctx, a, acc.Workspace.ID, check, account.Label())
	audit, _, err := s.Run(ctx, acc.Workspace, "manual")
	return audit, err
}

// sameHandle compares handles as people write them.
func sameHandle(a, b string) bool {
	norm := func(h string) string { return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), "@")) }
	return a != "" && norm(a) == norm(b)
}
