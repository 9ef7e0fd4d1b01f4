// Package inbox is Portavoce's unified inbox: every reply, mention, quote,
// repost and direct message that reaches a connected account, grouped into
// conversations that the team answers, assigns, annotates and closes.
//
// Items come in through the Ingester (each account's cursor stored with the
// items it brought, so a restart neither loses nor repeats anything). A
// reply is a post with one delivery, published by the publishing
// dispatcher with the same exactly-once guarantees as any post.
package inbox

import (
	"context"
	"encoding/json"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/listening/sentiment"
	"github.com/portavoce/portavoce/internal/live"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/workspace"
)

// Store is what the inbox needs from the database.
type Store interface {
	IngestStore
	Conversations(ctx context.Context, workspaceID string, f store.ConversationFilter) ([]p.Conversation, error)
	ConversationCounts(ctx context.Context, workspaceID, assignee string) (map[string]int, error)
	Conversation(ctx context.Context, workspaceID, id string) (p.Conversation, error)
	ConversationItems(ctx context.Context, workspaceID, convID string) ([]p.InboxItem, error)
	EarlierConversations(ctx context.Context, accountID, authorID, exceptID string) (int, error)
	ChangeConversation(ctx context.Context, workspaceID, id string, u store.UpdateConversation, now time.Time) error
	AssignConversation(ctx context.Context, workspaceID, id, userID, by string, now time.Time) error
	SetConversationTags(ctx context.Context, workspaceID, id string, tags []string, now time.Time) error
	WorkspaceTags(ctx context.Context, workspaceID string) ([]string, error)
	AddInboxNote(ctx context.Context, workspaceID string, n p.InboxNote) error
	InboxNotes(ctx context.Context, convID string) ([]p.InboxNote, error)
	SavedReplies(ctx context.Context, workspaceID string) ([]p.SavedReply, error)
	SaveSavedReply(ctx context.Context, r p.SavedReply) error
	DeleteSavedReply(ctx context.Context, workspaceID, id string) error
	InboxSettings(ctx context.Context, workspaceID string) (p.InboxSettings, error)
	SaveInboxSettings(ctx context.Context, s p.InboxSettings) error
	InboxAccounts(ctx context.Context, workspaceID string) (map[string]p.AccountInbox, error)
	SocialAccounts(ctx context.Context, workspaceID string, disconnected bool) ([]p.SocialAccount, error)
	SocialAccount(ctx context.Context, workspaceID, id string) (p.SocialAccount, error)
	Members(ctx context.Context, workspaceID string) ([]p.Member, error)
	ChangedConversations(ctx context.Context, workspaceID string, since time.Time) ([]string, time.Time, error)
	AddAudit(ctx context.Context, e p.AuditEntry) error
}

// Service is the inbox as people use it. Every method checks the caller's
// access: a responder sees and answers only what is assigned to them.
type Service struct {
	store     Store
	publish   *publish.Service
	secrets   publish.Secrets
	providers map[string]provider.Inbox
	hub       *live.Hub
	now       func() time.Time
	log       *slog.Logger
	// refreshed holds, by conversation, when its posts were last looked
	// up on the network, so that opening a page often costs the account's
	// rate limit once every RefreshEvery.
	refreshMu sync.Mutex
	refreshed map[string]time.Time
}

// RefreshEvery is how often opening a conversation asks the network
// whether its posts still exist.
const RefreshEvery = 2 * time.Minute

// New returns the inbox service.
func New(s Store, pub *publish.Service, secrets publish.Secrets, providers map[string]provider.Inbox, hub *live.Hub,
	now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: s, publish: pub, secrets: secrets, providers: providers, hub: hub,
		now: func() time.Time { return now().UTC() }, log: log, refreshed: map[string]time.Time{}}
}

// Hub returns the live-update hub pages subscribe to.
func (s *Service) Hub() *live.Hub { return s.hub }

// Analyzer is the language and sentiment engine of the inbox; the
// listening work can give it a better one.
var Analyzer sentiment.Analyzer = sentiment.New()

// View is one inbox page.
type View struct {
	Conversations []p.Conversation
	// Counts are by state, over what the caller may see.
	Counts   map[string]int
	Settings p.InboxSettings
	Accounts []p.SocialAccount
	// Ingestion is how each account's fetching goes, by account id.
	Ingestion map[string]p.AccountInbox
	// Members are the colleagues a conversation can be assigned to.
	Members []p.Member
	Tags    []string
	// Mine is true when the caller sees only their own conversations.
	Mine bool
}

// Overdue reports whether a conversation waits past the workspace's first
// response target.
func (v View) Overdue(c p.Conversation, now time.Time) bool {
	return Overdue(c, v.Settings, now)
}

// Overdue reports whether c waits for an answer past the target.
func Overdue(c p.Conversation, s p.InboxSettings, now time.Time) bool {
	return !c.WaitingSince.IsZero() && s.ResponseTarget > 0 && c.Status != p.ConversationDone &&
		c.Status != p.ConversationSnoozed && now.Sub(c.WaitingSince) > s.ResponseTarget
}

// mineOnly is true for roles that see only their assigned conversations.
func mineOnly(acc workspace.Access) bool { return !acc.Can(p.PermViewInboxAll) }

func canView(acc workspace.Access) error {
	if !acc.Can(p.PermViewInboxMine) {
		return p.Errorf(p.ECodeForbidden, "your role does not see the inbox")
	}
	return nil
}

// List returns the conversations f selects, with what the page needs.
// Overdue, when true, keeps only conversations past the response target.
func (s *Service) List(ctx context.Context, a workspace.Actor, acc workspace.Access, f store.ConversationFilter, overdue bool) (View, error) {
	if err := canView(acc); err != nil {
		return View{}, err
	}
	v := View{Mine: mineOnly(acc)}
	if v.Mine {
		f.Assignee = a.User.ID
	}
	var err error
	if v.Settings, err = s.store.InboxSettings(ctx, acc.Workspace.ID); err != nil {
		return View{}, err
	}
	if overdue && v.Settings.ResponseTarget > 0 {
		f.OverdueBefore = s.now().Add(-v.Settings.ResponseTarget)
		if len(f.Statuses) == 0 {
			f.Statuses = []string{p.ConversationNew, p.ConversationOpen}
		}
	}
	if v.Conversations, err = s.store.Conversations(ctx, acc.Workspace.ID, f); err != nil {
		return View{}, err
	}
	assignee := ""
	if v.Mine {
		assignee = a.User.ID
	}
	if v.Counts, err = s.store.ConversationCounts(ctx, acc.Workspace.ID, assignee); err != nil {
		return View{}, err
	}
	if v.Accounts, err = s.store.SocialAccounts(ctx, acc.Workspace.ID, false); err != nil {
		return View{}, err
	}
	if v.Ingestion, err = s.store.InboxAccounts(ctx, acc.Workspace.ID); err != nil {
		return View{}, err
	}
	if v.Members, err = s.assignable(ctx, acc.Workspace.ID); err != nil {
		return View{}, err
	}
	v.Tags, err = s.store.WorkspaceTags(ctx, acc.Workspace.ID)
	return v, err
}

// assignable lists the members who can hold a conversation.
func (s *Service) assignable(ctx context.Context, workspaceID string) ([]p.Member, error) {
	all, err := s.store.Members(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, m := range all {
		if m.Role.Can(p.PermViewInboxMine) {
			out = append(out, m)
		}
	}
	return out, nil
}

// Thread is one conversation as its page shows it.
type Thread struct {
	Conversation p.Conversation
	Account      p.SocialAccount
	// Items are what arrived and what the team answered, oldest first.
	Items []p.InboxItem
	Notes []p.InboxNote
	// Earlier counts the contact's other conversations with the account.
	Earlier  int
	Settings p.InboxSettings
	Members  []p.Member
	// Actions lists, by item id, what can be done to it on the network.
	Actions map[string][]provider.Action
	// Replies are the saved replies, filled in for this conversation.
	Replies []p.SavedReply
	// CanManage is true when the caller may assign and see everything.
	CanManage bool
}

// conversation loads a conversation the caller may see. A responder asking
// for one not assigned to them is refused, and told why.
func (s *Service) conversation(ctx context.Context, a workspace.Actor, acc workspace.Access, id string) (p.Conversation, error) {
	if err := canView(acc); err != nil {
		return p.Conversation{}, err
	}
	c, err := s.store.Conversation(ctx, acc.Workspace.ID, id)
	if err != nil {
		return c, err
	}
	if mineOnly(acc) && c.AssigneeID != a.User.ID {
		return p.Conversation{}, p.Errorf(p.ECodeForbidden, "this conversation is not assigned to you: ask a manager to assign it to you")
	}
	return c, nil
}

// Open returns a conversation with its items, notes and what can be done.
// Opening a new conversation marks it open; the network is asked in the
// background whether its posts still exist.
func (s *Service) Open(ctx context.Context, a workspace.Actor, acc workspace.Access, id string) (Thread, error) {
	c, err := s.conversation(ctx, a, acc, id)
	if err != nil {
		return Thread{}, err
	}
	t := Thread{Conversation: c, CanManage: !mineOnly(acc)}
	if c.Status == p.ConversationNew {
		open := p.ConversationOpen
		if err := s.store.ChangeConversation(ctx, acc.Workspace.ID, id, store.UpdateConversation{Status: &open}, s.now()); err != nil {
			return Thread{}, err
		}
		t.Conversation.Status = open
		s.hub.Publish(acc.Workspace.ID)
	}
	if t.Account, err = s.store.SocialAccount(ctx, acc.Workspace.ID, c.AccountID); err != nil {
		return Thread{}, err
	}
	if t.Items, err = s.store.ConversationItems(ctx, acc.Workspace.ID, id); err != nil {
		return Thread{}, err
	}
	if t.Notes, err = s.store.InboxNotes(ctx, id); err != nil {
		return Thread{}, err
	}
	if t.Earlier, err = s.store.EarlierConversations(ctx, c.AccountID, c.Contact.RemoteID, id); err != nil {
		return Thread{}, err
	}
	if t.Settings, err = s.store.InboxSettings(ctx, acc.Workspace.ID); err != nil {
		return Thread{}, err
	}
	if t.Members, err = s.assignable(ctx, acc.Workspace.ID); err != nil {
		return Thread{}, err
	}
	t.Actions = map[string][]provider.Action{}
	if prov := s.providers[t.Account.Network]; prov != nil {
		for _, it := range t.Items {
			switch {
			case !it.DeletedAt.IsZero():
			case it.Direction == p.DirectionOut && it.RemoteID != "":
				t.Actions[it.ID] = filterActions(prov.Actions("own"), provider.Delete)
			case it.Direction == p.DirectionIn && it.Reply != "":
				t.Actions[it.ID] = filterActions(prov.Actions(it.Kind), provider.Like, provider.Repost, provider.Hide)
			}
		}
	}
	saved, err := s.store.SavedReplies(ctx, acc.Workspace.ID)
	if err != nil {
		return Thread{}, err
	}
	for _, r := range saved {
		r.Body = Fill(r.Body, c.Contact, t.Settings.Brand, a.User.Name)
		t.Replies = append(t.Replies, r)
	}
	// The brand's language first, then the conversation's.
	rank := func(r p.SavedReply) int {
		switch r.Language {
		case t.Settings.Language:
			return 0
		case c.Language:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(t.Replies, func(x, y p.SavedReply) int { return rank(x) - rank(y) })
	go s.refresh(context.WithoutCancel(ctx), acc.Workspace.ID, t.Account, t.Items)
	return t, nil
}

func filterActions(have []provider.Action, keep ...provider.Action) []provider.Action {
	var out []provider.Action
	for _, a := range have {
		if slices.Contains(keep, a) {
			out = append(out, a)
		}
	}
	return out
}

// refresh asks the network whether the conversation's latest posts still
// exist, and marks those it deleted; at most once every RefreshEvery per
// conversation.
func (s *Service) refresh(ctx context.Context, workspaceID string, acc p.SocialAccount, items []p.InboxItem) {
	prov := s.providers[acc.Network]
	if prov == nil || len(items) == 0 {
		return
	}
	if !s.refreshDue(items[0].ConversationID) {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	pa, err := publish.OpenAccount(ctx, s.secrets, acc)
	if err != nil {
		s.log.Warn("inbox: cannot open the account to refresh a conversation", "account", acc.ID, "err", err)
		return
	}
	checked := 0
	for i := len(items) - 1; i >= 0 && checked < maxRefresh; i-- {
		it := items[i]
		if it.Direction != p.DirectionIn || !it.DeletedAt.IsZero() || it.Kind == provider.ItemRepost || it.Kind == provider.ItemMessage {
			continue
		}
		checked++
		posts, err := prov.Thread(ctx, pa, it.RemoteID)
		if err != nil {
			s.log.Info("inbox: cannot refresh a post", "account", acc.ID, "post", it.RemoteID, "err", err)
			return
		}
		for _, post := range posts {
			if post.RemoteID == it.RemoteID && post.Deleted {
				if err := s.store.MarkItemDeleted(ctx, acc.ID, it.RemoteID, s.now()); err != nil {
					s.log.Warn("inbox: cannot mark a deleted post", "err", err)
					return
				}
				s.hub.Publish(workspaceID)
			}
		}
	}
}

// refreshDue reports whether a conversation's posts should be looked up
// now, and records that they are.
func (s *Service) refreshDue(convID string) bool {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	now := s.now()
	if last, ok := s.refreshed[convID]; ok && now.Sub(last) < RefreshEvery {
		return false
	}
	if len(s.refreshed) >= 10000 {
		for id, at := range s.refreshed {
			if now.Sub(at) >= RefreshEvery {
				delete(s.refreshed, id)
			}
		}
	}
	s.refreshed[convID] = now
	return true
}

// maxRefresh bounds the posts looked up when a conversation is opened.
const maxRefresh = 10

// Reply answers a conversation: itemID is the item answered, or "" for
// the latest one that can be. The reply is shown in the thread at once and
// marked when the network confirms it.
func (s *Service) Reply(ctx context.Context, a workspace.Actor, acc workspace.Access, convID, itemID, text string) (p.Post, error) {
	if !acc.Can(p.PermReplyInbox) {
		return p.Post{}, p.Errorf(p.ECodeForbidden, "your role cannot answer conversations")
	}
	c, err := s.conversation(ctx, a, acc, convID)
	if err != nil {
		return p.Post{}, err
	}
	items, err := s.store.ConversationItems(ctx, acc.Workspace.ID, convID)
	if err != nil {
		return p.Post{}, err
	}
	var target *p.InboxItem
	for i := len(items) - 1; i >= 0; i-- {
		it := items[i]
		if it.Direction != p.DirectionIn || it.Reply == "" {
			continue
		}
		if itemID == "" || it.ID == itemID {
			target = &items[i]
			break
		}
	}
	if target == nil {
		if itemID != "" {
			return p.Post{}, p.FieldError("item", "this item cannot be answered (a repost has no text to answer): choose another")
		}
		return p.Post{}, p.Errorf(p.ECodeConflict, "nothing in this conversation can be answered")
	}
	if !target.DeletedAt.IsZero() {
		return p.Post{}, p.Errorf(p.ECodeConflict, "the post you are answering was deleted on the network")
	}
	var to provider.ReplyTo
	if err := json.Unmarshal([]byte(target.Reply), &to); err != nil {
		return p.Post{}, err
	}
	post, err := s.publish.Reply(ctx, a, acc, c.AccountID, text, p.ReplyTarget{ConversationID: convID, ItemID: target.ID,
		RemoteID: to.RemoteID, CID: to.CID, RootID: to.RootID, RootCID: to.RootCID, Direct: to.Direct, Handle: to.Handle,
		Conversation: to.Conversation})
	if err != nil {
		return p.Post{}, err
	}
	if err := s.store.ChangeConversation(ctx, acc.Workspace.ID, convID, store.UpdateConversation{Replied: true}, s.now()); err != nil {
		return post, err
	}
	s.audit(ctx, a, acc, p.AuditInboxReplied, convID, post.ID)
	s.hub.Publish(acc.Workspace.ID)
	return post, nil
}

// Act likes, reposts or hides an item, or deletes one of the team's
// replies, on the network.
func (s *Service) Act(ctx context.Context, a workspace.Actor, acc workspace.Access, convID, itemID string, action provider.Action) error {
	if !acc.Can(p.PermReplyInbox) {
		return p.Errorf(p.ECodeForbidden, "your role cannot act on conversations")
	}
	t, err := s.conversation(ctx, a, acc, convID)
	if err != nil {
		return err
	}
	account, err := s.store.SocialAccount(ctx, acc.Workspace.ID, t.AccountID)
	if err != nil {
		return err
	}
	prov := s.providers[account.Network]
	if prov == nil {
		return p.Errorf(p.ECodeConflict, "this version of Portavoce cannot act on %s", p.NetworkName(account.Network))
	}
	items, err := s.store.ConversationItems(ctx, acc.Workspace.ID, convID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(items, func(it p.InboxItem) bool { return it.ID == itemID })
	if i < 0 {
		return p.ErrNotFound
	}
	it := items[i]
	var target provider.ReplyTo
	switch {
	case it.Direction == p.DirectionOut:
		if action != provider.Delete || it.RemoteID == "" {
			return p.FieldError("action", "only a reply the network has confirmed can be deleted")
		}
		target.RemoteID = it.RemoteID
	case it.Reply == "":
		return p.FieldError("action", "nothing can be done to this item on the network")
	default:
		if err := json.Unmarshal([]byte(it.Reply), &target); err != nil {
			return err
		}
	}
	if !slices.Contains(prov.Actions(map[bool]string{true: "own", false: it.Kind}[it.Direction == p.DirectionOut]), action) {
		return p.FieldError("action", "%s does not allow this here", p.NetworkName(account.Network))
	}
	pa, err := publish.OpenAccount(ctx, s.secrets, account)
	if err != nil {
		return err
	}
	callCtx, cancel := context.WithTimeout(ctx, publish.NetworkTimeout)
	defer cancel()
	if err := prov.Act(callCtx, pa, action, target); err != nil {
		return publish.Refused(account.Network, err)
	}
	s.audit(ctx, a, acc, p.AuditInboxAction, convID, string(action)+" "+it.ID)
	return nil
}

// SetStatus moves a conversation to another state; snoozing needs a time
// in the future.
func (s *Service) SetStatus(ctx context.Context, a workspace.Actor, acc workspace.Access, convID, status string, until time.Time) error {
	if _, err := s.conversation(ctx, a, acc, convID); err != nil {
		return err
	}
	if !slices.Contains(p.ConversationStatuses, status) {
		return p.FieldError("status", "choose a state: new, open, waiting, snoozed or done")
	}
	if status == p.ConversationSnoozed {
		if !until.After(s.now()) {
			return p.FieldError("until", "choose when the conversation comes back: a time in the future")
		}
	} else {
		until = time.Time{}
	}
	if err := s.store.ChangeConversation(ctx, acc.Workspace.ID, convID, store.UpdateConversation{Status: &status, SnoozedUntil: until}, s.now()); err != nil {
		return err
	}
	s.audit(ctx, a, acc, p.AuditInboxStatus, convID, status)
	s.hub.Publish(acc.Workspace.ID)
	return nil
}

// Assign gives a conversation to a colleague ("" for nobody), who gets an
// email with a link to it.
func (s *Service) Assign(ctx context.Context, a workspace.Actor, acc workspace.Access, convID, userID string) error {
	if !acc.Can(p.PermViewInboxAll) {
		return p.Errorf(p.ECodeForbidden, "your role cannot assign conversations")
	}
	if _, err := s.conversation(ctx, a, acc, convID); err != nil {
		return err
	}
	if userID != "" {
		members, err := s.assignable(ctx, acc.Workspace.ID)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(members, func(m p.Member) bool { return m.User.ID == userID }) {
			return p.FieldError("assignee", "this person is not a member of the workspace who can answer conversations")
		}
	}
	if err := s.store.AssignConversation(ctx, acc.Workspace.ID, convID, userID, a.User.ID, s.now()); err != nil {
		return err
	}
	s.audit(ctx, a, acc, p.AuditInboxAssigned, convID, userID)
	s.hub.Publish(acc.Workspace.ID)
	return nil
}

// maxTags bounds a conversation's tags.
const maxTags = 20

var tagPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}_\-]{0,39}$`) })

// SetTags replaces a conversation's tags (lower case, letters, digits,
// "-" and "_").
func (s *Service) SetTags(ctx context.Context, a workspace.Actor, acc workspace.Access, convID string, tags []string) error {
	if _, err := s.conversation(ctx, a, acc, convID); err != nil {
		return err
	}
	var clean []string
	for _, t := range tags {
		t = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(t), "#"))
		if t == "" || slices.Contains(clean, t) {
			continue
		}
		if !tagPattern().MatchString(t) {
			e := p.Errorf(p.ECodeInvalid, "a tag is one word of letters, digits, - or _ (at most 40): %q is not", t)
			e.Field = "tags"
			return e
		}
		clean = append(clean, t)
	}
	if len(clean) > maxTags {
		return p.FieldError("tags", "at most 20 tags per conversation")
	}
	if err := s.store.SetConversationTags(ctx, acc.Workspace.ID, convID, clean, s.now()); err != nil {
		return err
	}
	s.hub.Publish(acc.Workspace.ID)
	return nil
}

var mentionPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(^|\s)@([\p{L}\p{N}._\-]+)`) })

// AddNote leaves a note for the team. "@name" (a colleague's first name,
// full name without spaces, or the part of their email before "@") sends
// them an email.
func (s *Service) AddNote(ctx context.Context, a workspace.Actor, acc workspace.Access, convID, body string) (p.InboxNote, error) {
	if _, err := s.conversation(ctx, a, acc, convID); err != nil {
		return p.InboxNote{}, err
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return p.InboxNote{}, p.FieldError("body", "write the note first")
	}
	if len(body) > 5000 {
		return p.InboxNote{}, p.FieldError("body", "a note is at most 5000 characters")
	}
	members, err := s.assignable(ctx, acc.Workspace.ID)
	if err != nil {
		return p.InboxNote{}, err
	}
	n := p.InboxNote{ID: uuid.Must(uuid.NewV7()).String(), ConversationID: convID, AuthorID: a.User.ID, AuthorName: a.User.Name,
		Body: body, Mentions: []string{}, CreatedAt: s.now()}
	for _, m := range mentionPattern().FindAllStringSubmatch(body, -1) {
		for _, member := range members {
			if member.User.ID != a.User.ID && mentions(m[2], member.User) && !slices.Contains(n.Mentions, member.User.ID) {
				n.Mentions = append(n.Mentions, member.User.ID)
			}
		}
	}
	if err := s.store.AddInboxNote(ctx, acc.Workspace.ID, n); err != nil {
		return p.InboxNote{}, err
	}
	s.audit(ctx, a, acc, p.AuditInboxNote, convID, n.ID)
	s.hub.Publish(acc.Workspace.ID)
	return n, nil
}

// mentions reports whether "@word" names u.
func mentions(word string, u p.User) bool {
	word = strings.ToLower(strings.TrimRight(word, ".,;:!?"))
	name := strings.ToLower(u.Name)
	local, _, _ := strings.Cut(strings.ToLower(u.Email), "@")
	first, _, _ := strings.Cut(name, " ")
	return word == local || (first != "" && word == first) || (name != "" && word == strings.ReplaceAll(name, " ", ""))
}

// Settings returns the workspace's inbox rules.
func (s *Service) Settings(ctx context.Context, acc workspace.Access) (p.InboxSettings, error) {
	if err := canView(acc); err != nil {
		return p.InboxSettings{}, err
	}
	return s.store.InboxSettings(ctx, acc.Workspace.ID)
}

// SaveSettings changes the inbox rules: the first-response target (in
// minutes, 0 for none), the brand's name and the replies' language.
func (s *Service) SaveSettings(ctx context.Context, a workspace.Actor, acc workspace.Access, set p.InboxSettings) (p.InboxSettings, error) {
	if !acc.Can(p.PermManageMembers) {
		return p.InboxSettings{}, p.Errorf(p.ECodeForbidden, "only owners and managers change the inbox's rules")
	}
	if set.ResponseTarget < 0 || set.ResponseTarget > 30*24*time.Hour {
		return p.InboxSettings{}, p.FieldError("response_minutes", "the first-response target is between 0 (none) and 43200 minutes (30 days)")
	}
	if set.Language != "" && set.Language != "it" && set.Language != "en" {
		return p.InboxSettings{}, p.FieldError("language", "the replies' language is it or en")
	}
	set.Brand = strings.TrimSpace(set.Brand)
	if len(set.Brand) > 200 {
		return p.InboxSettings{}, p.FieldError("brand", "the brand's name is at most 200 characters")
	}
	set.WorkspaceID, set.UpdatedAt = acc.Workspace.ID, s.now()
	if err := s.store.SaveInboxSettings(ctx, set); err != nil {
		return p.InboxSettings{}, err
	}
	return set, nil
}

func (s *Service) audit(ctx context.Context, a workspace.Actor, acc workspace.Access, action, target, detail string) {
	workspace.Record(ctx, s.store, s.log, s.now(), a, acc.Workspace.ID, action, target, detail)
}

// Changed returns the conversations changed after since and the latest
// change seen, for live pages. A responder learns only that something
// changed ("*"), not which conversations.
func (s *Service) Changed(ctx context.Context, acc workspace.Access, since time.Time) ([]string, time.Time, error) {
	if err := canView(acc); err != nil {
		return nil, since, err
	}
	ids, latest, err := s.store.ChangedConversations(ctx, acc.Workspace.ID, since)
	if err != nil || len(ids) == 0 || !mineOnly(acc) {
		return ids, latest, err
	}
	return []string{"*"}, latest, nil
}
