// Package portavoce holds the domain of Portavoce, a self-hosted social media
// management suite: the people who use it, the workspaces (one per brand or
// client) they work in, the roles that decide what each may do there, and the
// errors every layer shares. Storage, HTTP, jobs and the command line are thin
// edges around these types, in internal/.
package portavoce

import (
	"errors"
	"fmt"
	"time"
)

// Version is set at build time with -ldflags "-X github.com/portavoce/portavoce.Version=...".
var Version = "dev"

// User is a person who logs in to Portavoce.
type User struct {
	ID    string
	Email string
	Name  string
	// PasswordHash is an argon2id hash in PHC string format; never shown.
	PasswordHash string `json:"-"`
	// IsAdmin marks the instance administrator (the owner created at set-up):
	// only an administrator creates workspaces and reads the whole audit log.
	IsAdmin bool
	// Language is the user's chosen UI language ("it", "en"), or "" to follow
	// the browser.
	Language          string
	CreatedAt         time.Time
	PasswordChangedAt time.Time
}

// Session is a logged-in browser. The cookie holds a random token; the store
// keeps only its SHA-256 hash, so a copy of the database opens no session.
type Session struct {
	TokenHash  string
	UserID     string
	CSRFToken  string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
	IP         string
	UserAgent  string
}

// APIToken is a personal token for the REST API and the CLI. Only its hash is
// stored; Hint holds its last characters so a person can tell tokens apart.
type APIToken struct {
	ID         string
	UserID     string
	Name       string
	TokenHash  string `json:"-"`
	Hint       string
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// Workspace is one brand or client: its accounts, posts, conversations and
// reports live inside it, and its members each have one role there.
type Workspace struct {
	ID        string
	Slug      string
	Name      string
	Timezone  string
	Language  string
	CreatedAt time.Time
}

// Membership gives a user a role in a workspace.
type Membership struct {
	WorkspaceID string
	UserID      string
	Role        Role
	CreatedAt   time.Time
}

// Member is a membership with the user it belongs to, as listed on the
// members page.
type Member struct {
	User User
	Role Role
}

// Invitation asks someone, by email, to join a workspace with a role. The link
// carries a random token whose hash only is stored.
type Invitation struct {
	ID          string
	WorkspaceID string
	Email       string
	Role        Role
	TokenHash   string `json:"-"`
	InvitedBy   string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	AcceptedAt  time.Time
}

// AuditEntry records one security-relevant action: logins, failed logins,
// role changes, tokens, members. Detail never holds a secret.
type AuditEntry struct {
	ID          string
	At          time.Time
	ActorID     string
	ActorEmail  string
	WorkspaceID string
	Action      string
	Target      string
	IP          string
	Detail      string
}

// Audit actions. They are stable: reports and alerts may filter on them.
const (
	AuditSetup            = "instance.setup"
	AuditLogin            = "user.login"
	AuditLoginFailed      = "user.login_failed"
	AuditLoginThrottled   = "user.login_throttled"
	AuditLogout           = "user.logout"
	AuditLogoutEverywhere = "user.logout_everywhere"
	AuditPasswordReset    = "user.password_reset"
	AuditPasswordChanged  = "user.password_changed"
	AuditUserCreated      = "user.created"
	AuditTokenCreated     = "token.created"
	AuditTokenRevoked     = "token.revoked"
	AuditWorkspaceCreated = "workspace.created"
	AuditMemberInvited    = "member.invited"
	AuditMemberJoined     = "member.joined"
	AuditRoleChanged      = "member.role_changed"
	AuditMemberRemoved    = "member.removed"
	AuditAccountConnected = "account.connected"
	AuditAccountRemoved   = "account.disconnected"
	AuditPostScheduled    = "post.scheduled"
	AuditPostRescheduled  = "post.rescheduled"
	AuditPostCancelled    = "post.cancelled"
	AuditPostResolved     = "post.resolved"
	AuditProfileFixed     = "profile.fixed"
)

// Error is a domain error with a stable code (for API clients and tests) and
// a message a person understands. Messages never carry secrets.
type Error struct {
	Code    string
	Message string
	// Field names the input at fault, when there is one.
	Field string
	// RetryAfter tells a throttled caller when to try again.
	RetryAfter time.Duration
	Err        error
	// Format and Args are the message before formatting: the web layer looks
	// Format up in the catalogue of the reader's language (gettext style).
	Format string
	Args   []any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Error codes. Each maps to one HTTP status in internal/web.
const (
	ECodeInvalid      = "invalid_input"
	ECodeNotFound     = "not_found"
	ECodeConflict     = "conflict"
	ECodeUnauthorized = "unauthorized"
	ECodeForbidden    = "forbidden"
	ECodeThrottled    = "too_many_attempts"
	ECodeUnavailable  = "database_unavailable"
)

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// FieldError returns an invalid-input error about one field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: ECodeInvalid, Field: field, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// ErrNotFound is wrapped by stores when a row does not exist.
var ErrNotFound = Errorf(ECodeNotFound, "not found")

// ErrorCode returns the code of err, or "internal" for an unexpected error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "internal"
}
