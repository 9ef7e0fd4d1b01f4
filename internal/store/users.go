package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/portavoce/portavoce"
)

// us stores a time as Unix microseconds; the zero time is stored as 0.
func us(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// fromUS reads a time stored by us, in UTC.
func fromUS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

type scanner interface{ Scan(dest ...any) error }

const userColumns = `id, email, name, password_hash, is_admin, language, created_at, password_changed_at`

func scanUser(row scanner) (portavoce.User, error) {
	var u portavoce.User
	var created, changed int64
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.IsAdmin, &u.Language, &created, &changed)
	u.CreatedAt, u.PasswordChangedAt = fromUS(created), fromUS(changed)
	return u, wrap(err)
}

// CountUsers returns how many users exist: zero means set-up is still to do.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, wrap(err)
}

// CreateUser inserts u. A taken email is a conflict.
func (db *DB) CreateUser(ctx context.Context, u portavoce.User) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		u.ID, u.Email, u.Name, u.PasswordHash, u.IsAdmin, u.Language, us(u.CreatedAt), us(u.PasswordChangedAt))
	return wrap(err)
}

// CreateFirstUser inserts the first user only while there is none, in one
// transaction, so two browsers on the set-up page cannot both become owner.
func (db *DB) CreateFirstUser(ctx context.Context, u portavoce.User, w portavoce.Workspace) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if db.Dialect == Postgres {
			// Serialise concurrent set-ups: without the lock, each would see
			// no user yet. (SQLite's write transactions are serial already.)
			if _, err := tx.ExecContext(ctx, `LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return portavoce.Errorf(portavoce.ECodeConflict, "Portavoce is already set up: log in instead")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			u.ID, u.Email, u.Name, u.PasswordHash, u.IsAdmin, u.Language, us(u.CreatedAt), us(u.PasswordChangedAt)); err != nil {
			return err
		}
		if err := insertWorkspace(ctx, tx, w); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)`,
			w.ID, u.ID, portavoce.RoleOwner, us(w.CreatedAt))
		return err
	})
}

// UserByID returns a user, or a not-found error.
func (db *DB) UserByID(ctx context.Context, id string) (portavoce.User, error) {
	return scanUser(db.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
}

// UserByEmail returns the user with that (lower-case) email, or not found.
func (db *DB) UserByEmail(ctx context.Context, email string) (portavoce.User, error) {
	return scanUser(db.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, email))
}

// SetPassword replaces a user's password hash and ends all their sessions.
func (db *DB) SetPassword(ctx context.Context, userID, hash string, at time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3`, hash, us(at), userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return portavoce.ErrNotFound
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
		return err
	})
}

// SetUserLanguage records the user's UI language ("" follows the browser).
func (db *DB) SetUserLanguage(ctx context.Context, userID, lang string) error {
	_, err := db.write.ExecContext(ctx, `UPDATE users SET language = $1 WHERE id = $2`, lang, userID)
	return wrap(err)
}

// tx runs fn in a transaction, committing if it returns nil.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return wrap(err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return wrap(err)
	}
	return wrap(tx.Commit())
}
