package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/portavoce/portavoce/internal/store/storetest"
)

// The sections of a workspace, in the order of the navigation, by their
// data-section key.
var allSections = []string{"calendar", "compose", "accounts", "inbox", "listening", "analytics", "presence", "media", "settings", "audit"}

// sectionMarks are the elements that show a working section's page (the
// accounts page of a workspace with no account yet says so); the sections
// still to come show #empty-state.
var sectionMarks = map[string]string{"calendar": "#calendar", "compose": "#composer", "accounts": "#no-accounts", "presence": "#presence-lead",
	"inbox": "#inbox", "listening": "#listening-filters"}

// sectionMark is the element that shows the section's page.
func sectionMark(key string) string {
	if m, ok := sectionMarks[key]; ok {
		return m
	}
	return "#empty-state"
}

// ownerNav is what the owner sees: everything.
var ownerNav = allSections

// member is a colleague the owner invites, with what the product rules say
// their role shows (docs/permissions.md).
type member struct {
	role, name, email, password string
	// label is the role's name on #your-role, in the member's language.
	label string
	// nav lists the sections the role opens; the first is where they land.
	nav []string
	// offers lists the roles the member may give in the invitation form, or
	// nil when the role manages no members.
	offers []string
	// noJS makes the member's browser run no JavaScript, and switch the
	// language to Italian with the form's button instead of the menu.
	noJS bool
	// forbidden is the error shown for a section the role does not allow,
	// in the member's language.
	forbidden string
}

// englishLabels are the roles' names in English.
var englishLabels = map[string]string{"owner": "Owner", "manager": "Manager", "editor": "Editor", "agency": "Agency", "responder": "Responder", "viewer": "Viewer"}

const (
	forbiddenEN = "Your role in this workspace does not allow this"
	forbiddenIT = "Il tuo ruolo in questo spazio non lo permette"
)

var members = []member{
	{role: "manager", name: "Marco Bruno", email: "marco@studio-bianchi.example", password: "il marketing non dorme mai",
		label: "Manager", nav: []string{"calendar", "compose", "accounts", "inbox", "listening", "analytics", "presence", "media", "settings"},
		offers: []string{"editor", "agency", "responder", "viewer"}, forbidden: forbiddenEN},
	{role: "editor", name: "Elena Conti", email: "elena@studio-bianchi.example", password: "scrivo post tutto il giorno",
		label: "Editor", nav: []string{"calendar", "compose", "accounts", "inbox", "listening", "analytics", "presence", "media", "settings"},
		forbidden: forbiddenEN},
	{role: "agency", name: "Paolo Ferri", email: "paolo@agenzia-pixel.example", password: "foto e bozze, niente altro",
		label: "Agency", nav: []string{"calendar", "compose", "accounts", "media"}, forbidden: forbiddenEN},
	{role: "responder", name: "Rita Gallo", email: "rita@studio-bianchi.example", password: "rispondo ai clienti con calma",
		label: "Referente", nav: []string{"inbox"}, noJS: true, forbidden: forbiddenIT},
	{role: "viewer", name: "Vittorio Neri", email: "vittorio@studio-bianchi.example", password: "leggo solo i numeri del mese",
		label: "Viewer", nav: []string{"analytics"}, forbidden: forbiddenEN},
}

// TestAcceptanceFlow is the product's acceptance flow in headless Chromium:
// first-run set-up, login, switching the language, creating a workspace,
// inviting one member per role, and each member seeing only what their role
// allows; then a role change that takes effect at the member's next page. It
// runs on the embedded SQLite and on PostgreSQL.
func TestAcceptanceFlow(t *testing.T) {
	browser := startBrowser(t)
	t.Run("sqlite", func(t *testing.T) {
		acceptanceFlow(t, browser, startServer(t), "sqlite")
	})
	t.Run("postgres", func(t *testing.T) {
		dbURL := storetest.PostgresURL(t) // before the server: its cleanup drops the schema after the server stops
		acceptanceFlow(t, browser, startServer(t, "--database", dbURL), "postgres")
	})
}

func acceptanceFlow(t *testing.T, browser context.Context, base, db string) {
	owner := newVisitor(t, browser, base, "owner")
	shot := func(v *visitor, name string) { v.screenshot(db + "-" + name) }

	// First run: the only thing to do is to set up the instance.
	ownerName, ownerEmail, ownerPassword := "Giulia Rossi", "giulia@caffe-rossi.example", "un caffè al giorno, sempre"
	owner.expect("status of the first page", owner.open("/"), 200)
	owner.expect("where a new instance sends a visitor", owner.path(), "/setup")
	owner.expect("language for an English browser", owner.lang(), "en")
	owner.expect("set-up heading", owner.text("main h1"), "Welcome to Portavoce")
	owner.fill("name", ownerName)
	owner.fill("email", ownerEmail)
	owner.fill("password", ownerPassword)
	owner.choose("language", "en")
	owner.fill("workspace_name", "Caffè Rossi")
	shot(owner, "1-setup")
	owner.expect("status after set-up", owner.press(`form[action="/setup"] button[type=submit]`), 200)

	// The owner lands in the first section of the new workspace, which says
	// honestly that it is not ready yet.
	owner.expect("where set-up leads", owner.path(), "/w/caffe-rossi/calendar")
	owner.expectTrue("the calendar is shown", owner.visible("#calendar"))
	owner.expect("heading", owner.text("main h1"), "Calendar")
	owner.expect("current workspace", owner.text("#current-workspace"), "Caffè Rossi")
	owner.expect("owner's navigation", owner.nav(), ownerNav)
	owner.expect("owner's role", owner.text("#your-role"), "Owner")
	owner.expect("current section", owner.currentSection(), "calendar")
	shot(owner, "2-owner-calendar")

	// Log out; a page that needs a login sends back to the login page, which
	// returns there after a wrong and then a right password.
	owner.expect("status after logging out", owner.press("#logout"), 200)
	owner.expect("where logging out leads", owner.path(), "/login")
	owner.open("/w/caffe-rossi/calendar")
	owner.expect("a logged-out visitor is asked to log in", owner.path(), "/login?next=%2Fw%2Fcaffe-rossi%2Fcalendar")
	owner.fill("email", ownerEmail)
	owner.fill("password", "not my password")
	code := owner.press(`form[action="/login"] button[type=submit]`)
	owner.expectTrue("a wrong password is refused with a 4xx status", code >= 400 && code < 500)
	owner.expectTrue("a wrong password shows an error", owner.visible("#form-error"))
	owner.expect("the email typed is kept", owner.value("email"), ownerEmail)
	owner.fill("password", ownerPassword)
	owner.expect("status after logging in", owner.press(`form[action="/login"] button[type=submit]`), 200)
	owner.expect("where logging in leads", owner.path(), "/w/caffe-rossi/calendar")

	// Switch to Italian with the language menu, from the keyboard: the
	// page's script submits the menu on change, so its button is hidden.
	owner.expectTrue("the language button is hidden when the menu submits itself", !owner.visible(".lang-form button[type=submit]"))
	owner.expect("status after choosing Italiano",
		// Typing the first letter picks the option, as with a keyboard.
		owner.navigate("choose Italiano in the language menu", chromedp.SendKeys(chromedp.ID("language-select"), "I")),
		200)
	owner.expect("page after switching language", owner.path(), "/w/caffe-rossi/calendar")
	owner.expect("<html lang>", owner.lang(), "it")
	owner.expect("calendar in the navigation", owner.text(`nav.sections a[data-section="calendar"]`), "Calendario")
	owner.expect("settings in the navigation", owner.text(`nav.sections a[data-section="settings"]`), "Impostazioni")
	owner.expect("heading", owner.text("main h1"), "Calendario")
	owner.expect("owner's role in Italian", owner.text("#your-role"), "Titolare")
	owner.expect("language menu", owner.value("language-select"), "it")

	// A second workspace, from the list of workspaces.
	owner.expect("status of the workspaces page", owner.press(`header a[href="/workspaces"]`), 200)
	owner.expect("workspaces page", owner.path(), "/workspaces")
	owner.expect("workspaces listed", owner.texts("#workspace-list li a"), []string{"Caffè Rossi"})
	owner.fill("workspace_name", "Studio Bianchi")
	owner.expect("status after creating a workspace", owner.press("#create-workspace"), 200)
	owner.expect("where creating a workspace leads", owner.path(), "/w/studio-bianchi/settings?done=created")
	owner.expectTrue("a confirmation is shown", owner.visible("main .notice"))
	owner.expect("current workspace", owner.text("#current-workspace"), "Studio Bianchi")
	owner.expect("owner's navigation", owner.nav(), ownerNav)
	owner.expect("members of the new workspace", owner.memberRoles(), map[string]string{ownerEmail: "Titolare"})
	owner.expect("roles the owner may give", owner.inviteRoles(), []string{"owner", "manager", "editor", "agency", "responder", "viewer"})

	// Invite one colleague per role; each invitation shows its link once.
	links := map[string]string{}
	for _, m := range members {
		owner.fill("invite-email", m.email)
		owner.do("choose the role "+m.role, chromedp.Click(chromedp.ID("invite-role-"+m.role)))
		owner.expect("status after inviting "+m.email, owner.press("#invite-submit"), 200)
		link := owner.value("invite-link")
		owner.expectTrue("the invitation link of "+m.email+" is on this server: "+link, strings.HasPrefix(link, base+"/invite/"))
		owner.expectTrue("the invitation names "+m.email, strings.Contains(owner.text("#invite-result"), m.email))
		links[m.role] = link
	}
	pending := owner.texts("#pending-invitations li")
	owner.expect("pending invitations", len(pending), len(members))
	for _, m := range members {
		owner.expectTrue("pending invitation of "+m.email, slices.ContainsFunc(pending, func(s string) bool { return strings.Contains(s, m.email) }))
	}

	// Each colleague, at their own browser, opens their link, chooses a
	// name and a password, and sees only what their role allows.
	visitors := map[string]*visitor{}
	for _, m := range members {
		v := newVisitor(t, browser, base, m.role)
		visitors[m.role] = v
		t.Run(m.role, func(t *testing.T) {
			v := v.as(t)
			if m.noJS {
				v.withoutJavaScript()
			}
			v.expect("status of the invitation page", v.navigate("open the invitation link", chromedp.Navigate(links[m.role])), 200)
			v.expect("invitation heading", v.text("main h1"), "Join Studio Bianchi")
			v.expect("invited email", v.value("email"), m.email)
			v.expectTrue("the invitation names the role", strings.HasPrefix(v.text("main .lead"), "You were invited as "+englishLabels[m.role]+" ("))
			if m.role == "manager" {
				shot(v, "3-invitation")
			}
			v.fill("name", m.name)
			v.fill("password", m.password)
			v.expect("status after joining", v.press("main form button[type=submit]"), 200)
			v.expect("where joining leads", v.path(), "/w/studio-bianchi/"+m.nav[0])
			v.expectTrue("the landing section is shown", v.visible(sectionMark(m.nav[0])))
			v.expect("account link", v.text("#account-link"), m.name)
			if m.role == "agency" {
				shot(v, "4-agency-calendar")
			}
			if m.noJS {
				// Without JavaScript the language menu has a button.
				v.expectTrue("the language button is shown without JavaScript", v.visible(".lang-form button[type=submit]"))
				v.choose("language-select", "it")
				v.expect("status after changing language", v.press(".lang-form button[type=submit]"), 200)
				v.expect("page after switching language", v.path(), "/w/studio-bianchi/"+m.nav[0])
				v.expect("<html lang>", v.lang(), "it")
			}
			checkRoleView(v, m)
			if m.role == "agency" {
				v.open("/w/studio-bianchi/inbox")
				shot(v, "5-agency-inbox-forbidden")
			}
			if m.role == "responder" {
				v.open("/w/studio-bianchi/inbox")
				shot(v, "6-responder-inbox-italian-nojs")
			}
			// An invitation link works once.
			v.expect("status of the used invitation link", v.navigate("open the used invitation link", chromedp.Navigate(links[m.role])), 404)
			v.expectTrue("the used link says it is not valid any more", v.visible("#error-message"))
			v.expectTrue("the used link offers no form", !v.exists("main form"))
		})
	}

	// The owner sees everyone in the members table and no pending invitation.
	owner.expect("status of the settings page", owner.press(`nav.sections a[data-section="settings"]`), 200)
	want := map[string]string{ownerEmail: "Titolare", members[0].email: "Responsabile", members[1].email: "Redattore",
		members[2].email: "Agenzia", members[3].email: "Referente", members[4].email: "Lettore"}
	owner.expect("members after everyone joined", owner.memberRoles(), want)
	owner.expectTrue("no invitation is pending", !owner.exists("#pending-invitations"))

	// The owner makes the editor a viewer; the editor's next page follows.
	editor := visitors["editor"]
	editor.open("/w/studio-bianchi/calendar")
	row := `#members tr[data-email="` + members[1].email + `"]`
	owner.do("choose viewer for the editor", chromedp.SetValue(chromedp.CSS(row+" select"), "viewer"))
	owner.expect("status after changing the role", owner.press(row+` form[action$="/role"] button[type=submit]`), 200)
	owner.expect("page after changing the role", owner.path(), "/w/studio-bianchi/settings?done=role")
	owner.expectTrue("a confirmation is shown", owner.visible("main .notice"))
	want[members[1].email] = "Lettore"
	owner.expect("members after the change", owner.memberRoles(), want)
	shot(owner, "7-settings-italian")

	// The only owner cannot step down or be removed: the workspace would
	// have nobody to run it, so their row offers neither.
	ownerRow := `#members tr[data-email="` + ownerEmail + `"]`
	owner.expectTrue("the only owner's row has no role menu", !owner.exists(ownerRow+" select"))
	owner.expectTrue("the only owner's row has no remove button", !owner.exists(ownerRow+` form[action$="/remove"]`))

	editor.expect("status of the calendar, reloaded as viewer", editor.reload(), 403)
	editor.expectTrue("the reloaded calendar says why", editor.visible("#error-message"))
	editor.expect("navigation as viewer", editor.nav(), []string{"analytics"})
	editor.expect("role shown", editor.text("#your-role"), "Viewer")
	editor.expect("status of the workspace", editor.open("/w/studio-bianchi"), 200)
	editor.expect("where the workspace leads a viewer", editor.path(), "/w/studio-bianchi/analytics")
	editor.expectTrue("analytics shows its empty state", editor.visible("#empty-state"))

	// The audit log tells the story.
	owner.expect("status of the audit log", owner.press(`nav.sections a[data-section="audit"]`), 200)
	owner.expect("audit log page", owner.path(), "/w/studio-bianchi/audit")
	audit := owner.text("#audit")
	for _, want := range []string{"Spazio di lavoro creato", "Membro invitato", "Membro entrato", "Ruolo cambiato", "redattore → lettore", members[1].email} {
		owner.expectTrue("the audit log shows "+want, strings.Contains(audit, want))
	}
	shot(owner, "8-audit-italian")
}

// checkRoleView visits every section of Studio Bianchi as m, and the first
// workspace, which m is not a member of.
func checkRoleView(v *visitor, m member) {
	v.t.Helper()
	v.expect("navigation", v.nav(), m.nav)
	v.expect("role shown", v.text("#your-role"), m.label)
	v.expect("current workspace", v.text("#current-workspace"), "Studio Bianchi")
	for _, key := range allSections {
		code := v.open("/w/studio-bianchi/" + key)
		if !slices.Contains(m.nav, key) {
			v.expect("status of the forbidden "+key, code, 403)
			v.expect("error shown for "+key, v.text("#error-message"), m.forbidden)
			v.expectTrue("the forbidden "+key+" shows nothing of the section",
				!v.exists("#empty-state") && !v.exists("#members") && !v.exists("#audit") &&
					!v.exists("#calendar") && !v.exists("#composer") && !v.exists("#accounts"))
			v.expect("navigation on the forbidden "+key, v.nav(), m.nav)
			continue
		}
		v.expect("status of "+key, code, 200)
		v.expect("current section", v.currentSection(), key)
		switch key {
		case "settings":
			v.expectTrue("settings lists the members", v.visible("#members"))
			v.expect("roles "+m.role+" may give", v.inviteRoles(), m.offers)
			v.expectTrue("only the owner edits the workspace", !v.exists("#workspace_name"))
			if m.offers == nil {
				v.expectTrue("no invitation form", !v.exists("#invite-form"))
				v.expectTrue("no role menus", !v.exists("#members select"))
			}
		default:
			v.expectTrue(key+" is shown", v.visible(sectionMark(key)))
		}
	}

	// The first workspace does not exist for someone who is not a member.
	for _, path := range []string{"/w/caffe-rossi", "/w/caffe-rossi/calendar"} {
		v.expect("status of "+path, v.open(path), 404)
		v.expectTrue(path+" says there is no such page", v.visible("#error-message"))
		v.expectTrue(path+" does not name the workspace", !strings.Contains(v.bodyText(), "Caffè Rossi"))
	}
	v.expect("status of the workspaces page", v.open("/workspaces"), 200)
	v.expect("workspaces listed", v.texts("#workspace-list li a"), []string{"Studio Bianchi"})
	v.expectTrue("only an administrator creates workspaces", !v.exists("#create-workspace"))
}

// currentSection is the data-section of the navigation link marked as the
// current page.
func (v *visitor) currentSection() string {
	v.t.Helper()
	return js[string](v, `(() => { const a = document.querySelector('nav.sections a[aria-current="page"]'); return a ? a.dataset.section : ""; })()`)
}

// memberRoles maps each email of the members table to the role shown.
func (v *visitor) memberRoles() map[string]string {
	v.t.Helper()
	return js[map[string]string](v, `Object.fromEntries(Array.from(document.querySelectorAll("#members tbody tr"),
		r => [r.dataset.email, r.querySelector(".member-role").textContent.trim()]))`)
}

// inviteRoles lists the roles the invitation form offers, or nil without
// the form.
func (v *visitor) inviteRoles() []string {
	v.t.Helper()
	roles := js[[]string](v, `Array.from(document.querySelectorAll('#invite-form input[name="role"]'), i => i.value)`)
	if len(roles) == 0 {
		return nil
	}
	return roles
}
