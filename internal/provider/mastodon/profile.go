package mastodon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/portavoce/portavoce/internal/presence/profile"
	"github.com/portavoce/portavoce/internal/provider"
)

// Paths of the pictures Mastodon shows for an account without its own
// (Account::Avatar and Account::Header default_url: "/avatars/original/
// missing.png", "/headers/original/missing.png"), at the end of the full
// address the API gives.
const (
	missingAvatar = "/avatars/original/missing.png"
	missingHeader = "/headers/original/missing.png"
)

// websiteField is the name of the field UpdateProfile sets for
// profile.Update.Website.
const websiteField = "Website"

// profileAccount is the part of the Account entity a profile read needs
// (entities/Account): note and field values are HTML.
type profileAccount struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	Acct        string `json:"acct"`
	DisplayName string `json:"display_name"`
	Note        string `json:"note"`
	URL         string `json:"url"`
	Avatar      string `json:"avatar"`
	Header      string `json:"header"`
	Fields      []struct {
		Name       string  `json:"name"`
		Value      string  `json:"value"`
		VerifiedAt *string `json:"verified_at"`
	} `json:"fields"`
}

// PublicProfile reads an account's public profile with GET
// /api/v1/accounts/lookup?acct= (methods/accounts#lookup, Mastodon 3.4 and
// later), which needs no token. instance is the server's address (as
// NormalizeInstance accepts it); acct is "brand" for an account of that
// server, or "brand@other.example" for one the server knows from
// elsewhere (lookup does not ask the other server: an account nobody on
// this instance ever followed is not found). An unknown account is a
// *provider.Error matching profile.ErrNotFound.
//
// The note and the field values, which the API gives as HTML, come back as
// text, links written out in full; the avatar and header are marked
// default when they are the instance's "missing.png".
func (c *Client) PublicProfile(ctx context.Context, instance, acct string) (profile.Data, error) {
	base, err := NormalizeInstance(instance)
	if err != nil {
		return profile.Data{}, &provider.Error{Kind: provider.Rejected, Network: provider.Mastodon, Part: -1,
			Reason: err.Error()}
	}
	acct = strings.TrimPrefix(strings.TrimSpace(acct), "@")
	if acct == "" {
		return profile.Data{}, &provider.Error{Kind: provider.Rejected, Network: provider.Mastodon, Part: -1,
			Reason: "no account name to look up", Err: profile.ErrNotFound}
	}
	cl := call{method: http.MethodGet, url: base + "/api/v1/accounts/lookup?" + url.Values{"acct": {acct}}.Encode(),
		part: -1, repeatable: true}
	resp, err := c.do(ctx, cl, http.StatusOK)
	if err != nil {
		var pe *provider.Error
		if errors.As(err, &pe) && pe.Status == http.StatusNotFound {
			pe.Err = profile.ErrNotFound
		}
		return profile.Data{}, err
	}
	var acc profileAccount
	if err := decode(resp, &acc, cl); err != nil {
		return profile.Data{}, err
	}
	if acc.ID == "" {
		return profile.Data{}, &provider.Error{Kind: provider.Temporary, Network: provider.Mastodon, Part: -1, Status: resp.StatusCode,
			Reason: "the server returned no account"}
	}
	handle := acc.Acct
	if handle == "" {
		handle = acc.Username
	}
	if !strings.Contains(handle, "@") {
		handle += "@" + c.localDomain(ctx, base, acct)
	}
	d := profile.Data{
		Network:       provider.Mastodon,
		Handle:        "@" + handle,
		ID:            acc.ID,
		DisplayName:   strings.TrimSpace(acc.DisplayName),
		Bio:           strings.TrimSpace(htmlToText(acc.Note)),
		AvatarURL:     acc.Avatar,
		HeaderURL:     acc.Header,
		DefaultAvatar: acc.Avatar == "" || isMissing(acc.Avatar, missingAvatar),
		DefaultHeader: acc.Header == "" || isMissing(acc.Header, missingHeader),
		URL:           acc.URL,
	}
	verifiedSite := ""
	for _, f := range acc.Fields {
		// The name is plain text; the value is HTML.
		field := profile.Field{Name: strings.TrimSpace(f.Name), Value: strings.TrimSpace(htmlToText(f.Value))}
		if f.VerifiedAt != nil {
			if t, err := time.Parse(time.RFC3339Nano, *f.VerifiedAt); err == nil {
				field.VerifiedAt = t
			}
		}
		d.Fields = append(d.Fields, field)
		if isWebAddress(field.Value) {
			if d.Website == "" {
				d.Website = field.Value
			}
			if field.Verified() && verifiedSite == "" {
				verifiedSite = field.Value
			}
		}
	}
	if verifiedSite != "" {
		d.Website = verifiedSite
	}
	return d, nil
}

// localDomain is the domain of the instance's own handles, which may
// differ from its web address (LOCAL_DOMAIN and WEB_DOMAIN): the one acct
// names, else the instance's, else the address's host.
func (c *Client) localDomain(ctx context.Context, base, acct string) string {
	if _, domain, ok := strings.Cut(acct, "@"); ok && domain != "" {
		return domain
	}
	if inst, err := c.instance(ctx, base); err == nil && inst.Domain != "" {
		return inst.Domain
	}
	u, _ := url.Parse(base)
	return u.Host
}

// isMissing reports whether an image address is the instance's placeholder.
func isMissing(imageURL, suffix string) bool {
	u, err := url.Parse(imageURL)
	if err != nil {
		return false
	}
	return strings.HasSuffix(u.Path, suffix)
}

// isWebAddress accepts what Mastodon links in a field: an http or https
// address with a host.
func isWebAddress(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && !strings.ContainsAny(s, " \t\n")
}

// credentialSource is what verify_credentials tells of the account's own
// profile as its owner wrote it (entities/Account#source).
type credentialSource struct {
	ID     string `json:"id"`
	Source struct {
		Fields []struct {
			Name       string  `json:"name"`
			Value      string  `json:"value"`
			VerifiedAt *string `json:"verified_at"`
		} `json:"fields"`
	} `json:"source"`
}

// UpdateProfile changes the profile of the account the token acts for
// with PATCH /api/v1/accounts/update_credentials (methods/accounts#
// update_credentials), a multipart form of display_name, note,
// fields_attributes[i][name] and [value], avatar and header. Only what u
// sets is sent, so the rest stays as it is.
//
// Mastodon replaces all the fields at once, so fields are merged first
// with the ones the owner wrote, read from verify_credentials' source:
// fields u names are set, the others kept verbatim (a field whose value is
// unchanged keeps its verification). After the update the instance checks
// every link not yet verified for a rel="me" link back to the profile, in
// the background.
//
// A profile the instance refuses (too long, too many fields, an image it
// does not take) is Rejected with the instance's own reason; a revoked
// token is AuthExpired. Repeating an update sets the same values again, so
// an unanswered one is Temporary.
func (c *Client) UpdateProfile(ctx context.Context, a provider.Account, u profile.Update) error {
	if u.Empty() {
		return nil
	}
	token, err := tokenOf(a)
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(a.Server, "/")
	set := append([]profile.Field(nil), u.Fields...)
	if u.Website != nil {
		set = append(set, profile.Field{Name: websiteField, Value: *u.Website})
	}
	var fields []profile.Field
	if len(set) > 0 {
		current, err := c.ownFields(ctx, base, token)
		if err != nil {
			return err
		}
		fields = mergeFields(current, set)
	}

	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	write := func(name, value string) {
		_ = w.WriteField(name, value) // a bytes.Buffer does not fail
	}
	if u.DisplayName != nil {
		write("display_name", *u.DisplayName)
	}
	if u.Bio != nil {
		write("note", *u.Bio)
	}
	if len(set) > 0 {
		if len(fields) == 0 {
			// An empty pair clears every field: Mastodon skips blank
			// pairs and stores what is left, nothing.
			write("fields_attributes[0][name]", "")
			write("fields_attributes[0][value]", "")
		}
		for i, f := range fields {
			prefix := "fields_attributes[" + strconv.Itoa(i) + "]"
			write(prefix+"[name]", f.Name)
			write(prefix+"[value]", f.Value)
		}
	}
	for _, img := range []struct {
		name string
		m    *provider.Media
	}{{"avatar", u.Avatar}, {"header", u.Header}} {
		if img.m == nil {
			continue
		}
		if err := writeFile(w, img.name, *img.m); err != nil {
			return &provider.Error{Kind: provider.Rejected, Network: provider.Mastodon, Part: -1,
				Reason: "unreadable " + img.name + " image", Err: err}
		}
	}
	if err := w.Close(); err != nil {
		return &provider.Error{Kind: provider.Rejected, Network: provider.Mastodon, Part: -1,
			Reason: "the profile cannot be encoded", Err: err}
	}
	cl := call{method: http.MethodPatch, url: base + "/api/v1/accounts/update_credentials", token: token,
		body: buf.Bytes(), contentType: w.FormDataContentType(), part: -1, repeatable: true, secrets: []string{token}}
	resp, err := c.do(ctx, cl, http.StatusOK)
	if err != nil {
		return err
	}
	var acc credentialSource
	if err := decode(resp, &acc, cl); err != nil {
		return err
	}
	if a.RemoteID != "" && acc.ID != "" && acc.ID != a.RemoteID {
		return &provider.Error{Kind: provider.AuthExpired, Network: provider.Mastodon, Part: -1,
			Reason: "the token now belongs to another account: connect the account again"}
	}
	return nil
}

// ownFields reads the fields as their owner wrote them.
func (c *Client) ownFields(ctx context.Context, base, token string) ([]profile.Field, error) {
	cl := call{method: http.MethodGet, url: base + "/api/v1/accounts/verify_credentials", token: token,
		part: -1, repeatable: true, secrets: []string{token}}
	resp, err := c.do(ctx, cl, http.StatusOK)
	if err != nil {
		return nil, err
	}
	var acc credentialSource
	if err := decode(resp, &acc, cl); err != nil {
		return nil, err
	}
	out := make([]profile.Field, 0, len(acc.Source.Fields))
	for _, f := range acc.Source.Fields {
		out = append(out, profile.Field{Name: f.Name, Value: f.Value})
	}
	return out, nil
}

// mergeFields sets fields by name (case and surrounding spaces ignored) in
// the current ones: a match takes the new name and value in its place, an
// empty value removes it, anything else is added at the end.
func mergeFields(current, set []profile.Field) []profile.Field {
	out := append([]profile.Field(nil), current...)
	key := func(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
	for _, f := range set {
		i := -1
		for j := range out {
			if key(out[j].Name) == key(f.Name) {
				i = j
				break
			}
		}
		switch {
		case i >= 0 && strings.TrimSpace(f.Value) == "":
			out = append(out[:i], out[i+1:]...)
		case i >= 0:
			out[i] = profile.Field{Name: f.Name, Value: f.Value}
		case strings.TrimSpace(f.Value) != "":
			out = append(out, profile.Field{Name: f.Name, Value: f.Value})
		}
	}
	return out
}

// writeFile adds an image to the form with its own content type, which the
// instance checks.
func writeFile(w *multipart.Writer, field string, m provider.Media) error {
	if len(m.Data) == 0 {
		return errors.New("no image data")
	}
	name := path.Base(strings.ReplaceAll(m.Filename, "\\", "/"))
	if name == "" || name == "." || name == "/" {
		name = field
	}
	ct := m.ContentType
	if ct == "" {
		ct = http.DetectContentType(m.Data)
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, field, quoteEscaper.Replace(name)))
	h.Set("Content-Type", ct)
	fw, err := w.CreatePart(h)
	if err != nil {
		return err
	}
	_, err = fw.Write(m.Data)
	return err
}
