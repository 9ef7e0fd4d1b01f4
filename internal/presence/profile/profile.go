// Package profile holds what Portavoce reads and writes of a brand's
// profile on a social network: the public profile as anyone sees it (Data)
// and a change to make to it (Update).
//
// It is the neutral ground between the providers, which read and write
// profiles (mastodon, bluesky), and the presence audit (profileaudit),
// which judges them and proposes fixes: both import it, neither imports the
// other.
package profile

import (
	"errors"
	"time"

	"github.com/portavoce/portavoce/internal/provider"
)

// ErrNotFound is matched (errors.Is) by the error of a read for a profile
// the network does not know: a typo in the handle, a deleted account, or a
// Mastodon account the instance never saw.
var ErrNotFound = errors.New("profile: no such profile")

// ErrChanged is matched by the error of an update refused because the
// profile changed since it was read (Bluesky's swapRecord): someone edited
// it meanwhile, and nothing was overwritten. Read it again and re-apply.
var ErrChanged = errors.New("profile: the profile changed since it was read")

// Field is one of a Mastodon profile's name–value pairs ("Website",
// "https://example.com").
type Field struct {
	Name string `json:"name"`
	// Value is the text as the owner typed it (a link is its URL).
	Value string `json:"value"`
	// VerifiedAt is when the instance last confirmed that the page Value
	// links to links back to the profile with rel="me"; zero when it has
	// not.
	VerifiedAt time.Time `json:"verified_at,omitzero"`
}

// Verified reports whether the instance confirmed the link.
func (f Field) Verified() bool { return !f.VerifiedAt.IsZero() }

// Data is a profile as its network shows it to anyone, without logging in.
type Data struct {
	// Network is provider.Mastodon or provider.Bluesky.
	Network string `json:"network"`
	// Handle is how people name the account: "@brand@mastodon.social",
	// "brand.bsky.social" (Bluesky handles carry no "@").
	Handle string `json:"handle"`
	// ID is the network's id: Mastodon's account id, Bluesky's DID.
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	// Bio is the profile's description as plain text (Mastodon's HTML
	// note turned back into text, links written out in full).
	Bio string `json:"bio"`
	// AvatarURL and HeaderURL are the images' addresses; empty when the
	// profile has none.
	AvatarURL string `json:"avatar_url,omitempty"`
	HeaderURL string `json:"header_url,omitempty"`
	// DefaultAvatar and DefaultHeader are set when the network shows its
	// placeholder (Mastodon's "missing.png") or nothing at all.
	DefaultAvatar bool `json:"default_avatar,omitempty"`
	DefaultHeader bool `json:"default_header,omitempty"`
	// Website is the profile's own website entry: Bluesky's website
	// field, or Mastodon's first field holding a web address (a verified
	// one first). Links in Bio are not copied here.
	Website string `json:"website,omitempty"`
	// Fields are Mastodon's name–value pairs, nil on Bluesky.
	Fields []Field `json:"fields,omitempty"`
	// URL is the profile's public page.
	URL string `json:"url"`
}

// Update is a change to a profile: only what is set changes, everything
// else is kept as it is. The presence audit proposes one for each finding
// Portavoce can fix, to be shown (a preview) and applied with the
// provider's UpdateProfile.
type Update struct {
	// DisplayName and Bio replace the profile's, when not nil (an empty
	// string clears them).
	DisplayName *string `json:"display_name,omitempty"`
	Bio         *string `json:"bio,omitempty"`
	// Fields are Mastodon fields to set, matched by name without regard to
	// case: a field with the same name gets the new name and value, any
	// other is added after the existing ones, which are kept as their
	// owner wrote them. A Field with an empty Value removes the field of
	// that name. Bluesky has no fields and ignores them.
	Fields []Field `json:"fields,omitempty"`
	// Website sets Bluesky's website field; on Mastodon it sets the field
	// named "Website", as Fields would.
	Website *string `json:"website,omitempty"`
	// Avatar and Header replace the images, when not nil (Bluesky calls
	// the header its banner).
	Avatar *provider.Media `json:"-"`
	Header *provider.Media `json:"-"`
}

// Empty reports whether u changes nothing.
func (u Update) Empty() bool {
	return u.DisplayName == nil && u.Bio == nil && len(u.Fields) == 0 && u.Website == nil &&
		u.Avatar == nil && u.Header == nil
}
