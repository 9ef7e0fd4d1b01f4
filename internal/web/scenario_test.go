package web_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/account"
	"github.com/portavoce/portavoce/internal/auth"
	"github.com/portavoce/portavoce/internal/inbox"
	"github.com/portavoce/portavoce/internal/listening"
	"github.com/portavoce/portavoce/internal/live"
	"github.com/portavoce/portavoce/internal/presence"
	"github.com/portavoce/portavoce/internal/presence/profileaudit"
	"github.com/portavoce/portavoce/internal/presence/siteaudit"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/provider/bluesky"
	"github.com/portavoce/portavoce/internal/provider/bluesky/blueskytest"
	"github.com/portavoce/portavoce/internal/provider/mastodon"
	"github.com/portavoce/portavoce/internal/provider/mastodon/mastodontest"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/secrets"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/store/storetest"
	"github.com/portavoce/portavoce/internal/web"
	"github.com/portavoce/portavoce/internal/workspace"
)

// who is the person making a request in a scenario.
type who string

// The people of the fixture. admin is the instance administrator and an
// owner of acme; owner is a second owner of acme who is not an
// administrator; outsider owns another workspace only.
const (
	admin     who = "admin"
	owner     who = "owner"
	manager   who = "manager"
	editor    who = "editor"
	agency    who = "agency"
	responder who = "responder"
	viewer    who = "viewer"
	outsider  who = "outsider"
	anonymous who = "anonymous"
)

// everyone is every kind of caller: each route has a scenario for each.
var everyone = []who{admin, owner, manager, editor, agency, responder, viewer, outsider, anonymous}

// password is every fixture user's password.
const password = "correct horse battery staple"

// passwordHash is computed once: argon2id costs tens of milliseconds, and
// the fixtures need dozens of users.
var passwordHash = sync.OnceValue(func() string {
	h, err := auth.HashPassword(password)
	if err != nil {
		panic(err)
	}
	return h
})

// fixture is a server over a real database with the people above, and
// acme's publishing: a Mastodon and a Bluesky account (on local test
// servers), a scheduled post, a draft, an uploaded image and a
// notification.
type fixture struct {
	db         *store.DB
	accounts   *account.Service
	workspaces *workspace.Service
	publishing *publish.Service
	connector  *publish.Connector
	vault      *secrets.Vault
	server     *httptest.Server
	client     *http.Client

	// mastodon and bluesky are the networks, on loopback.
	mastodon *mastodontest.Server
	bluesky  *blueskytest.Server
	// masto and sky are acme's connected accounts.
	masto, sky p.SocialAccount
	// post is scheduled (in a few weeks), draft is a draft, both in acme;
	// otherPost is a draft of "other".
	post, draft, otherPost p.Post
	// media is an image uploaded to acme, otherMedia one uploaded to
	// "other".
	media, otherMedia p.Media

	users  map[who]p.User
	tokens map[who]string // raw personal API tokens
	acme   p.Workspace
	other  p.Workspace
	// adminTokenID is a token of the admin, for others to try to revoke.
	adminTokenID string
	// secrets are hashes that must never appear in a response body.
	secrets []string
	seq     int
	// unverified is the post {unverified-post} made last.
	unverified p.Post
	// site is acme's website; presence audits it.
	site     *httptest.Server
	presence *presence.Service
	// inbox answers acme's conversations; lastItem is the item of the
	// conversation a row made last ({conversation-item}).
	inbox    *inbox.Service
	lastItem string
	// listening is acme's social listening; lastMention is the post of the
	// mention a row made last ({mention-post}).
	listening   *listening.Service
	lastMention string
}

// newFixture fills db with the fixture and starts a server over it.
func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	accounts := account.New(db, account.DefaultPolicy, nil, nil)
	workspaces := workspace.New(db, accounts, nil, nil)
	f := &fixture{db: db, accounts: accounts, workspaces: workspaces,
		users: map[who]p.User{}, tokens: map[who]string{}}
	for _, w := range everyone {
		if w == anonymous {
			continue
		}
		f.users[w] = f.newUser(t, string(w)+"@example.com", w == admin)
	}
	var err error
	if f.acme, err = workspaces.Build("Acme", "acme", "Europe/Rome", "en"); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateWorkspace(ctx, f.acme, f.users[admin].ID); err != nil {
		t.Fatal(err)
	}
	roles := map[who]p.Role{owner: p.RoleOwner, manager: p.RoleManager, editor: p.RoleEditor,
		agency: p.RoleAgency, responder: p.RoleResponder, viewer: p.RoleViewer}
	for w, role := range roles {
		if w != viewer {
			f.addMember(t, f.users[w], role)
		}
	}
	// The viewer joins through the service (invited, then accepting), so
	// that acme's audit log has entries from the start.
	inv, err := workspaces.Invite(ctx, workspace.Actor{User: f.users[admin]}, workspace.Access{Workspace: f.acme, Role: p.RoleOwner},
		f.users[viewer].Email, p.RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := workspaces.AcceptAsUser(ctx, workspace.Actor{User: f.users[viewer]}, inv.Token); err != nil {
		t.Fatal(err)
	}
	if f.other, err = workspaces.Build("Other Brand", "other", "Europe/Rome", "en"); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateWorkspace(ctx, f.other, f.users[outsider].ID); err != nil {
		t.Fatal(err)
	}
	for w, u := range f.users {
		raw, _, err := accounts.CreateAPIToken(ctx, u, "scenario", account.Origin{IP: "127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[w] = raw
		f.secrets = append(f.secrets, auth.HashToken(raw))
	}
	_, tok, err := accounts.CreateAPIToken(ctx, f.users[admin], "admin's other token", account.Origin{})
	if err != nil {
		t.Fatal(err)
	}
	f.adminTokenID = tok.ID
	f.secrets = append(f.secrets, tok.TokenHash)

	// Publishing, wired as the server wires it, with the networks on
	// loopback and a vault key of its own.
	key := make([]byte, secrets.KeySize)
	rand.Read(key)
	box, err := secrets.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	f.mastodon, f.bluesky = mastodontest.NewServer(), blueskytest.NewServer()
	t.Cleanup(f.mastodon.Close)
	t.Cleanup(f.bluesky.Close)
	networkClient := &http.Client{Timeout: 30 * time.Second}
	masto := mastodon.New(networkClient)
	sky := bluesky.New(networkClient, f.bluesky.URL(), f.bluesky.URL())
	f.publishing = publish.New(db, []provider.Publisher{masto, sky}, nil, nil, nil)
	f.vault = secrets.NewVault(box, db)
	f.connector = publish.NewConnector(db, f.vault, masto, sky, nil, nil)

	// The brand's website, on loopback, for the presence audit.
	f.site = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="it"><head><title>Acme, the company that makes everything</title></head><body>Acme</body></html>`)
	}))
	t.Cleanup(f.site.Close)
	f.presence = presence.New(db, networkClient, siteaudit.Options{}, profileaudit.Deps{}, nil, nil)
	if _, err := f.presence.SaveSettings(context.Background(), workspace.Actor{User: f.users[admin]}, ownerOf(f.acme),
		p.PresenceSettings{Website: f.site.URL, BrandName: "Acme"}); err != nil {
		t.Fatal(err)
	}

	f.inbox = inbox.New(db, f.publishing, f.vault, map[string]provider.Inbox{provider.Mastodon: masto, provider.Bluesky: sky},
		live.NewHub(), nil, nil)
	f.listening = listening.New(db, live.NewHub(), nil, nil, nil)
	// Sources are recorded, not run: no runner goroutine in this fixture.
	f.listening.SetSources(db, listening.NewRunner(db, nil, networkClient, nil))
	f.listening.SetEngager(f.publishing, f.vault, sky)
	f.listening.SetInbox(db)

	srv, err := web.NewServer(web.Deps{Accounts: accounts, Workspaces: workspaces, Publishing: f.publishing,
		Connector: f.connector, Media: db, DB: db, Presence: f.presence, Inbox: f.inbox, InboxEvery: time.Minute,
		Listening: f.listening})
	if err != nil {
		t.Fatal(err)
	}
	f.server = httptest.NewServer(srv)
	t.Cleanup(f.server.Close)
	f.client = &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	f.setUpPublishing(t)
	return f
}

// blueskyAppPassword is the app password of every Bluesky test account.
const blueskyAppPassword = "abcd-efgh-ijkl-mnop"

// setUpPublishing connects acme's accounts (Mastodon through its OAuth
// flow, Bluesky with an app password), uploads an image, and saves a
// scheduled post, a draft and a notification.
func (f *fixture) setUpPublishing(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	remoteID, _ := f.mastodon.CreateAccount("acme")
	f.mastodon.SignIn(remoteID)
	state, code := f.mastodonGrant(t, admin)
	var err error
	if _, f.masto, err = f.connector.FinishMastodon(ctx, workspace.Actor{User: f.users[admin]}, state, code, ""); err != nil {
		t.Fatalf("connect Mastodon: %v", err)
	}
	f.bluesky.CreateAccount("acme.bsky.social", blueskyAppPassword)
	f.sky = f.connectBluesky(t, "acme.bsky.social")
	f.keepSecret(t, f.masto)
	f.keepSecret(t, f.sky)
	f.media = f.upload(t, f.acme, "photo.png")
	f.otherMedia = f.upload(t, f.other, "other.png")
	f.post = f.schedule(t, "A scheduled post", f.masto.ID)
	f.draft = f.saveDraft(t, f.acme, editor, "A draft", f.masto.ID)
	// "other" has no account: a draft is enough to be found, or not, by id.
	f.otherPost = f.saveDraft(t, f.other, outsider, "Another brand's post")
	err = f.db.AddNotification(ctx, p.Notification{ID: uuid.NewString(), WorkspaceID: f.acme.ID, Kind: p.NotifyFailed,
		PostID: f.post.ID, Account: f.masto.Label(), Detail: "Validation failed: Text character limit of 500 exceeded",
		CreatedAt: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
}

// conversation makes a fan on the test instance answer acme, stores what
// the inbox would have fetched, and returns the conversation's id
// (assigned to assignee when not empty).
func (f *fixture) conversation(t *testing.T, assignee string) string {
	t.Helper()
	ctx := context.Background()
	f.seq++
	fanID, fanToken := f.mastodon.CreateAccount(fmt.Sprintf("fan%d", f.seq))
	form := url.Values{"status": {"@acme Thanks for the coffee!"}, "visibility": {"public"}}
	req, _ := http.NewRequest("POST", f.mastodon.URL()+"/api/v1/statuses", strings.NewReader(form.Encode()))
	req.Header.Set("Authorization", "Bearer "+fanToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var st struct{ ID, URL string }
	err = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if err != nil || st.ID == "" {
		t.Fatalf("the fan's status: %v (HTTP %d)", err, resp.StatusCode)
	}
	reply, _ := json.Marshal(provider.ReplyTo{RemoteID: st.ID})
	now := time.Now().UTC()
	arrival := store.Arrival{Thread: st.ID, Item: p.InboxItem{RemoteID: st.ID, Kind: provider.ItemMention, Text: "Thanks for the coffee!",
		URL: st.URL, Author: p.Person{RemoteID: fanID, Handle: fmt.Sprintf("fan%d", f.seq), Name: "A fan"}, Reply: string(reply), CreatedAt: now}}
	if _, err := f.db.Ingest(ctx, f.masto, []store.Arrival{arrival}, st.ID, now); err != nil {
		t.Fatal(err)
	}
	convs, err := f.db.Conversations(ctx, f.acme.ID, store.ConversationFilter{Statuses: p.ConversationStatuses, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range convs {
		if c.Thread == st.ID {
			if assignee != "" {
				if err := f.db.AssignConversation(ctx, f.acme.ID, c.ID, assignee, f.users[owner].ID, now); err != nil {
					t.Fatal(err)
				}
			}
			items, err := f.db.ConversationItems(ctx, f.acme.ID, c.ID)
			if err != nil || len(items) != 1 {
				t.Fatalf("the conversation's items: %v, %d", err, len(items))
			}
			f.lastItem = items[0].ID
			return c.ID
		}
	}
	t.Fatal("the conversation was not stored")
	return ""
}

// keepSecret adds the network tokens of a connected account to the secrets
// no answer may show.
func (f *fixture) keepSecret(t *testing.T, a p.SocialAccount) {
	t.Helper()
	plain, err := f.vault.Get(context.Background(), a.SecretID)
	if err != nil {
		t.Fatal(err)
	}
	var creds map[string]any
	if err := json.Unmarshal(plain, &creds); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, k := range []string{"access_token", "accessJwt", "refreshJwt"} {
		if s, ok := creds[k].(string); ok && len(s) >= 16 {
			f.secrets = append(f.secrets, s)
			n++
		}
	}
	if n == 0 {
		t.Fatalf("no token in the credentials of %s", a.Label())
	}
}

// ownerOf is the access of an owner of ws, for calling the services
// directly.
func ownerOf(ws p.Workspace) workspace.Access {
	return workspace.Access{Workspace: ws, Role: p.RoleOwner}
}

// mastodonGrant starts connecting acme's Mastodon account as w and
// authorizes it on the test instance, as a person would in the browser; it
// returns what the instance sends back to Portavoce's callback.
func (f *fixture) mastodonGrant(t *testing.T, w who) (state, code string) {
	t.Helper()
	authorize, err := f.connector.BeginMastodon(context.Background(), workspace.Actor{User: f.users[w]}, ownerOf(f.acme),
		f.mastodon.URL(), f.server.URL+"/oauth/mastodon/callback")
	if err != nil {
		t.Fatalf("begin Mastodon: %v", err)
	}
	page := f.send(t, mustRequest(t, "GET", authorize, nil))
	if page.code != http.StatusOK {
		t.Fatalf("the instance's authorization page: %d\n%s", page.code, page.body)
	}
	form, _, _ := strings.Cut(page.body, `class="deny"`)
	fields := url.Values{}
	for _, m := range regexp.MustCompile(`name="([^"]*)" value="([^"]*)"`).FindAllStringSubmatch(form, -1) {
		fields.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	req := mustRequest(t, "POST", f.mastodon.URL()+"/oauth/authorize", strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res := f.send(t, req)
	back, err := url.Parse(res.location)
	if res.code != http.StatusFound || err != nil || !strings.HasPrefix(res.location, f.server.URL+"/oauth/mastodon/callback?") {
		t.Fatalf("the instance answered the authorization with %d, Location %q", res.code, res.location)
	}
	return back.Query().Get("state"), back.Query().Get("code")
}

func mustRequest(t *testing.T, method, u string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// connectBluesky connects an account of the test Bluesky to acme.
func (f *fixture) connectBluesky(t *testing.T, handle string) p.SocialAccount {
	t.Helper()
	a, err := f.connector.ConnectBluesky(context.Background(), workspace.Actor{User: f.users[admin]}, ownerOf(f.acme),
		handle, blueskyAppPassword)
	if err != nil {
		t.Fatalf("connect Bluesky: %v", err)
	}
	return a
}

// newBlueskyHandle creates an account on the test Bluesky, not connected.
func (f *fixture) newBlueskyHandle() string {
	f.seq++
	handle := fmt.Sprintf("brand-%d.bsky.social", f.seq)
	f.bluesky.CreateAccount(handle, blueskyAppPassword)
	return handle
}

// testPNG is a small image that every network accepts.
func testPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(x * 7), uint8(y * 5), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// upload stores an image in ws's media, as an upload would.
func (f *fixture) upload(t *testing.T, ws p.Workspace, name string) p.Media {
	t.Helper()
	data := testPNG(t, 64, 48)
	m := p.Media{ID: uuid.NewString(), WorkspaceID: ws.ID, Filename: name, ContentType: "image/png", Size: int64(len(data)),
		Width: 64, Height: 48, SHA256: fmt.Sprintf("%x", sha256.Sum256(data)), Data: data, CreatedBy: f.users[admin].ID,
		CreatedAt: time.Now().UTC()}
	if err := f.db.InsertMedia(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m
}

// futureDate is a day a few weeks ahead in Rome, where posts of the
// scenarios are scheduled (and laterDate, where they are moved).
func futureDate(days int) string {
	return time.Now().In(publish.Zone("Europe/Rome")).AddDate(0, 0, days).Format("2006-01-02")
}

// schedule saves a post of acme with an image, scheduled at 09:00 on
// futureDate(20).
func (f *fixture) schedule(t *testing.T, text string, accounts ...string) p.Post {
	t.Helper()
	post, err := f.publishing.Create(context.Background(), workspace.Actor{User: f.users[admin]}, ownerOf(f.acme),
		publish.Draft{Content: p.PostContent{Parts: []p.PostPart{{Text: text, Media: []p.MediaItem{{MediaID: f.media.ID, Alt: "A test card"}}}}},
			Accounts: accounts},
		publish.When{Mode: "at", Date: futureDate(20), Time: "09:00"})
	if err != nil {
		t.Fatalf("schedule: %v", err)
	}
	return post
}

// saveDraft saves a draft in ws as w, for the given accounts.
func (f *fixture) saveDraft(t *testing.T, ws p.Workspace, w who, text string, accounts ...string) p.Post {
	t.Helper()
	post, err := f.publishing.Create(context.Background(), workspace.Actor{User: f.users[w]}, ownerOf(ws),
		publish.Draft{Content: p.PostContent{Parts: []p.PostPart{{Text: text}}}, Accounts: accounts},
		publish.When{Mode: "draft"})
	if err != nil {
		t.Fatal(err)
	}
	return post
}

// newUser stores a user with the fixture password (hashed once).
func (f *fixture) newUser(t *testing.T, email string, isAdmin bool) p.User {
	t.Helper()
	now := time.Now().UTC()
	name, _, _ := strings.Cut(email, "@")
	u := p.User{ID: uuid.NewString(), Email: email, Name: strings.ToUpper(name[:1]) + name[1:], PasswordHash: passwordHash(),
		IsAdmin: isAdmin, CreatedAt: now, PasswordChangedAt: now}
	if err := f.db.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

func (f *fixture) addMember(t *testing.T, u p.User, role p.Role) {
	t.Helper()
	err := f.db.AddMember(context.Background(), p.Membership{WorkspaceID: f.acme.ID, UserID: u.ID, Role: role, CreatedAt: time.Now().UTC()})
	if err != nil {
		t.Fatalf("add %s as %s: %v", u.Email, role, err)
	}
}

// newEmail returns an address nobody has.
func (f *fixture) newEmail() string {
	f.seq++
	return fmt.Sprintf("new-%d@example.com", f.seq)
}

// invite creates a pending invitation to a workspace, as its owner.
func (f *fixture) invite(t *testing.T, ws p.Workspace, inviter who, role p.Role) workspace.InviteResult {
	t.Helper()
	res, err := f.workspaces.Invite(context.Background(), workspace.Actor{User: f.users[inviter]},
		workspace.Access{Workspace: ws, Role: p.RoleOwner}, f.newEmail(), role)
	if err != nil {
		t.Fatal(err)
	}
	f.secrets = append(f.secrets, res.Invitation.TokenHash)
	return res
}

// session starts a new browser session for w.
func (f *fixture) session(t *testing.T, w who) (string, p.Session) {
	t.Helper()
	raw, sess, err := f.accounts.StartSession(context.Background(), f.users[w], account.Origin{IP: "127.0.0.1", UserAgent: "scenario"})
	if err != nil {
		t.Fatal(err)
	}
	f.secrets = append(f.secrets, sess.TokenHash)
	return raw, sess
}

// placeholder matches what a scenario's path, body or expectation may name
// instead of an id that only exists at run time.
var placeholder = regexp.MustCompile(`\{[a-z0-9:-]+\}`)

// resolve replaces the placeholders of s. Those that make something (a
// member, a token, an invitation, a post) make a new one each time, so that
// a row that changes or deletes it leaves the fixture as the next row
// expects:
//
//	{email}            the caller's email ({password}: the fixture password)
//	{id:W}             the id of fixture user W
//	{new-email}        an address nobody has
//	{loner-email}      the email of a new user who is in no workspace
//	{member:ROLE}      the id of a new member of acme with that role
//	{spare-token}      the id of a new API token of the caller
//	{admin-token}      the id of a token of the admin
//	{invitation}       the id of a new pending invitation to acme
//	{invite-token}     the secret of a new pending invitation to acme
//	{other-invitation} the id of a new pending invitation to "other"
//
// and for publishing:
//
//	{mastodon}, {bluesky}   the ids of acme's connected accounts
//	{mastodon-url}          the test Mastodon instance's address
//	{social-account}        the id of a new Bluesky account connected to acme
//	{bluesky-handle}        the handle of a new test Bluesky account, not connected
//	{app-password}          the app password of every test Bluesky account
//	{mastodon-callback}     the query the instance sends back to Portavoce
//	                        after the caller authorized ({mastodon-callback:W}:
//	                        one that W started)
//	{post}                  the id of a new post of acme, scheduled at 09:00
//	                        on {future-date}, to the Mastodon account
//	{draft}                 the id of a new draft of acme
//	{other-post}            the id of a post of "other"
//	{media}, {other-media}  the ids of images uploaded to acme and to "other"
//	{future-date}           a day a few weeks ahead (YYYY-MM-DD, in Rome);
//	                        {later-date} the day after
//	{text:N}                a text of N characters
//
// and for listening:
//
//	{topic}                 the id of a new topic of acme
//	{mention-topic}         the id of a new topic of acme with one mention;
//	                        {mention-post} (later in the same row) is the
//	                        mention's post
//	{unknown-id}            an id nothing has
//
// Within one row, a placeholder has the same value in the path, the body
// and the expectation (see resolveRow). Expectations may also hold
// {new-id} (any new id) and {any} (anything), matched as patterns.
func (f *fixture) resolve(t *testing.T, caller who, s string) string {
	t.Helper()
	return f.resolveRow(t, caller, nil, s)
}

// resolveRow is resolve with the values already given in the row (memo may
// be nil).
func (f *fixture) resolveRow(t *testing.T, caller who, memo map[string]string, s string) string {
	t.Helper()
	return placeholder.ReplaceAllStringFunc(s, func(ph string) string {
		if v, ok := memo[ph]; ok {
			return v
		}
		v := f.placeholderValue(t, caller, ph)
		if memo != nil {
			memo[ph] = v
		}
		return v
	})
}

func (f *fixture) placeholderValue(t *testing.T, caller who, ph string) string {
	t.Helper()
	name := strings.Trim(ph, "{}")
	kind, arg, _ := strings.Cut(name, ":")
	switch kind {
	case "email":
		return f.users[caller].Email
	case "password":
		return password
	case "id":
		return f.users[who(arg)].ID
	case "new-email":
		return f.newEmail()
	case "loner-email":
		return f.newUser(t, f.newEmail(), false).Email
	case "member":
		u := f.newUser(t, f.newEmail(), false)
		f.addMember(t, u, p.Role(arg))
		return u.ID
	case "spare-token":
		u, ok := f.users[caller]
		if !ok {
			u = f.users[admin]
		}
		_, tok, err := f.accounts.CreateAPIToken(context.Background(), u, "spare", account.Origin{})
		if err != nil {
			t.Fatal(err)
		}
		f.secrets = append(f.secrets, tok.TokenHash)
		return tok.ID
	case "admin-token":
		return f.adminTokenID
	case "invitation":
		return f.invite(t, f.acme, admin, p.RoleEditor).Invitation.ID
	case "invite-token":
		return f.invite(t, f.acme, admin, p.RoleEditor).Token
	case "other-invitation":
		return f.invite(t, f.other, outsider, p.RoleEditor).Invitation.ID
	case "mastodon":
		return f.masto.ID
	case "bluesky":
		return f.sky.ID
	case "mastodon-url":
		return f.mastodon.URL()
	case "social-account":
		return f.connectBluesky(t, f.newBlueskyHandle()).ID
	case "bluesky-handle":
		return f.newBlueskyHandle()
	case "app-password":
		return blueskyAppPassword
	case "mastodon-callback":
		starter := caller
		if arg != "" {
			starter = who(arg)
		}
		state, code := f.mastodonGrant(t, starter)
		return url.Values{"state": {state}, "code": {code}}.Encode()
	case "post":
		return f.schedule(t, "A post to move", f.masto.ID).ID
	case "draft":
		return f.saveDraft(t, f.acme, editor, "A draft to change", f.masto.ID).ID
	case "site":
		return f.site.URL
	case "unverified-post":
		// A post whose outcome could not be checked; {unverified-delivery}
		// (later in the same path) is its delivery.
		post := f.schedule(t, "An unverified post", f.masto.ID)
		if _, err := f.db.SQL().ExecContext(context.Background(), `UPDATE deliveries SET status = 'needs_check' WHERE id = $1`,
			post.Deliveries[0].ID); err != nil {
			t.Fatal(err)
		}
		f.unverified = post
		return post.ID
	case "unverified-delivery":
		return f.unverified.Deliveries[0].ID
	case "other-post":
		return f.otherPost.ID
	case "conversation":
		return f.conversation(t, "")
	case "responder-conversation":
		return f.conversation(t, f.users[responder].ID)
	case "conversation-item":
		return f.lastItem
	case "other-conversation":
		return uuid.NewString()
	case "saved-reply":
		r := p.SavedReply{ID: uuid.NewString(), WorkspaceID: f.acme.ID, Name: "Thanks", Language: "en", Body: "Thanks {{author.name}}!",
			CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
		if err := f.db.SaveSavedReply(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		return r.ID
	case "topic":
		return f.listeningTopic(t, "Acme "+uuid.NewString()[:8], p.TopicBrand, "acme").ID
	case "mention-topic":
		topic := f.listeningTopic(t, "Acme "+uuid.NewString()[:8], p.TopicBrand, "acme")
		// A real post on the test Bluesky, so that it can be liked.
		uri := f.bluesky.CreatePost(f.sky.RemoteID, "Acme makes the best coffee")
		f.lastMention = f.storeMention(t, topic, p.Mention{Source: "bluesky", RemoteID: uri, Text: "Acme makes the best coffee", Author: "fan.bsky.social", Sentiment: 0.6})
		return topic.ID
	case "mention-post":
		return f.lastMention
	case "unknown-id":
		return uuid.NewString()
	case "listening-source":
		// Straight in the store: the audit log rows need the first entries
		// to stay on the first page.
		src, err := f.db.Source(context.Background(), f.acme.ID, listening.SourceHN, "acme "+uuid.NewString()[:8], time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return src.ID
	case "media":
		return f.media.ID
	case "other-media":
		return f.otherMedia.ID
	case "future-date":
		return futureDate(20)
	case "later-date":
		return futureDate(21)
	case "text":
		n, err := strconv.Atoi(arg)
		if err != nil {
			t.Fatalf("placeholder %s: %v", ph, err)
		}
		return strings.Repeat("x", n)
	case "new-id", "any":
		return ph
	}
	t.Fatalf("unknown placeholder %s", ph)
	return ""
}

// matches reports whether got is want, where want may hold {new-id} and
// {any}; with whole, got must be all of it, else want may be anywhere in
// got (as a message, see containsMessage).
func matches(got, want string, whole bool) bool {
	if !strings.Contains(want, "{new-id}") && !strings.Contains(want, "{any}") {
		if whole {
			return got == want
		}
		return containsMessage(got, want)
	}
	re := regexp.QuoteMeta(want)
	re = strings.ReplaceAll(re, `\{new-id\}`, `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	re = strings.ReplaceAll(re, `\{any\}`, `.*`)
	if whole {
		re = "^" + re + "$"
	}
	return regexp.MustCompile(re).MatchString(got)
}

// response is what a scenario got back.
type response struct {
	code     int
	header   http.Header
	body     string
	location string
}

// request sends one request as w: the UI with a session (and its CSRF token
// in the form, and as the pre-login double-submit cookie), the API with the
// caller's bearer token. body is a form for the UI and JSON for the API.
func (f *fixture) request(t *testing.T, w who, method, path, body string, header http.Header) response {
	t.Helper()
	return f.requestAs(t, w, method, path, body, header, false)
}

// requestAs is request, with the body sent as multipart/form-data when
// multi is set (for the UI and the API alike): body is then a form in which
// a field named "@name" is a file upload of a small PNG image, the field's
// value being the file's name.
func (f *fixture) requestAs(t *testing.T, w who, method, path, body string, header http.Header, multi bool) response {
	t.Helper()
	api := strings.HasPrefix(path, "/api/")
	var csrf, sessionToken string
	if w != anonymous && !api {
		var sess p.Session
		sessionToken, sess = f.session(t, w)
		csrf = sess.CSRFToken
	} else if !api && method != http.MethodGet {
		csrf = auth.NewToken("")
	}
	var rd io.Reader
	contentType := ""
	switch {
	case multi:
		form, err := url.ParseQuery(body)
		if err != nil {
			t.Fatalf("form %q: %v", body, err)
		}
		if !api {
			form.Set("csrf", csrf)
		}
		rd, contentType = multipartBody(t, form)
	case api && body != "":
		rd, contentType = strings.NewReader(body), "application/json"
	case !api && method != http.MethodGet:
		form, err := url.ParseQuery(body)
		if err != nil {
			t.Fatalf("form %q: %v", body, err)
		}
		form.Set("csrf", csrf)
		rd, contentType = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequest(method, f.server.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if api && w != anonymous {
		req.Header.Set("Authorization", "Bearer "+f.tokens[w])
	}
	if sessionToken != "" {
		req.AddCookie(&http.Cookie{Name: "pv_session", Value: sessionToken})
	}
	if csrf != "" {
		req.AddCookie(&http.Cookie{Name: "pv_csrf", Value: csrf})
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	return f.send(t, req)
}

// multipartBody encodes a form as multipart/form-data; "@name" fields are
// PNG files named by their value.
func multipartBody(t testing.TB, form url.Values) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			if name, ok := strings.CutPrefix(k, "@"); ok {
				fw, err := mw.CreateFormFile(name, v)
				if err != nil {
					t.Fatal(err)
				}
				fw.Write(testPNG(t, 64, 48))
				continue
			}
			if err := mw.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

// send sends req to the fixture's server, following no redirect.
func (f *fixture) send(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b []byte
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		// A live stream does not end: its first event is what a row checks.
		rd := bufio.NewReader(resp.Body)
		for {
			line, err := rd.ReadString('\n')
			b = append(b, line...)
			if err != nil || line == "\n" {
				break
			}
		}
	} else if b, err = io.ReadAll(resp.Body); err != nil {
		t.Fatal(err)
	}
	return response{code: resp.StatusCode, header: resp.Header, body: string(b), location: resp.Header.Get("Location")}
}

// checkNoSecrets fails if a body shows a password hash or the hash of any
// token, session or invitation the fixture made.
func (f *fixture) checkNoSecrets(t *testing.T, body string) {
	t.Helper()
	if strings.Contains(body, "$argon2id$") || strings.Contains(body, passwordHash()) {
		t.Errorf("the body shows a password hash")
	}
	for _, h := range f.secrets {
		if strings.Contains(body, h) {
			t.Errorf("the body shows the hash %s of a secret", h)
		}
	}
}

// scenario is one request and what the product rules say it gets.
type scenario struct {
	method string
	// path may hold placeholders (see resolve).
	path string
	who  who
	// body is a form (UI) or JSON (API), with placeholders.
	body string
	code int
	// want is the Location of a redirect (exactly), or else a substring of
	// the body; placeholders allowed.
	want string
	// fresh runs the row on a fixture of its own, for rows that change what
	// later rows rely on.
	fresh bool
	// multipart sends the body as multipart/form-data (see requestAs).
	multipart bool
	note      string
}

func (sc scenario) name() string {
	n := string(sc.who) + " " + sc.method + " " + sc.path
	if sc.note != "" {
		n += " (" + sc.note + ")"
	}
	return n
}

// Messages the rows expect.
const (
	roleRefused   = "your role in this workspace does not allow this"
	adminOnly     = "only an administrator can do this"
	noWorkspace   = "there is no such workspace, or you are not a member of it"
	loginRequired = "please log in to continue"
	apiLogin      = `"code": "unauthorized"`
	apiForbidden  = `"code": "forbidden"`
	apiNotFound   = `"code": "not_found"`
)

// scenarios is the authorization table: every route, as every kind of
// caller, with the answer the product rules give. The expectations are
// written out here, from the rules in docs/permissions.md, not computed from
// the permission matrix, so that a change to the matrix shows up here.
var scenarios = []scenario{
	// Operations: public, the same for everyone.
	{method: "GET", path: "/healthz", who: admin, code: 200, want: "ok"},
	{method: "GET", path: "/healthz", who: owner, code: 200, want: "ok"},
	{method: "GET", path: "/healthz", who: manager, code: 200, want: "ok"},
	{method: "GET", path: "/healthz", who: editor, code: 200, want: "ok"},
	{method: "GET", path: "/healthz", who: agency, code: 200, want: "ok"},
	{method: "GET", path: "/healthz", who: responder, code: 200, want: "ok"},
	{method: "GET", path: "/healthz", who: viewer, code: 200, want: "ok"},
	{method: "GET", path: "/healthz", who: outsider, code: 200, want: "ok"},
	{method: "GET", path: "/healthz", who: anonymous, code: 200, want: "ok"},

	{method: "GET", path: "/readyz", who: admin, code: 200, want: "ready"},
	{method: "GET", path: "/readyz", who: owner, code: 200, want: "ready"},
	{method: "GET", path: "/readyz", who: manager, code: 200, want: "ready"},
	{method: "GET", path: "/readyz", who: editor, code: 200, want: "ready"},
	{method: "GET", path: "/readyz", who: agency, code: 200, want: "ready"},
	{method: "GET", path: "/readyz", who: responder, code: 200, want: "ready"},
	{method: "GET", path: "/readyz", who: viewer, code: 200, want: "ready"},
	{method: "GET", path: "/readyz", who: outsider, code: 200, want: "ready"},
	{method: "GET", path: "/readyz", who: anonymous, code: 200, want: "ready"},

	{method: "GET", path: "/metrics", who: admin, code: 200},
	{method: "GET", path: "/metrics", who: owner, code: 200},
	{method: "GET", path: "/metrics", who: manager, code: 200},
	{method: "GET", path: "/metrics", who: editor, code: 200},
	{method: "GET", path: "/metrics", who: agency, code: 200},
	{method: "GET", path: "/metrics", who: responder, code: 200},
	{method: "GET", path: "/metrics", who: viewer, code: 200},
	{method: "GET", path: "/metrics", who: outsider, code: 200},
	{method: "GET", path: "/metrics", who: anonymous, code: 200},

	{method: "GET", path: "/static/style.css", who: admin, code: 200},
	{method: "GET", path: "/static/style.css", who: owner, code: 200},
	{method: "GET", path: "/static/style.css", who: manager, code: 200},
	{method: "GET", path: "/static/style.css", who: editor, code: 200},
	{method: "GET", path: "/static/style.css", who: agency, code: 200},
	{method: "GET", path: "/static/style.css", who: responder, code: 200},
	{method: "GET", path: "/static/style.css", who: viewer, code: 200},
	{method: "GET", path: "/static/style.css", who: outsider, code: 200},
	{method: "GET", path: "/static/style.css", who: anonymous, code: 200},
	{method: "GET", path: "/static/nothing.css", who: anonymous, code: 404, note: "no such file"},

	{method: "GET", path: "/favicon.ico", who: admin, code: 200, want: "<svg"},
	{method: "GET", path: "/favicon.ico", who: owner, code: 200, want: "<svg"},
	{method: "GET", path: "/favicon.ico", who: manager, code: 200, want: "<svg"},
	{method: "GET", path: "/favicon.ico", who: editor, code: 200, want: "<svg"},
	{method: "GET", path: "/favicon.ico", who: agency, code: 200, want: "<svg"},
	{method: "GET", path: "/favicon.ico", who: responder, code: 200, want: "<svg"},
	{method: "GET", path: "/favicon.ico", who: viewer, code: 200, want: "<svg"},
	{method: "GET", path: "/favicon.ico", who: outsider, code: 200, want: "<svg"},
	{method: "GET", path: "/favicon.ico", who: anonymous, code: 200, want: "<svg"},

	// Getting in. The start page sends each where they belong.
	{method: "GET", path: "/", who: admin, code: 303, want: "/w/acme"},
	{method: "GET", path: "/", who: owner, code: 303, want: "/w/acme"},
	{method: "GET", path: "/", who: manager, code: 303, want: "/w/acme"},
	{method: "GET", path: "/", who: editor, code: 303, want: "/w/acme"},
	{method: "GET", path: "/", who: agency, code: 303, want: "/w/acme"},
	{method: "GET", path: "/", who: responder, code: 303, want: "/w/acme"},
	{method: "GET", path: "/", who: viewer, code: 303, want: "/w/acme"},
	{method: "GET", path: "/", who: outsider, code: 303, want: "/w/other"},
	{method: "GET", path: "/", who: anonymous, code: 303, want: "/login"},

	// Set-up is over once a user exists: it sends everyone to the login.
	{method: "GET", path: "/setup", who: admin, code: 303, want: "/login"},
	{method: "GET", path: "/setup", who: owner, code: 303, want: "/login"},
	{method: "GET", path: "/setup", who: manager, code: 303, want: "/login"},
	{method: "GET", path: "/setup", who: editor, code: 303, want: "/login"},
	{method: "GET", path: "/setup", who: agency, code: 303, want: "/login"},
	{method: "GET", path: "/setup", who: responder, code: 303, want: "/login"},
	{method: "GET", path: "/setup", who: viewer, code: 303, want: "/login"},
	{method: "GET", path: "/setup", who: outsider, code: 303, want: "/login"},
	{method: "GET", path: "/setup", who: anonymous, code: 303, want: "/login"},

	{method: "POST", path: "/setup", who: admin, body: setupForm, code: 303, want: "/login", note: "already set up"},
	{method: "POST", path: "/setup", who: owner, body: setupForm, code: 303, want: "/login", note: "already set up"},
	{method: "POST", path: "/setup", who: manager, body: setupForm, code: 303, want: "/login", note: "already set up"},
	{method: "POST", path: "/setup", who: editor, body: setupForm, code: 303, want: "/login", note: "already set up"},
	{method: "POST", path: "/setup", who: agency, body: setupForm, code: 303, want: "/login", note: "already set up"},
	{method: "POST", path: "/setup", who: responder, body: setupForm, code: 303, want: "/login", note: "already set up"},
	{method: "POST", path: "/setup", who: viewer, body: setupForm, code: 303, want: "/login", note: "already set up"},
	{method: "POST", path: "/setup", who: outsider, body: setupForm, code: 303, want: "/login", note: "already set up"},
	{method: "POST", path: "/setup", who: anonymous, body: setupForm, code: 303, want: "/login", note: "already set up"},

	// The login page: a logged-in person goes on to where they were going.
	{method: "GET", path: "/login?next=/account", who: admin, code: 303, want: "/account"},
	{method: "GET", path: "/login", who: owner, code: 303, want: "/"},
	{method: "GET", path: "/login", who: manager, code: 303, want: "/"},
	{method: "GET", path: "/login", who: editor, code: 303, want: "/"},
	{method: "GET", path: "/login", who: agency, code: 303, want: "/"},
	{method: "GET", path: "/login", who: responder, code: 303, want: "/"},
	{method: "GET", path: "/login", who: viewer, code: 303, want: "/"},
	{method: "GET", path: "/login?next=//evil.example", who: outsider, code: 303, want: "/", note: "never another site"},
	{method: "GET", path: "/login", who: anonymous, code: 200, want: `name="password"`},

	{method: "POST", path: "/login", who: admin, body: "email={email}&password={password}&next=/w/acme/audit", code: 303, want: "/w/acme/audit"},
	{method: "POST", path: "/login", who: owner, body: "email={email}&password={password}", code: 303, want: "/"},
	{method: "POST", path: "/login", who: manager, body: "email={email}&password={password}", code: 303, want: "/"},
	{method: "POST", path: "/login", who: editor, body: "email={email}&password={password}", code: 303, want: "/"},
	{method: "POST", path: "/login", who: agency, body: "email={email}&password={password}", code: 303, want: "/"},
	{method: "POST", path: "/login", who: responder, body: "email={email}&password={password}", code: 303, want: "/"},
	{method: "POST", path: "/login", who: viewer, body: "email={email}&password={password}", code: 303, want: "/"},
	{method: "POST", path: "/login", who: outsider, body: "email={email}&password={password}&next=https://evil.example/", code: 303, want: "/", note: "never another site"},
	{method: "POST", path: "/login", who: anonymous, body: "email=viewer@example.com&password={password}&next=/w/acme/analytics", code: 303, want: "/w/acme/analytics"},
	{method: "POST", path: "/login", who: anonymous, body: "email=viewer@example.com&password=not+the+password", code: 401, want: "the email or the password is not right", note: "wrong password"},
	{method: "POST", path: "/login", who: anonymous, body: "email=nobody@example.com&password={password}", code: 401, want: "the email or the password is not right", note: "unknown email"},

	{method: "POST", path: "/language", who: admin, body: "language=en&next=/account", code: 303, want: "/account"},
	{method: "POST", path: "/language", who: owner, body: "language=en&next=/account", code: 303, want: "/account"},
	{method: "POST", path: "/language", who: manager, body: "language=en&next=/account", code: 303, want: "/account"},
	{method: "POST", path: "/language", who: editor, body: "language=en&next=/account", code: 303, want: "/account"},
	{method: "POST", path: "/language", who: agency, body: "language=en&next=/account", code: 303, want: "/account"},
	{method: "POST", path: "/language", who: responder, body: "language=en&next=/account", code: 303, want: "/account"},
	{method: "POST", path: "/language", who: viewer, body: "language=en&next=/account", code: 303, want: "/account"},
	{method: "POST", path: "/language", who: outsider, body: "language=en&next=/account", code: 303, want: "/account"},
	{method: "POST", path: "/language", who: anonymous, body: "language=it&next=/login", code: 303, want: "/login"},
	{method: "POST", path: "/language", who: anonymous, body: "language=fr", code: 400, want: "the language must be it or en", note: "unknown language"},

	// Invitation links work for whoever holds them; a logged-in person can
	// accept only an invitation sent to their own email.
	{method: "GET", path: "/invite/{invite-token}", who: admin, code: 200, want: "Join Acme"},
	{method: "GET", path: "/invite/{invite-token}", who: owner, code: 200, want: "Join Acme"},
	{method: "GET", path: "/invite/{invite-token}", who: manager, code: 200, want: "Join Acme"},
	{method: "GET", path: "/invite/{invite-token}", who: editor, code: 200, want: "Join Acme"},
	{method: "GET", path: "/invite/{invite-token}", who: agency, code: 200, want: "Join Acme"},
	{method: "GET", path: "/invite/{invite-token}", who: responder, code: 200, want: "Join Acme"},
	{method: "GET", path: "/invite/{invite-token}", who: viewer, code: 200, want: "Join Acme"},
	{method: "GET", path: "/invite/{invite-token}", who: outsider, code: 200, want: "Join Acme"},
	{method: "GET", path: "/invite/{invite-token}", who: anonymous, code: 200, want: "Join Acme"},
	{method: "GET", path: "/invite/inv_not-a-real-one", who: anonymous, code: 404, want: "this invitation link is not valid any more", note: "unknown link"},

	{method: "POST", path: "/invite/{invite-token}", who: admin, code: 403, want: "this invitation is for new-", note: "sent to someone else"},
	{method: "POST", path: "/invite/{invite-token}", who: owner, code: 403, want: "this invitation is for new-", note: "sent to someone else"},
	{method: "POST", path: "/invite/{invite-token}", who: manager, code: 403, want: "this invitation is for new-", note: "sent to someone else"},
	{method: "POST", path: "/invite/{invite-token}", who: editor, code: 403, want: "this invitation is for new-", note: "sent to someone else"},
	{method: "POST", path: "/invite/{invite-token}", who: agency, code: 403, want: "this invitation is for new-", note: "sent to someone else"},
	{method: "POST", path: "/invite/{invite-token}", who: responder, code: 403, want: "this invitation is for new-", note: "sent to someone else"},
	{method: "POST", path: "/invite/{invite-token}", who: viewer, code: 403, want: "this invitation is for new-", note: "sent to someone else"},
	{method: "POST", path: "/invite/{invite-token}", who: outsider, code: 403, want: "this invitation is for new-", note: "sent to someone else"},
	{method: "POST", path: "/invite/{invite-token}", who: anonymous, body: "name=Newcomer&password=a+long+enough+password", code: 303, want: "/w/acme", note: "creates the account"},
	{method: "POST", path: "/invite/{invite-token}", who: anonymous, body: "name=Newcomer&password=short", code: 400, want: "the password must have at least 10 characters", note: "weak password"},

	{method: "POST", path: "/logout", who: admin, code: 303, want: "/login"},
	{method: "POST", path: "/logout", who: owner, code: 303, want: "/login"},
	{method: "POST", path: "/logout", who: manager, code: 303, want: "/login"},
	{method: "POST", path: "/logout", who: editor, code: 303, want: "/login"},
	{method: "POST", path: "/logout", who: agency, code: 303, want: "/login"},
	{method: "POST", path: "/logout", who: responder, code: 303, want: "/login"},
	{method: "POST", path: "/logout", who: viewer, code: 303, want: "/login"},
	{method: "POST", path: "/logout", who: outsider, code: 303, want: "/login"},
	{method: "POST", path: "/logout", who: anonymous, code: 401, want: loginRequired},

	// The person's own account: anyone logged in.
	{method: "GET", path: "/account", who: admin, code: 200, want: "admin@example.com"},
	{method: "GET", path: "/account", who: owner, code: 200, want: "owner@example.com"},
	{method: "GET", path: "/account", who: manager, code: 200, want: "manager@example.com"},
	{method: "GET", path: "/account", who: editor, code: 200, want: "editor@example.com"},
	{method: "GET", path: "/account", who: agency, code: 200, want: "agency@example.com"},
	{method: "GET", path: "/account", who: responder, code: 200, want: "responder@example.com"},
	{method: "GET", path: "/account", who: viewer, code: 200, want: "viewer@example.com"},
	{method: "GET", path: "/account", who: outsider, code: 200, want: "outsider@example.com"},
	{method: "GET", path: "/account", who: anonymous, code: 303, want: "/login?next=%2Faccount"},

	// Changing to the same password keeps the fixture's password valid.
	{method: "POST", path: "/account/password", who: admin, body: samePassword, code: 303, want: "/account?done=password"},
	{method: "POST", path: "/account/password", who: owner, body: samePassword, code: 303, want: "/account?done=password"},
	{method: "POST", path: "/account/password", who: manager, body: samePassword, code: 303, want: "/account?done=password"},
	{method: "POST", path: "/account/password", who: editor, body: samePassword, code: 303, want: "/account?done=password"},
	{method: "POST", path: "/account/password", who: agency, body: samePassword, code: 303, want: "/account?done=password"},
	{method: "POST", path: "/account/password", who: responder, body: samePassword, code: 303, want: "/account?done=password"},
	{method: "POST", path: "/account/password", who: viewer, body: samePassword, code: 303, want: "/account?done=password"},
	{method: "POST", path: "/account/password", who: outsider, body: samePassword, code: 303, want: "/account?done=password"},
	{method: "POST", path: "/account/password", who: anonymous, body: samePassword, code: 401, want: loginRequired},
	{method: "POST", path: "/account/password", who: viewer, body: "current_password=wrong+password&new_password=another+long+one", code: 400, want: "the current password is not right", note: "wrong current password"},

	{method: "POST", path: "/account/logout-everywhere", who: admin, code: 303, want: "/login"},
	{method: "POST", path: "/account/logout-everywhere", who: owner, code: 303, want: "/login"},
	{method: "POST", path: "/account/logout-everywhere", who: manager, code: 303, want: "/login"},
	{method: "POST", path: "/account/logout-everywhere", who: editor, code: 303, want: "/login"},
	{method: "POST", path: "/account/logout-everywhere", who: agency, code: 303, want: "/login"},
	{method: "POST", path: "/account/logout-everywhere", who: responder, code: 303, want: "/login"},
	{method: "POST", path: "/account/logout-everywhere", who: viewer, code: 303, want: "/login"},
	{method: "POST", path: "/account/logout-everywhere", who: outsider, code: 303, want: "/login"},
	{method: "POST", path: "/account/logout-everywhere", who: anonymous, code: 401, want: loginRequired},

	{method: "POST", path: "/account/tokens", who: admin, body: "name=laptop", code: 200, want: `id="new-token" readonly value="pv_`},
	{method: "POST", path: "/account/tokens", who: owner, body: "name=laptop", code: 200, want: `id="new-token" readonly value="pv_`},
	{method: "POST", path: "/account/tokens", who: manager, body: "name=laptop", code: 200, want: `id="new-token" readonly value="pv_`},
	{method: "POST", path: "/account/tokens", who: editor, body: "name=laptop", code: 200, want: `id="new-token" readonly value="pv_`},
	{method: "POST", path: "/account/tokens", who: agency, body: "name=laptop", code: 200, want: `id="new-token" readonly value="pv_`},
	{method: "POST", path: "/account/tokens", who: responder, body: "name=laptop", code: 200, want: `id="new-token" readonly value="pv_`},
	{method: "POST", path: "/account/tokens", who: viewer, body: "name=laptop", code: 200, want: `id="new-token" readonly value="pv_`},
	{method: "POST", path: "/account/tokens", who: outsider, body: "name=laptop", code: 200, want: `id="new-token" readonly value="pv_`},
	{method: "POST", path: "/account/tokens", who: anonymous, body: "name=laptop", code: 401, want: loginRequired},
	{method: "POST", path: "/account/tokens", who: viewer, body: "name=", code: 400, want: "give the token a name", note: "no name"},

	{method: "POST", path: "/account/tokens/{spare-token}/revoke", who: admin, code: 303, want: "/account?done=revoked"},
	{method: "POST", path: "/account/tokens/{spare-token}/revoke", who: owner, code: 303, want: "/account?done=revoked"},
	{method: "POST", path: "/account/tokens/{spare-token}/revoke", who: manager, code: 303, want: "/account?done=revoked"},
	{method: "POST", path: "/account/tokens/{spare-token}/revoke", who: editor, code: 303, want: "/account?done=revoked"},
	{method: "POST", path: "/account/tokens/{spare-token}/revoke", who: agency, code: 303, want: "/account?done=revoked"},
	{method: "POST", path: "/account/tokens/{spare-token}/revoke", who: responder, code: 303, want: "/account?done=revoked"},
	{method: "POST", path: "/account/tokens/{spare-token}/revoke", who: viewer, code: 303, want: "/account?done=revoked"},
	{method: "POST", path: "/account/tokens/{spare-token}/revoke", who: outsider, code: 303, want: "/account?done=revoked"},
	{method: "POST", path: "/account/tokens/{spare-token}/revoke", who: anonymous, code: 401, want: loginRequired},
	{method: "POST", path: "/account/tokens/{admin-token}/revoke", who: owner, code: 404, note: "someone else's token"},
	{method: "POST", path: "/account/tokens/{admin-token}/revoke", who: outsider, code: 404, note: "someone else's token"},

	// Workspaces: everyone logged in sees their list; only the
	// administrator creates workspaces and reads the whole audit log.
	{method: "GET", path: "/workspaces", who: admin, code: 200, want: `id="create-workspace"`},
	{method: "GET", path: "/workspaces", who: owner, code: 200, want: `href="/w/acme"`},
	{method: "GET", path: "/workspaces", who: manager, code: 200, want: `href="/w/acme"`},
	{method: "GET", path: "/workspaces", who: editor, code: 200, want: `href="/w/acme"`},
	{method: "GET", path: "/workspaces", who: agency, code: 200, want: `href="/w/acme"`},
	{method: "GET", path: "/workspaces", who: responder, code: 200, want: `href="/w/acme"`},
	{method: "GET", path: "/workspaces", who: viewer, code: 200, want: `href="/w/acme"`},
	{method: "GET", path: "/workspaces", who: outsider, code: 200, want: `href="/w/other"`},
	{method: "GET", path: "/workspaces", who: anonymous, code: 303, want: "/login?next=%2Fworkspaces"},

	{method: "POST", path: "/workspaces", who: admin, body: newWorkspaceForm, code: 303, want: "/w/new-brand/settings?done=created", fresh: true},
	{method: "POST", path: "/workspaces", who: owner, body: newWorkspaceForm, code: 403, want: adminOnly},
	{method: "POST", path: "/workspaces", who: manager, body: newWorkspaceForm, code: 403, want: adminOnly},
	{method: "POST", path: "/workspaces", who: editor, body: newWorkspaceForm, code: 403, want: adminOnly},
	{method: "POST", path: "/workspaces", who: agency, body: newWorkspaceForm, code: 403, want: adminOnly},
	{method: "POST", path: "/workspaces", who: responder, body: newWorkspaceForm, code: 403, want: adminOnly},
	{method: "POST", path: "/workspaces", who: viewer, body: newWorkspaceForm, code: 403, want: adminOnly},
	{method: "POST", path: "/workspaces", who: outsider, body: newWorkspaceForm, code: 403, want: adminOnly},
	{method: "POST", path: "/workspaces", who: anonymous, body: newWorkspaceForm, code: 401, want: loginRequired},
	{method: "POST", path: "/workspaces", who: admin, body: "workspace_name=Again&slug=acme", code: 400, want: "the address name &#34;acme&#34; is taken", note: "slug taken"},

	{method: "GET", path: "/admin/audit", who: admin, code: 200, want: "Audit log of the whole instance"},
	{method: "GET", path: "/admin/audit", who: owner, code: 403, want: adminOnly},
	{method: "GET", path: "/admin/audit", who: manager, code: 403, want: adminOnly},
	{method: "GET", path: "/admin/audit", who: editor, code: 403, want: adminOnly},
	{method: "GET", path: "/admin/audit", who: agency, code: 403, want: adminOnly},
	{method: "GET", path: "/admin/audit", who: responder, code: 403, want: adminOnly},
	{method: "GET", path: "/admin/audit", who: viewer, code: 403, want: adminOnly},
	{method: "GET", path: "/admin/audit", who: outsider, code: 403, want: adminOnly},
	{method: "GET", path: "/admin/audit", who: anonymous, code: 303, want: "/login?next=%2Fadmin%2Faudit"},

	// A workspace's home sends each role to the first section it may open;
	// an outsider learns nothing, not even that acme exists.
	{method: "GET", path: "/w/acme", who: admin, code: 303, want: "/w/acme/calendar"},
	{method: "GET", path: "/w/acme", who: owner, code: 303, want: "/w/acme/calendar"},
	{method: "GET", path: "/w/acme", who: manager, code: 303, want: "/w/acme/calendar"},
	{method: "GET", path: "/w/acme", who: editor, code: 303, want: "/w/acme/calendar"},
	{method: "GET", path: "/w/acme", who: agency, code: 303, want: "/w/acme/calendar"},
	{method: "GET", path: "/w/acme", who: responder, code: 303, want: "/w/acme/inbox"},
	{method: "GET", path: "/w/acme", who: viewer, code: 303, want: "/w/acme/analytics"},
	{method: "GET", path: "/w/acme", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/w/acme", who: anonymous, code: 303, want: "/login?next=%2Fw%2Facme"},
	{method: "GET", path: "/w/nowhere", who: admin, code: 404, want: noWorkspace, note: "no such workspace"},

	{method: "GET", path: "/w/acme/calendar", who: admin, code: 200, want: "<h1>Calendar</h1>"},
	{method: "GET", path: "/w/acme/calendar", who: owner, code: 200, want: "<h1>Calendar</h1>"},
	{method: "GET", path: "/w/acme/calendar", who: manager, code: 200, want: "<h1>Calendar</h1>"},
	{method: "GET", path: "/w/acme/calendar", who: editor, code: 200, want: "<h1>Calendar</h1>"},
	{method: "GET", path: "/w/acme/calendar", who: agency, code: 200, want: "<h1>Calendar</h1>"},
	{method: "GET", path: "/w/acme/calendar", who: responder, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/calendar", who: viewer, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/calendar", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/w/acme/calendar", who: anonymous, code: 303, want: "/login?next=%2Fw%2Facme%2Fcalendar"},

	{method: "GET", path: "/w/acme/compose", who: admin, code: 200, want: "<h1>Compose</h1>"},
	{method: "GET", path: "/w/acme/compose", who: owner, code: 200, want: "<h1>Compose</h1>"},
	{method: "GET", path: "/w/acme/compose", who: manager, code: 200, want: "<h1>Compose</h1>"},
	{method: "GET", path: "/w/acme/compose", who: editor, code: 200, want: "<h1>Compose</h1>"},
	{method: "GET", path: "/w/acme/compose", who: agency, code: 200, want: "<h1>Compose</h1>"},
	{method: "GET", path: "/w/acme/compose", who: responder, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/compose", who: viewer, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/compose", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/w/acme/compose", who: anonymous, code: 303, want: "/login?next=%2Fw%2Facme%2Fcompose"},

	{method: "GET", path: "/w/acme/inbox", who: admin, code: 200, want: "<h1>Inbox</h1>"},
	{method: "GET", path: "/w/acme/inbox", who: owner, code: 200, want: "<h1>Inbox</h1>"},
	{method: "GET", path: "/w/acme/inbox", who: manager, code: 200, want: "<h1>Inbox</h1>"},
	{method: "GET", path: "/w/acme/inbox", who: editor, code: 200, want: "<h1>Inbox</h1>"},
	{method: "GET", path: "/w/acme/inbox", who: agency, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/inbox", who: responder, code: 200, want: "<h1>Inbox</h1>"},
	{method: "GET", path: "/w/acme/inbox", who: viewer, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/inbox", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/w/acme/inbox", who: anonymous, code: 303, want: "/login?next=%2Fw%2Facme%2Finbox"},
	{method: "GET", path: "/w/acme/inbox/events", who: admin, code: 200, want: "retry:"},
	{method: "GET", path: "/w/acme/inbox/events", who: owner, code: 200, want: "retry:"},
	{method: "GET", path: "/w/acme/inbox/events", who: manager, code: 200, want: "retry:"},
	{method: "GET", path: "/w/acme/inbox/events", who: editor, code: 200, want: "retry:"},
	{method: "GET", path: "/w/acme/inbox/events", who: agency, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/inbox/events", who: responder, code: 200, want: "retry:"},
	{method: "GET", path: "/w/acme/inbox/events", who: viewer, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/inbox/events", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/w/acme/inbox/events", who: anonymous, code: 303, want: "/login?next=%2Fw%2Facme%2Finbox%2Fevents"},
	{method: "GET", path: "/w/acme/inbox/replies", who: admin, code: 200, want: "<h1>Saved replies</h1>"},
	{method: "GET", path: "/w/acme/inbox/replies", who: owner, code: 200, want: "<h1>Saved replies</h1>"},
	{method: "GET", path: "/w/acme/inbox/replies", who: manager, code: 200, want: "<h1>Saved replies</h1>"},
	{method: "GET", path: "/w/acme/inbox/replies", who: editor, code: 200, want: "<h1>Saved replies</h1>"},
	{method: "GET", path: "/w/acme/inbox/replies", who: agency, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/inbox/replies", who: responder, code: 200, want: "<h1>Saved replies</h1>"},
	{method: "GET", path: "/w/acme/inbox/replies", who: viewer, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/inbox/replies", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/w/acme/inbox/replies", who: anonymous, code: 303, want: "/login?next=%2Fw%2Facme%2Finbox%2Freplies"},
	{method: "POST", path: "/w/acme/inbox/replies", who: admin, body: "name=Thanks&language=en&body=Thanks+{{author.name}}%21", code: 303, want: "/w/acme/inbox/replies?done=saved-reply-saved"},
	{method: "POST", path: "/w/acme/inbox/replies", who: owner, body: "name=Thanks&language=en&body=Thanks+{{author.name}}%21", code: 303, want: "/w/acme/inbox/replies?done=saved-reply-saved"},
	{method: "POST", path: "/w/acme/inbox/replies", who: manager, body: "name=Thanks&language=en&body=Thanks+{{author.name}}%21", code: 303, want: "/w/acme/inbox/replies?done=saved-reply-saved"},
	{method: "POST", path: "/w/acme/inbox/replies", who: editor, body: "name=Thanks&language=en&body=Thanks+{{author.name}}%21", code: 303, want: "/w/acme/inbox/replies?done=saved-reply-saved"},
	{method: "POST", path: "/w/acme/inbox/replies", who: agency, body: "name=Thanks&language=en&body=Thanks+{{author.name}}%21", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/replies", who: responder, body: "name=Thanks&language=en&body=Thanks+{{author.name}}%21", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/replies", who: viewer, body: "name=Thanks&language=en&body=Thanks+{{author.name}}%21", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/replies", who: outsider, body: "name=Thanks&language=en&body=Thanks+{{author.name}}%21", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/inbox/replies", who: anonymous, body: "name=Thanks&language=en&body=Thanks+{{author.name}}%21", code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/inbox/replies/{saved-reply}/delete", who: admin, code: 303, want: "/w/acme/inbox/replies?done=saved-reply-deleted"},
	{method: "POST", path: "/w/acme/inbox/replies/{saved-reply}/delete", who: owner, code: 303, want: "/w/acme/inbox/replies?done=saved-reply-deleted"},
	{method: "POST", path: "/w/acme/inbox/replies/{saved-reply}/delete", who: manager, code: 303, want: "/w/acme/inbox/replies?done=saved-reply-deleted"},
	{method: "POST", path: "/w/acme/inbox/replies/{saved-reply}/delete", who: editor, code: 303, want: "/w/acme/inbox/replies?done=saved-reply-deleted"},
	{method: "POST", path: "/w/acme/inbox/replies/{saved-reply}/delete", who: agency, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/replies/{saved-reply}/delete", who: responder, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/replies/{saved-reply}/delete", who: viewer, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/replies/{saved-reply}/delete", who: outsider, code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/inbox/replies/{saved-reply}/delete", who: anonymous, code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/inbox/settings", who: admin, body: "response_minutes=30&brand=Acme&language=it", code: 303, want: "/w/acme/inbox/replies?done=inbox-settings-saved"},
	{method: "POST", path: "/w/acme/inbox/settings", who: owner, body: "response_minutes=30&brand=Acme&language=it", code: 303, want: "/w/acme/inbox/replies?done=inbox-settings-saved"},
	{method: "POST", path: "/w/acme/inbox/settings", who: manager, body: "response_minutes=30&brand=Acme&language=it", code: 303, want: "/w/acme/inbox/replies?done=inbox-settings-saved"},
	{method: "POST", path: "/w/acme/inbox/settings", who: editor, body: "response_minutes=30&brand=Acme&language=it", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/settings", who: agency, body: "response_minutes=30&brand=Acme&language=it", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/settings", who: responder, body: "response_minutes=30&brand=Acme&language=it", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/settings", who: viewer, body: "response_minutes=30&brand=Acme&language=it", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/settings", who: outsider, body: "response_minutes=30&brand=Acme&language=it", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/inbox/settings", who: anonymous, body: "response_minutes=30&brand=Acme&language=it", code: 401, want: loginRequired},
	{method: "GET", path: "/w/acme/inbox/{conversation}", who: admin, code: 200, want: "Thanks for the coffee"},
	{method: "GET", path: "/w/acme/inbox/{conversation}", who: owner, code: 200, want: "Thanks for the coffee"},
	{method: "GET", path: "/w/acme/inbox/{conversation}", who: manager, code: 200, want: "Thanks for the coffee"},
	{method: "GET", path: "/w/acme/inbox/{conversation}", who: editor, code: 200, want: "Thanks for the coffee"},
	{method: "GET", path: "/w/acme/inbox/{conversation}", who: agency, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/inbox/{conversation}", who: responder, code: 403, want: "not assigned to you"},
	{method: "GET", path: "/w/acme/inbox/{conversation}", who: viewer, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/inbox/{conversation}", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/w/acme/inbox/{conversation}", who: anonymous, code: 303, want: "/login?next=%2Fw%2Facme%2Finbox%2F{conversation}"},
	{method: "GET", path: "/w/acme/inbox/{responder-conversation}", who: admin, code: 200, want: "Thanks for the coffee", note: "assigned to the responder"},
	{method: "GET", path: "/w/acme/inbox/{responder-conversation}", who: owner, code: 200, want: "Thanks for the coffee", note: "assigned to the responder"},
	{method: "GET", path: "/w/acme/inbox/{responder-conversation}", who: manager, code: 200, want: "Thanks for the coffee", note: "assigned to the responder"},
	{method: "GET", path: "/w/acme/inbox/{responder-conversation}", who: editor, code: 200, want: "Thanks for the coffee", note: "assigned to the responder"},
	{method: "GET", path: "/w/acme/inbox/{responder-conversation}", who: agency, code: 403, want: roleRefused, note: "assigned to the responder"},
	{method: "GET", path: "/w/acme/inbox/{responder-conversation}", who: responder, code: 200, want: "Thanks for the coffee", note: "assigned to the responder"},
	{method: "GET", path: "/w/acme/inbox/{responder-conversation}", who: viewer, code: 403, want: roleRefused, note: "assigned to the responder"},
	{method: "GET", path: "/w/acme/inbox/{responder-conversation}", who: outsider, code: 404, want: noWorkspace, note: "assigned to the responder"},
	{method: "GET", path: "/w/acme/inbox/{responder-conversation}", who: anonymous, code: 303, want: "/login?next=%2Fw%2Facme%2Finbox%2F{responder-conversation}", note: "assigned to the responder"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/reply", who: admin, body: "text=Thank+you%21", code: 303, want: "/w/acme/inbox/{conversation}?done=reply-sent"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/reply", who: owner, body: "text=Thank+you%21", code: 303, want: "/w/acme/inbox/{conversation}?done=reply-sent"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/reply", who: manager, body: "text=Thank+you%21", code: 303, want: "/w/acme/inbox/{conversation}?done=reply-sent"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/reply", who: editor, body: "text=Thank+you%21", code: 303, want: "/w/acme/inbox/{conversation}?done=reply-sent"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/reply", who: agency, body: "text=Thank+you%21", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/{responder-conversation}/reply", who: responder, body: "text=Thank+you%21", code: 303, want: "/w/acme/inbox/{responder-conversation}?done=reply-sent"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/reply", who: viewer, body: "text=Thank+you%21", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/{conversation}/reply", who: outsider, body: "text=Thank+you%21", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/inbox/{conversation}/reply", who: anonymous, body: "text=Thank+you%21", code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/inbox/{conversation}/status", who: admin, body: "status=done", code: 303, want: "/w/acme/inbox/{conversation}?done=conversation-done"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/status", who: owner, body: "status=done", code: 303, want: "/w/acme/inbox/{conversation}?done=conversation-done"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/status", who: manager, body: "status=done", code: 303, want: "/w/acme/inbox/{conversation}?done=conversation-done"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/status", who: editor, body: "status=done", code: 303, want: "/w/acme/inbox/{conversation}?done=conversation-done"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/status", who: agency, body: "status=done", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/{responder-conversation}/status", who: responder, body: "status=done", code: 303, want: "/w/acme/inbox/{responder-conversation}?done=conversation-done"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/status", who: viewer, body: "status=done", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/{conversation}/status", who: outsider, body: "status=done", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/inbox/{conversation}/status", who: anonymous, body: "status=done", code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/inbox/{conversation}/assign", who: admin, body: "assignee={id:responder}", code: 303, want: "/w/acme/inbox/{conversation}?done=conversation-assigned"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/assign", who: owner, body: "assignee={id:responder}", code: 303, want: "/w/acme/inbox/{conversation}?done=conversation-assigned"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/assign", who: manager, body: "assignee={id:responder}", code: 303, want: "/w/acme/inbox/{conversation}?done=conversation-assigned"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/assign", who: editor, body: "assignee={id:responder}", code: 303, want: "/w/acme/inbox/{conversation}?done=conversation-assigned"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/assign", who: agency, body: "assignee={id:responder}", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/{conversation}/assign", who: responder, body: "assignee={id:responder}", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/{conversation}/assign", who: viewer, body: "assignee={id:responder}", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/{conversation}/assign", who: outsider, body: "assignee={id:responder}", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/inbox/{conversation}/assign", who: anonymous, body: "assignee={id:responder}", code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/inbox/{conversation}/notes", who: admin, body: "body=Call+them+back+%40editor", code: 303, want: "/w/acme/inbox/{conversation}?done=note-added"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/notes", who: owner, body: "body=Call+them+back+%40editor", code: 303, want: "/w/acme/inbox/{conversation}?done=note-added"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/notes", who: manager, body: "body=Call+them+back+%40editor", code: 303, want: "/w/acme/inbox/{conversation}?done=note-added"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/notes", who: editor, body: "body=Call+them+back+%40editor", code: 303, want: "/w/acme/inbox/{conversation}?done=note-added"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/notes", who: agency, body: "body=Call+them+back+%40editor", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/{responder-conversation}/notes", who: responder, body: "body=Call+them+back+%40editor", code: 303, want: "/w/acme/inbox/{responder-conversation}?done=note-added"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/notes", who: viewer, body: "body=Call+them+back+%40editor", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/{conversation}/notes", who: outsider, body: "body=Call+them+back+%40editor", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/inbox/{conversation}/notes", who: anonymous, body: "body=Call+them+back+%40editor", code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/inbox/{conversation}/tags", who: admin, body: "tags=sales%2C+coffee", code: 303, want: "/w/acme/inbox/{conversation}?done=tags-saved"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/tags", who: owner, body: "tags=sales%2C+coffee", code: 303, want: "/w/acme/inbox/{conversation}?done=tags-saved"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/tags", who: manager, body: "tags=sales%2C+coffee", code: 303, want: "/w/acme/inbox/{conversation}?done=tags-saved"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/tags", who: editor, body: "tags=sales%2C+coffee", code: 303, want: "/w/acme/inbox/{conversation}?done=tags-saved"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/tags", who: agency, body: "tags=sales%2C+coffee", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/{responder-conversation}/tags", who: responder, body: "tags=sales%2C+coffee", code: 303, want: "/w/acme/inbox/{responder-conversation}?done=tags-saved"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/tags", who: viewer, body: "tags=sales%2C+coffee", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/{conversation}/tags", who: outsider, body: "tags=sales%2C+coffee", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/inbox/{conversation}/tags", who: anonymous, body: "tags=sales%2C+coffee", code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/inbox/{conversation}/items/{conversation-item}/act", who: admin, body: "action=like", code: 303, want: "/w/acme/inbox/{conversation}?done=action-done"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/items/{conversation-item}/act", who: owner, body: "action=like", code: 303, want: "/w/acme/inbox/{conversation}?done=action-done"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/items/{conversation-item}/act", who: manager, body: "action=like", code: 303, want: "/w/acme/inbox/{conversation}?done=action-done"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/items/{conversation-item}/act", who: editor, body: "action=like", code: 303, want: "/w/acme/inbox/{conversation}?done=action-done"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/items/{conversation-item}/act", who: agency, body: "action=like", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/{responder-conversation}/items/{conversation-item}/act", who: responder, body: "action=like", code: 303, want: "/w/acme/inbox/{responder-conversation}?done=action-done"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/items/{conversation-item}/act", who: viewer, body: "action=like", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/inbox/{conversation}/items/{conversation-item}/act", who: outsider, body: "action=like", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/inbox/{conversation}/items/{conversation-item}/act", who: anonymous, body: "action=like", code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/inbox/{responder-conversation}/reply", who: responder, body: "text=", code: 400, want: "write the reply first", note: "empty reply"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/status", who: owner, body: "status=snoozed&until=2001-01-01T09:00", code: 400, want: "a time in the future", note: "snoozed into the past"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/tags", who: owner, body: "tags=two+words", code: 400, want: "a tag is one word", note: "bad tag"},
	{method: "POST", path: "/w/acme/inbox/{conversation}/assign", who: owner, body: "assignee={id:viewer}", code: 400, want: "not a member of the workspace who can answer", note: "a viewer cannot hold a conversation"},
	{method: "POST", path: "/w/acme/inbox/replies", who: owner, body: "name=Bad&language=en&body=Hi+{{author.email}}", code: 400, want: "unknown variable {{author.email}}", note: "unknown variable"},
	{method: "POST", path: "/w/acme/inbox/{other-conversation}/status", who: owner, body: "status=done", code: 404, want: "not found", note: "another workspace's conversation"},

	// Listening: owners, managers and editors see it and correct a mention's
	// sentiment; owners and managers change what the workspace listens for.
	{method: "GET", path: "/w/acme/listening", who: admin, code: 200, want: `id="topic-form"`},
	{method: "GET", path: "/w/acme/listening", who: owner, code: 200, want: `id="topic-form"`},
	{method: "GET", path: "/w/acme/listening", who: manager, code: 200, want: `id="topic-form"`},
	{method: "GET", path: "/w/acme/listening", who: editor, code: 200, want: `id="listening-filters"`},
	{method: "GET", path: "/w/acme/listening", who: agency, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/listening", who: responder, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/listening", who: viewer, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/listening", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/w/acme/listening", who: anonymous, code: 303, want: "/login?next=%2Fw%2Facme%2Flistening"},
	{method: "GET", path: "/w/acme/listening?leads=1&sentiment=negative&q=coffee", who: editor, code: 200, want: `id="tab-leads" aria-current="page"`, note: "leads, filtered"},
	{method: "GET", path: "/w/acme/listening?from=31/05/2026", who: owner, code: 400, want: "a date is written as year-month-day", note: "a date it cannot read"},
	{method: "GET", path: "/w/acme/listening/events", who: admin, code: 200, want: "retry:"},
	{method: "GET", path: "/w/acme/listening/events", who: owner, code: 200, want: "retry:"},
	{method: "GET", path: "/w/acme/listening/events", who: manager, code: 200, want: "retry:"},
	{method: "GET", path: "/w/acme/listening/events", who: editor, code: 200, want: "retry:"},
	{method: "GET", path: "/w/acme/listening/events", who: agency, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/listening/events", who: responder, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/listening/events", who: viewer, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/listening/events", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/w/acme/listening/events", who: anonymous, code: 303, want: "/login?next=%2Fw%2Facme%2Flistening%2Fevents"},
	{method: "GET", path: "/w/acme/listening/chart/volume.svg", who: admin, code: 200, want: "<svg"},
	{method: "GET", path: "/w/acme/listening/chart/volume.svg", who: owner, code: 200, want: "<svg"},
	{method: "GET", path: "/w/acme/listening/chart/volume.svg", who: manager, code: 200, want: "<svg"},
	{method: "GET", path: "/w/acme/listening/chart/volume.svg", who: editor, code: 200, want: "<svg"},
	{method: "GET", path: "/w/acme/listening/chart/volume.svg", who: agency, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/listening/chart/volume.svg", who: responder, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/listening/chart/volume.svg", who: viewer, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/listening/chart/volume.svg", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/w/acme/listening/chart/volume.svg", who: anonymous, code: 303, want: "/login?next=%2Fw%2Facme%2Flistening%2Fchart%2Fvolume.svg"},
	{method: "GET", path: "/w/acme/listening/chart/share.svg?from=2026-01-01&to=2026-01-31", who: manager, code: 200, want: "<svg", note: "share of voice"},
	{method: "GET", path: "/w/acme/listening/chart/pie.png", who: owner, code: 404, want: "there is no page at this address", note: "no such chart"},
	{method: "POST", path: "/w/acme/listening/preview", who: admin, body: "name=Acme&kind=brand&query=acme+OR+%23acme", code: 200, want: `id="preview-count"`},
	{method: "POST", path: "/w/acme/listening/preview", who: owner, body: "name=Acme&kind=brand&query=acme+OR+%23acme", code: 200, want: `id="preview-count"`},
	{method: "POST", path: "/w/acme/listening/preview", who: manager, body: "name=Acme&kind=brand&query=acme+OR+%23acme", code: 200, want: `id="preview-count"`},
	{method: "POST", path: "/w/acme/listening/preview", who: editor, body: "name=Acme&kind=brand&query=acme+OR+%23acme", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/preview", who: agency, body: "name=Acme&kind=brand&query=acme+OR+%23acme", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/preview", who: responder, body: "name=Acme&kind=brand&query=acme+OR+%23acme", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/preview", who: viewer, body: "name=Acme&kind=brand&query=acme+OR+%23acme", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/preview", who: outsider, body: "name=Acme&kind=brand&query=acme+OR+%23acme", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/listening/preview", who: anonymous, body: "name=Acme&kind=brand&query=acme+OR+%23acme", code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/listening/preview", who: owner, body: "name=Acme&kind=brand&query=acme+AND+%28", code: 400, want: "the query has a mistake at character", note: "a mistake in the query"},
	{method: "POST", path: "/w/acme/listening/topics", who: admin, body: "name=Acme&kind=brand&query=acme&active=1", code: 303, want: "/w/acme/listening?done=topic-saved"},
	{method: "POST", path: "/w/acme/listening/topics", who: owner, body: "name=Acme&kind=brand&query=acme&active=1", code: 303, want: "/w/acme/listening?done=topic-saved"},
	{method: "POST", path: "/w/acme/listening/topics", who: manager, body: "name=Acme&kind=brand&query=acme&active=1", code: 303, want: "/w/acme/listening?done=topic-saved"},
	{method: "POST", path: "/w/acme/listening/topics", who: editor, body: "name=Acme&kind=brand&query=acme&active=1", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/topics", who: agency, body: "name=Acme&kind=brand&query=acme&active=1", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/topics", who: responder, body: "name=Acme&kind=brand&query=acme&active=1", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/topics", who: viewer, body: "name=Acme&kind=brand&query=acme&active=1", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/topics", who: outsider, body: "name=Acme&kind=brand&query=acme&active=1", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/listening/topics", who: anonymous, body: "name=Acme&kind=brand&query=acme&active=1", code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/listening/topics", who: owner, body: "name=&kind=brand&query=acme", code: 400, want: "give the topic a name", note: "no name"},
	{method: "POST", path: "/w/acme/listening/topics", who: manager, body: "name=Acme&kind=rival&query=acme", code: 400, want: "choose what the topic is", note: "unknown kind"},
	{method: "POST", path: "/w/acme/listening/topics/{topic}/delete", who: admin, code: 303, want: "/w/acme/listening?done=topic-deleted"},
	{method: "POST", path: "/w/acme/listening/topics/{topic}/delete", who: owner, code: 303, want: "/w/acme/listening?done=topic-deleted"},
	{method: "POST", path: "/w/acme/listening/topics/{topic}/delete", who: manager, code: 303, want: "/w/acme/listening?done=topic-deleted"},
	{method: "POST", path: "/w/acme/listening/topics/{topic}/delete", who: editor, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/topics/{topic}/delete", who: agency, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/topics/{topic}/delete", who: responder, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/topics/{topic}/delete", who: viewer, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/topics/{topic}/delete", who: outsider, code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/listening/topics/{topic}/delete", who: anonymous, code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/listening/topics/{unknown-id}/delete", who: owner, code: 404, want: "not found", note: "no such topic"},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/sentiment", who: admin, body: "value=negative&back=sentiment%3Dpositive", code: 303, want: "/w/acme/listening?done=sentiment-saved&sentiment=positive"},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/sentiment", who: owner, body: "value=negative&back=sentiment%3Dpositive", code: 303, want: "/w/acme/listening?done=sentiment-saved&sentiment=positive"},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/sentiment", who: manager, body: "value=negative&back=sentiment%3Dpositive", code: 303, want: "/w/acme/listening?done=sentiment-saved&sentiment=positive"},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/sentiment", who: editor, body: "value=negative&back=sentiment%3Dpositive", code: 303, want: "/w/acme/listening?done=sentiment-saved&sentiment=positive"},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/sentiment", who: agency, body: "value=negative&back=sentiment%3Dpositive", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/sentiment", who: responder, body: "value=negative&back=sentiment%3Dpositive", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/sentiment", who: viewer, body: "value=negative&back=sentiment%3Dpositive", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/sentiment", who: outsider, body: "value=negative&back=sentiment%3Dpositive", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/sentiment", who: anonymous, body: "value=negative&back=sentiment%3Dpositive", code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/engage", who: admin, body: "action=like&account={bluesky}&back=sentiment%3Dpositive", code: 303, want: "/w/acme/listening?done=engaged-like&sentiment=positive"},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/engage", who: owner, body: "action=like&account={bluesky}&back=sentiment%3Dpositive", code: 303, want: "/w/acme/listening?done=engaged-like&sentiment=positive"},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/engage", who: manager, body: "action=like&account={bluesky}&back=sentiment%3Dpositive", code: 303, want: "/w/acme/listening?done=engaged-like&sentiment=positive"},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/engage", who: editor, body: "action=like&account={bluesky}&back=sentiment%3Dpositive", code: 303, want: "/w/acme/listening?done=engaged-like&sentiment=positive"},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/engage", who: agency, body: "action=like&account={bluesky}&back=sentiment%3Dpositive", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/engage", who: responder, body: "action=like&account={bluesky}&back=sentiment%3Dpositive", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/engage", who: viewer, body: "action=like&account={bluesky}&back=sentiment%3Dpositive", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/engage", who: outsider, body: "action=like&account={bluesky}&back=sentiment%3Dpositive", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/engage", who: anonymous, body: "action=like&account={bluesky}&back=sentiment%3Dpositive", code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/handover", who: admin, body: "account={bluesky}&assignee={id:responder}", code: 303, want: "/w/acme/inbox/{new-id}?done=conversation-assigned"},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/handover", who: owner, body: "account={bluesky}&assignee={id:responder}", code: 303, want: "/w/acme/inbox/{new-id}?done=conversation-assigned"},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/handover", who: manager, body: "account={bluesky}&assignee={id:responder}", code: 303, want: "/w/acme/inbox/{new-id}?done=conversation-assigned"},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/handover", who: editor, body: "account={bluesky}&assignee={id:responder}", code: 303, want: "/w/acme/inbox/{new-id}?done=conversation-assigned"},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/handover", who: agency, body: "account={bluesky}&assignee={id:responder}", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/handover", who: responder, body: "account={bluesky}&assignee={id:responder}", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/handover", who: viewer, body: "account={bluesky}&assignee={id:responder}", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/handover", who: outsider, body: "account={bluesky}&assignee={id:responder}", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/handover", who: anonymous, body: "account={bluesky}&assignee={id:responder}", code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/handover", who: owner, body: "account={bluesky}&assignee={id:viewer}", code: 400, want: "choose a colleague who answers conversations", note: "a viewer answers nothing"},
	{method: "POST", path: "/w/acme/listening/sources", who: admin, body: "kind=rss&target=https%3A%2F%2Fnews.example%2Ffeed.xml", code: 303, want: "/w/acme/listening?done=source-added#listening-sources"},
	{method: "POST", path: "/w/acme/listening/sources", who: owner, body: "kind=rss&target=https%3A%2F%2Fnews.example%2Ffeed.xml", code: 303, want: "/w/acme/listening?done=source-added#listening-sources"},
	{method: "POST", path: "/w/acme/listening/sources", who: manager, body: "kind=rss&target=https%3A%2F%2Fnews.example%2Ffeed.xml", code: 303, want: "/w/acme/listening?done=source-added#listening-sources"},
	{method: "POST", path: "/w/acme/listening/sources", who: editor, body: "kind=rss&target=https%3A%2F%2Fnews.example%2Ffeed.xml", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/sources", who: agency, body: "kind=rss&target=https%3A%2F%2Fnews.example%2Ffeed.xml", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/sources", who: responder, body: "kind=rss&target=https%3A%2F%2Fnews.example%2Ffeed.xml", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/sources", who: viewer, body: "kind=rss&target=https%3A%2F%2Fnews.example%2Ffeed.xml", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/sources", who: outsider, body: "kind=rss&target=https%3A%2F%2Fnews.example%2Ffeed.xml", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/listening/sources", who: anonymous, body: "kind=rss&target=https%3A%2F%2Fnews.example%2Ffeed.xml", code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/listening/sources/{listening-source}/delete", who: admin, code: 303, want: "/w/acme/listening?done=source-removed#listening-sources"},
	{method: "POST", path: "/w/acme/listening/sources/{listening-source}/delete", who: owner, code: 303, want: "/w/acme/listening?done=source-removed#listening-sources"},
	{method: "POST", path: "/w/acme/listening/sources/{listening-source}/delete", who: manager, code: 303, want: "/w/acme/listening?done=source-removed#listening-sources"},
	{method: "POST", path: "/w/acme/listening/sources/{listening-source}/delete", who: editor, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/sources/{listening-source}/delete", who: agency, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/sources/{listening-source}/delete", who: responder, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/sources/{listening-source}/delete", who: viewer, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/sources/{listening-source}/delete", who: outsider, code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/listening/sources/{listening-source}/delete", who: anonymous, code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/listening/sources", who: owner, body: "kind=rss&target=not+an+address", code: 400, want: "a feed is a web address", note: "not a feed"},
	{method: "POST", path: "/w/acme/listening/retention", who: admin, body: "retention_days=180", code: 303, want: "/w/acme/listening?done=retention-saved#listening-sources"},
	{method: "POST", path: "/w/acme/listening/retention", who: owner, body: "retention_days=180", code: 303, want: "/w/acme/listening?done=retention-saved#listening-sources"},
	{method: "POST", path: "/w/acme/listening/retention", who: manager, body: "retention_days=180", code: 303, want: "/w/acme/listening?done=retention-saved#listening-sources"},
	{method: "POST", path: "/w/acme/listening/retention", who: editor, body: "retention_days=180", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/retention", who: agency, body: "retention_days=180", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/retention", who: responder, body: "retention_days=180", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/retention", who: viewer, body: "retention_days=180", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/listening/retention", who: outsider, body: "retention_days=180", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/listening/retention", who: anonymous, body: "retention_days=180", code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/listening/retention", who: owner, body: "retention_days=2", code: 400, want: "between 7 and 3650 days", note: "too short"},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/topics", who: admin, code: 200, want: `"topics": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/topics", who: owner, code: 200, want: `"topics": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/topics", who: manager, code: 200, want: `"topics": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/topics", who: editor, code: 200, want: `"topics": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/topics", who: agency, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/topics", who: responder, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/topics", who: viewer, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/topics", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/topics", who: anonymous, code: 401, want: apiLogin},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/topics", who: admin, body: `{"name": "Acme", "kind": "brand", "query": "\"acme\" OR #acme"}`, code: 201, want: `"name": "Acme"`},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/topics", who: owner, body: `{"name": "Acme", "kind": "brand", "query": "\"acme\" OR #acme"}`, code: 201, want: `"name": "Acme"`},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/topics", who: manager, body: `{"name": "Acme", "kind": "brand", "query": "\"acme\" OR #acme"}`, code: 201, want: `"name": "Acme"`},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/topics", who: editor, body: `{"name": "Acme", "kind": "brand", "query": "\"acme\" OR #acme"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/topics", who: agency, body: `{"name": "Acme", "kind": "brand", "query": "\"acme\" OR #acme"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/topics", who: responder, body: `{"name": "Acme", "kind": "brand", "query": "\"acme\" OR #acme"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/topics", who: viewer, body: `{"name": "Acme", "kind": "brand", "query": "\"acme\" OR #acme"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/topics", who: outsider, body: `{"name": "Acme", "kind": "brand", "query": "\"acme\" OR #acme"}`, code: 404, want: noWorkspace},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/topics", who: anonymous, body: `{"name": "Acme", "kind": "brand", "query": "\"acme\" OR #acme"}`, code: 401, want: apiLogin},
	{method: "PUT", path: "/api/v1/workspaces/acme/listening/topics/{topic}", who: admin, body: `{"name": "Acme renamed", "kind": "brand", "query": "acme", "active": false}`, code: 200, want: `"name": "Acme renamed"`},
	{method: "PUT", path: "/api/v1/workspaces/acme/listening/topics/{topic}", who: owner, body: `{"name": "Acme renamed", "kind": "brand", "query": "acme", "active": false}`, code: 200, want: `"name": "Acme renamed"`},
	{method: "PUT", path: "/api/v1/workspaces/acme/listening/topics/{topic}", who: manager, body: `{"name": "Acme renamed", "kind": "brand", "query": "acme", "active": false}`, code: 200, want: `"name": "Acme renamed"`},
	{method: "PUT", path: "/api/v1/workspaces/acme/listening/topics/{topic}", who: editor, body: `{"name": "Acme renamed", "kind": "brand", "query": "acme", "active": false}`, code: 403, want: apiForbidden},
	{method: "PUT", path: "/api/v1/workspaces/acme/listening/topics/{topic}", who: agency, body: `{"name": "Acme renamed", "kind": "brand", "query": "acme", "active": false}`, code: 403, want: apiForbidden},
	{method: "PUT", path: "/api/v1/workspaces/acme/listening/topics/{topic}", who: responder, body: `{"name": "Acme renamed", "kind": "brand", "query": "acme", "active": false}`, code: 403, want: apiForbidden},
	{method: "PUT", path: "/api/v1/workspaces/acme/listening/topics/{topic}", who: viewer, body: `{"name": "Acme renamed", "kind": "brand", "query": "acme", "active": false}`, code: 403, want: apiForbidden},
	{method: "PUT", path: "/api/v1/workspaces/acme/listening/topics/{topic}", who: outsider, body: `{"name": "Acme renamed", "kind": "brand", "query": "acme", "active": false}`, code: 404, want: noWorkspace},
	{method: "PUT", path: "/api/v1/workspaces/acme/listening/topics/{topic}", who: anonymous, body: `{"name": "Acme renamed", "kind": "brand", "query": "acme", "active": false}`, code: 401, want: apiLogin},
	{method: "DELETE", path: "/api/v1/workspaces/acme/listening/topics/{topic}", who: admin, code: 204, want: ``},
	{method: "DELETE", path: "/api/v1/workspaces/acme/listening/topics/{topic}", who: owner, code: 204, want: ``},
	{method: "DELETE", path: "/api/v1/workspaces/acme/listening/topics/{topic}", who: manager, code: 204, want: ``},
	{method: "DELETE", path: "/api/v1/workspaces/acme/listening/topics/{topic}", who: editor, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/listening/topics/{topic}", who: agency, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/listening/topics/{topic}", who: responder, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/listening/topics/{topic}", who: viewer, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/listening/topics/{topic}", who: outsider, code: 404, want: noWorkspace},
	{method: "DELETE", path: "/api/v1/workspaces/acme/listening/topics/{topic}", who: anonymous, code: 401, want: apiLogin},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/preview", who: admin, body: `{"query": "acme OR coffee"}`, code: 200, want: `"tried": `},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/preview", who: owner, body: `{"query": "acme OR coffee"}`, code: 200, want: `"tried": `},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/preview", who: manager, body: `{"query": "acme OR coffee"}`, code: 200, want: `"tried": `},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/preview", who: editor, body: `{"query": "acme OR coffee"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/preview", who: agency, body: `{"query": "acme OR coffee"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/preview", who: responder, body: `{"query": "acme OR coffee"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/preview", who: viewer, body: `{"query": "acme OR coffee"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/preview", who: outsider, body: `{"query": "acme OR coffee"}`, code: 404, want: noWorkspace},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/preview", who: anonymous, body: `{"query": "acme OR coffee"}`, code: 401, want: apiLogin},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/mentions", who: admin, code: 200, want: `"mentions": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/mentions", who: owner, code: 200, want: `"mentions": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/mentions", who: manager, code: 200, want: `"mentions": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/mentions", who: editor, code: 200, want: `"mentions": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/mentions", who: agency, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/mentions", who: responder, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/mentions", who: viewer, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/mentions", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/mentions", who: anonymous, code: 401, want: apiLogin},
	{method: "PUT", path: "/api/v1/workspaces/acme/listening/mentions/{mention-topic}/{mention-post}/sentiment", who: admin, body: `{"sentiment": "negative"}`, code: 200, want: `"sentiment": "negative"`},
	{method: "PUT", path: "/api/v1/workspaces/acme/listening/mentions/{mention-topic}/{mention-post}/sentiment", who: owner, body: `{"sentiment": "negative"}`, code: 200, want: `"sentiment": "negative"`},
	{method: "PUT", path: "/api/v1/workspaces/acme/listening/mentions/{mention-topic}/{mention-post}/sentiment", who: manager, body: `{"sentiment": "negative"}`, code: 200, want: `"sentiment": "negative"`},
	{method: "PUT", path: "/api/v1/workspaces/acme/listening/mentions/{mention-topic}/{mention-post}/sentiment", who: editor, body: `{"sentiment": "negative"}`, code: 200, want: `"sentiment": "negative"`},
	{method: "PUT", path: "/api/v1/workspaces/acme/listening/mentions/{mention-topic}/{mention-post}/sentiment", who: agency, body: `{"sentiment": "negative"}`, code: 403, want: apiForbidden},
	{method: "PUT", path: "/api/v1/workspaces/acme/listening/mentions/{mention-topic}/{mention-post}/sentiment", who: responder, body: `{"sentiment": "negative"}`, code: 403, want: apiForbidden},
	{method: "PUT", path: "/api/v1/workspaces/acme/listening/mentions/{mention-topic}/{mention-post}/sentiment", who: viewer, body: `{"sentiment": "negative"}`, code: 403, want: apiForbidden},
	{method: "PUT", path: "/api/v1/workspaces/acme/listening/mentions/{mention-topic}/{mention-post}/sentiment", who: outsider, body: `{"sentiment": "negative"}`, code: 404, want: noWorkspace},
	{method: "PUT", path: "/api/v1/workspaces/acme/listening/mentions/{mention-topic}/{mention-post}/sentiment", who: anonymous, body: `{"sentiment": "negative"}`, code: 401, want: apiLogin},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/sources", who: admin, code: 200, want: `"sources": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/sources", who: owner, code: 200, want: `"sources": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/sources", who: manager, code: 200, want: `"sources": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/sources", who: editor, code: 200, want: `"sources": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/sources", who: agency, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/sources", who: responder, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/sources", who: viewer, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/sources", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/sources", who: anonymous, code: 401, want: apiLogin},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/sources", who: admin, body: `{"kind": "reddit", "target": "acme coffee"}`, code: 201, want: `"kind": "reddit"`},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/sources", who: owner, body: `{"kind": "reddit", "target": "acme coffee"}`, code: 201, want: `"kind": "reddit"`},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/sources", who: manager, body: `{"kind": "reddit", "target": "acme coffee"}`, code: 201, want: `"kind": "reddit"`},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/sources", who: editor, body: `{"kind": "reddit", "target": "acme coffee"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/sources", who: agency, body: `{"kind": "reddit", "target": "acme coffee"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/sources", who: responder, body: `{"kind": "reddit", "target": "acme coffee"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/sources", who: viewer, body: `{"kind": "reddit", "target": "acme coffee"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/sources", who: outsider, body: `{"kind": "reddit", "target": "acme coffee"}`, code: 404, want: noWorkspace},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/sources", who: anonymous, body: `{"kind": "reddit", "target": "acme coffee"}`, code: 401, want: apiLogin},
	{method: "DELETE", path: "/api/v1/workspaces/acme/listening/sources/{listening-source}", who: admin, code: 204, want: ``},
	{method: "DELETE", path: "/api/v1/workspaces/acme/listening/sources/{listening-source}", who: owner, code: 204, want: ``},
	{method: "DELETE", path: "/api/v1/workspaces/acme/listening/sources/{listening-source}", who: manager, code: 204, want: ``},
	{method: "DELETE", path: "/api/v1/workspaces/acme/listening/sources/{listening-source}", who: editor, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/listening/sources/{listening-source}", who: agency, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/listening/sources/{listening-source}", who: responder, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/listening/sources/{listening-source}", who: viewer, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/listening/sources/{listening-source}", who: outsider, code: 404, want: noWorkspace},
	{method: "DELETE", path: "/api/v1/workspaces/acme/listening/sources/{listening-source}", who: anonymous, code: 401, want: apiLogin},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/alerts", who: admin, code: 200, want: `"alerts": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/alerts", who: owner, code: 200, want: `"alerts": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/alerts", who: manager, code: 200, want: `"alerts": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/alerts", who: editor, code: 200, want: `"alerts": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/alerts", who: agency, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/alerts", who: responder, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/alerts", who: viewer, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/alerts", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/alerts", who: anonymous, code: 401, want: apiLogin},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/preview", who: owner, body: `{"query": "(acme OR"}`, code: 400, want: `mistake at character`, note: "a query mistake"},
	{method: "POST", path: "/api/v1/workspaces/acme/listening/topics", who: owner, body: `{"name": "X", "kind": "rival", "query": "x"}`, code: 400, want: `brand, competitor, segment or campaign`, note: "unknown kind"},
	{method: "GET", path: "/api/v1/workspaces/acme/listening/mentions?sentiment=angry", who: owner, code: 400, want: `negative, neutral or positive`, note: "unknown sentiment"},
	{method: "DELETE", path: "/api/v1/workspaces/acme/listening/topics/{unknown-id}", who: owner, code: 404, want: `not found`, note: "unknown topic"},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{mention-post}/sentiment", who: editor, body: "value=furious", code: 400, want: "the sentiment is positive, neutral or negative", note: "unknown sentiment"},
	{method: "POST", path: "/w/acme/listening/mentions/{mention-topic}/{unknown-id}/sentiment", who: editor, body: "value=neutral", code: 404, want: "not found", note: "no such mention"},

	{method: "GET", path: "/w/acme/analytics", who: admin, code: 200, want: "<h1>Analytics</h1>"},
	{method: "GET", path: "/w/acme/analytics", who: owner, code: 200, want: "<h1>Analytics</h1>"},
	{method: "GET", path: "/w/acme/analytics", who: manager, code: 200, want: "<h1>Analytics</h1>"},
	{method: "GET", path: "/w/acme/analytics", who: editor, code: 200, want: "<h1>Analytics</h1>"},
	{method: "GET", path: "/w/acme/analytics", who: agency, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/analytics", who: responder, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/analytics", who: viewer, code: 200, want: "<h1>Analytics</h1>"},
	{method: "GET", path: "/w/acme/analytics", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/w/acme/analytics", who: anonymous, code: 303, want: "/login?next=%2Fw%2Facme%2Fanalytics"},

	{method: "GET", path: "/w/acme/presence", who: admin, code: 200, want: "<h1>Presence</h1>"},
	{method: "GET", path: "/w/acme/presence", who: owner, code: 200, want: "<h1>Presence</h1>"},
	{method: "GET", path: "/w/acme/presence", who: manager, code: 200, want: "<h1>Presence</h1>"},
	{method: "GET", path: "/w/acme/presence", who: editor, code: 200, want: "<h1>Presence</h1>"},
	{method: "GET", path: "/w/acme/presence", who: agency, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/presence", who: responder, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/presence", who: viewer, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/presence", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/w/acme/presence", who: anonymous, code: 303, want: "/login?next=%2Fw%2Facme%2Fpresence"},
	{method: "POST", path: "/w/acme/presence/settings", who: admin, body: "website={site}&brand_name=Acme&audit_every=24h0m0s&profiles=https://mastodon.example/@acme", code: 303, want: "/w/acme/presence?done=presence-saved"},
	{method: "POST", path: "/w/acme/presence/settings", who: owner, body: "website={site}&brand_name=Acme&audit_every=24h0m0s&profiles=https://mastodon.example/@acme", code: 303, want: "/w/acme/presence?done=presence-saved"},
	{method: "POST", path: "/w/acme/presence/settings", who: manager, body: "website={site}&brand_name=Acme&audit_every=24h0m0s&profiles=https://mastodon.example/@acme", code: 303, want: "/w/acme/presence?done=presence-saved"},
	{method: "POST", path: "/w/acme/presence/settings", who: editor, body: "website={site}&brand_name=Acme&audit_every=24h0m0s&profiles=https://mastodon.example/@acme", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/presence/settings", who: agency, body: "website={site}&brand_name=Acme&audit_every=24h0m0s&profiles=https://mastodon.example/@acme", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/presence/settings", who: responder, body: "website={site}&brand_name=Acme&audit_every=24h0m0s&profiles=https://mastodon.example/@acme", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/presence/settings", who: viewer, body: "website={site}&brand_name=Acme&audit_every=24h0m0s&profiles=https://mastodon.example/@acme", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/presence/settings", who: outsider, body: "website={site}&brand_name=Acme&audit_every=24h0m0s&profiles=https://mastodon.example/@acme", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/presence/settings", who: anonymous, body: "website={site}&brand_name=Acme&audit_every=24h0m0s&profiles=https://mastodon.example/@acme", code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/presence/settings", who: owner, body: "website=not+a+site&audit_every=0s", code: 400, want: "is not a web address", note: "not an address"},
	{method: "POST", path: "/w/acme/presence/settings", who: owner, body: "website={site}&audit_every=5m0s", code: 400, want: "choose how often", note: "unknown schedule"},
	{method: "POST", path: "/w/acme/presence/audit", who: admin, code: 303, want: "/w/acme/presence?done=audit-done"},
	{method: "POST", path: "/w/acme/presence/audit", who: owner, code: 303, want: "/w/acme/presence?done=audit-done"},
	{method: "POST", path: "/w/acme/presence/audit", who: manager, code: 303, want: "/w/acme/presence?done=audit-done"},
	{method: "POST", path: "/w/acme/presence/audit", who: editor, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/presence/audit", who: agency, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/presence/audit", who: responder, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/presence/audit", who: viewer, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/presence/audit", who: outsider, code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/presence/audit", who: anonymous, code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/presence/fix", who: admin, body: "check=website-link-missing&subject=nobody.example", code: 409, want: "Portavoce cannot make this change itself"},
	{method: "POST", path: "/w/acme/presence/fix", who: owner, body: "check=website-link-missing&subject=nobody.example", code: 409, want: "Portavoce cannot make this change itself"},
	{method: "POST", path: "/w/acme/presence/fix", who: manager, body: "check=website-link-missing&subject=nobody.example", code: 409, want: "Portavoce cannot make this change itself"},
	{method: "POST", path: "/w/acme/presence/fix", who: editor, body: "check=website-link-missing&subject=nobody.example", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/presence/fix", who: agency, body: "check=website-link-missing&subject=nobody.example", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/presence/fix", who: responder, body: "check=website-link-missing&subject=nobody.example", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/presence/fix", who: viewer, body: "check=website-link-missing&subject=nobody.example", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/presence/fix", who: outsider, body: "check=website-link-missing&subject=nobody.example", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/presence/fix", who: anonymous, body: "check=website-link-missing&subject=nobody.example", code: 401, want: loginRequired},
	// The report of the latest audit (the rows above ran some).
	{method: "GET", path: "/w/acme/presence/report", who: admin, code: 200, want: `id="report-score"`},
	{method: "GET", path: "/w/acme/presence/report", who: owner, code: 200, want: `id="report-score"`},
	{method: "GET", path: "/w/acme/presence/report", who: manager, code: 200, want: `id="report-score"`},
	{method: "GET", path: "/w/acme/presence/report", who: editor, code: 200, want: `id="report-score"`},
	{method: "GET", path: "/w/acme/presence/report", who: agency, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/presence/report", who: responder, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/presence/report", who: viewer, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/presence/report", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/w/acme/presence/report", who: anonymous, code: 303, want: "/login?next=%2Fw%2Facme%2Fpresence%2Freport"},
	{method: "GET", path: "/w/acme/presence/report.pdf", who: admin, code: 200, want: "%PDF-"},
	{method: "GET", path: "/w/acme/presence/report.pdf", who: owner, code: 200, want: "%PDF-"},
	{method: "GET", path: "/w/acme/presence/report.pdf", who: manager, code: 200, want: "%PDF-"},
	{method: "GET", path: "/w/acme/presence/report.pdf", who: editor, code: 200, want: "%PDF-"},
	{method: "GET", path: "/w/acme/presence/report.pdf", who: agency, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/presence/report.pdf", who: responder, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/presence/report.pdf", who: viewer, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/presence/report.pdf", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/w/acme/presence/report.pdf", who: anonymous, code: 303, want: "/login?next=%2Fw%2Facme%2Fpresence%2Freport.pdf"},

	{method: "GET", path: "/w/acme/media", who: admin, code: 200, want: "<h1>Media</h1>"},
	{method: "GET", path: "/w/acme/media", who: owner, code: 200, want: "<h1>Media</h1>"},
	{method: "GET", path: "/w/acme/media", who: manager, code: 200, want: "<h1>Media</h1>"},
	{method: "GET", path: "/w/acme/media", who: editor, code: 200, want: "<h1>Media</h1>"},
	{method: "GET", path: "/w/acme/media", who: agency, code: 200, want: "<h1>Media</h1>"},
	{method: "GET", path: "/w/acme/media", who: responder, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/media", who: viewer, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/media", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/w/acme/media", who: anonymous, code: 303, want: "/login?next=%2Fw%2Facme%2Fmedia"},

	// Settings: owners, managers and editors see the members; only owners
	// change the workspace; owners and managers manage members.
	{method: "GET", path: "/w/acme/settings", who: admin, code: 200, want: `action="/w/acme/settings"`},
	{method: "GET", path: "/w/acme/settings", who: owner, code: 200, want: `action="/w/acme/settings"`},
	{method: "GET", path: "/w/acme/settings", who: manager, code: 200, want: `data-email="responder@example.com"`},
	{method: "GET", path: "/w/acme/settings", who: editor, code: 200, want: `data-email="responder@example.com"`},
	{method: "GET", path: "/w/acme/settings", who: agency, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/settings", who: responder, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/settings", who: viewer, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/settings", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/w/acme/settings", who: anonymous, code: 303, want: "/login?next=%2Fw%2Facme%2Fsettings"},

	{method: "POST", path: "/w/acme/settings", who: admin, body: acmeSettingsForm, code: 303, want: "/w/acme/settings?done=saved"},
	{method: "POST", path: "/w/acme/settings", who: owner, body: acmeSettingsForm, code: 303, want: "/w/acme/settings?done=saved"},
	{method: "POST", path: "/w/acme/settings", who: manager, body: acmeSettingsForm, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/settings", who: editor, body: acmeSettingsForm, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/settings", who: agency, body: acmeSettingsForm, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/settings", who: responder, body: acmeSettingsForm, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/settings", who: viewer, body: acmeSettingsForm, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/settings", who: outsider, body: acmeSettingsForm, code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/settings", who: anonymous, body: acmeSettingsForm, code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/settings", who: owner, body: "workspace_name=Acme&timezone=Mars/Olympus&language=en", code: 400, want: "is not a time zone", note: "bad time zone"},

	{method: "POST", path: "/w/acme/members", who: admin, body: "email={new-email}&role=owner", code: 200, want: `id="invite-link"`, note: "invite an owner"},
	{method: "POST", path: "/w/acme/members", who: owner, body: "email={new-email}&role=manager", code: 200, want: `id="invite-link"`, note: "invite a manager"},
	{method: "POST", path: "/w/acme/members", who: manager, body: "email={new-email}&role=editor", code: 200, want: `id="invite-link"`, note: "invite an editor"},
	{method: "POST", path: "/w/acme/members", who: manager, body: "email={new-email}&role=manager", code: 403, want: "as manager you cannot give the role manager", note: "invite a manager"},
	{method: "POST", path: "/w/acme/members", who: manager, body: "email={new-email}&role=owner", code: 403, want: "as manager you cannot give the role owner", note: "invite an owner"},
	{method: "POST", path: "/w/acme/members", who: manager, body: "email={loner-email}&role=viewer", code: 200, want: `id="invite-link"`, note: "someone with an account is invited too"},
	{method: "POST", path: "/w/acme/members", who: editor, body: "email={new-email}&role=editor", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/members", who: agency, body: "email={new-email}&role=editor", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/members", who: responder, body: "email={new-email}&role=editor", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/members", who: viewer, body: "email={new-email}&role=editor", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/members", who: outsider, body: "email={new-email}&role=editor", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/members", who: anonymous, body: "email={new-email}&role=editor", code: 401, want: loginRequired},

	{method: "POST", path: "/w/acme/members/{member:editor}/role", who: admin, body: "role=manager", code: 303, want: "/w/acme/settings?done=role"},
	{method: "POST", path: "/w/acme/members/{member:manager}/role", who: owner, body: "role=editor", code: 303, want: "/w/acme/settings?done=role"},
	{method: "POST", path: "/w/acme/members/{member:editor}/role", who: manager, body: "role=viewer", code: 303, want: "/w/acme/settings?done=role"},
	{method: "POST", path: "/w/acme/members/{member:editor}/role", who: manager, body: "role=manager", code: 403, want: "as manager you cannot change the role editor into manager", note: "promote to manager"},
	{method: "POST", path: "/w/acme/members/{id:owner}/role", who: manager, body: "role=viewer", code: 403, want: "as manager you cannot change the role owner into viewer", note: "demote an owner"},
	{method: "POST", path: "/w/acme/members/{member:editor}/role", who: editor, body: "role=viewer", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/members/{member:editor}/role", who: agency, body: "role=viewer", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/members/{member:editor}/role", who: responder, body: "role=viewer", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/members/{member:editor}/role", who: viewer, body: "role=viewer", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/members/{member:editor}/role", who: outsider, body: "role=viewer", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/members/{member:editor}/role", who: anonymous, body: "role=viewer", code: 401, want: loginRequired},

	{method: "POST", path: "/w/acme/members/{member:owner}/remove", who: admin, code: 303, want: "/w/acme/settings?done=removed"},
	{method: "POST", path: "/w/acme/members/{member:manager}/remove", who: owner, code: 303, want: "/w/acme/settings?done=removed"},
	{method: "POST", path: "/w/acme/members/{member:editor}/remove", who: manager, code: 303, want: "/w/acme/settings?done=removed"},
	{method: "POST", path: "/w/acme/members/{member:manager}/remove", who: manager, code: 403, want: "as manager you cannot remove someone whose role is manager", note: "another manager"},
	{method: "POST", path: "/w/acme/members/{member:editor}/remove", who: editor, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/members/{member:editor}/remove", who: agency, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/members/{member:editor}/remove", who: responder, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/members/{member:editor}/remove", who: viewer, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/members/{member:editor}/remove", who: outsider, code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/members/{member:editor}/remove", who: anonymous, code: 401, want: loginRequired},

	{method: "POST", path: "/w/acme/invitations/{invitation}/revoke", who: admin, code: 303, want: "/w/acme/settings?done=withdrawn"},
	{method: "POST", path: "/w/acme/invitations/{invitation}/revoke", who: owner, code: 303, want: "/w/acme/settings?done=withdrawn"},
	{method: "POST", path: "/w/acme/invitations/{invitation}/revoke", who: manager, code: 303, want: "/w/acme/settings?done=withdrawn"},
	{method: "POST", path: "/w/acme/invitations/{other-invitation}/revoke", who: manager, code: 404, note: "another workspace's invitation"},
	{method: "POST", path: "/w/acme/invitations/{invitation}/revoke", who: editor, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/invitations/{invitation}/revoke", who: agency, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/invitations/{invitation}/revoke", who: responder, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/invitations/{invitation}/revoke", who: viewer, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/invitations/{invitation}/revoke", who: outsider, code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/invitations/{invitation}/revoke", who: anonymous, code: 401, want: loginRequired},

	{method: "GET", path: "/w/acme/audit", who: admin, code: 200, want: `title="member.joined">Member joined<`},
	{method: "GET", path: "/w/acme/audit", who: owner, code: 200, want: "<h1>Audit log</h1>"},
	{method: "GET", path: "/w/acme/audit", who: manager, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/audit", who: editor, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/audit", who: agency, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/audit", who: responder, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/audit", who: viewer, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/audit", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/w/acme/audit", who: anonymous, code: 303, want: "/login?next=%2Fw%2Facme%2Faudit"},
	{method: "GET", path: "/w/acme/audit?before=yesterday", who: owner, code: 400, want: "before must be a time", note: "bad before"},

	// The REST API: JSON answers, never a redirect.
	{method: "GET", path: "/api/v1/openapi.json", who: admin, code: 200, want: `"openapi": "3.1.0"`},
	{method: "GET", path: "/api/v1/openapi.json", who: owner, code: 200, want: `"openapi": "3.1.0"`},
	{method: "GET", path: "/api/v1/openapi.json", who: manager, code: 200, want: `"openapi": "3.1.0"`},
	{method: "GET", path: "/api/v1/openapi.json", who: editor, code: 200, want: `"openapi": "3.1.0"`},
	{method: "GET", path: "/api/v1/openapi.json", who: agency, code: 200, want: `"openapi": "3.1.0"`},
	{method: "GET", path: "/api/v1/openapi.json", who: responder, code: 200, want: `"openapi": "3.1.0"`},
	{method: "GET", path: "/api/v1/openapi.json", who: viewer, code: 200, want: `"openapi": "3.1.0"`},
	{method: "GET", path: "/api/v1/openapi.json", who: outsider, code: 200, want: `"openapi": "3.1.0"`},
	{method: "GET", path: "/api/v1/openapi.json", who: anonymous, code: 200, want: `"openapi": "3.1.0"`},

	{method: "GET", path: "/api/v1/me", who: admin, code: 200, want: `"is_admin": true`},
	{method: "GET", path: "/api/v1/me", who: owner, code: 200, want: `"email": "owner@example.com"`},
	{method: "GET", path: "/api/v1/me", who: manager, code: 200, want: `"email": "manager@example.com"`},
	{method: "GET", path: "/api/v1/me", who: editor, code: 200, want: `"email": "editor@example.com"`},
	{method: "GET", path: "/api/v1/me", who: agency, code: 200, want: `"email": "agency@example.com"`},
	{method: "GET", path: "/api/v1/me", who: responder, code: 200, want: `"email": "responder@example.com"`},
	{method: "GET", path: "/api/v1/me", who: viewer, code: 200, want: `"email": "viewer@example.com"`},
	{method: "GET", path: "/api/v1/me", who: outsider, code: 200, want: `"email": "outsider@example.com"`},
	{method: "GET", path: "/api/v1/me", who: anonymous, code: 401, want: apiLogin},

	{method: "PATCH", path: "/api/v1/me", who: admin, body: `{"language": "en"}`, code: 200, want: `"language": "en"`},
	{method: "PATCH", path: "/api/v1/me", who: owner, body: `{"language": "en"}`, code: 200, want: `"language": "en"`},
	{method: "PATCH", path: "/api/v1/me", who: manager, body: `{"language": "en"}`, code: 200, want: `"language": "en"`},
	{method: "PATCH", path: "/api/v1/me", who: editor, body: `{"language": "en"}`, code: 200, want: `"language": "en"`},
	{method: "PATCH", path: "/api/v1/me", who: agency, body: `{"language": "en"}`, code: 200, want: `"language": "en"`},
	{method: "PATCH", path: "/api/v1/me", who: responder, body: `{"language": "en"}`, code: 200, want: `"language": "en"`},
	{method: "PATCH", path: "/api/v1/me", who: viewer, body: `{"language": "en"}`, code: 200, want: `"language": "en"`},
	{method: "PATCH", path: "/api/v1/me", who: outsider, body: `{"language": "en"}`, code: 200, want: `"language": "en"`},
	{method: "PATCH", path: "/api/v1/me", who: anonymous, body: `{"language": "en"}`, code: 401, want: apiLogin},
	{method: "PATCH", path: "/api/v1/me", who: viewer, body: `{"language": "fr"}`, code: 400, want: `"field": "language"`, note: "unknown language"},

	{method: "GET", path: "/api/v1/tokens", who: admin, code: 200, want: `"name": "admin's other token"`},
	{method: "GET", path: "/api/v1/tokens", who: owner, code: 200, want: `"name": "scenario"`},
	{method: "GET", path: "/api/v1/tokens", who: manager, code: 200, want: `"name": "scenario"`},
	{method: "GET", path: "/api/v1/tokens", who: editor, code: 200, want: `"name": "scenario"`},
	{method: "GET", path: "/api/v1/tokens", who: agency, code: 200, want: `"name": "scenario"`},
	{method: "GET", path: "/api/v1/tokens", who: responder, code: 200, want: `"name": "scenario"`},
	{method: "GET", path: "/api/v1/tokens", who: viewer, code: 200, want: `"name": "scenario"`},
	{method: "GET", path: "/api/v1/tokens", who: outsider, code: 200, want: `"name": "scenario"`},
	{method: "GET", path: "/api/v1/tokens", who: anonymous, code: 401, want: apiLogin},

	{method: "POST", path: "/api/v1/tokens", who: admin, body: `{"name": "ci"}`, code: 201, want: `"token": "pv_`},
	{method: "POST", path: "/api/v1/tokens", who: owner, body: `{"name": "ci"}`, code: 201, want: `"token": "pv_`},
	{method: "POST", path: "/api/v1/tokens", who: manager, body: `{"name": "ci"}`, code: 201, want: `"token": "pv_`},
	{method: "POST", path: "/api/v1/tokens", who: editor, body: `{"name": "ci"}`, code: 201, want: `"token": "pv_`},
	{method: "POST", path: "/api/v1/tokens", who: agency, body: `{"name": "ci"}`, code: 201, want: `"token": "pv_`},
	{method: "POST", path: "/api/v1/tokens", who: responder, body: `{"name": "ci"}`, code: 201, want: `"token": "pv_`},
	{method: "POST", path: "/api/v1/tokens", who: viewer, body: `{"name": "ci"}`, code: 201, want: `"token": "pv_`},
	{method: "POST", path: "/api/v1/tokens", who: outsider, body: `{"name": "ci"}`, code: 201, want: `"token": "pv_`},
	{method: "POST", path: "/api/v1/tokens", who: anonymous, body: `{"name": "ci"}`, code: 401, want: apiLogin},
	{method: "POST", path: "/api/v1/tokens", who: viewer, body: `{"name": "  "}`, code: 400, want: `"field": "name"`, note: "blank name"},

	{method: "DELETE", path: "/api/v1/tokens/{spare-token}", who: admin, code: 204},
	{method: "DELETE", path: "/api/v1/tokens/{spare-token}", who: owner, code: 204},
	{method: "DELETE", path: "/api/v1/tokens/{spare-token}", who: manager, code: 204},
	{method: "DELETE", path: "/api/v1/tokens/{spare-token}", who: editor, code: 204},
	{method: "DELETE", path: "/api/v1/tokens/{spare-token}", who: agency, code: 204},
	{method: "DELETE", path: "/api/v1/tokens/{spare-token}", who: responder, code: 204},
	{method: "DELETE", path: "/api/v1/tokens/{spare-token}", who: viewer, code: 204},
	{method: "DELETE", path: "/api/v1/tokens/{spare-token}", who: outsider, code: 204},
	{method: "DELETE", path: "/api/v1/tokens/{spare-token}", who: anonymous, code: 401, want: apiLogin},
	{method: "DELETE", path: "/api/v1/tokens/{admin-token}", who: manager, code: 404, want: apiNotFound, note: "someone else's token"},

	{method: "GET", path: "/api/v1/audit", who: admin, code: 200, want: `"action": "token.created"`},
	{method: "GET", path: "/api/v1/audit", who: owner, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/audit", who: manager, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/audit", who: editor, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/audit", who: agency, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/audit", who: responder, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/audit", who: viewer, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/audit", who: outsider, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/audit", who: anonymous, code: 401, want: apiLogin},
	{method: "GET", path: "/api/v1/audit?before=2020-01-01T00:00:00Z", who: admin, code: 200, want: `"entries": []`, note: "nothing that old"},

	{method: "GET", path: "/api/v1/workspaces", who: admin, code: 200, want: `"role": "owner"`},
	{method: "GET", path: "/api/v1/workspaces", who: owner, code: 200, want: `"role": "owner"`},
	{method: "GET", path: "/api/v1/workspaces", who: manager, code: 200, want: `"role": "manager"`},
	{method: "GET", path: "/api/v1/workspaces", who: editor, code: 200, want: `"role": "editor"`},
	{method: "GET", path: "/api/v1/workspaces", who: agency, code: 200, want: `"role": "agency"`},
	{method: "GET", path: "/api/v1/workspaces", who: responder, code: 200, want: `"role": "responder"`},
	{method: "GET", path: "/api/v1/workspaces", who: viewer, code: 200, want: `"role": "viewer"`},
	{method: "GET", path: "/api/v1/workspaces", who: outsider, code: 200, want: `"slug": "other"`},
	{method: "GET", path: "/api/v1/workspaces", who: anonymous, code: 401, want: apiLogin},

	{method: "POST", path: "/api/v1/workspaces", who: admin, body: `{"name": "New Brand"}`, code: 201, want: `"slug": "new-brand"`, fresh: true},
	{method: "POST", path: "/api/v1/workspaces", who: owner, body: `{"name": "New Brand"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces", who: manager, body: `{"name": "New Brand"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces", who: editor, body: `{"name": "New Brand"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces", who: agency, body: `{"name": "New Brand"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces", who: responder, body: `{"name": "New Brand"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces", who: viewer, body: `{"name": "New Brand"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces", who: outsider, body: `{"name": "New Brand"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces", who: anonymous, body: `{"name": "New Brand"}`, code: 401, want: apiLogin},
	{method: "POST", path: "/api/v1/workspaces", who: admin, body: `{"name": "Acme again", "slug": "acme"}`, code: 400, want: `"field": "slug"`, note: "slug taken"},

	{method: "GET", path: "/api/v1/workspaces/acme", who: admin, code: 200, want: `"role": "owner"`},
	{method: "GET", path: "/api/v1/workspaces/acme", who: owner, code: 200, want: `"role": "owner"`},
	{method: "GET", path: "/api/v1/workspaces/acme", who: manager, code: 200, want: `"role": "manager"`},
	{method: "GET", path: "/api/v1/workspaces/acme", who: editor, code: 200, want: `"role": "editor"`},
	{method: "GET", path: "/api/v1/workspaces/acme", who: agency, code: 200, want: `"role": "agency"`},
	{method: "GET", path: "/api/v1/workspaces/acme", who: responder, code: 200, want: `"role": "responder"`},
	{method: "GET", path: "/api/v1/workspaces/acme", who: viewer, code: 200, want: `"role": "viewer"`},
	{method: "GET", path: "/api/v1/workspaces/acme", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/api/v1/workspaces/acme", who: anonymous, code: 401, want: apiLogin},
	{method: "GET", path: "/api/v1/workspaces/nowhere", who: admin, code: 404, want: noWorkspace, note: "no such workspace"},

	{method: "PATCH", path: "/api/v1/workspaces/acme", who: admin, body: `{"name": "Acme"}`, code: 200, want: `"name": "Acme"`},
	{method: "PATCH", path: "/api/v1/workspaces/acme", who: owner, body: `{"timezone": "Europe/Rome"}`, code: 200, want: `"timezone": "Europe/Rome"`},
	{method: "PATCH", path: "/api/v1/workspaces/acme", who: manager, body: `{"name": "Acme"}`, code: 403, want: apiForbidden},
	{method: "PATCH", path: "/api/v1/workspaces/acme", who: editor, body: `{"name": "Acme"}`, code: 403, want: apiForbidden},
	{method: "PATCH", path: "/api/v1/workspaces/acme", who: agency, body: `{"name": "Acme"}`, code: 403, want: apiForbidden},
	{method: "PATCH", path: "/api/v1/workspaces/acme", who: responder, body: `{"name": "Acme"}`, code: 403, want: apiForbidden},
	{method: "PATCH", path: "/api/v1/workspaces/acme", who: viewer, body: `{"name": "Acme"}`, code: 403, want: apiForbidden},
	{method: "PATCH", path: "/api/v1/workspaces/acme", who: outsider, body: `{"name": "Acme"}`, code: 404, want: noWorkspace},
	{method: "PATCH", path: "/api/v1/workspaces/acme", who: anonymous, body: `{"name": "Acme"}`, code: 401, want: apiLogin},
	{method: "PATCH", path: "/api/v1/workspaces/acme", who: owner, body: `{"slug": "acme-2"}`, code: 400, want: `"field": "slug"`, note: "slug cannot change"},

	{method: "GET", path: "/api/v1/workspaces/acme/members", who: admin, code: 200, want: `"email": "responder@example.com"`},
	{method: "GET", path: "/api/v1/workspaces/acme/members", who: owner, code: 200, want: `"email": "responder@example.com"`},
	{method: "GET", path: "/api/v1/workspaces/acme/members", who: manager, code: 200, want: `"email": "responder@example.com"`},
	{method: "GET", path: "/api/v1/workspaces/acme/members", who: editor, code: 200, want: `"email": "responder@example.com"`},
	{method: "GET", path: "/api/v1/workspaces/acme/members", who: agency, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/members", who: responder, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/members", who: viewer, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/members", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/api/v1/workspaces/acme/members", who: anonymous, code: 401, want: apiLogin},

	{method: "POST", path: "/api/v1/workspaces/acme/members", who: admin, body: `{"email": "{new-email}", "role": "owner"}`, code: 201, want: `"link": "http://`},
	{method: "POST", path: "/api/v1/workspaces/acme/members", who: owner, body: `{"email": "{new-email}", "role": "manager"}`, code: 201, want: `"link": "http://`},
	{method: "POST", path: "/api/v1/workspaces/acme/members", who: manager, body: `{"email": "{new-email}", "role": "editor"}`, code: 201, want: `"link": "http://`, note: "invite an editor"},
	{method: "POST", path: "/api/v1/workspaces/acme/members", who: manager, body: `{"email": "{new-email}", "role": "manager"}`, code: 403, want: "as manager you cannot give the role manager", note: "invite a manager"},
	{method: "POST", path: "/api/v1/workspaces/acme/members", who: manager, body: `{"email": "{new-email}", "role": "owner"}`, code: 403, want: "as manager you cannot give the role owner", note: "invite an owner"},
	{method: "POST", path: "/api/v1/workspaces/acme/members", who: manager, body: `{"email": "{loner-email}", "role": "agency"}`, code: 201, want: `"invitation": {`, note: "someone with an account is invited too"},
	{method: "POST", path: "/api/v1/workspaces/acme/members", who: owner, body: `{"email": "editor@example.com", "role": "viewer"}`, code: 400, want: "is already a member", note: "already a member"},
	{method: "POST", path: "/api/v1/workspaces/acme/members", who: editor, body: `{"email": "{new-email}", "role": "editor"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/members", who: agency, body: `{"email": "{new-email}", "role": "editor"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/members", who: responder, body: `{"email": "{new-email}", "role": "editor"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/members", who: viewer, body: `{"email": "{new-email}", "role": "editor"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/members", who: outsider, body: `{"email": "{new-email}", "role": "editor"}`, code: 404, want: noWorkspace},
	{method: "POST", path: "/api/v1/workspaces/acme/members", who: anonymous, body: `{"email": "{new-email}", "role": "editor"}`, code: 401, want: apiLogin},

	{method: "PATCH", path: "/api/v1/workspaces/acme/members/{member:editor}", who: admin, body: `{"role": "owner"}`, code: 200, want: `"role": "owner"`},
	{method: "PATCH", path: "/api/v1/workspaces/acme/members/{member:manager}", who: owner, body: `{"role": "viewer"}`, code: 200, want: `"role": "viewer"`},
	{method: "PATCH", path: "/api/v1/workspaces/acme/members/{member:agency}", who: manager, body: `{"role": "editor"}`, code: 200, want: `"role": "editor"`},
	{method: "PATCH", path: "/api/v1/workspaces/acme/members/{member:editor}", who: manager, body: `{"role": "manager"}`, code: 403, want: apiForbidden, note: "promote to manager"},
	{method: "PATCH", path: "/api/v1/workspaces/acme/members/{id:admin}", who: manager, body: `{"role": "editor"}`, code: 403, want: apiForbidden, note: "demote an owner"},
	{method: "PATCH", path: "/api/v1/workspaces/acme/members/{id:outsider}", who: owner, body: `{"role": "editor"}`, code: 404, want: apiNotFound, note: "not a member"},
	{method: "PATCH", path: "/api/v1/workspaces/acme/members/{member:editor}", who: owner, body: `{"role": "boss"}`, code: 400, want: `"field": "role"`, note: "no such role"},
	{method: "PATCH", path: "/api/v1/workspaces/acme/members/{member:agency}", who: editor, body: `{"role": "viewer"}`, code: 403, want: apiForbidden},
	{method: "PATCH", path: "/api/v1/workspaces/acme/members/{member:agency}", who: agency, body: `{"role": "viewer"}`, code: 403, want: apiForbidden},
	{method: "PATCH", path: "/api/v1/workspaces/acme/members/{member:agency}", who: responder, body: `{"role": "viewer"}`, code: 403, want: apiForbidden},
	{method: "PATCH", path: "/api/v1/workspaces/acme/members/{member:agency}", who: viewer, body: `{"role": "viewer"}`, code: 403, want: apiForbidden},
	{method: "PATCH", path: "/api/v1/workspaces/acme/members/{member:agency}", who: outsider, body: `{"role": "viewer"}`, code: 404, want: noWorkspace},
	{method: "PATCH", path: "/api/v1/workspaces/acme/members/{member:agency}", who: anonymous, body: `{"role": "viewer"}`, code: 401, want: apiLogin},

	{method: "DELETE", path: "/api/v1/workspaces/acme/members/{member:owner}", who: admin, code: 204},
	{method: "DELETE", path: "/api/v1/workspaces/acme/members/{member:manager}", who: owner, code: 204},
	{method: "DELETE", path: "/api/v1/workspaces/acme/members/{member:responder}", who: manager, code: 204},
	{method: "DELETE", path: "/api/v1/workspaces/acme/members/{id:owner}", who: manager, code: 403, want: "as manager you cannot remove someone whose role is owner", note: "an owner"},
	{method: "DELETE", path: "/api/v1/workspaces/acme/members/{member:viewer}", who: editor, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/members/{member:viewer}", who: agency, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/members/{member:viewer}", who: responder, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/members/{member:viewer}", who: viewer, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/members/{member:viewer}", who: outsider, code: 404, want: noWorkspace},
	{method: "DELETE", path: "/api/v1/workspaces/acme/members/{member:viewer}", who: anonymous, code: 401, want: apiLogin},

	{method: "GET", path: "/api/v1/workspaces/acme/invitations", who: admin, code: 200, want: `"invitations"`},
	{method: "GET", path: "/api/v1/workspaces/acme/invitations", who: owner, code: 200, want: `"invitations"`},
	{method: "GET", path: "/api/v1/workspaces/acme/invitations", who: manager, code: 200, want: `"invitations"`},
	{method: "GET", path: "/api/v1/workspaces/acme/invitations", who: editor, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/invitations", who: agency, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/invitations", who: responder, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/invitations", who: viewer, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/invitations", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/api/v1/workspaces/acme/invitations", who: anonymous, code: 401, want: apiLogin},

	{method: "DELETE", path: "/api/v1/workspaces/acme/invitations/{invitation}", who: admin, code: 204},
	{method: "DELETE", path: "/api/v1/workspaces/acme/invitations/{invitation}", who: owner, code: 204},
	{method: "DELETE", path: "/api/v1/workspaces/acme/invitations/{invitation}", who: manager, code: 204},
	{method: "DELETE", path: "/api/v1/workspaces/acme/invitations/{other-invitation}", who: owner, code: 404, want: apiNotFound, note: "another workspace's invitation"},
	{method: "DELETE", path: "/api/v1/workspaces/acme/invitations/{invitation}", who: editor, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/invitations/{invitation}", who: agency, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/invitations/{invitation}", who: responder, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/invitations/{invitation}", who: viewer, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/invitations/{invitation}", who: outsider, code: 404, want: noWorkspace},
	{method: "DELETE", path: "/api/v1/workspaces/acme/invitations/{invitation}", who: anonymous, code: 401, want: apiLogin},

	{method: "GET", path: "/api/v1/workspaces/acme/audit", who: admin, code: 200, want: `"action": "member.joined"`, fresh: true, note: "a fresh log"},
	{method: "GET", path: "/api/v1/workspaces/acme/audit", who: owner, code: 200, want: `"entries"`},
	{method: "GET", path: "/api/v1/workspaces/acme/audit", who: manager, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/audit", who: editor, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/audit", who: agency, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/audit", who: responder, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/audit", who: viewer, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/audit", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/api/v1/workspaces/acme/audit", who: anonymous, code: 401, want: apiLogin},
	{method: "GET", path: "/api/v1/workspaces/acme/audit?before=soon", who: owner, code: 400, want: `"field": "before"`, note: "bad before"},

	// Publishing pages. The calendar shows acme's posts in Rome's time (the
	// fixture's post is at 09:00 on {future-date}).
	{method: "GET", path: "/w/acme/calendar?view=month&date={future-date}", who: editor, code: 200, want: `data-time="09:00"`, note: "the month of the fixture's post"},
	{method: "GET", path: "/w/acme/calendar?view=week&date={future-date}", who: agency, code: 200, want: "Week of", note: "a week"},
	{method: "GET", path: "/w/acme/compose?post={draft}", who: editor, code: 200, want: `name="post" value="{draft}"`, note: "a draft to finish"},
	{method: "GET", path: "/w/acme/compose?post={post}", who: editor, code: 303, want: "/w/acme/posts/{post}", note: "a scheduled post is no draft"},

	// Composing: those who publish schedule; the agency saves drafts only,
	// and is told so when it tries more.
	{method: "POST", path: "/w/acme/compose", who: admin, body: "account={mastodon}&part=Hello+from+the+scenarios&mode=at&date={future-date}&time=10:00", code: 303, want: "/w/acme/posts/{new-id}?done=post-scheduled", multipart: true},
	{method: "POST", path: "/w/acme/compose", who: owner, body: "account={mastodon}&part=Hello+from+the+scenarios&mode=at&date={future-date}&time=10:00", code: 303, want: "/w/acme/posts/{new-id}?done=post-scheduled", multipart: true},
	{method: "POST", path: "/w/acme/compose", who: manager, body: "account={mastodon}&part=Hello+from+the+scenarios&mode=at&date={future-date}&time=10:00", code: 303, want: "/w/acme/posts/{new-id}?done=post-scheduled", multipart: true},
	{method: "POST", path: "/w/acme/compose", who: editor, body: "account={mastodon}&part=Hello+from+the+scenarios&mode=at&date={future-date}&time=10:00", code: 303, want: "/w/acme/posts/{new-id}?done=post-scheduled", multipart: true},
	{method: "POST", path: "/w/acme/compose", who: agency, body: "account={mastodon}&part=An+idea+for+the+client&mode=draft", code: 303, want: "/w/acme/posts/{new-id}?done=draft-saved", multipart: true},
	{method: "POST", path: "/w/acme/compose", who: responder, body: "account={mastodon}&part=Hello+from+the+scenarios&mode=at&date={future-date}&time=10:00", code: 403, want: roleRefused, multipart: true},
	{method: "POST", path: "/w/acme/compose", who: viewer, body: "account={mastodon}&part=Hello+from+the+scenarios&mode=at&date={future-date}&time=10:00", code: 403, want: roleRefused, multipart: true},
	{method: "POST", path: "/w/acme/compose", who: outsider, body: "account={mastodon}&part=Hello+from+the+scenarios&mode=at&date={future-date}&time=10:00", code: 404, want: noWorkspace, multipart: true},
	{method: "POST", path: "/w/acme/compose", who: anonymous, body: "account={mastodon}&part=Hello+from+the+scenarios&mode=at&date={future-date}&time=10:00", code: 401, want: loginRequired, multipart: true},
	{method: "POST", path: "/w/acme/compose", who: agency, body: "account={mastodon}&part=Hello+from+the+scenarios&mode=at&date={future-date}&time=10:00", code: 403, want: "your role can save drafts but not schedule or publish", multipart: true, note: "schedule"},
	{method: "POST", path: "/w/acme/compose", who: editor, body: "account={mastodon}&account={bluesky}&part=With+a+picture&@image-0-0=card.png&alt-0-0=The+new+shop+window&mode=at&date={future-date}&time=10:15", code: 303, want: "/w/acme/posts/{new-id}?done=post-scheduled", multipart: true, note: "with an image"},
	{method: "POST", path: "/w/acme/compose", who: editor, body: "account={bluesky}&part={text:320}&mode=at&date={future-date}&time=10:00", code: 422, want: "Bluesky, part 1: 20 characters over the limit (320 of 300)", multipart: true, note: "too long for Bluesky"},
	{method: "POST", path: "/w/acme/compose", who: manager, body: "account={mastodon}&part=Spring&mode=at&date=2027-03-28&time=02:30", code: 400, want: "02:30 does not exist on 2027-03-28 in Europe/Rome", multipart: true, note: "a time the clocks skip"},
	{method: "POST", path: "/w/acme/compose", who: manager, body: "part=Hello&mode=draft", code: 400, want: "the form could not be read", note: "not multipart"},

	{method: "GET", path: "/w/acme/posts/{post}", who: admin, code: 200, want: `data-state="scheduled"`},
	{method: "GET", path: "/w/acme/posts/{post}", who: owner, code: 200, want: `data-state="scheduled"`},
	{method: "GET", path: "/w/acme/posts/{post}", who: manager, code: 200, want: `data-state="scheduled"`},
	{method: "GET", path: "/w/acme/posts/{post}", who: editor, code: 200, want: `data-state="scheduled"`},
	{method: "GET", path: "/w/acme/posts/{post}", who: agency, code: 200, want: `data-state="scheduled"`},
	{method: "GET", path: "/w/acme/posts/{post}", who: responder, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/posts/{post}", who: viewer, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/posts/{post}", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/w/acme/posts/{post}", who: anonymous, code: 303, want: "/login?next=%2Fw%2Facme%2Fposts%2F{post}"},
	{method: "GET", path: "/w/acme/posts/{draft}", who: agency, code: 200, want: `id="edit-draft"`, note: "a draft"},
	{method: "GET", path: "/w/acme/posts/{other-post}", who: owner, code: 404, want: "not found", note: "another workspace's post"},

	// Only those who publish move and cancel posts; everyone who drafts duplicates.
	{method: "POST", path: "/w/acme/posts/{post}/reschedule", who: admin, body: "date={later-date}&time=10:30", code: 303, want: "/w/acme/posts/{post}?done=post-rescheduled"},
	{method: "POST", path: "/w/acme/posts/{post}/reschedule", who: owner, body: "date={later-date}&time=10:30", code: 303, want: "/w/acme/posts/{post}?done=post-rescheduled"},
	{method: "POST", path: "/w/acme/posts/{post}/reschedule", who: manager, body: "date={later-date}&time=10:30", code: 303, want: "/w/acme/posts/{post}?done=post-rescheduled"},
	{method: "POST", path: "/w/acme/posts/{post}/reschedule", who: editor, body: "date={later-date}&time=10:30", code: 303, want: "/w/acme/posts/{post}?done=post-rescheduled"},
	{method: "POST", path: "/w/acme/posts/{post}/reschedule", who: agency, body: "date={later-date}&time=10:30", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/posts/{post}/reschedule", who: responder, body: "date={later-date}&time=10:30", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/posts/{post}/reschedule", who: viewer, body: "date={later-date}&time=10:30", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/posts/{post}/reschedule", who: outsider, body: "date={later-date}&time=10:30", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/posts/{post}/reschedule", who: anonymous, body: "date={later-date}&time=10:30", code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/posts/{draft}/reschedule", who: manager, body: "date={later-date}&time=10:30", code: 409, want: "this post is a draft: schedule it first", note: "a draft"},
	{method: "POST", path: "/w/acme/posts/{post}/reschedule", who: editor, body: "date=2020-01-10&time=10:30", code: 400, want: "is in the past", note: "in the past"},
	{method: "POST", path: "/w/acme/posts/{post}/reschedule", who: editor, body: "date={later-date}&time=25:00", code: 400, want: "write it as HH:MM", note: "no such time"},

	{method: "POST", path: "/w/acme/posts/{post}/cancel", who: admin, code: 303, want: "/w/acme/posts/{post}?done=post-cancelled"},
	{method: "POST", path: "/w/acme/posts/{post}/cancel", who: owner, code: 303, want: "/w/acme/posts/{post}?done=post-cancelled"},
	{method: "POST", path: "/w/acme/posts/{post}/cancel", who: manager, code: 303, want: "/w/acme/posts/{post}?done=post-cancelled"},
	{method: "POST", path: "/w/acme/posts/{post}/cancel", who: editor, code: 303, want: "/w/acme/posts/{post}?done=post-cancelled"},
	{method: "POST", path: "/w/acme/posts/{post}/cancel", who: agency, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/posts/{post}/cancel", who: responder, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/posts/{post}/cancel", who: viewer, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/posts/{post}/cancel", who: outsider, code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/posts/{post}/cancel", who: anonymous, code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/posts/{unverified-post}/deliveries/{unverified-delivery}/resolve", who: admin, body: "action=retry", code: 303, want: "/w/acme/posts/{any}?done=post-resolved-retry"},
	{method: "POST", path: "/w/acme/posts/{unverified-post}/deliveries/{unverified-delivery}/resolve", who: owner, body: "action=retry", code: 303, want: "/w/acme/posts/{any}?done=post-resolved-retry"},
	{method: "POST", path: "/w/acme/posts/{unverified-post}/deliveries/{unverified-delivery}/resolve", who: manager, body: "action=published", code: 303, want: "/w/acme/posts/{any}?done=post-resolved-published"},
	{method: "POST", path: "/w/acme/posts/{unverified-post}/deliveries/{unverified-delivery}/resolve", who: editor, body: "action=retry", code: 303, want: "/w/acme/posts/{any}?done=post-resolved-retry"},
	{method: "POST", path: "/w/acme/posts/{unverified-post}/deliveries/{unverified-delivery}/resolve", who: agency, body: "action=retry", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/posts/{unverified-post}/deliveries/{unverified-delivery}/resolve", who: responder, body: "action=retry", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/posts/{unverified-post}/deliveries/{unverified-delivery}/resolve", who: viewer, body: "action=retry", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/posts/{unverified-post}/deliveries/{unverified-delivery}/resolve", who: outsider, body: "action=retry", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/posts/{unverified-post}/deliveries/{unverified-delivery}/resolve", who: anonymous, body: "action=retry", code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/posts/{post}/deliveries/nope/resolve", who: owner, body: "action=retry", code: 404, want: "not found", note: "unknown delivery"},
	{method: "POST", path: "/w/acme/posts/{unverified-post}/deliveries/{unverified-delivery}/resolve", who: owner, body: "action=maybe", code: 400, want: "choose published", note: "unknown action"},
	{method: "POST", path: "/w/acme/posts/{other-post}/cancel", who: owner, code: 404, want: "not found", note: "another workspace's post"},

	{method: "POST", path: "/w/acme/posts/{post}/duplicate", who: admin, code: 303, want: "/w/acme/compose?post={new-id}&done=post-duplicated"},
	{method: "POST", path: "/w/acme/posts/{post}/duplicate", who: owner, code: 303, want: "/w/acme/compose?post={new-id}&done=post-duplicated"},
	{method: "POST", path: "/w/acme/posts/{post}/duplicate", who: manager, code: 303, want: "/w/acme/compose?post={new-id}&done=post-duplicated"},
	{method: "POST", path: "/w/acme/posts/{post}/duplicate", who: editor, code: 303, want: "/w/acme/compose?post={new-id}&done=post-duplicated"},
	{method: "POST", path: "/w/acme/posts/{post}/duplicate", who: agency, code: 303, want: "/w/acme/compose?post={new-id}&done=post-duplicated"},
	{method: "POST", path: "/w/acme/posts/{post}/duplicate", who: responder, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/posts/{post}/duplicate", who: viewer, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/posts/{post}/duplicate", who: outsider, code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/posts/{post}/duplicate", who: anonymous, code: 401, want: loginRequired},

	// Uploaded images are served to the workspace's members only.
	{method: "GET", path: "/w/acme/media/{media}", who: admin, code: 200, want: "PNG"},
	{method: "GET", path: "/w/acme/media/{media}", who: owner, code: 200, want: "PNG"},
	{method: "GET", path: "/w/acme/media/{media}", who: manager, code: 200, want: "PNG"},
	{method: "GET", path: "/w/acme/media/{media}", who: editor, code: 200, want: "PNG"},
	{method: "GET", path: "/w/acme/media/{media}", who: agency, code: 200, want: "PNG"},
	{method: "GET", path: "/w/acme/media/{media}", who: responder, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/media/{media}", who: viewer, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/media/{media}", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/w/acme/media/{media}", who: anonymous, code: 303, want: "/login?next=%2Fw%2Facme%2Fmedia%2F{media}"},
	{method: "GET", path: "/w/acme/media/{other-media}", who: owner, code: 404, want: "not found", note: "another workspace's image"},

	// Accounts: whoever sees the calendar sees them; owners and managers
	// connect, set queue times and disconnect.
	{method: "GET", path: "/w/acme/accounts", who: admin, code: 200, want: `id="connect-mastodon"`},
	{method: "GET", path: "/w/acme/accounts", who: owner, code: 200, want: `id="connect-bluesky"`},
	{method: "GET", path: "/w/acme/accounts", who: manager, code: 200, want: `data-account="{mastodon}"`},
	{method: "GET", path: "/w/acme/accounts", who: editor, code: 200, want: `data-account="{bluesky}"`},
	{method: "GET", path: "/w/acme/accounts", who: agency, code: 200, want: "<h1>Accounts</h1>"},
	{method: "GET", path: "/w/acme/accounts", who: responder, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/accounts", who: viewer, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/accounts", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/w/acme/accounts", who: anonymous, code: 303, want: "/login?next=%2Fw%2Facme%2Faccounts"},

	{method: "POST", path: "/w/acme/accounts/mastodon", who: admin, body: "instance={mastodon-url}", code: 303, want: "{mastodon-url}/oauth/authorize?{any}"},
	{method: "POST", path: "/w/acme/accounts/mastodon", who: owner, body: "instance={mastodon-url}", code: 303, want: "{mastodon-url}/oauth/authorize?{any}"},
	{method: "POST", path: "/w/acme/accounts/mastodon", who: manager, body: "instance={mastodon-url}", code: 303, want: "{mastodon-url}/oauth/authorize?{any}"},
	{method: "POST", path: "/w/acme/accounts/mastodon", who: editor, body: "instance={mastodon-url}", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/accounts/mastodon", who: agency, body: "instance={mastodon-url}", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/accounts/mastodon", who: responder, body: "instance={mastodon-url}", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/accounts/mastodon", who: viewer, body: "instance={mastodon-url}", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/accounts/mastodon", who: outsider, body: "instance={mastodon-url}", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/accounts/mastodon", who: anonymous, body: "instance={mastodon-url}", code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/accounts/mastodon", who: owner, body: "instance=not+a+server", code: 400, want: "is not the name of a Mastodon server", note: "not a server"},

	{method: "POST", path: "/w/acme/accounts/bluesky", who: admin, body: "identifier={bluesky-handle}&app_password={app-password}", code: 303, want: "/w/acme/accounts?done=account-connected"},
	{method: "POST", path: "/w/acme/accounts/bluesky", who: owner, body: "identifier={bluesky-handle}&app_password={app-password}", code: 303, want: "/w/acme/accounts?done=account-connected"},
	{method: "POST", path: "/w/acme/accounts/bluesky", who: manager, body: "identifier={bluesky-handle}&app_password={app-password}", code: 303, want: "/w/acme/accounts?done=account-connected"},
	{method: "POST", path: "/w/acme/accounts/bluesky", who: editor, body: "identifier={bluesky-handle}&app_password={app-password}", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/accounts/bluesky", who: agency, body: "identifier={bluesky-handle}&app_password={app-password}", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/accounts/bluesky", who: responder, body: "identifier={bluesky-handle}&app_password={app-password}", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/accounts/bluesky", who: viewer, body: "identifier={bluesky-handle}&app_password={app-password}", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/accounts/bluesky", who: outsider, body: "identifier={bluesky-handle}&app_password={app-password}", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/accounts/bluesky", who: anonymous, body: "identifier={bluesky-handle}&app_password={app-password}", code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/accounts/bluesky", who: owner, body: "identifier={bluesky-handle}&app_password=wrong", code: 400, want: "Bluesky refused this handle and app password", note: "wrong app password"},
	{method: "POST", path: "/w/acme/accounts/bluesky", who: manager, body: "identifier={bluesky-handle}&app_password=", code: 400, want: "write an app password", note: "no app password"},

	{method: "POST", path: "/w/acme/accounts/{mastodon}/queue", who: admin, body: "queue=mon+09%3A00%0Alun+18%3A30", code: 303, want: "/w/acme/accounts?done=queue-saved"},
	{method: "POST", path: "/w/acme/accounts/{mastodon}/queue", who: owner, body: "queue=mon+09%3A00%0Alun+18%3A30", code: 303, want: "/w/acme/accounts?done=queue-saved"},
	{method: "POST", path: "/w/acme/accounts/{mastodon}/queue", who: manager, body: "queue=mon+09%3A00%0Alun+18%3A30", code: 303, want: "/w/acme/accounts?done=queue-saved"},
	{method: "POST", path: "/w/acme/accounts/{mastodon}/queue", who: editor, body: "queue=mon+09%3A00%0Alun+18%3A30", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/accounts/{mastodon}/queue", who: agency, body: "queue=mon+09%3A00%0Alun+18%3A30", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/accounts/{mastodon}/queue", who: responder, body: "queue=mon+09%3A00%0Alun+18%3A30", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/accounts/{mastodon}/queue", who: viewer, body: "queue=mon+09%3A00%0Alun+18%3A30", code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/accounts/{mastodon}/queue", who: outsider, body: "queue=mon+09%3A00%0Alun+18%3A30", code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/accounts/{mastodon}/queue", who: anonymous, body: "queue=mon+09%3A00%0Alun+18%3A30", code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/accounts/{mastodon}/queue", who: manager, body: "queue=monday+9", code: 400, want: "write each queue time as a day and a time", note: "unreadable"},

	{method: "POST", path: "/w/acme/accounts/{social-account}/remove", who: admin, code: 303, want: "/w/acme/accounts?done=account-removed"},
	{method: "POST", path: "/w/acme/accounts/{social-account}/remove", who: owner, code: 303, want: "/w/acme/accounts?done=account-removed"},
	{method: "POST", path: "/w/acme/accounts/{social-account}/remove", who: manager, code: 303, want: "/w/acme/accounts?done=account-removed"},
	{method: "POST", path: "/w/acme/accounts/{social-account}/remove", who: editor, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/accounts/{social-account}/remove", who: agency, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/accounts/{social-account}/remove", who: responder, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/accounts/{social-account}/remove", who: viewer, code: 403, want: roleRefused},
	{method: "POST", path: "/w/acme/accounts/{social-account}/remove", who: outsider, code: 404, want: noWorkspace},
	{method: "POST", path: "/w/acme/accounts/{social-account}/remove", who: anonymous, code: 401, want: loginRequired},
	{method: "POST", path: "/w/acme/accounts/{other-post}/remove", who: owner, code: 404, want: "not found", note: "no such account"},

	// The instance sends people back here: it works only for the person who
	// started connecting, once.
	{method: "GET", path: "/oauth/mastodon/callback?{mastodon-callback}", who: admin, code: 303, want: "/w/acme/accounts?done=account-connected"},
	{method: "GET", path: "/oauth/mastodon/callback?{mastodon-callback}", who: owner, code: 303, want: "/w/acme/accounts?done=account-connected"},
	{method: "GET", path: "/oauth/mastodon/callback?{mastodon-callback}", who: manager, code: 303, want: "/w/acme/accounts?done=account-connected"},
	{method: "GET", path: "/oauth/mastodon/callback?state=forged&code=x", who: editor, code: 400, want: "this authorization has expired or was already used"},
	{method: "GET", path: "/oauth/mastodon/callback?state=forged&code=x", who: agency, code: 400, want: "this authorization has expired or was already used"},
	{method: "GET", path: "/oauth/mastodon/callback?state=forged&code=x", who: responder, code: 400, want: "this authorization has expired or was already used"},
	{method: "GET", path: "/oauth/mastodon/callback?state=forged&code=x", who: viewer, code: 400, want: "this authorization has expired or was already used"},
	{method: "GET", path: "/oauth/mastodon/callback?state=forged&code=x", who: outsider, code: 400, want: "this authorization has expired or was already used"},
	{method: "GET", path: "/oauth/mastodon/callback?state=forged&code=x", who: anonymous, code: 303, want: "/login?next=%2Foauth%2Fmastodon%2Fcallback%3Fstate%3Dforged%26code%3Dx"},
	{method: "GET", path: "/oauth/mastodon/callback?{mastodon-callback:admin}", who: owner, code: 400, want: "this authorization has expired or was already used", note: "started by someone else"},
	{method: "GET", path: "/oauth/mastodon/callback?{mastodon-callback}&error=access_denied", who: manager, code: 400, want: "the instance did not authorize Portavoce (access_denied)", note: "denied"},

	// The publishing API.
	{method: "GET", path: "/api/v1/workspaces/acme/accounts", who: admin, code: 200, want: `"handle": "acme.bsky.social"`},
	{method: "GET", path: "/api/v1/workspaces/acme/accounts", who: owner, code: 200, want: `"queue": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/accounts", who: manager, code: 200, want: `"network": "mastodon"`},
	{method: "GET", path: "/api/v1/workspaces/acme/accounts", who: editor, code: 200, want: `"network": "mastodon"`},
	{method: "GET", path: "/api/v1/workspaces/acme/accounts", who: agency, code: 200, want: `"network": "mastodon"`},
	{method: "GET", path: "/api/v1/workspaces/acme/accounts", who: responder, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/accounts", who: viewer, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/accounts", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/api/v1/workspaces/acme/accounts", who: anonymous, code: 401, want: apiLogin},

	{method: "POST", path: "/api/v1/workspaces/acme/accounts/mastodon", who: admin, body: `{"instance": "{mastodon-url}"}`, code: 200, want: `"authorize_url": "{mastodon-url}/oauth/authorize?client_id=`},
	{method: "POST", path: "/api/v1/workspaces/acme/accounts/mastodon", who: owner, body: `{"instance": "{mastodon-url}"}`, code: 200, want: `"authorize_url": "{mastodon-url}/oauth/authorize?client_id=`},
	{method: "POST", path: "/api/v1/workspaces/acme/accounts/mastodon", who: manager, body: `{"instance": "{mastodon-url}"}`, code: 200, want: `"authorize_url": "{mastodon-url}/oauth/authorize?client_id=`},
	{method: "POST", path: "/api/v1/workspaces/acme/accounts/mastodon", who: editor, body: `{"instance": "{mastodon-url}"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/accounts/mastodon", who: agency, body: `{"instance": "{mastodon-url}"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/accounts/mastodon", who: responder, body: `{"instance": "{mastodon-url}"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/accounts/mastodon", who: viewer, body: `{"instance": "{mastodon-url}"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/accounts/mastodon", who: outsider, body: `{"instance": "{mastodon-url}"}`, code: 404, want: noWorkspace},
	{method: "POST", path: "/api/v1/workspaces/acme/accounts/mastodon", who: anonymous, body: `{"instance": "{mastodon-url}"}`, code: 401, want: apiLogin},
	{method: "POST", path: "/api/v1/workspaces/acme/accounts/mastodon", who: owner, body: `{"instance": "not a server"}`, code: 400, want: `"field": "instance"`, note: "not a server"},

	{method: "POST", path: "/api/v1/workspaces/acme/accounts/bluesky", who: admin, body: `{"identifier": "{bluesky-handle}", "app_password": "{app-password}"}`, code: 201, want: `"handle": "{bluesky-handle}"`},
	{method: "POST", path: "/api/v1/workspaces/acme/accounts/bluesky", who: owner, body: `{"identifier": "{bluesky-handle}", "app_password": "{app-password}"}`, code: 201, want: `"handle": "{bluesky-handle}"`},
	{method: "POST", path: "/api/v1/workspaces/acme/accounts/bluesky", who: manager, body: `{"identifier": "{bluesky-handle}", "app_password": "{app-password}"}`, code: 201, want: `"handle": "{bluesky-handle}"`},
	{method: "POST", path: "/api/v1/workspaces/acme/accounts/bluesky", who: editor, body: `{"identifier": "{bluesky-handle}", "app_password": "{app-password}"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/accounts/bluesky", who: agency, body: `{"identifier": "{bluesky-handle}", "app_password": "{app-password}"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/accounts/bluesky", who: responder, body: `{"identifier": "{bluesky-handle}", "app_password": "{app-password}"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/accounts/bluesky", who: viewer, body: `{"identifier": "{bluesky-handle}", "app_password": "{app-password}"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/accounts/bluesky", who: outsider, body: `{"identifier": "{bluesky-handle}", "app_password": "{app-password}"}`, code: 404, want: noWorkspace},
	{method: "POST", path: "/api/v1/workspaces/acme/accounts/bluesky", who: anonymous, body: `{"identifier": "{bluesky-handle}", "app_password": "{app-password}"}`, code: 401, want: apiLogin},
	{method: "POST", path: "/api/v1/workspaces/acme/accounts/bluesky", who: owner, body: `{"identifier": "{bluesky-handle}", "app_password": ""}`, code: 400, want: `"field": "app_password"`, note: "no app password"},

	{method: "PUT", path: "/api/v1/workspaces/acme/accounts/{mastodon}/queue", who: admin, body: `{"slots": [{"weekday": 1, "time": "09:00"}, {"weekday": 5, "time": "17:30"}]}`, code: 200, want: `"time": "17:30"`},
	{method: "PUT", path: "/api/v1/workspaces/acme/accounts/{mastodon}/queue", who: owner, body: `{"slots": [{"weekday": 1, "time": "09:00"}, {"weekday": 5, "time": "17:30"}]}`, code: 200, want: `"time": "17:30"`},
	{method: "PUT", path: "/api/v1/workspaces/acme/accounts/{mastodon}/queue", who: manager, body: `{"slots": [{"weekday": 1, "time": "09:00"}, {"weekday": 5, "time": "17:30"}]}`, code: 200, want: `"time": "17:30"`},
	{method: "PUT", path: "/api/v1/workspaces/acme/accounts/{mastodon}/queue", who: editor, body: `{"slots": [{"weekday": 1, "time": "09:00"}, {"weekday": 5, "time": "17:30"}]}`, code: 403, want: apiForbidden},
	{method: "PUT", path: "/api/v1/workspaces/acme/accounts/{mastodon}/queue", who: agency, body: `{"slots": [{"weekday": 1, "time": "09:00"}, {"weekday": 5, "time": "17:30"}]}`, code: 403, want: apiForbidden},
	{method: "PUT", path: "/api/v1/workspaces/acme/accounts/{mastodon}/queue", who: responder, body: `{"slots": [{"weekday": 1, "time": "09:00"}, {"weekday": 5, "time": "17:30"}]}`, code: 403, want: apiForbidden},
	{method: "PUT", path: "/api/v1/workspaces/acme/accounts/{mastodon}/queue", who: viewer, body: `{"slots": [{"weekday": 1, "time": "09:00"}, {"weekday": 5, "time": "17:30"}]}`, code: 403, want: apiForbidden},
	{method: "PUT", path: "/api/v1/workspaces/acme/accounts/{mastodon}/queue", who: outsider, body: `{"slots": [{"weekday": 1, "time": "09:00"}, {"weekday": 5, "time": "17:30"}]}`, code: 404, want: noWorkspace},
	{method: "PUT", path: "/api/v1/workspaces/acme/accounts/{mastodon}/queue", who: anonymous, body: `{"slots": [{"weekday": 1, "time": "09:00"}, {"weekday": 5, "time": "17:30"}]}`, code: 401, want: apiLogin},
	{method: "PUT", path: "/api/v1/workspaces/acme/accounts/{mastodon}/queue", who: manager, body: `{"slots": [{"weekday": 7, "time": "09:00"}]}`, code: 400, want: `"field": "slots"`, note: "no such weekday"},
	{method: "PUT", path: "/api/v1/workspaces/acme/accounts/{other-post}/queue", who: manager, body: `{"slots": [{"weekday": 1, "time": "09:00"}, {"weekday": 5, "time": "17:30"}]}`, code: 404, want: apiNotFound, note: "no such account"},

	{method: "DELETE", path: "/api/v1/workspaces/acme/accounts/{social-account}", who: admin, code: 204},
	{method: "DELETE", path: "/api/v1/workspaces/acme/accounts/{social-account}", who: owner, code: 204},
	{method: "DELETE", path: "/api/v1/workspaces/acme/accounts/{social-account}", who: manager, code: 204},
	{method: "DELETE", path: "/api/v1/workspaces/acme/accounts/{social-account}", who: editor, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/accounts/{social-account}", who: agency, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/accounts/{social-account}", who: responder, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/accounts/{social-account}", who: viewer, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/accounts/{social-account}", who: outsider, code: 404, want: noWorkspace},
	{method: "DELETE", path: "/api/v1/workspaces/acme/accounts/{social-account}", who: anonymous, code: 401, want: apiLogin},
	{method: "DELETE", path: "/api/v1/workspaces/acme/accounts/{other-post}", who: owner, code: 404, want: apiNotFound, note: "no such account"},

	{method: "POST", path: "/api/v1/workspaces/acme/media", who: admin, body: "@file=photo.png", code: 201, want: `"content_type": "image/png"`, multipart: true},
	{method: "POST", path: "/api/v1/workspaces/acme/media", who: owner, body: "@file=photo.png", code: 201, want: `"content_type": "image/png"`, multipart: true},
	{method: "POST", path: "/api/v1/workspaces/acme/media", who: manager, body: "@file=photo.png", code: 201, want: `"content_type": "image/png"`, multipart: true},
	{method: "POST", path: "/api/v1/workspaces/acme/media", who: editor, body: "@file=photo.png", code: 201, want: `"content_type": "image/png"`, multipart: true},
	{method: "POST", path: "/api/v1/workspaces/acme/media", who: agency, body: "@file=photo.png", code: 201, want: `"content_type": "image/png"`, multipart: true},
	{method: "POST", path: "/api/v1/workspaces/acme/media", who: responder, body: "@file=photo.png", code: 403, want: apiForbidden, multipart: true},
	{method: "POST", path: "/api/v1/workspaces/acme/media", who: viewer, body: "@file=photo.png", code: 403, want: apiForbidden, multipart: true},
	{method: "POST", path: "/api/v1/workspaces/acme/media", who: outsider, body: "@file=photo.png", code: 404, want: noWorkspace, multipart: true},
	{method: "POST", path: "/api/v1/workspaces/acme/media", who: anonymous, body: "@file=photo.png", code: 401, want: apiLogin, multipart: true},
	{method: "POST", path: "/api/v1/workspaces/acme/media", who: editor, body: `{"file": "photo.png"}`, code: 400, want: `"field": "file"`, note: "not multipart"},

	{method: "POST", path: "/api/v1/workspaces/acme/posts/check", who: admin, body: `{"content": {"parts": [{"text": "Hello"}]}, "accounts": ["{mastodon}", "{bluesky}"]}`, code: 200, want: `"ok": true`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/check", who: owner, body: `{"content": {"parts": [{"text": "Hello"}]}, "accounts": ["{mastodon}", "{bluesky}"]}`, code: 200, want: `"ok": true`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/check", who: manager, body: `{"content": {"parts": [{"text": "Hello"}]}, "accounts": ["{mastodon}", "{bluesky}"]}`, code: 200, want: `"ok": true`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/check", who: editor, body: `{"content": {"parts": [{"text": "Hello"}]}, "accounts": ["{mastodon}", "{bluesky}"]}`, code: 200, want: `"ok": true`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/check", who: agency, body: `{"content": {"parts": [{"text": "Hello"}]}, "accounts": ["{mastodon}", "{bluesky}"]}`, code: 200, want: `"ok": true`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/check", who: responder, body: `{"content": {"parts": [{"text": "Hello"}]}, "accounts": ["{mastodon}", "{bluesky}"]}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/check", who: viewer, body: `{"content": {"parts": [{"text": "Hello"}]}, "accounts": ["{mastodon}", "{bluesky}"]}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/check", who: outsider, body: `{"content": {"parts": [{"text": "Hello"}]}, "accounts": ["{mastodon}", "{bluesky}"]}`, code: 404, want: noWorkspace},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/check", who: anonymous, body: `{"content": {"parts": [{"text": "Hello"}]}, "accounts": ["{mastodon}", "{bluesky}"]}`, code: 401, want: apiLogin},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/check", who: agency, body: `{"content": {"parts": [{"text": "{text:320}"}]}, "accounts": ["{bluesky}"]}`, code: 200, want: "Bluesky, part 1: 20 characters over the limit (320 of 300)", note: "too long for Bluesky"},

	{method: "GET", path: "/api/v1/workspaces/acme/posts", who: admin, code: 200, want: `"scheduled_local": "{future-date} 09:00`},
	{method: "GET", path: "/api/v1/workspaces/acme/posts", who: owner, code: 200, want: `"scheduled_local": "{future-date} 09:00`},
	{method: "GET", path: "/api/v1/workspaces/acme/posts", who: manager, code: 200, want: `"scheduled_local": "{future-date} 09:00`},
	{method: "GET", path: "/api/v1/workspaces/acme/posts", who: editor, code: 200, want: `"scheduled_local": "{future-date} 09:00`},
	{method: "GET", path: "/api/v1/workspaces/acme/posts", who: agency, code: 200, want: `"scheduled_local": "{future-date} 09:00`},
	{method: "GET", path: "/api/v1/workspaces/acme/posts", who: responder, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/posts", who: viewer, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/posts", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/api/v1/workspaces/acme/posts", who: anonymous, code: 401, want: apiLogin},
	{method: "GET", path: "/api/v1/workspaces/acme/posts?state=draft", who: agency, code: 200, want: `"state": "draft"`, note: "drafts"},
	{method: "GET", path: "/api/v1/workspaces/acme/posts?from=tomorrow", who: editor, code: 400, want: `"field": "from"`, note: "bad date"},

	{method: "POST", path: "/api/v1/workspaces/acme/posts", who: admin, body: `{"content": {"parts": [{"text": "Hello from the API", "media": [{"media_id": "{media}", "alt": "A test card"}]}]}, "accounts": ["{mastodon}"], "when": {"mode": "at", "date": "{future-date}", "time": "11:00"}}`, code: 201, want: `"scheduled_local": "{future-date} 11:00`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts", who: owner, body: `{"content": {"parts": [{"text": "Hello from the API", "media": [{"media_id": "{media}", "alt": "A test card"}]}]}, "accounts": ["{mastodon}"], "when": {"mode": "at", "date": "{future-date}", "time": "11:00"}}`, code: 201, want: `"scheduled_local": "{future-date} 11:00`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts", who: manager, body: `{"content": {"parts": [{"text": "Hello from the API", "media": [{"media_id": "{media}", "alt": "A test card"}]}]}, "accounts": ["{mastodon}"], "when": {"mode": "at", "date": "{future-date}", "time": "11:00"}}`, code: 201, want: `"scheduled_local": "{future-date} 11:00`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts", who: editor, body: `{"content": {"parts": [{"text": "Hello from the API", "media": [{"media_id": "{media}", "alt": "A test card"}]}]}, "accounts": ["{mastodon}"], "when": {"mode": "at", "date": "{future-date}", "time": "11:00"}}`, code: 201, want: `"scheduled_local": "{future-date} 11:00`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts", who: agency, body: `{"content": {"parts": [{"text": "An idea"}]}, "accounts": ["{mastodon}"], "when": {"mode": "draft"}}`, code: 201, want: `"state": "draft"`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts", who: responder, body: `{"content": {"parts": [{"text": "Hello from the API", "media": [{"media_id": "{media}", "alt": "A test card"}]}]}, "accounts": ["{mastodon}"], "when": {"mode": "at", "date": "{future-date}", "time": "11:00"}}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/posts", who: viewer, body: `{"content": {"parts": [{"text": "Hello from the API", "media": [{"media_id": "{media}", "alt": "A test card"}]}]}, "accounts": ["{mastodon}"], "when": {"mode": "at", "date": "{future-date}", "time": "11:00"}}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/posts", who: outsider, body: `{"content": {"parts": [{"text": "Hello from the API", "media": [{"media_id": "{media}", "alt": "A test card"}]}]}, "accounts": ["{mastodon}"], "when": {"mode": "at", "date": "{future-date}", "time": "11:00"}}`, code: 404, want: noWorkspace},
	{method: "POST", path: "/api/v1/workspaces/acme/posts", who: anonymous, body: `{"content": {"parts": [{"text": "Hello from the API", "media": [{"media_id": "{media}", "alt": "A test card"}]}]}, "accounts": ["{mastodon}"], "when": {"mode": "at", "date": "{future-date}", "time": "11:00"}}`, code: 401, want: apiLogin},
	{method: "POST", path: "/api/v1/workspaces/acme/posts", who: agency, body: `{"content": {"parts": [{"text": "Hello from the API", "media": [{"media_id": "{media}", "alt": "A test card"}]}]}, "accounts": ["{mastodon}"], "when": {"mode": "at", "date": "{future-date}", "time": "11:00"}}`, code: 403, want: "your role can save drafts but not schedule or publish", note: "schedule"},
	{method: "POST", path: "/api/v1/workspaces/acme/posts", who: editor, body: `{"content": {"parts": [{"text": "{text:320}"}]}, "accounts": ["{bluesky}"], "when": {"mode": "queue"}}`, code: 422, want: `"problems": [`, note: "too long for Bluesky"},
	{method: "POST", path: "/api/v1/workspaces/acme/posts", who: editor, body: `{"content": {"parts": [{"text": "Hello"}]}, "accounts": ["{other-post}"], "when": {"mode": "now"}}`, code: 400, want: `"field": "accounts"`, note: "unknown account"},

	{method: "GET", path: "/api/v1/workspaces/acme/posts/{post}", who: admin, code: 200, want: `"state": "scheduled"`},
	{method: "GET", path: "/api/v1/workspaces/acme/posts/{post}", who: owner, code: 200, want: `"state": "scheduled"`},
	{method: "GET", path: "/api/v1/workspaces/acme/posts/{post}", who: manager, code: 200, want: `"state": "scheduled"`},
	{method: "GET", path: "/api/v1/workspaces/acme/posts/{post}", who: editor, code: 200, want: `"state": "scheduled"`},
	{method: "GET", path: "/api/v1/workspaces/acme/posts/{post}", who: agency, code: 200, want: `"state": "scheduled"`},
	{method: "GET", path: "/api/v1/workspaces/acme/posts/{post}", who: responder, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/posts/{post}", who: viewer, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/posts/{post}", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/api/v1/workspaces/acme/posts/{post}", who: anonymous, code: 401, want: apiLogin},
	{method: "GET", path: "/api/v1/workspaces/acme/posts/{other-post}", who: owner, code: 404, want: apiNotFound, note: "another workspace's post"},

	{method: "POST", path: "/api/v1/workspaces/acme/posts/{draft}/schedule", who: admin, body: `{"content": {"parts": [{"text": "Ready now"}]}, "accounts": ["{mastodon}"], "when": {"mode": "at", "date": "{future-date}", "time": "12:00"}}`, code: 200, want: `"state": "scheduled"`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{draft}/schedule", who: owner, body: `{"content": {"parts": [{"text": "Ready now"}]}, "accounts": ["{mastodon}"], "when": {"mode": "at", "date": "{future-date}", "time": "12:00"}}`, code: 200, want: `"state": "scheduled"`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{draft}/schedule", who: manager, body: `{"content": {"parts": [{"text": "Ready now"}]}, "accounts": ["{mastodon}"], "when": {"mode": "at", "date": "{future-date}", "time": "12:00"}}`, code: 200, want: `"state": "scheduled"`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{draft}/schedule", who: editor, body: `{"content": {"parts": [{"text": "Ready now"}]}, "accounts": ["{mastodon}"], "when": {"mode": "at", "date": "{future-date}", "time": "12:00"}}`, code: 200, want: `"state": "scheduled"`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{draft}/schedule", who: agency, body: `{"content": {"parts": [{"text": "Still an idea"}]}, "accounts": ["{mastodon}"], "when": {"mode": "draft"}}`, code: 200, want: `"text": "Still an idea"`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{draft}/schedule", who: responder, body: `{"content": {"parts": [{"text": "Ready now"}]}, "accounts": ["{mastodon}"], "when": {"mode": "at", "date": "{future-date}", "time": "12:00"}}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{draft}/schedule", who: viewer, body: `{"content": {"parts": [{"text": "Ready now"}]}, "accounts": ["{mastodon}"], "when": {"mode": "at", "date": "{future-date}", "time": "12:00"}}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{draft}/schedule", who: outsider, body: `{"content": {"parts": [{"text": "Ready now"}]}, "accounts": ["{mastodon}"], "when": {"mode": "at", "date": "{future-date}", "time": "12:00"}}`, code: 404, want: noWorkspace},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{draft}/schedule", who: anonymous, body: `{"content": {"parts": [{"text": "Ready now"}]}, "accounts": ["{mastodon}"], "when": {"mode": "at", "date": "{future-date}", "time": "12:00"}}`, code: 401, want: apiLogin},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{draft}/schedule", who: agency, body: `{"content": {"parts": [{"text": "Ready now"}]}, "accounts": ["{mastodon}"], "when": {"mode": "at", "date": "{future-date}", "time": "12:00"}}`, code: 403, want: "your role can save drafts but not schedule or publish", note: "schedule"},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/schedule", who: editor, body: `{"content": {"parts": [{"text": "Ready now"}]}, "accounts": ["{mastodon}"], "when": {"mode": "at", "date": "{future-date}", "time": "12:00"}}`, code: 409, want: "this post is no longer a draft", note: "already scheduled"},

	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/reschedule", who: admin, body: `{"date": "{later-date}", "time": "10:30"}`, code: 200, want: `"scheduled_local": "{later-date} 10:30`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/reschedule", who: owner, body: `{"date": "{later-date}", "time": "10:30"}`, code: 200, want: `"scheduled_local": "{later-date} 10:30`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/reschedule", who: manager, body: `{"date": "{later-date}", "time": "10:30"}`, code: 200, want: `"scheduled_local": "{later-date} 10:30`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/reschedule", who: editor, body: `{"date": "{later-date}", "time": "10:30"}`, code: 200, want: `"scheduled_local": "{later-date} 10:30`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/reschedule", who: agency, body: `{"date": "{later-date}", "time": "10:30"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/reschedule", who: responder, body: `{"date": "{later-date}", "time": "10:30"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/reschedule", who: viewer, body: `{"date": "{later-date}", "time": "10:30"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/reschedule", who: outsider, body: `{"date": "{later-date}", "time": "10:30"}`, code: 404, want: noWorkspace},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/reschedule", who: anonymous, body: `{"date": "{later-date}", "time": "10:30"}`, code: 401, want: apiLogin},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{draft}/reschedule", who: manager, body: `{"date": "{later-date}", "time": "10:30"}`, code: 409, want: "this post is a draft: schedule it first", note: "a draft"},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/reschedule", who: editor, body: `{"date": "2020-01-10", "time": "10:30"}`, code: 400, want: `"field": "time"`, note: "in the past"},

	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/cancel", who: admin, code: 200, want: `"state": "cancelled"`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/cancel", who: owner, code: 200, want: `"state": "cancelled"`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/cancel", who: manager, code: 200, want: `"state": "cancelled"`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/cancel", who: editor, code: 200, want: `"state": "cancelled"`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/cancel", who: agency, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/cancel", who: responder, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/cancel", who: viewer, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/cancel", who: outsider, code: 404, want: noWorkspace},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/cancel", who: anonymous, code: 401, want: apiLogin},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{unverified-post}/deliveries/{unverified-delivery}/resolve", who: admin, body: `{"action": "retry"}`, code: 200, want: `"status": "scheduled"`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{unverified-post}/deliveries/{unverified-delivery}/resolve", who: owner, body: `{"action": "published"}`, code: 200, want: `"status": "published"`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{unverified-post}/deliveries/{unverified-delivery}/resolve", who: manager, body: `{"action": "retry"}`, code: 200, want: `"status": "scheduled"`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{unverified-post}/deliveries/{unverified-delivery}/resolve", who: editor, body: `{"action": "retry"}`, code: 200, want: `"status": "scheduled"`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{unverified-post}/deliveries/{unverified-delivery}/resolve", who: agency, body: `{"action": "retry"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{unverified-post}/deliveries/{unverified-delivery}/resolve", who: responder, body: `{"action": "retry"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{unverified-post}/deliveries/{unverified-delivery}/resolve", who: viewer, body: `{"action": "retry"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{unverified-post}/deliveries/{unverified-delivery}/resolve", who: outsider, body: `{"action": "retry"}`, code: 404, want: noWorkspace},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{unverified-post}/deliveries/{unverified-delivery}/resolve", who: anonymous, body: `{"action": "retry"}`, code: 401, want: apiLogin},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{other-post}/cancel", who: owner, code: 404, want: apiNotFound, note: "another workspace's post"},

	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/duplicate", who: admin, code: 201, want: `"state": "draft"`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/duplicate", who: owner, code: 201, want: `"state": "draft"`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/duplicate", who: manager, code: 201, want: `"state": "draft"`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/duplicate", who: editor, code: 201, want: `"state": "draft"`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/duplicate", who: agency, code: 201, want: `"state": "draft"`},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/duplicate", who: responder, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/duplicate", who: viewer, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/duplicate", who: outsider, code: 404, want: noWorkspace},
	{method: "POST", path: "/api/v1/workspaces/acme/posts/{post}/duplicate", who: anonymous, code: 401, want: apiLogin},

	{method: "GET", path: "/api/v1/workspaces/acme/notifications", who: admin, code: 200, want: `"message": "A post was not published on`},
	{method: "GET", path: "/api/v1/workspaces/acme/notifications", who: owner, code: 200, want: `"message": "A post was not published on`},
	{method: "GET", path: "/api/v1/workspaces/acme/notifications", who: manager, code: 200, want: `"message": "A post was not published on`},
	{method: "GET", path: "/api/v1/workspaces/acme/notifications", who: editor, code: 200, want: `"message": "A post was not published on`},
	{method: "GET", path: "/api/v1/workspaces/acme/notifications", who: agency, code: 200, want: `"message": "A post was not published on`},
	{method: "GET", path: "/api/v1/workspaces/acme/notifications", who: responder, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/notifications", who: viewer, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/notifications", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/api/v1/workspaces/acme/notifications", who: anonymous, code: 401, want: apiLogin},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/conversations", who: admin, code: 200, want: `"conversations": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/conversations", who: owner, code: 200, want: `"conversations": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/conversations", who: manager, code: 200, want: `"conversations": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/conversations", who: editor, code: 200, want: `"conversations": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/conversations", who: agency, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/conversations", who: responder, code: 200, want: `"conversations": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/conversations", who: viewer, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/conversations", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/conversations", who: anonymous, code: 401, want: apiLogin},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}", who: admin, code: 200, want: `"text": "Thanks for the coffee!"`},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}", who: owner, code: 200, want: `"text": "Thanks for the coffee!"`},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}", who: manager, code: 200, want: `"text": "Thanks for the coffee!"`},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}", who: editor, code: 200, want: `"text": "Thanks for the coffee!"`},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}", who: agency, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}", who: responder, code: 403, want: `not assigned to you`},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}", who: viewer, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}", who: anonymous, code: 401, want: apiLogin},
	{method: "PATCH", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}", who: admin, body: `{"status": "done", "tags": ["coffee"]}`, code: 200, want: `"status": "done"`},
	{method: "PATCH", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}", who: owner, body: `{"status": "done", "tags": ["coffee"]}`, code: 200, want: `"status": "done"`},
	{method: "PATCH", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}", who: manager, body: `{"status": "done", "tags": ["coffee"]}`, code: 200, want: `"status": "done"`},
	{method: "PATCH", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}", who: editor, body: `{"status": "done", "tags": ["coffee"]}`, code: 200, want: `"status": "done"`},
	{method: "PATCH", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}", who: agency, body: `{"status": "done", "tags": ["coffee"]}`, code: 403, want: apiForbidden},
	{method: "PATCH", path: "/api/v1/workspaces/acme/inbox/conversations/{responder-conversation}", who: responder, body: `{"status": "done", "tags": ["coffee"]}`, code: 200, want: `"status": "done"`},
	{method: "PATCH", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}", who: viewer, body: `{"status": "done", "tags": ["coffee"]}`, code: 403, want: apiForbidden},
	{method: "PATCH", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}", who: outsider, body: `{"status": "done", "tags": ["coffee"]}`, code: 404, want: noWorkspace},
	{method: "PATCH", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}", who: anonymous, body: `{"status": "done", "tags": ["coffee"]}`, code: 401, want: apiLogin},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/reply", who: admin, body: `{"text": "Thank you!"}`, code: 202, want: `"state": "scheduled"`},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/reply", who: owner, body: `{"text": "Thank you!"}`, code: 202, want: `"state": "scheduled"`},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/reply", who: manager, body: `{"text": "Thank you!"}`, code: 202, want: `"state": "scheduled"`},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/reply", who: editor, body: `{"text": "Thank you!"}`, code: 202, want: `"state": "scheduled"`},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/reply", who: agency, body: `{"text": "Thank you!"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{responder-conversation}/reply", who: responder, body: `{"text": "Thank you!"}`, code: 202, want: `"state": "scheduled"`},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/reply", who: viewer, body: `{"text": "Thank you!"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/reply", who: outsider, body: `{"text": "Thank you!"}`, code: 404, want: noWorkspace},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/reply", who: anonymous, body: `{"text": "Thank you!"}`, code: 401, want: apiLogin},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/notes", who: admin, body: `{"body": "Call them back"}`, code: 201, want: `"body": "Call them back"`},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/notes", who: owner, body: `{"body": "Call them back"}`, code: 201, want: `"body": "Call them back"`},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/notes", who: manager, body: `{"body": "Call them back"}`, code: 201, want: `"body": "Call them back"`},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/notes", who: editor, body: `{"body": "Call them back"}`, code: 201, want: `"body": "Call them back"`},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/notes", who: agency, body: `{"body": "Call them back"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{responder-conversation}/notes", who: responder, body: `{"body": "Call them back"}`, code: 201, want: `"body": "Call them back"`},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/notes", who: viewer, body: `{"body": "Call them back"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/notes", who: outsider, body: `{"body": "Call them back"}`, code: 404, want: noWorkspace},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/notes", who: anonymous, body: `{"body": "Call them back"}`, code: 401, want: apiLogin},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/items/{conversation-item}/actions", who: admin, body: `{"action": "like"}`, code: 200, want: `"done": "like"`},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/items/{conversation-item}/actions", who: owner, body: `{"action": "like"}`, code: 200, want: `"done": "like"`},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/items/{conversation-item}/actions", who: manager, body: `{"action": "like"}`, code: 200, want: `"done": "like"`},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/items/{conversation-item}/actions", who: editor, body: `{"action": "like"}`, code: 200, want: `"done": "like"`},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/items/{conversation-item}/actions", who: agency, body: `{"action": "like"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{responder-conversation}/items/{conversation-item}/actions", who: responder, body: `{"action": "like"}`, code: 200, want: `"done": "like"`},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/items/{conversation-item}/actions", who: viewer, body: `{"action": "like"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/items/{conversation-item}/actions", who: outsider, body: `{"action": "like"}`, code: 404, want: noWorkspace},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/items/{conversation-item}/actions", who: anonymous, body: `{"action": "like"}`, code: 401, want: apiLogin},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/replies", who: admin, code: 200, want: `"replies": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/replies", who: owner, code: 200, want: `"replies": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/replies", who: manager, code: 200, want: `"replies": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/replies", who: editor, code: 200, want: `"replies": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/replies", who: agency, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/replies", who: responder, code: 200, want: `"replies": [`},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/replies", who: viewer, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/replies", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/replies", who: anonymous, code: 401, want: apiLogin},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/replies", who: admin, body: `{"name": "Thanks", "language": "en", "body": "Thanks {{author.name}}!"}`, code: 201, want: `"name": "Thanks"`},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/replies", who: owner, body: `{"name": "Thanks", "language": "en", "body": "Thanks {{author.name}}!"}`, code: 201, want: `"name": "Thanks"`},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/replies", who: manager, body: `{"name": "Thanks", "language": "en", "body": "Thanks {{author.name}}!"}`, code: 201, want: `"name": "Thanks"`},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/replies", who: editor, body: `{"name": "Thanks", "language": "en", "body": "Thanks {{author.name}}!"}`, code: 201, want: `"name": "Thanks"`},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/replies", who: agency, body: `{"name": "Thanks", "language": "en", "body": "Thanks {{author.name}}!"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/replies", who: responder, body: `{"name": "Thanks", "language": "en", "body": "Thanks {{author.name}}!"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/replies", who: viewer, body: `{"name": "Thanks", "language": "en", "body": "Thanks {{author.name}}!"}`, code: 403, want: apiForbidden},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/replies", who: outsider, body: `{"name": "Thanks", "language": "en", "body": "Thanks {{author.name}}!"}`, code: 404, want: noWorkspace},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/replies", who: anonymous, body: `{"name": "Thanks", "language": "en", "body": "Thanks {{author.name}}!"}`, code: 401, want: apiLogin},
	{method: "PUT", path: "/api/v1/workspaces/acme/inbox/replies/{saved-reply}", who: admin, body: `{"name": "Grazie", "language": "it", "body": "Grazie {{author.name}}!"}`, code: 200, want: `"name": "Grazie"`},
	{method: "PUT", path: "/api/v1/workspaces/acme/inbox/replies/{saved-reply}", who: owner, body: `{"name": "Grazie", "language": "it", "body": "Grazie {{author.name}}!"}`, code: 200, want: `"name": "Grazie"`},
	{method: "PUT", path: "/api/v1/workspaces/acme/inbox/replies/{saved-reply}", who: manager, body: `{"name": "Grazie", "language": "it", "body": "Grazie {{author.name}}!"}`, code: 200, want: `"name": "Grazie"`},
	{method: "PUT", path: "/api/v1/workspaces/acme/inbox/replies/{saved-reply}", who: editor, body: `{"name": "Grazie", "language": "it", "body": "Grazie {{author.name}}!"}`, code: 200, want: `"name": "Grazie"`},
	{method: "PUT", path: "/api/v1/workspaces/acme/inbox/replies/{saved-reply}", who: agency, body: `{"name": "Grazie", "language": "it", "body": "Grazie {{author.name}}!"}`, code: 403, want: apiForbidden},
	{method: "PUT", path: "/api/v1/workspaces/acme/inbox/replies/{saved-reply}", who: responder, body: `{"name": "Grazie", "language": "it", "body": "Grazie {{author.name}}!"}`, code: 403, want: apiForbidden},
	{method: "PUT", path: "/api/v1/workspaces/acme/inbox/replies/{saved-reply}", who: viewer, body: `{"name": "Grazie", "language": "it", "body": "Grazie {{author.name}}!"}`, code: 403, want: apiForbidden},
	{method: "PUT", path: "/api/v1/workspaces/acme/inbox/replies/{saved-reply}", who: outsider, body: `{"name": "Grazie", "language": "it", "body": "Grazie {{author.name}}!"}`, code: 404, want: noWorkspace},
	{method: "PUT", path: "/api/v1/workspaces/acme/inbox/replies/{saved-reply}", who: anonymous, body: `{"name": "Grazie", "language": "it", "body": "Grazie {{author.name}}!"}`, code: 401, want: apiLogin},
	{method: "DELETE", path: "/api/v1/workspaces/acme/inbox/replies/{saved-reply}", who: admin, code: 204, want: ``},
	{method: "DELETE", path: "/api/v1/workspaces/acme/inbox/replies/{saved-reply}", who: owner, code: 204, want: ``},
	{method: "DELETE", path: "/api/v1/workspaces/acme/inbox/replies/{saved-reply}", who: manager, code: 204, want: ``},
	{method: "DELETE", path: "/api/v1/workspaces/acme/inbox/replies/{saved-reply}", who: editor, code: 204, want: ``},
	{method: "DELETE", path: "/api/v1/workspaces/acme/inbox/replies/{saved-reply}", who: agency, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/inbox/replies/{saved-reply}", who: responder, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/inbox/replies/{saved-reply}", who: viewer, code: 403, want: apiForbidden},
	{method: "DELETE", path: "/api/v1/workspaces/acme/inbox/replies/{saved-reply}", who: outsider, code: 404, want: noWorkspace},
	{method: "DELETE", path: "/api/v1/workspaces/acme/inbox/replies/{saved-reply}", who: anonymous, code: 401, want: apiLogin},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/settings", who: admin, code: 200, want: `"response_minutes": `},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/settings", who: owner, code: 200, want: `"response_minutes": `},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/settings", who: manager, code: 200, want: `"response_minutes": `},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/settings", who: editor, code: 200, want: `"response_minutes": `},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/settings", who: agency, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/settings", who: responder, code: 200, want: `"response_minutes": `},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/settings", who: viewer, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/settings", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/settings", who: anonymous, code: 401, want: apiLogin},
	{method: "PUT", path: "/api/v1/workspaces/acme/inbox/settings", who: admin, body: `{"response_minutes": 30, "brand": "Acme", "language": "it"}`, code: 200, want: `"response_minutes": 30`},
	{method: "PUT", path: "/api/v1/workspaces/acme/inbox/settings", who: owner, body: `{"response_minutes": 30, "brand": "Acme", "language": "it"}`, code: 200, want: `"response_minutes": 30`},
	{method: "PUT", path: "/api/v1/workspaces/acme/inbox/settings", who: manager, body: `{"response_minutes": 30, "brand": "Acme", "language": "it"}`, code: 200, want: `"response_minutes": 30`},
	{method: "PUT", path: "/api/v1/workspaces/acme/inbox/settings", who: editor, body: `{"response_minutes": 30, "brand": "Acme", "language": "it"}`, code: 403, want: apiForbidden},
	{method: "PUT", path: "/api/v1/workspaces/acme/inbox/settings", who: agency, body: `{"response_minutes": 30, "brand": "Acme", "language": "it"}`, code: 403, want: apiForbidden},
	{method: "PUT", path: "/api/v1/workspaces/acme/inbox/settings", who: responder, body: `{"response_minutes": 30, "brand": "Acme", "language": "it"}`, code: 403, want: apiForbidden},
	{method: "PUT", path: "/api/v1/workspaces/acme/inbox/settings", who: viewer, body: `{"response_minutes": 30, "brand": "Acme", "language": "it"}`, code: 403, want: apiForbidden},
	{method: "PUT", path: "/api/v1/workspaces/acme/inbox/settings", who: outsider, body: `{"response_minutes": 30, "brand": "Acme", "language": "it"}`, code: 404, want: noWorkspace},
	{method: "PUT", path: "/api/v1/workspaces/acme/inbox/settings", who: anonymous, body: `{"response_minutes": 30, "brand": "Acme", "language": "it"}`, code: 401, want: apiLogin},
	{method: "PATCH", path: "/api/v1/workspaces/acme/inbox/conversations/{responder-conversation}", who: responder, body: `{"assignee_id": "{id:responder}"}`, code: 403, want: `cannot assign`, note: "a responder cannot assign"},
	{method: "PATCH", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}", who: owner, body: `{"status": "snoozed"}`, code: 400, want: `a time in the future`, note: "snoozed without a time"},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/reply", who: owner, body: `{"text": ""}`, code: 400, want: `write the reply first`, note: "empty reply"},
	{method: "POST", path: "/api/v1/workspaces/acme/inbox/conversations/{conversation}/items/{conversation-item}/actions", who: owner, body: `{"action": "hide"}`, code: 400, want: `does not allow this here`, note: "Mastodon cannot hide"},
	{method: "PUT", path: "/api/v1/workspaces/acme/inbox/settings", who: owner, body: `{"response_minutes": -5, "brand": "", "language": "it"}`, code: 400, want: `between 0 (none) and 43200`, note: "negative target"},
	{method: "GET", path: "/api/v1/workspaces/acme/inbox/conversations?status=bogus", who: owner, code: 200, want: `"conversations": [`, note: "unknown status: the default view"},
}

// Forms the rows send.
const (
	setupForm        = "name=Someone&email=someone@example.com&password=a+long+enough+password&workspace_name=Another&language=en"
	samePassword     = "current_password=correct+horse+battery+staple&new_password=correct+horse+battery+staple"
	newWorkspaceForm = "workspace_name=New+Brand&timezone=Europe/Rome&language=en"
	acmeSettingsForm = "workspace_name=Acme&timezone=Europe/Rome&language=en"
)

// TestScenarios runs the table on SQLite and on PostgreSQL.
func TestScenarios(t *testing.T) {
	doc := loadOpenAPI(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, sc := range scenarios {
			t.Run(sc.name(), func(t *testing.T) {
				ff := f
				if sc.fresh {
					ff = newFixture(t, freshDB(t, db))
				}
				ff.run(t, sc, doc)
			})
		}
	})
}

// freshDB opens a new database of the same kind as db.
func freshDB(t *testing.T, db *store.DB) *store.DB {
	if db.Dialect == store.Postgres {
		return storetest.Postgres(t)
	}
	return storetest.SQLite(t)
}

func (f *fixture) run(t *testing.T, sc scenario, doc *openAPIDoc) {
	t.Helper()
	memo := map[string]string{}
	path := f.resolveRow(t, sc.who, memo, sc.path)
	body := f.resolveRow(t, sc.who, memo, sc.body)
	want := f.resolveRow(t, sc.who, memo, sc.want)
	res := f.requestAs(t, sc.who, sc.method, path, body, nil, sc.multipart)
	if res.code != sc.code {
		t.Errorf("status %d, want %d; Location %q; body:\n%s", res.code, sc.code, res.location, excerpt(res.body))
	}
	switch {
	case res.code >= 300 && res.code < 400:
		if !matches(res.location, want, true) {
			t.Errorf("redirect to %q, want %q", res.location, want)
		}
	case want != "" && !matches(res.body, want, false):
		t.Errorf("the body does not contain %q:\n%s", want, excerpt(res.body))
	}
	f.checkNoSecrets(t, res.body)
	if strings.HasPrefix(sc.path, "/api/") {
		if res.code >= 300 && res.code < 400 {
			t.Errorf("the API answered with a redirect")
		}
		if res.code != http.StatusNoContent && !strings.HasPrefix(res.header.Get("Content-Type"), "application/json") {
			t.Errorf("Content-Type %q, want JSON", res.header.Get("Content-Type"))
		}
		if sc.multipart {
			body = "" // the document's multipart bodies are not validated here
		}
		doc.checkExchange(t, sc.method, path, body, res)
	}
}

// excerpt shortens a body for a failure message.
func excerpt(s string) string {
	if len(s) > 1500 {
		return s[:1500] + "…"
	}
	return s
}

// routeMatcher returns a function that gives the route pattern ("GET /w/{ws}") a request would reach,
// or "" when it reaches none. It uses a ServeMux with the server's own
// patterns, so that matching is the server's.
func routeMatcher(routes []web.Route) func(method, path string) string {
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.Handle(rt.Method+" "+rt.Pattern, http.NotFoundHandler())
	}
	return func(method, path string) string {
		path = placeholder.ReplaceAllString(path, "x")
		req := httptest.NewRequest(method, path, nil)
		_, pattern := mux.Handler(req)
		return pattern
	}
}

// TestScenariosCoverEveryRouteAndRole fails when a route lacks a scenario
// for some kind of caller, or when a scenario reaches no route.
func TestScenariosCoverEveryRouteAndRole(t *testing.T) {
	srv, err := web.NewServer(web.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	routes := srv.Routes()
	match := routeMatcher(routes)
	covered := map[string]map[who]bool{}
	for _, sc := range scenarios {
		pattern := match(sc.method, sc.path)
		if pattern == "" {
			t.Errorf("scenario %q reaches no route", sc.name())
			continue
		}
		if covered[pattern] == nil {
			covered[pattern] = map[who]bool{}
		}
		covered[pattern][sc.who] = true
	}
	var missing []string
	for _, rt := range routes {
		pattern := rt.Method + " " + rt.Pattern
		for _, w := range everyone {
			if !covered[pattern][w] {
				missing = append(missing, fmt.Sprintf("%s as %s", pattern, w))
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d (route, caller) pairs have no scenario:\n%s", len(missing), strings.Join(missing, "\n"))
	}
	t.Logf("%d scenarios cover %d routes × %d kinds of caller", len(scenarios), len(routes), len(everyone))
}

// TestScenarioNamesAreUnique keeps failures easy to find.
func TestScenarioNamesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, sc := range scenarios {
		if seen[sc.name()] {
			t.Errorf("two scenarios are named %q: add a note to one", sc.name())
		}
		seen[sc.name()] = true
	}
}
