package portavoce

import (
	"slices"
	"strings"
	"testing"
)

// productMatrix is the permission matrix written out from the product rules, one
// line per role, independently of the matrix in roles.go:
//   - owner: everything;
//   - manager: runs the brand's social media (publishes, approves, answers,
//     connects accounts, manages listening and presence, invites people
//     below owner) but neither the workspace settings nor its audit log;
//   - editor: writes and schedules posts, manages media, answers the whole
//     inbox, reads listening, analytics and presence; no approving, no
//     accounts, no members management;
//   - agency: media and drafts only: never publishes, never the inbox;
//   - responder: only the conversations assigned to them;
//   - viewer: reads reports only.
var productMatrix = map[Role]string{
	RoleOwner: "workspace.view workspace.manage members.view members.manage audit.view accounts.manage calendar.view " +
		"posts.draft posts.publish posts.approve media.manage inbox.view_all inbox.view_assigned inbox.reply " +
		"listening.view listening.manage analytics.view presence.view presence.manage",
	RoleManager: "workspace.view members.view members.manage accounts.manage calendar.view " +
		"posts.draft posts.publish posts.approve media.manage inbox.view_all inbox.view_assigned inbox.reply " +
		"listening.view listening.manage analytics.view presence.view presence.manage",
	RoleEditor: "workspace.view members.view calendar.view posts.draft posts.publish media.manage " +
		"inbox.view_all inbox.view_assigned inbox.reply listening.view analytics.view presence.view",
	RoleAgency:    "workspace.view calendar.view posts.draft media.manage",
	RoleResponder: "workspace.view inbox.view_assigned inbox.reply",
	RoleViewer:    "workspace.view analytics.view",
}

func TestPermissionMatrix(t *testing.T) {
	if len(productMatrix) != len(Roles) {
		t.Fatalf("the table covers %d roles, Roles lists %d", len(productMatrix), len(Roles))
	}
	for _, r := range Roles {
		t.Run(string(r), func(t *testing.T) {
			allowed := strings.Fields(productMatrix[r])
			for _, p := range allowed {
				if !slices.Contains(Permissions, Permission(p)) {
					t.Fatalf("the table names %q, which is not a permission", p)
				}
			}
			for _, p := range Permissions {
				if got, exp := r.Can(p), slices.Contains(allowed, string(p)); got != exp {
					t.Errorf("%s.Can(%s) = %v, want %v", r, p, got, exp)
				}
			}
		})
	}
}

func TestPermissionList(t *testing.T) {
	seen := map[Permission]bool{}
	for _, p := range Permissions {
		if seen[p] {
			t.Errorf("%s listed twice", p)
		}
		seen[p] = true
	}
	for r, perms := range matrix {
		if !r.Valid() {
			t.Errorf("the matrix has an entry for unknown role %q", r)
		}
		for _, p := range perms {
			if !seen[p] {
				t.Errorf("%s holds %s, which Permissions does not list (the documentation would miss it)", r, p)
			}
		}
	}
}

// TestProductRules checks the rules that must never change by accident,
// stated on their own.
func TestProductRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"agency never publishes", !RoleAgency.Can(PermPublishPosts) && !RoleAgency.Can(PermApprovePosts)},
		{"agency never sees the inbox", !RoleAgency.Can(PermViewInboxAll) && !RoleAgency.Can(PermViewInboxMine) && !RoleAgency.Can(PermReplyInbox)},
		{"agency has media and drafts", RoleAgency.Can(PermManageMedia) && RoleAgency.Can(PermDraftPosts)},
		{"responder sees only assigned conversations", RoleResponder.Can(PermViewInboxMine) && !RoleResponder.Can(PermViewInboxAll)},
		{"viewer cannot write", !RoleViewer.Can(PermDraftPosts) && !RoleViewer.Can(PermReplyInbox)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.ok {
				t.Fatal("broken")
			}
		})
	}
	for _, p := range []Permission{PermViewAudit, PermManageWorkspace} {
		t.Run("only owner has "+string(p), func(t *testing.T) {
			for _, r := range Roles {
				if r.Can(p) != (r == RoleOwner) {
					t.Errorf("%s.Can(%s) = %v", r, p, r.Can(p))
				}
			}
		})
	}
	t.Run("unknown roles can nothing", func(t *testing.T) {
		for _, r := range []Role{"", "admin", "Owner", "OWNER"} {
			if r.Valid() {
				t.Errorf("%q is valid", r)
			}
			for _, p := range Permissions {
				if r.Can(p) {
					t.Errorf("%q can %s", r, p)
				}
			}
		}
	})
}

func TestCanAssign(t *testing.T) {
	all := Roles
	below := []Role{RoleEditor, RoleAgency, RoleResponder, RoleViewer}
	for _, tc := range []struct {
		role Role
		may  []Role
	}{
		{RoleOwner, all},
		{RoleManager, below},
		{RoleEditor, nil},
		{RoleAgency, nil},
		{RoleResponder, nil},
		{RoleViewer, nil},
		{"admin", nil},
	} {
		t.Run(string(tc.role), func(t *testing.T) {
			for _, target := range append(slices.Clone(Roles), "", "admin") {
				if got, exp := tc.role.CanAssign(target), slices.Contains(tc.may, target); got != exp {
					t.Errorf("%s.CanAssign(%q) = %v, want %v", tc.role, target, got, exp)
				}
			}
		})
	}
}
