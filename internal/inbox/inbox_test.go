package inbox_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/inbox"
	"github.com/portavoce/portavoce/internal/live"
	"github.com/portavoce/portavoce/internal/mail"
	"github.com/portavoce/portavoce/internal/mail/mailtest"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/provider/bluesky"
	"github.com/portavoce/portavoce/internal/provider/bluesky/blueskytest"
	"github.com/portavoce/portavoce/internal/provider/mastodon"
	"github.com/portavoce/portavoce/internal/provider/mastodon/mastodontest"
	"github.com/portavoce/portavoce/internal/provider/providertest"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/secrets"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/store/storetest"
	"github.com/portavoce/portavoce/internal/workspace"
)

// world is a workspace on a real database whose accounts are connected to
// the local Mastodon and Bluesky test servers, with a fan on each network
// who writes to the brand.
type world struct {
	db        *store.DB
	vault     *secrets.Vault
	masto     *mastodontest.Server
	sky       *blueskytest.Server
	mclient   *mastodon.Client
	bclient   *bluesky.Client
	providers map[string]provider.Inbox
	hub       *live.Hub
	ws        p.Workspace
	owner     p.User
	responder p.User
	pub       *publish.Service
	svc       *inbox.Service
	mastoAcc  p.SocialAccount
	skyAcc    p.SocialAccount
	mastoID   string // the brand's account on the Mastodon test server
	skyDID    string
	fanM      string // the fan's account on the Mastodon test server
	fanB      string // the fan's DID on the Bluesky test server
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := t.Context()
	key := make([]byte, secrets.KeySize)
	rand.Read(key)
	box, err := secrets.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{db: db, vault: secrets.NewVault(box, db), hub: live.NewHub()}
	w.masto = mastodontest.NewServer()
	t.Cleanup(w.masto.Close)
	w.sky = blueskytest.NewServer()
	t.Cleanup(w.sky.Close)
	hc := &http.Client{Timeout: 5 * time.Second}
	w.mclient = mastodon.New(hc)
	w.bclient = bluesky.New(hc, w.sky.URL(), w.sky.URL())
	w.providers = map[string]provider.Inbox{provider.Mastodon: w.mclient, provider.Bluesky: w.bclient}

	now := time.Now().UTC()
	uniq := uuid.NewString()[:8]
	user := func(name string) p.User {
		u := p.User{ID: uuid.NewString(), Email: strings.ToLower(name) + "-" + uniq + "@example.it", Name: name, PasswordHash: "x",
			CreatedAt: now, PasswordChangedAt: now}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	w.owner, w.responder = user("Anna"), user("Marco")
	w.ws = p.Workspace{ID: uuid.NewString(), Slug: "caffe-rossi-" + uniq, Name: "Caffè Rossi", Timezone: "Europe/Rome", Language: "it", CreatedAt: now}
	if err := db.CreateWorkspace(ctx, w.ws, w.owner.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.AddMember(ctx, p.Membership{WorkspaceID: w.ws.ID, UserID: w.responder.ID, Role: p.RoleResponder, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}

	var token string
	w.mastoID, token = w.masto.CreateAccount("caffe")
	w.fanM, _ = w.masto.CreateAccount("giulia")
	profile, limits, creds, err := w.mclient.Connect(ctx, w.masto.URL(), token)
	if err != nil {
		t.Fatal(err)
	}
	connector := publish.NewConnector(db, w.vault, w.mclient, w.bclient, nil, nil)
	if w.mastoAcc, err = connector.Save(ctx, workspace.Actor{User: w.owner}, w.ws, provider.Mastodon, w.masto.URL(), profile, limits, creds); err != nil {
		t.Fatal(err)
	}
	w.skyDID = w.sky.CreateAccount("caffe.test", "app-pass-1234")
	w.fanB = w.sky.CreateAccount("giulia.test", "app-pass-5678")
	sp, pds, screds, err := w.bclient.Login(ctx, "caffe.test", "app-pass-1234")
	if err != nil {
		t.Fatal(err)
	}
	if w.skyAcc, err = connector.Save(ctx, workspace.Actor{User: w.owner}, w.ws, provider.Bluesky, pds, sp, bluesky.Limits(), screds); err != nil {
		t.Fatal(err)
	}
	w.pub = publish.New(db, []provider.Publisher{w.mclient, w.bclient}, nil, nil, nil)
	w.svc = inbox.New(db, w.pub, w.vault, w.providers, w.hub, nil, nil)
	return w
}

func (w *world) ownerAccess() (workspace.Actor, workspace.Access) {
	return workspace.Actor{User: w.owner}, workspace.Access{Workspace: w.ws, Role: p.RoleOwner}
}

func (w *world) responderAccess() (workspace.Actor, workspace.Access) {
	return workspace.Actor{User: w.responder}, workspace.Access{Workspace: w.ws, Role: p.RoleResponder}
}

// ingester returns an ingester for the world; maxPages 0 is the default.
func (w *world) ingester(maxPages int) *inbox.Ingester {
	return inbox.NewIngester(w.db, w.vault, w.providers, w.hub, inbox.IngestOptions{Node: "node-" + uuid.NewString()[:4],
		Every: time.Hour, MaxPages: maxPages}, nil, nil)
}

// brandPost publishes a post of the brand on the network and returns its
// id there.
func (w *world) brandPost(network, text string) string {
	if network == provider.Mastodon {
		return w.masto.Post(w.mastoID, mastodontest.NewStatus{Text: text})
	}
	return w.sky.CreatePost(w.skyDID, text)
}

// fanReply makes the fan answer a post of the brand.
func (w *world) fanReply(network, to, text string) string {
	if network == provider.Mastodon {
		return w.masto.Mention(w.fanM, text, to)
	}
	return w.sky.Reply(w.fanB, to, text)
}

func (w *world) account(network string) p.SocialAccount {
	if network == provider.Mastodon {
		return w.mastoAcc
	}
	return w.skyAcc
}

// count returns how many items the account holds, and how many distinct
// remote ids among them.
func (w *world) count(t *testing.T, accountID string) (items, distinct int) {
	t.Helper()
	err := w.db.SQL().QueryRowContext(t.Context(), `SELECT COUNT(*), COUNT(DISTINCT remote_id) FROM inbox_items WHERE account_id = $1`,
		accountID).Scan(&items, &distinct)
	if err != nil {
		t.Fatal(err)
	}
	return items, distinct
}

func (w *world) conversations(t *testing.T) []p.Conversation {
	t.Helper()
	convs, err := w.db.Conversations(t.Context(), w.ws.ID, store.ConversationFilter{Statuses: p.ConversationStatuses, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return convs
}

// TestIngestionSurvivesARestart: 60 replies arrive on each network; a
// first ingester stores one page and stops (the process dies), a second
// one (a restart, same database) goes on from the stored cursor. Every
// reply is stored once, in one conversation per post of the brand; the
// same page stored twice adds nothing.
func TestIngestionSurvivesARestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, network := range []string{provider.Mastodon, provider.Bluesky} {
			t.Run(network, func(t *testing.T) {
				w := newWorld(t, db)
				acc := w.account(network)
				// The first poll of an account takes only the newest page:
				// it starts with what came before Portavoce.
				old := w.brandPost(network, "Un vecchio post")
				w.fanReply(network, old, "Un commento di prima")
				if err := w.ingester(0).Round(t.Context()); err != nil {
					t.Fatal(err)
				}
				first, _ := w.count(t, acc.ID)

				posts := []string{w.brandPost(network, "Il nuovo caffè è arrivato"), w.brandPost(network, "Orari di Natale")}
				for i := range 60 {
					w.fanReply(network, posts[i%2], fmt.Sprintf("Risposta numero %d, che bello!", i))
				}
				// The network fails in the middle: Mastodon pages forward
				// from the cursor, 40 at a time, and its second page fails;
				// Bluesky's notifications page backward, so one fetch
				// gathers all that is new before its cursor moves, and that
				// fetch fails.
				if network == provider.Mastodon {
					w.masto.Inject(providertest.Fault{Kind: providertest.Unavailable, Op: "inbox", Skip: 1})
				} else {
					w.sky.Inject(providertest.Fault{Kind: providertest.Unavailable, Op: "notifications"})
				}
				w.due(t, acc)
				if err := w.ingester(0).Round(t.Context()); err != nil {
					t.Fatal(err)
				}
				mid, _ := w.count(t, acc.ID)
				want := first + 40
				if network == provider.Bluesky {
					want = first
				}
				if mid != want {
					t.Fatalf("after the failure: %d items (from %d), want %d", mid, first, want)
				}
				// The restart: a new ingester on the same database.
				w.due(t, acc)
				if err := w.ingester(0).Round(t.Context()); err != nil {
					t.Fatal(err)
				}
				items, distinct := w.count(t, acc.ID)
				if items != first+60 || distinct != items {
					t.Fatalf("after the restart: %d items (%d distinct), want %d", items, distinct, first+60)
				}
				// A further round finds nothing new.
				w.due(t, acc)
				if err := w.ingester(0).Round(t.Context()); err != nil {
					t.Fatal(err)
				}
				if again, _ := w.count(t, acc.ID); again != items {
					t.Fatalf("a round with nothing new stored %d more items", again-items)
				}
				perThread := map[string]int{}
				for _, c := range w.conversations(t) {
					perThread[c.Thread] = c.Items
				}
				for _, post := range posts {
					if perThread[post] != 30 {
						t.Errorf("the conversation of %s holds %d items, want 30 (%v)", post, perThread[post], perThread)
					}
				}
				// The same notifications delivered again.
				page, err := w.providers[network].Fetch(t.Context(), w.open(t, acc), "")
				if err != nil {
					t.Fatal(err)
				}
				changed, err := db.Ingest(t.Context(), acc, inbox.Arrivals(page.Items, time.Now()), page.Cursor, time.Now())
				if err != nil {
					t.Fatal(err)
				}
				if after, _ := w.count(t, acc.ID); after != items || len(changed) != 0 {
					t.Fatalf("the same page twice: %d items (was %d), %d conversations changed", after, items, len(changed))
				}
			})
		}
	})
}

// due makes the account's next fetch due now, as when its interval has
// passed.
func (w *world) due(t *testing.T, a p.SocialAccount) {
	t.Helper()
	if err := w.db.PollSoon(t.Context(), a.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
}

func (w *world) open(t *testing.T, a p.SocialAccount) provider.Account {
	t.Helper()
	pa, err := publish.OpenAccount(t.Context(), w.vault, a)
	if err != nil {
		t.Fatal(err)
	}
	return pa
}

// conversationOf ingests and returns the conversation of a thread.
func (w *world) conversationOf(t *testing.T, thread string) p.Conversation {
	t.Helper()
	w.due(t, w.mastoAcc)
	w.due(t, w.skyAcc)
	if err := w.ingester(0).Round(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, c := range w.conversations(t) {
		if c.Thread == thread {
			return c
		}
	}
	t.Fatalf("no conversation for thread %s", thread)
	return p.Conversation{}
}

// TestReplyWhoseAnswerIsLost: the network publishes the reply but its
// answer never comes. The dispatcher checks the network and records the
// reply as published, without a second one; the thread shows it confirmed.
func TestReplyWhoseAnswerIsLost(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, network := range []string{provider.Mastodon, provider.Bluesky} {
			t.Run(network, func(t *testing.T) {
				w := newWorld(t, db)
				post := w.brandPost(network, "Domani apriamo alle 7")
				question := w.fanReply(network, post, "Anche la domenica?")
				c := w.conversationOf(t, w.threadOf(network, post))
				if network == provider.Mastodon {
					w.masto.Inject(providertest.Fault{Kind: providertest.LoseAnswer, Op: "post"})
				} else {
					w.sky.Inject(providertest.Fault{Kind: providertest.LoseAnswer, Op: "post"})
				}
				a, acc := w.ownerAccess()
				reply, err := w.svc.Reply(t.Context(), a, acc, c.ID, "", "Sì, anche la domenica!")
				if err != nil {
					t.Fatal(err)
				}
				w.dispatch(t)
				settled := w.settle(t, reply.ID)
				if st := settled.Deliveries[0].Status; st != p.DeliveryPublished {
					t.Fatalf("the reply is %s, want published", st)
				}
				answers := w.repliesTo(network, question)
				if len(answers) != 1 || !strings.Contains(answers[0], "anche la domenica") {
					t.Fatalf("the network holds %d replies to the question (%q), want 1", len(answers), answers)
				}
				th, err := w.svc.Open(t.Context(), a, acc, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				last := th.Items[len(th.Items)-1]
				if last.Direction != p.DirectionOut || last.Delivery != p.DeliveryPublished || last.URL == "" {
					t.Fatalf("the thread ends with %+v, want our published reply", last)
				}
				if th.Conversation.Status != p.ConversationWaiting || th.Conversation.FirstResponseAt.IsZero() {
					t.Fatalf("the conversation is %s (first response %v), want waiting with a first response",
						th.Conversation.Status, th.Conversation.FirstResponseAt)
				}
			})
		}
	})
}

// threadOf is the conversation key of replies to a post of the brand.
func (w *world) threadOf(network, post string) string { return post }

func (w *world) repliesTo(network, id string) []string {
	var out []string
	if network == provider.Mastodon {
		for _, st := range w.masto.Replies(id) {
			out = append(out, st.Text)
		}
		return out
	}
	for _, post := range w.sky.Posts(w.skyDID) {
		if post.ReplyParent == id {
			out = append(out, post.Text)
		}
	}
	return out
}

func (w *world) dispatch(t *testing.T) {
	t.Helper()
	d := publish.NewDispatcher(w.db, w.vault, []provider.Publisher{w.mclient, w.bclient}, publish.DispatchOptions{Node: "node-a",
		RetryBase: 50 * time.Millisecond, Poll: 20 * time.Millisecond, Lease: 2 * time.Second}, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func (w *world) settle(t *testing.T, id string) p.Post {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		post, err := w.db.Post(t.Context(), w.ws.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if st := post.Deliveries[0].Status; st != p.DeliveryScheduled && st != p.DeliverySending {
			return post
		}
		if time.Now().After(deadline) {
			t.Fatalf("the reply did not settle: %+v", post.Deliveries)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestResponderSeesOnlyWhatIsAssigned: a responder is refused a
// conversation not assigned to them, sees it once it is, gets an email
// (through a real SMTP server) with a link to it, and can answer it.
func TestResponderSeesOnlyWhatIsAssigned(t *testing.T) {
	smtp := mailtest.Start(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		post := w.brandPost(provider.Mastodon, "Nuova miscela")
		w.fanReply(provider.Mastodon, post, "Quanto costa al chilo? Vorrei ordinarne 20 kg")
		c := w.conversationOf(t, post)

		ra, racc := w.responderAccess()
		if _, err := w.svc.Open(t.Context(), ra, racc, c.ID); !isCode(err, p.ECodeForbidden) {
			t.Fatalf("a responder opened a conversation not assigned to them: %v", err)
		}
		if _, err := w.svc.Reply(t.Context(), ra, racc, c.ID, "", "Costa poco"); !isCode(err, p.ECodeForbidden) {
			t.Fatalf("a responder answered a conversation not assigned to them: %v", err)
		}
		v, err := w.svc.List(t.Context(), ra, racc, store.ConversationFilter{}, false)
		if err != nil || len(v.Conversations) != 0 || !v.Mine {
			t.Fatalf("the responder's inbox: %d conversations, mine %v, %v; want none", len(v.Conversations), v.Mine, err)
		}
		if err := w.svc.Assign(t.Context(), ra, racc, c.ID, w.responder.ID); !isCode(err, p.ECodeForbidden) {
			t.Fatalf("a responder assigned a conversation: %v", err)
		}

		oa, oacc := w.ownerAccess()
		if err := w.svc.Assign(t.Context(), oa, oacc, c.ID, w.responder.ID); err != nil {
			t.Fatal(err)
		}
		sender, err := mail.NewSMTP(mail.Config{Host: smtp.SMTPHost(), Port: smtp.SMTPPort(), From: "portavoce@example.it", TLS: mail.TLSNone})
		if err != nil {
			t.Fatal(err)
		}
		mailer := inbox.NewMailer(db, sender, "https://portavoce.example.it", nil, nil)
		if err := mailer.SendPending(t.Context()); err != nil {
			t.Fatal(err)
		}
		msg := smtp.WaitFor(t, func(m mailtest.Message) bool { return slices.Contains(m.To, w.responder.Email) })
		link := "https://portavoce.example.it/w/" + w.ws.Slug + "/inbox/" + c.ID
		if !strings.Contains(msg.Text, link) || !strings.Contains(msg.Subject, "Ti è stata assegnata") {
			t.Fatalf("the email: %q / %q; want the Italian subject and %s", msg.Subject, msg.Text, link)
		}
		// Sent once: a second pass sends nothing more.
		if err := mailer.SendPending(t.Context()); err != nil {
			t.Fatal(err)
		}

		v, err = w.svc.List(t.Context(), ra, racc, store.ConversationFilter{}, false)
		if err != nil || len(v.Conversations) != 1 || v.Conversations[0].ID != c.ID {
			t.Fatalf("the responder's inbox after the assignment: %+v, %v", v.Conversations, err)
		}
		if _, err := w.svc.Open(t.Context(), ra, racc, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Reply(t.Context(), ra, racc, c.ID, "", "20 kg costano 300 €, le scrivo in privato"); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range smtp.Messages(t) {
			if slices.Contains(m.To, w.responder.Email) && strings.Contains(m.Text, c.ID) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("the responder got %d emails about the conversation, want 1", n)
		}
	})
}

func isCode(err error, code string) bool {
	var e *p.Error
	return errors.As(err, &e) && e.Code == code
}

// TestDeletedRemotePost: the fan deletes their comment on the network.
// Opening the conversation asks the network, and the comment is marked
// deleted (kept, not lost); answering it is refused with the reason.
func TestDeletedRemotePost(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, network := range []string{provider.Mastodon, provider.Bluesky} {
			t.Run(network, func(t *testing.T) {
				w := newWorld(t, db)
				post := w.brandPost(network, "Chiusi per ferie")
				comment := w.fanReply(network, post, "Che peccato, e adesso dove vado?")
				c := w.conversationOf(t, post)
				if network == provider.Mastodon {
					w.masto.DeleteStatus(comment)
				} else {
					w.sky.DeletePost(comment)
				}
				a, acc := w.ownerAccess()
				if _, err := w.svc.Open(t.Context(), a, acc, c.ID); err != nil {
					t.Fatal(err)
				}
				deadline := time.Now().Add(10 * time.Second)
				for {
					items, err := db.ConversationItems(t.Context(), w.ws.ID, c.ID)
					if err != nil {
						t.Fatal(err)
					}
					if len(items) == 1 && !items[0].DeletedAt.IsZero() {
						if items[0].Text == "" {
							t.Fatal("the deleted comment's text was lost")
						}
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("the comment was not marked deleted: %+v", items)
					}
					time.Sleep(20 * time.Millisecond)
				}
				if _, err := w.svc.Reply(t.Context(), a, acc, c.ID, "", "Riapriamo il 20!"); !isCode(err, p.ECodeConflict) ||
					!strings.Contains(err.Error(), "deleted") {
					t.Fatalf("answering a deleted comment: %v", err)
				}
			})
		}
	})
}

// TestLiveStream: with a poll interval of an hour, a mention on Mastodon
// reaches the inbox through the user stream within moments, and a status
// deleted on the instance is marked at once.
func TestLiveStream(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		g := w.ingester(0)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { g.Run(ctx); close(done) }()
		t.Cleanup(func() { cancel(); <-done })
		signal, stop := w.hub.Subscribe(w.ws.ID)
		defer stop()
		// Wait until the stream is connected.
		deadline := time.Now().Add(10 * time.Second)
		for w.masto.Streams(w.mastoID) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the ingester did not connect to the user stream")
			}
			time.Sleep(20 * time.Millisecond)
		}
		post := w.brandPost(provider.Mastodon, "Offerta di oggi")
		comment := w.fanReply(provider.Mastodon, post, "Arrivo subito!")
		waitFor(t, signal, func() bool {
			items, _ := w.count(t, w.mastoAcc.ID)
			return items == 1
		})
		w.masto.DeleteStatus(comment)
		waitFor(t, signal, func() bool {
			convs := w.conversations(t)
			if len(convs) != 1 {
				return false
			}
			items, _ := db.ConversationItems(t.Context(), w.ws.ID, convs[0].ID)
			return len(items) == 1 && !items[0].DeletedAt.IsZero()
		})
	})
}

func waitFor(t *testing.T, signal <-chan struct{}, ok func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for !ok() {
		select {
		case <-signal:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatal("it did not happen within 10 s")
		}
	}
}

// TestBacklogInOneRound: an account with more pages than one fetch takes
// (MaxPages) is fetched again at once, not after the poll interval.
func TestBacklogInOneRound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		if err := w.ingester(0).Round(t.Context()); err != nil {
			t.Fatal(err)
		}
		post := w.brandPost(provider.Mastodon, "Nuovi orari")
		for i := range 100 {
			w.fanReply(provider.Mastodon, post, fmt.Sprintf("Risposta %d", i))
		}
		w.due(t, w.mastoAcc)
		if err := w.ingester(1).Round(t.Context()); err != nil {
			t.Fatal(err)
		}
		if n, _ := w.count(t, w.mastoAcc.ID); n != 100 {
			t.Fatalf("one round with one page per fetch stored %d items, want all 100", n)
		}
	})
}

// TestSnoozedComesBack: a snoozed conversation comes back by itself when
// its time has come (the ingester's round looks), not before.
func TestSnoozedComesBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		post := w.brandPost(provider.Mastodon, "Saldi da lunedì")
		w.fanReply(provider.Mastodon, post, "Anche online?")
		c := w.conversationOf(t, post)
		a, acc := w.ownerAccess()
		if err := w.svc.SetStatus(t.Context(), a, acc, c.ID, p.ConversationSnoozed, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		status := func() string {
			got, err := db.Conversation(t.Context(), w.ws.ID, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.Status
		}
		if err := w.ingester(0).Round(t.Context()); err != nil {
			t.Fatal(err)
		}
		if s := status(); s != p.ConversationSnoozed {
			t.Fatalf("before its time the conversation is %s", s)
		}
		if _, err := db.SQL().ExecContext(t.Context(), `UPDATE inbox_conversations SET snoozed_until = $1 WHERE id = $2`,
			time.Now().Add(-time.Minute).UnixMicro(), c.ID); err != nil {
			t.Fatal(err)
		}
		if err := w.ingester(0).Round(t.Context()); err != nil {
			t.Fatal(err)
		}
		if s := status(); s != p.ConversationOpen {
			t.Fatalf("after its time the conversation is %s, want open", s)
		}
	})
}
