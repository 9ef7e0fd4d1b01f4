package listening_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/listening"
	"github.com/portavoce/portavoce/internal/listening/source/jetstream"
	"github.com/portavoce/portavoce/internal/listening/source/jetstream/jetstreamtest"
	"github.com/portavoce/portavoce/internal/mail"
	"github.com/portavoce/portavoce/internal/mail/mailtest"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/store/storetest"
)

// TestJetstreamToAlert is the "done when": a topic is previewed and
// saved; posts streamed by the local Jetstream arrive as mentions with
// their language and sentiment while the source runs; the test server then
// floods negative posts and the spike alert reaches the owner's mailbox
// (a real SMTP server) with the posts that caused it.
func TestJetstreamToAlert(t *testing.T) {
	smtp := mailtest.Start(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		js := jetstreamtest.NewServer()
		t.Cleanup(js.Close)
		src, err := jetstream.New(jetstream.Options{URL: js.URL, FlushEvery: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { w.pl.Run(ctx, src, "", "jetstream", js.URL); close(done) }()
		t.Cleanup(func() { cancel(); <-done })
		for js.Connections() == 0 {
			time.Sleep(10 * time.Millisecond)
		}

		// The preview tries a draft on the posts already stored, and the
		// stream stores what matches some topic: a broad topic first.
		q := `"Caffè Rossi" OR caffero* NOT lavoro`
		_, acc := w.access()
		w.topic(t, "Caffè in generale", "caffè OR coffee")
		js.PublishPost("did:plc:bob", js.TID(), "Nothing about coffee here, just tea", []string{"en"}, time.Now())
		js.PublishPost("did:plc:anna", js.TID(), "Un caffè al Caffè Rossi, sempre buono", []string{"it"}, time.Now())
		waitUntil(t, func() bool {
			list, _, err := w.svc.Preview(t.Context(), acc, q, 10)
			return err == nil && len(list) == 1
		})
		topic := w.topic(t, "Caffè Rossi", q)

		js.PublishPost("did:plc:carla", js.TID(), "Che meraviglia il cappuccino del Caffè Rossi!", []string{"it"}, time.Now())
		js.PublishPost("did:plc:dan", js.TID(), "Caffero cerca lavoro per baristi, candidatevi", []string{"it"}, time.Now())
		js.PublishPost("did:plc:eva", js.TID(), "Il caffero di stamattina era perfetto", []string{"it"}, time.Now())
		var got []p.Mention
		waitUntil(t, func() bool {
			got, _ = w.svc.Mentions(t.Context(), acc, store.MentionFilter{TopicID: topic.ID, Limit: 50})
			return len(got) >= 2
		})
		if len(got) != 2 || !strings.Contains(got[0].Text, "caffero di stamattina") {
			t.Fatalf("the topic's mentions: %+v; want the cappuccino and the caffero posts (not the job offer)", got)
		}
		m := got[1]
		if !strings.Contains(m.Text, "cappuccino") || m.Lang != "it" || m.Sentiment <= 0 || m.Source != "bluesky" {
			t.Fatalf("the streamed mention: %+v; want the cappuccino post, Italian, positive", m)
		}

		// The flood: 40 negative posts in a few seconds, in one window.
		avoidWindowEdge()
		js.Flood(40, func(i int) (string, string, string) {
			return fmt.Sprintf("did:plc:angry%d", i), js.TID(), fmt.Sprintf("Caffè Rossi: servizio pessimo, caffè bruciato, mai più (%d)", i)
		})
		waitUntil(t, func() bool {
			neg, _ := w.svc.Mentions(t.Context(), acc, store.MentionFilter{TopicID: topic.ID, Sentiment: "negative", Limit: 100})
			return len(neg) == 40
		})
		sender, err := mail.NewSMTP(mail.Config{Host: smtp.SMTPHost(), Port: smtp.SMTPPort(), From: "portavoce@example.it", TLS: mail.TLSNone})
		if err != nil {
			t.Fatal(err)
		}
		alerter := listening.NewAlerter(db, sender, nil, "https://portavoce.example", nil, nil)
		if err := alerter.Check(t.Context()); err != nil {
			t.Fatal(err)
		}
		if err := alerter.SendPending(t.Context()); err != nil {
			t.Fatal(err)
		}
		msg := smtp.WaitFor(t, func(m mailtest.Message) bool {
			return slices.Contains(m.To, w.owner.Email) && strings.Contains(m.Subject, "negativ") && strings.HasSuffix(m.Subject, topic.Name)
		})
		if !strings.Contains(msg.Text, "servizio pessimo") || !strings.Contains(msg.Text, "/listening?topic="+topic.ID) {
			t.Fatalf("the alert email: %q\n%s", msg.Subject, msg.Text)
		}
	})
}

func waitUntil(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("it did not happen within 15 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
