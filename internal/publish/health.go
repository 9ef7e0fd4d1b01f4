package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/provider"
)

// HealthStore is what the account check needs from the database.
type HealthStore interface {
	AllSocialAccounts(ctx context.Context) ([]p.SocialAccount, error)
	AccountWorks(ctx context.Context, id, displayName, avatarURL, profileURL string, at time.Time) error
	AccountExpired(ctx context.Context, id, detail string, n p.Notification, at time.Time) error
}

// AccountChecker verifies every connected account's access on a schedule,
// so that an expired token shows on the accounts page (and in an email)
// before a post fails, and refreshes names and avatars.
type AccountChecker struct {
	store      HealthStore
	secrets    Secrets
	publishers map[string]provider.Publisher
	every      time.Duration
	now        func() time.Time
	log        *slog.Logger
}

// NewAccountChecker returns a checker that runs every interval.
func NewAccountChecker(s HealthStore, sec Secrets, publishers []provider.Publisher, every time.Duration, log *slog.Logger) *AccountChecker {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &AccountChecker{store: s, secrets: sec, publishers: map[string]provider.Publisher{}, every: every, now: time.Now, log: log}
	for _, pub := range publishers {
		c.publishers[pub.Network()] = pub
	}
	return c
}

// Run checks the accounts now and then every interval until ctx ends.
func (c *AccountChecker) Run(ctx context.Context) {
	t := time.NewTicker(c.every)
	defer t.Stop()
	for {
		if err := c.CheckAll(ctx); err != nil && ctx.Err() == nil {
			c.log.Warn("accounts: cannot check", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// CheckAll verifies each account once.
func (c *AccountChecker) CheckAll(ctx context.Context) error {
	accounts, err := c.store.AllSocialAccounts(ctx)
	if err != nil {
		return err
	}
	for _, a := range accounts {
		if ctx.Err() != nil {
			return nil
		}
		if err := c.check(ctx, a); err != nil {
			c.log.Info("accounts: check failed", "account", a.ID, "err", err)
		}
	}
	return nil
}

func (c *AccountChecker) check(ctx context.Context, a p.SocialAccount) error {
	pub, ok := c.publishers[a.Network].(provider.Verifier)
	if !ok {
		return nil
	}
	pa, err := OpenAccount(ctx, c.secrets, a)
	if err != nil {
		return err
	}
	callCtx, cancel := context.WithTimeout(ctx, NetworkTimeout)
	defer cancel()
	profile, err := pub.Verify(callCtx, pa)
	now := c.now().UTC()
	var pe *provider.Error
	switch {
	case err == nil:
		return c.store.AccountWorks(ctx, a.ID, profile.DisplayName, profile.AvatarURL, profile.URL, now)
	case errors.As(err, &pe) && pe.Kind == provider.AuthExpired:
		if a.Status == p.AccountExpired {
			return nil
		}
		reason := orDefault(pe.Reason, "the network refused Portavoce's access")
		// Told once per change to expired: the key carries the moment the
		// account last changed.
		n := p.Notification{ID: uuid.Must(uuid.NewV7()).String(), WorkspaceID: a.WorkspaceID, Kind: p.NotifyReconnect,
			DeliveryID: fmt.Sprintf("account:%s:%d", a.ID, a.UpdatedAt.UnixMicro()), Account: a.Label(), Detail: reason, CreatedAt: now}
		return c.store.AccountExpired(ctx, a.ID, reason, n, now)
	}
	return err // the network is away: nothing to conclude
}
