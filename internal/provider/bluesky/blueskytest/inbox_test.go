package blueskytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portavoce/portavoce/internal/provider/providertest"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClocked(t *testing.T) (*Server, *fakeClock) {
	t.Helper()
	s := NewServer()
	t.Cleanup(s.Close)
	c := &fakeClock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	s.SetClock(c.now)
	return s, c
}

// call makes a raw XRPC call with extra headers and decodes the answer.
func call(t *testing.T, s *Server, method, path, token string, header http.Header, body any) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL()+"/xrpc/"+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s: answer is not JSON: %v", path, err)
	}
	return resp.StatusCode, out
}

// postRec is post (server_test.go), for tests where a variable hides it.
func postRec(text string, extra map[string]any) map[string]any {
	return post(text, extra)
}

func list(out map[string]any, key string) []map[string]any {
	var got []map[string]any
	raw, _ := out[key].([]any)
	for _, v := range raw {
		got = append(got, v.(map[string]any))
	}
	return got
}

func TestNotificationsPaging(t *testing.T) {
	s, clock := newClocked(t)
	me := s.CreateAccount("me.test", "pw-me")
	b := s.CreateAccount("bea.test", "pw-b")
	access, _ := login(t, s, "me.test", "pw-me")
	post := s.CreatePost(me, "Il menu di oggi")
	var replies []string
	for i := range 7 {
		clock.add(time.Millisecond)
		replies = append(replies, s.Reply(b, post, fmt.Sprintf("risposta %d", i)))
		if i%2 == 0 {
			clock.add(time.Millisecond)
			s.LikeBy(s.CreateAccount(fmt.Sprintf("fan%d.test", i), "pw"), post)
		}
	}

	// Newest first, three at a time, until a page without rows and
	// without a cursor.
	var seen []map[string]any
	cursor := ""
	for page := 0; ; page++ {
		q := "app.bsky.notification.listNotifications?limit=3"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		status, out := call(t, s, "GET", q, access, nil, nil)
		if status != 200 {
			t.Fatalf("page %d: %d %v", page, status, out)
		}
		rows := list(out, "notifications")
		seen = append(seen, rows...)
		next, _ := out["cursor"].(string)
		if len(rows) == 0 {
			if next != "" {
				t.Errorf("an empty page with cursor %q", next)
			}
			break
		}
		if next != rows[len(rows)-1]["indexedAt"] {
			t.Errorf("cursor %q, want the last row's indexedAt %v", next, rows[len(rows)-1]["indexedAt"])
		}
		cursor = next
	}
	if len(seen) != 11 {
		t.Fatalf("%d notifications, want 7 replies and 4 likes", len(seen))
	}
	for i := 1; i < len(seen); i++ {
		if seen[i]["indexedAt"].(string) > seen[i-1]["indexedAt"].(string) {
			t.Errorf("row %d is newer than row %d", i, i-1)
		}
	}
	first := seen[1] // the newest reply, after the last like
	if seen[0]["reason"] != "like" || first["reason"] != "reply" || first["uri"] != replies[6] || first["reasonSubject"] != post ||
		first["author"].(map[string]any)["handle"] != "bea.test" || first["record"].(map[string]any)["text"] != "risposta 6" {
		t.Errorf("newest notification %v", first)
	}

	// With reasons, only those, and at least half a page when there are.
	status, out := call(t, s, "GET", "app.bsky.notification.listNotifications?limit=4&reasons=reply", access, nil, nil)
	rows := list(out, "notifications")
	if status != 200 || len(rows) < 2 {
		t.Fatalf("reasons=reply: %d %v", status, out)
	}
	for _, r := range rows {
		if r["reason"] != "reply" {
			t.Errorf("reasons=reply gave %v", r["reason"])
		}
	}
	if out["cursor"] == nil {
		t.Error("reasons=reply: no cursor while more remain")
	}

	for _, c := range []struct{ query, name string }{
		{"seenAt=2026-01-01T00:00:00Z", "InvalidRequest"},
		{"cursor=ieri", "InvalidRequest"},
		{"limit=101", "InvalidRequest"},
		{"limit=0", "InvalidRequest"},
	} {
		status, out := call(t, s, "GET", "app.bsky.notification.listNotifications?"+c.query, access, nil, nil)
		wantError(t, c.query, status, out, 400, c.name)
	}
	status, out = call(t, s, "GET", "app.bsky.notification.listNotifications", "", nil, nil)
	wantError(t, "no token", status, out, 401, "AuthenticationRequired")
}

func TestNotificationRules(t *testing.T) {
	s, clock := newClocked(t)
	me := s.CreateAccount("me.test", "pw-me")
	b := s.CreateAccount("bea.test", "pw-b")
	c := s.CreateAccount("carlo.test", "pw-c")
	access, _ := login(t, s, "me.test", "pw-me")
	bAccess, _ := login(t, s, "bea.test", "pw-b")
	post := s.CreatePost(me, "Aperti anche domenica")

	tick := func() { clock.add(time.Second) }
	tick()
	r1 := s.Reply(b, post, "Che bello")
	tick()
	r2 := s.Reply(c, r1, "Anche per me")
	tick()
	s.Reply(me, post, "Grazie!") // no notification for one's own post
	tick()
	mention := s.Mention(b, "me.test", "Ci vediamo da @me.test")
	tick()
	quote := s.Quote(c, post, "Guardate qui")
	tick()
	repost := s.RepostBy(b, post)

	notes := func(token string) map[string]map[string]any {
		status, out := call(t, s, "GET", "app.bsky.notification.listNotifications?limit=100", token, nil, nil)
		if status != 200 {
			t.Fatalf("listNotifications: %d %v", status, out)
		}
		got := map[string]map[string]any{}
		for _, n := range list(out, "notifications") {
			got[n["uri"].(string)] = n
		}
		return got
	}
	got := notes(access)
	want := map[string][2]string{ // uri → reason, reasonSubject
		r1:      {"reply", post},
		r2:      {"reply", post},
		mention: {"mention", ""},
		quote:   {"quote", post},
		repost:  {"repost", post},
	}
	if len(got) != len(want) {
		t.Errorf("%d notifications, want %d: %v", len(got), len(want), got)
	}
	for uri, w := range want {
		n := got[uri]
		subject, _ := n["reasonSubject"].(string)
		if n == nil || n["reason"] != w[0] || subject != w[1] {
			t.Errorf("notification of %s: %v, want %v", uri, n, w)
		}
	}
	if rec := got[repost]["record"].(map[string]any); rec["$type"] != "app.bsky.feed.repost" {
		t.Errorf("a repost's record is %v", rec)
	}
	if n := notes(bAccess)[r2]; n == nil || n["reasonSubject"] != r1 {
		t.Errorf("the parent's author got %v for the reply, want reasonSubject %s", n, r1)
	}

	// A reply that also mentions: one notification, the mention.
	tick()
	s.mu.Lock()
	postCID := s.postLocked(post).CID
	s.mu.Unlock()
	text := "Ehi @me.test"
	ref := map[string]string{"uri": post, "cid": postCID}
	status, out := call(t, s, "POST", "com.atproto.repo.createRecord", bAccess, nil, map[string]any{
		"repo": b, "collection": "app.bsky.feed.post", "record": postRec(text, map[string]any{
			"reply": map[string]any{"root": ref, "parent": ref},
			"facets": []any{map[string]any{
				"index":    map[string]int{"byteStart": 4, "byteEnd": len(text)},
				"features": []any{map[string]string{"$type": "app.bsky.richtext.facet#mention", "did": me}},
			}},
		}),
	})
	if status != 200 {
		t.Fatalf("reply with a mention: %d %v", status, out)
	}
	if n := notes(access)[out["uri"].(string)]; n == nil || n["reason"] != "mention" {
		t.Errorf("a reply that mentions gave %v, want one mention", n)
	}

	// Deleting a post removes its notifications.
	s.DeletePost(r1)
	if n := notes(access); n[r1] != nil || n[r2] == nil {
		t.Errorf("after deleting %s: %v", r1, n)
	}
}

func TestPostThreadShapes(t *testing.T) {
	s, clock := newClocked(t)
	me := s.CreateAccount("me.test", "pw-me")
	b := s.CreateAccount("bea.test", "pw-b")
	access, _ := login(t, s, "me.test", "pw-me")
	root := s.CreatePost(me, "Nuovo orario")
	clock.add(time.Second)
	r1 := s.Reply(b, root, "Fino a che ora?")
	clock.add(time.Second)
	r2 := s.Reply(me, r1, "Alle 22")
	clock.add(time.Second)
	r3 := s.Reply(b, r2, "Perfetto")

	thread := func(q string) (int, map[string]any) {
		return call(t, s, "GET", "app.bsky.feed.getPostThread?"+q, access, nil, nil)
	}
	status, out := thread("uri=" + url.QueryEscape(r2))
	if status != 200 {
		t.Fatalf("getPostThread: %d %v", status, out)
	}
	th := out["thread"].(map[string]any)
	parent := th["parent"].(map[string]any)
	if th["$type"] != "app.bsky.feed.defs#threadViewPost" || th["post"].(map[string]any)["uri"] != r2 ||
		parent["post"].(map[string]any)["uri"] != r1 || parent["parent"].(map[string]any)["post"].(map[string]any)["uri"] != root {
		t.Errorf("thread of r2: %v", th)
	}
	if replies := th["replies"].([]any); len(replies) != 1 || replies[0].(map[string]any)["post"].(map[string]any)["uri"] != r3 {
		t.Errorf("replies of r2: %v", th["replies"])
	}
	status, out = thread("uri=" + url.QueryEscape(r2) + "&parentHeight=1&depth=0")
	th = out["thread"].(map[string]any)
	if status != 200 || th["parent"].(map[string]any)["parent"] != nil || th["replies"] != nil {
		t.Errorf("parentHeight=1 depth=0: %v", th)
	}

	s.DeletePost(r1)
	_, out = thread("uri=" + url.QueryEscape(r2))
	parent = out["thread"].(map[string]any)["parent"].(map[string]any)
	if parent["$type"] != "app.bsky.feed.defs#notFoundPost" || parent["uri"] != r1 || parent["notFound"] != true {
		t.Errorf("deleted parent: %v", parent)
	}
	status, out = thread("uri=" + url.QueryEscape(r1))
	wantError(t, "deleted post", status, out, 400, "NotFound")
	if out["message"] != "Post not found: "+r1 {
		t.Errorf("message %v", out["message"])
	}
}

func TestPostsAndProfiles(t *testing.T) {
	s, _ := newClocked(t)
	me := s.CreateAccount("me.test", "pw-me")
	access, _ := login(t, s, "me.test", "pw-me")
	s.SetFollowers(me, 1234)
	post := s.CreatePost(me, "Uno")
	s.LikeBy(s.CreateAccount("fan.test", "pw"), post)

	status, out := call(t, s, "GET", "app.bsky.feed.getPosts?uris="+url.QueryEscape(post)+"&uris="+url.QueryEscape(post+"x"), access, nil, nil)
	posts := list(out, "posts")
	if status != 200 || len(posts) != 1 || posts[0]["likeCount"] != float64(1) || posts[0]["record"].(map[string]any)["text"] != "Uno" {
		t.Errorf("getPosts: %d %v", status, out)
	}
	status, out = call(t, s, "GET", "app.bsky.actor.getProfiles?actors=me.test&actors=nobody.test", access, nil, nil)
	profiles := list(out, "profiles")
	if status != 200 || len(profiles) != 1 || profiles[0]["followersCount"] != float64(1234) {
		t.Errorf("getProfiles: %d %v", status, out)
	}
	many := strings.Repeat("&actors=me.test", 26)[1:]
	status, out = call(t, s, "GET", "app.bsky.actor.getProfiles?"+many, access, nil, nil)
	wantError(t, "26 actors", status, out, 400, "InvalidRequest")
}

func TestLikeAndRepostRecords(t *testing.T) {
	s, _ := newClocked(t)
	me := s.CreateAccount("me.test", "pw-me")
	b := s.CreateAccount("bea.test", "pw-b")
	access, _ := login(t, s, "me.test", "pw-me")
	post := s.CreatePost(b, "Da provare")
	s.mu.Lock()
	cid := s.postLocked(post).CID
	s.mu.Unlock()
	like := func(rkey string, subject map[string]string) (int, map[string]any) {
		return call(t, s, "POST", "com.atproto.repo.createRecord", access, nil, map[string]any{
			"repo": me, "collection": "app.bsky.feed.like", "rkey": rkey,
			"record": map[string]any{"$type": "app.bsky.feed.like", "subject": subject, "createdAt": "2026-03-02T10:00:00.000Z"},
		})
	}
	subject := map[string]string{"uri": post, "cid": cid}
	status, out := like("3lbqtjbvtxk2a", subject)
	if status != 200 || !strings.HasPrefix(out["uri"].(string), "at://"+me+"/app.bsky.feed.like/") {
		t.Fatalf("like: %d %v", status, out)
	}
	status, out = like("3lbqtjbvtxk2a", subject)
	wantError(t, "same key", status, out, 500, "InternalServerError")
	status, out = like("3lbqtjbvtxk2b", map[string]string{"uri": post, "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"})
	wantError(t, "wrong cid", status, out, 400, "InvalidRequest")
	if got := s.Likes(post); !slices.Equal(got, []string{me}) {
		t.Errorf("Likes = %v", got)
	}
	status, out = call(t, s, "GET", "com.atproto.repo.getRecord?repo="+me+"&collection=app.bsky.feed.like&rkey=3lbqtjbvtxk2a", "", nil, nil)
	if status != 200 || out["value"].(map[string]any)["subject"].(map[string]any)["uri"] != post {
		t.Errorf("getRecord: %d %v", status, out)
	}
	del := map[string]string{"repo": me, "collection": "app.bsky.feed.like", "rkey": "3lbqtjbvtxk2a"}
	status, out = call(t, s, "POST", "com.atproto.repo.deleteRecord", access, nil, del)
	if status != 200 || out["commit"] == nil || len(s.Likes(post)) != 0 {
		t.Errorf("deleteRecord: %d %v", status, out)
	}
	status, out = call(t, s, "POST", "com.atproto.repo.deleteRecord", access, nil, del)
	if status != 200 || out["commit"] != nil {
		t.Errorf("deleting a missing record: %d %v, want success without commit", status, out)
	}

	s.Inject(providertest.Fault{Kind: providertest.RateLimit, Op: "repost"})
	status, out = call(t, s, "POST", "com.atproto.repo.createRecord", access, nil, map[string]any{
		"repo": me, "collection": "app.bsky.feed.repost",
		"record": map[string]any{"$type": "app.bsky.feed.repost", "subject": subject, "createdAt": "2026-03-02T10:00:00.000Z"},
	})
	wantError(t, "repost fault", status, out, 429, "RateLimitExceeded")
}

func TestThreadgateRecord(t *testing.T) {
	s, _ := newClocked(t)
	me := s.CreateAccount("me.test", "pw-me")
	access, _ := login(t, s, "me.test", "pw-me")
	root := s.CreatePost(me, "Domande?")
	rkey := root[strings.LastIndexByte(root, '/')+1:]
	gate := func(rkey, post string, hidden []string, swap any) (int, map[string]any) {
		in := map[string]any{"repo": me, "collection": "app.bsky.feed.threadgate", "rkey": rkey, "record": map[string]any{
			"$type": "app.bsky.feed.threadgate", "post": post, "createdAt": "2026-03-02T10:00:00.000Z",
			"allow": []any{map[string]string{"$type": "app.bsky.feed.threadgate#followerRule"}}, "hiddenReplies": hidden,
		}}
		if swap != "absent" {
			in["swapRecord"] = swap
		}
		return call(t, s, "POST", "com.atproto.repo.putRecord", access, nil, in)
	}
	status, out := gate("3lbqtjbvtxk2a", root, nil, "absent")
	wantError(t, "other key", status, out, 400, "InvalidRequest")
	status, out = gate(rkey, root, []string{root + "x"}, nil)
	if status != 200 {
		t.Fatalf("threadgate: %d %v", status, out)
	}
	status, out = gate(rkey, root, nil, nil)
	wantError(t, "swap null over a record", status, out, 400, "InvalidSwap")
	status, out = gate(rkey, root, []string{"a", "b"}, out["message"].(string)[len("Record was at "):])
	wantError(t, "bad hidden reply", status, out, 400, "InvalidRequest")
	hidden := make([]string, 301)
	for i := range hidden {
		hidden[i] = fmt.Sprintf("at://%s/app.bsky.feed.post/r%d", me, i)
	}
	status, out = gate(rkey, root, hidden, "absent")
	wantError(t, "301 hidden replies", status, out, 400, "InvalidRequest")
	if got := s.HiddenReplies(root); !slices.Equal(got, []string{root + "x"}) {
		t.Errorf("HiddenReplies = %v", got)
	}
}

func TestChatEndpoints(t *testing.T) {
	s, clock := newClocked(t)
	me := s.CreateAccount("me.test", "pw-me")
	b := s.CreateAccount("bea.test", "pw-b")
	s.CreateAccount("carlo.test", "pw-c")
	access, _ := login(t, s, "me.test", "pw-me")
	carlo, _ := login(t, s, "carlo.test", "pw-c")
	var convo string
	for i := range 5 {
		clock.add(time.Second)
		convo = s.SendChat(b, me, fmt.Sprintf("messaggio %d", i))
	}
	proxy := http.Header{"Atproto-Proxy": {ChatProxy}}

	status, out := call(t, s, "GET", "chat.bsky.convo.listConvos", access, proxy, nil)
	wantError(t, "not granted", status, out, 400, "InvalidToken")
	if out["message"] != "Bad token method" {
		t.Errorf("not granted: message %v", out["message"])
	}
	s.GrantChat(me, true)
	status, out = call(t, s, "GET", "chat.bsky.convo.listConvos", access, nil, nil)
	wantError(t, "no proxy header", status, out, 501, "MethodNotImplemented")
	status, out = call(t, s, "GET", "chat.bsky.convo.listConvos", access, proxy, nil)
	convos := list(out, "convos")
	if status != 200 || len(convos) != 1 || convos[0]["id"] != convo ||
		convos[0]["lastMessage"].(map[string]any)["text"] != "messaggio 4" || len(convos[0]["members"].([]any)) != 2 {
		t.Fatalf("listConvos: %d %v", status, out)
	}

	var texts []string
	cursor := ""
	for {
		q := "chat.bsky.convo.getMessages?limit=2&convoId=" + convo
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		status, out := call(t, s, "GET", q, access, proxy, nil)
		if status != 200 {
			t.Fatalf("getMessages: %d %v", status, out)
		}
		for _, m := range list(out, "messages") {
			if m["$type"] != "chat.bsky.convo.defs#messageView" {
				t.Errorf("message %v", m)
			}
			texts = append(texts, m["text"].(string))
		}
		next, _ := out["cursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	if want := []string{"messaggio 4", "messaggio 3", "messaggio 2", "messaggio 1", "messaggio 0"}; !slices.Equal(texts, want) {
		t.Errorf("getMessages pages: %v", texts)
	}

	send := func(token, convo, text string) (int, map[string]any) {
		return call(t, s, "POST", "chat.bsky.convo.sendMessage", token, proxy, map[string]any{"convoId": convo, "message": map[string]string{"text": text}})
	}
	status, out = send(access, convo, "Grazie!")
	if status != 200 || out["text"] != "Grazie!" || out["sender"].(map[string]any)["did"] != me || out["id"] == "" {
		t.Errorf("sendMessage: %d %v", status, out)
	}
	status, out = send(access, convo, strings.Repeat("a", 1001))
	wantError(t, "too long", status, out, 400, "InvalidRequest")
	s.GrantChat(s.handles["carlo.test"], true)
	status, out = send(carlo, convo, "intruso")
	wantError(t, "not a member", status, out, 400, "InvalidConvo")

	s.Inject(providertest.Fault{Kind: providertest.LoseAnswer, Op: "message"})
	j, _ := json.Marshal(map[string]any{"convoId": convo, "message": map[string]string{"text": "perso"}})
	req, _ := http.NewRequestWithContext(t.Context(), "POST", s.URL()+"/xrpc/chat.bsky.convo.sendMessage", bytes.NewReader(j))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+access)
	req.Header.Set("Atproto-Proxy", ChatProxy)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Error("LoseAnswer: an answer came")
	}
	msgs := s.ChatMessages(convo)
	if last := msgs[len(msgs)-1]; last.Text != "perso" || last.Sender != me {
		t.Errorf("LoseAnswer did not send: %+v", last)
	}
}
