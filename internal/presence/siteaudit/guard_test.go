package siteaudit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portavoce/portavoce/internal/netguard"
)

// serve starts a server for one test with the given handlers by path,
// logging every request.
func serve(t *testing.T, routes map[string]http.HandlerFunc) (*httptest.Server, *requestLog) {
	t.Helper()
	log := &requestLog{}
	mux := http.NewServeMux()
	for p, h := range routes {
		mux.HandleFunc(p, h)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add(r)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, log
}

func htmlPage(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(body))
	}
}

func TestRedirectToLoopbackIsRefused(t *testing.T) {
	var srv *httptest.Server
	srv, log := serve(t, map[string]http.HandlerFunc{
		"/": func(w http.ResponseWriter, r *http.Request) {
			// The allowed host sends the auditor to a loopback address
			// it has no business reaching.
			http.Redirect(w, r, srv.URL+"/admin", http.StatusFound)
		},
		"/admin": htmlPage("<title>internal admin</title>"),
	})
	port := srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]
	client := netguard.NewClient(netguard.Options{
		Allow:        []string{"site.test"},
		LookupIPAddr: dns(map[string]string{"site.test": "127.0.0.1"}),
	})
	_, err := Audit(t.Context(), client, Brand{Name: "Rossi", Website: "http://site.test:" + port + "/"}, Options{})
	if !errors.Is(err, netguard.ErrBlocked) {
		t.Fatalf("Audit error = %v, want netguard.ErrBlocked", err)
	}
	if !strings.HasPrefix(err.Error(), "siteaudit: ") {
		t.Errorf("error %q lacks the package prefix", err)
	}
	for _, p := range log.paths() {
		if p == "/admin" {
			t.Fatal("the redirect to the loopback address was followed")
		}
	}
	if n := len(log.paths()); n != 1 {
		t.Errorf("the server got %d requests, want 1 (the home page)", n)
	}
}

func TestHostResolvingToPrivateAddressIsRefused(t *testing.T) {
	client := netguard.NewClient(netguard.Options{
		LookupIPAddr: dns(map[string]string{"intranet.test": "10.0.0.7"}),
	})
	_, err := Audit(t.Context(), client, Brand{Website: "http://intranet.test/"}, Options{})
	var blocked *netguard.BlockedError
	if !errors.As(err, &blocked) {
		t.Fatalf("Audit error = %v, want a *netguard.BlockedError", err)
	}
	if blocked.Addr.String() != "10.0.0.7" || blocked.Reason != "private" {
		t.Errorf("blocked %s (%s), want 10.0.0.7 (private)", blocked.Addr, blocked.Reason)
	}
}

// A public page may name private addresses (its image, its profiles): they
// become findings, and no request reaches them.
func TestPrivateAddressesNamedByAPageAreNotContacted(t *testing.T) {
	var hits []string
	inner, _ := serve(t, map[string]http.HandlerFunc{"/": func(w http.ResponseWriter, r *http.Request) {
		hits = append(hits, r.URL.Path)
	}})
	innerPort := inner.URL[strings.LastIndexByte(inner.URL, ':')+1:]
	var srv *httptest.Server
	srv, _ = serve(t, map[string]http.HandlerFunc{
		"/": func(w http.ResponseWriter, r *http.Request) {
			htmlPage(fmt.Sprintf(`<html lang="it"><head><title>Caffè Rossi – Torrefazione e caffetteria a Bologna</title>
				<meta property="og:image" content="http://10.1.2.3/og.png">
				<link rel="icon" href="http://metadata.test:%[1]s/favicon.png">
				<script type="application/ld+json">{"@context":"https://schema.org","@type":"Organization","name":"Caffè Rossi",
				"url":"%[2]s/","logo":"http://metadata.test:%[1]s/logo.png","email":"a@b.example",
				"sameAs":["http://metadata.test:%[1]s/@rossi","http://10.9.9.9/rossi"]}</script>
				</head><body></body></html>`, innerPort, srv.URL))(w, r)
		},
	})
	client := netguard.NewClient(netguard.Options{
		// The test server is allowed by address; metadata.test resolves to
		// the cloud metadata address, which is not.
		Allow:        []string{srv.Listener.Addr().String()[:strings.LastIndexByte(srv.Listener.Addr().String(), ':')]},
		LookupIPAddr: dns(map[string]string{"metadata.test": "169.254.169.254"}),
	})
	r, err := Audit(t.Context(), client, Brand{Name: "Caffè Rossi", Website: srv.URL + "/"}, Options{})
	if err != nil {
		t.Fatalf("Audit: %v", err)
	}
	if len(hits) > 0 {
		t.Fatalf("requests reached a refused address: %v", hits)
	}
	want := map[string]bool{"og.image.broken": false, "favicon.broken": false, "jsonld.logo.broken": false}
	for _, f := range r.Findings {
		if _, ok := want[f.Check]; ok {
			want[f.Check] = true
			if reason := f.Args[len(f.Args)-1]; reason != "the address is private or local, and was not contacted" {
				t.Errorf("%s: reason %q", f.Check, reason)
			}
		}
		if f.Check == "jsonld.sameas.broken" {
			t.Errorf("a refused profile is not known to be gone: %v", f.Args)
		}
	}
	for id, found := range want {
		if !found {
			t.Errorf("no %s finding", id)
		}
	}
}

func TestOversizedHomePage(t *testing.T) {
	srv, _ := serve(t, map[string]http.HandlerFunc{"/": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html><head><title>big</title></head><body>"))
		chunk := bytes.Repeat([]byte("<p>caffè</p>"), 1<<16)
		for range 64 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}})
	_, err := Audit(t.Context(), guarded(), Brand{Website: srv.URL}, Options{})
	if !errors.Is(err, netguard.ErrTooLarge) {
		t.Fatalf("Audit error = %v, want netguard.ErrTooLarge", err)
	}
}

// A body announced larger than the limit is refused before it is read: the
// server here sends a few bytes and then nothing, so reading would only end
// with the timeout.
func TestDeclaredOversizedPageIsNotRead(t *testing.T) {
	stall := slow(t)
	srv, _ := serve(t, map[string]http.HandlerFunc{"/": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", fmt.Sprint(64<<20))
		_, _ = w.Write([]byte("<html><head><title>big</title></head><body>"))
		w.(http.Flusher).Flush()
		stall(w, r)
	}})
	_, err := Audit(t.Context(), guarded(), Brand{Website: srv.URL}, Options{FetchTimeout: 10 * time.Second})
	if !errors.Is(err, netguard.ErrTooLarge) {
		t.Fatalf("Audit error = %v, want netguard.ErrTooLarge", err)
	}
}

func TestOversizedPageAndImageAreFindings(t *testing.T) {
	big := func(ct string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ct)
			for range 16 {
				if _, err := w.Write(bytes.Repeat([]byte{'x'}, 16<<10)); err != nil {
					return
				}
			}
		}
	}
	srv, _ := serve(t, map[string]http.HandlerFunc{
		"/": htmlPage(`<html><head><meta property="og:image" content="/big.png"></head>
			<body><a href="/chi-siamo">Chi siamo</a></body></html>`),
		"/chi-siamo": big("text/html"),
		"/big.png":   big("image/png"),
	})
	r, err := Audit(t.Context(), guarded(), Brand{Website: srv.URL}, Options{MaxPageBytes: 64 << 10, MaxImageBytes: 64 << 10})
	if err != nil {
		t.Fatalf("Audit: %v", err)
	}
	found := map[string]string{}
	for _, f := range r.Findings {
		found[f.Check] = f.Message
	}
	if m := found["page.unreachable"]; !strings.Contains(m, "too large") {
		t.Errorf("page.unreachable: %q", m)
	}
	if _, ok := found["og.image.too_large"]; !ok {
		t.Errorf("no og.image.too_large in %v", found)
	}
}

// slow answers only when the request is abandoned (or the test ends).
func slow(t *testing.T) http.HandlerFunc {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
}

func TestSlowHomePage(t *testing.T) {
	srv, _ := serve(t, map[string]http.HandlerFunc{"/": slow(t)})
	_, err := Audit(t.Context(), guarded(), Brand{Website: srv.URL}, Options{FetchTimeout: 100 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Audit error = %v, want context.DeadlineExceeded", err)
	}
}

func TestWholeAuditTimeout(t *testing.T) {
	srv, _ := serve(t, map[string]http.HandlerFunc{"/": slow(t)})
	_, err := Audit(t.Context(), guarded(), Brand{Website: srv.URL}, Options{Timeout: 100 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Audit error = %v, want context.DeadlineExceeded", err)
	}
}

func TestSlowRobotsIsAFinding(t *testing.T) {
	srv, _ := serve(t, map[string]http.HandlerFunc{
		"/":           htmlPage(`<html><head><title>x</title></head></html>`),
		"/robots.txt": slow(t),
	})
	r, err := Audit(t.Context(), guarded(), Brand{Website: srv.URL}, Options{FetchTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("Audit: %v", err)
	}
	for _, f := range r.Findings {
		if f.Check == "robots.unreachable" {
			if f.Args[0] != "it did not answer in time" {
				t.Errorf("reason %q", f.Args[0])
			}
			return
		}
	}
	t.Fatalf("no robots.unreachable finding: %v", got(r, srv.URL))
}

func TestRedirectsAreBounded(t *testing.T) {
	srv, log := serve(t, map[string]http.HandlerFunc{"/": func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/?again="+r.URL.Query().Get("again")+"x", http.StatusFound)
	}})
	_, err := Audit(t.Context(), guarded(), Brand{Website: srv.URL}, Options{MaxRedirects: 2})
	if !errors.Is(err, netguard.ErrTooManyRedirects) {
		t.Fatalf("Audit error = %v, want netguard.ErrTooManyRedirects", err)
	}
	if n := len(log.paths()); n != 3 {
		t.Errorf("%d requests, want 3 (the page and 2 redirects)", n)
	}
}

func TestNoCookieIsSent(t *testing.T) {
	srv, log := serve(t, map[string]http.HandlerFunc{
		"/": func(w http.ResponseWriter, r *http.Request) {
			http.SetCookie(w, &http.Cookie{Name: "tracker", Value: "1", Path: "/"})
			htmlPage(`<html><head><title>x</title></head><body><a href="/contatti">Contatti</a></body></html>`)(w, r)
		},
		"/contatti": htmlPage(`<html><head><title>contatti</title></head></html>`),
	})
	client := guarded()
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(srv.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: "secret"}})
	client.Jar = jar
	if _, err := Audit(t.Context(), client, Brand{Website: srv.URL}, Options{}); err != nil {
		t.Fatalf("Audit: %v", err)
	}
	reqs := log.all()
	if len(reqs) < 3 {
		t.Fatalf("only %d requests", len(reqs))
	}
	for _, r := range reqs {
		if c := r.Header.Get("Cookie"); c != "" {
			t.Errorf("%s sent with Cookie %q", r.URL.Path, c)
		}
	}
	if client.Jar != jar {
		t.Error("the caller's client was changed")
	}
}

func TestAuditRefusesBadInput(t *testing.T) {
	if _, err := Audit(t.Context(), nil, Brand{Website: "https://example.com/"}, Options{}); !errors.Is(err, ErrNoClient) {
		t.Errorf("nil client: %v", err)
	}
	for _, site := range []string{"", "example.com", "ftp://example.com/", "javascript:alert(1)", "http://"} {
		if _, err := Audit(t.Context(), guarded(), Brand{Website: site}, Options{}); err == nil || !strings.HasPrefix(err.Error(), "siteaudit: ") {
			t.Errorf("website %q: error %v", site, err)
		}
	}
}

func TestCanceledContext(t *testing.T) {
	srv, _ := serve(t, map[string]http.HandlerFunc{"/": htmlPage("<title>x</title>")})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Audit(ctx, guarded(), Brand{Website: srv.URL}, Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Audit error = %v, want context.Canceled", err)
	}
}

func TestHomePageThatIsNoPage(t *testing.T) {
	srv, _ := serve(t, map[string]http.HandlerFunc{
		"/empty/": func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Content-Type", "text/html") },
		"/json/": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"site":"rossi"}`))
		},
		"/untyped/": func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil
			_, _ = w.Write([]byte("<!doctype html><html lang=it><title>Caffè Rossi – Torrefazione e caffetteria a Bologna</title>"))
		},
	})
	tests := []struct {
		path string
		want string // a check the report must have
		not  string // a check it must not have
	}{
		{"/empty/", "title.missing", "home.not_html"},
		{"/json/", "home.not_html", "title.missing"},
		{"/untyped/", "description.missing", "title.too_short"},
	}
	for _, tt := range tests {
		r, err := Audit(t.Context(), guarded(), Brand{Website: srv.URL + tt.path}, Options{})
		if err != nil {
			t.Fatalf("%s: Audit: %v", tt.path, err)
		}
		found := ids(r.Findings)
		if !slices.Contains(found, tt.want) || slices.Contains(found, tt.not) {
			t.Errorf("%s: findings %q, want %s and not %s", tt.path, found, tt.want, tt.not)
		}
	}
}

func TestMetaRefreshHomeIsFollowed(t *testing.T) {
	srv, _ := serve(t, map[string]http.HandlerFunc{
		"/":    htmlPage(`<html><head><meta http-equiv="refresh" content="0; url=/it/"></head></html>`),
		"/it/": htmlPage(`<html lang="it"><head><title>Caffè Rossi – Torrefazione e caffetteria a Bologna</title></head></html>`),
	})
	r, err := Audit(t.Context(), guarded(), Brand{Website: srv.URL}, Options{})
	if err != nil {
		t.Fatalf("Audit: %v", err)
	}
	if r.Pages[0] != srv.URL+"/it/" || r.Facts["lang"] != "it" {
		t.Errorf("pages %q, lang %q: the refresh was not followed", r.Pages, r.Facts["lang"])
	}
}

func TestGuessedSitemaps(t *testing.T) {
	var srv *httptest.Server
	srv, log := serve(t, map[string]http.HandlerFunc{
		"/": htmlPage(`<html><head><title>x</title></head></html>`),
		"/sitemap.xml": func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`<urlset><url><loc>` + srv.URL + `/</loc></url></urlset>`))
		},
		"/sitemap_index.xml": func(w http.ResponseWriter, r *http.Request) {
			t.Error("sitemap_index.xml read though sitemap.xml was found")
		},
	})
	r, err := Audit(t.Context(), guarded(), Brand{Website: srv.URL}, Options{})
	if err != nil {
		t.Fatalf("Audit: %v", err)
	}
	if r.Facts["sitemap"] != srv.URL+"/sitemap.xml" || slices.Contains(ids(r.Findings), "sitemap.missing") {
		t.Errorf("sitemap %q, findings %q", r.Facts["sitemap"], ids(r.Findings))
	}
	if !slices.Contains(log.paths(), "/robots.txt") {
		t.Error("robots.txt not read")
	}
}

func TestProfileChecksAreBounded(t *testing.T) {
	social, socialLog := serveSocial(t)
	site, _ := serveSite(t, "stale-sameas", social.URL)
	r, err := Audit(t.Context(), guarded(), rossi(site.URL, social.URL), Options{MaxProfileChecks: 2})
	if err != nil {
		t.Fatalf("Audit: %v", err)
	}
	if n := len(socialLog.paths()); n != 2 {
		t.Errorf("%d profile requests, want 2: %q", n, socialLog.paths())
	}
	if slices.Contains(ids(r.Findings), "jsonld.sameas.broken") {
		t.Error("the third profile, unchecked, is reported broken")
	}
	social2, socialLog2 := serveSocial(t)
	site2, _ := serveSite(t, "stale-sameas", social2.URL)
	if _, err := Audit(t.Context(), guarded(), rossi(site2.URL, social2.URL), Options{SkipProfileCheck: true}); err != nil {
		t.Fatalf("Audit: %v", err)
	}
	if n := len(socialLog2.paths()); n != 0 {
		t.Errorf("%d profile requests with SkipProfileCheck", n)
	}
}
