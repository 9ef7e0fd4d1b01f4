package profileaudit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/portavoce/portavoce/internal/presence/profile"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/textcount"
)

// Profile limits of each network.
const (
	// Mastodon: Account::DISPLAY_NAME_LENGTH_LIMIT (characters) and
	// NOTE_LENGTH_LIMIT, counted as statuses are (links as 23); a stock
	// instance does not change them. Account::Fields::DEFAULT_FIELDS_SIZE.
	mastodonNameLimit = 30
	mastodonBioLimit  = 500
	mastodonMaxFields = 4
	// Bluesky: app.bsky.actor.profile, in graphemes.
	blueskyNameLimit = 64
	blueskyBioLimit  = 256
)

// auditor holds one audit's state.
type auditor struct {
	deps     Deps
	brand    Brand
	site     site
	profiles []*audited
	findings []Finding
}

// audited is a profile that could be read.
type audited struct {
	ProfileData
	ref ProfileRef
}

// add records a finding; fix and update may be empty.
func (a *auditor) add(f Finding, format string, args []any, fixFormat string, fixArgs []any) {
	f.Format, f.Args = format, args
	f.Message = fmt.Sprintf(format, args...)
	f.FixFormat, f.FixArgs = fixFormat, fixArgs
	f.Fix = fmt.Sprintf(fixFormat, fixArgs...)
	f.Fixable = f.Update != nil && !f.Update.Empty()
	a.findings = append(a.findings, f)
}

// on starts a finding about one profile, named by its handle (or its
// page, for an account whose handle is broken).
func on(p *audited, check, severity string, impact int) Finding {
	name := p.Handle
	if name == "" {
		name = p.URL
	}
	return Finding{Check: check, Severity: severity, Impact: impact, Network: p.Network, Profile: name}
}

// read reads every profile of the brand.
func (a *auditor) read(ctx context.Context) error {
	for _, r := range a.brand.Profiles {
		var p ProfileData
		var err error
		switch r.Network {
		case provider.Mastodon:
			instance, acct, perr := mastodonRef(r)
			if perr != nil {
				a.unreadable(r, perr, true)
				continue
			}
			p, err = a.deps.Mastodon.PublicProfile(ctx, instance, acct)
		case provider.Bluesky:
			actor, perr := blueskyActor(r)
			if perr != nil {
				a.unreadable(r, perr, true)
				continue
			}
			p, err = a.deps.Bluesky.PublicProfile(ctx, actor)
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if err != nil {
			a.unreadable(r, err, errors.Is(err, profile.ErrNotFound))
			continue
		}
		a.profiles = append(a.profiles, &audited{ProfileData: p, ref: r})
	}
	return nil
}

// unreadable records a profile that could not be read: one that does not
// exist is an error; a network failing is only a notice, since the next
// audit will read it.
func (a *auditor) unreadable(r ProfileRef, err error, notFound bool) {
	f := Finding{Network: r.Network, Profile: r.String()}
	if notFound {
		f.Check, f.Severity, f.Impact = CheckProfileNotFound, SeverityError, 25
		a.add(f, msgNotFound, []any{networkName(r.Network), r.String(), reason(err)},
			fixNotFound,
			[]any{networkName(r.Network)})
		return
	}
	f.Check, f.Severity = CheckProfileUnreadable, SeverityNotice
	a.add(f, msgUnreadable, []any{networkName(r.Network), r.String(), reason(err)},
		fixAgainLater, nil)
}

// reason is an error as a message shows it: the provider's reason when it
// has one.
func reason(err error) string {
	var pe *provider.Error
	if errors.As(err, &pe) && pe.Reason != "" {
		return pe.Reason
	}
	return err.Error()
}

// nameLength and bioLength measure a display name and a bio as the
// network counts them, and give the network's limit.
func nameLength(network, s string) (n, limit int) {
	if network == provider.Mastodon {
		return utf8.RuneCountInString(s), mastodonNameLimit
	}
	return textcount.Bluesky(s), blueskyNameLimit
}

func bioLength(network, s string) (n, limit int) {
	if network == provider.Mastodon {
		return textcount.Mastodon(s, textcount.MastodonDefaultCharsPerURL), mastodonBioLimit
	}
	return textcount.Bluesky(s), blueskyBioLimit
}

// checkDisplayName compares the display name with the brand's name (or,
// without one, with the first profile's).
func (a *auditor) checkDisplayName(p *audited) {
	want := strings.TrimSpace(a.brand.Name)
	if want == "" && len(a.profiles) > 0 {
		want = a.profiles[0].DisplayName
	}
	var update *ProfileUpdate
	fixFormat, fixArgs := fixNameBrand, []any{networkName(p.Network)}
	if want != "" {
		n, limit := nameLength(p.Network, want)
		if n <= limit {
			update = &ProfileUpdate{DisplayName: &want}
			fixFormat, fixArgs = fixNameSet, []any{networkName(p.Network), want}
		} else {
			fixFormat, fixArgs = fixNameShort,
				[]any{networkName(p.Network), want, networkName(p.Network), limit}
		}
	}
	switch {
	case p.DisplayName == "":
		f := on(p, CheckDisplayNameMissing, SeverityError, 10)
		f.Update = update
		a.add(f, msgNameMissing, []any{networkName(p.Network), p.Handle},
			fixFormat, fixArgs)
	case want != "" && normalName(p.DisplayName) != normalName(want):
		severity, impact := SeverityWarning, 8
		if strings.Contains(normalName(p.DisplayName), normalName(want)) {
			// "Acme Coffee – official": the name is there.
			severity, impact = SeverityNotice, 3
		}
		f := on(p, CheckDisplayNameMismatch, severity, impact)
		f.Update = update
		a.add(f, msgNameMismatch, []any{networkName(p.Network), p.DisplayName, want},
			fixFormat, fixArgs)
	}
}

// checkBio wants a bio within the network's limit.
func (a *auditor) checkBio(p *audited) {
	if strings.TrimSpace(p.Bio) == "" {
		f := on(p, CheckBioMissing, SeverityWarning, 8)
		fixFormat, fixArgs := fixBioWrite,
			[]any{networkName(p.Network)}
		// The bio of another network, when it fits, is a start.
		for _, o := range a.profiles {
			if o == p || strings.TrimSpace(o.Bio) == "" {
				continue
			}
			if n, limit := bioLength(p.Network, o.Bio); n <= limit {
				bio := o.Bio
				f.Update = &ProfileUpdate{Bio: &bio}
				fixFormat, fixArgs = fixBioCopy,
					[]any{networkName(p.Network), networkName(o.Network), bio}
				break
			}
		}
		a.add(f, msgBioMissing, []any{networkName(p.Network), p.Handle}, fixFormat, fixArgs)
		return
	}
	if n, limit := bioLength(p.Network, p.Bio); n > limit {
		f := on(p, CheckBioTooLong, SeverityError, 10)
		a.add(f, msgBioTooLong, []any{networkName(p.Network), n, networkName(p.Network), limit},
			fixBioShorten, []any{networkName(p.Network), n - limit})
	}
}

// checkHeader wants a header (Bluesky: banner) image.
func (a *auditor) checkHeader(p *audited) {
	if !p.DefaultHeader {
		return
	}
	f := on(p, CheckHeaderMissing, SeverityWarning, 5)
	a.add(f, msgHeaderMissing, []any{networkName(p.Network), p.Handle},
		fixHeaderAdd, []any{networkName(p.Network), headerSize(p.Network)})
}

func headerSize(network string) string {
	if network == provider.Mastodon {
		return "1500×500 pixels"
	}
	return "1500×500 pixels, PNG or JPEG up to 1 MB"
}

// websiteFieldNames are field names that mean "website".
var websiteFieldNames = []string{"website", "web", "site", "sito", "sito web", "homepage", "home page", "home", "www", "url", "web site"}

// linksToSite reports whether the profile links the brand's website, and
// which Mastodon fields do.
func (a *auditor) linksToSite(p *audited) (bool, []Field) {
	var fields []Field
	for _, f := range p.Fields {
		if a.site.pointsTo(f.Value) || slices.ContainsFunc(links(f.Value), a.site.pointsTo) {
			fields = append(fields, f)
		}
	}
	found := len(fields) > 0 || a.site.pointsTo(p.Website) || slices.ContainsFunc(links(p.Bio), a.site.pointsTo)
	return found, fields
}

// checkWebsite wants a link to the brand's website: Mastodon in a field
// (which it can verify) or the bio, Bluesky in its website or its
// description.
func (a *auditor) checkWebsite(p *audited) {
	if a.site.host == "" {
		return
	}
	if found, _ := a.linksToSite(p); found {
		return
	}
	f := on(p, CheckWebsiteLinkMissing, SeverityError, 15)
	var fixFormat string
	var fixArgs []any
	switch p.Network {
	case provider.Mastodon:
		// A field meant for the website but pointing elsewhere (an old
		// domain) is the one to set.
		name, named := "Website", false
		for _, field := range p.Fields {
			if slices.Contains(websiteFieldNames, strings.ToLower(strings.TrimSpace(field.Name))) {
				name, named = field.Name, true
			}
		}
		if len(p.Fields) < mastodonMaxFields || named {
			f.Update = &ProfileUpdate{Fields: []Field{{Name: name, Value: a.site.raw}}}
			fixFormat, fixArgs = fixLinkField,
				[]any{name, a.site.raw, p.URL}
		} else {
			fixFormat, fixArgs = fixLinkFieldsFull,
				[]any{len(p.Fields), "Website", a.site.raw, p.URL}
		}
	case provider.Bluesky:
		site := a.site.raw
		u := &ProfileUpdate{Website: &site}
		bio := strings.TrimSpace(p.Bio)
		withLink := site
		if bio != "" {
			withLink = bio + "\n" + site
		}
		if n, limit := bioLength(p.Network, withLink); n <= limit {
			u.Bio = &withLink
			fixFormat, fixArgs = fixLinkBluesky, []any{site}
		} else {
			fixFormat, fixArgs = fixLinkBlueskyLong,
				[]any{site, n - limit}
		}
		f.Update = u
	}
	a.add(f, msgLinkMissing, []any{networkName(p.Network), p.Handle, a.site.raw},
		fixFormat, fixArgs)
}

// checkAvatars wants every profile's avatar to be the brand's logo (or,
// without a logo, the same picture on every network).
func (a *auditor) checkAvatars(ctx context.Context) error {
	var logo *picture
	if a.brand.LogoURL != "" {
		var err error
		logo, err = a.loadPicture(ctx, a.brand.LogoURL)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			a.add(Finding{Check: CheckImageUnreadable, Severity: SeverityNotice}, msgLogoUnreadable,
				[]any{a.brand.LogoURL, err.Error()},
				fixLogoFormat, nil)
		}
	}
	var logoMedia *provider.Media
	if logo != nil {
		if m, ok := avatarMedia(logo); ok {
			logoMedia = &m
		}
	}
	logoUpdate := func() *ProfileUpdate {
		if logoMedia == nil {
			return nil
		}
		m := *logoMedia
		return &ProfileUpdate{Avatar: &m}
	}

	type seen struct {
		p   *audited
		pic *picture
	}
	var avatars []seen
	for _, p := range a.profiles {
		if p.DefaultAvatar || p.AvatarURL == "" {
			f := on(p, CheckAvatarMissing, SeverityError, 15)
			f.Update = logoUpdate()
			fixFormat, fixArgs := fixAvatarUpload, []any{networkName(p.Network)}
			if f.Update != nil {
				fixFormat = fixAvatarPortavoce
			}
			a.add(f, msgAvatarMissing, []any{networkName(p.Network), p.Handle},
				fixFormat, fixArgs)
			continue
		}
		pic, err := a.loadPicture(ctx, p.AvatarURL)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			f := on(p, CheckImageUnreadable, SeverityNotice, 0)
			a.add(f, msgAvatarUnread,
				[]any{networkName(p.Network), p.Handle, err.Error()}, fixAgainLater, nil)
			continue
		}
		avatars = append(avatars, seen{p, pic})
	}
	if logo != nil {
		for _, s := range avatars {
			if s.pic.hash.sameLogo(logo.hash) {
				continue
			}
			f := on(s.p, CheckAvatarNotLogo, SeverityWarning, 10)
			f.Update = logoUpdate()
			fixFormat := fixAvatarReplace
			if f.Update != nil {
				fixFormat = fixAvatarReplaceP
			}
			a.add(f, msgAvatarNotLogo, []any{networkName(s.p.Network), s.p.Handle},
				fixFormat, []any{networkName(s.p.Network)})
		}
		return nil
	}
	for _, s := range avatars[min(1, len(avatars)):] {
		first := avatars[0]
		if s.pic.hash.sameLogo(first.pic.hash) {
			continue
		}
		f := on(s.p, CheckAvatarInconsistent, SeverityWarning, 8)
		a.add(f, msgAvatarDiffers,
			[]any{networkName(s.p.Network), s.p.Handle, networkName(first.p.Network), first.p.Handle},
			fixAvatarSame, nil)
	}
	return nil
}

// checkMastodonVerification wants Mastodon's link to the site verified:
// the page the field links to must link back with rel="me".
func (a *auditor) checkMastodonVerification(ctx context.Context) error {
	for _, p := range a.profiles {
		if p.Network != provider.Mastodon || a.site.host == "" {
			continue
		}
		_, fields := a.linksToSite(p)
		if len(fields) == 0 || slices.ContainsFunc(fields, Field.Verified) {
			continue
		}
		field := fields[0]
		page := field.Value
		if !strings.Contains(page, "://") {
			page = "https://" + page
		}
		has, err := a.hasRelMe(ctx, page, p.URL)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		f := on(p, CheckMastodonLinkUnverified, SeverityWarning, 8)
		args := []any{field.Value, p.Handle}
		plain := plainHTTP(page)
		switch {
		case has && plain:
			a.add(f, msgUnverified, args, fixResaveHTTPS, []any{page})
		case has:
			// Saving the profile makes Mastodon look again.
			f.Update = &ProfileUpdate{Fields: []Field{{Name: field.Name, Value: field.Value}}}
			a.add(f, msgUnverified, args, fixResave, []any{page})
		case err != nil:
			a.add(f, msgUnverified, args, fixPageUnreachable, []any{page, p.URL, p.URL})
		case plain:
			a.add(f, msgUnverified, args, fixRelMeHTTPS, []any{p.URL, page, p.URL})
		default:
			a.add(f, msgUnverified, args, fixRelMe, []any{p.URL, page, p.URL})
		}
	}
	return nil
}

// plainHTTP reports a page Mastodon will not check because it is not
// https:// (Account::Field::ACCEPTED_SCHEMES). A loopback address is left
// alone: it can only be a local test instance, whose stand-in
// (mastodontest) checks it.
func plainHTTP(page string) bool {
	u, err := url.Parse(page)
	if err != nil || !strings.EqualFold(u.Scheme, "http") {
		return false
	}
	ip := net.ParseIP(u.Hostname())
	return u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback())
}

// maxPage bounds what is read of a page looking for rel="me" (Mastodon
// reads 1 MB).
const maxPage = 1 << 20

// hasRelMe fetches page and looks for an <a> or <link> whose rel holds
// "me" and whose href is profileURL, compared as Mastodon does: without
// regard to case.
func (a *auditor) hasRelMe(ctx context.Context, page, profileURL string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, page, nil)
	if err != nil {
		return false, fmt.Errorf("profileaudit: %q is not a web address", page)
	}
	req.Header.Set("Accept", "text/html")
	c := *a.deps.HTTP
	c.Jar = nil
	resp, err := c.Do(req)
	if err != nil {
		// *url.Error repeats the whole address; the host is enough.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return false, fmt.Errorf("profileaudit: fetching %s: %w", req.URL.Host, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("profileaudit: %s answered HTTP %d", req.URL.Host, resp.StatusCode)
	}
	z := html.NewTokenizer(io.LimitReader(resp.Body, maxPage))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return false, nil
		case html.StartTagToken, html.SelfClosingTagToken:
			name, more := z.TagName()
			if tag := string(name); tag != "a" && tag != "link" {
				continue
			}
			var rel, href string
			for more {
				var k, v []byte
				k, v, more = z.TagAttr()
				switch string(k) {
				case "rel":
					rel = string(v)
				case "href":
					href = strings.TrimSpace(string(v))
				}
			}
			if slices.Contains(strings.Fields(strings.ToLower(rel)), "me") && strings.EqualFold(href, profileURL) {
				return true, nil
			}
		}
	}
}

// checkDomainHandle wants the Bluesky handle to be the brand's domain,
// when it has one.
func (a *auditor) checkDomainHandle(ctx context.Context) error {
	domain := a.site.domain
	if domain == "" || a.deps.Handles == nil {
		return nil
	}
	for _, p := range a.profiles {
		if p.Network != provider.Bluesky {
			continue
		}
		h := strings.ToLower(p.Handle)
		if h == domain || strings.HasSuffix(h, "."+domain) {
			continue
		}
		did, how, err := a.deps.Handles.DomainHandleStatus(ctx, domain)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		f := on(p, CheckBlueskyDomainHandle, SeverityWarning, 6)
		setUp := []any{domain, domain, p.ID, p.ID, domain, domain}
		switch {
		case err == nil && did == p.ID:
			f.Severity, f.Impact = SeverityNotice, 3
			a.add(f, msgDomainReady, []any{domain, p.ID, how, p.Handle}, fixDomainSwitch, []any{domain})
		case err == nil && did != "":
			a.add(f, msgDomainOther, []any{p.Handle, domain, did}, fixDomainReplace, setUp[1:])
		case err == nil:
			a.add(f, msgDomainHandle, []any{p.Handle, domain}, fixDomainSetUp, setUp)
		default:
			a.add(f, msgDomainUnknown, []any{p.Handle, domain, err.Error()}, fixDomainSetUp, setUp)
		}
	}
	return nil
}

// checkHandles wants the same name in every handle.
func (a *auditor) checkHandles() {
	if len(a.profiles) < 2 {
		return
	}
	names := map[string]bool{}
	var handles []string
	for _, p := range a.profiles {
		names[handleName(p.ProfileData)] = true
		handles = append(handles, p.Handle)
	}
	if len(names) < 2 {
		return
	}
	a.add(Finding{Check: CheckHandleInconsistent, Severity: SeverityNotice, Impact: 4},
		msgHandles, []any{strings.Join(handles, ", ")},
		fixHandles, nil)
}
