package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/store/storetest"
)

// The behaviour of publishing through the pages and the API, on both
// databases. Every API answer is checked against openapi.json.

// rome is acme's time zone.
var rome = publish.Zone("Europe/Rome")

// browser is a logged-in person using the pages: one session, its CSRF
// token, and a language.
type browser struct {
	f      *fixture
	who    who
	cookie string
	csrf   string
	lang   string
}

func (f *fixture) browser(t *testing.T, w who) *browser {
	t.Helper()
	raw, sess := f.session(t, w)
	return &browser{f: f, who: w, cookie: raw, csrf: sess.CSRFToken, lang: "en"}
}

func (b *browser) do(t *testing.T, method, path string, body io.Reader, contentType string) response {
	t.Helper()
	target := path
	if !strings.HasPrefix(path, "http") {
		target = b.f.server.URL + path
	}
	req := mustRequest(t, method, target, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept-Language", b.lang)
	req.AddCookie(&http.Cookie{Name: "pv_session", Value: b.cookie})
	return b.f.send(t, req)
}

func (b *browser) get(t *testing.T, path string) response {
	t.Helper()
	return b.do(t, "GET", path, nil, "")
}

func (b *browser) post(t *testing.T, path string, form url.Values) response {
	t.Helper()
	form.Set("csrf", b.csrf)
	return b.do(t, "POST", path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

// upload is a file sent in a multipart form.
type upload struct {
	field, name string
	data        []byte
}

// compose submits the composer's form (multipart, as the page sends it).
func (b *browser) compose(t *testing.T, form url.Values, files ...upload) response {
	t.Helper()
	form.Set("csrf", b.csrf)
	body, contentType := multipartWith(t, form, files...)
	return b.do(t, "POST", "/w/acme/compose", body, contentType)
}

func multipartWith(t *testing.T, form url.Values, files ...upload) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, u := range files {
		fw, err := mw.CreateFormFile(u.field, u.name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(u.data)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

// api calls the API as w with a bearer token and checks the exchange
// against openapi.json.
func (f *fixture) api(t *testing.T, doc *openAPIDoc, w who, method, path, body string, header http.Header) response {
	t.Helper()
	res := f.request(t, w, method, path, body, header)
	doc.checkExchange(t, method, path, body, res)
	return res
}

// postAnswer is the body of the API's answers about one post.
type postAnswer struct {
	Post struct {
		p.Post
		Local string `json:"scheduled_local"`
	} `json:"post"`
}

func decodeJSON[T any](t *testing.T, res response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(res.body), &v); err != nil {
		t.Fatalf("the answer is not the JSON expected (%v):\n%s", err, excerpt(res.body))
	}
	return v
}

// errorWithProblems is an API error with the reasons a post was refused.
type errorWithProblems struct {
	Error struct {
		Code     string   `json:"code"`
		Message  string   `json:"message"`
		Field    string   `json:"field"`
		Problems []string `json:"problems"`
	} `json:"error"`
}

// postIDFrom reads the post's id from the page a post form redirects to.
func postIDFrom(t *testing.T, location, done string) string {
	t.Helper()
	m := regexp.MustCompile(`^/w/acme/posts/([0-9a-f-]{36})\?done=` + done + `$`).FindStringSubmatch(location)
	if m == nil {
		t.Fatalf("redirected to %q, want the new post's page with done=%s", location, done)
	}
	return m[1]
}

// localAt is the instant of a wall-clock time in Rome, and how the pages
// and the API write it.
func localAt(t *testing.T, date, clock string) (time.Time, string) {
	t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04", date+" "+clock, rome)
	if err != nil {
		t.Fatal(err)
	}
	return at, at.Format("2006-01-02 15:04 MST")
}

// randomPNG is a PNG of noise, which does not compress: about 4 bytes a
// pixel.
func randomPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func shopWindow(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 120, 80))
	for x := range 120 {
		for y := range 80 {
			img.Set(x, y, color.RGBA{200, uint8(x * 2), uint8(y * 3), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestComposeSchedulesAPostWithAnImage: an editor writes a post in the
// composer, attaches an image with its description, and schedules it for
// tomorrow at 09:00 in Rome; the post's page, the API and the image all
// show it.
func TestComposeSchedulesAPostWithAnImage(t *testing.T) {
	doc := loadOpenAPI(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		b := f.browser(t, editor)
		tomorrow := time.Now().In(rome).AddDate(0, 0, 1).Format("2006-01-02")
		at, local := localAt(t, tomorrow, "09:00")

		page := b.get(t, "/w/acme/compose")
		if page.code != 200 || !strings.Contains(page.body, `name="date" value="`+tomorrow+`"`) ||
			!strings.Contains(page.body, `name="time" value="09:00"`) || !strings.Contains(page.body, "Time zone: Europe/Rome") {
			t.Errorf("the composer does not offer tomorrow at 09:00 in Europe/Rome: %d\n%s", page.code, excerpt(page.body))
		}

		picture := shopWindow(t)
		text := "Domani apriamo il nuovo negozio in via Roma! #Portavoce"
		res := b.compose(t, url.Values{"account": {f.masto.ID, f.sky.ID}, "part": {text, ""},
			"alt-0-0": {"La vetrina del nuovo negozio, con le luci accese"}, "mode": {"at"}, "date": {tomorrow}, "time": {"09:00"}},
			upload{"image-0-0", "vetrina.png", picture})
		if res.code != http.StatusSeeOther {
			t.Fatalf("compose: %d, want 303\n%s", res.code, excerpt(res.body))
		}
		id := postIDFrom(t, res.location, "post-scheduled")

		page = b.get(t, res.location)
		if page.code != 200 {
			t.Fatalf("the post's page: %d\n%s", page.code, excerpt(page.body))
		}
		for _, want := range []string{"The post is scheduled.", `data-state="scheduled"`, "Scheduled for " + local,
			html.EscapeString(text), `alt="La vetrina del nuovo negozio, con le luci accese"`, `id="reschedule"`} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the post's page does not show %q:\n%s", want, excerpt(page.body))
			}
		}
		if n := strings.Count(page.body, "<td>"+local+"</td>"); n != 2 {
			t.Errorf("the page shows %d deliveries at %s, want one per account (2)", n, local)
		}

		got := decodeJSON[postAnswer](t, f.api(t, doc, editor, "GET", "/api/v1/workspaces/acme/posts/"+id, "", nil))
		post := got.Post
		if post.State != p.PostScheduled || !post.ScheduledAt.Equal(at) || post.Local != local {
			t.Errorf("state %q at %v (%q), want scheduled at %v (%q)", post.State, post.ScheduledAt, post.Local, at, local)
		}
		if len(post.Content.Parts) != 1 || post.Content.Parts[0].Text != text {
			t.Fatalf("parts %+v, want one with the text (the empty part the form adds is dropped)", post.Content.Parts)
		}
		media := post.Content.Parts[0].Media
		if len(media) != 1 || media[0].Alt != "La vetrina del nuovo negozio, con le luci accese" {
			t.Fatalf("media %+v, want the image with its description", media)
		}
		if len(post.Deliveries) != 2 {
			t.Fatalf("%d deliveries, want 2", len(post.Deliveries))
		}
		for _, d := range post.Deliveries {
			if d.Status != p.DeliveryScheduled || !d.DueAt.Equal(at) {
				t.Errorf("delivery to %s: %s at %v, want scheduled at %v", d.AccountID, d.Status, d.DueAt, at)
			}
		}

		img := b.get(t, "/w/acme/media/"+media[0].MediaID)
		if img.code != 200 || img.header.Get("Content-Type") != "image/png" || img.body != string(picture) {
			t.Errorf("the image: %d %q, %d bytes (want the %d uploaded)", img.code, img.header.Get("Content-Type"), len(img.body), len(picture))
		}
		info, err := db.MediaInfo(context.Background(), f.acme.ID, []string{media[0].MediaID})
		if m := info[media[0].MediaID]; err != nil || m.Width != 120 || m.Height != 80 || m.Filename != "vetrina.png" {
			t.Errorf("stored media %+v (%v), want vetrina.png, 120×80", m, err)
		}
		if other := f.browser(t, outsider).get(t, "/w/acme/media/"+media[0].MediaID); other.code != 404 {
			t.Errorf("another workspace's owner gets the image: %d", other.code)
		}
	})
}

// TestAPostTooLongForBlueskyIsRefused: the answer names the network and the
// part, in the reader's language, and nothing is saved.
func TestAPostTooLongForBlueskyIsRefused(t *testing.T) {
	doc := loadOpenAPI(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		long := strings.Repeat("Caffè e cornetto ", 20) // 340 characters: fine on Mastodon, too long for Bluesky
		body := fmt.Sprintf(`{"content": {"parts": [{"text": "Apriamo!"}, {"text": %q}]}, "accounts": [%q, %q],
			"when": {"mode": "at", "date": %q, "time": "09:00"}}`, long, f.masto.ID, f.sky.ID, futureDate(3))
		want := "Bluesky, part 2: 40 characters over the limit (340 of 300): shorten it or move some text to a new part"

		res := f.api(t, doc, editor, "POST", "/api/v1/workspaces/acme/posts", body, nil)
		if res.code != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422\n%s", res.code, excerpt(res.body))
		}
		e := decodeJSON[errorWithProblems](t, res)
		if e.Error.Code != "invalid_post" || !slices.Equal(e.Error.Problems, []string{want}) || !strings.Contains(e.Error.Message, want) {
			t.Errorf("error %+v, want invalid_post with the one problem %q", e.Error, want)
		}

		res = f.api(t, doc, editor, "POST", "/api/v1/workspaces/acme/posts", body, http.Header{"Accept-Language": {"it"}})
		e = decodeJSON[errorWithProblems](t, res)
		wantIT := "Bluesky, parte 2: 40 caratteri oltre il limite (340 su 300)"
		if res.code != 422 || len(e.Error.Problems) != 1 || !strings.HasPrefix(e.Error.Problems[0], wantIT) ||
			!strings.HasPrefix(e.Error.Message, "il post non si può programmare così com'è: "+wantIT) {
			t.Errorf("in Italian: %d %+v, want %q", res.code, e.Error, wantIT)
		}

		check := f.api(t, doc, agency, "POST", "/api/v1/workspaces/acme/posts/check",
			fmt.Sprintf(`{"content": {"parts": [{"text": %q}]}, "accounts": [%q, %q]}`, long, f.masto.ID, f.sky.ID), nil)
		report := decodeJSON[struct {
			OK       bool `json:"ok"`
			Accounts []struct {
				Network  string `json:"network"`
				Parts    []struct{ Count, Limit, Remaining int }
				Problems []string `json:"problems"`
			} `json:"accounts"`
		}](t, check)
		if report.OK || len(report.Accounts) != 2 {
			t.Fatalf("check: %+v, want not ok, for both accounts", report)
		}
		for _, a := range report.Accounts {
			switch a.Network {
			case "mastodon":
				if len(a.Problems) != 0 || a.Parts[0].Count != 340 || a.Parts[0].Limit != 500 || a.Parts[0].Remaining != 160 {
					t.Errorf("Mastodon: %+v, want 340 of 500 and no problem", a)
				}
			case "bluesky":
				if len(a.Problems) != 1 || a.Parts[0].Remaining != -40 {
					t.Errorf("Bluesky: %+v, want 40 over", a)
				}
			}
		}

		// An empty post: refused, and its check still lists (no) parts.
		empty := f.api(t, doc, agency, "POST", "/api/v1/workspaces/acme/posts/check",
			fmt.Sprintf(`{"content": {"parts": []}, "accounts": [%q]}`, f.sky.ID), nil)
		if empty.code != 200 || !strings.Contains(empty.body, "Bluesky: the post is empty: write some text or add an image") {
			t.Errorf("check of an empty post: %d\n%s", empty.code, excerpt(empty.body))
		}

		// The composer keeps what was written and lists the problem.
		b := f.browser(t, editor)
		page := b.compose(t, url.Values{"account": {f.sky.ID}, "part": {long}, "mode": {"at"}, "date": {futureDate(3)}, "time": {"09:00"}})
		if page.code != http.StatusUnprocessableEntity {
			t.Fatalf("compose: %d, want 422\n%s", page.code, excerpt(page.body))
		}
		for _, w := range []string{`id="problems"`, "Bluesky, part 1: 40 characters over the limit (340 of 300)", ">" + long + "</textarea>",
			"The post needs changes before it can be scheduled:"} {
			if !strings.Contains(page.body, html.EscapeString(w)) && !strings.Contains(page.body, w) {
				t.Errorf("the composer does not show %q:\n%s", w, excerpt(page.body))
			}
		}

		posts := f.api(t, doc, editor, "GET", "/api/v1/workspaces/acme/posts", "", nil)
		if strings.Contains(posts.body, "Caffè e cornetto") {
			t.Errorf("a refused post was saved:\n%s", excerpt(posts.body))
		}
	})
}

// TestATimeTheClocksSkipIsRefused: 02:30 on 28 March 2027 does not exist in
// Rome (the clocks go from 02:00 to 03:00); the answer says so and which
// times do. 02:30 on 31 October 2027 happens twice: the first is taken.
func TestATimeTheClocksSkipIsRefused(t *testing.T) {
	doc := loadOpenAPI(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		const want = "02:30 does not exist on 2027-03-28 in Europe/Rome: the clocks jump from 02:00 to 03:00. Choose 03:00 or later, or a time before 02:00"
		post := func(date, clock string) string {
			return fmt.Sprintf(`{"content": {"parts": [{"text": "Primavera!"}]}, "accounts": [%q], "when": {"mode": "at", "date": %q, "time": %q}}`,
				f.masto.ID, date, clock)
		}

		res := f.api(t, doc, manager, "POST", "/api/v1/workspaces/acme/posts", post("2027-03-28", "02:30"), nil)
		if e := decodeError(t, res); res.code != 400 || e.Error.Field != "time" || e.Error.Message != want {
			t.Errorf("API: %d %+v, want 400 on time: %q", res.code, e.Error, want)
		}
		res = f.api(t, doc, manager, "POST", "/api/v1/workspaces/acme/posts", post("2027-03-28", "02:30"), http.Header{"Accept-Language": {"it"}})
		if e := decodeError(t, res); !strings.Contains(e.Error.Message, "gli orologi passano dalle 02:00 alle 03:00") {
			t.Errorf("in Italian: %q", e.Error.Message)
		}

		page := f.browser(t, manager).compose(t, url.Values{"account": {f.masto.ID}, "part": {"Primavera!"}, "mode": {"at"},
			"date": {"2027-03-28"}, "time": {"02:30"}})
		if page.code != 400 || !strings.Contains(page.body, html.EscapeString(want)) ||
			!regexp.MustCompile(`id="time" name="time" value="02:30" aria-invalid="true"`).MatchString(page.body) {
			t.Errorf("composer: %d, want 400 with the message and the time marked:\n%s", page.code, excerpt(page.body))
		}

		res = f.api(t, doc, manager, "POST", "/api/v1/workspaces/acme/posts/"+f.post.ID+"/reschedule",
			`{"date": "2027-03-28", "time": "02:30"}`, nil)
		if e := decodeError(t, res); res.code != 400 || e.Error.Message != want {
			t.Errorf("reschedule: %d %+v", res.code, e.Error)
		}

		res = f.api(t, doc, manager, "POST", "/api/v1/workspaces/acme/posts", post("2027-03-28", "03:00"), nil)
		if res.code != 201 {
			t.Errorf("03:00 that day: %d, want 201\n%s", res.code, excerpt(res.body))
		}

		res = f.api(t, doc, manager, "POST", "/api/v1/workspaces/acme/posts", post("2027-10-31", "02:30"), nil)
		if res.code != 201 {
			t.Fatalf("02:30 on the day the clocks go back: %d, want 201\n%s", res.code, excerpt(res.body))
		}
		got := decodeJSON[postAnswer](t, res).Post
		first := time.Date(2027, 10, 31, 0, 30, 0, 0, time.UTC) // 02:30 CEST
		if !got.ScheduledAt.Equal(first) || got.Local != "2027-10-31 02:30 CEST" {
			t.Errorf("scheduled at %v (%q), want the first 02:30, %v (CEST)", got.ScheduledAt, got.Local, first)
		}
	})
}

// TestTheAgencySavesDraftsOnly: the agency writes drafts for the brand; it
// is not offered scheduling, and is told clearly when it tries anyway. A
// manager then schedules the draft.
func TestTheAgencySavesDraftsOnly(t *testing.T) {
	doc := loadOpenAPI(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		b := f.browser(t, agency)
		const refusal = "your role can save drafts but not schedule or publish: save it as a draft for a manager to schedule"

		page := b.get(t, "/w/acme/compose")
		if page.code != 200 || strings.Contains(page.body, `value="at"`) || strings.Contains(page.body, `value="now"`) ||
			!strings.Contains(page.body, `value="draft" checked`) {
			t.Errorf("the agency's composer offers more than drafts:\n%s", excerpt(page.body))
		}

		res := b.compose(t, url.Values{"account": {f.masto.ID}, "part": {"Proposta per il lancio di dicembre"}, "mode": {"draft"}})
		if res.code != http.StatusSeeOther {
			t.Fatalf("save a draft: %d\n%s", res.code, excerpt(res.body))
		}
		id := postIDFrom(t, res.location, "draft-saved")
		page = b.get(t, res.location)
		if !strings.Contains(page.body, "The draft was saved.") || !strings.Contains(page.body, `data-state="draft"`) ||
			strings.Contains(page.body, `id="reschedule"`) {
			t.Errorf("the draft's page:\n%s", excerpt(page.body))
		}

		page = b.compose(t, url.Values{"post": {id}, "account": {f.masto.ID}, "part": {"Proposta per il lancio di dicembre"},
			"mode": {"at"}, "date": {futureDate(5)}, "time": {"10:00"}})
		if page.code != http.StatusForbidden || !strings.Contains(page.body, "Your role can save drafts but not schedule or publish") {
			t.Errorf("schedule from the composer: %d, want 403 saying why:\n%s", page.code, excerpt(page.body))
		}
		if !strings.Contains(page.body, "Proposta per il lancio di dicembre") {
			t.Errorf("the refused form lost the text")
		}

		schedule := fmt.Sprintf(`{"content": {"parts": [{"text": "Proposta per il lancio di dicembre"}]}, "accounts": [%q],
			"when": {"mode": "at", "date": %q, "time": "10:00"}}`, f.masto.ID, futureDate(5))
		res = f.api(t, doc, agency, "POST", "/api/v1/workspaces/acme/posts/"+id+"/schedule", schedule, nil)
		if e := decodeError(t, res); res.code != 403 || e.Error.Code != "forbidden" || e.Error.Message != refusal {
			t.Errorf("API: %d %+v, want 403 %q", res.code, e.Error, refusal)
		}
		res = f.api(t, doc, agency, "POST", "/api/v1/workspaces/acme/posts/"+id+"/schedule", schedule, http.Header{"Accept-Language": {"it"}})
		if e := decodeError(t, res); !strings.HasPrefix(e.Error.Message, "il tuo ruolo può salvare bozze ma non programmare") {
			t.Errorf("in Italian: %q", e.Error.Message)
		}
		if got := decodeJSON[postAnswer](t, f.api(t, doc, agency, "GET", "/api/v1/workspaces/acme/posts/"+id, "", nil)); got.Post.State != p.PostDraft {
			t.Errorf("after the refusals the post is %q, want still a draft", got.Post.State)
		}
		res = f.api(t, doc, agency, "POST", "/api/v1/workspaces/acme/posts/"+f.post.ID+"/reschedule",
			fmt.Sprintf(`{"date": %q, "time": "10:00"}`, futureDate(6)), nil)
		if res.code != 403 {
			t.Errorf("the agency reschedules a post: %d, want 403", res.code)
		}

		// An idea without accounts yet is a draft too.
		res = f.api(t, doc, agency, "POST", "/api/v1/workspaces/acme/posts", `{"content": {"parts": [{"text": "Un'idea"}]}}`, nil)
		if got := decodeJSON[postAnswer](t, res); res.code != 201 || got.Post.State != p.PostDraft {
			t.Errorf("a draft without accounts: %d\n%s", res.code, excerpt(res.body))
		}

		res = f.api(t, doc, manager, "POST", "/api/v1/workspaces/acme/posts/"+id+"/schedule", schedule, nil)
		if got := decodeJSON[postAnswer](t, res); res.code != 200 || got.Post.State != p.PostScheduled || got.Post.CreatedBy != f.users[agency].ID {
			t.Errorf("the manager schedules the agency's draft: %d %+v", res.code, got.Post)
		}
	})
}

// TestRescheduleAndCancelThroughTheAPI: a post moves to a new time in the
// workspace's zone, with every delivery; once cancelled it cannot move, and
// a duplicate starts again as a draft.
func TestRescheduleAndCancelThroughTheAPI(t *testing.T) {
	doc := loadOpenAPI(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		day, next := futureDate(10), futureDate(11)
		res := f.api(t, doc, editor, "POST", "/api/v1/workspaces/acme/posts", fmt.Sprintf(`{"content": {"parts": [{"text": "Saldi!"}]},
			"accounts": [%q, %q], "when": {"mode": "at", "date": %q, "time": "09:00"}}`, f.masto.ID, f.sky.ID, day), nil)
		if res.code != 201 {
			t.Fatalf("create: %d\n%s", res.code, excerpt(res.body))
		}
		id := decodeJSON[postAnswer](t, res).Post.ID

		at, local := localAt(t, next, "18:15")
		res = f.api(t, doc, editor, "POST", "/api/v1/workspaces/acme/posts/"+id+"/reschedule", fmt.Sprintf(`{"date": %q, "time": "18:15"}`, next), nil)
		got := decodeJSON[postAnswer](t, res).Post
		if res.code != 200 || !got.ScheduledAt.Equal(at) || got.Local != local || got.State != p.PostScheduled {
			t.Fatalf("reschedule: %d, at %v (%q), want %v (%q)\n%s", res.code, got.ScheduledAt, got.Local, at, local, excerpt(res.body))
		}
		again := decodeJSON[postAnswer](t, f.api(t, doc, agency, "GET", "/api/v1/workspaces/acme/posts/"+id, "", nil)).Post
		if len(again.Deliveries) != 2 {
			t.Fatalf("%d deliveries, want 2", len(again.Deliveries))
		}
		for _, d := range again.Deliveries {
			if !d.DueAt.Equal(at) || !d.NextAt.Equal(at) || d.Status != p.DeliveryScheduled {
				t.Errorf("delivery %s: %s due %v next %v, want scheduled at %v", d.AccountID, d.Status, d.DueAt, d.NextAt, at)
			}
		}
		audit := f.api(t, doc, owner, "GET", "/api/v1/workspaces/acme/audit", "", nil)
		if !strings.Contains(audit.body, `"action": "post.rescheduled"`) || !strings.Contains(audit.body, `"detail": "`+local+`"`) {
			t.Errorf("the audit log does not record the move to %s:\n%s", local, excerpt(audit.body))
		}

		res = f.api(t, doc, manager, "POST", "/api/v1/workspaces/acme/posts/"+id+"/cancel", "", nil)
		got = decodeJSON[postAnswer](t, res).Post
		if res.code != 200 || got.State != p.PostCancelled {
			t.Fatalf("cancel: %d %q", res.code, got.State)
		}
		for _, d := range got.Deliveries {
			if d.Status != p.DeliveryCancelled {
				t.Errorf("delivery %s is %s after cancelling", d.AccountID, d.Status)
			}
		}
		for _, tc := range []struct{ path, body string }{
			{"/reschedule", fmt.Sprintf(`{"date": %q, "time": "10:00"}`, next)},
			{"/cancel", ""},
		} {
			res = f.api(t, doc, manager, "POST", "/api/v1/workspaces/acme/posts/"+id+tc.path, tc.body, nil)
			if e := decodeError(t, res); res.code != 409 || e.Error.Message != "this post was cancelled: duplicate it to schedule it again" {
				t.Errorf("%s after cancelling: %d %+v", tc.path, res.code, e.Error)
			}
		}

		res = f.api(t, doc, agency, "POST", "/api/v1/workspaces/acme/posts/"+id+"/duplicate", "", nil)
		dup := decodeJSON[postAnswer](t, res).Post
		if res.code != 201 || dup.State != p.PostDraft || dup.ID == id || dup.Content.Parts[0].Text != "Saldi!" ||
			!slices.Equal(dup.Content.Accounts, []string{f.masto.ID, f.sky.ID}) || len(dup.Deliveries) != 0 {
			t.Errorf("duplicate: %d %+v", res.code, dup)
		}
	})
}

// TestTheCalendarShowsPostsInTheWorkspaceZone: a post at 00:30 in Rome is
// 23:30 the day before in UTC; the month and the week show it on its day in
// Rome, at 00:30.
func TestTheCalendarShowsPostsInTheWorkspaceZone(t *testing.T) {
	doc := loadOpenAPI(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		now := time.Now().In(rome)
		month := time.Date(now.Year(), now.Month()+2, 1, 0, 0, 0, 0, rome)
		day := month.AddDate(0, 0, 14)
		date := day.Format("2006-01-02")
		res := f.api(t, doc, editor, "POST", "/api/v1/workspaces/acme/posts", fmt.Sprintf(`{"content": {"parts": [{"text": "Buongiorno, nottambuli"}]},
			"accounts": [%q], "when": {"mode": "at", "date": %q, "time": "00:30"}}`, f.masto.ID, date), nil)
		if res.code != 201 {
			t.Fatalf("create: %d\n%s", res.code, excerpt(res.body))
		}
		id := decodeJSON[postAnswer](t, res).Post.ID
		at, _ := localAt(t, date, "00:30")
		if at.UTC().Day() == day.Day() {
			t.Fatalf("the test needs a time on another day in UTC")
		}

		cell := func(body, date string) string {
			m := regexp.MustCompile(`(?s)<td class="day[^"]*" data-date="` + date + `">(.*?)</td>`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no cell for %s:\n%s", date, excerpt(body))
			}
			return m[1]
		}
		b := f.browser(t, agency)
		for _, view := range []string{"month", "week"} {
			page := b.get(t, "/w/acme/calendar?view="+view+"&date="+date)
			if page.code != 200 {
				t.Fatalf("%s: %d\n%s", view, page.code, excerpt(page.body))
			}
			c := cell(page.body, date)
			if !strings.Contains(c, `data-post="`+id+`" data-time="00:30"`) || !strings.Contains(c, "<time>00:30</time> Buongiorno, nottambuli") ||
				!strings.Contains(c, `href="/w/acme/posts/`+id+`"`) {
				t.Errorf("%s: the cell of %s does not show the post at 00:30:\n%s", view, date, c)
			}
			if strings.Contains(cell(page.body, day.AddDate(0, 0, -1).Format("2006-01-02")), id) {
				t.Errorf("%s: the post shows on the day before, its day in UTC", view)
			}
			if !strings.Contains(page.body, "Times in Europe/Rome") {
				t.Errorf("%s: the page does not say which time zone it shows", view)
			}
			if strings.Contains(page.body, "draggable") {
				t.Errorf("%s: the agency is offered to drag posts", view)
			}
		}
		page := b.get(t, "/w/acme/calendar?view=month&date="+date)
		if title := month.Month().String() + " " + fmt.Sprint(month.Year()); !strings.Contains(page.body, `<h2 id="cal-title">`+title+`</h2>`) {
			t.Errorf("the month's title is not %q", title)
		}

		b.lang = "it"
		page = b.get(t, "/w/acme/calendar?view=month&date="+date)
		italian := []string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"}
		if title := italian[month.Month()-1] + " " + fmt.Sprint(month.Year()); !strings.Contains(page.body, `<h2 id="cal-title">`+title+`</h2>`) ||
			!strings.Contains(page.body, `<th scope="col">lun</th>`) {
			t.Errorf("in Italian the title is not %q or the days are not lun, mar, ...:\n%s", title, excerpt(page.body))
		}

		// Filtered by account: the post is there for its own account only.
		page = b.get(t, "/w/acme/calendar?view=month&date="+date+"&account="+f.masto.ID)
		if !strings.Contains(cell(page.body, date), id) {
			t.Errorf("filtered by its account, the post is missing")
		}
		other := f.connectBluesky(t, f.newBlueskyHandle())
		page = b.get(t, "/w/acme/calendar?view=month&date="+date+"&account="+other.ID)
		if strings.Contains(cell(page.body, date), id) {
			t.Errorf("filtered by another account, the post still shows")
		}

		e := f.browser(t, editor)
		if page := e.get(t, "/w/acme/calendar?view=month&date="+date); !strings.Contains(cell(page.body, date), `draggable="true"`) {
			t.Errorf("an editor cannot drag the post to reschedule it")
		}
		notes := f.api(t, doc, editor, "GET", "/api/v1/workspaces/acme/notifications", "", nil)
		if !strings.Contains(notes.body, `"kind": "failed"`) {
			t.Errorf("notifications:\n%s", excerpt(notes.body))
		}
		if page := e.get(t, "/w/acme/calendar"); !strings.Contains(page.body, `id="notifications"`) ||
			!strings.Contains(page.body, "A post was not published on") {
			t.Errorf("the calendar does not show the notification:\n%s", excerpt(page.body))
		}
	})
}

// TestAccountsPage: the connected accounts with their handles, health and
// queue times; only owners and managers get the forms.
func TestAccountsPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		m := f.browser(t, manager)
		res := m.post(t, "/w/acme/accounts/"+f.masto.ID+"/queue", url.Values{"queue": {"lun 09:00\nfri 18:30, sab 10:15"}})
		if res.code != 303 || res.location != "/w/acme/accounts?done=queue-saved" {
			t.Fatalf("queue: %d %q\n%s", res.code, res.location, excerpt(res.body))
		}
		page := m.get(t, res.location)
		for _, want := range []string{"The queue times were saved.", `id="connect-mastodon"`, `id="connect-bluesky"`,
			">mon 09:00\nfri 18:30\nsat 10:15</textarea>", "@acme.bsky.social", "@acme@" + strings.TrimPrefix(f.mastodon.URL(), "http://")} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the accounts page does not show %q:\n%s", want, excerpt(page.body))
			}
		}
		if strings.Contains(page.body, "@@") {
			t.Errorf("a handle is shown with two @:\n%s", excerpt(page.body))
		}
		page = f.browser(t, editor).get(t, "/w/acme/accounts")
		if page.code != 200 || strings.Contains(page.body, `id="connect-mastodon"`) || strings.Contains(page.body, "Disconnect") ||
			!strings.Contains(page.body, "Queue times: mon 09:00") {
			t.Errorf("an editor's accounts page: %d\n%s", page.code, excerpt(page.body))
		}
	})
}

// TestConnectMastodonThroughTheBrowser: the manager types the instance, is
// sent there to authorize Portavoce, and comes back with the account
// connected; the link works once.
func TestConnectMastodonThroughTheBrowser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		remoteID, _ := f.mastodon.CreateAccount("caffe_rossi")
		f.mastodon.SignIn(remoteID)
		b := f.browser(t, manager)
		res := b.post(t, "/w/acme/accounts/mastodon", url.Values{"instance": {f.mastodon.URL()}})
		if res.code != 303 || !strings.HasPrefix(res.location, f.mastodon.URL()+"/oauth/authorize?") {
			t.Fatalf("connect: %d %q\n%s", res.code, res.location, excerpt(res.body))
		}
		page := f.send(t, mustRequest(t, "GET", res.location, nil))
		form, _, _ := strings.Cut(page.body, `class="deny"`)
		fields := url.Values{}
		for _, m := range regexp.MustCompile(`name="([^"]*)" value="([^"]*)"`).FindAllStringSubmatch(form, -1) {
			fields.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
		}
		req := mustRequest(t, "POST", f.mastodon.URL()+"/oauth/authorize", strings.NewReader(fields.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		back := f.send(t, req)
		if back.code != 302 || !strings.HasPrefix(back.location, f.server.URL+"/oauth/mastodon/callback?") {
			t.Fatalf("the instance sends back to %d %q", back.code, back.location)
		}
		res = b.get(t, back.location)
		if res.code != 303 || res.location != "/w/acme/accounts?done=account-connected" {
			t.Fatalf("callback: %d %q\n%s", res.code, res.location, excerpt(res.body))
		}
		accounts, err := f.publishing.Accounts(context.Background(), ownerOf(f.acme))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(accounts, func(a p.SocialAccount) bool { return a.RemoteID == remoteID && a.Network == "mastodon" }) {
			t.Errorf("the account is not connected: %+v", accounts)
		}
		if again := b.get(t, back.location); again.code != 400 || !strings.Contains(again.body, "This authorization has expired or was already used") {
			t.Errorf("the same callback again: %d\n%s", again.code, excerpt(again.body))
		}
	})
}

// TestUploadsLargerThanAMegabyte: images of a few megabytes are common; the
// API and the composer take them (up to 100 MB).
func TestUploadsLargerThanAMegabyte(t *testing.T) {
	doc := loadOpenAPI(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		big := randomPNG(t, 900, 700) // about 1.9 MB
		if len(big) < 5<<18 {
			t.Fatalf("the test image has only %d bytes", len(big))
		}
		body, contentType := multipartWith(t, url.Values{}, upload{"file", "manifesto.png", big})
		req := mustRequest(t, "POST", f.server.URL+"/api/v1/workspaces/acme/media", body)
		req.Header.Set("Content-Type", contentType)
		res := f.send(t, f.bearer(req, editor))
		doc.checkExchange(t, "POST", "/api/v1/workspaces/acme/media", "", res)
		if res.code != 201 || !strings.Contains(res.body, fmt.Sprintf(`"size": %d`, len(big))) {
			t.Errorf("API upload of %d bytes: %d\n%s", len(big), res.code, excerpt(res.body))
		}

		page := f.browser(t, editor).compose(t, url.Values{"account": {f.masto.ID}, "part": {"Il manifesto"}, "alt-0-0": {"Il manifesto"},
			"mode": {"at"}, "date": {futureDate(4)}, "time": {"12:00"}}, upload{"image-0-0", "manifesto.png", big})
		if page.code != 303 {
			t.Errorf("composer upload of %d bytes: %d, want 303\n%s", len(big), page.code, excerpt(page.body))
		}
	})
}

// TestComposeStartsFromAText: the composer opened with ?text= (a mention
// to quote, from the listening page) starts with that text.
func TestComposeStartsFromAText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		res := f.request(t, owner, "GET", "/w/acme/compose?text="+url.QueryEscape("Da leggere: https://bsky.app/profile/x/post/1"), "", nil)
		if res.code != 200 || !strings.Contains(res.body, "Da leggere: https://bsky.app/profile/x/post/1</textarea>") {
			t.Fatalf("compose with a text: %d\n%s", res.code, res.body)
		}
	})
}
