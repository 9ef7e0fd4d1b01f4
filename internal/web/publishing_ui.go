package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/i18n"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/store"
)

// accountView is a connected account on the accounts page.
type accountView struct {
	p.SocialAccount
	Queue string
}

func (s *Server) accountsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.showAccounts(w, r, rq, http.StatusOK, pageData{Notice: notice(r)})
}

// accountsCSP lets the accounts page's forms lead to a Mastodon instance's
// authorization page: browsers apply form-action to the redirect that
// follows a form.
const accountsCSP = "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self' https: http:; base-uri 'none'"

func (s *Server) showAccounts(w http.ResponseWriter, r *http.Request, rq *request, code int, d pageData) error {
	w.Header().Set("Content-Security-Policy", accountsCSP)
	list, err := s.deps.Publishing.Accounts(r.Context(), rq.access)
	if err != nil {
		return err
	}
	slots, err := s.deps.Publishing.QueueSlots(r.Context(), rq.access)
	if err != nil {
		return err
	}
	for _, a := range list {
		v := accountView{SocialAccount: a}
		var lines []string
		for _, q := range slots {
			if q.AccountID == a.ID {
				lines = append(lines, weekdayCodes[q.Weekday]+" "+clockOf(q.Minute))
			}
		}
		v.Queue = strings.Join(lines, "\n")
		d.AccountViews = append(d.AccountViews, v)
	}
	d.Title, d.Section = "Accounts", sectionByKey("accounts")
	d.Back = "/w/" + rq.access.Workspace.Slug + "/accounts"
	d.CanManage = rq.access.Can(p.PermManageAccounts)
	s.render(w, r, code, "accounts", d)
	return nil
}

// weekdayCodes are how queue times are written on the accounts page
// ("mon 09:00"), in English and Italian alike.
var weekdayCodes = map[time.Weekday]string{time.Sunday: "sun", time.Monday: "mon", time.Tuesday: "tue",
	time.Wednesday: "wed", time.Thursday: "thu", time.Friday: "fri", time.Saturday: "sat"}

var weekdayByCode = map[string]time.Weekday{"sun": time.Sunday, "dom": time.Sunday, "mon": time.Monday, "lun": time.Monday,
	"tue": time.Tuesday, "mar": time.Tuesday, "wed": time.Wednesday, "mer": time.Wednesday, "thu": time.Thursday,
	"gio": time.Thursday, "fri": time.Friday, "ven": time.Friday, "sat": time.Saturday, "sab": time.Saturday}

// accountFormError shows a connection form's problem on the accounts page.
func (s *Server) accountFormError(w http.ResponseWriter, r *http.Request, rq *request, err error, form map[string]string) error {
	var e *p.Error
	if errors.As(err, &e) && (e.Code == p.ECodeInvalid || e.Code == p.ECodeConflict) {
		return s.showAccounts(w, r, rq, status(e.Code), pageData{Error: translate(rq.lang, e), Field: e.Field, Form: form})
	}
	return err
}

func (s *Server) connectMastodon(w http.ResponseWriter, r *http.Request, rq *request) error {
	instance := r.PostFormValue("instance")
	u, err := s.deps.Connector.BeginMastodon(r.Context(), rq.actor(r, s), rq.access, instance, s.mastodonCallback(r))
	if err != nil {
		return s.accountFormError(w, r, rq, err, map[string]string{"instance": instance})
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
	return nil
}

func (s *Server) mastodonReturn(w http.ResponseWriter, r *http.Request, rq *request) error {
	q := r.URL.Query()
	ws, acc, err := s.deps.Connector.FinishMastodon(r.Context(), rq.actor(r, s), q.Get("state"), q.Get("code"), q.Get("error"))
	if err != nil {
		return err
	}
	_ = acc
	http.Redirect(w, r, "/w/"+ws.Slug+"/accounts?done=account-connected", http.StatusSeeOther)
	return nil
}

func (s *Server) connectBluesky(w http.ResponseWriter, r *http.Request, rq *request) error {
	identifier := r.PostFormValue("identifier")
	if _, err := s.deps.Connector.ConnectBluesky(r.Context(), rq.actor(r, s), rq.access, identifier, r.PostFormValue("app_password")); err != nil {
		return s.accountFormError(w, r, rq, err, map[string]string{"identifier": identifier})
	}
	http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/accounts?done=account-connected", http.StatusSeeOther)
	return nil
}

func (s *Server) disconnectAccount(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := s.deps.Connector.Disconnect(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id")); err != nil {
		return s.accountFormError(w, r, rq, err, nil)
	}
	http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/accounts?done=account-removed", http.StatusSeeOther)
	return nil
}

func (s *Server) setQueue(w http.ResponseWriter, r *http.Request, rq *request) error {
	var slots []p.QueueSlot
	for line := range strings.Lines(r.PostFormValue("queue")) {
		for _, item := range strings.Split(line, ",") {
			fields := strings.Fields(strings.ToLower(item))
			if len(fields) == 0 {
				continue
			}
			wd, ok := weekdayByCode[strings.TrimSuffix(fields[0], ".")]
			var t time.Time
			var err error
			if len(fields) == 2 {
				t, err = time.Parse("15:04", fields[1])
			}
			if !ok || len(fields) != 2 || err != nil {
				return s.accountFormError(w, r, rq, p.FieldError("queue",
					"write each queue time as a day and a time, one per line, such as \"mon 09:00\" or \"lun 09:00\""), nil)
			}
			slots = append(slots, p.QueueSlot{Weekday: wd, Minute: t.Hour()*60 + t.Minute()})
		}
	}
	if err := s.deps.Publishing.SetQueueSlots(r.Context(), rq.access, r.PathValue("id"), slots); err != nil {
		return s.accountFormError(w, r, rq, err, nil)
	}
	http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/accounts?done=queue-saved", http.StatusSeeOther)
	return nil
}

// composePart is one part of the thread in the composer.
type composePart struct {
	Index int
	Text  string
	Media []composeMedia
}

// composeMedia is an image slot of a part: an uploaded file or an empty
// slot for a new one.
type composeMedia struct {
	Slot    int
	MediaID string
	Alt     string
	Name    string
}

// composeState is what the composer shows.
type composeState struct {
	PostID      string
	Parts       []composePart
	Accounts    []p.SocialAccount
	Chosen      map[string]bool
	Variants    map[string]string
	LinkPreview bool
	Mode        string
	Date, Time  string
	Timezone    string
	CanPublish  bool
	Problems    []string
	Warnings    []string
}

// mediaSlots is how many images a part offers in the form.
const mediaSlots = 4

func (s *Server) composePage(w http.ResponseWriter, r *http.Request, rq *request) error {
	st := composeState{Mode: "at", Chosen: map[string]bool{}, Variants: map[string]string{}}
	if id := r.URL.Query().Get("post"); id != "" {
		post, err := s.deps.Publishing.Post(r.Context(), rq.access, id)
		if err != nil {
			return err
		}
		if post.State != p.PostDraft {
			http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/posts/"+post.ID, http.StatusSeeOther)
			return nil
		}
		st.PostID = post.ID
		st.fromContent(post.Content)
	} else if text := r.URL.Query().Get("text"); text != "" {
		// A post started elsewhere: a mention to share or quote from the
		// listening page.
		st.fromContent(p.PostContent{Parts: []p.PostPart{{Text: clipRunes(text, 5000)}}})
	}
	return s.showCompose(w, r, rq, http.StatusOK, st, pageData{Notice: notice(r)})
}

// clipRunes cuts s to at most n characters.
func clipRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

func (st *composeState) fromContent(c p.PostContent) {
	for i, part := range c.Parts {
		cp := composePart{Index: i, Text: part.Text}
		for j, m := range part.Media {
			cp.Media = append(cp.Media, composeMedia{Slot: j, MediaID: m.MediaID, Alt: m.Alt})
		}
		st.Parts = append(st.Parts, cp)
	}
	for _, id := range c.Accounts {
		st.Chosen[id] = true
	}
	for id, v := range c.Variants {
		texts := make([]string, len(v))
		for i, part := range v {
			texts[i] = part.Text
		}
		st.Variants[id] = strings.Join(texts, variantSeparator)
	}
	st.LinkPreview = c.LinkPreview
}

func (s *Server) showCompose(w http.ResponseWriter, r *http.Request, rq *request, code int, st composeState, d pageData) error {
	accounts, err := s.deps.Publishing.Accounts(r.Context(), rq.access)
	if err != nil {
		return err
	}
	st.Accounts = accounts
	if len(st.Parts) == 0 {
		st.Parts = []composePart{{}}
	}
	for i := range st.Parts {
		st.Parts[i].Index = i
		for len(st.Parts[i].Media) < mediaSlots {
			st.Parts[i].Media = append(st.Parts[i].Media, composeMedia{})
		}
		for j := range st.Parts[i].Media {
			st.Parts[i].Media[j].Slot = j
		}
	}
	loc := publish.Zone(rq.access.Workspace.Timezone)
	st.Timezone = loc.String()
	if st.Date == "" {
		tomorrow := time.Now().In(loc).AddDate(0, 0, 1)
		st.Date, st.Time = tomorrow.Format("2006-01-02"), "09:00"
	}
	st.CanPublish = rq.access.Can(p.PermPublishPosts)
	if !st.CanPublish {
		st.Mode = "draft"
	}
	d.Compose = st
	d.Title, d.Section = "Compose", sectionByKey("compose")
	d.Back = "/w/" + rq.access.Workspace.Slug + "/compose"
	s.render(w, r, code, "compose", d)
	return nil
}

// readCompose reads the composer's form, storing newly uploaded images.
func (s *Server) readCompose(r *http.Request, rq *request) (composeState, publish.Draft, publish.When, error) {
	st := composeState{Chosen: map[string]bool{}, Variants: map[string]string{}}
	form := r.MultipartForm
	var d publish.Draft
	value := func(k string) string {
		if v := form.Value[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	st.PostID = value("post")
	texts := form.Value["part"]
	for i, text := range texts {
		cp := composePart{Index: i, Text: text}
		part := p.PostPart{Text: text}
		for j := range mediaSlots {
			alt := strings.TrimSpace(value(fmt.Sprintf("alt-%d-%d", i, j)))
			id := value(fmt.Sprintf("media-%d-%d", i, j))
			if files := form.File[fmt.Sprintf("image-%d-%d", i, j)]; len(files) > 0 && files[0].Size > 0 {
				m, err := s.storeUpload(r, rq, files[0])
				if err != nil {
					return st, d, publish.When{}, err
				}
				id = m.ID
			}
			if id == "" {
				continue
			}
			cp.Media = append(cp.Media, composeMedia{MediaID: id, Alt: alt})
			part.Media = append(part.Media, p.MediaItem{MediaID: id, Alt: alt})
		}
		st.Parts = append(st.Parts, cp)
		d.Content.Parts = append(d.Content.Parts, part)
	}
	// A trailing empty part (the form always offers one more) is dropped.
	for len(d.Content.Parts) > 1 {
		last := d.Content.Parts[len(d.Content.Parts)-1]
		if strings.TrimSpace(last.Text) != "" || len(last.Media) > 0 {
			break
		}
		d.Content.Parts = d.Content.Parts[:len(d.Content.Parts)-1]
		st.Parts = st.Parts[:len(st.Parts)-1]
	}
	d.Accounts = form.Value["account"]
	for _, id := range d.Accounts {
		st.Chosen[id] = true
		if v := strings.TrimSpace(value("variant-" + id)); v != "" && len(d.Content.Parts) > 0 {
			st.Variants[id] = v
			if d.Content.Variants == nil {
				d.Content.Variants = map[string][]p.PostPart{}
			}
			d.Content.Variants[id] = variantParts(v, d.Content.Parts)
		}
	}
	d.Content.LinkPreview = value("link_preview") != ""
	st.LinkPreview = d.Content.LinkPreview
	wh := publish.When{Mode: value("mode"), Date: value("date"), Time: value("time")}
	st.Mode, st.Date, st.Time = wh.Mode, wh.Date, wh.Time
	return st, d, wh, nil
}

func (s *Server) composeSubmit(w http.ResponseWriter, r *http.Request, rq *request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 4*MaxUpload)
	if err := r.ParseMultipartForm(16 << 20); err != nil {
		return p.Errorf(p.ECodeInvalid, "the form could not be read (%s): reload the page and try again", err.Error())
	}
	defer r.MultipartForm.RemoveAll()
	st, d, wh, err := s.readCompose(r, rq)
	if err == nil {
		var post p.Post
		if st.PostID != "" {
			post, err = s.deps.Publishing.Schedule(r.Context(), rq.actor(r, s), rq.access, st.PostID, d, wh)
		} else {
			post, err = s.deps.Publishing.Create(r.Context(), rq.actor(r, s), rq.access, d, wh)
		}
		if err == nil {
			done := "post-scheduled"
			if post.State == p.PostDraft {
				done = "draft-saved"
			}
			http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/posts/"+post.ID+"?done="+done, http.StatusSeeOther)
			return nil
		}
	}
	var verr *publish.ValidationError
	if errors.As(err, &verr) {
		for _, pr := range verr.Report.Problems() {
			st.Problems = append(st.Problems, translate(rq.lang, pr))
		}
		return s.showCompose(w, r, rq, http.StatusUnprocessableEntity, st,
			pageData{Error: i18n.T(rq.lang, "The post needs changes before it can be scheduled:")})
	}
	var e *p.Error
	if errors.As(err, &e) && e.Code != p.ECodeUnavailable && status(e.Code) < 500 && e.Code != p.ECodeNotFound {
		return s.showCompose(w, r, rq, status(e.Code), st, pageData{Error: translate(rq.lang, e), Field: e.Field})
	}
	return err
}

// deliveryView is a delivery with its account, for pages.
type deliveryView struct {
	p.Delivery
	Account  p.SocialAccount
	Local    string
	Attempts []p.PublishAttempt
}

func (s *Server) postPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.showPost(w, r, rq, http.StatusOK, pageData{Notice: notice(r)})
}

func (s *Server) showPost(w http.ResponseWriter, r *http.Request, rq *request, code int, d pageData) error {
	post, err := s.deps.Publishing.Post(r.Context(), rq.access, r.PathValue("id"))
	if err != nil {
		return err
	}
	accounts, err := s.deps.Publishing.KnownAccounts(r.Context(), rq.access)
	if err != nil {
		return err
	}
	loc := publish.Zone(rq.access.Workspace.Timezone)
	d.Post = s.postJSON(rq, post)
	for _, dl := range post.Deliveries {
		v := deliveryView{Delivery: dl, Local: dl.DueAt.In(loc).Format("2006-01-02 15:04 MST")}
		if i := slices.IndexFunc(accounts, func(a p.SocialAccount) bool { return a.ID == dl.AccountID }); i >= 0 {
			v.Account = accounts[i]
		}
		if v.Attempts, err = s.deps.Media.Attempts(r.Context(), dl.ID); err != nil {
			return err
		}
		d.Deliveries = append(d.Deliveries, v)
	}
	if !post.ScheduledAt.IsZero() {
		at := post.ScheduledAt.In(loc)
		d.Form = map[string]string{"date": at.Format("2006-01-02"), "time": at.Format("15:04")}
	}
	d.CanManage = rq.access.Can(p.PermPublishPosts)
	for _, dl := range post.Deliveries {
		if (dl.Status == p.DeliveryScheduled || dl.Status == p.DeliveryWaitingAccount) && dl.Attempts == 0 {
			d.Movable = true
		}
	}
	d.Compose.Timezone = loc.String()
	d.Title, d.Section = "Post", sectionByKey("calendar")
	d.Back = "/w/" + rq.access.Workspace.Slug + "/posts/" + post.ID
	s.render(w, r, code, "post", d)
	return nil
}

// postAction runs a change on a post from its page and shows the result.
func (s *Server) postAction(w http.ResponseWriter, r *http.Request, rq *request, done string, act func() (p.Post, error)) error {
	post, err := act()
	if err != nil {
		var e *p.Error
		if errors.As(err, &e) && (e.Code == p.ECodeInvalid || e.Code == p.ECodeConflict) {
			return s.showPost(w, r, rq, status(e.Code), pageData{Error: translate(rq.lang, e), Field: e.Field})
		}
		return err
	}
	http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/posts/"+post.ID+"?done="+done, http.StatusSeeOther)
	return nil
}

func (s *Server) reschedulePost(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.postAction(w, r, rq, "post-rescheduled", func() (p.Post, error) {
		return s.deps.Publishing.Reschedule(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id"), r.PostFormValue("date"), r.PostFormValue("time"))
	})
}

func (s *Server) cancelPost(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.postAction(w, r, rq, "post-cancelled", func() (p.Post, error) {
		return s.deps.Publishing.Cancel(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id"))
	})
}

func (s *Server) resolveDelivery(w http.ResponseWriter, r *http.Request, rq *request) error {
	action := r.PostFormValue("action")
	return s.postAction(w, r, rq, "post-resolved-"+action, func() (p.Post, error) {
		return s.deps.Publishing.Resolve(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id"), r.PathValue("delivery"), action)
	})
}

func (s *Server) duplicatePost(w http.ResponseWriter, r *http.Request, rq *request) error {
	post, err := s.deps.Publishing.Duplicate(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/w/"+rq.access.Workspace.Slug+"/compose?post="+post.ID+"&done=post-duplicated", http.StatusSeeOther)
	return nil
}

// calendarView is a month or a week of posts in the workspace's time zone.
type calendarView struct {
	View                  string
	Title                 string
	Prev, Next, Today     string
	MonthLink, WeekLink   string
	Weekdays              []string
	Weeks                 [][]calendarDay
	Timezone              string
	CanMove               bool
	Notifications         []string
	NotificationsMoreLink string
	// Accounts offers the filter by account; Account is the chosen one.
	Accounts []p.SocialAccount
	Account  string
}

type calendarDay struct {
	Date    string
	Day     int
	InRange bool
	Today   bool
	Entries []calendarEntry
}

type calendarEntry struct {
	PostID   string
	Time     string
	Text     string
	Status   string
	Movable  bool
	Accounts []calendarAccount
}

type calendarAccount struct {
	Label   string
	Network string
	Status  string
}

var monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September",
	"October", "November", "December"}
var weekdayNames = []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

func (s *Server) calendarPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	loc := publish.Zone(rq.access.Workspace.Timezone)
	now := time.Now().In(loc)
	q := r.URL.Query()
	view := q.Get("view")
	if view != "week" {
		view = "month"
	}
	anchor := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	if v := q.Get("date"); v != "" {
		if t, err := time.ParseInLocation("2006-01-02", v, loc); err == nil {
			anchor = t
		}
	}
	// Weeks start on Monday, as in Italy and most of Europe.
	monday := func(t time.Time) time.Time {
		return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
	}
	var start, end time.Time
	var prev, next time.Time
	cv := calendarView{View: view, Timezone: loc.String(), CanMove: rq.access.Can(p.PermPublishPosts), Account: q.Get("account")}
	if view == "week" {
		start = monday(anchor)
		end = start.AddDate(0, 0, 7)
		prev, next = start.AddDate(0, 0, -7), end
		cv.Title = i18n.T(rq.lang, "Week of %s", fmt.Sprintf("%d %s %d", start.Day(), i18n.T(rq.lang, monthNames[start.Month()-1]), start.Year()))
	} else {
		first := time.Date(anchor.Year(), anchor.Month(), 1, 0, 0, 0, 0, loc)
		start = monday(first)
		last := first.AddDate(0, 1, 0)
		end = monday(last.AddDate(0, 0, -1)).AddDate(0, 0, 7)
		prev, next = first.AddDate(0, -1, 0), last
		cv.Title = i18n.T(rq.lang, monthNames[first.Month()-1]) + " " + strconv.Itoa(first.Year())
	}
	base := "/w/" + rq.access.Workspace.Slug + "/calendar?account=" + url.QueryEscape(cv.Account) + "&view=" + view + "&date="
	cv.Prev, cv.Next, cv.Today = base+prev.Format("2006-01-02"), base+next.Format("2006-01-02"), base+now.Format("2006-01-02")
	cv.MonthLink = "/w/" + rq.access.Workspace.Slug + "/calendar?account=" + url.QueryEscape(cv.Account) + "&view=month&date=" + anchor.Format("2006-01-02")
	cv.WeekLink = "/w/" + rq.access.Workspace.Slug + "/calendar?account=" + url.QueryEscape(cv.Account) + "&view=week&date=" + anchor.Format("2006-01-02")
	for _, n := range weekdayNames {
		cv.Weekdays = append(cv.Weekdays, i18n.T(rq.lang, n))
	}
	posts, err := s.deps.Publishing.Posts(r.Context(), rq.access, store.PostFilter{From: start, To: end})
	if err != nil {
		return err
	}
	accounts, err := s.deps.Publishing.KnownAccounts(r.Context(), rq.access)
	if err != nil {
		return err
	}
	cv.Accounts = accounts
	byDay := map[string][]calendarEntry{}
	for _, post := range posts {
		if cv.Account != "" {
			// Only the chosen account's deliveries, and only posts that
			// have one.
			post.Deliveries = slices.DeleteFunc(slices.Clone(post.Deliveries), func(d p.Delivery) bool { return d.AccountID != cv.Account })
			if len(post.Deliveries) == 0 {
				continue
			}
		}
		at := post.ScheduledAt.In(loc)
		e := calendarEntry{PostID: post.ID, Time: at.Format("15:04"), Text: excerpt(post.Content), Status: postStatus(post)}
		for _, dl := range post.Deliveries {
			ca := calendarAccount{Status: dl.Status}
			if i := slices.IndexFunc(accounts, func(a p.SocialAccount) bool { return a.ID == dl.AccountID }); i >= 0 {
				ca.Label, ca.Network = "@"+accounts[i].Handle, accounts[i].Network
			}
			e.Accounts = append(e.Accounts, ca)
			if dl.Status == p.DeliveryScheduled && dl.Attempts == 0 {
				e.Movable = true
			}
		}
		byDay[at.Format("2006-01-02")] = append(byDay[at.Format("2006-01-02")], e)
	}
	for day := start; day.Before(end); {
		var week []calendarDay
		for range 7 {
			key := day.Format("2006-01-02")
			week = append(week, calendarDay{Date: key, Day: day.Day(), InRange: view == "week" || day.Month() == anchor.Month(),
				Today: key == now.Format("2006-01-02"), Entries: byDay[key]})
			day = day.AddDate(0, 0, 1)
		}
		cv.Weeks = append(cv.Weeks, week)
	}
	notes, err := s.deps.Publishing.Notifications(r.Context(), rq.access, 5)
	if err != nil {
		return err
	}
	for _, n := range notes {
		_, msg := publish.NotificationText(rq.lang, n)
		cv.Notifications = append(cv.Notifications, n.CreatedAt.In(loc).Format("02/01 15:04")+" · "+msg)
	}
	s.render(w, r, http.StatusOK, "calendar", pageData{Title: "Calendar", Section: sectionByKey("calendar"), Calendar: cv,
		Notice: notice(r), Back: "/w/" + rq.access.Workspace.Slug + "/calendar"})
	return nil
}

// postStatus sums up a post's deliveries for the calendar.
func postStatus(post p.Post) string {
	if post.State == p.PostCancelled {
		return "cancelled"
	}
	counts := map[string]int{}
	for _, d := range post.Deliveries {
		counts[d.Status]++
	}
	switch {
	case counts[p.DeliveryFailed] > 0 || counts[p.DeliveryNeedsCheck] > 0 || counts[p.DeliveryWaitingAccount] > 0:
		return "attention"
	case counts[p.DeliveryPublished] == len(post.Deliveries) && len(post.Deliveries) > 0:
		return "published"
	case counts[p.DeliverySending] > 0 || counts[p.DeliveryPublished] > 0:
		return "publishing"
	}
	return "scheduled"
}

// excerpt is the start of a post's text for the calendar.
func excerpt(c p.PostContent) string {
	if len(c.Parts) == 0 {
		return ""
	}
	t := []rune(strings.Join(strings.Fields(c.Parts[0].Text), " "))
	if len(t) > 80 {
		return string(t[:79]) + "…"
	}
	return string(t)
}

// variantSeparator separates the parts of a thread in an account's own
// text: a line with only "---".
const variantSeparator = "\n---\n"

// variantParts turns an account's own text into parts: one per piece
// between "---" lines, each with the images of the common part in the same
// place (a variant changes the words; images follow the thread).
func variantParts(text string, common []p.PostPart) []p.PostPart {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var parts []p.PostPart
	for i, piece := range strings.Split(text, variantSeparator) {
		part := p.PostPart{Text: strings.TrimSpace(piece)}
		if i < len(common) {
			part.Media = common[i].Media
		}
		parts = append(parts, part)
	}
	return parts
}
