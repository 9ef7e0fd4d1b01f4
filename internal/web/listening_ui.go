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
	"github.com/portavoce/portavoce/internal/i18n"
	"github.com/portavoce/portavoce/internal/listening"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/textcount"
)

// The listening page's confirmations, with the others (see notices).
func init() {
	notices["topic-saved"] = "The topic was saved: the posts that match it from now on appear here."
	notices["topic-deleted"] = "The topic and its mentions were deleted."
	notices["sentiment-saved"] = "The sentiment was corrected."
	notices["source-added"] = "The source was added: its posts that match the workspace's topics appear here."
	notices["source-removed"] = "The source was removed; what it brought stays."
	notices["retention-saved"] = "The retention was saved."
	notices["engaged-like"] = "The post was liked on Bluesky."
	notices["engaged-repost"] = "The post was reposted on Bluesky."
	notices["engaged-reply"] = "The reply is being published on Bluesky: follow it in the posts."
}

// listeningView is what the listening page shows.
type listeningView struct {
	// Leads is the Leads tab: the explorer with leads=1.
	Leads bool
	// Filter holds the explorer's filters in use, by query parameter.
	Filter map[string]string
	// Query is the filters as a query string (for the correction forms'
	// way back).
	Query string
	// VolumeChart and ShareChart are the charts' addresses, with the
	// filters they use.
	VolumeChart, ShareChart string
	// MentionsHref and LeadsHref are the two tabs.
	MentionsHref, LeadsHref string
	// ListURL is what the live refresh fetches ("" on an older page,
	// which new mentions do not change).
	ListURL string
	// FromType and ToType are the date inputs' types: "date", or
	// "datetime-local" when the filter has a time (an alert's window).
	FromType, ToType string

	Topics       []topicRow
	TopicOptions []option
	Kinds        []option
	Sources      []option
	Langs        []option
	Sentiments   []option

	Mentions []mentionRow
	// More is the link to the next page of mentions.
	More string

	// Period is the span the charts and top lists cover.
	Period     string
	TopAuthors []rankedRow
	TopSites   []rankedRow
	TopTags    []rankedRow

	SourceRows []listeningSourceRow
	Alerts     []alertRow

	// CanManage shows the topic form; CanCorrect the sentiment forms.
	CanManage  bool
	CanCorrect bool
	// SkyAccounts are the workspace's connected Bluesky accounts, when
	// the reader may publish: Bluesky mentions can then be liked,
	// reposted and answered through them.
	SkyAccounts []p.SocialAccount
	// Colleagues are who a lead can be handed to (they answer
	// conversations), for those who may assign.
	Colleagues []p.Member
	// Retention is how many days mentions are kept.
	Retention int
	// Editing is true when the form changes an existing topic.
	Editing bool
	Preview *previewView
}

// option is one choice of a select.
type option struct{ Value, Label string }

type topicRow struct {
	p.Topic
	KindLabel    string
	EditHref     string
	MentionsHref string
}

type mentionRow struct {
	p.Mention
	Topic      string
	Mood       string
	SourceName string
	LangLabel  string
	Text       string
	AuthorHref string
	SiteHref   string
}

type rankedRow struct {
	store.Ranked
	Href string
}

type listeningSourceRow struct {
	p.ListeningSource
	Name string
}

type alertRow struct {
	p.ListeningAlert
	Topic string
	Label string
	Href  string
}

// previewView is what a draft query matches among the stored posts.
type previewView struct {
	Tried, Matched int
	Rows           []mentionRow
}

// previewShown is how many of a preview's matches the page lists.
const previewShown = 20

// listeningSources are the kinds of source, with their names.
var listeningSources = []option{{"bluesky", "Bluesky"}, {"mastodon", "Mastodon"}, {"rss", "RSS"}, {"hn", "Hacker News"}, {"reddit", "Reddit"}}

func sourceName(kind string) string {
	for _, o := range listeningSources {
		if o.Value == kind {
			return o.Label
		}
	}
	return kind
}

// topicKindLabel names a kind of topic in the reader's language.
func topicKindLabel(lang i18n.Lang, kind string) string {
	switch kind {
	case p.TopicBrand:
		return i18n.T(lang, "Brand")
	case p.TopicCompetitor:
		return i18n.T(lang, "Competitor")
	case p.TopicSegment:
		return i18n.T(lang, "Market segment")
	case p.TopicCampaign:
		return i18n.T(lang, "Campaign")
	}
	return kind
}

// alertLabel says what an alert is about.
func alertLabel(lang i18n.Lang, kind string) string {
	if kind == "negative" {
		return i18n.T(lang, "More negative mentions than usual")
	}
	return i18n.T(lang, "More mentions than usual")
}

// listeningKeys are the explorer's filters, in the order links write them.
var listeningKeys = []string{"topic", "source", "lang", "sentiment", "author", "site", "from", "to", "q", "leads", "dups"}

// explorerFilter is the explorer's filters read from a query string.
type explorerFilter struct {
	store.MentionFilter
	// Set holds the filters in use, by parameter.
	Set map[string]string
	// Start and End are the span of the charts and top lists: the from/to
	// filters, or the last 30 days.
	Start, End time.Time
}

// readExplorerFilter reads the explorer's filters; dates are in the
// workspace's zone: a day (2026-05-01), or a minute (2026-05-01T10:20)
// for an alert's window; "to" includes its day. A date that cannot be read
// is left out, with the error saying so.
func readExplorerFilter(q url.Values, loc *time.Location, now time.Time) (explorerFilter, error) {
	f := explorerFilter{Set: map[string]string{}}
	for _, k := range listeningKeys {
		if v := strings.TrimSpace(q.Get(k)); v != "" && len(v) <= 300 {
			f.Set[k] = v
		}
	}
	if v := f.Set["leads"]; v != "" && v != "1" {
		delete(f.Set, "leads")
	}
	if v := f.Set["dups"]; v != "" && v != "1" {
		delete(f.Set, "dups")
	}
	if v := f.Set["sentiment"]; v != "" && !slices.Contains([]string{"negative", "neutral", "positive"}, v) {
		delete(f.Set, "sentiment")
	}
	s := f.Set
	f.MentionFilter = store.MentionFilter{TopicID: s["topic"], Source: s["source"], Lang: s["lang"], Sentiment: s["sentiment"],
		Author: s["author"], Site: s["site"], Search: s["q"], Leads: s["leads"] == "1", Duplicates: s["dups"] == "1", Limit: 50}
	var bad error
	for _, k := range []string{"from", "to"} {
		v := s[k]
		if v == "" {
			continue
		}
		at, err := localMoment(v, loc, k == "to")
		if err != nil {
			delete(s, k)
			e := p.FieldError("from", "a date is written as year-month-day, like 2026-05-31")
			e.Field, bad = k, e
			continue
		}
		if k == "from" {
			f.From = at
		} else {
			f.To = at
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		bad = p.FieldError("to", "the end of the period comes before its start")
		delete(s, "from")
		delete(s, "to")
		f.From, f.To = time.Time{}, time.Time{}
	}
	if before := q.Get("before"); before != "" {
		at, id, _ := strings.Cut(before, "_")
		if n, err := strconv.ParseInt(at, 10, 64); err == nil {
			f.BeforeAt, f.BeforeID = time.UnixMicro(n).UTC(), id
		}
	}
	// The charts: the filter's span, else the last 30 days; at most a year.
	today := now.In(loc)
	f.End = time.Date(today.Year(), today.Month(), today.Day()+1, 0, 0, 0, 0, loc)
	if !f.To.IsZero() {
		f.End = f.To
	}
	f.Start = f.End.AddDate(0, 0, -30)
	if !f.From.IsZero() {
		f.Start = f.From
	}
	if f.End.Sub(f.Start) > 366*24*time.Hour {
		f.Start = f.End.AddDate(-1, 0, 0)
	}
	return f, bad
}

// localMoment reads a date or a date and time in loc; a day given as "to"
// is taken up to its end.
func localMoment(v string, loc *time.Location, end bool) (time.Time, error) {
	if at, err := time.ParseInLocation("2006-01-02T15:04", v, loc); err == nil {
		return at.UTC(), nil
	}
	d, err := time.ParseInLocation("2006-01-02", v, loc)
	if err != nil {
		return time.Time{}, err
	}
	if end {
		d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
	}
	return d.UTC(), nil
}

// encode writes some filters as a query string, in a stable order.
func encodeFilters(set map[string]string, keys ...string) string {
	q := url.Values{}
	for _, k := range keys {
		if v := set[k]; v != "" {
			q.Set(k, v)
		}
	}
	return q.Encode()
}

// withQuery joins a path and a query string.
func withQuery(path, q string) string {
	if q == "" {
		return path
	}
	return path + "?" + q
}

// errNoListening answers the listening routes of a server that runs
// without listening (Deps.Listening nil); its page is then the section's
// placeholder.
var errNoListening = p.Errorf(p.ECodeNotFound, "there is no page at this address")

func (s *Server) listeningPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.deps.Listening == nil {
		return s.section("listening")(w, r, rq)
	}
	return s.showListening(w, r, rq, http.StatusOK, pageData{Notice: notice(r)})
}

// showListening renders the listening page: the explorer as the address's
// filters say, the topics (with d.Form in the topic form, when set), the
// sources and the latest alerts.
func (s *Server) showListening(w http.ResponseWriter, r *http.Request, rq *request, code int, d pageData) error {
	ctx, acc, svc := r.Context(), rq.access, s.deps.Listening
	loc := publish.Zone(acc.Workspace.Timezone)
	base := "/w/" + acc.Workspace.Slug + "/listening"
	f, ferr := readExplorerFilter(r.URL.Query(), loc, s.deps.Now().UTC())
	var fe *p.Error
	if errors.As(ferr, &fe) && d.Error == "" {
		d.Error, d.Field, code = translate(rq.lang, fe), fe.Field, http.StatusBadRequest
	}
	topics, err := svc.Topics(ctx, acc)
	if err != nil {
		return err
	}
	mentions, err := svc.Mentions(ctx, acc, f.MentionFilter)
	if err != nil {
		return err
	}
	sources, err := svc.Sources(ctx, acc)
	if err != nil {
		return err
	}
	alerts, err := svc.Alerts(ctx, acc, 10)
	if err != nil {
		return err
	}

	v := d.Listening
	v.Filter, v.Leads = f.Set, f.Leads
	v.CanManage, v.CanCorrect = acc.Can(p.PermManageListening), acc.Can(p.PermViewListening)
	v.Query = encodeFilters(f.Set, listeningKeys...)
	if s.deps.Publishing != nil && acc.Can(p.PermPublishPosts) {
		all, err := s.deps.Publishing.Accounts(ctx, acc)
		if err != nil {
			return err
		}
		for _, a := range all {
			if a.Network == provider.Bluesky {
				v.SkyAccounts = append(v.SkyAccounts, a)
			}
		}
	}
	if len(v.SkyAccounts) > 0 && acc.Can(p.PermViewInboxAll) && acc.Can(p.PermViewMembers) {
		members, err := s.deps.Workspaces.Members(ctx, acc)
		if err != nil {
			return err
		}
		for _, m := range members {
			if m.Role.Can(p.PermViewInboxMine) {
				v.Colleagues = append(v.Colleagues, m)
			}
		}
	}
	chartQuery := encodeFilters(f.Set, "topic", "from", "to")
	v.VolumeChart, v.ShareChart = withQuery(base+"/chart/volume.svg", chartQuery), withQuery(base+"/chart/share.svg", chartQuery)
	others := filtersWithout(f.Set, "leads")
	v.MentionsHref = withQuery(base, encodeFilters(others, listeningKeys...))
	others["leads"] = "1"
	v.LeadsHref = withQuery(base, encodeFilters(others, listeningKeys...))
	if f.BeforeAt.IsZero() {
		v.ListURL = withQuery(base, v.Query)
	}
	v.FromType, v.ToType = "date", "date"
	if strings.Contains(f.Set["from"], "T") {
		v.FromType = "datetime-local"
	}
	if strings.Contains(f.Set["to"], "T") {
		v.ToType = "datetime-local"
	}

	names := map[string]string{}
	for _, t := range topics {
		names[t.ID] = t.Name
		v.Topics = append(v.Topics, topicRow{Topic: t, KindLabel: topicKindLabel(rq.lang, t.Kind),
			EditHref: base + "?edit=" + url.QueryEscape(t.ID) + "#topic-form", MentionsHref: base + "?topic=" + url.QueryEscape(t.ID)})
		v.TopicOptions = append(v.TopicOptions, option{t.ID, t.Name})
	}
	for _, k := range p.TopicKinds {
		v.Kinds = append(v.Kinds, option{k, topicKindLabel(rq.lang, k)})
	}
	v.Sources = listeningSources
	for _, l := range []string{"it", "en", "fr", "de", "es", "pt", "nl"} {
		v.Langs = append(v.Langs, option{l, i18n.T(rq.lang, inboxLabels[l])})
	}
	for _, m := range []string{"negative", "neutral", "positive"} {
		v.Sentiments = append(v.Sentiments, option{m, i18n.T(rq.lang, inboxLabels[m])})
	}

	for _, m := range mentions {
		v.Mentions = append(v.Mentions, s.mentionRow(rq, base, m, names))
	}
	if n := len(mentions); n == f.Limit {
		last := mentions[n-1]
		q, _ := url.ParseQuery(v.Query)
		q.Set("before", fmt.Sprintf("%d_%s", last.CreatedAt.UnixMicro(), last.PostID))
		v.More = base + "?" + q.Encode()
	}

	v.Period = i18n.T(rq.lang, "%s to %s", f.Start.In(loc).Format("2006-01-02"), f.End.Add(-time.Nanosecond).In(loc).Format("2006-01-02"))
	if s.deps.Listening != nil {
		authors, err := s.deps.Listening.Top(ctx, acc, "author", f.TopicID, f.Start, f.End, 10)
		if err != nil {
			return err
		}
		sites, err := s.deps.Listening.Top(ctx, acc, "host", f.TopicID, f.Start, f.End, 10)
		if err != nil {
			return err
		}
		for _, a := range authors {
			v.TopAuthors = append(v.TopAuthors, rankedRow{Ranked: a, Href: withQuery(base, encodeFilters(filtersWith(f.Set, "author", a.Key), listeningKeys...))})
		}
		for _, st := range sites {
			v.TopSites = append(v.TopSites, rankedRow{Ranked: st, Href: withQuery(base, encodeFilters(filtersWith(f.Set, "site", st.Key), listeningKeys...))})
		}
		tags, err := s.deps.Listening.Top(ctx, acc, "hashtags", f.TopicID, f.Start, f.End, 10)
		if err != nil {
			return err
		}
		for _, tg := range tags {
			v.TopTags = append(v.TopTags, rankedRow{Ranked: tg, Href: withQuery(base, encodeFilters(filtersWith(f.Set, "q", "#"+tg.Key), listeningKeys...))})
		}
	}

	for _, src := range sources {
		v.SourceRows = append(v.SourceRows, listeningSourceRow{ListeningSource: src, Name: sourceName(src.Kind)})
	}
	if v.Retention, err = s.deps.Listening.Retention(ctx, acc); err != nil {
		return err
	}
	for _, a := range alerts {
		win := url.Values{"topic": {a.TopicID}, "from": {a.WindowStart.In(loc).Format("2006-01-02T15:04")},
			"to": {a.WindowStart.Add(listening.Window).In(loc).Format("2006-01-02T15:04")}}
		v.Alerts = append(v.Alerts, alertRow{ListeningAlert: a, Topic: names[a.TopicID], Label: alertLabel(rq.lang, a.Kind),
			Href: base + "?" + win.Encode()})
	}

	// The topic form: what was sent, the topic being edited, or a new one.
	if d.Form == nil && v.CanManage {
		d.Form = map[string]string{"kind": p.TopicBrand, "active": "1"}
		if id := r.URL.Query().Get("edit"); id != "" {
			for _, t := range topics {
				if t.ID == id {
					d.Form = topicFormValues(t)
				}
			}
		}
	}
	v.Editing = d.Form["id"] != ""
	d.Listening = v
	d.Title, d.Section, d.Back = "Listening", sectionByKey("listening"), base
	s.render(w, r, code, "listening", d)
	return nil
}

// filtersWithout copies a set of filters without some keys.
func filtersWithout(set map[string]string, without ...string) map[string]string {
	out := map[string]string{}
	for k, v := range set {
		if !slices.Contains(without, k) {
			out[k] = v
		}
	}
	return out
}

// filtersWith copies a set of filters with one more.
func filtersWith(set map[string]string, k, v string) map[string]string {
	out := filtersWithout(set, k)
	out[k] = v
	return out
}

// mentionRow is a mention (or a stored post, for a preview) as the page
// lists it.
func (s *Server) mentionRow(rq *request, base string, m p.Mention, topics map[string]string) mentionRow {
	row := mentionRow{Mention: m, Topic: topics[m.TopicID], Mood: mood(m.Sentiment), SourceName: sourceName(m.Source),
		Text: textcount.Clip(m.Text, 600)}
	var langs []string
	for l := range strings.SplitSeq(m.Lang, ",") {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		if label, ok := inboxLabels[l]; ok {
			l = i18n.T(rq.lang, label)
		}
		langs = append(langs, l)
	}
	row.LangLabel = strings.Join(langs, ", ")
	if m.Author != "" {
		row.AuthorHref = base + "?author=" + url.QueryEscape(m.Author)
	}
	if m.Host != "" {
		row.SiteHref = base + "?site=" + url.QueryEscape(m.Host)
	}
	return row
}

// topicFormValues are a topic as the form shows it.
func topicFormValues(t p.Topic) map[string]string {
	return map[string]string{"id": t.ID, "name": t.Name, "kind": t.Kind, "query": t.Query, "active": checked(t.Active),
		"alert_email": checked(t.AlertEmail), "alert_webhook": t.AlertWebhook}
}

func checked(b bool) string {
	if b {
		return "1"
	}
	return ""
}

// postedTopic reads the topic form.
func postedTopic(r *http.Request) p.Topic {
	return p.Topic{ID: r.PostFormValue("id"), Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"),
		Query: strings.ReplaceAll(r.PostFormValue("query"), "\r\n", "\n"), Active: r.PostFormValue("active") != "",
		AlertEmail: r.PostFormValue("alert_email") != "", AlertWebhook: r.PostFormValue("alert_webhook")}
}

// listeningFormError shows a mistake the person can fix on the page, with
// what they sent kept in the topic form.
func (s *Server) listeningFormError(w http.ResponseWriter, r *http.Request, rq *request, err error, form map[string]string) error {
	var e *p.Error
	if errors.As(err, &e) && e.Code == p.ECodeInvalid {
		return s.showListening(w, r, rq, status(e.Code), pageData{Error: translate(rq.lang, e), Field: e.Field, Form: form})
	}
	return err
}

// previewTopic tries the topic form's query on the stored posts and shows
// the page again with the draft kept and what it matches.
func (s *Server) previewTopic(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.deps.Listening == nil {
		return errNoListening
	}
	t := postedTopic(r)
	form := topicFormValues(t)
	matches, tried, err := s.deps.Listening.Preview(r.Context(), rq.access, t.Query, 0)
	if err != nil {
		return s.listeningFormError(w, r, rq, err, form)
	}
	pv := &previewView{Tried: tried, Matched: len(matches)}
	// The newest posts first, as the explorer lists mentions.
	slices.SortStableFunc(matches, func(a, b p.Mention) int { return b.CreatedAt.Compare(a.CreatedAt) })
	base := "/w/" + rq.access.Workspace.Slug + "/listening"
	for _, m := range matches[:min(len(matches), previewShown)] {
		pv.Rows = append(pv.Rows, s.mentionRow(rq, base, m, nil))
	}
	return s.showListening(w, r, rq, http.StatusOK, pageData{Form: form, Listening: listeningView{Preview: pv}})
}

func (s *Server) saveTopic(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.deps.Listening == nil {
		return errNoListening
	}
	t := postedTopic(r)
	if _, err := s.deps.Listening.SaveTopic(r.Context(), rq.actor(r, s), rq.access, t); err != nil {
		return s.listeningFormError(w, r, rq, err, topicFormValues(t))
	}
	http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/listening?done=topic-saved", http.StatusSeeOther)
	return nil
}

func (s *Server) deleteTopic(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.deps.Listening == nil {
		return errNoListening
	}
	if err := s.deps.Listening.DeleteTopic(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/listening?done=topic-deleted", http.StatusSeeOther)
	return nil
}

// correctSentiment keeps the team's judgement of a mention and goes back
// to the explorer as it was (its filters travel in "back").
func (s *Server) correctSentiment(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.deps.Listening == nil {
		return errNoListening
	}
	err := s.deps.Listening.CorrectSentiment(r.Context(), rq.actor(r, s), rq.access, r.PathValue("topic"), r.PathValue("post"),
		r.PostFormValue("value"))
	if err != nil {
		return s.listeningFormError(w, r, rq, err, nil)
	}
	back, _ := url.ParseQuery(r.PostFormValue("back"))
	q := url.Values{}
	for _, k := range append(slices.Clone(listeningKeys), "before") {
		if v := back.Get(k); v != "" {
			q.Set(k, v)
		}
	}
	q.Set("done", "sentiment-saved")
	http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/listening?"+q.Encode(), http.StatusSeeOther)
	return nil
}

// engageMention likes, reposts or answers a Bluesky mention through one of
// the workspace's Bluesky accounts and goes back to the explorer as it was.
func (s *Server) engageMention(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.deps.Listening == nil {
		return errNoListening
	}
	action := r.PostFormValue("action")
	err := s.deps.Listening.Engage(r.Context(), rq.actor(r, s), rq.access, r.PathValue("topic"), r.PathValue("post"),
		r.PostFormValue("account"), action, strings.ReplaceAll(r.PostFormValue("text"), "\r\n", "\n"))
	var e *p.Error
	if errors.As(err, &e) && e.Code == p.ECodeConflict {
		return s.showListening(w, r, rq, status(e.Code), pageData{Error: translate(rq.lang, e), Field: e.Field})
	}
	if err != nil {
		return s.listeningFormError(w, r, rq, err, nil)
	}
	back, _ := url.ParseQuery(r.PostFormValue("back"))
	q := url.Values{}
	for _, k := range append(slices.Clone(listeningKeys), "before") {
		if v := back.Get(k); v != "" {
			q.Set(k, v)
		}
	}
	q.Set("done", "engaged-"+action)
	http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/listening?"+q.Encode(), http.StatusSeeOther)
	return nil
}

// listeningEvents streams a "changed" event (server-sent events) to an
// open listening page when the workspace has new mentions: at once for
// those this node stored (the service's hub), within a few seconds for
// those another node stored (it looks at the newest mention too).
func (s *Server) listeningEvents(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.deps.Listening == nil {
		return errNoListening
	}
	ctx, svc := r.Context(), s.deps.Listening
	// Checked first: an answer that has begun cannot become an error.
	newest := func() (string, error) {
		ms, err := svc.Mentions(ctx, rq.access, store.MentionFilter{Duplicates: true, Limit: 1})
		if err != nil || len(ms) == 0 {
			return "", err
		}
		return fmt.Sprintf("%d_%s_%s", ms[0].CreatedAt.UnixMicro(), ms[0].PostID, ms[0].TopicID), nil
	}
	last, err := newest()
	if err != nil {
		return err
	}
	signal, stop := svc.Hub().Subscribe(rq.access.Workspace.ID)
	defer stop()
	return s.serveEvents(w, r, signal, 5*time.Second, func(signalled bool) (string, error) {
		key, err := newest()
		if err != nil {
			return "", err
		}
		changed := signalled || key != last
		last = key
		if !changed {
			return "", nil
		}
		return "*", nil
	})
}

func (s *Server) addListeningSource(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.deps.Listening == nil {
		return errNoListening
	}
	form := map[string]string{"target": r.PostFormValue("target")}
	if _, err := s.deps.Listening.AddSource(r.Context(), rq.actor(r, s), rq.access, r.PostFormValue("kind"), r.PostFormValue("target")); err != nil {
		return s.listeningFormError(w, r, rq, err, form)
	}
	http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/listening?done=source-added#listening-sources", http.StatusSeeOther)
	return nil
}

func (s *Server) removeListeningSource(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.deps.Listening == nil {
		return errNoListening
	}
	if err := s.deps.Listening.RemoveSource(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/listening?done=source-removed#listening-sources", http.StatusSeeOther)
	return nil
}

func (s *Server) saveListeningRetention(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.deps.Listening == nil {
		return errNoListening
	}
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("retention_days")))
	if err == nil {
		err = s.deps.Listening.SetRetention(r.Context(), rq.actor(r, s), rq.access, days)
	} else {
		err = p.FieldError("retention_days", "keep mentions between 7 and 3650 days")
	}
	if err != nil {
		return s.listeningFormError(w, r, rq, err, map[string]string{"retention_days": r.PostFormValue("retention_days")})
	}
	http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/listening?done=retention-saved#listening-sources", http.StatusSeeOther)
	return nil
}

// handOverLead makes a Bluesky lead a conversation of the inbox assigned to
// a colleague, and opens it.
func (s *Server) handOverLead(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.deps.Listening == nil {
		return errNoListening
	}
	id, err := s.deps.Listening.HandOver(r.Context(), rq.actor(r, s), rq.access, r.PathValue("topic"), r.PathValue("post"),
		r.PostFormValue("account"), r.PostFormValue("assignee"))
	var e *p.Error
	if errors.As(err, &e) && e.Code == p.ECodeConflict {
		return s.showListening(w, r, rq, status(e.Code), pageData{Error: translate(rq.lang, e), Field: e.Field})
	}
	if err != nil {
		return s.listeningFormError(w, r, rq, err, nil)
	}
	http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/inbox/"+id+"?done=conversation-assigned", http.StatusSeeOther)
	return nil
}
