// Package publish is Portavoce's publishing: connecting network accounts,
// composing and validating posts the way each network counts, scheduling
// them in the workspace's time zone (or in an account's queue), and the
// dispatcher that publishes each post exactly once per account.
package publish

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/workspace"
)

// Store is what the publishing service needs from the database.
type Store interface {
	QueueStore
	SocialAccounts(ctx context.Context, workspaceID string, disconnected bool) ([]p.SocialAccount, error)
	SocialAccount(ctx context.Context, workspaceID, id string) (p.SocialAccount, error)
	SocialAccountsByID(ctx context.Context, workspaceID string, ids []string) ([]p.SocialAccount, error)
	MediaInfo(ctx context.Context, workspaceID string, ids []string) (map[string]p.Media, error)
	CreatePost(ctx context.Context, post p.Post) error
	ScheduleDraft(ctx context.Context, post p.Post) error
	UpdateDraft(ctx context.Context, workspaceID, id string, content p.PostContent, at time.Time) error
	Post(ctx context.Context, workspaceID, id string) (p.Post, error)
	Posts(ctx context.Context, workspaceID string, f store.PostFilter) ([]p.Post, error)
	ReschedulePost(ctx context.Context, workspaceID, id string, at, now time.Time) error
	CancelPost(ctx context.Context, workspaceID, id string, now time.Time) error
	ResolveDelivery(ctx context.Context, workspaceID, postID, deliveryID, action, by string, now time.Time) error
	QueueSlots(ctx context.Context, workspaceID string) ([]p.QueueSlot, error)
	SetQueueSlots(ctx context.Context, accountID string, slots []p.QueueSlot) error
	Notifications(ctx context.Context, workspaceID string, limit int) ([]p.Notification, error)
	AddAudit(ctx context.Context, e p.AuditEntry) error
}

// Service composes and schedules posts.
type Service struct {
	store      Store
	publishers map[string]provider.Publisher
	now        func() time.Time
	log        *slog.Logger
	// wake tells the local dispatcher that something is due now.
	wake func()
}

// New returns the publishing service. wake (may be nil) is called when a
// post is due at once.
func New(s Store, publishers []provider.Publisher, wake func(), now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if wake == nil {
		wake = func() {}
	}
	svc := &Service{store: s, publishers: map[string]provider.Publisher{}, now: func() time.Time { return now().UTC() }, log: log, wake: wake}
	for _, pub := range publishers {
		svc.publishers[pub.Network()] = pub
	}
	return svc
}

// When says when a post goes out.
type When struct {
	// Mode is "draft" (not scheduled), "now", "at" (Date and Time in the
	// workspace's time zone) or "queue" (each account's next free slot).
	Mode string `json:"mode"`
	Date string `json:"date,omitempty"`
	Time string `json:"time,omitempty"`
}

// Draft is a post as composed: content and target accounts.
type Draft struct {
	Content  p.PostContent `json:"content"`
	Accounts []string      `json:"accounts"`
}

// ValidationError carries a post's blocking problems, each naming the
// network, the part and what to do.
type ValidationError struct {
	Report Report
}

func (e *ValidationError) Error() string {
	msgs := make([]string, 0)
	for _, pr := range e.Report.Problems() {
		msgs = append(msgs, pr.Message)
	}
	return "the post cannot be published as it is: " + strings.Join(msgs, "; ")
}

// Check validates a draft for its accounts without saving anything: the
// composer's live counters.
func (s *Service) Check(ctx context.Context, acc workspace.Access, d Draft) (Report, error) {
	accounts, err := s.accountsFor(ctx, acc.Workspace.ID, d.Accounts)
	if err != nil {
		return Report{}, err
	}
	media, err := s.store.MediaInfo(ctx, acc.Workspace.ID, mediaIDs(d.Content))
	if err != nil {
		return Report{}, err
	}
	return Validate(d.Content, accounts, media), nil
}

func mediaIDs(c p.PostContent) []string {
	var ids []string
	add := func(parts []p.PostPart) {
		for _, part := range parts {
			for _, m := range part.Media {
				ids = append(ids, m.MediaID)
			}
		}
	}
	add(c.Parts)
	for _, v := range c.Variants {
		add(v)
	}
	return ids
}

// accountsFor loads the workspace's accounts by id, refusing unknown ones.
func (s *Service) accountsFor(ctx context.Context, workspaceID string, ids []string) ([]p.SocialAccount, error) {
	all, err := s.store.SocialAccountsByID(ctx, workspaceID, ids)
	if err != nil {
		return nil, err
	}
	var out []p.SocialAccount
	for _, id := range ids {
		i := slices.IndexFunc(all, func(a p.SocialAccount) bool { return a.ID == id })
		if i < 0 {
			return nil, p.FieldError("accounts", "account %s is not connected to this workspace: reload the page", id)
		}
		if !slices.ContainsFunc(out, func(a p.SocialAccount) bool { return a.ID == id }) {
			out = append(out, all[i])
		}
	}
	return out, nil
}

// Create saves a post: as a draft, or scheduled (now, at a time, or in the
// queue) with one delivery per account. Scheduling needs the right to
// publish and a post that passes validation for every account.
func (s *Service) Create(ctx context.Context, a workspace.Actor, acc workspace.Access, d Draft, w When) (p.Post, error) {
	d.Content.Reply = nil // replies come from the inbox (Reply), which checks the conversation
	return s.create(ctx, a, acc, d, w)
}

// Reply publishes an answer from the inbox at once: one post to the
// account the conversation is on, answering target, with the delivery
// guarantees of every post (keys chosen before the first attempt, an
// unknown outcome checked before any repeat). The caller has checked that
// the conversation is the actor's to answer.
func (s *Service) Reply(ctx context.Context, a workspace.Actor, acc workspace.Access, accountID, text string, target p.ReplyTarget) (p.Post, error) {
	if !acc.Can(p.PermReplyInbox) {
		return p.Post{}, p.Errorf(p.ECodeForbidden, "your role cannot answer conversations")
	}
	if strings.TrimSpace(text) == "" {
		return p.Post{}, p.FieldError("text", "write the reply first")
	}
	d := Draft{Accounts: []string{accountID}, Content: p.PostContent{Parts: []p.PostPart{{Text: text}}, Reply: &target}}
	return s.create(ctx, a, acc, d, When{Mode: "now"})
}

func (s *Service) create(ctx context.Context, a workspace.Actor, acc workspace.Access, d Draft, w When) (p.Post, error) {
	now := s.now()
	post := p.Post{ID: uuid.Must(uuid.NewV7()).String(), WorkspaceID: acc.Workspace.ID, CreatedBy: a.User.ID,
		State: p.PostDraft, CreatedAt: now, UpdatedAt: now}
	if err := s.plan(ctx, acc, &post, d, w); err != nil {
		return p.Post{}, err
	}
	if err := s.store.CreatePost(ctx, post); err != nil {
		return p.Post{}, err
	}
	s.scheduled(ctx, a, acc, post, w)
	return post, nil
}

// Schedule turns a saved draft into a scheduled post.
func (s *Service) Schedule(ctx context.Context, a workspace.Actor, acc workspace.Access, id string, d Draft, w When) (p.Post, error) {
	d.Content.Reply = nil
	post, err := s.store.Post(ctx, acc.Workspace.ID, id)
	if err != nil {
		return p.Post{}, err
	}
	if post.State != p.PostDraft {
		return p.Post{}, p.Errorf(p.ECodeConflict, "this post is no longer a draft: reload the page")
	}
	post.UpdatedAt = s.now()
	if err := s.plan(ctx, acc, &post, d, w); err != nil {
		return p.Post{}, err
	}
	if post.State == p.PostDraft {
		err = s.store.UpdateDraft(ctx, acc.Workspace.ID, id, post.Content, post.UpdatedAt)
	} else {
		err = s.store.ScheduleDraft(ctx, post)
	}
	if err != nil {
		return p.Post{}, err
	}
	s.scheduled(ctx, a, acc, post, w)
	return post, nil
}

func (s *Service) scheduled(ctx context.Context, a workspace.Actor, acc workspace.Access, post p.Post, w When) {
	if post.State != p.PostScheduled {
		return
	}
	s.audit(ctx, a, acc.Workspace.ID, p.AuditPostScheduled, post.ID, w.Mode)
	if w.Mode == "now" || !post.ScheduledAt.After(s.now().Add(5*time.Second)) {
		s.wake()
	}
}

// plan validates d and fills the post's content, state, time and
// deliveries according to w.
func (s *Service) plan(ctx context.Context, acc workspace.Access, post *p.Post, d Draft, w When) error {
	if w.Mode == "" {
		w.Mode = "draft"
	}
	reply := d.Content.Reply
	if w.Mode != "draft" && !acc.Can(p.PermPublishPosts) && (reply == nil || !acc.Can(p.PermReplyInbox)) {
		return p.Errorf(p.ECodeForbidden, "your role can save drafts but not schedule or publish: save it as a draft for a manager to schedule")
	}
	d.Content.Accounts = nil
	post.Content = d.Content
	post.Content.Reply = reply
	post.Content.Accounts = d.Accounts
	trimVariants(&post.Content)
	accounts, err := s.accountsFor(ctx, acc.Workspace.ID, d.Accounts)
	if err != nil {
		return err
	}
	if w.Mode == "draft" {
		if len(post.Content.Parts) == 0 {
			post.Content.Parts = []p.PostPart{{}}
		}
		return nil
	}
	if len(accounts) == 0 {
		return p.FieldError("accounts", "choose at least one account to publish to")
	}
	media, err := s.store.MediaInfo(ctx, acc.Workspace.ID, mediaIDs(post.Content))
	if err != nil {
		return err
	}
	if r := Validate(post.Content, accounts, media); !r.OK() {
		return &ValidationError{Report: r}
	}
	loc := Zone(acc.Workspace.Timezone)
	now := s.now()
	times := map[string]time.Time{}
	switch w.Mode {
	case "now":
		for _, a := range accounts {
			times[a.ID] = now
		}
	case "at":
		at, _, err := LocalTime(w.Date, w.Time, loc)
		if err != nil {
			return err
		}
		if at.Before(now.Add(-time.Minute)) {
			return p.FieldError("time", "%s %s is in the past (it is now %s in %s): choose a later time or publish now",
				w.Date, w.Time, now.In(loc).Format("2006-01-02 15:04"), loc.String())
		}
		for _, a := range accounts {
			times[a.ID] = at
		}
	case "queue":
		slots, err := s.store.QueueSlots(ctx, acc.Workspace.ID)
		if err != nil {
			return err
		}
		for _, a := range accounts {
			at, err := NextSlot(ctx, s.store, a.ID, slots, loc, now)
			if err != nil {
				return queueError(a, err)
			}
			times[a.ID] = at
		}
	default:
		return p.FieldError("mode", "choose when to publish: draft, now, at or queue")
	}
	post.State = p.PostScheduled
	post.ScheduledAt = time.Time{}
	for _, a := range accounts {
		pub, ok := s.publishers[a.Network]
		if !ok {
			return p.FieldError("accounts", "this version of Portavoce cannot publish to %s", p.NetworkName(a.Network))
		}
		at := times[a.ID]
		if post.ScheduledAt.IsZero() || at.Before(post.ScheduledAt) {
			post.ScheduledAt = at
		}
		post.Deliveries = append(post.Deliveries, p.Delivery{ID: uuid.Must(uuid.NewV7()).String(), PostID: post.ID,
			WorkspaceID: acc.Workspace.ID, AccountID: a.ID, Status: p.DeliveryScheduled, DueAt: at, NextAt: at,
			Keys: pub.NewKeys(len(post.Content.PartsFor(a.ID))), UpdatedAt: now})
	}
	return nil
}

// trimVariants drops empty variants (the account uses the common text).
func trimVariants(c *p.PostContent) {
	for id, v := range c.Variants {
		if len(v) == 0 || (len(v) == 1 && strings.TrimSpace(v[0].Text) == "" && len(v[0].Media) == 0) ||
			!slices.Contains(c.Accounts, id) {
			delete(c.Variants, id)
		}
	}
	if len(c.Variants) == 0 {
		c.Variants = nil
	}
}

// Post returns one post with its deliveries.
func (s *Service) Post(ctx context.Context, acc workspace.Access, id string) (p.Post, error) {
	return s.store.Post(ctx, acc.Workspace.ID, id)
}

// Posts lists posts scheduled in [from, to), or drafts.
func (s *Service) Posts(ctx context.Context, acc workspace.Access, f store.PostFilter) ([]p.Post, error) {
	return s.store.Posts(ctx, acc.Workspace.ID, f)
}

// Reschedule moves a post that has not gone out to a new date and time in
// the workspace's time zone.
func (s *Service) Reschedule(ctx context.Context, a workspace.Actor, acc workspace.Access, id, date, clock string) (p.Post, error) {
	at, _, err := LocalTime(date, clock, Zone(acc.Workspace.Timezone))
	if err != nil {
		return p.Post{}, err
	}
	now := s.now()
	if at.Before(now.Add(-time.Minute)) {
		return p.Post{}, p.FieldError("time", "%s %s is in the past: choose a later time or publish now", date, clock)
	}
	if err := s.store.ReschedulePost(ctx, acc.Workspace.ID, id, at, now); err != nil {
		return p.Post{}, err
	}
	s.audit(ctx, a, acc.Workspace.ID, p.AuditPostRescheduled, id, at.In(Zone(acc.Workspace.Timezone)).Format("2006-01-02 15:04 MST"))
	if !at.After(now.Add(5 * time.Second)) {
		s.wake()
	}
	return s.store.Post(ctx, acc.Workspace.ID, id)
}

// Cancel stops a post that has not gone out.
func (s *Service) Cancel(ctx context.Context, a workspace.Actor, acc workspace.Access, id string) (p.Post, error) {
	if err := s.store.CancelPost(ctx, acc.Workspace.ID, id, s.now()); err != nil {
		return p.Post{}, err
	}
	s.audit(ctx, a, acc.Workspace.ID, p.AuditPostCancelled, id, "")
	return s.store.Post(ctx, acc.Workspace.ID, id)
}

// Resolve settles a delivery Portavoce could not check, as the person who
// looked at the network says: "published" or "retry".
func (s *Service) Resolve(ctx context.Context, a workspace.Actor, acc workspace.Access, postID, deliveryID, action string) (p.Post, error) {
	if err := s.store.ResolveDelivery(ctx, acc.Workspace.ID, postID, deliveryID, action, a.User.Email, s.now()); err != nil {
		return p.Post{}, err
	}
	s.audit(ctx, a, acc.Workspace.ID, p.AuditPostResolved, postID, action)
	if action == "retry" {
		s.wake()
	}
	return s.store.Post(ctx, acc.Workspace.ID, postID)
}

// Duplicate copies a post's content and accounts into a new draft.
func (s *Service) Duplicate(ctx context.Context, a workspace.Actor, acc workspace.Access, id string) (p.Post, error) {
	orig, err := s.store.Post(ctx, acc.Workspace.ID, id)
	if err != nil {
		return p.Post{}, err
	}
	accounts := orig.Content.Accounts
	if len(accounts) == 0 {
		for _, d := range orig.Deliveries {
			accounts = append(accounts, d.AccountID)
		}
	}
	// Accounts disconnected since are dropped from the copy.
	all, err := s.store.SocialAccounts(ctx, acc.Workspace.ID, false)
	if err != nil {
		return p.Post{}, err
	}
	accounts = slices.DeleteFunc(slices.Clone(accounts), func(id string) bool {
		return !slices.ContainsFunc(all, func(x p.SocialAccount) bool { return x.ID == id })
	})
	return s.Create(ctx, a, acc, Draft{Content: orig.Content, Accounts: accounts}, When{Mode: "draft"})
}

// Accounts lists the workspace's connected accounts.
func (s *Service) Accounts(ctx context.Context, acc workspace.Access) ([]p.SocialAccount, error) {
	list, err := s.store.SocialAccounts(ctx, acc.Workspace.ID, false)
	// A rate limit that has passed is no longer news.
	for i, a := range list {
		if a.Status == p.AccountRateLimited && a.RateLimited.Before(s.now()) {
			list[i].Status, list[i].Detail, list[i].RateLimited = p.AccountOK, "", time.Time{}
		}
	}
	return list, err
}

// KnownAccounts lists every account the workspace has had, disconnected
// ones included, to name them in the history of posts.
func (s *Service) KnownAccounts(ctx context.Context, acc workspace.Access) ([]p.SocialAccount, error) {
	return s.store.SocialAccounts(ctx, acc.Workspace.ID, true)
}

// QueueSlots returns the workspace's weekly queue times.
func (s *Service) QueueSlots(ctx context.Context, acc workspace.Access) ([]p.QueueSlot, error) {
	return s.store.QueueSlots(ctx, acc.Workspace.ID)
}

// SetQueueSlots replaces an account's weekly queue times.
func (s *Service) SetQueueSlots(ctx context.Context, acc workspace.Access, accountID string, slots []p.QueueSlot) error {
	if _, err := s.store.SocialAccount(ctx, acc.Workspace.ID, accountID); err != nil {
		return err
	}
	for i := range slots {
		slots[i].AccountID = accountID
		if slots[i].Weekday < 0 || slots[i].Weekday > 6 || slots[i].Minute < 0 || slots[i].Minute >= 24*60 {
			return p.FieldError("slots", "a queue time needs a weekday from 0 (Sunday) to 6 and a time of day")
		}
	}
	return s.store.SetQueueSlots(ctx, accountID, slots)
}

// Notifications lists the workspace's latest notifications.
func (s *Service) Notifications(ctx context.Context, acc workspace.Access, limit int) ([]p.Notification, error) {
	return s.store.Notifications(ctx, acc.Workspace.ID, limit)
}

func (s *Service) audit(ctx context.Context, a workspace.Actor, workspaceID, action, target, detail string) {
	workspace.Record(ctx, s.store, s.log, s.now(), a, workspaceID, action, target, detail)
}

// queueError names the account in a queue's refusal.
func queueError(a p.SocialAccount, err error) error {
	var pe *p.Error
	if !errors.As(err, &pe) {
		return err
	}
	if pe.Code == p.ECodeConflict {
		return p.Errorf(pe.Code, "every queue time of %s is taken for the next %d weeks: add queue times or pick a date", a.Label(), pe.Args[0])
	}
	return p.Errorf(pe.Code, "%s has no queue times yet: add them on the accounts page, or pick a date and time", a.Label())
}
