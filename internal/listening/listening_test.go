package listening_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/listening"
	"github.com/portavoce/portavoce/internal/listening/source"
	"github.com/portavoce/portavoce/internal/listening/source/feed/feedtest"
	"github.com/portavoce/portavoce/internal/listening/source/mastodontag/tagtest"
	"github.com/portavoce/portavoce/internal/live"
	"github.com/portavoce/portavoce/internal/mail"
	"github.com/portavoce/portavoce/internal/mail/mailtest"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/store/storetest"
	"github.com/portavoce/portavoce/internal/workspace"
)

type world struct {
	db    *store.DB
	ws    p.Workspace
	owner p.User
	svc   *listening.Service
	pl    *listening.Pipeline
	hub   *live.Hub
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := t.Context()
	now := time.Now().UTC()
	uniq := uuid.NewString()[:8]
	w := &world{db: db, hub: live.NewHub()}
	w.owner = p.User{ID: uuid.NewString(), Email: "anna-" + uniq + "@example.it", Name: "Anna", PasswordHash: "x", CreatedAt: now, PasswordChangedAt: now}
	if err := db.CreateUser(ctx, w.owner); err != nil {
		t.Fatal(err)
	}
	w.ws = p.Workspace{ID: uuid.NewString(), Slug: "rossi-" + uniq, Name: "Caffè Rossi", Timezone: "Europe/Rome", Language: "it", CreatedAt: now}
	if err := db.CreateWorkspace(ctx, w.ws, w.owner.ID); err != nil {
		t.Fatal(err)
	}
	w.pl = listening.NewPipeline(db, w.hub, nil, nil, nil)
	w.svc = listening.New(db, w.hub, func() {
		if err := w.pl.Load(context.Background()); err != nil {
			t.Error(err)
		}
	}, nil, nil)
	return w
}

func (w *world) access() (workspace.Actor, workspace.Access) {
	return workspace.Actor{User: w.owner}, workspace.Access{Workspace: w.ws, Role: p.RoleOwner}
}

func (w *world) topic(t *testing.T, name, q string) p.Topic {
	t.Helper()
	a, acc := w.access()
	topic, err := w.svc.SaveTopic(t.Context(), a, acc, p.Topic{Name: name, Kind: p.TopicBrand, Query: q, Active: true, AlertEmail: true})
	if err != nil {
		t.Fatal(err)
	}
	return topic
}

// batches is a source that hands over fixed batches, then waits: what the
// pipeline does with a source's output, without a network.
type batches struct {
	list []source.Batch
	// from is the cursor Run was given.
	from string
}

func (b *batches) Name() string { return "fixed" }

func (b *batches) Run(ctx context.Context, cursor string, emit func(context.Context, source.Batch) error, status func(source.Status)) error {
	b.from = cursor
	status(source.Status{Connected: true})
	for _, batch := range b.list {
		if err := emit(ctx, batch); err != nil {
			return err
		}
	}
	return nil
}

func post(id, text string, at time.Time) source.Post {
	return source.Post{ID: "at://did:plc:x/app.bsky.feed.post/" + id, Source: "bluesky", URL: "https://bsky.app/profile/x/post/" + id,
		Text: text, Author: "giulia.bsky.social", CreatedAt: at}
}

// TestMatchedPostsAreStoredOnce: the query over a stream of
// posts (NOT binds tighter than OR: "Caffè Rossi" OR (caffero* AND NOT
// lavoro)); what matches is stored with its language and sentiment, the
// source's cursor with it; a replay stores nothing twice; a near-duplicate
// folds; full-text search finds it without accents.
func TestMatchedPostsAreStoredOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		topic := w.topic(t, "Caffè Rossi", `"Caffè Rossi" OR caffero* NOT lavoro`)
		now := time.Now().UTC().Add(-time.Hour)
		long := "Il Caffè Rossi di via Roma è il migliore della città, ci torno ogni mattina"
		src := &batches{list: []source.Batch{
			{Posts: []source.Post{
				post("1", long, now),
				post("2", "Cerco lavoro al Caffè Rossi", now),
				post("3", "The caffeteria was terrible, never again", now),
				post("4", "Oggi pioggia su Milano", now),
			}, Cursor: "100"},
			{Posts: []source.Post{
				post("5", "Che schifo il servizio al Caffè Rossi, mai più", now.Add(time.Minute)),
				post("6", long, now.Add(2*time.Minute)), // the same words: a near-duplicate
			}, Cursor: "200"},
		}}
		if err := w.pl.Run(t.Context(), src, "", "test", "stream"); err != nil {
			t.Fatal(err)
		}
		_, acc := w.access()
		all, err := w.svc.Mentions(t.Context(), acc, store.MentionFilter{Duplicates: true, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]p.Mention{}
		for _, m := range all {
			got[m.Text+"|"+m.URL[len(m.URL)-1:]] = m
		}
		if len(all) != 4 {
			t.Fatalf("%d mentions stored, want 4 (posts 1, 2, 5, 6): %+v", len(all), all)
		}
		first := got[long+"|1"]
		if first.Lang != "it" || first.Sentiment <= 0 || first.TopicID != topic.ID {
			t.Errorf("post 1: lang %q sentiment %.2f topic %s; want Italian, positive", first.Lang, first.Sentiment, first.TopicID)
		}
		if m := got["Cerco lavoro al Caffè Rossi|2"]; m.Lead {
			t.Errorf("post 2 (someone looking for work, not to buy) is marked as a lead")
		}
		if m := got["Che schifo il servizio al Caffè Rossi, mai più|5"]; m.Sentiment >= 0 {
			t.Errorf("post 5 has sentiment %.2f, want negative", m.Sentiment)
		}
		if m := got[long+"|6"]; m.DuplicateOf != first.PostID {
			t.Errorf("post 6 is a duplicate of %q, want post 1 (%s)", m.DuplicateOf, first.PostID)
		}
		folded, err := w.svc.Mentions(t.Context(), acc, store.MentionFilter{Limit: 100})
		if err != nil || len(folded) != 3 {
			t.Fatalf("without duplicates: %d mentions, %v; want 3", len(folded), err)
		}
		// The stored cursor is the last batch's; running again from it
		// with the same posts stores nothing more.
		again := &batches{list: src.list}
		if err := w.pl.Run(t.Context(), again, "", "test", "stream"); err != nil {
			t.Fatal(err)
		}
		if again.from != "200" {
			t.Errorf("the source restarted from %q, want the stored 200", again.from)
		}
		if n, _ := w.svc.Mentions(t.Context(), acc, store.MentionFilter{Duplicates: true, Limit: 100}); len(n) != 4 {
			t.Errorf("after a replay: %d mentions, want 4", len(n))
		}
		found, err := w.svc.Mentions(t.Context(), acc, store.MentionFilter{Search: "servizio", Limit: 100})
		if err != nil || len(found) != 1 || !strings.Contains(found[0].Text, "schifo") {
			t.Errorf("full-text search for servizio: %+v, %v", found, err)
		}
		neg, err := w.svc.Mentions(t.Context(), acc, store.MentionFilter{Sentiment: "negative", Limit: 100})
		if err != nil || len(neg) != 1 {
			t.Errorf("negative mentions: %d, %v; want 1 (post 5)", len(neg), err)
		}
	})
}

// TestPreviewAndQueryMistakes: a draft query runs over what is stored; a
// mistake points at its place.
func TestPreviewAndQueryMistakes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.topic(t, "Anything", "milano OR roma")
		now := time.Now().UTC()
		src := &batches{list: []source.Batch{{Posts: []source.Post{
			post("a", "Un caffè a Milano", now), post("b", "Un caffè a Roma", now), post("c", "Roma e Milano", now)}, Cursor: "1"}}}
		if err := w.pl.Run(t.Context(), src, "", "test", "preview"); err != nil {
			t.Fatal(err)
		}
		_, acc := w.access()
		list, tried, err := w.svc.Preview(t.Context(), acc, "milano NOT roma", 50)
		if err != nil || len(list) != 1 || tried < 3 {
			t.Fatalf("preview: %d matches of %d tried, %v; want 1", len(list), tried, err)
		}
		_, _, err = w.svc.Preview(t.Context(), acc, "(milano OR roma", 50)
		if err == nil || !strings.Contains(err.Error(), "character") {
			t.Fatalf("an unbalanced parenthesis: %v", err)
		}
	})
}

// TestSpikeRaisesOneAlert: a flood of negative mentions in the current
// window, against a quiet baseline, records one negative alert (and one
// volume alert), however often the check runs.
func TestSpikeRaisesOneAlert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		avoidWindowEdge()
		w := newWorld(t, db)
		w.topic(t, "Caffè Rossi", `"caffè rossi"`)
		now := time.Now().UTC()
		var quiet []source.Post
		for i := range 24 {
			quiet = append(quiet, post(fmt.Sprintf("q%d", i), fmt.Sprintf("Un caffè rossi, numero %d", i), now.Add(-time.Duration(i+1)*listening.Window)))
		}
		var flood []source.Post
		for i := range 30 {
			flood = append(flood, post(fmt.Sprintf("f%d", i), fmt.Sprintf("Caffè Rossi pessimo, servizio orribile, mai più (%d)", i), now))
		}
		src := &batches{list: []source.Batch{{Posts: quiet, Cursor: "1"}, {Posts: flood, Cursor: "2"}}}
		if err := w.pl.Run(t.Context(), src, "", "test", "flood"); err != nil {
			t.Fatal(err)
		}
		alerter := listening.NewAlerter(db, nil, nil, "https://portavoce.example", nil, nil)
		for range 3 {
			if err := alerter.Check(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		_, acc := w.access()
		alerts, err := w.svc.Alerts(t.Context(), acc, 10)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, a := range alerts {
			kinds[a.Kind]++
			if a.Count < 30 || len(a.Mentions) == 0 {
				t.Errorf("alert %s: count %d, %d mentions", a.Kind, a.Count, len(a.Mentions))
			}
		}
		if kinds["negative"] != 1 || kinds["volume"] != 1 {
			t.Fatalf("alerts %v, want one negative and one volume", kinds)
		}
	})
}

func TestSpikeRule(t *testing.T) {
	quiet := make([]int, 24)
	for i := range quiet {
		quiet[i] = 2
	}
	for _, tc := range []struct {
		count int
		past  []int
		want  bool
	}{
		{30, quiet, true},
		{9, make([]int, 24), false}, // below MinSpike
		{10, make([]int, 24), true}, // from silence
		{6, quiet, false},           // within the spread
		{40, []int{30, 35, 28, 32, 40, 31}, false},
	} {
		if got, _ := listening.Spike(tc.count, tc.past); got != tc.want {
			t.Errorf("Spike(%d, %v) = %v, want %v", tc.count, tc.past, got, tc.want)
		}
	}
}

func TestLeads(t *testing.T) {
	for text, want := range map[string]bool{
		"Qualcuno sa consigliarmi un buon caffè in grani?": true,
		"Cerco un bar per colazione a Milano":              true,
		"Looking for a good espresso machine":              true,
		"Any recommendations for coffee in Turin?":         true,
		"Il caffè di oggi era buonissimo":                  false,
		"I love this coffee":                               false,
	} {
		if got := listening.IsLead(text); got != want {
			t.Errorf("IsLead(%q) = %v, want %v", text, got, want)
		}
	}
}

// TestWorkspaceFeed: a feed added by one workspace is read by the runner
// and matched against that workspace's topics only: another workspace
// listening for the same words does not see it (a Google Alerts feed is
// someone's own).
func TestWorkspaceFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		other := newWorld(t, db)
		w.topic(t, "Caffè Rossi", `"caffè rossi"`)
		other.topic(t, "Also Caffè Rossi", `"caffè rossi"`)
		site := feedtest.New()
		t.Cleanup(site.Close)
		site.Add(feedtest.Item{ID: "a1", Title: "Il Caffè Rossi compie 50 anni", Link: "https://giornale.example/caffe-rossi",
			Description: "<p>Festa in piazza per il <b>Caffè Rossi</b></p>", Published: time.Now().Add(-time.Hour)})
		runner := listening.NewRunner(db, w.pl, site.Client(), nil)
		w.svc.SetSources(db, runner)
		a, acc := w.access()
		if _, err := w.svc.AddSource(t.Context(), a, acc, listening.SourceFeed, "not a feed"); err == nil {
			t.Fatal("a feed that is not an address was accepted")
		}
		if _, err := w.svc.AddSource(t.Context(), a, acc, listening.SourceFeed, site.RSSURL()); err != nil {
			t.Fatal(err)
		}
		if err := w.pl.Load(t.Context()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { runner.Run(ctx); close(done) }()
		t.Cleanup(func() { cancel(); <-done })
		var got []p.Mention
		waitUntil(t, func() bool {
			got, _ = w.svc.Mentions(t.Context(), acc, store.MentionFilter{Limit: 10})
			return len(got) == 1
		})
		if got[0].Source != "rss" || got[0].Host != "giornale.example" || !strings.Contains(got[0].Text, "Festa in piazza") {
			t.Fatalf("the feed's mention: %+v", got[0])
		}
		_, oacc := other.access()
		if theirs, _ := other.svc.Mentions(t.Context(), oacc, store.MentionFilter{Limit: 10}); len(theirs) != 0 {
			t.Fatalf("another workspace got %d mentions from this workspace's feed", len(theirs))
		}
		// The source says it is connected once its poll is done, just
		// after handing the post over.
		waitUntil(t, func() bool {
			sources, err := w.svc.Sources(t.Context(), acc)
			return err == nil && len(sources) == 1 && sources[0].Connected
		})
	})
}

// TestDigestAndRetention: from 08:00 in the workspace's zone the digest of
// the last 24 hours is emailed once (a real SMTP server), and mentions
// older than the workspace's retention are deleted.
func TestDigestAndRetention(t *testing.T) {
	smtp := mailtest.Start(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.topic(t, "Caffè Rossi", `"caffè rossi"`)
		rome, _ := time.LoadLocation("Europe/Rome")
		clock := time.Date(2026, 11, 26, 7, 30, 0, 0, rome)
		src := &batches{list: []source.Batch{{Posts: []source.Post{
			post("new", "Il Caffè Rossi è il mio preferito", clock.Add(-2*time.Hour)),
			post("old", "Il Caffè Rossi di una volta", clock.AddDate(0, 0, -400)),
		}, Cursor: "1"}}}
		if err := w.pl.Run(t.Context(), src, "", "test", "digest"); err != nil {
			t.Fatal(err)
		}
		a, acc := w.access()
		if err := w.svc.SetRetention(t.Context(), a, acc, 3); err == nil {
			t.Fatal("a retention of 3 days was accepted")
		}
		if err := w.svc.SetRetention(t.Context(), a, acc, 365); err != nil {
			t.Fatal(err)
		}
		sender, err := mail.NewSMTP(mail.Config{Host: smtp.SMTPHost(), Port: smtp.SMTPPort(), From: "portavoce@example.it", TLS: mail.TLSNone})
		if err != nil {
			t.Fatal(err)
		}
		alerter := listening.NewAlerter(db, sender, nil, "https://portavoce.example", func() time.Time { return clock }, nil)
		if err := alerter.Daily(t.Context(), db); err != nil {
			t.Fatal(err)
		}
		if left, _ := w.svc.Mentions(t.Context(), acc, store.MentionFilter{Limit: 10}); len(left) != 1 || !strings.Contains(left[0].Text, "preferito") {
			t.Fatalf("after the retention: %+v; want only the recent mention", left)
		}
		digests := func() int {
			n := 0
			for _, m := range smtp.Messages(t) {
				if slices.Contains(m.To, w.owner.Email) {
					n++
				}
			}
			return n
		}
		if n := digests(); n != 0 {
			t.Fatalf("%d digests before 08:00", n)
		}
		clock = clock.Add(time.Hour) // 08:30
		for range 2 {
			if err := alerter.Daily(t.Context(), db); err != nil {
				t.Fatal(err)
			}
		}
		msg := smtp.WaitFor(t, func(m mailtest.Message) bool { return slices.Contains(m.To, w.owner.Email) })
		if !strings.Contains(msg.Text, "Caffè Rossi: 1") || !strings.Contains(msg.Text, "preferito") {
			t.Fatalf("the digest: %q\n%s", msg.Subject, msg.Text)
		}
		time.Sleep(200 * time.Millisecond)
		if n := digests(); n != 1 {
			t.Fatalf("%d digests sent, want 1", n)
		}
	})
}

// TestTopHashtagsAndAuthors: the explorer's top lists.
func TestTopHashtagsAndAuthors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.topic(t, "Caffè", "caffè")
		now := time.Now().UTC()
		a := post("a", "Un caffè #Milano #colazione", now)
		b := post("b", "Il caffè migliore #milano", now)
		c := post("c", "Caffè e cornetto #colazione #milano", now)
		c.Author = "luca.bsky.social"
		src := &batches{list: []source.Batch{{Posts: []source.Post{a, b, c}, Cursor: "1"}}}
		if err := w.pl.Run(t.Context(), src, "", "test", "tops"); err != nil {
			t.Fatal(err)
		}
		_, acc := w.access()
		tags, err := w.svc.Top(t.Context(), acc, "hashtags", "", now.Add(-time.Hour), now.Add(time.Hour), 10)
		if err != nil || len(tags) != 2 || tags[0] != (store.Ranked{Key: "milano", Count: 3}) || tags[1] != (store.Ranked{Key: "colazione", Count: 2}) {
			t.Fatalf("top hashtags: %+v, %v", tags, err)
		}
		authors, err := w.svc.Top(t.Context(), acc, "author", "", now.Add(-time.Hour), now.Add(time.Hour), 10)
		if err != nil || len(authors) != 2 || authors[0] != (store.Ranked{Key: "giulia.bsky.social", Count: 2}) {
			t.Fatalf("top authors: %+v, %v", authors, err)
		}
	})
}

// TestHashtagSourceFollowsTheStream: a workspace's Mastodon hashtag source
// gets the token of the workspace's account on that instance, and with it
// follows the hashtag's stream; without one it only polls.
func TestHashtagSourceFollowsTheStream(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, withToken := range []bool{true, false} {
			w := newWorld(t, db)
			w.topic(t, "Caffè", "caffè")
			inst := tagtest.New()
			inst.RequireToken("a-token-of-the-workspace")
			runner := listening.NewRunner(db, w.pl, inst.Client(), nil)
			runner.SetTokens(func(ctx context.Context, workspaceID, instance string) string {
				if withToken && workspaceID == w.ws.ID && instance == inst.URL() {
					return "a-token-of-the-workspace"
				}
				return ""
			})
			w.svc.SetSources(db, runner)
			a, acc := w.access()
			if _, err := w.svc.AddSource(t.Context(), a, acc, listening.SourceMastodon, inst.URL()+"#caffe"); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { runner.Run(ctx); close(done) }()
			if withToken {
				waitUntil(t, func() bool { return inst.StreamConnections() == 1 })
			} else {
				waitUntil(t, func() bool { return len(inst.Requests()) > 0 })
				time.Sleep(200 * time.Millisecond)
				if n := inst.StreamConnections(); n != 0 {
					t.Errorf("without a token: %d stream connections", n)
				}
			}
			cancel()
			<-done
			inst.Close()
		}
	})
}

// waiting is a source that reads until it is stopped, counting its runs.
type waiting struct{ runs chan string }

func (s *waiting) Name() string { return "waiting" }

func (s *waiting) Run(ctx context.Context, cursor string, emit func(context.Context, source.Batch) error, status func(source.Status)) error {
	s.runs <- cursor
	<-ctx.Done()
	return ctx.Err()
}

// TestOneNodeReadsASource: two nodes (two pipelines on one database) are
// told to read the same source; one reads it, the other is told another
// node does, and takes over once the first stops.
func TestOneNodeReadsASource(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		a := listening.NewPipeline(db, w.hub, nil, nil, nil)
		a.SetNode("node-a")
		b := listening.NewPipeline(db, w.hub, nil, nil, nil)
		b.SetNode("node-b")
		target := "shared-" + uuid.NewString()[:8]
		src := &waiting{runs: make(chan string, 2)}
		ctx, cancel := context.WithCancel(context.Background())
		errA := make(chan error, 1)
		go func() { errA <- a.Run(ctx, src, "", "test", target) }()
		<-src.runs // node A reads
		if err := b.Run(t.Context(), src, "", "test", target); !errors.Is(err, listening.ErrLeased) {
			t.Fatalf("node B while A reads: %v, want ErrLeased", err)
		}
		cancel()
		<-errA
		ctxB, cancelB := context.WithCancel(context.Background())
		defer cancelB()
		errB := make(chan error, 1)
		go func() { errB <- b.Run(ctxB, src, "", "test", target) }()
		select {
		case <-src.runs: // node B took over
		case err := <-errB:
			t.Fatalf("node B after A stopped: %v", err)
		case <-time.After(5 * time.Second):
			t.Fatal("node B did not take the source over")
		}
	})
}

// avoidWindowEdge waits for the next alert window when the current one
// ends within 20 seconds: a flood and its check must fall in one window.
func avoidWindowEdge() {
	now := time.Now()
	if left := now.Truncate(listening.Window).Add(listening.Window).Sub(now); left < 20*time.Second {
		time.Sleep(left + 100*time.Millisecond)
	}
}
