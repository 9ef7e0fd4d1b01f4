package listening_test

import (
	"context"
	"crypto/rand"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/listening"
	"github.com/portavoce/portavoce/internal/listening/source"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/provider/bluesky"
	"github.com/portavoce/portavoce/internal/provider/bluesky/blueskytest"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/secrets"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/store/storetest"
	"github.com/portavoce/portavoce/internal/workspace"
)

// TestEngageBlueskyMentions: someone who may publish likes, reposts and
// answers a Bluesky mention through the workspace's Bluesky account; the
// like and the repost land once, the answer is published under the right
// thread; a role that cannot publish and a mention from a feed are refused.
func TestEngageBlueskyMentions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		w := newWorld(t, db)
		key := make([]byte, secrets.KeySize)
		rand.Read(key)
		box, err := secrets.NewBox(key)
		if err != nil {
			t.Fatal(err)
		}
		vault := secrets.NewVault(box, db)
		sky := blueskytest.NewServer()
		t.Cleanup(sky.Close)
		client := bluesky.New(&http.Client{Timeout: 5 * time.Second}, sky.URL(), sky.URL())
		ours := sky.CreateAccount("caffe.test", "app-pass-1234")
		fan := sky.CreateAccount("giulia.test", "app-pass-5678")
		profile, pds, creds, err := client.Login(ctx, "caffe.test", "app-pass-1234")
		if err != nil {
			t.Fatal(err)
		}
		connector := publish.NewConnector(db, vault, nil, client, nil, nil)
		account, err := connector.Save(ctx, workspace.Actor{User: w.owner}, w.ws, provider.Bluesky, pds, profile, bluesky.Limits(), creds)
		if err != nil {
			t.Fatal(err)
		}
		pub := publish.New(db, []provider.Publisher{client}, nil, nil, nil)
		w.svc.SetEngager(pub, vault, client)
		d := publish.NewDispatcher(db, vault, []provider.Publisher{client}, publish.DispatchOptions{Node: "node-a",
			RetryBase: 50 * time.Millisecond, Poll: 20 * time.Millisecond, Lease: 2 * time.Second}, nil, nil)
		runCtx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { d.Run(runCtx); close(done) }()
		t.Cleanup(func() { cancel(); <-done })

		// The fan asks in a thread; their answer is the mention.
		root := sky.CreatePost(fan, "Dove si beve un buon caffè a Milano?")
		answer := sky.Reply(fan, root, "Al Caffè Rossi, senza dubbio")
		topic := w.topic(t, "Caffè Rossi", `"Caffè Rossi"`)
		now := time.Now().UTC().Add(-time.Minute)
		src := &batches{list: []source.Batch{{Posts: []source.Post{
			{ID: answer, Source: "bluesky", URL: "https://bsky.app/profile/giulia.test/post/x", Text: "Al Caffè Rossi, senza dubbio",
				Author: "giulia.test", CreatedAt: now},
			{ID: "https://blog.example.it/caffe", Source: "rss", URL: "https://blog.example.it/caffe", Text: "Una visita al Caffè Rossi",
				Author: "blog", CreatedAt: now},
		}, Cursor: "1"}}}
		if err := w.pl.Run(ctx, src, "", "test", "stream"); err != nil {
			t.Fatal(err)
		}
		a, acc := w.access()
		mentions, err := w.svc.Mentions(ctx, acc, store.MentionFilter{Duplicates: true, Limit: 10})
		if err != nil || len(mentions) != 2 {
			t.Fatalf("mentions: %+v, %v", mentions, err)
		}
		var onSky, onFeed p.Mention
		for _, m := range mentions {
			if m.Source == "bluesky" {
				onSky = m
			} else {
				onFeed = m
			}
		}
		if onSky.RemoteID != answer {
			t.Fatalf("the Bluesky mention's remote id is %q, want %q", onSky.RemoteID, answer)
		}
		if got, err := w.svc.BlueskyAccounts(ctx, acc); err != nil || len(got) != 1 || got[0].ID != account.ID {
			t.Errorf("BlueskyAccounts: %+v, %v", got, err)
		}

		for range 2 {
			for _, action := range []string{listening.EngageLike, listening.EngageRepost} {
				if err := w.svc.Engage(ctx, a, acc, topic.ID, onSky.PostID, account.ID, action, ""); err != nil {
					t.Fatalf("%s: %v", action, err)
				}
			}
		}
		if got := sky.Likes(answer); !slices.Equal(got, []string{ours}) {
			t.Errorf("likes %v, want one by the workspace's account", got)
		}
		if got := sky.Reposts(answer); !slices.Equal(got, []string{ours}) {
			t.Errorf("reposts %v, want one by the workspace's account", got)
		}

		if err := w.svc.Engage(ctx, a, acc, topic.ID, onSky.PostID, account.ID, listening.EngageReply, "  "); p.ErrorCode(err) != p.ECodeInvalid {
			t.Errorf("an empty reply: %v", err)
		}
		if err := w.svc.Engage(ctx, a, acc, topic.ID, onSky.PostID, account.ID, listening.EngageReply, "Grazie Giulia, ti aspettiamo!"); err != nil {
			t.Fatalf("reply: %v", err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for len(sky.Posts(ours)) == 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		posts := sky.Posts(ours)
		if len(posts) != 1 || posts[0].ReplyParent != answer || posts[0].ReplyRoot != root || posts[0].Text != "Grazie Giulia, ti aspettiamo!" {
			t.Fatalf("the answer on Bluesky: %+v, want one under %s in %s", posts, answer, root)
		}

		entries, err := db.Audit(ctx, store.AuditFilter{WorkspaceID: w.ws.ID, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		engaged := 0
		for _, e := range entries {
			if e.Action == p.AuditMentionEngaged {
				engaged++
			}
		}
		if engaged != 5 {
			t.Errorf("%d listening.engaged audit entries, want 5", engaged)
		}

		for _, role := range []p.Role{p.RoleAgency, p.RoleViewer} {
			other := workspace.Access{Workspace: w.ws, Role: role}
			if err := w.svc.Engage(ctx, a, other, topic.ID, onSky.PostID, account.ID, listening.EngageLike, ""); p.ErrorCode(err) != p.ECodeForbidden {
				t.Errorf("%s likes: %v, want forbidden", role, err)
			}
		}
		err = w.svc.Engage(ctx, a, acc, topic.ID, onFeed.PostID, account.ID, listening.EngageLike, "")
		if p.ErrorCode(err) != p.ECodeInvalid || !strings.Contains(err.Error(), "only Bluesky mentions") {
			t.Errorf("liking a feed's mention: %v", err)
		}
		if err := w.svc.Engage(ctx, a, acc, topic.ID, onSky.PostID, "nope", listening.EngageLike, ""); p.ErrorCode(err) != p.ECodeInvalid {
			t.Errorf("an account not the workspace's: %v", err)
		}
		if err := w.svc.Engage(ctx, a, acc, topic.ID, "nope", account.ID, listening.EngageLike, ""); err == nil {
			t.Errorf("a mention that does not exist: no error")
		}

		// The lead handed to a sales colleague: a conversation of the
		// inbox, assigned to them (and an email queued), answerable from
		// there under the right thread.
		w.svc.SetInbox(db)
		sales := p.User{ID: uuid.NewString(), Email: "sales-" + uuid.NewString()[:8] + "@example.it", Name: "Sara", PasswordHash: "x",
			CreatedAt: time.Now().UTC(), PasswordChangedAt: time.Now().UTC()}
		if err := db.CreateUser(ctx, sales); err != nil {
			t.Fatal(err)
		}
		if err := db.AddMember(ctx, p.Membership{WorkspaceID: w.ws.ID, UserID: sales.ID, Role: p.RoleResponder, CreatedAt: time.Now().UTC()}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.HandOver(ctx, a, acc, topic.ID, onSky.PostID, account.ID, "nobody"); p.ErrorCode(err) != p.ECodeInvalid {
			t.Errorf("handing a lead to nobody: %v", err)
		}
		convID, err := w.svc.HandOver(ctx, a, acc, topic.ID, onSky.PostID, account.ID, sales.ID)
		if err != nil {
			t.Fatal(err)
		}
		conv, err := db.Conversation(ctx, w.ws.ID, convID)
		if err != nil || conv.AssigneeID != sales.ID || conv.Thread != root {
			t.Fatalf("the lead's conversation: %+v, %v", conv, err)
		}
		mail, err := db.UnsentInboxMail(ctx, 10)
		if err != nil || !slices.ContainsFunc(mail, func(m store.InboxMail) bool { return m.UserID == sales.ID && m.ConversationID == convID }) {
			t.Fatalf("no email queued for the colleague: %+v, %v", mail, err)
		}
		if _, err := w.svc.HandOver(ctx, a, acc, topic.ID, onSky.PostID, account.ID, sales.ID); p.ErrorCode(err) != p.ECodeConflict {
			t.Errorf("handing the same lead twice: %v", err)
		}
		if _, err := w.svc.HandOver(ctx, a, workspace.Access{Workspace: w.ws, Role: p.RoleResponder}, topic.ID, onSky.PostID, account.ID, sales.ID); p.ErrorCode(err) != p.ECodeForbidden {
			t.Errorf("a responder handing a lead: %v", err)
		}
	})
}
