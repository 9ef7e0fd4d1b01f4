package main

import (
	"cmp"
	"context"
	"fmt"
	"log"
	"math"
	"slices"
	"strings"
	"time"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/inbox"
	"github.com/portavoce/portavoce/internal/live"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/workspace"
)

// tags are the team's tags with how often each is put on a conversation
// that gets tags (6% of them get one or two).
var tags = []struct {
	name   string
	weight int
}{{"reclamo", 35}, {"spedizione", 25}, {"ordine", 15}, {"lead", 10}, {"rimborso", 8}, {"stampa", 4}, {"vip", 3}}

// timedStore times the two queries of the page that read many rows.
type timedStore struct {
	*store.DB
	list, counts []time.Duration
}

func (t *timedStore) Conversations(ctx context.Context, workspaceID string, f store.ConversationFilter) ([]p.Conversation, error) {
	start := time.Now()
	out, err := t.DB.Conversations(ctx, workspaceID, f)
	t.list = append(t.list, time.Since(start))
	return out, err
}

func (t *timedStore) ConversationCounts(ctx context.Context, workspaceID, assignee string) (map[string]int, error) {
	start := time.Now()
	out, err := t.DB.ConversationCounts(ctx, workspaceID, assignee)
	t.counts = append(t.counts, time.Since(start))
	return out, err
}

// page stores the conversations, then times the inbox page.
func (b *bench) page(ctx context.Context, c config) error {
	perAccount := c.conversations / c.accounts
	log.Printf("inbox page: connecting %d accounts", c.accounts)
	ws, accounts, err := b.workspace(ctx, "page", c.accounts)
	if err != nil {
		return err
	}
	manager, err := b.user(ctx, ws, "Manager", p.RoleManager)
	if err != nil {
		return err
	}
	responder, err := b.user(ctx, ws, "Responder", p.RoleResponder)
	if err != nil {
		return err
	}
	var editors []p.User
	for _, name := range []string{"Editor1", "Editor2"} {
		e, err := b.user(ctx, ws, name, p.RoleEditor)
		if err != nil {
			return err
		}
		editors = append(editors, e)
	}

	// Conversations, one page of Ingest per account: their latest
	// activity over the last 90 days, more of it recent.
	log.Printf("inbox page: storing %d conversations", c.conversations)
	started := time.Now()
	now := time.Now().UTC()
	err = parallel(len(accounts), 2, func(i int) error {
		acc := accounts[i]
		items := make([]provider.Item, 0, perAccount)
		for j := range perAccount {
			r := seeded(uint64(i), uint64(j), 11)
			u := r.float()
			at := now.Add(-time.Duration(u * u * float64(90*24*time.Hour)))
			it := makeItem(acc.Network, i, j, at, r, perAccount, perAccount)
			// One conversation each: another post of the brand, another
			// person's direct messages.
			switch it.Kind {
			case provider.ItemMention:
			case provider.ItemMessage:
				it.Thread = fmt.Sprintf("dm:seed-%d", j)
			default:
				post := brandPost(acc.Network, i, j)
				it.Thread, it.SubjectText, it.SubjectURL = post.id, post.text, post.url
			}
			items = append(items, it)
		}
		_, err := b.db.Ingest(ctx, acc, inbox.Arrivals(items, now), "seeded", now)
		return err
	})
	if err != nil {
		return err
	}
	storedIn := time.Since(started)

	// The team's work on them: most older conversations are done, recent
	// ones are new, open, waiting for the other side or snoozed; some are
	// tagged; 1% are assigned to the responder, 15% to two editors.
	started = time.Now()
	type conv struct {
		id   string
		last int64
	}
	var convs []conv
	rows, err := b.db.SQL().QueryContext(ctx, `SELECT id, last_item_at FROM inbox_conversations WHERE workspace_id = $1 ORDER BY id`, ws.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var c conv
		if err := rows.Scan(&c.id, &c.last); err != nil {
			rows.Close()
			return err
		}
		convs = append(convs, c)
	}
	rows.Close()
	if len(convs) != c.conversations {
		return fmt.Errorf("%d conversations stored, %d expected", len(convs), c.conversations)
	}
	recent := now.Add(-48 * time.Hour).UnixMicro()
	err = parallel(len(convs), 4, func(k int) error {
		cv := convs[k]
		r := seeded(uint64(k), 13)
		roll := r.intn(100)
		status := ""
		if cv.last >= recent {
			switch {
			case roll < 40:
				status = p.ConversationNew
			case roll < 65:
				status = p.ConversationOpen
			case roll < 85:
				status = p.ConversationWaiting
			case roll < 90:
				status = p.ConversationSnoozed
			default:
				status = p.ConversationDone
			}
		} else {
			switch {
			case roll < 2:
				status = p.ConversationNew
			case roll < 6:
				status = p.ConversationOpen
			case roll < 14:
				status = p.ConversationWaiting
			case roll < 15:
				status = p.ConversationSnoozed
			default:
				status = p.ConversationDone
			}
		}
		var u store.UpdateConversation
		switch status {
		case p.ConversationNew:
		case p.ConversationWaiting:
			u.Replied = true
		case p.ConversationSnoozed:
			u.Status, u.SnoozedUntil = &status, now.Add(time.Duration(1+r.intn(72))*time.Hour)
		default:
			u.Status = &status
		}
		if status != p.ConversationNew {
			if err := b.db.ChangeConversation(ctx, ws.ID, cv.id, u, now); err != nil {
				return err
			}
		}
		if r.intn(100) < 6 {
			var set []string
			for range 1 + r.intn(2) {
				w := r.intn(100)
				for _, t := range tags {
					if w -= t.weight; w < 0 {
						if !slices.Contains(set, t.name) {
							set = append(set, t.name)
						}
						break
					}
				}
			}
			if err := b.db.SetConversationTags(ctx, ws.ID, cv.id, set, now); err != nil {
				return err
			}
		}
		switch roll := r.intn(100); {
		case roll < 1:
			return b.db.AssignConversation(ctx, ws.ID, cv.id, responder.ID, manager.ID, now)
		case roll < 16:
			return b.db.AssignConversation(ctx, ws.ID, cv.id, editors[roll%2].ID, manager.ID, now)
		}
		return nil
	})
	if err != nil {
		return err
	}
	worked := time.Since(started)
	if b.db.Dialect == store.Postgres {
		// As autovacuum would have long since done on a live inbox.
		if _, err := b.db.SQL().ExecContext(ctx, `VACUUM ANALYZE inbox_conversations`); err != nil {
			return err
		}
		if _, err := b.db.SQL().ExecContext(ctx, `VACUUM ANALYZE inbox_tags`); err != nil {
			return err
		}
	}
	snap, err := loadSnapshot(ctx, b.db, ws.ID)
	if err != nil {
		return err
	}
	fmt.Printf("\nInbox page (%s): %d conversations on %d accounts (stored in %s, statuses, tags and assignments in %s)\n",
		b.engine, c.conversations, c.accounts, storedIn.Round(100*time.Millisecond), worked.Round(100*time.Millisecond))
	fmt.Printf("  %s\n", snap.describe(responder.ID))

	ts := &timedStore{DB: b.db}
	svc := inbox.New(ts, nil, b.vault, nil, live.NewHub(), nil, nil)
	roles := []struct {
		name string
		user p.User
		role p.Role
	}{{"manager", manager, p.RoleManager}, {"responder", responder, p.RoleResponder}}
	filters := []struct {
		name    string
		f       store.ConversationFilter
		overdue bool
	}{
		{"default view (all but done)", store.ConversationFilter{}, false},
		{"status=open", store.ConversationFilter{Statuses: []string{p.ConversationOpen}}, false},
		{"network=mastodon", store.ConversationFilter{Network: provider.Mastodon}, false},
		{"sentiment=negative", store.ConversationFilter{Sentiment: "negative"}, false},
		{"tag=reclamo (common)", store.ConversationFilter{Tag: "reclamo"}, false},
		{"tag=stampa (rare)", store.ConversationFilter{Tag: "stampa"}, false},
		{"overdue", store.ConversationFilter{}, true},
	}
	fmt.Printf("\n  %d calls of inbox.Service.List per row; milliseconds\n", c.calls)
	fmt.Println("  | role | filter | shown | List p50 | List p99 | List max | Conversations p99 | ConversationCounts p99 |")
	fmt.Println("  |---|---|---|---|---|---|---|---|")
	for _, role := range roles {
		actor := workspace.Actor{User: role.user}
		access := workspace.Access{Workspace: ws, Role: role.role}
		for _, fc := range filters {
			// One call checks the page against the filter's meaning; it
			// warms the caches too.
			v, err := svc.List(ctx, actor, access, fc.f, fc.overdue)
			if err != nil {
				return err
			}
			if err := snap.check(v, role.user.ID, role.role == p.RoleResponder, fc.f, fc.overdue, time.Now()); err != nil {
				return fmt.Errorf("%s, %s: %w", role.name, fc.name, err)
			}
			ts.list, ts.counts = ts.list[:0], ts.counts[:0]
			var took []time.Duration
			for range c.calls {
				start := time.Now()
				if _, err := svc.List(ctx, actor, access, fc.f, fc.overdue); err != nil {
					return err
				}
				took = append(took, time.Since(start))
			}
			fmt.Printf("  | %s | %s | %d | %s | **%s** | %s | %s | %s |\n", role.name, fc.name, len(v.Conversations),
				ms(pct(took, 0.5)), ms(pct(took, 0.99)), ms(pct(took, 1)), ms(pct(ts.list, 0.99)), ms(pct(ts.counts, 0.99)))
		}
	}
	return nil
}

func pct(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

// snapshot is every conversation of the workspace, to work out in Go what
// each page must show.
type snapshot struct {
	convs []snapConv
	tags  map[string][]string
}

type snapConv struct {
	id, status, network, assignee string
	sentiment                     float64
	last, waiting                 int64
}

func loadSnapshot(ctx context.Context, db *store.DB, workspaceID string) (*snapshot, error) {
	s := &snapshot{tags: map[string][]string{}}
	rows, err := db.SQL().QueryContext(ctx, `SELECT id, status, network, assignee_id, sentiment, last_item_at, waiting_since
		FROM inbox_conversations WHERE workspace_id = $1`, workspaceID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var c snapConv
		if err := rows.Scan(&c.id, &c.status, &c.network, &c.assignee, &c.sentiment, &c.last, &c.waiting); err != nil {
			rows.Close()
			return nil, err
		}
		s.convs = append(s.convs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.SQL().QueryContext(ctx, `SELECT t.conversation_id, t.tag FROM inbox_tags t
		JOIN inbox_conversations c ON c.id = t.conversation_id WHERE c.workspace_id = $1`, workspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return nil, err
		}
		s.tags[id] = append(s.tags[id], tag)
	}
	return s, rows.Err()
}

// describe says how the conversations are spread.
func (s *snapshot) describe(responder string) string {
	by := map[string]int{}
	tagged, mine, negative := map[string]int{}, 0, 0
	for _, c := range s.convs {
		by[c.status]++
		if c.assignee == responder {
			mine++
		}
		if c.sentiment <= -store.SentimentThreshold {
			negative++
		}
		for _, t := range s.tags[c.id] {
			tagged[t]++
		}
	}
	var parts []string
	for _, st := range p.ConversationStatuses {
		parts = append(parts, fmt.Sprintf("%s %d", st, by[st]))
	}
	return fmt.Sprintf("%s; negative %d; tagged reclamo %d, stampa %d; assigned to the responder %d",
		strings.Join(parts, ", "), negative, tagged["reclamo"], tagged["stampa"], mine)
}

// check compares a page with what the filter means, worked out in Go from
// the snapshot: the same conversations in the same order, the same
// counts.
func (s *snapshot) check(v inbox.View, user string, mine bool, f store.ConversationFilter, overdue bool, now time.Time) error {
	statuses := f.Statuses
	cutoff := int64(math.MaxInt64)
	if overdue {
		cutoff = now.Add(-time.Hour).UnixMicro()
		if len(statuses) == 0 {
			statuses = []string{p.ConversationNew, p.ConversationOpen}
		}
	}
	var want []snapConv
	counts := map[string]int{}
	for _, c := range s.convs {
		if mine && c.assignee != user {
			continue
		}
		counts[c.status]++
		switch {
		case len(statuses) == 0 && c.status == p.ConversationDone:
		case len(statuses) > 0 && !slices.Contains(statuses, c.status):
		case f.Network != "" && c.network != f.Network:
		case f.Sentiment == "negative" && c.sentiment > -store.SentimentThreshold:
		case f.Tag != "" && !slices.Contains(s.tags[c.id], f.Tag):
		case overdue && (c.waiting == 0 || c.waiting >= cutoff):
		default:
			want = append(want, c)
		}
	}
	slices.SortFunc(want, func(a, b snapConv) int {
		if a.last != b.last {
			return cmp.Compare(b.last, a.last)
		}
		return -strings.Compare(a.id, b.id)
	})
	want = want[:min(len(want), 50)]
	if len(want) != len(v.Conversations) {
		return fmt.Errorf("the page shows %d conversations, %d expected", len(v.Conversations), len(want))
	}
	for i, c := range v.Conversations {
		if c.ID != want[i].id {
			return fmt.Errorf("conversation %d of the page is %s, %s expected", i, c.ID, want[i].id)
		}
		if !slices.Equal(c.Tags, sorted(s.tags[c.ID])) {
			return fmt.Errorf("conversation %s has tags %v, %v expected", c.ID, c.Tags, s.tags[c.ID])
		}
	}
	for st, n := range counts {
		if v.Counts[st] != n {
			return fmt.Errorf("count of %s is %d, %d expected", st, v.Counts[st], n)
		}
	}
	if len(v.Counts) != len(counts) {
		return fmt.Errorf("counts %v, %v expected", v.Counts, counts)
	}
	return nil
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	slices.Sort(out)
	return out
}
