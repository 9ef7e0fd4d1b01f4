package listening

import (
	"context"
	"fmt"
	"html"
	"sort"
	"strings"
	"time"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/i18n"
	"github.com/portavoce/portavoce/internal/mail"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/textcount"
	"github.com/portavoce/portavoce/internal/workspace"
)

// DigestHour is the hour (in the workspace's time zone) from which the
// daily digest of the last 24 hours is sent.
const DigestHour = 8

// DigestStore is what the digest and the retention sweep need.
type DigestStore interface {
	ListeningWorkspaces(ctx context.Context) ([]string, error)
	ListeningRetention(ctx context.Context, workspaceID string) (int, error)
	DeleteOldMentions(ctx context.Context, workspaceID string, before time.Time) (int, error)
	ClaimDigest(ctx context.Context, workspaceID, day string, now time.Time) (bool, error)
	ReleaseDigest(ctx context.Context, workspaceID, day string) error
	Topics(ctx context.Context, workspaceID string) ([]p.Topic, error)
	Mentions(ctx context.Context, workspaceID string, f store.MentionFilter) ([]p.Mention, error)
}

// Daily sends each workspace's digest once a day (from DigestHour in its
// time zone, when it has mentions) and deletes the mentions older than its
// retention.
func (a *Alerter) Daily(ctx context.Context, ds DigestStore) error {
	ids, err := ds.ListeningWorkspaces(ctx)
	if err != nil {
		return err
	}
	now := a.now()
	for _, id := range ids {
		ws, err := a.store.WorkspaceByID(ctx, id)
		if err != nil {
			return err
		}
		days, err := ds.ListeningRetention(ctx, id)
		if err != nil {
			return err
		}
		if _, err := ds.DeleteOldMentions(ctx, id, now.AddDate(0, 0, -days)); err != nil {
			return err
		}
		local := now.In(publish.Zone(ws.Timezone))
		if local.Hour() < DigestHour {
			continue
		}
		day := local.Format("2006-01-02")
		mine, err := ds.ClaimDigest(ctx, id, day, now)
		if err != nil || !mine {
			if err != nil {
				return err
			}
			continue
		}
		if err := a.digest(ctx, ds, ws, now); err != nil {
			a.log.Warn("listening: digest not sent; it will be tried again", "workspace", id, "err", err)
			if err := ds.ReleaseDigest(context.WithoutCancel(ctx), id, day); err != nil {
				return err
			}
		}
	}
	return nil
}

// digest emails a workspace's last 24 hours: per topic the mentions, the
// negative and positive ones, and the posts that reached most people.
func (a *Alerter) digest(ctx context.Context, ds DigestStore, ws p.Workspace, now time.Time) error {
	topics, err := ds.Topics(ctx, ws.ID)
	if err != nil {
		return err
	}
	from := now.Add(-24 * time.Hour)
	buckets, err := a.store.MentionVolume(ctx, ws.ID, from, now, 24*time.Hour)
	if err != nil {
		return err
	}
	counts := map[string]store.Bucket{}
	total := 0
	for _, b := range buckets {
		c := counts[b.TopicID]
		c.Total, c.Negative, c.Positive = c.Total+b.Total, c.Negative+b.Negative, c.Positive+b.Positive
		counts[b.TopicID] = c
		total += b.Total
	}
	if total == 0 {
		return nil // nothing to tell: no email
	}
	to, err := a.store.WorkspaceEmails(ctx, ws.ID, []p.Role{p.RoleOwner, p.RoleManager})
	if err != nil || len(to) == 0 {
		return err
	}
	recent, err := ds.Mentions(ctx, ws.ID, store.MentionFilter{From: from, To: now, Limit: 200})
	if err != nil {
		return err
	}
	sort.SliceStable(recent, func(i, j int) bool { return recent[i].Reach > recent[j].Reach })
	lang := i18n.Parse(ws.Language)
	var text, htm strings.Builder
	intro := i18n.T(lang, "%d mentions in the last 24 hours.", total)
	text.WriteString(intro + "\n\n")
	htm.WriteString("<p>" + html.EscapeString(intro) + "</p><ul>")
	for _, t := range topics {
		c := counts[t.ID]
		line := i18n.T(lang, "%s: %d mentions, %d negative, %d positive", t.Name, c.Total, c.Negative, c.Positive)
		text.WriteString("- " + line + "\n")
		htm.WriteString("<li>" + html.EscapeString(line) + "</li>")
	}
	htm.WriteString("</ul>")
	if len(recent) > 0 {
		head := i18n.T(lang, "The posts that reached most people:")
		text.WriteString("\n" + head + "\n")
		htm.WriteString("<p>" + html.EscapeString(head) + "</p><ul>")
		for _, m := range recent[:min(5, len(recent))] {
			line := "@" + m.Author + ": " + textcount.Clip(m.Text, 200)
			text.WriteString("- " + line + "\n  " + m.URL + "\n")
			htm.WriteString(fmt.Sprintf(`<li><a href="%s">%s</a></li>`, html.EscapeString(m.URL), html.EscapeString(line)))
		}
		htm.WriteString("</ul>")
	}
	link := a.baseURL + "/w/" + ws.Slug + "/listening"
	subject := i18n.T(lang, "Listening: the last 24 hours")
	return a.mail.Send(ctx, mail.Notice(lang, to, ws.Name, subject, text.String(), htm.String(), link))
}

// Retention returns how many days the workspace keeps its mentions.
func (s *Service) Retention(ctx context.Context, acc workspace.Access) (int, error) {
	if err := canView(acc); err != nil {
		return 0, err
	}
	return s.settings.ListeningRetention(ctx, acc.Workspace.ID)
}

// SetRetention sets how many days (7 to 3650) the workspace keeps its
// mentions; older ones are deleted within the hour.
func (s *Service) SetRetention(ctx context.Context, a workspace.Actor, acc workspace.Access, days int) error {
	if err := canManage(acc); err != nil {
		return err
	}
	if days < 7 || days > 3650 {
		return p.FieldError("retention_days", "keep mentions between 7 and 3650 days")
	}
	return s.settings.SaveListeningRetention(ctx, acc.Workspace.ID, days, s.now())
}
