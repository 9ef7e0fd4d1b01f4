package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/auth"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/store/storetest"
	"github.com/portavoce/portavoce/internal/web"
)

// apiErrorBody is the JSON body of every API error.
type apiErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

func decodeError(t *testing.T, res response) apiErrorBody {
	t.Helper()
	var e apiErrorBody
	if err := json.Unmarshal([]byte(res.body), &e); err != nil {
		t.Fatalf("the error is not JSON (%v):\n%s", err, excerpt(res.body))
	}
	return e
}

// apiRequest builds a request with no credentials; a body is sent as JSON.
func (f *fixture) apiRequest(t *testing.T, method, path, body string) *http.Request {
	t.Helper()
	var req *http.Request
	var err error
	if body == "" {
		req, err = http.NewRequest(method, f.server.URL+path, nil)
	} else {
		req, err = http.NewRequest(method, f.server.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func (f *fixture) bearer(req *http.Request, w who) *http.Request {
	req.Header.Set("Authorization", "Bearer "+f.tokens[w])
	return req
}

// TestBadInputGetsAClearAnswer sends the API what it must refuse, and checks
// that each refusal says what is wrong.
func TestBadInputGetsAClearAnswer(t *testing.T) {
	doc := loadOpenAPI(t)
	tooLarge := `{"name": "` + strings.Repeat("a", 1<<20) + `"}`
	cases := []struct {
		name        string
		method      string
		path        string
		contentType string // "" keeps application/json
		body        string
		code        int
		errCode     string
		message     string // a substring of the message
		field       string
	}{
		{name: "malformed JSON", method: "POST", path: "/api/v1/tokens", body: `{"name": "laptop",}`,
			code: 400, errCode: "invalid_json", message: "the JSON is malformed at byte 19"},
		{name: "malformed JSON further on", method: "PATCH", path: "/api/v1/workspaces/acme", body: "{\n  \"name\": \"Acme\"\n  \"timezone\": \"Europe/Rome\"\n}",
			code: 400, errCode: "invalid_json", message: "the JSON is malformed at byte 22"},
		{name: "unknown field", method: "POST", path: "/api/v1/tokens", body: `{"name": "laptop", "nmae": "x"}`,
			code: 400, errCode: "invalid_json", message: `unknown field "nmae"`},
		{name: "unknown field in a workspace", method: "POST", path: "/api/v1/workspaces", body: `{"name": "X", "owner": "me"}`,
			code: 400, errCode: "invalid_json", message: `unknown field "owner"`},
		{name: "wrong type", method: "POST", path: "/api/v1/tokens", body: `{"name": 42}`,
			code: 400, errCode: "invalid_json", message: `the field "name" must be a string`},
		{name: "wrong type of a role", method: "POST", path: "/api/v1/workspaces/acme/members", body: `{"email": "x@example.com", "role": 5}`,
			code: 400, errCode: "invalid_json", message: `the field "role" must be a string`},
		{name: "two objects", method: "POST", path: "/api/v1/tokens", body: `{"name": "a"} {"name": "b"}`,
			code: 400, errCode: "invalid_json", message: "send a single JSON object"},
		{name: "an array, not an object", method: "POST", path: "/api/v1/tokens", body: `["laptop"]`,
			code: 400, errCode: "invalid_json", message: "JSON object"},
		{name: "a string, not an object", method: "PATCH", path: "/api/v1/me", body: `"it"`,
			code: 400, errCode: "invalid_json", message: "JSON object"},
		{name: "empty body", method: "POST", path: "/api/v1/tokens", contentType: "application/json", body: "",
			code: 400, errCode: "invalid_json", message: "the request body is empty: send a JSON object"},
		{name: "text content type", method: "POST", path: "/api/v1/tokens", contentType: "text/plain", body: `{"name": "laptop"}`,
			code: 415, errCode: "unsupported_media_type", message: "Content-Type: application/json"},
		{name: "form content type", method: "PATCH", path: "/api/v1/me", contentType: "application/x-www-form-urlencoded", body: "language=it",
			code: 415, errCode: "unsupported_media_type", message: "Content-Type: application/json"},
		{name: "body over 1 MiB", method: "POST", path: "/api/v1/tokens", body: tooLarge,
			code: 413, errCode: "body_too_large", message: "the request body is larger than 1048576 bytes"},
		{name: "invalid value names its field", method: "POST", path: "/api/v1/workspaces", body: `{"name": "X", "timezone": "Mars/Base"}`,
			code: 400, errCode: "invalid_input", message: `"Mars/Base" is not a time zone`, field: "timezone"},
		{name: "the field named is the API's", method: "POST", path: "/api/v1/workspaces", body: `{"name": ""}`,
			code: 400, errCode: "invalid_input", message: "write the name of the brand or client", field: "name"},
		{name: "invalid role", method: "POST", path: "/api/v1/workspaces/acme/members", body: `{"email": "x@example.com", "role": "boss"}`,
			code: 400, errCode: "invalid_input", message: "choose a role", field: "role"},
		{name: "invalid email", method: "POST", path: "/api/v1/workspaces/acme/members", body: `{"email": "not an address", "role": "editor"}`,
			code: 400, errCode: "invalid_input", message: "is not an email address", field: "email"},
		{name: "unknown workspace", method: "GET", path: "/api/v1/workspaces/nowhere",
			code: 404, errCode: "not_found", message: "there is no such workspace, or you are not a member of it"},
		{name: "unknown API path", method: "GET", path: "/api/v1/nothing-here",
			code: 404, errCode: "not_found", message: "there is no page at this address"},
		{name: "last owner cannot go", method: "PATCH", path: "/api/v1/workspaces/other/members/{id:outsider}", body: `{"role": "editor"}`,
			code: 409, errCode: "conflict", message: "a workspace needs at least one owner"},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				caller := admin
				if strings.Contains(tc.path, "/other/") {
					caller = outsider
				}
				path := f.resolve(t, caller, tc.path)
				req := f.bearer(f.apiRequest(t, tc.method, path, tc.body), caller)
				if tc.contentType != "" {
					req.Header.Set("Content-Type", tc.contentType)
				}
				res := f.send(t, req)
				if res.code != tc.code {
					t.Errorf("status %d, want %d:\n%s", res.code, tc.code, excerpt(res.body))
				}
				e := decodeError(t, res)
				if e.Error.Code != tc.errCode {
					t.Errorf("code %q, want %q", e.Error.Code, tc.errCode)
				}
				if !strings.Contains(e.Error.Message, tc.message) {
					t.Errorf("message %q does not say %q", e.Error.Message, tc.message)
				}
				if strings.Contains(e.Error.Message, "struct") || strings.Contains(e.Error.Message, "json:") || strings.Contains(e.Error.Message, "portavoce.") {
					t.Errorf("message %q shows Go internals", e.Error.Message)
				}
				if e.Error.Field != tc.field {
					t.Errorf("field %q, want %q", e.Error.Field, tc.field)
				}
				if tc.code != 404 || path != "/api/v1/nothing-here" {
					doc.checkExchange(t, tc.method, path, "", res)
				}
			})
		}
	})
}

// TestCSRF checks that a browser session cannot be ridden: unsafe requests
// made with the session cookie need the session's CSRF token, and requests
// from another site are refused whatever they carry.
func TestCSRF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		raw, sess := f.session(t, editor)
		withSession := func(req *http.Request) *http.Request {
			req.AddCookie(&http.Cookie{Name: "pv_session", Value: raw})
			return req
		}
		form := func(method, path string, values url.Values) *http.Request {
			req, err := http.NewRequest(method, f.server.URL+path, strings.NewReader(values.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return req
		}
		anonCSRF := auth.NewToken("")
		cases := []struct {
			name    string
			req     func() *http.Request
			code    int
			errCode string // for JSON answers
			want    string // a substring of the body
		}{
			{name: "API POST without X-CSRF-Token", code: 403, errCode: "csrf_failed", want: "reload the page",
				req: func() *http.Request { return withSession(f.apiRequest(t, "POST", "/api/v1/tokens", `{"name": "x"}`)) }},
			{name: "API PATCH without X-CSRF-Token", code: 403, errCode: "csrf_failed",
				req: func() *http.Request { return withSession(f.apiRequest(t, "PATCH", "/api/v1/me", `{"language": "it"}`)) }},
			{name: "API DELETE without X-CSRF-Token", code: 403, errCode: "csrf_failed",
				req: func() *http.Request {
					return withSession(f.apiRequest(t, "DELETE", "/api/v1/tokens/"+f.resolve(t, editor, "{spare-token}"), ""))
				}},
			{name: "API POST with another session's token", code: 403, errCode: "csrf_failed",
				req: func() *http.Request {
					req := withSession(f.apiRequest(t, "POST", "/api/v1/tokens", `{"name": "x"}`))
					_, other := f.session(t, editor)
					req.Header.Set("X-CSRF-Token", other.CSRFToken)
					return req
				}},
			{name: "API POST with X-CSRF-Token", code: 201, want: `"token": "pv_`,
				req: func() *http.Request {
					req := withSession(f.apiRequest(t, "POST", "/api/v1/tokens", `{"name": "x"}`))
					req.Header.Set("X-CSRF-Token", sess.CSRFToken)
					return req
				}},
			{name: "API DELETE with X-CSRF-Token", code: 204,
				req: func() *http.Request {
					req := withSession(f.apiRequest(t, "DELETE", "/api/v1/tokens/"+f.resolve(t, editor, "{spare-token}"), ""))
					req.Header.Set("X-CSRF-Token", sess.CSRFToken)
					return req
				}},
			{name: "API GET needs no CSRF token", code: 200, want: `"email": "editor@example.com"`,
				req: func() *http.Request { return withSession(f.apiRequest(t, "GET", "/api/v1/me", "")) }},
			{name: "form without csrf field", code: 403, want: "the form expired or did not come from this site",
				req: func() *http.Request { return withSession(form("POST", "/account/tokens", url.Values{"name": {"x"}})) }},
			{name: "form with csrf field", code: 200, want: `id="new-token"`,
				req: func() *http.Request {
					return withSession(form("POST", "/account/tokens", url.Values{"name": {"x"}, "csrf": {sess.CSRFToken}}))
				}},
			{name: "login form without the double-submit cookie", code: 403, want: "the form expired",
				req: func() *http.Request {
					return form("POST", "/login", url.Values{"email": {"editor@example.com"}, "password": {password}, "csrf": {anonCSRF}})
				}},
			{name: "cross-site form post with a valid session", code: 403, want: "the request came from another site",
				req: func() *http.Request {
					req := withSession(form("POST", "/account/tokens", url.Values{"name": {"x"}, "csrf": {sess.CSRFToken}}))
					req.Header.Set("Sec-Fetch-Site", "cross-site")
					return req
				}},
			{name: "cross-site login form post", code: 403, want: "the request came from another site",
				req: func() *http.Request {
					req := form("POST", "/login", url.Values{"email": {"editor@example.com"}, "password": {password}, "csrf": {anonCSRF}})
					req.AddCookie(&http.Cookie{Name: "pv_csrf", Value: anonCSRF})
					req.Header.Set("Sec-Fetch-Site", "cross-site")
					return req
				}},
			{name: "post from another origin", code: 403, want: "the request came from another site",
				req: func() *http.Request {
					req := withSession(form("POST", "/logout", url.Values{"csrf": {sess.CSRFToken}}))
					req.Header.Set("Origin", "https://evil.example")
					return req
				}},
			{name: "same-origin form post", code: 303,
				req: func() *http.Request {
					req := form("POST", "/language", url.Values{"language": {"it"}, "csrf": {anonCSRF}})
					req.AddCookie(&http.Cookie{Name: "pv_csrf", Value: anonCSRF})
					req.Header.Set("Sec-Fetch-Site", "same-origin")
					return req
				}},
			{name: "cross-site GET is allowed", code: 200, want: "<h1>Calendar</h1>",
				req: func() *http.Request {
					req := withSession(f.apiRequest(t, "GET", "/w/acme/calendar", ""))
					req.Header.Set("Sec-Fetch-Site", "cross-site")
					return req
				}},
			{name: "cross-site API call answers in JSON", code: 403, errCode: "csrf_failed",
				req: func() *http.Request {
					req := f.bearer(f.apiRequest(t, "POST", "/api/v1/tokens", `{"name": "x"}`), editor)
					req.Header.Set("Sec-Fetch-Site", "cross-site")
					return req
				}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res := f.send(t, tc.req())
				if res.code != tc.code {
					t.Errorf("status %d, want %d:\n%s", res.code, tc.code, excerpt(res.body))
				}
				if tc.errCode != "" {
					if e := decodeError(t, res); e.Error.Code != tc.errCode {
						t.Errorf("code %q, want %q", e.Error.Code, tc.errCode)
					}
				}
				if !containsMessage(res.body, tc.want) {
					t.Errorf("the body does not contain %q:\n%s", tc.want, excerpt(res.body))
				}
			})
		}
	})
}

// TestExpiredSession checks that a person whose session ended is told so,
// and sent to log in again, rather than shown a puzzling error.
func TestExpiredSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		raw := auth.NewToken("")
		past := time.Now().UTC().Add(-30 * 24 * time.Hour)
		csrf := auth.NewToken("")
		err := db.CreateSession(context.Background(), p.Session{TokenHash: auth.HashToken(raw), UserID: f.users[editor].ID,
			CSRFToken: csrf, CreatedAt: past, ExpiresAt: past.Add(14 * 24 * time.Hour), LastSeenAt: past})
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name, method, path, body, contentType string
			code                                  int
			location                              string
			want                                  string
		}{
			{name: "form post", method: "POST", path: "/account/tokens", body: "name=x&csrf=" + csrf, contentType: "application/x-www-form-urlencoded",
				code: 401, want: "your session has expired: please log in again"},
			{name: "form post in a workspace", method: "POST", path: "/w/acme/members", body: "email=a@example.com&role=viewer&csrf=" + csrf,
				contentType: "application/x-www-form-urlencoded", code: 401, want: "your session has expired"},
			{name: "page", method: "GET", path: "/w/acme/calendar", code: 303, location: "/login?next=%2Fw%2Facme%2Fcalendar"},
			{name: "account page", method: "GET", path: "/account", code: 303, location: "/login?next=%2Faccount"},
			{name: "API call", method: "POST", path: "/api/v1/tokens", body: `{"name": "x"}`, contentType: "application/json",
				code: 401, want: `"code": "unauthorized"`},
			{name: "API read", method: "GET", path: "/api/v1/me", code: 401, want: `"code": "unauthorized"`},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				req, err := http.NewRequest(tc.method, f.server.URL+tc.path, strings.NewReader(tc.body))
				if err != nil {
					t.Fatal(err)
				}
				if tc.contentType != "" {
					req.Header.Set("Content-Type", tc.contentType)
				}
				req.Header.Set("X-CSRF-Token", csrf)
				req.AddCookie(&http.Cookie{Name: "pv_session", Value: raw})
				res := f.send(t, req)
				if res.code != tc.code {
					t.Errorf("status %d, want %d:\n%s", res.code, tc.code, excerpt(res.body))
				}
				if res.location != tc.location {
					t.Errorf("Location %q, want %q", res.location, tc.location)
				}
				if !containsMessage(res.body, tc.want) {
					t.Errorf("the body does not contain %q:\n%s", tc.want, excerpt(res.body))
				}
				if !clearsCookie(res.header, "pv_session") {
					t.Errorf("the dead session cookie was not cleared: Set-Cookie %q", res.header.Values("Set-Cookie"))
				}
			})
		}
	})
}

func clearsCookie(h http.Header, name string) bool {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == name && c.MaxAge < 0 {
			return true
		}
	}
	return false
}

// TestLoginThrottling: five wrong passwords pause logins for that account,
// with Retry-After and a message that says how long to wait, in the
// reader's language; the right password does not get through meanwhile.
func TestLoginThrottling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		// The login page gives the double-submit cookie and its field.
		res := f.send(t, f.apiRequest(t, "GET", "/login", ""))
		if res.code != 200 {
			t.Fatalf("GET /login: %d", res.code)
		}
		var cookie string
		for _, c := range (&http.Response{Header: res.header}).Cookies() {
			if c.Name == "pv_csrf" {
				cookie = c.Value
			}
		}
		m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(res.body)
		if cookie == "" || m == nil || m[1] != cookie {
			t.Fatalf("the login page gave cookie %q and field %v", cookie, m)
		}
		login := func(pw, lang string) response {
			form := url.Values{"email": {"manager@example.com"}, "password": {pw}, "csrf": {m[1]}}
			req, err := http.NewRequest("POST", f.server.URL+"/login", strings.NewReader(form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept-Language", lang)
			req.AddCookie(&http.Cookie{Name: "pv_csrf", Value: cookie})
			return f.send(t, req)
		}
		for i := 1; i <= 5; i++ {
			res := login("wrong password "+strconv.Itoa(i), "en")
			if res.code != 401 || !containsMessage(res.body, "the email or the password is not right") {
				t.Fatalf("wrong password %d: status %d\n%s", i, res.code, excerpt(res.body))
			}
		}
		cases := []struct {
			name, password, lang, want string
		}{
			{"sixth wrong password", "wrong again", "en", "too many wrong passwords: wait 15 minutes before trying again"},
			{"right password while paused", password, "en", "wait 15 minutes"},
			{"in Italian", password, "it", "troppe password sbagliate: aspetta 15 minuti prima di riprovare"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res := login(tc.password, tc.lang)
				if res.code != http.StatusTooManyRequests {
					t.Fatalf("status %d, want 429:\n%s", res.code, excerpt(res.body))
				}
				retry, err := strconv.Atoi(res.header.Get("Retry-After"))
				if err != nil || retry < 14*60 || retry > 15*60 {
					t.Errorf("Retry-After %q, want about 900 seconds", res.header.Get("Retry-After"))
				}
				if !containsMessage(res.body, tc.want) {
					t.Errorf("the body does not say %q:\n%s", tc.want, excerpt(res.body))
				}
				if strings.Contains(res.header.Get("Set-Cookie"), "pv_session") {
					t.Errorf("a paused login started a session")
				}
			})
		}
	})
}

// TestAPIErrorsSpeakItalian: messages follow Accept-Language, or the user's
// own choice when they made one.
func TestAPIErrorsSpeakItalian(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		cases := []struct {
			name, method, path, body string
			caller                   who
			lang                     string
			want                     string
		}{
			{"unknown workspace in Italian", "GET", "/api/v1/workspaces/nowhere", "", manager, "it", "questo spazio di lavoro non esiste, oppure non ne fai parte"},
			{"unknown workspace in English", "GET", "/api/v1/workspaces/nowhere", "", manager, "en", "there is no such workspace, or you are not a member of it"},
			{"Italian of Italy", "GET", "/api/v1/workspaces/nowhere", "", manager, "it-IT,it;q=0.9,en;q=0.5", "questo spazio di lavoro non esiste"},
			{"role refused", "GET", "/api/v1/workspaces/acme/members", "", viewer, "it", "il tuo ruolo in questo spazio non lo permette"},
			{"not logged in", "GET", "/api/v1/me", "", anonymous, "it", "accedi per continuare"},
			{"malformed JSON", "POST", "/api/v1/tokens", `{"name": }`, manager, "it", "il JSON non è valido al byte"},
			{"unknown field", "POST", "/api/v1/tokens", `{"nome": "x"}`, manager, "it", `campo sconosciuto "nome"`},
			{"empty body", "POST", "/api/v1/tokens", "", manager, "it", "il corpo della richiesta è vuoto"},
			{"a role named in a message", "POST", "/api/v1/workspaces/acme/members", `{"email": "x@example.com", "role": "owner"}`, manager, "it", "responsabile"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				req := f.apiRequest(t, tc.method, tc.path, tc.body)
				if tc.method == "POST" {
					req.Header.Set("Content-Type", "application/json")
				}
				if tc.caller != anonymous {
					f.bearer(req, tc.caller)
				}
				req.Header.Set("Accept-Language", tc.lang)
				res := f.send(t, req)
				if res.code < 400 {
					t.Fatalf("status %d, want an error", res.code)
				}
				if e := decodeError(t, res); !strings.Contains(e.Error.Message, tc.want) {
					t.Errorf("message %q, want it to contain %q", e.Error.Message, tc.want)
				}
			})
		}
		t.Run("the user's choice wins over the browser", func(t *testing.T) {
			res := f.send(t, f.bearer(f.apiRequest(t, "PATCH", "/api/v1/me", `{"language": "it"}`), editor))
			if res.code != 200 {
				t.Fatalf("PATCH /api/v1/me: %d %s", res.code, res.body)
			}
			req := f.bearer(f.apiRequest(t, "GET", "/api/v1/workspaces/nowhere", ""), editor)
			req.Header.Set("Accept-Language", "en")
			if e := decodeError(t, f.send(t, req)); !strings.Contains(e.Error.Message, "questo spazio di lavoro non esiste") {
				t.Errorf("message %q, want Italian", e.Error.Message)
			}
		})
	})
}

// TestTokenIsShownOnce: the secret comes back once, when created, and never
// again from any listing; it works until revoked.
func TestTokenIsShownOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		res := f.send(t, f.bearer(f.apiRequest(t, "POST", "/api/v1/tokens", `{"name": "deploy script"}`), agency))
		if res.code != 201 {
			t.Fatalf("POST /api/v1/tokens: %d %s", res.code, res.body)
		}
		var created struct {
			ID, Name, Hint, Token string
		}
		if err := json.Unmarshal([]byte(res.body), &created); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(created.Token, "pv_") || len(created.Token) < 30 || !strings.HasSuffix(created.Token, created.Hint) || created.Name != "deploy script" {
			t.Fatalf("created %+v", created)
		}
		f.tokens["deploy"] = created.Token

		listings := []struct{ name, path string }{
			{"API list", "/api/v1/tokens"},
			{"account page", "/account"},
			{"audit log", "/api/v1/audit"},
		}
		for _, l := range listings {
			t.Run(l.name, func(t *testing.T) {
				var res response
				switch {
				case l.path == "/account":
					res = f.request(t, agency, "GET", l.path, "", nil)
				case l.path == "/api/v1/audit":
					res = f.send(t, f.bearer(f.apiRequest(t, "GET", l.path, ""), admin))
				default:
					res = f.send(t, f.bearer(f.apiRequest(t, "GET", l.path, ""), agency))
				}
				if res.code != 200 {
					t.Fatalf("status %d", res.code)
				}
				if strings.Contains(res.body, created.Token) || strings.Contains(res.body, created.Token[3:]) {
					t.Errorf("the token is shown again")
				}
				if strings.Contains(res.body, auth.HashToken(created.Token)) {
					t.Errorf("the token's hash is shown")
				}
				if l.path == "/api/v1/tokens" {
					if !strings.Contains(res.body, created.ID) {
						t.Errorf("the token is not listed")
					}
					if strings.Contains(res.body, `"token"`) {
						t.Errorf("the listing has a token field:\n%s", res.body)
					}
				}
			})
		}
		t.Run("works until revoked", func(t *testing.T) {
			if res := f.send(t, f.bearer(f.apiRequest(t, "GET", "/api/v1/me", ""), "deploy")); res.code != 200 || !strings.Contains(res.body, "agency@example.com") {
				t.Fatalf("with the new token: %d %s", res.code, res.body)
			}
			if res := f.send(t, f.bearer(f.apiRequest(t, "DELETE", "/api/v1/tokens/"+created.ID, ""), "deploy")); res.code != 204 {
				t.Fatalf("revoke: %d %s", res.code, res.body)
			}
			res := f.send(t, f.bearer(f.apiRequest(t, "GET", "/api/v1/me", ""), "deploy"))
			if e := decodeError(t, res); res.code != 401 || !strings.Contains(e.Error.Message, "the API token is not valid") {
				t.Errorf("after revoking: %d %s", res.code, res.body)
			}
		})
		t.Run("not a bearer token", func(t *testing.T) {
			req := f.apiRequest(t, "GET", "/api/v1/me", "")
			req.Header.Set("Authorization", "Basic YWRtaW46YWRtaW4=")
			res := f.send(t, req)
			if e := decodeError(t, res); res.code != 401 || !strings.Contains(e.Error.Message, "Authorization: Bearer pv_") {
				t.Errorf("%d %s", res.code, res.body)
			}
		})
	})
}

// TestNoSecretsInAnswers reads everything a member list, account or audit
// log can show, and looks for password and token hashes.
func TestNoSecretsInAnswers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.resolve(t, admin, "{invitation} {spare-token} {member:editor}")
		reads := []struct {
			name, path string
			caller     who
		}{
			{"API members", "/api/v1/workspaces/acme/members", owner},
			{"API me", "/api/v1/me", admin},
			{"API tokens", "/api/v1/tokens", admin},
			{"API invitations", "/api/v1/workspaces/acme/invitations", owner},
			{"API audit", "/api/v1/audit", admin},
			{"API workspace audit", "/api/v1/workspaces/acme/audit", owner},
			{"API workspaces", "/api/v1/workspaces", admin},
			{"settings page", "/w/acme/settings", owner},
			{"account page", "/account", admin},
			{"instance audit page", "/admin/audit", admin},
			{"workspace audit page", "/w/acme/audit", admin},
		}
		for _, r := range reads {
			t.Run(r.name, func(t *testing.T) {
				var res response
				if strings.HasPrefix(r.path, "/api/") {
					res = f.send(t, f.bearer(f.apiRequest(t, "GET", r.path, ""), r.caller))
				} else {
					res = f.request(t, r.caller, "GET", r.path, "", nil)
				}
				if res.code != 200 {
					t.Fatalf("status %d", res.code)
				}
				f.checkNoSecrets(t, res.body)
				if strings.Contains(res.body, "argon2") || strings.Contains(strings.ToLower(res.body), "password_hash") {
					t.Errorf("the answer mentions password hashes")
				}
			})
		}
	})
}

// TestOperations: health, readiness (which follows the database) and
// metrics.
func TestOperations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		get := func(path string) response { return f.send(t, f.apiRequest(t, "GET", path, "")) }
		if res := get("/healthz"); res.code != 200 || res.body != "ok\n" {
			t.Errorf("/healthz: %d %q", res.code, res.body)
		}
		if res := get("/readyz"); res.code != 200 || res.body != "ready\n" {
			t.Errorf("/readyz: %d %q", res.code, res.body)
		}
		res := get("/metrics")
		if res.code != 200 || !strings.Contains(res.body, "portavoce_http_requests_total") ||
			!strings.Contains(res.body, `portavoce_http_requests_total{code="200",route="GET /healthz"} 1`) {
			t.Errorf("/metrics: %d\n%s", res.code, excerpt(res.body))
		}
		if !strings.Contains(res.body, "portavoce_http_request_duration_seconds") {
			t.Errorf("/metrics has no request durations")
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if res := get("/readyz"); res.code != 503 {
			t.Errorf("/readyz with the database closed: %d %q", res.code, res.body)
		}
		if res := get("/healthz"); res.code != 200 {
			t.Errorf("/healthz with the database closed: %d, want 200 (the process is alive)", res.code)
		}
	})
}

// TestOpenAPIDocument checks the document against the server: valid JSON,
// OpenAPI 3.1, exactly the API routes, and internally consistent.
func TestOpenAPIDocument(t *testing.T) {
	doc := loadOpenAPI(t)
	if v, _ := doc.root["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi %q, want 3.1.x", v)
	}
	srv, err := web.NewServer(web.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, rt := range srv.Routes() {
		if rt.API {
			want = append(want, rt.Method+" "+rt.Pattern)
		}
	}
	var got []string
	paths, _ := doc.root["paths"].(map[string]any)
	for path, item := range paths {
		for method := range item.(map[string]any) {
			if httpMethods[method] {
				got = append(got, strings.ToUpper(method)+" "+path)
			}
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	for _, r := range want {
		if !slices.Contains(got, r) {
			t.Errorf("the document lacks the route %s", r)
		}
	}
	for _, r := range got {
		if !slices.Contains(want, r) {
			t.Errorf("the document has %s, which the server does not serve", r)
		}
	}

	t.Run("references resolve", func(t *testing.T) {
		var walk func(v any, at string)
		walk = func(v any, at string) {
			switch v := v.(type) {
			case map[string]any:
				if ref, ok := v["$ref"].(string); ok {
					if _, err := doc.pointer(ref); err != nil {
						t.Errorf("%s: %v", at, err)
					}
				}
				for k, c := range v {
					walk(c, at+"/"+k)
				}
			case []any:
				for i, c := range v {
					walk(c, at+"/"+strconv.Itoa(i))
				}
			}
		}
		walk(doc.root, "#")
	})

	t.Run("path parameters are declared", func(t *testing.T) {
		param := regexp.MustCompile(`\{([a-z]+)\}`)
		for path, item := range paths {
			item := item.(map[string]any)
			for method, op := range item {
				if !httpMethods[method] {
					continue
				}
				declared := map[string]bool{}
				for _, list := range []any{item["parameters"], op.(map[string]any)["parameters"]} {
					for _, prm := range asList(list) {
						prm := doc.deref(prm).(map[string]any)
						if prm["in"] == "path" {
							declared[prm["name"].(string)] = true
						}
					}
				}
				var inPath []string
				for _, m := range param.FindAllStringSubmatch(path, -1) {
					inPath = append(inPath, m[1])
					if !declared[m[1]] {
						t.Errorf("%s %s: the parameter {%s} is not declared", method, path, m[1])
					}
				}
				for name := range declared {
					if !slices.Contains(inPath, name) {
						t.Errorf("%s %s: declares the path parameter %q, which the path lacks", method, path, name)
					}
				}
			}
		}
	})

	t.Run("request bodies refuse unknown fields", func(t *testing.T) {
		for path, item := range paths {
			for method, op := range item.(map[string]any) {
				if !httpMethods[method] {
					continue
				}
				rb, ok := op.(map[string]any)["requestBody"]
				if !ok {
					continue
				}
				for media, c := range doc.deref(rb).(map[string]any)["content"].(map[string]any) {
					if media != "application/json" && media != "multipart/form-data" {
						t.Errorf("%s %s: a request body in %s", method, path, media)
					}
					schema := doc.deref(c.(map[string]any)["schema"]).(map[string]any)
					if schema["additionalProperties"] != false {
						t.Errorf("%s %s: the %s request body schema allows unknown fields", method, path, media)
					}
				}
			}
		}
	})

	t.Run("security", func(t *testing.T) {
		schemes := doc.root["components"].(map[string]any)["securitySchemes"].(map[string]any)
		bearer := schemes["bearerToken"].(map[string]any)
		cookie := schemes["sessionCookie"].(map[string]any)
		header := schemes["csrfToken"].(map[string]any)
		if bearer["type"] != "http" || bearer["scheme"] != "bearer" || cookie["in"] != "cookie" || cookie["name"] != "pv_session" ||
			header["in"] != "header" || header["name"] != "X-CSRF-Token" {
			t.Errorf("security schemes %v", schemes)
		}
		for path, item := range paths {
			for method, op := range item.(map[string]any) {
				if !httpMethods[method] || method == "get" {
					continue
				}
				sec, _ := json.Marshal(op.(map[string]any)["security"])
				if string(sec) != `[{"bearerToken":[]},{"csrfToken":[],"sessionCookie":[]}]` {
					t.Errorf("%s %s: security %s, want a bearer token, or the session cookie with X-CSRF-Token", method, path, sec)
				}
			}
		}
	})

	t.Run("error codes", func(t *testing.T) {
		codes, err := doc.pointer("#/components/schemas/ErrorCode")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range codes.(map[string]any)["enum"].([]any) {
			got = append(got, c.(string))
		}
		want := []string{"invalid_input", "invalid_json", "body_too_large", "unsupported_media_type", "unauthorized", "forbidden",
			"csrf_failed", "not_found", "invalid_post", "conflict", "too_many_attempts", "database_unavailable", "internal"}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("error codes %v, want %v", got, want)
		}
	})

	t.Run("served as written", func(t *testing.T) {
		storetest.Each(t, func(t *testing.T, db *store.DB) {
			f := newFixture(t, db)
			res := f.send(t, f.apiRequest(t, "GET", "/api/v1/openapi.json", ""))
			if res.code != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "application/json") {
				t.Fatalf("%d %q", res.code, res.header.Get("Content-Type"))
			}
			file, err := os.ReadFile("openapi.json")
			if err != nil {
				t.Fatal(err)
			}
			if res.body != string(file) {
				t.Errorf("the served document differs from openapi.json")
			}
		})
	})
}

var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "patch": true, "head": true, "options": true, "trace": true}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// openAPIDoc is the parsed openapi.json, with just enough of a JSON Schema
// validator (the keywords the document uses) to check real answers
// against it.
type openAPIDoc struct {
	root  map[string]any
	paths []docPath
}

type docPath struct {
	template string
	re       *regexp.Regexp
}

func loadOpenAPI(t *testing.T) *openAPIDoc {
	t.Helper()
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	d := &openAPIDoc{}
	if err := json.Unmarshal(b, &d.root); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	paths, _ := d.root["paths"].(map[string]any)
	for tmpl := range paths {
		re := "^" + regexp.MustCompile(`\\\{[a-z]+\\\}`).ReplaceAllString(regexp.QuoteMeta(tmpl), `[^/]+`) + "$"
		d.paths = append(d.paths, docPath{tmpl, regexp.MustCompile(re)})
	}
	return d
}

// pointer resolves a local reference such as #/components/schemas/User.
func (d *openAPIDoc) pointer(ref string) (any, error) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("%s: only local references are used", ref)
	}
	var v any = d.root
	for _, part := range strings.Split(rest, "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: %s is not an object", ref, part)
		}
		if v, ok = m[part]; !ok {
			return nil, fmt.Errorf("%s: no %s", ref, part)
		}
	}
	return v, nil
}

// deref follows $ref until it reaches a definition.
func (d *openAPIDoc) deref(v any) any {
	for {
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return v
		}
		next, err := d.pointer(ref)
		if err != nil {
			panic(err)
		}
		v = next
	}
}

// checkExchange checks an API request and its answer against the document:
// the operation exists, the status is documented, and the body has the
// documented shape. A successful request's body must match the documented
// request schema, so that the document accepts what the server accepts.
func (d *openAPIDoc) checkExchange(t *testing.T, method, path, reqBody string, res response) {
	t.Helper()
	path, _, _ = strings.Cut(path, "?")
	// As the server's ServeMux, a literal segment wins over a parameter:
	// /posts/check is not /posts/{id}.
	var item map[string]any
	params := -1
	for _, dp := range d.paths {
		if n := strings.Count(dp.template, "{"); dp.re.MatchString(path) && (params < 0 || n < params) {
			item, params = d.root["paths"].(map[string]any)[dp.template].(map[string]any), n
		}
	}
	if item == nil {
		t.Errorf("openapi.json: no path matches %s", path)
		return
	}
	op, ok := item[strings.ToLower(method)].(map[string]any)
	if !ok {
		t.Errorf("openapi.json: %s %s is not documented", method, path)
		return
	}
	if reqBody != "" && res.code < 300 {
		if rb, ok := op["requestBody"]; ok {
			content := d.deref(rb).(map[string]any)["content"].(map[string]any)
			if _, ok := content["application/json"]; !ok {
				t.Errorf("openapi.json: %s %s takes no JSON body, but the server accepted one: %s", method, path, reqBody)
				return
			}
			schema := content["application/json"].(map[string]any)["schema"]
			var v any
			if err := json.Unmarshal([]byte(reqBody), &v); err != nil {
				t.Errorf("request body: %v", err)
			} else if errs := d.validate(schema, v, "request"); len(errs) > 0 {
				t.Errorf("openapi.json refuses a request body the server accepted, %s:\n%s", reqBody, strings.Join(errs, "\n"))
			}
		}
	}
	resp, ok := op["responses"].(map[string]any)[strconv.Itoa(res.code)]
	if !ok {
		t.Errorf("openapi.json: %s %s does not document the status %d", method, path, res.code)
		return
	}
	content, _ := d.deref(resp).(map[string]any)["content"].(map[string]any)
	if content == nil {
		if strings.TrimSpace(res.body) != "" {
			t.Errorf("openapi.json documents no body for %d, but the answer has one:\n%s", res.code, excerpt(res.body))
		}
		return
	}
	var v any
	if err := json.Unmarshal([]byte(res.body), &v); err != nil {
		t.Errorf("the answer is not JSON: %v\n%s", err, excerpt(res.body))
		return
	}
	if errs := d.validate(content["application/json"].(map[string]any)["schema"], v, "body"); len(errs) > 0 {
		t.Errorf("the %d answer does not match openapi.json:\n%s\n%s", res.code, strings.Join(errs, "\n"), excerpt(res.body))
	}
}

// validate checks v against a schema and returns what does not match.
func (d *openAPIDoc) validate(schema any, v any, at string) []string {
	s, ok := d.deref(schema).(map[string]any)
	if !ok {
		return []string{at + ": bad schema"}
	}
	var errs []string
	for _, sub := range asList(s["allOf"]) {
		errs = append(errs, d.validate(sub, v, at)...)
	}
	if one := asList(s["oneOf"]); len(one) > 0 {
		n := 0
		for _, sub := range one {
			if len(d.validate(sub, v, at)) == 0 {
				n++
			}
		}
		if n != 1 {
			errs = append(errs, fmt.Sprintf("%s: matches %d of the oneOf schemas, want 1", at, n))
		}
	}
	if typ, ok := s["type"]; ok {
		types := []string{}
		if ts, ok := typ.(string); ok {
			types = append(types, ts)
		}
		for _, ts := range asList(typ) {
			types = append(types, ts.(string))
		}
		if !slices.Contains(types, jsonType(v)) && !(jsonType(v) == "integer" && slices.Contains(types, "number")) {
			return append(errs, fmt.Sprintf("%s: a %s, want %v", at, jsonType(v), types))
		}
	}
	if enum, ok := s["enum"]; ok && !slices.ContainsFunc(asList(enum), func(e any) bool { return reflect.DeepEqual(e, v) }) {
		errs = append(errs, fmt.Sprintf("%s: %v is not one of %v", at, v, enum))
	}
	switch v := v.(type) {
	case string:
		if pat, ok := s["pattern"].(string); ok && !regexp.MustCompile(pat).MatchString(v) {
			errs = append(errs, fmt.Sprintf("%s: %q does not match %s", at, v, pat))
		}
		if n, ok := s["minLength"].(float64); ok && utf8.RuneCountInString(v) < int(n) {
			errs = append(errs, fmt.Sprintf("%s: %q is shorter than %v", at, v, n))
		}
		if n, ok := s["maxLength"].(float64); ok && utf8.RuneCountInString(v) > int(n) {
			errs = append(errs, fmt.Sprintf("%s: %q is longer than %v", at, v, n))
		}
		switch s["format"] {
		case "date-time":
			if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
				errs = append(errs, fmt.Sprintf("%s: %q is not a date-time", at, v))
			}
		case "email":
			if !strings.Contains(v, "@") {
				errs = append(errs, fmt.Sprintf("%s: %q is not an email", at, v))
			}
		case "uri":
			if u, err := url.Parse(v); err != nil || u.Scheme == "" {
				errs = append(errs, fmt.Sprintf("%s: %q is not a URI", at, v))
			}
		}
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range asList(s["required"]) {
			if _, ok := v[r.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: lacks %q", at, r))
			}
		}
		for k, val := range v {
			if ps, ok := props[k]; ok {
				errs = append(errs, d.validate(ps, val, at+"."+k)...)
			} else if s["additionalProperties"] == false {
				errs = append(errs, fmt.Sprintf("%s: has %q, which the schema does not list", at, k))
			}
		}
	case []any:
		if items, ok := s["items"]; ok {
			for i, item := range v {
				errs = append(errs, d.validate(items, item, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	return errs
}

func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if v == float64(int64(v)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// TestOpenAPIValidatorCatchesMismatches keeps the small validator above
// honest: a validator that accepts anything would prove nothing.
func TestOpenAPIValidatorCatchesMismatches(t *testing.T) {
	doc := loadOpenAPI(t)
	user := `{"id": "1", "email": "a@example.com", "name": "A", "is_admin": false, "language": "", "created_at": "2025-01-02T03:04:05Z"}`
	cases := []struct {
		name, schema, value string
		ok                  bool
	}{
		{"a user", "User", user, true},
		{"a user with a hash", "User", strings.Replace(user, `"id": "1"`, `"id": "1", "password_hash": "x"`, 1), false},
		{"a user without email", "User", strings.Replace(user, `"email": "a@example.com", `, "", 1), false},
		{"a bad time", "User", strings.Replace(user, "2025-01-02T03:04:05Z", "yesterday", 1), false},
		{"a bad language", "User", strings.Replace(user, `"language": ""`, `"language": "fr"`, 1), false},
		{"a created token", "CreatedToken", `{"id": "1", "name": "n", "hint": "abcd", "created_at": "2025-01-02T03:04:05Z", "last_used_at": null, "token": "pv_abcd"}`, true},
		{"a created token without it", "CreatedToken", `{"id": "1", "name": "n", "hint": "abcd", "created_at": "2025-01-02T03:04:05Z", "last_used_at": null}`, false},
		{"an invitation result", "InviteResult", `{"invitation": {"id": "1", "email": "a@example.com", "role": "editor", "expires_at": "2025-01-02T03:04:05Z", "link": "http://x/invite/inv_1"}}`, true},
		{"an invitation result without link", "InviteResult", `{"invitation": {"id": "1", "email": "a@example.com", "role": "editor", "expires_at": "2025-01-02T03:04:05Z"}}`, false},
		{"an error", "Error", `{"error": {"code": "not_found", "message": "m"}}`, true},
		{"an unknown error code", "Error", `{"error": {"code": "oops", "message": "m"}}`, false},
		{"an unknown input field", "TokenInput", `{"name": "n", "nmae": "n"}`, false},
		{"a null language", "MeUpdate", `{"language": null}`, true},
		{"a refused post", "Error", `{"error": {"code": "invalid_post", "message": "m", "problems": ["Bluesky, part 1: too long"]}}`, true},
		{"a post input with a misspelt field", "PostInput", `{"content": {"parts": [{"text": "x"}]}, "acounts": []}`, false},
		{"a post input with a made-up mode", "PostInput", `{"content": {"parts": [{"text": "x"}]}, "when": {"mode": "later"}}`, false},
		{"a queue time without minutes", "QueueSlot", `{"weekday": 1, "time": "9"}`, false},
		{"a delivery with null parts", "Delivery", `{"id": "d", "post_id": "p", "account_id": "a", "status": "scheduled", "due_at": "2025-01-02T03:04:05Z",
			"next_at": "2025-01-02T03:04:05Z", "published_parts": null, "attempts": 0}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var v any
			if err := json.Unmarshal([]byte(tc.value), &v); err != nil {
				t.Fatal(err)
			}
			errs := doc.validate(map[string]any{"$ref": "#/components/schemas/" + tc.schema}, v, "value")
			if (len(errs) == 0) != tc.ok {
				t.Errorf("valid = %v, want %v: %v", len(errs) == 0, tc.ok, errs)
			}
		})
	}
}

// containsMessage reports whether body holds msg as an API error gives it or
// as a page shows it (starting with a capital letter).
func containsMessage(body, msg string) bool {
	if strings.Contains(body, msg) {
		return true
	}
	r, size := utf8.DecodeRuneInString(msg)
	return size > 0 && strings.Contains(body, string(unicode.ToUpper(r))+msg[size:])
}
