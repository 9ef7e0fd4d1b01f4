// Package profileaudit checks how a brand shows itself on its social
// profiles (Mastodon and Bluesky): the same name, a bio within the
// network's limit, the logo as avatar on every network, a header, a link to
// the company's website, Mastodon's verified link and Bluesky's domain
// handle, and handles alike across networks. Each problem is a Finding
// with its message (and the format and arguments to translate it), the
// exact fix, and, when Portavoce can make the change itself, the
// profile.Update to preview and apply with the provider's UpdateProfile.
//
// The audit reads only what anyone can see: public profiles through the
// providers, and the avatars, the logo and the website through the
// SSRF-guarded client (netguard), because every address here comes from a
// user or from a network.
package profileaudit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/portavoce/portavoce/internal/presence/profile"
	"github.com/portavoce/portavoce/internal/provider"
)

// ProfileData is a public profile as a network shows it.
type ProfileData = profile.Data

// ProfileUpdate is a change to a profile that a fixable finding proposes.
type ProfileUpdate = profile.Update

// Field is one of a Mastodon profile's name–value pairs.
type Field = profile.Field

// ProfileRef names one of the brand's profiles: its network and either its
// public page (URL: "https://mastodon.social/@acme",
// "https://bsky.app/profile/acme.com") or its handle ("@acme@mastodon.social",
// "acme.bsky.social" or a DID).
type ProfileRef struct {
	Network string `json:"network"`
	URL     string `json:"url,omitempty"`
	Handle  string `json:"handle,omitempty"`
}

// String is how the reference reads in a message when the profile itself
// could not be read.
func (r ProfileRef) String() string {
	if r.Handle != "" {
		return r.Handle
	}
	return r.URL
}

// Brand is what the profiles should show: its name, its website (whose
// domain the links and Bluesky's handle should use), the address of its
// logo (PNG, JPEG, GIF or WebP; empty to only compare the avatars with
// each other) and its profiles.
type Brand struct {
	Name     string       `json:"name"`
	Website  string       `json:"website"`
	LogoURL  string       `json:"logo_url,omitempty"`
	Profiles []ProfileRef `json:"profiles"`
}

// MastodonReader reads public Mastodon profiles (mastodon.Client).
type MastodonReader interface {
	PublicProfile(ctx context.Context, instance, acct string) (ProfileData, error)
}

// BlueskyReader reads public Bluesky profiles (bluesky.Client, or a
// bluesky.Profiles with its own App View).
type BlueskyReader interface {
	PublicProfile(ctx context.Context, actor string) (ProfileData, error)
}

// DomainHandleChecker tells which Bluesky account a domain names as its
// handle, and how (bluesky.Client, bluesky.Profiles).
type DomainHandleChecker interface {
	DomainHandleStatus(ctx context.Context, domain string) (did, how string, err error)
}

// ProfileUpdater applies a ProfileUpdate to a connected account: the
// optional profile capability of a provider, found by type assertion
// (mastodon.Client and bluesky.Client have it).
type ProfileUpdater interface {
	UpdateProfile(ctx context.Context, a provider.Account, u ProfileUpdate) error
}

// Deps are what the audit reads with. A network without its reader is
// not audited (an error when the brand has a profile there); Handles may
// be nil to skip the Bluesky domain-handle check.
type Deps struct {
	Mastodon MastodonReader
	Bluesky  BlueskyReader
	Handles  DomainHandleChecker
	// HTTP fetches avatars, the logo and the brand's pages: the
	// netguard client in production.
	HTTP *http.Client
}

// Severities, from the most serious.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
	SeverityNotice  = "notice"
)

// Check ids, one per kind of finding.
const (
	CheckProfileNotFound        = "profile-not-found"
	CheckProfileUnreadable      = "profile-unreadable"
	CheckDisplayNameMissing     = "display-name-missing"
	CheckDisplayNameMismatch    = "display-name-mismatch"
	CheckBioMissing             = "bio-missing"
	CheckBioTooLong             = "bio-too-long"
	CheckAvatarMissing          = "avatar-missing"
	CheckAvatarNotLogo          = "avatar-not-logo"
	CheckAvatarInconsistent     = "avatar-inconsistent"
	CheckImageUnreadable        = "image-unreadable"
	CheckHeaderMissing          = "header-missing"
	CheckWebsiteLinkMissing     = "website-link-missing"
	CheckMastodonLinkUnverified = "mastodon-link-unverified"
	CheckBlueskyDomainHandle    = "bluesky-domain-handle"
	CheckHandleInconsistent     = "handle-inconsistent"
)

// Finding is one problem with the brand's profiles.
type Finding struct {
	// Check is the check's id (Check… constants).
	Check    string `json:"check"`
	Severity string `json:"severity"`
	// Impact is what the finding takes off the score of 100.
	Impact int `json:"impact"`
	// Network and Profile name the profile concerned (its handle, as
	// read); both are empty for a finding about several profiles.
	Network string `json:"network,omitempty"`
	Profile string `json:"profile,omitempty"`
	// Message is the finding in English: fmt.Sprintf(Format, Args...).
	// Translations use Format as the key and the same Args.
	Message string `json:"message"`
	Format  string `json:"format"`
	Args    []any  `json:"args,omitempty"`
	// Fix is what to do, in English, exactly: fmt.Sprintf(FixFormat,
	// FixArgs...).
	Fix       string `json:"fix"`
	FixFormat string `json:"fix_format"`
	FixArgs   []any  `json:"fix_args,omitempty"`
	// Fixable is set when Portavoce can make the change itself: Update
	// is then the change, to preview and to apply to the account with
	// Apply.
	Fixable bool           `json:"fixable"`
	Update  *ProfileUpdate `json:"update,omitempty"`
}

// Report is the audit's result.
type Report struct {
	// Score is 100 less the findings' impacts, at least 0.
	Score int `json:"score"`
	// Profiles are the profiles as read, in the brand's order (those
	// that could not be read are missing).
	Profiles []ProfileData `json:"profiles"`
	// Findings are sorted by severity, then impact.
	Findings []Finding `json:"findings"`
}

// Audit reads the brand's profiles and checks them. A profile that cannot
// be read is a finding, not an error; errors are a brand naming no
// profile or a network without its reader in deps, and the context's end.
func Audit(ctx context.Context, deps Deps, b Brand) (Report, error) {
	if len(b.Profiles) == 0 {
		return Report{}, errors.New("profileaudit: the brand names no profile to audit")
	}
	for _, r := range b.Profiles {
		switch {
		case r.Network == provider.Mastodon && deps.Mastodon == nil,
			r.Network == provider.Bluesky && deps.Bluesky == nil:
			return Report{}, fmt.Errorf("profileaudit: no reader for %s profiles", r.Network)
		case r.Network != provider.Mastodon && r.Network != provider.Bluesky:
			return Report{}, fmt.Errorf("profileaudit: %q profiles cannot be audited", r.Network)
		}
	}
	if deps.HTTP == nil {
		return Report{}, errors.New("profileaudit: no HTTP client for images and websites")
	}
	a := &auditor{deps: deps, brand: b, site: parseSite(b.Website)}
	if err := a.read(ctx); err != nil {
		return Report{}, err
	}
	for _, p := range a.profiles {
		a.checkDisplayName(p)
		a.checkBio(p)
		a.checkHeader(p)
		a.checkWebsite(p)
	}
	if err := a.checkAvatars(ctx); err != nil {
		return Report{}, err
	}
	if err := a.checkMastodonVerification(ctx); err != nil {
		return Report{}, err
	}
	if err := a.checkDomainHandle(ctx); err != nil {
		return Report{}, err
	}
	a.checkHandles()

	rep := Report{Score: 100, Findings: a.findings}
	for _, p := range a.profiles {
		rep.Profiles = append(rep.Profiles, p.ProfileData)
	}
	for _, f := range rep.Findings {
		rep.Score -= f.Impact
	}
	rep.Score = max(rep.Score, 0)
	rank := map[string]int{SeverityError: 0, SeverityWarning: 1, SeverityNotice: 2}
	slices.SortStableFunc(rep.Findings, func(x, y Finding) int {
		return cmp.Or(cmp.Compare(rank[x.Severity], rank[y.Severity]), cmp.Compare(y.Impact, x.Impact))
	})
	return rep, ctx.Err()
}

// ErrNotFixable is Apply's answer for a finding Portavoce cannot fix.
var ErrNotFixable = errors.New("profileaudit: Portavoce cannot fix this finding itself")

// Apply makes a fixable finding's change on the connected account a, which
// must be the finding's profile, with the provider's UpdateProfile. The
// provider's typed errors come back as they are (profile.ErrChanged when
// the Bluesky profile changed since the audit: audit again).
func Apply(ctx context.Context, u ProfileUpdater, a provider.Account, f Finding) error {
	if !f.Fixable || f.Update == nil || f.Update.Empty() {
		return fmt.Errorf("%w: %s", ErrNotFixable, f.Check)
	}
	if err := u.UpdateProfile(ctx, a, *f.Update); err != nil {
		return fmt.Errorf("profileaudit: applying the fix for %s: %w", f.Check, err)
	}
	return nil
}
