package store

import (
	"context"
	"time"

	"github.com/portavoce/portavoce"
)

// CreateSession stores a new session.
func (db *DB) CreateSession(ctx context.Context, s portavoce.Session) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at, ip, user_agent)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		s.TokenHash, s.UserID, s.CSRFToken, us(s.CreatedAt), us(s.ExpiresAt), us(s.LastSeenAt), s.IP, s.UserAgent)
	return wrap(err)
}

// SessionUser returns a live session and its user; an expired or unknown
// session is not found.
func (db *DB) SessionUser(ctx context.Context, tokenHash string, now time.Time) (portavoce.Session, portavoce.User, error) {
	var s portavoce.Session
	var created, expires, seen int64
	row := db.read.QueryRowContext(ctx, `SELECT s.token_hash, s.user_id, s.csrf_token, s.created_at, s.expires_at, s.last_seen_at, s.ip, s.user_agent,
		u.id, u.email, u.name, u.password_hash, u.is_admin, u.language, u.created_at, u.password_changed_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2`, tokenHash, us(now))
	var u portavoce.User
	var uc, upc int64
	err := row.Scan(&s.TokenHash, &s.UserID, &s.CSRFToken, &created, &expires, &seen, &s.IP, &s.UserAgent,
		&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.IsAdmin, &u.Language, &uc, &upc)
	s.CreatedAt, s.ExpiresAt, s.LastSeenAt = fromUS(created), fromUS(expires), fromUS(seen)
	u.CreatedAt, u.PasswordChangedAt = fromUS(uc), fromUS(upc)
	return s, u, wrap(err)
}

// TouchSession extends a session that is in use (sliding expiry).
func (db *DB) TouchSession(ctx context.Context, tokenHash string, seen, expires time.Time) error {
	_, err := db.write.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3`, us(seen), us(expires), tokenHash)
	return wrap(err)
}

// DeleteSession ends one session.
func (db *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := db.write.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
	return wrap(err)
}

// DeleteUserSessions ends every session of a user and returns how many.
func (db *DB) DeleteUserSessions(ctx context.Context, userID string) (int64, error) {
	res, err := db.write.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	if err != nil {
		return 0, wrap(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// CountUserSessions returns how many live sessions a user has.
func (db *DB) CountUserSessions(ctx context.Context, userID string, now time.Time) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND expires_at > $2`, userID, us(now)).Scan(&n)
	return n, wrap(err)
}

// RecordLoginFailure remembers a failed login for rate limiting.
func (db *DB) RecordLoginFailure(ctx context.Context, id, email, ip string, at time.Time) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO login_failures (id, email, ip, at) VALUES ($1, $2, $3, $4)`, id, email, ip, us(at))
	return wrap(err)
}

// LoginFailureCounts are the failed logins inside a window, for an email and
// for an address, with the oldest of each (zero when there is none).
type LoginFailureCounts struct {
	ByEmail, ByIP         int
	OldestEmail, OldestIP time.Time
}

// LoginFailures counts failed logins since a time for an email and for an
// IP address.
func (db *DB) LoginFailures(ctx context.Context, email, ip string, since time.Time) (LoginFailureCounts, error) {
	var c LoginFailureCounts
	var oldestEmail, oldestIP int64
	err := db.read.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM login_failures WHERE email = $1 AND at > $3),
		(SELECT COALESCE(MIN(at), 0) FROM login_failures WHERE email = $1 AND at > $3),
		(SELECT COUNT(*) FROM login_failures WHERE ip = $2 AND at > $3),
		(SELECT COALESCE(MIN(at), 0) FROM login_failures WHERE ip = $2 AND at > $3)`,
		email, ip, us(since)).Scan(&c.ByEmail, &oldestEmail, &c.ByIP, &oldestIP)
	c.OldestEmail, c.OldestIP = fromUS(oldestEmail), fromUS(oldestIP)
	return c, wrap(err)
}

// ClearLoginFailures forgets an email's failures after a successful login.
func (db *DB) ClearLoginFailures(ctx context.Context, email string) error {
	_, err := db.write.ExecContext(ctx, `DELETE FROM login_failures WHERE email = $1`, email)
	return wrap(err)
}
