package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/portavoce/portavoce"
)

const workspaceColumns = `id, slug, name, timezone, language, created_at`

func scanWorkspace(row scanner) (portavoce.Workspace, error) {
	var w portavoce.Workspace
	var c int64
	err := row.Scan(&w.ID, &w.Slug, &w.Name, &w.Timezone, &w.Language, &c)
	w.CreatedAt = fromUS(c)
	return w, wrap(err)
}

func insertWorkspace(ctx context.Context, tx *sql.Tx, w portavoce.Workspace) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO workspaces (`+workspaceColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		w.ID, w.Slug, w.Name, w.Timezone, w.Language, us(w.CreatedAt))
	return err
}

// CreateWorkspace inserts a workspace with its first owner.
func (db *DB) CreateWorkspace(ctx context.Context, w portavoce.Workspace, ownerID string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := insertWorkspace(ctx, tx, w); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)`,
			w.ID, ownerID, portavoce.RoleOwner, us(w.CreatedAt))
		return err
	})
}

// WorkspaceBySlug returns a workspace, or not found.
func (db *DB) WorkspaceBySlug(ctx context.Context, slug string) (portavoce.Workspace, error) {
	return scanWorkspace(db.read.QueryRowContext(ctx, `SELECT `+workspaceColumns+` FROM workspaces WHERE slug = $1`, slug))
}

// WorkspaceByID returns a workspace, or not found.
func (db *DB) WorkspaceByID(ctx context.Context, id string) (portavoce.Workspace, error) {
	return scanWorkspace(db.read.QueryRowContext(ctx, `SELECT `+workspaceColumns+` FROM workspaces WHERE id = $1`, id))
}

// UpdateWorkspace changes a workspace's name, time zone and language.
func (db *DB) UpdateWorkspace(ctx context.Context, w portavoce.Workspace) error {
	res, err := db.write.ExecContext(ctx, `UPDATE workspaces SET name = $1, timezone = $2, language = $3 WHERE id = $4`,
		w.Name, w.Timezone, w.Language, w.ID)
	if err != nil {
		return wrap(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return portavoce.ErrNotFound
	}
	return nil
}

// WorkspaceRole is a workspace with the role a user has there.
type WorkspaceRole struct {
	Workspace portavoce.Workspace
	Role      portavoce.Role
}

// UserWorkspaces lists the workspaces a user belongs to, by name.
func (db *DB) UserWorkspaces(ctx context.Context, userID string) ([]WorkspaceRole, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT w.id, w.slug, w.name, w.timezone, w.language, w.created_at, m.role
		FROM workspaces w JOIN memberships m ON m.workspace_id = w.id WHERE m.user_id = $1 ORDER BY w.name, w.slug`, userID)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []WorkspaceRole
	for rows.Next() {
		var wr WorkspaceRole
		var c int64
		if err := rows.Scan(&wr.Workspace.ID, &wr.Workspace.Slug, &wr.Workspace.Name, &wr.Workspace.Timezone,
			&wr.Workspace.Language, &c, &wr.Role); err != nil {
			return nil, wrap(err)
		}
		wr.Workspace.CreatedAt = fromUS(c)
		out = append(out, wr)
	}
	return out, wrap(rows.Err())
}

// MemberRole returns a user's role in a workspace, or not found when they
// are not a member.
func (db *DB) MemberRole(ctx context.Context, workspaceID, userID string) (portavoce.Role, error) {
	var r portavoce.Role
	err := db.read.QueryRowContext(ctx, `SELECT role FROM memberships WHERE workspace_id = $1 AND user_id = $2`, workspaceID, userID).Scan(&r)
	return r, wrap(err)
}

// Members lists a workspace's members with their users, by name.
func (db *DB) Members(ctx context.Context, workspaceID string) ([]portavoce.Member, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT u.id, u.email, u.name, u.password_hash, u.is_admin, u.language, u.created_at, u.password_changed_at, m.role
		FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1 ORDER BY u.name, u.email`, workspaceID)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []portavoce.Member
	for rows.Next() {
		var m portavoce.Member
		var c, pc int64
		if err := rows.Scan(&m.User.ID, &m.User.Email, &m.User.Name, &m.User.PasswordHash, &m.User.IsAdmin,
			&m.User.Language, &c, &pc, &m.Role); err != nil {
			return nil, wrap(err)
		}
		m.User.CreatedAt, m.User.PasswordChangedAt = fromUS(c), fromUS(pc)
		out = append(out, m)
	}
	return out, wrap(rows.Err())
}

// AddMember gives a user a role in a workspace; an existing member is a
// conflict.
func (db *DB) AddMember(ctx context.Context, m portavoce.Membership) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)`,
		m.WorkspaceID, m.UserID, m.Role, us(m.CreatedAt))
	return wrap(err)
}

// MemberChangeCheck decides, inside the transaction that changes a member,
// whether the actor (with their role at that moment) may change a member
// whose role is current. A nil check allows everything.
type MemberChangeCheck func(actor, current portavoce.Role) error

// SetMemberRole changes a member's role, if allow agrees. It refuses to
// leave a workspace without an owner.
func (db *DB) SetMemberRole(ctx context.Context, workspaceID, userID string, role portavoce.Role, allow MemberChangeCheck, actorID string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := checkMemberChange(ctx, tx, workspaceID, userID, role != portavoce.RoleOwner, allow, actorID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE memberships SET role = $1 WHERE workspace_id = $2 AND user_id = $3`, role, workspaceID, userID)
		return err
	})
}

// RemoveMember takes a user out of a workspace, if allow agrees; never its
// last owner.
func (db *DB) RemoveMember(ctx context.Context, workspaceID, userID string, allow MemberChangeCheck, actorID string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := checkMemberChange(ctx, tx, workspaceID, userID, true, allow, actorID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2`, workspaceID, userID)
		return err
	})
}

// checkMemberChange locks the workspace, reads the member's and the actor's
// roles as they are now, asks allow, and, when an owner stops being one
// (losing), makes sure another owner remains. A user who is not a member is
// not found; an actor who is no longer one is forbidden.
func checkMemberChange(ctx context.Context, tx *sql.Tx, workspaceID, userID string, losing bool, allow MemberChangeCheck, actorID string) error {
	if err := lockWorkspace(ctx, tx, workspaceID); err != nil {
		return err
	}
	roleOf := func(user string) (portavoce.Role, error) {
		var r portavoce.Role
		err := tx.QueryRowContext(ctx, `SELECT role FROM memberships WHERE workspace_id = $1 AND user_id = $2`, workspaceID, user).Scan(&r)
		return r, err
	}
	current, err := roleOf(userID)
	if err != nil {
		return err
	}
	if allow != nil {
		actor, err := roleOf(actorID)
		if errors.Is(err, sql.ErrNoRows) {
			return portavoce.Errorf(portavoce.ECodeForbidden, "your role in this workspace does not allow this")
		}
		if err != nil {
			return err
		}
		if err := allow(actor, current); err != nil {
			return err
		}
	}
	if current != portavoce.RoleOwner || !losing {
		return nil
	}
	var owners int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships WHERE workspace_id = $1 AND role = $2`,
		workspaceID, portavoce.RoleOwner).Scan(&owners); err != nil {
		return err
	}
	if owners < 2 {
		return portavoce.Errorf(portavoce.ECodeConflict, "a workspace needs at least one owner: make someone else owner first")
	}
	return nil
}

// lockWorkspace takes the workspace's row lock for the transaction, so that
// two changes of owners cannot both see "another owner left" and leave none.
func lockWorkspace(ctx context.Context, tx *sql.Tx, workspaceID string) error {
	res, err := tx.ExecContext(ctx, `UPDATE workspaces SET id = id WHERE id = $1`, workspaceID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return portavoce.ErrNotFound
	}
	return nil
}

// CreateInvitation stores an invitation (its token's hash only).
func (db *DB) CreateInvitation(ctx context.Context, inv portavoce.Invitation) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO invitations (id, workspace_id, email, role, token_hash, invited_by, created_at, expires_at, accepted_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, inv.ID, inv.WorkspaceID, inv.Email, inv.Role, inv.TokenHash,
		inv.InvitedBy, us(inv.CreatedAt), us(inv.ExpiresAt), us(inv.AcceptedAt))
	return wrap(err)
}

const invitationColumns = `id, workspace_id, email, role, token_hash, invited_by, created_at, expires_at, accepted_at`

func scanInvitation(row scanner) (portavoce.Invitation, error) {
	var inv portavoce.Invitation
	var c, e, a int64
	err := row.Scan(&inv.ID, &inv.WorkspaceID, &inv.Email, &inv.Role, &inv.TokenHash, &inv.InvitedBy, &c, &e, &a)
	inv.CreatedAt, inv.ExpiresAt, inv.AcceptedAt = fromUS(c), fromUS(e), fromUS(a)
	return inv, wrap(err)
}

// InvitationByToken returns an invitation by its token's hash, or not found.
func (db *DB) InvitationByToken(ctx context.Context, tokenHash string) (portavoce.Invitation, error) {
	return scanInvitation(db.read.QueryRowContext(ctx, `SELECT `+invitationColumns+` FROM invitations WHERE token_hash = $1`, tokenHash))
}

// PendingInvitations lists a workspace's invitations not yet accepted nor
// expired.
func (db *DB) PendingInvitations(ctx context.Context, workspaceID string, now time.Time) ([]portavoce.Invitation, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+invitationColumns+` FROM invitations
		WHERE workspace_id = $1 AND accepted_at = 0 AND expires_at > $2 ORDER BY created_at DESC`, workspaceID, us(now))
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []portavoce.Invitation
	for rows.Next() {
		inv, err := scanInvitation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, wrap(rows.Err())
}

// AcceptInvitation marks the invitation used and makes the user a member, in
// one transaction: an invitation works once. A user who is already a member
// keeps their current role.
func (db *DB) AcceptInvitation(ctx context.Context, invID, userID string, now time.Time, newUser *portavoce.User) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var inv portavoce.Invitation
		var c, e, a int64
		if err := tx.QueryRowContext(ctx, `SELECT `+invitationColumns+` FROM invitations WHERE id = $1`, invID).
			Scan(&inv.ID, &inv.WorkspaceID, &inv.Email, &inv.Role, &inv.TokenHash, &inv.InvitedBy, &c, &e, &a); err != nil {
			return err
		}
		if a != 0 || fromUS(e).Before(now) {
			return portavoce.Errorf(portavoce.ECodeConflict, "this invitation was already used or has expired: ask for a new one")
		}
		// The inviter must still be a member who may give this role: an
		// invitation sent by someone since removed or demoted is void.
		var inviterRole portavoce.Role
		err := tx.QueryRowContext(ctx, `SELECT role FROM memberships WHERE workspace_id = $1 AND user_id = $2`,
			inv.WorkspaceID, inv.InvitedBy).Scan(&inviterRole)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !inviterRole.CanAssign(inv.Role)) {
			return portavoce.Errorf(portavoce.ECodeConflict, "this invitation is no longer valid: whoever sent it can no longer give this role; ask for a new one")
		}
		if err != nil {
			return err
		}
		if newUser != nil {
			u := *newUser
			if _, err := tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
				u.ID, u.Email, u.Name, u.PasswordHash, u.IsAdmin, u.Language, us(u.CreatedAt), us(u.PasswordChangedAt)); err != nil {
				return err
			}
		}
		// The condition makes the invitation work once even when two
		// acceptances race: only one of them updates the row.
		res, err := tx.ExecContext(ctx, `UPDATE invitations SET accepted_at = $1 WHERE id = $2 AND accepted_at = 0`, us(now), invID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return portavoce.Errorf(portavoce.ECodeConflict, "this invitation was already used or has expired: ask for a new one")
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (workspace_id, user_id) DO NOTHING`, inv.WorkspaceID, userID, inv.Role, us(now))
		return err
	})
}

// DeleteInvitation withdraws a pending invitation of a workspace.
func (db *DB) DeleteInvitation(ctx context.Context, workspaceID, id string) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM invitations WHERE id = $1 AND workspace_id = $2 AND accepted_at = 0`, id, workspaceID)
	if err != nil {
		return wrap(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return portavoce.ErrNotFound
	}
	return nil
}
