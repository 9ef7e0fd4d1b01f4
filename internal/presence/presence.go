// Package presence audits how a workspace's brand shows up on Google and on
// the networks: its website (internal/presence/siteaudit) and its profiles,
// on demand and on a schedule, keeping the history and telling the
// workspace when something got worse.
package presence

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/presence/profileaudit"
	"github.com/portavoce/portavoce/internal/presence/siteaudit"
	"github.com/portavoce/portavoce/internal/workspace"
)

// Store is what the presence audit needs from the database.
type Store interface {
	PresenceSettings(ctx context.Context, workspaceID string) (p.PresenceSettings, error)
	SavePresenceSettings(ctx context.Context, s p.PresenceSettings) error
	ClaimScheduledAudit(ctx context.Context, now time.Time) (string, error)
	SaveAudit(ctx context.Context, a p.PresenceAudit) error
	PresenceAudits(ctx context.Context, workspaceID string, limit int) ([]p.PresenceAudit, error)
	PresenceAudit(ctx context.Context, workspaceID, id string) (p.PresenceAudit, error)
	SocialAccounts(ctx context.Context, workspaceID string, disconnected bool) ([]p.SocialAccount, error)
	WorkspaceByID(ctx context.Context, id string) (p.Workspace, error)
	AddNotification(ctx context.Context, n p.Notification) error
	AddAudit(ctx context.Context, e p.AuditEntry) error
}

// NotifyWorse is the notification kind for an audit that found the brand's
// presence worse than the previous one.
const NotifyWorse = p.NotifyPresenceWorse

// Intervals are the schedules a workspace may choose for its audit.
var Intervals = []time.Duration{0, 24 * time.Hour, 7 * 24 * time.Hour}

// Service runs and keeps the audits.
type Service struct {
	store    Store
	client   *http.Client
	opts     siteaudit.Options
	profiles profileaudit.Deps
	fixer    Fixer
	now      func() time.Time
	log      *slog.Logger
}

// New returns the service; client must be the SSRF-guarded client
// (internal/netguard), since the addresses come from users. profiles reads
// the brand's Mastodon and Bluesky profiles; with no readers, only the
// website is audited.
func New(s Store, client *http.Client, opts siteaudit.Options, profiles profileaudit.Deps, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if profiles.HTTP == nil {
		profiles.HTTP = client
	}
	return &Service{store: s, client: client, opts: opts, profiles: profiles, now: func() time.Time { return now().UTC() }, log: log}
}

// severities maps the profile audit's severities onto the website's.
var severities = map[string]string{profileaudit.SeverityError: "critical", profileaudit.SeverityWarning: "important",
	profileaudit.SeverityNotice: "minor"}

// profileRefs are the brand's Mastodon and Bluesky profiles the profile
// audit can read: its connected accounts and the addresses it listed.
func profileRefs(accounts []p.SocialAccount, addresses []string) []profileaudit.ProfileRef {
	var refs []profileaudit.ProfileRef
	seen := map[string]bool{}
	add := func(r profileaudit.ProfileRef) {
		key := r.Network + " " + strings.ToLower(r.String())
		if !seen[key] {
			seen[key] = true
			refs = append(refs, r)
		}
	}
	for _, a := range accounts {
		if a.ProfileURL == "" {
			continue
		}
		if r, ok := profileaudit.ParseProfileRef(a.ProfileURL); ok {
			add(r)
		}
	}
	for _, u := range addresses {
		if r, ok := profileaudit.ParseProfileRef(u); ok {
			add(r)
		}
	}
	return refs
}

// Settings returns the workspace's presence settings, with the brand's name
// defaulting to the workspace's.
func (s *Service) Settings(ctx context.Context, acc workspace.Access) (p.PresenceSettings, error) {
	st, err := s.store.PresenceSettings(ctx, acc.Workspace.ID)
	if st.BrandName == "" {
		st.BrandName = acc.Workspace.Name
	}
	return st, err
}

// SaveSettings checks and stores the website, the brand and its profiles,
// and the audit's schedule.
func (s *Service) SaveSettings(ctx context.Context, a workspace.Actor, acc workspace.Access, in p.PresenceSettings) (p.PresenceSettings, error) {
	if !acc.Can(p.PermManagePresence) {
		return p.PresenceSettings{}, p.Errorf(p.ECodeForbidden, "your role in this workspace does not allow this")
	}
	out := p.PresenceSettings{WorkspaceID: acc.Workspace.ID, BrandName: strings.TrimSpace(in.BrandName), LocalBusiness: in.LocalBusiness,
		AuditEvery: in.AuditEvery, UpdatedAt: s.now(), Profiles: []string{}}
	var err error
	if out.Website, err = webAddress(in.Website, "website"); err != nil {
		return p.PresenceSettings{}, err
	}
	if out.LogoURL, err = webAddress(in.LogoURL, "logo_url"); err != nil {
		return p.PresenceSettings{}, err
	}
	for _, raw := range in.Profiles {
		if strings.TrimSpace(raw) == "" {
			continue
		}
		u, err := webAddress(raw, "profiles")
		if err != nil {
			return p.PresenceSettings{}, err
		}
		if !slices.Contains(out.Profiles, u) {
			out.Profiles = append(out.Profiles, u)
		}
	}
	if !slices.Contains(Intervals, out.AuditEvery) {
		return p.PresenceSettings{}, p.FieldError("audit_every", "choose how often the audit runs: never, every day or every week")
	}
	if out.AuditEvery > 0 {
		out.NextAudit = s.now().Add(out.AuditEvery)
	}
	if err := s.store.SavePresenceSettings(ctx, out); err != nil {
		return p.PresenceSettings{}, err
	}
	return out, nil
}

// webAddress checks an address typed by a person, adding https:// when the
// scheme is missing; empty stays empty.
func webAddress(raw, field string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(u.Host, " @") {
		e := p.Errorf(p.ECodeInvalid, "%q is not a web address: write it as https://www.example.it", strings.TrimPrefix(raw, "https://"))
		e.Field = field
		return "", e
	}
	return u.String(), nil
}

// Brand is what the audit checks for a workspace: its settings, plus the
// profiles of its connected accounts.
func (s *Service) brand(ctx context.Context, ws p.Workspace) (siteaudit.Brand, error) {
	st, err := s.store.PresenceSettings(ctx, ws.ID)
	if err != nil {
		return siteaudit.Brand{}, err
	}
	if st.Website == "" {
		return siteaudit.Brand{}, p.FieldError("website", "write the company's website first, then run the audit")
	}
	b := siteaudit.Brand{Name: st.BrandName, Website: st.Website, Profiles: slices.Clone(st.Profiles), LocalBusiness: st.LocalBusiness,
		Logo: st.LogoURL}
	if b.Name == "" {
		b.Name = ws.Name
	}
	accounts, err := s.store.SocialAccounts(ctx, ws.ID, false)
	if err != nil {
		return b, err
	}
	for _, a := range accounts {
		if a.ProfileURL != "" && !slices.Contains(b.Profiles, a.ProfileURL) {
			b.Profiles = append(b.Profiles, a.ProfileURL)
		}
		if a.Network == "mastodon" && a.ProfileURL != "" {
			b.Mastodon = append(b.Mastodon, a.ProfileURL)
		}
	}
	for _, u := range b.Profiles {
		if siteaudit.IsMastodonProfile(u) && !slices.Contains(b.Mastodon, u) {
			b.Mastodon = append(b.Mastodon, u)
		}
	}
	return b, nil
}

// Run audits the workspace now, stores the result, and tells the workspace
// when the presence got worse than at the previous audit. An audit that
// cannot run (the site does not answer) is stored too, with its reason.
func (s *Service) Run(ctx context.Context, ws p.Workspace, trigger string) (p.PresenceAudit, p.AuditChange, error) {
	brand, err := s.brand(ctx, ws)
	if err != nil {
		return p.PresenceAudit{}, p.AuditChange{}, err
	}
	accounts, err := s.store.SocialAccounts(ctx, ws.ID, false)
	if err != nil {
		return p.PresenceAudit{}, p.AuditChange{}, err
	}
	st, err := s.store.PresenceSettings(ctx, ws.ID)
	if err != nil {
		return p.PresenceAudit{}, p.AuditChange{}, err
	}
	previous, err := s.store.PresenceAudits(ctx, ws.ID, 1)
	if err != nil {
		return p.PresenceAudit{}, p.AuditChange{}, err
	}
	audit := p.PresenceAudit{ID: uuid.Must(uuid.NewV7()).String(), WorkspaceID: ws.ID, Trigger: trigger, StartedAt: s.now(),
		Findings: []p.AuditFinding{}, Pages: []string{}}
	report, err := siteaudit.Audit(ctx, s.client, brand, s.opts)
	audit.FinishedAt = s.now()
	if err != nil {
		if ctx.Err() != nil {
			return p.PresenceAudit{}, p.AuditChange{}, ctx.Err()
		}
		audit.Score, audit.Error = -1, err.Error()
	} else {
		audit.Score, audit.Pages = report.Score, report.Pages
		for _, f := range report.Findings {
			audit.Findings = append(audit.Findings, p.AuditFinding{Source: "site", Check: f.Check, Severity: f.Severity, Impact: f.Impact,
				Subject: f.Page, Message: f.Message, Format: f.Format, Args: f.Args, Fix: f.Fix, FixFormat: f.FixFormat, FixArgs: f.FixArgs})
		}
		// The profiles, when there are readers and profiles to read: the
		// score is the mean of the website's and the profiles'.
		refs := profileRefs(accounts, st.Profiles)
		if len(refs) > 0 && s.profiles.Mastodon != nil && s.profiles.Bluesky != nil {
			pr, err := profileaudit.Audit(ctx, s.profiles, profileaudit.Brand{Name: brand.Name, Website: brand.Website,
				LogoURL: brand.Logo, Profiles: refs})
			switch {
			case err != nil && ctx.Err() != nil:
				return p.PresenceAudit{}, p.AuditChange{}, ctx.Err()
			case err != nil:
				s.log.Warn("presence: profile audit", "workspace", ws.ID, "err", err)
			default:
				audit.Score = (audit.Score + pr.Score + 1) / 2
				for _, f := range pr.Findings {
					audit.Findings = append(audit.Findings, p.AuditFinding{Source: "profile", Check: f.Check,
						Severity: severities[f.Severity], Impact: f.Impact, Subject: f.Profile, Message: f.Message, Format: f.Format,
						Args: f.Args, Fix: f.Fix, FixFormat: f.FixFormat, FixArgs: f.FixArgs, Fixable: f.Fixable, Network: f.Network})
				}
			}
		}
	}
	if err := s.store.SaveAudit(ctx, audit); err != nil {
		return p.PresenceAudit{}, p.AuditChange{}, err
	}
	var change p.AuditChange
	if len(previous) == 1 && previous[0].Score >= 0 && audit.Score >= 0 {
		change = p.CompareAudits(previous[0], audit)
		if change.Worse() {
			n := p.Notification{ID: uuid.Must(uuid.NewV7()).String(), WorkspaceID: ws.ID, Kind: NotifyWorse,
				DeliveryID: "audit:" + audit.ID, Account: brand.Website,
				Detail: fmt.Sprintf("%d → %d", change.ScoreBefore, change.ScoreAfter), CreatedAt: s.now()}
			if err := s.store.AddNotification(ctx, n); err != nil {
				return audit, change, err
			}
		}
	}
	return audit, change, nil
}

// RunNow is an audit asked for by a person.
func (s *Service) RunNow(ctx context.Context, a workspace.Actor, acc workspace.Access) (p.PresenceAudit, p.AuditChange, error) {
	if !acc.Can(p.PermManagePresence) {
		return p.PresenceAudit{}, p.AuditChange{}, p.Errorf(p.ECodeForbidden, "your role in this workspace does not allow this")
	}
	return s.Run(ctx, acc.Workspace, "manual")
}

// History lists the workspace's audits, newest first.
func (s *Service) History(ctx context.Context, acc workspace.Access, limit int) ([]p.PresenceAudit, error) {
	return s.store.PresenceAudits(ctx, acc.Workspace.ID, limit)
}

// RunScheduled runs every audit that is due, each by one node.
func (s *Service) RunScheduled(ctx context.Context) error {
	for ctx.Err() == nil {
		id, err := s.store.ClaimScheduledAudit(ctx, s.now())
		if err != nil || id == "" {
			return err
		}
		ws, err := s.store.WorkspaceByID(ctx, id)
		if err != nil {
			return err
		}
		if _, _, err := s.Run(ctx, ws, "scheduled"); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Warn("presence: scheduled audit failed", "workspace", id, "err", err)
		}
	}
	return nil
}

// auditLog records a profile change made from Portavoce.
func (s *Service) auditLog(ctx context.Context, a workspace.Actor, workspaceID, check, account string) {
	workspace.Record(ctx, s.store, s.log, s.now(), a, workspaceID, p.AuditProfileFixed, account, check)
}
