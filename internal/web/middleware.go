package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// maxBody bounds every request body but uploads, which carry images and
// videos (see uploadBody).
const maxBody = 1 << 20

// uploadBody bounds the bodies of the routes that take files: the composer's
// form and the media API. Their handlers bound each file again.
const uploadBody = 4*MaxUpload + 1<<20

// takesFiles reports whether a request goes to a route that accepts uploads.
func takesFiles(r *http.Request) bool {
	return r.Method == http.MethodPost && (strings.HasSuffix(r.URL.Path, "/compose") ||
		(strings.HasPrefix(r.URL.Path, "/api/v1/workspaces/") && strings.HasSuffix(r.URL.Path, "/media")))
}

// securityHeaders sets the headers every answer carries and bounds the body.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		// Avatars come from the networks (https); forms post to this site
		// only, except where a page connects an account (see accountsCSP).
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if s.secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if r.Body != nil {
			limit := int64(maxBody)
			if takesFiles(r) {
				limit = uploadBody
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic into a logged 500, never a dropped connection.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "route", routeOf(r), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				s.fail(w, r, errInternal)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// httpMetrics counts requests and their durations by route.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	registry *prometheus.Registry
	log      *slog.Logger
}

func newHTTPMetrics(reg *prometheus.Registry, log *slog.Logger) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portavoce_http_requests_total", Help: "HTTP requests by route and status code."},
			[]string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "portavoce_http_request_duration_seconds", Help: "HTTP request duration by route.",
			Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5}},
			[]string{"route"}),
		registry: reg,
		log:      log,
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (m *httpMetrics) instrument(route string, next http.Handler) http.Handler {
	requests := m.requests.MustCurryWith(prometheus.Labels{"route": route})
	duration := m.duration.WithLabelValues(route)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.code == 0 {
			rec.code = http.StatusOK
		}
		took := time.Since(start)
		duration.Observe(took.Seconds())
		requests.WithLabelValues(strconv.Itoa(rec.code)).Inc()
		// The access log, at debug level: the route, not the URL, so that
		// no invitation token or query string reaches the log.
		m.log.LogAttrs(r.Context(), slog.LevelDebug, "request", slog.String("route", route),
			slog.Int("status", rec.code), slog.Duration("took", took))
	})
}

func (s *Server) promMetrics(w http.ResponseWriter, r *http.Request, _ *request) error {
	promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	return nil
}
