package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/portavoce/portavoce"
)

const socialAccountColumns = `id, workspace_id, network, server, remote_id, handle, display_name, avatar_url, profile_url,
	secret_id, limits, status, status_detail, rate_limited_until, connected_by, created_at, updated_at`

func scanSocialAccount(row scanner) (portavoce.SocialAccount, error) {
	var a portavoce.SocialAccount
	var rl, c, u int64
	err := row.Scan(&a.ID, &a.WorkspaceID, &a.Network, &a.Server, &a.RemoteID, &a.Handle, &a.DisplayName, &a.AvatarURL,
		&a.ProfileURL, &a.SecretID, &a.Limits, &a.Status, &a.Detail, &rl, &a.ConnectedBy, &c, &u)
	a.RateLimited, a.CreatedAt, a.UpdatedAt = fromUS(rl), fromUS(c), fromUS(u)
	return a, wrap(err)
}

// ConnectSocialAccount stores a newly connected account, or, when the same
// network account is already in the workspace (a reconnection), refreshes
// its profile, limits and secret and marks it healthy. It returns the
// stored account; deliveries that waited for the reconnection are put back
// on schedule in the same transaction.
func (db *DB) ConnectSocialAccount(ctx context.Context, a portavoce.SocialAccount) (portavoce.SocialAccount, error) {
	// Handles are kept without their "@" (Mastodon writes "@user@domain"),
	// which pages add.
	a.Handle = strings.TrimPrefix(a.Handle, "@")
	var out portavoce.SocialAccount
	err := db.tx(ctx, func(tx *sql.Tx) error {
		// A reconnection replaces the sealed tokens: the old ones go.
		var oldSecret string
		err := tx.QueryRowContext(ctx, `SELECT secret_id FROM social_accounts WHERE workspace_id = $1 AND network = $2 AND remote_id = $3`,
			a.WorkspaceID, a.Network, a.RemoteID).Scan(&oldSecret)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if oldSecret != "" && oldSecret != a.SecretID {
			if _, err := tx.ExecContext(ctx, `DELETE FROM secrets WHERE id = $1`, oldSecret); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO social_accounts (`+socialAccountColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'ok', '', 0, $12, $13, $13)
			ON CONFLICT (workspace_id, network, remote_id) DO UPDATE SET server = excluded.server, handle = excluded.handle,
				display_name = excluded.display_name, avatar_url = excluded.avatar_url, profile_url = excluded.profile_url,
				secret_id = excluded.secret_id, limits = excluded.limits, status = 'ok', status_detail = '',
				rate_limited_until = 0, updated_at = excluded.updated_at`,
			a.ID, a.WorkspaceID, a.Network, a.Server, a.RemoteID, a.Handle, a.DisplayName, a.AvatarURL, a.ProfileURL,
			a.SecretID, a.Limits, a.ConnectedBy, us(a.CreatedAt))
		if err != nil {
			return err
		}
		out, err = scanSocialAccount(tx.QueryRowContext(ctx, `SELECT `+socialAccountColumns+` FROM social_accounts
			WHERE workspace_id = $1 AND network = $2 AND remote_id = $3`, a.WorkspaceID, a.Network, a.RemoteID))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE deliveries SET status = 'scheduled', next_at = $1, error_kind = '', error_message = '', updated_at = $1
			WHERE account_id = $2 AND status = 'waiting_account'`, us(a.CreatedAt), out.ID)
		return err
	})
	return out, err
}

// SocialAccounts lists a workspace's connected accounts, those that need
// attention first. Disconnected accounts are kept (their posts' history
// names them) and listed only when asked for.
func (db *DB) SocialAccounts(ctx context.Context, workspaceID string, disconnected bool) ([]portavoce.SocialAccount, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+socialAccountColumns+` FROM social_accounts WHERE workspace_id = $1
		AND (status <> 'disconnected' OR $2) ORDER BY CASE status WHEN 'ok' THEN 1 WHEN 'disconnected' THEN 2 ELSE 0 END, network, handle`,
		workspaceID, disconnected)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []portavoce.SocialAccount
	for rows.Next() {
		a, err := scanSocialAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, wrap(rows.Err())
}

// SocialAccount returns one of a workspace's accounts, or not found.
func (db *DB) SocialAccount(ctx context.Context, workspaceID, id string) (portavoce.SocialAccount, error) {
	return scanSocialAccount(db.read.QueryRowContext(ctx, `SELECT `+socialAccountColumns+` FROM social_accounts
		WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
}

// DisconnectSocialAccount disconnects an account: its sealed tokens are
// deleted and what was scheduled for it and has not gone out is cancelled;
// the account stays on record, as "disconnected", for the history of the
// posts that went out. It refuses while a delivery is being sent.
func (db *DB) DisconnectSocialAccount(ctx context.Context, workspaceID, id string, at time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var secretID, status string
		err := tx.QueryRowContext(ctx, `SELECT secret_id, status FROM social_accounts WHERE workspace_id = $1 AND id = $2`,
			workspaceID, id).Scan(&secretID, &status)
		if err != nil {
			return err
		}
		if status == "disconnected" {
			return portavoce.ErrNotFound
		}
		var sending int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE account_id = $1 AND status = 'sending'`, id).Scan(&sending); err != nil {
			return err
		}
		if sending > 0 {
			return portavoce.Errorf(portavoce.ECodeConflict, "a post is being published on this account right now: try again in a minute")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'cancelled', updated_at = $1
			WHERE account_id = $2 AND status IN ('scheduled', 'waiting_account', 'needs_check')`, us(at), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE social_accounts SET status = 'disconnected', status_detail = '', secret_id = '',
			updated_at = $1 WHERE id = $2`, us(at), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM queue_slots WHERE account_id = $1`, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM secrets WHERE id = $1`, secretID)
		return err
	})
}

// MastodonApp returns the app Portavoce registered on an instance for a
// redirect URI.
func (db *DB) MastodonApp(ctx context.Context, instance, redirectURI string) (clientID, secretID string, err error) {
	err = db.read.QueryRowContext(ctx, `SELECT client_id, secret_id FROM mastodon_apps WHERE instance = $1 AND redirect_uri = $2`,
		instance, redirectURI).Scan(&clientID, &secretID)
	return clientID, secretID, wrap(err)
}

// SaveMastodonApp remembers an app registered on an instance, keeping the
// first one when two registrations race.
func (db *DB) SaveMastodonApp(ctx context.Context, instance, redirectURI, clientID, secretID string, at time.Time) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO mastodon_apps (instance, redirect_uri, client_id, secret_id, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (instance, redirect_uri) DO NOTHING`, instance, redirectURI, clientID, secretID, us(at))
	return wrap(err)
}

// OAuthState is a pending authorization with a network, keyed by the hash of
// the state parameter.
type OAuthState struct {
	StateHash   string
	WorkspaceID string
	UserID      string
	Network     string
	Instance    string
	Verifier    string
	RedirectURI string
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// SaveOAuthState stores a pending authorization.
func (db *DB) SaveOAuthState(ctx context.Context, s OAuthState) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO oauth_states (state_hash, workspace_id, user_id, network, instance, verifier,
		redirect_uri, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		s.StateHash, s.WorkspaceID, s.UserID, s.Network, s.Instance, s.Verifier, s.RedirectURI, us(s.CreatedAt), us(s.ExpiresAt))
	return wrap(err)
}

// TakeOAuthState returns a pending authorization and deletes it, so that a
// state works once; an expired one is not found.
func (db *DB) TakeOAuthState(ctx context.Context, stateHash string, now time.Time) (OAuthState, error) {
	var s OAuthState
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var c, e int64
		err := tx.QueryRowContext(ctx, `DELETE FROM oauth_states WHERE state_hash = $1 RETURNING workspace_id, user_id, network,
			instance, verifier, redirect_uri, created_at, expires_at`, stateHash).
			Scan(&s.WorkspaceID, &s.UserID, &s.Network, &s.Instance, &s.Verifier, &s.RedirectURI, &c, &e)
		if err != nil {
			return err
		}
		s.StateHash, s.CreatedAt, s.ExpiresAt = stateHash, fromUS(c), fromUS(e)
		if !s.ExpiresAt.After(now) {
			return portavoce.ErrNotFound
		}
		return nil
	})
	return s, err
}

// AllSocialAccounts lists every connected account of the instance, for the
// periodic health check.
func (db *DB) AllSocialAccounts(ctx context.Context) ([]portavoce.SocialAccount, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+socialAccountColumns+` FROM social_accounts WHERE status <> 'disconnected'
		ORDER BY updated_at`)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []portavoce.SocialAccount
	for rows.Next() {
		a, err := scanSocialAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, wrap(rows.Err())
}

// AccountWorks records that an account's access works, with its profile as
// the network shows it now; deliveries that waited for it go back on
// schedule.
func (db *DB) AccountWorks(ctx context.Context, id, displayName, avatarURL, profileURL string, at time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE social_accounts SET status = 'ok', status_detail = '', rate_limited_until = 0,
			display_name = CASE WHEN $1 = '' THEN display_name ELSE $1 END, avatar_url = CASE WHEN $2 = '' THEN avatar_url ELSE $2 END,
			profile_url = CASE WHEN $3 = '' THEN profile_url ELSE $3 END, updated_at = $4 WHERE id = $5`,
			displayName, avatarURL, profileURL, us(at), id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'scheduled', next_at = $1, error_kind = '', error_message = '', updated_at = $1
			WHERE account_id = $2 AND status = 'waiting_account'`, us(at), id)
		return err
	})
}

// AccountExpired marks an account whose access the network refused, holds
// its scheduled deliveries until it is reconnected, and records the
// notification (once per connection of the account).
func (db *DB) AccountExpired(ctx context.Context, id, detail string, n portavoce.Notification, at time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE social_accounts SET status = 'expired', status_detail = $1 WHERE id = $2`,
			clipLong(detail), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'waiting_account', updated_at = $1
			WHERE account_id = $2 AND status = 'scheduled'`, us(at), id); err != nil {
			return err
		}
		return insertNotification(ctx, tx, n)
	})
}

// SocialAccountsByID returns the workspace's accounts with these ids (those
// that exist), in no particular order.
func (db *DB) SocialAccountsByID(ctx context.Context, workspaceID string, ids []string) ([]portavoce.SocialAccount, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in, args := inList(ids, 2)
	rows, err := db.read.QueryContext(ctx, `SELECT `+socialAccountColumns+` FROM social_accounts WHERE workspace_id = $1
		AND status <> 'disconnected' AND id IN (`+in+`)`,
		append([]any{workspaceID}, args...)...)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []portavoce.SocialAccount
	for rows.Next() {
		a, err := scanSocialAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, wrap(rows.Err())
}
