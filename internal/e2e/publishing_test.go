package e2e

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chromedp/chromedp"

	"github.com/portavoce/portavoce/internal/i18n"
	"github.com/portavoce/portavoce/internal/provider/mastodon/mastodontest"
	"github.com/portavoce/portavoce/internal/store/storetest"
)

// TestPublishing is publishing as a person does it, in headless Chromium
// against a local Mastodon instance: connecting the account through the
// instance's authorization page, composing an Italian post with a link and
// an image while the composer counts as Mastodon does, scheduling it in the
// workspace's time zone, finding it on the calendar, moving another post by
// dragging it to another day, and seeing the first one published, once,
// with the link to the status. It runs on the embedded SQLite and on
// PostgreSQL.
func TestPublishing(t *testing.T) {
	browser := startBrowser(t)
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		publishingFlow(t, browser, "sqlite")
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		dbURL := storetest.PostgresURL(t) // before the server: its cleanup drops the schema after the server stops
		publishingFlow(t, browser, "postgres", "--database", dbURL)
	})
}

// The post, in Italian, with a link longer than the 23 characters Mastodon
// counts for any link (on a real top-level domain: Mastodon counts
// "caffe-rossi.example" as text).
const (
	postIntro = "Domani alle 7:30 apriamo il nuovo bar in via Roma: caffè e cornetto offerti a tutti! Il programma: "
	postLink  = "https://www.caffe-rossi.it/notizie/2026/inaugurazione-nuovo-bar-via-roma?utm_source=mastodon"
	postAlt   = "La vetrina del nuovo bar, con i cornetti appena sfornati"
	laterText = "Giovedì pomeriggio: degustazione di caffè speciali, vi aspettiamo in via Roma."
)

func publishingFlow(t *testing.T, browser context.Context, db string, extra ...string) {
	// The instance is started first so that it stops last, after the
	// server that talks to it.
	masto := mastodontest.NewServer()
	t.Cleanup(masto.Close)
	remoteID, _ := masto.CreateAccount("caffe_rossi")
	masto.SignIn(remoteID)
	domain := strings.TrimPrefix(masto.URL(), "http://")
	// Portavoce refuses to call loopback addresses unless allowed.
	base := startServer(t, append([]string{"--allow-hosts", "127.0.0.1"}, extra...)...)
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatalf("time zone data: %v", err)
	}

	owner := newVisitor(t, browser, base, "owner")
	shot := func(name string) { owner.screenshot(db + "-publishing-" + name) }
	it := func(msg string, args ...any) string { return i18n.T(i18n.IT, msg, args...) }

	// Set-up, in Italian.
	owner.expect("status of the first page", owner.open("/"), 200)
	owner.expect("where a new instance sends a visitor", owner.path(), "/setup")
	owner.fill("name", "Giulia Rossi")
	owner.fill("email", "giulia@caffe-rossi.example")
	owner.fill("password", "un caffè al giorno, sempre")
	owner.choose("language", "it")
	owner.fill("workspace_name", "Caffè Rossi")
	if code := owner.press(`form[action="/setup"] button[type=submit]`); code != 200 || owner.path() != "/w/caffe-rossi/calendar" {
		t.Fatalf("set-up should lead to the calendar with status 200; got %d at %s: %s", code, owner.path(), owner.bodyText())
	}
	owner.expect("<html lang>", owner.lang(), "it")

	// Connect Mastodon: type the instance's address, authorize Portavoce
	// on the instance's own page, come back connected.
	owner.expect("status of the accounts page", owner.press(`nav.sections a[data-section="accounts"]`), 200)
	owner.expect("accounts page", owner.path(), "/w/caffe-rossi/accounts")
	owner.expectTrue("no account is connected yet", owner.visible("#no-accounts"))
	owner.fill("instance", masto.URL())
	owner.expect("status of the instance's authorization page", owner.press("#connect-mastodon button[type=submit]"), 200)
	if !strings.HasPrefix(owner.where(), masto.URL()+"/oauth/authorize?") {
		t.Fatalf("connecting Mastodon should lead to %s/oauth/authorize, it led to %s: %s", masto.URL(), owner.where(), owner.bodyText())
	}
	owner.expect("the instance asks to authorize", owner.text("h1"), "Authorization required")
	owner.expectTrue("the instance names the account", strings.Contains(owner.bodyText(), "@caffe_rossi"))
	shot("1-authorize")
	owner.expect("status after authorizing", owner.press("form.authorize button[type=submit]"), 200)
	owner.expect("where authorizing leads", owner.path(), "/w/caffe-rossi/accounts?done=account-connected")
	owner.expect("confirmation", owner.text("main .notice"), it("The account is connected."))
	account := `#accounts li.account[data-network="mastodon"]`
	owner.expect("accounts listed", len(owner.texts("#accounts li.account")), 1)
	owner.expect("health of the account", js[string](owner, `(() => { const h = document.querySelector(`+quote(account+" .health")+`);
		return h ? h.dataset.health : ""; })()`), "ok")
	handle := owner.text(account + " .handle")
	owner.expectTrue("the account's handle is @caffe_rossi@"+domain+", written once with its @: "+handle,
		strings.HasPrefix(handle, "@caffe_rossi@"+domain+" "))
	shot("2-accounts")

	// Compose: the counter counts as Mastodon does, a link for 23.
	owner.expect("status of the composer", owner.press(`nav.sections a[data-section="compose"]`), 200)
	owner.expect("composer", owner.path(), "/w/caffe-rossi/compose")
	owner.expect("the text is written in the workspace's language", js[string](owner, `document.getElementById("part-0").lang`), "it")
	owner.do("choose the Mastodon account", chromedp.Click(chromedp.CSS(`#accounts-choice input[name="account"][data-network="mastodon"]`)))
	counter := func(part int, want string) {
		owner.t.Helper()
		sel := fmt.Sprintf("#counters-%d .counter.mastodon", part)
		owner.eventually("Mastodon's counter of part "+fmt.Sprint(part+1)+" reads "+want,
			`(() => { const c = document.querySelector(`+quote(sel)+`); return c && c.textContent === `+quote(want)+`; })()`,
			`document.getElementById("counters-`+fmt.Sprint(part)+`").textContent`, 20*time.Second)
	}
	counter(0, "Mastodon 0/500")
	owner.do("type the start of the post", chromedp.SendKeys(chromedp.ID("part-0"), postIntro))
	owner.expect("text typed", owner.value("part-0"), postIntro)
	introCount := utf8.RuneCountInString(postIntro)
	counter(0, fmt.Sprintf("Mastodon %d/500", introCount))
	owner.do("type the link", chromedp.SendKeys(chromedp.ID("part-0"), postLink))
	text := postIntro + postLink
	owner.expect("text typed", owner.value("part-0"), text)
	// The link counts 23 whatever its length.
	counter(0, fmt.Sprintf("Mastodon %d/500", introCount+23))
	owner.expectTrue("the counter is not red within the limit", !owner.exists("#counters-0 .counter.over"))

	// An image, uploaded as soon as it is picked; without a description,
	// the check warns.
	picture := writePNG(t, "vetrina.png")
	owner.expectTrue("the second image slot waits for the first", !owner.visible(`fieldset.part[data-part="0"] .media-slot[data-slot="1"]`))
	owner.do("pick an image", chromedp.SetUploadFiles(chromedp.ID("image-0-0"), []string{picture}))
	owner.eventually("the image is uploaded and shown",
		`(() => { const m = document.querySelector('input[type=hidden][name="media-0-0"]'),
			i = document.querySelector('fieldset.part[data-part="0"] .media-slot[data-slot="0"] img.thumb');
			return m && m.value && i && i.complete && i.naturalWidth === 64 && !document.getElementById("image-0-0"); })()`,
		`document.querySelector('fieldset.part[data-part="0"] .media-slot[data-slot="0"]').innerHTML`, 20*time.Second)
	owner.expectTrue("the next image slot is offered", owner.visible(`fieldset.part[data-part="0"] .media-slot[data-slot="1"] input[type=file]`))
	owner.eventually("the check warns that the image has no description",
		`(() => { const w = document.getElementById("check-warnings"); return w && w.textContent.includes("vetrina.png"); })()`,
		`document.getElementById("check-report").textContent`, 20*time.Second)
	owner.do("describe the image", chromedp.SendKeys(chromedp.ID("alt-0-0"), postAlt))
	owner.eventually("the warning goes once the image is described", `!document.getElementById("check-warnings")`,
		`document.getElementById("check-report").textContent`, 20*time.Second)

	// A second part over the limit turns its counter red and says why; once
	// emptied it is left out, as the form leaves it out.
	owner.do("add a part", chromedp.Click(chromedp.ID("add-part")))
	owner.expect("the new part's heading", owner.text(`fieldset.part[data-part="1"] legend`), it("Part %d", 2))
	owner.expectTrue("the new part starts empty", owner.exists("#part-1") && owner.value("part-1") == "")
	owner.expectTrue("the new part has its first image slot", owner.visible(`fieldset.part[data-part="1"] input[type=file][name="image-1-0"]`))
	owner.setValue("part-1", strings.Repeat("a", 520))
	counter(1, "Mastodon 520/500")
	owner.expectTrue("the counter is red over the limit", owner.exists("#counters-1 .counter.over"))
	owner.eventually("the check says the second part is too long",
		`(() => { const p = document.getElementById("check-problems"); return p && p.textContent.includes("520"); })()`,
		`document.getElementById("check-report").textContent`, 20*time.Second)
	shot("3-compose-over-limit")
	owner.setValue("part-1", "")
	owner.eventually("the problem goes with the text", `!document.getElementById("check-problems")`,
		`document.getElementById("check-report").textContent`, 20*time.Second)
	owner.expect("the empty part has no counter", owner.text("#counters-1"), "")
	counter(0, fmt.Sprintf("Mastodon %d/500", introCount+23))

	// Schedule it in the next minute or two, in the workspace's time zone.
	now := time.Now().In(rome)
	at := now.Truncate(time.Minute).Add(time.Minute)
	if at.Sub(now) < 45*time.Second {
		at = at.Add(time.Minute)
	}
	date, clock := at.Format("2006-01-02"), at.Format("15:04")
	owner.expectTrue("the composer says the time zone", strings.Contains(owner.text("#when"), "Europe/Rome"))
	owner.do("choose to schedule", chromedp.Click(chromedp.CSS(`input[name="mode"][value="at"]`)))
	owner.setValue("date", date)
	owner.setValue("time", clock)
	shot("4-compose")
	owner.expect("status after scheduling", owner.press("#submit-post"), 200)
	postPath := regexp.MustCompile(`^/w/caffe-rossi/posts/([0-9a-f-]+)\?done=post-scheduled$`).FindStringSubmatch(owner.path())
	if postPath == nil {
		t.Fatalf("scheduling should lead to the post's page, it led to %s: %s", owner.path(), owner.bodyText())
	}
	postID := postPath[1]
	owner.expect("state of the post", js[string](owner, `document.getElementById("post-state").dataset.state`), "scheduled")
	owner.expectTrue("the post page says when, in Rome: "+owner.text("#post-state"), strings.Contains(owner.text("#post-state"), date+" "+clock))
	owner.expect("the text kept", owner.text(".post-part .text"), text)
	owner.expect("the image's description kept", js[string](owner, `(document.querySelector(".post-part img") || {}).alt || ""`), postAlt)
	owner.expect("one delivery, to Mastodon", len(owner.texts("#deliveries tbody tr")), 1)

	// On the calendar, on its day, at its time.
	owner.expect("status of the calendar", owner.open("/w/caffe-rossi/calendar?view=month&date="+date), 200)
	entry := fmt.Sprintf(`td.day[data-date="%s"] li.entry[data-post="%s"]`, date, postID)
	owner.expectTrue("the post is on "+date, owner.exists(entry))
	owner.expect("its time", owner.text(entry+" time"), clock)
	owner.expectTrue("its text starts the entry", strings.Contains(owner.text(entry+" a"), "Domani alle 7:30 apriamo"))
	owner.expectTrue("the entry names the account", strings.Contains(owner.text(entry+" .entry-accounts"), "caffe_rossi"))
	shot("5-calendar")

	// Another post, for later in the week, moved by dragging it to the next
	// day: it keeps its time.
	later := now.AddDate(0, 0, 2)
	if later.Weekday() == time.Sunday {
		later = later.AddDate(0, 0, 1) // the next day is then in the same week
	}
	laterDate, nextDate := later.Format("2006-01-02"), later.AddDate(0, 0, 1).Format("2006-01-02")
	owner.expect("status of the composer", owner.press(`nav.sections a[data-section="compose"]`), 200)
	owner.do("choose the Mastodon account", chromedp.Click(chromedp.CSS(`#accounts-choice input[name="account"][data-network="mastodon"]`)))
	owner.do("type the second post", chromedp.SendKeys(chromedp.ID("part-0"), laterText))
	owner.setValue("date", laterDate)
	owner.setValue("time", "09:00")
	owner.expect("status after scheduling the second post", owner.press("#submit-post"), 200)
	secondPath := regexp.MustCompile(`^/w/caffe-rossi/posts/([0-9a-f-]+)\?done=post-scheduled$`).FindStringSubmatch(owner.path())
	if secondPath == nil {
		t.Fatalf("scheduling should lead to the post's page, it led to %s: %s", owner.path(), owner.bodyText())
	}
	secondID := secondPath[1]
	owner.expect("status of the week", owner.open("/w/caffe-rossi/calendar?view=week&date="+laterDate), 200)
	moved := fmt.Sprintf(`li.entry[data-post="%s"]`, secondID)
	owner.expectTrue("the second post is on "+laterDate, owner.exists(fmt.Sprintf(`td.day[data-date="%s"] %s`, laterDate, moved)))
	owner.expect("the second post can be dragged", js[string](owner, `document.querySelector(`+quote(moved)+`).getAttribute("draggable")`), "true")
	owner.expectTrue("the calendar says posts can be dragged", owner.visible("main p.help.js-only"))
	js[bool](owner, `(() => { window.beforeDrag = true;
		const e = document.querySelector(`+quote(moved)+`), to = document.querySelector(`+quote(`td.day[data-date="`+nextDate+`"] ul.entries`)+`);
		const dt = new DataTransfer(), ev = (type, el) => el.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt}));
		ev("dragstart", e.querySelector("a")); ev("dragenter", to); ev("dragover", to); ev("drop", to); ev("dragend", e);
		return true; })()`)
	owner.eventually("after the drop the page reloads with the post on "+nextDate,
		`!window.beforeDrag && document.readyState === "complete" && document.querySelector(`+quote(fmt.Sprintf(`td.day[data-date="%s"] %s`, nextDate, moved))+`)`,
		`(document.getElementById("calendar-error") || {}).textContent || location.href`, 30*time.Second)
	owner.expect("the moved post keeps its time", owner.text(fmt.Sprintf(`td.day[data-date="%s"] %s time`, nextDate, moved)), "09:00")
	owner.expectTrue("no error is shown", !owner.exists("#calendar-error"))
	shot("6-week-after-drag")
	owner.open("/w/caffe-rossi/posts/" + secondID)
	owner.expectTrue("the moved post's page says its new day: "+owner.text("#post-state"), strings.Contains(owner.text("#post-state"), nextDate+" 09:00"))

	// The dispatcher publishes the first post when it is due.
	deadline := at.Add(3 * time.Minute)
	var statuses []mastodontest.Status
	for {
		statuses = masto.Statuses(remoteID)
		if len(statuses) > 0 {
			break
		}
		if time.Now().After(deadline) {
			owner.open("/w/caffe-rossi/posts/" + postID)
			t.Fatalf("the post due at %s %s (Europe/Rome) is not on the instance 3 minutes later; its page says: %s", date, clock, owner.text("#deliveries"))
		}
		time.Sleep(250 * time.Millisecond)
	}
	st := statuses[0]
	owner.expect("text of the status", st.Text, text)
	if len(st.Media) != 1 {
		t.Errorf("the status has %d attachments, want the image", len(st.Media))
	} else {
		owner.expect("description of the attached image", st.Media[0].Description, postAlt)
		owner.expect("size of the attached image", fmt.Sprintf("%dx%d", st.Media[0].Width, st.Media[0].Height), "64x48")
	}

	// Its page says so, with the link to the status (the delivery may be
	// recorded a moment after the instance answered).
	published := `#deliveries tr[data-status="published"]`
	owner.open("/w/caffe-rossi/posts/" + postID)
	owner.eventually("the post page shows the post published", `document.querySelector(`+quote(published)+`)`,
		`(document.getElementById("deliveries") || document.body).innerText`, 30*time.Second)
	// eventually may have seen it on a page about to be replaced: reload.
	owner.reload()
	owner.expect("status shown", owner.text(published+" .delivery-status"), it("Published"))
	owner.expect("link to the status", js[string](owner, `(document.querySelector(`+quote(published+" a.remote-link")+`) || {}).href || ""`), st.URL)
	owner.expect("the link's text", owner.text(published+" a.remote-link"), it("Open on %s", "Mastodon"))
	shot("7-post-published")

	owner.expect("status of the calendar", owner.open("/w/caffe-rossi/calendar?view=month&date="+date), 200)
	owner.expectTrue("the calendar shows the post published", owner.exists(entry+".status-published"))
	owner.expect("a published post cannot be dragged", js[string](owner, `document.querySelector(`+quote(entry)+`).getAttribute("draggable") || ""`), "")

	// Exactly once.
	owner.expect("statuses on the instance", len(masto.Statuses(remoteID)), 1)
	owner.expect("statuses created on the instance", masto.Calls("POST /api/v1/statuses"), 1)
}

// writePNG writes a 64×48 PNG for uploads and returns its path.
func writePNG(t *testing.T, name string) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{R: uint8(120 + x), G: uint8(60 + y), B: 30, A: 255})
		}
	}
	file := filepath.Join(t.TempDir(), name)
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return file
}
