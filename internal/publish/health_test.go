package publish_test

import (
	"testing"
	"time"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/store/storetest"
)

// TestExpiredAccessShownBeforeAPostFails: the periodic check finds a revoked
// Mastodon token before anything is published, marks the account, holds its
// scheduled post and tells the workspace once; a Bluesky session whose
// access token expired is renewed, not reported.
func TestExpiredAccessShownBeforeAPostFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		tomorrow := time.Now().Add(24 * time.Hour).In(publish.Zone("Europe/Rome"))
		post := w.post(t, []string{"Domani"}, publish.When{Mode: "at", Date: tomorrow.Format("2006-01-02"), Time: "09:00"}, w.mastoAcc)
		w.masto.RevokeTokens(w.mastoID)
		w.sky.ExpireAccessTokens()
		checker := publish.NewAccountChecker(db, w.vault, []provider.Publisher{w.mclient, w.bclient}, time.Hour, nil)
		for range 2 {
			if err := checker.CheckAll(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		masto, _ := db.SocialAccount(t.Context(), w.ws.ID, w.mastoAcc.ID)
		sky, _ := db.SocialAccount(t.Context(), w.ws.ID, w.skyAcc.ID)
		if masto.Status != p.AccountExpired || masto.Detail == "" {
			t.Errorf("Mastodon account %s (%q), want expired with the reason", masto.Status, masto.Detail)
		}
		if sky.Status != p.AccountOK {
			t.Errorf("Bluesky account %s (%q), want ok after renewing its session", sky.Status, sky.Detail)
		}
		got, _ := db.Post(t.Context(), w.ws.ID, post.ID)
		if got.Deliveries[0].Status != p.DeliveryWaitingAccount {
			t.Errorf("the scheduled delivery is %s, want waiting for the account", got.Deliveries[0].Status)
		}
		notes, _ := db.Notifications(t.Context(), w.ws.ID, 10)
		if len(notes) != 1 || notes[0].Kind != p.NotifyReconnect {
			t.Fatalf("notifications %+v, want one asking to reconnect", notes)
		}
		if n := len(w.masto.Statuses(w.mastoID)); n != 0 {
			t.Fatalf("%d statuses: nothing should have been published", n)
		}
	})
}
