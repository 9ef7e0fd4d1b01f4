package listening

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/listening/source"
	"github.com/portavoce/portavoce/internal/listening/source/feed"
	"github.com/portavoce/portavoce/internal/listening/source/hackernews"
	"github.com/portavoce/portavoce/internal/listening/source/mastodontag"
	"github.com/portavoce/portavoce/internal/listening/source/reddit"
	"github.com/portavoce/portavoce/internal/workspace"
)

// Kinds of source a workspace adds.
const (
	SourceFeed     = "rss"
	SourceHN       = "hn"
	SourceReddit   = "reddit"
	SourceMastodon = "mastodon"
)

// SourceKinds lists them in the order forms show them.
var SourceKinds = []string{SourceFeed, SourceMastodon, SourceHN, SourceReddit}

// SourceStore keeps the sources workspaces add.
type SourceStore interface {
	Source(ctx context.Context, workspaceID, kind, target string, now time.Time) (p.ListeningSource, error)
	DeleteSource(ctx context.Context, workspaceID, id string) error
	WorkspaceSources(ctx context.Context) ([]p.ListeningSource, error)
}

var hashtagName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\p{L}\p{N}_]{1,100}$`) })

// CheckSource validates what a person typed for a source and returns the
// target as stored: a feed's address, a search's words, or a Mastodon
// instance and hashtag as "https://instance#tag".
func CheckSource(kind, target string) (string, error) {
	target = strings.TrimSpace(target)
	switch kind {
	case SourceFeed:
		u, err := url.Parse(target)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return "", p.FieldError("target", "a feed is a web address (https://...), such as a Google Alerts feed")
		}
		return u.String(), nil
	case SourceHN, SourceReddit:
		if target == "" || len(target) > 200 {
			return "", p.FieldError("target", "write the words to search for (at most 200 characters)")
		}
		return target, nil
	case SourceMastodon:
		instance, tag, _ := strings.Cut(target, "#")
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "#")
		instance = strings.TrimSuffix(strings.TrimSpace(instance), "/")
		if !strings.Contains(instance, "://") {
			instance = "https://" + instance
		}
		u, err := url.Parse(instance)
		if err != nil || u.Host == "" || !hashtagName().MatchString(tag) {
			return "", p.FieldError("target", "write the instance and the hashtag, such as mastodon.social#caffe")
		}
		return u.Scheme + "://" + u.Host + "#" + tag, nil
	}
	return "", p.FieldError("kind", "choose a kind of source: rss, mastodon, hn or reddit")
}

// AddSource adds a source to the workspace: its posts are matched against
// the workspace's own topics only.
func (s *Service) AddSource(ctx context.Context, a workspace.Actor, acc workspace.Access, kind, target string) (p.ListeningSource, error) {
	if err := canManage(acc); err != nil {
		return p.ListeningSource{}, err
	}
	if s.sources == nil {
		return p.ListeningSource{}, p.Errorf(p.ECodeConflict, "this server does not read the workspaces' own sources")
	}
	target, err := CheckSource(kind, target)
	if err != nil {
		return p.ListeningSource{}, err
	}
	src, err := s.sources.Source(ctx, acc.Workspace.ID, kind, target, s.now())
	if err != nil {
		return p.ListeningSource{}, err
	}
	workspace.Record(ctx, s.store, s.log, s.now(), a, acc.Workspace.ID, p.AuditSourceAdded, src.ID, kind+" "+target)
	s.sourcesChanged()
	return src, nil
}

// RemoveSource stops reading a source of the workspace; what it brought
// stays.
func (s *Service) RemoveSource(ctx context.Context, a workspace.Actor, acc workspace.Access, id string) error {
	if err := canManage(acc); err != nil {
		return err
	}
	if s.sources == nil {
		return p.ErrNotFound
	}
	if err := s.sources.DeleteSource(ctx, acc.Workspace.ID, id); err != nil {
		return err
	}
	workspace.Record(ctx, s.store, s.log, s.now(), a, acc.Workspace.ID, p.AuditSourceRemoved, id, "")
	s.sourcesChanged()
	return nil
}

// Runner runs the sources workspaces added, starting new ones and stopping
// removed ones as they change.
type Runner struct {
	store    SourceStore
	pipeline *Pipeline
	client   *http.Client
	log      *slog.Logger
	wake     chan struct{}

	// token, when set, finds a bearer token for a workspace's source on a
	// Mastodon instance (a connected account's there), so that the
	// hashtag is followed live.
	token func(ctx context.Context, workspaceID, instance string) string

	mu      sync.Mutex
	running map[string]context.CancelFunc
}

// SetTokens lets Mastodon hashtag sources use a token of one of the
// workspace's accounts on the same instance: with it they follow the
// hashtag's stream (Mastodon asks for one since 4.2).
func (r *Runner) SetTokens(token func(ctx context.Context, workspaceID, instance string) string) {
	r.token = token
}

// NewRunner returns a runner. client makes every request of the sources:
// in production the one that refuses private addresses.
func NewRunner(s SourceStore, pl *Pipeline, client *http.Client, log *slog.Logger) *Runner {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{store: s, pipeline: pl, client: client, log: log, wake: make(chan struct{}, 1), running: map[string]context.CancelFunc{}}
}

// Changed makes the runner look at the sources now.
func (r *Runner) Changed() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run keeps the sources running until ctx ends; it looks at the list
// every 30 seconds (sources added on other nodes) and when told.
func (r *Runner) Run(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		if err := r.sync(ctx, &wg); err != nil && ctx.Err() == nil {
			r.log.Warn("listening: cannot list the sources", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.wake:
		}
	}
}

func (r *Runner) sync(ctx context.Context, wg *sync.WaitGroup) error {
	list, err := r.store.WorkspaceSources(ctx)
	if err != nil {
		return err
	}
	want := map[string]p.ListeningSource{}
	for _, s := range list {
		want[s.ID] = s
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, stop := range r.running {
		if _, ok := want[id]; !ok {
			stop()
			delete(r.running, id)
		}
	}
	for id, s := range want {
		if _, ok := r.running[id]; ok {
			continue
		}
		src, err := r.open(ctx, s)
		if err != nil {
			r.log.Warn("listening: a source cannot be read", "source", s.Kind+" "+s.Target, "err", err)
			continue
		}
		sctx, stop := context.WithCancel(ctx)
		r.running[id] = stop
		wg.Go(func() {
			for sctx.Err() == nil {
				err := r.pipeline.Run(sctx, src, s.WorkspaceID, s.Kind, s.Target)
				if sctx.Err() != nil {
					return
				}
				wait := 10 * time.Second
				if errors.Is(err, ErrLeased) {
					// Another node reads it: take over if that node goes.
					wait = SourceLease / 2
				} else {
					r.log.Warn("listening: a source stopped; it starts again in 10 s", "source", s.Kind+" "+s.Target, "err", err)
				}
				select {
				case <-sctx.Done():
				case <-time.After(wait):
				}
			}
		})
	}
	return nil
}

// open builds the source a stored row names.
func (r *Runner) open(ctx context.Context, s p.ListeningSource) (source.Source, error) {
	switch s.Kind {
	case SourceFeed:
		return feed.New(s.Target, r.client, feed.Options{})
	case SourceHN:
		return hackernews.New(s.Target, r.client, hackernews.Options{})
	case SourceReddit:
		return reddit.New(s.Target, r.client, reddit.Options{})
	case SourceMastodon:
		instance, tag, _ := strings.Cut(s.Target, "#")
		var o mastodontag.Options
		if r.token != nil {
			o.Token = r.token(ctx, s.WorkspaceID, instance)
		}
		return mastodontag.New(instance, tag, r.client, o)
	}
	return nil, p.Errorf(p.ECodeInvalid, "unknown kind of source %s", s.Kind)
}
