package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/portavoce/portavoce"
)

// ErrLeaseLost means a node tried to record a delivery it no longer holds
// (its lease ran out and another node took the delivery over). It must stop
// working on it.
var ErrLeaseLost = errors.New("store: the delivery is no longer held by this node")

// Claim is a delivery a node took to publish, with what publishing needs.
type Claim struct {
	Delivery portavoce.Delivery
	Content  portavoce.PostContent
	Account  portavoce.SocialAccount
	// AttemptID is the attempt recorded for this claim.
	AttemptID string
	// Start is when to call the network: the due time, or now if later.
	Start time.Time
	// Check is true when an earlier attempt's outcome is unknown (a lost
	// answer, a node that died mid-call): the network must be checked
	// before anything is repeated.
	Check bool
}

// ClaimDeliveries takes up to limit deliveries due before horizon (and any
// whose holder stopped renewing its lease), holds them for node until their
// start plus lease, and records an attempt for each, all in one
// transaction: an attempt is on record before the network is called. On
// PostgreSQL concurrent nodes skip each other's rows. The work is a handful
// of statements per batch, whatever its size.
func (db *DB) ClaimDeliveries(ctx context.Context, node string, now, horizon time.Time, lease time.Duration, limit int,
	newID func() string) ([]Claim, error) {
	// Most polls find nothing: a read says so without a write transaction.
	var due int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM deliveries WHERE status = 'scheduled' AND next_at <= $1
		UNION ALL SELECT 1 FROM deliveries WHERE status = 'sending' AND lease_until < $2) AS due`, us(horizon), us(now)).Scan(&due)
	if err != nil {
		return nil, wrap(err)
	}
	if due == 0 {
		return nil, nil
	}
	lock := ""
	if db.Dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var claims []Claim
	err = db.tx(ctx, func(tx *sql.Tx) error {
		claims = nil
		type row struct {
			id      string
			stale   bool
			next    int64
			unsure  int
			attempt int
		}
		var picked []row
		for _, q := range []struct {
			sql   string
			stale bool
			arg   int64
		}{
			{`SELECT id, next_at, unsure, attempts FROM deliveries WHERE status = 'sending' AND lease_until < $1 ORDER BY lease_until LIMIT $2` + lock, true, us(now)},
			{`SELECT id, next_at, unsure, attempts FROM deliveries WHERE status = 'scheduled' AND next_at <= $1 ORDER BY next_at LIMIT $2` + lock, false, us(horizon)},
		} {
			if len(picked) >= limit {
				break
			}
			rows, err := tx.QueryContext(ctx, q.sql, q.arg, limit-len(picked))
			if err != nil {
				return err
			}
			for rows.Next() {
				r := row{stale: q.stale}
				if err := rows.Scan(&r.id, &r.next, &r.unsure, &r.attempt); err != nil {
					rows.Close()
					return err
				}
				picked = append(picked, r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		if len(picked) == 0 {
			return nil
		}
		ids := make([]string, len(picked))
		var stale []string
		for i, r := range picked {
			ids[i] = r.id
			if r.stale {
				stale = append(stale, r.id)
			}
		}
		if len(stale) > 0 {
			in, args := inList(stale, 2)
			if _, err := tx.ExecContext(ctx, `UPDATE publish_attempts SET finished_at = $1, outcome = 'unknown',
				detail = 'the node publishing it stopped before the outcome was known' WHERE finished_at = 0 AND delivery_id IN (`+in+`)`,
				append([]any{us(now)}, args...)...); err != nil {
				return err
			}
		}
		// The call starts at the due time, or now if that has passed.
		start := `(CASE WHEN next_at > $1 THEN next_at ELSE $1 END)`
		in, args := inList(ids, 5)
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'sending', lease_owner = $2, lease_until = `+start+` + $3,
			attempts = attempts + 1, unsure = CASE WHEN status = 'sending' THEN 1 ELSE unsure END,
			first_attempt_at = CASE WHEN first_attempt_at = 0 THEN `+start+` ELSE first_attempt_at END, updated_at = $4
			WHERE id IN (`+in+`)`, append([]any{us(now), node, lease.Microseconds(), us(now)}, args...)...); err != nil {
			return err
		}
		values := make([]string, len(picked))
		attemptArgs := make([]any, 0, 5*len(picked))
		attemptIDs := map[string]string{}
		for i, r := range picked {
			id := newID()
			attemptIDs[r.id] = id
			values[i] = fmt.Sprintf("($%d, $%d, $%d, $%d, $%d)", 5*i+1, 5*i+2, 5*i+3, 5*i+4, 5*i+5)
			attemptArgs = append(attemptArgs, id, r.id, r.attempt+1, node, max(r.next, us(now)))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO publish_attempts (id, delivery_id, number, node, started_at) VALUES `+
			strings.Join(values, ", "), attemptArgs...); err != nil {
			return err
		}
		in, args = inList(ids, 1)
		rows, err := tx.QueryContext(ctx, `SELECT `+prefixed("d.", deliveryColumns)+`, p.content
			FROM deliveries d JOIN posts p ON p.id = d.post_id WHERE d.id IN (`+in+`) ORDER BY d.next_at`, args...)
		if err != nil {
			return err
		}
		accounts := map[string]portavoce.SocialAccount{}
		for rows.Next() {
			var content string
			d, err := scanDelivery(extra{rows, []any{&content}})
			if err != nil {
				rows.Close()
				return err
			}
			c := Claim{Delivery: d, AttemptID: attemptIDs[d.ID], Start: fromUS(max(us(d.NextAt), us(now))), Check: d.Unsure}
			if err := json.Unmarshal([]byte(content), &c.Content); err != nil {
				rows.Close()
				return fmt.Errorf("store: post %s: content: %w", d.PostID, err)
			}
			accounts[d.AccountID] = portavoce.SocialAccount{}
			claims = append(claims, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		accountIDs := make([]string, 0, len(accounts))
		for id := range accounts {
			accountIDs = append(accountIDs, id)
		}
		in, args = inList(accountIDs, 1)
		arows, err := tx.QueryContext(ctx, `SELECT `+socialAccountColumns+` FROM social_accounts WHERE id IN (`+in+`)`, args...)
		if err != nil {
			return err
		}
		for arows.Next() {
			a, err := scanSocialAccount(arows)
			if err != nil {
				arows.Close()
				return err
			}
			accounts[a.ID] = a
		}
		arows.Close()
		if err := arows.Err(); err != nil {
			return err
		}
		for i := range claims {
			claims[i].Account = accounts[claims[i].Delivery.AccountID]
		}
		return nil
	})
	return claims, err
}

// inList returns "$first, $first+1, ..." for the values, and the values as
// arguments.
func inList(values []string, first int) (string, []any) {
	marks := make([]string, len(values))
	args := make([]any, len(values))
	for i, v := range values {
		marks[i] = fmt.Sprintf("$%d", first+i)
		args[i] = v
	}
	return strings.Join(marks, ", "), args
}

// extra scans a row into a scanner's own columns plus more.
type extra struct {
	row  scanner
	more []any
}

func (e extra) Scan(dest ...any) error { return e.row.Scan(append(dest, e.more...)...) }

// prefixed qualifies each column of a list with a table alias.
func prefixed(alias, columns string) string {
	parts := strings.Split(columns, ",")
	for i, c := range parts {
		parts[i] = alias + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// SaveProgress stores the parts a network accepted, the moment it did, if
// node still holds the delivery.
func (db *DB) SaveProgress(ctx context.Context, deliveryID, node string, done []portavoce.PublishedPart, at time.Time) error {
	res, err := db.write.ExecContext(ctx, `UPDATE deliveries SET done = $1, updated_at = $2
		WHERE id = $3 AND lease_owner = $4 AND status = 'sending'`, mustJSON(done), us(at), deliveryID, node)
	if err != nil {
		return wrap(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrLeaseLost
	}
	return nil
}

// Finish is the end of an attempt: the delivery's new state, the attempt's
// outcome, and what else changes with it, written together.
type Finish struct {
	DeliveryID string
	AttemptID  string
	Node       string
	// Status is the delivery's new status; NextAt matters when it is
	// scheduled again.
	Status string
	NextAt time.Time
	// Done, when not nil, replaces the accepted parts (after a check).
	Done        []portavoce.PublishedPart
	Failures    int
	Unsure      bool
	ErrorKind   string
	Error       string
	PublishedAt time.Time
	RemoteURL   string
	// Outcome and Detail complete the attempt's record.
	Outcome string
	Detail  string
	At      time.Time
	// Notify, when set, is recorded once per delivery and kind.
	Notify *portavoce.Notification
	// AccountStatus, when set, changes the account's health; with
	// "expired" every scheduled delivery of the account waits for the
	// reconnection, with "rate_limited" none is tried before AccountUntil.
	AccountStatus string
	AccountDetail string
	AccountUntil  time.Time
}

// FinishAttempts records several attempts' ends in one transaction (one
// commit for many posts when many are due together). Each gets its own
// answer: ErrLeaseLost for a delivery the node no longer holds, which
// changes nothing; a failure of the transaction is everyone's.
func (db *DB) FinishAttempts(ctx context.Context, fs []Finish) []error {
	errs := make([]error, len(fs))
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for i, f := range fs {
			lost, err := finishIn(ctx, tx, f)
			if err != nil {
				return err
			}
			if lost {
				errs[i] = ErrLeaseLost
			}
		}
		return nil
	})
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
	}
	return errs
}

// finishIn applies one Finish inside tx; lost is true when node no longer
// holds the delivery.
func finishIn(ctx context.Context, tx *sql.Tx, f Finish) (lost bool, err error) {
	q := `UPDATE deliveries SET status = $1, next_at = $2, failures = $3, unsure = $4, error_kind = $5, error_message = $6,
		published_at = $7, remote_url = $8, lease_owner = '', lease_until = 0, updated_at = $9`
	unsure := 0
	if f.Unsure {
		unsure = 1
	}
	args := []any{f.Status, us(f.NextAt), f.Failures, unsure, f.ErrorKind, clipLong(f.Error), us(f.PublishedAt), f.RemoteURL, us(f.At)}
	if f.Done != nil {
		args = append(args, mustJSON(f.Done))
		q += `, done = $10`
	}
	args = append(args, f.DeliveryID, f.Node)
	q += fmt.Sprintf(` WHERE id = $%d AND lease_owner = $%d AND status = 'sending'`, len(args)-1, len(args))
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return true, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE publish_attempts SET finished_at = $1, outcome = $2, detail = $3 WHERE id = $4`,
		us(f.At), f.Outcome, clipLong(f.Detail), f.AttemptID); err != nil {
		return false, err
	}
	if f.Notify != nil {
		if err := insertNotification(ctx, tx, *f.Notify); err != nil {
			return false, err
		}
	}
	if f.AccountStatus == "" {
		return false, nil
	}
	var accountID string
	if err := tx.QueryRowContext(ctx, `SELECT account_id FROM deliveries WHERE id = $1`, f.DeliveryID).Scan(&accountID); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE social_accounts SET status = $1, status_detail = $2, rate_limited_until = $3, updated_at = $4
		WHERE id = $5`, f.AccountStatus, clipLong(f.AccountDetail), us(f.AccountUntil), us(f.At), accountID); err != nil {
		return false, err
	}
	switch f.AccountStatus {
	case portavoce.AccountExpired:
		_, err = tx.ExecContext(ctx, `UPDATE deliveries SET status = 'waiting_account', updated_at = $1
			WHERE account_id = $2 AND status = 'scheduled'`, us(f.At), accountID)
	case portavoce.AccountRateLimited:
		_, err = tx.ExecContext(ctx, `UPDATE deliveries SET next_at = $1, updated_at = $2
			WHERE account_id = $3 AND status = 'scheduled' AND next_at < $1`, us(f.AccountUntil), us(f.At), accountID)
	}
	return false, err
}

// clipLong bounds a network's message kept in the database.
func clipLong(s string) string { return clipTo(s, 2000) }

// RenewLeases extends node's hold on the deliveries it is sending.
func (db *DB) RenewLeases(ctx context.Context, node string, until time.Time) error {
	_, err := db.write.ExecContext(ctx, `UPDATE deliveries SET lease_until = $1 WHERE lease_owner = $2 AND status = 'sending' AND lease_until < $1`,
		us(until), node)
	return wrap(err)
}

// ExpireAllLeases ends every lease at once. On SQLite only one process runs
// at a time, so at start-up every delivery still marked as sending belongs
// to a process that died: it is taken again at once, and checked.
func (db *DB) ExpireAllLeases(ctx context.Context) error {
	_, err := db.write.ExecContext(ctx, `UPDATE deliveries SET lease_until = 0 WHERE status = 'sending'`)
	return wrap(err)
}

func insertNotification(ctx context.Context, tx *sql.Tx, n portavoce.Notification) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO notifications (id, workspace_id, kind, post_id, delivery_id, account, detail, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
		n.ID, n.WorkspaceID, n.Kind, n.PostID, n.DeliveryID, n.Account, clipLong(n.Detail), us(n.CreatedAt))
	return err
}

// AddNotification records a notification (once per delivery and kind).
func (db *DB) AddNotification(ctx context.Context, n portavoce.Notification) error {
	return db.tx(ctx, func(tx *sql.Tx) error { return insertNotification(ctx, tx, n) })
}

const notificationColumns = `id, workspace_id, kind, post_id, delivery_id, account, detail, created_at, emailed_at`

func scanNotification(row scanner) (portavoce.Notification, error) {
	var n portavoce.Notification
	var c, e int64
	err := row.Scan(&n.ID, &n.WorkspaceID, &n.Kind, &n.PostID, &n.DeliveryID, &n.Account, &n.Detail, &c, &e)
	n.CreatedAt, n.EmailedAt = fromUS(c), fromUS(e)
	return n, wrap(err)
}

func (db *DB) notifications(ctx context.Context, q string, args ...any) ([]portavoce.Notification, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []portavoce.Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, wrap(rows.Err())
}

// Notifications lists a workspace's notifications, newest first.
func (db *DB) Notifications(ctx context.Context, workspaceID string, limit int) ([]portavoce.Notification, error) {
	return db.notifications(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE workspace_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2`, workspaceID, limit)
}

// UnsentNotifications lists notifications not yet emailed, oldest first.
func (db *DB) UnsentNotifications(ctx context.Context, limit int) ([]portavoce.Notification, error) {
	return db.notifications(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE emailed_at = 0
		ORDER BY created_at, id LIMIT $1`, limit)
}

// MarkEmailed records that a notification was emailed; it returns false if
// another node did it first, so that each is sent once.
func (db *DB) MarkEmailed(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := db.write.ExecContext(ctx, `UPDATE notifications SET emailed_at = $1 WHERE id = $2 AND emailed_at = 0`, us(at), id)
	if err != nil {
		return false, wrap(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// WorkspaceEmails lists the addresses of a workspace's members who hold
// one of the roles, for notifications.
func (db *DB) WorkspaceEmails(ctx context.Context, workspaceID string, roles []portavoce.Role) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT u.email, m.role FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.workspace_id = $1 ORDER BY u.email`, workspaceID)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var email string
		var role portavoce.Role
		if err := rows.Scan(&email, &role); err != nil {
			return nil, wrap(err)
		}
		for _, r := range roles {
			if r == role {
				out = append(out, email)
				break
			}
		}
	}
	return out, wrap(rows.Err())
}

// UnmarkEmailed puts a notification back in the queue after a failed send.
func (db *DB) UnmarkEmailed(ctx context.Context, id string) error {
	_, err := db.write.ExecContext(ctx, `UPDATE notifications SET emailed_at = 0 WHERE id = $1`, id)
	return wrap(err)
}

// NotifyOverdue records a notification for each delivery still waiting more
// than grace after its due time (a rate limit that lasts, a server that was
// down), once per delivery: no post is late in silence. It returns how many
// were recorded.
func (db *DB) NotifyOverdue(ctx context.Context, now time.Time, grace time.Duration) (int, error) {
	res, err := db.write.ExecContext(ctx, `INSERT INTO notifications (id, workspace_id, kind, post_id, delivery_id, account, detail, created_at)
		SELECT d.id || ':overdue', d.workspace_id, 'overdue', d.post_id, d.id,
			'@' || a.handle || ' (' || CASE a.network WHEN 'mastodon' THEN 'Mastodon' WHEN 'bluesky' THEN 'Bluesky' ELSE a.network END || ')',
			CASE WHEN d.error_message <> '' THEN d.error_message ELSE '' END, $1
		FROM deliveries d JOIN social_accounts a ON a.id = d.account_id
		WHERE d.status IN ('scheduled', 'sending') AND d.due_at < $2
		ON CONFLICT DO NOTHING`, us(now), us(now.Add(-grace)))
	if err != nil {
		return 0, wrap(err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
