package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/portavoce/portavoce"
)

// Arrival is one item fetched from a network, with the conversation it
// belongs to.
type Arrival struct {
	// Thread is the network's conversation key (provider.Item.Thread).
	Thread      string
	SubjectText string
	SubjectURL  string
	Item        portavoce.InboxItem
}

// Ingest stores what one fetch brought for an account, and the cursor to
// resume from, in one transaction: a crash repeats the fetch, and an item
// already stored (same account, same remote id) is kept once. It returns
// the conversations that changed.
func (db *DB) Ingest(ctx context.Context, acc portavoce.SocialAccount, arrivals []Arrival, cursor string, now time.Time) ([]string, error) {
	var changed []string
	err := db.tx(ctx, func(tx *sql.Tx) error {
		changed = changed[:0]
		convs := map[string]string{}
		for _, a := range arrivals {
			it := a.Item
			convID, ok := convs[a.Thread]
			if !ok {
				var err error
				if convID, err = conversationFor(ctx, tx, acc, a, now); err != nil {
					return err
				}
				convs[a.Thread] = convID
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO inbox_items (id, conversation_id, workspace_id, account_id, remote_id, kind,
				author_id, author_handle, author_name, author_avatar, author_url, author_followers, text, url, language, sentiment,
				reply, created_at, ingested_at, deleted_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
				ON CONFLICT (account_id, remote_id) DO NOTHING`,
				uuid.Must(uuid.NewV7()).String(), convID, acc.WorkspaceID, acc.ID, it.RemoteID, it.Kind,
				it.Author.RemoteID, clipTo(it.Author.Handle, 300), clipTo(it.Author.Name, 300), it.Author.AvatarURL, it.Author.URL,
				it.Author.Followers, clipTo(it.Text, 20000), it.URL, it.Language, it.Sentiment, it.Reply,
				us(it.CreatedAt), us(now), us(it.DeletedAt))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				if !it.DeletedAt.IsZero() {
					if err := markDeleted(ctx, tx, acc.ID, it.RemoteID, it.DeletedAt); err != nil {
						return err
					}
				}
				continue
			}
			if err := arrived(ctx, tx, convID, it, now); err != nil {
				return err
			}
			if !containsString(changed, convID) {
				changed = append(changed, convID)
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO inbox_cursors (account_id, cursor, last_poll_at, last_ok_at)
			VALUES ($1, $2, $3, $3)
			ON CONFLICT (account_id) DO UPDATE SET cursor = $2, last_poll_at = $3, last_ok_at = $3, failures = 0, error = ''`,
			acc.ID, cursor, us(now))
		return err
	})
	return changed, wrap(err)
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// conversationFor finds or creates the conversation of an arrival.
func conversationFor(ctx context.Context, tx *sql.Tx, acc portavoce.SocialAccount, a Arrival, now time.Time) (string, error) {
	var id, subject string
	err := tx.QueryRowContext(ctx, `SELECT id, subject_text FROM inbox_conversations WHERE account_id = $1 AND thread = $2`,
		acc.ID, a.Thread).Scan(&id, &subject)
	switch {
	case err == nil:
		if subject == "" && a.SubjectText != "" {
			_, err = tx.ExecContext(ctx, `UPDATE inbox_conversations SET subject_text = $1, subject_url = $2 WHERE id = $3`,
				clipTo(a.SubjectText, 2000), a.SubjectURL, id)
		}
		return id, err
	case err != sql.ErrNoRows:
		return "", err
	}
	id = uuid.Must(uuid.NewV7()).String()
	_, err = tx.ExecContext(ctx, `INSERT INTO inbox_conversations (id, workspace_id, account_id, network, thread, kind,
		subject_text, subject_url, status, last_item_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'new', $9, $10, $10)`,
		id, acc.WorkspaceID, acc.ID, acc.Network, a.Thread, a.Item.Kind, clipTo(a.SubjectText, 2000), a.SubjectURL,
		us(a.Item.CreatedAt), us(now))
	return id, err
}

// arrived updates a conversation for a new item. Anything but a repost
// asks for an answer: it reopens a conversation that was done, waiting or
// snoozed, and starts the first-response timer if it was not running.
func arrived(ctx context.Context, tx *sql.Tx, convID string, it portavoce.InboxItem, now time.Time) error {
	if it.Kind == "repost" {
		_, err := tx.ExecContext(ctx, `UPDATE inbox_conversations SET items = items + 1,
			last_item_at = CASE WHEN last_item_at < $1 THEN $1 ELSE last_item_at END, updated_at = $2 WHERE id = $3`,
			us(it.CreatedAt), us(now), convID)
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE inbox_conversations SET items = items + 1, kind = $1,
		contact_id = $2, contact_handle = $3, contact_name = $4, contact_avatar = $5, contact_url = $6, contact_followers = $7,
		preview = $8, sentiment = $9, language = $10,
		last_item_at = CASE WHEN last_item_at < $11 THEN $11 ELSE last_item_at END,
		status = CASE WHEN status IN ('done', 'waiting', 'snoozed') THEN 'open' ELSE status END,
		snoozed_until = 0,
		waiting_since = CASE WHEN waiting_since = 0 THEN $11 ELSE waiting_since END,
		updated_at = $12
		WHERE id = $13`,
		it.Kind, it.Author.RemoteID, clipTo(it.Author.Handle, 300), clipTo(it.Author.Name, 300), it.Author.AvatarURL,
		it.Author.URL, it.Author.Followers, clipTo(it.Text, 280), it.Sentiment, it.Language, us(it.CreatedAt), us(now), convID)
	return err
}

func markDeleted(ctx context.Context, tx *sql.Tx, accountID, remoteID string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE inbox_items SET deleted_at = $1 WHERE account_id = $2 AND remote_id = $3 AND deleted_at = 0`,
		us(at), accountID, remoteID)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE inbox_conversations SET updated_at = $1
		WHERE id = (SELECT conversation_id FROM inbox_items WHERE account_id = $2 AND remote_id = $3)`, us(at), accountID, remoteID)
	return err
}

// MarkItemDeleted records that the network deleted a post: it stays in the
// conversation, shown as deleted.
func (db *DB) MarkItemDeleted(ctx context.Context, accountID, remoteID string, at time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error { return markDeleted(ctx, tx, accountID, remoteID, at) })
}

// ConversationFilter selects conversations for an inbox view.
type ConversationFilter struct {
	// Statuses keeps these states; empty means all but done.
	Statuses  []string
	Network   string
	AccountID string
	Kind      string
	// Assignee is a user id, "none" for unassigned, "" for anyone.
	Assignee string
	// Sentiment is "negative", "neutral" or "positive".
	Sentiment string
	Language  string
	Tag       string
	// OverdueBefore keeps conversations waiting since before it.
	OverdueBefore time.Time
	// Before pages: conversations whose last item is older than the
	// given conversation's.
	BeforeAt time.Time
	BeforeID string
	Limit    int
}

// SentimentThreshold is the score beyond which a conversation counts as
// positive or negative in filters.
const SentimentThreshold = 0.05

// from returns the FROM and WHERE clauses that select f's conversations
// (as c).
func (f ConversationFilter) from(workspaceID string) (string, []any) {
	q := ` FROM inbox_conversations c`
	args := []any{workspaceID}
	if f.Tag != "" {
		// The tag's conversations lead: a rare tag would otherwise mean
		// going through the whole workspace to fill a page. A conversation
		// has a tag once (the key), so the join repeats none.
		args = append(args, f.Tag)
		q += ` JOIN inbox_tags t ON t.conversation_id = c.id AND t.workspace_id = $1 AND t.tag = $2`
	}
	q += ` WHERE c.workspace_id = $1`
	add := func(cond string, v any) {
		args = append(args, v)
		q += " AND " + strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args)))
	}
	if len(f.Statuses) > 0 {
		in, inArgs := inList(f.Statuses, len(args)+1)
		args = append(args, inArgs...)
		q += " AND c.status IN (" + in + ")"
	} else {
		q += " AND c.status <> 'done'"
	}
	if f.Network != "" {
		add("c.network = ?", f.Network)
	}
	if f.AccountID != "" {
		add("c.account_id = ?", f.AccountID)
	}
	if f.Kind != "" {
		add("c.kind = ?", f.Kind)
	}
	switch f.Assignee {
	case "":
	case "none":
		q += " AND c.assignee_id = ''"
	default:
		add("c.assignee_id = ?", f.Assignee)
	}
	switch f.Sentiment {
	case "negative":
		add("c.sentiment <= ?", -SentimentThreshold)
	case "positive":
		add("c.sentiment >= ?", SentimentThreshold)
	case "neutral":
		add("c.sentiment > ?", -SentimentThreshold)
		add("c.sentiment < ?", SentimentThreshold)
	}
	if f.Language != "" {
		add("c.language = ?", f.Language)
	}
	if !f.OverdueBefore.IsZero() {
		add("c.waiting_since > 0 AND c.waiting_since < ?", us(f.OverdueBefore))
	}
	return q, args
}

const conversationColumns = `c.id, c.workspace_id, c.account_id, c.network, c.thread, c.kind, c.subject_text, c.subject_url,
	c.contact_id, c.contact_handle, c.contact_name, c.contact_avatar, c.contact_url, c.contact_followers, c.preview, c.status,
	c.snoozed_until, c.assignee_id, c.sentiment, c.language, c.items, c.last_item_at, c.waiting_since, c.first_response_at,
	c.created_at, c.updated_at`

func scanConversation(row scanner) (portavoce.Conversation, error) {
	var c portavoce.Conversation
	var snoozed, last, waiting, first, created, updated int64
	err := row.Scan(&c.ID, &c.WorkspaceID, &c.AccountID, &c.Network, &c.Thread, &c.Kind, &c.SubjectText, &c.SubjectURL,
		&c.Contact.RemoteID, &c.Contact.Handle, &c.Contact.Name, &c.Contact.AvatarURL, &c.Contact.URL, &c.Contact.Followers,
		&c.Preview, &c.Status, &snoozed, &c.AssigneeID, &c.Sentiment, &c.Language, &c.Items, &last, &waiting, &first,
		&created, &updated)
	c.SnoozedUntil, c.LastItemAt, c.WaitingSince, c.FirstResponseAt = fromUS(snoozed), fromUS(last), fromUS(waiting), fromUS(first)
	c.CreatedAt, c.UpdatedAt = fromUS(created), fromUS(updated)
	c.Tags = []string{}
	return c, wrap(err)
}

// Conversations lists a workspace's conversations, the latest activity
// first, with their tags.
func (db *DB) Conversations(ctx context.Context, workspaceID string, f ConversationFilter) ([]portavoce.Conversation, error) {
	clauses, args := f.from(workspaceID)
	if !f.BeforeAt.IsZero() {
		args = append(args, us(f.BeforeAt), f.BeforeID)
		clauses += fmt.Sprintf(" AND (c.last_item_at < $%d OR (c.last_item_at = $%d AND c.id < $%d))", len(args)-1, len(args)-1, len(args))
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	args = append(args, f.Limit)
	rows, err := db.read.QueryContext(ctx, `SELECT `+conversationColumns+clauses+
		fmt.Sprintf(` ORDER BY c.last_item_at DESC, c.id DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, wrap(err)
	}
	var out []portavoce.Conversation
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap(err)
	}
	return out, db.withTags(ctx, out)
}

func (db *DB) withTags(ctx context.Context, convs []portavoce.Conversation) error {
	if len(convs) == 0 {
		return nil
	}
	ids := make([]string, len(convs))
	at := map[string]int{}
	for i, c := range convs {
		ids[i] = c.ID
		at[c.ID] = i
	}
	in, args := inList(ids, 1)
	rows, err := db.read.QueryContext(ctx, `SELECT conversation_id, tag FROM inbox_tags WHERE conversation_id IN (`+in+`) ORDER BY tag`, args...)
	if err != nil {
		return wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return wrap(err)
		}
		convs[at[id]].Tags = append(convs[at[id]].Tags, tag)
	}
	return wrap(rows.Err())
}

// ConversationCounts counts a workspace's conversations by state, for the
// inbox's counters; assignee limits it to one person's ("" for all).
func (db *DB) ConversationCounts(ctx context.Context, workspaceID, assignee string) (map[string]int, error) {
	q := `SELECT status, COUNT(*) FROM inbox_conversations WHERE workspace_id = $1`
	args := []any{workspaceID}
	if assignee != "" {
		q += ` AND assignee_id = $2`
		args = append(args, assignee)
	}
	rows, err := db.read.QueryContext(ctx, q+` GROUP BY status`, args...)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, wrap(err)
		}
		out[s] = n
	}
	return out, wrap(rows.Err())
}

// Conversation returns one of a workspace's conversations.
func (db *DB) Conversation(ctx context.Context, workspaceID, id string) (portavoce.Conversation, error) {
	c, err := scanConversation(db.read.QueryRowContext(ctx, `SELECT `+conversationColumns+` FROM inbox_conversations c
		WHERE c.workspace_id = $1 AND c.id = $2`, workspaceID, id))
	if err != nil {
		return c, err
	}
	list := []portavoce.Conversation{c}
	err = db.withTags(ctx, list)
	return list[0], err
}

const itemColumns = `id, conversation_id, workspace_id, account_id, remote_id, kind, author_id, author_handle, author_name,
	author_avatar, author_url, author_followers, text, url, language, sentiment, reply, created_at, ingested_at, deleted_at`

func scanItem(row scanner) (portavoce.InboxItem, error) {
	var it portavoce.InboxItem
	var created, ingested, deleted int64
	err := row.Scan(&it.ID, &it.ConversationID, &it.WorkspaceID, &it.AccountID, &it.RemoteID, &it.Kind, &it.Author.RemoteID,
		&it.Author.Handle, &it.Author.Name, &it.Author.AvatarURL, &it.Author.URL, &it.Author.Followers, &it.Text, &it.URL,
		&it.Language, &it.Sentiment, &it.Reply, &created, &ingested, &deleted)
	it.CreatedAt, it.IngestedAt, it.DeletedAt = fromUS(created), fromUS(ingested), fromUS(deleted)
	it.Direction = portavoce.DirectionIn
	return it, wrap(err)
}

// ConversationItems returns what arrived in a conversation and the
// replies the team sent (with their delivery status), oldest first.
func (db *DB) ConversationItems(ctx context.Context, workspaceID, convID string) ([]portavoce.InboxItem, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+itemColumns+` FROM inbox_items WHERE workspace_id = $1 AND conversation_id = $2
		ORDER BY created_at, id`, workspaceID, convID)
	if err != nil {
		return nil, wrap(err)
	}
	var items []portavoce.InboxItem
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		items = append(items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap(err)
	}
	replies, err := db.conversationReplies(ctx, workspaceID, convID)
	if err != nil {
		return nil, err
	}
	return mergeByTime(items, replies), nil
}

// conversationReplies turns the reply posts of a conversation into items.
func (db *DB) conversationReplies(ctx context.Context, workspaceID, convID string) ([]portavoce.InboxItem, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+postColumns+` FROM posts WHERE workspace_id = $1 AND conversation_id = $2
		ORDER BY created_at, id`, workspaceID, convID)
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
	if err != nil {
		return nil, err
	}
	out := make([]portavoce.InboxItem, 0, len(posts))
	for _, p := range posts {
		it := portavoce.InboxItem{ID: p.ID, ConversationID: convID, WorkspaceID: workspaceID, Kind: "reply",
			Direction: portavoce.DirectionOut, PostID: p.ID, SentBy: p.CreatedBy, CreatedAt: p.CreatedAt}
		if len(p.Content.Parts) > 0 {
			it.Text = p.Content.Parts[0].Text
		}
		if d := ds[p.ID]; len(d) > 0 {
			it.AccountID, it.Delivery = d[0].AccountID, d[0].Status
			if len(d[0].Done) > 0 {
				it.RemoteID, it.URL = d[0].Done[0].RemoteID, d[0].Done[0].URL
			}
		}
		out = append(out, it)
	}
	return out, nil
}

func mergeByTime(a, b []portavoce.InboxItem) []portavoce.InboxItem {
	out := make([]portavoce.InboxItem, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		if j == len(b) || (i < len(a) && !a[i].CreatedAt.After(b[j].CreatedAt)) {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	return out
}

// InboxItem returns one item of a workspace.
func (db *DB) InboxItem(ctx context.Context, workspaceID, id string) (portavoce.InboxItem, error) {
	return scanItem(db.read.QueryRowContext(ctx, `SELECT `+itemColumns+` FROM inbox_items WHERE workspace_id = $1 AND id = $2`,
		workspaceID, id))
}

// EarlierConversations counts the other conversations a person had with
// the account.
func (db *DB) EarlierConversations(ctx context.Context, accountID, authorID, exceptID string) (int, error) {
	if authorID == "" {
		return 0, nil
	}
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(DISTINCT conversation_id) FROM inbox_items
		WHERE account_id = $1 AND author_id = $2 AND conversation_id <> $3`, accountID, authorID, exceptID).Scan(&n)
	return n, wrap(err)
}

// UpdateConversation is a change the team makes to a conversation.
type UpdateConversation struct {
	Status       *string
	SnoozedUntil time.Time
	Assignee     *string
	// Replied starts the other side's turn: the state goes to waiting,
	// the first-response timer stops and the first response is recorded.
	Replied bool
}

// ChangeConversation applies u to a conversation of the workspace.
func (db *DB) ChangeConversation(ctx context.Context, workspaceID, id string, u UpdateConversation, now time.Time) error {
	set := []string{"updated_at = $3"}
	args := []any{workspaceID, id, us(now)}
	if u.Status != nil {
		args = append(args, *u.Status, us(u.SnoozedUntil))
		set = append(set, fmt.Sprintf("status = $%d, snoozed_until = $%d", len(args)-1, len(args)))
		if *u.Status == portavoce.ConversationDone {
			set = append(set, "waiting_since = 0")
		}
	}
	if u.Assignee != nil {
		args = append(args, *u.Assignee)
		set = append(set, fmt.Sprintf("assignee_id = $%d", len(args)))
	}
	if u.Replied {
		set = append(set, "status = 'waiting', snoozed_until = 0, waiting_since = 0",
			"first_response_at = CASE WHEN first_response_at = 0 THEN $3 ELSE first_response_at END")
	}
	res, err := db.write.ExecContext(ctx, `UPDATE inbox_conversations SET `+strings.Join(set, ", ")+
		` WHERE workspace_id = $1 AND id = $2`, args...)
	if err != nil {
		return wrap(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return portavoce.ErrNotFound
	}
	return nil
}

// SetConversationTags replaces a conversation's tags.
func (db *DB) SetConversationTags(ctx context.Context, workspaceID, id string, tags []string, now time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE inbox_conversations SET updated_at = $1 WHERE workspace_id = $2 AND id = $3`,
			us(now), workspaceID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return portavoce.ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM inbox_tags WHERE conversation_id = $1`, id); err != nil {
			return err
		}
		for _, t := range tags {
			if _, err := tx.ExecContext(ctx, `INSERT INTO inbox_tags (conversation_id, workspace_id, tag) VALUES ($1, $2, $3)
				ON CONFLICT DO NOTHING`, id, workspaceID, t); err != nil {
				return err
			}
		}
		return nil
	})
}

// WorkspaceTags lists the tags in use in a workspace.
func (db *DB) WorkspaceTags(ctx context.Context, workspaceID string) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT DISTINCT tag FROM inbox_tags WHERE workspace_id = $1 ORDER BY tag LIMIT 200`,
		workspaceID)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, wrap(err)
		}
		out = append(out, t)
	}
	return out, wrap(rows.Err())
}

// WakeSnoozed reopens the snoozed conversations whose time has come, and
// returns them by workspace.
func (db *DB) WakeSnoozed(ctx context.Context, now time.Time) (map[string][]string, error) {
	out := map[string][]string{}
	// Most of the time none is due: looked at on the read side first.
	var due bool
	if err := db.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM inbox_conversations
		WHERE status = 'snoozed' AND snoozed_until <= $1)`, us(now)).Scan(&due); err != nil || !due {
		return out, wrap(err)
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT workspace_id, id FROM inbox_conversations
			WHERE status = 'snoozed' AND snoozed_until <= $1`, us(now))
		if err != nil {
			return err
		}
		for rows.Next() {
			var ws, id string
			if err := rows.Scan(&ws, &id); err != nil {
				rows.Close()
				return err
			}
			out[ws] = append(out[ws], id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE inbox_conversations SET status = 'open', snoozed_until = 0, updated_at = $1
			WHERE status = 'snoozed' AND snoozed_until <= $1`, us(now))
		return err
	})
	return out, wrap(err)
}

// ChangedConversations returns the ids of a workspace's conversations
// changed after since, and the latest change time seen: what a live inbox
// page refreshes.
func (db *DB) ChangedConversations(ctx context.Context, workspaceID string, since time.Time) ([]string, time.Time, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, updated_at FROM inbox_conversations WHERE workspace_id = $1 AND updated_at > $2
		ORDER BY updated_at LIMIT 200`, workspaceID, us(since))
	if err != nil {
		return nil, since, wrap(err)
	}
	defer rows.Close()
	var ids []string
	latest := since
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			return nil, since, wrap(err)
		}
		ids = append(ids, id)
		if t := fromUS(at); t.After(latest) {
			latest = t
		}
	}
	return ids, latest, wrap(rows.Err())
}

// AddInboxNote stores a team note and queues an email for each colleague
// it mentions.
func (db *DB) AddInboxNote(ctx context.Context, workspaceID string, n portavoce.InboxNote) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE inbox_conversations SET updated_at = $1 WHERE workspace_id = $2 AND id = $3`,
			us(n.CreatedAt), workspaceID, n.ConversationID)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return portavoce.ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO inbox_notes (id, conversation_id, author_id, body, mentions, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, n.ID, n.ConversationID, n.AuthorID, n.Body, mustJSON(n.Mentions), us(n.CreatedAt)); err != nil {
			return err
		}
		for _, u := range n.Mentions {
			if err := queueInboxMail(ctx, tx, workspaceID, u, "mentioned", n.ConversationID, n.ID, n.CreatedAt); err != nil {
				return err
			}
		}
		return nil
	})
}

// InboxNotes lists a conversation's notes, oldest first, with their
// authors' names.
func (db *DB) InboxNotes(ctx context.Context, convID string) ([]portavoce.InboxNote, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT n.id, n.conversation_id, n.author_id, COALESCE(u.name, ''), n.body, n.mentions, n.created_at
		FROM inbox_notes n LEFT JOIN users u ON u.id = n.author_id WHERE n.conversation_id = $1 ORDER BY n.created_at, n.id`, convID)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []portavoce.InboxNote
	for rows.Next() {
		var n portavoce.InboxNote
		var mentions string
		var at int64
		if err := rows.Scan(&n.ID, &n.ConversationID, &n.AuthorID, &n.AuthorName, &n.Body, &mentions, &at); err != nil {
			return nil, wrap(err)
		}
		n.CreatedAt = fromUS(at)
		if err := json.Unmarshal([]byte(mentions), &n.Mentions); err != nil {
			return nil, fmt.Errorf("store: note %s: %w", n.ID, err)
		}
		out = append(out, n)
	}
	return out, wrap(rows.Err())
}

// AssignConversation gives a conversation to a colleague (or to nobody
// with ""), and queues the email that tells them.
func (db *DB) AssignConversation(ctx context.Context, workspaceID, id, userID, by string, now time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE inbox_conversations SET assignee_id = $1, updated_at = $2,
			status = CASE WHEN status = 'new' THEN 'open' ELSE status END WHERE workspace_id = $3 AND id = $4`,
			userID, us(now), workspaceID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return portavoce.ErrNotFound
		}
		if userID == "" || userID == by {
			return nil
		}
		return queueInboxMail(ctx, tx, workspaceID, userID, "assigned", id, by, now)
	})
}

func queueInboxMail(ctx context.Context, tx *sql.Tx, workspaceID, userID, kind, convID, detail string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO inbox_mail (id, workspace_id, user_id, kind, conversation_id, detail, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, uuid.Must(uuid.NewV7()).String(), workspaceID, userID, kind, convID, detail, us(at))
	return err
}

// InboxMail is an email to one colleague about a conversation.
type InboxMail struct {
	ID             string
	WorkspaceID    string
	UserID         string
	Kind           string
	ConversationID string
	// Detail is who assigned (a user id) or the note's id.
	Detail    string
	CreatedAt time.Time
}

// UnsentInboxMail lists the emails not yet sent, oldest first.
func (db *DB) UnsentInboxMail(ctx context.Context, limit int) ([]InboxMail, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, workspace_id, user_id, kind, conversation_id, detail, created_at
		FROM inbox_mail WHERE sent_at = 0 ORDER BY created_at, id LIMIT $1`, limit)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []InboxMail
	for rows.Next() {
		var m InboxMail
		var at int64
		if err := rows.Scan(&m.ID, &m.WorkspaceID, &m.UserID, &m.Kind, &m.ConversationID, &m.Detail, &at); err != nil {
			return nil, wrap(err)
		}
		m.CreatedAt = fromUS(at)
		out = append(out, m)
	}
	return out, wrap(rows.Err())
}

// MarkInboxMailSent claims an email for sending; false means another node
// has it. UnmarkInboxMailSent gives it back after a failure.
func (db *DB) MarkInboxMailSent(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := db.write.ExecContext(ctx, `UPDATE inbox_mail SET sent_at = $1 WHERE id = $2 AND sent_at = 0`, us(at), id)
	if err != nil {
		return false, wrap(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// UnmarkInboxMailSent makes an email unsent again, to be retried.
func (db *DB) UnmarkInboxMailSent(ctx context.Context, id string) error {
	_, err := db.write.ExecContext(ctx, `UPDATE inbox_mail SET sent_at = 0 WHERE id = $1`, id)
	return wrap(err)
}

// SavedReplies lists a workspace's saved replies by name.
func (db *DB) SavedReplies(ctx context.Context, workspaceID string) ([]portavoce.SavedReply, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, workspace_id, name, language, body, created_at, updated_at FROM saved_replies
		WHERE workspace_id = $1 ORDER BY name, language, id`, workspaceID)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []portavoce.SavedReply
	for rows.Next() {
		var r portavoce.SavedReply
		var c, u int64
		if err := rows.Scan(&r.ID, &r.WorkspaceID, &r.Name, &r.Language, &r.Body, &c, &u); err != nil {
			return nil, wrap(err)
		}
		r.CreatedAt, r.UpdatedAt = fromUS(c), fromUS(u)
		out = append(out, r)
	}
	return out, wrap(rows.Err())
}

// SaveSavedReply creates or updates a saved reply.
func (db *DB) SaveSavedReply(ctx context.Context, r portavoce.SavedReply) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO saved_replies (id, workspace_id, name, language, body, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (id) DO UPDATE SET name = $3, language = $4, body = $5, updated_at = $7 WHERE saved_replies.workspace_id = $2`,
		r.ID, r.WorkspaceID, r.Name, r.Language, r.Body, us(r.CreatedAt), us(r.UpdatedAt))
	return wrap(err)
}

// DeleteSavedReply deletes a saved reply of the workspace.
func (db *DB) DeleteSavedReply(ctx context.Context, workspaceID, id string) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM saved_replies WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
	if err != nil {
		return wrap(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return portavoce.ErrNotFound
	}
	return nil
}

// InboxSettings returns a workspace's inbox rules (defaults when never
// saved: a first answer within an hour).
func (db *DB) InboxSettings(ctx context.Context, workspaceID string) (portavoce.InboxSettings, error) {
	s := portavoce.InboxSettings{WorkspaceID: workspaceID, ResponseTarget: time.Hour}
	var minutes, at int64
	err := db.read.QueryRowContext(ctx, `SELECT response_minutes, brand, language, updated_at FROM inbox_settings WHERE workspace_id = $1`,
		workspaceID).Scan(&minutes, &s.Brand, &s.Language, &at)
	if err == sql.ErrNoRows {
		return s, nil
	}
	s.ResponseTarget, s.UpdatedAt = time.Duration(minutes)*time.Minute, fromUS(at)
	return s, wrap(err)
}

// SaveInboxSettings stores a workspace's inbox rules.
func (db *DB) SaveInboxSettings(ctx context.Context, s portavoce.InboxSettings) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO inbox_settings (workspace_id, response_minutes, brand, language, updated_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (workspace_id) DO UPDATE SET response_minutes = $2, brand = $3, language = $4, updated_at = $5`,
		s.WorkspaceID, int64(s.ResponseTarget/time.Minute), s.Brand, s.Language, us(s.UpdatedAt))
	return wrap(err)
}

// PollClaim is an account whose inbox a node fetches now.
type PollClaim struct {
	Account portavoce.SocialAccount
	Cursor  string
	// Failures counts the fetches that failed in a row.
	Failures int
}

// ClaimInboxPolls takes up to limit connected accounts whose inbox is due,
// leasing them to node so that two nodes do not fetch the same account at
// once.
func (db *DB) ClaimInboxPolls(ctx context.Context, node string, now time.Time, lease time.Duration, limit int) ([]PollClaim, error) {
	// Looked at first on the read side: most of the time nothing is due,
	// and the write transaction (SQLite's single writer) is not taken.
	var due bool
	if err := db.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM social_accounts a
		LEFT JOIN inbox_cursors c ON c.account_id = a.id
		WHERE a.status NOT IN ('disconnected', 'expired')
			AND (c.account_id IS NULL OR (c.next_poll_at <= $1 AND c.lease_until <= $1)))`, us(now)).Scan(&due); err != nil {
		return nil, wrap(err)
	}
	if !due {
		return nil, nil
	}
	var out []PollClaim
	err := db.tx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		if _, err := tx.ExecContext(ctx, `INSERT INTO inbox_cursors (account_id)
			SELECT id FROM social_accounts WHERE status <> 'disconnected' ON CONFLICT (account_id) DO NOTHING`); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+prefixed("a.", socialAccountColumns)+`, c.cursor, c.failures
			FROM inbox_cursors c JOIN social_accounts a ON a.id = c.account_id
			WHERE a.status NOT IN ('disconnected', 'expired') AND c.next_poll_at <= $1 AND c.lease_until <= $1
			ORDER BY c.next_poll_at LIMIT $2`, us(now), limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c PollClaim
			a, err := scanSocialAccount(extra{rows, []any{&c.Cursor, &c.Failures}})
			if err != nil {
				rows.Close()
				return err
			}
			c.Account = a
			out = append(out, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, c := range out {
			if _, err := tx.ExecContext(ctx, `UPDATE inbox_cursors SET lease_owner = $1, lease_until = $2 WHERE account_id = $3`,
				node, us(now.Add(lease)), c.Account.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return out, wrap(err)
}

// FinishInboxPoll releases an account's lease and sets its next fetch;
// errText, when not empty, records a failed fetch.
func (db *DB) FinishInboxPoll(ctx context.Context, accountID, node string, next, now time.Time, errText string) error {
	q := `UPDATE inbox_cursors SET lease_owner = '', lease_until = 0, next_poll_at = $1, last_poll_at = $2`
	args := []any{us(next), us(now), accountID, node}
	if errText != "" {
		args = append(args, clipTo(errText, 500))
		q += `, failures = failures + 1, error = $5`
	}
	_, err := db.write.ExecContext(ctx, q+` WHERE account_id = $3 AND lease_owner = $4`, args...)
	return wrap(err)
}

// PollSoon makes an account's inbox due now (the network signalled
// something new).
func (db *DB) PollSoon(ctx context.Context, accountID string, at time.Time) error {
	_, err := db.write.ExecContext(ctx, `UPDATE inbox_cursors SET next_poll_at = $1 WHERE account_id = $2 AND next_poll_at > $1`,
		us(at), accountID)
	return wrap(err)
}

// SetInboxLive records whether an account's live stream is connected.
func (db *DB) SetInboxLive(ctx context.Context, accountID string, live bool) error {
	v := 0
	if live {
		v = 1
	}
	_, err := db.write.ExecContext(ctx, `UPDATE inbox_cursors SET live = $1 WHERE account_id = $2`, v, accountID)
	return wrap(err)
}

// InboxAccounts returns how ingestion goes for each of a workspace's
// connected accounts.
func (db *DB) InboxAccounts(ctx context.Context, workspaceID string) (map[string]portavoce.AccountInbox, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT c.account_id, c.cursor, c.next_poll_at, c.last_poll_at, c.last_ok_at, c.failures,
		c.error, c.live FROM inbox_cursors c JOIN social_accounts a ON a.id = c.account_id WHERE a.workspace_id = $1`, workspaceID)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	out := map[string]portavoce.AccountInbox{}
	for rows.Next() {
		var s portavoce.AccountInbox
		var next, last, ok, live int64
		if err := rows.Scan(&s.AccountID, &s.Cursor, &next, &last, &ok, &s.Failures, &s.Error, &live); err != nil {
			return nil, wrap(err)
		}
		s.NextPoll, s.LastPoll, s.LastOK, s.Live = fromUS(next), fromUS(last), fromUS(ok), live == 1
		out[s.AccountID] = s
	}
	return out, wrap(rows.Err())
}
