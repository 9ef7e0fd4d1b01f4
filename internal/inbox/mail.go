package inbox

import (
	"context"
	"html"
	"log/slog"
	"time"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/i18n"
	"github.com/portavoce/portavoce/internal/mail"
	"github.com/portavoce/portavoce/internal/store"
)

// MailStore is what the inbox's emails need from the database.
type MailStore interface {
	UnsentInboxMail(ctx context.Context, limit int) ([]store.InboxMail, error)
	MarkInboxMailSent(ctx context.Context, id string, at time.Time) (bool, error)
	UnmarkInboxMailSent(ctx context.Context, id string) error
	UserByID(ctx context.Context, id string) (p.User, error)
	WorkspaceByID(ctx context.Context, id string) (p.Workspace, error)
	Conversation(ctx context.Context, workspaceID, id string) (p.Conversation, error)
}

// Mailer emails colleagues when a conversation is assigned to them or a
// note mentions them, with a link back to it. Each email is queued in the
// same transaction as the change, sent once by whichever node gets to it,
// and tried again when the SMTP server fails.
type Mailer struct {
	store   MailStore
	mail    mail.Sender
	baseURL string
	now     func() time.Time
	log     *slog.Logger
}

// NewMailer returns the inbox's mailer.
func NewMailer(s MailStore, m mail.Sender, baseURL string, now func() time.Time, log *slog.Logger) *Mailer {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Mailer{store: s, mail: m, baseURL: baseURL, now: now, log: log}
}

// Run sends queued emails every few seconds until ctx ends.
func (m *Mailer) Run(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := m.SendPending(ctx); err != nil && ctx.Err() == nil {
			m.log.Warn("inbox: cannot send emails", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// SendPending sends every queued email.
func (m *Mailer) SendPending(ctx context.Context) error {
	pending, err := m.store.UnsentInboxMail(ctx, 100)
	if err != nil {
		return err
	}
	return mail.Outbox[store.InboxMail]{
		ID:      func(e store.InboxMail) string { return e.ID },
		Claim:   func(ctx context.Context, id string) (bool, error) { return m.store.MarkInboxMailSent(ctx, id, m.now()) },
		Send:    m.send,
		Unclaim: m.store.UnmarkInboxMailSent,
	}.SendAll(ctx, pending, m.log.With("component", "inbox emails"))
}

func (m *Mailer) send(ctx context.Context, e store.InboxMail) error {
	to, err := m.store.UserByID(ctx, e.UserID)
	if err != nil {
		return err
	}
	ws, err := m.store.WorkspaceByID(ctx, e.WorkspaceID)
	if err != nil {
		return err
	}
	c, err := m.store.Conversation(ctx, e.WorkspaceID, e.ConversationID)
	if err != nil {
		return err
	}
	by := p.User{Name: "Portavoce"}
	if e.Kind == "assigned" {
		if u, err := m.store.UserByID(ctx, e.Detail); err == nil {
			by = u
		}
	}
	lang := i18n.Parse(to.Language)
	if to.Language == "" {
		lang = i18n.Parse(ws.Language)
	}
	who := "@" + c.Contact.Handle
	if c.Contact.Name != "" {
		who = c.Contact.Name + " (" + who + ")"
	}
	var subject, body string
	switch e.Kind {
	case "assigned":
		subject = i18n.T(lang, "A conversation with %s is assigned to you", who)
		body = i18n.T(lang, "%s assigned you a conversation with %s on %s: “%s”", by.Name, who, p.NetworkName(c.Network), c.Preview)
	default:
		subject = i18n.T(lang, "You were mentioned in a note about %s", who)
		body = i18n.T(lang, "A colleague mentioned you in a note on the conversation with %s on %s: “%s”", who, p.NetworkName(c.Network), c.Preview)
	}
	link := m.baseURL + "/w/" + ws.Slug + "/inbox/" + c.ID
	return m.mail.Send(ctx, mail.Notice(lang, []string{to.Email}, ws.Name, subject, body, "<p>"+html.EscapeString(body)+"</p>", link))
}
