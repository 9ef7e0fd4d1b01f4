package blueskytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bluesky-social/indigo/api/bsky"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/ipfs/go-cid"

	"github.com/portavoce/portavoce/internal/provider/providertest"
	"github.com/portavoce/portavoce/internal/textcount"
)

// The inbox side of the local Bluesky: what the PDS proxies to the App View
// (notifications, threads, posts and profiles) and to the chat service
// (direct messages), with the likes, reposts and threadgates a client
// writes in its repository. The App View's behaviour follows the reference
// implementation (bluesky-social/atproto, packages/bsky); the chat service
// is closed source, so only its lexicons (chat.bsky.convo.*) are followed.

// Collections of the inbox's records.
const (
	likeCollection       = "app.bsky.feed.like"
	repostCollection     = "app.bsky.feed.repost"
	threadgateCollection = "app.bsky.feed.threadgate"
)

// ChatProxy is the atproto-proxy header that sends a chat.bsky.* call
// through the PDS to Bluesky's chat service.
const ChatProxy = "did:web:api.bsky.chat#bsky_chat"

// Lexicon and App View limits of the inbox.
const (
	// replyNotifDepth is how far up a thread the App View notifies the
	// authors of a reply's ancestors (REPLY_NOTIF_DEPTH).
	replyNotifDepth = 5
	// maxHiddenReplies and maxAllowRules bound a threadgate
	// (app.bsky.feed.threadgate).
	maxHiddenReplies = 300
	maxAllowRules    = 5
	// maxBatch bounds getPosts' uris and getProfiles' actors.
	maxBatch = 25
	// Chat message text (chat.bsky.convo.defs#messageInput).
	maxMessageGraphemes = 1000
	maxMessageBytes     = 10000
)

// record is a like, a repost or a threadgate as the account's repository
// holds it.
type record struct {
	uri, cid string
	raw      json.RawMessage
	// subject is the post a like or repost is of.
	subject   string
	indexedAt time.Time
}

// notification is one row of the App View's notification table.
type notification struct {
	author        string
	uri, cid      string
	reason        string
	reasonSubject string
	record        json.RawMessage
	// sortAt is the earlier of the record's createdAt and the time it
	// was indexed, as the App View sorts (and pages) by it.
	sortAt time.Time
}

// convo is a conversation of the chat service.
type convo struct {
	id, rev  string
	members  []string
	messages []*chatMessage // oldest first
}

type chatMessage struct {
	id, rev, sender, text string
	sentAt                time.Time
}

// ChatMessage is a direct message as the chat service holds it.
type ChatMessage struct {
	ID, Sender, Text string
	SentAt           time.Time
}

// iso formats a time as the App View and the chat service do
// (JavaScript's Date.toISOString: milliseconds, UTC).
func iso(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// sortAtOf is the App View's sortAt of a record: the earlier of its
// createdAt and the time it was indexed.
func sortAtOf(createdAt string, indexedAt time.Time) time.Time {
	if dt, err := syntax.ParseDatetime(createdAt); err == nil {
		if t := dt.Time().UTC().Truncate(time.Millisecond); t.Before(indexedAt) {
			return t
		}
	}
	return indexedAt
}

// didOf is the account an at:// URI belongs to.
func didOf(uri string) string {
	at, err := syntax.ParseATURI(uri)
	if err != nil {
		return ""
	}
	return at.Authority().String()
}

// postLocked finds a post of any account by URI.
func (s *Server) postLocked(uri string) *Post {
	at, err := syntax.ParseATURI(uri)
	if err != nil || at.Collection().String() != postCollection {
		return nil
	}
	a := s.lookupLocked(at.Authority().String())
	if a == nil {
		return nil
	}
	return a.byRKey[at.RecordKey().String()]
}

// notifyLocked adds a notification for an account of this server.
func (s *Server) notifyLocked(to string, n *notification) {
	if s.accounts[to] == nil {
		return
	}
	s.notifs[to] = append(s.notifs[to], n)
}

// indexPostLocked makes the notifications the App View makes for a new
// post (its notifsForInsert): one per account at most, mentions first, then
// the quoted post's author, then the authors of the post's ancestors up to
// four levels, stopping above a reply the thread's author hid. An author
// is never notified of their own post.
func (s *Server) indexPostLocked(a *account, p *Post) {
	notified := map[string]bool{a.did: true}
	sortAt := sortAtOf(p.CreatedAt, p.IndexedAt)
	notify := func(to, reason, subject string) {
		if to == "" || notified[to] {
			return
		}
		notified[to] = true
		s.notifyLocked(to, &notification{author: a.did, uri: p.URI, cid: p.CID, reason: reason, reasonSubject: subject, record: p.Record, sortAt: sortAt})
	}
	for _, f := range p.Facets {
		if f.Kind == "mention" {
			notify(f.Value, "mention", "")
		}
	}
	if p.Quote != "" {
		notify(didOf(p.Quote), "quote", p.Quote)
	}
	hidden := s.hiddenLocked(p.ReplyRoot)
	cur := p.ReplyParent
	for height := 1; cur != "" && height < replyNotifDepth; height++ {
		ancestor := s.postLocked(cur)
		if ancestor == nil {
			break
		}
		notify(didOf(cur), "reply", cur)
		if slices.Contains(hidden, cur) {
			break
		}
		cur = ancestor.ReplyParent
	}
}

// dropNotificationsLocked forgets the notifications a deleted record caused.
func (s *Server) dropNotificationsLocked(uri string) {
	for did, list := range s.notifs {
		s.notifs[did] = slices.DeleteFunc(list, func(n *notification) bool { return n.uri == uri })
	}
}

// hiddenLocked lists the replies hidden by the threadgate of a root post.
func (s *Server) hiddenLocked(rootURI string) []string {
	gate := s.threadgateLocked(rootURI)
	if gate == nil {
		return nil
	}
	var rec struct {
		HiddenReplies []string `json:"hiddenReplies"`
	}
	_ = json.Unmarshal(gate.raw, &rec)
	return rec.HiddenReplies
}

// threadgateLocked is the threadgate of a root post, nil when none.
func (s *Server) threadgateLocked(rootURI string) *record {
	at, err := syntax.ParseATURI(rootURI)
	if err != nil {
		return nil
	}
	a := s.lookupLocked(at.Authority().String())
	if a == nil {
		return nil
	}
	return a.records[threadgateCollection][at.RecordKey().String()]
}

// spendLocked charges a write to the account's hourly write points, or
// answers the PDS's 429 when they are spent.
func (s *Server) spendLocked(a *account, cost int) (http.Header, *reply) {
	now := s.now()
	if now.Sub(a.windowStart) >= time.Hour {
		a.windowStart, a.windowPoints = now, 0
	}
	limit := s.writeLimit
	if limit <= 0 {
		return nil, nil
	}
	if a.windowPoints+cost > limit {
		rep := xerr(http.StatusTooManyRequests, "RateLimitExceeded", "Rate Limit Exceeded")
		rep.header = rateLimitHeaders(limit, 0, a.windowStart.Add(time.Hour), time.Hour)
		return nil, &rep
	}
	a.windowPoints += cost
	return rateLimitHeaders(limit, limit-a.windowPoints, a.windowStart.Add(time.Hour), time.Hour), nil
}

func invalidRecord(collection, format string, args ...any) *reply {
	rep := xerr(http.StatusBadRequest, "InvalidRequest", "Invalid "+collection+" record: "+fmt.Sprintf(format, args...))
	return &rep
}

// createInteractionLocked is createRecord for a like or a repost: the
// record is validated against its lexicon (a strongRef subject, a
// createdAt), its subject must be a post this server holds (a check the
// App View makes, not the PDS), and a record key already used answers 500
// as for posts. Inject's Op "like" and "repost" make it fail.
func (s *Server) createInteractionLocked(a *account, collection string, rkey *string, raw json.RawMessage) reply {
	op := "like"
	if collection == repostCollection {
		op = "repost"
	}
	f := s.faultLocked(op)
	if f != nil {
		if rep, done := s.faultReplyLocked(f, a); done {
			return rep
		}
	}
	key := ""
	if rkey != nil {
		key = *rkey
		if _, err := syntax.ParseTID(key); err != nil {
			return *invalidRecord(collection, "record key must be a TID: %q", key)
		}
	} else {
		key = s.clock.Next().String()
	}
	rec, rep := s.validInteractionLocked(collection, raw)
	if rep != nil {
		return *rep
	}
	if a.records[collection][key] != nil {
		return xerr(http.StatusInternalServerError, "InternalServerError", "Internal Server Error")
	}
	header, rep := s.spendLocked(a, createPoints)
	if rep != nil {
		return *rep
	}
	stored := s.storeInteractionLocked(a, collection, key, rec, raw)
	out := ok(map[string]any{"uri": stored.uri, "cid": stored.cid, "commit": s.commitLocked(), "validationStatus": "valid"})
	out.header = header
	out.lose = f != nil && f.Kind == providertest.LoseAnswer
	return out
}

// interaction is a validated like or repost.
type interaction struct {
	subject, createdAt string
	cid                string
}

func (s *Server) validInteractionLocked(collection string, raw json.RawMessage) (interaction, *reply) {
	var typ struct {
		Type string `json:"$type"`
	}
	if err := json.Unmarshal(raw, &typ); err != nil {
		return interaction{}, invalidRecord(collection, "%v", err)
	}
	if typ.Type != collection {
		return interaction{}, invalidRecord(collection, "Record/$type must be %s", collection)
	}
	var buf bytes.Buffer
	var subject *struct{ Uri, Cid string }
	var createdAt string
	switch collection {
	case likeCollection:
		var rec bsky.FeedLike
		if err := json.Unmarshal(raw, &rec); err != nil {
			return interaction{}, invalidRecord(collection, "%v", err)
		}
		if rec.Subject != nil {
			subject = &struct{ Uri, Cid string }{rec.Subject.Uri, rec.Subject.Cid}
		}
		createdAt = rec.CreatedAt
		_ = rec.MarshalCBOR(&buf)
	default:
		var rec bsky.FeedRepost
		if err := json.Unmarshal(raw, &rec); err != nil {
			return interaction{}, invalidRecord(collection, "%v", err)
		}
		if rec.Subject != nil {
			subject = &struct{ Uri, Cid string }{rec.Subject.Uri, rec.Subject.Cid}
		}
		createdAt = rec.CreatedAt
		_ = rec.MarshalCBOR(&buf)
	}
	if subject == nil {
		return interaction{}, invalidRecord(collection, `Record must have the property "subject"`)
	}
	if _, err := syntax.ParseDatetime(createdAt); err != nil {
		return interaction{}, invalidRecord(collection, "Record/createdAt must be an valid atproto datetime (both RFC-3339 and ISO-8601)")
	}
	if !s.holdsLocked(subject.Uri, subject.Cid) {
		return interaction{}, invalidRecord(collection, "Record/subject %s (cid %s) is not a post on this server", subject.Uri, subject.Cid)
	}
	return interaction{subject: subject.Uri, createdAt: createdAt, cid: cidOf(cid.DagCBOR, buf.Bytes())}, nil
}

// storeInteractionLocked keeps a like or repost and notifies the author of
// its subject, as the App View does (not for their own posts).
func (s *Server) storeInteractionLocked(a *account, collection, rkey string, rec interaction, raw json.RawMessage) *record {
	if a.records[collection] == nil {
		a.records[collection] = map[string]*record{}
	}
	stored := &record{
		uri:       "at://" + a.did + "/" + collection + "/" + rkey,
		cid:       rec.cid,
		raw:       append(json.RawMessage(nil), raw...),
		subject:   rec.subject,
		indexedAt: s.now().UTC().Truncate(time.Millisecond),
	}
	a.records[collection][rkey] = stored
	if to := didOf(rec.subject); to != a.did {
		reason := "like"
		if collection == repostCollection {
			reason = "repost"
		}
		s.notifyLocked(to, &notification{author: a.did, uri: stored.uri, cid: stored.cid, reason: reason, reasonSubject: rec.subject,
			record: stored.raw, sortAt: sortAtOf(rec.createdAt, stored.indexedAt)})
	}
	return stored
}

// otherRecordLocked answers getRecord for a like, a repost or a threadgate.
func (s *Server) otherRecordLocked(a *account, collection, rkey, wantCID string) reply {
	uri := "at://" + a.did + "/" + collection + "/" + rkey
	rec := a.records[collection][rkey]
	if rec == nil || (wantCID != "" && wantCID != rec.cid) {
		return xerr(http.StatusBadRequest, "RecordNotFound", "Could not locate record: "+uri)
	}
	return ok(map[string]any{"uri": rec.uri, "cid": rec.cid, "value": rec.raw})
}

// putAnyRecord is com.atproto.repo.putRecord: threadgates here, the
// profile in profile.go.
func (s *Server) putAnyRecord(r *http.Request) reply {
	body, err := io.ReadAll(io.LimitReader(r.Body, jsonLimit+1))
	if err != nil {
		return xerr(http.StatusBadRequest, "InvalidRequest", "Unable to read input")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var peek struct {
		Collection string `json:"collection"`
	}
	if json.Unmarshal(body, &peek) == nil && peek.Collection == threadgateCollection {
		return s.putThreadgate(r)
	}
	return s.putRecord(r)
}

// putThreadgate writes a threadgate (app.bsky.feed.threadgate) the way
// putRecord writes the profile: validated against the lexicon (a post, a
// createdAt, at most five allow rules and 300 hidden replies), written if
// swapRecord allows (a CID must be the current record's, null means there
// must be none). Beyond the PDS, the record key and the post must be the
// thread's root post in the same repository, as the lexicon requires and
// the App View enforces by ignoring other threadgates. Inject's Op
// "threadgate" makes it fail.
func (s *Server) putThreadgate(r *http.Request) reply {
	var in struct {
		Repo       string          `json:"repo"`
		Collection string          `json:"collection"`
		RKey       string          `json:"rkey"`
		Record     json.RawMessage `json:"record"`
		SwapRecord json.RawMessage `json:"swapRecord"`
	}
	if rep := readJSON(r, &in); rep != nil {
		return *rep
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, rep := s.authLocked(r)
	if rep != nil {
		return *rep
	}
	if in.Repo == "" || in.RKey == "" || len(in.Record) == 0 {
		return xerr(http.StatusBadRequest, "InvalidRequest", `Input must have the properties "repo", "collection", "rkey" and "record"`)
	}
	if target := s.lookupLocked(in.Repo); target == nil {
		return xerr(http.StatusBadRequest, "InvalidRequest", "Could not find repo: "+in.Repo)
	} else if target != a {
		return xerr(http.StatusUnauthorized, "AuthenticationRequired", "Authentication Required")
	}
	f := s.faultLocked("threadgate")
	if f != nil {
		if rep, done := s.faultReplyLocked(f, a); done {
			return rep
		}
	}
	if _, err := syntax.ParseTID(in.RKey); err != nil {
		return *invalidRecord(threadgateCollection, "record key must be a TID: %q", in.RKey)
	}
	var rec bsky.FeedThreadgate
	var raw struct {
		Type          string            `json:"$type"`
		Post          string            `json:"post"`
		CreatedAt     string            `json:"createdAt"`
		Allow         []json.RawMessage `json:"allow"`
		HiddenReplies []string          `json:"hiddenReplies"`
	}
	if err := json.Unmarshal(in.Record, &raw); err != nil {
		return *invalidRecord(threadgateCollection, "%v", err)
	}
	if raw.Type != threadgateCollection {
		return *invalidRecord(threadgateCollection, "Record/$type must be %s", threadgateCollection)
	}
	if err := json.Unmarshal(in.Record, &rec); err != nil {
		return *invalidRecord(threadgateCollection, "%v", err)
	}
	if _, err := syntax.ParseDatetime(raw.CreatedAt); err != nil {
		return *invalidRecord(threadgateCollection, "Record/createdAt must be an valid atproto datetime (both RFC-3339 and ISO-8601)")
	}
	if want := "at://" + a.did + "/" + postCollection + "/" + in.RKey; raw.Post != want {
		return *invalidRecord(threadgateCollection, "Record/post must be %s: a threadgate's record key is its root post's", want)
	}
	if len(raw.Allow) > maxAllowRules {
		return *invalidRecord(threadgateCollection, "Record/allow must not have more than %d elements", maxAllowRules)
	}
	if len(raw.HiddenReplies) > maxHiddenReplies {
		return *invalidRecord(threadgateCollection, "Record/hiddenReplies must not have more than %d elements", maxHiddenReplies)
	}
	for i, h := range raw.HiddenReplies {
		if _, err := syntax.ParseATURI(h); err != nil {
			return *invalidRecord(threadgateCollection, "Record/hiddenReplies/%d must be a valid at-uri", i)
		}
	}
	current := a.records[threadgateCollection][in.RKey]
	if rep := checkSwap(in.SwapRecord, current); rep != nil {
		return *rep
	}
	cost := updatePoints
	if current == nil {
		cost = createPoints
	}
	header, rep := s.spendLocked(a, cost)
	if rep != nil {
		return *rep
	}
	var buf bytes.Buffer
	if err := rec.MarshalCBOR(&buf); err != nil {
		return *invalidRecord(threadgateCollection, "%v", err)
	}
	if a.records[threadgateCollection] == nil {
		a.records[threadgateCollection] = map[string]*record{}
	}
	stored := &record{uri: "at://" + a.did + "/" + threadgateCollection + "/" + in.RKey, cid: cidOf(cid.DagCBOR, buf.Bytes()),
		raw: append(json.RawMessage(nil), in.Record...), indexedAt: s.now().UTC()}
	a.records[threadgateCollection][in.RKey] = stored
	out := ok(map[string]any{"uri": stored.uri, "cid": stored.cid, "commit": s.commitLocked(), "validationStatus": "valid"})
	out.header = header
	out.lose = f != nil && f.Kind == providertest.LoseAnswer
	return out
}

// checkSwap applies putRecord's swapRecord: absent is no check, null means
// there must be no record, a CID must be the current record's. A mismatch
// is 400 InvalidSwap "Record was at <cid>" (or "at null").
func checkSwap(swap json.RawMessage, current *record) *reply {
	swap = bytes.TrimSpace(swap)
	if len(swap) == 0 {
		return nil
	}
	var want *string
	if err := json.Unmarshal(swap, &want); err != nil {
		rep := xerr(http.StatusBadRequest, "InvalidRequest", "Input/swapRecord must be a cid string")
		return &rep
	}
	at := "null"
	if current != nil {
		at = current.cid
	}
	if (want == nil && current != nil) || (want != nil && (current == nil || *want != current.cid)) {
		rep := xerr(http.StatusBadRequest, "InvalidSwap", "Record was at "+at)
		return &rep
	}
	return nil
}

// intParam reads an integer query parameter with its lexicon's default
// and bounds.
func intParam(q url.Values, name string, def, lo, hi int) (int, *reply) {
	raw := q.Get(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	switch {
	case err != nil:
		rep := xerr(http.StatusBadRequest, "InvalidRequest", name+" must be an integer")
		return 0, &rep
	case n < lo:
		rep := xerr(http.StatusBadRequest, "InvalidRequest", fmt.Sprintf("%s can not be less than %d", name, lo))
		return 0, &rep
	case n > hi:
		rep := xerr(http.StatusBadRequest, "InvalidRequest", fmt.Sprintf("%s can not be greater than %d", name, hi))
		return 0, &rep
	}
	return n, nil
}

// optionalAuthLocked checks the token when there is one, as the PDS does
// before proxying a read to the App View; viewer is nil without one.
func (s *Server) optionalAuthLocked(r *http.Request) (viewer *account, rep *reply) {
	if r.Header.Get("Authorization") == "" {
		return nil, nil
	}
	return s.authLocked(r)
}

// listNotifications answers app.bsky.notification.listNotifications as the
// App View does: the account's notifications newest first by sortAt, limit
// (1 to 100, default 50) at a time; the cursor is the sortAt of the page's
// last row (an ISO date), and the next page holds the rows strictly older
// than it. With reasons, the App View reads raw pages of limit rows and
// keeps the matching ones until it has half a page or ran out, at most ten
// times, and answers the cursor of the last raw page: a page may hold fewer
// (or more) than limit notifications, none at all, and still a cursor.
// seenAt is refused ("The seenAt parameter is unsupported"). Inject's Op
// "notifications" makes it fail.
func (s *Server) listNotifications(r *http.Request) reply {
	q := r.URL.Query()
	if q.Get("seenAt") != "" {
		return xerr(http.StatusBadRequest, "InvalidRequest", "The seenAt parameter is unsupported")
	}
	limit, rep := intParam(q, "limit", 50, 1, 100)
	if rep != nil {
		return *rep
	}
	var before *time.Time
	if c := q.Get("cursor"); c != "" {
		t, err := time.Parse(time.RFC3339Nano, c)
		if err != nil {
			return xerr(http.StatusBadRequest, "InvalidRequest", "Malformed cursor")
		}
		t = t.UTC().Truncate(time.Millisecond)
		before = &t
	}
	reasons := q["reasons"]

	s.mu.Lock()
	defer s.mu.Unlock()
	a, rep := s.authLocked(r)
	if rep != nil {
		return *rep
	}
	f := s.faultLocked("notifications")
	if f != nil {
		if rep, done := s.faultReplyLocked(f, a); done {
			return rep
		}
	}
	// Newest first; the table keeps no other order, so rows of the same
	// instant come newest-indexed first.
	var all []*notification
	for _, n := range s.notifs[a.did] {
		if n.reasonSubject != "" && s.postLocked(n.reasonSubject) == nil {
			continue // the App View lists only notifications whose subject exists
		}
		all = append(all, n)
	}
	slices.Reverse(all)
	slices.SortStableFunc(all, func(x, y *notification) int { return y.sortAt.Compare(x.sortAt) })
	page := func(before *time.Time) (rows []*notification, next *time.Time) {
		for _, n := range all {
			if before != nil && !n.sortAt.Before(*before) {
				continue
			}
			rows = append(rows, n)
			if len(rows) == limit {
				break
			}
		}
		if len(rows) > 0 {
			t := rows[len(rows)-1].sortAt
			next = &t
		}
		return rows, next
	}
	var rows []*notification
	var next *time.Time
	if len(reasons) == 0 {
		rows, next = page(before)
	} else {
		attemptSize := int(math.Ceil(float64(limit) / 2))
		next = before
		for range 10 {
			raw, n := page(next)
			for _, row := range raw {
				if slices.Contains(reasons, row.reason) {
					rows = append(rows, row)
				}
			}
			next = n
			if len(rows) >= attemptSize || next == nil {
				break
			}
		}
	}
	out := make([]map[string]any, 0, len(rows))
	for _, n := range rows {
		view := map[string]any{
			"uri":       n.uri,
			"cid":       n.cid,
			"author":    s.profileViewOfLocked(n.author),
			"reason":    n.reason,
			"record":    n.record,
			"isRead":    false,
			"indexedAt": iso(n.sortAt),
			"labels":    []any{},
		}
		if n.reasonSubject != "" {
			view["reasonSubject"] = n.reasonSubject
		}
		out = append(out, view)
	}
	body := map[string]any{"notifications": out, "priority": false}
	if next != nil {
		body["cursor"] = iso(*next)
	}
	return ok(body)
}

// profileViewOfLocked is app.bsky.actor.defs#profileView of a DID.
func (s *Server) profileViewOfLocked(did string) map[string]any {
	a := s.accounts[did]
	if a == nil {
		return map[string]any{"did": did, "handle": "handle.invalid", "labels": []any{}}
	}
	full := s.profileDetailedLocked(a)
	view := map[string]any{"labels": []any{}}
	for _, k := range []string{"did", "handle", "displayName", "avatar", "description", "indexedAt", "createdAt"} {
		if v, found := full[k]; found {
			view[k] = v
		}
	}
	return view
}

// basicViewOfLocked is app.bsky.actor.defs#profileViewBasic (or the chat
// service's chat.bsky.actor.defs#profileViewBasic, the same fields here).
func (s *Server) basicViewOfLocked(did string) map[string]any {
	view := s.profileViewOfLocked(did)
	delete(view, "description")
	delete(view, "indexedAt")
	return view
}

// postViewLocked is app.bsky.feed.defs#postView, with the viewer's like
// and repost when there is a viewer.
func (s *Server) postViewLocked(p *Post, viewer *account) map[string]any {
	replies, likes, reposts, quotes := 0, 0, 0, 0
	viewerState := map[string]any{}
	for _, acc := range s.accounts {
		for _, q := range acc.posts {
			if q.ReplyParent == p.URI {
				replies++
			}
			if q.Quote == p.URI {
				quotes++
			}
		}
		for collection, recs := range acc.records {
			for _, rec := range recs {
				if rec.subject != p.URI {
					continue
				}
				switch collection {
				case likeCollection:
					likes++
					if acc == viewer {
						viewerState["like"] = rec.uri
					}
				case repostCollection:
					reposts++
					if acc == viewer {
						viewerState["repost"] = rec.uri
					}
				}
			}
		}
	}
	view := map[string]any{
		"uri":         p.URI,
		"cid":         p.CID,
		"author":      s.basicViewOfLocked(didOf(p.URI)),
		"record":      p.Record,
		"replyCount":  replies,
		"repostCount": reposts,
		"likeCount":   likes,
		"quoteCount":  quotes,
		"indexedAt":   iso(p.IndexedAt),
		"labels":      []any{},
	}
	if viewer != nil {
		view["viewer"] = viewerState
	}
	return view
}

// childrenLocked lists the replies to a post, oldest first (the App View
// ranks them its own way; the lexicon sets no order).
func (s *Server) childrenLocked(uri string) []*Post {
	var out []*Post
	for _, acc := range s.accounts {
		for _, q := range acc.posts {
			if q.ReplyParent == uri {
				out = append(out, q)
			}
		}
	}
	slices.SortFunc(out, func(x, y *Post) int { return x.IndexedAt.Compare(y.IndexedAt) })
	return out
}

// getPostThread answers app.bsky.feed.getPostThread as the App View does:
// the post as a threadViewPost with its parents up to parentHeight
// (default 80) and its replies down to depth (default 6). A parent that is
// gone is a notFoundPost; the post itself gone is 400 NotFound "Post not
// found: <uri>", which the lexicon lists as the query's error.
func (s *Server) getPostThread(r *http.Request) reply {
	q := r.URL.Query()
	uri := q.Get("uri")
	if uri == "" {
		return xerr(http.StatusBadRequest, "InvalidRequest", `Params must have the property "uri"`)
	}
	depth, rep := intParam(q, "depth", 6, 0, 1000)
	if rep != nil {
		return *rep
	}
	height, rep := intParam(q, "parentHeight", 80, 0, 1000)
	if rep != nil {
		return *rep
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	viewer, rep := s.optionalAuthLocked(r)
	if rep != nil {
		return *rep
	}
	p := s.postLocked(uri)
	if p == nil {
		return xerr(http.StatusBadRequest, "NotFound", "Post not found: "+uri)
	}
	thread := s.threadRepliesLocked(p, viewer, depth)
	if parent := s.threadParentLocked(p.ReplyParent, viewer, height); parent != nil {
		thread["parent"] = parent
	}
	return ok(map[string]any{"thread": thread})
}

// threadParentLocked is the parent chain of a thread view, nil when there
// is no parent or the height is spent.
func (s *Server) threadParentLocked(uri string, viewer *account, height int) map[string]any {
	if uri == "" || height <= 0 {
		return nil
	}
	p := s.postLocked(uri)
	if p == nil {
		return map[string]any{"$type": "app.bsky.feed.defs#notFoundPost", "uri": uri, "notFound": true}
	}
	view := map[string]any{"$type": "app.bsky.feed.defs#threadViewPost", "post": s.postViewLocked(p, viewer)}
	if parent := s.threadParentLocked(p.ReplyParent, viewer, height-1); parent != nil {
		view["parent"] = parent
	}
	return view
}

// threadRepliesLocked is a thread view with its replies.
func (s *Server) threadRepliesLocked(p *Post, viewer *account, depth int) map[string]any {
	view := map[string]any{"$type": "app.bsky.feed.defs#threadViewPost", "post": s.postViewLocked(p, viewer)}
	if depth > 0 {
		replies := []any{}
		for _, c := range s.childrenLocked(p.URI) {
			replies = append(replies, s.threadRepliesLocked(c, viewer, depth-1))
		}
		view["replies"] = replies
	}
	return view
}

// getPosts answers app.bsky.feed.getPosts: the posts of uris (at most 25)
// that exist, in the order asked.
func (s *Server) getPosts(r *http.Request) reply {
	uris := r.URL.Query()["uris"]
	if len(uris) == 0 {
		return xerr(http.StatusBadRequest, "InvalidRequest", `Params must have the property "uris"`)
	}
	if len(uris) > maxBatch {
		return xerr(http.StatusBadRequest, "InvalidRequest", fmt.Sprintf("uris must not have more than %d elements", maxBatch))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	viewer, rep := s.optionalAuthLocked(r)
	if rep != nil {
		return *rep
	}
	posts := []any{}
	for _, uri := range uris {
		if p := s.postLocked(uri); p != nil {
			posts = append(posts, s.postViewLocked(p, viewer))
		}
	}
	return ok(map[string]any{"posts": posts})
}

// getProfiles answers app.bsky.actor.getProfiles: the profiles of actors
// (DIDs or handles, at most 25) that exist, with followersCount as
// SetFollowers set it.
func (s *Server) getProfiles(r *http.Request) reply {
	actors := r.URL.Query()["actors"]
	if len(actors) == 0 {
		return xerr(http.StatusBadRequest, "InvalidRequest", `Params must have the property "actors"`)
	}
	if len(actors) > maxBatch {
		return xerr(http.StatusBadRequest, "InvalidRequest", fmt.Sprintf("actors must not have more than %d elements", maxBatch))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, rep := s.optionalAuthLocked(r); rep != nil {
		return *rep
	}
	profiles := []any{}
	for _, actor := range actors {
		if a := s.lookupLocked(actor); a != nil {
			profiles = append(profiles, s.profileDetailedLocked(a))
		}
	}
	return ok(map[string]any{"profiles": profiles})
}

// chatAuthLocked checks a chat call as the PDS does before proxying it:
// the token first; then, since chat.bsky.convo methods are privileged, an
// app password created without access to direct messages answers 400
// InvalidToken "Bad token method"; then the atproto-proxy header must name
// the chat service (without it the PDS sends the call to the App View,
// which does not implement chat).
func (s *Server) chatAuthLocked(r *http.Request) (*account, *reply) {
	a, rep := s.authLocked(r)
	if rep != nil {
		return nil, rep
	}
	if !a.chat {
		rep := xerr(http.StatusBadRequest, "InvalidToken", "Bad token method")
		return nil, &rep
	}
	switch r.Header.Get("atproto-proxy") {
	case ChatProxy:
		return a, nil
	case "":
		rep := xerr(http.StatusNotImplemented, "MethodNotImplemented", "Method Not Implemented")
		return nil, &rep
	default:
		rep := xerr(http.StatusBadRequest, "InvalidRequest", "could not resolve proxy did service url")
		return nil, &rep
	}
}

// messageView is chat.bsky.convo.defs#messageView, with its $type when it
// is in a union.
func messageView(m *chatMessage, typed bool) map[string]any {
	view := map[string]any{"id": m.id, "rev": m.rev, "text": m.text, "sender": map[string]string{"did": m.sender}, "sentAt": iso(m.sentAt)}
	if typed {
		view["$type"] = "chat.bsky.convo.defs#messageView"
	}
	return view
}

// convoOfLocked finds a conversation the account is a member of.
func (s *Server) convoOfLocked(a *account, id string) *convo {
	c := s.convos[id]
	if c == nil || !slices.Contains(c.members, a.did) {
		return nil
	}
	return c
}

// listConvos answers chat.bsky.convo.listConvos: the account's
// conversations, most recent activity first, limit (1 to 100, default 50)
// at a time, with a cursor while more remain. Inject's Op "chat" makes it
// fail.
func (s *Server) listConvos(r *http.Request) reply {
	q := r.URL.Query()
	limit, rep := intParam(q, "limit", 50, 1, 100)
	if rep != nil {
		return *rep
	}
	cursor := q.Get("cursor")
	s.mu.Lock()
	defer s.mu.Unlock()
	a, rep := s.chatAuthLocked(r)
	if rep != nil {
		return *rep
	}
	if f := s.faultLocked("chat"); f != nil {
		if rep, done := s.faultReplyLocked(f, a); done {
			return rep
		}
	}
	var mine []*convo
	for _, c := range s.convos {
		if slices.Contains(c.members, a.did) && (cursor == "" || c.rev < cursor) {
			mine = append(mine, c)
		}
	}
	slices.SortFunc(mine, func(x, y *convo) int { return strings.Compare(y.rev, x.rev) })
	body := map[string]any{}
	if len(mine) > limit {
		mine = mine[:limit]
		body["cursor"] = mine[limit-1].rev
	}
	convos := []any{}
	for _, c := range mine {
		members := []any{}
		for _, m := range c.members {
			members = append(members, s.basicViewOfLocked(m))
		}
		view := map[string]any{"id": c.id, "rev": c.rev, "members": members, "muted": false, "status": "accepted", "unreadCount": 0}
		if n := len(c.messages); n > 0 {
			view["lastMessage"] = messageView(c.messages[n-1], true)
		}
		convos = append(convos, view)
	}
	body["convos"] = convos
	return ok(body)
}

// getMessages answers chat.bsky.convo.getMessages: a conversation's
// messages newest first, limit (1 to 100, default 50) at a time, with a
// cursor while older ones remain. A conversation the account is not in is
// 400 InvalidConvo. Inject's Op "chat" makes it fail.
func (s *Server) getMessages(r *http.Request) reply {
	q := r.URL.Query()
	id := q.Get("convoId")
	if id == "" {
		return xerr(http.StatusBadRequest, "InvalidRequest", `Params must have the property "convoId"`)
	}
	limit, rep := intParam(q, "limit", 50, 1, 100)
	if rep != nil {
		return *rep
	}
	cursor := q.Get("cursor")
	s.mu.Lock()
	defer s.mu.Unlock()
	a, rep := s.chatAuthLocked(r)
	if rep != nil {
		return *rep
	}
	if f := s.faultLocked("chat"); f != nil {
		if rep, done := s.faultReplyLocked(f, a); done {
			return rep
		}
	}
	c := s.convoOfLocked(a, id)
	if c == nil {
		return xerr(http.StatusBadRequest, "InvalidConvo", "Convo not found")
	}
	body := map[string]any{}
	messages := []any{}
	for i := len(c.messages) - 1; i >= 0; i-- {
		m := c.messages[i]
		if cursor != "" && m.rev >= cursor {
			continue
		}
		if len(messages) == limit {
			body["cursor"] = c.messages[i+1].rev
			break
		}
		messages = append(messages, messageView(m, true))
	}
	related := []any{}
	for _, m := range c.members {
		related = append(related, s.basicViewOfLocked(m))
	}
	body["messages"] = messages
	body["relatedProfiles"] = related
	return ok(body)
}

// sendMessage answers chat.bsky.convo.sendMessage: the message (text of
// at most 1,000 graphemes and 10,000 bytes) is added to the conversation
// and answered as a messageView. It takes no idempotency key: a repeat
// sends a second message. Inject's Op "message" makes it fail (LoseAnswer
// sends it and answers nothing).
func (s *Server) sendMessage(r *http.Request) reply {
	var in struct {
		ConvoID string `json:"convoId"`
		Message *struct {
			Text *string `json:"text"`
		} `json:"message"`
	}
	if rep := readJSON(r, &in); rep != nil {
		return *rep
	}
	if in.ConvoID == "" || in.Message == nil {
		return xerr(http.StatusBadRequest, "InvalidRequest", `Input must have the properties "convoId" and "message"`)
	}
	if in.Message.Text == nil {
		return xerr(http.StatusBadRequest, "InvalidRequest", `Input/message must have the property "text"`)
	}
	text := *in.Message.Text
	if !utf8.ValidString(text) || len(text) > maxMessageBytes || textcount.Bluesky(text) > maxMessageGraphemes {
		return xerr(http.StatusBadRequest, "InvalidRequest", fmt.Sprintf("Input/message/text must not be longer than %d graphemes", maxMessageGraphemes))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, rep := s.chatAuthLocked(r)
	if rep != nil {
		return *rep
	}
	f := s.faultLocked("message")
	if f != nil {
		if rep, done := s.faultReplyLocked(f, a); done {
			return rep
		}
	}
	c := s.convoOfLocked(a, in.ConvoID)
	if c == nil {
		return xerr(http.StatusBadRequest, "InvalidConvo", "Convo not found")
	}
	m := s.addMessageLocked(c, a.did, text)
	out := ok(messageView(m, false))
	out.lose = f != nil && f.Kind == providertest.LoseAnswer
	return out
}

func (s *Server) addMessageLocked(c *convo, sender, text string) *chatMessage {
	m := &chatMessage{id: s.clock.Next().String(), sender: sender, text: text, sentAt: s.now().UTC().Truncate(time.Millisecond)}
	m.rev = s.clock.Next().String()
	c.messages = append(c.messages, m)
	c.rev = m.rev
	return m
}

// Test helpers: other accounts act as people on Bluesky would.

func (s *Server) newPostLocked(a *account, rec map[string]any) *Post {
	rec["$type"] = postCollection
	rec["createdAt"] = iso(s.now())
	raw, err := json.Marshal(rec)
	if err != nil {
		panic(fmt.Sprintf("blueskytest: %v", err))
	}
	post, rep := s.validPostLocked(a, raw)
	if rep != nil {
		panic(fmt.Sprintf("blueskytest: invalid post: %v", rep.body))
	}
	p, err := s.storePostLocked(a, s.clock.Next().String(), post, raw)
	if err != nil {
		panic(fmt.Sprintf("blueskytest: %v", err))
	}
	return p
}

// CreatePost posts text as the account did, a root post, and returns its
// URI.
func (s *Server) CreatePost(did, text string) (uri string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newPostLocked(s.mustAccount(did), map[string]any{"text": text}).URI
}

// Reply posts, as the account fromDID, text answering the post parentURI
// (in the parent's thread), and returns the reply's URI. The authors of
// the post's ancestors are notified, as the App View does.
func (s *Server) Reply(fromDID, parentURI, text string) (uri string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.mustAccount(fromDID)
	parent := s.postLocked(parentURI)
	if parent == nil {
		panic("blueskytest: Reply: no post " + parentURI)
	}
	root := map[string]string{"uri": parent.URI, "cid": parent.CID}
	var rec struct {
		Reply *struct {
			Root struct {
				URI string `json:"uri"`
				CID string `json:"cid"`
			} `json:"root"`
		} `json:"reply"`
	}
	_ = json.Unmarshal(parent.Record, &rec)
	if rec.Reply != nil {
		root = map[string]string{"uri": rec.Reply.Root.URI, "cid": rec.Reply.Root.CID}
	}
	return s.newPostLocked(a, map[string]any{"text": text, "reply": map[string]any{
		"root":   root,
		"parent": map[string]string{"uri": parent.URI, "cid": parent.CID},
	}}).URI
}

// Mention posts, as the account fromDID, a root post that mentions the
// account toHandle with a mention facet over "@toHandle" (appended to text
// when text does not hold it), and returns its URI.
func (s *Server) Mention(fromDID, toHandle, text string) (uri string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.mustAccount(fromDID)
	to := s.lookupLocked(toHandle)
	if to == nil {
		panic("blueskytest: Mention: no account " + toHandle)
	}
	at := "@" + to.handle
	start := strings.Index(text, at)
	if start < 0 {
		text = strings.TrimSpace(text + " " + at)
		start = strings.Index(text, at)
	}
	return s.newPostLocked(a, map[string]any{"text": text, "facets": []any{map[string]any{
		"index":    map[string]int{"byteStart": start, "byteEnd": start + len(at)},
		"features": []any{map[string]string{"$type": "app.bsky.richtext.facet#mention", "did": to.did}},
	}}}).URI
}

// Quote posts, as the account fromDID, text quoting the post quotedURI
// (app.bsky.embed.record), and returns its URI.
func (s *Server) Quote(fromDID, quotedURI, text string) (uri string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.mustAccount(fromDID)
	quoted := s.postLocked(quotedURI)
	if quoted == nil {
		panic("blueskytest: Quote: no post " + quotedURI)
	}
	return s.newPostLocked(a, map[string]any{"text": text, "embed": map[string]any{
		"$type":  "app.bsky.embed.record",
		"record": map[string]string{"uri": quoted.URI, "cid": quoted.CID},
	}}).URI
}

func (s *Server) interactLocked(did, collection, postURI string) string {
	a := s.mustAccount(did)
	p := s.postLocked(postURI)
	if p == nil {
		panic("blueskytest: no post " + postURI)
	}
	raw, _ := json.Marshal(map[string]any{"$type": collection, "subject": map[string]string{"uri": p.URI, "cid": p.CID}, "createdAt": iso(s.now())})
	rec, rep := s.validInteractionLocked(collection, raw)
	if rep != nil {
		panic(fmt.Sprintf("blueskytest: %v", rep.body))
	}
	return s.storeInteractionLocked(a, collection, s.clock.Next().String(), rec, raw).uri
}

// RepostBy reposts the post postURI as the account fromDID and returns
// the repost record's URI.
func (s *Server) RepostBy(fromDID, postURI string) (uri string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.interactLocked(fromDID, repostCollection, postURI)
}

// LikeBy likes the post postURI as the account fromDID and returns the
// like record's URI.
func (s *Server) LikeBy(fromDID, postURI string) (uri string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.interactLocked(fromDID, likeCollection, postURI)
}

// DeletePost deletes a post as its author could from the Bluesky app: it
// is gone from the repository, from threads and from notifications.
func (s *Server) DeletePost(uri string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, err := syntax.ParseATURI(uri)
	if err != nil {
		panic("blueskytest: DeletePost: " + err.Error())
	}
	a := s.mustAccount(at.Authority().String())
	s.deleteLocked(a, at.Collection().String(), at.RecordKey().String())
}

func (s *Server) subjectsLocked(collection, postURI string) []string {
	var out []string
	for _, a := range s.accounts {
		for _, rec := range a.records[collection] {
			if rec.subject == postURI {
				out = append(out, a.did)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Likes lists the DIDs of the like records of a post, once per record (an
// account that liked twice is listed twice).
func (s *Server) Likes(postURI string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.subjectsLocked(likeCollection, postURI)
}

// Reposts lists the DIDs of the repost records of a post, once per record.
func (s *Server) Reposts(postURI string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.subjectsLocked(repostCollection, postURI)
}

// Threadgate returns the threadgate record of a root post as stored, nil
// when it has none.
func (s *Server) Threadgate(rootURI string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gate := s.threadgateLocked(rootURI); gate != nil {
		return append(json.RawMessage(nil), gate.raw...)
	}
	return nil
}

// SetThreadgate writes the threadgate record of a root post directly, as
// its author could from the Bluesky app (who may reply, hidden replies).
// Nothing is checked.
func (s *Server) SetThreadgate(rootURI string, rec json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, err := syntax.ParseATURI(rootURI)
	if err != nil {
		panic("blueskytest: SetThreadgate: " + err.Error())
	}
	a := s.mustAccount(at.Authority().String())
	if a.records[threadgateCollection] == nil {
		a.records[threadgateCollection] = map[string]*record{}
	}
	rkey := at.RecordKey().String()
	a.records[threadgateCollection][rkey] = &record{uri: "at://" + a.did + "/" + threadgateCollection + "/" + rkey,
		cid: cidOf(cid.DagCBOR, rec), raw: append(json.RawMessage(nil), rec...), indexedAt: s.now()}
}

// HiddenReplies lists the replies the threadgate of a root post hides.
func (s *Server) HiddenReplies(rootURI string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.hiddenLocked(rootURI))
}

// SetFollowers sets the followersCount the App View shows for an account.
func (s *Server) SetFollowers(did string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustAccount(did).followers = n
}

// GrantChat says whether the account's app passwords were created with
// access to direct messages ("privileged"). Without it, which is the
// default, chat calls answer 400 InvalidToken "Bad token method".
func (s *Server) GrantChat(did string, granted bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustAccount(did).chat = granted
}

// SendChat sends text from the account fromDID to toDID in their direct
// conversation (created on first use), and returns the conversation's id.
func (s *Server) SendChat(fromDID, toDID, text string) (convoID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustAccount(fromDID)
	s.mustAccount(toDID)
	var c *convo
	for _, candidate := range s.convos {
		if len(candidate.members) == 2 && slices.Contains(candidate.members, fromDID) && slices.Contains(candidate.members, toDID) {
			c = candidate
			break
		}
	}
	if c == nil {
		c = &convo{id: s.clock.Next().String(), members: []string{fromDID, toDID}}
		s.convos[c.id] = c
	}
	s.addMessageLocked(c, fromDID, text)
	return c.id
}

// ChatMessages returns a conversation's messages, oldest first.
func (s *Server) ChatMessages(convoID string) []ChatMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.convos[convoID]
	if c == nil {
		return nil
	}
	out := make([]ChatMessage, 0, len(c.messages))
	for _, m := range c.messages {
		out = append(out, ChatMessage{ID: m.id, Sender: m.sender, Text: m.text, SentAt: m.sentAt})
	}
	return out
}
