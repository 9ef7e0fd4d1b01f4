package publish

import (
	"context"
	"html"
	"log/slog"
	"time"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/i18n"
	"github.com/portavoce/portavoce/internal/mail"
)

// NotifyStore is what the notifier needs from the database.
type NotifyStore interface {
	UnsentNotifications(ctx context.Context, limit int) ([]p.Notification, error)
	NotifyOverdue(ctx context.Context, now time.Time, grace time.Duration) (int, error)
	MarkEmailed(ctx context.Context, id string, at time.Time) (bool, error)
	UnmarkEmailed(ctx context.Context, id string) error
	WorkspaceByID(ctx context.Context, id string) (p.Workspace, error)
	WorkspaceEmails(ctx context.Context, workspaceID string, roles []p.Role) ([]string, error)
}

// Notifier emails the workspace's owners and managers about posts that
// failed, went out late or need them. Each notification is emailed once,
// whichever node gets to it first; one that cannot be sent is tried again.
type Notifier struct {
	store   NotifyStore
	mail    mail.Sender
	baseURL string
	every   time.Duration
	now     func() time.Time
	log     *slog.Logger
	wake    chan struct{}
}

// NewNotifier returns a notifier that looks for new notifications every
// interval (and when woken).
func NewNotifier(s NotifyStore, m mail.Sender, baseURL string, every time.Duration, now func() time.Time, log *slog.Logger) *Notifier {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if every <= 0 {
		every = 5 * time.Second
	}
	return &Notifier{store: s, mail: m, baseURL: baseURL, every: every, now: now, log: log, wake: make(chan struct{}, 1)}
}

// Run sends notifications until ctx ends.
func (n *Notifier) Run(ctx context.Context) error {
	t := time.NewTicker(n.every)
	defer t.Stop()
	for {
		if err := n.SendPending(ctx); err != nil && ctx.Err() == nil {
			n.log.Warn("notifications: cannot send", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-n.wake:
		}
	}
}

// SendPending emails every notification not yet sent.
func (n *Notifier) SendPending(ctx context.Context) error {
	// Posts that should be out by now and are not are news too.
	if _, err := n.store.NotifyOverdue(ctx, n.now(), OverdueAfter); err != nil {
		return err
	}
	pending, err := n.store.UnsentNotifications(ctx, 100)
	if err != nil {
		return err
	}
	return mail.Outbox[p.Notification]{
		ID:      func(note p.Notification) string { return note.ID },
		Claim:   func(ctx context.Context, id string) (bool, error) { return n.store.MarkEmailed(ctx, id, n.now()) },
		Send:    n.send,
		Unclaim: n.store.UnmarkEmailed,
	}.SendAll(ctx, pending, n.log.With("component", "notifications"))
}

func (n *Notifier) send(ctx context.Context, note p.Notification) error {
	ws, err := n.store.WorkspaceByID(ctx, note.WorkspaceID)
	if err != nil {
		return err
	}
	to, err := n.store.WorkspaceEmails(ctx, ws.ID, []p.Role{p.RoleOwner, p.RoleManager})
	if err != nil || len(to) == 0 {
		return err
	}
	lang := i18n.Parse(ws.Language)
	subject, body := NotificationText(lang, note)
	link := n.baseURL + "/w/" + ws.Slug + "/calendar"
	if note.Kind == p.NotifyPresenceWorse {
		link = n.baseURL + "/w/" + ws.Slug + "/presence"
	}
	if note.PostID != "" {
		link = n.baseURL + "/w/" + ws.Slug + "/posts/" + note.PostID
	}
	return n.mail.Send(ctx, mail.Notice(lang, to, ws.Name, subject, body, "<p>"+html.EscapeString(body)+"</p>", link))
}

// OverdueAfter is how late a post that has not gone out must be for the
// workspace to be told.
const OverdueAfter = 10 * time.Minute

// NotificationText is a notification's subject and sentence in a language,
// for the email and the page.
func NotificationText(lang i18n.Lang, note p.Notification) (subject, body string) {
	switch note.Kind {
	case p.NotifyFailed:
		return i18n.T(lang, "A post was not published on %s", note.Account),
			i18n.T(lang, "A post was not published on %s. The network said: %s", note.Account, note.Detail)
	case p.NotifyLate:
		return i18n.T(lang, "A post went out late on %s", note.Account),
			i18n.T(lang, "A post was published on %s %s minutes after its time.", note.Account, note.Detail)
	case p.NotifyReconnect:
		return i18n.T(lang, "Reconnect %s", note.Account),
			i18n.T(lang, "%s no longer accepts Portavoce's access (%s). Its posts are kept and go out once you reconnect it on the accounts page.", note.Account, note.Detail)
	case p.NotifyOverdue:
		return i18n.T(lang, "A post is late on %s", note.Account),
			i18n.T(lang, "A post for %s is more than 10 minutes past its time and has not gone out yet; Portavoce keeps trying. %s", note.Account, note.Detail)
	case p.NotifyPresenceWorse:
		return i18n.T(lang, "The brand's presence got worse on %s", note.Account),
			i18n.T(lang, "The latest audit of %s found new problems (score %s). Open the presence page for the findings and their fixes.", note.Account, note.Detail)
	case p.NotifyNeedsCheck:
		return i18n.T(lang, "Check a post on %s", note.Account),
			i18n.T(lang, "Portavoce could not find out whether a post went out on %s (%s). Look at the account on the network, then mark the post as published or duplicate it.", note.Account, note.Detail)
	}
	return note.Kind, note.Detail
}
