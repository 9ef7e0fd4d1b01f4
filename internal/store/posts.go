package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/portavoce/portavoce"
)

// InsertMedia stores an uploaded file.
func (db *DB) InsertMedia(ctx context.Context, m portavoce.Media) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO media (id, workspace_id, filename, content_type, size, width, height, sha256,
		data, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		m.ID, m.WorkspaceID, m.Filename, m.ContentType, m.Size, m.Width, m.Height, m.SHA256, m.Data, m.CreatedBy, us(m.CreatedAt))
	return wrap(err)
}

const mediaColumns = `id, workspace_id, filename, content_type, size, width, height, sha256, created_by, created_at`

func scanMedia(row scanner, withData bool) (portavoce.Media, error) {
	var m portavoce.Media
	var c int64
	dest := []any{&m.ID, &m.WorkspaceID, &m.Filename, &m.ContentType, &m.Size, &m.Width, &m.Height, &m.SHA256, &m.CreatedBy, &c}
	if withData {
		dest = append(dest, &m.Data)
	}
	err := row.Scan(dest...)
	m.CreatedAt = fromUS(c)
	return m, wrap(err)
}

// Media returns one of a workspace's files with its bytes, or not found.
func (db *DB) Media(ctx context.Context, workspaceID, id string) (portavoce.Media, error) {
	return scanMedia(db.read.QueryRowContext(ctx, `SELECT `+mediaColumns+`, data FROM media WHERE workspace_id = $1 AND id = $2`,
		workspaceID, id), true)
}

// MediaInfo returns a workspace's files without their bytes, by id; ids
// that are not the workspace's are left out.
func (db *DB) MediaInfo(ctx context.Context, workspaceID string, ids []string) (map[string]portavoce.Media, error) {
	out := map[string]portavoce.Media{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := inList(ids, 2)
	rows, err := db.read.QueryContext(ctx, `SELECT `+mediaColumns+` FROM media WHERE workspace_id = $1 AND id IN (`+in+`)`,
		append([]any{workspaceID}, args...)...)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMedia(rows, false)
		if err != nil {
			return nil, err
		}
		out[m.ID] = m
	}
	return out, wrap(rows.Err())
}

const postColumns = `id, workspace_id, created_by, state, content, scheduled_at, created_at, updated_at`

func scanPost(row scanner) (portavoce.Post, error) {
	var p portavoce.Post
	var content string
	var s, c, u int64
	if err := row.Scan(&p.ID, &p.WorkspaceID, &p.CreatedBy, &p.State, &content, &s, &c, &u); err != nil {
		return p, wrap(err)
	}
	p.ScheduledAt, p.CreatedAt, p.UpdatedAt = fromUS(s), fromUS(c), fromUS(u)
	if err := json.Unmarshal([]byte(content), &p.Content); err != nil {
		return p, fmt.Errorf("store: post %s: content: %w", p.ID, err)
	}
	return p, nil
}

const deliveryColumns = `id, post_id, workspace_id, account_id, status, due_at, next_at, keys, done, attempts, failures, unsure,
	lease_owner, lease_until, first_attempt_at, published_at, remote_url, error_kind, error_message, updated_at`

func scanDelivery(row scanner) (portavoce.Delivery, error) {
	var d portavoce.Delivery
	var keys, done string
	var unsure int
	var due, next, lease, first, pub, upd int64
	err := row.Scan(&d.ID, &d.PostID, &d.WorkspaceID, &d.AccountID, &d.Status, &due, &next, &keys, &done, &d.Attempts,
		&d.Failures, &unsure, &d.LeaseOwner, &lease, &first, &pub, &d.RemoteURL, &d.ErrorKind, &d.Error, &upd)
	if err != nil {
		return d, wrap(err)
	}
	d.DueAt, d.NextAt, d.LeaseUntil, d.FirstTry, d.PublishedAt, d.UpdatedAt = fromUS(due), fromUS(next), fromUS(lease),
		fromUS(first), fromUS(pub), fromUS(upd)
	d.Unsure = unsure != 0
	if err := json.Unmarshal([]byte(keys), &d.Keys); err != nil {
		return d, fmt.Errorf("store: delivery %s: keys: %w", d.ID, err)
	}
	if err := json.Unmarshal([]byte(done), &d.Done); err != nil {
		return d, fmt.Errorf("store: delivery %s: done: %w", d.ID, err)
	}
	return d, nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func insertDelivery(ctx context.Context, tx *sql.Tx, d portavoce.Delivery) error {
	if d.Done == nil {
		d.Done = []portavoce.PublishedPart{}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO deliveries (id, post_id, workspace_id, account_id, status, due_at, next_at, keys, done,
		updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		d.ID, d.PostID, d.WorkspaceID, d.AccountID, d.Status, us(d.DueAt), us(d.NextAt), mustJSON(d.Keys), mustJSON(d.Done), us(d.UpdatedAt))
	return err
}

// CreatePost stores a post and its deliveries in one transaction: a post is
// never half-scheduled.
func (db *DB) CreatePost(ctx context.Context, p portavoce.Post) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		conversation := ""
		if p.Content.Reply != nil {
			conversation = p.Content.Reply.ConversationID
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO posts (`+postColumns+`, conversation_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			p.ID, p.WorkspaceID, p.CreatedBy, p.State, mustJSON(p.Content), us(p.ScheduledAt), us(p.CreatedAt), us(p.UpdatedAt), conversation)
		if err != nil {
			return err
		}
		for _, d := range p.Deliveries {
			if err := insertDelivery(ctx, tx, d); err != nil {
				return err
			}
		}
		return nil
	})
}

// ScheduleDraft gives a draft its content, time and deliveries, if it is
// still a draft.
func (db *DB) ScheduleDraft(ctx context.Context, p portavoce.Post) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE posts SET state = $1, content = $2, scheduled_at = $3, updated_at = $4
			WHERE workspace_id = $5 AND id = $6 AND state = 'draft'`,
			p.State, mustJSON(p.Content), us(p.ScheduledAt), us(p.UpdatedAt), p.WorkspaceID, p.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return portavoce.Errorf(portavoce.ECodeConflict, "this post is no longer a draft: reload the page")
		}
		for _, d := range p.Deliveries {
			if err := insertDelivery(ctx, tx, d); err != nil {
				return err
			}
		}
		return nil
	})
}

// UpdateDraft replaces a draft's content.
func (db *DB) UpdateDraft(ctx context.Context, workspaceID, id string, content portavoce.PostContent, at time.Time) error {
	res, err := db.write.ExecContext(ctx, `UPDATE posts SET content = $1, updated_at = $2 WHERE workspace_id = $3 AND id = $4 AND state = 'draft'`,
		mustJSON(content), us(at), workspaceID, id)
	if err != nil {
		return wrap(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return portavoce.Errorf(portavoce.ECodeConflict, "this post is no longer a draft: reload the page")
	}
	return nil
}

// Post returns one of a workspace's posts with its deliveries.
func (db *DB) Post(ctx context.Context, workspaceID, id string) (portavoce.Post, error) {
	p, err := scanPost(db.read.QueryRowContext(ctx, `SELECT `+postColumns+` FROM posts WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	if err != nil {
		return p, err
	}
	ds, err := db.deliveriesOf(ctx, []string{p.ID})
	p.Deliveries = ds[p.ID]
	return p, err
}

func (db *DB) deliveriesOf(ctx context.Context, postIDs []string) (map[string][]portavoce.Delivery, error) {
	out := map[string][]portavoce.Delivery{}
	for start := 0; start < len(postIDs); start += 500 {
		in, args := inList(postIDs[start:min(start+500, len(postIDs))], 1)
		rows, err := db.read.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE post_id IN (`+in+`)
			ORDER BY due_at, account_id`, args...)
		if err != nil {
			return nil, wrap(err)
		}
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[d.PostID] = append(out[d.PostID], d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, wrap(err)
		}
	}
	return out, nil
}

// PostFilter selects posts for the calendar and the API.
type PostFilter struct {
	// From and To bound the scheduled time (To excluded); zero means open.
	From, To time.Time
	// State keeps only posts in that state ("draft", "scheduled"...).
	State string
	Limit int
}

// Posts lists a workspace's posts by scheduled time, with their deliveries.
// Drafts have no time and are listed only when asked for by state.
func (db *DB) Posts(ctx context.Context, workspaceID string, f PostFilter) ([]portavoce.Post, error) {
	// Replies from the inbox are posts too, but they live in their
	// conversations, not on the calendar.
	q := `SELECT ` + postColumns + ` FROM posts WHERE workspace_id = $1 AND conversation_id = ''`
	args := []any{workspaceID}
	if !f.From.IsZero() {
		args = append(args, us(f.From))
		q += fmt.Sprintf(" AND scheduled_at >= $%d", len(args))
	}
	if !f.To.IsZero() {
		args = append(args, us(f.To))
		q += fmt.Sprintf(" AND scheduled_at < $%d", len(args))
	}
	if f.State != "" {
		args = append(args, f.State)
		q += fmt.Sprintf(" AND state = $%d", len(args))
	} else {
		q += " AND state <> 'draft'"
	}
	if f.Limit <= 0 || f.Limit > 2000 {
		f.Limit = 2000
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(" ORDER BY scheduled_at, id LIMIT $%d", len(args))
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap(err)
	}
	var posts []portavoce.Post
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		posts = append(posts, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap(err)
	}
	ids := make([]string, len(posts))
	for i, p := range posts {
		ids[i] = p.ID
	}
	ds, err := db.deliveriesOf(ctx, ids)
	for i := range posts {
		posts[i].Deliveries = ds[posts[i].ID]
	}
	return posts, err
}

// ReschedulePost moves a post's deliveries that have not started to a new
// time. Deliveries already attempted keep their course; if none can move,
// the answer says why.
func (db *DB) ReschedulePost(ctx context.Context, workspaceID, id string, at, now time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET due_at = $1, next_at = $1, updated_at = $2
			WHERE workspace_id = $3 AND post_id = $4 AND status IN ('scheduled', 'waiting_account') AND attempts = 0`,
			us(at), us(now), workspaceID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notMovable(ctx, tx, workspaceID, id)
		}
		_, err = tx.ExecContext(ctx, `UPDATE posts SET scheduled_at = $1, updated_at = $2 WHERE id = $3`, us(at), us(now), id)
		return err
	})
}

// notMovable explains why a post has nothing left to reschedule or cancel.
func notMovable(ctx context.Context, tx *sql.Tx, workspaceID, id string) error {
	var state string
	if err := tx.QueryRowContext(ctx, `SELECT state FROM posts WHERE workspace_id = $1 AND id = $2`, workspaceID, id).Scan(&state); err != nil {
		return err
	}
	switch state {
	case portavoce.PostDraft:
		return portavoce.Errorf(portavoce.ECodeConflict, "this post is a draft: schedule it first")
	case portavoce.PostCancelled:
		return portavoce.Errorf(portavoce.ECodeConflict, "this post was cancelled: duplicate it to schedule it again")
	}
	return portavoce.Errorf(portavoce.ECodeConflict, "this post has already gone out (or is going out right now): it can no longer be changed")
}

// CancelPost cancels the deliveries of a post that have not started; those
// already published or in flight are not touched.
func (db *DB) CancelPost(ctx context.Context, workspaceID, id string, now time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'cancelled', updated_at = $1
			WHERE workspace_id = $2 AND post_id = $3 AND status IN ('scheduled', 'waiting_account') AND attempts = 0 AND unsure = 0`,
			us(now), workspaceID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var drafts int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM posts WHERE workspace_id = $1 AND id = $2 AND state = 'draft'`,
				workspaceID, id).Scan(&drafts); err != nil {
				return err
			}
			if drafts == 0 {
				return notMovable(ctx, tx, workspaceID, id)
			}
		}
		var left int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE post_id = $1 AND status <> 'cancelled'`, id).Scan(&left); err != nil {
			return err
		}
		if left == 0 {
			_, err = tx.ExecContext(ctx, `UPDATE posts SET state = 'cancelled', updated_at = $1 WHERE id = $2`, us(now), id)
		}
		return err
	})
}

// BusyTimes lists when an account already has something due in [from, to):
// the queue uses it to find the next free slot.
func (db *DB) BusyTimes(ctx context.Context, accountID string, from, to time.Time) (map[int64]bool, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT due_at FROM deliveries WHERE account_id = $1 AND due_at >= $2 AND due_at < $3
		AND status NOT IN ('cancelled', 'failed')`, accountID, us(from), us(to))
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, wrap(err)
		}
		out[v] = true
	}
	return out, wrap(rows.Err())
}

// SetQueueSlots replaces an account's weekly queue times.
func (db *DB) SetQueueSlots(ctx context.Context, accountID string, slots []portavoce.QueueSlot) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM queue_slots WHERE account_id = $1`, accountID); err != nil {
			return err
		}
		for _, s := range slots {
			if _, err := tx.ExecContext(ctx, `INSERT INTO queue_slots (account_id, weekday, minute) VALUES ($1, $2, $3)
				ON CONFLICT DO NOTHING`, accountID, int(s.Weekday), s.Minute); err != nil {
				return err
			}
		}
		return nil
	})
}

// QueueSlots returns the weekly queue times of a workspace's accounts.
func (db *DB) QueueSlots(ctx context.Context, workspaceID string) ([]portavoce.QueueSlot, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT q.account_id, q.weekday, q.minute FROM queue_slots q
		JOIN social_accounts a ON a.id = q.account_id WHERE a.workspace_id = $1 ORDER BY q.account_id, q.weekday, q.minute`, workspaceID)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []portavoce.QueueSlot
	for rows.Next() {
		var s portavoce.QueueSlot
		var wd int
		if err := rows.Scan(&s.AccountID, &wd, &s.Minute); err != nil {
			return nil, wrap(err)
		}
		s.Weekday = time.Weekday(wd)
		out = append(out, s)
	}
	return out, wrap(rows.Err())
}

// Attempts lists a delivery's publish attempts, oldest first.
func (db *DB) Attempts(ctx context.Context, deliveryID string) ([]portavoce.PublishAttempt, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, delivery_id, number, node, started_at, finished_at, outcome, detail
		FROM publish_attempts WHERE delivery_id = $1 ORDER BY number`, deliveryID)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []portavoce.PublishAttempt
	for rows.Next() {
		var a portavoce.PublishAttempt
		var s, f int64
		if err := rows.Scan(&a.ID, &a.DeliveryID, &a.Number, &a.Node, &s, &f, &a.Outcome, &a.Detail); err != nil {
			return nil, wrap(err)
		}
		a.StartedAt, a.FinishedAt = fromUS(s), fromUS(f)
		out = append(out, a)
	}
	return out, wrap(rows.Err())
}

// ResolveDelivery settles a delivery whose outcome Portavoce could not
// establish, as a person decided after looking at the network: "published"
// (it is there) or "retry" (it is not: publish it again, now).
func (db *DB) ResolveDelivery(ctx context.Context, workspaceID, postID, deliveryID, action, by string, now time.Time) error {
	var q string
	switch action {
	case "published":
		q = `UPDATE deliveries SET status = 'published', published_at = $1, unsure = 0, error_kind = '',
			error_message = 'marked as published by ' || $2, updated_at = $1`
	case "retry":
		q = `UPDATE deliveries SET status = 'scheduled', next_at = $1, unsure = 0, failures = 0, error_kind = '',
			error_message = 'published again at the request of ' || $2, updated_at = $1`
	default:
		return portavoce.FieldError("action", "choose published (it is on the network) or retry (it is not: publish it again)")
	}
	res, err := db.write.ExecContext(ctx, q+` WHERE id = $3 AND post_id = $4 AND workspace_id = $5 AND status = 'needs_check'`,
		us(now), by, deliveryID, postID, workspaceID)
	if err != nil {
		return wrap(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var status string
		err := db.read.QueryRowContext(ctx, `SELECT status FROM deliveries WHERE id = $1 AND post_id = $2 AND workspace_id = $3`,
			deliveryID, postID, workspaceID).Scan(&status)
		if err != nil {
			return wrap(err)
		}
		return portavoce.Errorf(portavoce.ECodeConflict, "this post does not need checking any more: reload the page")
	}
	return nil
}
