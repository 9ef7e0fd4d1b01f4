package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/portavoce/portavoce"
)

// PresenceSettings returns a workspace's presence settings; a workspace that
// never saved any gets empty ones.
func (db *DB) PresenceSettings(ctx context.Context, workspaceID string) (portavoce.PresenceSettings, error) {
	s := portavoce.PresenceSettings{WorkspaceID: workspaceID, Profiles: []string{}}
	var local, every, next, upd int64
	var profiles string
	err := db.read.QueryRowContext(ctx, `SELECT website, brand_name, local_business, logo_url, profiles, audit_every, next_audit_at, updated_at
		FROM presence_settings WHERE workspace_id = $1`, workspaceID).
		Scan(&s.Website, &s.BrandName, &local, &s.LogoURL, &profiles, &every, &next, &upd)
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return s, wrap(err)
	}
	s.LocalBusiness, s.AuditEvery, s.NextAudit, s.UpdatedAt = local != 0, time.Duration(every)*time.Second, fromUS(next), fromUS(upd)
	if err := json.Unmarshal([]byte(profiles), &s.Profiles); err != nil {
		return s, fmt.Errorf("store: presence settings: %w", err)
	}
	return s, nil
}

// SavePresenceSettings stores a workspace's presence settings.
func (db *DB) SavePresenceSettings(ctx context.Context, s portavoce.PresenceSettings) error {
	local := 0
	if s.LocalBusiness {
		local = 1
	}
	if s.Profiles == nil {
		s.Profiles = []string{}
	}
	_, err := db.write.ExecContext(ctx, `INSERT INTO presence_settings (workspace_id, website, brand_name, local_business, logo_url,
		profiles, audit_every, next_audit_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (workspace_id) DO UPDATE SET website = excluded.website, brand_name = excluded.brand_name,
			local_business = excluded.local_business, logo_url = excluded.logo_url, profiles = excluded.profiles,
			audit_every = excluded.audit_every, next_audit_at = excluded.next_audit_at, updated_at = excluded.updated_at`,
		s.WorkspaceID, s.Website, s.BrandName, local, s.LogoURL, mustJSON(s.Profiles), int64(s.AuditEvery/time.Second),
		us(s.NextAudit), us(s.UpdatedAt))
	return wrap(err)
}

// ClaimScheduledAudit takes the next workspace whose audit is due, moving its
// next time on by its interval in the same statement, so that one node
// runs it; empty when none is due.
func (db *DB) ClaimScheduledAudit(ctx context.Context, now time.Time) (string, error) {
	var id string
	var every int64
	err := db.read.QueryRowContext(ctx, `SELECT workspace_id, audit_every FROM presence_settings
		WHERE audit_every > 0 AND website <> '' AND next_audit_at <= $1 ORDER BY next_audit_at LIMIT 1`, us(now)).Scan(&id, &every)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", wrap(err)
	}
	res, err := db.write.ExecContext(ctx, `UPDATE presence_settings SET next_audit_at = $1 WHERE workspace_id = $2 AND next_audit_at <= $3`,
		us(now.Add(time.Duration(every)*time.Second)), id, us(now))
	if err != nil {
		return "", wrap(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", nil // another node took it
	}
	return id, nil
}

// auditReport is what an audit's report column holds.
type auditReport struct {
	Findings []portavoce.AuditFinding `json:"findings"`
	Pages    []string                 `json:"pages"`
}

// SaveAudit stores a finished audit.
func (db *DB) SaveAudit(ctx context.Context, a portavoce.PresenceAudit) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO presence_audits (id, workspace_id, trigger, started_at, finished_at, score, report, error)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, a.ID, a.WorkspaceID, a.Trigger, us(a.StartedAt), us(a.FinishedAt), a.Score,
		mustJSON(auditReport{Findings: a.Findings, Pages: a.Pages}), clipLong(a.Error))
	return wrap(err)
}

func scanAudit(row scanner) (portavoce.PresenceAudit, error) {
	var a portavoce.PresenceAudit
	var s, f int64
	var report string
	if err := row.Scan(&a.ID, &a.WorkspaceID, &a.Trigger, &s, &f, &a.Score, &report, &a.Error); err != nil {
		return a, wrap(err)
	}
	a.StartedAt, a.FinishedAt = fromUS(s), fromUS(f)
	var r auditReport
	if err := json.Unmarshal([]byte(report), &r); err != nil {
		return a, fmt.Errorf("store: audit %s: %w", a.ID, err)
	}
	a.Findings, a.Pages = r.Findings, r.Pages
	for i := range a.Findings {
		a.Findings[i].Args = integers(a.Findings[i].Args)
		a.Findings[i].FixArgs = integers(a.Findings[i].FixArgs)
	}
	return a, nil
}

// integers turns the whole numbers JSON gave back as float64 into ints, so
// that a message's %d still formats them.
func integers(args []any) []any {
	for i, v := range args {
		if f, ok := v.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			args[i] = int(f)
		}
	}
	return args
}

const auditColumns = `id, workspace_id, trigger, started_at, finished_at, score, report, error`

// PresenceAudits lists a workspace's audits, newest first.
func (db *DB) PresenceAudits(ctx context.Context, workspaceID string, limit int) ([]portavoce.PresenceAudit, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+auditColumns+` FROM presence_audits WHERE workspace_id = $1
		ORDER BY started_at DESC, id DESC LIMIT $2`, workspaceID, limit)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []portavoce.PresenceAudit
	for rows.Next() {
		a, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, wrap(rows.Err())
}

// PresenceAudit returns one of a workspace's audits.
func (db *DB) PresenceAudit(ctx context.Context, workspaceID, id string) (portavoce.PresenceAudit, error) {
	return scanAudit(db.read.QueryRowContext(ctx, `SELECT `+auditColumns+` FROM presence_audits WHERE workspace_id = $1 AND id = $2`,
		workspaceID, id))
}
