package mastodon_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/provider/mastodon"
	"github.com/portavoce/portavoce/internal/provider/mastodon/mastodontest"
	"github.com/portavoce/portavoce/internal/provider/providertest"
)

// other creates another account of the instance, who writes to ours.
func (e *env) other(t *testing.T) (id, username string) {
	t.Helper()
	username = fmt.Sprintf("other%d", accounts.Add(1))
	id, _ = e.srv.CreateAccount(username)
	return id, username
}

// post publishes a status of ours and returns its id.
func (e *env) post(t *testing.T, a provider.Account, text string) string {
	t.Helper()
	got, err := e.publish(t.Context(), a, e.delivery(text))
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	return got[0].RemoteID
}

// fetch runs Fetch and fails the test on an error.
func (e *env) fetch(t *testing.T, a provider.Account, cursor string) provider.Page {
	t.Helper()
	page, err := e.c.Fetch(t.Context(), a, cursor)
	if err != nil {
		t.Fatalf("fetch from %q: %v", cursor, err)
	}
	return page
}

func remoteIDs(items []provider.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.RemoteID)
	}
	return out
}

func domain(e *env) string { u, _ := url.Parse(e.srv.URL()); return u.Host }

// TestFetchPaging pages forward through more than a page of
// notifications with the stored cursor: every reply once, in order.
func TestFetchPaging(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	first := e.fetch(t, a, "")
	if len(first.Items) != 0 || first.Cursor == "" || first.More {
		t.Fatalf("first poll of an empty inbox: %+v", first)
	}
	own := e.post(t, a, "Oggi <b>aperti</b> fino alle 20 🍕")
	bob, bobName := e.other(t)
	var want []string
	for i := range 95 {
		want = append(want, e.srv.Mention(bob, fmt.Sprintf("Risposta %d", i), own))
	}
	e.srv.Favourite(bob, own) // not an inbox type

	var got []string
	cursor, fetches := first.Cursor, 0
	for {
		page := e.fetch(t, a, cursor)
		fetches++
		got = append(got, remoteIDs(page.Items)...)
		if page.Cursor == "" {
			t.Fatal("empty cursor")
		}
		cursor = page.Cursor
		if !page.More {
			break
		}
		if fetches > 5 {
			t.Fatal("More never ends")
		}
	}
	if !slices.Equal(got, want) || fetches != 3 {
		t.Fatalf("got %d items in %d fetches, want the %d replies once each, in order, in 3", len(got), fetches, len(want))
	}
	// One context look-up per page: the replies share their parent.
	if n := e.srv.Calls("GET /api/v1/statuses/{id}/context"); n != 3 {
		t.Errorf("%d context look-ups, want one a page", n)
	}
	if page := e.fetch(t, a, cursor); len(page.Items) != 0 || page.Cursor != cursor || page.More {
		t.Fatalf("past the end: %+v", page)
	}

	page := e.fetch(t, a, first.Cursor)
	it := page.Items[0]
	want0 := provider.Item{
		RemoteID: want[0], Kind: provider.ItemReply, Thread: own,
		SubjectText: "Oggi <b>aperti</b> fino alle 20 🍕", SubjectURL: e.srv.Statuses(a.RemoteID)[0].URL,
		Reply: &provider.ReplyTo{RemoteID: want[0], Handle: bobName},
		URL:   e.srv.URL() + "/@" + bobName + "/" + want[0], Text: "@" + username(a) + " Risposta 0",
		Lang: "en",
		Author: provider.Person{RemoteID: bob, Handle: "@" + bobName + "@" + domain(e), Name: bobName,
			AvatarURL: e.srv.URL() + "/avatars/original/missing.png", URL: e.srv.URL() + "/@" + bobName},
		CreatedAt: it.CreatedAt,
	}
	if !reflect.DeepEqual(it, want0) {
		t.Fatalf("item\n %+v %+v\nwant\n %+v %+v", it, *it.Reply, want0, *want0.Reply)
	}
	if it.CreatedAt.IsZero() {
		t.Fatal("no creation time")
	}
}

// TestFirstPoll takes the newest page only, and its newest id as cursor.
func TestFirstPoll(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	bob, _ := e.other(t)
	var all []string
	for i := range 45 {
		all = append(all, e.srv.Mention(bob, fmt.Sprintf("@%s numero %d", username(a), i), ""))
	}
	page := e.fetch(t, a, "")
	notes := e.srv.Notifications(a.RemoteID)
	if !slices.Equal(remoteIDs(page.Items), all[5:]) || page.Cursor != notes[44].ID || page.More {
		t.Fatalf("first poll: %d items from %v, cursor %s, more %v", len(page.Items), remoteIDs(page.Items)[:1], page.Cursor, page.More)
	}
	for _, it := range page.Items {
		if it.Kind != provider.ItemMention || it.Thread != it.RemoteID || it.SubjectText != "" {
			t.Fatalf("a mention: %+v", it)
		}
	}
	if next := e.fetch(t, a, page.Cursor); len(next.Items) != 0 {
		t.Fatalf("after the first poll: %d items", len(next.Items))
	}
	last := e.srv.Mention(bob, "@"+username(a)+" ancora", "")
	if next := e.fetch(t, a, page.Cursor); !slices.Equal(remoteIDs(next.Items), []string{last}) {
		t.Fatalf("new since: %v", remoteIDs(next.Items))
	}
}

// TestFetchRepeated gives the same page twice: after a lost answer the
// caller fetches from the same cursor again.
func TestFetchRepeated(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	cursor := e.fetch(t, a, "").Cursor
	own := e.post(t, a, "Domani chiuso")
	bob, _ := e.other(t)
	for i := range 3 {
		e.srv.Mention(bob, fmt.Sprint("Peccato ", i), own)
	}
	e.srv.Boost(bob, own)

	e.srv.Inject(providertest.Fault{Kind: providertest.LoseAnswer, Op: "inbox"})
	if _, err := e.c.Fetch(t.Context(), a, cursor); provider.KindOf(err) != provider.Temporary {
		t.Fatalf("lost answer: %v, want temporary (a read is safe to repeat)", err)
	}
	one, two := e.fetch(t, a, cursor), e.fetch(t, a, cursor)
	if len(one.Items) != 4 || !slices.Equal(remoteIDs(one.Items), remoteIDs(two.Items)) || one.Cursor != two.Cursor {
		t.Fatalf("twice: %v / %v", remoteIDs(one.Items), remoteIDs(two.Items))
	}
	if repost := one.Items[3]; repost.Kind != provider.ItemRepost || !strings.HasPrefix(repost.RemoteID, "n:") ||
		repost.Reply != nil || repost.Thread != own || repost.SubjectText != "Domani chiuso" {
		t.Fatalf("repost %+v", repost)
	}
}

// TestKinds sorts what arrives, and puts each reply under one of our posts
// in that post's thread.
func TestKinds(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	me := "@" + username(a)
	cursor := e.fetch(t, a, "").Cursor
	own := e.post(t, a, "Il nostro post")
	thread, err := e.publish(t.Context(), a, e.delivery("Filo 1/2", "Filo 2/2"))
	if err != nil {
		t.Fatal(err)
	}
	bob, bobName := e.other(t)
	carla, _ := e.other(t)

	reply := e.srv.Mention(bob, "Bello", own)
	deeper := e.srv.Mention(carla, me+" vero!", reply)
	toPart2 := e.srv.Mention(bob, "E la seconda parte?", thread[1].RemoteID)
	mention := e.srv.Mention(bob, "Conoscete "+me+"?", "")
	dm := e.srv.DirectMessage(bob, a.RemoteID, "Posso prenotare?")
	quote := e.srv.Quote(carla, own, "Guardate qui")
	e.srv.Boost(carla, thread[1].RemoteID)
	e.srv.Favourite(carla, own)

	page := e.fetch(t, a, cursor)
	type row struct{ id, kind, thread, subject string }
	var got []row
	for _, it := range page.Items {
		got = append(got, row{it.RemoteID, it.Kind, it.Thread, it.SubjectText})
	}
	boost := page.Items[len(page.Items)-1].RemoteID
	want := []row{
		{reply, provider.ItemReply, own, "Il nostro post"},
		{deeper, provider.ItemMention, own, "Il nostro post"},
		{toPart2, provider.ItemReply, thread[0].RemoteID, "Filo 1/2"},
		{mention, provider.ItemMention, mention, ""},
		{dm, provider.ItemMessage, "dm:" + bob, ""},
		{quote, provider.ItemQuote, own, "Il nostro post"},
		{boost, provider.ItemRepost, thread[0].RemoteID, "Filo 1/2"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("items\n %v\nwant\n %v", got, want)
	}
	if r := page.Items[4].Reply; r == nil || *r != (provider.ReplyTo{RemoteID: dm, Direct: true, Handle: bobName}) {
		t.Fatalf("direct message's reply %+v", r)
	}
	c := e.c
	for _, tc := range []struct {
		kind string
		want []provider.Action
	}{
		{provider.ItemReply, []provider.Action{provider.Like, provider.Repost}},
		{provider.ItemMention, []provider.Action{provider.Like, provider.Repost}},
		{provider.ItemQuote, []provider.Action{provider.Like, provider.Repost}},
		{provider.ItemMessage, []provider.Action{provider.Like}},
		{provider.ItemRepost, nil},
		{"own", []provider.Action{provider.Delete}},
	} {
		if got := c.Actions(tc.kind); !slices.Equal(got, tc.want) {
			t.Errorf("actions on %s: %v, want %v", tc.kind, got, tc.want)
		}
	}
}

// TestThread shows a thread first post first, and a deleted status as
// deleted, gone from the inbox too.
func TestThread(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	cursor := e.fetch(t, a, "").Cursor
	own := e.post(t, a, "Cosa ne pensate?")
	bob, bobName := e.other(t)
	carla, _ := e.other(t)
	reply := e.srv.Mention(bob, "Bene", own)
	page := e.fetch(t, a, cursor)
	answer, err := e.publish(t.Context(), a, provider.Delivery{ID: "r", Parts: []provider.Part{{Text: "Grazie!"}},
		Keys: e.c.NewKeys(1), FirstAttempt: time.Now(), ReplyTo: page.Items[0].Reply})
	if err != nil {
		t.Fatal(err)
	}
	late := e.srv.Mention(carla, "Anch'io", own)

	items, err := e.c.Thread(t.Context(), a, reply)
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ id, kind, thread string }
	var got []row
	for _, it := range items {
		got = append(got, row{it.RemoteID, it.Kind, it.Thread})
	}
	want := []row{{own, "own", own}, {reply, provider.ItemReply, own}, {answer[0].RemoteID, "own", own}}
	if !slices.Equal(got, want) {
		t.Fatalf("thread of the reply\n %v\nwant\n %v", got, want)
	}
	if items[2].Text != "@"+bobName+" Grazie!" || items[1].Author.RemoteID != bob {
		t.Fatalf("answer %q by %s", items[2].Text, items[1].Author.RemoteID)
	}
	if items, _ := e.c.Thread(t.Context(), a, own); len(items) != 4 || items[3].RemoteID != late {
		t.Fatalf("thread of the post: %v", remoteIDs(items))
	}

	e.srv.DeleteStatus(reply)
	items, err = e.c.Thread(t.Context(), a, reply)
	if err != nil || len(items) != 1 || !items[0].Deleted || items[0].RemoteID != reply {
		t.Fatalf("deleted status: %+v, %v", items, err)
	}
	if ids := remoteIDs(e.fetch(t, a, cursor).Items); !slices.Equal(ids, []string{late}) {
		t.Fatalf("inbox after the deletion: %v", ids)
	}
	if _, err := e.c.Thread(t.Context(), a, "n:1"); provider.KindOf(err) != provider.Rejected {
		t.Fatalf("thread of a repost item: %v", err)
	}
}

func TestAct(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	bob, _ := e.other(t)
	theirs := e.srv.Mention(bob, "@"+username(a)+" una domanda", "")
	dm := e.srv.DirectMessage(bob, a.RemoteID, "In privato")
	mine := e.post(t, a, "Da cancellare")
	target := func(id string) provider.ReplyTo { return provider.ReplyTo{RemoteID: id} }

	for range 2 {
		if err := e.c.Act(t.Context(), a, provider.Like, target(theirs)); err != nil {
			t.Fatalf("like: %v", err)
		}
		if err := e.c.Act(t.Context(), a, provider.Repost, target(theirs)); err != nil {
			t.Fatalf("repost: %v", err)
		}
	}
	if f, b := e.srv.Favourites(theirs), e.srv.Boosts(theirs); !slices.Equal(f, []string{a.RemoteID}) || !slices.Equal(b, []string{a.RemoteID}) {
		t.Fatalf("after two likes and two reposts: favourites %v, boosts %v", f, b)
	}
	for range 2 {
		if err := e.c.Act(t.Context(), a, provider.Delete, target(mine)); err != nil {
			t.Fatalf("delete (a repeat is done already): %v", err)
		}
	}
	if len(e.srv.Statuses(a.RemoteID)) != 0 {
		t.Fatal("status not deleted")
	}

	var pe *provider.Error
	cases := []struct {
		name   string
		action provider.Action
		target string
		reason string
	}{
		{"hide", provider.Hide, theirs, "Mastodon cannot hide"},
		{"boost a direct status", provider.Repost, dm, "This action is not allowed"},
		{"like a repost item", provider.Like, "n:3", "not a status id"},
		{"like a deleted status", provider.Like, mine, "Record not found"},
	}
	for _, c := range cases {
		err := e.c.Act(t.Context(), a, c.action, target(c.target))
		if !errors.As(err, &pe) || pe.Kind != provider.Rejected || !strings.Contains(pe.Reason, c.reason) {
			t.Errorf("%s: %v, want rejected %q", c.name, err, c.reason)
		}
	}
	e.srv.Inject(providertest.Fault{Kind: providertest.LoseAnswer, Op: "act"})
	if err := e.c.Act(t.Context(), a, provider.Like, target(dm)); provider.KindOf(err) != provider.Temporary {
		t.Fatalf("unanswered like: %v, want temporary (a repeat is safe)", err)
	}
	if err := e.c.Act(t.Context(), a, provider.Like, target(dm)); err != nil || len(e.srv.Favourites(dm)) != 1 {
		t.Fatalf("repeated like: %v, favourites %v", err, e.srv.Favourites(dm))
	}
}

// TestReplies answers public and direct items: the answer is threaded,
// names the person, and a direct one stays direct in every part.
func TestReplies(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	bob, bobName := e.other(t)
	e.srv.Mention(bob, "@"+username(a)+" siete aperti?", "")
	e.srv.DirectMessage(bob, a.RemoteID, "Prenoto per due")
	page := e.fetch(t, a, "")
	if len(page.Items) != 2 {
		t.Fatalf("items %v", remoteIDs(page.Items))
	}
	cases := []struct {
		name       string
		reply      *provider.ReplyTo
		texts      []string
		want       []string
		visibility string
	}{
		{"public", page.Items[0].Reply, []string{"Sì, fino alle 22", "E domenica a pranzo"},
			[]string{"@" + bobName + " Sì, fino alle 22", "E domenica a pranzo"}, "public"},
		{"direct", page.Items[1].Reply, []string{"Confermato", "A presto"},
			[]string{"@" + bobName + " Confermato", "@" + bobName + " A presto"}, "direct"},
		{"direct, already mentioned", page.Items[1].Reply, []string{"Grazie @" + bobName + "!"},
			[]string{"Grazie @" + bobName + "!"}, "direct"},
		// A remote person: "@bob" alone would be a local account.
		{"remote, mentioned", &provider.ReplyTo{RemoteID: page.Items[1].RemoteID, Direct: true, Handle: "bob@altro.example"},
			[]string{"@Bob@altro.example ok"}, []string{"@Bob@altro.example ok"}, "direct"},
		{"remote, a local namesake mentioned", &provider.ReplyTo{RemoteID: page.Items[1].RemoteID, Direct: true, Handle: "bob@altro.example"},
			[]string{"@bob ok"}, []string{"@bob@altro.example @bob ok"}, "direct"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(e.srv.Statuses(a.RemoteID))
			d := e.delivery(c.texts...)
			d.ReplyTo = c.reply
			if _, err := e.publish(t.Context(), a, d); err != nil {
				t.Fatal(err)
			}
			posts := e.srv.Statuses(a.RemoteID)[before:]
			for i, p := range posts {
				parent := c.reply.RemoteID
				if i > 0 {
					parent = posts[i-1].ID
				}
				if p.Text != c.want[i] || p.Visibility != c.visibility || p.InReplyToID != parent {
					t.Errorf("part %d: %q %s answering %s, want %q %s answering %s", i, p.Text, p.Visibility, p.InReplyToID,
						c.want[i], c.visibility, parent)
				}
			}
		})
	}
	if n := e.srv.Notifications(bob); len(n) != 4 {
		t.Fatalf("bob was notified %d times, want once a public answer and at every direct part", len(n))
	}
}

// TestReplyUnknownOutcome loses the answer to a reply: Check finds it as
// the answer to the status, and nothing is posted twice.
func TestReplyUnknownOutcome(t *testing.T) {
	for _, direct := range []bool{false, true} {
		t.Run(fmt.Sprint("direct ", direct), func(t *testing.T) {
			e := newEnv(t)
			a := e.account(t)
			bob, bobName := e.other(t)
			theirs := e.srv.Mention(bob, "@"+username(a)+" ci siete?", "")
			// An earlier answer with the same text to another status must
			// not be taken for this one.
			other := e.srv.Mention(bob, "@"+username(a)+" altro", "")
			d0 := e.delivery("Sì!")
			d0.ReplyTo = &provider.ReplyTo{RemoteID: other, Handle: bobName, Direct: direct}
			if _, err := e.publish(t.Context(), a, d0); err != nil {
				t.Fatal(err)
			}

			d := e.delivery("Sì!", "Vi aspettiamo")
			d.ReplyTo = &provider.ReplyTo{RemoteID: theirs, Handle: bobName, Direct: direct}
			e.srv.Inject(providertest.Fault{Kind: providertest.LoseAnswer, Op: "post"})
			if _, err := e.publish(t.Context(), a, d); provider.KindOf(err) != provider.Unknown {
				t.Fatalf("lost answer: %v", err)
			}
			found, err := e.c.Check(t.Context(), a, d)
			if err != nil {
				t.Fatal(err)
			}
			replies := e.srv.Replies(theirs)
			if len(replies) != 1 || len(found) != 2 || found[0] == nil || found[0].RemoteID != replies[0].ID || found[1] != nil {
				t.Fatalf("check found %+v, the server holds %+v", found, replies)
			}
			d.Done = []provider.Published{*found[0]}
			if _, err := e.publish(t.Context(), a, d); err != nil {
				t.Fatal(err)
			}
			if replies := e.srv.Replies(theirs); len(replies) != 1 || len(e.srv.Replies(replies[0].ID)) != 1 {
				t.Fatalf("after resuming: %+v", replies)
			}
		})
	}
}

// watch runs Watch in the background and returns its events and its end.
func watch(t *testing.T, c *mastodon.Client, a provider.Account) (events chan provider.Event, done chan error, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	events, done = make(chan provider.Event, 16), make(chan error, 1)
	go func() { done <- c.Watch(ctx, a, func(ev provider.Event) { events <- ev }) }()
	t.Cleanup(cancel)
	return events, done, cancel
}

func waitStreams(t *testing.T, srv *mastodontest.Server, accountID string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for srv.Streams(accountID) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d streams, want %d", srv.Streams(accountID), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func next(t *testing.T, events chan provider.Event) provider.Event {
	t.Helper()
	select {
	case ev := <-events:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
	}
	return provider.Event{}
}

func TestWatch(t *testing.T) {
	for _, separate := range []bool{false, true} {
		t.Run(fmt.Sprint("separate streaming host ", separate), func(t *testing.T) {
			e := newEnv(t)
			if separate {
				e.srv.SeparateStreaming()
			}
			a := e.account(t)
			bob, _ := e.other(t)
			own := e.post(t, a, "Novità")
			events, done, stop := watch(t, e.c, a)
			waitStreams(t, e.srv, a.RemoteID, 1)
			if n := e.srv.Calls("GET /api/v1/streaming/user"); n != 1 {
				t.Fatalf("%d stream requests, want one straight to the streaming host", n)
			}

			e.post(t, a, "Un altro nostro post") // an update of our timeline: nothing
			e.srv.Favourite(bob, own)            // not an inbox type: nothing
			mention := e.srv.Mention(bob, "Ciao", own)
			if ev := next(t, events); ev != (provider.Event{Type: "new"}) {
				t.Fatalf("event %+v, want new", ev)
			}
			e.srv.DeleteStatus(mention)
			if ev := next(t, events); ev != (provider.Event{Type: "deleted", RemoteID: mention}) {
				t.Fatalf("event %+v, want deleted %s", ev, mention)
			}
			stop()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("watch ended with %v, want the context's end", err)
			}
		})
	}
}

// TestWatchEnds: a revoked token ends the stream (connect again), and the
// new connection is refused as an expired authorisation.
func TestWatchEnds(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	_, done, _ := watch(t, e.c, a)
	waitStreams(t, e.srv, a.RemoteID, 1)
	e.srv.RevokeTokens(a.RemoteID)
	if err := <-done; provider.KindOf(err) != provider.Temporary {
		t.Fatalf("stream ended: %v, want temporary", err)
	}
	err := e.c.Watch(t.Context(), a, func(provider.Event) {})
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Kind != provider.AuthExpired || pe.Reason != "Invalid access token" {
		t.Fatalf("reconnecting: %v, want auth expired", err)
	}
}

// TestWatchNoDowngrade: an https instance that publishes a plain ws://
// streaming address is streamed from itself, so that the token never
// leaves over http.
func TestWatchNoDowngrade(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v2/instance":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"configuration":{"urls":{"streaming":"ws://127.0.0.1:9"}}}`)
		case "/api/v1/streaming/user":
			if r.Header.Get("Authorization") != "Bearer tok" {
				w.WriteHeader(401)
				return
			}
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, ":)\n:thump\nevent: delete\ndata: 42\n\nevent: filters_changed\ndata: undefined\n\n")
		}
	}))
	defer srv.Close()
	c := mastodon.New(srv.Client())
	a := provider.Account{Server: srv.URL, RemoteID: "1", Credentials: []byte(`{"access_token":"tok"}`)}
	var got []provider.Event
	err := c.Watch(t.Context(), a, func(ev provider.Event) { got = append(got, ev) })
	if provider.KindOf(err) != provider.Temporary || !slices.Equal(got, []provider.Event{{Type: "deleted", RemoteID: "42"}}) {
		t.Fatalf("events %v, end %v", got, err)
	}
}

// TestInboxErrors sorts the instance's refusals and keeps the token out of
// them.
func TestInboxErrors(t *testing.T) {
	e := newEnv(t)
	a := e.account(t)
	own := e.post(t, a, "Prima della revoca")
	token := tokenOf(t, a)

	e.srv.Inject(providertest.Fault{Kind: providertest.RateLimit, Op: "inbox"})
	_, err := e.c.Fetch(t.Context(), a, "")
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Kind != provider.RateLimited || !pe.RetryAfter.After(time.Now()) {
		t.Fatalf("rate limited: %v", err)
	}

	e.srv.RevokeTokens(a.RemoteID)
	calls := map[string]func() error{
		"fetch":  func() error { _, err := e.c.Fetch(t.Context(), a, "0"); return err },
		"thread": func() error { _, err := e.c.Thread(t.Context(), a, own); return err },
		"like":   func() error { return e.c.Act(t.Context(), a, provider.Like, provider.ReplyTo{RemoteID: own}) },
		"delete": func() error { return e.c.Act(t.Context(), a, provider.Delete, provider.ReplyTo{RemoteID: own}) },
		"watch":  func() error { return e.c.Watch(t.Context(), a, func(provider.Event) {}) },
	}
	for name, call := range calls {
		err := call()
		if provider.KindOf(err) != provider.AuthExpired {
			t.Errorf("%s after revocation: %v, want auth expired", name, err)
		}
		if err != nil && strings.Contains(err.Error(), token) {
			t.Errorf("%s: the token is in the error %q", name, err)
		}
	}
}
