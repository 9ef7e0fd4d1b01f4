// Package web is Portavoce's HTTP edge: the server-rendered UI in Italian and
// English, the REST API under /api/v1, health, readiness and metrics. It
// calls the domain services and holds no state of its own.
package web

import (
	"context"
	"embed"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/account"
	"github.com/portavoce/portavoce/internal/i18n"
	"github.com/portavoce/portavoce/internal/inbox"
	"github.com/portavoce/portavoce/internal/linkpreview"
	"github.com/portavoce/portavoce/internal/listening"
	"github.com/portavoce/portavoce/internal/presence"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/workspace"
)

//go:embed templates static openapi.json
var assets embed.FS

// Pinger tells whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// MediaStore keeps uploaded files and the record of publish attempts.
type MediaStore interface {
	InsertMedia(ctx context.Context, m p.Media) error
	Media(ctx context.Context, workspaceID, id string) (p.Media, error)
	Attempts(ctx context.Context, deliveryID string) ([]p.PublishAttempt, error)
}

// LinkPreviews gives the card of a linked page.
type LinkPreviews interface {
	Card(ctx context.Context, pageURL string) (linkpreview.Card, error)
}

// Deps are what the server needs.
type Deps struct {
	Accounts   *account.Service
	Workspaces *workspace.Service
	// Publishing composes and schedules posts; Connector connects network
	// accounts; Media keeps uploads.
	Publishing *publish.Service
	Connector  *publish.Connector
	Media      MediaStore
	// Presence audits the brand's website and profiles.
	Presence *presence.Service
	// Inbox is the unified inbox; InboxEvery is how often accounts are
	// fetched, shown on its page.
	Inbox      *inbox.Service
	InboxEvery time.Duration
	// Listening is social listening: topics, mentions, charts, sources.
	Listening *listening.Service
	// Previews fetches link cards for the composer (nil: none shown).
	Previews LinkPreviews
	DB       Pinger
	Logger   *slog.Logger
	// Registry receives the HTTP metrics and is served at /metrics.
	Registry *prometheus.Registry
	// BaseURL is the public URL, for links; empty means the request's host.
	BaseURL string
	// TrustProxy takes the client address from X-Forwarded-For.
	TrustProxy bool
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Server serves the UI and the API.
type Server struct {
	deps    Deps
	log     *slog.Logger
	pages   *pages
	metrics *httpMetrics
	secure  bool
	mux     *http.ServeMux
	routes  []Route
	handler http.Handler
}

// NewServer returns the server; it is the whole HTTP handler.
func NewServer(d Deps) (*Server, error) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	s := &Server{deps: d, log: d.Logger, pages: p, metrics: newHTTPMetrics(d.Registry, d.Logger),
		secure: strings.HasPrefix(d.BaseURL, "https://"), mux: http.NewServeMux()}
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		s.mux.Handle(rt.Method+" "+rt.Pattern, s.metrics.instrument(rt.Method+" "+rt.Pattern, rt.handler))
	}
	s.mux.Handle("/", s.metrics.instrument("not_found", http.HandlerFunc(s.notFound)))
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, s.bare(r), errCrossOrigin)
	}))
	s.handler = s.recoverPanics(s.securityHeaders(cop.Handler(s.mux)))
	return s, nil
}

// bare gives a request that reached no route (refused before routing, or
// unknown) what fail needs: its language, and whether to answer in JSON.
func (s *Server) bare(r *http.Request) *http.Request {
	rq := &request{lang: i18n.FromRequest(r, ""), api: strings.HasPrefix(r.URL.Path, "/api/")}
	return r.WithContext(withRequest(r.Context(), rq))
}

// ServeHTTP serves every request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Routes lists every route the server registers, for tests and docs.
func (s *Server) Routes() []Route { return s.routes }
