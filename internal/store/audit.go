package store

import (
	"context"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/portavoce/portavoce"
)

// AddAudit appends an entry to the audit log.
func (db *DB) AddAudit(ctx context.Context, e portavoce.AuditEntry) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO audit_log (id, at, actor_id, actor_email, workspace_id, action, target, ip, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, e.ID, us(e.At), e.ActorID, clip(e.ActorEmail), e.WorkspaceID, e.Action,
		clip(e.Target), clip(e.IP), clip(e.Detail))
	return wrap(err)
}

// maxAuditField bounds what one audit field keeps, so that input typed by
// anyone (a login form's email) cannot grow the log without limit.
const maxAuditField = 320

// clip cuts s to maxAuditField bytes, on a character boundary.
func clip(s string) string { return clipTo(s, maxAuditField) }

// clipTo cuts s to at most n bytes, on a character boundary, marking the
// cut.
func clipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// AuditFilter selects audit entries. An empty WorkspaceID with All set reads
// the whole log (administrators only); otherwise one workspace's entries.
type AuditFilter struct {
	WorkspaceID string
	All         bool
	Before      time.Time
	Limit       int
}

// Audit returns audit entries, newest first.
func (db *DB) Audit(ctx context.Context, f AuditFilter) ([]portavoce.AuditEntry, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	f.Limit = min(f.Limit, 500)
	before := us(f.Before)
	if before == 0 {
		before = 1<<63 - 1
	}
	q := `SELECT id, at, actor_id, actor_email, workspace_id, action, target, ip, detail FROM audit_log WHERE at < $1 `
	args := []any{before}
	if !f.All {
		q += `AND workspace_id = $2 `
		args = append(args, f.WorkspaceID)
	}
	q += `ORDER BY at DESC, id DESC LIMIT ` + strconv.Itoa(f.Limit)
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []portavoce.AuditEntry
	for rows.Next() {
		var e portavoce.AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.ActorEmail, &e.WorkspaceID, &e.Action, &e.Target, &e.IP, &e.Detail); err != nil {
			return nil, wrap(err)
		}
		e.At = fromUS(at)
		out = append(out, e)
	}
	return out, wrap(rows.Err())
}
