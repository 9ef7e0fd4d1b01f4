package web

import (
	"context"
	"net"
	"net/http"
	"strings"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/account"
	"github.com/portavoce/portavoce/internal/auth"
	"github.com/portavoce/portavoce/internal/i18n"
	"github.com/portavoce/portavoce/internal/workspace"
)

// Cookie names.
const (
	sessionCookie = "pv_session"
	// anonCSRFCookie carries the double-submit token of forms shown before
	// login (set-up, login, invitation).
	anonCSRFCookie = "pv_csrf"
	langCookie     = "lang"
)

// request is what the wrappers learned about a request before the handler
// runs.
type request struct {
	lang     i18n.Lang
	api      bool
	user     p.User
	loggedIn bool
	session  p.Session
	viaToken bool
	access   workspace.Access
	// csrfAfterAuthorization defers the CSRF check of a multipart form
	// (which may be large) until the caller is known to be allowed.
	csrfAfterAuthorization bool
	// workspaces lists the user's workspaces for the navigation (UI only).
	workspaces []workspace.Access
}

func (rq *request) actor(r *http.Request, s *Server) workspace.Actor {
	return workspace.Actor{User: rq.user, IP: s.clientIP(r)}
}

func (rq *request) origin(r *http.Request, s *Server) account.Origin {
	return account.Origin{IP: s.clientIP(r), UserAgent: r.UserAgent()}
}

// handlerFunc is a handler that returns its failure for the server to show.
type handlerFunc func(w http.ResponseWriter, r *http.Request, rq *request) error

var (
	errLoginRequired = p.Errorf(p.ECodeUnauthorized, "please log in to continue")
	errForbidden     = p.Errorf(p.ECodeForbidden, "your role in this workspace does not allow this")
	errAdminOnly     = p.Errorf(p.ECodeForbidden, "only an administrator can do this")
	errCSRF          = p.Errorf("csrf_failed", "the form expired or did not come from this site: reload the page and try again")
	errCrossOrigin   = p.Errorf("csrf_failed", "the request came from another site and was refused: use Portavoce's own pages")
)

// wrap enforces the route's access rule, then calls h.
func (s *Server) wrap(rt Route, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq := &request{api: rt.API}
		err := s.authenticate(w, r, rq, rt)
		rq.lang = i18n.FromRequest(r, rq.user.Language)
		if err != nil {
			s.fail(w, r.WithContext(withRequest(r.Context(), rq)), err)
			return
		}
		r = r.WithContext(withRequest(r.Context(), rq))
		if err := s.authorize(r, rq, rt); err != nil {
			s.fail(w, r, err)
			return
		}
		if rq.csrfAfterAuthorization && !auth.EqualTokens(r.PostFormValue("csrf"), rq.session.CSRFToken) {
			s.fail(w, r, errCSRF)
			return
		}
		if err := h(w, r, rq); err != nil {
			s.fail(w, r, err)
		}
	})
}

// authenticate finds the user from a bearer token or the session cookie, and
// checks the CSRF token of unsafe requests made with a session.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, rq *request, rt Route) error {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		raw, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return p.Errorf(p.ECodeUnauthorized, "send the API token as: Authorization: Bearer pv_...")
		}
		_, u, err := s.deps.Accounts.AuthenticateToken(ctx, strings.TrimSpace(raw))
		if err != nil {
			return err
		}
		rq.user, rq.loggedIn, rq.viaToken = u, true, true
		return nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	sess, u, err := s.deps.Accounts.Session(ctx, c.Value)
	if err == account.ErrNoSession {
		s.clearCookie(w, sessionCookie)
		if isUnsafe(r.Method) && rt.Access != Public {
			// An expired session's form: say so rather than "log in".
			// Public forms (log in, set-up, language) just go on.
			return account.ErrNoSession
		}
		return nil
	}
	if err != nil {
		return err
	}
	rq.user, rq.loggedIn, rq.session = u, true, sess
	// The session slides on the server; the cookie follows, so that a
	// person who keeps working is not logged out by the browser.
	s.setSessionCookie(w, c.Value)
	if isUnsafe(r.Method) {
		got := r.Header.Get("X-CSRF-Token")
		if got == "" && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			// A form with files is read only once the route's rule has
			// let the caller in: see wrap.
			rq.csrfAfterAuthorization = true
			return nil
		}
		if got == "" {
			got = r.PostFormValue("csrf")
		}
		if !auth.EqualTokens(got, sess.CSRFToken) {
			return errCSRF
		}
	}
	return nil
}

func isUnsafe(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// authorize applies the route's access rule.
func (s *Server) authorize(r *http.Request, rq *request, rt Route) error {
	if rt.Access == Public {
		return nil
	}
	if !rq.loggedIn {
		return errLoginRequired
	}
	switch rt.Access {
	case Admin:
		if !rq.user.IsAdmin {
			return errAdminOnly
		}
	case InWorkspace:
		acc, err := s.deps.Workspaces.Open(r.Context(), rq.user, r.PathValue("ws"))
		if err != nil {
			return err
		}
		rq.access = acc
		if !acc.Can(rt.Perm) {
			return errForbidden
		}
	}
	return nil
}

// checkAnonCSRF checks the double-submit token of a form shown before login.
func checkAnonCSRF(r *http.Request) error {
	c, err := r.Cookie(anonCSRFCookie)
	if err != nil || c.Value == "" || !auth.EqualTokens(c.Value, r.PostFormValue("csrf")) {
		return errCSRF
	}
	return nil
}

// anonCSRF returns the double-submit token for a pre-login form, setting its
// cookie when the browser has none.
func (s *Server) anonCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(anonCSRFCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	token := auth.NewToken("")
	http.SetCookie(w, &http.Cookie{Name: anonCSRFCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.secure, SameSite: http.SameSiteStrictMode})
	return token
}

func (s *Server) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: int(account.DefaultPolicy.SessionIdle.Seconds())})
}

func (s *Server) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", HttpOnly: true, Secure: s.secure, MaxAge: -1})
}

// clientIP is the peer address or, when the server is told to trust its
// proxy, the address that proxy saw: the last X-Forwarded-For entry, the one
// the proxy appended. Entries before it come from the client and can say
// anything.
func (s *Server) clientIP(r *http.Request) string {
	if s.deps.TrustProxy {
		if values := r.Header.Values("X-Forwarded-For"); len(values) > 0 {
			hops := strings.Split(values[len(values)-1], ",")
			if ip := net.ParseIP(strings.TrimSpace(hops[len(hops)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type ctxKey struct{}

func withRequest(ctx context.Context, rq *request) context.Context {
	return context.WithValue(ctx, ctxKey{}, rq)
}

func requestOf(r *http.Request) *request {
	if rq, ok := r.Context().Value(ctxKey{}).(*request); ok {
		return rq
	}
	return &request{lang: i18n.FromRequest(r, "")}
}
