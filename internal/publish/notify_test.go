package publish_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/mail"
	"github.com/portavoce/portavoce/internal/mail/mailtest"
	"github.com/portavoce/portavoce/internal/provider/providertest"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/store/storetest"
)

// TestFailedPostIsEmailed: a post the network refuses notifies the
// workspace, and its owners and managers get one email each (read back
// from a real SMTP server), in the workspace's language, even with two
// notifiers (two nodes) at work; a send that fails is tried again.
func TestFailedPostIsEmailed(t *testing.T) {
	smtp := mailtest.Start(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.masto.Inject(providertest.Fault{Kind: providertest.Reject, Op: "post"})
		w.dispatcher(t, "node-a", publish.DispatchOptions{})
		post := w.settle(t, w.post(t, []string{"Rifiutato " + uuid.NewString()[:8]}, publish.When{}, w.mastoAcc).ID)
		if post.Deliveries[0].Status != p.DeliveryFailed {
			t.Fatalf("delivery %s, want failed", post.Deliveries[0].Status)
		}

		// A server that does not answer: the email waits.
		broken, err := mail.NewSMTP(mail.Config{Host: "127.0.0.1", Port: 1, From: "portavoce@example.it", TLS: "none"})
		if err != nil {
			t.Fatal(err)
		}
		publish.NewNotifier(db, broken, "https://social.example.it", time.Hour, nil, nil).SendPending(t.Context())
		pending, _ := db.UnsentNotifications(t.Context(), 10)
		if len(pending) != 1 {
			t.Fatalf("%d notifications pending after a failed send, want 1", len(pending))
		}

		sender, err := mail.NewSMTP(mail.Config{Host: smtp.SMTPHost(), Port: smtp.SMTPPort(), From: "portavoce@example.it", TLS: "none"})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 2 {
			n := publish.NewNotifier(db, sender, "https://social.example.it", time.Hour, nil, nil)
			wg.Go(func() {
				if err := n.SendPending(t.Context()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		msg := smtp.WaitFor(t, func(m mailtest.Message) bool {
			return strings.Contains(m.Subject, "Caffè Rossi") && strings.Contains(m.Text, post.ID)
		})
		if !strings.Contains(msg.Subject, "Un post non è stato pubblicato su @caffe") {
			t.Errorf("subject %q, want the Italian subject naming the account", msg.Subject)
		}
		if !strings.Contains(msg.Text, "https://social.example.it/w/"+w.ws.Slug+"/posts/"+post.ID) {
			t.Errorf("text %q has no link to the post", msg.Text)
		}
		count := 0
		for _, m := range smtp.Messages(t) {
			if strings.Contains(m.Text, post.ID) {
				count++
			}
		}
		if count != 1 {
			t.Fatalf("%d emails about the post, want 1", count)
		}
		if pending, _ := db.UnsentNotifications(t.Context(), 10); len(pending) != 0 {
			t.Fatalf("%d notifications still pending", len(pending))
		}
	})
}

// TestOverduePostIsNotified: a post still not out ten minutes after its time
// (here, held back by a rate limit) is notified once.
func TestOverduePostIsNotified(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		post := w.post(t, []string{"In ritardo"}, publish.When{}, w.mastoAcc)
		// Its time was a quarter of an hour ago.
		past := time.Now().Add(-15 * time.Minute).UnixMicro()
		if _, err := db.SQL().ExecContext(t.Context(), `UPDATE deliveries SET due_at = $1, next_at = $2`, past,
			time.Now().Add(time.Hour).UnixMicro()); err != nil {
			t.Fatal(err)
		}
		n := publish.NewNotifier(db, mail.Log{}, "", time.Hour, nil, nil)
		for range 2 {
			if err := n.SendPending(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		notes, _ := db.Notifications(t.Context(), w.ws.ID, 10)
		if len(notes) != 1 || notes[0].Kind != p.NotifyOverdue || notes[0].PostID != post.ID || notes[0].Account != "@"+w.mastoAcc.Handle+" (Mastodon)" {
			t.Fatalf("notifications %+v, want one 'overdue' for the post", notes)
		}
	})
}
