package mastodontest_test

import (
	"bytes"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/portavoce/portavoce/internal/provider/mastodon/mastodontest"
)

type accountEntity struct {
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
	Source *struct {
		Note   string `json:"note"`
		Fields []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"fields"`
	} `json:"source"`
}

func TestLookup(t *testing.T) {
	srv := newServer(t)
	id, _ := srv.CreateAccount("Acme")
	host := strings.TrimPrefix(srv.URL(), "http://")
	for _, acct := range []string{"acme", "ACME", "acme@" + host, "@acme"} {
		a := do(t, srv, request{method: http.MethodGet, path: "/api/v1/accounts/lookup?acct=" + url.QueryEscape(acct)})
		var e accountEntity
		a.json(t, &e)
		if a.status != http.StatusOK || e.ID != id || e.Acct != "Acme" {
			t.Errorf("lookup %q: %d %s", acct, a.status, a.body)
		}
		if !strings.HasSuffix(e.Avatar, "/avatars/original/missing.png") || !strings.HasSuffix(e.Header, "/headers/original/missing.png") {
			t.Errorf("pictures of a new account: %q, %q", e.Avatar, e.Header)
		}
		if e.Fields == nil {
			t.Errorf("fields must be an array: %s", a.body)
		}
	}
	for _, acct := range []string{"nobody", "acme@mastodon.social", ""} {
		a := do(t, srv, request{method: http.MethodGet, path: "/api/v1/accounts/lookup?acct=" + url.QueryEscape(acct)})
		if a.status != http.StatusNotFound || a.errorText(t) != "Record not found" {
			t.Errorf("lookup %q: %d %s, want 404 Record not found", acct, a.status, a.body)
		}
	}
	a := do(t, srv, request{method: http.MethodGet, path: "/api/v1/accounts/lookup?acct=acme", token: "bogus"})
	if a.status != http.StatusUnauthorized || a.errorText(t) != "The access token is invalid" {
		t.Errorf("lookup with a bad token: %d %s", a.status, a.body)
	}
}

// multipartForm builds a form with text fields and one file per name.
func multipartForm(t *testing.T, fields [][2]string, files map[string][]byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range files {
		fw, err := w.CreateFormFile(name, name+".png")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func TestUpdateCredentials(t *testing.T) {
	srv := newServer(t)
	id, token := srv.CreateAccount("acme")
	var img bytes.Buffer
	png.Encode(&img, image.NewGray(image.Rect(0, 0, 8, 8)))
	body, ct := multipartForm(t, [][2]string{
		{"display_name", "  Acme Coffee "},
		{"note", "Hello https://acme.example/"},
		{"fields_attributes[1][name]", "Website"},
		{"fields_attributes[1][value]", "https://acme.example"},
		{"fields_attributes[0][name]", "Phone"},
		{"fields_attributes[0][value]", "123"},
		{"fields_attributes[2][name]", ""},
		{"fields_attributes[2][value]", ""},
	}, map[string][]byte{"avatar": img.Bytes()})
	a := do(t, srv, request{method: http.MethodPatch, path: "/api/v1/accounts/update_credentials", token: token, body: body, contentType: ct})
	if a.status != http.StatusOK {
		t.Fatalf("update: %d %s", a.status, a.body)
	}
	var e accountEntity
	a.json(t, &e)
	if e.ID != id || e.DisplayName != "Acme Coffee" || e.Source == nil || e.Source.Note != "Hello https://acme.example/" {
		t.Errorf("answer: %s", a.body)
	}
	if !strings.HasPrefix(e.Note, "<p>Hello <a href=\"https://acme.example/\"") {
		t.Errorf("note HTML = %q", e.Note)
	}
	if len(e.Fields) != 2 || e.Fields[0].Name != "Phone" || e.Fields[1].Name != "Website" || e.Fields[1].VerifiedAt != nil ||
		!strings.Contains(e.Fields[1].Value, `rel="nofollow noopener me"`) {
		t.Errorf("fields = %+v", e.Fields)
	}
	if strings.HasSuffix(e.Avatar, "missing.png") || !strings.HasSuffix(e.Header, "missing.png") {
		t.Errorf("avatar %q, header %q", e.Avatar, e.Header)
	}
	pic := do(t, srv, request{method: http.MethodGet, path: strings.TrimPrefix(e.Avatar, srv.URL())})
	if pic.status != http.StatusOK || !bytes.Equal(pic.body, img.Bytes()) || pic.header.Get("Content-Type") != "image/png" {
		t.Errorf("avatar served: %d %s, %d bytes", pic.status, pic.header.Get("Content-Type"), len(pic.body))
	}
	if got := srv.ProfileOf(id); got.DisplayName != "Acme Coffee" || len(got.Fields) != 2 || !bytes.Equal(got.Avatar, img.Bytes()) {
		t.Errorf("ProfileOf = %+v", got)
	}
}

func TestUpdateCredentialsErrors(t *testing.T) {
	srv := newServer(t)
	_, token := srv.CreateAccount("acme")
	cases := []struct {
		name   string
		token  string
		form   url.Values
		status int
		error  string
		detail string
	}{
		{"no token", "", url.Values{"display_name": {"x"}}, http.StatusUnauthorized, "The access token is invalid", ""},
		{"display name", token, url.Values{"display_name": {strings.Repeat("é", 31)}}, http.StatusUnprocessableEntity,
			"Validation failed: Display name is too long (maximum is 30 characters)", "ERR_TOO_LONG"},
		{"note", token, url.Values{"note": {strings.Repeat("a", 501)}}, http.StatusUnprocessableEntity,
			"Validation failed: Note is too long (maximum is 500 characters)", "ERR_TOO_LONG"},
		{"fields", token, url.Values{
			"fields_attributes[0][name]": {"a"}, "fields_attributes[0][value]": {"1"},
			"fields_attributes[1][name]": {"b"}, "fields_attributes[1][value]": {"2"},
			"fields_attributes[2][name]": {"c"}, "fields_attributes[2][value]": {"3"},
			"fields_attributes[3][name]": {"d"}, "fields_attributes[3][value]": {"4"},
			"fields_attributes[4][name]": {"e"}, "fields_attributes[4][value]": {"5"},
		}, http.StatusUnprocessableEntity, "Validation failed: Fields is too long (maximum is 4 characters)", "ERR_TOO_LONG"},
		{"missing label", token, url.Values{"fields_attributes[0][name]": {" "}, "fields_attributes[0][value]": {"orphan"}},
			http.StatusUnprocessableEntity, "Validation failed: Fields contains values with missing labels", "ERR_FIELDS_WITH_VALUES_MISSING_LABELS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := do(t, srv, request{method: http.MethodPatch, path: "/api/v1/accounts/update_credentials", token: tc.token, form: tc.form})
			if a.status != tc.status || a.errorText(t) != tc.error {
				t.Fatalf("%d %s, want %d %q", a.status, a.body, tc.status, tc.error)
			}
			if tc.detail == "" {
				return
			}
			var e struct {
				Details map[string][]struct{ Error, Description string } `json:"details"`
			}
			a.json(t, &e)
			found := false
			for _, ds := range e.Details {
				for _, d := range ds {
					found = found || d.Error == tc.detail
				}
			}
			if !found {
				t.Errorf("details %s, want %s", a.body, tc.detail)
			}
		})
	}
	if got := srv.ProfileOf("nobody"); got.DisplayName != "" {
		t.Errorf("ProfileOf an unknown account = %+v", got)
	}
	// Nothing refused was kept.
	v := do(t, srv, request{method: http.MethodGet, path: "/api/v1/accounts/verify_credentials", token: token})
	var e accountEntity
	v.json(t, &e)
	if e.DisplayName != "acme" || e.Note != "" || len(e.Fields) != 0 {
		t.Errorf("after refusals: %s", v.body)
	}
}

func TestSetProfileAndVerifyLinks(t *testing.T) {
	srv := newServer(t)
	id, _ := srv.CreateAccount("acme")
	srv.SetProfile(id, mastodontest.Profile{DisplayName: "Acme", Note: "Bio", Fields: []mastodontest.Field{{Name: "Website", Value: "http://127.0.0.1:1/"}}})
	srv.VerifyLinks(id) // nothing listens there: stays unverified
	a := do(t, srv, request{method: http.MethodGet, path: "/api/v1/accounts/lookup?acct=acme"})
	var e accountEntity
	a.json(t, &e)
	if e.DisplayName != "Acme" || e.Note != "<p>Bio</p>" || len(e.Fields) != 1 || e.Fields[0].VerifiedAt != nil {
		t.Errorf("lookup = %s", a.body)
	}
}
