package workspace_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/account"
	"github.com/portavoce/portavoce/internal/auth"
	"github.com/portavoce/portavoce/internal/fakeclock"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/store/storetest"
	"github.com/portavoce/portavoce/internal/workspace"
)

const password = "correct horse battery"

type fixture struct {
	db    *store.DB
	clock *fakeclock.Clock
	acc   *account.Service
	ws    *workspace.Service
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	c := fakeclock.New(time.Date(2025, time.March, 10, 9, 30, 0, 0, time.UTC))
	acc := account.New(db, account.DefaultPolicy, c.Now, nil)
	return &fixture{db: db, clock: c, acc: acc, ws: workspace.New(db, acc, c.Now, nil)}
}

func (f *fixture) user(t *testing.T, name, email string, admin bool) portavoce.User {
	t.Helper()
	u, err := f.acc.CreateUser(t.Context(), name, email, password, admin)
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

func actor(u portavoce.User) workspace.Actor { return workspace.Actor{User: u, IP: "192.0.2.1"} }

func (f *fixture) open(t *testing.T, u portavoce.User, slug string) workspace.Access {
	t.Helper()
	acc, err := f.ws.Open(t.Context(), u, slug)
	if err != nil {
		t.Fatalf("%s opens %s: %v", u.Email, slug, err)
	}
	return acc
}

// team is a workspace with one member of each role.
type team struct {
	w       portavoce.Workspace
	members map[portavoce.Role]portavoce.User
}

func (tm team) owner() portavoce.User { return tm.members[portavoce.RoleOwner] }

func (f *fixture) team(t *testing.T) team {
	t.Helper()
	owner := f.user(t, "Olga Owner", "olga@example.com", true)
	w, err := f.ws.Create(t.Context(), actor(owner), "Caffè Rossi & Figli", "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	tm := team{w: w, members: map[portavoce.Role]portavoce.User{portavoce.RoleOwner: owner}}
	acc := f.open(t, owner, w.Slug)
	for _, role := range portavoce.Roles[1:] {
		u := f.user(t, "Member "+string(role), string(role)+"@example.com", false)
		res, err := f.ws.Invite(t.Context(), actor(owner), acc, u.Email, role)
		if err != nil || res.Invitation == nil || res.Token == "" {
			t.Fatalf("invite existing user %s: %+v, %v", u.Email, res, err)
		}
		if _, err := f.ws.AcceptAsUser(t.Context(), actor(u), res.Token); err != nil {
			t.Fatalf("%s accepts: %v", u.Email, err)
		}
		tm.members[role] = u
	}
	return tm
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := portavoce.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var e *portavoce.Error
	if !errors.As(err, &e) || e.Code != portavoce.ECodeInvalid || e.Field != field {
		t.Fatalf("error %v, want invalid input in field %q", err, field)
	}
}

func role(t *testing.T, f *fixture, workspaceID, userID string) portavoce.Role {
	t.Helper()
	r, err := f.db.MemberRole(t.Context(), workspaceID, userID)
	if err != nil {
		t.Fatalf("role of %s: %v", userID, err)
	}
	return r
}

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$`)

func TestSlugify(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"italian accents", "Caffè Rossi & Figli", "caffe-rossi-figli"},
		{"apostrophe", "Società Agricola Sant'Anna", "societa-agricola-sant-anna"},
		{"capitals", "PERCHÉ NO!", "perche-no"},
		{"spanish", "Ñandú Café", "nandu-cafe"},
		{"digits", "Bar 2000", "bar-2000"},
		{"runs of separators", "  Già -- Fatto!!  ", "gia-fatto"},
		{"emoji around", "☕ Bar Sport 🍕", "bar-sport"},
		{"emoji inside", "Pizzeria🍕Da Gino", "pizzeria-da-gino"},
		{"only emoji", "🍕☕🍷", ""},
		{"only punctuation", "&&& ---", ""},
		{"long name cut at 40", "Associazione Culturale Amici della Musica di Torino", "associazione-culturale-amici-della-music"},
		{"no dash left at the cut", strings.Repeat("a", 39) + " Bee", strings.Repeat("a", 39)},
		{"long word", strings.Repeat("x", 100), strings.Repeat("x", 40)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := workspace.Slugify(tc.in)
			if got != tc.want {
				t.Fatalf("Slugify(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if got != "" && !slugPattern.MatchString(got) {
				t.Fatalf("Slugify(%q) = %q, which is not a valid address name", tc.in, got)
			}
		})
	}
}

func TestBuild(t *testing.T) {
	c := fakeclock.New(time.Date(2025, time.March, 10, 9, 30, 0, 0, time.UTC))
	svc := workspace.New(nil, nil, c.Now, nil) // Build needs no store

	t.Run("defaults", func(t *testing.T) {
		w, err := svc.Build("  Caffè Rossi  ", "", "", "")
		if err != nil {
			t.Fatal(err)
		}
		if w.ID == "" || w.Name != "Caffè Rossi" || w.Slug != "caffe-rossi" || w.Timezone != "Europe/Rome" ||
			w.Language != "it" || !w.CreatedAt.Equal(c.Now()) {
			t.Fatalf("Build = %+v", w)
		}
		other, _ := svc.Build("Caffè Rossi", "", "", "")
		if other.ID == w.ID {
			t.Fatal("two workspaces got the same ID")
		}
	})
	t.Run("explicit", func(t *testing.T) {
		w, err := svc.Build("Brand", "my-brand-2", "America/New_York", "en")
		if err != nil || w.Slug != "my-brand-2" || w.Timezone != "America/New_York" || w.Language != "en" {
			t.Fatalf("Build = %+v, %v", w, err)
		}
	})
	t.Run("name without letters gets a slug", func(t *testing.T) {
		w, err := svc.Build("🍕🍕", "", "", "")
		if err != nil || !strings.HasPrefix(w.Slug, "ws-") || !slugPattern.MatchString(w.Slug) {
			t.Fatalf("Build = %+v, %v", w, err)
		}
	})
	t.Run("limits", func(t *testing.T) {
		if _, err := svc.Build(strings.Repeat("è", 80), "", "", ""); err != nil {
			t.Errorf("80 characters refused: %v", err)
		}
		if _, err := svc.Build("Brand", strings.Repeat("a", 40), "", ""); err != nil {
			t.Errorf("a 40-character slug refused: %v", err)
		}
		if _, err := svc.Build("Brand", "a", "", ""); err != nil {
			t.Errorf("a 1-character slug refused: %v", err)
		}
	})

	for _, tc := range []struct {
		name                         string
		wsName, slug, timezone, lang string
		field                        string
	}{
		{"empty name", "", "", "", "", "workspace_name"},
		{"blank name", "   ", "", "", "", "workspace_name"},
		{"name too long", strings.Repeat("è", 81), "", "", "", "workspace_name"},
		{"unknown time zone", "Brand", "", "Mars/Olympus_Mons", "", "timezone"},
		{"time zone in the wrong case", "Brand", "", "europe/rome", "", "timezone"},
		{"server's local time zone", "Brand", "", "Local", "", "timezone"},
		{"language not offered", "Brand", "", "", "fr", "language"},
		{"language in capitals", "Brand", "", "", "IT", "language"},
		{"slug with an accent", "Brand", "caffè", "", "", "slug"},
		{"slug with capitals", "Brand", "Brand", "", "", "slug"},
		{"slug starting with a dash", "Brand", "-brand", "", "", "slug"},
		{"slug ending with a dash", "Brand", "brand-", "", "", "slug"},
		{"slug with a path", "Brand", "../admin", "", "", "slug"},
		{"slug with an underscore", "Brand", "my_brand", "", "", "slug"},
		{"slug too long", "Brand", strings.Repeat("a", 41), "", "", "slug"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.Build(tc.wsName, tc.slug, tc.timezone, tc.lang)
			wantField(t, err, tc.field)
		})
	}
}

func TestCreateAndOpen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		f := newFixture(t, db)
		admin := f.user(t, "Anna Admin", "anna@example.com", true)
		bruno := f.user(t, "Bruno", "bruno@example.com", false)

		t.Run("only administrators create", func(t *testing.T) {
			_, err := f.ws.Create(ctx, actor(bruno), "Bruno's Brand", "", "", "")
			wantCode(t, err, portavoce.ECodeForbidden)
			if _, err := db.WorkspaceBySlug(ctx, "bruno-s-brand"); err == nil {
				t.Fatal("a refused Create stored the workspace")
			}
		})

		w, err := f.ws.Create(ctx, actor(admin), "Caffè Rossi & Figli", "", "Europe/Rome", "it")
		if err != nil || w.Slug != "caffe-rossi-figli" {
			t.Fatalf("Create = %+v, %v", w, err)
		}
		if entries, _ := db.Audit(ctx, store.AuditFilter{WorkspaceID: w.ID}); len(entries) != 1 ||
			entries[0].Action != portavoce.AuditWorkspaceCreated || entries[0].ActorID != admin.ID {
			t.Fatalf("workspace.created audit = %+v", entries)
		}

		t.Run("taken slug", func(t *testing.T) {
			_, err := f.ws.Create(ctx, actor(admin), "Caffè Rossi, Figli", "", "", "")
			wantField(t, err, "slug")
		})
		t.Run("invalid input", func(t *testing.T) {
			_, err := f.ws.Create(ctx, actor(admin), "Brand", "", "Nowhere/City", "")
			wantField(t, err, "timezone")
		})

		t.Run("open", func(t *testing.T) {
			acc := f.open(t, admin, w.Slug)
			if acc.Role != portavoce.RoleOwner || acc.Workspace.ID != w.ID || !acc.Can(portavoce.PermManageWorkspace) {
				t.Fatalf("creator's access = %+v", acc)
			}
			list, err := f.ws.List(ctx, admin)
			if err != nil || len(list) != 1 || list[0].Workspace.ID != w.ID || list[0].Role != portavoce.RoleOwner {
				t.Fatalf("List = %+v, %v", list, err)
			}
		})

		t.Run("not a member looks like no workspace", func(t *testing.T) {
			_, notMember := f.ws.Open(ctx, bruno, w.Slug)
			_, unknown := f.ws.Open(ctx, bruno, "no-such-brand")
			if notMember != workspace.ErrNoWorkspace || unknown != workspace.ErrNoWorkspace {
				t.Fatalf("Open as non-member = %v, unknown slug = %v; want ErrNoWorkspace for both", notMember, unknown)
			}
			if list, _ := f.ws.List(ctx, bruno); len(list) != 0 {
				t.Fatalf("a non-member lists %+v", list)
			}
		})

		t.Run("update", func(t *testing.T) {
			acc := f.open(t, admin, w.Slug)
			got, err := f.ws.Update(ctx, actor(admin), acc, "Caffè Rossi SRL", "Europe/London", "en")
			if err != nil || got.Slug != w.Slug || got.ID != w.ID {
				t.Fatalf("Update = %+v, %v", got, err)
			}
			stored, _ := db.WorkspaceByID(ctx, w.ID)
			if stored.Name != "Caffè Rossi SRL" || stored.Timezone != "Europe/London" || stored.Language != "en" || stored.Slug != w.Slug {
				t.Fatalf("stored = %+v", stored)
			}
			_, err = f.ws.Update(ctx, actor(admin), acc, "Brand", "Nowhere/City", "it")
			wantField(t, err, "timezone")

			res, err := f.ws.Invite(ctx, actor(admin), acc, bruno.Email, portavoce.RoleManager)
			if err != nil || res.Token == "" {
				t.Fatalf("invite bruno: %+v, %v", res, err)
			}
			if _, err := f.ws.AcceptAsUser(ctx, actor(bruno), res.Token); err != nil {
				t.Fatalf("bruno accepts: %v", err)
			}
			_, err = f.ws.Update(ctx, actor(bruno), f.open(t, bruno, w.Slug), "Bruno's now", "", "")
			wantCode(t, err, portavoce.ECodeForbidden)
			if stored, _ := db.WorkspaceByID(ctx, w.ID); stored.Name != "Caffè Rossi SRL" {
				t.Fatalf("a manager renamed the workspace to %q", stored.Name)
			}
		})
	})
}

func TestInvitePermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		f := newFixture(t, db)
		tm := f.team(t)
		n := 0
		for _, tc := range []struct {
			inviter, target portavoce.Role
			code            string // "" for success
		}{
			{portavoce.RoleOwner, portavoce.RoleOwner, ""},
			{portavoce.RoleOwner, portavoce.RoleManager, ""},
			{portavoce.RoleOwner, portavoce.RoleViewer, ""},
			{portavoce.RoleManager, portavoce.RoleOwner, portavoce.ECodeForbidden},
			{portavoce.RoleManager, portavoce.RoleManager, portavoce.ECodeForbidden},
			{portavoce.RoleManager, portavoce.RoleEditor, ""},
			{portavoce.RoleManager, portavoce.RoleAgency, ""},
			{portavoce.RoleManager, portavoce.RoleResponder, ""},
			{portavoce.RoleManager, portavoce.RoleViewer, ""},
			{portavoce.RoleEditor, portavoce.RoleEditor, portavoce.ECodeForbidden},
			{portavoce.RoleEditor, portavoce.RoleViewer, portavoce.ECodeForbidden},
			{portavoce.RoleAgency, portavoce.RoleViewer, portavoce.ECodeForbidden},
			{portavoce.RoleResponder, portavoce.RoleViewer, portavoce.ECodeForbidden},
			{portavoce.RoleViewer, portavoce.RoleViewer, portavoce.ECodeForbidden},
			{portavoce.RoleOwner, "admin", portavoce.ECodeInvalid},
		} {
			t.Run(string(tc.inviter)+" invites "+string(tc.target), func(t *testing.T) {
				n++
				email := "guest" + string(rune('a'+n)) + "@example.com"
				inviter := tm.members[tc.inviter]
				acc := f.open(t, inviter, tm.w.Slug)
				res, err := f.ws.Invite(ctx, actor(inviter), acc, "  "+strings.ToUpper(email), tc.target)
				if tc.code != "" {
					wantCode(t, err, tc.code)
					pending, _ := db.PendingInvitations(ctx, tm.w.ID, f.clock.Now())
					for _, inv := range pending {
						if inv.Email == email {
							t.Fatal("a refused invitation was stored")
						}
					}
					return
				}
				if err != nil || res.Invitation == nil || !strings.HasPrefix(res.Token, "inv_") {
					t.Fatalf("Invite = %+v, %v", res, err)
				}
				inv := res.Invitation
				if inv.Email != email || inv.Role != tc.target || inv.InvitedBy != inviter.ID || inv.TokenHash != auth.HashToken(res.Token) ||
					!inv.ExpiresAt.Equal(f.clock.Now().Add(workspace.InvitationLifetime)) {
					t.Fatalf("invitation = %+v", inv)
				}
				got, w, err := f.ws.PendingInvitation(ctx, res.Token)
				if err != nil || got.ID != inv.ID || w.ID != tm.w.ID {
					t.Fatalf("PendingInvitation = %+v, %+v, %v", got, w, err)
				}
			})
		}

		t.Run("pending list", func(t *testing.T) {
			list, err := f.ws.Invitations(ctx, f.open(t, tm.owner(), tm.w.Slug))
			if err != nil || len(list) != 7 {
				t.Fatalf("Invitations = %d, %v; want the 7 allowed above", len(list), err)
			}
			_, err = f.ws.Invitations(ctx, f.open(t, tm.members[portavoce.RoleEditor], tm.w.Slug))
			wantCode(t, err, portavoce.ECodeForbidden)
		})

		t.Run("existing user is invited, not added", func(t *testing.T) {
			u := f.user(t, "Paola", "paola@example.com", false)
			acc := f.open(t, tm.members[portavoce.RoleManager], tm.w.Slug)
			res, err := f.ws.Invite(ctx, actor(tm.members[portavoce.RoleManager]), acc, "Paola@Example.com", portavoce.RoleResponder)
			if err != nil || res.Invitation == nil || res.Invitation.Email != u.Email || !strings.HasPrefix(res.Token, "inv_") {
				t.Fatalf("Invite = %+v, %v", res, err)
			}
			if _, err := db.MemberRole(ctx, tm.w.ID, u.ID); portavoce.ErrorCode(err) != portavoce.ECodeNotFound {
				t.Fatalf("an existing user became a member without accepting: %v", err)
			}
			if _, err := f.ws.AcceptAsUser(ctx, actor(u), res.Token); err != nil {
				t.Fatal(err)
			}
			if r := role(t, f, tm.w.ID, u.ID); r != portavoce.RoleResponder {
				t.Fatalf("role = %s, want responder", r)
			}
			_, err = f.ws.Invite(ctx, actor(tm.owner()), f.open(t, tm.owner(), tm.w.Slug), u.Email, portavoce.RoleOwner)
			wantField(t, err, "email")
			if r := role(t, f, tm.w.ID, u.ID); r != portavoce.RoleResponder {
				t.Fatalf("inviting a member again changed their role to %s", r)
			}
		})

		t.Run("invitation of someone since removed is void", func(t *testing.T) {
			manager := f.user(t, "Mara", "mara@example.com", false)
			ownerAcc := f.open(t, tm.owner(), tm.w.Slug)
			res, _ := f.ws.Invite(ctx, actor(tm.owner()), ownerAcc, manager.Email, portavoce.RoleManager)
			if _, err := f.ws.AcceptAsUser(ctx, actor(manager), res.Token); err != nil {
				t.Fatal(err)
			}
			sent, err := f.ws.Invite(ctx, actor(manager), f.open(t, manager, tm.w.Slug), "friend@example.com", portavoce.RoleEditor)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.ws.RemoveMember(ctx, actor(tm.owner()), ownerAcc, manager.ID); err != nil {
				t.Fatal(err)
			}
			_, _, err = f.ws.AcceptInvitation(ctx, sent.Token, "Friend", password, "")
			wantCode(t, err, portavoce.ECodeConflict)
			if _, err := db.UserByEmail(ctx, "friend@example.com"); portavoce.ErrorCode(err) != portavoce.ECodeNotFound {
				t.Fatalf("the void invitation created an account: %v", err)
			}
		})

		t.Run("a manager cannot withdraw an owner's invitation", func(t *testing.T) {
			res, err := f.ws.Invite(ctx, actor(tm.owner()), f.open(t, tm.owner(), tm.w.Slug), "co-owner@example.com", portavoce.RoleOwner)
			if err != nil {
				t.Fatal(err)
			}
			mgr := tm.members[portavoce.RoleManager]
			err = f.ws.RevokeInvitation(ctx, actor(mgr), f.open(t, mgr, tm.w.Slug), res.Invitation.ID)
			wantCode(t, err, portavoce.ECodeForbidden)
			err = f.ws.RevokeInvitation(ctx, actor(tm.owner()), f.open(t, tm.owner(), tm.w.Slug), res.Invitation.ID)
			if err != nil {
				t.Fatalf("the owner withdraws: %v", err)
			}
		})

		t.Run("bad email", func(t *testing.T) {
			_, err := f.ws.Invite(ctx, actor(tm.owner()), f.open(t, tm.owner(), tm.w.Slug), "not an email", portavoce.RoleViewer)
			wantField(t, err, "email")
		})
	})
}

func TestAcceptInvitation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		f := newFixture(t, db)
		owner := f.user(t, "Olga Owner", "olga@example.com", true)
		w, err := f.ws.Create(ctx, actor(owner), "Brand", "", "", "")
		if err != nil {
			t.Fatal(err)
		}
		acc := f.open(t, owner, w.Slug)
		invite := func(t *testing.T, email string, r portavoce.Role) workspace.InviteResult {
			t.Helper()
			res, err := f.ws.Invite(ctx, actor(owner), acc, email, r)
			if err != nil || res.Token == "" {
				t.Fatalf("invite %s: %+v, %v", email, res, err)
			}
			return res
		}

		t.Run("new person", func(t *testing.T) {
			res := invite(t, "nuovo@example.com", portavoce.RoleAgency)
			_, _, err := f.ws.AcceptInvitation(ctx, res.Token, "Nuovo", "short", "198.51.100.7")
			wantField(t, err, "password")
			_, _, err = f.ws.AcceptInvitation(ctx, res.Token, " ", password, "198.51.100.7")
			wantField(t, err, "name")

			u, got, err := f.ws.AcceptInvitation(ctx, res.Token, "Nuovo Arrivo", password, "198.51.100.7")
			if err != nil || u.Email != "nuovo@example.com" || u.IsAdmin || got.ID != w.ID {
				t.Fatalf("AcceptInvitation = %+v, %+v, %v", u, got, err)
			}
			if r := role(t, f, w.ID, u.ID); r != portavoce.RoleAgency {
				t.Fatalf("role = %s, want agency", r)
			}
			if _, _, _, err := f.acc.Login(ctx, "nuovo@example.com", password, account.Origin{IP: "198.51.100.7"}); err != nil {
				t.Fatalf("the new member cannot log in: %v", err)
			}
			for _, try := range []func() error{
				func() error { _, _, err := f.ws.AcceptInvitation(ctx, res.Token, "Again", password, ""); return err },
				func() error { _, _, err := f.ws.PendingInvitation(ctx, res.Token); return err },
				func() error { _, err := f.ws.AcceptAsUser(ctx, actor(u), res.Token); return err },
			} {
				if err := try(); err != workspace.ErrBadInvitation {
					t.Fatalf("used link: %v, want ErrBadInvitation", err)
				}
			}
		})

		t.Run("unknown link", func(t *testing.T) {
			if _, _, err := f.ws.AcceptInvitation(ctx, "inv_made-up", "X", password, ""); err != workspace.ErrBadInvitation {
				t.Fatalf("unknown link: %v, want ErrBadInvitation", err)
			}
		})

		t.Run("account already exists", func(t *testing.T) {
			res := invite(t, "later@example.com", portavoce.RoleViewer)
			f.user(t, "Later", "later@example.com", false)
			_, _, err := f.ws.AcceptInvitation(ctx, res.Token, "Later Again", password, "")
			wantCode(t, err, portavoce.ECodeConflict)
		})

		t.Run("as a logged-in user", func(t *testing.T) {
			res := invite(t, "Bob@Example.com", portavoce.RoleEditor)
			bob := f.user(t, "Bob", "bob@example.com", false)
			eve := f.user(t, "Eve", "eve@example.com", false)
			_, err := f.ws.AcceptAsUser(ctx, actor(eve), res.Token)
			wantCode(t, err, portavoce.ECodeForbidden)
			if _, err := db.MemberRole(ctx, w.ID, eve.ID); err == nil {
				t.Fatal("the wrong user became a member")
			}
			got, err := f.ws.AcceptAsUser(ctx, actor(bob), res.Token)
			if err != nil || got.ID != w.ID {
				t.Fatalf("AcceptAsUser = %+v, %v", got, err)
			}
			if r := role(t, f, w.ID, bob.ID); r != portavoce.RoleEditor {
				t.Fatalf("role = %s, want editor", r)
			}
			if _, err := f.ws.AcceptAsUser(ctx, actor(bob), res.Token); err != workspace.ErrBadInvitation {
				t.Fatalf("second acceptance: %v, want ErrBadInvitation", err)
			}
		})

		t.Run("revoked", func(t *testing.T) {
			res := invite(t, "revoked@example.com", portavoce.RoleViewer)
			if err := f.ws.RevokeInvitation(ctx, actor(owner), acc, res.Invitation.ID); err != nil {
				t.Fatal(err)
			}
			if _, _, err := f.ws.AcceptInvitation(ctx, res.Token, "Too Late", password, ""); err != workspace.ErrBadInvitation {
				t.Fatalf("revoked link: %v, want ErrBadInvitation", err)
			}
		})

		t.Run("expired", func(t *testing.T) {
			res := invite(t, "slow@example.com", portavoce.RoleViewer)
			f.clock.Advance(workspace.InvitationLifetime + time.Second)
			if _, _, err := f.ws.AcceptInvitation(ctx, res.Token, "Slow", password, ""); err != workspace.ErrBadInvitation {
				t.Fatalf("expired link: %v, want ErrBadInvitation", err)
			}
			if _, err := db.UserByEmail(ctx, "slow@example.com"); err == nil {
				t.Fatal("an expired invitation created an account")
			}
		})
	})
}

func TestChangeRoleAndRemove(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		f := newFixture(t, db)
		tm := f.team(t)
		owner, manager := tm.owner(), tm.members[portavoce.RoleManager]
		editor, viewer := tm.members[portavoce.RoleEditor], tm.members[portavoce.RoleViewer]

		for _, tc := range []struct {
			name     string
			by       portavoce.User
			target   portavoce.User
			to       portavoce.Role
			code     string
			wantRole portavoce.Role // the target's role afterwards
		}{
			{"sole owner demotes self", owner, owner, portavoce.RoleManager, portavoce.ECodeConflict, portavoce.RoleOwner},
			{"manager demotes the owner", manager, owner, portavoce.RoleViewer, portavoce.ECodeForbidden, portavoce.RoleOwner},
			{"manager promotes to manager", manager, editor, portavoce.RoleManager, portavoce.ECodeForbidden, portavoce.RoleEditor},
			{"manager promotes to owner", manager, editor, portavoce.RoleOwner, portavoce.ECodeForbidden, portavoce.RoleEditor},
			{"editor changes a viewer", editor, viewer, portavoce.RoleAgency, portavoce.ECodeForbidden, portavoce.RoleViewer},
			{"unknown role", owner, editor, "superuser", portavoce.ECodeInvalid, portavoce.RoleEditor},
			{"manager changes an editor", manager, editor, portavoce.RoleAgency, "", portavoce.RoleAgency},
			{"owner changes it back", owner, editor, portavoce.RoleEditor, "", portavoce.RoleEditor},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := f.ws.ChangeRole(ctx, actor(tc.by), f.open(t, tc.by, tm.w.Slug), tc.target.ID, tc.to)
				if tc.code == "" && err != nil {
					t.Fatal(err)
				}
				if tc.code != "" {
					wantCode(t, err, tc.code)
				}
				if r := role(t, f, tm.w.ID, tc.target.ID); r != tc.wantRole {
					t.Fatalf("role = %s, want %s", r, tc.wantRole)
				}
			})
		}

		t.Run("not a member", func(t *testing.T) {
			stranger := f.user(t, "Stranger", "stranger@example.com", false)
			err := f.ws.ChangeRole(ctx, actor(owner), f.open(t, owner, tm.w.Slug), stranger.ID, portavoce.RoleViewer)
			wantCode(t, err, portavoce.ECodeNotFound)
		})

		t.Run("remove", func(t *testing.T) {
			for _, tc := range []struct {
				name   string
				by     portavoce.User
				target portavoce.User
				code   string
			}{
				{"sole owner removes self", owner, owner, portavoce.ECodeConflict},
				{"manager removes the owner", manager, owner, portavoce.ECodeForbidden},
				{"manager removes self", manager, manager, portavoce.ECodeForbidden},
				{"editor removes a viewer", editor, viewer, portavoce.ECodeForbidden},
				{"manager removes a viewer", manager, viewer, ""},
			} {
				t.Run(tc.name, func(t *testing.T) {
					err := f.ws.RemoveMember(ctx, actor(tc.by), f.open(t, tc.by, tm.w.Slug), tc.target.ID)
					_, still := f.ws.Open(ctx, tc.target, tm.w.Slug)
					if tc.code == "" {
						if err != nil || still != workspace.ErrNoWorkspace {
							t.Fatalf("RemoveMember = %v; Open afterwards = %v, want ErrNoWorkspace", err, still)
						}
						return
					}
					wantCode(t, err, tc.code)
					if still != nil {
						t.Fatalf("a refused removal removed: %v", still)
					}
				})
			}
		})

		t.Run("with a second owner", func(t *testing.T) {
			if err := f.ws.ChangeRole(ctx, actor(owner), f.open(t, owner, tm.w.Slug), manager.ID, portavoce.RoleOwner); err != nil {
				t.Fatal(err)
			}
			if err := f.ws.ChangeRole(ctx, actor(owner), f.open(t, owner, tm.w.Slug), owner.ID, portavoce.RoleManager); err != nil {
				t.Fatalf("demoting one of two owners: %v", err)
			}
			// manager is now the only owner.
			err := f.ws.RemoveMember(ctx, actor(manager), f.open(t, manager, tm.w.Slug), manager.ID)
			wantCode(t, err, portavoce.ECodeConflict)
			if err := f.ws.ChangeRole(ctx, actor(manager), f.open(t, manager, tm.w.Slug), owner.ID, portavoce.RoleOwner); err != nil {
				t.Fatal(err)
			}
			if err := f.ws.RemoveMember(ctx, actor(owner), f.open(t, owner, tm.w.Slug), manager.ID); err != nil {
				t.Fatalf("removing one of two owners: %v", err)
			}
		})
	})
}

func TestMembersVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tm := f.team(t)
		for _, r := range portavoce.Roles {
			t.Run(string(r), func(t *testing.T) {
				members, err := f.ws.Members(t.Context(), f.open(t, tm.members[r], tm.w.Slug))
				if !r.Can(portavoce.PermViewMembers) {
					wantCode(t, err, portavoce.ECodeForbidden)
					return
				}
				if err != nil || len(members) != len(portavoce.Roles) {
					t.Fatalf("Members = %d, %v; want %d", len(members), err, len(portavoce.Roles))
				}
			})
		}
	})
}

func TestAuditLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		f := newFixture(t, db)
		tm := f.team(t)
		owner, manager, editor := tm.owner(), tm.members[portavoce.RoleManager], tm.members[portavoce.RoleEditor]
		ownerAcc := f.open(t, owner, tm.w.Slug)

		f.clock.Advance(time.Minute)
		res, err := f.ws.Invite(ctx, actor(owner), ownerAcc, "newcomer@example.com", portavoce.RoleViewer)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Minute)
		newcomer, _, err := f.ws.AcceptInvitation(ctx, res.Token, "Newcomer", password, "203.0.113.9")
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Minute)
		if err := f.ws.ChangeRole(ctx, actor(owner), ownerAcc, editor.ID, portavoce.RoleAgency); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Minute)
		if err := f.ws.RemoveMember(ctx, actor(owner), ownerAcc, newcomer.ID); err != nil {
			t.Fatal(err)
		}
		// Another workspace's activity stays out of this one's log.
		other, err := f.ws.Create(ctx, actor(owner), "Other Brand", "", "", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.ws.Invite(ctx, actor(owner), f.open(t, owner, other.Slug), "elsewhere@example.com", portavoce.RoleViewer); err != nil {
			t.Fatal(err)
		}

		entries, err := f.ws.AuditLog(ctx, ownerAcc, time.Time{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		type row struct{ action, actor, target, detail string }
		var got []row
		for _, e := range entries {
			if e.WorkspaceID != tm.w.ID {
				t.Fatalf("entry of another workspace in the log: %+v", e)
			}
			got = append(got, row{e.Action, e.ActorEmail, e.Target, e.Detail})
		}
		want := []row{ // newest first
			{portavoce.AuditMemberRemoved, owner.Email, newcomer.Email, "viewer"},
			{portavoce.AuditRoleChanged, owner.Email, editor.Email, "editor → agency"},
			{portavoce.AuditMemberJoined, newcomer.Email, newcomer.Email, "viewer"},
			{portavoce.AuditMemberInvited, owner.Email, "newcomer@example.com", "viewer"},
		}
		if len(got) < len(want) {
			t.Fatalf("audit log = %+v, want it to start with %+v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
			}
		}
		if entries[2].IP != "203.0.113.9" {
			t.Errorf("join recorded from %q, want the invitee's address", entries[2].IP)
		}
		// Oldest: the creation and the members added when the team was made.
		if last := got[len(got)-1]; last.action != portavoce.AuditWorkspaceCreated {
			t.Errorf("oldest entry = %+v, want the workspace's creation", last)
		}

		t.Run("page", func(t *testing.T) {
			page, err := f.ws.AuditLog(ctx, ownerAcc, entries[1].At, 1)
			if err != nil || len(page) != 1 || page[0].ID != entries[2].ID {
				t.Fatalf("AuditLog before %v, limit 1 = %+v, %v; want the join", entries[1].At, page, err)
			}
		})

		t.Run("owners only", func(t *testing.T) {
			for _, r := range portavoce.Roles[1:] {
				u := tm.members[r]
				acc, err := f.ws.Open(ctx, u, tm.w.Slug)
				if err != nil {
					continue // removed or changed above: checked through the others
				}
				_, err = f.ws.AuditLog(ctx, acc, time.Time{}, 0)
				wantCode(t, err, portavoce.ECodeForbidden)
			}
			_, err := f.ws.AuditLog(ctx, f.open(t, manager, tm.w.Slug), time.Time{}, 0)
			wantCode(t, err, portavoce.ECodeForbidden)
		})

		t.Run("instance log", func(t *testing.T) {
			_, err := f.ws.InstanceAuditLog(ctx, manager, time.Time{}, 0)
			wantCode(t, err, portavoce.ECodeForbidden)
			all, err := f.ws.InstanceAuditLog(ctx, owner, time.Time{}, 500)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, e := range all {
				seen[e.WorkspaceID+" "+e.Action] = true
			}
			for _, key := range []string{
				tm.w.ID + " " + portavoce.AuditRoleChanged,
				other.ID + " " + portavoce.AuditMemberInvited,
				" " + portavoce.AuditUserCreated, // account events belong to no workspace
			} {
				if !seen[key] {
					t.Errorf("instance log lacks %q", key)
				}
			}
		})
	})
}
