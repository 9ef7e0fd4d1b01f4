package web

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/i18n"
	"github.com/portavoce/portavoce/internal/textcount"
	"github.com/portavoce/portavoce/internal/workspace"
)

// pages holds every page template, parsed once per language.
type pages struct {
	byLang map[i18n.Lang]map[string]*template.Template
}

// pageNames lists the page templates; each defines "content" and is
// rendered inside layout.html.
var pageNames = []string{"setup", "login", "invite", "workspaces", "section", "settings", "audit", "account", "error",
	"compose", "calendar", "accounts", "post", "presence", "inbox", "conversation", "inbox-settings",
	"listening"}

func loadPages() (*pages, error) {
	ps := &pages{byLang: map[i18n.Lang]map[string]*template.Template{}}
	for _, lang := range i18n.Supported {
		funcs := templateFuncs(lang)
		base, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html")
		if err != nil {
			return nil, fmt.Errorf("web: layout: %w", err)
		}
		ps.byLang[lang] = map[string]*template.Template{}
		for _, name := range pageNames {
			t, err := template.Must(base.Clone()).ParseFS(assets, "templates/"+name+".html")
			if err != nil {
				return nil, fmt.Errorf("web: %s: %w", name, err)
			}
			ps.byLang[lang][name] = t
		}
	}
	return ps, nil
}

// templateFuncs are the functions pages use; t is bound to the language.
func templateFuncs(lang i18n.Lang) template.FuncMap {
	return template.FuncMap{
		"t":       func(msg string, args ...any) string { return i18n.T(lang, msg, args...) },
		"network": p.NetworkName,
		"severity": func(s string) string {
			if label, ok := severityLabels[s]; ok {
				return i18n.T(lang, label)
			}
			return s
		},
		// initial is the first letter of a name, for avatars without a
		// picture.
		"initial": func(s string) string {
			for _, r := range s {
				return strings.ToUpper(string(r))
			}
			return "?"
		},
		"inc":  func(i int) int { return i + 1 },
		"list": func(v ...string) []string { return v },
		// clip shortens a text to n characters for a menu.
		"clip": textcount.Clip,
		"deliveryStatus": func(s string) string {
			if label, ok := deliveryLabels[s]; ok {
				return i18n.T(lang, label)
			}
			return s
		},
		"role":     func(r p.Role) string { return i18n.T(lang, roleLabels[r]) },
		"roleHelp": func(r p.Role) string { return i18n.T(lang, roleHelp[r]) },
		"when": func(t time.Time, tz string) string {
			if t.IsZero() {
				return "—"
			}
			loc, err := time.LoadLocation(tz)
			if err != nil || tz == "" {
				loc = time.UTC
			}
			return t.In(loc).Format("2006-01-02 15:04 MST")
		},
		"lower": strings.ToLower,
		// label names an inbox state, item kind, mood or action in the
		// reader's language.
		"label": func(v any) string {
			s := fmt.Sprint(v)
			if l, ok := inboxLabels[s]; ok {
				return i18n.T(lang, l)
			}
			return s
		},
		"action": func(a string) string {
			if label, ok := auditLabels[a]; ok {
				return i18n.T(lang, label)
			}
			return a
		},
		// detail shows roles inside an audit detail ("editor → viewer") by
		// their label in the reader's language.
		"detail": func(d string) string {
			parts := strings.Split(d, " → ")
			for i, part := range parts {
				if r := p.Role(part); r.Valid() {
					parts[i] = strings.ToLower(i18n.T(lang, roleLabels[r]))
				}
			}
			return strings.Join(parts, " → ")
		},
	}
}

var inboxLabels = map[string]string{
	"new": "New", "open": "Open", "waiting": "Waiting", "snoozed": "Snoozed", "done": "Done",
	"reply": "Reply", "mention": "Mention", "quote": "Quote", "repost": "Repost", "message": "Direct message",
	"negative": "Negative", "neutral": "Neutral", "positive": "Positive",
	"like": "Like", "hide": "Hide", "delete": "Delete",
	"it": "Italian", "en": "English", "fr": "French", "de": "German", "es": "Spanish", "pt": "Portuguese", "nl": "Dutch",
}

var roleLabels = map[p.Role]string{
	p.RoleOwner: "Owner", p.RoleManager: "Manager", p.RoleEditor: "Editor",
	p.RoleAgency: "Agency", p.RoleResponder: "Responder", p.RoleViewer: "Viewer",
}

var roleHelp = map[p.Role]string{
	p.RoleOwner:     "everything, including members, roles and the audit log",
	p.RoleManager:   "publishes, approves, answers, connects accounts, invites colleagues",
	p.RoleEditor:    "writes and publishes posts, answers the inbox",
	p.RoleAgency:    "media and drafts only: never publishes, never sees the inbox",
	p.RoleResponder: "a sales or technical colleague: only the conversations assigned to them",
	p.RoleViewer:    "reads reports only",
}

// auditLabels names the audit actions for people.
var auditLabels = map[string]string{
	p.AuditInboxReplied:     "Answered a conversation",
	p.AuditInboxAssigned:    "Assigned a conversation",
	p.AuditInboxStatus:      "Changed a conversation's state",
	p.AuditInboxNote:        "Added a note to a conversation",
	p.AuditInboxAction:      "Acted on a network post from the inbox",
	p.AuditTopicSaved:       "Saved a listening topic",
	p.AuditTopicDeleted:     "Deleted a listening topic",
	p.AuditSourceAdded:      "Added a listening source",
	p.AuditSourceRemoved:    "Removed a listening source",
	p.AuditMentionEngaged:   "Liked, reposted or answered a mention",
	p.AuditSetup:            "Set-up of Portavoce",
	p.AuditLogin:            "Logged in",
	p.AuditLoginFailed:      "Failed login",
	p.AuditLoginThrottled:   "Login refused: too many attempts",
	p.AuditLogout:           "Logged out",
	p.AuditLogoutEverywhere: "Logged out everywhere",
	p.AuditPasswordReset:    "Password reset by an administrator",
	p.AuditPasswordChanged:  "Password changed",
	p.AuditUserCreated:      "User created",
	p.AuditTokenCreated:     "API token created",
	p.AuditTokenRevoked:     "API token revoked",
	p.AuditWorkspaceCreated: "Workspace created",
	p.AuditMemberInvited:    "Member invited",
	p.AuditMemberJoined:     "Member joined",
	p.AuditRoleChanged:      "Role changed",
	p.AuditMemberRemoved:    "Member removed",
	p.AuditAccountConnected: "Account connected",
	p.AuditAccountRemoved:   "Account disconnected",
	p.AuditPostScheduled:    "Post scheduled",
	p.AuditPostRescheduled:  "Post rescheduled",
	p.AuditPostCancelled:    "Post cancelled",
	p.AuditPostResolved:     "Unverified post settled by hand",
	p.AuditProfileFixed:     "Profile fixed from Portavoce",
}

// severityLabels name how much an audit finding matters.
var severityLabels = map[string]string{"critical": "Critical", "important": "Important", "minor": "Minor"}

// deliveryLabels name a delivery's status for people.
var deliveryLabels = map[string]string{
	p.DeliveryScheduled:      "Scheduled",
	p.DeliverySending:        "Publishing",
	p.DeliveryPublished:      "Published",
	p.DeliveryFailed:         "Failed",
	p.DeliveryWaitingAccount: "Waiting for the account to be reconnected",
	p.DeliveryNeedsCheck:     "Needs checking on the network",
	p.DeliveryCancelled:      "Cancelled",
}

// errorTitles give an error page a title that says what kind of problem it
// is.
var errorTitles = map[int]string{
	http.StatusBadRequest:            "Something in the request is not right",
	http.StatusUnauthorized:          "Please log in",
	http.StatusForbidden:             "Not allowed",
	http.StatusNotFound:              "Not found",
	http.StatusConflict:              "This could not be done",
	http.StatusTooManyRequests:       "Too many attempts",
	http.StatusServiceUnavailable:    "Temporarily unavailable",
	http.StatusRequestEntityTooLarge: "Too large",
	http.StatusUnprocessableEntity:   "The post needs changes",
}

// sentence starts a message with a capital letter, for display on a page.
func sentence(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 || !unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

// navItem is one entry of the workspace navigation.
type navItem struct {
	Key, Label, Href string
	Current          bool
}

// sectionInfo describes one section of a workspace; sections that are still
// to come show an honest empty state with what they will do.
type sectionInfo struct {
	Key   string
	Label string
	Perm  p.Permission
	Lead  string
	Will  []string
}

var sections = []sectionInfo{
	{"calendar", "Calendar", p.PermViewCalendar, "Every scheduled, published and failed post of this brand, by month and week, in the workspace's time zone.",
		[]string{"See what goes out, on which network, and when.", "Drag a post to reschedule it.", "Spot failed or late posts at a glance."}},
	{"compose", "Compose", p.PermDraftPosts, "Write a post once and adapt it to every network.",
		[]string{"Live character counts as each network counts them.", "Images with alt text, threads, link previews.", "Publish now, schedule, or add to the queue."}},
	{"accounts", "Accounts", p.PermViewCalendar, "", nil},
	{"inbox", "Inbox", p.PermViewInboxMine, "Every comment, reply, mention and direct message in one place.",
		[]string{"Answer from one place, with saved replies.", "Assign a conversation to a sales or technical colleague.", "Internal notes that never leave Portavoce."}},
	{"listening", "Listening", p.PermViewListening, "What people say about the brand, its competitors and its market.",
		[]string{"Boolean queries over open sources.", "Sentiment in Italian and English, trends and spike alerts.", "Leads and competitors' share of voice."}},
	{"analytics", "Analytics", p.PermViewAnalytics, "How the brand grows: followers, reach and engagement over time.",
		[]string{"Per network and per post.", "Reports to send to the CEO or the client."}},
	{"presence", "Presence", p.PermViewPresence, "How the brand shows up on Google and on every network.",
		[]string{"An audit of the website's structured data and social cards.", "Profiles complete and consistent, with the exact fix for each finding."}},
	{"media", "Media", p.PermManageMedia, "Images and videos of the brand, shared with the agency.",
		[]string{"A media library with briefs and due dates.", "Approvals with comments."}},
}

func sectionByKey(key string) sectionInfo {
	for _, s := range sections {
		if s.Key == key {
			return s
		}
	}
	return sectionInfo{}
}

// pageData is what every page template receives.
type pageData struct {
	Lang     i18n.Lang
	Langs    []i18n.Lang
	Title    string
	User     p.User
	LoggedIn bool
	CSRF     string
	// Path is where the language switch returns: the page's address for a
	// GET, else Back (a form's answer has no address of its own to return
	// to).
	Path       string
	Back       string
	OwnerCount int
	Workspaces []workspace.Access
	Access     workspace.Access
	InWS       bool
	Nav        []navItem
	Notice     string
	Error      string
	Field      string
	Form       map[string]string
	Next       string

	Section     sectionInfo
	Members     []p.Member
	Invitations []p.Invitation
	Audit       []p.AuditEntry
	Tokens      []p.APIToken
	NewToken    string
	InviteLink  string
	InviteEmail string
	Assignable  []p.Role
	Invitation  p.Invitation
	InviteWS    p.Workspace
	CanManage   bool

	AccountViews []accountView
	Compose      composeState
	Post         postView
	Deliveries   []deliveryView
	Calendar     calendarView
	// Movable is true when some of a post's deliveries have not started.
	Movable   bool
	Presence  presenceView
	Inbox     inboxView
	Listening listeningView
}

// render writes a page with the layout, in the request's language.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, d pageData) {
	rq := requestOf(r)
	d.Lang, d.Langs, d.Path = rq.lang, i18n.Supported, r.URL.RequestURI()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		d.Path = cmp.Or(d.Back, "/")
	}
	d.Error = sentence(d.Error)
	d.User, d.LoggedIn = rq.user, rq.loggedIn
	if d.CSRF == "" && rq.loggedIn && !rq.viaToken {
		d.CSRF = rq.session.CSRFToken
	}
	if d.CSRF == "" {
		d.CSRF = s.anonCSRF(w, r)
	}
	if rq.loggedIn && d.Workspaces == nil {
		d.Workspaces, _ = s.deps.Workspaces.List(r.Context(), rq.user)
	}
	if rq.access.Workspace.ID != "" {
		d.Access, d.InWS = rq.access, true
		d.Nav = navFor(rq.access, name, d.Section.Key)
	}
	if d.Form == nil {
		d.Form = map[string]string{}
	}
	t := s.pages.byLang[d.Lang][name]
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", d); err != nil {
		s.log.Error("render", "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

func navFor(acc workspace.Access, page, section string) []navItem {
	base := "/w/" + acc.Workspace.Slug
	var nav []navItem
	for _, sec := range sections {
		if acc.Can(sec.Perm) {
			nav = append(nav, navItem{Key: sec.Key, Label: sec.Label, Href: base + "/" + sec.Key, Current: section == sec.Key})
		}
	}
	if acc.Can(p.PermViewMembers) {
		nav = append(nav, navItem{Key: "settings", Label: "Settings", Href: base + "/settings", Current: page == "settings"})
	}
	if acc.Can(p.PermViewAudit) {
		nav = append(nav, navItem{Key: "audit", Label: "Audit log", Href: base + "/audit", Current: page == "audit"})
	}
	return nav
}

// firstSection is where a member lands in a workspace: the first section
// their role may open.
func firstSection(acc workspace.Access) string {
	nav := navFor(acc, "", "")
	if len(nav) == 0 {
		return ""
	}
	return nav[0].Href
}

func (s *Server) static(w http.ResponseWriter, r *http.Request, _ *request) error {
	name := path.Clean(strings.TrimPrefix(r.URL.Path, "/"))
	if _, err := fs.Stat(assets, name); err != nil || !strings.HasPrefix(name, "static/") {
		return p.Errorf(p.ECodeNotFound, "there is no page at this address")
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeFileFS(w, r, assets, name)
	return nil
}

func (s *Server) favicon(w http.ResponseWriter, r *http.Request, _ *request) error {
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.ServeFileFS(w, r, assets, "static/favicon.svg")
	return nil
}
