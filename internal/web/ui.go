package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/account"
	"github.com/portavoce/portavoce/internal/i18n"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request, _ *request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
	return nil
}

// readyz answers 200 when the database answers, else 503, so that a load
// balancer sends no traffic to a node whose database is gone.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ *request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.deps.DB.Ping(ctx); err != nil {
		s.log.Warn("not ready: the database does not answer", "error", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unavailable\n"))
		return nil
	}
	w.Write([]byte("ready\n"))
	return nil
}

// home sends a visitor where they belong: set-up on a new instance, the
// login page, or their first workspace.
func (s *Server) home(w http.ResponseWriter, r *http.Request, rq *request) error {
	if !rq.loggedIn {
		needs, err := s.deps.Accounts.NeedsSetup(r.Context())
		if err != nil {
			return err
		}
		if needs {
			http.Redirect(w, r, "/setup", http.StatusSeeOther)
		} else {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
		}
		return nil
	}
	list, err := s.deps.Workspaces.List(r.Context(), rq.user)
	if err != nil {
		return err
	}
	if len(list) == 1 {
		http.Redirect(w, r, "/w/"+list[0].Workspace.Slug, http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/workspaces", http.StatusSeeOther)
	return nil
}

func (s *Server) setupForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	needs, err := s.deps.Accounts.NeedsSetup(r.Context())
	if err != nil {
		return err
	}
	if !needs {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	s.render(w, r, http.StatusOK, "setup", pageData{Title: "Set up Portavoce", Form: map[string]string{"language": string(rq.lang)}})
	return nil
}

func (s *Server) setup(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := checkAnonCSRF(r); err != nil {
		return err
	}
	form := formValues(r, "name", "email", "workspace_name", "language")
	lang := i18n.Parse(form["language"])
	u, _, err := s.deps.Accounts.Setup(r.Context(), account.SetupInput{
		Name: form["name"], Email: form["email"], Password: r.PostFormValue("password"),
		WorkspaceName: form["workspace_name"], Language: string(lang),
	}, rq.origin(r, s), func(name string) (p.Workspace, error) {
		return s.deps.Workspaces.Build(name, "", "Europe/Rome", string(orIT(lang)))
	})
	if err != nil {
		if p.ErrorCode(err) == p.ECodeConflict {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return nil
		}
		return s.formError(w, r, "setup", pageData{Title: "Set up Portavoce", Form: form}, err)
	}
	token, _, err := s.deps.Accounts.StartSession(r.Context(), u, rq.origin(r, s))
	if err != nil {
		return err
	}
	s.setSessionCookie(w, token)
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

func orIT(l i18n.Lang) i18n.Lang {
	if l == "" {
		return i18n.IT
	}
	return l
}

// formError shows the form again with the values typed and the error next
// to its field, so that nothing typed is lost. Errors that are not about
// input go to the error page.
func (s *Server) formError(w http.ResponseWriter, r *http.Request, page string, d pageData, err error) error {
	var e *p.Error
	if !errors.As(err, &e) || (e.Code != p.ECodeInvalid && e.Code != p.ECodeConflict && e.Code != p.ECodeUnauthorized &&
		e.Code != p.ECodeThrottled && e.Code != p.ECodeForbidden) {
		return err
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds()+0.999)))
	}
	d.Error, d.Field = translate(requestOf(r).lang, e), e.Field
	s.render(w, r, status(e.Code), page, d)
	return nil
}

func formValues(r *http.Request, names ...string) map[string]string {
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = strings.TrimSpace(r.PostFormValue(n))
	}
	return m
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	if rq.loggedIn {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	needs, err := s.deps.Accounts.NeedsSetup(r.Context())
	if err != nil {
		return err
	}
	if needs {
		http.Redirect(w, r, "/setup", http.StatusSeeOther)
		return nil
	}
	s.render(w, r, http.StatusOK, "login", pageData{Title: "Log in", Next: safeNext(r.URL.Query().Get("next"))})
	return nil
}

// safeNext keeps a redirect target on this site: a path of this server,
// never another host. Browsers drop tabs and newlines from URLs and read a
// backslash as a slash, so "/\t/evil.example" would leave: any control
// character or backslash is refused outright.
func safeNext(next string) string {
	for _, c := range []byte(next) {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	return next
}

func (s *Server) login(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := checkAnonCSRF(r); err != nil {
		return err
	}
	form := formValues(r, "email", "next")
	token, _, _, err := s.deps.Accounts.Login(r.Context(), form["email"], r.PostFormValue("password"), rq.origin(r, s))
	if err != nil {
		return s.formError(w, r, "login", pageData{Title: "Log in", Form: form, Next: safeNext(form["next"])}, err)
	}
	s.setSessionCookie(w, token)
	http.Redirect(w, r, safeNext(form["next"]), http.StatusSeeOther)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, rq *request) error {
	if !rq.viaToken {
		if err := s.deps.Accounts.Logout(r.Context(), rq.session, rq.user, rq.origin(r, s)); err != nil {
			return err
		}
	}
	s.clearCookie(w, sessionCookie)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// setLanguage switches the UI language: saved on the user when logged in,
// in a cookie otherwise.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if !rq.loggedIn {
		if err := checkAnonCSRF(r); err != nil {
			return err
		}
	}
	lang := i18n.Parse(r.PostFormValue("language"))
	if lang == "" {
		return p.FieldError("language", "the language must be it or en")
	}
	if rq.loggedIn {
		if err := s.deps.Accounts.SetLanguage(r.Context(), rq.user, string(lang)); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(lang), Path: "/", MaxAge: 365 * 24 * 3600,
		Secure: s.secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
	return nil
}

func (s *Server) inviteForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	inv, ws, err := s.deps.Workspaces.PendingInvitation(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "invite", pageData{Title: "Join a workspace", Invitation: inv, InviteWS: ws})
	return nil
}

func (s *Server) acceptInvite(w http.ResponseWriter, r *http.Request, rq *request) error {
	token := r.PathValue("token")
	if rq.loggedIn {
		ws, err := s.deps.Workspaces.AcceptAsUser(r.Context(), rq.actor(r, s), token)
		if err != nil {
			return err
		}
		http.Redirect(w, r, "/w/"+ws.Slug, http.StatusSeeOther)
		return nil
	}
	if err := checkAnonCSRF(r); err != nil {
		return err
	}
	form := formValues(r, "name")
	u, ws, err := s.deps.Workspaces.AcceptInvitation(r.Context(), token, form["name"], r.PostFormValue("password"), s.clientIP(r))
	if err != nil {
		inv, iws, perr := s.deps.Workspaces.PendingInvitation(r.Context(), token)
		if perr != nil {
			return err
		}
		return s.formError(w, r, "invite", pageData{Title: "Join a workspace", Form: form, Invitation: inv, InviteWS: iws}, err)
	}
	sessToken, _, err := s.deps.Accounts.StartSession(r.Context(), u, rq.origin(r, s))
	if err != nil {
		return err
	}
	s.setSessionCookie(w, sessToken)
	http.Redirect(w, r, "/w/"+ws.Slug, http.StatusSeeOther)
	return nil
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.showAccount(w, r, rq, http.StatusOK, pageData{Notice: notice(r)})
}

func (s *Server) showAccount(w http.ResponseWriter, r *http.Request, rq *request, code int, d pageData) error {
	tokens, err := s.deps.Accounts.APITokens(r.Context(), rq.user)
	if err != nil {
		return err
	}
	d.Title, d.Tokens, d.Back = "Your account", tokens, "/account"
	s.render(w, r, code, "account", d)
	return nil
}

// notices are the confirmations shown after a redirect (?done=...).
var notices = map[string]string{
	"password":   "Your password was changed; your other sessions were ended.",
	"revoked":    "The token was revoked.",
	"saved":      "Saved.",
	"role":       "The role was changed.",
	"removed":    "The member was removed.",
	"withdrawn":  "The invitation was withdrawn.",
	"created":    "The workspace was created.",
	"logged_out": "You were logged out everywhere.",

	"account-connected":       "The account is connected.",
	"account-removed":         "The account was disconnected.",
	"queue-saved":             "The queue times were saved.",
	"post-scheduled":          "The post is scheduled.",
	"draft-saved":             "The draft was saved.",
	"post-rescheduled":        "The post was rescheduled.",
	"post-cancelled":          "The post was cancelled.",
	"post-resolved-published": "The post is marked as published.",
	"post-resolved-retry":     "The post will be published again now.",
	"presence-saved":          "The website and profiles were saved.",
	"audit-done":              "The audit is done.",
	"fix-applied":             "The change was made on the network; the new audit shows the result.",
	"post-duplicated":         "This is a copy of the post, saved as a draft: change it and schedule it.",
	"reply-sent":              "The reply is on its way; it is marked here when the network confirms it.",
	"conversation-done":       "The conversation is done.",
	"conversation-open":       "The conversation is open again.",
	"conversation-snoozed":    "The conversation is snoozed.",
	"conversation-assigned":   "The conversation was assigned.",
	"note-added":              "The note was added.",
	"tags-saved":              "The tags were saved.",
	"action-done":             "Done on the network.",
	"inbox-settings-saved":    "The inbox rules were saved.",
	"saved-reply-saved":       "The saved reply was saved.",
	"saved-reply-deleted":     "The saved reply was deleted.",
}

func notice(r *http.Request) string {
	return notices[r.URL.Query().Get("done")]
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, rq *request) error {
	token, sess, err := s.deps.Accounts.ChangePassword(r.Context(), rq.user, r.PostFormValue("current_password"),
		r.PostFormValue("new_password"), rq.origin(r, s))
	if err != nil {
		var e *p.Error
		if errors.As(err, &e) && e.Code == p.ECodeInvalid {
			return s.showAccount(w, r, rq, http.StatusBadRequest, pageData{Error: translate(rq.lang, e), Field: e.Field})
		}
		return err
	}
	rq.session = sess
	s.setSessionCookie(w, token)
	http.Redirect(w, r, "/account?done=password", http.StatusSeeOther)
	return nil
}

func (s *Server) logoutEverywhere(w http.ResponseWriter, r *http.Request, rq *request) error {
	if _, err := s.deps.Accounts.LogoutEverywhere(r.Context(), rq.user, rq.origin(r, s)); err != nil {
		return err
	}
	s.clearCookie(w, sessionCookie)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, rq *request) error {
	raw, _, err := s.deps.Accounts.CreateAPIToken(r.Context(), rq.user, r.PostFormValue("name"), rq.origin(r, s))
	if err != nil {
		var e *p.Error
		if errors.As(err, &e) && e.Code == p.ECodeInvalid {
			return s.showAccount(w, r, rq, http.StatusBadRequest, pageData{Error: translate(rq.lang, e), Field: e.Field})
		}
		return err
	}
	return s.showAccount(w, r, rq, http.StatusOK, pageData{NewToken: raw})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := s.deps.Accounts.RevokeAPIToken(r.Context(), rq.user, r.PathValue("id"), rq.origin(r, s)); err != nil {
		return err
	}
	http.Redirect(w, r, "/account?done=revoked", http.StatusSeeOther)
	return nil
}

func (s *Server) workspacesPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	s.render(w, r, http.StatusOK, "workspaces", pageData{Title: "Workspaces", Notice: notice(r),
		Form: map[string]string{"timezone": "Europe/Rome", "language": "it"}})
	return nil
}

func (s *Server) createWorkspace(w http.ResponseWriter, r *http.Request, rq *request) error {
	form := formValues(r, "workspace_name", "slug", "timezone", "language")
	ws, err := s.deps.Workspaces.Create(r.Context(), rq.actor(r, s), form["workspace_name"], form["slug"], form["timezone"], form["language"])
	if err != nil {
		return s.formError(w, r, "workspaces", pageData{Title: "Workspaces", Form: form, Back: "/workspaces"}, err)
	}
	http.Redirect(w, r, "/w/"+ws.Slug+"/settings?done=created", http.StatusSeeOther)
	return nil
}

func (s *Server) workspaceHome(w http.ResponseWriter, r *http.Request, rq *request) error {
	target := firstSection(rq.access)
	if target == "" {
		return errForbidden
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// section shows a section's page: for now, an honest empty state that says
// what the section will do.
func (s *Server) section(key string) handlerFunc {
	info := sectionByKey(key)
	return func(w http.ResponseWriter, r *http.Request, rq *request) error {
		s.render(w, r, http.StatusOK, "section", pageData{Title: info.Label, Section: info})
		return nil
	}
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.showSettings(w, r, rq, http.StatusOK, pageData{Notice: notice(r)})
}

func (s *Server) showSettings(w http.ResponseWriter, r *http.Request, rq *request, code int, d pageData) error {
	members, err := s.deps.Workspaces.Members(r.Context(), rq.access)
	if err != nil {
		return err
	}
	d.Members = members
	for _, m := range members {
		if m.Role == p.RoleOwner {
			d.OwnerCount++
		}
	}
	d.Back = "/w/" + rq.access.Workspace.Slug + "/settings"
	d.CanManage = rq.access.Can(p.PermManageMembers)
	if d.CanManage {
		if d.Invitations, err = s.deps.Workspaces.Invitations(r.Context(), rq.access); err != nil {
			return err
		}
		for _, role := range p.Roles {
			if rq.access.Role.CanAssign(role) {
				d.Assignable = append(d.Assignable, role)
			}
		}
	}
	d.Title = "Settings"
	if d.Form == nil {
		d.Form = map[string]string{"workspace_name": rq.access.Workspace.Name, "timezone": rq.access.Workspace.Timezone,
			"language": rq.access.Workspace.Language, "role": string(p.RoleEditor)}
	}
	s.render(w, r, code, "settings", d)
	return nil
}

func (s *Server) updateSettings(w http.ResponseWriter, r *http.Request, rq *request) error {
	form := formValues(r, "workspace_name", "timezone", "language")
	form["role"] = string(p.RoleEditor)
	if _, err := s.deps.Workspaces.Update(r.Context(), rq.actor(r, s), rq.access, form["workspace_name"], form["timezone"], form["language"]); err != nil {
		var e *p.Error
		if errors.As(err, &e) && e.Code == p.ECodeInvalid {
			return s.showSettings(w, r, rq, http.StatusBadRequest, pageData{Form: form, Error: translate(rq.lang, e), Field: e.Field})
		}
		return err
	}
	http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/settings?done=saved", http.StatusSeeOther)
	return nil
}

// inviteMember shows the new invitation's link, once.
func (s *Server) inviteMember(w http.ResponseWriter, r *http.Request, rq *request) error {
	form := formValues(r, "email", "role")
	res, err := s.deps.Workspaces.Invite(r.Context(), rq.actor(r, s), rq.access, form["email"], p.Role(form["role"]))
	if err != nil {
		form["workspace_name"], form["timezone"], form["language"] = rq.access.Workspace.Name, rq.access.Workspace.Timezone, rq.access.Workspace.Language
		return s.settingsError(w, r, rq, err, form)
	}
	return s.showSettings(w, r, rq, http.StatusOK, pageData{InviteLink: s.baseURL(r) + "/invite/" + res.Token, InviteEmail: res.Invitation.Email})
}

// settingsError shows the settings page again with a refused change
// explained next to the members, instead of a bare error page. Errors that
// are not about the request (a database outage) go to the error page.
func (s *Server) settingsError(w http.ResponseWriter, r *http.Request, rq *request, err error, form ...map[string]string) error {
	var e *p.Error
	if !errors.As(err, &e) || (e.Code != p.ECodeInvalid && e.Code != p.ECodeForbidden && e.Code != p.ECodeConflict && e.Code != p.ECodeNotFound) {
		return err
	}
	d := pageData{Error: translate(rq.lang, e), Field: e.Field}
	if len(form) > 0 {
		d.Form = form[0]
	}
	return s.showSettings(w, r, rq, status(e.Code), d)
}

// baseURL is the configured public URL, or the one the request came to.
func (s *Server) baseURL(r *http.Request) string {
	if s.deps.BaseURL != "" {
		return s.deps.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) changeRole(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := s.deps.Workspaces.ChangeRole(r.Context(), rq.actor(r, s), rq.access, r.PathValue("user"), p.Role(r.PostFormValue("role"))); err != nil {
		return s.settingsError(w, r, rq, err)
	}
	http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/settings?done=role", http.StatusSeeOther)
	return nil
}

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := s.deps.Workspaces.RemoveMember(r.Context(), rq.actor(r, s), rq.access, r.PathValue("user")); err != nil {
		return s.settingsError(w, r, rq, err)
	}
	if r.PathValue("user") == rq.user.ID {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/settings?done=removed", http.StatusSeeOther)
	return nil
}

func (s *Server) revokeInvitation(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := s.deps.Workspaces.RevokeInvitation(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/settings?done=withdrawn", http.StatusSeeOther)
	return nil
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	before, err := parseBefore(r)
	if err != nil {
		return err
	}
	entries, err := s.deps.Workspaces.AuditLog(r.Context(), rq.access, before, 200)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "audit", pageData{Title: "Audit log", Audit: entries})
	return nil
}

func (s *Server) instanceAuditPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	before, err := parseBefore(r)
	if err != nil {
		return err
	}
	entries, err := s.deps.Workspaces.InstanceAuditLog(r.Context(), rq.user, before, 200)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "audit", pageData{Title: "Audit log of the whole instance", Audit: entries})
	return nil
}
