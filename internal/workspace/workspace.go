// Package workspace is the team side of Portavoce: workspaces (one per brand
// or client), their members and roles, invitations, and the audit trail of
// who changed what.
package workspace

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"

	"github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/account"
	"github.com/portavoce/portavoce/internal/auth"
	"github.com/portavoce/portavoce/internal/store"
)

// Store is what this package needs from the database.
type Store interface {
	CreateWorkspace(ctx context.Context, w portavoce.Workspace, ownerID string) error
	WorkspaceBySlug(ctx context.Context, slug string) (portavoce.Workspace, error)
	WorkspaceByID(ctx context.Context, id string) (portavoce.Workspace, error)
	UpdateWorkspace(ctx context.Context, w portavoce.Workspace) error
	UserWorkspaces(ctx context.Context, userID string) ([]store.WorkspaceRole, error)
	MemberRole(ctx context.Context, workspaceID, userID string) (portavoce.Role, error)
	Members(ctx context.Context, workspaceID string) ([]portavoce.Member, error)
	SetMemberRole(ctx context.Context, workspaceID, userID string, role portavoce.Role, allow store.MemberChangeCheck, actorID string) error
	RemoveMember(ctx context.Context, workspaceID, userID string, allow store.MemberChangeCheck, actorID string) error
	UserByEmail(ctx context.Context, email string) (portavoce.User, error)
	UserByID(ctx context.Context, id string) (portavoce.User, error)
	CreateInvitation(ctx context.Context, inv portavoce.Invitation) error
	InvitationByToken(ctx context.Context, tokenHash string) (portavoce.Invitation, error)
	PendingInvitations(ctx context.Context, workspaceID string, now time.Time) ([]portavoce.Invitation, error)
	AcceptInvitation(ctx context.Context, invID, userID string, now time.Time, newUser *portavoce.User) error
	DeleteInvitation(ctx context.Context, workspaceID, id string) error
	AddAudit(ctx context.Context, e portavoce.AuditEntry) error
	Audit(ctx context.Context, f store.AuditFilter) ([]portavoce.AuditEntry, error)
}

var _ Store = (*store.DB)(nil)

// InvitationLifetime is how long an invitation link works.
const InvitationLifetime = 7 * 24 * time.Hour

// Service is the workspace domain.
type Service struct {
	store    Store
	accounts *account.Service
	now      func() time.Time
	log      *slog.Logger
}

// New returns a Service.
func New(s Store, accounts *account.Service, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: s, accounts: accounts, now: func() time.Time { return now().UTC() }, log: log}
}

// Actor is who does something, and from where.
type Actor struct {
	User portavoce.User
	IP   string
}

// Access is a user's view of one workspace: the workspace and their role.
type Access struct {
	Workspace portavoce.Workspace
	Role      portavoce.Role
}

// Can reports whether the role holds p.
func (a Access) Can(p portavoce.Permission) bool { return a.Role.Can(p) }

// ErrNoWorkspace is the answer for a workspace that does not exist or that
// the user is not a member of: the two are not told apart, so that names of
// other clients' workspaces do not leak.
var ErrNoWorkspace = portavoce.Errorf(portavoce.ECodeNotFound, "there is no such workspace, or you are not a member of it")

// Open returns the user's access to the workspace with that slug.
func (s *Service) Open(ctx context.Context, u portavoce.User, slug string) (Access, error) {
	w, err := s.store.WorkspaceBySlug(ctx, slug)
	if portavoce.ErrorCode(err) == portavoce.ECodeNotFound {
		return Access{}, ErrNoWorkspace
	}
	if err != nil {
		return Access{}, err
	}
	role, err := s.store.MemberRole(ctx, w.ID, u.ID)
	if portavoce.ErrorCode(err) == portavoce.ECodeNotFound {
		return Access{}, ErrNoWorkspace
	}
	if err != nil {
		return Access{}, err
	}
	return Access{Workspace: w, Role: role}, nil
}

// List returns the user's workspaces with their role in each.
func (s *Service) List(ctx context.Context, u portavoce.User) ([]Access, error) {
	rows, err := s.store.UserWorkspaces(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Access, len(rows))
	for i, r := range rows {
		out[i] = Access{Workspace: r.Workspace, Role: r.Role}
	}
	return out, nil
}

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$`)

// Slugify makes a URL name from a workspace name: "Caffè Rossi & Figli"
// becomes "caffe-rossi-figli".
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(strings.ToLower(name)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	slug := strings.Trim(b.String(), "-")
	if len(slug) > 40 {
		slug = strings.Trim(slug[:40], "-")
	}
	return slug
}

// Build checks a name (and optional slug, time zone, language) and returns
// a new workspace, not yet stored.
func (s *Service) Build(name, slug, timezone, language string) (portavoce.Workspace, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return portavoce.Workspace{}, portavoce.FieldError("workspace_name", "write the name of the brand or client")
	}
	if utf8.RuneCountInString(name) > 80 {
		return portavoce.Workspace{}, portavoce.FieldError("workspace_name", "the name must have at most 80 characters")
	}
	if slug = strings.TrimSpace(slug); slug == "" {
		slug = Slugify(name)
	}
	if slug == "" {
		slug = "ws-" + strings.ToLower(auth.NewToken("")[:6])
	}
	if !slugPattern.MatchString(slug) {
		return portavoce.Workspace{}, portavoce.FieldError("slug", "the address name %q may use only a-z, 0-9 and dashes, up to 40 characters", slug)
	}
	if timezone == "" {
		timezone = "Europe/Rome"
	}
	if _, err := time.LoadLocation(timezone); err != nil || timezone == "Local" {
		return portavoce.Workspace{}, portavoce.FieldError("timezone", "%q is not a time zone: use a name such as Europe/Rome", timezone)
	}
	if language == "" {
		language = "it"
	}
	if language != "it" && language != "en" {
		return portavoce.Workspace{}, portavoce.FieldError("language", "the brand's language must be it or en")
	}
	return portavoce.Workspace{ID: uuid.Must(uuid.NewV7()).String(), Slug: slug, Name: name, Timezone: timezone,
		Language: language, CreatedAt: s.now()}, nil
}

// Create makes a workspace owned by the actor. Only instance administrators
// create workspaces.
func (s *Service) Create(ctx context.Context, a Actor, name, slug, timezone, language string) (portavoce.Workspace, error) {
	if !a.User.IsAdmin {
		return portavoce.Workspace{}, portavoce.Errorf(portavoce.ECodeForbidden, "only an administrator can create workspaces")
	}
	w, err := s.Build(name, slug, timezone, language)
	if err != nil {
		return w, err
	}
	if err := s.store.CreateWorkspace(ctx, w, a.User.ID); err != nil {
		if portavoce.ErrorCode(err) == portavoce.ECodeConflict {
			return w, portavoce.FieldError("slug", "the address name %q is taken: choose another", w.Slug)
		}
		return w, err
	}
	s.audit(ctx, a, w.ID, portavoce.AuditWorkspaceCreated, w.Slug, "")
	return w, nil
}

// Update changes a workspace's settings (name, time zone, language).
func (s *Service) Update(ctx context.Context, a Actor, acc Access, name, timezone, language string) (portavoce.Workspace, error) {
	if !acc.Can(portavoce.PermManageWorkspace) {
		return acc.Workspace, forbidden()
	}
	w, err := s.Build(name, acc.Workspace.Slug, timezone, language)
	if err != nil {
		return acc.Workspace, err
	}
	w.ID, w.CreatedAt = acc.Workspace.ID, acc.Workspace.CreatedAt
	return w, s.store.UpdateWorkspace(ctx, w)
}

func forbidden() error {
	return portavoce.Errorf(portavoce.ECodeForbidden, "your role in this workspace does not allow this")
}

// Members lists the workspace's members.
func (s *Service) Members(ctx context.Context, acc Access) ([]portavoce.Member, error) {
	if !acc.Can(portavoce.PermViewMembers) {
		return nil, forbidden()
	}
	return s.store.Members(ctx, acc.Workspace.ID)
}

// Invitations lists pending invitations.
func (s *Service) Invitations(ctx context.Context, acc Access) ([]portavoce.Invitation, error) {
	if !acc.Can(portavoce.PermManageMembers) {
		return nil, forbidden()
	}
	return s.store.PendingInvitations(ctx, acc.Workspace.ID, s.now())
}

// InviteResult is a new invitation and its link's secret, shown once to the
// inviter, who sends it to the person.
type InviteResult struct {
	Invitation *portavoce.Invitation
	Token      string
}

// Invite asks someone, by email, to join the workspace with a role. Everyone
// gets an invitation link, whether they have an account or not: nobody is
// put in a workspace without accepting, and the answer does not tell an
// inviter whether an email has an account (another client's, perhaps).
func (s *Service) Invite(ctx context.Context, a Actor, acc Access, email string, role portavoce.Role) (InviteResult, error) {
	if !acc.Can(portavoce.PermManageMembers) {
		return InviteResult{}, forbidden()
	}
	if !role.Valid() {
		return InviteResult{}, portavoce.FieldError("role", "choose a role: owner, manager, editor, agency, responder or viewer")
	}
	if !acc.Role.CanAssign(role) {
		return InviteResult{}, portavoce.Errorf(portavoce.ECodeForbidden, "as %s you cannot give the role %s", acc.Role, role)
	}
	email, err := account.NormalizeEmail(email)
	if err != nil {
		return InviteResult{}, err
	}
	if u, err := s.store.UserByEmail(ctx, email); err == nil {
		if _, err := s.store.MemberRole(ctx, acc.Workspace.ID, u.ID); err == nil {
			return InviteResult{}, portavoce.FieldError("email", "%s is already a member: change their role in the list instead", email)
		}
	}
	now := s.now()
	token := auth.NewToken("inv_")
	inv := portavoce.Invitation{ID: uuid.Must(uuid.NewV7()).String(), WorkspaceID: acc.Workspace.ID, Email: email, Role: role,
		TokenHash: auth.HashToken(token), InvitedBy: a.User.ID, CreatedAt: now, ExpiresAt: now.Add(InvitationLifetime)}
	if err := s.store.CreateInvitation(ctx, inv); err != nil {
		return InviteResult{}, err
	}
	s.audit(ctx, a, acc.Workspace.ID, portavoce.AuditMemberInvited, email, string(role))
	return InviteResult{Invitation: &inv, Token: token}, nil
}

// RevokeInvitation withdraws a pending invitation, if the actor's role may
// give the role it offers (a manager does not withdraw an owner's
// invitation).
func (s *Service) RevokeInvitation(ctx context.Context, a Actor, acc Access, id string) error {
	if !acc.Can(portavoce.PermManageMembers) {
		return forbidden()
	}
	pending, err := s.store.PendingInvitations(ctx, acc.Workspace.ID, s.now())
	if err != nil {
		return err
	}
	for _, inv := range pending {
		if inv.ID != id {
			continue
		}
		if !acc.Role.CanAssign(inv.Role) {
			return portavoce.Errorf(portavoce.ECodeForbidden, "as %s you cannot withdraw an invitation as %s", acc.Role, inv.Role)
		}
		return s.store.DeleteInvitation(ctx, acc.Workspace.ID, id)
	}
	return portavoce.ErrNotFound
}

// ErrBadInvitation is the answer to an unknown, used or expired link.
var ErrBadInvitation = portavoce.Errorf(portavoce.ECodeNotFound, "this invitation link is not valid any more: it was used, withdrawn or has expired; ask for a new one")

// PendingInvitation returns the invitation of a raw token and its workspace,
// if it can still be accepted.
func (s *Service) PendingInvitation(ctx context.Context, token string) (portavoce.Invitation, portavoce.Workspace, error) {
	inv, err := s.store.InvitationByToken(ctx, auth.HashToken(token))
	if portavoce.ErrorCode(err) == portavoce.ECodeNotFound {
		return inv, portavoce.Workspace{}, ErrBadInvitation
	}
	if err != nil {
		return inv, portavoce.Workspace{}, err
	}
	if !inv.AcceptedAt.IsZero() || !inv.ExpiresAt.After(s.now()) {
		return inv, portavoce.Workspace{}, ErrBadInvitation
	}
	ws, err := s.store.WorkspaceByID(ctx, inv.WorkspaceID)
	if portavoce.ErrorCode(err) == portavoce.ECodeNotFound {
		return inv, ws, ErrBadInvitation
	}
	return inv, ws, err
}

// AcceptInvitation creates the invited person's account (name and password)
// and makes them a member. The email is the one the invitation was sent to.
func (s *Service) AcceptInvitation(ctx context.Context, token, name, password, ip string) (portavoce.User, portavoce.Workspace, error) {
	inv, ws, err := s.PendingInvitation(ctx, token)
	if err != nil {
		return portavoce.User{}, ws, err
	}
	if existing, err := s.store.UserByEmail(ctx, inv.Email); err == nil {
		return existing, ws, portavoce.Errorf(portavoce.ECodeConflict, "an account for %s already exists: log in, then open this link again", inv.Email)
	}
	u, err := s.accounts.NewUser(ctx, name, inv.Email, password)
	if err != nil {
		return u, ws, err
	}
	if err := s.store.AcceptInvitation(ctx, inv.ID, u.ID, s.now(), &u); err != nil {
		return u, ws, err
	}
	s.audit(ctx, Actor{User: u, IP: ip}, ws.ID, portavoce.AuditMemberJoined, u.Email, string(inv.Role))
	return u, ws, nil
}

// AcceptAsUser lets a logged-in user whose email matches accept an
// invitation.
func (s *Service) AcceptAsUser(ctx context.Context, a Actor, token string) (portavoce.Workspace, error) {
	inv, ws, err := s.PendingInvitation(ctx, token)
	if err != nil {
		return ws, err
	}
	if !strings.EqualFold(inv.Email, a.User.Email) {
		return ws, portavoce.Errorf(portavoce.ECodeForbidden, "this invitation is for %s, but you are logged in as %s", inv.Email, a.User.Email)
	}
	if err := s.store.AcceptInvitation(ctx, inv.ID, a.User.ID, s.now(), nil); err != nil {
		return ws, err
	}
	s.audit(ctx, a, ws.ID, portavoce.AuditMemberJoined, a.User.Email, string(inv.Role))
	return ws, nil
}

// ChangeRole gives a member another role. The rules are checked inside the
// store's transaction, on the roles as they are when the change is written,
// so two changes racing cannot combine into one neither could make.
func (s *Service) ChangeRole(ctx context.Context, a Actor, acc Access, userID string, role portavoce.Role) error {
	if !acc.Can(portavoce.PermManageMembers) {
		return forbidden()
	}
	if !role.Valid() {
		return portavoce.FieldError("role", "choose a role: owner, manager, editor, agency, responder or viewer")
	}
	var from portavoce.Role
	err := s.store.SetMemberRole(ctx, acc.Workspace.ID, userID, role, func(actor, current portavoce.Role) error {
		from = current
		if !actor.CanAssign(current) || !actor.CanAssign(role) {
			return portavoce.Errorf(portavoce.ECodeForbidden, "as %s you cannot change the role %s into %s", actor, current, role)
		}
		return nil
	}, a.User.ID)
	if err != nil {
		return err
	}
	s.audit(ctx, a, acc.Workspace.ID, portavoce.AuditRoleChanged, s.emailOf(ctx, userID), fmt.Sprintf("%s → %s", from, role))
	return nil
}

// RemoveMember takes someone out of the workspace.
func (s *Service) RemoveMember(ctx context.Context, a Actor, acc Access, userID string) error {
	if !acc.Can(portavoce.PermManageMembers) {
		return forbidden()
	}
	var from portavoce.Role
	err := s.store.RemoveMember(ctx, acc.Workspace.ID, userID, func(actor, current portavoce.Role) error {
		from = current
		if !actor.CanAssign(current) {
			return portavoce.Errorf(portavoce.ECodeForbidden, "as %s you cannot remove someone whose role is %s", actor, current)
		}
		return nil
	}, a.User.ID)
	if err != nil {
		return err
	}
	s.audit(ctx, a, acc.Workspace.ID, portavoce.AuditMemberRemoved, s.emailOf(ctx, userID), string(from))
	return nil
}

// emailOf names a user in the audit log by email, or by id if the user is
// gone.
func (s *Service) emailOf(ctx context.Context, userID string) string {
	if u, err := s.store.UserByID(ctx, userID); err == nil {
		return u.Email
	}
	return userID
}

// AuditLog returns the workspace's audit entries, for its owners.
func (s *Service) AuditLog(ctx context.Context, acc Access, before time.Time, limit int) ([]portavoce.AuditEntry, error) {
	if !acc.Can(portavoce.PermViewAudit) {
		return nil, forbidden()
	}
	return s.store.Audit(ctx, store.AuditFilter{WorkspaceID: acc.Workspace.ID, Before: before, Limit: limit})
}

// InstanceAuditLog returns every entry (logins included), for
// administrators.
func (s *Service) InstanceAuditLog(ctx context.Context, u portavoce.User, before time.Time, limit int) ([]portavoce.AuditEntry, error) {
	if !u.IsAdmin {
		return nil, portavoce.Errorf(portavoce.ECodeForbidden, "only an administrator can read the whole audit log")
	}
	return s.store.Audit(ctx, store.AuditFilter{All: true, Before: before, Limit: limit})
}

func (s *Service) audit(ctx context.Context, a Actor, workspaceID, action, target, detail string) {
	Record(ctx, s.store, s.log, s.now(), a, workspaceID, action, target, detail)
}

// AuditStore keeps audit entries.
type AuditStore interface {
	AddAudit(ctx context.Context, e portavoce.AuditEntry) error
}

// Record writes one entry of a workspace's audit log, for every service
// that acts for a person. A failure is logged, not returned: the action
// itself has been done.
func Record(ctx context.Context, s AuditStore, log *slog.Logger, at time.Time, a Actor, workspaceID, action, target, detail string) {
	e := portavoce.AuditEntry{ID: uuid.Must(uuid.NewV7()).String(), At: at, ActorID: a.User.ID, ActorEmail: a.User.Email,
		WorkspaceID: workspaceID, Action: action, Target: target, IP: a.IP, Detail: detail}
	if err := s.AddAudit(ctx, e); err != nil && !errors.Is(err, context.Canceled) {
		log.Error("could not write the audit log", "action", action, "error", err)
	}
}
