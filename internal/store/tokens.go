package store

import (
	"context"
	"time"

	"github.com/portavoce/portavoce"
)

// CreateAPIToken stores a personal API token (its hash only).
func (db *DB) CreateAPIToken(ctx context.Context, t portavoce.APIToken) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO api_tokens (id, user_id, name, token_hash, hint, created_at, last_used_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, t.ID, t.UserID, t.Name, t.TokenHash, t.Hint, us(t.CreatedAt), us(t.LastUsedAt))
	return wrap(err)
}

// APITokenUser returns the token with that hash and its user, or not found.
func (db *DB) APITokenUser(ctx context.Context, tokenHash string) (portavoce.APIToken, portavoce.User, error) {
	var t portavoce.APIToken
	var u portavoce.User
	var tc, tl, uc, upc int64
	err := db.read.QueryRowContext(ctx, `SELECT t.id, t.user_id, t.name, t.token_hash, t.hint, t.created_at, t.last_used_at,
		u.id, u.email, u.name, u.password_hash, u.is_admin, u.language, u.created_at, u.password_changed_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`, tokenHash).
		Scan(&t.ID, &t.UserID, &t.Name, &t.TokenHash, &t.Hint, &tc, &tl,
			&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.IsAdmin, &u.Language, &uc, &upc)
	t.CreatedAt, t.LastUsedAt = fromUS(tc), fromUS(tl)
	u.CreatedAt, u.PasswordChangedAt = fromUS(uc), fromUS(upc)
	return t, u, wrap(err)
}

// TouchAPIToken records when a token was last used.
func (db *DB) TouchAPIToken(ctx context.Context, id string, at time.Time) error {
	_, err := db.write.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, us(at), id)
	return wrap(err)
}

// ListAPITokens returns a user's tokens, newest first.
func (db *DB) ListAPITokens(ctx context.Context, userID string) ([]portavoce.APIToken, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, user_id, name, token_hash, hint, created_at, last_used_at
		FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []portavoce.APIToken
	for rows.Next() {
		var t portavoce.APIToken
		var c, l int64
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.TokenHash, &t.Hint, &c, &l); err != nil {
			return nil, wrap(err)
		}
		t.CreatedAt, t.LastUsedAt = fromUS(c), fromUS(l)
		out = append(out, t)
	}
	return out, wrap(rows.Err())
}

// DeleteAPIToken revokes a user's token; another user's token is not found.
func (db *DB) DeleteAPIToken(ctx context.Context, userID, id string) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return wrap(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return portavoce.ErrNotFound
	}
	return nil
}

// DeleteUserAPITokens revokes every token of a user and returns how many.
func (db *DB) DeleteUserAPITokens(ctx context.Context, userID string) (int64, error) {
	res, err := db.write.ExecContext(ctx, `DELETE FROM api_tokens WHERE user_id = $1`, userID)
	if err != nil {
		return 0, wrap(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
