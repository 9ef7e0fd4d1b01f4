package bluesky

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/api/chat"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/textcount"
)

// The inbox reads the account's notifications (replies, mentions, quotes
// and reposts of its posts, app.bsky.notification.listNotifications) and,
// when its app password was created with access to direct messages, its
// chat conversations (chat.bsky.convo.*, which the PDS forwards to
// Bluesky's chat service). Answers go out as replies (app.bsky.feed.post
// with a reply reference) or chat messages (chat.bsky.convo.sendMessage).

var _ provider.Inbox = (*Client)(nil)

// Collections the inbox writes.
const (
	likeCollection       = "app.bsky.feed.like"
	repostCollection     = "app.bsky.feed.repost"
	threadgateCollection = "app.bsky.feed.threadgate"
)

// chatProxy is the atproto-proxy header that makes the PDS forward a call
// to Bluesky's chat service (did:web:api.bsky.chat, service #bsky_chat).
const chatProxy = "did:web:api.bsky.chat#bsky_chat"

// Reading limits.
const (
	// notifPage is the largest listNotifications page (the lexicon's
	// maximum limit).
	notifPage = 100
	// walkPages bounds the listNotifications calls of one Fetch; a walk
	// that needs more leaves the rest in the cursor (Page.More).
	walkPages = 5
	// overlap is how far below the newest notification or message seen
	// the next poll looks again. The App View sorts notifications by the
	// earlier of the record's createdAt and the time it indexed it, so a
	// reply whose author's clock runs late is listed below newer ones
	// already read; the ids seen in this window are kept in the cursor so
	// that looking again repeats nothing.
	overlap = 2 * time.Minute
	// maxSeen bounds the ids kept for the overlap window. A burst of more
	// narrows the window (mark.Full), so that a walk never spends its
	// pages reading again what it already gave.
	maxSeen = 200
	// Chat: conversations listed per poll (pages of 100), message pages
	// read per conversation, and what the first poll brings.
	convoPages        = 10
	messagePages      = 4
	firstConvos       = 10
	firstMessages     = 25
	maxChatGraphemes  = 1000
	maxChatBytes      = 10000
	checkMessagePages = 10
	// chatClockSkew widens the window in which Check looks for a chat
	// message: FirstAttempt is Portavoce's clock, sentAt the chat
	// service's.
	chatClockSkew = 5 * time.Minute
	// Thread: how deep the replies and how high the parents
	// (getPostThread allows 1,000 each; 80 is its default parentHeight).
	threadDepth  = 10
	threadHeight = 80
	// batch is getPosts' and getProfiles' limit per call.
	batch = 25
	// maxHiddenReplies is app.bsky.feed.threadgate's hiddenReplies
	// maxLength.
	maxHiddenReplies = 300
)

// inboxReasons are the notifications that become inbox items; likes,
// follows and the rest are left out by listNotifications itself.
var inboxReasons = []string{"reply", "mention", "quote", "repost"}

// inboxCursor is what Page.Cursor holds, as JSON.
//
// listNotifications pages from the newest notification backward, and its
// own cursor only goes to older items, so it cannot say where new ones
// start. Portavoce's cursor holds instead, per feed (notifications, chat),
// a mark: the newest instant seen and the ids seen within overlap of it.
// A poll walks from the newest item down to that instant minus overlap and
// keeps what the mark does not hold, oldest first; the new mark is saved
// with the items, so a restart with the stored cursor repeats nothing and
// loses nothing. A walk longer than walkPages pages keeps where it stopped
// (Gap) and the next Fetch goes on from there, with Page.More set; once
// the gap is filled, More stays set for one more Fetch, which reads what
// arrived meanwhile.
type inboxCursor struct {
	V    int       `json:"v"`
	Note *mark     `json:"n,omitempty"`
	Gap  *gapState `json:"gap,omitempty"`
	Chat *mark     `json:"c,omitempty"`
}

// mark is how far a feed was read.
type mark struct {
	Since time.Time `json:"since"`
	// Seen holds the ids seen at each instant (RFC 3339) within overlap
	// of Since.
	Seen map[string][]string `json:"seen,omitempty"`
	// Full, when set, is the oldest instant whose ids Seen still holds
	// after a burst made it drop older ones: the next walk stops there.
	Full time.Time `json:"full,omitzero"`
}

// floor is where the next walk down the feed stops: overlap below Since,
// or higher after a burst (Full).
func (m *mark) floor() time.Time {
	f := m.Since.Add(-overlap)
	if m.Full.After(f) {
		return m.Full
	}
	return f
}

// gapState is an interrupted walk down the notifications.
type gapState struct {
	// Next is the listNotifications cursor where the walk resumes.
	Next string `json:"next"`
	// At is the instant that cursor stands for, when it is one.
	At time.Time `json:"at"`
	// Floor is where the walk stops: the mark's floor when it started.
	Floor time.Time `json:"floor"`
	// Skip are the ids already given at and above Floor.
	Skip []string `json:"skip,omitempty"`
}

func (m *mark) add(t time.Time, id string) {
	if m.Seen == nil {
		m.Seen = map[string][]string{}
	}
	if t.After(m.Since) {
		m.Since = t
	}
	k := t.UTC().Format(time.RFC3339Nano)
	if !slices.Contains(m.Seen[k], id) {
		m.Seen[k] = append(m.Seen[k], id)
	}
}

// ids is the set of ids the mark holds.
func (m *mark) ids() map[string]bool {
	out := map[string]bool{}
	if m == nil {
		return out
	}
	for _, list := range m.Seen {
		for _, id := range list {
			out[id] = true
		}
	}
	return out
}

// prune keeps the ids at or above floor, the newest maxSeen of them. Full
// only moves up: ids added below it (a gap being filled) are below the
// next walk's floor and not needed.
func (m *mark) prune() {
	floor := m.floor()
	var keys []string
	count := 0
	for k, list := range m.Seen {
		t, err := time.Parse(time.RFC3339Nano, k)
		if err != nil || t.Before(floor) {
			delete(m.Seen, k)
			continue
		}
		keys = append(keys, k)
		count += len(list)
	}
	slices.SortFunc(keys, func(x, y string) int {
		tx, _ := time.Parse(time.RFC3339Nano, x)
		ty, _ := time.Parse(time.RFC3339Nano, y)
		return tx.Compare(ty)
	})
	i := 0
	for ; count > maxSeen && i < len(keys)-1; i++ {
		count -= len(m.Seen[keys[i]])
		delete(m.Seen, keys[i])
	}
	if i > 0 {
		m.Full, _ = time.Parse(time.RFC3339Nano, keys[i])
	}
}

// readCursor reads a stored cursor; an unreadable one is a first poll,
// so that a damaged cursor cannot stop the inbox for good.
func readCursor(s string) inboxCursor {
	var c inboxCursor
	if s == "" || json.Unmarshal([]byte(s), &c) != nil || c.V != 1 {
		return inboxCursor{V: 1}
	}
	return c
}

// Answers read by the inbox. They are decoded into these small types
// rather than indigo's, whose records are typed unions: one record of a
// type indigo does not know would make a whole page unreadable.

type actorView struct {
	DID            string `json:"did"`
	Handle         string `json:"handle"`
	DisplayName    string `json:"displayName"`
	Avatar         string `json:"avatar"`
	FollowersCount int64  `json:"followersCount"`
}

type strongRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

// postRecord is the part of an app.bsky.feed.post (or a repost) read.
type postRecord struct {
	Text      string   `json:"text"`
	CreatedAt string   `json:"createdAt"`
	Langs     []string `json:"langs"`
	Reply     *struct {
		Root   strongRef `json:"root"`
		Parent strongRef `json:"parent"`
	} `json:"reply"`
}

type notificationView struct {
	URI           string          `json:"uri"`
	CID           string          `json:"cid"`
	Author        actorView       `json:"author"`
	Reason        string          `json:"reason"`
	ReasonSubject string          `json:"reasonSubject"`
	Record        json.RawMessage `json:"record"`
	IndexedAt     string          `json:"indexedAt"`
}

type postView struct {
	URI       string          `json:"uri"`
	CID       string          `json:"cid"`
	Author    actorView       `json:"author"`
	Record    json.RawMessage `json:"record"`
	IndexedAt string          `json:"indexedAt"`
	Viewer    struct {
		Like   string `json:"like"`
		Repost string `json:"repost"`
	} `json:"viewer"`
}

// threadNode is one of getPostThread's union members: threadViewPost,
// notFoundPost or blockedPost.
type threadNode struct {
	Type     string        `json:"$type"`
	URI      string        `json:"uri"`
	NotFound bool          `json:"notFound"`
	Blocked  bool          `json:"blocked"`
	Post     *postView     `json:"post"`
	Parent   *threadNode   `json:"parent"`
	Replies  []*threadNode `json:"replies"`
}

type messageView struct {
	Type   string `json:"$type"`
	ID     string `json:"id"`
	Text   string `json:"text"`
	Sender struct {
		DID string `json:"did"`
	} `json:"sender"`
	SentAt string `json:"sentAt"`
}

type convoView struct {
	ID          string       `json:"id"`
	Members     []actorView  `json:"members"`
	LastMessage *messageView `json:"lastMessage"`
}

// Fetch returns what arrived since cursor: replies, mentions, quotes and
// reposts from listNotifications and, where the app password allows,
// direct messages. The empty cursor brings the newest page of
// notifications and the recent messages of the most recent conversations.
func (c *Client) Fetch(ctx context.Context, a provider.Account, cursor string) (provider.Page, error) {
	s, err := c.connect(a)
	if err != nil {
		return provider.Page{}, err
	}
	cur := readCursor(cursor)
	var news []found
	more := false

	switch {
	case cur.Note == nil:
		got, _, err := s.walkNotifications(ctx, "", time.Time{}, time.Time{}, nil, 1)
		if err != nil {
			return provider.Page{}, err
		}
		if len(got) > 0 {
			cur.Note = &mark{}
		}
		news = got
	case cur.Gap != nil:
		g := cur.Gap
		got, rest, err := s.walkNotifications(ctx, g.Next, g.At, g.Floor, setOf(g.Skip), walkPages)
		if err != nil {
			return provider.Page{}, err
		}
		if rest != nil {
			rest.Skip = append(slices.Clone(g.Skip), rest.Skip...)
		}
		// Once the gap is filled, what arrived meanwhile is read by a
		// walk from the top: at once.
		cur.Gap, more, news = rest, true, got
	default:
		got, rest, err := s.walkNotifications(ctx, "", time.Time{}, cur.Note.floor(), cur.Note.ids(), walkPages)
		if err != nil {
			return provider.Page{}, err
		}
		if rest != nil {
			rest.Skip = append(slices.Collect(mapKeys(cur.Note.ids())), rest.Skip...)
		}
		cur.Gap, more, news = rest, rest != nil, got
	}
	for _, f := range news {
		cur.Note.add(f.at, f.n.URI)
	}
	if cur.Note != nil {
		cur.Note.prune()
	}

	items := make([]provider.Item, 0, len(news))
	var subjects []string // per item: the post its subject is taken from
	for _, f := range news {
		it, subject, ok := s.notificationItem(f.n, f.at)
		if !ok {
			continue
		}
		items = append(items, it)
		subjects = append(subjects, subject)
	}

	chatItems, chatMark, err := s.fetchChat(ctx, cur.Chat)
	if err != nil {
		return provider.Page{}, err
	}
	cur.Chat = chatMark
	items = append(items, chatItems...)
	subjects = append(subjects, make([]string, len(chatItems))...)

	if err := s.enrich(ctx, items, subjects); err != nil {
		return provider.Page{}, err
	}
	slices.SortStableFunc(items, func(x, y provider.Item) int { return x.CreatedAt.Compare(y.CreatedAt) })
	b, _ := json.Marshal(cur)
	return provider.Page{Items: items, Cursor: string(b), More: more}, nil
}

// found is a notification kept by a walk, with its instant.
type found struct {
	n  notificationView
	at time.Time
}

func setOf(ids []string) map[string]bool {
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// walkNotifications reads listNotifications (replies, mentions, quotes and
// reposts) from the API cursor from (the newest page when empty) down to
// floor, keeping the notifications at or above floor whose URI is not in
// known, oldest first. It reads at most pages pages; when it stops before
// floor, rest says where to go on.
//
// The App View's cursor is the instant (an ISO date) of the last row it
// read, and the next page holds the rows strictly older than it: rows of
// that same instant left for the next page would be skipped. When the
// cursor is an instant, the walk asks for the instant plus a millisecond
// instead, reads those rows again and drops the ones it has; only a whole
// page of one instant makes it take the cursor as given. at is the instant
// of from, when it is one.
func (s *conn) walkNotifications(ctx context.Context, from string, at, floor time.Time, known map[string]bool, pages int) (got []found, rest *gapState, err error) {
	cursor := from
	here := map[string]time.Time{}
	for page := 0; ; page++ {
		if page == pages {
			// The rows of the instant the cursor stands for come
			// again: the ones given are skipped then.
			var edge []string
			for uri, t := range here {
				if !at.IsZero() && t.Equal(at) {
					edge = append(edge, uri)
				}
			}
			slices.Sort(edge)
			return oldestFirst(got), &gapState{Next: cursor, At: at, Floor: floor, Skip: edge}, nil
		}
		q := url.Values{"limit": {strconv.Itoa(notifPage)}, "reasons": inboxReasons}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		ans, err := s.do(ctx, call{base: s.pds, nsid: "app.bsky.notification.listNotifications", query: q}, -1)
		if err != nil {
			return nil, nil, err
		}
		if !ans.ok() {
			return nil, nil, s.fail(ans, -1)
		}
		var out struct {
			Cursor        string             `json:"cursor"`
			Notifications []notificationView `json:"notifications"`
		}
		if err := json.Unmarshal(ans.body, &out); err != nil {
			return nil, nil, unreadable(ans, "listNotifications")
		}
		oldest := time.Time{}
		for _, n := range out.Notifications {
			t, err := time.Parse(time.RFC3339Nano, n.IndexedAt)
			if err != nil {
				// An instant the App View did not give: kept, at
				// the floor, so that it is neither lost nor
				// given twice while the mark holds it.
				t = floor
			}
			t = t.UTC()
			if oldest.IsZero() || t.Before(oldest) {
				oldest = t
			}
			if t.Before(floor) || known[n.URI] {
				continue
			}
			if _, dup := here[n.URI]; dup {
				continue
			}
			here[n.URI] = t
			got = append(got, found{n: n, at: t})
		}
		if out.Cursor == "" {
			return oldestFirst(got), nil, nil
		}
		next, err := time.Parse(time.RFC3339Nano, out.Cursor)
		switch {
		case err != nil:
			// Not an instant: an opaque cursor, taken as given.
			cursor, at = out.Cursor, time.Time{}
			if !oldest.IsZero() && oldest.Before(floor) {
				return oldestFirst(got), nil, nil
			}
		case next.Before(floor):
			return oldestFirst(got), nil, nil
		case !at.IsZero() && !next.Before(at):
			// A whole page of one instant: go past it.
			cursor, at = out.Cursor, next.UTC()
		default:
			at = next.UTC()
			cursor = at.Add(time.Millisecond).Format("2006-01-02T15:04:05.000Z")
		}
	}
}

// oldestFirst turns a walk's newest-first finds around.
func oldestFirst(got []found) []found {
	slices.Reverse(got)
	slices.SortStableFunc(got, func(x, y found) int { return x.at.Compare(y.at) })
	return got
}

func unreadable(a answer, what string) *provider.Error {
	return &provider.Error{Kind: provider.Temporary, Network: provider.Bluesky, Part: -1, Status: a.status,
		Err: errors.New("bluesky: unreadable answer to " + what)}
}

// notificationItem maps a notification to an item; subject is the post
// whose text and address the item shows as its subject (a reply's thread
// root, the post quoted or reposted).
func (s *conn) notificationItem(n notificationView, at time.Time) (it provider.Item, subject string, ok bool) {
	var rec postRecord
	_ = json.Unmarshal(n.Record, &rec)
	it = provider.Item{
		RemoteID:  n.URI,
		Text:      rec.Text,
		Author:    person(n.Author),
		CreatedAt: createdAt(rec.CreatedAt, at),
	}
	if len(rec.Langs) > 0 {
		it.Lang = rec.Langs[0]
	}
	self := strongRef{URI: n.URI, CID: n.CID}
	root := self
	if rec.Reply != nil && rec.Reply.Root.URI != "" {
		root = rec.Reply.Root
	}
	answer := &provider.ReplyTo{RemoteID: n.URI, CID: n.CID, RootID: root.URI, RootCID: root.CID, Handle: n.Author.Handle}
	switch n.Reason {
	case "reply":
		it.Kind, subject = provider.ItemReply, root.URI
	case "mention":
		it.Kind = provider.ItemMention
		if root != self {
			subject = root.URI
		}
	case "quote":
		// The quote opens its own thread; its subject is the post of
		// ours it quotes.
		it.Kind, subject = provider.ItemQuote, n.ReasonSubject
	case "repost":
		return provider.Item{RemoteID: n.URI, Kind: provider.ItemRepost, Thread: n.ReasonSubject, Author: it.Author,
			CreatedAt: it.CreatedAt}, n.ReasonSubject, n.ReasonSubject != ""
	default:
		return provider.Item{}, "", false
	}
	it.Thread, it.Reply = root.URI, answer
	it.URL = postURLOf(n.URI, n.Author.Handle)
	return it, subject, true
}

// person is a Person from a profile view.
func person(v actorView) provider.Person {
	return provider.Person{RemoteID: v.DID, Handle: v.Handle, Name: v.DisplayName, AvatarURL: v.Avatar, URL: profileURL(v.Handle, v.DID)}
}

// createdAt is when a record was made as Bluesky sorts it: the earlier of
// the record's createdAt and when the App View indexed it, since a client
// may date a record in the future.
func createdAt(claimed string, indexed time.Time) time.Time {
	if dt, err := syntax.ParseDatetime(claimed); err == nil {
		if t := dt.Time().UTC(); indexed.IsZero() || t.Before(indexed) {
			return t
		}
	}
	return indexed
}

// postURLOf is the bsky.app page of a post by its URI.
func postURLOf(uri, handle string) string {
	at, err := syntax.ParseATURI(uri)
	if err != nil || at.Collection().String() != postCollection {
		return ""
	}
	return postURL(handle, at.Authority().String(), at.RecordKey().String())
}

// enrich completes items with their subject posts (subjects[i] is item
// i's, one getPosts call per 25) and their authors' follower counts (one
// getProfiles call per 25). A refusal of these calls leaves the items as
// they are; other failures (rate limits, expired tokens, a server down)
// fail the Fetch, which a later one repeats.
func (s *conn) enrich(ctx context.Context, items []provider.Item, subjects []string) error {
	want := map[string]bool{}
	for _, uri := range subjects {
		if uri != "" {
			want[uri] = true
		}
	}
	posts, err := s.posts(ctx, slices.Sorted(mapKeys(want)), -1)
	if err != nil {
		return err
	}
	actors := map[string]bool{}
	for i := range items {
		if p, found := posts[subjects[i]]; found {
			var rec postRecord
			_ = json.Unmarshal(p.Record, &rec)
			items[i].SubjectText, items[i].SubjectURL = rec.Text, postURLOf(p.URI, p.Author.Handle)
		}
		if items[i].Author.RemoteID != "" {
			actors[items[i].Author.RemoteID] = true
		}
	}
	followers, err := s.followers(ctx, slices.Sorted(mapKeys(actors)), -1)
	if err != nil {
		return err
	}
	for i := range items {
		items[i].Author.Followers = followers[items[i].Author.RemoteID]
	}
	return nil
}

// posts reads posts by URI with app.bsky.feed.getPosts, 25 per call. Posts
// that are gone are missing from the result.
func (s *conn) posts(ctx context.Context, uris []string, part int) (map[string]postView, error) {
	out := map[string]postView{}
	for chunk := range slices.Chunk(uris, batch) {
		ans, err := s.do(ctx, call{base: s.pds, nsid: "app.bsky.feed.getPosts", query: url.Values{"uris": chunk}}, part)
		if err != nil {
			return nil, err
		}
		if !ans.ok() {
			if e := s.fail(ans, part); e.Kind != provider.Rejected {
				return nil, e
			}
			continue
		}
		var got struct {
			Posts []postView `json:"posts"`
		}
		if err := json.Unmarshal(ans.body, &got); err != nil {
			return nil, unreadable(ans, "getPosts")
		}
		for _, p := range got.Posts {
			out[p.URI] = p
		}
	}
	return out, nil
}

// followers reads follower counts with app.bsky.actor.getProfiles, 25
// actors per call.
func (s *conn) followers(ctx context.Context, dids []string, part int) (map[string]int, error) {
	out := map[string]int{}
	for chunk := range slices.Chunk(dids, batch) {
		ans, err := s.do(ctx, call{base: s.pds, nsid: "app.bsky.actor.getProfiles", query: url.Values{"actors": chunk}}, part)
		if err != nil {
			return nil, err
		}
		if !ans.ok() {
			if e := s.fail(ans, part); e.Kind != provider.Rejected {
				return nil, e
			}
			continue
		}
		var got struct {
			Profiles []actorView `json:"profiles"`
		}
		if err := json.Unmarshal(ans.body, &got); err != nil {
			return nil, unreadable(ans, "getProfiles")
		}
		for _, p := range got.Profiles {
			out[p.DID] = int(p.FollowersCount)
		}
	}
	return out, nil
}

// errNoChat is behind the error of a chat call that the app password may
// not make.
var errNoChat = errors.New("bluesky: the app password has no access to direct messages")

// chatRefused reports the PDS's answer to a chat call from an app password
// created without access to direct messages: chat.bsky.convo methods are
// privileged, and the PDS refuses them with 400 InvalidToken "Bad token
// method" before forwarding anything. It is no expired token: refreshing
// the session would not help.
func chatRefused(a answer) bool {
	return a.status == http.StatusBadRequest && a.code == "InvalidToken" && a.message == "Bad token method"
}

// chatCall makes a chat call through the account's PDS, which forwards it
// to the chat service named by the atproto-proxy header. A refused token
// is refreshed as conn.do does; a token without the chat privilege is an
// error wrapping errNoChat.
func (s *conn) chatCall(ctx context.Context, k call, part int) (answer, error) {
	k.base = s.pds
	a, err := s.sendChat(ctx, k, part)
	for range 2 {
		if err != nil || chatRefused(a) || !tokenRefused(a) {
			break
		}
		reused, rerr := s.refresh(ctx, part)
		if rerr != nil {
			return answer{}, rerr
		}
		a, err = s.sendChat(ctx, k, part)
		if !reused {
			break
		}
	}
	if err != nil {
		return answer{}, err
	}
	if chatRefused(a) {
		return a, &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: part, Status: a.status, Code: a.code,
			Reason: "the app password has no access to direct messages: create one that allows them in the Bluesky app " +
				"(Settings → Privacy and security → App passwords) and connect the account again",
			Err: errNoChat}
	}
	return a, nil
}

// sendChat is Client.send with the atproto-proxy header the chat service
// needs.
func (s *conn) sendChat(ctx context.Context, k call, part int) (answer, error) {
	u := strings.TrimRight(k.base, "/") + "/xrpc/" + k.nsid
	if len(k.query) > 0 {
		u += "?" + k.query.Encode()
	}
	method := http.MethodGet
	var body io.Reader
	if k.post {
		method, body = http.MethodPost, bytes.NewReader(k.body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return answer{}, &provider.Error{Kind: provider.AuthExpired, Network: provider.Bluesky, Part: part,
			Reason: "the account's server address is not valid: connect the account again"}
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Atproto-Proxy", chatProxy)
	req.Header.Set("Authorization", "Bearer "+s.sess.AccessJwt)
	if k.post {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := provider.Send(s.c.http, req, provider.Bluesky, part)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	if a.body, err = io.ReadAll(io.LimitReader(resp.Body, maxAnswer)); err != nil {
		return answer{}, &provider.Error{Kind: provider.Unknown, Network: provider.Bluesky, Part: part, Status: resp.StatusCode,
			Err: errors.New("bluesky: the answer was cut short")}
	}
	if !a.ok() {
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		if json.Unmarshal(a.body, &e) == nil {
			a.code, a.message = e.Error, e.Message
		}
	}
	return a, nil
}

// chatURL is a conversation's page in the Bluesky app (only its members
// can open it).
func chatURL(convoID string) string { return "https://bsky.app/messages/" + url.PathEscape(convoID) }

// fetchChat reads the direct messages that arrived since m (nil before the
// first poll of chat) from chat.bsky.convo.listConvos and getMessages, and
// returns them with the new mark. The first poll brings the recent
// messages of the most recently active conversations. An app password
// without access to direct messages makes chat skipped, silently, and so
// does a chat service that refuses the account (4xx): neither is a reason
// to hold back the notifications.
func (s *conn) fetchChat(ctx context.Context, m *mark) ([]provider.Item, *mark, error) {
	convos, err := s.listConvos(ctx)
	if err != nil {
		if provider.KindOf(err) == provider.Rejected {
			return nil, m, nil
		}
		return nil, m, err
	}
	first := m == nil
	next := &mark{}
	floor := time.Time{}
	if !first {
		next.Since, next.Full = m.Since, m.Full
		for k, ids := range m.Seen {
			next.Seen = mapSet(next.Seen, k, slices.Clone(ids))
		}
		floor = m.floor()
	}
	known := m.ids()

	type active struct {
		c    convoView
		last time.Time
	}
	var todo []active
	for _, c := range convos {
		if c.LastMessage == nil {
			continue
		}
		last, err := time.Parse(time.RFC3339Nano, c.LastMessage.SentAt)
		if err != nil {
			last = time.Now() // cannot tell: read it
		}
		if first && last.After(next.Since) {
			next.Since = last.UTC()
		}
		if !first && last.Before(floor) {
			continue
		}
		todo = append(todo, active{c, last})
	}
	if first {
		slices.SortStableFunc(todo, func(x, y active) int { return y.last.Compare(x.last) })
		todo = todo[:min(len(todo), firstConvos)]
	}

	var items []provider.Item
	for _, t := range todo {
		msgs, related, err := s.messages(ctx, t.c.ID, floor, first)
		if err != nil {
			if provider.KindOf(err) == provider.Rejected {
				if errors.Is(err, errNoChat) {
					return nil, m, nil
				}
				continue // a conversation left or closed meanwhile
			}
			return nil, m, err
		}
		people := map[string]actorView{}
		for _, p := range append(t.c.Members, related...) {
			people[p.DID] = p
		}
		for _, msg := range msgs {
			at, err := time.Parse(time.RFC3339Nano, msg.SentAt)
			if err != nil {
				at = next.Since
			}
			at = at.UTC()
			if at.Before(floor) || known[msg.ID] {
				continue
			}
			next.add(at, msg.ID)
			if msg.Sender.DID == s.sess.DID {
				continue // sent by the account
			}
			author, ok := people[msg.Sender.DID]
			if !ok {
				author = actorView{DID: msg.Sender.DID}
			}
			items = append(items, provider.Item{
				RemoteID:  msg.ID,
				Kind:      provider.ItemMessage,
				Thread:    "dm:" + t.c.ID,
				Reply:     &provider.ReplyTo{Direct: true, Conversation: t.c.ID, Handle: author.Handle},
				URL:       chatURL(t.c.ID),
				Text:      msg.Text,
				Author:    person(author),
				CreatedAt: at,
			})
		}
	}
	next.prune()
	return items, next, nil
}

func mapSet(m map[string][]string, k string, v []string) map[string][]string {
	if m == nil {
		m = map[string][]string{}
	}
	m[k] = v
	return m
}

// listConvos lists the account's conversations, convoPages pages of 100
// at most. The lexicon sets no order, so all of them are read.
func (s *conn) listConvos(ctx context.Context) ([]convoView, error) {
	var all []convoView
	cursor := ""
	for range convoPages {
		q := url.Values{"limit": {"100"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		ans, err := s.chatCall(ctx, call{nsid: "chat.bsky.convo.listConvos", query: q}, -1)
		if err != nil {
			return nil, err
		}
		if !ans.ok() {
			return nil, s.fail(ans, -1)
		}
		var out struct {
			Cursor string      `json:"cursor"`
			Convos []convoView `json:"convos"`
		}
		if err := json.Unmarshal(ans.body, &out); err != nil {
			return nil, unreadable(ans, "listConvos")
		}
		all = append(all, out.Convos...)
		if out.Cursor == "" || out.Cursor == cursor || len(out.Convos) == 0 {
			break
		}
		cursor = out.Cursor
	}
	return all, nil
}

// messages reads a conversation's messages from the newest down to floor
// (the first poll: one short page). Deleted and system messages are left
// out.
func (s *conn) messages(ctx context.Context, convoID string, floor time.Time, first bool) ([]messageView, []actorView, error) {
	limit, pages := 100, messagePages
	if first {
		limit, pages = firstMessages, 1
	}
	var msgs []messageView
	var related []actorView
	cursor := ""
	for range pages {
		q := url.Values{"convoId": {convoID}, "limit": {strconv.Itoa(limit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		ans, err := s.chatCall(ctx, call{nsid: "chat.bsky.convo.getMessages", query: q}, -1)
		if err != nil {
			return nil, nil, err
		}
		if !ans.ok() {
			return nil, nil, s.fail(ans, -1)
		}
		var out struct {
			Cursor          string        `json:"cursor"`
			Messages        []messageView `json:"messages"`
			RelatedProfiles []actorView   `json:"relatedProfiles"`
		}
		if err := json.Unmarshal(ans.body, &out); err != nil {
			return nil, nil, unreadable(ans, "getMessages")
		}
		related = append(related, out.RelatedProfiles...)
		reachedFloor := false
		for _, msg := range out.Messages {
			if t, err := time.Parse(time.RFC3339Nano, msg.SentAt); err == nil && t.Before(floor) {
				reachedFloor = true
			}
			if msg.Type == "chat.bsky.convo.defs#messageView" {
				msgs = append(msgs, msg)
			}
		}
		if out.Cursor == "" || out.Cursor == cursor || reachedFloor {
			break
		}
		cursor = out.Cursor
	}
	slices.Reverse(msgs)
	return msgs, related, nil
}

// publishMessages sends the parts of a direct reply as chat messages
// (chat.bsky.convo.sendMessage) in the conversation d.ReplyTo names. The
// method takes no idempotency key: Check finds what an interrupted
// attempt sent before anything is sent again.
func (s *conn) publishMessages(ctx context.Context, d provider.Delivery, accepted func(part int, p provider.Published) error) error {
	convo := d.ReplyTo.Conversation
	if convo == "" {
		return &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: -1, Reason: "the direct reply names no Bluesky conversation"}
	}
	mentions := map[string]string{}
	for i := len(d.Done); i < len(d.Parts); i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		part := d.Parts[i]
		if len(part.Media) > 0 {
			return &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: i, Reason: "Bluesky direct messages carry no images"}
		}
		if n := textcount.Bluesky(part.Text); n > maxChatGraphemes || len(part.Text) > maxChatBytes {
			return &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: i,
				Reason: fmt.Sprintf("a Bluesky direct message holds at most %d characters, this one has %d", maxChatGraphemes, n)}
		}
		facets, err := s.facets(ctx, part.Text, i, mentions)
		if err != nil {
			return err
		}
		body, err := json.Marshal(chat.ConvoSendMessage_Input{ConvoId: convo, Message: &chat.ConvoDefs_MessageInput{Text: part.Text, Facets: facets}})
		if err != nil {
			return &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: i, Reason: "the message cannot be encoded", Err: err}
		}
		ans, err := s.chatCall(ctx, call{post: true, nsid: "chat.bsky.convo.sendMessage", body: body}, i)
		if err != nil {
			return err
		}
		if !ans.ok() {
			return s.fail(ans, i)
		}
		var out messageView
		if err := json.Unmarshal(ans.body, &out); err != nil || out.ID == "" {
			// Sent, but the answer does not say as what: Check
			// will find it.
			return &provider.Error{Kind: provider.Unknown, Network: provider.Bluesky, Part: i, Status: ans.status,
				Err: errors.New("bluesky: unreadable answer to sendMessage")}
		}
		if err := accepted(i, provider.Published{RemoteID: out.ID, URL: chatURL(convo)}); err != nil {
			return err
		}
	}
	return nil
}

// checkMessages looks in the conversation for the account's messages sent
// since the delivery's first attempt (less chatClockSkew) and matches them,
// in order, to the parts by their text.
func (s *conn) checkMessages(ctx context.Context, d provider.Delivery) ([]*provider.Published, error) {
	convo := d.ReplyTo.Conversation
	if convo == "" {
		return nil, &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: -1, Reason: "the direct reply names no Bluesky conversation"}
	}
	var since time.Time
	if !d.FirstAttempt.IsZero() {
		since = d.FirstAttempt.Add(-chatClockSkew)
	}
	var ours []messageView // newest first
	cursor := ""
	for range checkMessagePages {
		q := url.Values{"convoId": {convo}, "limit": {"100"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		ans, err := s.chatCall(ctx, call{nsid: "chat.bsky.convo.getMessages", query: q}, -1)
		if err != nil {
			return nil, err
		}
		if !ans.ok() {
			return nil, s.fail(ans, -1)
		}
		var out struct {
			Cursor   string        `json:"cursor"`
			Messages []messageView `json:"messages"`
		}
		if err := json.Unmarshal(ans.body, &out); err != nil {
			return nil, unreadable(ans, "getMessages")
		}
		older := false
		for _, msg := range out.Messages {
			t, err := time.Parse(time.RFC3339Nano, msg.SentAt)
			if err == nil && t.Before(since) {
				older = true
				continue
			}
			if msg.Type == "chat.bsky.convo.defs#messageView" && msg.Sender.DID == s.sess.DID {
				ours = append(ours, msg)
			}
		}
		if out.Cursor == "" || out.Cursor == cursor || older {
			break
		}
		cursor = out.Cursor
	}
	slices.Reverse(ours)
	found := make([]*provider.Published, len(d.Parts))
	next := 0
	for i, part := range d.Parts {
		for k := next; k < len(ours); k++ {
			if ours[k].Text == part.Text {
				found[i] = &provider.Published{RemoteID: ours[k].ID, URL: chatURL(convo)}
				next = k + 1
				break
			}
		}
	}
	return found, nil
}

// Thread returns the thread of a post as app.bsky.feed.getPostThread shows
// it: its parents (the first post first), the post, then its replies depth
// first, all of kind ItemReply. A parent the App View reports gone
// (notFoundPost) comes back with Deleted set; the post itself gone (the
// NotFound error, or a notFoundPost) is the only item, Deleted. Posts of
// accounts that block the account, or that it blocks (blockedPost), are
// left out.
func (c *Client) Thread(ctx context.Context, a provider.Account, remoteID string) ([]provider.Item, error) {
	s, err := c.connect(a)
	if err != nil {
		return nil, err
	}
	if _, err := syntax.ParseATURI(remoteID); err != nil {
		return nil, &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: -1, Reason: fmt.Sprintf("%q is not a Bluesky post", remoteID)}
	}
	gone := []provider.Item{{RemoteID: remoteID, Kind: provider.ItemReply, Thread: remoteID, Deleted: true}}
	q := url.Values{"uri": {remoteID}, "depth": {strconv.Itoa(threadDepth)}, "parentHeight": {strconv.Itoa(threadHeight)}}
	ans, err := s.do(ctx, call{base: s.pds, nsid: "app.bsky.feed.getPostThread", query: q}, -1)
	if err != nil {
		return nil, err
	}
	if !ans.ok() {
		if ans.code == "NotFound" {
			return gone, nil
		}
		return nil, s.fail(ans, -1)
	}
	var out struct {
		Thread *threadNode `json:"thread"`
	}
	if err := json.Unmarshal(ans.body, &out); err != nil || out.Thread == nil {
		return nil, unreadable(ans, "getPostThread")
	}
	top := out.Thread
	switch {
	case top.NotFound || top.Type == "app.bsky.feed.defs#notFoundPost":
		return gone, nil
	case top.Post == nil:
		return nil, &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: -1,
			Reason: "Bluesky does not show this post: its author and the account block each other"}
	}
	var anchor postRecord
	_ = json.Unmarshal(top.Post.Record, &anchor)
	root := top.Post.URI
	if anchor.Reply != nil && anchor.Reply.Root.URI != "" {
		root = anchor.Reply.Root.URI
	}

	var parents []*threadNode
	for p := top.Parent; p != nil; p = p.Parent {
		parents = append(parents, p)
	}
	slices.Reverse(parents)
	// A notFoundPost has no parent: above a deleted post, the thread's
	// root is read by itself.
	if len(parents) > 0 && parents[0].Post == nil && parents[0].URI != root {
		posts, err := s.posts(ctx, []string{root}, -1)
		if err != nil {
			return nil, err
		}
		first := &threadNode{URI: root, NotFound: true}
		if p, found := posts[root]; found {
			first = &threadNode{Post: &p}
		}
		parents = append([]*threadNode{first}, parents...)
	}
	nodes := append(parents, top)
	var walk func(n *threadNode)
	walk = func(n *threadNode) {
		for _, r := range n.Replies {
			nodes = append(nodes, r)
			walk(r)
		}
	}
	walk(top)

	var items []provider.Item
	for _, n := range nodes {
		switch {
		case n.Post != nil:
			items = append(items, threadItem(n.Post))
		case n.NotFound || n.Type == "app.bsky.feed.defs#notFoundPost":
			items = append(items, provider.Item{RemoteID: n.URI, Kind: provider.ItemReply, Thread: root, Deleted: true})
		}
	}
	for i := range items {
		if items[i].RemoteID == root {
			for j := range items {
				items[j].SubjectText, items[j].SubjectURL = items[i].Text, items[i].URL
			}
		}
	}
	actors := map[string]bool{}
	for _, it := range items {
		if it.Author.RemoteID != "" {
			actors[it.Author.RemoteID] = true
		}
	}
	followers, err := s.followers(ctx, slices.Sorted(mapKeys(actors)), -1)
	if err != nil {
		return nil, err
	}
	for i := range items {
		items[i].Author.Followers = followers[items[i].Author.RemoteID]
	}
	return items, nil
}

// threadItem maps a post of a thread.
func threadItem(p *postView) provider.Item {
	var rec postRecord
	_ = json.Unmarshal(p.Record, &rec)
	indexed, _ := time.Parse(time.RFC3339Nano, p.IndexedAt)
	root := strongRef{URI: p.URI, CID: p.CID}
	if rec.Reply != nil && rec.Reply.Root.URI != "" {
		root = rec.Reply.Root
	}
	it := provider.Item{
		RemoteID:  p.URI,
		Kind:      provider.ItemReply,
		Thread:    root.URI,
		Reply:     &provider.ReplyTo{RemoteID: p.URI, CID: p.CID, RootID: root.URI, RootCID: root.CID, Handle: p.Author.Handle},
		URL:       postURLOf(p.URI, p.Author.Handle),
		Text:      rec.Text,
		Author:    person(p.Author),
		CreatedAt: createdAt(rec.CreatedAt, indexed.UTC()),
	}
	if len(rec.Langs) > 0 {
		it.Lang = rec.Langs[0]
	}
	return it
}

// Actions are what Bluesky allows on an item: replies, mentions and quotes
// can be liked and reposted; a reply can also be hidden (when the thread is
// the account's) and deleted (when the reply is the account's own). Act
// refuses what the account does not own.
func (c *Client) Actions(kind string) []provider.Action {
	switch kind {
	case provider.ItemReply:
		return []provider.Action{provider.Like, provider.Repost, provider.Hide, provider.Delete}
	case provider.ItemMention, provider.ItemQuote:
		return []provider.Action{provider.Like, provider.Repost}
	}
	return nil
}

// Act likes, reposts, hides or deletes the post target names. Every action
// may be repeated after an unknown outcome and leaves one like, one repost,
// one hidden reply, one deleted post.
func (c *Client) Act(ctx context.Context, a provider.Account, action provider.Action, target provider.ReplyTo) error {
	s, err := c.connect(a)
	if err != nil {
		return err
	}
	switch action {
	case provider.Like:
		return s.interact(ctx, likeCollection, target)
	case provider.Repost:
		return s.interact(ctx, repostCollection, target)
	case provider.Delete:
		return s.deleteOwn(ctx, target)
	case provider.Hide:
		return s.hide(ctx, target)
	}
	return &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: -1, Reason: fmt.Sprintf("Bluesky has no action %q", action)}
}

// actionKey is the record key of the account's like or repost of a post:
// a TID made from the post rather than from the clock, so that a repeat
// writes the same key and the PDS refuses a second record (like and
// repost records have TID keys, "key": "tid"). Its time is the post's own
// key's (posts' keys are TIDs too), its clock id a hash of the post's URI;
// a post whose key is not a TID gets a time from the hash, in 2023.
func actionKey(subject string) string {
	sum := sha256.Sum256([]byte(subject))
	clock := uint(binary.BigEndian.Uint16(sum[8:10]) % 1024)
	if at, err := syntax.ParseATURI(subject); err == nil {
		if tid, err := syntax.ParseTID(at.RecordKey().String()); err == nil {
			return syntax.NewTID(tid.Time().UnixMicro(), clock).String()
		}
	}
	base := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	year := uint64(365 * 24 * time.Hour / time.Microsecond)
	return syntax.NewTID(base+int64(binary.BigEndian.Uint64(sum[:8])%year), clock).String()
}

// interactRecord is an app.bsky.feed.like or app.bsky.feed.repost.
type interactRecord struct {
	Type      string    `json:"$type"`
	Subject   strongRef `json:"subject"`
	CreatedAt string    `json:"createdAt"`
}

// createInput is com.atproto.repo.createRecord's input with the record as
// JSON.
type createInput struct {
	Repo       string          `json:"repo"`
	Collection string          `json:"collection"`
	RKey       *string         `json:"rkey,omitempty"`
	Record     json.RawMessage `json:"record"`
}

// interact likes or reposts a post, under actionKey. A key already taken
// (the PDS answers 500 today, see create) is looked up: the account's
// record of that same post means it is done.
func (s *conn) interact(ctx context.Context, collection string, target provider.ReplyTo) error {
	at, err := syntax.ParseATURI(target.RemoteID)
	if err != nil || at.Collection().String() != postCollection {
		return &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: -1, Reason: fmt.Sprintf("%q is not a Bluesky post", target.RemoteID)}
	}
	subject := strongRef{URI: target.RemoteID, CID: target.CID}
	if subject.CID == "" {
		posts, err := s.posts(ctx, []string{subject.URI}, -1)
		if err != nil {
			return err
		}
		p, found := posts[subject.URI]
		if !found {
			return &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: -1, Reason: "the post was deleted"}
		}
		if (collection == likeCollection && p.Viewer.Like != "") || (collection == repostCollection && p.Viewer.Repost != "") {
			return nil
		}
		subject.CID = p.CID
	}
	rec, _ := json.Marshal(interactRecord{Type: collection, Subject: subject, CreatedAt: s.c.now().UTC().Format("2006-01-02T15:04:05.000Z")})
	rkey := actionKey(subject.URI)
	ans, err := s.createRaw(ctx, collection, &rkey, rec)
	if err != nil || ans.ok() {
		return err
	}
	failure := s.fail(ans, -1)
	if !mayAlreadyExist(ans) {
		return failure
	}
	raw, _, found, err := s.ownRecord(ctx, collection, rkey)
	if err != nil || !found {
		return failure
	}
	var got interactRecord
	if json.Unmarshal(raw, &got) == nil && got.Subject.URI == subject.URI {
		return nil
	}
	// Another post's record holds the key (two posts whose keys share
	// a microsecond and a hash): let the PDS choose one.
	ans, err = s.createRaw(ctx, collection, nil, rec)
	if err != nil || ans.ok() {
		return err
	}
	return s.fail(ans, -1)
}

// createRaw is com.atproto.repo.createRecord of a record given as JSON.
func (s *conn) createRaw(ctx context.Context, collection string, rkey *string, rec json.RawMessage) (answer, error) {
	body, _ := json.Marshal(createInput{Repo: s.sess.DID, Collection: collection, RKey: rkey, Record: rec})
	return s.do(ctx, call{post: true, base: s.pds, nsid: "com.atproto.repo.createRecord", body: body}, -1)
}

// ownRecord reads a record of the account's repository (no token needed:
// records are public).
func (s *conn) ownRecord(ctx context.Context, collection, rkey string) (value json.RawMessage, cid string, found bool, err error) {
	q := url.Values{"repo": {s.sess.DID}, "collection": {collection}, "rkey": {rkey}}
	a, err := s.c.send(ctx, call{base: s.pds, nsid: "com.atproto.repo.getRecord", query: q}, "", -1)
	if err != nil {
		return nil, "", false, err
	}
	if !a.ok() {
		if a.code == "RecordNotFound" || (a.status == http.StatusBadRequest && strings.HasPrefix(a.message, "Could not locate record")) {
			return nil, "", false, nil
		}
		return nil, "", false, s.fail(a, -1)
	}
	var out struct {
		CID   string          `json:"cid"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(a.body, &out); err != nil || len(out.Value) == 0 {
		return nil, "", false, unreadable(a, "getRecord")
	}
	return out.Value, out.CID, true, nil
}

// deleteOwn deletes one of the account's posts (com.atproto.repo.deleteRecord).
// A post already gone counts as deleted: the reference PDS answers a
// deletion of a missing record with success.
func (s *conn) deleteOwn(ctx context.Context, target provider.ReplyTo) error {
	at, err := syntax.ParseATURI(target.RemoteID)
	if err != nil || at.Collection().String() != postCollection {
		return &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: -1, Reason: fmt.Sprintf("%q is not a Bluesky post", target.RemoteID)}
	}
	if at.Authority().String() != s.sess.DID {
		return &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: -1, Reason: "only the account's own posts can be deleted"}
	}
	body, _ := json.Marshal(comatproto.RepoDeleteRecord_Input{Repo: s.sess.DID, Collection: postCollection, Rkey: at.RecordKey().String()})
	ans, err := s.do(ctx, call{post: true, base: s.pds, nsid: "com.atproto.repo.deleteRecord", body: body}, -1)
	if err != nil {
		return err
	}
	if ans.ok() || ans.code == "RecordNotFound" {
		return nil
	}
	return s.fail(ans, -1)
}

// putInput is com.atproto.repo.putRecord's input with the record as JSON;
// swapRecord null asks that no record be there yet.
type putInput struct {
	Repo       string          `json:"repo"`
	Collection string          `json:"collection"`
	RKey       string          `json:"rkey"`
	Record     json.RawMessage `json:"record"`
	SwapRecord *string         `json:"swapRecord"`
}

// hide hides a reply under one of the account's threads: Bluesky keeps the
// hidden replies of a thread in the threadgate of its root post
// (app.bsky.feed.threadgate, whose record key must be the root's). The
// threadgate is read, the reply added to hiddenReplies with every other
// field kept (who may reply), and written back with swapRecord, so that a
// change made meanwhile in the Bluesky app is read again rather than
// overwritten.
func (s *conn) hide(ctx context.Context, target provider.ReplyTo) error {
	root, err := syntax.ParseATURI(target.RootID)
	if err != nil || root.Collection().String() != postCollection {
		return &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: -1, Reason: "the reply's thread is unknown"}
	}
	if root.Authority().String() != s.sess.DID {
		return &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: -1, Reason: "Bluesky lets only the author of a thread hide its replies"}
	}
	if _, err := syntax.ParseATURI(target.RemoteID); err != nil || target.RemoteID == target.RootID {
		return &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: -1, Reason: "only replies can be hidden"}
	}
	rkey := root.RecordKey().String()
	for range 3 {
		raw, cid, found, err := s.ownRecord(ctx, threadgateCollection, rkey)
		if err != nil {
			return err
		}
		rec := map[string]json.RawMessage{}
		if found {
			if err := json.Unmarshal(raw, &rec); err != nil {
				return &provider.Error{Kind: provider.Temporary, Network: provider.Bluesky, Part: -1, Err: errors.New("bluesky: unreadable threadgate")}
			}
		}
		var hidden []string
		if h, ok := rec["hiddenReplies"]; ok {
			_ = json.Unmarshal(h, &hidden)
		}
		if slices.Contains(hidden, target.RemoteID) {
			return nil
		}
		if len(hidden) >= maxHiddenReplies {
			return &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: -1,
				Reason: fmt.Sprintf("Bluesky hides at most %d replies in a thread", maxHiddenReplies)}
		}
		hidden = append(hidden, target.RemoteID)
		rec["$type"], _ = json.Marshal(threadgateCollection)
		rec["post"], _ = json.Marshal("at://" + s.sess.DID + "/" + postCollection + "/" + rkey)
		rec["hiddenReplies"], _ = json.Marshal(hidden)
		if _, ok := rec["createdAt"]; !ok {
			rec["createdAt"], _ = json.Marshal(s.c.now().UTC().Format("2006-01-02T15:04:05.000Z"))
		}
		value, _ := json.Marshal(rec)
		in := putInput{Repo: s.sess.DID, Collection: threadgateCollection, RKey: rkey, Record: value}
		if found {
			in.SwapRecord = &cid
		}
		body, _ := json.Marshal(in)
		ans, err := s.do(ctx, call{post: true, base: s.pds, nsid: "com.atproto.repo.putRecord", body: body}, -1)
		if err != nil {
			return err
		}
		if ans.ok() {
			return nil
		}
		if ans.code != "InvalidSwap" {
			return s.fail(ans, -1)
		}
		// Changed meanwhile: read it again.
	}
	return &provider.Error{Kind: provider.Temporary, Network: provider.Bluesky, Part: -1, Reason: "the thread's reply settings kept changing"}
}

// refTo is the strong reference a reply needs to another account's post:
// the CID is read with getPosts when the caller does not have it.
func (s *conn) refTo(ctx context.Context, uri, cid string, part int) (*comatproto.RepoStrongRef, error) {
	if at, err := syntax.ParseATURI(uri); err != nil || at.Collection().String() != postCollection {
		return nil, &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: part, Reason: fmt.Sprintf("the post answered, %q, is not a Bluesky post", uri)}
	}
	if cid != "" {
		return &comatproto.RepoStrongRef{Uri: uri, Cid: cid}, nil
	}
	posts, err := s.posts(ctx, []string{uri}, part)
	if err != nil {
		return nil, err
	}
	p, found := posts[uri]
	if !found {
		return nil, &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: part, Reason: "the post this reply answers was deleted"}
	}
	return &comatproto.RepoStrongRef{Uri: p.URI, Cid: p.CID}, nil
}

// ReplyTarget is what an answer to the post uri (an at:// URI) needs: the
// post's CID and its thread's root (the post itself when it answers
// nothing), read with getPosts. A post that is gone is Rejected.
func (c *Client) ReplyTarget(ctx context.Context, a provider.Account, uri string) (provider.ReplyTo, error) {
	at, err := syntax.ParseATURI(uri)
	if err != nil || at.Collection().String() != postCollection {
		return provider.ReplyTo{}, &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: -1, Reason: fmt.Sprintf("%q is not a Bluesky post", uri)}
	}
	s, err := c.connect(a)
	if err != nil {
		return provider.ReplyTo{}, err
	}
	posts, err := s.posts(ctx, []string{uri}, -1)
	if err != nil {
		return provider.ReplyTo{}, err
	}
	p, found := posts[uri]
	if !found {
		return provider.ReplyTo{}, &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: -1, Reason: "the post was deleted"}
	}
	t := provider.ReplyTo{RemoteID: p.URI, CID: p.CID, RootID: p.URI, RootCID: p.CID}
	var rec postRecord
	if err := json.Unmarshal(p.Record, &rec); err == nil && rec.Reply != nil && rec.Reply.Root.URI != "" {
		t.RootID, t.RootCID = rec.Reply.Root.URI, rec.Reply.Root.CID
	}
	return t, nil
}
