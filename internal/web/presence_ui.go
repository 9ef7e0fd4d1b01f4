package web

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"strings"
	"time"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/i18n"
	"github.com/portavoce/portavoce/internal/presence/report"
	"github.com/portavoce/portavoce/internal/publish"
)

// findingView is a finding in the reader's language.
type findingView struct {
	Severity, Check, Subject, Message, Fix string
	// Fixable findings offer to make the change on the network.
	Fixable bool
	Network string
}

// auditView is an audit for the presence page.
type auditView struct {
	ID, When, Trigger, Error string
	Score                    int
	New, Resolved            int
	Findings                 []findingView
}

// presenceView is what the presence page shows.
type presenceView struct {
	Settings  p.PresenceSettings
	Profiles  string
	Every     string
	Latest    *auditView
	History   []auditView
	CanManage bool
}

func (s *Server) presencePage(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.showPresence(w, r, rq, http.StatusOK, pageData{Notice: notice(r)})
}

func (s *Server) showPresence(w http.ResponseWriter, r *http.Request, rq *request, code int, d pageData) error {
	settings, err := s.deps.Presence.Settings(r.Context(), rq.access)
	if err != nil {
		return err
	}
	history, err := s.deps.Presence.History(r.Context(), rq.access, 20)
	if err != nil {
		return err
	}
	// A fix is offered on the connected accounts only: Portavoce cannot
	// change the other profiles.
	connected := map[string]bool{}
	if s.deps.Publishing != nil {
		accounts, err := s.deps.Publishing.Accounts(r.Context(), rq.access)
		if err != nil {
			return err
		}
		for _, a := range accounts {
			connected[a.Network+" "+handleKey(a.Handle)] = true
		}
	}
	loc := publish.Zone(rq.access.Workspace.Timezone)
	v := presenceView{Settings: settings, Profiles: strings.Join(settings.Profiles, "\n"), Every: settings.AuditEvery.String(),
		CanManage: rq.access.Can(p.PermManagePresence)}
	for i, a := range history {
		av := auditView{ID: a.ID, When: a.StartedAt.In(loc).Format("2006-01-02 15:04"), Trigger: a.Trigger, Score: a.Score, Error: a.Error}
		if i+1 < len(history) && a.Score >= 0 && history[i+1].Score >= 0 {
			change := p.CompareAudits(history[i+1], a)
			av.New, av.Resolved = len(change.New), len(change.Resolved)
		}
		if i == 0 {
			for _, f := range a.Findings {
				av.Findings = append(av.Findings, findingView{Severity: f.Severity, Check: f.Check, Subject: f.Subject,
					Message: sentence(translated(rq.lang, f.Message, f.Format, f.Args)), Fix: translated(rq.lang, f.Fix, f.FixFormat, f.FixArgs),
					Fixable: f.Fixable && connected[f.Network+" "+handleKey(f.Subject)], Network: f.Network})
			}
			latest := av
			v.Latest = &latest
		}
		v.History = append(v.History, av)
	}
	d.Presence = v
	d.Title, d.Section = "Presence", sectionByKey("presence")
	d.Back = "/w/" + rq.access.Workspace.Slug + "/presence"
	s.render(w, r, code, "presence", d)
	return nil
}

// handleKey is a handle as compared between an audit's finding and a
// connected account.
func handleKey(h string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), "@"))
}

// translated gives a stored message in the reader's language from its
// format and arguments, or as it was written when it has none.
func translated(lang i18n.Lang, msg, format string, args []any) string {
	if format == "" {
		return msg
	}
	return i18n.T(lang, format, args...)
}

// presenceFormError shows a problem with the page's forms on the page.
func (s *Server) presenceFormError(w http.ResponseWriter, r *http.Request, rq *request, err error) error {
	var e *p.Error
	if errors.As(err, &e) && e.Code == p.ECodeInvalid {
		return s.showPresence(w, r, rq, http.StatusBadRequest, pageData{Error: translate(rq.lang, e), Field: e.Field})
	}
	return err
}

func (s *Server) savePresence(w http.ResponseWriter, r *http.Request, rq *request) error {
	every, err := time.ParseDuration(r.PostFormValue("audit_every"))
	if err != nil {
		every = -1 // refused by the service with its own message
	}
	in := p.PresenceSettings{Website: r.PostFormValue("website"), BrandName: r.PostFormValue("brand_name"),
		LocalBusiness: r.PostFormValue("local_business") != "", LogoURL: r.PostFormValue("logo_url"),
		Profiles: strings.Split(strings.ReplaceAll(r.PostFormValue("profiles"), "\r\n", "\n"), "\n"), AuditEvery: every}
	if _, err := s.deps.Presence.SaveSettings(r.Context(), rq.actor(r, s), rq.access, in); err != nil {
		return s.presenceFormError(w, r, rq, err)
	}
	http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/presence?done=presence-saved", http.StatusSeeOther)
	return nil
}

func (s *Server) runPresenceAudit(w http.ResponseWriter, r *http.Request, rq *request) error {
	if _, _, err := s.deps.Presence.RunNow(r.Context(), rq.actor(r, s), rq.access); err != nil {
		var e *p.Error
		if errors.As(err, &e) && e.Field == "website" {
			return s.presenceFormError(w, r, rq, err)
		}
		return err
	}
	http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/presence?done=audit-done", http.StatusSeeOther)
	return nil
}

func (s *Server) fixProfile(w http.ResponseWriter, r *http.Request, rq *request) error {
	if _, err := s.deps.Presence.Fix(r.Context(), rq.actor(r, s), rq.access, r.PostFormValue("check"), r.PostFormValue("subject")); err != nil {
		var e *p.Error
		if errors.As(err, &e) && (e.Code == p.ECodeInvalid || e.Code == p.ECodeConflict) {
			return s.showPresence(w, r, rq, status(e.Code), pageData{Error: translate(rq.lang, e)})
		}
		return err
	}
	http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/presence?done=fix-applied", http.StatusSeeOther)
	return nil
}

// reportHistory bounds the audits read for a report: the one asked for
// (?audit=<id>, one of the 20 the presence page lists) and the last one
// before it that ran, to tell what changed.
const reportHistory = 50

// presenceReport serves the report of the latest audit, or of the audit
// ?audit=<id> from the history, as a printable HTML page or, with pdf, as
// a PDF to download; in the reader's language.
func (s *Server) presenceReport(pdf bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, rq *request) error {
		rep, err := s.buildPresenceReport(r, rq)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		name := "presence-report-" + rq.access.Workspace.Slug + "-" + rep.Day
		h := w.Header()
		if pdf {
			if err := rep.PDF(&buf); err != nil {
				return err
			}
			h.Set("Content-Type", "application/pdf")
			h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name + ".pdf"}))
		} else {
			if err := rep.HTML(&buf); err != nil {
				return err
			}
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": name + ".html"}))
			h.Set("Content-Security-Policy", report.ContentSecurityPolicy)
		}
		h.Set("Cache-Control", "no-store")
		_, err = w.Write(buf.Bytes())
		return err
	}
}

// buildPresenceReport finds the audit a report is asked for, and the last
// audit before it that ran, to tell what changed.
func (s *Server) buildPresenceReport(r *http.Request, rq *request) (report.Report, error) {
	id, limit := r.URL.Query().Get("audit"), 20
	if id != "" {
		limit = reportHistory
	}
	history, err := s.deps.Presence.History(r.Context(), rq.access, limit)
	if err != nil {
		return report.Report{}, err
	}
	if len(history) == 0 {
		return report.Report{}, p.Errorf(p.ECodeNotFound, "there is no audit yet: run the audit on the Presence page, then export its report")
	}
	i := 0
	if id != "" {
		i = -1
		for j, a := range history {
			if a.ID == id {
				i = j
				break
			}
		}
		if i < 0 {
			return report.Report{}, p.Errorf(p.ECodeNotFound, "there is no such audit in this workspace")
		}
	}
	in := report.Input{Audit: history[i], Workspace: rq.access.Workspace, Author: rq.user.Name, Lang: rq.lang,
		Zone: publish.Zone(rq.access.Workspace.Timezone), Now: s.deps.Now()}
	for _, a := range history[i+1:] {
		if a.Score >= 0 {
			in.Previous = &a
			break
		}
	}
	if in.Settings, err = s.deps.Presence.Settings(r.Context(), rq.access); err != nil {
		return report.Report{}, err
	}
	if s.deps.Publishing != nil {
		if in.Accounts, err = s.deps.Publishing.Accounts(r.Context(), rq.access); err != nil {
			return report.Report{}, err
		}
	}
	return report.Build(in), nil
}
