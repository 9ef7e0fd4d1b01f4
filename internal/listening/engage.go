package listening

import (
	"context"
	"errors"
	"strings"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/publish"
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
		var pe *provider.Error
		if errors.As(err, &pe) {
			reason := pe.Reason
			if reason == "" {
				reason = string(pe.Kind)
			}
			return p.Errorf(p.ECodeConflict, "Bluesky did not do it: %s", reason)
		}
		return err
	}
	workspace.Record(ctx, s.store, s.log, s.now(), a, acc.Workspace.ID, p.AuditMentionEngaged, topicID+"/"+postID, action+" as "+account.Label())
	return nil
}
