package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/portavoce/portavoce"
)

const topicColumns = `id, workspace_id, name, kind, query, active, alert_email, alert_webhook, created_at, updated_at`

func scanTopic(row scanner) (portavoce.Topic, error) {
	var t portavoce.Topic
	var active, email int
	var c, u int64
	err := row.Scan(&t.ID, &t.WorkspaceID, &t.Name, &t.Kind, &t.Query, &active, &email, &t.AlertWebhook, &c, &u)
	t.Active, t.AlertEmail, t.CreatedAt, t.UpdatedAt = active == 1, email == 1, fromUS(c), fromUS(u)
	return t, wrap(err)
}

func (db *DB) topics(ctx context.Context, q string, args ...any) ([]portavoce.Topic, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []portavoce.Topic
	for rows.Next() {
		t, err := scanTopic(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, wrap(rows.Err())
}

// Topics lists a workspace's topics by name.
func (db *DB) Topics(ctx context.Context, workspaceID string) ([]portavoce.Topic, error) {
	return db.topics(ctx, `SELECT `+topicColumns+` FROM listening_topics WHERE workspace_id = $1 ORDER BY name, id`, workspaceID)
}

// ActiveTopics lists the active topics of every workspace: what the
// matcher is compiled from.
func (db *DB) ActiveTopics(ctx context.Context) ([]portavoce.Topic, error) {
	return db.topics(ctx, `SELECT `+topicColumns+` FROM listening_topics WHERE active = 1 ORDER BY id`)
}

// Topic returns one of a workspace's topics.
func (db *DB) Topic(ctx context.Context, workspaceID, id string) (portavoce.Topic, error) {
	return scanTopic(db.read.QueryRowContext(ctx, `SELECT `+topicColumns+` FROM listening_topics WHERE workspace_id = $1 AND id = $2`,
		workspaceID, id))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// SaveTopic creates or updates a topic of the workspace.
func (db *DB) SaveTopic(ctx context.Context, t portavoce.Topic) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO listening_topics (`+topicColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (id) DO UPDATE SET name = $3, kind = $4, query = $5, active = $6, alert_email = $7, alert_webhook = $8,
			updated_at = $10 WHERE listening_topics.workspace_id = $2`,
		t.ID, t.WorkspaceID, t.Name, t.Kind, t.Query, boolInt(t.Active), boolInt(t.AlertEmail), t.AlertWebhook, us(t.CreatedAt), us(t.UpdatedAt))
	return wrap(err)
}

// DeleteTopic deletes a topic and its mentions.
func (db *DB) DeleteTopic(ctx context.Context, workspaceID, id string) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM listening_topics WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
	if err != nil {
		return wrap(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return portavoce.ErrNotFound
	}
	return nil
}

// Found is a post a source brought that matched some topics.
type Found struct {
	Post portavoce.Mention
	// RemoteID is the source's id of the post.
	RemoteID    string
	Fingerprint string
	Hashtags    []string
	// Links are the post's external links (for its site and fingerprint;
	// not stored).
	Links []string
	// Topics are the matched topics, with their workspaces.
	Topics []TopicRef
}

// TopicRef names a topic and its workspace.
type TopicRef struct{ ID, WorkspaceID string }

// NewMention is a mention the store did not have before.
type NewMention struct {
	TopicRef
	PostID    string
	Sentiment float64
	Duplicate bool
}

// StoreFound stores the matched posts of a source's batch and the source's
// cursor in one transaction: a crash repeats the batch, and a post or
// mention already stored is kept once. A post whose fingerprint (its link,
// or its normalised text) a topic already has from the last week is stored
// as a duplicate of it.
func (db *DB) StoreFound(ctx context.Context, found []Found, sourceID, cursor string, received int, now time.Time) ([]NewMention, error) {
	var out []NewMention
	err := db.tx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		// Four statements per post and topic, thousands per batch:
		// prepared once, SQLite does not parse them each time.
		insertPost, err := tx.PrepareContext(ctx, `INSERT INTO listening_posts (id, source, remote_id, url, host, title, text, author,
			author_name, lang, sentiment, reach, hashtags, fingerprint, created_at, found_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
			ON CONFLICT (source, remote_id) DO NOTHING`)
		if err != nil {
			return err
		}
		defer insertPost.Close()
		postID, err := tx.PrepareContext(ctx, `SELECT id FROM listening_posts WHERE source = $1 AND remote_id = $2`)
		if err != nil {
			return err
		}
		defer postID.Close()
		// From the fingerprint (a few posts) to their mentions: CROSS JOIN
		// keeps SQLite from starting with the topic's mentions of the
		// week, which grow with the stream.
		earlier, err := tx.PrepareContext(ctx, `SELECT p.id FROM listening_posts p CROSS JOIN listening_mentions m
			WHERE m.post_id = p.id AND m.topic_id = $1 AND p.fingerprint = $2 AND p.id <> $3 AND m.created_at > $4
			AND m.duplicate_of = '' ORDER BY m.created_at LIMIT 1`)
		if err != nil {
			return err
		}
		defer earlier.Close()
		insertMention, err := tx.PrepareContext(ctx, `INSERT INTO listening_mentions (topic_id, post_id, workspace_id, created_at, sentiment,
			lead, duplicate_of) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer insertMention.Close()
		for _, f := range found {
			m := f.Post
			id := uuid.Must(uuid.NewV7()).String()
			if _, err := insertPost.ExecContext(ctx, id, m.Source, f.RemoteID, m.URL, m.Host, clipTo(m.Title, 500), clipTo(m.Text, 20000),
				clipTo(m.Author, 300), clipTo(m.AuthorName, 300), m.Lang, m.Sentiment, m.Reach, strings.Join(f.Hashtags, " "),
				f.Fingerprint, us(m.CreatedAt), us(now)); err != nil {
				return err
			}
			if err := postID.QueryRowContext(ctx, m.Source, f.RemoteID).Scan(&id); err != nil {
				return err
			}
			for _, t := range f.Topics {
				dup := ""
				if f.Fingerprint != "" {
					err := earlier.QueryRowContext(ctx, t.ID, f.Fingerprint, id, us(m.CreatedAt.Add(-7*24*time.Hour))).Scan(&dup)
					if err != nil && err != sql.ErrNoRows {
						return err
					}
				}
				res, err := insertMention.ExecContext(ctx, t.ID, id, t.WorkspaceID, us(m.CreatedAt), m.Sentiment, boolInt(m.Lead), dup)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == 1 {
					out = append(out, NewMention{TopicRef: t, PostID: id, Sentiment: m.Sentiment, Duplicate: dup != ""})
				}
			}
		}
		if sourceID == "" {
			return nil
		}
		// The cursor with what it brought: a crash repeats the batch.
		_, err = tx.ExecContext(ctx, `UPDATE listening_sources SET cursor = $1, received = received + $2, updated_at = $3 WHERE id = $4`,
			cursor, received, us(now), sourceID)
		return err
	})
	return out, wrap(err)
}

// MentionFilter selects mentions for the explorer.
type MentionFilter struct {
	TopicID   string
	Source    string
	Lang      string
	Sentiment string // negative, neutral, positive
	Author    string
	Site      string
	From, To  time.Time
	// Search is full-text: words, "phrases", -excluded.
	Search string
	Leads  bool
	// Duplicates lists the folded duplicates too.
	Duplicates bool
	BeforeAt   time.Time
	BeforeID   string
	Limit      int
}

const mentionColumns = `m.topic_id, p.id, p.source, p.url, p.host, p.title, p.text, p.author, p.author_name, p.lang, p.reach,
	m.sentiment, m.corrected, m.lead, m.duplicate_of, m.created_at, p.found_at, p.remote_id`

func scanMention(row scanner) (portavoce.Mention, error) {
	var m portavoce.Mention
	var corrected, lead int
	var c, f int64
	err := row.Scan(&m.TopicID, &m.PostID, &m.Source, &m.URL, &m.Host, &m.Title, &m.Text, &m.Author, &m.AuthorName, &m.Lang, &m.Reach,
		&m.Sentiment, &corrected, &lead, &m.DuplicateOf, &c, &f, &m.RemoteID)
	m.Corrected, m.Lead, m.CreatedAt, m.FoundAt = corrected == 1, lead == 1, fromUS(c), fromUS(f)
	return m, wrap(err)
}

// mentionWhere is the FROM and WHERE of a mention query.
func (db *DB) mentionWhere(workspaceID string, f MentionFilter) (string, []any) {
	q := ` FROM listening_mentions m JOIN listening_posts p ON p.id = m.post_id`
	args := []any{workspaceID}
	where := ` WHERE m.workspace_id = $1`
	add := func(cond string, v any) {
		args = append(args, v)
		where += " AND " + strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args)))
	}
	if f.Search != "" {
		if db.Dialect == Postgres {
			// One argument, stemmed both ways and plain: a post is
			// indexed in its own language.
			add(`p.search @@ (websearch_to_tsquery('italian', ?) || websearch_to_tsquery('english', ?) || websearch_to_tsquery('simple', ?))`,
				f.Search)
		} else {
			q += ` JOIN listening_posts_fts ON listening_posts_fts.rowid = p.rowid`
			add(`listening_posts_fts MATCH ?`, ftsQuery(f.Search))
		}
	}
	if f.TopicID != "" {
		add("m.topic_id = ?", f.TopicID)
	}
	if f.Source != "" {
		add("p.source = ?", f.Source)
	}
	if f.Lang != "" {
		// Bluesky posts carry several languages: "it,en".
		add("(',' || p.lang || ',') LIKE ?", "%,"+f.Lang+",%")
	}
	switch f.Sentiment {
	case "negative":
		add("m.sentiment <= ?", -SentimentThreshold)
	case "positive":
		add("m.sentiment >= ?", SentimentThreshold)
	case "neutral":
		add("m.sentiment > ?", -SentimentThreshold)
		add("m.sentiment < ?", SentimentThreshold)
	}
	if f.Author != "" {
		add("LOWER(p.author) = ?", strings.ToLower(strings.TrimPrefix(f.Author, "@")))
	}
	if f.Site != "" {
		// The site and its subdomains.
		add("('.' || p.host) LIKE ?", "%."+strings.ToLower(strings.TrimPrefix(f.Site, ".")))
	}
	if !f.From.IsZero() {
		add("m.created_at >= ?", us(f.From))
	}
	if !f.To.IsZero() {
		add("m.created_at < ?", us(f.To))
	}
	if f.Leads {
		where += " AND m.lead = 1"
	}
	if !f.Duplicates {
		where += " AND m.duplicate_of = ''"
	}
	return q + where, args
}

// ftsQuery turns what a person types into an FTS5 query: each word a
// quoted term (so that punctuation cannot break the syntax), "phrases"
// kept, -word excluded.
func ftsQuery(s string) string {
	var parts, not []string
	for _, tok := range splitSearch(s) {
		neg := strings.HasPrefix(tok, "-") && len(tok) > 1
		tok = strings.Trim(strings.TrimPrefix(tok, "-"), `"`)
		if tok == "" {
			continue
		}
		term := `"` + strings.ReplaceAll(tok, `"`, `""`) + `"`
		if neg {
			not = append(not, term)
		} else {
			parts = append(parts, term)
		}
	}
	q := strings.Join(parts, " ")
	for _, n := range not {
		q += " NOT " + n
	}
	return q
}

// splitSearch splits on spaces, keeping "quoted phrases" together.
func splitSearch(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case r == ' ' && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// Mentions lists a workspace's mentions, the newest first.
func (db *DB) Mentions(ctx context.Context, workspaceID string, f MentionFilter) ([]portavoce.Mention, error) {
	clauses, args := db.mentionWhere(workspaceID, f)
	if !f.BeforeAt.IsZero() {
		args = append(args, us(f.BeforeAt), f.BeforeID)
		clauses += fmt.Sprintf(" AND (m.created_at < $%d OR (m.created_at = $%d AND p.id < $%d))", len(args)-1, len(args)-1, len(args))
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	args = append(args, f.Limit)
	rows, err := db.read.QueryContext(ctx, `SELECT `+mentionColumns+clauses+
		fmt.Sprintf(` ORDER BY m.created_at DESC, p.id DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []portavoce.Mention
	for rows.Next() {
		m, err := scanMention(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, wrap(rows.Err())
}

// Bucket is a count of mentions in a span of time, by sentiment.
type Bucket struct {
	Start                     time.Time
	TopicID                   string
	Total, Negative, Positive int
}

// MentionVolume counts a workspace's mentions (duplicates excluded) per
// topic in buckets of size from..to.
func (db *DB) MentionVolume(ctx context.Context, workspaceID string, from, to time.Time, size time.Duration) ([]Bucket, error) {
	step := size.Microseconds()
	rows, err := db.read.QueryContext(ctx, `SELECT topic_id, (created_at - $2) / $4 AS b, COUNT(*),
		SUM(CASE WHEN sentiment <= $5 THEN 1 ELSE 0 END), SUM(CASE WHEN sentiment >= $6 THEN 1 ELSE 0 END)
		FROM listening_mentions WHERE workspace_id = $1 AND created_at >= $2 AND created_at < $3 AND duplicate_of = ''
		GROUP BY topic_id, b ORDER BY b, topic_id`, workspaceID, us(from), us(to), step, -SentimentThreshold, SentimentThreshold)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []Bucket
	for rows.Next() {
		var b Bucket
		var n int64
		if err := rows.Scan(&b.TopicID, &n, &b.Total, &b.Negative, &b.Positive); err != nil {
			return nil, wrap(err)
		}
		b.Start = from.Add(time.Duration(n) * size)
		out = append(out, b)
	}
	return out, wrap(rows.Err())
}

// Ranked is one row of a top list.
type Ranked struct {
	Key   string
	Count int
}

// TopMentionFields ranks a workspace's authors or sites (field "author" or
// "host") over a time span.
func (db *DB) TopMentionFields(ctx context.Context, workspaceID, field, topicID string, from, to time.Time, limit int) ([]Ranked, error) {
	if field == "hashtags" {
		return db.topHashtags(ctx, workspaceID, topicID, from, to, limit)
	}
	if field != "author" && field != "host" {
		return nil, fmt.Errorf("store: cannot rank by %q", field)
	}
	q := `SELECT p.` + field + `, COUNT(*) AS n FROM listening_mentions m JOIN listening_posts p ON p.id = m.post_id
		WHERE m.workspace_id = $1 AND m.created_at >= $2 AND m.created_at < $3 AND m.duplicate_of = '' AND p.` + field + ` <> ''`
	args := []any{workspaceID, us(from), us(to)}
	if topicID != "" {
		args = append(args, topicID)
		q += fmt.Sprintf(" AND m.topic_id = $%d", len(args))
	}
	args = append(args, limit)
	rows, err := db.read.QueryContext(ctx, q+fmt.Sprintf(` GROUP BY p.`+field+` ORDER BY n DESC, p.`+field+` LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []Ranked
	for rows.Next() {
		var r Ranked
		if err := rows.Scan(&r.Key, &r.Count); err != nil {
			return nil, wrap(err)
		}
		out = append(out, r)
	}
	return out, wrap(rows.Err())
}

// CorrectSentiment records the team's sentiment for a mention.
func (db *DB) CorrectSentiment(ctx context.Context, workspaceID, topicID, postID string, score float64) error {
	res, err := db.write.ExecContext(ctx, `UPDATE listening_mentions SET sentiment = $1, corrected = 1
		WHERE workspace_id = $2 AND topic_id = $3 AND post_id = $4`, score, workspaceID, topicID, postID)
	if err != nil {
		return wrap(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return portavoce.ErrNotFound
	}
	return nil
}

// RecentPosts returns the newest stored posts, for previewing a draft
// query over what listening already has.
func (db *DB) RecentPosts(ctx context.Context, limit int) ([]portavoce.Mention, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT '', id, source, url, host, title, text, author, author_name, lang, reach,
		sentiment, 0, 0, '', created_at, found_at, remote_id FROM listening_posts ORDER BY found_at DESC LIMIT $1`, limit)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []portavoce.Mention
	for rows.Next() {
		m, err := scanMention(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, wrap(rows.Err())
}

// CountMentions counts a topic's mentions (duplicates excluded) created in
// [from, to); negative counts only the negative ones. It also returns the
// newest ids, up to limit.
func (db *DB) CountMentions(ctx context.Context, topicID string, from, to time.Time, negative bool, limit int) (int, []string, error) {
	cond := ""
	if negative {
		cond = fmt.Sprintf(" AND sentiment <= %g", -SentimentThreshold)
	}
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM listening_mentions WHERE topic_id = $1 AND created_at >= $2
		AND created_at < $3 AND duplicate_of = ''`+cond, topicID, us(from), us(to)).Scan(&n); err != nil {
		return 0, nil, wrap(err)
	}
	if limit == 0 || n == 0 {
		return n, nil, nil
	}
	rows, err := db.read.QueryContext(ctx, `SELECT post_id FROM listening_mentions WHERE topic_id = $1 AND created_at >= $2
		AND created_at < $3 AND duplicate_of = ''`+cond+` ORDER BY created_at DESC LIMIT $4`, topicID, us(from), us(to), limit)
	if err != nil {
		return 0, nil, wrap(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return 0, nil, wrap(err)
		}
		ids = append(ids, id)
	}
	return n, ids, wrap(rows.Err())
}

// AddAlert records an alert once per topic, kind and window; false means
// it was already there.
func (db *DB) AddAlert(ctx context.Context, a portavoce.ListeningAlert) (bool, error) {
	res, err := db.write.ExecContext(ctx, `INSERT INTO listening_alerts (id, topic_id, workspace_id, kind, window_start, count, baseline,
		mentions, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
		a.ID, a.TopicID, a.WorkspaceID, a.Kind, us(a.WindowStart), a.Count, a.Baseline, mustJSON(a.Mentions), us(a.CreatedAt))
	if err != nil {
		return false, wrap(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

const alertColumns = `id, topic_id, workspace_id, kind, window_start, count, baseline, mentions, created_at, sent_at`

func scanAlert(row scanner) (portavoce.ListeningAlert, error) {
	var a portavoce.ListeningAlert
	var ws, c, s int64
	var mentions string
	err := row.Scan(&a.ID, &a.TopicID, &a.WorkspaceID, &a.Kind, &ws, &a.Count, &a.Baseline, &mentions, &c, &s)
	if err == nil {
		err = json.Unmarshal([]byte(mentions), &a.Mentions)
	}
	a.WindowStart, a.CreatedAt, a.SentAt = fromUS(ws), fromUS(c), fromUS(s)
	return a, wrap(err)
}

func (db *DB) alerts(ctx context.Context, q string, args ...any) ([]portavoce.ListeningAlert, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []portavoce.ListeningAlert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, wrap(rows.Err())
}

// UnsentAlerts lists alerts not yet sent, oldest first.
func (db *DB) UnsentAlerts(ctx context.Context, limit int) ([]portavoce.ListeningAlert, error) {
	return db.alerts(ctx, `SELECT `+alertColumns+` FROM listening_alerts WHERE sent_at = 0 ORDER BY created_at LIMIT $1`, limit)
}

// Alerts lists a workspace's alerts, newest first.
func (db *DB) Alerts(ctx context.Context, workspaceID string, limit int) ([]portavoce.ListeningAlert, error) {
	return db.alerts(ctx, `SELECT `+alertColumns+` FROM listening_alerts WHERE workspace_id = $1 ORDER BY created_at DESC LIMIT $2`,
		workspaceID, limit)
}

// MarkAlertSent claims an alert for sending (false: another node has it);
// UnmarkAlertSent gives it back after a failure.
func (db *DB) MarkAlertSent(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := db.write.ExecContext(ctx, `UPDATE listening_alerts SET sent_at = $1 WHERE id = $2 AND sent_at = 0`, us(at), id)
	if err != nil {
		return false, wrap(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// UnmarkAlertSent makes an alert unsent again.
func (db *DB) UnmarkAlertSent(ctx context.Context, id string) error {
	_, err := db.write.ExecContext(ctx, `UPDATE listening_alerts SET sent_at = 0 WHERE id = $1`, id)
	return wrap(err)
}

// MentionsByID returns a workspace's mentions of the given posts.
func (db *DB) MentionsByID(ctx context.Context, workspaceID, topicID string, postIDs []string) ([]portavoce.Mention, error) {
	if len(postIDs) == 0 {
		return nil, nil
	}
	in, args := inList(postIDs, 3)
	rows, err := db.read.QueryContext(ctx, `SELECT `+mentionColumns+` FROM listening_mentions m JOIN listening_posts p ON p.id = m.post_id
		WHERE m.workspace_id = $1 AND m.topic_id = $2 AND p.id IN (`+in+`) ORDER BY m.created_at DESC`,
		append([]any{workspaceID, topicID}, args...)...)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []portavoce.Mention
	for rows.Next() {
		m, err := scanMention(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, wrap(rows.Err())
}

// Source returns the stored source of a kind and target, creating it.
func (db *DB) Source(ctx context.Context, workspaceID, kind, target string, now time.Time) (portavoce.ListeningSource, error) {
	_, err := db.write.ExecContext(ctx, `INSERT INTO listening_sources (id, workspace_id, kind, target, updated_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (workspace_id, kind, target) DO NOTHING`,
		uuid.Must(uuid.NewV7()).String(), workspaceID, kind, target, us(now))
	if err != nil {
		return portavoce.ListeningSource{}, wrap(err)
	}
	return scanSource(db.read.QueryRowContext(ctx, `SELECT `+sourceColumns+` FROM listening_sources
		WHERE workspace_id = $1 AND kind = $2 AND target = $3`, workspaceID, kind, target))
}

const sourceColumns = `id, workspace_id, kind, target, cursor, connected, error, retry_at, received, updated_at`

func scanSource(row scanner) (portavoce.ListeningSource, error) {
	var s portavoce.ListeningSource
	var connected int
	var r, u int64
	err := row.Scan(&s.ID, &s.WorkspaceID, &s.Kind, &s.Target, &s.Cursor, &connected, &s.Error, &r, &s.Received, &u)
	s.Connected, s.RetryAt, s.UpdatedAt = connected == 1, fromUS(r), fromUS(u)
	return s, wrap(err)
}

// Sources lists the sources a workspace sees: its own and the instance's.
func (db *DB) Sources(ctx context.Context, workspaceID string) ([]portavoce.ListeningSource, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+sourceColumns+` FROM listening_sources WHERE workspace_id IN ('', $1)
		ORDER BY kind, target`, workspaceID)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []portavoce.ListeningSource
	for rows.Next() {
		s, err := scanSource(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, wrap(rows.Err())
}

// SetSourceStatus records how a source is doing.
func (db *DB) SetSourceStatus(ctx context.Context, id string, connected bool, errText string, retryAt, now time.Time) error {
	_, err := db.write.ExecContext(ctx, `UPDATE listening_sources SET connected = $1, error = $2, retry_at = $3, updated_at = $4 WHERE id = $5`,
		boolInt(connected), clipTo(errText, 500), us(retryAt), us(now), id)
	return wrap(err)
}

// SaveSourceCursor stores where a source got to when a batch brought no
// match.
func (db *DB) SaveSourceCursor(ctx context.Context, id, cursor string, received int, now time.Time) error {
	_, err := db.write.ExecContext(ctx, `UPDATE listening_sources SET cursor = $1, received = received + $2, updated_at = $3 WHERE id = $4`,
		cursor, received, us(now), id)
	return wrap(err)
}

// DeleteOldMentions deletes the mentions of a workspace older than before,
// and the posts no mention uses any more.
func (db *DB) DeleteOldMentions(ctx context.Context, workspaceID string, before time.Time) (int, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM listening_mentions WHERE workspace_id = $1 AND created_at < $2`, workspaceID, us(before))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, `DELETE FROM listening_posts WHERE found_at < $1
			AND NOT EXISTS (SELECT 1 FROM listening_mentions m WHERE m.post_id = listening_posts.id)`, us(before))
		return err
	})
	return int(n), wrap(err)
}

// WorkspaceSources lists the sources workspaces added (feeds, searches,
// hashtags), for the runner.
func (db *DB) WorkspaceSources(ctx context.Context) ([]portavoce.ListeningSource, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+sourceColumns+` FROM listening_sources WHERE workspace_id <> '' ORDER BY id`)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []portavoce.ListeningSource
	for rows.Next() {
		s, err := scanSource(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, wrap(rows.Err())
}

// DeleteSource removes a source a workspace added.
func (db *DB) DeleteSource(ctx context.Context, workspaceID, id string) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM listening_sources WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
	if err != nil {
		return wrap(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return portavoce.ErrNotFound
	}
	return nil
}

// ListeningRetention returns how many days a workspace keeps its mentions
// (365 unless changed).
func (db *DB) ListeningRetention(ctx context.Context, workspaceID string) (int, error) {
	days := 365
	err := db.read.QueryRowContext(ctx, `SELECT retention_days FROM listening_settings WHERE workspace_id = $1`, workspaceID).Scan(&days)
	if err == sql.ErrNoRows {
		return 365, nil
	}
	return days, wrap(err)
}

// SaveListeningRetention sets how many days a workspace keeps its mentions.
func (db *DB) SaveListeningRetention(ctx context.Context, workspaceID string, days int, now time.Time) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO listening_settings (workspace_id, retention_days, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (workspace_id) DO UPDATE SET retention_days = $2, updated_at = $3`, workspaceID, days, us(now))
	return wrap(err)
}

// ListeningWorkspaces lists the workspaces that have topics.
func (db *DB) ListeningWorkspaces(ctx context.Context) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT DISTINCT workspace_id FROM listening_topics ORDER BY workspace_id`)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, wrap(err)
		}
		out = append(out, id)
	}
	return out, wrap(rows.Err())
}

// ClaimDigest records that a workspace's digest of a day is being sent;
// false means it was already (here or on another node).
func (db *DB) ClaimDigest(ctx context.Context, workspaceID, day string, now time.Time) (bool, error) {
	res, err := db.write.ExecContext(ctx, `INSERT INTO listening_digests (workspace_id, day, sent_at) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, workspaceID, day, us(now))
	if err != nil {
		return false, wrap(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ReleaseDigest forgets a digest that could not be sent, to try again.
func (db *DB) ReleaseDigest(ctx context.Context, workspaceID, day string) error {
	_, err := db.write.ExecContext(ctx, `DELETE FROM listening_digests WHERE workspace_id = $1 AND day = $2`, workspaceID, day)
	return wrap(err)
}

// PostVolume counts the distinct posts (a post matching two topics once)
// of a workspace, or of one topic, in buckets of size from..to.
func (db *DB) PostVolume(ctx context.Context, workspaceID, topicID string, from, to time.Time, size time.Duration) ([]Bucket, error) {
	q := `SELECT (created_at - $2) / $4 AS b, COUNT(DISTINCT post_id),
		COUNT(DISTINCT CASE WHEN sentiment <= $5 THEN post_id END), COUNT(DISTINCT CASE WHEN sentiment >= $6 THEN post_id END)
		FROM listening_mentions WHERE workspace_id = $1 AND created_at >= $2 AND created_at < $3 AND duplicate_of = ''`
	args := []any{workspaceID, us(from), us(to), size.Microseconds(), -SentimentThreshold, SentimentThreshold}
	if topicID != "" {
		args = append(args, topicID)
		q += ` AND topic_id = $7`
	}
	rows, err := db.read.QueryContext(ctx, q+` GROUP BY b ORDER BY b`, args...)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []Bucket
	for rows.Next() {
		b := Bucket{TopicID: topicID}
		var n int64
		if err := rows.Scan(&n, &b.Total, &b.Negative, &b.Positive); err != nil {
			return nil, wrap(err)
		}
		b.Start = from.Add(time.Duration(n) * size)
		out = append(out, b)
	}
	return out, wrap(rows.Err())
}

// topHashtags ranks the hashtags of a workspace's mentions over a span:
// they are kept as a list per post, counted here over the newest 20,000
// mentions of the span.
func (db *DB) topHashtags(ctx context.Context, workspaceID, topicID string, from, to time.Time, limit int) ([]Ranked, error) {
	q := `SELECT p.hashtags FROM listening_mentions m JOIN listening_posts p ON p.id = m.post_id
		WHERE m.workspace_id = $1 AND m.created_at >= $2 AND m.created_at < $3 AND m.duplicate_of = '' AND p.hashtags <> ''`
	args := []any{workspaceID, us(from), us(to)}
	if topicID != "" {
		args = append(args, topicID)
		q += fmt.Sprintf(" AND m.topic_id = $%d", len(args))
	}
	rows, err := db.read.QueryContext(ctx, q+` ORDER BY m.created_at DESC LIMIT 20000`, args...)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var tags string
		if err := rows.Scan(&tags); err != nil {
			return nil, wrap(err)
		}
		for _, t := range strings.Fields(tags) {
			counts[t]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(err)
	}
	out := make([]Ranked, 0, len(counts))
	for k, n := range counts {
		out = append(out, Ranked{Key: k, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Key < out[j].Key
	})
	return out[:min(limit, len(out))], nil
}

// LeaseSource lets node read a source until until, when no other node
// holds it (or its lease ran out); false means another node reads it.
func (db *DB) LeaseSource(ctx context.Context, id, node string, now, until time.Time) (bool, error) {
	res, err := db.write.ExecContext(ctx, `UPDATE listening_sources SET lease_owner = $1, lease_until = $2
		WHERE id = $3 AND (lease_owner = $1 OR lease_until < $4)`, node, us(until), id, us(now))
	if err != nil {
		return false, wrap(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ReleaseSource gives up node's lease on a source.
func (db *DB) ReleaseSource(ctx context.Context, id, node string) error {
	_, err := db.write.ExecContext(ctx, `UPDATE listening_sources SET lease_until = 0 WHERE id = $1 AND lease_owner = $2`, id, node)
	return wrap(err)
}
