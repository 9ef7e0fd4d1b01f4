package publish

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/provider/bluesky"
	"github.com/portavoce/portavoce/internal/textcount"
)

// MaxParts bounds a thread.
const MaxParts = 25

// Report is a post checked against every account it goes to, the way each
// network counts: what the composer shows live and what scheduling
// requires.
type Report struct {
	Accounts []AccountReport `json:"accounts"`
}

// AccountReport is the check of a post for one account.
type AccountReport struct {
	AccountID string       `json:"account_id"`
	Network   string       `json:"network"`
	Handle    string       `json:"handle"`
	Parts     []PartReport `json:"parts"`
	// Problems block scheduling; Warnings do not.
	Problems []*p.Error `json:"-"`
	Warnings []*p.Error `json:"-"`
}

// PartReport is one part's count against the account's limit.
type PartReport struct {
	Count     int `json:"count"`
	Limit     int `json:"limit"`
	Remaining int `json:"remaining"`
}

// OK reports whether nothing blocks scheduling.
func (r Report) OK() bool {
	for _, a := range r.Accounts {
		if len(a.Problems) > 0 {
			return false
		}
	}
	return true
}

// Problems lists every blocking problem, account by account.
func (r Report) Problems() []*p.Error {
	var out []*p.Error
	for _, a := range r.Accounts {
		out = append(out, a.Problems...)
	}
	return out
}

// LimitsOf returns what an account's network accepts: Mastodon's from the
// instance (read when the account was connected), Bluesky's from its
// lexicons.
func LimitsOf(a p.SocialAccount) provider.Limits {
	if a.Network == provider.Bluesky {
		return bluesky.Limits()
	}
	var l provider.Limits
	if err := json.Unmarshal([]byte(a.Limits), &l); err != nil || l.MaxChars == 0 {
		// Mastodon's defaults, for an instance that did not say.
		l = provider.Limits{MaxChars: 500, CharsPerURL: 23, MaxMedia: 4, ImageMaxBytes: 16 << 20, VideoMaxBytes: 99 << 20,
			ImageMaxPixels: 8_294_400, MaxAltChars: 1500,
			MediaTypes: []string{"image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4"}}
	}
	return l
}

// Count returns the length of text as the network counts it.
func Count(l provider.Limits, text string) int {
	if l.Graphemes {
		return textcount.Bluesky(text)
	}
	return textcount.Mastodon(text, l.CharsPerURL)
}

// Validate checks content for each account. media holds the workspace's
// files the content refers to (without their bytes).
func Validate(content p.PostContent, accounts []p.SocialAccount, media map[string]p.Media) Report {
	var r Report
	for _, a := range accounts {
		r.Accounts = append(r.Accounts, validateFor(content.PartsFor(a.ID), a, media))
	}
	return r
}

func validateFor(parts []p.PostPart, a p.SocialAccount, media map[string]p.Media) AccountReport {
	l := LimitsOf(a)
	net := p.NetworkName(a.Network)
	ar := AccountReport{AccountID: a.ID, Network: a.Network, Handle: a.Handle}
	problem := func(format string, args ...any) {
		ar.Problems = append(ar.Problems, p.Errorf("invalid_post", format, args...))
	}
	warn := func(format string, args ...any) {
		ar.Warnings = append(ar.Warnings, p.Errorf("post_warning", format, args...))
	}
	if len(parts) == 0 {
		problem("%s: the post is empty: write some text or add an image", net)
	}
	if len(parts) > MaxParts {
		problem("%s: a thread can have at most %d parts, this one has %d", net, MaxParts, len(parts))
	}
	for i, part := range parts {
		n := Count(l, part.Text)
		ar.Parts = append(ar.Parts, PartReport{Count: n, Limit: l.MaxChars, Remaining: l.MaxChars - n})
		if n > l.MaxChars {
			problem("%s, part %d: %d characters over the limit (%d of %d): shorten it or move some text to a new part",
				net, i+1, n-l.MaxChars, n, l.MaxChars)
		}
		if strings.TrimSpace(part.Text) == "" && len(part.Media) == 0 {
			problem("%s, part %d is empty: write some text or add an image", net, i+1)
		}
		if len(part.Media) > l.MaxMedia {
			problem("%s, part %d: %d images, but %s takes at most %d per post: move some to another part",
				net, i+1, len(part.Media), net, l.MaxMedia)
		}
		for j, item := range part.Media {
			m, ok := media[item.MediaID]
			if !ok {
				problem("%s, part %d: image %d is not in this workspace's media: upload it again", net, i+1, j+1)
				continue
			}
			checkMedia(l, net, i, m, item, problem, warn)
		}
	}
	return ar
}

func checkMedia(l provider.Limits, net string, part int, m p.Media, item p.MediaItem, problem, warn func(string, ...any)) {
	if !slices.Contains(l.MediaTypes, m.ContentType) {
		problem("%s, part %d: %s is %s, which %s does not accept (it takes %s)", net, part+1, m.Filename, m.ContentType, net,
			strings.Join(l.MediaTypes, ", "))
		return
	}
	maxBytes := l.ImageMaxBytes
	if strings.HasPrefix(m.ContentType, "video/") {
		maxBytes = l.VideoMaxBytes
	}
	tooBig := maxBytes > 0 && m.Size > maxBytes
	tooWide := l.ImageMaxPixels > 0 && int64(m.Width)*int64(m.Height) > l.ImageMaxPixels && strings.HasPrefix(m.ContentType, "image/")
	switch {
	case (tooBig || tooWide) && reducible(m.ContentType):
		// A still image is reduced when it is sent (see Fit).
		warn("%s, part %d: %s is larger than %s accepts: a reduced copy (JPEG, at most 2048 pixels wide) will be sent there",
			net, part+1, m.Filename, net)
	case tooBig:
		problem("%s, part %d: %s is %s, larger than the %s %s accepts: reduce it", net, part+1, m.Filename,
			humanSize(m.Size), humanSize(maxBytes), net)
	case tooWide:
		problem("%s, part %d: %s is %d×%d pixels, more than %s accepts: resize it", net, part+1, m.Filename, m.Width, m.Height, net)
	}
	if strings.TrimSpace(item.Alt) == "" {
		warn("%s, part %d: %s has no description: add alt text so that people who cannot see it know what it shows",
			net, part+1, m.Filename)
	} else if l.MaxAltChars > 0 && len([]rune(item.Alt)) > l.MaxAltChars {
		problem("%s, part %d: the description of %s is %d characters, %s takes at most %d", net, part+1, m.Filename,
			len([]rune(item.Alt)), net, l.MaxAltChars)
	}
}

// humanSize writes a byte count for people.
func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<20)), ".0") + " MB"
	case n >= 1<<10:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<10)), ".0") + " KB"
	}
	return fmt.Sprintf("%d bytes", n)
}
