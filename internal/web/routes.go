package web

import (
	"net/http"

	p "github.com/portavoce/portavoce"
)

// Who may call a route.
const (
	// Public routes need no login (set-up, login, health, static files).
	Public = "public"
	// LoggedIn routes need a session or an API token.
	LoggedIn = "user"
	// Admin routes need the instance administrator.
	Admin = "admin"
	// InWorkspace routes need membership of the {ws} workspace and the
	// route's permission.
	InWorkspace = "workspace"
)

// Route is one entry of the route table.
type Route struct {
	Method  string
	Pattern string
	// Access is Public, LoggedIn, Admin or InWorkspace.
	Access string
	// Perm is the permission an InWorkspace route needs.
	Perm p.Permission
	// API marks JSON routes (errors in JSON, no redirects).
	API     bool
	handler http.Handler
}

// routeTable lists every route of the server: the UI, the API and the
// operational endpoints. Authorization is declared here, next to the path,
// and enforced by the wrappers in auth.go.
func (s *Server) routeTable() []Route {
	return []Route{
		// Operations.
		s.route("GET", "/healthz", Public, "", false, s.healthz),
		s.route("GET", "/readyz", Public, "", false, s.readyz),
		s.route("GET", "/metrics", Public, "", false, s.promMetrics),
		s.route("GET", "/static/", Public, "", false, s.static),
		s.route("GET", "/favicon.ico", Public, "", false, s.favicon),

		// Getting in.
		s.route("GET", "/{$}", Public, "", false, s.home),
		s.route("GET", "/setup", Public, "", false, s.setupForm),
		s.route("POST", "/setup", Public, "", false, s.setup),
		s.route("GET", "/login", Public, "", false, s.loginForm),
		s.route("POST", "/login", Public, "", false, s.login),
		s.route("POST", "/language", Public, "", false, s.setLanguage),
		s.route("GET", "/invite/{token}", Public, "", false, s.inviteForm),
		s.route("POST", "/invite/{token}", Public, "", false, s.acceptInvite),
		s.route("POST", "/logout", LoggedIn, "", false, s.logout),

		// The person's own account.
		s.route("GET", "/account", LoggedIn, "", false, s.accountPage),
		s.route("POST", "/account/password", LoggedIn, "", false, s.changePassword),
		s.route("POST", "/account/logout-everywhere", LoggedIn, "", false, s.logoutEverywhere),
		s.route("POST", "/account/tokens", LoggedIn, "", false, s.createToken),
		s.route("POST", "/account/tokens/{id}/revoke", LoggedIn, "", false, s.revokeToken),

		// Workspaces.
		s.route("GET", "/workspaces", LoggedIn, "", false, s.workspacesPage),
		s.route("POST", "/workspaces", Admin, "", false, s.createWorkspace),
		s.route("GET", "/admin/audit", Admin, "", false, s.instanceAuditPage),
		s.route("GET", "/w/{ws}", InWorkspace, p.PermViewWorkspace, false, s.workspaceHome),
		s.route("GET", "/w/{ws}/calendar", InWorkspace, p.PermViewCalendar, false, s.calendarPage),
		s.route("GET", "/w/{ws}/compose", InWorkspace, p.PermDraftPosts, false, s.composePage),
		s.route("POST", "/w/{ws}/compose", InWorkspace, p.PermDraftPosts, false, s.composeSubmit),
		s.route("GET", "/w/{ws}/posts/{id}", InWorkspace, p.PermViewCalendar, false, s.postPage),
		s.route("POST", "/w/{ws}/posts/{id}/reschedule", InWorkspace, p.PermPublishPosts, false, s.reschedulePost),
		s.route("POST", "/w/{ws}/posts/{id}/cancel", InWorkspace, p.PermPublishPosts, false, s.cancelPost),
		s.route("POST", "/w/{ws}/posts/{id}/duplicate", InWorkspace, p.PermDraftPosts, false, s.duplicatePost),
		s.route("POST", "/w/{ws}/posts/{id}/deliveries/{delivery}/resolve", InWorkspace, p.PermPublishPosts, false, s.resolveDelivery),
		s.route("GET", "/w/{ws}/media/{id}", InWorkspace, p.PermViewCalendar, false, s.mediaFile),
		s.route("GET", "/w/{ws}/accounts", InWorkspace, p.PermViewCalendar, false, s.accountsPage),
		s.route("POST", "/w/{ws}/accounts/mastodon", InWorkspace, p.PermManageAccounts, false, s.connectMastodon),
		s.route("POST", "/w/{ws}/accounts/bluesky", InWorkspace, p.PermManageAccounts, false, s.connectBluesky),
		s.route("POST", "/w/{ws}/accounts/{id}/queue", InWorkspace, p.PermManageAccounts, false, s.setQueue),
		s.route("POST", "/w/{ws}/accounts/{id}/remove", InWorkspace, p.PermManageAccounts, false, s.disconnectAccount),
		s.route("GET", "/oauth/mastodon/callback", LoggedIn, "", false, s.mastodonReturn),
		s.route("GET", "/w/{ws}/inbox", InWorkspace, p.PermViewInboxMine, false, s.inboxPage),
		s.route("GET", "/w/{ws}/inbox/events", InWorkspace, p.PermViewInboxMine, false, s.inboxEvents),
		s.route("GET", "/w/{ws}/inbox/replies", InWorkspace, p.PermViewInboxMine, false, s.inboxSettingsPage),
		s.route("POST", "/w/{ws}/inbox/replies", InWorkspace, p.PermViewInboxAll, false, s.saveSavedReply),
		s.route("POST", "/w/{ws}/inbox/replies/{id}/delete", InWorkspace, p.PermViewInboxAll, false, s.deleteSavedReply),
		s.route("POST", "/w/{ws}/inbox/settings", InWorkspace, p.PermManageMembers, false, s.saveInboxSettings),
		s.route("GET", "/w/{ws}/inbox/{id}", InWorkspace, p.PermViewInboxMine, false, s.conversationPage),
		s.route("POST", "/w/{ws}/inbox/{id}/reply", InWorkspace, p.PermReplyInbox, false, s.replyConversation),
		s.route("POST", "/w/{ws}/inbox/{id}/status", InWorkspace, p.PermViewInboxMine, false, s.setConversationStatus),
		s.route("POST", "/w/{ws}/inbox/{id}/assign", InWorkspace, p.PermViewInboxAll, false, s.assignConversation),
		s.route("POST", "/w/{ws}/inbox/{id}/notes", InWorkspace, p.PermViewInboxMine, false, s.noteConversation),
		s.route("POST", "/w/{ws}/inbox/{id}/tags", InWorkspace, p.PermViewInboxMine, false, s.tagConversation),
		s.route("POST", "/w/{ws}/inbox/{id}/items/{item}/act", InWorkspace, p.PermReplyInbox, false, s.actOnItem),
		s.route("GET", "/w/{ws}/listening", InWorkspace, p.PermViewListening, false, s.listeningPage),
		s.route("GET", "/w/{ws}/listening/events", InWorkspace, p.PermViewListening, false, s.listeningEvents),
		s.route("GET", "/w/{ws}/listening/chart/{name}", InWorkspace, p.PermViewListening, false, s.listeningChart),
		s.route("POST", "/w/{ws}/listening/preview", InWorkspace, p.PermManageListening, false, s.previewTopic),
		s.route("POST", "/w/{ws}/listening/topics", InWorkspace, p.PermManageListening, false, s.saveTopic),
		s.route("POST", "/w/{ws}/listening/topics/{id}/delete", InWorkspace, p.PermManageListening, false, s.deleteTopic),
		s.route("POST", "/w/{ws}/listening/mentions/{topic}/{post}/sentiment", InWorkspace, p.PermViewListening, false, s.correctSentiment),
		s.route("POST", "/w/{ws}/listening/mentions/{topic}/{post}/engage", InWorkspace, p.PermPublishPosts, false, s.engageMention),
		s.route("POST", "/w/{ws}/listening/mentions/{topic}/{post}/handover", InWorkspace, p.PermViewInboxAll, false, s.handOverLead),
		s.route("POST", "/w/{ws}/listening/sources", InWorkspace, p.PermManageListening, false, s.addListeningSource),
		s.route("POST", "/w/{ws}/listening/sources/{id}/delete", InWorkspace, p.PermManageListening, false, s.removeListeningSource),
		s.route("POST", "/w/{ws}/listening/retention", InWorkspace, p.PermManageListening, false, s.saveListeningRetention),
		s.route("GET", "/w/{ws}/analytics", InWorkspace, p.PermViewAnalytics, false, s.section("analytics")),
		s.route("GET", "/w/{ws}/presence", InWorkspace, p.PermViewPresence, false, s.presencePage),
		s.route("POST", "/w/{ws}/presence/settings", InWorkspace, p.PermManagePresence, false, s.savePresence),
		s.route("POST", "/w/{ws}/presence/audit", InWorkspace, p.PermManagePresence, false, s.runPresenceAudit),
		s.route("POST", "/w/{ws}/presence/fix", InWorkspace, p.PermManagePresence, false, s.fixProfile),
		s.route("GET", "/w/{ws}/presence/report", InWorkspace, p.PermViewPresence, false, s.presenceReport(false)),
		s.route("GET", "/w/{ws}/presence/report.pdf", InWorkspace, p.PermViewPresence, false, s.presenceReport(true)),
		s.route("GET", "/w/{ws}/media", InWorkspace, p.PermManageMedia, false, s.section("media")),
		s.route("GET", "/w/{ws}/settings", InWorkspace, p.PermViewMembers, false, s.settingsPage),
		s.route("POST", "/w/{ws}/settings", InWorkspace, p.PermManageWorkspace, false, s.updateSettings),
		s.route("POST", "/w/{ws}/members", InWorkspace, p.PermManageMembers, false, s.inviteMember),
		s.route("POST", "/w/{ws}/members/{user}/role", InWorkspace, p.PermManageMembers, false, s.changeRole),
		s.route("POST", "/w/{ws}/members/{user}/remove", InWorkspace, p.PermManageMembers, false, s.removeMember),
		s.route("POST", "/w/{ws}/invitations/{id}/revoke", InWorkspace, p.PermManageMembers, false, s.revokeInvitation),
		s.route("GET", "/w/{ws}/audit", InWorkspace, p.PermViewAudit, false, s.auditPage),

		// REST API.
		s.route("GET", "/api/v1/openapi.json", Public, "", true, s.openapi),
		s.route("GET", "/api/v1/me", LoggedIn, "", true, s.apiMe),
		s.route("PATCH", "/api/v1/me", LoggedIn, "", true, s.apiUpdateMe),
		s.route("GET", "/api/v1/tokens", LoggedIn, "", true, s.apiTokens),
		s.route("POST", "/api/v1/tokens", LoggedIn, "", true, s.apiCreateToken),
		s.route("DELETE", "/api/v1/tokens/{id}", LoggedIn, "", true, s.apiRevokeToken),
		s.route("GET", "/api/v1/audit", Admin, "", true, s.apiInstanceAudit),
		s.route("GET", "/api/v1/workspaces", LoggedIn, "", true, s.apiWorkspaces),
		s.route("POST", "/api/v1/workspaces", Admin, "", true, s.apiCreateWorkspace),
		s.route("GET", "/api/v1/workspaces/{ws}", InWorkspace, p.PermViewWorkspace, true, s.apiWorkspace),
		s.route("PATCH", "/api/v1/workspaces/{ws}", InWorkspace, p.PermManageWorkspace, true, s.apiUpdateWorkspace),
		s.route("GET", "/api/v1/workspaces/{ws}/members", InWorkspace, p.PermViewMembers, true, s.apiMembers),
		s.route("POST", "/api/v1/workspaces/{ws}/members", InWorkspace, p.PermManageMembers, true, s.apiInvite),
		s.route("PATCH", "/api/v1/workspaces/{ws}/members/{user}", InWorkspace, p.PermManageMembers, true, s.apiChangeRole),
		s.route("DELETE", "/api/v1/workspaces/{ws}/members/{user}", InWorkspace, p.PermManageMembers, true, s.apiRemoveMember),
		s.route("GET", "/api/v1/workspaces/{ws}/invitations", InWorkspace, p.PermManageMembers, true, s.apiInvitations),
		s.route("DELETE", "/api/v1/workspaces/{ws}/invitations/{id}", InWorkspace, p.PermManageMembers, true, s.apiRevokeInvitation),
		s.route("GET", "/api/v1/workspaces/{ws}/audit", InWorkspace, p.PermViewAudit, true, s.apiAudit),
		s.route("GET", "/api/v1/workspaces/{ws}/accounts", InWorkspace, p.PermViewCalendar, true, s.apiAccounts),
		s.route("POST", "/api/v1/workspaces/{ws}/accounts/mastodon", InWorkspace, p.PermManageAccounts, true, s.apiConnectMastodon),
		s.route("POST", "/api/v1/workspaces/{ws}/accounts/bluesky", InWorkspace, p.PermManageAccounts, true, s.apiConnectBluesky),
		s.route("PUT", "/api/v1/workspaces/{ws}/accounts/{id}/queue", InWorkspace, p.PermManageAccounts, true, s.apiSetQueue),
		s.route("DELETE", "/api/v1/workspaces/{ws}/accounts/{id}", InWorkspace, p.PermManageAccounts, true, s.apiDisconnect),
		s.route("POST", "/api/v1/workspaces/{ws}/media", InWorkspace, p.PermManageMedia, true, s.apiUploadMedia),
		s.route("POST", "/api/v1/workspaces/{ws}/posts/check", InWorkspace, p.PermDraftPosts, true, s.apiCheckPost),
		s.route("GET", "/api/v1/workspaces/{ws}/posts", InWorkspace, p.PermViewCalendar, true, s.apiPosts),
		s.route("POST", "/api/v1/workspaces/{ws}/posts", InWorkspace, p.PermDraftPosts, true, s.apiCreatePost),
		s.route("GET", "/api/v1/workspaces/{ws}/posts/{id}", InWorkspace, p.PermViewCalendar, true, s.apiPost),
		s.route("POST", "/api/v1/workspaces/{ws}/posts/{id}/schedule", InWorkspace, p.PermDraftPosts, true, s.apiSchedulePost),
		s.route("POST", "/api/v1/workspaces/{ws}/posts/{id}/reschedule", InWorkspace, p.PermPublishPosts, true, s.apiReschedule),
		s.route("POST", "/api/v1/workspaces/{ws}/posts/{id}/cancel", InWorkspace, p.PermPublishPosts, true, s.apiCancel),
		s.route("POST", "/api/v1/workspaces/{ws}/posts/{id}/duplicate", InWorkspace, p.PermDraftPosts, true, s.apiDuplicate),
		s.route("POST", "/api/v1/workspaces/{ws}/posts/{id}/deliveries/{delivery}/resolve", InWorkspace, p.PermPublishPosts, true, s.apiResolve),
		s.route("GET", "/api/v1/workspaces/{ws}/notifications", InWorkspace, p.PermViewCalendar, true, s.apiNotifications),
		s.route("GET", "/api/v1/workspaces/{ws}/inbox/conversations", InWorkspace, p.PermViewInboxMine, true, s.apiConversations),
		s.route("GET", "/api/v1/workspaces/{ws}/inbox/conversations/{id}", InWorkspace, p.PermViewInboxMine, true, s.apiConversation),
		s.route("PATCH", "/api/v1/workspaces/{ws}/inbox/conversations/{id}", InWorkspace, p.PermViewInboxMine, true, s.apiUpdateConversation),
		s.route("POST", "/api/v1/workspaces/{ws}/inbox/conversations/{id}/reply", InWorkspace, p.PermReplyInbox, true, s.apiReplyConversation),
		s.route("POST", "/api/v1/workspaces/{ws}/inbox/conversations/{id}/notes", InWorkspace, p.PermViewInboxMine, true, s.apiAddNote),
		s.route("POST", "/api/v1/workspaces/{ws}/inbox/conversations/{id}/items/{item}/actions", InWorkspace, p.PermReplyInbox, true, s.apiActOnItem),
		s.route("GET", "/api/v1/workspaces/{ws}/inbox/replies", InWorkspace, p.PermViewInboxMine, true, s.apiSavedReplies),
		s.route("POST", "/api/v1/workspaces/{ws}/inbox/replies", InWorkspace, p.PermViewInboxAll, true, s.apiCreateSavedReply),
		s.route("PUT", "/api/v1/workspaces/{ws}/inbox/replies/{id}", InWorkspace, p.PermViewInboxAll, true, s.apiUpdateSavedReply),
		s.route("DELETE", "/api/v1/workspaces/{ws}/inbox/replies/{id}", InWorkspace, p.PermViewInboxAll, true, s.apiDeleteSavedReply),
		s.route("GET", "/api/v1/workspaces/{ws}/inbox/settings", InWorkspace, p.PermViewInboxMine, true, s.apiInboxSettings),
		s.route("PUT", "/api/v1/workspaces/{ws}/inbox/settings", InWorkspace, p.PermManageMembers, true, s.apiSaveInboxSettings),
		s.route("GET", "/api/v1/workspaces/{ws}/listening/topics", InWorkspace, p.PermViewListening, true, s.apiTopics),
		s.route("POST", "/api/v1/workspaces/{ws}/listening/topics", InWorkspace, p.PermManageListening, true, s.apiSaveTopic),
		s.route("PUT", "/api/v1/workspaces/{ws}/listening/topics/{id}", InWorkspace, p.PermManageListening, true, s.apiSaveTopic),
		s.route("DELETE", "/api/v1/workspaces/{ws}/listening/topics/{id}", InWorkspace, p.PermManageListening, true, s.apiDeleteTopic),
		s.route("POST", "/api/v1/workspaces/{ws}/listening/preview", InWorkspace, p.PermManageListening, true, s.apiPreview),
		s.route("GET", "/api/v1/workspaces/{ws}/listening/mentions", InWorkspace, p.PermViewListening, true, s.apiMentions),
		s.route("PUT", "/api/v1/workspaces/{ws}/listening/mentions/{topic}/{post}/sentiment", InWorkspace, p.PermViewListening, true, s.apiCorrectSentiment),
		s.route("GET", "/api/v1/workspaces/{ws}/listening/sources", InWorkspace, p.PermViewListening, true, s.apiListeningSources),
		s.route("POST", "/api/v1/workspaces/{ws}/listening/sources", InWorkspace, p.PermManageListening, true, s.apiAddListeningSource),
		s.route("DELETE", "/api/v1/workspaces/{ws}/listening/sources/{id}", InWorkspace, p.PermManageListening, true, s.apiRemoveListeningSource),
		s.route("GET", "/api/v1/workspaces/{ws}/listening/alerts", InWorkspace, p.PermViewListening, true, s.apiListeningAlerts),
	}
}

// route wraps h with the authorization that access and perm require.
func (s *Server) route(method, pattern, access string, perm p.Permission, api bool, h handlerFunc) Route {
	rt := Route{Method: method, Pattern: pattern, Access: access, Perm: perm, API: api}
	rt.handler = s.wrap(rt, h)
	return rt
}
