package mastodon

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/portavoce/portavoce/internal/provider"
)

// The unified inbox on Mastodon (provider.Inbox and provider.Streamer).
//
// Fetch reads the account's notifications (GET /api/v1/notifications,
// methods/notifications) of the types about its posts: "mention" (replies,
// mentions and direct statuses alike), "reblog" and "quote" (added in 4.5;
// an older instance drops the types it does not know, as
// Notification.browserable intersects types[] with its own). The first
// poll takes the newest page; the next ones page forward from the cursor
// with min_id, which "returns results immediately newer than this ID", 40
// at a time.
//
// Thread keys: a post's thread is the id of the first post of its thread,
// read from GET /api/v1/statuses/:id/context (its first ancestor), so that
// every reply under one of our posts, however deep, lands in that post's
// thread. The context is asked once per parent status within one Fetch; a
// status that answers nothing is its own thread's first post. A direct
// status's thread is "dm:" followed by the other person's account id, as
// Mastodon's conversations have no id that survives their removal.
//
// Notifications filtered by the user's notification policy (4.3 and later)
// wait among the notification requests and are not fetched.

const (
	// inboxPage is how many notifications one Fetch asks for (the
	// documented default; 80 at most).
	inboxPage = 40
	// streamIdle is how long a stream may stay silent before it is taken
	// as broken: the streaming server writes a heartbeat every 15 seconds.
	streamIdle = 90 * time.Second
	// maxEventLine bounds one line of the stream (a notification with its
	// status and accounts).
	maxEventLine = 4 << 20
	// itemOwn is the kind of the account's own posts in a thread: the only
	// ones it may delete.
	itemOwn = "own"
)

// inboxTypes are the notification types the inbox shows.
var inboxTypes = []string{"mention", "reblog", "quote"}

var (
	_ provider.Inbox    = (*Client)(nil)
	_ provider.Streamer = (*Client)(nil)
)

// accountEntity is the part of entities/Account the inbox reads.
type accountEntity struct {
	ID             string `json:"id"`
	Username       string `json:"username"`
	Acct           string `json:"acct"`
	DisplayName    string `json:"display_name"`
	Avatar         string `json:"avatar"`
	URL            string `json:"url"`
	FollowersCount int    `json:"followers_count"`
}

// statusEntity is the part of entities/Status the inbox reads.
type statusEntity struct {
	ID                 string          `json:"id"`
	CreatedAt          string          `json:"created_at"`
	InReplyToID        *string         `json:"in_reply_to_id"`
	InReplyToAccountID *string         `json:"in_reply_to_account_id"`
	Visibility         string          `json:"visibility"`
	Language           *string         `json:"language"`
	URI                string          `json:"uri"`
	URL                *string         `json:"url"`
	Content            string          `json:"content"`
	SpoilerText        string          `json:"spoiler_text"`
	Account            accountEntity   `json:"account"`
	Mentions           []mentionEntity `json:"mentions"`
	// Quote is entities/Quote (4.4 and later); quoted_status is set only
	// when the quote is accepted.
	Quote *struct {
		State        string        `json:"state"`
		QuotedStatus *statusEntity `json:"quoted_status"`
	} `json:"quote"`
}

type mentionEntity struct {
	ID   string `json:"id"`
	Acct string `json:"acct"`
}

// notificationEntity is the part of entities/Notification the inbox reads.
type notificationEntity struct {
	ID        string        `json:"id"`
	Type      string        `json:"type"`
	CreatedAt string        `json:"created_at"`
	Account   accountEntity `json:"account"`
	Status    *statusEntity `json:"status"`
}

// contextEntity is entities/Context.
type contextEntity struct {
	Ancestors   []statusEntity `json:"ancestors"`
	Descendants []statusEntity `json:"descendants"`
}

func (s *statusEntity) url() string {
	if s.URL != nil && *s.URL != "" {
		return *s.URL
	}
	return s.URI
}

func (s *statusEntity) parent() string {
	if s.InReplyToID == nil {
		return ""
	}
	return *s.InReplyToID
}

// quoted is the status s quotes, when the quote is shown.
func (s *statusEntity) quoted() *statusEntity {
	if s.Quote == nil || s.Quote.State != "accepted" {
		return nil
	}
	return s.Quote.QuotedStatus
}

// inbox is what one call needs: the account, and the thread roots already
// found, by the id of every status known to be in their thread.
type inbox struct {
	c      *Client
	base   string
	token  string
	me     string
	domain string
	roots  map[string]*statusEntity
}

func (c *Client) inbox(a provider.Account) (*inbox, error) {
	token, err := tokenOf(a)
	if err != nil {
		return nil, err
	}
	return &inbox{c: c, base: strings.TrimSuffix(a.Server, "/"), token: token, me: a.RemoteID,
		domain: localDomain(a), roots: make(map[string]*statusEntity)}, nil
}

// localDomain is the domain of the account's handles ("@me@domain"), the
// one Mastodon leaves out of a local account's acct.
func localDomain(a provider.Account) string {
	if _, domain, ok := strings.Cut(strings.TrimPrefix(a.Handle, "@"), "@"); ok && domain != "" {
		return domain
	}
	if u, err := url.Parse(a.Server); err == nil {
		return u.Host
	}
	return ""
}

// get is a read; errors are *provider.Error.
func (in *inbox) get(ctx context.Context, path string, v any) error {
	cl := call{method: http.MethodGet, url: in.base + path, token: in.token, part: -1, repeatable: true,
		secrets: []string{in.token}}
	resp, err := in.c.do(ctx, cl, http.StatusOK)
	if err != nil {
		return err
	}
	return decode(resp, v, cl)
}

func isNotFound(err error) bool {
	var pe *provider.Error
	return errors.As(err, &pe) && pe.Status == http.StatusNotFound
}

// Fetch returns the notifications that arrived after cursor, oldest first.
// The empty cursor is the first poll: the newest page, whose newest id is
// the cursor (or "0", which pages from the start, when there is nothing
// yet); what is older is left out on purpose, so More stays false. After
// it, a full page means there is more: More asks to fetch again at once.
func (c *Client) Fetch(ctx context.Context, a provider.Account, cursor string) (provider.Page, error) {
	in, err := c.inbox(a)
	if err != nil {
		return provider.Page{}, err
	}
	q := url.Values{"types[]": inboxTypes, "limit": {strconv.Itoa(inboxPage)}}
	if cursor != "" {
		q.Set("min_id", cursor)
	}
	var notes []notificationEntity
	if err := in.get(ctx, "/api/v1/notifications?"+q.Encode(), &notes); err != nil {
		return provider.Page{}, err
	}
	// Newest first in the answer, with or without min_id.
	slices.SortStableFunc(notes, func(x, y notificationEntity) int { return idCompare(x.ID, y.ID) })
	page := provider.Page{Cursor: cursor, More: cursor != "" && len(notes) >= inboxPage}
	if cursor == "" && len(notes) == 0 {
		page.Cursor = "0"
	}
	for _, n := range notes {
		if page.Cursor == "" || idLess(page.Cursor, n.ID) {
			page.Cursor = n.ID
		}
		item, ok, err := in.notificationItem(ctx, n)
		if err != nil {
			return provider.Page{}, err
		}
		if ok {
			page.Items = append(page.Items, item)
		}
	}
	return page, nil
}

// notificationItem turns a notification into an item; ok is false for one
// that is not (or no longer) an item.
func (in *inbox) notificationItem(ctx context.Context, n notificationEntity) (provider.Item, bool, error) {
	st := n.Status
	if st == nil || st.ID == "" {
		return provider.Item{}, false, nil
	}
	switch n.Type {
	case "reblog":
		// The status is ours, the one boosted.
		root, err := in.root(ctx, st)
		if err != nil || root == nil {
			return provider.Item{}, false, err
		}
		item := provider.Item{
			RemoteID: "n:" + n.ID, Kind: provider.ItemRepost, Thread: root.ID,
			SubjectText: plainText(root.Content), SubjectURL: root.url(),
			Author: in.person(n.Account), CreatedAt: parseTime(n.CreatedAt),
		}
		return item, true, nil
	case "quote":
		item := in.postItem(st, nil)
		item.Kind = provider.ItemQuote
		if q := st.quoted(); q != nil {
			root, err := in.root(ctx, q)
			if err != nil {
				return provider.Item{}, false, err
			}
			if root != nil {
				item.Thread, item.SubjectText, item.SubjectURL = root.ID, plainText(root.Content), root.url()
			}
		}
		return item, true, nil
	case "mention":
		if st.Visibility == "direct" {
			return in.postItem(st, nil), true, nil
		}
		root, err := in.root(ctx, st)
		if err != nil || root == nil {
			return provider.Item{}, false, err
		}
		item := in.postItem(st, root)
		if st.InReplyToAccountID == nil || *st.InReplyToAccountID != in.me {
			// Deeper in a thread, or no reply at all: it names us.
			item.Kind = provider.ItemMention
		}
		return item, true, nil
	}
	return provider.Item{}, false, nil
}

// root returns the first post of st's thread: st itself when it answers
// nothing, else the first of the ancestors GET /api/v1/statuses/:id/context
// shows. It is nil when st is gone (deleted, or no longer visible).
func (in *inbox) root(ctx context.Context, st *statusEntity) (*statusEntity, error) {
	parent := st.parent()
	if parent == "" {
		return st, nil
	}
	if r, ok := in.roots[parent]; ok {
		return r, nil
	}
	var cx contextEntity
	if err := in.get(ctx, "/api/v1/statuses/"+url.PathEscape(st.ID)+"/context", &cx); err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	root := st
	if len(cx.Ancestors) > 0 {
		root = &cx.Ancestors[0]
	}
	in.roots[parent], in.roots[st.ID] = root, root
	for _, a := range cx.Ancestors {
		in.roots[a.ID] = root
	}
	return root, nil
}

// postItem turns a status into an item of its kind as the account sees it:
// its own, a direct message, a quote of one of its posts, a reply to it, or
// a mention. root is the first post of its thread, nil when unknown (a
// direct status's thread is the person's, and needs none).
func (in *inbox) postItem(st, root *statusEntity) provider.Item {
	item := provider.Item{
		RemoteID: st.ID, Thread: st.ID, URL: st.url(), Text: plainText(st.Content),
		Author: in.person(st.Account), CreatedAt: parseTime(st.CreatedAt),
	}
	if st.SpoilerText != "" {
		item.Text = strings.TrimSpace(st.SpoilerText + "\n\n" + item.Text)
	}
	if st.Language != nil {
		item.Lang = *st.Language
	}
	if root != nil {
		item.Thread = root.ID
		if root.ID != st.ID {
			item.SubjectText, item.SubjectURL = plainText(root.Content), root.url()
		}
	}
	own := st.Account.ID == in.me
	item.Reply = &provider.ReplyTo{RemoteID: st.ID}
	if !own {
		item.Reply.Handle = st.Account.Acct
	}
	switch {
	case st.Visibility == "direct":
		item.Kind = provider.ItemMessage
		item.Reply.Direct = true
		other := st.Account
		if own {
			// Our own direct status: the person is the one it mentions.
			other = accountEntity{}
			for _, m := range st.Mentions {
				if m.ID != in.me {
					other = accountEntity{ID: m.ID, Acct: m.Acct}
					break
				}
			}
			item.Reply.Handle = other.Acct
		}
		item.Thread = "dm:" + other.ID
		item.SubjectText, item.SubjectURL = "", ""
	case own:
		item.Kind = itemOwn
	case st.quoted() != nil && st.quoted().Account.ID == in.me:
		item.Kind = provider.ItemQuote
	case st.InReplyToAccountID != nil && *st.InReplyToAccountID == in.me:
		item.Kind = provider.ItemReply
	case slices.ContainsFunc(st.Mentions, func(m mentionEntity) bool { return m.ID == in.me }) || st.parent() == "":
		item.Kind = provider.ItemMention
	default:
		item.Kind = provider.ItemReply
	}
	return item
}

// person is the author of an item. Handles are "@user@domain", with the
// account's own domain for local accounts (whose acct has none).
func (in *inbox) person(acc accountEntity) provider.Person {
	handle := acc.Acct
	if handle == "" {
		handle = acc.Username
	}
	if !strings.Contains(handle, "@") && in.domain != "" {
		handle += "@" + in.domain
	}
	name := acc.DisplayName
	if name == "" {
		name = acc.Username
	}
	return provider.Person{RemoteID: acc.ID, Handle: "@" + handle, Name: name, AvatarURL: acc.Avatar, URL: acc.URL,
		Followers: acc.FollowersCount}
}

var blankLines = regexp.MustCompile(`\n{3,}`)

// plainText is a status's HTML content as text, paragraphs apart.
func plainText(content string) string {
	return strings.TrimSpace(blankLines.ReplaceAllString(htmlToText(content), "\n\n"))
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Thread returns the thread of the status remoteID as the account sees it
// now (GET /api/v1/statuses/:id and its context): the ancestors from the
// first post, the status, then the replies depth first. A status that is
// gone comes back alone, Deleted. A repost item ("n:…") has no thread of its
// own: ask for the thread its item names.
func (c *Client) Thread(ctx context.Context, a provider.Account, remoteID string) ([]provider.Item, error) {
	if remoteID == "" || strings.HasPrefix(remoteID, "n:") || strings.HasPrefix(remoteID, "dm:") {
		return nil, &provider.Error{Kind: provider.Rejected, Network: provider.Mastodon, Part: -1,
			Reason: "not a status id: " + remoteID}
	}
	in, err := c.inbox(a)
	if err != nil {
		return nil, err
	}
	gone := []provider.Item{{RemoteID: remoteID, Thread: remoteID, Deleted: true}}
	var st statusEntity
	if err := in.get(ctx, "/api/v1/statuses/"+url.PathEscape(remoteID), &st); err != nil {
		if isNotFound(err) {
			return gone, nil
		}
		return nil, err
	}
	var cx contextEntity
	if err := in.get(ctx, "/api/v1/statuses/"+url.PathEscape(remoteID)+"/context", &cx); err != nil {
		if isNotFound(err) {
			return gone, nil
		}
		return nil, err
	}
	all := append(append(cx.Ancestors, st), cx.Descendants...)
	items := make([]provider.Item, 0, len(all))
	for i := range all {
		items = append(items, in.postItem(&all[i], &all[0]))
	}
	return items, nil
}

// Act likes (POST /api/v1/statuses/:id/favourite), boosts (…/reblog) or
// deletes (DELETE /api/v1/statuses/:id) a status. Each is safe to repeat:
// Mastodon keeps one favourite and one boost per account and answers a
// repeat with the same status, and a status already deleted answers 404,
// which counts as done. Mastodon cannot hide a reply.
func (c *Client) Act(ctx context.Context, a provider.Account, action provider.Action, target provider.ReplyTo) error {
	id := target.RemoteID
	if id == "" || strings.HasPrefix(id, "n:") || strings.HasPrefix(id, "dm:") {
		return &provider.Error{Kind: provider.Rejected, Network: provider.Mastodon, Part: -1,
			Reason: "not a status id: " + id}
	}
	token, err := tokenOf(a)
	if err != nil {
		return err
	}
	statusURL := strings.TrimSuffix(a.Server, "/") + "/api/v1/statuses/" + url.PathEscape(id)
	cl := call{token: token, part: -1, repeatable: true, secrets: []string{token}}
	ok := []int{http.StatusOK}
	switch action {
	case provider.Like:
		cl.method, cl.url = http.MethodPost, statusURL+"/favourite"
	case provider.Repost:
		cl.method, cl.url = http.MethodPost, statusURL+"/reblog"
	case provider.Delete:
		cl.method, cl.url = http.MethodDelete, statusURL
		ok = append(ok, http.StatusNotFound)
	case provider.Hide:
		return &provider.Error{Kind: provider.Rejected, Network: provider.Mastodon, Part: -1,
			Reason: "Mastodon cannot hide a reply: mute or block its author on Mastodon instead"}
	default:
		return &provider.Error{Kind: provider.Rejected, Network: provider.Mastodon, Part: -1,
			Reason: "unknown action " + string(action)}
	}
	resp, err := c.do(ctx, cl, ok...)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// Actions lists what Mastodon allows on an item: favourite and boost
// others' posts (a direct status cannot be boosted, and a repost is no
// post), delete the account's own.
func (c *Client) Actions(kind string) []provider.Action {
	switch kind {
	case provider.ItemReply, provider.ItemMention, provider.ItemQuote:
		return []provider.Action{provider.Like, provider.Repost}
	case provider.ItemMessage:
		return []provider.Action{provider.Like}
	case itemOwn:
		return []provider.Action{provider.Delete}
	}
	return nil
}

// Watch follows the account's user stream (GET /api/v1/streaming/user,
// methods/streaming) as server-sent events, on the streaming host the
// instance publishes. A notification of an inbox type, or a conversation
// update, is "new"; a deleted status is "deleted" with its id. Timeline
// updates and heartbeats are skipped. It returns when ctx ends (its error)
// or when the stream ends, fails or stays silent past streamIdle
// (Temporary: connect again).
func (c *Client) Watch(ctx context.Context, a provider.Account, on func(provider.Event)) error {
	token, err := tokenOf(a)
	if err != nil {
		return err
	}
	base, err := c.streamingBase(ctx, strings.TrimSuffix(a.Server, "/"))
	if err != nil {
		return err
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var silent atomic.Bool
	idle := time.AfterFunc(streamIdle, func() {
		silent.Store(true)
		cancel()
	})
	defer idle.Stop()
	// ended sorts why the stream stopped: the caller's context, silence
	// (ours), or the connection.
	ended := func(reason string, cause error) error {
		if parent.Err() != nil {
			return parent.Err()
		}
		if silent.Load() {
			reason, cause = "the stream went silent", nil
		}
		return &provider.Error{Kind: provider.Temporary, Network: provider.Mastodon, Part: -1, Reason: reason, Err: cause}
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/streaming/user", nil)
	if err != nil {
		return &provider.Error{Kind: provider.Rejected, Network: provider.Mastodon, Part: -1,
			Reason: "invalid streaming address", Err: err}
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("User-Agent", appName)
	req.Header.Set("Authorization", "Bearer "+token)
	// The stream lasts: the client's time-out would cut it.
	hc := *c.http
	hc.Timeout = 0
	resp, err := provider.Send(&hc, req, provider.Mastodon, -1)
	if err != nil {
		var pe *provider.Error
		if !errors.As(err, &pe) || silent.Load() || parent.Err() != nil {
			return ended("the stream could not be opened", err)
		}
		pe.Kind = provider.Temporary // nothing to repeat but the connection
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return c.failure(resp, call{part: -1, repeatable: true, secrets: []string{token}})
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		return &provider.Error{Kind: provider.Temporary, Network: provider.Mastodon, Part: -1, Status: resp.StatusCode,
			Reason: "the streaming server did not answer with an event stream"}
	}

	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), maxEventLine)
	var event string
	var data []string
	for sc.Scan() {
		idle.Reset(streamIdle)
		line := sc.Text()
		switch {
		case line == "":
			if len(data) > 0 {
				dispatch(event, strings.Join(data, "\n"), on)
			}
			event, data = "", nil
		case strings.HasPrefix(line, ":"):
			// A comment: ":)" on connecting, ":thump" as heartbeat.
		default:
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "event":
				event = value
			case "data":
				data = append(data, value)
			}
		}
	}
	return ended("the stream ended", sc.Err())
}

// dispatch hands one stream event to on.
func dispatch(event, data string, on func(provider.Event)) {
	switch event {
	case "notification":
		var n struct {
			Type string `json:"type"`
		}
		if json.Unmarshal([]byte(data), &n) == nil && !slices.Contains(inboxTypes, n.Type) {
			return
		}
		on(provider.Event{Type: "new"})
	case "conversation":
		on(provider.Event{Type: "new"})
	case "delete":
		// The payload is the status id, bare.
		if id := strings.Trim(strings.TrimSpace(data), `"`); id != "" {
			on(provider.Event{Type: "deleted", RemoteID: id})
		}
	}
}

// streamingBase is where the streaming API is served: the instance's
// configuration.urls.streaming (methods/streaming#hostname-discovery, a
// ws:// or wss:// address, read over http or https), or the instance itself
// when it publishes none. It never moves the token from https to http.
func (c *Client) streamingBase(ctx context.Context, instance string) (string, error) {
	cl := call{method: http.MethodGet, url: instance + "/api/v2/instance", part: -1, repeatable: true}
	resp, err := c.do(ctx, cl, http.StatusOK)
	if err != nil {
		if isNotFound(err) {
			// Before 4.0: the instance's own host.
			return instance, nil
		}
		return "", err
	}
	var inst struct {
		Configuration struct {
			URLs struct {
				Streaming string `json:"streaming"`
			} `json:"urls"`
		} `json:"configuration"`
	}
	if err := decode(resp, &inst, cl); err != nil {
		return "", err
	}
	u, err := url.Parse(inst.Configuration.URLs.Streaming)
	if err != nil || u.Host == "" || u.User != nil {
		return instance, nil
	}
	switch u.Scheme {
	case "wss", "https":
		u.Scheme = "https"
	case "ws", "http":
		if strings.HasPrefix(instance, "https://") {
			return instance, nil
		}
		u.Scheme = "http"
	default:
		return instance, nil
	}
	u.RawQuery, u.Fragment = "", ""
	return strings.TrimSuffix(u.String(), "/"), nil
}
