package bluesky_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/provider/bluesky"
	"github.com/portavoce/portavoce/internal/provider/providertest"
)

// testClock is the test server's clock, moved by hand so that
// notifications get the instants a test needs.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func clocked(t *testing.T) (*env, *testClock) {
	t.Helper()
	e := newEnv(t)
	c := &testClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	e.srv.SetClock(c.now)
	return e, c
}

// person creates another account on the server: someone on Bluesky.
func (e *env) person(name string) string {
	return e.srv.CreateAccount(name+".bsky.social", "pw-"+name)
}

// post publishes a root post for the account.
func (e *env) post(t *testing.T, a provider.Account, text string) provider.Published {
	t.Helper()
	got, err := publish(t, e, t.Context(), a, delivery(e, text))
	if err != nil || len(got) != 1 {
		t.Fatalf("publish %q: %v", text, err)
	}
	return got[0]
}

// fetch runs Fetch until the network has nothing more past the cursor.
func fetch(t *testing.T, c *bluesky.Client, a provider.Account, cursor string) ([]provider.Item, string) {
	t.Helper()
	var items []provider.Item
	for range 20 {
		page, err := c.Fetch(t.Context(), a, cursor)
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		items = append(items, page.Items...)
		if page.Cursor == "" {
			t.Fatal("Fetch returned no cursor")
		}
		cursor = page.Cursor
		if !page.More {
			return items, cursor
		}
	}
	t.Fatal("Fetch: More after 20 pages")
	return nil, ""
}

func ids(items []provider.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.RemoteID
	}
	return out
}

func TestFetchMapsNotifications(t *testing.T) {
	e, clock := clocked(t)
	a := e.account(t)
	ours := e.post(t, a, "Oggi focaccia alle olive")
	bea, carlo, dora := e.person("bea"), e.person("carlo"), e.person("dora")
	e.srv.SetFollowers(bea, 321)
	e.srv.SetProfile(bea, "Bea Bianchi", "https://cdn.example/bea.jpg")

	tick := func() { clock.add(time.Second) }
	tick()
	reply := e.srv.Reply(bea, ours.RemoteID, "La voglio!")
	tick()
	deep := e.srv.Reply(carlo, reply, "Anch'io")
	tick()
	mention := e.srv.Mention(dora, a.Handle, "Il forno di @"+a.Handle+" è il migliore")
	tick()
	quote := e.srv.Quote(carlo, ours.RemoteID, "Da non perdere")
	tick()
	repost := e.srv.RepostBy(dora, ours.RemoteID)
	tick()
	e.srv.LikeBy(bea, ours.RemoteID) // likes are not inbox items

	items, _ := fetch(t, e.client, a, "")
	want := []string{reply, deep, mention, quote, repost}
	if got := ids(items); !slices.Equal(got, want) {
		t.Fatalf("items %v\nwant %v (oldest first, no like)", got, want)
	}
	byID := map[string]provider.Item{}
	for _, it := range items {
		byID[it.RemoteID] = it
	}
	r := byID[reply]
	if r.Kind != provider.ItemReply || r.Thread != ours.RemoteID || r.Text != "La voglio!" ||
		r.SubjectText != "Oggi focaccia alle olive" || r.SubjectURL != ours.URL ||
		r.Reply == nil || r.Reply.RemoteID != reply || r.Reply.CID == "" || r.Reply.RootID != ours.RemoteID || r.Reply.RootCID != ours.CID {
		t.Errorf("reply item %+v (reply %+v)", r, r.Reply)
	}
	if r.Author.RemoteID != bea || r.Author.Handle != "bea.bsky.social" || r.Author.Name != "Bea Bianchi" ||
		r.Author.AvatarURL != "https://cdn.example/bea.jpg" || r.Author.URL != "https://bsky.app/profile/bea.bsky.social" || r.Author.Followers != 321 {
		t.Errorf("reply author %+v", r.Author)
	}
	if rkey := reply[strings.LastIndexByte(reply, '/')+1:]; r.URL != "https://bsky.app/profile/bea.bsky.social/post/"+rkey {
		t.Errorf("reply URL %s", r.URL)
	}
	if d := byID[deep]; d.Kind != provider.ItemReply || d.Thread != ours.RemoteID || d.Reply.RemoteID != deep || d.Reply.RootID != ours.RemoteID {
		t.Errorf("reply to a reply %+v", d)
	}
	if m := byID[mention]; m.Kind != provider.ItemMention || m.Thread != mention || m.SubjectText != "" || m.Reply.RootID != mention {
		t.Errorf("mention %+v", m)
	}
	if q := byID[quote]; q.Kind != provider.ItemQuote || q.Thread != quote || q.SubjectText != "Oggi focaccia alle olive" || q.Reply.RemoteID != quote {
		t.Errorf("quote %+v", q)
	}
	if p := byID[repost]; p.Kind != provider.ItemRepost || p.Thread != ours.RemoteID || p.Reply != nil || p.Author.RemoteID != dora ||
		p.SubjectText != "Oggi focaccia alle olive" || !strings.Contains(p.RemoteID, "/app.bsky.feed.repost/") {
		t.Errorf("repost %+v", p)
	}
	for _, it := range items {
		if it.CreatedAt.IsZero() || it.Author.Handle == "" {
			t.Errorf("item %s without date or author", it.RemoteID)
		}
	}
}

// rawPost creates a post record for a connected account with
// com.atproto.repo.createRecord, as any Bluesky client could.
func rawPost(t *testing.T, e *env, a provider.Account, record map[string]any) string {
	t.Helper()
	var sess struct{ AccessJwt string }
	_ = json.Unmarshal(a.Credentials, &sess)
	record["$type"], record["createdAt"] = "app.bsky.feed.post", "2026-03-02T09:00:00.000Z"
	body, _ := json.Marshal(map[string]any{"repo": a.RemoteID, "collection": "app.bsky.feed.post", "record": record})
	req, _ := http.NewRequestWithContext(t.Context(), "POST", e.srv.URL()+"/xrpc/com.atproto.repo.createRecord", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+sess.AccessJwt)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ URI string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("createRecord: %d %v", resp.StatusCode, err)
	}
	return out.URI
}

func TestFetchLangAndMentionInAThread(t *testing.T) {
	e, clock := clocked(t)
	a := e.account(t)
	them := e.account(t) // another connected account posts through the client
	root := e.post(t, them, "Consigli per una cena?")
	clock.add(time.Second)
	text := "Prova da @" + a.Handle
	ref := map[string]string{"uri": root.RemoteID, "cid": root.CID}
	mention := rawPost(t, e, them, map[string]any{
		"text":  text,
		"langs": []string{"it", "en"},
		"reply": map[string]any{"root": ref, "parent": ref},
		"facets": []any{map[string]any{
			"index":    map[string]int{"byteStart": strings.Index(text, "@"), "byteEnd": len(text)},
			"features": []any{map[string]string{"$type": "app.bsky.richtext.facet#mention", "did": a.RemoteID}},
		}},
	})
	items, _ := fetch(t, e.client, a, "")
	if len(items) != 1 {
		t.Fatalf("items %+v", items)
	}
	m := items[0]
	if m.Kind != provider.ItemMention || m.RemoteID != mention || m.Thread != root.RemoteID || m.Lang != "it" ||
		m.SubjectText != "Consigli per una cena?" || m.Reply.RootID != root.RemoteID || m.Reply.RemoteID != mention {
		t.Errorf("a mention in someone's thread: %+v", m)
	}
}

func TestFetchPagesRestartAndGap(t *testing.T) {
	e, clock := clocked(t)
	a := e.account(t)
	ours := e.post(t, a, "Concorso: rispondete!")
	fans := make([]string, 20)
	for i := range fans {
		fans[i] = e.person(fmt.Sprintf("fan%d", i))
	}
	clock.add(time.Second)
	first := e.srv.Reply(fans[0], ours.RemoteID, "primo")
	items, cursor := fetch(t, e.client, a, "")
	if !slices.Equal(ids(items), []string{first}) {
		t.Fatalf("first poll %v", ids(items))
	}

	// 1,200 replies, several per instant: more than one Fetch reads.
	var want []string
	for i := range 1200 {
		if i%3 == 0 {
			clock.add(time.Millisecond)
		}
		want = append(want, e.srv.Reply(fans[i%len(fans)], ours.RemoteID, fmt.Sprintf("risposta %d", i)))
	}
	page, err := e.client.Fetch(t.Context(), a, cursor)
	if err != nil {
		t.Fatal(err)
	}
	if !page.More || len(page.Items) == 0 || len(page.Items) >= 1200 {
		t.Fatalf("first Fetch: %d items, More %v", len(page.Items), page.More)
	}
	got := ids(page.Items)
	for i := 1; i < len(page.Items); i++ {
		if page.Items[i].CreatedAt.Before(page.Items[i-1].CreatedAt) {
			t.Fatalf("items not oldest first at %d", i)
		}
	}

	// Meanwhile more arrive; and Portavoce restarts: a new client with
	// the stored cursor.
	clock.add(time.Second)
	later := e.srv.Reply(fans[1], ours.RemoteID, "arrivo tardi")
	restarted := bluesky.New(&http.Client{Timeout: 10 * time.Second}, e.srv.URL(), e.srv.URL())
	rest, _ := fetch(t, restarted, a, page.Cursor)
	got = append(got, ids(rest)...)
	want = append(want, later)
	slices.Sort(got)
	slices.Sort(want)
	if len(got) != len(want) || !slices.Equal(slices.Compact(slices.Clone(got)), got) {
		t.Fatalf("%d items (%d distinct), want %d once each", len(got), len(slices.Compact(slices.Clone(got))), len(want))
	}
	if !slices.Equal(got, want) {
		t.Fatal("items differ from the replies made")
	}
}

func TestFetchTiesAndLateArrivals(t *testing.T) {
	e, clock := clocked(t)
	a := e.account(t)
	ours := e.post(t, a, "Chi viene stasera?")
	bea, carlo := e.person("bea"), e.person("carlo")
	clock.add(time.Second)
	e.srv.Reply(bea, ours.RemoteID, "io")
	_, cursor := fetch(t, e.client, a, "")

	// 60 replies at one instant, 90 at the next: the App View's first
	// page ends inside the first instant, and its cursor ("older than
	// this instant") would skip the rest of it.
	clock.add(time.Second)
	var want []string
	for i := range 60 {
		want = append(want, e.srv.Reply(bea, ours.RemoteID, fmt.Sprintf("a%d", i)))
	}
	clock.add(time.Millisecond)
	for i := range 90 {
		want = append(want, e.srv.Reply(carlo, ours.RemoteID, fmt.Sprintf("b%d", i)))
	}
	items, cursor := fetch(t, e.client, a, cursor)
	got := ids(items)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("%d items, want the %d replies once each", len(got), len(want))
	}

	// A reply whose author's clock runs late is listed below the newest
	// one already read: the next poll still finds it, and nothing else.
	newest := clock.now()
	clock.set(newest.Add(-30 * time.Second))
	late := e.srv.Reply(carlo, ours.RemoteID, "in ritardo")
	clock.set(newest.Add(time.Minute))
	items, again := fetch(t, e.client, a, cursor)
	if !slices.Equal(ids(items), []string{late}) {
		t.Fatalf("after a late reply: %v, want only %s", ids(items), late)
	}
	// Nothing new: nothing again, the same notifications read once more.
	if items, _ := fetch(t, e.client, a, again); len(items) != 0 {
		t.Errorf("a poll without news gave %v", ids(items))
	}
	// A crash before the cursor was stored repeats the page, no less.
	if items, _ := fetch(t, e.client, a, cursor); !slices.Equal(ids(items), []string{late}) {
		t.Errorf("repeating with the old cursor gave %v", ids(items))
	}
}

func TestThread(t *testing.T) {
	e, clock := clocked(t)
	a := e.account(t)
	root := e.post(t, a, "Nuovi orari da lunedì")
	bea, carlo := e.person("bea"), e.person("carlo")
	tick := func() { clock.add(time.Second) }
	tick()
	r1 := e.srv.Reply(bea, root.RemoteID, "E la domenica?")
	tick()
	r2 := e.srv.Reply(carlo, r1, "Chiuso, credo")
	tick()
	r3 := e.srv.Reply(carlo, root.RemoteID, "Ottimo")
	e.srv.SetFollowers(carlo, 7)

	items, err := e.client.Thread(t.Context(), a, root.RemoteID)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(items); !slices.Equal(got, []string{root.RemoteID, r1, r2, r3}) {
		t.Fatalf("thread of the root: %v", got)
	}
	for _, it := range items {
		if it.Thread != root.RemoteID || it.SubjectText != "Nuovi orari da lunedì" || it.Reply == nil || it.Reply.RootID != root.RemoteID || it.Deleted {
			t.Errorf("thread item %+v", it)
		}
	}
	if items[2].Author.RemoteID != carlo || items[2].Author.Followers != 7 || items[2].Text != "Chiuso, credo" {
		t.Errorf("r2 %+v", items[2])
	}

	items, err = e.client.Thread(t.Context(), a, r2)
	if err != nil || !slices.Equal(ids(items), []string{root.RemoteID, r1, r2}) {
		t.Fatalf("thread of r2: %v, %v", ids(items), err)
	}

	e.srv.DeletePost(r1)
	items, err = e.client.Thread(t.Context(), a, r2)
	if err != nil || !slices.Equal(ids(items), []string{root.RemoteID, r1, r2}) || !items[1].Deleted || items[0].Deleted || items[2].Deleted {
		t.Fatalf("thread of r2 with r1 deleted: %+v, %v", items, err)
	}
	items, err = e.client.Thread(t.Context(), a, r1)
	if err != nil || len(items) != 1 || items[0].RemoteID != r1 || !items[0].Deleted {
		t.Fatalf("thread of the deleted r1: %+v, %v", items, err)
	}
}

func TestActLikeAndRepostOnce(t *testing.T) {
	e, _ := clocked(t)
	a := e.account(t)
	bea := e.person("bea")
	post := e.srv.CreatePost(bea, "Il nostro nuovo menu")
	posts := e.srv.Posts(bea)
	target := provider.ReplyTo{RemoteID: post, CID: posts[0].CID}

	for range 2 {
		if err := e.client.Act(t.Context(), a, provider.Like, target); err != nil {
			t.Fatalf("like: %v", err)
		}
		if err := e.client.Act(t.Context(), a, provider.Repost, target); err != nil {
			t.Fatalf("repost: %v", err)
		}
	}
	if got := e.srv.Likes(post); !slices.Equal(got, []string{a.RemoteID}) {
		t.Errorf("likes %v, want one", got)
	}
	if got := e.srv.Reposts(post); !slices.Equal(got, []string{a.RemoteID}) {
		t.Errorf("reposts %v, want one", got)
	}

	// An answer lost: the like is made; repeating it leaves one. Without
	// the CID, it is read first.
	other := e.srv.CreatePost(bea, "Secondo post")
	e.srv.Inject(providertest.Fault{Kind: providertest.LoseAnswer, Op: "like"})
	err := e.client.Act(t.Context(), a, provider.Like, provider.ReplyTo{RemoteID: other})
	if provider.KindOf(err) != provider.Unknown {
		t.Fatalf("like with a lost answer: %v, want unknown", err)
	}
	if err := e.client.Act(t.Context(), a, provider.Like, provider.ReplyTo{RemoteID: other}); err != nil {
		t.Fatalf("like again: %v", err)
	}
	if got := e.srv.Likes(other); !slices.Equal(got, []string{a.RemoteID}) {
		t.Errorf("likes after a lost answer %v, want one", got)
	}

	if err := e.client.Act(t.Context(), a, provider.Like, provider.ReplyTo{RemoteID: post + "zz"}); provider.KindOf(err) != provider.Rejected {
		t.Errorf("like of a missing post: %v", err)
	}
}

func TestActHideKeepsTheThreadgate(t *testing.T) {
	e, clock := clocked(t)
	a := e.account(t)
	root := e.post(t, a, "Parliamo di pizza")
	bea := e.person("bea")
	clock.add(time.Second)
	rude := e.srv.Reply(bea, root.RemoteID, "spam spam")
	clock.add(time.Second)
	ruder := e.srv.Reply(bea, rude, "altro spam")
	e.srv.SetThreadgate(root.RemoteID, json.RawMessage(fmt.Sprintf(`{"$type":"app.bsky.feed.threadgate","post":%q,"createdAt":"2026-03-01T00:00:00.000Z","allow":[{"$type":"app.bsky.feed.threadgate#followerRule"}],"hiddenReplies":[]}`, root.RemoteID)))

	for range 2 {
		if err := e.client.Act(t.Context(), a, provider.Hide, provider.ReplyTo{RemoteID: rude, RootID: root.RemoteID}); err != nil {
			t.Fatalf("hide: %v", err)
		}
	}
	if err := e.client.Act(t.Context(), a, provider.Hide, provider.ReplyTo{RemoteID: ruder, RootID: root.RemoteID}); err != nil {
		t.Fatalf("hide: %v", err)
	}
	if got := e.srv.HiddenReplies(root.RemoteID); !slices.Equal(got, []string{rude, ruder}) {
		t.Errorf("hidden %v", got)
	}
	var gate struct {
		Post      string `json:"post"`
		CreatedAt string `json:"createdAt"`
		Allow     []struct {
			Type string `json:"$type"`
		} `json:"allow"`
	}
	_ = json.Unmarshal(e.srv.Threadgate(root.RemoteID), &gate)
	if gate.Post != root.RemoteID || gate.CreatedAt != "2026-03-01T00:00:00.000Z" || len(gate.Allow) != 1 || gate.Allow[0].Type != "app.bsky.feed.threadgate#followerRule" {
		t.Errorf("threadgate after hiding: %s", e.srv.Threadgate(root.RemoteID))
	}

	// A new threadgate when there is none; not in others' threads.
	second := e.post(t, a, "Altra domanda")
	clock.add(time.Second)
	reply := e.srv.Reply(bea, second.RemoteID, "boh")
	if err := e.client.Act(t.Context(), a, provider.Hide, provider.ReplyTo{RemoteID: reply, RootID: second.RemoteID}); err != nil {
		t.Fatalf("hide without a threadgate: %v", err)
	}
	if got := e.srv.HiddenReplies(second.RemoteID); !slices.Equal(got, []string{reply}) {
		t.Errorf("hidden %v", got)
	}
	theirs := e.srv.CreatePost(bea, "Il mio thread")
	clock.add(time.Second)
	inTheirs := e.srv.Reply(bea, theirs, "risposta")
	if err := e.client.Act(t.Context(), a, provider.Hide, provider.ReplyTo{RemoteID: inTheirs, RootID: theirs}); provider.KindOf(err) != provider.Rejected {
		t.Errorf("hiding in someone else's thread: %v", err)
	}
}

func TestActDelete(t *testing.T) {
	e, _ := clocked(t)
	a := e.account(t)
	mine := e.post(t, a, "Refuso")
	for range 2 {
		if err := e.client.Act(t.Context(), a, provider.Delete, provider.ReplyTo{RemoteID: mine.RemoteID}); err != nil {
			t.Fatalf("delete: %v", err)
		}
	}
	if len(e.srv.Posts(a.RemoteID)) != 0 {
		t.Error("the post is still there")
	}
	theirs := e.srv.CreatePost(e.person("bea"), "Mio")
	if err := e.client.Act(t.Context(), a, provider.Delete, provider.ReplyTo{RemoteID: theirs}); provider.KindOf(err) != provider.Rejected {
		t.Errorf("deleting someone else's post: %v", err)
	}
	if got := e.client.Actions(provider.ItemRepost); len(got) != 0 {
		t.Errorf("actions on a repost: %v", got)
	}
	if got := e.client.Actions(provider.ItemReply); !slices.Contains(got, provider.Hide) || !slices.Contains(got, provider.Like) {
		t.Errorf("actions on a reply: %v", got)
	}
}

func TestReplyUnderRootAndParent(t *testing.T) {
	e, clock := clocked(t)
	a := e.account(t)
	bea, carlo := e.person("bea"), e.person("carlo")
	root := e.srv.CreatePost(bea, "Dove trovo il pane nero?")
	clock.add(time.Second)
	parent := e.srv.Reply(carlo, root, "Chiedi in giro")

	var rootCID, parentCID string
	for _, p := range e.srv.Posts(bea) {
		rootCID = p.CID
	}
	for _, p := range e.srv.Posts(carlo) {
		parentCID = p.CID
	}
	d := delivery(e, "Da noi, tutti i giorni", "Anche integrale")
	d.ReplyTo = &provider.ReplyTo{RemoteID: parent, CID: parentCID, RootID: root, RootCID: rootCID}
	got, err := publish(t, e, t.Context(), a, d)
	if err != nil || len(got) != 2 {
		t.Fatalf("publish: %v", err)
	}
	posts := e.srv.Posts(a.RemoteID)
	if posts[0].ReplyRoot != root || posts[0].ReplyParent != parent {
		t.Errorf("first part answers %s in %s, want %s in %s", posts[0].ReplyParent, posts[0].ReplyRoot, parent, root)
	}
	if posts[1].ReplyRoot != root || posts[1].ReplyParent != got[0].RemoteID {
		t.Errorf("second part answers %s in %s, want %s in %s", posts[1].ReplyParent, posts[1].ReplyRoot, got[0].RemoteID, root)
	}

	// Without CIDs they are read; a root answered directly is its own
	// root.
	d = delivery(e, "Risposta diretta")
	d.ReplyTo = &provider.ReplyTo{RemoteID: root}
	got, err = publish(t, e, t.Context(), a, d)
	if err != nil {
		t.Fatal(err)
	}
	last := e.srv.Posts(a.RemoteID)[2]
	if last.URI != got[0].RemoteID || last.ReplyRoot != root || last.ReplyParent != root {
		t.Errorf("direct answer to the root: %+v", last)
	}

	e.srv.DeletePost(parent)
	d = delivery(e, "Troppo tardi")
	d.ReplyTo = &provider.ReplyTo{RemoteID: parent, RootID: root}
	if _, err := publish(t, e, t.Context(), a, d); provider.KindOf(err) != provider.Rejected {
		t.Errorf("answering a deleted post: %v", err)
	}
}

func TestReplyLostAnswerCheckedNotDuplicated(t *testing.T) {
	e, _ := clocked(t)
	a := e.account(t)
	bea := e.person("bea")
	root := e.srv.CreatePost(bea, "Consigli?")
	d := delivery(e, "Il nostro tiramisù")
	d.ReplyTo = &provider.ReplyTo{RemoteID: root, RootID: root}
	e.srv.Inject(providertest.Fault{Kind: providertest.LoseAnswer, Op: "post"})
	if _, err := publish(t, e, t.Context(), a, d); provider.KindOf(err) != provider.Unknown {
		t.Fatalf("publish with a lost answer: %v, want unknown", err)
	}
	found, err := e.client.Check(t.Context(), a, d)
	if err != nil || len(found) != 1 || found[0] == nil {
		t.Fatalf("Check = %v, %v", found, err)
	}
	d.Done = []provider.Published{*found[0]}
	if got, err := publish(t, e, t.Context(), a, d); err != nil || len(got) != 0 {
		t.Fatalf("resume: %v, %v", got, err)
	}
	posts := e.srv.Posts(a.RemoteID)
	if len(posts) != 1 || posts[0].ReplyParent != root || posts[0].URI != found[0].RemoteID {
		t.Errorf("server holds %+v", posts)
	}
}

func TestChatNotGranted(t *testing.T) {
	e, clock := clocked(t)
	a := e.account(t)
	bea := e.person("bea")
	clock.add(time.Second)
	convo := e.srv.SendChat(bea, a.RemoteID, "Ciao, siete aperti?")
	ours := e.post(t, a, "Post")
	clock.add(time.Second)
	reply := e.srv.Reply(bea, ours.RemoteID, "Bello")

	items, _ := fetch(t, e.client, a, "")
	if !slices.Equal(ids(items), []string{reply}) {
		t.Errorf("items %v, want the reply and no message", ids(items))
	}
	e.mu.Lock()
	saved := len(e.saved[a.ID])
	e.mu.Unlock()
	if saved != 0 {
		t.Errorf("a refused chat call renewed the session %d times", saved)
	}

	d := delivery(e, "Sì, fino alle 20")
	d.ReplyTo = &provider.ReplyTo{Direct: true, Conversation: convo}
	_, err := publish(t, e, t.Context(), a, d)
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Kind != provider.Rejected || !strings.Contains(pe.Reason, "direct messages") {
		t.Errorf("a direct reply without chat access: %v", err)
	}
	e.noSecret(t, a, err)
}

func TestChatMessagesAndDirectReply(t *testing.T) {
	e, clock := clocked(t)
	a := e.account(t)
	e.srv.GrantChat(a.RemoteID, true)
	bea := e.person("bea")
	e.srv.SetFollowers(bea, 12)
	clock.add(time.Second)
	convo := e.srv.SendChat(bea, a.RemoteID, "Ciao, siete aperti?")
	clock.add(time.Second)
	e.srv.SendChat(bea, a.RemoteID, "Anche domenica?")

	items, cursor := fetch(t, e.client, a, "")
	if len(items) != 2 {
		t.Fatalf("items %+v", items)
	}
	m := items[0]
	if m.Kind != provider.ItemMessage || m.Thread != "dm:"+convo || m.Text != "Ciao, siete aperti?" || m.Reply == nil ||
		!m.Reply.Direct || m.Reply.Conversation != convo || m.Author.RemoteID != bea || m.Author.Handle != "bea.bsky.social" || m.Author.Followers != 12 {
		t.Errorf("message item %+v", m)
	}

	d := delivery(e, "Sì, dalle 8 alle 20")
	d.ReplyTo = items[1].Reply
	got, err := publish(t, e, t.Context(), a, d)
	if err != nil || len(got) != 1 || got[0].RemoteID == "" {
		t.Fatalf("direct reply: %v, %v", got, err)
	}
	msgs := e.srv.ChatMessages(convo)
	if last := msgs[len(msgs)-1]; last.Sender != a.RemoteID || last.Text != "Sì, dalle 8 alle 20" || last.ID != got[0].RemoteID {
		t.Errorf("last message %+v", last)
	}
	if len(e.srv.Posts(a.RemoteID)) != 0 {
		t.Error("the direct reply made a post")
	}

	// Our own message is no item; hers come once.
	clock.add(time.Second)
	e.srv.SendChat(bea, a.RemoteID, "Grazie!")
	items, _ = fetch(t, e.client, a, cursor)
	if len(items) != 1 || items[0].Text != "Grazie!" {
		t.Errorf("second poll %+v", items)
	}
}

func TestDirectReplyLostAnswerChecked(t *testing.T) {
	e, clock := clocked(t)
	a := e.account(t)
	e.srv.GrantChat(a.RemoteID, true)
	bea := e.person("bea")
	convo := e.srv.SendChat(bea, a.RemoteID, "Prenotate?")
	clock.add(time.Second)

	d := delivery(e, "Certo, per quanti?")
	d.FirstAttempt = clock.now()
	d.ReplyTo = &provider.ReplyTo{Direct: true, Conversation: convo}
	found, err := e.client.Check(t.Context(), a, d)
	if err != nil || len(found) != 1 || found[0] != nil {
		t.Fatalf("Check before anything was sent: %v, %v", found, err)
	}
	e.srv.Inject(providertest.Fault{Kind: providertest.LoseAnswer, Op: "message"})
	if _, err := publish(t, e, t.Context(), a, d); provider.KindOf(err) != provider.Unknown {
		t.Fatalf("send with a lost answer: %v, want unknown", err)
	}
	found, err = e.client.Check(t.Context(), a, d)
	if err != nil || len(found) != 1 || found[0] == nil {
		t.Fatalf("Check = %v, %v", found, err)
	}
	msgs := e.srv.ChatMessages(convo)
	if last := msgs[len(msgs)-1]; last.ID != found[0].RemoteID || len(msgs) != 2 {
		t.Errorf("messages %+v, found %+v", msgs, found[0])
	}
}

func TestInboxFailures(t *testing.T) {
	e, _ := clocked(t)
	a := e.account(t)
	ours := e.post(t, a, "Ciao")

	e.srv.Inject(providertest.Fault{Kind: providertest.RateLimit, Op: "notifications"})
	_, err := e.client.Fetch(t.Context(), a, "")
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Kind != provider.RateLimited || pe.RetryAfter.IsZero() {
		t.Errorf("rate limited: %v", err)
	}

	// An expired access token is renewed, once.
	e.srv.ExpireAccessTokens()
	if _, err := e.client.Fetch(t.Context(), a, ""); err != nil {
		t.Fatalf("Fetch with an expired access token: %v", err)
	}
	e.mu.Lock()
	saved := e.saved[a.ID]
	e.mu.Unlock()
	if len(saved) != 1 {
		t.Fatalf("%d sessions saved, want 1", len(saved))
	}
	a.Credentials = saved[0]

	e.srv.RevokeSessions(a.RemoteID)
	_, err = e.client.Fetch(t.Context(), a, "")
	if provider.KindOf(err) != provider.AuthExpired {
		t.Errorf("Fetch with revoked tokens: %v", err)
	}
	e.noSecret(t, a, err)
	if _, err := e.client.Thread(t.Context(), a, ours.RemoteID); provider.KindOf(err) != provider.AuthExpired {
		t.Errorf("Thread with revoked tokens: %v", err)
	}
	if err := e.client.Act(t.Context(), a, provider.Like, provider.ReplyTo{RemoteID: ours.RemoteID, CID: ours.CID}); provider.KindOf(err) != provider.AuthExpired {
		t.Errorf("Act with revoked tokens: %v", err)
	}
	e.srv.GrantChat(a.RemoteID, true)
	d := delivery(e, "x")
	d.ReplyTo = &provider.ReplyTo{Direct: true, Conversation: "3abc"}
	if _, err := publish(t, e, t.Context(), a, d); provider.KindOf(err) != provider.AuthExpired {
		t.Errorf("direct reply with revoked tokens: %v", err)
	}
}

func TestReplyTarget(t *testing.T) {
	e, clock := clocked(t)
	a := e.account(t)
	bea, carlo := e.person("bea"), e.person("carlo")
	root := e.srv.CreatePost(bea, "Dove trovo il pane nero?")
	clock.add(time.Second)
	answer := e.srv.Reply(carlo, root, "Chiedi in giro")
	rootCID, answerCID := e.srv.Posts(bea)[0].CID, e.srv.Posts(carlo)[0].CID

	got, err := e.client.ReplyTarget(t.Context(), a, root)
	if want := (provider.ReplyTo{RemoteID: root, CID: rootCID, RootID: root, RootCID: rootCID}); err != nil || got != want {
		t.Errorf("ReplyTarget(root) = %+v, %v; want %+v", got, err, want)
	}
	got, err = e.client.ReplyTarget(t.Context(), a, answer)
	if want := (provider.ReplyTo{RemoteID: answer, CID: answerCID, RootID: root, RootCID: rootCID}); err != nil || got != want {
		t.Errorf("ReplyTarget(answer) = %+v, %v; want %+v", got, err, want)
	}
	e.srv.DeletePost(answer)
	if _, err := e.client.ReplyTarget(t.Context(), a, answer); provider.KindOf(err) != provider.Rejected {
		t.Errorf("ReplyTarget of a deleted post: %v", err)
	}
	if _, err := e.client.ReplyTarget(t.Context(), a, "https://example.com/x"); provider.KindOf(err) != provider.Rejected {
		t.Errorf("ReplyTarget of a web address: %v", err)
	}
}
