package portavoce

import "slices"

// Role is what a member may do in a workspace. The permission matrix below is
// the one place that decides it; docs/permissions.md shows it as a table and a
// test keeps the two equal.
type Role string

// Roles, from the most to the least powerful.
const (
	// RoleOwner runs the workspace: everything a manager does, plus members
	// and their roles, and the workspace's audit log.
	RoleOwner Role = "owner"
	// RoleManager runs the brand's social media: publishes, approves, answers,
	// connects accounts, invites colleagues (below owner).
	RoleManager Role = "manager"
	// RoleEditor writes and schedules posts and answers the inbox, but does
	// not manage accounts or members.
	RoleEditor Role = "editor"
	// RoleAgency is the external agency: media and drafts only; never
	// publishes, never sees the inbox.
	RoleAgency Role = "agency"
	// RoleResponder is a sales or technical colleague: only the conversations
	// assigned to them.
	RoleResponder Role = "responder"
	// RoleViewer reads reports only.
	RoleViewer Role = "viewer"
)

// Roles lists every role in order of power, for forms and documentation.
var Roles = []Role{RoleOwner, RoleManager, RoleEditor, RoleAgency, RoleResponder, RoleViewer}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Permission is one thing a member may do in a workspace.
type Permission string

// Permissions. Sections to come (publishing, inbox, listening, ...) check
// these; they never compare roles themselves.
const (
	PermViewWorkspace   Permission = "workspace.view"
	PermManageWorkspace Permission = "workspace.manage"
	PermManageMembers   Permission = "members.manage"
	PermViewMembers     Permission = "members.view"
	PermViewAudit       Permission = "audit.view"
	PermManageAccounts  Permission = "accounts.manage"
	PermViewCalendar    Permission = "calendar.view"
	PermDraftPosts      Permission = "posts.draft"
	PermPublishPosts    Permission = "posts.publish"
	PermApprovePosts    Permission = "posts.approve"
	PermManageMedia     Permission = "media.manage"
	PermViewInboxAll    Permission = "inbox.view_all"
	PermViewInboxMine   Permission = "inbox.view_assigned"
	PermReplyInbox      Permission = "inbox.reply"
	PermViewListening   Permission = "listening.view"
	PermManageListening Permission = "listening.manage"
	PermViewAnalytics   Permission = "analytics.view"
	PermViewPresence    Permission = "presence.view"
	PermManagePresence  Permission = "presence.manage"
)

// Permissions lists every permission in the order the documentation shows.
var Permissions = []Permission{
	PermViewWorkspace, PermManageWorkspace, PermViewMembers, PermManageMembers, PermViewAudit,
	PermManageAccounts, PermViewCalendar, PermDraftPosts, PermPublishPosts, PermApprovePosts,
	PermManageMedia, PermViewInboxAll, PermViewInboxMine, PermReplyInbox,
	PermViewListening, PermManageListening, PermViewAnalytics, PermViewPresence, PermManagePresence,
}

// matrix is the permission matrix: the only place where roles meet
// permissions.
var matrix = map[Role][]Permission{
	RoleOwner: {
		PermViewWorkspace, PermManageWorkspace, PermViewMembers, PermManageMembers, PermViewAudit,
		PermManageAccounts, PermViewCalendar, PermDraftPosts, PermPublishPosts, PermApprovePosts,
		PermManageMedia, PermViewInboxAll, PermViewInboxMine, PermReplyInbox,
		PermViewListening, PermManageListening, PermViewAnalytics, PermViewPresence, PermManagePresence,
	},
	RoleManager: {
		PermViewWorkspace, PermViewMembers, PermManageMembers,
		PermManageAccounts, PermViewCalendar, PermDraftPosts, PermPublishPosts, PermApprovePosts,
		PermManageMedia, PermViewInboxAll, PermViewInboxMine, PermReplyInbox,
		PermViewListening, PermManageListening, PermViewAnalytics, PermViewPresence, PermManagePresence,
	},
	RoleEditor: {
		PermViewWorkspace, PermViewMembers,
		PermViewCalendar, PermDraftPosts, PermPublishPosts,
		PermManageMedia, PermViewInboxAll, PermViewInboxMine, PermReplyInbox,
		PermViewListening, PermViewAnalytics, PermViewPresence,
	},
	RoleAgency: {
		PermViewWorkspace, PermViewCalendar, PermDraftPosts, PermManageMedia,
	},
	RoleResponder: {
		PermViewWorkspace, PermViewInboxMine, PermReplyInbox,
	},
	RoleViewer: {
		PermViewWorkspace, PermViewAnalytics,
	},
}

// Can reports whether role r holds permission p.
func (r Role) Can(p Permission) bool { return slices.Contains(matrix[r], p) }

// CanAssign reports whether a member with role r may give role target to
// someone (or take it away). Only owners make owners; managers manage the
// roles below them.
func (r Role) CanAssign(target Role) bool {
	if !r.Can(PermManageMembers) || !target.Valid() {
		return false
	}
	if r == RoleOwner {
		return true
	}
	return target != RoleOwner && target != RoleManager
}
