package mastodontest

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/portavoce/portavoce/internal/textcount"
)

// Profile limits of a stock Mastodon (Account::DISPLAY_NAME_LENGTH_LIMIT,
// NOTE_LENGTH_LIMIT, Account::Fields::DEFAULT_FIELDS_SIZE,
// Account::Field::MAX_CHARACTERS_LOCAL, and Account::Avatar and
// Account::Header, which take 8 MB since Mastodon 4.3 processes images
// with libvips).
const (
	DisplayNameLimit = 30
	NoteLimit        = 500
	MaxFields        = 4
	FieldLimit       = 255
	pictureLimit     = 8 << 20
)

// pictureTypes are the image types an avatar or header may have
// (Account::Avatar::IMAGE_MIME_TYPES).
var pictureTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp"}

// accountProfile is what an account shows besides its name.
type accountProfile struct {
	note           string
	fields         []profileField
	avatar, header *picture
}

type profileField struct {
	name, value string
	verifiedAt  time.Time
}

// picture is an uploaded avatar or header, served at /system/accounts/….
type picture struct {
	data        []byte
	contentType string
	file        string
}

// Field is a profile field as the server holds it.
type Field struct {
	Name, Value string
	// VerifiedAt is when the server found a rel="me" link back to the
	// profile on the page Value links to; zero when it did not.
	VerifiedAt time.Time
}

// Profile is an account's profile as the server holds it. Avatar and
// Header are the image files, nil for the instance's default
// ("missing.png").
type Profile struct {
	DisplayName string
	// Note is the bio as written (the API shows it as HTML).
	Note   string
	Fields []Field
	Avatar []byte
	Header []byte
}

// SetProfile replaces an account's profile without checking it against
// the instance's limits, as an administrator could, so that tests can
// start from any profile. Fields keep their VerifiedAt as given; call
// VerifyLinks to have them checked as an update would.
func (s *Server) SetProfile(accountID string, p Profile) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[accountID]
	if a == nil {
		panic("mastodontest: no account " + accountID)
	}
	a.displayName = p.DisplayName
	a.profile.note = p.Note
	a.profile.fields = nil
	for _, f := range p.Fields {
		a.profile.fields = append(a.profile.fields, profileField{name: f.Name, value: f.Value, verifiedAt: f.VerifiedAt})
	}
	a.profile.avatar = newPicture(p.Avatar)
	a.profile.header = newPicture(p.Header)
}

// ProfileOf returns an account's profile as the server holds it.
func (s *Server) ProfileOf(accountID string) Profile {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[accountID]
	if a == nil {
		return Profile{}
	}
	p := Profile{DisplayName: a.displayName, Note: a.profile.note}
	for _, f := range a.profile.fields {
		p.Fields = append(p.Fields, Field{Name: f.name, Value: f.value, VerifiedAt: f.verifiedAt})
	}
	if a.profile.avatar != nil {
		p.Avatar = slices.Clone(a.profile.avatar.data)
	}
	if a.profile.header != nil {
		p.Header = slices.Clone(a.profile.header.data)
	}
	return p
}

// VerifyLinks checks the account's unverified links now, as Mastodon's
// VerifyAccountLinksWorker does after each profile update.
func (s *Server) VerifyLinks(accountID string) {
	s.verifyLinks(accountID)
}

func newPicture(data []byte) *picture {
	if len(data) == 0 {
		return nil
	}
	ct, _, _ := mime.ParseMediaType(http.DetectContentType(data))
	return &picture{data: slices.Clone(data), contentType: ct, file: randomString(12) + extension(ct, "")}
}

// profileJSONLocked completes an Account entity with the profile: the note
// and field values rendered as HTML, the pictures' addresses.
func (s *Server) profileJSONLocked(a *account, v *accountJSON) {
	p := a.profile
	if strings.TrimSpace(p.note) != "" {
		v.Note, _, _ = s.renderLocked(p.note)
	}
	fields := make([]any, 0, len(p.fields))
	for _, f := range p.fields {
		var verified *string
		if !f.verifiedAt.IsZero() {
			verified = ptr(timestamp(f.verifiedAt))
		}
		fields = append(fields, map[string]any{
			"name":        cut(f.name, FieldLimit),
			"value":       s.fieldHTMLLocked(cut(f.value, FieldLimit)),
			"verified_at": verified,
		})
	}
	v.Fields = fields
	if p.avatar != nil {
		v.Avatar = s.base + "/system/accounts/avatars/" + a.id + "/original/" + p.avatar.file
		v.AvatarStatic = v.Avatar
	}
	if p.header != nil {
		v.Header = s.base + "/system/accounts/headers/" + a.id + "/original/" + p.header.file
		v.HeaderStatic = v.Header
	}
}

// sourceJSONLocked fills a CredentialAccount's source with the profile as
// written.
func (s *Server) sourceJSONLocked(a *account, v *credentialAccountJSON) {
	v.Source.Note = a.profile.note
	fields := make([]any, 0, len(a.profile.fields))
	for _, f := range a.profile.fields {
		var verified *string
		if !f.verifiedAt.IsZero() {
			verified = ptr(timestamp(f.verifiedAt))
		}
		fields = append(fields, map[string]any{"name": cut(f.name, FieldLimit), "value": cut(f.value, FieldLimit), "verified_at": verified})
	}
	v.Source.Fields = fields
}

// fieldHTMLLocked renders a field value as Mastodon's
// account_field_value_format does: one line, links with rel="me".
func (s *Server) fieldHTMLLocked(value string) string {
	h, _, _ := s.renderLocked(strings.ReplaceAll(value, "\n", " "))
	h = strings.TrimSuffix(strings.TrimPrefix(h, "<p>"), "</p>")
	return strings.ReplaceAll(h, `rel="nofollow noopener noreferrer"`, `rel="nofollow noopener me" translate="no"`)
}

// cut keeps the first n characters, as Account::Field#sanitize does.
func cut(s string, n int) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// lookupAccount is GET /api/v1/accounts/lookup?acct= (methods/accounts#
// lookup): an account of this instance by user name, written "user" or
// "user@domain" with this instance's domain. Like Mastodon, which looks
// up without WebFinger, it does not know remote accounts: 404
// {"error":"Record not found"}, as for a missing or unknown acct.
func (s *Server) lookupAccount(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.viewer(w, r, "read:accounts"); !ok {
		return
	}
	acct := strings.TrimPrefix(strings.TrimSpace(r.URL.Query().Get("acct")), "@")
	user, domain, remote := strings.Cut(acct, "@")
	s.mu.Lock()
	var a *account
	if user != "" && (!remote || strings.EqualFold(domain, s.domain)) {
		a = s.byName[strings.ToLower(user)]
	}
	var v accountJSON
	if a != nil {
		v = s.accountJSONLocked(a)
	}
	s.mu.Unlock()
	if a == nil {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// validationError is Mastodon's answer to a record it refuses
// (Api::BaseController and ValidationErrorFormatter): a sentence, and
// the details per attribute.
func validationError(w http.ResponseWriter, attr, code, description string) {
	label := strings.ToUpper(attr[:1]) + strings.ReplaceAll(attr[1:], "_", " ")
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"error":   "Validation failed: " + label + " " + description,
		"details": map[string]any{attr: []map[string]string{{"error": code, "description": description}}},
	})
}

// updateCredentials is PATCH /api/v1/accounts/update_credentials
// (methods/accounts#update_credentials) for display_name, note,
// fields_attributes and the avatar and header files, validated as
// UpdateAccountService's update! validates: a display name of at most 30
// characters, a note of at most 500 (counted as statuses are, links as
// 23), at most 4 fields, no value without a name, pictures of a known
// image type and at most 8 MB. A refusal is 422 with the Validation failed
// sentence and its details. Blank names and values are dropped; a field
// whose value is unchanged keeps its verification (Account::Fields).
//
// Afterwards the unverified links are checked for a rel="me" link back,
// as VerifyAccountLinksWorker does: the answer shows the profile before
// that check, as a real instance's does, and any later read shows its
// result. Unlike Mastodon, which checks https links only, http links to
// loopback addresses are checked too, so that tests can serve the page.
// Parameters come as a form or multipart form (JSON bodies carry no
// fields_attributes here), and pictures are kept as uploaded, where
// Mastodon crops avatars to 400×400 and headers to 1500×500.
func (s *Server) updateCredentials(w http.ResponseWriter, r *http.Request) {
	t := s.authenticate(w, r, "write:accounts")
	if t == nil {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 2*pictureLimit+1<<20)
	v, err := params(r)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			writeError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
			return
		}
		writeError(w, http.StatusBadRequest, "The request you submitted was invalid or malformed.")
		return
	}
	pictures := map[string]*picture{}
	for _, name := range []string{"avatar", "header"} {
		if r.MultipartForm == nil || len(r.MultipartForm.File[name]) == 0 {
			continue
		}
		hdr := r.MultipartForm.File[name][0]
		f, err := hdr.Open()
		if err != nil {
			writeError(w, http.StatusBadRequest, "The request you submitted was invalid or malformed.")
			return
		}
		data, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			writeError(w, http.StatusBadRequest, "The request you submitted was invalid or malformed.")
			return
		}
		ct, _, _ := mime.ParseMediaType(http.DetectContentType(data))
		if !slices.Contains(pictureTypes, ct) {
			validationError(w, name, "ERR_INVALID", "content type is invalid")
			return
		}
		if len(data) > pictureLimit {
			validationError(w, name, "ERR_INVALID", "file size must be less than 8 MB")
			return
		}
		pictures[name] = &picture{data: data, contentType: ct, file: randomString(12) + extension(ct, hdr.Filename)}
	}

	_, nameSet := v["display_name"]
	displayName := strings.TrimSpace(v.Get("display_name"))
	if nameSet && utf8.RuneCountInString(displayName) > DisplayNameLimit {
		validationError(w, "display_name", "ERR_TOO_LONG", fmt.Sprintf("is too long (maximum is %d characters)", DisplayNameLimit))
		return
	}
	_, noteSet := v["note"]
	note := strings.TrimSpace(v.Get("note"))
	if noteSet && textcount.Mastodon(note, DefaultCharsPerURL) > NoteLimit {
		validationError(w, "note", "ERR_TOO_LONG", fmt.Sprintf("is too long (maximum is %d characters)", NoteLimit))
		return
	}
	fields, fieldsSet := fieldsAttributes(v)
	if fieldsSet {
		if len(fields) > MaxFields {
			validationError(w, "fields", "ERR_TOO_LONG", fmt.Sprintf("is too long (maximum is %d characters)", MaxFields))
			return
		}
		for _, f := range fields {
			if strings.TrimSpace(f.name) == "" {
				validationError(w, "fields", "ERR_FIELDS_WITH_VALUES_MISSING_LABELS", "contains values with missing labels")
				return
			}
		}
	}

	s.mu.Lock()
	a := t.account
	if nameSet {
		a.displayName = displayName
	}
	if noteSet {
		a.profile.note = note
	}
	if fieldsSet {
		old := a.profile.fields
		for i := range fields {
			for _, o := range old {
				if o.value == fields[i].value && !o.verifiedAt.IsZero() {
					fields[i].verifiedAt = o.verifiedAt
					break
				}
			}
		}
		a.profile.fields = fields
	}
	if p := pictures["avatar"]; p != nil {
		a.profile.avatar = p
	}
	if p := pictures["header"]; p != nil {
		a.profile.header = p
	}
	answer := credentialAccountJSON{accountJSON: s.accountJSONLocked(a)}
	s.sourceJSONLocked(a, &answer)
	s.mu.Unlock()
	answer.Source.Privacy = "public"
	answer.Source.Language = "en"
	answer.Role.ID, answer.Role.Name, answer.Role.Permissions = "-99", "", "0"

	s.verifyLinks(a.id)
	writeJSON(w, http.StatusOK, answer)
}

// fieldsAttributes reads fields_attributes[i][name] and [value] in the
// order of i, dropping pairs where both are blank, as
// Account#fields_attributes= does; set is false when none was sent.
func fieldsAttributes(v url.Values) (fields []profileField, set bool) {
	byIndex := map[int]*profileField{}
	for k, vs := range v {
		rest, ok := strings.CutPrefix(k, "fields_attributes[")
		if !ok || len(vs) == 0 {
			continue
		}
		set = true
		idx, attr, ok := strings.Cut(rest, "][")
		i, err := strconv.Atoi(idx)
		if !ok || err != nil {
			continue
		}
		f := byIndex[i]
		if f == nil {
			f = &profileField{}
			byIndex[i] = f
		}
		switch strings.TrimSuffix(attr, "]") {
		case "name":
			f.name = strings.TrimSpace(vs[0])
		case "value":
			f.value = strings.TrimSpace(vs[0])
		}
	}
	keys := make([]int, 0, len(byIndex))
	for i := range byIndex {
		keys = append(keys, i)
	}
	slices.Sort(keys)
	for _, i := range keys {
		if f := byIndex[i]; f.name != "" || f.value != "" {
			fields = append(fields, *f)
		}
	}
	return fields, set
}

// verifyLinks checks each unverified field that links a page for a
// rel="me" link back to the profile (VerifyLinkService): an <a> or <link>
// whose rel holds "me" and whose href is the profile's address, compared
// without regard to case. Pages are fetched without the server's lock.
func (s *Server) verifyLinks(accountID string) {
	s.mu.Lock()
	a := s.accounts[accountID]
	if a == nil {
		s.mu.Unlock()
		return
	}
	linkBack := s.accountURL(a)
	var pending []string
	for _, f := range a.profile.fields {
		if f.verifiedAt.IsZero() && verifiable(cut(f.value, FieldLimit)) {
			pending = append(pending, cut(f.value, FieldLimit))
		}
	}
	s.mu.Unlock()
	verified := map[string]bool{}
	for _, link := range pending {
		if linksBack(link, linkBack) {
			verified[link] = true
		}
	}
	if len(verified) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for i, f := range a.profile.fields {
		if f.verifiedAt.IsZero() && verified[cut(f.value, FieldLimit)] {
			a.profile.fields[i].verifiedAt = now
		}
	}
}

// verifiable is Account::Field#verifiable?: an https address without user
// information, plus, here only, http on a loopback host.
func verifiable(value string) bool {
	u, err := url.Parse(value)
	if err != nil || u.Host == "" || u.User != nil || strings.ContainsAny(value, " \t") {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		host := u.Hostname()
		ip := net.ParseIP(host)
		return host == "localhost" || ip != nil && ip.IsLoopback()
	}
	return false
}

// linksBack fetches page (200 only, at most 1 MB, as Request's
// body_with_limit) and looks for the rel="me" link back.
func linksBack(page, profileURL string) bool {
	client := &http.Client{Timeout: 10 * time.Second}
	req, err := http.NewRequest(http.MethodGet, page, nil)
	if err != nil {
		return false
	}
	req.Header.Set("Accept", "text/html")
	req.Header.Set("User-Agent", "Mastodon (mastodontest)")
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	z := html.NewTokenizer(io.LimitReader(resp.Body, 1<<20))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return false
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
					href = string(v)
				}
			}
			if slices.Contains(strings.Fields(rel), "me") && strings.EqualFold(href, profileURL) {
				return true
			}
		}
	}
}

// servePicture is an uploaded avatar or header, at the address the API
// gives (GET /system/accounts/{kind}/{id}/original/{file}).
func (s *Server) servePicture(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	a := s.accounts[r.PathValue("id")]
	var p *picture
	if a != nil {
		switch r.PathValue("kind") {
		case "avatars":
			p = a.profile.avatar
		case "headers":
			p = a.profile.header
		}
	}
	s.mu.Unlock()
	if p == nil || p.file != r.PathValue("file") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", p.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(p.data)))
	_, _ = w.Write(p.data)
}

// serveMissing is the instance's default avatar or header: a plain grey
// image, like Mastodon's missing.png.
func (s *Server) serveMissing(w http.ResponseWriter, r *http.Request) {
	img := image.NewGray(image.Rect(0, 0, 120, 120))
	for i := range img.Pix {
		img.Pix[i] = 0xa0
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(buf.Bytes())
}

// profileRoutes are the profile endpoints, wired by routes.
func (s *Server) profileRoutes(handle func(pattern string, h http.HandlerFunc)) {
	handle("GET /api/v1/accounts/lookup", s.lookupAccount)
	handle("PATCH /api/v1/accounts/update_credentials", s.updateCredentials)
	handle("GET /system/accounts/{kind}/{id}/original/{file}", s.servePicture)
	handle("GET /avatars/original/missing.png", s.serveMissing)
	handle("GET /headers/original/missing.png", s.serveMissing)
}
