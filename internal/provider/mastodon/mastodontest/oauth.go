package mastodontest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// oob is the redirect URI that shows the code instead of redirecting.
const oob = "urn:ietf:wg:oauth:2.0:oob"

// Doorkeeper's error descriptions (config/locales/doorkeeper.en.yml), which
// Mastodon's OAuth endpoints answer with.
const (
	descInvalidClient  = "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."
	descInvalidGrant   = "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."
	descInvalidRequest = "The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed."
	descInvalidScope   = "The requested scope is invalid, unknown, or malformed."
	descUnsupported    = "The authorization grant type is not supported by the authorization server."
	descResponseType   = "The authorization server does not support this response type."
	descRedirectURI    = "The requested redirect uri is malformed or doesn't match client redirect URI."
	descDenied         = "The resource owner or authorization server denied the request."
	descChallenge      = "The code challenge method must be S256."
)

// knownScopes are the scopes an application may ask for (api/oauth-scopes).
var knownScopes = map[string]bool{
	"read": true, "write": true, "follow": true, "push": true, "profile": true,
	"read:accounts": true, "read:blocks": true, "read:bookmarks": true, "read:favourites": true,
	"read:filters": true, "read:follows": true, "read:lists": true, "read:mutes": true,
	"read:notifications": true, "read:search": true, "read:statuses": true,
	"write:accounts": true, "write:blocks": true, "write:bookmarks": true, "write:conversations": true,
	"write:favourites": true, "write:filters": true, "write:follows": true, "write:lists": true,
	"write:media": true, "write:mutes": true, "write:notifications": true, "write:reports": true,
	"write:statuses": true,
}

// params reads a request's parameters the way Rails does: from a form
// (urlencoded or multipart), a JSON body, and the query string. Array
// parameters may be named "name[]" or "name"; list merges both.
func params(r *http.Request) (url.Values, error) {
	v := url.Values{}
	for k, vs := range r.URL.Query() {
		v[k] = append(v[k], vs...)
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var body map[string]any
		if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20)).Decode(&body); err != nil {
			return nil, err
		}
		for k, val := range body {
			switch x := val.(type) {
			case []any:
				for _, e := range x {
					v.Add(k, scalar(e))
				}
			case nil, map[string]any:
			default:
				v.Set(k, scalar(x))
			}
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return nil, err
		}
		for k, vs := range r.MultipartForm.Value {
			v[k] = append(v[k], vs...)
		}
	default:
		if err := r.ParseForm(); err != nil {
			return nil, err
		}
		for k, vs := range r.PostForm {
			v[k] = append(v[k], vs...)
		}
	}
	return v, nil
}

func scalar(x any) string {
	switch y := x.(type) {
	case string:
		return y
	case float64:
		return strconv.FormatFloat(y, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(y)
	}
	return fmt.Sprint(x)
}

// list returns an array parameter, sent as name[] or name.
func list(v url.Values, name string) []string {
	return append(slices.Clone(v[name+"[]"]), v[name]...)
}

// createApp is POST /api/v1/apps (methods/apps#create).
func (s *Server) createApp(w http.ResponseWriter, r *http.Request) {
	v, err := params(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "The request you submitted was invalid or malformed.")
		return
	}
	name := strings.TrimSpace(v.Get("client_name"))
	var redirects []string
	for _, u := range list(v, "redirect_uris") {
		for _, line := range strings.Split(u, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				redirects = append(redirects, line)
			}
		}
	}
	scopes := strings.Fields(v.Get("scopes"))
	if len(scopes) == 0 {
		scopes = []string{"read"}
	}
	switch {
	case name == "":
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: Name can't be blank")
		return
	case len(redirects) == 0:
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: Redirect URI can't be blank")
		return
	}
	for _, u := range redirects {
		if msg := checkRedirectURI(u); msg != "" {
			writeError(w, http.StatusUnprocessableEntity, "Validation failed: Redirect URI "+msg)
			return
		}
	}
	for _, sc := range scopes {
		if !knownScopes[sc] {
			writeError(w, http.StatusUnprocessableEntity, "Validation failed: Scopes doesn't match configured on the server.")
			return
		}
	}
	s.mu.Lock()
	id, _ := s.nextIDLocked()
	a := &app{id: id, name: name, website: v.Get("website"), clientID: randomString(32), secret: randomString(32),
		redirectURIs: redirects, scopes: scopes}
	s.apps[a.clientID] = a
	s.mu.Unlock()
	var website any
	if a.website != "" {
		website = a.website
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id":                       a.id,
		"name":                     a.name,
		"website":                  website,
		"scopes":                   a.scopes,
		"redirect_uri":             strings.Join(a.redirectURIs, "\n"),
		"redirect_uris":            a.redirectURIs,
		"client_id":                a.clientID,
		"client_secret":            a.secret,
		"client_secret_expires_at": 0,
	})
}

// checkRedirectURI returns why Doorkeeper refuses a redirect URI, or "".
func checkRedirectURI(u string) string {
	if u == oob {
		return ""
	}
	p, err := url.Parse(u)
	switch {
	case err != nil || p.Scheme == "" || (p.Host == "" && p.Opaque == ""):
		return "must be an absolute URI."
	case p.Fragment != "":
		return "cannot contain a fragment."
	}
	return ""
}

// preAuth is what /oauth/authorize checked of a request.
type preAuth struct {
	app                              *app
	redirectURI, state, responseType string
	scopes                           []string
	challenge, method                string
}

// oauthError is an error of the authorization endpoint: shown on a page
// when the client or its redirect URI cannot be trusted, sent back to the
// redirect URI otherwise.
type oauthError struct {
	code, description string
	page              bool
}

// checkAuthorize validates an authorization request as Doorkeeper's
// PreAuthorization does.
func (s *Server) checkAuthorize(v url.Values) (preAuth, *oauthError) {
	s.mu.Lock()
	a := s.apps[v.Get("client_id")]
	s.mu.Unlock()
	if a == nil {
		return preAuth{}, &oauthError{"invalid_client", descInvalidClient, true}
	}
	p := preAuth{app: a, redirectURI: v.Get("redirect_uri"), state: v.Get("state"), responseType: v.Get("response_type"),
		challenge: v.Get("code_challenge"), method: v.Get("code_challenge_method")}
	if p.redirectURI == "" && len(a.redirectURIs) == 1 {
		p.redirectURI = a.redirectURIs[0]
	}
	if !slices.Contains(a.redirectURIs, p.redirectURI) {
		return preAuth{}, &oauthError{"invalid_redirect_uri", descRedirectURI, true}
	}
	if p.responseType != "code" {
		return p, &oauthError{"unsupported_response_type", descResponseType, false}
	}
	p.scopes = strings.Fields(v.Get("scope"))
	if len(p.scopes) == 0 {
		p.scopes = []string{"read"}
	}
	for _, sc := range p.scopes {
		if !knownScopes[sc] || !slices.Contains(a.scopes, sc) {
			return p, &oauthError{"invalid_scope", descInvalidScope, false}
		}
	}
	if p.challenge != "" && p.method != "S256" {
		return p, &oauthError{"invalid_request", descChallenge, false}
	}
	return p, nil
}

// fail answers an authorization error: a page, or a redirect carrying it.
func (p preAuth) fail(w http.ResponseWriter, r *http.Request, e *oauthError) {
	if e.page || p.redirectURI == oob {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		_ = errorPage.Execute(w, e)
		return
	}
	q := url.Values{"error": {e.code}, "error_description": {e.description}}
	if p.state != "" {
		q.Set("state", p.state)
	}
	http.Redirect(w, r, withQuery(p.redirectURI, q), http.StatusFound)
}

func withQuery(u string, q url.Values) string {
	if strings.Contains(u, "?") {
		return u + "&" + q.Encode()
	}
	return u + "?" + q.Encode()
}

var errorPage = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>An error has occurred</title></head>
<body><h1>An error has occurred</h1><p class="error" data-error="{{.Code}}">{{.Description}}</p></body></html>
`))

// Code and Description expose an oauthError to the page template.
func (e *oauthError) Code() string { return e.code }

// Description is the error's human text.
func (e *oauthError) Description() string { return e.description }

var authorizePage = template.Must(template.New("authorize").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Authorization required</title></head>
<body>
<h1>Authorization required</h1>
<p><strong>{{.App}}</strong> would like permission to access your account <strong>@{{.User}}</strong>. It is a third-party application. If you do not trust it, then you should not authorize it.</p>
<h2>Review permissions</h2>
<ul>{{range .Scopes}}<li>{{.}}</li>{{end}}</ul>
<form class="authorize" method="post" action="/oauth/authorize">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<button type="submit">Authorize</button>
</form>
<form class="deny" method="post" action="/oauth/authorize">
<input type="hidden" name="_method" value="delete">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<button type="submit">Deny</button>
</form>
</body></html>
`))

var codePage = template.Must(template.New("code").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Authorization code</title></head>
<body><h1>Authorization code</h1><p>Copy this authorization code and paste it to the application.</p><input type="text" class="oauth-code" readonly value="{{.}}"></body></html>
`))

type field struct{ Name, Value string }

// authorizePage is GET /oauth/authorize (methods/oauth#authorize): the page
// where the signed-in user authorizes the application, with an Authorize
// and a Deny button. The page's forms carry a one-time authenticity token,
// as Rails' do.
func (s *Server) authorizePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p, e := s.checkAuthorize(q)
	if e != nil {
		p.fail(w, r, e)
		return
	}
	csrf := randomString(32)
	s.mu.Lock()
	user := s.signedInLocked()
	s.csrf[csrf] = true
	s.mu.Unlock()
	fields := []field{{"authenticity_token", csrf}, {"client_id", p.app.clientID}, {"redirect_uri", p.redirectURI},
		{"state", p.state}, {"response_type", p.responseType}, {"scope", strings.Join(p.scopes, " ")},
		{"code_challenge", p.challenge}, {"code_challenge_method", p.method}}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = authorizePage.Execute(w, map[string]any{"App": p.app.name, "User": user.username, "Scopes": p.scopes, "Fields": fields})
}

func (s *Server) signedInLocked() *account {
	if s.signedIn == nil {
		s.signedIn = s.accountLocked("user")
	}
	return s.signedIn
}

// authorize is the submission of the authorization page: Authorize
// redirects to the redirect URI with a code and the state, Deny with
// error=access_denied.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "The request you submitted was invalid or malformed.")
		return
	}
	v := r.PostForm
	s.mu.Lock()
	ok := s.csrf[v.Get("authenticity_token")]
	delete(s.csrf, v.Get("authenticity_token"))
	s.mu.Unlock()
	if !ok {
		// ActionController::InvalidAuthenticityToken.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprint(w, "<!DOCTYPE html><html><body><h1>The change you wanted was rejected.</h1></body></html>")
		return
	}
	p, e := s.checkAuthorize(v)
	if e != nil {
		p.fail(w, r, e)
		return
	}
	if v.Get("_method") == "delete" {
		p.fail(w, r, &oauthError{"access_denied", descDenied, false})
		return
	}
	s.mu.Lock()
	g := &grant{code: randomString(32), app: p.app, account: s.signedInLocked(), redirectURI: p.redirectURI,
		scopes: p.scopes, challenge: p.challenge, method: p.method, expires: s.now().Add(codeLifetime)}
	s.grants[g.code] = g
	s.mu.Unlock()
	if p.redirectURI == oob {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = codePage.Execute(w, g.code)
		return
	}
	q := url.Values{"code": {g.code}}
	if p.state != "" {
		q.Set("state", p.state)
	}
	http.Redirect(w, r, withQuery(p.redirectURI, q), http.StatusFound)
}

// oauthFail answers a token endpoint error as Doorkeeper does.
func oauthFail(w http.ResponseWriter, code int, err, description string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, code, map[string]string{"error": err, "error_description": description})
}

// clientCredentials reads the client's id and secret from the form or from
// HTTP Basic authentication and returns its application if they match.
func (s *Server) clientCredentials(r *http.Request, v url.Values) *app {
	id, secret := v.Get("client_id"), v.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, secret = u, p
	}
	s.mu.Lock()
	a := s.apps[id]
	s.mu.Unlock()
	if a == nil || subtle.ConstantTimeCompare([]byte(a.secret), []byte(secret)) != 1 {
		return nil
	}
	return a
}

// issueToken is POST /oauth/token (methods/oauth#token): the
// authorization_code grant, with PKCE when the authorization asked for it,
// and client_credentials.
func (s *Server) issueToken(w http.ResponseWriter, r *http.Request) {
	v, err := params(r)
	if err != nil {
		oauthFail(w, http.StatusBadRequest, "invalid_request", descInvalidRequest)
		return
	}
	grantType := v.Get("grant_type")
	if grantType == "" {
		oauthFail(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: grant_type.")
		return
	}
	if grantType != "authorization_code" && grantType != "client_credentials" {
		oauthFail(w, http.StatusBadRequest, "unsupported_grant_type", descUnsupported)
		return
	}
	a := s.clientCredentials(r, v)
	if a == nil {
		oauthFail(w, http.StatusUnauthorized, "invalid_client", descInvalidClient)
		return
	}
	var t *token
	switch grantType {
	case "client_credentials":
		scopes := strings.Fields(v.Get("scope"))
		if len(scopes) == 0 {
			scopes = []string{"read"}
		}
		for _, sc := range scopes {
			if !slices.Contains(a.scopes, sc) {
				oauthFail(w, http.StatusBadRequest, "invalid_scope", descInvalidScope)
				return
			}
		}
		s.mu.Lock()
		t = s.issueLocked(a, nil, scopes)
		s.mu.Unlock()
	case "authorization_code":
		code := v.Get("code")
		if code == "" {
			oauthFail(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: code.")
			return
		}
		s.mu.Lock()
		g := s.grants[code]
		now := s.now()
		s.mu.Unlock()
		if g == nil || g.app != a || now.After(g.expires) || g.redirectURI != v.Get("redirect_uri") {
			oauthFail(w, http.StatusBadRequest, "invalid_grant", descInvalidGrant)
			return
		}
		if g.challenge != "" {
			verifier := v.Get("code_verifier")
			if verifier == "" {
				oauthFail(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: code_verifier.")
				return
			}
			sum := sha256.Sum256([]byte(verifier))
			if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(g.challenge)) != 1 {
				oauthFail(w, http.StatusBadRequest, "invalid_grant", descInvalidGrant)
				return
			}
		}
		s.mu.Lock()
		if s.grants[code] != g {
			// Used meanwhile by a concurrent request.
			s.mu.Unlock()
			oauthFail(w, http.StatusBadRequest, "invalid_grant", descInvalidGrant)
			return
		}
		delete(s.grants, code)
		t = s.issueLocked(a, g.account, g.scopes)
		s.mu.Unlock()
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": t.value,
		"token_type":   "Bearer",
		"scope":        strings.Join(t.scopes, " "),
		"created_at":   t.created.Unix(),
	})
}

// revoke is POST /oauth/revoke (methods/oauth#revoke, RFC 7009): a token
// of the client is revoked; an unknown one is fine; another client's is
// 403.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	v, err := params(r)
	if err != nil {
		oauthFail(w, http.StatusBadRequest, "invalid_request", descInvalidRequest)
		return
	}
	a := s.clientCredentials(r, v)
	s.mu.Lock()
	t := s.tokens[v.Get("token")]
	if a == nil || (t != nil && t.app != a) {
		s.mu.Unlock()
		oauthFail(w, http.StatusForbidden, "unauthorized_client", "You are not authorized to revoke this token")
		return
	}
	if t != nil {
		t.revoked = true
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{})
}
