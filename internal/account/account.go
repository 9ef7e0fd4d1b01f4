// Package account is who may log in and how: set-up of the first owner,
// passwords, sessions, login throttling, personal API tokens, and the audit
// trail of all of it.
package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/auth"
	"github.com/portavoce/portavoce/internal/store"
)

// Store is what this package needs from the database.
type Store interface {
	CountUsers(ctx context.Context) (int, error)
	CreateUser(ctx context.Context, u portavoce.User) error
	CreateFirstUser(ctx context.Context, u portavoce.User, w portavoce.Workspace) error
	UserByID(ctx context.Context, id string) (portavoce.User, error)
	UserByEmail(ctx context.Context, email string) (portavoce.User, error)
	SetPassword(ctx context.Context, userID, hash string, at time.Time) error
	SetUserLanguage(ctx context.Context, userID, lang string) error
	CreateSession(ctx context.Context, s portavoce.Session) error
	SessionUser(ctx context.Context, tokenHash string, now time.Time) (portavoce.Session, portavoce.User, error)
	TouchSession(ctx context.Context, tokenHash string, seen, expires time.Time) error
	DeleteSession(ctx context.Context, tokenHash string) error
	DeleteUserSessions(ctx context.Context, userID string) (int64, error)
	RecordLoginFailure(ctx context.Context, id, email, ip string, at time.Time) error
	LoginFailures(ctx context.Context, email, ip string, since time.Time) (store.LoginFailureCounts, error)
	ClearLoginFailures(ctx context.Context, email string) error
	CreateAPIToken(ctx context.Context, t portavoce.APIToken) error
	APITokenUser(ctx context.Context, tokenHash string) (portavoce.APIToken, portavoce.User, error)
	TouchAPIToken(ctx context.Context, id string, at time.Time) error
	ListAPITokens(ctx context.Context, userID string) ([]portavoce.APIToken, error)
	DeleteAPIToken(ctx context.Context, userID, id string) error
	DeleteUserAPITokens(ctx context.Context, userID string) (int64, error)
	AddAudit(ctx context.Context, e portavoce.AuditEntry) error
}

var _ Store = (*store.DB)(nil)

// Policy holds the limits of logging in.
type Policy struct {
	// SessionIdle ends a session unused for this long.
	SessionIdle time.Duration
	// ThrottleWindow is the window in which failures are counted.
	ThrottleWindow time.Duration
	// MaxFailuresPerEmail and MaxFailuresPerIP within the window lock
	// further attempts until the oldest failure leaves the window.
	MaxFailuresPerEmail int
	MaxFailuresPerIP    int
}

// DefaultPolicy: a session lives 14 days from its last use; five wrong
// passwords for one account, or twenty from one address, in 15 minutes pause
// logins for that account or address.
var DefaultPolicy = Policy{
	SessionIdle:         14 * 24 * time.Hour,
	ThrottleWindow:      15 * time.Minute,
	MaxFailuresPerEmail: 5,
	MaxFailuresPerIP:    20,
}

// Service is the account domain.
type Service struct {
	store  Store
	policy Policy
	now    func() time.Time
	log    *slog.Logger
	// hashing bounds the argon2id computations running at once (each takes
	// 19 MiB and a core for ~30 ms), so a flood of logins queues instead of
	// exhausting memory.
	hashing chan struct{}
}

// New returns a Service. now may be nil (time.Now).
func New(s Store, policy Policy, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: s, policy: policy, now: func() time.Time { return now().UTC() }, log: log,
		hashing: make(chan struct{}, runtime.GOMAXPROCS(0))}
}

// Origin tells where a request came from, for the audit log and throttling.
type Origin struct {
	IP        string
	UserAgent string
}

// NeedsSetup reports whether no user exists yet.
func (s *Service) NeedsSetup(ctx context.Context) (bool, error) {
	n, err := s.store.CountUsers(ctx)
	return n == 0, err
}

// NormalizeEmail lower-cases and checks an email address.
func NormalizeEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || !strings.Contains(email[strings.IndexByte(email, '@')+1:], ".") && !strings.HasSuffix(email, "@localhost") {
		return "", portavoce.FieldError("email", "%q is not an email address: write it as name@example.com", email)
	}
	return email, nil
}

func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", portavoce.FieldError("name", "write a name")
	}
	if utf8.RuneCountInString(name) > 100 {
		return "", portavoce.FieldError("name", "the name must have at most 100 characters")
	}
	return name, nil
}

// NewUser checks the input and builds a user with a hashed password; it does
// not store it.
func (s *Service) NewUser(ctx context.Context, name, email, password string) (portavoce.User, error) {
	name, err := checkName(name)
	if err != nil {
		return portavoce.User{}, err
	}
	email, err = NormalizeEmail(email)
	if err != nil {
		return portavoce.User{}, err
	}
	if err := auth.CheckPasswordStrength(password, email); err != nil {
		return portavoce.User{}, err
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return portavoce.User{}, err
	}
	now := s.now()
	return portavoce.User{ID: uuid.Must(uuid.NewV7()).String(), Email: email, Name: name, PasswordHash: hash,
		CreatedAt: now, PasswordChangedAt: now}, nil
}

// SetupInput is the set-up form: the owner and the first workspace.
type SetupInput struct {
	Name, Email, Password string
	WorkspaceName         string
	Language              string
}

// Setup creates the instance administrator and the first workspace, which
// they own. It fails once any user exists.
func (s *Service) Setup(ctx context.Context, in SetupInput, o Origin, newWorkspace func(name string) (portavoce.Workspace, error)) (portavoce.User, portavoce.Workspace, error) {
	// Refuse before hashing: after set-up this form must cost nothing.
	if needs, err := s.NeedsSetup(ctx); err != nil || !needs {
		if err == nil {
			err = errAlreadySetUp
		}
		return portavoce.User{}, portavoce.Workspace{}, err
	}
	u, err := s.NewUser(ctx, in.Name, in.Email, in.Password)
	if err != nil {
		return u, portavoce.Workspace{}, err
	}
	u.IsAdmin = true
	u.Language = in.Language
	w, err := newWorkspace(in.WorkspaceName)
	if err != nil {
		return u, w, err
	}
	if err := s.store.CreateFirstUser(ctx, u, w); err != nil {
		return u, w, err
	}
	s.audit(ctx, portavoce.AuditEntry{ActorID: u.ID, ActorEmail: u.Email, Action: portavoce.AuditSetup, Target: w.Slug, IP: o.IP})
	return u, w, nil
}

// CreateUser adds a user from the command line (not an administrator unless
// admin is set).
func (s *Service) CreateUser(ctx context.Context, name, email, password string, admin bool) (portavoce.User, error) {
	u, err := s.NewUser(ctx, name, email, password)
	if err != nil {
		return u, err
	}
	u.IsAdmin = admin
	if err := s.store.CreateUser(ctx, u); err != nil {
		if portavoce.ErrorCode(err) == portavoce.ECodeConflict {
			return u, portavoce.FieldError("email", "a user with the email %s already exists", u.Email)
		}
		return u, err
	}
	s.audit(ctx, portavoce.AuditEntry{Action: portavoce.AuditUserCreated, Target: u.Email, Detail: "command line"})
	return u, nil
}

// ResetPassword sets a new password for a user (from the command line),
// ends all their sessions and revokes their API tokens: a reset is how an
// administrator recovers an account that may have been taken over. It
// returns how many tokens were revoked.
func (s *Service) ResetPassword(ctx context.Context, email, password string) (int64, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return 0, err
	}
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil {
		if portavoce.ErrorCode(err) == portavoce.ECodeNotFound {
			return 0, portavoce.FieldError("email", "no user has the email %s", email)
		}
		return 0, err
	}
	if err := auth.CheckPasswordStrength(password, email); err != nil {
		return 0, err
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return 0, err
	}
	if err := s.store.SetPassword(ctx, u.ID, hash, s.now()); err != nil {
		return 0, err
	}
	revoked, err := s.store.DeleteUserAPITokens(ctx, u.ID)
	if err != nil {
		return 0, err
	}
	s.store.ClearLoginFailures(ctx, email)
	s.audit(ctx, portavoce.AuditEntry{Action: portavoce.AuditPasswordReset, Target: u.Email,
		Detail: fmt.Sprintf("command line; %d API tokens revoked", revoked)})
	return revoked, nil
}

// ChangePassword lets a logged-in user change their password; it ends their
// other sessions and returns a new one for this browser.
func (s *Service) ChangePassword(ctx context.Context, u portavoce.User, current, next string, o Origin) (string, portavoce.Session, error) {
	if err := auth.CheckPasswordStrength(next, u.Email); err != nil {
		err.Field = "new_password"
		return "", portavoce.Session{}, err
	}
	// The current password is guessed under the same throttle as logins:
	// a stolen session must not become a way to find the password.
	if err := s.checkPassword(ctx, u.Email, u.PasswordHash, current, o); err != nil {
		if err == errWrongPassword {
			return "", portavoce.Session{}, portavoce.FieldError("current_password", "the current password is not right")
		}
		return "", portavoce.Session{}, err
	}
	hash, err := s.hash(ctx, next)
	if err != nil {
		return "", portavoce.Session{}, err
	}
	if err := s.store.SetPassword(ctx, u.ID, hash, s.now()); err != nil {
		return "", portavoce.Session{}, err
	}
	s.audit(ctx, portavoce.AuditEntry{ActorID: u.ID, ActorEmail: u.Email, Action: portavoce.AuditPasswordChanged, Target: u.Email, IP: o.IP})
	return s.StartSession(ctx, u, o)
}

// ErrBadCredentials is the one answer to a wrong email or password: it does
// not tell which was wrong.
var ErrBadCredentials = portavoce.Errorf(portavoce.ECodeUnauthorized, "the email or the password is not right")

// Login checks an email and password and starts a session. It returns the
// raw session token for the cookie. Throttled attempts are refused before
// the password is checked, with the time to wait.
func (s *Service) Login(ctx context.Context, email, password string, o Origin) (string, portavoce.Session, portavoce.User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if len(email) > maxEmailLength {
		// No account has such an address; nothing is stored for it.
		return "", portavoce.Session{}, portavoce.User{}, ErrBadCredentials
	}
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil && portavoce.ErrorCode(err) != portavoce.ECodeNotFound {
		return "", portavoce.Session{}, portavoce.User{}, err
	}
	// An unknown email is checked against a dummy hash: the answer takes as
	// long, and is the same, as for a wrong password.
	if err := s.checkPassword(ctx, email, u.PasswordHash, password, o); err != nil {
		if err == errWrongPassword {
			err = ErrBadCredentials
		}
		return "", portavoce.Session{}, portavoce.User{}, err
	}
	token, sess, err := s.StartSession(ctx, u, o)
	if err != nil {
		return "", sess, u, err
	}
	s.audit(ctx, portavoce.AuditEntry{ActorID: u.ID, ActorEmail: u.Email, Action: portavoce.AuditLogin, Target: u.Email, IP: o.IP})
	return token, sess, u, nil
}

// maxEmailLength is the longest email address (RFC 5321's path limit).
const maxEmailLength = 254

var (
	errWrongPassword = errors.New("account: wrong password")
	errAlreadySetUp  = portavoce.Errorf(portavoce.ECodeConflict, "Portavoce is already set up: log in instead")
)

// checkPassword verifies password against hash (empty for an unknown email)
// under the throttle. Each attempt is recorded before the password is
// checked and counted after, so attempts sent in parallel cannot all slip
// under the limit: at most MaxFailuresPerEmail checks per window per email,
// and MaxFailuresPerIP per address. An attempt refused as throttled writes
// nothing. It returns errWrongPassword, a throttled error, or nil (and then
// forgets the email's failures).
func (s *Service) checkPassword(ctx context.Context, email, hash, password string, o Origin) error {
	now := s.now()
	since := now.Add(-s.policy.ThrottleWindow)
	counts, err := s.store.LoginFailures(ctx, email, o.IP, since)
	if err != nil {
		return err
	}
	if err := s.throttled(counts, now); err != nil {
		return err
	}
	if err := s.store.RecordLoginFailure(ctx, uuid.Must(uuid.NewV7()).String(), email, o.IP, now); err != nil {
		return err
	}
	if counts, err = s.store.LoginFailures(ctx, email, o.IP, since); err != nil {
		return err
	}
	over := func(c store.LoginFailureCounts) bool {
		return c.ByEmail > s.policy.MaxFailuresPerEmail || c.ByIP > s.policy.MaxFailuresPerIP
	}
	if over(counts) {
		// Another attempt took the last place first.
		counts.ByEmail, counts.ByIP = counts.ByEmail-1, counts.ByIP-1
		return s.throttled(counts, now)
	}
	if err := s.acquire(ctx); err != nil {
		return err
	}
	if hash == "" {
		auth.SpendPasswordTime(password)
		err = errWrongPassword
	} else if auth.VerifyPassword(hash, password) != nil {
		err = errWrongPassword
	}
	s.release()
	if err == nil {
		s.store.ClearLoginFailures(ctx, email)
		return nil
	}
	s.audit(ctx, portavoce.AuditEntry{ActorEmail: email, Action: portavoce.AuditLoginFailed, Target: email, IP: o.IP})
	if counts.ByEmail == s.policy.MaxFailuresPerEmail || counts.ByIP == s.policy.MaxFailuresPerIP {
		// This failure engaged the throttle: say so once, not at every
		// refused attempt.
		s.audit(ctx, portavoce.AuditEntry{ActorEmail: email, Action: portavoce.AuditLoginThrottled, Target: email, IP: o.IP,
			Detail: fmt.Sprintf("%d failures for the email, %d from the address in %s", counts.ByEmail, counts.ByIP, s.policy.ThrottleWindow)})
	}
	return errWrongPassword
}

// throttled returns the error for attempts over a limit, with the time to
// wait until the oldest failure of the limit that was hit leaves the window.
func (s *Service) throttled(c store.LoginFailureCounts, now time.Time) error {
	var oldest time.Time
	switch {
	case c.ByEmail >= s.policy.MaxFailuresPerEmail:
		oldest = c.OldestEmail
	case c.ByIP >= s.policy.MaxFailuresPerIP:
		oldest = c.OldestIP
	default:
		return nil
	}
	wait := max(oldest.Add(s.policy.ThrottleWindow).Sub(now).Round(time.Second), time.Second)
	e := portavoce.Errorf(portavoce.ECodeThrottled, "too many wrong passwords: wait %d seconds before trying again, or ask an administrator to reset your password", int(wait/time.Second))
	if wait >= time.Minute {
		e = portavoce.Errorf(portavoce.ECodeThrottled, "too many wrong passwords: wait %d minutes before trying again, or ask an administrator to reset your password", int((wait+time.Minute-1)/time.Minute))
	}
	e.RetryAfter = wait
	return e
}

// hash hashes a new password, waiting for a free hashing slot.
func (s *Service) hash(ctx context.Context, password string) (string, error) {
	if err := s.acquire(ctx); err != nil {
		return "", err
	}
	defer s.release()
	return auth.HashPassword(password)
}

func (s *Service) acquire(ctx context.Context) error {
	select {
	case s.hashing <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Service) release() { <-s.hashing }

// StartSession creates a session for u and returns its raw token.
func (s *Service) StartSession(ctx context.Context, u portavoce.User, o Origin) (string, portavoce.Session, error) {
	token := auth.NewToken("")
	now := s.now()
	ua := o.UserAgent
	if len(ua) > 200 {
		ua = ua[:200]
	}
	sess := portavoce.Session{TokenHash: auth.HashToken(token), UserID: u.ID, CSRFToken: auth.NewToken(""),
		CreatedAt: now, ExpiresAt: now.Add(s.policy.SessionIdle), LastSeenAt: now, IP: o.IP, UserAgent: ua}
	return token, sess, s.store.CreateSession(ctx, sess)
}

// ErrNoSession means the cookie names no live session (expired, logged out,
// or never valid).
var ErrNoSession = portavoce.Errorf(portavoce.ECodeUnauthorized, "your session has expired: please log in again")

// Session returns the live session and user for a raw session token, and
// extends the session when it is used (at most once a minute).
func (s *Service) Session(ctx context.Context, token string) (portavoce.Session, portavoce.User, error) {
	if token == "" {
		return portavoce.Session{}, portavoce.User{}, ErrNoSession
	}
	now := s.now()
	sess, u, err := s.store.SessionUser(ctx, auth.HashToken(token), now)
	if portavoce.ErrorCode(err) == portavoce.ECodeNotFound {
		return sess, u, ErrNoSession
	}
	if err != nil {
		return sess, u, err
	}
	if now.Sub(sess.LastSeenAt) > time.Minute {
		sess.ExpiresAt = now.Add(s.policy.SessionIdle)
		if err := s.store.TouchSession(ctx, sess.TokenHash, now, sess.ExpiresAt); err != nil {
			s.log.Warn("could not extend a session", "error", err)
		}
	}
	return sess, u, nil
}

// Logout ends one session.
func (s *Service) Logout(ctx context.Context, sess portavoce.Session, u portavoce.User, o Origin) error {
	if err := s.store.DeleteSession(ctx, sess.TokenHash); err != nil {
		return err
	}
	s.audit(ctx, portavoce.AuditEntry{ActorID: u.ID, ActorEmail: u.Email, Action: portavoce.AuditLogout, Target: u.Email, IP: o.IP})
	return nil
}

// LogoutEverywhere ends every session of the user, on every device.
func (s *Service) LogoutEverywhere(ctx context.Context, u portavoce.User, o Origin) (int64, error) {
	n, err := s.store.DeleteUserSessions(ctx, u.ID)
	if err != nil {
		return 0, err
	}
	s.audit(ctx, portavoce.AuditEntry{ActorID: u.ID, ActorEmail: u.Email, Action: portavoce.AuditLogoutEverywhere,
		Target: u.Email, IP: o.IP, Detail: fmt.Sprintf("%d sessions ended", n)})
	return n, nil
}

// SetLanguage records the user's UI language: "it", "en" or "" (browser).
func (s *Service) SetLanguage(ctx context.Context, u portavoce.User, lang string) error {
	if lang != "" && lang != "it" && lang != "en" {
		return portavoce.FieldError("language", "the language must be it or en")
	}
	return s.store.SetUserLanguage(ctx, u.ID, lang)
}

// APITokenPrefix starts every personal API token, so that secret scanners
// and people recognise one.
const APITokenPrefix = "pv_"

// CreateAPIToken makes a personal API token and returns it in clear, once.
func (s *Service) CreateAPIToken(ctx context.Context, u portavoce.User, name string, o Origin) (string, portavoce.APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", portavoce.APIToken{}, portavoce.FieldError("name", "give the token a name that says where it is used, such as \"laptop CLI\"")
	}
	if utf8.RuneCountInString(name) > 80 {
		return "", portavoce.APIToken{}, portavoce.FieldError("name", "the token name must have at most 80 characters")
	}
	raw := auth.NewToken(APITokenPrefix)
	t := portavoce.APIToken{ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID, Name: name, TokenHash: auth.HashToken(raw),
		Hint: raw[len(raw)-4:], CreatedAt: s.now()}
	if err := s.store.CreateAPIToken(ctx, t); err != nil {
		return "", t, err
	}
	s.audit(ctx, portavoce.AuditEntry{ActorID: u.ID, ActorEmail: u.Email, Action: portavoce.AuditTokenCreated, Target: name, IP: o.IP})
	return raw, t, nil
}

// ErrBadToken is the answer to an unknown or revoked API token.
var ErrBadToken = portavoce.Errorf(portavoce.ECodeUnauthorized, "the API token is not valid: it may have been revoked; create a new one in Settings")

// AuthenticateToken returns the user of a raw API token.
func (s *Service) AuthenticateToken(ctx context.Context, raw string) (portavoce.APIToken, portavoce.User, error) {
	if !strings.HasPrefix(raw, APITokenPrefix) {
		return portavoce.APIToken{}, portavoce.User{}, ErrBadToken
	}
	t, u, err := s.store.APITokenUser(ctx, auth.HashToken(raw))
	if portavoce.ErrorCode(err) == portavoce.ECodeNotFound {
		return t, u, ErrBadToken
	}
	if err != nil {
		return t, u, err
	}
	if now := s.now(); now.Sub(t.LastUsedAt) > time.Minute {
		if err := s.store.TouchAPIToken(ctx, t.ID, now); err != nil {
			s.log.Warn("could not record an API token's use", "error", err)
		}
	}
	return t, u, nil
}

// APITokens lists a user's tokens (never the tokens themselves).
func (s *Service) APITokens(ctx context.Context, u portavoce.User) ([]portavoce.APIToken, error) {
	return s.store.ListAPITokens(ctx, u.ID)
}

// RevokeAPIToken deletes one of the user's tokens.
func (s *Service) RevokeAPIToken(ctx context.Context, u portavoce.User, id string, o Origin) error {
	if err := s.store.DeleteAPIToken(ctx, u.ID, id); err != nil {
		return err
	}
	s.audit(ctx, portavoce.AuditEntry{ActorID: u.ID, ActorEmail: u.Email, Action: portavoce.AuditTokenRevoked, Target: id, IP: o.IP})
	return nil
}

// audit records an entry; a failure to record is logged, not returned, so
// that the action the user asked for is not lost over it.
func (s *Service) audit(ctx context.Context, e portavoce.AuditEntry) {
	e.ID = uuid.Must(uuid.NewV7()).String()
	e.At = s.now()
	if err := s.store.AddAudit(ctx, e); err != nil && !errors.Is(err, context.Canceled) {
		s.log.Error("could not write the audit log", "action", e.Action, "error", err)
	}
}
