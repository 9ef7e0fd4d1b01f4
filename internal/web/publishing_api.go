package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	_ "image/gif" // decode GIF dimensions
	_ "image/jpeg"
	_ "image/png"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	_ "golang.org/x/image/webp" // decode WebP dimensions

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/i18n"
	"github.com/portavoce/portavoce/internal/linkpreview"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/textcount"
)

// MaxUpload bounds one uploaded file (Mastodon's largest video limit).
const MaxUpload = 100 << 20

// accountJSON is a connected account with its queue times.
type accountJSON struct {
	p.SocialAccount
	Queue []slotJSON `json:"queue"`
}

// slotJSON is a weekly queue time: weekday 0 (Sunday) to 6, and "HH:MM".
type slotJSON struct {
	Weekday int    `json:"weekday"`
	Time    string `json:"time"`
}

func (s *Server) apiAccounts(w http.ResponseWriter, r *http.Request, rq *request) error {
	list, err := s.deps.Publishing.Accounts(r.Context(), rq.access)
	if err != nil {
		return err
	}
	slots, err := s.deps.Publishing.QueueSlots(r.Context(), rq.access)
	if err != nil {
		return err
	}
	out := make([]accountJSON, len(list))
	for i, a := range list {
		out[i] = accountJSON{SocialAccount: a, Queue: []slotJSON{}}
		for _, q := range slots {
			if q.AccountID == a.ID {
				out[i].Queue = append(out[i].Queue, slotJSON{Weekday: int(q.Weekday), Time: clockOf(q.Minute)})
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"accounts": out})
	return nil
}

func clockOf(minute int) string {
	return time.Date(2000, 1, 1, minute/60, minute%60, 0, 0, time.UTC).Format("15:04")
}

func (s *Server) apiConnectBluesky(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in struct {
		Identifier  string `json:"identifier"`
		AppPassword string `json:"app_password"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	a, err := s.deps.Connector.ConnectBluesky(r.Context(), rq.actor(r, s), rq.access, in.Identifier, in.AppPassword)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"account": a})
	return nil
}

// mastodonCallback is where instances send people back after authorizing.
func (s *Server) mastodonCallback(r *http.Request) string {
	return s.baseURL(r) + "/oauth/mastodon/callback"
}

func (s *Server) apiConnectMastodon(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in struct {
		Instance string `json:"instance"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := s.deps.Connector.BeginMastodon(r.Context(), rq.actor(r, s), rq.access, in.Instance, s.mastodonCallback(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"authorize_url": u})
	return nil
}

func (s *Server) apiDisconnect(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := s.deps.Connector.Disconnect(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiSetQueue(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in struct {
		Slots []slotJSON `json:"slots"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	slots, err := parseSlots(in.Slots)
	if err != nil {
		return err
	}
	if err := s.deps.Publishing.SetQueueSlots(r.Context(), rq.access, r.PathValue("id"), slots); err != nil {
		return err
	}
	return s.apiAccounts(w, r, rq)
}

func parseSlots(in []slotJSON) ([]p.QueueSlot, error) {
	var out []p.QueueSlot
	for _, q := range in {
		t, err := time.Parse("15:04", q.Time)
		if err != nil || q.Weekday < 0 || q.Weekday > 6 {
			return nil, p.FieldError("slots", "a queue time needs a weekday from 0 (Sunday) to 6 and a time such as 09:30")
		}
		out = append(out, p.QueueSlot{Weekday: time.Weekday(q.Weekday), Minute: t.Hour()*60 + t.Minute()})
	}
	return out, nil
}

// storeUpload reads an uploaded image or video, measures it and stores it
// in the workspace's media.
func (s *Server) storeUpload(r *http.Request, rq *request, fh *multipart.FileHeader) (p.Media, error) {
	if fh.Size > MaxUpload {
		return p.Media{}, p.Errorf("body_too_large", "%s is larger than %d MB", fh.Filename, MaxUpload>>20)
	}
	f, err := fh.Open()
	if err != nil {
		return p.Media{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxUpload+1))
	if err != nil {
		return p.Media{}, err
	}
	ct := http.DetectContentType(data)
	m := p.Media{ID: uuid.Must(uuid.NewV7()).String(), WorkspaceID: rq.access.Workspace.ID, Filename: cleanName(fh.Filename),
		ContentType: ct, Size: int64(len(data)), Data: data, CreatedBy: rq.user.ID, CreatedAt: time.Now().UTC()}
	switch {
	case strings.HasPrefix(ct, "image/"):
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return p.Media{}, p.FieldError("file", "%s is not an image Portavoce can read: use JPEG, PNG, GIF or WebP", m.Filename)
		}
		m.Width, m.Height = cfg.Width, cfg.Height
	case ct == "video/mp4" || ct == "video/webm":
	default:
		return p.Media{}, p.FieldError("file", "%s is not an image or a video (it looks like %s): use JPEG, PNG, GIF, WebP or MP4", m.Filename, ct)
	}
	sum := sha256.Sum256(data)
	m.SHA256 = hex.EncodeToString(sum[:])
	if err := s.deps.Media.InsertMedia(r.Context(), m); err != nil {
		return p.Media{}, err
	}
	return m, nil
}

// cleanName keeps a file name readable and harmless.
func cleanName(name string) string {
	name = name[strings.LastIndexAny(name, `/\`)+1:]
	name = strings.Map(func(r rune) rune {
		if r < 32 || r == '"' {
			return -1
		}
		return r
	}, name)
	if len(name) > 120 {
		name = name[:120]
	}
	if name == "" {
		name = "upload"
	}
	return name
}

func (s *Server) apiUploadMedia(w http.ResponseWriter, r *http.Request, rq *request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxUpload+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return p.Errorf("body_too_large", "the file is larger than %d MB", MaxUpload>>20)
		}
		return p.FieldError("file", "send the file as multipart/form-data in a field named file")
	}
	defer r.MultipartForm.RemoveAll()
	files := r.MultipartForm.File["file"]
	if len(files) != 1 {
		return p.FieldError("file", "send exactly one file in a field named file")
	}
	m, err := s.storeUpload(r, rq, files[0])
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"media": m})
	return nil
}

// mediaFile serves an uploaded file to the workspace's members (the
// composer's thumbnails, the post page).
func (s *Server) mediaFile(w http.ResponseWriter, r *http.Request, rq *request) error {
	m, err := s.deps.Media.Media(r.Context(), rq.access.Workspace.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", m.ContentType)
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age=86400")
	w.Write(m.Data)
	return nil
}

// reportJSON is a validation report in the reader's language.
type reportJSON struct {
	OK       bool                `json:"ok"`
	Accounts []accountReportJSON `json:"accounts"`
	// LinkCard is the card of the first link of the first part, as
	// Mastodon shows it (and Bluesky when a card is asked for).
	LinkCard *linkpreview.Card `json:"link_card,omitempty"`
}

type accountReportJSON struct {
	publish.AccountReport
	Problems []string `json:"problems"`
	Warnings []string `json:"warnings"`
}

func reportFor(lang i18n.Lang, r publish.Report) reportJSON {
	out := reportJSON{OK: r.OK(), Accounts: []accountReportJSON{}}
	for _, a := range r.Accounts {
		aj := accountReportJSON{AccountReport: a, Problems: []string{}, Warnings: []string{}}
		if aj.Parts == nil {
			aj.Parts = []publish.PartReport{}
		}
		for _, e := range a.Problems {
			aj.Problems = append(aj.Problems, translate(lang, e))
		}
		for _, e := range a.Warnings {
			aj.Warnings = append(aj.Warnings, translate(lang, e))
		}
		out.Accounts = append(out.Accounts, aj)
	}
	return out
}

func (s *Server) apiCheckPost(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in publish.Draft
	if err := decode(r, &in); err != nil {
		return err
	}
	rep, err := s.deps.Publishing.Check(r.Context(), rq.access, in)
	if err != nil {
		return err
	}
	out := reportFor(rq.lang, rep)
	if s.deps.Previews != nil && len(in.Content.Parts) > 0 {
		if urls := textcount.URLs(in.Content.Parts[0].Text); len(urls) > 0 {
			ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
			card, err := s.deps.Previews.Card(ctx, urls[0])
			cancel()
			if err == nil && card.Title != "" {
				out.LinkCard = &card
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// postInput is a post to create or schedule through the API.
type postInput struct {
	publish.Draft
	When publish.When `json:"when"`
}

func (s *Server) apiCreatePost(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in postInput
	if err := decode(r, &in); err != nil {
		return err
	}
	post, err := s.deps.Publishing.Create(r.Context(), rq.actor(r, s), rq.access, in.Draft, in.When)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"post": s.postJSON(rq, post)})
	return nil
}

func (s *Server) apiSchedulePost(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in postInput
	if err := decode(r, &in); err != nil {
		return err
	}
	post, err := s.deps.Publishing.Schedule(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id"), in.Draft, in.When)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"post": s.postJSON(rq, post)})
	return nil
}

// postView adds the time in the workspace's zone to a post.
type postView struct {
	p.Post
	Local string `json:"scheduled_local,omitempty"`
}

func (s *Server) postJSON(rq *request, post p.Post) postView {
	v := postView{Post: post}
	if v.Deliveries == nil {
		v.Deliveries = []p.Delivery{}
	}
	if v.Content.Accounts == nil {
		v.Content.Accounts = []string{}
	}
	v.Deliveries = slices.Clone(v.Deliveries)
	for i := range v.Deliveries {
		if v.Deliveries[i].Done == nil {
			v.Deliveries[i].Done = []p.PublishedPart{}
		}
	}
	// Times as the database keeps them: UTC, to the microsecond.
	v.ScheduledAt, v.CreatedAt, v.UpdatedAt = v.ScheduledAt.UTC().Truncate(time.Microsecond),
		v.CreatedAt.UTC().Truncate(time.Microsecond), v.UpdatedAt.UTC().Truncate(time.Microsecond)
	if !post.ScheduledAt.IsZero() {
		v.Local = post.ScheduledAt.In(publish.Zone(rq.access.Workspace.Timezone)).Format("2006-01-02 15:04 MST")
	}
	return v
}

func (s *Server) apiPosts(w http.ResponseWriter, r *http.Request, rq *request) error {
	q := r.URL.Query()
	f := store.PostFilter{State: q.Get("state")}
	switch f.State {
	case "", p.PostDraft, p.PostScheduled, p.PostCancelled:
	default:
		return p.FieldError("state", "state must be draft, scheduled or cancelled")
	}
	loc := publish.Zone(rq.access.Workspace.Timezone)
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if v := q.Get(name); v != "" {
			t, err := time.ParseInLocation("2006-01-02", v, loc)
			if err != nil {
				return p.FieldError(name, "%s must be a date such as 2026-12-01", name)
			}
			*dst = t
		}
	}
	list, err := s.deps.Publishing.Posts(r.Context(), rq.access, f)
	if err != nil {
		return err
	}
	out := make([]postView, len(list))
	for i, post := range list {
		out[i] = s.postJSON(rq, post)
	}
	writeJSON(w, http.StatusOK, map[string]any{"posts": out})
	return nil
}

func (s *Server) apiPost(w http.ResponseWriter, r *http.Request, rq *request) error {
	post, err := s.deps.Publishing.Post(r.Context(), rq.access, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"post": s.postJSON(rq, post)})
	return nil
}

func (s *Server) apiReschedule(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in struct {
		Date string `json:"date"`
		Time string `json:"time"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	post, err := s.deps.Publishing.Reschedule(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id"), in.Date, in.Time)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"post": s.postJSON(rq, post)})
	return nil
}

func (s *Server) apiCancel(w http.ResponseWriter, r *http.Request, rq *request) error {
	post, err := s.deps.Publishing.Cancel(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"post": s.postJSON(rq, post)})
	return nil
}

func (s *Server) apiResolve(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in struct {
		Action string `json:"action"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	post, err := s.deps.Publishing.Resolve(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id"), r.PathValue("delivery"), in.Action)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"post": s.postJSON(rq, post)})
	return nil
}

func (s *Server) apiDuplicate(w http.ResponseWriter, r *http.Request, rq *request) error {
	post, err := s.deps.Publishing.Duplicate(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"post": s.postJSON(rq, post)})
	return nil
}

// notificationJSON is a notification with its sentence in the reader's
// language.
type notificationJSON struct {
	p.Notification
	Message string `json:"message"`
}

func (s *Server) apiNotifications(w http.ResponseWriter, r *http.Request, rq *request) error {
	list, err := s.deps.Publishing.Notifications(r.Context(), rq.access, 50)
	if err != nil {
		return err
	}
	out := make([]notificationJSON, len(list))
	for i, n := range list {
		_, msg := publish.NotificationText(rq.lang, n)
		out[i] = notificationJSON{Notification: n, Message: msg}
	}
	writeJSON(w, http.StatusOK, map[string]any{"notifications": out})
	return nil
}
