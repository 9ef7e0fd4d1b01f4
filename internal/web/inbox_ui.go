package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/inbox"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/store"
)

// inboxView is what the inbox pages show.
type inboxView struct {
	inbox.View
	Rows []conversationRow
	// Filter holds the filters in use, by query parameter.
	Filter map[string]string
	// Query is the filters as a query string, kept by links.
	Query    string
	Tabs     []statusTab
	Sources  []sourceRow
	Every    string
	Thread   *threadView
	Replies  []p.SavedReply
	Statuses []string
	Kinds    []string
	// More is the link to the next page of conversations.
	More string
}

type statusTab struct {
	Key, Href string
	Count     int
	Current   bool
}

type conversationRow struct {
	p.Conversation
	Account  string
	Assignee string
	Overdue  bool
	Mood     string
}

// sourceRow says how one account's ingestion goes.
type sourceRow struct {
	Label  string
	Live   bool
	LastOK time.Time
	Error  string
}

type threadView struct {
	inbox.Thread
	Assignee string
	Overdue  bool
	Items    []itemView
	Due      time.Time
	// Answerable are the items a reply can answer, the latest last (and
	// chosen by default).
	Answerable []itemView
}

type itemView struct {
	p.InboxItem
	Mood    string
	Actions []provider.Action
	SentBy  string
}

// mood labels a sentiment score for people.
func mood(score float64) string {
	switch {
	case score <= -store.SentimentThreshold:
		return "negative"
	case score >= store.SentimentThreshold:
		return "positive"
	}
	return "neutral"
}

// inboxFilter reads the filters of the inbox from the query string.
func inboxFilter(q url.Values) (store.ConversationFilter, map[string]string, bool) {
	f := store.ConversationFilter{Network: q.Get("network"), AccountID: q.Get("account"), Kind: q.Get("kind"),
		Assignee: q.Get("assignee"), Sentiment: q.Get("sentiment"), Language: q.Get("lang"), Tag: q.Get("tag")}
	set := map[string]string{}
	for _, k := range []string{"status", "network", "account", "kind", "assignee", "sentiment", "lang", "tag", "overdue"} {
		if v := q.Get(k); v != "" {
			set[k] = v
		}
	}
	switch st := q.Get("status"); {
	case st == "all":
		f.Statuses = p.ConversationStatuses
	case slices.Contains(p.ConversationStatuses, st):
		f.Statuses = []string{st}
	}
	if before := q.Get("before"); before != "" {
		at, id, _ := strings.Cut(before, "_")
		if n, err := strconv.ParseInt(at, 10, 64); err == nil {
			f.BeforeAt, f.BeforeID = time.UnixMicro(n), id
		}
	}
	f.Limit = 50
	return f, set, q.Get("overdue") == "1"
}

func (s *Server) inboxPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	f, set, overdue := inboxFilter(r.URL.Query())
	if f.Assignee == "me" {
		f.Assignee = rq.user.ID
	}
	v, err := s.deps.Inbox.List(r.Context(), rq.actor(r, s), rq.access, f, overdue)
	if err != nil {
		return err
	}
	iv := s.inboxBase(rq, v)
	iv.Filter = set
	q := url.Values{}
	for k, val := range set {
		q.Set(k, val)
	}
	iv.Query = q.Encode()
	names := memberNames(v.Members)
	accounts := accountLabels(v.Accounts)
	now := s.deps.Now().UTC()
	for _, c := range v.Conversations {
		iv.Rows = append(iv.Rows, conversationRow{Conversation: c, Account: accounts[c.AccountID], Assignee: names[c.AssigneeID],
			Overdue: v.Overdue(c, now), Mood: mood(c.Sentiment)})
	}
	if n := len(v.Conversations); n == f.Limit {
		last := v.Conversations[n-1]
		q.Set("before", fmt.Sprintf("%d_%s", last.LastItemAt.UnixMicro(), last.ID))
		iv.More = "?" + q.Encode()
	}
	base := "/w/" + rq.access.Workspace.Slug + "/inbox"
	current := set["status"]
	for _, st := range append([]string{""}, p.ConversationStatuses...) {
		tq := url.Values{}
		for k, val := range set {
			tq.Set(k, val)
		}
		tq.Del("status")
		if st != "" {
			tq.Set("status", st)
		}
		href := base
		if e := tq.Encode(); e != "" {
			href += "?" + e
		}
		count := 0
		for k, n := range v.Counts {
			if st == k || (st == "" && k != p.ConversationDone) {
				count += n
			}
		}
		iv.Tabs = append(iv.Tabs, statusTab{Key: st, Href: href, Count: count, Current: st == current})
	}
	s.render(w, r, http.StatusOK, "inbox", pageData{Title: "Inbox", Notice: notice(r), Inbox: iv, Section: sectionByKey("inbox")})
	return nil
}

// inboxBase fills what every inbox page shows.
func (s *Server) inboxBase(rq *request, v inbox.View) inboxView {
	iv := inboxView{View: v, Statuses: p.ConversationStatuses, Every: s.deps.InboxEvery.String(),
		Kinds: []string{provider.ItemReply, provider.ItemMention, provider.ItemQuote, provider.ItemRepost, provider.ItemMessage}}
	for _, a := range v.Accounts {
		st := v.Ingestion[a.ID]
		iv.Sources = append(iv.Sources, sourceRow{Label: a.Label(), Live: st.Live, LastOK: st.LastOK, Error: st.Error})
	}
	return iv
}

func memberNames(ms []p.Member) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		out[m.User.ID] = m.User.Name
	}
	return out
}

func accountLabels(as []p.SocialAccount) map[string]string {
	out := map[string]string{}
	for _, a := range as {
		out[a.ID] = a.Label()
	}
	return out
}

func (s *Server) conversationPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.showConversation(w, r, rq, http.StatusOK, pageData{Notice: notice(r)})
}

func (s *Server) showConversation(w http.ResponseWriter, r *http.Request, rq *request, code int, d pageData) error {
	t, err := s.deps.Inbox.Open(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id"))
	if err != nil {
		return err
	}
	names := memberNames(t.Members)
	tv := &threadView{Thread: t, Assignee: names[t.Conversation.AssigneeID],
		Overdue: inbox.Overdue(t.Conversation, t.Settings, s.deps.Now().UTC())}
	if !t.Conversation.WaitingSince.IsZero() && t.Settings.ResponseTarget > 0 {
		tv.Due = t.Conversation.WaitingSince.Add(t.Settings.ResponseTarget)
	}
	for _, it := range t.Items {
		iv := itemView{InboxItem: it, Mood: mood(it.Sentiment), Actions: t.Actions[it.ID], SentBy: names[it.SentBy]}
		tv.Items = append(tv.Items, iv)
		if it.Direction == p.DirectionIn && it.Reply != "" && it.DeletedAt.IsZero() {
			tv.Answerable = append(tv.Answerable, iv)
		}
	}
	d.Inbox = inboxView{Thread: tv, Replies: t.Replies, Statuses: p.ConversationStatuses}
	d.Title, d.Section = "Conversation", sectionByKey("inbox")
	d.CanManage = t.CanManage
	s.render(w, r, code, "conversation", d)
	return nil
}

// conversationAction runs a change from the conversation page and comes
// back to it; a mistake the person can fix is shown on the page.
func (s *Server) conversationAction(w http.ResponseWriter, r *http.Request, rq *request, done string, act func() error) error {
	if err := act(); err != nil {
		var e *p.Error
		if errors.As(err, &e) && (e.Code == p.ECodeInvalid || e.Code == p.ECodeConflict) {
			return s.showConversation(w, r, rq, status(e.Code), pageData{Error: translate(rq.lang, e), Field: e.Field,
				Form: map[string]string{"text": r.PostFormValue("text"), "body": r.PostFormValue("body")}})
		}
		return err
	}
	http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/inbox/"+r.PathValue("id")+"?done="+done, http.StatusSeeOther)
	return nil
}

func (s *Server) replyConversation(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.conversationAction(w, r, rq, "reply-sent", func() error {
		text := r.PostFormValue("text")
		if strings.TrimSpace(text) == "" && r.PostFormValue("saved") != "" {
			// Without JavaScript, choosing a saved reply sends it as is.
			t, err := s.deps.Inbox.Open(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id"))
			if err != nil {
				return err
			}
			for _, sr := range t.Replies {
				if sr.ID == r.PostFormValue("saved") {
					text = sr.Body
				}
			}
		}
		_, err := s.deps.Inbox.Reply(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id"), r.PostFormValue("item"), text)
		return err
	})
}

func (s *Server) setConversationStatus(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.conversationAction(w, r, rq, "conversation-"+r.PostFormValue("status"), func() error {
		until, err := s.snoozeTime(rq, r.PostFormValue("until"))
		if err != nil {
			return err
		}
		return s.deps.Inbox.SetStatus(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id"), r.PostFormValue("status"), until)
	})
}

// snoozeTime reads a local date and time ("2026-12-01T09:00") in the
// workspace's time zone.
func (s *Server) snoozeTime(rq *request, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	date, clock, _ := strings.Cut(v, "T")
	at, _, err := publish.LocalTime(date, clock, publish.Zone(rq.access.Workspace.Timezone))
	if err != nil {
		return time.Time{}, p.FieldError("until", "choose when the conversation comes back: a date and a time")
	}
	return at, nil
}

func (s *Server) assignConversation(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.conversationAction(w, r, rq, "conversation-assigned", func() error {
		return s.deps.Inbox.Assign(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id"), r.PostFormValue("assignee"))
	})
}

func (s *Server) noteConversation(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.conversationAction(w, r, rq, "note-added", func() error {
		_, err := s.deps.Inbox.AddNote(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id"), r.PostFormValue("body"))
		return err
	})
}

func (s *Server) tagConversation(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.conversationAction(w, r, rq, "tags-saved", func() error {
		return s.deps.Inbox.SetTags(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id"), strings.Split(r.PostFormValue("tags"), ","))
	})
}

func (s *Server) actOnItem(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.conversationAction(w, r, rq, "action-done", func() error {
		return s.deps.Inbox.Act(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id"), r.PathValue("item"),
			provider.Action(r.PostFormValue("action")))
	})
}

func (s *Server) inboxSettingsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.showInboxSettings(w, r, rq, http.StatusOK, pageData{Notice: notice(r)})
}

func (s *Server) showInboxSettings(w http.ResponseWriter, r *http.Request, rq *request, code int, d pageData) error {
	set, err := s.deps.Inbox.Settings(r.Context(), rq.access)
	if err != nil {
		return err
	}
	replies, err := s.deps.Inbox.SavedReplies(r.Context(), rq.access)
	if err != nil {
		return err
	}
	d.Inbox = inboxView{View: inbox.View{Settings: set}, Replies: replies}
	if d.Form == nil {
		d.Form = map[string]string{"response_minutes": strconv.Itoa(int(set.ResponseTarget / time.Minute)), "brand": set.Brand,
			"language": set.Language}
	}
	d.Title, d.Section = "Saved replies", sectionByKey("inbox")
	d.CanManage = rq.access.Can(p.PermViewInboxAll)
	s.render(w, r, code, "inbox-settings", d)
	return nil
}

func (s *Server) settingsAction(w http.ResponseWriter, r *http.Request, rq *request, done string, act func() error) error {
	if err := act(); err != nil {
		var e *p.Error
		if errors.As(err, &e) && e.Code == p.ECodeInvalid {
			form := map[string]string{}
			for k := range r.PostForm {
				form[k] = r.PostFormValue(k)
			}
			return s.showInboxSettings(w, r, rq, status(e.Code), pageData{Error: translate(rq.lang, e), Field: e.Field, Form: form})
		}
		return err
	}
	http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/inbox/replies?done="+done, http.StatusSeeOther)
	return nil
}

func (s *Server) saveInboxSettings(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.settingsAction(w, r, rq, "inbox-settings-saved", func() error {
		minutes, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("response_minutes")))
		if err != nil {
			return p.FieldError("response_minutes", "the first-response target is a number of minutes")
		}
		_, err = s.deps.Inbox.SaveSettings(r.Context(), rq.actor(r, s), rq.access, p.InboxSettings{
			ResponseTarget: time.Duration(minutes) * time.Minute, Brand: r.PostFormValue("brand"), Language: r.PostFormValue("language")})
		return err
	})
}

func (s *Server) saveSavedReply(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.settingsAction(w, r, rq, "saved-reply-saved", func() error {
		_, err := s.deps.Inbox.SaveReply(r.Context(), rq.actor(r, s), rq.access, p.SavedReply{ID: r.PostFormValue("id"),
			Name: r.PostFormValue("name"), Language: r.PostFormValue("language"), Body: r.PostFormValue("body")})
		return err
	})
}

func (s *Server) deleteSavedReply(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.settingsAction(w, r, rq, "saved-reply-deleted", func() error {
		return s.deps.Inbox.DeleteReply(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id"))
	})
}

// inboxEvents streams "changed" events (server-sent events) to an open
// inbox page whenever the workspace's conversations change: at once for
// changes made on this node, within a few seconds for those made on
// another node (it looks at the database too).
func (s *Server) inboxEvents(w http.ResponseWriter, r *http.Request, rq *request) error {
	signal, stop := s.deps.Inbox.Hub().Subscribe(rq.access.Workspace.ID)
	defer stop()
	since := s.deps.Now().UTC()
	return s.serveEvents(w, r, signal, 3*time.Second, func(bool) (string, error) {
		ids, latest, err := s.deps.Inbox.Changed(r.Context(), rq.access, since)
		if err != nil {
			return "", err
		}
		since = latest
		return strings.Join(ids, " "), nil
	})
}
