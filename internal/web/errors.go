package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/i18n"
	"github.com/portavoce/portavoce/internal/publish"
)

// status maps a domain error code to its HTTP status: the one place where
// this is decided.
func status(code string) int {
	switch code {
	case p.ECodeInvalid, "invalid_json":
		return http.StatusBadRequest
	case "invalid_post":
		return http.StatusUnprocessableEntity
	case p.ECodeUnauthorized:
		return http.StatusUnauthorized
	case p.ECodeForbidden, "csrf_failed":
		return http.StatusForbidden
	case p.ECodeNotFound:
		return http.StatusNotFound
	case p.ECodeConflict:
		return http.StatusConflict
	case "body_too_large":
		return http.StatusRequestEntityTooLarge
	case "unsupported_media_type":
		return http.StatusUnsupportedMediaType
	case p.ECodeThrottled:
		return http.StatusTooManyRequests
	case p.ECodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

var errInternal = p.Errorf("internal", "something went wrong on our side; it has been logged. Please try again, and tell your administrator if it happens again")

// apiError is the JSON body of every API error.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
		// Problems lists each reason a post cannot be scheduled.
		Problems []string `json:"problems,omitempty"`
	} `json:"error"`
}

// fail answers a request with err: JSON for the API, a page for the UI, a
// redirect to the login page for a UI page that needs a login.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	rq := requestOf(r)
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client went away: nobody reads an answer, nothing failed.
		s.log.Debug("request abandoned by the client", "route", routeOf(r))
		return
	}
	var problems []string
	var verr *publish.ValidationError
	if errors.As(err, &verr) {
		for _, pr := range verr.Report.Problems() {
			problems = append(problems, translate(rq.lang, pr))
		}
		err = p.Errorf("invalid_post", "the post cannot be scheduled as it is: %s", strings.Join(problems, "; "))
	}
	var e *p.Error
	if !errors.As(err, &e) {
		s.log.Error("request failed", "route", routeOf(r), "error", err)
		e = errInternal
	} else if e.Code == p.ECodeUnavailable || status(e.Code) >= 500 {
		s.log.Error("request failed", "route", routeOf(r), "code", e.Code, "error", err)
	}
	code := status(e.Code)
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds()+0.999)))
	}
	if e.Code == p.ECodeUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	msg := translate(rq.lang, e)
	if rq.api {
		var body apiError
		body.Error.Code, body.Error.Message, body.Error.Field, body.Error.Problems = e.Code, msg, e.Field, problems
		writeJSON(w, code, body)
		return
	}
	if code == http.StatusUnauthorized && r.Method == http.MethodGet {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	title, ok := errorTitles[code]
	if !ok {
		title = "Something went wrong"
	}
	s.render(w, r, code, "error", pageData{Title: title, Error: msg})
}

// translate gives the error's message in the reader's language.
// Roles among the arguments are shown by their label in that language, and
// errors among them in that language too.
func translate(lang i18n.Lang, e *p.Error) string {
	if e.Format == "" {
		return e.Message
	}
	args := make([]any, len(e.Args))
	for i, a := range e.Args {
		if r, ok := a.(p.Role); ok {
			a = strings.ToLower(i18n.T(lang, roleLabels[r]))
		}
		if inner, ok := a.(*p.Error); ok {
			// An error inside an error (a query's mistake) is translated
			// too.
			a = translate(lang, inner)
		}
		args[i] = a
	}
	return i18n.T(lang, e.Format, args...)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	// Answers may carry a secret shown once (a new token, an invitation
	// link): no cache keeps them.
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, s.bare(r), p.Errorf(p.ECodeNotFound, "there is no page at this address"))
}

// routeOf names the route a request matched, for logs: the pattern, not the
// URL, so that tokens in paths (invitation links) never reach a log.
func routeOf(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return r.Method + " (no route)"
}
