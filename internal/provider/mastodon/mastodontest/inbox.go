package mastodontest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portavoce/portavoce/internal/provider/providertest"
)

// The inbox side of the instance: notifications (methods/notifications,
// entities/Notification), direct conversations (methods/conversations),
// favourites, boosts and thread context (methods/statuses#favourite,
// #boost, #context) and the user stream as server-sent events
// (methods/streaming#user).
//
// What notifies whom follows Mastodon's services. A status notifies each
// local account it mentions ("mention", ProcessMentionsService and
// LocalNotificationWorker), and no one else: a reply reaches the author
// answered through the mention the composer writes, not through
// in_reply_to_id. A private or direct status is seen only by whom it
// mentions. A boost notifies "reblog", a favourite "favourite" and a quote
// "quote" (4.5), each only when someone else acts. Deleting a status deletes the notifications about it, its
// boosts with theirs, and sends "delete" to the streams of its author and of
// the accounts it reached (RemoveStatusService).

// notificationTypes are the types GET /api/v1/notifications knows
// (entities/Notification#type); types[] outside them select nothing, as
// Notification.browserable intersects them with its own list.
var notificationTypes = []string{
	"mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update",
	"admin.sign_up", "admin.report", "severed_relationships", "moderation_warning", "quote", "quoted_update",
}

const (
	// Page sizes: notifications 40 by default, 80 at most (4.1 and
	// later); conversations 20 and 40.
	defaultNotifications = 40
	maxNotifications     = 80
	defaultConversations = 20
	maxConversations     = 40
	// Unauthenticated context is limited to 40 ancestors and 60
	// descendants 20 levels deep; a user token gets 4 096 of each.
	publicAncestors   = 40
	publicDescendants = 60
	publicDepth       = 20
	userContextLimit  = 4096
	// heartbeat is how often the streaming server writes ":thump"
	// (streaming/index.js).
	heartbeat = 15 * time.Second
	// streamBuffer bounds the events waiting for a slow reader; past it
	// events are dropped, and a client catches up by polling.
	streamBuffer = 256
)

type notification struct {
	id      string
	n       uint64
	kind    string // mention, reblog, favourite, quote
	to      *account
	from    *account
	status  *status
	created time.Time
}

// reblog is a boost: a status of its own on Mastodon, kept here beside the
// status boosted (boosts do not show in the account's statuses).
type reblog struct {
	id      string
	account *account
	created time.Time
}

// stream is one open GET /api/v1/streaming/user.
type stream struct {
	account *account
	events  chan streamEvent
	// done is closed when the stream must end (its token was revoked).
	done  chan struct{}
	ended bool
}

type streamEvent struct{ name, data string }

type notificationJSON struct {
	ID        string      `json:"id"`
	Type      string      `json:"type"`
	GroupKey  string      `json:"group_key"`
	CreatedAt string      `json:"created_at"`
	Account   accountJSON `json:"account"`
	Status    *statusJSON `json:"status,omitempty"`
}

type conversationJSON struct {
	ID         string        `json:"id"`
	Unread     bool          `json:"unread"`
	Accounts   []accountJSON `json:"accounts"`
	LastStatus *statusJSON   `json:"last_status"`
}

type contextJSON struct {
	Ancestors   []statusJSON `json:"ancestors"`
	Descendants []statusJSON `json:"descendants"`
}

// quoteJSON is entities/Quote; shallowQuoteJSON entities/ShallowQuote,
// which a quoted status carries for its own quote.
type quoteJSON struct {
	State        string      `json:"state"`
	QuotedStatus *statusJSON `json:"quoted_status"`
}

type shallowQuoteJSON struct {
	State          string  `json:"state"`
	QuotedStatusID *string `json:"quoted_status_id"`
}

func (s *Server) inboxRoutes(handle func(pattern string, h http.HandlerFunc)) {
	handle("GET /api/v1/notifications", s.listNotifications)
	handle("GET /api/v1/notifications/{id}", s.getNotification)
	handle("GET /api/v1/conversations", s.listConversations)
	handle("GET /api/v1/statuses/{id}/context", s.statusContext)
	handle("POST /api/v1/statuses/{id}/favourite", s.favourite)
	handle("POST /api/v1/statuses/{id}/reblog", s.reblog)
	handle("GET /api/v1/streaming/user", s.streamUser)
	handle("GET /api/v1/streaming/health", s.streamingHealth)
}

// takeOpFault is takeFault for the inbox's own ops ("inbox", "act"): only
// faults injected with that very op apply, so that a fault injected for
// any post or upload ("") keeps hitting those.
func (s *Server) takeOpFault(op string) providertest.FaultKind {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.op != op {
			continue
		}
		if f.skip > 0 {
			f.skip--
			return ""
		}
		f.times--
		if f.times <= 0 {
			s.faults = slices.Delete(s.faults, i, i+1)
		}
		return f.kind
	}
	return ""
}

// mentions says whether a status mentions an account.
func mentions(st *status, a *account) bool {
	return slices.ContainsFunc(st.mentions, func(m mentionJSON) bool { return m.ID == a.id })
}

// statusCreatedLocked notifies the accounts a new status reaches and
// sends it to its author's stream (an account's own statuses are in its
// home timeline).
func (s *Server) statusCreatedLocked(st *status) {
	s.pushLocked(st.account, "update", func() string { return jsonString(s.statusJSONLocked(st)) })
	mentioned := map[*account]bool{st.account: true}
	for _, m := range st.mentions {
		if a := s.accounts[m.ID]; a != nil && !mentioned[a] {
			mentioned[a] = true
			s.notifyLocked(a, "mention", st.account, st)
		}
	}
	if q := st.quoted; q != nil && q.account != st.account {
		s.notifyLocked(q.account, "quote", st.account, st)
	}
}

// notifyLocked creates a notification and sends it to the recipient's
// streams.
func (s *Server) notifyLocked(to *account, kind string, from *account, st *status) {
	s.lastNote++
	nt := &notification{id: strconv.FormatUint(s.lastNote, 10), n: s.lastNote, kind: kind, to: to, from: from,
		status: st, created: s.now()}
	s.notes[to.id] = append(s.notes[to.id], nt)
	s.pushLocked(to, "notification", func() string { return jsonString(s.notificationJSONLocked(nt)) })
}

// removeStatusLocked deletes a status as RemoveStatusService does: it
// leaves its account's statuses, its media are freed for a redraft, its
// boosts and the notifications about it or them are deleted, and "delete"
// goes to the streams of its author and of the accounts it reached.
func (s *Server) removeStatusLocked(st *status) {
	st.deleted = true
	a := st.account
	if i := slices.Index(a.statuses, st); i >= 0 {
		a.statuses = slices.Delete(a.statuses, i, i+1)
	}
	for _, m := range st.media {
		m.status = nil
	}
	if st.inReplyTo != nil {
		st.inReplyTo.replies--
	}
	reached := map[*account]bool{a: true}
	for _, m := range st.mentions {
		if acc := s.accounts[m.ID]; acc != nil {
			reached[acc] = true
		}
	}
	for id, notes := range s.notes {
		kept := notes[:0]
		for _, nt := range notes {
			if nt.status == st {
				reached[nt.to] = true
				continue
			}
			kept = append(kept, nt)
		}
		clear(notes[len(kept):])
		s.notes[id] = kept
	}
	st.reblogs = nil
	for acc := range reached {
		s.pushLocked(acc, "delete", func() string { return st.id })
	}
}

// pushLocked sends an event to the account's open streams; data is made
// only when one is open.
func (s *Server) pushLocked(a *account, name string, data func() string) {
	payload := ""
	for st := range s.streams {
		if st.account != a {
			continue
		}
		if payload == "" {
			payload = data()
		}
		select {
		case st.events <- streamEvent{name: name, data: payload}:
		default:
		}
	}
}

// endStreamsLocked ends the account's open streams, as the streaming
// server does when their token is revoked.
func (s *Server) endStreamsLocked(accountID string) {
	for st := range s.streams {
		if st.account.id == accountID && !st.ended {
			st.ended = true
			close(st.done)
		}
	}
}

// byID orders statuses by id.
func byID(x, y *status) int { return cmp.Compare(x.n, y.n) }

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (s *Server) notificationJSONLocked(nt *notification) notificationJSON {
	// group_key is opaque; notifications this server does not group have
	// the documented "ungrouped-{id}".
	v := notificationJSON{ID: nt.id, Type: nt.kind, GroupKey: "ungrouped-" + nt.id, CreatedAt: timestamp(nt.created),
		Account: s.accountJSONLocked(nt.from)}
	if nt.status != nil {
		sv := s.statusJSONLocked(nt.status)
		v.Status = &sv
	}
	return v
}

// quoteJSONLocked is the quote attribute of a status quoting q: the quoted
// status with its own quote made shallow, or the "deleted" state.
func (s *Server) quoteJSONLocked(q *status) any {
	if q.deleted {
		return quoteJSON{State: "deleted"}
	}
	v := s.statusJSONLocked(q)
	if q.quoted != nil {
		v.Quote = shallowQuoteJSON{State: "accepted", QuotedStatusID: ptr(q.quoted.id)}
	}
	return quoteJSON{State: "accepted", QuotedStatus: &v}
}

// reblogJSONLocked is a boost as POST /api/v1/statuses/:id/reblog answers
// it: a status of the booster with the boosted one in reblog.
func (s *Server) reblogJSONLocked(st *status, rb *reblog) statusJSON {
	inner := s.statusJSONLocked(st)
	inner.Reblogged = true
	return statusJSON{
		ID: rb.id, CreatedAt: timestamp(rb.created), Visibility: "public",
		URI:      s.base + "/users/" + rb.account.username + "/statuses/" + rb.id + "/activity",
		URL:      ptr(s.accountURL(rb.account) + "/" + rb.id),
		Filtered: []any{}, Reblog: &inner, Reblogged: true, Account: s.accountJSONLocked(rb.account),
		MediaAttachments: []mediaJSON{}, Mentions: []mentionJSON{}, Tags: []tagJSON{}, Emojis: []any{},
	}
}

// limitParam reads limit as Api::BaseController#limit_param does: the
// default when absent or not positive, at most max.
func limitParam(v string, def, max int) int {
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return min(n, max)
	}
	return def
}

// pageOf picks one page of all, which is in ascending order, newest first
// as the API returns it: with min_id (forward) the oldest items kept, else
// the newest (Paginable#paginate_by_min_id and #paginate_by_max_id).
func pageOf[T any](all []T, keep func(T) bool, forward bool, limit int) []T {
	var page []T
	if forward {
		for _, x := range all {
			if len(page) == limit {
				break
			}
			if keep(x) {
				page = append(page, x)
			}
		}
		slices.Reverse(page)
		return page
	}
	for i := len(all) - 1; i >= 0 && len(page) < limit; i-- {
		if keep(all[i]) {
			page = append(page, all[i])
		}
	}
	return page
}

// paginationLinks is the Link header of api/guidelines#pagination:
// rel="next" (older: max_id, the page's last id) when the page is full,
// rel="prev" (newer: min_id, its first id); each link carries the request's
// own parameters named in keep, as the controllers' pagination_params do.
func (s *Server) paginationLinks(path string, q url.Values, keep []string, first, last string, full bool) string {
	link := func(k, id string) string {
		lq := url.Values{k: {id}}
		for _, p := range keep {
			if vs := q[p]; len(vs) > 0 {
				lq[p] = vs
			}
		}
		return "<" + s.base + path + "?" + lq.Encode() + ">"
	}
	var links []string
	if full {
		links = append(links, link("max_id", last)+`; rel="next"`)
	}
	links = append(links, link("min_id", first)+`; rel="prev"`)
	return strings.Join(links, ", ")
}

// listNotifications is GET /api/v1/notifications (methods/notifications#get)
// with max_id, since_id, min_id, limit, types[], exclude_types[] and
// account_id, newest first.
func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request) {
	fault := s.takeOpFault("inbox")
	if s.answerFault(w, fault, "inbox") {
		return
	}
	t := s.authenticate(w, r, "read:notifications")
	if t == nil {
		return
	}
	q := r.URL.Query()
	limit := limitParam(q.Get("limit"), defaultNotifications, maxNotifications)
	wanted := notificationTypes
	if types := list(q, "types"); len(types) > 0 {
		wanted = slices.DeleteFunc(slices.Clone(wanted), func(k string) bool { return !slices.Contains(types, k) })
	}
	exclude := list(q, "exclude_types")
	from := q.Get("account_id")
	maxID, sinceID, minID := idParam(q.Get("max_id")), idParam(q.Get("since_id")), idParam(q.Get("min_id"))
	keep := func(nt *notification) bool {
		return slices.Contains(wanted, nt.kind) && !slices.Contains(exclude, nt.kind) &&
			(from == "" || nt.from.id == from) &&
			(maxID == 0 || nt.n < maxID) && nt.n > sinceID && nt.n > minID
	}
	s.mu.Lock()
	page := pageOf(s.notes[t.account.id], keep, q.Get("min_id") != "", limit)
	out := make([]notificationJSON, 0, len(page))
	for _, nt := range page {
		out = append(out, s.notificationJSONLocked(nt))
	}
	s.mu.Unlock()
	if len(page) > 0 {
		w.Header().Set("Link", s.paginationLinks("/api/v1/notifications", q,
			[]string{"limit", "account_id", "types[]", "types", "exclude_types[]", "exclude_types"},
			page[0].id, page[len(page)-1].id, len(page) == limit))
	}
	if fault == providertest.LoseAnswer {
		loseAnswer(w)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// getNotification is GET /api/v1/notifications/:id.
func (s *Server) getNotification(w http.ResponseWriter, r *http.Request) {
	t := s.authenticate(w, r, "read:notifications")
	if t == nil {
		return
	}
	s.mu.Lock()
	i := slices.IndexFunc(s.notes[t.account.id], func(nt *notification) bool { return nt.id == r.PathValue("id") })
	var v notificationJSON
	if i >= 0 {
		v = s.notificationJSONLocked(s.notes[t.account.id][i])
	}
	s.mu.Unlock()
	if i < 0 {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// conversation is a thread of direct statuses as one account sees it.
type conversation struct {
	root, last *status
	members    []*account
}

// conversationsLocked lists the direct conversations an account takes
// part in, by ascending last status. A conversation is a thread (its root
// status) holding direct statuses the account may see; its members are the
// authors and mentioned accounts of those statuses.
func (s *Server) conversationsLocked(me *account) []*conversation {
	byRoot := make(map[*status]*conversation)
	for _, st := range s.statuses {
		if st.deleted || st.visibility != "direct" || !visible(st, me) {
			continue
		}
		root := st
		for root.inReplyTo != nil {
			root = root.inReplyTo
		}
		c := byRoot[root]
		if c == nil {
			c = &conversation{root: root}
			byRoot[root] = c
		}
		if c.last == nil || st.n > c.last.n {
			c.last = st
		}
		add := func(a *account) {
			if a != nil && a != me && !slices.Contains(c.members, a) {
				c.members = append(c.members, a)
			}
		}
		add(st.account)
		for _, m := range st.mentions {
			add(s.accounts[m.ID])
		}
	}
	out := make([]*conversation, 0, len(byRoot))
	for _, c := range byRoot {
		slices.SortFunc(c.members, func(x, y *account) int { return strings.Compare(x.id, y.id) })
		out = append(out, c)
	}
	slices.SortFunc(out, func(x, y *conversation) int { return byID(x.last, y.last) })
	return out
}

// listConversations is GET /api/v1/conversations (methods/conversations):
// newest last status first, paginated by the last status's id as
// AccountConversation is.
func (s *Server) listConversations(w http.ResponseWriter, r *http.Request) {
	t := s.authenticate(w, r, "read:statuses")
	if t == nil {
		return
	}
	q := r.URL.Query()
	limit := limitParam(q.Get("limit"), defaultConversations, maxConversations)
	maxID, sinceID, minID := idParam(q.Get("max_id")), idParam(q.Get("since_id")), idParam(q.Get("min_id"))
	keep := func(c *conversation) bool {
		return (maxID == 0 || c.last.n < maxID) && c.last.n > sinceID && c.last.n > minID
	}
	s.mu.Lock()
	page := pageOf(s.conversationsLocked(t.account), keep, q.Get("min_id") != "", limit)
	out := make([]conversationJSON, 0, len(page))
	for _, c := range page {
		last := s.statusJSONLocked(c.last)
		v := conversationJSON{ID: c.root.id, Unread: c.last.account != t.account, Accounts: []accountJSON{}, LastStatus: &last}
		for _, a := range c.members {
			v.Accounts = append(v.Accounts, s.accountJSONLocked(a))
		}
		out = append(out, v)
	}
	s.mu.Unlock()
	if len(page) > 0 {
		w.Header().Set("Link", s.paginationLinks("/api/v1/conversations", q, []string{"limit"},
			page[0].last.id, page[len(page)-1].last.id, len(page) == limit))
	}
	writeJSON(w, http.StatusOK, out)
}

// statusContext is GET /api/v1/statuses/:id/context: the ancestors from the
// thread's root down, and the descendants depth first, each as the viewer
// may see it. A deleted ancestor ends the chain of ancestors, as its
// replies' in_reply_to_id then names nothing.
func (s *Server) statusContext(w http.ResponseWriter, r *http.Request) {
	me, ok := s.viewer(w, r, "read:statuses")
	if !ok {
		return
	}
	maxAncestors, maxDescendants, maxDepth := userContextLimit, userContextLimit, 0
	if me == nil {
		maxAncestors, maxDescendants, maxDepth = publicAncestors, publicDescendants, publicDepth
	}
	s.mu.Lock()
	st := s.statuses[r.PathValue("id")]
	if st == nil || st.deleted || !visible(st, me) {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	var ancestors []*status
	for p := st.inReplyTo; p != nil && !p.deleted && len(ancestors) < maxAncestors; p = p.inReplyTo {
		if visible(p, me) {
			ancestors = append(ancestors, p)
		}
	}
	slices.Reverse(ancestors)
	children := make(map[*status][]*status)
	for _, x := range s.statuses {
		if !x.deleted && x.inReplyTo != nil {
			children[x.inReplyTo] = append(children[x.inReplyTo], x)
		}
	}
	var descendants []*status
	var walk func(p *status, depth int)
	walk = func(p *status, depth int) {
		if maxDepth > 0 && depth > maxDepth {
			return
		}
		kids := children[p]
		slices.SortFunc(kids, byID)
		for _, c := range kids {
			if len(descendants) >= maxDescendants {
				return
			}
			if visible(c, me) {
				descendants = append(descendants, c)
			}
			walk(c, depth+1)
		}
	}
	walk(st, 1)
	v := contextJSON{Ancestors: []statusJSON{}, Descendants: []statusJSON{}}
	for _, a := range ancestors {
		v.Ancestors = append(v.Ancestors, s.statusJSONLocked(a))
	}
	for _, d := range descendants {
		v.Descendants = append(v.Descendants, s.statusJSONLocked(d))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, v)
}

// favourite is POST /api/v1/statuses/:id/favourite: a status already
// favourited stays favourited once, and the answer is the same.
func (s *Server) favourite(w http.ResponseWriter, r *http.Request) {
	fault := s.takeOpFault("act")
	if s.answerFault(w, fault, "act") {
		return
	}
	t := s.authenticate(w, r, "write:favourites")
	if t == nil {
		return
	}
	me := t.account
	s.mu.Lock()
	st := s.statuses[r.PathValue("id")]
	if st == nil || st.deleted || !visible(st, me) {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	s.favouriteLocked(st, me)
	v := s.statusJSONLocked(st)
	v.Favourited = true
	v.Reblogged = slices.ContainsFunc(st.reblogs, func(rb *reblog) bool { return rb.account == me })
	s.mu.Unlock()
	if fault == providertest.LoseAnswer {
		loseAnswer(w)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) favouriteLocked(st *status, a *account) {
	if slices.Contains(st.favourites, a) {
		return
	}
	st.favourites = append(st.favourites, a)
	if st.account != a {
		s.notifyLocked(st.account, "favourite", a, st)
	}
}

// reblog is POST /api/v1/statuses/:id/reblog: a status already boosted
// answers the boost made before (ReblogService). Direct statuses cannot
// be boosted, private ones only by their author (StatusPolicy#reblog?).
func (s *Server) reblog(w http.ResponseWriter, r *http.Request) {
	fault := s.takeOpFault("act")
	if s.answerFault(w, fault, "act") {
		return
	}
	t := s.authenticate(w, r, "write:statuses")
	if t == nil {
		return
	}
	me := t.account
	s.mu.Lock()
	st := s.statuses[r.PathValue("id")]
	if st == nil || st.deleted || !visible(st, me) {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	if !boostable(st, me) {
		s.mu.Unlock()
		writeError(w, http.StatusForbidden, "This action is not allowed")
		return
	}
	v := s.reblogJSONLocked(st, s.boostLocked(st, me))
	s.mu.Unlock()
	if fault == providertest.LoseAnswer {
		loseAnswer(w)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func boostable(st *status, a *account) bool {
	return st.visibility == "public" || st.visibility == "unlisted" || st.visibility == "private" && st.account == a
}

func (s *Server) boostLocked(st *status, a *account) *reblog {
	if i := slices.IndexFunc(st.reblogs, func(rb *reblog) bool { return rb.account == a }); i >= 0 {
		return st.reblogs[i]
	}
	id, _ := s.nextIDLocked()
	rb := &reblog{id: id, account: a, created: s.now()}
	st.reblogs = append(st.reblogs, rb)
	if st.account != a {
		s.notifyLocked(st.account, "reblog", a, st)
	}
	return rb
}

// streamingURL is configuration.urls.streaming: the streaming host's base
// URL with the WebSocket scheme.
func (s *Server) streamingURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	base := s.base
	if s.streamTS != nil {
		base = s.streamTS.URL
	}
	return "ws" + strings.TrimPrefix(base, "http")
}

// streamingHealth is GET /api/v1/streaming/health.
func (s *Server) streamingHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, "OK")
}

// streamUser is GET /api/v1/streaming/user as the streaming server serves
// it over HTTP (streaming/index.js, methods/streaming#http): the token from
// the Authorization header or access_token, with read or read:statuses;
// an event stream that opens with the comment ":)", keeps alive with
// ":thump" every 15 seconds, and writes each event as "event: <name>" and
// "data: <payload>" lines followed by a blank one. The instance's own host
// redirects to the streaming host when that is another
// (Api::V1::StreamingController).
func (s *Server) streamUser(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	streamTS := s.streamTS
	t := s.tokens[bearer(r)]
	s.mu.Unlock()
	if streamTS != nil && r.Host == s.domain {
		http.Redirect(w, r, streamTS.URL+r.URL.RequestURI(), http.StatusMovedPermanently)
		return
	}
	switch {
	case bearer(r) == "":
		writeError(w, http.StatusUnauthorized, "Missing access token")
		return
	case t == nil || t.revoked || t.account == nil:
		writeError(w, http.StatusUnauthorized, "Invalid access token")
		return
	case !grants(t.scopes, "read:statuses"):
		writeError(w, http.StatusUnauthorized, "Access token does not have the required scopes")
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "streaming unsupported")
		return
	}
	st := &stream{account: t.account, events: make(chan streamEvent, streamBuffer), done: make(chan struct{})}
	s.mu.Lock()
	s.streams[st] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.streams, st)
		s.mu.Unlock()
	}()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, ":)\n")
	flusher.Flush()
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.closing:
			return
		case <-st.done:
			return
		case <-tick.C:
			io.WriteString(w, ":thump\n")
		case ev := <-st.events:
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.name, ev.data)
		}
		flusher.Flush()
	}
}

// Helpers for tests, acting as other accounts of the instance. They panic
// on an unknown account or status, as a test's own mistake.

// NewStatus is a status a helper publishes, as POST /api/v1/statuses would
// but without its checks.
type NewStatus struct {
	Text string
	// Visibility is public (the default), unlisted, private or direct.
	Visibility string
	// InReplyToID is the status answered, QuoteID the status quoted.
	InReplyToID string
	QuoteID     string
	// Language defaults to "en".
	Language string
}

// Post publishes p for the account and returns the new status's id. The
// accounts it mentions or answers are notified, and their streams told.
func (s *Server) Post(accountID string, p NewStatus) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.mustAccountLocked(accountID)
	st := &status{account: a, text: p.Text, visibility: p.Visibility, language: p.Language}
	if p.InReplyToID != "" {
		st.inReplyTo = s.mustStatusLocked(p.InReplyToID)
	}
	if p.QuoteID != "" {
		st.quoted = s.mustStatusLocked(p.QuoteID)
	}
	if st.visibility == "" {
		st.visibility = "public"
	}
	if st.language == "" {
		st.language = "en"
	}
	st.id, st.n = s.nextIDLocked()
	st.created = s.now()
	st.content, st.mentions, st.tags = s.renderLocked(strings.TrimSpace(p.Text))
	if st.inReplyTo != nil {
		st.inReplyTo.replies++
	}
	s.statuses[st.id] = st
	a.statuses = append(a.statuses, st)
	s.statusCreatedLocked(st)
	return st.id
}

// Mention publishes a public status of fromAccountID, answering replyTo
// when it is not empty, and returns its id. Write the mentions in text
// ("@anna ciao"); a reply starts with the mention of the author answered,
// as Mastodon's composer writes it, unless text already has it.
func (s *Server) Mention(fromAccountID, text, replyTo string) string {
	if replyTo != "" {
		s.mu.Lock()
		to := s.mustStatusLocked(replyTo).account
		s.mu.Unlock()
		if to.id != fromAccountID {
			text = s.withMention(to, text)
		}
	}
	return s.Post(fromAccountID, NewStatus{Text: text, InReplyToID: replyTo})
}

// withMention starts text with the mention of a, unless it mentions them.
func (s *Server) withMention(a *account, text string) string {
	if slices.ContainsFunc(entities(text), func(e entity) bool {
		return e.kind == 'm' && strings.EqualFold(e.user, a.username) && (e.domain == "" || strings.EqualFold(e.domain, s.domain))
	}) {
		return text
	}
	return "@" + a.username + " " + text
}

// DirectMessage publishes a direct status of fromAccountID to toAccountID
// and returns its id: the text starts with the mention that makes it reach
// them, unless it already has it.
func (s *Server) DirectMessage(fromAccountID, toAccountID, text string) string {
	s.mu.Lock()
	to := s.mustAccountLocked(toAccountID)
	s.mu.Unlock()
	return s.Post(fromAccountID, NewStatus{Text: s.withMention(to, text), Visibility: "direct"})
}

// Quote publishes a public status of fromAccountID quoting statusID and
// returns its id; the quoted author is notified ("quote", Mastodon 4.5).
func (s *Server) Quote(fromAccountID, statusID, text string) string {
	return s.Post(fromAccountID, NewStatus{Text: text, QuoteID: statusID})
}

// Boost boosts a status for fromAccountID and returns the boost's id (the
// same one when it was already boosted).
func (s *Server) Boost(fromAccountID, statusID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, st := s.mustAccountLocked(fromAccountID), s.mustStatusLocked(statusID)
	if !boostable(st, a) {
		panic("mastodontest: status " + statusID + " cannot be boosted by " + fromAccountID)
	}
	return s.boostLocked(st, a).id
}

// Favourite favourites a status for fromAccountID.
func (s *Server) Favourite(fromAccountID, statusID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.favouriteLocked(s.mustStatusLocked(statusID), s.mustAccountLocked(fromAccountID))
}

// Favourites returns the ids of the accounts that favourited a status, in
// order.
func (s *Server) Favourites(statusID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	if st := s.statuses[statusID]; st != nil {
		for _, a := range st.favourites {
			out = append(out, a.id)
		}
	}
	return out
}

// Boosts returns the ids of the accounts that boosted a status, in order.
func (s *Server) Boosts(statusID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	if st := s.statuses[statusID]; st != nil {
		for _, rb := range st.reblogs {
			out = append(out, rb.account.id)
		}
	}
	return out
}

// Replies returns the statuses that answer statusID and are not deleted,
// oldest first.
func (s *Server) Replies(statusID string) []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	var replies []*status
	for _, st := range s.statuses {
		if !st.deleted && st.inReplyTo != nil && st.inReplyTo.id == statusID {
			replies = append(replies, st)
		}
	}
	slices.SortFunc(replies, byID)
	out := make([]Status, 0, len(replies))
	for _, st := range replies {
		out = append(out, s.statusViewLocked(st))
	}
	return out
}

// DeleteStatus deletes a status as its author would (DELETE
// /api/v1/statuses/:id) and says whether there was one to delete.
func (s *Server) DeleteStatus(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.statuses[id]
	if st == nil || st.deleted {
		return false
	}
	s.removeStatusLocked(st)
	return true
}

// Notification is a notification as the server holds it.
type Notification struct {
	ID string
	// Type is Mastodon's: mention, reblog, favourite or quote.
	Type string
	// AccountID is who acted; StatusID the status it is about (for a
	// reblog or a favourite, the status boosted or favourited).
	AccountID string
	StatusID  string
	CreatedAt time.Time
}

// Notifications returns an account's notifications, oldest first.
func (s *Server) Notifications(accountID string) []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Notification
	for _, nt := range s.notes[accountID] {
		n := Notification{ID: nt.id, Type: nt.kind, AccountID: nt.from.id, CreatedAt: nt.created}
		if nt.status != nil {
			n.StatusID = nt.status.id
		}
		out = append(out, n)
	}
	return out
}

// Streams returns how many user streams of the account are open.
func (s *Server) Streams(accountID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for st := range s.streams {
		if st.account.id == accountID {
			n++
		}
	}
	return n
}

// SeparateStreaming serves the streaming API from a host of its own, as
// instances with a separate streaming server do, and returns its base URL
// as /api/v2/instance then publishes it in configuration.urls.streaming.
func (s *Server) SeparateStreaming() string {
	s.mu.Lock()
	if s.streamTS == nil {
		s.streamTS = httptest.NewServer(s.ts.Config.Handler)
	}
	s.mu.Unlock()
	return s.streamingURL()
}

func (s *Server) mustAccountLocked(id string) *account {
	a := s.accounts[id]
	if a == nil {
		panic("mastodontest: no account " + id)
	}
	return a
}

func (s *Server) mustStatusLocked(id string) *status {
	st := s.statuses[id]
	if st == nil || st.deleted {
		panic("mastodontest: no status " + id)
	}
	return st
}
