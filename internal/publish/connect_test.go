package publish_test

import (
	"errors"
	"testing"
	"time"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/store/storetest"
	"github.com/portavoce/portavoce/internal/workspace"
)

// TestDisconnectKeepsHistory: disconnecting an account cancels what has not
// gone out, deletes its tokens, keeps the published posts' history, and a
// reconnection brings the account back.
func TestDisconnectKeepsHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.dispatcher(t, "node-a", publish.DispatchOptions{})
		published := w.settle(t, w.post(t, []string{"Già uscito"}, publish.When{}, w.mastoAcc).ID, p.DeliveryPublished)
		tomorrow := time.Now().Add(24 * time.Hour).In(publish.Zone("Europe/Rome"))
		later := w.post(t, []string{"Domani"}, publish.When{Mode: "at", Date: tomorrow.Format("2006-01-02"), Time: "09:00"}, w.mastoAcc)

		conn := publish.NewConnector(db, w.vault, w.mclient, w.bclient, nil, nil)
		actor := workspace.Actor{User: w.owner}
		if err := conn.Disconnect(t.Context(), actor, w.access, w.mastoAcc.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Post(t.Context(), w.ws.ID, later.ID); got.Deliveries[0].Status != p.DeliveryCancelled {
			t.Errorf("the scheduled post is %s, want cancelled", got.Deliveries[0].Status)
		}
		if got, _ := db.Post(t.Context(), w.ws.ID, published.ID); got.Deliveries[0].Status != p.DeliveryPublished || got.Deliveries[0].RemoteURL == "" {
			t.Errorf("the published post lost its history: %+v", got.Deliveries[0])
		}
		if _, err := w.vault.Get(t.Context(), w.mastoAcc.SecretID); !errors.Is(err, p.ErrNotFound) {
			t.Errorf("the tokens are still stored (%v)", err)
		}
		listed, _ := w.service.Accounts(t.Context(), w.access)
		known, _ := w.service.KnownAccounts(t.Context(), w.access)
		if len(listed) != 1 || len(known) != 2 {
			t.Errorf("%d accounts listed and %d known, want 1 (Bluesky) and 2", len(listed), len(known))
		}
		_, err := w.service.Create(t.Context(), actor, w.access, publish.Draft{Accounts: []string{w.mastoAcc.ID},
			Content: p.PostContent{Parts: []p.PostPart{{Text: "Ancora?"}}}}, publish.When{Mode: "now"})
		if err == nil {
			t.Error("a post to a disconnected account was accepted")
		}
		if err := conn.Disconnect(t.Context(), actor, w.access, w.mastoAcc.ID); !errors.Is(err, p.ErrNotFound) {
			t.Errorf("disconnecting twice: %v, want not found", err)
		}

		// Reconnecting revives the same account.
		_, token := w.masto.CreateAccount("caffe")
		profile, limits, creds, err := w.mclient.Connect(t.Context(), w.masto.URL(), token)
		if err != nil {
			t.Fatal(err)
		}
		again := w.connect(t, provider.Mastodon, w.masto.URL(), profile, limits, creds)
		if again.ID != w.mastoAcc.ID || again.Status != p.AccountOK {
			t.Fatalf("reconnected as %s (%s), want the same account, working", again.ID, again.Status)
		}
	})
}

// TestUnverifiedPostSettledByHand: a post left for a person to check is
// published again when they say it is not on the network, once.
func TestUnverifiedPostSettledByHand(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		post := w.post(t, []string{"Da verificare"}, publish.When{Mode: "at", Date: time.Now().Add(48 * time.Hour).Format("2006-01-02"), Time: "09:00"}, w.mastoAcc)
		d := post.Deliveries[0]
		if _, err := db.SQL().ExecContext(t.Context(), `UPDATE deliveries SET status = 'needs_check', unsure = 1 WHERE id = $1`, d.ID); err != nil {
			t.Fatal(err)
		}
		actor := workspace.Actor{User: w.owner}
		if _, err := w.service.Resolve(t.Context(), actor, w.access, post.ID, d.ID, "maybe"); err == nil {
			t.Fatal("an unknown action was accepted")
		}
		w.dispatcher(t, "node-a", publish.DispatchOptions{})
		if _, err := w.service.Resolve(t.Context(), actor, w.access, post.ID, d.ID, "retry"); err != nil {
			t.Fatal(err)
		}
		got := w.settle(t, post.ID, p.DeliveryPublished)
		if n := len(w.masto.Statuses(w.mastoID)); n != 1 || got.Deliveries[0].RemoteURL == "" {
			t.Fatalf("%d statuses, delivery %+v; want published once", n, got.Deliveries[0])
		}
		if _, err := w.service.Resolve(t.Context(), actor, w.access, post.ID, d.ID, "retry"); err == nil {
			t.Fatal("a published post was settled again")
		}
	})
}
