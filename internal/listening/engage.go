package listening

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/workspace"
)

// Publisher is what engaging with a mention needs from publishing: the
// workspace's connected accounts and answers published as posts.
type Publisher interface {
	Accounts(ctx context.Context, acc workspace.Access) ([]p.SocialAccount, error)
	Reply(ctx context.Context, a workspace.Actor, acc workspace.Access, accountID, text string, target p.ReplyTarget) (p.Post, error)
}

// Bluesky likes and reposts Bluesky posts and finds what an answer to one
// needs (the bluesky client).
type Bluesky interface {
	Act(ctx context.Context, a provider.Account, action provider.Action, target provider.ReplyTo) error
	ReplyTarget(ctx context.Context, a provider.Account, uri string) (provider.ReplyTo, error)
}

// engager is what Engage works with, set by SetEngager.
type engager struct {
	pub     Publisher
	secrets publish.Secrets
	sky     Bluesky
}

// SetEngager lets people who may publish like, repost and answer Bluesky
// mentions through the workspace's connected Bluesky accounts.
func (s *Service) SetEngager(pub Publisher, secrets publish.Secrets, sky Bluesky) {
	s.engager = &engager{pub: pub, secrets: secrets, sky: sky}
}

// Engagement actions on a mention.
const (
	EngageLike   = "like"
	EngageRepost = "repost"
	EngageReply  = "reply"
)

// BlueskyAccounts lists the workspace's connected Bluesky accounts, those
// Engage may act through; none when the caller may not publish.
func (s *Service) BlueskyAccounts(ctx context.Context, acc workspace.Access) ([]p.SocialAccount, error) {
	if s.engager == nil || !acc.Can(p.PermPublishPosts) {
		return nil, nil
	}
	all, err := s.engager.pub.Accounts(ctx, acc)
	if err != nil {
		return nil, err
	}
	var out []p.SocialAccount
	for _, a := range all {
		if a.Network == provider.Bluesky {
			out = append(out, a)
		}
	}
	return out, nil
}

// Engage likes, reposts or answers (with text) the Bluesky mention postID
// of topicID through the workspace's Bluesky account accountID. Likes and
// reposts are done at once and may be repeated; an answer is published as
// a post, delivered exactly once.
func (s *Service) Engage(ctx context.Context, a workspace.Actor, acc workspace.Access, topicID, postID, accountID, action, text string) error {
	if !acc.Can(p.PermPublishPosts) {
		return p.Errorf(p.ECodeForbidden, "your role cannot publish: only those who may publish like, repost or answer mentions")
	}
	if s.engager == nil {
		return p.Errorf(p.ECodeConflict, "this server cannot act on mentions")
	}
	if action != EngageLike && action != EngageRepost && action != EngageReply {
		return p.FieldError("action", "choose like, repost or reply")
	}
	if action == EngageReply && strings.TrimSpace(text) == "" {
		return p.FieldError("text", "write the reply first")
	}
	found, err := s.store.MentionsByID(ctx, acc.Workspace.ID, topicID, []string{postID})
	if err != nil {
		return err
	}
	if len(found) == 0 {
		return p.ErrNotFound
	}
	m := found[0]
	if m.Source != provider.Bluesky || m.RemoteID == "" {
		return p.Errorf(p.ECodeInvalid, "only Bluesky mentions can be liked, reposted or answered from here: open the post on its site")
	}
	accounts, err := s.BlueskyAccounts(ctx, acc)
	if err != nil {
		return err
	}
	var account p.SocialAccount
	for _, sa := range accounts {
		if sa.ID == accountID {
			account = sa
		}
	}
	if account.ID == "" {
		if len(accounts) == 0 {
			return p.Errorf(p.ECodeConflict, "connect a Bluesky account to the workspace first")
		}
		return p.FieldError("account", "choose one of the workspace's Bluesky accounts")
	}
	pa, err := publish.OpenAccount(ctx, s.engager.secrets, account)
	if err != nil {
		return err
	}
	callCtx, cancel := context.WithTimeout(ctx, publish.NetworkTimeout)
	defer cancel()
	switch action {
	case EngageLike, EngageRepost:
		err = s.engager.sky.Act(callCtx, pa, provider.Action(action), provider.ReplyTo{RemoteID: m.RemoteID})
	default:
		var t provider.ReplyTo
		if t, err = s.engager.sky.ReplyTarget(callCtx, pa, m.RemoteID); err == nil {
			_, err = s.engager.pub.Reply(ctx, a, acc, account.ID, text,
				p.ReplyTarget{RemoteID: t.RemoteID, CID: t.CID, RootID: t.RootID, RootCID: t.RootCID})
		}
	}
	if err != nil {
		return publish.Refused(provider.Bluesky, err)
	}
	workspace.Record(ctx, s.store, s.log, s.now(), a, acc.Workspace.ID, p.AuditMentionEngaged, topicID+"/"+postID, action+" as "+account.Label())
	return nil
}

// InboxStore is what handing a lead to a colleague needs: the inbox's
// store (a conversation made from the post, assigned, the colleague
// emailed).
type InboxStore interface {
	Ingest(ctx context.Context, acc p.SocialAccount, arrivals []store.Arrival, cursor string, now time.Time) ([]string, error)
	AssignConversation(ctx context.Context, workspaceID, id, userID, by string, now time.Time) error
	Members(ctx context.Context, workspaceID string) ([]p.Member, error)
	InboxAccounts(ctx context.Context, workspaceID string) (map[string]p.AccountInbox, error)
}

// SetInbox lets leads be handed to a colleague as inbox conversations.
func (s *Service) SetInbox(st InboxStore) { s.inbox = st }

// HandOver turns a Bluesky lead into a conversation of the unified inbox
// on the workspace's Bluesky account accountID, assigned to the colleague
// assignee (a sales colleague with the responder role sees it, and is
// emailed), who answers it from there.
func (s *Service) HandOver(ctx context.Context, a workspace.Actor, acc workspace.Access, topicID, postID, accountID, assignee string) (string, error) {
	if !acc.Can(p.PermViewInboxAll) || !acc.Can(p.PermViewListening) {
		return "", p.Errorf(p.ECodeForbidden, "your role cannot hand leads to colleagues")
	}
	if s.engager == nil || s.inbox == nil {
		return "", p.Errorf(p.ECodeConflict, "this server cannot hand leads to the inbox")
	}
	found, err := s.store.MentionsByID(ctx, acc.Workspace.ID, topicID, []string{postID})
	if err != nil {
		return "", err
	}
	if len(found) == 0 {
		return "", p.ErrNotFound
	}
	m := found[0]
	if m.Source != provider.Bluesky || m.RemoteID == "" {
		return "", p.Errorf(p.ECodeInvalid, "only Bluesky mentions can be handed to the inbox: open the post on its site")
	}
	members, err := s.inbox.Members(ctx, acc.Workspace.ID)
	if err != nil {
		return "", err
	}
	known := false
	for _, mb := range members {
		known = known || (mb.User.ID == assignee && mb.Role.Can(p.PermViewInboxMine))
	}
	if !known {
		return "", p.FieldError("assignee", "choose a colleague who answers conversations")
	}
	all, err := s.engager.pub.Accounts(ctx, acc)
	if err != nil {
		return "", err
	}
	var account p.SocialAccount
	for _, sa := range all {
		if sa.ID == accountID && sa.Network == provider.Bluesky {
			account = sa
		}
	}
	if account.ID == "" {
		return "", p.FieldError("account", "choose one of the workspace's Bluesky accounts")
	}
	pa, err := publish.OpenAccount(ctx, s.engager.secrets, account)
	if err != nil {
		return "", err
	}
	callCtx, cancel := context.WithTimeout(ctx, publish.NetworkTimeout)
	defer cancel()
	t, err := s.engager.sky.ReplyTarget(callCtx, pa, m.RemoteID)
	if err != nil {
		return "", publish.Refused(provider.Bluesky, err)
	}
	reply, _ := json.Marshal(t)
	now := s.now()
	item := p.InboxItem{RemoteID: m.RemoteID, Kind: provider.ItemMention, Author: p.Person{RemoteID: m.Author, Handle: m.Author,
		Name: m.AuthorName, URL: "https://bsky.app/profile/" + m.Author, Followers: m.Reach}, Text: m.Text, URL: m.URL, Language: m.Lang,
		Sentiment: m.Sentiment, Reply: string(reply), CreatedAt: m.CreatedAt}
	// The account's inbox cursor stays where it is.
	cursors, err := s.inbox.InboxAccounts(ctx, acc.Workspace.ID)
	if err != nil {
		return "", err
	}
	changed, err := s.inbox.Ingest(ctx, account, []store.Arrival{{Thread: t.RootID, Item: item}}, cursors[account.ID].Cursor, now)
	if err != nil {
		return "", err
	}
	if len(changed) == 0 {
		return "", p.Errorf(p.ECodeConflict, "this post is already in the inbox")
	}
	if err := s.inbox.AssignConversation(ctx, acc.Workspace.ID, changed[0], assignee, a.User.ID, now); err != nil {
		return "", err
	}
	workspace.Record(ctx, s.store, s.log, now, a, acc.Workspace.ID, p.AuditMentionEngaged, topicID+"/"+postID, "handed to the inbox")
	return changed[0], nil
}
