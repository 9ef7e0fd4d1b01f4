package store

import (
	"context"
	"database/sql"
	"time"
)

// PutSecret stores an encrypted secret (the ciphertext only: encryption
// happens in internal/secrets before the store sees it).
func (db *DB) PutSecret(ctx context.Context, id, workspaceID, purpose string, ciphertext []byte, at time.Time) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO secrets (id, workspace_id, purpose, ciphertext, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5)
		ON CONFLICT (id) DO UPDATE SET workspace_id = excluded.workspace_id, purpose = excluded.purpose,
			ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
		id, nullIfEmpty(workspaceID), purpose, ciphertext, us(at))
	return wrap(err)
}

// Secret returns a secret's ciphertext and purpose, or not found.
func (db *DB) Secret(ctx context.Context, id string) (workspaceID, purpose string, ciphertext []byte, err error) {
	var ws sql.NullString
	err = db.read.QueryRowContext(ctx, `SELECT workspace_id, purpose, ciphertext FROM secrets WHERE id = $1`, id).
		Scan(&ws, &purpose, &ciphertext)
	return ws.String, purpose, ciphertext, wrap(err)
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
