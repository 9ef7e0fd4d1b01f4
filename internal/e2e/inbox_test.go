package e2e

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portavoce/portavoce/internal/mail/mailtest"
	"github.com/portavoce/portavoce/internal/provider/mastodon/mastodontest"
	"github.com/portavoce/portavoce/internal/store/storetest"
)

// TestInbox is the unified inbox as a team uses it, in headless Chromium
// against a local Mastodon instance and a real SMTP server: the owner
// connects the brand's account and writes a saved reply; a fan mentions the
// brand and the mention appears on the open inbox page by itself; the owner
// assigns it to a sales colleague, who is told by email, follows the link,
// answers with the saved reply, and the answer is published on the
// instance once. It runs on the embedded SQLite and on PostgreSQL.
func TestInbox(t *testing.T) {
	browser := startBrowser(t)
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		inboxFlow(t, browser, "sqlite")
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		dbURL := storetest.PostgresURL(t) // before the server: its cleanup drops the schema after the server stops
		inboxFlow(t, browser, "postgres", "--database", dbURL)
	})
}

const (
	inboxSavedBody = "Thanks {{author.name}}, we will call you back!"
	fanName        = "Anna Verdi"
	fanMention     = "I want to order 20 kg of coffee"
)

func inboxFlow(t *testing.T, browser context.Context, db string, extra ...string) {
	// The instance and the mail server start first so that they stop last,
	// after the server that talks to them.
	masto := mastodontest.NewServer()
	t.Cleanup(masto.Close)
	brandID, _ := masto.CreateAccount("caffe_rossi")
	masto.SignIn(brandID)
	fanID, _ := masto.CreateAccount("anna_verdi")
	masto.SetProfile(fanID, mastodontest.Profile{DisplayName: fanName})
	smtp := mailtest.Start(t)

	// The assignment email links to the server: it must know its own
	// address, so it listens on a port chosen here.
	addr := freeLoopbackAddr(t)
	base := startServer(t, append([]string{"--listen", addr, "--base-url", "http://" + addr,
		"--allow-hosts", "127.0.0.1", "--inbox-poll-every", "3s",
		"--smtp-host", smtp.SMTPHost(), "--smtp-port", fmt.Sprint(smtp.SMTPPort()), "--smtp-tls", "none",
		"--smtp-from", "Portavoce <portavoce@caffe-rossi.example>"}, extra...)...)
	if base != "http://"+addr {
		t.Fatalf("the server says it runs at %s, want http://%s", base, addr)
	}
	const ws = "/w/caffe-rossi"

	owner := newVisitor(t, browser, base, "owner")
	shot := func(v *visitor, name string) { v.screenshot(db + "-inbox-" + name) }

	// Set-up, in English.
	owner.expect("status of the first page", owner.open("/"), 200)
	owner.expect("where a new instance sends a visitor", owner.path(), "/setup")
	owner.fill("name", "Giulia Rossi")
	owner.fill("email", "giulia@caffe-rossi.example")
	owner.fill("password", "un caffè al giorno, sempre")
	owner.choose("language", "en")
	owner.fill("workspace_name", "Caffè Rossi")
	if code := owner.press(`form[action="/setup"] button[type=submit]`); code != 200 || owner.path() != ws+"/calendar" {
		t.Fatalf("set-up should lead to the calendar with status 200; got %d at %s: %s", code, owner.path(), owner.bodyText())
	}

	// Connect the brand's Mastodon account through the instance.
	owner.expect("status of the accounts page", owner.press(`nav.sections a[data-section="accounts"]`), 200)
	owner.fill("instance", masto.URL())
	owner.expect("status of the instance's authorization page", owner.press("#connect-mastodon button[type=submit]"), 200)
	if !strings.HasPrefix(owner.where(), masto.URL()+"/oauth/authorize?") {
		t.Fatalf("connecting Mastodon should lead to %s/oauth/authorize, it led to %s: %s", masto.URL(), owner.where(), owner.bodyText())
	}
	owner.expect("status after authorizing", owner.press("form.authorize button[type=submit]"), 200)
	owner.expect("where authorizing leads", owner.path(), ws+"/accounts?done=account-connected")
	owner.expect("accounts listed", len(owner.texts("#accounts li.account")), 1)

	// A sales colleague joins as responder.
	responderName, responderEmail, responderPassword := "Rita Gallo", "rita@caffe-rossi.example", "rispondo ai clienti con calma"
	owner.expect("status of the settings page", owner.press(`nav.sections a[data-section="settings"]`), 200)
	owner.fill("invite-email", responderEmail)
	owner.do("choose the role responder", chromedp.Click(chromedp.ID("invite-role-responder")))
	owner.expect("status after inviting", owner.press("#invite-submit"), 200)
	link := owner.value("invite-link")
	if !strings.HasPrefix(link, base+"/invite/") {
		t.Fatalf("the invitation link should be on this server, it is %q: %s", link, owner.bodyText())
	}
	joining := newVisitor(t, browser, base, "responder joining")
	joining.expect("status of the invitation page", joining.navigate("open the invitation link", chromedp.Navigate(link)), 200)
	joining.fill("name", responderName)
	joining.fill("password", responderPassword)
	joining.expect("status after joining", joining.press("main form button[type=submit]"), 200)
	joining.expect("account link", joining.text("#account-link"), responderName)

	// A saved reply, in English.
	owner.expect("status of the saved replies", owner.open(ws+"/inbox/replies"), 200)
	owner.expectTrue("no saved reply yet", owner.exists("#no-replies"))
	owner.fill("name", "Thanks")
	owner.choose("language", "en")
	owner.setValue("body", inboxSavedBody)
	owner.expect("status after saving the reply", owner.press("#new-reply button[type=submit]"), 200)
	owner.expectTrue("back on the saved replies: "+owner.path(), strings.HasPrefix(owner.path(), ws+"/inbox/replies"))
	owner.expect("saved replies listed", owner.texts("#saved-replies li[data-reply] strong"), []string{"Thanks"})
	owner.expect("the reply as written", owner.text("#saved-replies li[data-reply] p.text"), inboxSavedBody)
	shot(owner, "1-saved-reply")

	// The inbox is open, empty, when the fan writes.
	owner.expect("status of the inbox", owner.open(ws+"/inbox"), 200)
	owner.expectTrue("the inbox is empty", owner.visible("#inbox-empty"))
	owner.expectTrue("no conversation yet", !owner.exists("#conversations li"))
	// Give the ingester a moment to follow the account's stream (it also
	// polls, so the mention arrives either way).
	for deadline := time.Now().Add(20 * time.Second); masto.Streams(brandID) == 0 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	if masto.Streams(brandID) == 0 {
		t.Logf("no user stream of the brand is open after 20 s; the mention can only come by polling")
	}
	js[bool](owner, `window.beforeMention = true`)
	mentionID := masto.Mention(fanID, "@caffe_rossi "+fanMention, "")

	owner.do("wait for the mention to appear without a reload", chromedp.WaitVisible(chromedp.CSS("#conversations li")))
	owner.expectTrue("the page was not reloaded", js[bool](owner, `window.beforeMention === true`))
	row := "#conversations li.conversation"
	owner.expect("conversations listed", len(owner.texts(row)), 1)
	owner.expectTrue("the row names the fan: "+owner.text(row), strings.Contains(owner.text(row+" .who strong"), fanName))
	owner.expectTrue("the row previews the mention: "+owner.text(row+" .preview"), strings.Contains(owner.text(row+" .preview"), fanMention))
	convID := js[string](owner, `document.querySelector(`+quote(row)+`).dataset.conversation`)
	shot(owner, "2-inbox-live")

	// The owner opens it and assigns it to the colleague.
	owner.expect("status of the conversation", owner.press(row+" a.open-conversation"), 200)
	owner.expect("conversation page", owner.path(), ws+"/inbox/"+convID)
	owner.expectTrue("the mention is shown: "+owner.text("#items"), strings.Contains(owner.text("#items li.item.in .text"), fanMention))
	assignee := js[string](owner, `(() => { const s = document.querySelector("#assign-form select");
		const o = Array.from(s.options).find(o => o.textContent.includes(`+quote(responderName)+`));
		if (!o) return ""; s.value = o.value; s.dispatchEvent(new Event("change", {bubbles: true})); return o.value; })()`)
	if assignee == "" {
		t.Fatalf("the colleague is not offered in the assignment menu: %v", owner.texts("#assign-form select option"))
	}
	owner.expect("status after assigning", owner.press("#assign-form button[type=submit]"), 200)
	owner.expect("where assigning leads", owner.path(), ws+"/inbox/"+convID+"?done=conversation-assigned")
	owner.expect("assigned in the menu", owner.value("assignee"), assignee)
	shot(owner, "3-assigned")

	// The colleague is told by email, with the link to the conversation.
	var msg mailtest.Message
	for deadline := time.Now().Add(60 * time.Second); ; {
		msgs := smtp.Messages(t)
		if i := slices.IndexFunc(msgs, func(m mailtest.Message) bool { return slices.Contains(m.To, responderEmail) }); i >= 0 {
			msg = msgs[i]
			break
		}
		if time.Now().After(deadline) {
			var seen []string
			for _, m := range msgs {
				seen = append(seen, fmt.Sprintf("%q to %v", m.Subject, m.To))
			}
			t.Fatalf("no email to %s within 60 s of the assignment; received: %v", responderEmail, seen)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(msg.Subject, "A conversation with "+fanName) || !strings.HasSuffix(msg.Subject, "is assigned to you") {
		t.Errorf("subject of the assignment email: %q, want it to say a conversation with %s is assigned to you", msg.Subject, fanName)
	}
	convLink := base + ws + "/inbox/" + convID
	found := regexp.MustCompile(regexp.QuoteMeta(base+ws+"/inbox/") + `[0-9A-Za-z-]+`).FindString(msg.Text)
	if found != convLink {
		t.Fatalf("the assignment email should link to %s; it links to %q:\n%s", convLink, found, msg.Text)
	}

	// The colleague logs in at their own browser and follows the link.
	responder := newVisitor(t, browser, base, "responder")
	responder.expect("status of the login page", responder.open("/login"), 200)
	responder.fill("email", responderEmail)
	responder.fill("password", responderPassword)
	responder.expect("status after logging in", responder.press(`form[action="/login"] button[type=submit]`), 200)
	responder.expect("status of the linked conversation", responder.navigate("follow the email's link", chromedp.Navigate(found)), 200)
	responder.expect("conversation page", responder.path(), ws+"/inbox/"+convID)
	responder.expectTrue("the reply form is offered", responder.visible("#reply-form"))
	filled := "Thanks " + fanName + ", we will call you back!"
	chosen := js[string](responder, `(() => { const s = document.getElementById("saved");
		if (!s) return "";
		const o = Array.from(s.options).find(o => o.textContent.startsWith("Thanks"));
		if (!o) return ""; s.value = o.value; s.dispatchEvent(new Event("change", {bubbles: true})); return o.value; })()`)
	if chosen == "" {
		t.Fatalf("the saved reply is not offered: %q", responder.texts("#saved option"))
	}
	responder.eventually("the saved reply fills the reply box", `document.getElementById("reply-text").value === `+quote(filled),
		`document.getElementById("reply-text").value`, 10*time.Second)
	shot(responder, "4-reply")
	responder.expect("status after sending", responder.press("#send-reply"), 200)
	responder.expect("where sending leads", responder.path(), ws+"/inbox/"+convID+"?done=reply-sent")
	if responder.exists("#form-error") {
		t.Fatalf("sending the reply failed: %s", responder.text("#form-error"))
	}
	responder.expectTrue("the page shows the reply: "+responder.text("#items"),
		slices.ContainsFunc(responder.texts("#items li.item.out .text"), func(s string) bool { return strings.Contains(s, filled) }))

	// The dispatcher publishes it on the instance, once, answering the
	// mention.
	var replies []mastodontest.Status
	for deadline := time.Now().Add(90 * time.Second); ; {
		replies = masto.Replies(mentionID)
		if len(replies) > 0 {
			break
		}
		if time.Now().After(deadline) {
			responder.reload()
			t.Fatalf("the reply is not on the instance 90 s after it was sent; the page says: %s", responder.text("#items"))
		}
		time.Sleep(250 * time.Millisecond)
	}
	// A second publication would follow at once: give it a moment.
	time.Sleep(2 * time.Second)
	replies = masto.Replies(mentionID)
	if len(replies) != 1 {
		t.Fatalf("replies to the mention on the instance: %d, want 1: %+v", len(replies), replies)
	}
	text := replies[0].Text
	if !strings.Contains(text, "Thanks") || !strings.Contains(text, fanName) || !strings.Contains(text, "@anna_verdi") {
		t.Errorf("text of the reply on the instance: %q, want the saved reply filled for %s, answering @anna_verdi", text, fanName)
	}
	// The page says so (the delivery may be recorded a moment after the
	// instance answered).
	published := "#items li.item.out[data-delivery=published]"
	for deadline := time.Now().Add(30 * time.Second); ; {
		responder.reload()
		if responder.exists(published) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the conversation does not show the reply published 30 s after it was on the instance: %s", responder.text("#items"))
		}
		time.Sleep(time.Second)
	}
	shot(responder, "5-published")
}

// freeLoopbackAddr returns a loopback address with a port free right now.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
