package inbox

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/live"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/store"
)

// IngestStore is what ingestion needs from the database.
type IngestStore interface {
	Ingest(ctx context.Context, acc p.SocialAccount, arrivals []store.Arrival, cursor string, now time.Time) ([]string, error)
	ClaimInboxPolls(ctx context.Context, node string, now time.Time, lease time.Duration, limit int) ([]store.PollClaim, error)
	FinishInboxPoll(ctx context.Context, accountID, node string, next, now time.Time, errText string) error
	PollSoon(ctx context.Context, accountID string, at time.Time) error
	SetInboxLive(ctx context.Context, accountID string, live bool) error
	MarkItemDeleted(ctx context.Context, accountID, remoteID string, at time.Time) error
	WakeSnoozed(ctx context.Context, now time.Time) (map[string][]string, error)
	AllSocialAccounts(ctx context.Context) ([]p.SocialAccount, error)
}

// IngestOptions tune ingestion; zero values take the defaults.
type IngestOptions struct {
	// Node names this process in leases.
	Node string
	// Every is how often each account is fetched (provider.PollEvery);
	// with a live stream it is the safety net.
	Every time.Duration
	// Concurrency bounds the accounts fetched at once (8).
	Concurrency int
	// MaxPages bounds the pages fetched from one account in one round (20);
	// the rest comes at once in the next round.
	MaxPages int
}

// Ingester fetches every connected account's new items, and follows the
// live streams of the networks that have them.
type Ingester struct {
	store     IngestStore
	secrets   publish.Secrets
	providers map[string]provider.Inbox
	hub       *live.Hub
	opts      IngestOptions
	now       func() time.Time
	log       *slog.Logger
	wake      chan struct{}

	mu       sync.Mutex
	watching map[string]context.CancelFunc
}

// NewIngester returns an ingester; Run starts it.
func NewIngester(s IngestStore, secrets publish.Secrets, providers map[string]provider.Inbox, hub *live.Hub, opts IngestOptions,
	now func() time.Time, log *slog.Logger) *Ingester {
	if opts.Every <= 0 {
		opts.Every = provider.PollEvery
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.MaxPages <= 0 {
		opts.MaxPages = 20
	}
	if opts.Node == "" {
		opts.Node = "node"
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Ingester{store: s, secrets: secrets, providers: providers, hub: hub, opts: opts,
		now: func() time.Time { return now().UTC() }, log: log, wake: make(chan struct{}, 1), watching: map[string]context.CancelFunc{}}
}

// Every is the poll interval, shown on the inbox page.
func (g *Ingester) Every() time.Duration { return g.opts.Every }

// Wake makes the ingester look for due accounts now.
func (g *Ingester) Wake() {
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// lease is how long a node holds an account while fetching it.
const lease = 2 * time.Minute

// Run fetches due accounts, follows live streams and brings snoozed
// conversations back, until ctx ends.
func (g *Ingester) Run(ctx context.Context) error {
	// Accounts are due every minute or so, and live streams wake the loop
	// at once: looking every few seconds is enough.
	tick := time.NewTicker(3 * time.Second)
	defer tick.Stop()
	lastWatch := time.Time{}
	defer g.stopWatching()
	for {
		if err := g.Round(ctx); err != nil && ctx.Err() == nil {
			g.log.Warn("inbox: ingestion round failed", "err", err)
		}
		if now := g.now(); now.Sub(lastWatch) >= 15*time.Second {
			lastWatch = now
			if err := g.watchStreams(ctx); err != nil && ctx.Err() == nil {
				g.log.Warn("inbox: cannot list the accounts to stream", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-g.wake:
		}
	}
}

// Round fetches every account that is due, and wakes snoozed
// conversations whose time has come.
func (g *Ingester) Round(ctx context.Context) error {
	woken, err := g.store.WakeSnoozed(ctx, g.now())
	if err != nil {
		return err
	}
	for ws := range woken {
		g.hub.Publish(ws)
	}
	for {
		claims, err := g.store.ClaimInboxPolls(ctx, g.opts.Node, g.now(), lease, 50)
		if err != nil || len(claims) == 0 {
			return err
		}
		sem := make(chan struct{}, g.opts.Concurrency)
		var wg sync.WaitGroup
		for _, c := range claims {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				g.poll(ctx, c)
			}()
		}
		wg.Wait()
		if ctx.Err() != nil {
			return nil
		}
	}
}

// poll fetches one account's new items, page after page, each page stored
// with its cursor in one transaction.
func (g *Ingester) poll(ctx context.Context, c store.PollClaim) {
	acc := c.Account
	next := g.now().Add(g.opts.Every)
	prov := g.providers[acc.Network]
	if prov == nil {
		g.finish(ctx, acc.ID, next, "")
		return
	}
	more, err := g.fetch(ctx, prov, c)
	if err == nil {
		if more {
			// A backlog: the next round goes on with it at once.
			next = g.now()
		}
		g.finish(ctx, acc.ID, next, "")
		return
	}
	if ctx.Err() != nil {
		// Shutting down: the lease runs out and another round goes on.
		return
	}
	// Back off: 1, 2, 4... times the interval, at most 30 minutes; a rate
	// limit waits as long as the network says.
	wait := g.opts.Every << min(c.Failures, 5)
	wait = min(wait, 30*time.Minute)
	var pe *provider.Error
	if errors.As(err, &pe) && pe.Kind == provider.RateLimited && pe.RetryAfter.After(g.now().Add(wait)) {
		wait = pe.RetryAfter.Sub(g.now())
	}
	g.log.Info("inbox: fetch failed; it will be tried again", "account", acc.ID, "in", wait.String(), "err", err)
	g.finish(ctx, acc.ID, g.now().Add(wait), err.Error())
}

func (g *Ingester) finish(ctx context.Context, accountID string, next time.Time, errText string) {
	if err := g.store.FinishInboxPoll(context.WithoutCancel(ctx), accountID, g.opts.Node, next, g.now(), errText); err != nil {
		g.log.Warn("inbox: cannot record a fetch", "account", accountID, "err", err)
	}
}

// fetch stores the account's new items, page after page; more is true
// when it stopped at MaxPages with the network holding more.
func (g *Ingester) fetch(ctx context.Context, prov provider.Inbox, c store.PollClaim) (more bool, err error) {
	pa, err := publish.OpenAccount(ctx, g.secrets, c.Account)
	if err != nil {
		return false, err
	}
	cursor := c.Cursor
	for range g.opts.MaxPages {
		callCtx, cancel := context.WithTimeout(ctx, publish.NetworkTimeout)
		page, err := prov.Fetch(callCtx, pa, cursor)
		cancel()
		if err != nil {
			return false, err
		}
		changed, err := g.store.Ingest(ctx, c.Account, Arrivals(page.Items, g.now()), page.Cursor, g.now())
		if err != nil {
			return false, err
		}
		if len(changed) > 0 {
			g.hub.Publish(c.Account.WorkspaceID)
		}
		cursor = page.Cursor
		if !page.More {
			return false, nil
		}
	}
	return true, nil
}

// Arrivals turns fetched items into what the store keeps, with their
// language and sentiment.
func Arrivals(items []provider.Item, now time.Time) []store.Arrival {
	out := make([]store.Arrival, 0, len(items))
	for _, it := range items {
		a := Analyzer.Analyze(it.Text)
		lang := it.Lang
		if lang == "" {
			lang = a.Lang
		}
		reply := ""
		if it.Reply != nil {
			b, _ := json.Marshal(it.Reply)
			reply = string(b)
		}
		item := p.InboxItem{RemoteID: it.RemoteID, Kind: it.Kind, Author: p.Person(it.Author), Text: it.Text, URL: it.URL,
			Language: lang, Sentiment: a.Score, Reply: reply, CreatedAt: it.CreatedAt}
		if item.CreatedAt.IsZero() {
			item.CreatedAt = now
		}
		if it.Deleted {
			item.DeletedAt = now
		}
		out = append(out, store.Arrival{Thread: it.Thread, SubjectText: it.SubjectText, SubjectURL: it.SubjectURL, Item: item})
	}
	return out
}

// watchStreams follows the live stream of every account whose network has
// one, and stops following those that went away.
func (g *Ingester) watchStreams(ctx context.Context) error {
	accounts, err := g.store.AllSocialAccounts(ctx)
	if err != nil {
		return err
	}
	want := map[string]p.SocialAccount{}
	for _, a := range accounts {
		if _, ok := g.providers[a.Network].(provider.Streamer); ok && a.Status == p.AccountOK {
			want[a.ID] = a
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for id, stop := range g.watching {
		if _, ok := want[id]; !ok {
			stop()
			delete(g.watching, id)
		}
	}
	for id, a := range want {
		if _, ok := g.watching[id]; ok {
			continue
		}
		wctx, stop := context.WithCancel(ctx)
		g.watching[id] = stop
		go g.watch(wctx, a)
	}
	return nil
}

func (g *Ingester) stopWatching() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for id, stop := range g.watching {
		stop()
		delete(g.watching, id)
	}
}

// watch follows one account's stream, reconnecting with back-off. A "new"
// event makes the account due at once (the fetch, with its cursor, is what
// stores items: a stream event lost in a reconnection costs nothing but a
// little delay); "deleted" marks the item.
func (g *Ingester) watch(ctx context.Context, a p.SocialAccount) {
	streamer := g.providers[a.Network].(provider.Streamer)
	backoff := time.Second
	for ctx.Err() == nil {
		pa, err := publish.OpenAccount(ctx, g.secrets, a)
		if err != nil {
			g.log.Warn("inbox: cannot open the account to stream", "account", a.ID, "err", err)
			return
		}
		_ = g.store.SetInboxLive(ctx, a.ID, true)
		// Whatever arrived while the stream was down comes with a fetch.
		_ = g.store.PollSoon(ctx, a.ID, g.now())
		g.Wake()
		started := g.now()
		err = streamer.Watch(ctx, pa, func(ev provider.Event) {
			switch ev.Type {
			case "new":
				if err := g.store.PollSoon(ctx, a.ID, g.now()); err != nil {
					g.log.Warn("inbox: cannot schedule a fetch", "account", a.ID, "err", err)
				}
				g.Wake()
			case "deleted":
				if err := g.store.MarkItemDeleted(ctx, a.ID, ev.RemoteID, g.now()); err != nil {
					g.log.Warn("inbox: cannot mark a deleted post", "account", a.ID, "err", err)
				}
				g.hub.Publish(a.WorkspaceID)
			}
		})
		_ = g.store.SetInboxLive(context.WithoutCancel(ctx), a.ID, false)
		if ctx.Err() != nil {
			return
		}
		if g.now().Sub(started) > time.Minute {
			backoff = time.Second
		}
		var pe *provider.Error
		if errors.As(err, &pe) && pe.Kind == provider.AuthExpired {
			// The account checker tells the workspace; polling stops too.
			return
		}
		g.log.Info("inbox: live stream ended; reconnecting", "account", a.ID, "in", backoff.String(), "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Minute)
	}
}
