package bluesky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/bluesky-social/indigo/api/bsky"
	"github.com/bluesky-social/indigo/atproto/syntax"
	lexutil "github.com/bluesky-social/indigo/lex/util"

	"github.com/portavoce/portavoce/internal/presence/profile"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/textcount"
)

// DefaultAppView is Bluesky's public App View, which answers
// app.bsky.actor.getProfile for anyone, without an account.
const DefaultAppView = "https://public.api.bsky.app"

// The profile record (app.bsky.actor.profile): its only key is "self".
const (
	profileCollection = "app.bsky.actor.profile"
	profileKey        = "self"
)

// Limits of app.bsky.actor.profile: display name and description in
// graphemes (and bytes), avatar and banner PNG or JPEG blobs of at most
// 1,000,000 bytes.
const (
	MaxDisplayNameGraphemes = 64
	MaxDescriptionGraphemes = 256
	maxDisplayNameBytes     = 640
	maxDescriptionBytes     = 2560
	MaxProfileImageBytes    = 1_000_000
)

// How DomainHandleStatus found a domain's DID.
const (
	// HandleViaDNS: a TXT record "did=<DID>" at _atproto.<domain>.
	HandleViaDNS = "dns"
	// HandleViaHTTPS: the DID as the text of
	// https://<domain>/.well-known/atproto-did.
	HandleViaHTTPS = "https"
	// HandleViaBoth: both, naming the same DID.
	HandleViaBoth = "dns+https"
)

// ErrNotDomain is returned for a domain that cannot be a handle.
var ErrNotDomain = errors.New("bluesky: not a domain name that can be a handle")

// ErrSeveralDIDs is matched by the error for a domain whose _atproto TXT
// records name more than one DID: handle resolution fails on it, so the
// handle does not work until one is removed.
var ErrSeveralDIDs = errors.New("bluesky: several DIDs in the domain's _atproto records")

// HandleConflictError is a domain whose DNS record and well-known file
// name different accounts: resolvers believe DNS, and a person reading the
// file is misled. Fix one of them.
type HandleConflictError struct {
	Domain, DNS, HTTPS string
}

// Error names the domain and both DIDs.
func (e *HandleConflictError) Error() string {
	return fmt.Sprintf("bluesky: %s names %s in its _atproto DNS record but %s in /.well-known/atproto-did", e.Domain, e.DNS, e.HTTPS)
}

// TXTResolver looks up a name's TXT records, like net.Resolver.LookupTXT;
// a name without records answers a *net.DNSError with IsNotFound set.
type TXTResolver func(ctx context.Context, name string) ([]string, error)

// Profiles reads public profiles from an App View, writes an account's
// own profile record and checks domain handles. The Client's own
// PublicProfile and DomainHandleStatus use a Profiles with the defaults;
// make one with Client.Profiles to choose the App View and the DNS
// resolver.
type Profiles struct {
	c         *Client
	appView   string
	lookupTXT TXTResolver
}

// Profiles returns the profile capability of the client. appView is the
// App View that answers getProfile; empty means DefaultAppView when the
// client's entry service is Bluesky's, else the entry service itself (a
// test server, or a self-hosted setup where it serves getProfile).
// lookupTXT resolves domain handles' TXT records; nil means the system's
// resolver.
func (c *Client) Profiles(appView string, lookupTXT TXTResolver) *Profiles {
	if appView == "" {
		appView = DefaultAppView
		if c.entry != DefaultEntry {
			appView = c.entry
		}
	}
	if lookupTXT == nil {
		lookupTXT = net.DefaultResolver.LookupTXT
	}
	return &Profiles{c: c, appView: strings.TrimRight(appView, "/"), lookupTXT: lookupTXT}
}

// PublicProfile is Profiles.PublicProfile with the default App View.
func (c *Client) PublicProfile(ctx context.Context, actor string) (profile.Data, error) {
	return c.Profiles("", nil).PublicProfile(ctx, actor)
}

// DomainHandleStatus is Profiles.DomainHandleStatus with the system's DNS
// resolver.
func (c *Client) DomainHandleStatus(ctx context.Context, domain string) (did, how string, err error) {
	return c.Profiles("", nil).DomainHandleStatus(ctx, domain)
}

// UpdateProfile is Client.UpdateProfile: writing goes to the account's own
// PDS, whatever the App View.
func (p *Profiles) UpdateProfile(ctx context.Context, a provider.Account, u profile.Update) error {
	return p.c.UpdateProfile(ctx, a, u)
}

// PublicProfile reads a profile as anyone sees it, with
// app.bsky.actor.getProfile on the App View, without a token. actor is a
// handle (with or without "@") or a DID. An unknown, deactivated or
// taken-down account is a *provider.Error matching profile.ErrNotFound.
func (p *Profiles) PublicProfile(ctx context.Context, actor string) (profile.Data, error) {
	id := strings.TrimPrefix(strings.TrimSpace(actor), "@")
	if _, err := syntax.ParseAtIdentifier(id); err != nil {
		return profile.Data{}, &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: -1,
			Reason: fmt.Sprintf("%q is not a Bluesky handle nor a DID", actor), Err: profile.ErrNotFound}
	}
	a, err := p.c.send(ctx, call{base: p.appView, nsid: "app.bsky.actor.getProfile", query: url.Values{"actor": {id}}}, "", -1)
	if err != nil {
		return profile.Data{}, repeatable(err)
	}
	if !a.ok() {
		e := p.c.fail(a, -1)
		switch {
		case a.status == http.StatusBadRequest && (a.message == "Profile not found" || a.code == "AccountDeactivated" ||
			a.code == "AccountTakedown" || strings.HasPrefix(a.message, "Unable to resolve")):
			e.Err = profile.ErrNotFound
		case e.Kind == provider.Unknown:
			e.Kind = provider.Temporary
		}
		return profile.Data{}, e
	}
	var v bsky.ActorDefs_ProfileViewDetailed
	if err := json.Unmarshal(a.body, &v); err != nil || v.Did == "" {
		return profile.Data{}, &provider.Error{Kind: provider.Temporary, Network: provider.Bluesky, Part: -1, Status: a.status,
			Err: errors.New("bluesky: unreadable answer to getProfile")}
	}
	handle := v.Handle
	if handle == "handle.invalid" {
		handle = ""
	}
	d := profile.Data{
		Network:     provider.Bluesky,
		Handle:      handle,
		ID:          v.Did,
		DisplayName: strings.TrimSpace(deref(v.DisplayName)),
		Bio:         strings.TrimSpace(deref(v.Description)),
		AvatarURL:   deref(v.Avatar),
		HeaderURL:   deref(v.Banner),
		Website:     deref(v.Website),
		URL:         profileURL(handle, v.Did),
	}
	d.DefaultAvatar = d.AvatarURL == ""
	d.DefaultHeader = d.HeaderURL == ""
	return d, nil
}

// repeatable turns the unknown outcome of a call that changes nothing
// into a temporary failure.
func repeatable(err error) error {
	var pe *provider.Error
	if errors.As(err, &pe) && pe.Kind == provider.Unknown {
		pe.Kind = provider.Temporary
	}
	return err
}

// UpdateProfile changes the account's profile record
// (app.bsky.actor.profile, key "self") in its repository: it reads the
// record (com.atproto.repo.getRecord), changes only what u sets (display
// name, description, website, and avatar and banner, uploaded first as
// blobs), keeps every other property as it was (pronouns, pinned post,
// labels and whatever a newer app added), and writes it back with
// com.atproto.repo.putRecord and swapRecord set to the CID it read (null
// when there was no record). If the record changed meanwhile the PDS
// refuses with InvalidSwap and nothing is overwritten: the error is
// Rejected and matches profile.ErrChanged. Mastodon fields do not exist
// on Bluesky and are ignored.
//
// Texts over the lexicon's limits and images that are not PNG or JPEG of
// at most 1,000,000 bytes are Rejected before anything is sent.
func (c *Client) UpdateProfile(ctx context.Context, a provider.Account, u profile.Update) error {
	if u.DisplayName == nil && u.Bio == nil && u.Website == nil && u.Avatar == nil && u.Header == nil {
		return nil
	}
	if err := checkUpdate(u); err != nil {
		return err
	}
	s, err := c.connect(a)
	if err != nil {
		return err
	}
	rec, swap, err := s.profileRecord(ctx)
	if err != nil {
		return err
	}
	setText := func(key string, v *string) {
		if v == nil {
			return
		}
		if *v == "" {
			delete(rec, key)
			return
		}
		rec[key], _ = json.Marshal(*v)
	}
	setText("displayName", u.DisplayName)
	setText("description", u.Bio)
	setText("website", u.Website)
	var blobs []*lexutil.LexBlob
	for _, img := range []struct {
		key string
		m   *provider.Media
	}{{"avatar", u.Avatar}, {"banner", u.Header}} {
		if img.m == nil {
			continue
		}
		blob, err := s.upload(ctx, img.m.Data, imageType(*img.m), -1)
		if err != nil {
			return repeatable(err)
		}
		blobs = append(blobs, blob)
		rec[img.key], _ = json.Marshal(blob)
	}
	rec["$type"], _ = json.Marshal(profileCollection)
	if _, has := rec["createdAt"]; !has && swap == nil {
		rec["createdAt"], _ = json.Marshal(c.now().UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	record, err := json.Marshal(rec)
	if err != nil {
		return &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: -1,
			Reason: "the profile cannot be encoded", Err: err}
	}
	body, _ := json.Marshal(struct {
		Repo       string          `json:"repo"`
		Collection string          `json:"collection"`
		Rkey       string          `json:"rkey"`
		Record     json.RawMessage `json:"record"`
		// SwapRecord is sent even when nil: null asks the PDS to
		// write only if there is still no record.
		SwapRecord *string `json:"swapRecord"`
	}{s.sess.DID, profileCollection, profileKey, record, swap})
	ans, err := s.do(ctx, call{post: true, base: s.pds, nsid: "com.atproto.repo.putRecord", body: body}, -1)
	if err != nil {
		if provider.KindOf(err) == provider.Unknown && s.wrote(ctx, u, blobs) {
			return nil
		}
		// With swapRecord, a repeat cannot overwrite anything: at
		// worst it is refused as changed.
		return repeatable(err)
	}
	if ans.ok() {
		return nil
	}
	e := s.fail(ans, -1)
	switch {
	case ans.code == "InvalidSwap":
		e.Kind, e.Err = provider.Rejected, profile.ErrChanged
		e.Reason = "the profile changed since Portavoce read it; nothing was overwritten: check it again"
	case e.Kind == provider.Unknown:
		if s.wrote(ctx, u, blobs) {
			return nil
		}
		e.Kind = provider.Temporary
	}
	return e
}

// checkUpdate refuses what the lexicon would, with a reason a person can
// act on.
func checkUpdate(u profile.Update) error {
	reject := func(format string, args ...any) error {
		return &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: -1, Reason: fmt.Sprintf(format, args...)}
	}
	if u.DisplayName != nil && (textcount.Bluesky(*u.DisplayName) > MaxDisplayNameGraphemes || len(*u.DisplayName) > maxDisplayNameBytes) {
		return reject("a Bluesky display name has at most %d characters, this one has %d", MaxDisplayNameGraphemes, textcount.Bluesky(*u.DisplayName))
	}
	if u.Bio != nil && (textcount.Bluesky(*u.Bio) > MaxDescriptionGraphemes || len(*u.Bio) > maxDescriptionBytes) {
		return reject("a Bluesky description has at most %d characters, this one has %d", MaxDescriptionGraphemes, textcount.Bluesky(*u.Bio))
	}
	if u.Website != nil && *u.Website != "" {
		if w, err := url.Parse(*u.Website); err != nil || w.Scheme == "" || strings.ContainsAny(*u.Website, " \t\n") {
			return reject("%q is not a web address", *u.Website)
		}
	}
	for _, img := range []struct {
		name string
		m    *provider.Media
	}{{"avatar", u.Avatar}, {"banner", u.Header}} {
		if img.m == nil {
			continue
		}
		if ct := imageType(*img.m); ct != "image/png" && ct != "image/jpeg" {
			return reject("a Bluesky %s must be PNG or JPEG, not %s", img.name, ct)
		}
		if len(img.m.Data) > MaxProfileImageBytes {
			return reject("a Bluesky %s has at most %d bytes, this one has %d", img.name, MaxProfileImageBytes, len(img.m.Data))
		}
	}
	return nil
}

// imageType is the media's type as its bytes say, which is what the PDS
// records.
func imageType(m provider.Media) string {
	if ct := http.DetectContentType(m.Data); strings.HasPrefix(ct, "image/") {
		return ct
	}
	return m.ContentType
}

// profileRecord reads the account's profile record as raw properties and
// its CID; both are empty (nil CID) when the account has none.
func (s *conn) profileRecord(ctx context.Context) (map[string]json.RawMessage, *string, error) {
	q := url.Values{"repo": {s.sess.DID}, "collection": {profileCollection}, "rkey": {profileKey}}
	a, err := s.c.send(ctx, call{base: s.pds, nsid: "com.atproto.repo.getRecord", query: q}, "", -1)
	if err != nil {
		return nil, nil, repeatable(err)
	}
	if !a.ok() {
		if a.code == "RecordNotFound" || (a.status == http.StatusBadRequest && strings.HasPrefix(a.message, "Could not locate record")) {
			return map[string]json.RawMessage{}, nil, nil
		}
		return nil, nil, repeatable(s.fail(a, -1))
	}
	var out struct {
		CID   string                     `json:"cid"`
		Value map[string]json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(a.body, &out); err != nil || out.CID == "" {
		return nil, nil, &provider.Error{Kind: provider.Temporary, Network: provider.Bluesky, Part: -1, Status: a.status,
			Err: errors.New("bluesky: unreadable answer to getRecord")}
	}
	if out.Value == nil {
		out.Value = map[string]json.RawMessage{}
	}
	return out.Value, &out.CID, nil
}

// wrote reads the record back after a write whose answer was lost, and
// reports whether it holds what u set.
func (s *conn) wrote(ctx context.Context, u profile.Update, blobs []*lexutil.LexBlob) bool {
	rec, swap, err := s.profileRecord(ctx)
	if err != nil || swap == nil {
		return false
	}
	raw, _ := json.Marshal(rec)
	var got bsky.ActorProfile
	if json.Unmarshal(raw, &got) != nil {
		return false
	}
	same := func(want, have *string) bool { return want == nil || *want == deref(have) }
	if !same(u.DisplayName, got.DisplayName) || !same(u.Bio, got.Description) || !same(u.Website, got.Website) {
		return false
	}
	var have []string
	for _, b := range []*lexutil.LexBlob{got.Avatar, got.Banner} {
		if b != nil {
			have = append(have, b.Ref.String())
		}
	}
	for _, b := range blobs {
		if !slices.Contains(have, b.Ref.String()) {
			return false
		}
	}
	return true
}

// maxDIDFile bounds what is read of a well-known atproto-did file.
const maxDIDFile = 2048

// DomainHandleStatus tells whether a domain is set up as a Bluesky handle
// (atproto handle resolution): the DID its _atproto TXT record names
// ("did=<DID>") and the one https://<domain>/.well-known/atproto-did
// serves, and how it was found (HandleViaDNS, HandleViaHTTPS or
// HandleViaBoth). Both empty with no error mean the domain names no
// account yet. The file is fetched with the client's preview client (see
// SetPreviewClient), which production makes refuse private addresses. A
// domain whose two methods disagree is a *HandleConflictError; when
// nothing was found but one method could not be checked (a DNS failure,
// the site unreachable), the answer is an error: the domain may be set up.
func (p *Profiles) DomainHandleStatus(ctx context.Context, domain string) (did, how string, err error) {
	domain = strings.TrimSuffix(strings.ToLower(strings.TrimPrefix(strings.TrimSpace(domain), "@")), ".")
	h, perr := syntax.ParseHandle(domain)
	if perr != nil || h.IsInvalidHandle() {
		return "", "", fmt.Errorf("%w: %q", ErrNotDomain, domain)
	}
	dnsDID, dnsErr := p.txtDID(ctx, domain)
	if errors.Is(dnsErr, ErrSeveralDIDs) {
		// Resolvers give up on such a domain: so does this check.
		return "", "", dnsErr
	}
	webDID, webErr := p.wellKnownDID(ctx, domain)
	if err := ctx.Err(); err != nil {
		return "", "", err
	}
	switch {
	case dnsDID != "" && webDID != "" && dnsDID != webDID:
		return "", "", &HandleConflictError{Domain: domain, DNS: dnsDID, HTTPS: webDID}
	case dnsDID != "" && webDID != "":
		return dnsDID, HandleViaBoth, nil
	case dnsDID != "":
		return dnsDID, HandleViaDNS, nil
	case webDID != "":
		return webDID, HandleViaHTTPS, nil
	case dnsErr != nil || webErr != nil:
		// Nothing found, but a method could not be checked: it may
		// well be set up.
		return "", "", fmt.Errorf("bluesky: checking the handle %s: %w", domain, errors.Join(dnsErr, webErr))
	}
	return "", "", nil
}

// txtDID reads the DID of _atproto.<domain>'s TXT records.
func (p *Profiles) txtDID(ctx context.Context, domain string) (string, error) {
	records, err := p.lookupTXT(ctx, "_atproto."+domain)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return "", nil
		}
		return "", fmt.Errorf("DNS lookup of _atproto.%s: %w", domain, err)
	}
	var found []string
	for _, r := range records {
		v, ok := strings.CutPrefix(strings.TrimSpace(r), "did=")
		if !ok {
			continue
		}
		if d, err := syntax.ParseDID(v); err == nil && !slices.Contains(found, d.String()) {
			found = append(found, d.String())
		}
	}
	switch len(found) {
	case 0:
		return "", nil
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("%w: _atproto.%s names %s", ErrSeveralDIDs, domain, strings.Join(found, " and "))
}

// wellKnownDID reads https://<domain>/.well-known/atproto-did: the DID,
// alone on its first line.
func (p *Profiles) wellKnownDID(ctx context.Context, domain string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+domain+"/.well-known/atproto-did", nil)
	if err != nil {
		return "", fmt.Errorf("%w: %q", ErrNotDomain, domain)
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "text/plain")
	client := *p.c.preview
	client.Jar = nil
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("fetching https://%s/.well-known/atproto-did: %w", domain, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDIDFile))
	if err != nil {
		return "", fmt.Errorf("reading https://%s/.well-known/atproto-did: %w", domain, err)
	}
	line, _, _ := bytes.Cut(bytes.TrimSpace(body), []byte("\n"))
	d, err := syntax.ParseDID(string(bytes.TrimSpace(line)))
	if err != nil {
		return "", nil
	}
	return d.String(), nil
}
