package listening

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/listening/query"
	"github.com/portavoce/portavoce/internal/listening/sentiment"
	"github.com/portavoce/portavoce/internal/listening/source"
	"github.com/portavoce/portavoce/internal/live"
	"github.com/portavoce/portavoce/internal/store"
)

// PipelineStore is what the pipeline needs from the database.
type PipelineStore interface {
	ActiveTopics(ctx context.Context) ([]p.Topic, error)
	StoreFound(ctx context.Context, found []store.Found, sourceID, cursor string, received int, now time.Time) ([]store.NewMention, error)
	Source(ctx context.Context, workspaceID, kind, target string, now time.Time) (p.ListeningSource, error)
	SaveSourceCursor(ctx context.Context, id, cursor string, received int, now time.Time) error
	SetSourceStatus(ctx context.Context, id string, connected bool, errText string, retryAt, now time.Time) error
	LeaseSource(ctx context.Context, id, node string, now, until time.Time) (bool, error)
	ReleaseSource(ctx context.Context, id, node string) error
}

// SourceLease is how long a node holds a source it reads without renewing
// it: a node that dies leaves its sources to another after this.
const SourceLease = 30 * time.Second

// ErrLeased is Run's answer when another node reads the source.
var ErrLeased = errors.New("listening: another node reads this source")

// Pipeline runs sources through the compiled topics: a post that matches
// gets its language, sentiment and buying intent and is stored with the
// topics it matched; the source's cursor is stored with it.
type Pipeline struct {
	store    PipelineStore
	hub      *live.Hub
	analyzer sentiment.Analyzer
	now      func() time.Time
	log      *slog.Logger

	// node names this process in the sources' leases.
	node string

	mu sync.Mutex
	// all matches every workspace's active topics (instance-wide sources);
	// own matches one workspace's (the sources a workspace added, which
	// may be private to it, such as a Google Alerts feed).
	all     *query.Matcher
	own     map[string]*query.Matcher
	topicWS map[string]string
	reload  chan struct{}
}

// NewPipeline returns a pipeline; Load compiles the topics.
func NewPipeline(s PipelineStore, hub *live.Hub, analyzer sentiment.Analyzer, now func() time.Time, log *slog.Logger) *Pipeline {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if analyzer == nil {
		analyzer = sentiment.New()
	}
	return &Pipeline{store: s, hub: hub, analyzer: analyzer, now: func() time.Time { return now().UTC() }, log: log,
		all: query.Compile(nil), own: map[string]*query.Matcher{}, topicWS: map[string]string{}, reload: make(chan struct{}, 1)}
}

// SetNode names this process, so that on several nodes each source is
// read by one of them at a time (a lease renewed while it reads).
func (pl *Pipeline) SetNode(node string) { pl.node = node }

// Changed asks for the topics to be compiled again (a topic was saved or
// deleted); Watch does it.
func (pl *Pipeline) Changed() {
	select {
	case pl.reload <- struct{}{}:
	default:
	}
}

// Watch compiles the topics again when they change (here, or every 30
// seconds for changes made on other nodes), until ctx ends.
func (pl *Pipeline) Watch(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-pl.reload:
		}
		if err := pl.Load(ctx); err != nil && ctx.Err() == nil {
			pl.log.Warn("listening: cannot load the topics", "err", err)
		}
	}
}

// Load compiles every active topic.
func (pl *Pipeline) Load(ctx context.Context) error {
	topics, err := pl.store.ActiveTopics(ctx)
	if err != nil {
		return err
	}
	all := map[string]*query.Query{}
	byWS := map[string]map[string]*query.Query{}
	topicWS := map[string]string{}
	for _, t := range topics {
		q, err := query.Parse(t.Query)
		if err != nil {
			pl.log.Warn("listening: a stored query does not parse; it is skipped", "topic", t.ID, "err", err)
			continue
		}
		all[t.ID] = q
		if byWS[t.WorkspaceID] == nil {
			byWS[t.WorkspaceID] = map[string]*query.Query{}
		}
		byWS[t.WorkspaceID][t.ID] = q
		topicWS[t.ID] = t.WorkspaceID
	}
	own := map[string]*query.Matcher{}
	for ws, qs := range byWS {
		own[ws] = query.Compile(qs)
	}
	compiled := query.Compile(all)
	pl.mu.Lock()
	pl.all, pl.own, pl.topicWS = compiled, own, topicWS
	pl.mu.Unlock()
	return nil
}

var hashtag = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?:^|\s)#([\p{L}\p{N}_]+)`) })

// Match returns the posts that match a topic, ready to store. workspaceID
// limits matching to one workspace's topics ("" for all).
func (pl *Pipeline) Match(posts []source.Post, workspaceID string) []store.Found {
	var found []store.Found
	var ids []string
	pl.mu.Lock()
	m := pl.all
	if workspaceID != "" {
		m = pl.own[workspaceID]
	}
	for _, sp := range posts {
		if m == nil {
			break
		}
		text := sp.Text
		if sp.Title != "" {
			text = sp.Title + "\n" + text
		}
		ids = m.Match(query.Post{Text: text, Author: sp.Author, URL: sp.URL, Lang: sp.Lang, Links: sp.Links}, ids[:0])
		if len(ids) == 0 {
			continue
		}
		f := store.Found{RemoteID: sp.ID}
		for _, id := range ids {
			f.Topics = append(f.Topics, store.TopicRef{ID: id, WorkspaceID: pl.topicWS[id]})
		}
		f.Post = p.Mention{Source: sp.Source, URL: sp.URL, Title: sp.Title, Text: sp.Text, Author: sp.Author,
			AuthorName: sp.AuthorName, Lang: sp.Lang, Reach: sp.Reach, CreatedAt: sp.CreatedAt}
		f.Links = sp.Links
		found = append(found, f)
	}
	pl.mu.Unlock()
	// Language and sentiment cost far more than matching: only matched
	// posts get them, outside the lock.
	for i := range found {
		f := &found[i]
		links := f.Links
		a := pl.analyzer.Analyze(strings.TrimSpace(f.Post.Title + "\n" + f.Post.Text))
		if f.Post.Lang == "" {
			f.Post.Lang = a.Lang
		}
		f.Post.Sentiment = a.Score
		f.Post.Lead = IsLead(f.Post.Title + " " + f.Post.Text)
		f.Post.Host = siteOf(f.Post.URL, links)
		f.Fingerprint = fingerprint(f.Post.Text, links)
		for _, m := range hashtag().FindAllStringSubmatch(f.Post.Text, 20) {
			f.Hashtags = append(f.Hashtags, strings.ToLower(m[1]))
		}
	}
	return found
}

// siteOf is the site a post is about: its first external link's host (a
// post sharing an article), or the page's own host.
func siteOf(pageURL string, links []string) string {
	for _, l := range append(links, pageURL) {
		if u, err := url.Parse(l); err == nil && u.Host != "" {
			return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
		}
	}
	return ""
}

var urlPattern = regexp.MustCompile(`https?://\S+`)

// fingerprint identifies near-duplicates: the same link (without its query
// and fragment, where the tracking parameters live), or else the same
// words (case, spacing and links aside) in a text long enough to mean
// something.
func fingerprint(text string, links []string) string {
	if len(links) > 0 {
		if u, err := url.Parse(links[0]); err == nil && u.Host != "" {
			return "link:" + strings.ToLower(u.Host) + strings.TrimSuffix(u.Path, "/")
		}
	}
	words := strings.Fields(strings.ToLower(urlPattern.ReplaceAllString(text, "")))
	norm := strings.Join(words, " ")
	if len(norm) < 40 {
		return ""
	}
	sum := sha256.Sum256([]byte(norm))
	return "text:" + hex.EncodeToString(sum[:12])
}

// Run reads a source from its stored cursor and stores what matches, until
// ctx ends. workspaceID is the workspace that added the source ("" for an
// instance-wide one).
func (pl *Pipeline) Run(ctx context.Context, src source.Source, workspaceID, kind, target string) error {
	row, err := pl.store.Source(ctx, workspaceID, kind, target, pl.now())
	if err != nil {
		return err
	}
	if pl.node != "" {
		mine, err := pl.store.LeaseSource(ctx, row.ID, pl.node, pl.now(), pl.now().Add(SourceLease))
		if err != nil {
			return err
		}
		if !mine {
			return ErrLeased
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		go pl.keepLease(ctx, cancel, row.ID)
		defer func() { _ = pl.store.ReleaseSource(context.WithoutCancel(ctx), row.ID, pl.node) }()
		// Another node may have moved the cursor until a moment ago.
		if row, err = pl.store.Source(ctx, workspaceID, kind, target, pl.now()); err != nil {
			return err
		}
	}
	var pending string
	var pendingN int
	lastSave := time.Time{}
	emit := func(ctx context.Context, b source.Batch) error {
		found := pl.Match(b.Posts, workspaceID)
		now := pl.now()
		if len(found) == 0 {
			// Nothing matched: the cursor is saved at most every few
			// seconds (a restart then reads those seconds again).
			pending, pendingN = b.Cursor, pendingN+len(b.Posts)
			if now.Sub(lastSave) < 3*time.Second {
				return nil
			}
			lastSave = now
			err := pl.store.SaveSourceCursor(ctx, row.ID, pending, pendingN, now)
			pendingN = 0
			return err
		}
		news, err := pl.store.StoreFound(ctx, found, row.ID, b.Cursor, pendingN+len(b.Posts), now)
		if err != nil {
			return err
		}
		lastSave, pendingN = now, 0
		seen := map[string]bool{}
		for _, n := range news {
			if !seen[n.WorkspaceID] {
				seen[n.WorkspaceID] = true
				pl.hub.Publish(n.WorkspaceID)
			}
		}
		return nil
	}
	status := func(st source.Status) {
		errText := ""
		if st.Err != nil {
			errText = st.Err.Error()
		}
		if err := pl.store.SetSourceStatus(context.WithoutCancel(ctx), row.ID, st.Connected, errText, st.RetryAt, pl.now()); err != nil {
			pl.log.Warn("listening: cannot record a source's status", "source", src.Name(), "err", err)
		}
	}
	err = src.Run(ctx, row.Cursor, emit, status)
	if pendingN > 0 && pending != "" {
		_ = pl.store.SaveSourceCursor(context.WithoutCancel(ctx), row.ID, pending, pendingN, pl.now())
	}
	return err
}

// keepLease renews the node's lease on a source while it reads it, and
// stops the reading (cancel) if the lease was lost.
func (pl *Pipeline) keepLease(ctx context.Context, cancel context.CancelFunc, id string) {
	t := time.NewTicker(SourceLease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		mine, err := pl.store.LeaseSource(ctx, id, pl.node, pl.now(), pl.now().Add(SourceLease))
		if ctx.Err() != nil {
			return
		}
		if err != nil || !mine {
			pl.log.Warn("listening: lost the lease of a source; another node reads it", "source", id, "err", err)
			cancel()
			return
		}
	}
}
