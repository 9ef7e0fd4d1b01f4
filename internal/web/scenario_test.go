package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/account"
	"github.com/portavoce/portavoce/internal/auth"
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

// fixture is a server over a real database with the people above.
type fixture struct {
	db         *store.DB
	accounts   *account.Service
	workspaces *workspace.Service
	server     *httptest.Server
	client     *http.Client

	users  map[who]p.User
	tokens map[who]string // raw personal API tokens
	acme   p.Workspace
	other  p.Workspace
	// adminTokenID is a token of the admin, for others to try to revoke.
	adminTokenID string
	// secrets are hashes that must never appear in a response body.
	secrets []string
	seq     int
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

	srv, err := web.NewServer(web.Deps{Accounts: accounts, Workspaces: workspaces, DB: db})
	if err != nil {
		t.Fatal(err)
	}
	f.server = httptest.NewServer(srv)
	t.Cleanup(f.server.Close)
	f.client = &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return f
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
// member, a token, an invitation) make a new one each time, so that a row
// that changes or deletes it leaves the fixture as the next row expects:
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
func (f *fixture) resolve(t *testing.T, caller who, s string) string {
	t.Helper()
	return placeholder.ReplaceAllStringFunc(s, func(ph string) string {
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
		}
		t.Fatalf("unknown placeholder %s", ph)
		return ""
	})
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

// send sends req to the fixture's server, following no redirect.
func (f *fixture) send(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
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
	note  string
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

	{method: "GET", path: "/w/acme/listening", who: admin, code: 200, want: "<h1>Listening</h1>"},
	{method: "GET", path: "/w/acme/listening", who: owner, code: 200, want: "<h1>Listening</h1>"},
	{method: "GET", path: "/w/acme/listening", who: manager, code: 200, want: "<h1>Listening</h1>"},
	{method: "GET", path: "/w/acme/listening", who: editor, code: 200, want: "<h1>Listening</h1>"},
	{method: "GET", path: "/w/acme/listening", who: agency, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/listening", who: responder, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/listening", who: viewer, code: 403, want: roleRefused},
	{method: "GET", path: "/w/acme/listening", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/w/acme/listening", who: anonymous, code: 303, want: "/login?next=%2Fw%2Facme%2Flistening"},

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

	{method: "GET", path: "/api/v1/workspaces/acme/audit", who: admin, code: 200, want: `"action": "member.joined"`},
	{method: "GET", path: "/api/v1/workspaces/acme/audit", who: owner, code: 200, want: `"entries"`},
	{method: "GET", path: "/api/v1/workspaces/acme/audit", who: manager, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/audit", who: editor, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/audit", who: agency, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/audit", who: responder, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/audit", who: viewer, code: 403, want: apiForbidden},
	{method: "GET", path: "/api/v1/workspaces/acme/audit", who: outsider, code: 404, want: noWorkspace},
	{method: "GET", path: "/api/v1/workspaces/acme/audit", who: anonymous, code: 401, want: apiLogin},
	{method: "GET", path: "/api/v1/workspaces/acme/audit?before=soon", who: owner, code: 400, want: `"field": "before"`, note: "bad before"},
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
	path := f.resolve(t, sc.who, sc.path)
	body := f.resolve(t, sc.who, sc.body)
	want := f.resolve(t, sc.who, sc.want)
	res := f.request(t, sc.who, sc.method, path, body, nil)
	if res.code != sc.code {
		t.Errorf("status %d, want %d; Location %q; body:\n%s", res.code, sc.code, res.location, excerpt(res.body))
	}
	switch {
	case res.code >= 300 && res.code < 400:
		if res.location != want {
			t.Errorf("redirect to %q, want %q", res.location, want)
		}
	case want != "" && !containsMessage(res.body, want):
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
