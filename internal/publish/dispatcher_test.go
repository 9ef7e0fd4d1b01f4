package publish_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	p "github.com/portavoce/portavoce"
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

// world is a workspace on a real database with accounts connected to the
// local test servers of Mastodon and Bluesky.
type world struct {
	db       *store.DB
	vault    *secrets.Vault
	masto    *mastodontest.Server
	sky      *blueskytest.Server
	mclient  *mastodon.Client
	bclient  *bluesky.Client
	ws       p.Workspace
	owner    p.User
	access   workspace.Access
	service  *publish.Service
	mastoAcc p.SocialAccount
	skyAcc   p.SocialAccount
	mastoID  string // the account's id on the Mastodon test server
	skyDID   string
}

func newWorld(t testing.TB, db *store.DB) *world {
	t.Helper()
	ctx := t.Context()
	key := make([]byte, secrets.KeySize)
	rand.Read(key)
	box, err := secrets.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{db: db, vault: secrets.NewVault(box, db)}
	w.masto = mastodontest.NewServer()
	t.Cleanup(w.masto.Close)
	w.sky = blueskytest.NewServer()
	t.Cleanup(w.sky.Close)
	hc := &http.Client{Timeout: 5 * time.Second}
	w.mclient = mastodon.New(hc)
	w.bclient = bluesky.New(hc, w.sky.URL(), w.sky.URL())

	now := time.Now().UTC()
	uniq := uuid.NewString()[:8]
	w.owner = p.User{ID: uuid.NewString(), Email: "anna-" + uniq + "@example.it", Name: "Anna", PasswordHash: "x", CreatedAt: now, PasswordChangedAt: now}
	if err := db.CreateUser(ctx, w.owner); err != nil {
		t.Fatal(err)
	}
	w.ws = p.Workspace{ID: uuid.NewString(), Slug: "caffe-rossi-" + uniq, Name: "Caffè Rossi", Timezone: "Europe/Rome", Language: "it", CreatedAt: now}
	if err := db.CreateWorkspace(ctx, w.ws, w.owner.ID); err != nil {
		t.Fatal(err)
	}
	w.access = workspace.Access{Workspace: w.ws, Role: p.RoleOwner}

	var token string
	w.mastoID, token = w.masto.CreateAccount("caffe")
	profile, limits, creds, err := w.mclient.Connect(ctx, w.masto.URL(), token)
	if err != nil {
		t.Fatal(err)
	}
	w.mastoAcc = w.connect(t, provider.Mastodon, w.masto.URL(), profile, limits, creds)

	w.skyDID = w.sky.CreateAccount("caffe.test", "app-pass-1234")
	sp, pds, screds, err := w.bclient.Login(ctx, "caffe.test", "app-pass-1234")
	if err != nil {
		t.Fatal(err)
	}
	w.skyAcc = w.connect(t, provider.Bluesky, pds, sp, bluesky.Limits(), screds)
	w.service = publish.New(db, []provider.Publisher{w.mclient, w.bclient}, nil, nil, nil)
	return w
}

func (w *world) connect(t testing.TB, network, server string, profile provider.Profile, limits provider.Limits, creds []byte) p.SocialAccount {
	t.Helper()
	a, err := publish.NewConnector(w.db, w.vault, w.mclient, w.bclient, nil, nil).Save(t.Context(), workspace.Actor{User: w.owner},
		w.ws, network, server, profile, limits, creds)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// dispatcher starts a dispatcher until the test ends.
func (w *world) dispatcher(t testing.TB, node string, opts publish.DispatchOptions) {
	t.Helper()
	opts.Node = node
	if opts.RetryBase == 0 {
		opts.RetryBase = 50 * time.Millisecond
	}
	if opts.Poll == 0 {
		opts.Poll = 20 * time.Millisecond
	}
	if opts.Lease == 0 {
		opts.Lease = 2 * time.Second
	}
	d := publish.NewDispatcher(w.db, w.vault, []provider.Publisher{w.mclient, w.bclient}, opts, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// post creates a post for the accounts, due now unless when says otherwise.
func (w *world) post(t *testing.T, texts []string, when publish.When, accounts ...p.SocialAccount) p.Post {
	t.Helper()
	d := publish.Draft{}
	for _, text := range texts {
		d.Content.Parts = append(d.Content.Parts, p.PostPart{Text: text})
	}
	for _, a := range accounts {
		d.Accounts = append(d.Accounts, a.ID)
	}
	if when.Mode == "" {
		when.Mode = "now"
	}
	post, err := w.service.Create(t.Context(), workspace.Actor{User: w.owner}, w.access, d, when)
	if err != nil {
		t.Fatal(err)
	}
	return post
}

// settle waits until every delivery of the post has left the scheduled and
// sending states (or the deadline passes) and returns the post.
func (w *world) settle(t testing.TB, id string, want ...string) p.Post {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		post, err := w.db.Post(t.Context(), w.ws.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		done := true
		for _, d := range post.Deliveries {
			if len(want) > 0 {
				if d.Status != want[0] {
					done = false
				}
			} else if d.Status == p.DeliveryScheduled || d.Status == p.DeliverySending {
				done = false
			}
		}
		if done {
			return post
		}
		if time.Now().After(deadline) {
			t.Fatalf("post %s did not settle: %+v", id, post.Deliveries)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPublishNowOnBothNetworks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.dispatcher(t, "node-a", publish.DispatchOptions{})
		post := w.post(t, []string{"Buongiorno da Caffè Rossi ☕ https://caffe.example/menu", "Seconda parte del thread"}, publish.When{},
			w.mastoAcc, w.skyAcc)
		post = w.settle(t, post.ID)
		for _, d := range post.Deliveries {
			if d.Status != p.DeliveryPublished || len(d.Done) != 2 || d.RemoteURL == "" || d.PublishedAt.IsZero() {
				t.Errorf("delivery %+v, want published with 2 parts and a URL", d)
			}
			attempts, err := db.Attempts(t.Context(), d.ID)
			if err != nil || len(attempts) != 1 || attempts[0].Outcome != "accepted" {
				t.Errorf("attempts %+v (%v), want one accepted", attempts, err)
			}
		}
		statuses := w.masto.Statuses(w.mastoID)
		if len(statuses) != 2 || statuses[1].InReplyToID != statuses[0].ID {
			t.Fatalf("Mastodon has %+v, want a thread of 2", statuses)
		}
		posts := w.sky.Posts(w.skyDID)
		if len(posts) != 2 {
			t.Fatalf("Bluesky has %d posts, want 2", len(posts))
		}
	})
}

func TestScheduledPostWaitsForItsTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.dispatcher(t, "node-a", publish.DispatchOptions{Horizon: 200 * time.Millisecond})
		loc, _ := time.LoadLocation("Europe/Rome")
		// Two minutes ahead, on the minute, in the workspace's zone.
		due := time.Now().In(loc).Add(2 * time.Minute).Truncate(time.Minute)
		post := w.post(t, []string{"Più tardi"}, publish.When{Mode: "at", Date: due.Format("2006-01-02"), Time: due.Format("15:04")}, w.mastoAcc)
		if !post.ScheduledAt.Equal(due) {
			t.Fatalf("scheduled at %v, want %v", post.ScheduledAt, due)
		}
		time.Sleep(300 * time.Millisecond)
		if n := len(w.masto.Statuses(w.mastoID)); n != 0 {
			t.Fatalf("a post due in two minutes was published early (%d statuses)", n)
		}
		// Bring it forward to now through a reschedule: it goes out.
		now := time.Now().In(loc)
		if _, err := w.service.Reschedule(t.Context(), workspace.Actor{User: w.owner}, w.access, post.ID, now.Format("2006-01-02"), now.Format("15:04")); err != nil {
			t.Fatal(err)
		}
		post = w.settle(t, post.ID, p.DeliveryPublished)
		if n := len(w.masto.Statuses(w.mastoID)); n != 1 {
			t.Fatalf("%d statuses, want 1", n)
		}
	})
}

func TestFailuresByKind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Run("temporary then accepted", func(t *testing.T) {
			w := newWorld(t, db)
			w.masto.Inject(providertest.Fault{Kind: providertest.Unavailable, Op: "post", Times: 2})
			w.dispatcher(t, "node-a", publish.DispatchOptions{})
			post := w.post(t, []string{"Riprova"}, publish.When{}, w.mastoAcc)
			post = w.settle(t, post.ID)
			attempts, _ := db.Attempts(t.Context(), post.Deliveries[0].ID)
			if post.Deliveries[0].Status != p.DeliveryPublished || len(attempts) != 3 || len(w.masto.Statuses(w.mastoID)) != 1 {
				t.Fatalf("status %s after %d attempts, %d statuses; want published after 3 attempts, once",
					post.Deliveries[0].Status, len(attempts), len(w.masto.Statuses(w.mastoID)))
			}
		})
		t.Run("rejected with the network's reason", func(t *testing.T) {
			w := newWorld(t, db)
			w.masto.Inject(providertest.Fault{Kind: providertest.Reject, Op: "post"})
			w.dispatcher(t, "node-a", publish.DispatchOptions{})
			post := w.settle(t, w.post(t, []string{"Rifiutato"}, publish.When{}, w.mastoAcc).ID)
			d := post.Deliveries[0]
			if d.Status != p.DeliveryFailed || d.ErrorKind != "rejected" || d.Error == "" {
				t.Fatalf("delivery %+v, want failed with the network's reason", d)
			}
			notes, _ := db.Notifications(t.Context(), w.ws.ID, 10)
			if len(notes) != 1 || notes[0].Kind != p.NotifyFailed || notes[0].Detail != d.Error {
				t.Fatalf("notifications %+v, want one 'failed' with the reason", notes)
			}
		})
		t.Run("authorization expired keeps the post until reconnection", func(t *testing.T) {
			w := newWorld(t, db)
			w.masto.RevokeTokens(w.mastoID)
			w.dispatcher(t, "node-a", publish.DispatchOptions{})
			post := w.settle(t, w.post(t, []string{"Token scaduto"}, publish.When{}, w.mastoAcc).ID)
			if post.Deliveries[0].Status != p.DeliveryWaitingAccount {
				t.Fatalf("delivery %s, want waiting for the account", post.Deliveries[0].Status)
			}
			acc, _ := db.SocialAccount(t.Context(), w.ws.ID, w.mastoAcc.ID)
			if acc.Status != p.AccountExpired {
				t.Fatalf("account %s, want expired", acc.Status)
			}
			notes, _ := db.Notifications(t.Context(), w.ws.ID, 10)
			if len(notes) != 1 || notes[0].Kind != p.NotifyReconnect {
				t.Fatalf("notifications %+v, want one asking to reconnect", notes)
			}
			// Reconnecting with a new token sends it.
			_, token := w.masto.CreateAccount("caffe")
			profile, limits, creds, err := w.mclient.Connect(t.Context(), w.masto.URL(), token)
			if err != nil {
				t.Fatal(err)
			}
			if profile.RemoteID != w.mastoID {
				t.Fatalf("the test server gave a new account %s for the same username", profile.RemoteID)
			}
			w.connect(t, provider.Mastodon, w.masto.URL(), profile, limits, creds)
			post = w.settle(t, post.ID, p.DeliveryPublished)
			if n := len(w.masto.Statuses(w.mastoID)); n != 1 {
				t.Fatalf("%d statuses after reconnection, want 1", n)
			}
		})
		t.Run("rate limited waits as the network says", func(t *testing.T) {
			w := newWorld(t, db)
			w.masto.Inject(providertest.Fault{Kind: providertest.RateLimit, Op: "post"})
			w.dispatcher(t, "node-a", publish.DispatchOptions{})
			post := w.post(t, []string{"Troppe richieste"}, publish.When{}, w.mastoAcc)
			deadline := time.Now().Add(10 * time.Second)
			for {
				acc, _ := db.SocialAccount(t.Context(), w.ws.ID, w.mastoAcc.ID)
				if acc.Status == p.AccountRateLimited {
					got, _ := db.Post(t.Context(), w.ws.ID, post.ID)
					d := got.Deliveries[0]
					if d.Status != p.DeliveryScheduled || !d.NextAt.Equal(acc.RateLimited) || d.ErrorKind != "rate_limited" {
						t.Fatalf("delivery %+v, want scheduled again at the account's limit %v", d, acc.RateLimited)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the account was never marked as rate limited")
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	})
}

// TestUnknownOutcomeIsCheckedNotRepeated loses the network's answer (the
// status is created, the connection closed): the next attempt checks the
// network, finds the post and records it, and nothing is posted twice.
func TestUnknownOutcomeIsCheckedNotRepeated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, network := range []string{provider.Mastodon, provider.Bluesky} {
			t.Run(network, func(t *testing.T) {
				w := newWorld(t, db)
				acc := w.mastoAcc
				if network == provider.Bluesky {
					acc = w.skyAcc
					w.sky.Inject(providertest.Fault{Kind: providertest.LoseAnswer, Op: "post"})
				} else {
					w.masto.Inject(providertest.Fault{Kind: providertest.LoseAnswer, Op: "post"})
				}
				w.dispatcher(t, "node-a", publish.DispatchOptions{})
				post := w.settle(t, w.post(t, []string{"Esito incerto"}, publish.When{}, acc).ID)
				d := post.Deliveries[0]
				attempts, _ := db.Attempts(t.Context(), d.ID)
				if d.Status != p.DeliveryPublished || len(attempts) != 2 || attempts[0].Outcome != "unknown" || attempts[1].Outcome != "accepted" {
					t.Fatalf("delivery %s, attempts %+v; want unknown then accepted (by the check)", d.Status, attempts)
				}
				n := len(w.masto.Statuses(w.mastoID))
				if network == provider.Bluesky {
					n = len(w.sky.Posts(w.skyDID))
				}
				if n != 1 {
					t.Fatalf("the network holds %d posts, want 1", n)
				}
			})
		}
	})
}

// TestDeadNodeIsTakenOver: a node claims a delivery, publishes it and dies
// before recording anything. Once its lease ends another node takes the
// delivery, checks the network, and records the post without repeating it.
func TestDeadNodeIsTakenOver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		post := w.post(t, []string{"Il nodo muore"}, publish.When{}, w.mastoAcc)
		now := time.Now()
		claims, err := db.ClaimDeliveries(t.Context(), "dead-node", now, now, 300*time.Millisecond, 10, uuid.NewString)
		if err != nil || len(claims) != 1 {
			t.Fatalf("claim: %v, %d claims", err, len(claims))
		}
		c := claims[0]
		creds, _ := w.vault.Get(t.Context(), c.Account.SecretID)
		err = w.mclient.Publish(t.Context(), provider.Account{ID: c.Account.ID, Server: c.Account.Server, RemoteID: c.Account.RemoteID,
			Credentials: creds}, provider.Delivery{ID: c.Delivery.ID, Parts: []provider.Part{{Text: "Il nodo muore"}}, Keys: c.Delivery.Keys,
			FirstAttempt: now}, func(int, provider.Published) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		// The dead node never records the outcome. A live node takes over.
		w.dispatcher(t, "node-b", publish.DispatchOptions{})
		got := w.settle(t, post.ID, p.DeliveryPublished)
		attempts, _ := db.Attempts(t.Context(), got.Deliveries[0].ID)
		if len(attempts) != 2 || attempts[0].Node != "dead-node" || attempts[0].Outcome != "unknown" || attempts[1].Node != "node-b" {
			t.Fatalf("attempts %+v, want the dead node's (unknown) then node-b's", attempts)
		}
		if n := len(w.masto.Statuses(w.mastoID)); n != 1 {
			t.Fatalf("%d statuses, want 1", n)
		}
	})
}

// TestTwoNodesShareTheWork runs two dispatchers on one database with many
// posts due at once: each is published exactly once.
func TestTwoNodesShareTheWork(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		const n = 60
		var ids []string
		for i := range n {
			ids = append(ids, w.post(t, []string{fmt.Sprintf("Post numero %d", i)}, publish.When{}, w.mastoAcc, w.skyAcc).ID)
		}
		w.dispatcher(t, "node-a", publish.DispatchOptions{Concurrency: 8})
		w.dispatcher(t, "node-b", publish.DispatchOptions{Concurrency: 8})
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Go(func() { w.settle(t, id, p.DeliveryPublished) })
		}
		wg.Wait()
		seen := map[string]int{}
		for _, st := range w.masto.Statuses(w.mastoID) {
			seen[st.Text]++
		}
		for _, sp := range w.sky.Posts(w.skyDID) {
			seen[sp.Text]++
		}
		for i := range n {
			if c := seen[fmt.Sprintf("Post numero %d", i)]; c != 2 {
				t.Errorf("post %d is on the networks %d times, want 2 (once per network)", i, c)
			}
		}
	})
}
