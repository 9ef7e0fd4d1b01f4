// Package listening watches what the public writes about a workspace's
// brand, its competitors and its market: topics written as boolean queries
// (package query), compiled into one matcher over every workspace's active
// topics, fed by sources (package source) whose cursors are stored with the
// posts they brought; matched posts get their language, sentiment and
// buying intent, and spikes raise alerts.
package listening

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/listening/query"
	"github.com/portavoce/portavoce/internal/live"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/workspace"
)

// Store is what listening needs from the database.
type Store interface {
	Topics(ctx context.Context, workspaceID string) ([]p.Topic, error)
	ActiveTopics(ctx context.Context) ([]p.Topic, error)
	Topic(ctx context.Context, workspaceID, id string) (p.Topic, error)
	SaveTopic(ctx context.Context, t p.Topic) error
	DeleteTopic(ctx context.Context, workspaceID, id string) error
	StoreFound(ctx context.Context, found []store.Found, sourceID, cursor string, received int, now time.Time) ([]store.NewMention, error)
	Mentions(ctx context.Context, workspaceID string, f store.MentionFilter) ([]p.Mention, error)
	MentionsByID(ctx context.Context, workspaceID, topicID string, postIDs []string) ([]p.Mention, error)
	MentionVolume(ctx context.Context, workspaceID string, from, to time.Time, size time.Duration) ([]store.Bucket, error)
	PostVolume(ctx context.Context, workspaceID, topicID string, from, to time.Time, size time.Duration) ([]store.Bucket, error)
	TopMentionFields(ctx context.Context, workspaceID, field, topicID string, from, to time.Time, limit int) ([]store.Ranked, error)
	CorrectSentiment(ctx context.Context, workspaceID, topicID, postID string, score float64) error
	RecentPosts(ctx context.Context, limit int) ([]p.Mention, error)
	Sources(ctx context.Context, workspaceID string) ([]p.ListeningSource, error)
	Alerts(ctx context.Context, workspaceID string, limit int) ([]p.ListeningAlert, error)
	AddAudit(ctx context.Context, e p.AuditEntry) error
	ListeningRetention(ctx context.Context, workspaceID string) (int, error)
	SaveListeningRetention(ctx context.Context, workspaceID string, days int, now time.Time) error
}

// Service is listening as people use it; every method checks the caller's
// access.
type Service struct {
	store Store
	hub   *live.Hub
	now   func() time.Time
	log   *slog.Logger
	// changed tells the pipeline to compile the topics again;
	// sourcesChanged tells the runner to look at the sources.
	changed        func()
	sources        SourceStore
	sourcesChanged func()
	settings       Store
	// engager likes, reposts and answers Bluesky mentions (SetEngager);
	// inbox takes the leads handed to colleagues (SetInbox).
	engager *engager
	inbox   InboxStore
}

// SetSources lets the workspace add its own sources (feeds, searches,
// hashtags), run by runner.
func (s *Service) SetSources(st SourceStore, runner *Runner) {
	s.sources, s.sourcesChanged = st, runner.Changed
}

// New returns the listening service. changed (may be nil) is called when a
// topic is saved or deleted.
func New(s Store, hub *live.Hub, changed func(), now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if changed == nil {
		changed = func() {}
	}
	return &Service{store: s, hub: hub, now: func() time.Time { return now().UTC() }, log: log, changed: changed, settings: s}
}

// Hub returns the hub live pages subscribe to.
func (s *Service) Hub() *live.Hub { return s.hub }

func canView(acc workspace.Access) error {
	if !acc.Can(p.PermViewListening) {
		return p.Errorf(p.ECodeForbidden, "your role does not see listening")
	}
	return nil
}

func canManage(acc workspace.Access) error {
	if !acc.Can(p.PermManageListening) {
		return p.Errorf(p.ECodeForbidden, "only owners and managers change what the workspace listens for")
	}
	return nil
}

// Topics lists the workspace's topics.
func (s *Service) Topics(ctx context.Context, acc workspace.Access) ([]p.Topic, error) {
	if err := canView(acc); err != nil {
		return nil, err
	}
	return s.store.Topics(ctx, acc.Workspace.ID)
}

// ParseQuery checks a query, with an error that points at the mistake.
func ParseQuery(q string) (*query.Query, error) {
	if strings.TrimSpace(q) == "" {
		return nil, p.FieldError("query", "write the query: words, \"phrases\", AND, OR, NOT, NEAR/n, #hashtags, author:, site:, lang:")
	}
	parsed, err := query.Parse(q)
	var se *query.SyntaxError
	if errors.As(err, &se) {
		detail := &p.Error{Code: p.ECodeInvalid, Message: se.Msg, Format: se.Format, Args: se.Args}
		e := p.Errorf(p.ECodeInvalid, "the query has a mistake at character %d: %s", se.Col, detail)
		e.Message = fmt.Sprintf("the query has a mistake at character %d: %s", se.Col, se.Msg)
		e.Field = "query"
		return nil, e
	}
	return parsed, err
}

// SaveTopic creates (empty ID) or changes a topic.
func (s *Service) SaveTopic(ctx context.Context, a workspace.Actor, acc workspace.Access, t p.Topic) (p.Topic, error) {
	if err := canManage(acc); err != nil {
		return p.Topic{}, err
	}
	t.Name, t.Query, t.AlertWebhook = strings.TrimSpace(t.Name), strings.TrimSpace(t.Query), strings.TrimSpace(t.AlertWebhook)
	switch {
	case t.Name == "":
		return p.Topic{}, p.FieldError("name", "give the topic a name, such as the brand's")
	case len(t.Name) > 100:
		return p.Topic{}, p.FieldError("name", "a topic's name is at most 100 characters")
	case !slices.Contains(p.TopicKinds, t.Kind):
		return p.Topic{}, p.FieldError("kind", "choose what the topic is: brand, competitor, segment or campaign")
	case len(t.Query) > 4000:
		return p.Topic{}, p.FieldError("query", "a query is at most 4000 characters")
	}
	if _, err := ParseQuery(t.Query); err != nil {
		return p.Topic{}, err
	}
	if t.AlertWebhook != "" {
		u, err := url.Parse(t.AlertWebhook)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return p.Topic{}, p.FieldError("alert_webhook", "the webhook is a web address (https://...)")
		}
	}
	now := s.now()
	if t.ID == "" {
		t.ID, t.CreatedAt = uuid.Must(uuid.NewV7()).String(), now
	} else {
		old, err := s.store.Topic(ctx, acc.Workspace.ID, t.ID)
		if err != nil {
			return p.Topic{}, err
		}
		t.CreatedAt = old.CreatedAt
	}
	t.WorkspaceID, t.UpdatedAt = acc.Workspace.ID, now
	if err := s.store.SaveTopic(ctx, t); err != nil {
		return p.Topic{}, err
	}
	workspace.Record(ctx, s.store, s.log, now, a, acc.Workspace.ID, p.AuditTopicSaved, t.ID, t.Name)
	s.changed()
	return t, nil
}

// DeleteTopic deletes a topic and its mentions.
func (s *Service) DeleteTopic(ctx context.Context, a workspace.Actor, acc workspace.Access, id string) error {
	if err := canManage(acc); err != nil {
		return err
	}
	if err := s.store.DeleteTopic(ctx, acc.Workspace.ID, id); err != nil {
		return err
	}
	workspace.Record(ctx, s.store, s.log, s.now(), a, acc.Workspace.ID, p.AuditTopicDeleted, id, "")
	s.changed()
	return nil
}

// PreviewSize is how many of the newest stored posts a draft query is
// tried on.
const PreviewSize = 20000

// Preview runs a draft query over the newest posts listening has stored
// (those of every source, whether or not they matched a topic) and
// returns the matching ones, newest first, and how many were tried.
func (s *Service) Preview(ctx context.Context, acc workspace.Access, q string, limit int) ([]p.Mention, int, error) {
	if err := canView(acc); err != nil {
		return nil, 0, err
	}
	parsed, err := ParseQuery(q)
	if err != nil {
		return nil, 0, err
	}
	posts, err := s.store.RecentPosts(ctx, PreviewSize)
	if err != nil {
		return nil, 0, err
	}
	var out []p.Mention
	for _, m := range posts {
		if parsed.Match(queryPost(m)) {
			out = append(out, m)
			if len(out) == limit {
				break
			}
		}
	}
	return out, len(posts), nil
}

// queryPost is what the query language sees of a stored post.
func queryPost(m p.Mention) query.Post {
	text := m.Text
	if m.Title != "" {
		text = m.Title + "\n" + text
	}
	return query.Post{Text: text, Author: m.Author, URL: m.URL, Lang: m.Lang}
}

// Mentions lists the workspace's mentions as the explorer filters them.
func (s *Service) Mentions(ctx context.Context, acc workspace.Access, f store.MentionFilter) ([]p.Mention, error) {
	if err := canView(acc); err != nil {
		return nil, err
	}
	return s.store.Mentions(ctx, acc.Workspace.ID, f)
}

// CorrectSentiment keeps the team's judgement of a mention: "positive",
// "neutral" or "negative".
func (s *Service) CorrectSentiment(ctx context.Context, a workspace.Actor, acc workspace.Access, topicID, postID, label string) error {
	if err := canView(acc); err != nil {
		return err
	}
	score, ok := map[string]float64{"positive": 0.5, "neutral": 0, "negative": -0.5}[label]
	if !ok {
		return p.FieldError("sentiment", "the sentiment is positive, neutral or negative")
	}
	if err := s.store.CorrectSentiment(ctx, acc.Workspace.ID, topicID, postID, score); err != nil {
		return err
	}
	s.hub.Publish(acc.Workspace.ID)
	return nil
}

// Sources lists the sources the workspace's mentions come from.
func (s *Service) Sources(ctx context.Context, acc workspace.Access) ([]p.ListeningSource, error) {
	if err := canView(acc); err != nil {
		return nil, err
	}
	return s.store.Sources(ctx, acc.Workspace.ID)
}

// Alerts lists the workspace's latest alerts.
func (s *Service) Alerts(ctx context.Context, acc workspace.Access, limit int) ([]p.ListeningAlert, error) {
	if err := canView(acc); err != nil {
		return nil, err
	}
	return s.store.Alerts(ctx, acc.Workspace.ID, limit)
}

// leadPatterns are the phrases of someone about to buy, in Italian and
// English: asking for advice or saying what they look for.
// leadPatterns is compiled at first use: a server that finds no mention
// does not hold it.
var leadPatterns = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)\b(qualcuno (sa|mi) (consigliar\w*|consiglia\w*|suggeri\w*)|mi consigliate|consigli (su|per)\b|cerco (un|una|uno|dei|delle)\b|stiamo cercando|sto cercando|dove (posso )?(comprare|acquistare|trovare)|looking for (a|an|some)?\b|any recommendations?|can anyone recommend|could you recommend|recommend (me )?(a|an|some)\b|where (can|do) i (buy|get|find)|in the market for)`)
})

// IsLead reports whether a post shows buying intent.
func IsLead(text string) bool { return leadPatterns().MatchString(text) }

// Volume counts the workspace's mentions (duplicates folded) per topic in
// buckets of size over [from, to), for the charts.
func (s *Service) Volume(ctx context.Context, acc workspace.Access, from, to time.Time, size time.Duration) ([]store.Bucket, error) {
	if err := canView(acc); err != nil {
		return nil, err
	}
	return s.store.MentionVolume(ctx, acc.Workspace.ID, from, to, size)
}

// PostVolume counts the workspace's distinct posts (of one topic, or of
// all with "") in buckets of size over [from, to), for the volume chart.
func (s *Service) PostVolume(ctx context.Context, acc workspace.Access, topicID string, from, to time.Time, size time.Duration) ([]store.Bucket, error) {
	if err := canView(acc); err != nil {
		return nil, err
	}
	return s.store.PostVolume(ctx, acc.Workspace.ID, topicID, from, to, size)
}

// Top ranks the workspace's authors ("author"), sites ("host") or
// hashtags ("hashtags") by
// mentions over [from, to), for one topic or all ("").
func (s *Service) Top(ctx context.Context, acc workspace.Access, field, topicID string, from, to time.Time, limit int) ([]store.Ranked, error) {
	if err := canView(acc); err != nil {
		return nil, err
	}
	return s.store.TopMentionFields(ctx, acc.Workspace.ID, field, topicID, from, to, limit)
}
