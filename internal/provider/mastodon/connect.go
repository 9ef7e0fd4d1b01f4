package mastodon

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/portavoce/portavoce/internal/provider"
)

// NormalizeInstance turns what a person types to name their instance into
// its base URL: "mastodon.social", "https://mastodon.social/",
// "@me@mastodon.social" and "https://mastodon.social/@me" all give
// "https://mastodon.social". A handle's domain is taken as the instance,
// which holds for most servers (those that serve their handles' domain from
// another host redirect from it). http:// is kept only when typed, for local
// test servers; anything else is https. The error says what to type.
func NormalizeInstance(input string) (string, error) {
	s := strings.TrimSpace(input)
	if s == "" {
		return "", errors.New("mastodon: type the address of your Mastodon server, like mastodon.social")
	}
	scheme := "https"
	switch lower := strings.ToLower(s); {
	case strings.HasPrefix(lower, "https://"):
		s = s[len("https://"):]
	case strings.HasPrefix(lower, "http://"):
		scheme, s = "http", s[len("http://"):]
	case strings.Contains(s, "://"):
		return "", fmt.Errorf("mastodon: %q is not a web address; type your server's name, like mastodon.social", input)
	default:
		// A handle: "@me@mastodon.social" or "me@mastodon.social"; an
		// "@" after the first "/" belongs to a path
		// ("mastodon.social/@me").
		end := len(s)
		if i := strings.IndexAny(s, "/?#"); i >= 0 {
			end = i
		}
		if at := strings.LastIndex(s[:end], "@"); at >= 0 {
			if strings.ContainsAny(s[:at], " ") {
				return "", fmt.Errorf("mastodon: %q is not a server name nor a handle; type your server's name, like mastodon.social", input)
			}
			s = s[at+1:]
		}
	}
	// Drop any path, query or fragment: a pasted profile or post address
	// names its server all the same.
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if strings.Contains(s, "@") {
		return "", fmt.Errorf("mastodon: %q holds a user name or password; type only your server's name, like mastodon.social", input)
	}
	u, err := url.Parse(scheme + "://" + s)
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("mastodon: %q is not a server name; type your server's name, like mastodon.social", input)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if !validHost(host) {
		return "", fmt.Errorf("mastodon: %q is not a server name; type your server's name, like mastodon.social (international names in their xn-- form)", input)
	}
	if port := u.Port(); port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return scheme + "://" + host, nil
}

// validHost accepts a DNS name with a dot (or localhost) or an IP address.
func validHost(host string) bool {
	if net.ParseIP(host) != nil {
		return true
	}
	if host == "localhost" {
		return true
	}
	if len(host) > 253 || !strings.Contains(host, ".") {
		return false
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// App is Portavoce's OAuth application on one instance (POST /api/v1/apps).
// ClientSecret is a secret: store it encrypted, never log it.
type App struct{ ClientID, ClientSecret string }

// RegisterApp registers Portavoce on an instance for one redirect URI, with
// the scopes "read write". Mastodon keeps applications for good since 4.3,
// so one registration per instance and redirect URI is enough.
func (c *Client) RegisterApp(ctx context.Context, instance, redirectURI, website string) (App, error) {
	form := url.Values{
		"client_name":   {appName},
		"redirect_uris": {redirectURI},
		"scopes":        {scopes},
	}
	if website != "" {
		form.Set("website", website)
	}
	cl := call{method: http.MethodPost, url: instance + "/api/v1/apps", body: []byte(form.Encode()),
		contentType: "application/x-www-form-urlencoded", part: -1, repeatable: true}
	resp, err := c.do(ctx, cl, http.StatusOK)
	if err != nil {
		return App{}, err
	}
	var app struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := decode(resp, &app, cl); err != nil {
		return App{}, err
	}
	if app.ClientID == "" || app.ClientSecret == "" {
		return App{}, &provider.Error{Kind: provider.Temporary, Network: provider.Mastodon, Part: -1, Status: resp.StatusCode,
			Reason: "the server registered no client credentials"}
	}
	return App{ClientID: app.ClientID, ClientSecret: app.ClientSecret}, nil
}

// AuthorizeURL is where the browser goes to let Portavoce act for the
// account (GET /oauth/authorize). state is checked by the web layer on the
// way back; codeChallenge is Challenge(verifier), with method S256.
func AuthorizeURL(instance string, app App, redirectURI, state, codeChallenge string) string {
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {app.ClientID},
		"redirect_uri":          {redirectURI},
		"scope":                 {scopes},
		"state":                 {state},
		"code_challenge":        {codeChallenge},
		"code_challenge_method": {"S256"},
	}
	return instance + "/oauth/authorize?" + q.Encode()
}

// NewVerifier returns a fresh PKCE code verifier (RFC 7636: 43 characters
// of base64url from 32 random bytes). It stays on Portavoce's side until
// ExchangeCode.
func NewVerifier() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

// Challenge is the S256 code challenge of a verifier: base64url of its
// SHA-256, without padding.
func Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// ExchangeCode trades the authorization code the instance sent back to the
// redirect URI for an access token (POST /oauth/token, grant_type
// authorization_code, with the PKCE verifier). A refused code is Rejected
// with Doorkeeper's error as Code ("invalid_grant") and its description as
// Reason.
func (c *Client) ExchangeCode(ctx context.Context, instance string, app App, redirectURI, code, verifier string) (string, error) {
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"client_id":     {app.ClientID},
		"client_secret": {app.ClientSecret},
		"redirect_uri":  {redirectURI},
		"code_verifier": {verifier},
		"scope":         {scopes},
	}
	cl := call{method: http.MethodPost, url: instance + "/oauth/token", body: []byte(form.Encode()),
		contentType: "application/x-www-form-urlencoded", part: -1,
		secrets: []string{app.ClientSecret, code, verifier}}
	resp, err := c.do(ctx, cl, http.StatusOK)
	if err != nil {
		var pe *provider.Error
		if errors.As(err, &pe) && pe.Kind == provider.AuthExpired {
			// 401 invalid_client: the application's credentials are
			// wrong, not an account's; register the app again.
			pe.Kind = provider.Rejected
		}
		return "", err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := decode(resp, &tok, cl); err != nil {
		return "", err
	}
	if tok.AccessToken == "" {
		return "", &provider.Error{Kind: provider.Rejected, Network: provider.Mastodon, Part: -1, Status: resp.StatusCode,
			Reason: "the server issued no access token"}
	}
	return tok.AccessToken, nil
}

// Revoke invalidates an access token (POST /oauth/revoke), for when an
// account is disconnected. Revoking a token already revoked succeeds.
func (c *Client) Revoke(ctx context.Context, instance string, app App, accessToken string) error {
	form := url.Values{
		"client_id":     {app.ClientID},
		"client_secret": {app.ClientSecret},
		"token":         {accessToken},
	}
	cl := call{method: http.MethodPost, url: instance + "/oauth/revoke", body: []byte(form.Encode()),
		contentType: "application/x-www-form-urlencoded", part: -1, repeatable: true,
		secrets: []string{app.ClientSecret, accessToken}}
	resp, err := c.do(ctx, cl, http.StatusOK)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// account is the part of Mastodon's Account entity Portavoce reads.
type account struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	Acct        string `json:"acct"`
	DisplayName string `json:"display_name"`
	Avatar      string `json:"avatar"`
	URL         string `json:"url"`
}

// verifyCredentials reads the token's own account
// (GET /api/v1/accounts/verify_credentials).
func (c *Client) verifyCredentials(ctx context.Context, instance, token string) (account, error) {
	cl := call{method: http.MethodGet, url: instance + "/api/v1/accounts/verify_credentials", token: token,
		part: -1, repeatable: true, secrets: []string{token}}
	resp, err := c.do(ctx, cl, http.StatusOK)
	if err != nil {
		return account{}, err
	}
	var acc account
	if err := decode(resp, &acc, cl); err != nil {
		return account{}, err
	}
	if acc.ID == "" {
		return account{}, &provider.Error{Kind: provider.Temporary, Network: provider.Mastodon, Part: -1, Status: resp.StatusCode,
			Reason: "the server returned no account"}
	}
	return acc, nil
}

// Connect reads the account an access token acts for and the instance's
// limits, and returns the credentials to store with the account.
func (c *Client) Connect(ctx context.Context, instance, accessToken string) (provider.Profile, provider.Limits, []byte, error) {
	acc, err := c.verifyCredentials(ctx, instance, accessToken)
	if err != nil {
		return provider.Profile{}, provider.Limits{}, nil, err
	}
	inst, err := c.instance(ctx, instance)
	if err != nil {
		return provider.Profile{}, provider.Limits{}, nil, err
	}
	domain := inst.Domain
	if domain == "" {
		u, _ := url.Parse(instance)
		domain = u.Host
	}
	handle := acc.Acct
	if handle == "" {
		handle = acc.Username
	}
	if !strings.Contains(handle, "@") {
		handle += "@" + domain
	}
	profile := provider.Profile{
		RemoteID:    acc.ID,
		Handle:      "@" + handle,
		DisplayName: acc.DisplayName,
		AvatarURL:   acc.Avatar,
		URL:         acc.URL,
	}
	if profile.DisplayName == "" {
		profile.DisplayName = acc.Username
	}
	return profile, inst.limits(), marshalCredentials(accessToken), nil
}

// Limits reads what the instance accepts in one status (GET
// /api/v2/instance, public). Instances older than 4.0 answer 404 there and
// have the same configuration under /api/v1/instance (since 3.4).
func (c *Client) Limits(ctx context.Context, instance string) (provider.Limits, error) {
	inst, err := c.instance(ctx, instance)
	if err != nil {
		return provider.Limits{}, err
	}
	return inst.limits(), nil
}

// instanceInfo is the part of the Instance entity Portavoce reads
// (entities/Instance, configuration[statuses] and
// configuration[media_attachments]).
type instanceInfo struct {
	Domain        string `json:"domain"`
	URI           string `json:"uri"` // v1's name for the domain
	Configuration struct {
		Statuses struct {
			MaxCharacters            int `json:"max_characters"`
			MaxMediaAttachments      int `json:"max_media_attachments"`
			CharactersReservedPerURL int `json:"characters_reserved_per_url"`
		} `json:"statuses"`
		MediaAttachments struct {
			SupportedMimeTypes []string `json:"supported_mime_types"`
			ImageSizeLimit     int64    `json:"image_size_limit"`
			ImageMatrixLimit   int64    `json:"image_matrix_limit"`
			VideoSizeLimit     int64    `json:"video_size_limit"`
			// DescriptionLimit is published since 4.4.
			DescriptionLimit int `json:"description_limit"`
		} `json:"media_attachments"`
	} `json:"configuration"`
}

func (c *Client) instance(ctx context.Context, instance string) (instanceInfo, error) {
	cl := call{method: http.MethodGet, url: instance + "/api/v2/instance", part: -1, repeatable: true}
	resp, err := c.do(ctx, cl, http.StatusOK)
	var pe *provider.Error
	if errors.As(err, &pe) && pe.Status == http.StatusNotFound {
		cl.url = instance + "/api/v1/instance"
		resp, err = c.do(ctx, cl, http.StatusOK)
	}
	if err != nil {
		return instanceInfo{}, err
	}
	var inst instanceInfo
	if err := decode(resp, &inst, cl); err != nil {
		return instanceInfo{}, err
	}
	if inst.Domain == "" {
		inst.Domain = inst.URI
	}
	return inst, nil
}

// Defaults of a stock Mastodon, for the values an older instance does not
// publish (StatusLengthValidator, Status::MEDIA_ATTACHMENTS_LIMIT,
// MediaAttachment::IMAGE_LIMIT, VIDEO_LIMIT, MAX_DESCRIPTION_LENGTH and
// Attachmentable::MAX_MATRIX_LIMIT).
const (
	defaultMaxChars    = 500
	defaultCharsPerURL = 23
	defaultMaxMedia    = 4
	defaultImageBytes  = 16 << 20
	defaultVideoBytes  = 99 << 20
	defaultMatrix      = 33_177_600
	defaultAltChars    = 1500
)

func (inst instanceInfo) limits() provider.Limits {
	st, ma := inst.Configuration.Statuses, inst.Configuration.MediaAttachments
	l := provider.Limits{
		MaxChars:       or(st.MaxCharacters, defaultMaxChars),
		CharsPerURL:    or(st.CharactersReservedPerURL, defaultCharsPerURL),
		MaxMedia:       or(st.MaxMediaAttachments, defaultMaxMedia),
		ImageMaxBytes:  or(ma.ImageSizeLimit, defaultImageBytes),
		VideoMaxBytes:  or(ma.VideoSizeLimit, defaultVideoBytes),
		ImageMaxPixels: or(ma.ImageMatrixLimit, defaultMatrix),
		MediaTypes:     ma.SupportedMimeTypes,
		MaxAltChars:    or(ma.DescriptionLimit, defaultAltChars),
	}
	if len(l.MediaTypes) == 0 {
		l.MediaTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4", "video/webm", "video/quicktime"}
	}
	return l
}

func or[T int | int64](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

var _ provider.Verifier = (*Client)(nil)

// Verify reads the account the stored token acts for: a revoked or expired
// token answers AuthExpired.
func (c *Client) Verify(ctx context.Context, a provider.Account) (provider.Profile, error) {
	token, err := tokenOf(a)
	if err != nil {
		return provider.Profile{}, err
	}
	acc, err := c.verifyCredentials(ctx, a.Server, token)
	if err != nil {
		return provider.Profile{}, err
	}
	if acc.ID != a.RemoteID && a.RemoteID != "" {
		return provider.Profile{}, &provider.Error{Kind: provider.AuthExpired, Network: provider.Mastodon, Part: -1,
			Reason: "the token now belongs to another account: connect the account again"}
	}
	return provider.Profile{RemoteID: acc.ID, Handle: a.Handle, DisplayName: acc.DisplayName, AvatarURL: acc.Avatar, URL: acc.URL}, nil
}
