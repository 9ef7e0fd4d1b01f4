package mastodontest

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // image.DecodeConfig of uploads
	_ "image/jpeg"
	_ "image/png"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/portavoce/portavoce/internal/provider/providertest"
	"github.com/portavoce/portavoce/internal/textcount"
)

// viewer authenticates a request whose token is optional (public reads):
// no token is an anonymous viewer; a bad one is still refused.
func (s *Server) viewer(w http.ResponseWriter, r *http.Request, scopes ...string) (*account, bool) {
	if bearer(r) == "" {
		return nil, true
	}
	t := s.authenticate(w, r, scopes...)
	if t == nil {
		return nil, false
	}
	return t.account, true
}

// verifyCredentials is GET /api/v1/accounts/verify_credentials: the
// token's own account, as a CredentialAccount.
func (s *Server) verifyCredentials(w http.ResponseWriter, r *http.Request) {
	t := s.authenticate(w, r, "read:accounts", "profile")
	if t == nil {
		return
	}
	s.mu.Lock()
	v := credentialAccountJSON{accountJSON: s.accountJSONLocked(t.account)}
	s.sourceJSONLocked(t.account, &v)
	s.mu.Unlock()
	v.Source.Privacy = "public"
	v.Source.Language = "en"
	v.Role.ID, v.Role.Name, v.Role.Permissions = "-99", "", "0"
	writeJSON(w, http.StatusOK, v)
}

// getAccount is GET /api/v1/accounts/:id.
func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.viewer(w, r); !ok {
		return
	}
	s.mu.Lock()
	a := s.accounts[r.PathValue("id")]
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

// instance is GET /api/v2/instance (entities/Instance).
func (s *Server) instance(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	maxChars, maxMedia, users := s.maxChars, s.maxMedia, len(s.accounts)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"domain":      s.domain,
		"title":       "Mastodon (test)",
		"version":     "4.4.0",
		"source_url":  "https://github.com/mastodon/mastodon",
		"description": "A local Mastodon instance for Portavoce's tests",
		"usage":       map[string]any{"users": map[string]any{"active_month": users}},
		"thumbnail":   map[string]any{"url": s.base + "/packs/media/images/preview.png"},
		"languages":   []string{"en"},
		"configuration": map[string]any{
			"urls":     map[string]any{"streaming": s.streamingURL()},
			"vapid":    map[string]any{"public_key": ""},
			"accounts": map[string]any{"max_featured_tags": 10, "max_pinned_statuses": 5},
			"statuses": map[string]any{
				"max_characters":              maxChars,
				"max_media_attachments":       maxMedia,
				"characters_reserved_per_url": DefaultCharsPerURL,
			},
			"media_attachments": map[string]any{
				"supported_mime_types":   supportedMIMETypes,
				"description_limit":      descriptionLimit,
				"image_size_limit":       imageSizeLimit,
				"image_matrix_limit":     imageMatrixLimit,
				"video_size_limit":       videoSizeLimit,
				"video_frame_rate_limit": 120,
				"video_matrix_limit":     8_294_400,
			},
			"polls": map[string]any{
				"max_options": 4, "max_characters_per_option": 50, "min_expiration": 300, "max_expiration": 2629746,
			},
			"translation": map[string]any{"enabled": false},
		},
		"registrations": map[string]any{"enabled": false, "approval_required": false, "message": nil},
		"api_versions":  map[string]any{"mastodon": 6},
		"contact":       map[string]any{"email": "admin@" + s.domain, "account": nil},
		"rules":         []any{},
	})
}

// upload is POST /api/v2/media (and the deprecated synchronous
// /api/v1/media): methods/media.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	fault := s.takeFault("media")
	if s.answerFault(w, fault, "media") {
		return
	}
	answer := func(code int, v any) {
		if fault == providertest.LoseAnswer {
			loseAnswer(w)
			return
		}
		writeJSON(w, code, v)
	}
	refuse := func(code int, msg string) { answer(code, map[string]string{"error": msg}) }
	t := s.authenticate(w, r, "write:media")
	if t == nil {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, videoSizeLimit+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			refuse(http.StatusRequestEntityTooLarge, "Request Entity Too Large")
			return
		}
		refuse(http.StatusUnprocessableEntity, "Validation failed: File can't be blank")
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		refuse(http.StatusUnprocessableEntity, "Validation failed: File can't be blank")
		return
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		refuse(http.StatusBadRequest, "The request you submitted was invalid or malformed.")
		return
	}
	// The content decides the type, as Mastodon's Marcel does; the
	// declared type counts when the content says nothing.
	contentType, _, _ := mime.ParseMediaType(hdr.Header.Get("Content-Type"))
	if sniffed, _, _ := mime.ParseMediaType(http.DetectContentType(data)); strings.HasPrefix(sniffed, "image/") ||
		strings.HasPrefix(sniffed, "video/") || contentType == "" || contentType == "application/octet-stream" {
		contentType = sniffed
	}
	if !slices.Contains(supportedMIMETypes, contentType) {
		refuse(http.StatusUnprocessableEntity, RejectMediaReason)
		return
	}
	kind := strings.SplitN(contentType, "/", 2)[0]
	var width, height int
	if kind == "image" {
		if len(data) > imageSizeLimit {
			refuse(http.StatusUnprocessableEntity, "Validation failed: File file size must be less than 16 MB")
			return
		}
		switch contentType {
		case "image/png", "image/jpeg", "image/gif":
			cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
			if err != nil {
				refuse(http.StatusUnprocessableEntity, RejectMediaReason)
				return
			}
			width, height = cfg.Width, cfg.Height
			if int64(width)*int64(height) > imageMatrixLimit {
				refuse(http.StatusUnprocessableEntity, fmt.Sprintf("%dx%d images are not supported", width, height))
				return
			}
		}
	} else if len(data) > videoSizeLimit {
		refuse(http.StatusUnprocessableEntity, "Validation failed: File file size must be less than 99 MB")
		return
	}
	description := r.FormValue("description")
	if utf8.RuneCountInString(description) > descriptionLimit {
		refuse(http.StatusUnprocessableEntity, fmt.Sprintf("Validation failed: Description is too long (maximum is %d characters)", descriptionLimit))
		return
	}
	synchronous := r.URL.Path == "/api/v1/media"
	s.mu.Lock()
	id, _ := s.nextIDLocked()
	now := s.now()
	m := &media{id: id, account: t.account, kind: kind, contentType: contentType, description: description,
		size: len(data), width: width, height: height, ready: now, created: now,
		filename: randomString(8) + extension(contentType, hdr.Filename)}
	async := !synchronous && (s.processing > 0 || kind != "image")
	if async {
		m.ready = now.Add(s.processing)
	}
	s.media[id] = m
	v := s.mediaJSONLocked(m)
	s.mu.Unlock()
	if async {
		// The full-size file is processed in the background: its url is
		// null in the answer whatever the time.
		v.URL = nil
		answer(http.StatusAccepted, v)
		return
	}
	answer(http.StatusOK, v)
}

func extension(contentType, filename string) string {
	if ext := strings.ToLower(path.Ext(filename)); ext != "" && len(ext) <= 5 {
		return ext
	}
	if exts, _ := mime.ExtensionsByType(contentType); len(exts) > 0 {
		return exts[0]
	}
	return ""
}

// getMedia is GET /api/v1/media/:id: 206 while processing, 200 when done;
// only the owner's attachments not yet in a status.
func (s *Server) getMedia(w http.ResponseWriter, r *http.Request) {
	t := s.authenticate(w, r, "write:media")
	if t == nil {
		return
	}
	s.mu.Lock()
	m := s.media[r.PathValue("id")]
	if m == nil || m.account != t.account || m.status != nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	v := s.mediaJSONLocked(m)
	processing := s.now().Before(m.ready)
	s.mu.Unlock()
	if processing {
		writeJSON(w, http.StatusPartialContent, v)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

var visibilities = []string{"public", "unlisted", "private", "direct"}

// createStatus is POST /api/v1/statuses (methods/statuses#create), in the
// order of Api::V1::StatusesController and PostStatusService: the status
// answered must exist, then a remembered Idempotency-Key returns its
// status whatever else the request says, then the media are checked, then
// the text.
func (s *Server) createStatus(w http.ResponseWriter, r *http.Request) {
	fault := s.takeFault("post")
	if s.answerFault(w, fault, "post") {
		return
	}
	answer := func(code int, v any) {
		if fault == providertest.LoseAnswer {
			loseAnswer(w)
			return
		}
		writeJSON(w, code, v)
	}
	refuse := func(code int, msg string) { answer(code, map[string]string{"error": msg}) }
	t := s.authenticate(w, r, "write:statuses")
	if t == nil {
		return
	}
	v, err := params(r)
	if err != nil {
		refuse(http.StatusBadRequest, "The request you submitted was invalid or malformed.")
		return
	}
	me := t.account
	key := r.Header.Get("Idempotency-Key")

	s.mu.Lock()
	locked := true
	unlock := func() {
		if locked {
			s.mu.Unlock()
			locked = false
		}
	}
	defer unlock()
	now := s.now()

	var thread *status
	if id := v.Get("in_reply_to_id"); id != "" {
		thread = s.statuses[id]
		if thread == nil || thread.deleted || !visible(thread, me) {
			unlock()
			refuse(http.StatusNotFound, "The post you are trying to reply to does not appear to exist.")
			return
		}
	}

	idemKey := me.id + "\x00" + key
	if key != "" {
		if e, ok := s.idem[idemKey]; ok && now.Before(e.expires) {
			st := s.statuses[e.statusID]
			if st == nil || st.deleted {
				unlock()
				refuse(http.StatusNotFound, "Record not found")
				return
			}
			body := s.statusJSONLocked(st)
			unlock()
			answer(http.StatusOK, body)
			return
		}
	}

	var ids []string
	for _, id := range list(v, "media_ids") {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) > s.maxMedia {
		unlock()
		refuse(http.StatusUnprocessableEntity, fmt.Sprintf("Cannot attach more than %d files", s.maxMedia))
		return
	}
	var attached []*media
	var missing []string
	for _, id := range ids {
		m := s.media[id]
		if m == nil || m.account != me || m.status != nil {
			missing = append(missing, id)
			continue
		}
		attached = append(attached, m)
	}
	if len(missing) > 0 {
		unlock()
		refuse(http.StatusUnprocessableEntity, "Media "+strings.Join(missing, ", ")+" not found or already attached to another post")
		return
	}
	if len(attached) > 1 && slices.ContainsFunc(attached, func(m *media) bool { return m.kind == "video" || m.kind == "audio" }) {
		unlock()
		refuse(http.StatusUnprocessableEntity, "Cannot attach a video to a post that already contains images")
		return
	}
	if slices.ContainsFunc(attached, func(m *media) bool { return now.Before(m.ready) }) {
		unlock()
		refuse(http.StatusUnprocessableEntity, "Cannot attach files that have not finished processing. Try again in a moment!")
		return
	}

	visibility := v.Get("visibility")
	if visibility == "" {
		visibility = "public"
	}
	if !slices.Contains(visibilities, visibility) {
		unlock()
		refuse(http.StatusUnprocessableEntity, "Validation failed: Visibility is not included in the list")
		return
	}
	text := strings.TrimSpace(v.Get("status"))
	spoiler := strings.TrimSpace(v.Get("spoiler_text"))
	if text == "" && spoiler != "" {
		text, spoiler = spoiler, ""
	}
	if text == "" && len(attached) == 0 {
		unlock()
		refuse(http.StatusUnprocessableEntity, "Validation failed: Text can't be blank")
		return
	}
	if textcount.MastodonStatus(text, spoiler, DefaultCharsPerURL) > s.maxChars {
		unlock()
		refuse(http.StatusUnprocessableEntity, fmt.Sprintf("Validation failed: Text character limit of %d exceeded", s.maxChars))
		return
	}
	language := v.Get("language")
	if language == "" {
		language = "en"
	}
	sensitive := spoiler != ""
	if b, err := strconv.ParseBool(v.Get("sensitive")); err == nil && b {
		sensitive = true
	}

	id, n := s.nextIDLocked()
	st := &status{id: id, n: n, account: me, text: v.Get("status"), spoiler: spoiler, visibility: visibility,
		language: language, sensitive: sensitive, inReplyTo: thread, media: attached, key: key,
		application: t.app, created: now}
	st.content, st.mentions, st.tags = s.renderLocked(text)
	for _, m := range attached {
		m.status = st
	}
	if thread != nil {
		thread.replies++
	}
	s.statuses[id] = st
	me.statuses = append(me.statuses, st)
	s.statusCreatedLocked(st)
	if key != "" {
		s.idem[idemKey] = idemEntry{statusID: id, expires: now.Add(IdempotencyTTL)}
	}
	body := s.statusJSONLocked(st)
	unlock()
	answer(http.StatusOK, body)
}

// visible says whether a viewer (nil: anonymous) may see a status: a
// private one is for followers (none here) and the accounts it mentions, a
// direct one for those only (entities/Status#visibility).
func visible(st *status, viewer *account) bool {
	switch st.visibility {
	case "public", "unlisted":
		return true
	}
	return viewer != nil && (viewer == st.account || mentions(st, viewer))
}

// getStatus is GET /api/v1/statuses/:id.
func (s *Server) getStatus(w http.ResponseWriter, r *http.Request) {
	me, ok := s.viewer(w, r, "read:statuses")
	if !ok {
		return
	}
	s.mu.Lock()
	st := s.statuses[r.PathValue("id")]
	if st == nil || st.deleted || !visible(st, me) {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	v := s.statusJSONLocked(st)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, v)
}

// deleteStatus is DELETE /api/v1/statuses/:id: the deleted status with
// its source text. Its media are freed for a redraft, its notifications
// deleted (removeStatusLocked). The Idempotency-Key stays remembered: a
// repeat with it then answers 404, as PostStatusService's find of the
// remembered id does.
func (s *Server) deleteStatus(w http.ResponseWriter, r *http.Request) {
	t := s.authenticate(w, r, "write:statuses")
	if t == nil {
		return
	}
	s.mu.Lock()
	st := s.statuses[r.PathValue("id")]
	if st == nil || st.deleted || st.account != t.account {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	v := s.statusJSONLocked(st)
	s.removeStatusLocked(st)
	s.mu.Unlock()
	v.Text = ptr(st.text)
	writeJSON(w, http.StatusOK, v)
}

// accountStatuses is GET /api/v1/accounts/:id/statuses
// (methods/accounts#statuses) with max_id, since_id, min_id and limit
// (default 20, at most 40), newest first, and the Link header of
// api/guidelines#pagination: rel="next" (older, max_id) when the page is
// full, rel="prev" (newer, min_id) when it is not empty.
func (s *Server) accountStatuses(w http.ResponseWriter, r *http.Request) {
	me, ok := s.viewer(w, r, "read:statuses")
	if !ok {
		return
	}
	q := r.URL.Query()
	limit := 20
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = min(n, 40)
	}
	maxID, sinceID, minID := idParam(q.Get("max_id")), idParam(q.Get("since_id")), idParam(q.Get("min_id"))
	excludeReplies := boolParam(q.Get("exclude_replies"))
	onlyMedia := boolParam(q.Get("only_media"))

	s.mu.Lock()
	a := s.accounts[r.PathValue("id")]
	if a == nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	keep := func(st *status) bool {
		return visible(st, me) &&
			(maxID == 0 || st.n < maxID) && st.n > sinceID && st.n > minID &&
			(!excludeReplies || st.inReplyTo == nil || st.inReplyTo.account == a) &&
			(!onlyMedia || len(st.media) > 0)
	}
	var page []*status
	if boolParam(q.Get("pinned")) {
		// No status is pinned here.
	} else if minID > 0 {
		// The oldest after min_id, returned newest first.
		i := sort.Search(len(a.statuses), func(i int) bool { return a.statuses[i].n > minID })
		for ; i < len(a.statuses) && len(page) < limit; i++ {
			if keep(a.statuses[i]) {
				page = append(page, a.statuses[i])
			}
		}
		slices.Reverse(page)
	} else {
		i := len(a.statuses)
		if maxID > 0 {
			i = sort.Search(len(a.statuses), func(i int) bool { return a.statuses[i].n >= maxID })
		}
		for i--; i >= 0 && len(page) < limit; i-- {
			if keep(a.statuses[i]) {
				page = append(page, a.statuses[i])
			}
		}
	}
	out := make([]statusJSON, 0, len(page))
	for _, st := range page {
		out = append(out, s.statusJSONLocked(st))
	}
	s.mu.Unlock()

	if len(page) > 0 {
		link := func(k, id string) string {
			lq := url.Values{"limit": {strconv.Itoa(limit)}, k: {id}}
			for _, f := range []string{"exclude_replies", "only_media"} {
				if v := q.Get(f); v != "" {
					lq.Set(f, v)
				}
			}
			return "<" + s.base + "/api/v1/accounts/" + a.id + "/statuses?" + lq.Encode() + ">"
		}
		var links []string
		if len(page) == limit {
			links = append(links, link("max_id", page[len(page)-1].id)+`; rel="next"`)
		}
		links = append(links, link("min_id", page[0].id)+`; rel="prev"`)
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	writeJSON(w, http.StatusOK, out)
}

// idParam reads an id parameter as Rails' to_i does: anything else is 0.
func idParam(v string) uint64 {
	n, _ := strconv.ParseUint(v, 10, 64)
	return n
}

func boolParam(v string) bool {
	b, _ := strconv.ParseBool(v)
	return b
}
