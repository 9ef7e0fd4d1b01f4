package e2e

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portavoce/portavoce/internal/i18n"
	"github.com/portavoce/portavoce/internal/listening"
	"github.com/portavoce/portavoce/internal/listening/source/jetstream/jetstreamtest"
	"github.com/portavoce/portavoce/internal/mail/mailtest"
	"github.com/portavoce/portavoce/internal/store/storetest"
)

// TestListening is listening as a person uses it, in headless Chromium and
// in Italian, against a local Bluesky Jetstream and a real SMTP server: the
// owner saves a broad topic and sees the posts about coffee arrive; tries
// the brand's query with Preview on what was stored, and saves it; sees new
// mentions appear on the open page by themselves, with their language and
// sentiment; and, when a flood of angry posts comes, gets the spike alert by
// email. It runs on the embedded SQLite and on PostgreSQL.
func TestListening(t *testing.T) {
	browser := startBrowser(t)
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		listeningFlow(t, browser, "sqlite")
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		dbURL := storetest.PostgresURL(t) // before the server: its cleanup drops the schema after the server stops
		listeningFlow(t, browser, "postgres", "--database", dbURL)
	})
}

// The brand's query, as the listening issue writes it: the phrase, or a word
// starting with caffero without lavoro ("a OR b NOT c" is "a OR (b AND NOT
// c)").
const rossiQuery = `"Caffè Rossi" OR caffero* NOT lavoro`

// Posts on Bluesky before the brand's topic exists: all about coffee, so the
// broad topic stores them; the first two match the brand's query.
var (
	earlyRossi = []string{
		"Il caffè del Caffè Rossi in via Roma è il migliore della città ☕😍",
		"Che buon caffè stamattina! #cafferossi",
	}
	earlyOther = []string{
		"Cerco lavoro come barista: qualcuno sa se #cafferossi assume? Offro un caffè", // caffero*, but NOT lavoro
		"Un caffè veloce al bar della stazione, niente di speciale",                    // not about the brand
	}
)

const (
	livePositive = "Al Caffè Rossi il cappuccino è ottimo e il personale gentilissimo, consigliatissimo! 😍"
	liveNegative = "Caffè Rossi oggi delude: servizio lentissimo e caffè bruciato, pessima esperienza 😡"
	floodSize    = 40
)

// floodText is the i-th angry post of the flood: each different, so that
// none is a repeat of another.
func floodText(i int) string {
	return fmt.Sprintf("Caffè Rossi, scontrino n. %d: caffè freddo, tazzina sporca e cameriere scortese. Che delusione, mai più 😡", 100+i)
}

func listeningFlow(t *testing.T, browser context.Context, db string, extra ...string) {
	// Jetstream and the mail server start first so that they stop last,
	// after the server that talks to them.
	jet := jetstreamtest.NewServer()
	t.Cleanup(jet.Close)
	smtp := mailtest.Start(t)

	// The alert email links to the server: it must know its own address.
	addr := freeLoopbackAddr(t)
	base := startServer(t, append([]string{"--listen", addr, "--base-url", "http://" + addr,
		"--jetstream-url", jet.URL,
		"--smtp-host", smtp.SMTPHost(), "--smtp-port", fmt.Sprint(smtp.SMTPPort()), "--smtp-tls", "none",
		"--smtp-from", "Portavoce <portavoce@caffe-rossi.example>"}, extra...)...)
	if base != "http://"+addr {
		t.Fatalf("the server says it runs at %s, want http://%s", base, addr)
	}
	const ws = "/w/caffe-rossi"
	ownerEmail := "giulia@caffe-rossi.example"

	owner := newVisitor(t, browser, base, "owner")
	shot := func(name string) { owner.screenshot(db + "-listening-" + name) }
	it := func(msg string, args ...any) string { return i18n.T(i18n.IT, msg, args...) }

	// Set-up, in Italian.
	owner.expect("status of the first page", owner.open("/"), 200)
	owner.expect("where a new instance sends a visitor", owner.path(), "/setup")
	owner.fill("name", "Giulia Rossi")
	owner.fill("email", ownerEmail)
	owner.fill("password", "un caffè al giorno, sempre")
	owner.choose("language", "it")
	owner.fill("workspace_name", "Caffè Rossi")
	if code := owner.press(`form[action="/setup"] button[type=submit]`); code != 200 || owner.path() != ws+"/calendar" {
		t.Fatalf("set-up should lead to the calendar with status 200; got %d at %s: %s", code, owner.path(), owner.bodyText())
	}
	owner.expect("<html lang>", owner.lang(), "it")

	// The server reads Jetstream from its start: only what is published
	// after it subscribed reaches it.
	for deadline := time.Now().Add(30 * time.Second); jet.Connections() == 0; {
		if time.Now().After(deadline) {
			t.Fatalf("the server did not subscribe to Jetstream within 30 s; subscriptions: %v", jet.Subscriptions())
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Listening, with no topic yet.
	owner.expect("status of listening", owner.press(`nav.sections a[data-section="listening"]`), 200)
	owner.expect("listening page", owner.path(), ws+"/listening")
	owner.expect("heading", owner.text("main h1"), it("Listening"))
	owner.expectTrue("listening says there is no topic yet", owner.visible("#empty-state"))
	owner.expectTrue("Jetstream is listed among the sources: "+owner.text("#listening-sources"), owner.exists("#source-list tbody tr"))

	// A broad topic first: nothing from the stream is stored until a topic
	// matches it.
	owner.fill("topic-name", "Caffè")
	owner.choose("topic-kind", "segment")
	typeQuery(owner, "caffè")
	owner.expect("status after saving the broad topic", owner.press("#save-topic"), 200)
	owner.expect("where saving leads", owner.path(), ws+"/listening?done=topic-saved")
	if owner.exists("#form-error") {
		t.Fatalf("saving the broad topic failed: %s", owner.text("#form-error"))
	}
	owner.expect("topics listed", owner.texts("#topic-list tbody tr td:first-child"), []string{"Caffè"})
	owner.expectTrue("the page waits for mentions", owner.visible("#mentions-empty"))
	// The server compiles the saved topic in the background, at once.
	time.Sleep(time.Second)

	at := time.Now()
	for i, text := range append(slices.Clone(earlyRossi), earlyOther...) {
		jet.PublishPost(fmt.Sprintf("did:plc:early%d", i), jet.TID(), text, []string{"it"}, at.Add(time.Duration(i)*time.Second))
	}
	mentionTexts := `Array.from(document.querySelectorAll("#mentions .mention-text"), e => e.textContent.trim())`
	for _, text := range append(slices.Clone(earlyRossi), earlyOther...) {
		owner.eventually("the post shows among the mentions: "+text, mentionTexts+`.includes(`+quote(text)+`)`,
			mentionTexts+`.join(" | ") || document.getElementById("mentions-list").innerText`, 30*time.Second)
	}
	shot("1-broad-topic")

	// The brand's topic: tried with Preview on what is stored.
	owner.fill("topic-name", "Caffè Rossi")
	owner.choose("topic-kind", "brand")
	typeQuery(owner, rossiQuery)
	alertBox := `#topic-form input[name="alert_email"]`
	if !js[bool](owner, `document.querySelector(`+quote(alertBox)+`).checked`) {
		owner.do("ask for spike alerts by email", chromedp.Click(chromedp.CSS(alertBox)))
	}
	owner.expect("status of the preview", owner.press("#preview-topic"), 200)
	owner.expect("preview page", owner.path(), ws+"/listening/preview")
	if owner.exists("#form-error") {
		t.Fatalf("the preview refused the query: %s", owner.text("#form-error"))
	}
	count := owner.text("#preview-count")
	nums := regexp.MustCompile(`\d+`).FindAllString(count, -1)
	if len(nums) != 2 {
		t.Fatalf("the preview should say how many of how many posts match; it says %q", count)
	}
	matched, _ := strconv.Atoi(nums[0])
	tried, _ := strconv.Atoi(nums[1])
	owner.expect("the preview's count", count, it("%d of the %d latest posts match", matched, tried))
	owner.expect("posts the query matches", matched, len(earlyRossi))
	owner.expectTrue(fmt.Sprintf("the preview tried every stored post (%d, want at least %d)", tried, len(earlyRossi)+len(earlyOther)),
		tried >= len(earlyRossi)+len(earlyOther))
	// Newest first.
	owner.expect("the posts the preview lists", owner.texts("#preview .mention-text"), []string{earlyRossi[1], earlyRossi[0]})
	owner.expect("the draft name is kept", owner.value("topic-name"), "Caffè Rossi")
	owner.expect("the draft query is kept", owner.value("topic-query"), rossiQuery)
	owner.expectTrue("the alert choice is kept", js[bool](owner, `document.querySelector(`+quote(alertBox)+`).checked`))
	shot("2-preview")

	owner.expect("status after saving the brand's topic", owner.press("#save-topic"), 200)
	owner.expect("where saving leads", owner.path(), ws+"/listening?done=topic-saved")
	if owner.exists("#form-error") {
		t.Fatalf("saving the brand's topic failed: %s", owner.text("#form-error"))
	}
	rossiID := js[string](owner, `(() => { const r = Array.from(document.querySelectorAll("#topic-list tbody tr[data-topic]"))
		.find(r => r.querySelector("td").textContent.trim() === "Caffè Rossi"); return r ? r.dataset.topic : ""; })()`)
	if rossiID == "" {
		t.Fatalf("the brand's topic is not listed: %s", owner.text("#topic-list"))
	}
	owner.expect("the saved query", owner.text(`#topic-list tr[data-topic="`+rossiID+`"] code`), rossiQuery)
	owner.expect("the topic's kind", owner.text(`#topic-list tr[data-topic="`+rossiID+`"] td:nth-child(2)`), it("Brand"))

	// The page stays open: new mentions appear by themselves.
	time.Sleep(time.Second) // the server compiles the new topic in the background
	js[bool](owner, `window.beforeLive = true`)
	jet.PublishPost("did:plc:fan", jet.TID(), livePositive, []string{"it"}, time.Now())
	jet.PublishPost("did:plc:critic", jet.TID(), liveNegative, []string{"it"}, time.Now())
	rossiRow := func(text string) string {
		return `Array.from(document.querySelectorAll('#mentions li.mention[data-topic="` + rossiID + `"]'))
			.find(li => li.querySelector(".mention-text").textContent.trim() === ` + quote(text) + `)`
	}
	rossiTexts := `Array.from(document.querySelectorAll('#mentions li.mention[data-topic="` + rossiID + `"] .mention-text'), e => e.textContent.trim()).join(" | ")`
	for _, c := range []struct{ text, mood, label string }{
		{livePositive, "positive", it("Positive")},
		{liveNegative, "negative", it("Negative")},
	} {
		owner.eventually("the new mention shows under Caffè Rossi: "+c.text, rossiRow(c.text), rossiTexts, 30*time.Second)
		row := js[map[string]string](owner, `(() => { const li = `+rossiRow(c.text)+`; return {
			sentiment: li.dataset.sentiment, badge: li.querySelector(".badge[class*=mood-]").textContent.trim(),
			meta: li.querySelector(".meta").textContent.replace(/\s+/g, " ").trim(),
			topic: (li.querySelector(".badge.topic") || {}).textContent || "" }; })()`)
		owner.expect("sentiment of "+c.text, row["sentiment"], c.mood)
		owner.expect("sentiment label of "+c.text, row["badge"], c.label)
		owner.expectTrue("the mention says its language, Italian: "+row["meta"], strings.Contains(row["meta"], it("Italian")))
		owner.expectTrue("the mention comes from Bluesky: "+row["meta"], strings.Contains(row["meta"], "Bluesky"))
		owner.expect("the mention's topic", row["topic"], "Caffè Rossi")
	}
	owner.expectTrue("the page was not reloaded", js[bool](owner, `window.beforeLive === true`))
	shot("3-live")

	// A flood of angry posts. Spikes are judged per 10-minute window of the
	// clock: keep the flood away from the end of one, lest the window end
	// before the server looks at it.
	if next := time.Now().Truncate(listening.Window).Add(listening.Window); time.Until(next) < 40*time.Second {
		t.Logf("waiting %s for the next spike window", time.Until(next).Round(time.Second))
		time.Sleep(time.Until(next) + time.Second)
	}
	flooded := time.Now()
	jet.Flood(floodSize, func(i int) (string, string, string) {
		return fmt.Sprintf("did:plc:cliente%d", i), jet.TID(), floodText(i)
	})
	owner.eventually("the flood shows on the page", rossiRow(floodText(floodSize-1)), rossiTexts, 30*time.Second)
	owner.expectTrue("the page was not reloaded", js[bool](owner, `window.beforeLive === true`))

	// The server looks for spikes every 20 s and emails the owner.
	subjects := []string{it("More negative mentions than usual of %s", "Caffè Rossi"), it("More mentions than usual of %s", "Caffè Rossi")}
	var alert mailtest.Message
	for deadline := flooded.Add(60 * time.Second); ; {
		msgs := smtp.Messages(t)
		if i := slices.IndexFunc(msgs, func(m mailtest.Message) bool {
			return slices.Contains(m.To, ownerEmail) && slices.ContainsFunc(subjects, func(s string) bool { return strings.HasSuffix(m.Subject, s) })
		}); i >= 0 {
			alert = msgs[i]
			break
		}
		if time.Now().After(deadline) {
			var seen []string
			for _, m := range msgs {
				seen = append(seen, fmt.Sprintf("%q to %v", m.Subject, m.To))
			}
			t.Fatalf("no spike alert about Caffè Rossi to %s within 60 s of the flood; received: %v", ownerEmail, seen)
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("alert after %s: %q", time.Since(flooded).Round(time.Second), alert.Subject)
	if !strings.Contains(alert.Text, "scontrino n. ") || !strings.Contains(alert.Text, "cameriere scortese") {
		t.Errorf("the alert email should list the flooded posts:\n%s", alert.Text)
	}
	link := base + ws + "/listening?topic=" + rossiID
	if !strings.Contains(alert.Text, link) {
		t.Errorf("the alert email should link to %s:\n%s", link, alert.Text)
	}

	// The page lists the alert once reloaded.
	owner.expect("status of listening, reloaded", owner.reload(), 200)
	alerts := owner.texts("#alerts li.alert")
	owner.expectTrue(fmt.Sprintf("the page lists the alert about Caffè Rossi: %q", alerts),
		slices.ContainsFunc(alerts, func(s string) bool { return strings.Contains(s, "Caffè Rossi") }))
	shot("4-alert")
}

// typeQuery types q into the topic form's query box, emptied first
// (chromedp.Clear, which fill uses, fails on an empty textarea).
func typeQuery(v *visitor, q string) {
	v.t.Helper()
	v.setValue("topic-query", "")
	v.do("type the query", chromedp.SendKeys(chromedp.ID("topic-query"), q))
	v.expect("the query typed", v.value("topic-query"), q)
}
