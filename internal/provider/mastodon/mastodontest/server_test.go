package mastodontest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portavoce/portavoce/internal/fakeclock"
	"github.com/portavoce/portavoce/internal/provider/mastodon/mastodontest"
	"github.com/portavoce/portavoce/internal/provider/providertest"
)

// answer is one HTTP exchange with the server.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("answer %d %s: %v", a.status, a.body, err)
	}
}

// errorText is the "error" of Mastodon's Error entity.
func (a answer) errorText(t *testing.T) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	a.json(t, &e)
	return e.Error
}

type request struct {
	method, path, token string
	form                url.Values
	header              map[string]string
	body                []byte
	contentType         string
}

func do(t *testing.T, srv *mastodontest.Server, r request) answer {
	t.Helper()
	var body io.Reader
	if r.form != nil {
		body = strings.NewReader(r.form.Encode())
		r.contentType = "application/x-www-form-urlencoded"
	} else if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(t.Context(), r.method, srv.URL()+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

func post(t *testing.T, srv *mastodontest.Server, token string, form url.Values, key string) answer {
	t.Helper()
	r := request{method: http.MethodPost, path: "/api/v1/statuses", token: token, form: form}
	if key != "" {
		r.header = map[string]string{"Idempotency-Key": key}
	}
	return do(t, srv, r)
}

type statusEntity struct {
	ID          string  `json:"id"`
	URL         string  `json:"url"`
	Content     string  `json:"content"`
	InReplyToID *string `json:"in_reply_to_id"`
	Text        string  `json:"text"`
	Account     struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	} `json:"account"`
	MediaAttachments []struct {
		ID          string  `json:"id"`
		Type        string  `json:"type"`
		URL         *string `json:"url"`
		Description string  `json:"description"`
	} `json:"media_attachments"`
	Mentions []struct {
		Username, Acct, URL string
	} `json:"mentions"`
	Tags []struct{ Name, URL string } `json:"tags"`
}

func newServer(t *testing.T) *mastodontest.Server {
	srv := mastodontest.NewServer()
	t.Cleanup(srv.Close)
	return srv
}

func TestContent(t *testing.T) {
	srv := newServer(t)
	_, token := srv.CreateAccount("anna")
	srv.CreateAccount("bob")
	link := func(url, prefix, display, suffix, class string) string {
		return `<a href="` + url + `" target="_blank" rel="nofollow noopener noreferrer"><span class="invisible">` + prefix +
			`</span><span class="` + class + `">` + display + `</span><span class="invisible">` + suffix + `</span></a>`
	}
	cases := []struct {
		name, text, want string
	}{
		{"plain", "Hello world", `<p>Hello world</p>`},
		{"trimmed", "  \n Hello \n ", `<p>Hello</p>`},
		{"lines and paragraphs", "a\nb\n\n\nc", `<p>a<br />b</p><p>c</p>`},
		{"escaped", `<3 & 'x' "y"`, `<p>&lt;3 &amp; &#39;x&#39; &quot;y&quot;</p>`},
		{"link", "see https://example.com.", `<p>see ` + link("https://example.com", "https://", "example.com", "", "") + `.</p>`},
		{"long link", "https://www.example.com/0123456789/0123456789/0123456789",
			`<p>` + link("https://www.example.com/0123456789/0123456789/0123456789", "https://www.", "example.com/0123456789/0123456", "789/0123456789", "ellipsis") + `</p>`},
		{"link in parentheses", "(https://example.com/a)", `<p>(` + link("https://example.com/a", "https://", "example.com/a", "", "") + `)</p>`},
		{"local mention", "hi @bob!", `<p>hi <span class="h-card"><a href="` + srv.URL() + `/@bob" class="u-url mention">@<span>bob</span></a></span>!</p>`},
		{"unknown local mention", "hi @ghost", `<p>hi @ghost</p>`},
		{"remote mention", "hi @Amy@remote.example", `<p>hi <span class="h-card"><a href="https://remote.example/@Amy" class="u-url mention">@<span>Amy</span></a></span></p>`},
		{"e-mail address", "write me@example.com", `<p>write me@example.com</p>`},
		{"hashtag", "#Go rocks", `<p><a href="` + srv.URL() + `/tags/go" class="mention hashtag" rel="tag">#<span>Go</span></a> rocks</p>`},
		{"not a hashtag", "issue #12 and a#b", `<p>issue #12 and a#b</p>`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := post(t, srv, token, url.Values{"status": {tc.text}}, "")
			if a.status != http.StatusOK {
				t.Fatalf("post: %d %s", a.status, a.body)
			}
			var st statusEntity
			a.json(t, &st)
			if st.Content != tc.want {
				t.Errorf("content\n%s\nwant\n%s", st.Content, tc.want)
			}
		})
	}
	t.Run("mentions and tags", func(t *testing.T) {
		var st statusEntity
		post(t, srv, token, url.Values{"status": {"@bob @Amy@remote.example #Uno #uno"}}, "").json(t, &st)
		if len(st.Mentions) != 2 || st.Mentions[0].Acct != "bob" || st.Mentions[1].Acct != "Amy@remote.example" ||
			len(st.Tags) != 1 || st.Tags[0].Name != "uno" {
			t.Fatalf("mentions %+v, tags %+v", st.Mentions, st.Tags)
		}
	})
}

func TestStatusValidation(t *testing.T) {
	srv := newServer(t)
	srv.SetMediaProcessing(time.Hour)
	_, token := srv.CreateAccount("anna")
	_, other := srv.CreateAccount("carlo")
	pending := upload(t, srv, token, "image/png", providertest.PNG(4, 4), "").ID
	othersMedia := upload(t, srv, other, "image/png", providertest.PNG(4, 4), "").ID
	cases := []struct {
		name   string
		token  string
		form   url.Values
		status int
		error  string
	}{
		{"no token", "", url.Values{"status": {"x"}}, 401, "The access token is invalid"},
		{"unknown token", "nope", url.Values{"status": {"x"}}, 401, "The access token is invalid"},
		{"blank", token, url.Values{"status": {"  "}}, 422, "Validation failed: Text can't be blank"},
		{"too long", token, url.Values{"status": {strings.Repeat("x", 501)}}, 422, "Validation failed: Text character limit of 500 exceeded"},
		{"reply to nothing", token, url.Values{"status": {"x"}, "in_reply_to_id": {"123"}}, 404, "The post you are trying to reply to does not appear to exist."},
		{"someone else's media", token, url.Values{"status": {"x"}, "media_ids[]": {othersMedia}}, 422, "Media " + othersMedia + " not found or already attached to another post"},
		{"too many media", token, url.Values{"status": {"x"}, "media_ids[]": {"1", "2", "3", "4", "5"}}, 422, "Cannot attach more than 4 files"},
		{"media processing", token, url.Values{"status": {"x"}, "media_ids[]": {pending}}, 422, "Cannot attach files that have not finished processing. Try again in a moment!"},
		{"bad visibility", token, url.Values{"status": {"x"}, "visibility": {"everyone"}}, 422, "Validation failed: Visibility is not included in the list"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := post(t, srv, tc.token, tc.form, "")
			if a.status != tc.status || a.errorText(t) != tc.error {
				t.Fatalf("%d %s, want %d %q", a.status, a.body, tc.status, tc.error)
			}
			if a.status == 401 && !strings.Contains(a.header.Get("WWW-Authenticate"), "invalid_token") {
				t.Errorf("401 without Doorkeeper's WWW-Authenticate: %q", a.header.Get("WWW-Authenticate"))
			}
		})
	}
	t.Run("read-only token", func(t *testing.T) {
		e := newServer(t)
		app := registerApp(t, e, "read")
		token := authorize(t, e, app, "read")
		a := post(t, e, token, url.Values{"status": {"x"}}, "")
		if a.status != 403 || a.errorText(t) != "This action is outside the authorized scopes" {
			t.Fatalf("%d %s", a.status, a.body)
		}
	})
	t.Run("revoked token", func(t *testing.T) {
		id, token := srv.CreateAccount("dora")
		srv.RevokeTokens(id)
		a := post(t, srv, token, url.Values{"status": {"x"}}, "")
		if a.status != 401 || a.errorText(t) != "The access token was revoked" {
			t.Fatalf("%d %s", a.status, a.body)
		}
	})
	if n := len(srv.Statuses("")); n != 0 {
		t.Fatalf("statuses of no account: %d", n)
	}
}

type mediaEntity struct {
	ID          string  `json:"id"`
	Type        string  `json:"type"`
	URL         *string `json:"url"`
	Description *string `json:"description"`
}

func uploadAnswer(t *testing.T, srv *mastodontest.Server, token, contentType string, data []byte, description string) answer {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{`form-data; name="file"; filename="f"`}
	h["Content-Type"] = []string{contentType}
	fw, _ := w.CreatePart(h)
	fw.Write(data)
	if description != "" {
		w.WriteField("description", description)
	}
	w.Close()
	return do(t, srv, request{method: http.MethodPost, path: "/api/v2/media", token: token, body: buf.Bytes(), contentType: w.FormDataContentType()})
}

func upload(t *testing.T, srv *mastodontest.Server, token, contentType string, data []byte, description string) mediaEntity {
	t.Helper()
	a := uploadAnswer(t, srv, token, contentType, data, description)
	if a.status != 200 && a.status != 202 {
		t.Fatalf("upload: %d %s", a.status, a.body)
	}
	var m mediaEntity
	a.json(t, &m)
	return m
}

func TestMedia(t *testing.T) {
	clock := fakeclock.New(time.Now())
	srv := newServer(t)
	srv.SetClock(clock.Now)
	_, token := srv.CreateAccount("anna")

	cases := []struct {
		name        string
		contentType string
		data        []byte
		description string
		status      int
		error       string
		kind        string
	}{
		{name: "image processed at once", contentType: "image/png", data: providertest.PNG(20, 10), description: "alt", status: 200, kind: "image"},
		{name: "video in the background", contentType: "video/mp4", data: mp4(), status: 202, kind: "video"},
		{name: "text is not media", contentType: "text/plain", data: []byte("hello"), status: 422, error: mastodontest.RejectMediaReason},
		{name: "broken image", contentType: "image/png", data: []byte("\x89PNG\r\n\x1a\nbroken"), status: 422, error: mastodontest.RejectMediaReason},
		{name: "description too long", contentType: "image/png", data: providertest.PNG(2, 2), description: strings.Repeat("d", 1501), status: 422,
			error: "Validation failed: Description is too long (maximum is 1500 characters)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := uploadAnswer(t, srv, token, tc.contentType, tc.data, tc.description)
			if a.status != tc.status {
				t.Fatalf("%d %s, want %d", a.status, a.body, tc.status)
			}
			if tc.error != "" {
				if got := a.errorText(t); got != tc.error {
					t.Fatalf("error %q, want %q", got, tc.error)
				}
				return
			}
			var m mediaEntity
			a.json(t, &m)
			if m.Type != tc.kind || (m.URL == nil) != (tc.status == 202) {
				t.Fatalf("media %+v", m)
			}
		})
	}

	t.Run("processing", func(t *testing.T) {
		srv.SetMediaProcessing(time.Minute)
		defer srv.SetMediaProcessing(0)
		m := upload(t, srv, token, "image/png", providertest.PNG(3, 3), "porto")
		get := func() answer {
			return do(t, srv, request{method: http.MethodGet, path: "/api/v1/media/" + m.ID, token: token})
		}
		if a := get(); a.status != http.StatusPartialContent {
			t.Fatalf("while processing: %d %s", a.status, a.body)
		}
		clock.Advance(time.Minute)
		a := get()
		var done mediaEntity
		a.json(t, &done)
		if a.status != http.StatusOK || done.URL == nil || *done.Description != "porto" {
			t.Fatalf("after processing: %d %s", a.status, a.body)
		}
		var st statusEntity
		post(t, srv, token, url.Values{"media_ids[]": {m.ID}}, "").json(t, &st)
		if len(st.MediaAttachments) != 1 || st.MediaAttachments[0].ID != m.ID || st.Content != "" {
			t.Fatalf("status %+v", st)
		}
		if a := get(); a.status != http.StatusNotFound {
			t.Fatalf("an attached media is no longer the uploader's to look at: %d", a.status)
		}
		if a := post(t, srv, token, url.Values{"status": {"again"}, "media_ids[]": {m.ID}}, ""); a.status != 422 {
			t.Fatalf("attaching a media twice: %d", a.status)
		}
	})
}

func mp4() []byte {
	return append([]byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'm', 'p', '4', '2', 0, 0, 0, 0, 'm', 'p', '4', '2', 'i', 's', 'o', 'm'}, make([]byte, 64)...)
}

func TestIdempotencyKey(t *testing.T) {
	clock := fakeclock.New(time.Now())
	srv := newServer(t)
	srv.SetClock(clock.Now)
	id, token := srv.CreateAccount("anna")
	_, other := srv.CreateAccount("bea")
	var first, again, others statusEntity
	post(t, srv, token, url.Values{"status": {"uno"}}, "k1").json(t, &first)
	// The key wins over the parameters: the repeat returns the first
	// status, as PostStatusService does.
	post(t, srv, token, url.Values{"status": {"diverso"}}, "k1").json(t, &again)
	if again.ID != first.ID || len(srv.Statuses(id)) != 1 || srv.Statuses(id)[0].IdempotencyKey != "k1" {
		t.Fatalf("repeat gave %s, first %s", again.ID, first.ID)
	}
	// Keys are per account.
	post(t, srv, other, url.Values{"status": {"uno"}}, "k1").json(t, &others)
	if others.ID == first.ID {
		t.Fatal("another account's key returned anna's status")
	}
	clock.Advance(mastodontest.IdempotencyTTL + time.Second)
	post(t, srv, token, url.Values{"status": {"uno"}}, "k1").json(t, &again)
	if again.ID == first.ID {
		t.Fatal("key remembered past its hour")
	}
	// A deleted status's key answers 404.
	if a := do(t, srv, request{method: http.MethodDelete, path: "/api/v1/statuses/" + again.ID, token: token}); a.status != 200 {
		t.Fatalf("delete: %d %s", a.status, a.body)
	} else {
		var deleted statusEntity
		a.json(t, &deleted)
		if deleted.Text != "uno" {
			t.Errorf("deleted status without its source text: %s", a.body)
		}
	}
	if a := post(t, srv, token, url.Values{"status": {"uno"}}, "k1"); a.status != 404 || a.errorText(t) != "Record not found" {
		t.Fatalf("repeat of a deleted status's key: %d %s", a.status, a.body)
	}
}

func TestPaging(t *testing.T) {
	srv := newServer(t)
	id, token := srv.CreateAccount("anna")
	var ids []string
	for i := range 45 {
		var st statusEntity
		post(t, srv, token, url.Values{"status": {fmt.Sprint(i)}, "visibility": {[]string{"public", "private"}[i%2]}}, "").json(t, &st)
		ids = append(ids, st.ID)
	}
	for i := 1; i < len(ids); i++ {
		if n, m := mustUint(t, ids[i-1]), mustUint(t, ids[i]); n >= m || m>>16 == 0 {
			t.Fatalf("ids not increasing Snowflake-like: %s then %s", ids[i-1], ids[i])
		}
	}
	list := func(token, query string) ([]statusEntity, http.Header) {
		a := do(t, srv, request{method: http.MethodGet, path: "/api/v1/accounts/" + id + "/statuses?" + query, token: token})
		if a.status != 200 {
			t.Fatalf("list %s: %d %s", query, a.status, a.body)
		}
		var out []statusEntity
		a.json(t, &out)
		return out, a.header
	}
	linkRE := regexp.MustCompile(`<([^>]+)>; rel="(next|prev)"`)
	links := func(h http.Header) map[string]string {
		m := map[string]string{}
		for _, l := range linkRE.FindAllStringSubmatch(h.Get("Link"), -1) {
			m[l[2]] = l[1]
		}
		return m
	}

	page, h := list(token, "limit=40")
	if len(page) != 40 || page[0].ID != ids[44] || page[39].ID != ids[5] {
		t.Fatalf("first page: %d, from %s", len(page), page[0].ID)
	}
	l := links(h)
	if !strings.Contains(l["next"], "max_id="+ids[5]) || !strings.Contains(l["prev"], "min_id="+ids[44]) {
		t.Fatalf("Link %q", h.Get("Link"))
	}
	next, _ := url.Parse(l["next"])
	page, h = list(token, next.RawQuery)
	if len(page) != 5 || page[0].ID != ids[4] || links(h)["next"] != "" {
		t.Fatalf("second page: %d, Link %q", len(page), h.Get("Link"))
	}

	page, _ = list(token, "min_id="+ids[9]+"&limit=3")
	if len(page) != 3 || page[0].ID != ids[12] || page[2].ID != ids[10] {
		t.Fatalf("min_id page: %v", page)
	}
	page, _ = list(token, "since_id="+ids[40]+"&limit=40")
	if len(page) != 4 || page[0].ID != ids[44] {
		t.Fatalf("since_id page: %d", len(page))
	}
	page, _ = list("", "limit=40")
	if len(page) != 23 {
		t.Fatalf("anonymous sees %d statuses, want the 23 public ones", len(page))
	}
	page, _ = list(token, "limit=100")
	if len(page) != 40 {
		t.Fatalf("limit above 40 gave %d", len(page))
	}
	if a := do(t, srv, request{method: http.MethodGet, path: "/api/v1/accounts/999/statuses"}); a.status != 404 {
		t.Fatalf("unknown account: %d", a.status)
	}
}

func mustUint(t *testing.T, s string) uint64 {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRateLimit(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	srv := newServer(t)
	srv.SetClock(clock.Now)
	_, token := srv.CreateAccount("anna")
	get := func() answer {
		return do(t, srv, request{method: http.MethodGet, path: "/api/v1/accounts/verify_credentials", token: token})
	}
	a := get()
	if a.header.Get("X-RateLimit-Limit") != "300" || a.header.Get("X-RateLimit-Remaining") != "299" ||
		a.header.Get("X-RateLimit-Reset") != "2026-01-02T03:05:00.000000Z" {
		t.Fatalf("headers %v", a.header)
	}
	srv.SetRateLimit(2, time.Minute)
	get()
	get()
	a = get()
	if a.status != http.StatusTooManyRequests || a.errorText(t) != "Too many requests" || a.header.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("past the limit: %d %s %v", a.status, a.body, a.header)
	}
	clock.Advance(time.Minute)
	if a := get(); a.status != 200 {
		t.Fatalf("next window: %d", a.status)
	}
}

func TestInject(t *testing.T) {
	srv := newServer(t)
	id, token := srv.CreateAccount("anna")
	srv.Inject(providertest.Fault{Kind: providertest.Unavailable, Op: "post", Skip: 1, Times: 2})
	srv.Inject(providertest.Fault{Kind: providertest.RateLimit, Op: "media"})
	if a := uploadAnswer(t, srv, token, "image/png", providertest.PNG(2, 2), ""); a.status != 429 || a.header.Get("X-RateLimit-Reset") == "" {
		t.Fatalf("media fault: %d %v", a.status, a.header)
	}
	var got []int
	for range 4 {
		got = append(got, post(t, srv, token, url.Values{"status": {"x"}}, "").status)
	}
	if fmt.Sprint(got) != "[200 503 503 200]" {
		t.Fatalf("statuses %v, want one through, two failed, then through", got)
	}
	srv.Inject(providertest.Fault{Kind: providertest.LoseAnswer, Op: "post"})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL()+"/api/v1/statuses", strings.NewReader("status=perso"))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("lost answer answered %d", resp.StatusCode)
	}
	if posts := srv.Statuses(id); len(posts) != 3 || posts[2].Text != "perso" {
		t.Fatalf("the lost answer's status was not created: %+v", posts)
	}
}

func TestLatency(t *testing.T) {
	srv := newServer(t)
	srv.SetLatency(50 * time.Millisecond)
	start := time.Now()
	if a := do(t, srv, request{method: http.MethodGet, path: "/api/v2/instance"}); a.status != 200 {
		t.Fatal(a.status)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("answered in %s, want at least 50ms", d)
	}
}

// TestConcurrent posts from many clients at once.
func TestConcurrent(t *testing.T) {
	srv := newServer(t)
	const accounts, each = 8, 60
	type acc struct{ id, token string }
	var all []acc
	for i := range accounts {
		id, token := srv.CreateAccount(fmt.Sprintf("u%d", i))
		all = append(all, acc{id, token})
	}
	var wg sync.WaitGroup
	errs := make(chan string, accounts*each)
	for _, a := range all {
		for i := range each {
			wg.Go(func() {
				resp := post(t, srv, a.token, url.Values{"status": {fmt.Sprintf("n%d", i)}}, fmt.Sprintf("key-%d", i))
				if resp.status != 200 {
					errs <- fmt.Sprintf("%d %s", resp.status, resp.body)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	seen := map[string]bool{}
	for _, a := range all {
		posts := srv.Statuses(a.id)
		if len(posts) != each {
			t.Fatalf("account %s holds %d, want %d", a.id, len(posts), each)
		}
		for i, p := range posts {
			if seen[p.ID] || (i > 0 && mustUint(t, posts[i-1].ID) >= mustUint(t, p.ID)) {
				t.Fatalf("id %s repeated or out of order", p.ID)
			}
			seen[p.ID] = true
		}
	}
}

// registerApp and authorize run the OAuth flow by hand, for tokens with
// other scopes than CreateAccount's.
func registerApp(t *testing.T, srv *mastodontest.Server, scopes string) map[string]any {
	t.Helper()
	var app map[string]any
	a := do(t, srv, request{method: http.MethodPost, path: "/api/v1/apps", body: []byte(`{"client_name":"T","redirect_uris":["urn:ietf:wg:oauth:2.0:oob"],"scopes":"` + scopes + `"}`), contentType: "application/json"})
	a.json(t, &app)
	if a.status != 200 || app["client_secret"] == "" || app["client_secret_expires_at"] != 0.0 {
		t.Fatalf("app: %d %s", a.status, a.body)
	}
	return app
}

var hiddenRE = regexp.MustCompile(`(?s)<form class="authorize".*?</form>`)
var inputRE = regexp.MustCompile(`name="([^"]+)" value="([^"]*)"`)
var codeRE = regexp.MustCompile(`class="oauth-code" readonly value="([^"]+)"`)

func authorize(t *testing.T, srv *mastodontest.Server, app map[string]any, scope string) string {
	t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {app["client_id"].(string)}, "redirect_uri": {"urn:ietf:wg:oauth:2.0:oob"}, "scope": {scope}}
	page := do(t, srv, request{method: http.MethodGet, path: "/oauth/authorize?" + q.Encode()})
	form := url.Values{}
	for _, in := range inputRE.FindAllStringSubmatch(hiddenRE.FindString(string(page.body)), -1) {
		form.Set(in[1], in[2])
	}
	done := do(t, srv, request{method: http.MethodPost, path: "/oauth/authorize", form: form})
	m := codeRE.FindStringSubmatch(string(done.body))
	if m == nil {
		t.Fatalf("no code: %d %s", done.status, done.body)
	}
	var tok map[string]any
	a := do(t, srv, request{method: http.MethodPost, path: "/oauth/token", form: url.Values{
		"grant_type": {"authorization_code"}, "code": {m[1]}, "client_id": {app["client_id"].(string)},
		"client_secret": {app["client_secret"].(string)}, "redirect_uri": {"urn:ietf:wg:oauth:2.0:oob"},
	}})
	a.json(t, &tok)
	if a.status != 200 || tok["token_type"] != "Bearer" || tok["scope"] != scope {
		t.Fatalf("token: %d %s", a.status, a.body)
	}
	return tok["access_token"].(string)
}

func TestTokenEndpoint(t *testing.T) {
	srv := newServer(t)
	app := registerApp(t, srv, "read write")
	cases := []struct {
		name   string
		form   url.Values
		status int
		error  string
	}{
		{"no grant type", url.Values{}, 400, "invalid_request"},
		{"password grant", url.Values{"grant_type": {"password"}}, 400, "unsupported_grant_type"},
		{"bad client", url.Values{"grant_type": {"client_credentials"}, "client_id": {"x"}, "client_secret": {"y"}}, 401, "invalid_client"},
		{"unknown code", url.Values{"grant_type": {"authorization_code"}, "code": {"nope"}, "client_id": {app["client_id"].(string)},
			"client_secret": {app["client_secret"].(string)}, "redirect_uri": {"urn:ietf:wg:oauth:2.0:oob"}}, 400, "invalid_grant"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := do(t, srv, request{method: http.MethodPost, path: "/oauth/token", form: tc.form})
			var e struct{ Error, Error_description string }
			a.json(t, &e)
			if a.status != tc.status || e.Error != tc.error || e.Error_description == "" {
				t.Fatalf("%d %s, want %d %s", a.status, a.body, tc.status, tc.error)
			}
		})
	}
	t.Run("client credentials", func(t *testing.T) {
		var tok map[string]any
		do(t, srv, request{method: http.MethodPost, path: "/oauth/token", form: url.Values{"grant_type": {"client_credentials"},
			"client_id": {app["client_id"].(string)}, "client_secret": {app["client_secret"].(string)}}}).json(t, &tok)
		a := do(t, srv, request{method: http.MethodGet, path: "/api/v1/accounts/verify_credentials", token: tok["access_token"].(string)})
		if a.status != 422 || a.errorText(t) != "This method requires an authenticated user" {
			t.Fatalf("an app token reading an account: %d %s", a.status, a.body)
		}
	})
}
