package cli

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/portavoce/portavoce/internal/config"
	"github.com/portavoce/portavoce/internal/inbox"
	"github.com/portavoce/portavoce/internal/linkpreview"
	"github.com/portavoce/portavoce/internal/listening"
	"github.com/portavoce/portavoce/internal/live"
	"github.com/portavoce/portavoce/internal/mail"
	"github.com/portavoce/portavoce/internal/netguard"
	"github.com/portavoce/portavoce/internal/presence"
	"github.com/portavoce/portavoce/internal/presence/profileaudit"
	"github.com/portavoce/portavoce/internal/presence/siteaudit"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/provider/bluesky"
	"github.com/portavoce/portavoce/internal/provider/mastodon"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/secrets"
	"github.com/portavoce/portavoce/internal/store"
)

// publishing is the publishing side of the server: the service behind the
// pages, the connector, the dispatcher and the notifier.
type publishing struct {
	service    *publish.Service
	connector  *publish.Connector
	previews   *linkpreview.Cache
	dispatcher *publish.Dispatcher
	notifier   *publish.Notifier
	checker    *publish.AccountChecker
	presence   *presence.Service
	inbox      *inbox.Service
	ingester   *inbox.Ingester
	mailer     *inbox.Mailer
	listening  *listening.Service
	pipeline   *listening.Pipeline
	runner     *listening.Runner
	alerter    *listening.Alerter
	sources    []listeningSource
	db         *store.DB
	log        *slog.Logger
}

// newPublishing wires the networks (every outbound call through the
// SSRF guard), the dispatcher and the email notifier.
func newPublishing(c config.Config, db *store.DB, vault *secrets.Vault, node string, reg prometheus.Registerer, log *slog.Logger) (*publishing, error) {
	guarded := netguard.NewClient(netguard.Options{Allow: c.AllowHosts, Timeout: publish.NetworkTimeout})
	masto := mastodon.New(guarded)
	sky := bluesky.New(guarded, c.BlueskyService, c.PLCDirectory)
	publishers := []provider.Publisher{masto, sky}

	dispatcher := publish.NewDispatcher(db, vault, publishers, publish.DispatchOptions{Node: node,
		Concurrency: c.PublishConcurrency, Lease: c.PublishLease, Registry: reg}, log, nil)
	var sender mail.Sender = mail.Log{Logger: log}
	if c.SMTPHost != "" {
		smtp, err := mail.NewSMTP(mail.Config{Host: c.SMTPHost, Port: c.SMTPPort, Username: c.SMTPUsername,
			Password: c.SMTPPassword, From: c.SMTPFrom, TLS: c.SMTPTLS})
		if err != nil {
			return nil, err
		}
		sender = smtp
	}
	audits := presence.New(db, guarded, siteaudit.Options{}, profileaudit.Deps{Mastodon: masto, Bluesky: sky, Handles: sky, HTTP: guarded}, nil, log)
	audits.SetFixer(presence.Fixer{Secrets: vault, Updaters: map[string]profileaudit.ProfileUpdater{provider.Mastodon: masto, provider.Bluesky: sky.Profiles("", nil)}})
	service := publish.New(db, publishers, dispatcher.Wake, nil, log)
	inboxes := map[string]provider.Inbox{provider.Mastodon: masto, provider.Bluesky: sky}
	hub := live.NewHub()
	listeningHub := live.NewHub()
	pipeline := listening.NewPipeline(db, listeningHub, nil, nil, log)
	pipeline.SetNode(node)
	runner := listening.NewRunner(db, pipeline, guarded, log)
	runner.SetTokens(func(ctx context.Context, workspaceID, instance string) string {
		return mastodonToken(ctx, db, vault, workspaceID, instance)
	})
	listen := listening.New(db, listeningHub, pipeline.Changed, nil, log)
	listen.SetSources(db, runner)
	listen.SetEngager(service, vault, sky)
	listen.SetInbox(db)
	return &publishing{
		service:    service,
		inbox:      inbox.New(db, service, vault, inboxes, hub, nil, log),
		ingester:   inbox.NewIngester(db, vault, inboxes, hub, inbox.IngestOptions{Node: node, Every: c.InboxPollEvery}, nil, log),
		mailer:     inbox.NewMailer(db, sender, c.BaseURL, nil, log),
		listening:  listen,
		pipeline:   pipeline,
		runner:     runner,
		alerter:    listening.NewAlerter(db, sender, guarded, c.BaseURL, nil, log),
		sources:    listeningSources(c, log),
		connector:  publish.NewConnector(db, vault, masto, sky, nil, log),
		previews:   linkpreview.NewCache(guarded, 10*time.Minute, 1000),
		dispatcher: dispatcher,
		notifier:   publish.NewNotifier(db, sender, c.BaseURL, 0, nil, log),
		checker:    publish.NewAccountChecker(db, vault, publishers, c.AccountCheckEvery, log),
		presence:   audits,
		db:         db,
		log:        log,
	}, nil
}

// mastodonToken is the access token of one of the workspace's connected
// Mastodon accounts on instance, or "" when it has none there.
func mastodonToken(ctx context.Context, db *store.DB, vault *secrets.Vault, workspaceID, instance string) string {
	accounts, err := db.SocialAccounts(ctx, workspaceID, false)
	if err != nil {
		return ""
	}
	for _, a := range accounts {
		if a.Network != provider.Mastodon || strings.TrimSuffix(a.Server, "/") != strings.TrimSuffix(instance, "/") {
			continue
		}
		creds, err := vault.Get(ctx, a.SecretID)
		if err != nil {
			continue
		}
		if token, err := mastodon.AccessToken(creds); err == nil {
			return token
		}
	}
	return ""
}

// start runs the dispatcher and the notifier until ctx ends; Wait on the
// result waits for them to stop. On SQLite only one server runs, so any post
// still marked as being published belongs to a process that died: it is
// taken over at once (and checked on the network).
func (p *publishing) start(ctx context.Context) *sync.WaitGroup {
	if p.db.Dialect == store.SQLite {
		if err := p.db.ExpireAllLeases(ctx); err != nil {
			p.log.Warn("publish: cannot take over interrupted posts now; they are taken when their lease ends", "err", err)
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { p.dispatcher.Run(ctx) })
	wg.Go(func() { p.notifier.Run(ctx) })
	wg.Go(func() { p.ingester.Run(ctx) })
	p.startListening(ctx, &wg)
	wg.Go(func() { p.mailer.Run(ctx, 5*time.Second) })
	if p.checker != nil {
		wg.Go(func() { p.checker.Run(ctx) })
	}
	// Scheduled presence audits: looked for every minute.
	wg.Go(func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			if err := p.presence.RunScheduled(ctx); err != nil && ctx.Err() == nil {
				p.log.Warn("presence: scheduled audits", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
	return &wg
}
