package listening

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/i18n"
	"github.com/portavoce/portavoce/internal/mail"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/textcount"
)

// Spike detection, against each topic's own recent past: the mentions of
// the current window (Window, aligned to the clock) are compared with the
// Baseline windows before it. With m their mean and s their standard
// deviation, the window is a spike when it holds at least MinSpike
// mentions and more than m + Sigma·max(s, √m, 1): the √m floor is the
// spread a Poisson count of mean m has anyway, so a topic that was silent
// does not alert on its first few posts. Volume and negative mentions are
// judged apart; each alerts at most once per window.
const (
	Window   = 10 * time.Minute
	Baseline = 24 // windows: the last 4 hours
	Sigma    = 3.0
	MinSpike = 10
)

// AlertStore is what alerting needs from the database.
type AlertStore interface {
	ActiveTopics(ctx context.Context) ([]p.Topic, error)
	Topic(ctx context.Context, workspaceID, id string) (p.Topic, error)
	MentionVolume(ctx context.Context, workspaceID string, from, to time.Time, size time.Duration) ([]store.Bucket, error)
	CountMentions(ctx context.Context, topicID string, from, to time.Time, negative bool, limit int) (int, []string, error)
	MentionsByID(ctx context.Context, workspaceID, topicID string, postIDs []string) ([]p.Mention, error)
	AddAlert(ctx context.Context, a p.ListeningAlert) (bool, error)
	UnsentAlerts(ctx context.Context, limit int) ([]p.ListeningAlert, error)
	MarkAlertSent(ctx context.Context, id string, at time.Time) (bool, error)
	UnmarkAlertSent(ctx context.Context, id string) error
	WorkspaceByID(ctx context.Context, id string) (p.Workspace, error)
	WorkspaceEmails(ctx context.Context, workspaceID string, roles []p.Role) ([]string, error)
}

// Alerter finds spikes and sends their alerts by email and webhook.
type Alerter struct {
	store   AlertStore
	mail    mail.Sender
	hooks   *http.Client
	baseURL string
	now     func() time.Time
	log     *slog.Logger
}

// NewAlerter returns an alerter. hooks posts to webhooks: in production
// the client that refuses private addresses.
func NewAlerter(s AlertStore, m mail.Sender, hooks *http.Client, baseURL string, now func() time.Time, log *slog.Logger) *Alerter {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Alerter{store: s, mail: m, hooks: hooks, baseURL: baseURL, now: func() time.Time { return now().UTC() }, log: log}
}

// Run looks for spikes and sends alerts every interval until ctx ends;
// with ds (may be nil) it also sends the daily digests and applies the
// retention, every few minutes.
func (a *Alerter) Run(ctx context.Context, every time.Duration, ds DigestStore) {
	t := time.NewTicker(every)
	defer t.Stop()
	lastDaily := time.Time{}
	for {
		if ds != nil && a.now().Sub(lastDaily) >= 5*time.Minute {
			lastDaily = a.now()
			if err := a.Daily(ctx, ds); err != nil && ctx.Err() == nil {
				a.log.Warn("listening: cannot send the digests or apply the retention", "err", err)
			}
		}
		if err := a.Check(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("listening: cannot look for spikes", "err", err)
		}
		if err := a.SendPending(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("listening: cannot send alerts", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Spike reports whether count, after the counts of the baseline windows,
// is a spike, and the baseline's mean.
func Spike(count int, past []int) (bool, float64) {
	var sum float64
	for _, c := range past {
		sum += float64(c)
	}
	mean := 0.0
	if len(past) > 0 {
		mean = sum / float64(len(past))
	}
	var sq float64
	for _, c := range past {
		sq += (float64(c) - mean) * (float64(c) - mean)
	}
	sd := 0.0
	if len(past) > 1 {
		sd = math.Sqrt(sq / float64(len(past)-1))
	}
	spread := math.Max(math.Max(sd, math.Sqrt(mean)), 1)
	return count >= MinSpike && float64(count) > mean+Sigma*spread, mean
}

// Check records an alert for every topic whose current window is a spike.
func (a *Alerter) Check(ctx context.Context) error {
	topics, err := a.store.ActiveTopics(ctx)
	if err != nil {
		return err
	}
	byWS := map[string][]p.Topic{}
	for _, t := range topics {
		byWS[t.WorkspaceID] = append(byWS[t.WorkspaceID], t)
	}
	now := a.now()
	current := now.Truncate(Window)
	from := current.Add(-Baseline * Window)
	for ws, ts := range byWS {
		buckets, err := a.store.MentionVolume(ctx, ws, from, current.Add(Window), Window)
		if err != nil {
			return err
		}
		for _, t := range ts {
			total, negative := make([]int, Baseline+1), make([]int, Baseline+1)
			for _, b := range buckets {
				if b.TopicID != t.ID {
					continue
				}
				i := int(b.Start.Sub(from) / Window)
				if i >= 0 && i <= Baseline {
					total[i], negative[i] = b.Total, b.Negative
				}
			}
			for kind, counts := range map[string][]int{"volume": total, "negative": negative} {
				spike, mean := Spike(counts[Baseline], counts[:Baseline])
				if !spike {
					continue
				}
				_, ids, err := a.store.CountMentions(ctx, t.ID, current, current.Add(Window), kind == "negative", 20)
				if err != nil {
					return err
				}
				added, err := a.store.AddAlert(ctx, p.ListeningAlert{ID: uuid.Must(uuid.NewV7()).String(), TopicID: t.ID, WorkspaceID: ws,
					Kind: kind, WindowStart: current, Count: counts[Baseline], Baseline: mean, Mentions: ids, CreatedAt: now})
				if err != nil {
					return err
				}
				if added {
					a.log.Info("listening: spike", "topic", t.ID, "kind", kind, "count", counts[Baseline], "baseline", mean)
				}
			}
		}
	}
	return nil
}

// SendPending sends every alert not yet sent, once.
func (a *Alerter) SendPending(ctx context.Context) error {
	pending, err := a.store.UnsentAlerts(ctx, 50)
	if err != nil {
		return err
	}
	return mail.Outbox[p.ListeningAlert]{
		ID:      func(al p.ListeningAlert) string { return al.ID },
		Claim:   func(ctx context.Context, id string) (bool, error) { return a.store.MarkAlertSent(ctx, id, a.now()) },
		Send:    a.send,
		Unclaim: a.store.UnmarkAlertSent,
	}.SendAll(ctx, pending, a.log.With("component", "listening alerts"))
}

// AlertPayload is what a webhook receives.
type AlertPayload struct {
	Workspace string      `json:"workspace"`
	Topic     string      `json:"topic"`
	Kind      string      `json:"kind"`
	Window    time.Time   `json:"window_start"`
	Count     int         `json:"count"`
	Baseline  float64     `json:"baseline"`
	Link      string      `json:"link"`
	Mentions  []p.Mention `json:"mentions"`
}

func (a *Alerter) send(ctx context.Context, al p.ListeningAlert) error {
	ws, err := a.store.WorkspaceByID(ctx, al.WorkspaceID)
	if err != nil {
		return err
	}
	topic, err := a.store.Topic(ctx, al.WorkspaceID, al.TopicID)
	if err != nil {
		return err
	}
	mentions, err := a.store.MentionsByID(ctx, al.WorkspaceID, al.TopicID, al.Mentions)
	if err != nil {
		return err
	}
	link := a.baseURL + "/w/" + ws.Slug + "/listening?topic=" + topic.ID
	if al.Kind == "negative" {
		link += "&sentiment=negative"
	}
	if topic.AlertWebhook != "" && a.hooks != nil {
		body, _ := json.Marshal(AlertPayload{Workspace: ws.Slug, Topic: topic.Name, Kind: al.Kind, Window: al.WindowStart, Count: al.Count,
			Baseline: al.Baseline, Link: link, Mentions: mentions})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, topic.AlertWebhook, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := a.hooks.Do(req)
		if err != nil {
			return fmt.Errorf("webhook: %w", err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			return fmt.Errorf("webhook: HTTP %d", resp.StatusCode)
		}
	}
	if !topic.AlertEmail {
		return nil
	}
	to, err := a.store.WorkspaceEmails(ctx, ws.ID, []p.Role{p.RoleOwner, p.RoleManager})
	if err != nil || len(to) == 0 {
		return err
	}
	lang := i18n.Parse(ws.Language)
	subject := i18n.T(lang, "More mentions than usual of %s", topic.Name)
	intro := i18n.T(lang, "%d mentions of %s since %s, against %.1f in a usual 10 minutes.", al.Count, topic.Name,
		al.WindowStart.Format("15:04 MST"), al.Baseline)
	if al.Kind == "negative" {
		subject = i18n.T(lang, "More negative mentions than usual of %s", topic.Name)
		intro = i18n.T(lang, "%d negative mentions of %s since %s, against %.1f in a usual 10 minutes.", al.Count, topic.Name,
			al.WindowStart.Format("15:04 MST"), al.Baseline)
	}
	var text, htm strings.Builder
	text.WriteString(intro + "\n\n")
	htm.WriteString("<p>" + html.EscapeString(intro) + "</p><ul>")
	for _, m := range mentions {
		line := "@" + m.Author + ": " + textcount.Clip(m.Text, 200)
		text.WriteString("- " + line + "\n  " + m.URL + "\n")
		htm.WriteString(fmt.Sprintf(`<li><a href="%s">%s</a></li>`, html.EscapeString(m.URL), html.EscapeString(line)))
	}
	htm.WriteString("</ul>")
	return a.mail.Send(ctx, mail.Notice(lang, to, ws.Name, subject, text.String(), htm.String(), link))
}
