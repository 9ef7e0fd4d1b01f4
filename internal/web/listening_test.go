package web_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/listening/query"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/store/storetest"
	"github.com/portavoce/portavoce/internal/workspace"
)

// The listening page, on both databases: topics previewed and saved, the
// explorer's filters, the charts, the live stream and who may see what.
// Mentions are stored as the pipeline stores them (store.StoreFound).

// listeningTopic saves a topic of acme as its owner.
func (f *fixture) listeningTopic(t *testing.T, name, kind, q string) p.Topic {
	t.Helper()
	topic, err := f.listening.SaveTopic(context.Background(), workspace.Actor{User: f.users[owner]}, ownerOf(f.acme),
		p.Topic{Name: name, Kind: kind, Query: q, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	return topic
}

// storeMention stores a post as a mention of topic, as the pipeline would
// (CreatedAt defaults to now, the fingerprint to none), and returns the
// post's id.
func (f *fixture) storeMention(t *testing.T, topic p.Topic, m p.Mention) string {
	t.Helper()
	return f.storeMentionWith(t, topic, m, "")
}

func (f *fixture) storeMentionWith(t *testing.T, topic p.Topic, m p.Mention, fingerprint string) string {
	t.Helper()
	now := time.Now().UTC()
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now
	}
	if m.URL == "" {
		m.URL = "https://example.net/" + uuid.NewString()
	}
	remote := m.RemoteID
	if remote == "" {
		remote = uuid.NewString()
	}
	news, err := f.db.StoreFound(context.Background(), []store.Found{{Post: m, RemoteID: remote, Fingerprint: fingerprint,
		Topics: []store.TopicRef{{ID: topic.ID, WorkspaceID: topic.WorkspaceID}}}}, "", "", 0, now)
	if err != nil || len(news) != 1 {
		t.Fatalf("store a mention: %v (%d new)", err, len(news))
	}
	return news[0].PostID
}

// mentionsShown lists the posts of the explorer's mentions on a page, in
// order.
func mentionsShown(body string) []string {
	var out []string
	list, _, _ := strings.Cut(body, `id="listening-sources"`)
	list, _, _ = strings.Cut(list, `id="preview"`)
	for _, m := range regexp.MustCompile(`<li class="mention[^"]*" data-post="([^"]+)"`).FindAllStringSubmatch(list, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestListeningPreview: a draft query is tried on the stored posts, with
// the draft kept in the form; a mistake is shown next to the query with
// the character it is at, in the reader's language.
func TestListeningPreview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		topic := f.listeningTopic(t, "Everything", p.TopicSegment, "caffè OR coffee OR tè")
		f.storeMention(t, topic, p.Mention{Source: "bluesky", Text: "Il caffè Rossi è il migliore", Author: "anna.bsky.social", Lang: "it"})
		f.storeMention(t, topic, p.Mention{Source: "mastodon", Text: "Rossi coffee, never again", Author: "bob@mastodon.social", Lang: "en"})
		f.storeMention(t, topic, p.Mention{Source: "rss", Title: "Il tè verde", Text: "Una degustazione", Author: "Blog del tè", Lang: "it"})

		o := f.browser(t, owner)
		res := o.post(t, "/w/acme/listening/preview", url.Values{"name": {"Rossi"}, "kind": {"brand"}, "query": {"rossi"},
			"alert_webhook": {"https://hooks.example/rossi"}, "alert_email": {"1"}})
		if res.code != 200 {
			t.Fatalf("preview: %d\n%s", res.code, excerpt(res.body))
		}
		for _, want := range []string{`id="preview-count">2 of the 3 latest posts match`, "Il caffè Rossi è il migliore", "Rossi coffee, never again",
			`id="topic-name" name="name" value="Rossi"`, `<option value="brand" selected>`, ">rossi</textarea>",
			`value="https://hooks.example/rossi"`, `name="alert_email" value="1" checked`} {
			if !strings.Contains(html.UnescapeString(res.body), html.UnescapeString(want)) {
				t.Errorf("the preview lacks %q:\n%s", want, excerpt(res.body[strings.Index(res.body, `id="topics"`):]))
			}
		}
		if preview := res.body[strings.Index(res.body, `id="preview"`):]; strings.Contains(preview, "Una degustazione") {
			t.Errorf("the preview lists a post the query does not match")
		}

		// A mistake: where it is, next to the field, and the draft kept.
		draft := `"caffè rossi" AND (`
		_, perr := query.Parse(draft)
		var se *query.SyntaxError
		if !errors.As(perr, &se) {
			t.Fatalf("the draft should be a mistake: %v", perr)
		}
		o.lang = "it"
		res = o.post(t, "/w/acme/listening/preview", url.Values{"name": {"Rossi"}, "kind": {"brand"}, "query": {draft}})
		if res.code != 400 {
			t.Fatalf("a mistake: %d\n%s", res.code, excerpt(res.body))
		}
		form := res.body[strings.Index(res.body, `id="topic-form"`):]
		for _, want := range []string{fmt.Sprintf("La query contiene un errore al carattere %d: la query finisce dove serve un termine", se.Col), `aria-describedby="form-error query-help" aria-invalid="true"`,
			html.EscapeString(draft) + "</textarea>"} {
			if !strings.Contains(form, want) {
				t.Errorf("the form lacks %q:\n%s", want, excerpt(form))
			}
		}
		if q, e, h := strings.Index(form, `id="topic-query"`), strings.Index(form, `id="form-error"`), strings.Index(form, `id="query-help"`); !(q < e && e < h) {
			t.Errorf("the error is not next to the query")
		}
		if strings.Contains(form, `id="preview-count"`) {
			t.Errorf("a query with a mistake shows matches")
		}
	})
}

// TestListeningTopics: a manager saves, edits and deletes a topic; a
// mistake keeps the draft; an editor sees the topics without the form.
func TestListeningTopics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		m := f.browser(t, manager)
		res := m.post(t, "/w/acme/listening/topics", url.Values{"name": {"Caffè Rossi"}, "kind": {"brand"},
			"query": {`"caffè rossi" OR #caffèrossi`}, "active": {"1"}, "alert_email": {"1"}})
		if res.code != 303 || res.location != "/w/acme/listening?done=topic-saved" {
			t.Fatalf("save: %d %s\n%s", res.code, res.location, excerpt(res.body))
		}
		topics, err := f.listening.Topics(t.Context(), ownerOf(f.acme))
		if err != nil || len(topics) != 1 {
			t.Fatalf("topics: %v %v", topics, err)
		}
		saved := topics[0]
		if saved.Name != "Caffè Rossi" || saved.Kind != p.TopicBrand || !saved.Active || !saved.AlertEmail || saved.Query != `"caffè rossi" OR #caffèrossi` {
			t.Errorf("saved %+v", saved)
		}
		page := m.get(t, res.location)
		for _, want := range []string{"The topic was saved", `data-topic="` + saved.ID + `"`, "Caffè Rossi", "<td>Brand</td>", "New topic"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}

		// Edit it: the form holds it; sending it changes it.
		page = m.get(t, "/w/acme/listening?edit="+saved.ID)
		if !strings.Contains(page.body, `name="id" value="`+saved.ID+`"`) || !strings.Contains(page.body, "Change the topic") ||
			!strings.Contains(page.body, `value="Caffè Rossi"`) {
			t.Fatalf("the form does not hold the topic:\n%s", excerpt(page.body[strings.Index(page.body, `id="topic-form"`):]))
		}
		res = m.post(t, "/w/acme/listening/topics", url.Values{"id": {saved.ID}, "name": {"Rossi"}, "kind": {"competitor"}, "query": {"rossi"}})
		if res.code != 303 {
			t.Fatalf("edit: %d\n%s", res.code, excerpt(res.body))
		}
		topics, _ = f.listening.Topics(t.Context(), ownerOf(f.acme))
		if len(topics) != 1 || topics[0].Name != "Rossi" || topics[0].Kind != p.TopicCompetitor || topics[0].Active {
			t.Errorf("after the edit: %+v", topics)
		}

		// A mistake keeps what was written.
		res = m.post(t, "/w/acme/listening/topics", url.Values{"name": {"Bianchi"}, "kind": {"brand"}, "query": {"bianchi"},
			"alert_webhook": {"not an address"}})
		if res.code != 400 || !strings.Contains(res.body, "The webhook is a web address") || !strings.Contains(res.body, `value="Bianchi"`) ||
			!strings.Contains(res.body, `value="not an address" placeholder="https://" aria-invalid="true"`) {
			t.Errorf("a bad webhook: %d\n%s", res.code, excerpt(res.body))
		}

		// An editor reads the topics, without the form.
		page = f.browser(t, editor).get(t, "/w/acme/listening")
		if !strings.Contains(page.body, `data-topic="`+saved.ID+`"`) || strings.Contains(page.body, `id="topic-form"`) ||
			strings.Contains(page.body, "/delete") {
			t.Errorf("an editor's page:\n%s", excerpt(page.body))
		}

		// Delete it.
		res = m.post(t, "/w/acme/listening/topics/"+saved.ID+"/delete", url.Values{})
		if res.code != 303 || res.location != "/w/acme/listening?done=topic-deleted" {
			t.Fatalf("delete: %d %s", res.code, res.location)
		}
		if topics, _ = f.listening.Topics(t.Context(), ownerOf(f.acme)); len(topics) != 0 {
			t.Errorf("still there: %+v", topics)
		}
	})
}

// TestListeningExplorer: the mentions newest first, filtered by sentiment,
// full-text search, leads, source, language, author and topic; repeats
// folded unless asked for; pages of 50; the sentiment corrected by an
// editor.
func TestListeningExplorer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rossi := f.listeningTopic(t, "Rossi", p.TopicBrand, "rossi")
		bianchi := f.listeningTopic(t, "Bianchi", p.TopicCompetitor, "bianchi")
		now := time.Now().UTC().Truncate(time.Second)
		const repeated = "link:example.com/review"
		happy := f.storeMentionWith(t, rossi, p.Mention{Source: "bluesky", Text: "Adoro il caffè Rossi, ogni mattina", Author: "anna.bsky.social",
			AuthorName: "Anna", Lang: "it", Reach: 120, Sentiment: 0.6, CreatedAt: now.Add(-3 * time.Minute)}, repeated)
		angry := f.storeMention(t, rossi, p.Mention{Source: "mastodon", Text: "Rossi coffee is terrible, never again", Author: "bob@mastodon.social",
			Lang: "en", Reach: 40, Sentiment: -0.7, CreatedAt: now.Add(-2 * time.Minute)})
		lead := f.storeMention(t, bianchi, p.Mention{Source: "reddit", Title: "Macchina per espresso",
			Text: "Qualcuno mi consiglia una macchina? Bianchi o altro?", Author: "carla", Lang: "it", Lead: true, CreatedAt: now.Add(-time.Minute)})
		again := f.storeMentionWith(t, rossi, p.Mention{Source: "bluesky", Text: "Adoro il caffè Rossi (di nuovo)", Author: "dario.bsky.social",
			Lang: "it", Sentiment: 0.5, CreatedAt: now}, repeated)

		e := f.browser(t, editor)
		check := func(path string, want ...string) string {
			t.Helper()
			res := e.get(t, path)
			if res.code != 200 {
				t.Fatalf("%s: %d\n%s", path, res.code, excerpt(res.body))
			}
			if got := mentionsShown(res.body); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s lists %v, want %v", path, got, want)
			}
			return res.body
		}
		body := check("/w/acme/listening", lead, angry, happy)
		for _, want := range []string{"Macchina per espresso", "Anna", "anna.bsky.social", "reach 120", "Reddit", "Mastodon", "English",
			`<span class="badge lead-badge">Lead</span>`, `href="https://example.net/`, `action="/w/acme/listening/mentions/` + rossi.ID + `/` + angry + `/sentiment"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the explorer lacks %q", want)
			}
		}
		check("/w/acme/listening?sentiment=negative", angry)
		check("/w/acme/listening?sentiment=positive", happy)
		check("/w/acme/listening?q=terrible", angry)
		check("/w/acme/listening?q=macchina", lead)
		check("/w/acme/listening?q=caff%C3%A8+-ogni&dups=1", again)
		body = check("/w/acme/listening?leads=1", lead)
		if !strings.Contains(body, `id="tab-leads" aria-current="page"`) || !strings.Contains(body, `id="leads-help"`) {
			t.Errorf("the Leads tab is not the current one")
		}
		check("/w/acme/listening?source=mastodon", angry)
		check("/w/acme/listening?lang=en", angry)
		check("/w/acme/listening?author=%40anna.bsky.social", happy)
		check("/w/acme/listening?topic="+bianchi.ID, lead)
		body = check("/w/acme/listening?dups=1", again, lead, angry, happy)
		if !strings.Contains(body, "Repeated post") {
			t.Errorf("a repeat is not marked")
		}
		tomorrow := time.Now().In(rome).AddDate(0, 0, 1).Format("2006-01-02")
		body = check("/w/acme/listening?from=" + tomorrow)
		if !strings.Contains(body, "No mention matches these filters.") {
			t.Errorf("no empty state for filters that match nothing")
		}
		if res := e.get(t, "/w/acme/listening?to=yesterday"); res.code != 400 || !strings.Contains(res.body, "A date is written as year-month-day") ||
			!strings.Contains(res.body, `id="f-to" name="to" type="date" value="" aria-invalid="true"`) {
			t.Errorf("a date it cannot read: %d\n%s", res.code, excerpt(res.body))
		}

		// An editor corrects a sentiment, and comes back to the same view.
		res := e.post(t, "/w/acme/listening/mentions/"+rossi.ID+"/"+angry+"/sentiment", url.Values{"value": {"positive"},
			"back": {"sentiment=negative&evil=https://evil.example"}})
		if res.code != 303 || res.location != "/w/acme/listening?done=sentiment-saved&sentiment=negative" {
			t.Fatalf("correct: %d %s\n%s", res.code, res.location, excerpt(res.body))
		}
		check("/w/acme/listening?sentiment=negative")
		body = check("/w/acme/listening?sentiment=positive", angry, happy)
		if !strings.Contains(body, "(corrected)") {
			t.Errorf("a corrected sentiment is not marked")
		}

		// Pages of 50, through "older".
		for i := range 50 {
			f.storeMention(t, bianchi, p.Mention{Source: "hn", Text: fmt.Sprintf("Bianchi story %d", i), Author: "pg",
				CreatedAt: now.Add(-time.Hour - time.Duration(i)*time.Second)})
		}
		res = e.get(t, "/w/acme/listening?topic="+bianchi.ID)
		if n := len(mentionsShown(res.body)); n != 50 {
			t.Fatalf("the first page shows %d mentions", n)
		}
		older := regexp.MustCompile(`<a href="([^"]+)" id="more">`).FindStringSubmatch(res.body)
		if older == nil {
			t.Fatalf("no link to older mentions")
		}
		if !strings.Contains(res.body, `data-list="/w/acme/listening?topic=`) {
			t.Errorf("the first page is not refreshed live")
		}
		res = e.get(t, html.UnescapeString(older[1]))
		if got := mentionsShown(res.body); len(got) != 1 || strings.Contains(res.body, `id="more"`) || strings.Contains(res.body, "data-list=") {
			t.Errorf("the second page shows %d mentions (more link: %v)", len(got), strings.Contains(res.body, `id="more"`))
		}
	})
}

// TestListeningCharts: the charts are SVG images of their own, drawn in
// the reader's language, with the explorer's topic and dates; the page
// shows them with <img>, never inline.
func TestListeningCharts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		o := f.browser(t, owner)
		res := o.get(t, "/w/acme/listening/chart/share.svg")
		if res.code != 200 || !strings.Contains(res.body, "No mentions of the brand or its competitors in this period.") {
			t.Errorf("share of voice without mentions: %d\n%s", res.code, excerpt(res.body))
		}
		rossi := f.listeningTopic(t, "Rossi", p.TopicBrand, "rossi")
		bianchi := f.listeningTopic(t, "Bianchi", p.TopicCompetitor, "bianchi")
		f.listeningTopic(t, "Espresso", p.TopicSegment, "espresso")
		for i := range 3 {
			f.storeMention(t, rossi, p.Mention{Source: "bluesky", Text: fmt.Sprintf("Rossi %d", i), Author: "anna.bsky.social", Host: "news.example.it",
				Sentiment: -0.5})
		}
		f.storeMention(t, bianchi, p.Mention{Source: "bluesky", Text: "Bianchi", Author: "bob.bsky.social",
			CreatedAt: time.Now().UTC().AddDate(0, 0, -3)})

		o.lang = "it"
		res = o.get(t, "/w/acme/listening/chart/volume.svg")
		if res.code != 200 || res.header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(strings.TrimSpace(res.body), "<svg") {
			t.Fatalf("volume: %d %s\n%s", res.code, res.header.Get("Content-Type"), excerpt(res.body))
		}
		if !strings.Contains(res.body, "Tutte le menzioni") || !strings.Contains(res.body, "Negativo") {
			t.Errorf("the volume chart's legend is not in Italian:\n%s", excerpt(res.body))
		}
		if csp := res.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("the chart's policy: %q", csp)
		}
		res = o.get(t, "/w/acme/listening/chart/share.svg")
		if res.code != 200 || !strings.Contains(res.body, "Rossi") || !strings.Contains(res.body, "Bianchi") || strings.Contains(res.body, "Espresso") {
			t.Errorf("share of voice: %d\n%s", res.code, excerpt(res.body))
		}
		// The topic and the dates narrow the charts.
		day := time.Now().In(rome).AddDate(0, 0, -3).Format("2006-01-02")
		res = o.get(t, "/w/acme/listening/chart/share.svg?from="+day+"&to="+day)
		if res.code != 200 || strings.Contains(res.body, "Rossi") || !strings.Contains(res.body, "Bianchi") {
			t.Errorf("share of voice on %s: %d\n%s", day, res.code, excerpt(res.body))
		}
		res = o.get(t, "/w/acme/listening/chart/volume.svg?topic="+bianchi.ID+"&from="+day+"T00:00&to="+day+"T06:00")
		if res.code != 200 || !strings.Contains(res.body, "03:00") {
			t.Errorf("hours of a short span: %d\n%s", res.code, excerpt(res.body))
		}

		page := o.get(t, "/w/acme/listening?topic="+rossi.ID)
		for _, want := range []string{`<img id="chart-volume" src="/w/acme/listening/chart/volume.svg?topic=` + rossi.ID + `"`,
			`<img id="chart-share" src="/w/acme/listening/chart/share.svg?topic=` + rossi.ID + `"`, "anna.bsky.social</a></td><td>3</td>",
			"news.example.it</a></td><td>3</td>"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if strings.Contains(page.body, "<svg") {
			t.Errorf("the page draws a chart inline")
		}
		if res := o.get(t, "/w/acme/listening/chart/volume.png"); res.code != 404 {
			t.Errorf("an unknown chart: %d", res.code)
		}
	})
}

// TestListeningSourcesAndAlerts: the sources with their state, and the
// latest alerts with a link to their mentions.
func TestListeningSourcesAndAlerts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := t.Context()
		now := time.Now().UTC()
		src, err := db.Source(ctx, "", "reddit", "search: caffè", now)
		if err != nil {
			t.Fatal(err)
		}
		retry := now.Add(time.Minute)
		if err := db.SetSourceStatus(ctx, src.ID, false, "HTTP 429 Too Many Requests", retry, now); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Source(ctx, f.other.ID, "rss", "https://other.example/feed", now); err != nil {
			t.Fatal(err)
		}
		topic := f.listeningTopic(t, "Rossi", p.TopicBrand, "rossi")
		window := time.Date(2026, 5, 4, 8, 30, 0, 0, time.UTC)
		if _, err := db.AddAlert(ctx, p.ListeningAlert{ID: uuid.NewString(), TopicID: topic.ID, WorkspaceID: f.acme.ID, Kind: "negative",
			WindowStart: window, Count: 14, Baseline: 1.5, Mentions: []string{}, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		page := f.browser(t, editor).get(t, "/w/acme/listening")
		sources := page.body[strings.Index(page.body, `id="listening-sources"`):]
		for _, want := range []string{"Reddit", "search: caffè", "not connected", "HTTP 429 Too Many Requests", "tries again at"} {
			if !strings.Contains(html.UnescapeString(sources), want) {
				t.Errorf("the sources lack %q:\n%s", want, excerpt(sources))
			}
		}
		if strings.Contains(sources, "other.example") {
			t.Errorf("another workspace's source is shown")
		}
		// The window in Rome: 10:30 to 10:40 (summer time).
		link := "/w/acme/listening?from=2026-05-04T10%3A30&amp;to=2026-05-04T10%3A40&amp;topic=" + topic.ID
		for _, want := range []string{"More negative mentions than usual", "14 mentions, against 1.5 usually", link} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the alerts lack %q", want)
			}
		}
		res := f.browser(t, editor).get(t, html.UnescapeString(link))
		if res.code != 200 || !strings.Contains(res.body, `type="datetime-local" value="2026-05-04T10:30"`) {
			t.Errorf("the alert's window: %d\n%s", res.code, excerpt(res.body))
		}
	})
}

// TestListeningEvents: an open page hears of new mentions at once.
func TestListeningEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		topic := f.listeningTopic(t, "Rossi", p.TopicBrand, "rossi")
		raw, _ := f.session(t, editor)
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", f.server.URL+"/w/acme/listening/events", nil)
		req.AddCookie(&http.Cookie{Name: "pv_session", Value: raw})
		resp, err := f.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		rd := bufio.NewReader(resp.Body)
		if line, _ := rd.ReadString('\n'); !strings.HasPrefix(line, "retry:") {
			t.Fatalf("first line %q", line)
		}
		// What the pipeline does: store, then tell the hub.
		f.storeMention(t, topic, p.Mention{Source: "bluesky", Text: "Rossi!", Author: "anna.bsky.social"})
		f.listening.Hub().Publish(f.acme.ID)
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Fatalf("no event: %v", err)
			}
			if line == "event: changed\n" {
				break
			}
		}
	})
}

// TestListeningRefused: roles without listening are refused everything,
// and an editor cannot change the topics.
func TestListeningRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		topic := f.listeningTopic(t, "Rossi", p.TopicBrand, "rossi")
		post := f.storeMention(t, topic, p.Mention{Source: "bluesky", Text: "Rossi", Author: "anna.bsky.social", Sentiment: 0.5})
		for _, w := range []who{viewer, responder, agency} {
			b := f.browser(t, w)
			for _, path := range []string{"/w/acme/listening", "/w/acme/listening/chart/volume.svg", "/w/acme/listening/events"} {
				if res := b.get(t, path); res.code != 403 || strings.Contains(res.body, "Rossi") {
					t.Errorf("%s GET %s: %d", w, path, res.code)
				}
			}
			if res := b.post(t, "/w/acme/listening/mentions/"+topic.ID+"/"+post+"/sentiment", url.Values{"value": {"negative"}}); res.code != 403 {
				t.Errorf("%s corrects a sentiment: %d", w, res.code)
			}
			if res := b.post(t, "/w/acme/listening/topics", url.Values{"name": {"X"}, "kind": {"brand"}, "query": {"x"}}); res.code != 403 {
				t.Errorf("%s saves a topic: %d", w, res.code)
			}
		}
		e := f.browser(t, editor)
		for _, path := range []string{"/w/acme/listening/preview", "/w/acme/listening/topics", "/w/acme/listening/topics/" + topic.ID + "/delete"} {
			if res := e.post(t, path, url.Values{"name": {"X"}, "kind": {"brand"}, "query": {"x"}}); res.code != 403 {
				t.Errorf("an editor POST %s: %d", path, res.code)
			}
		}
		ms, err := f.listening.Mentions(t.Context(), ownerOf(f.acme), store.MentionFilter{})
		if err != nil || len(ms) != 1 || ms[0].Sentiment != 0.5 || ms[0].Corrected {
			t.Errorf("the mention changed: %+v %v", ms, err)
		}
	})
}

// TestListeningEngage: a Bluesky mention shows the like, repost and reply
// form to those who may publish (a feed's does not); a like lands on the
// network and the page says so, in Italian too; a reply without text is
// shown on the page.
func TestListeningEngage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		topic := f.listeningTopic(t, "Acme", p.TopicBrand, "acme")
		uri := f.bluesky.CreatePost(f.sky.RemoteID, "Acme makes the best coffee")
		onSky := f.storeMention(t, topic, p.Mention{Source: "bluesky", RemoteID: uri, Text: "Acme makes the best coffee", Author: "fan.bsky.social"})
		onFeed := f.storeMention(t, topic, p.Mention{Source: "rss", Text: "Acme on a blog", Author: "blog"})

		o := f.browser(t, owner)
		o.lang = "it"
		page := o.get(t, "/w/acme/listening")
		if !strings.Contains(page.body, `data-engage="`+onSky+`"`) || strings.Contains(page.body, `data-engage="`+onFeed+`"`) {
			t.Fatalf("the engage form should be on the Bluesky mention only:\n%s", excerpt(page.body))
		}
		if !strings.Contains(page.body, "Invia la risposta") {
			t.Errorf("the reply button is not in Italian")
		}
		res := o.post(t, "/w/acme/listening/mentions/"+topic.ID+"/"+onSky+"/engage", url.Values{"action": {"like"}, "account": {f.sky.ID}})
		if res.code != http.StatusSeeOther || res.location != "/w/acme/listening?done=engaged-like" {
			t.Fatalf("like: %d %q\n%s", res.code, res.location, excerpt(res.body))
		}
		if got := f.bluesky.Likes(uri); len(got) != 1 || got[0] != f.sky.RemoteID {
			t.Errorf("likes on Bluesky: %v", got)
		}
		if page := o.get(t, res.location); !strings.Contains(page.body, "Il post ha ricevuto il tuo mi piace su Bluesky.") {
			t.Errorf("no notice after the like:\n%s", excerpt(page.body))
		}
		res = o.post(t, "/w/acme/listening/mentions/"+topic.ID+"/"+onSky+"/engage", url.Values{"action": {"reply"}, "account": {f.sky.ID}, "text": {" "}})
		if res.code != http.StatusBadRequest || !strings.Contains(res.body, "Scrivi prima la risposta") {
			t.Errorf("an empty reply: %d\n%s", res.code, res.body[max(0, strings.Index(res.body, `class="error"`)):][:400])
		}
		res = o.post(t, "/w/acme/listening/mentions/"+topic.ID+"/"+onFeed+"/engage", url.Values{"action": {"like"}, "account": {f.sky.ID}})
		if res.code != http.StatusBadRequest || !strings.Contains(res.body, "olo le menzioni di Bluesky si possono") {
			t.Errorf("liking a feed's mention: %d\n%s", res.code, excerpt(res.body))
		}
	})
}
