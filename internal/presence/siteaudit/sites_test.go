package siteaudit

import (
	"bufio"
	"bytes"
	"context"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/portavoce/portavoce/internal/netguard"
)

// noDNS answers no host name: the tests never leave the machine.
func noDNS(ctx context.Context, host string) ([]net.IPAddr, error) {
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// dns answers the given names, and no other.
func dns(names map[string]string) func(context.Context, string) ([]net.IPAddr, error) {
	return func(ctx context.Context, host string) ([]net.IPAddr, error) {
		if ip, ok := names[host]; ok {
			return []net.IPAddr{{IP: net.ParseIP(ip)}}, nil
		}
		return noDNS(ctx, host)
	}
}

// guarded is the client production uses, allowing the loopback test
// servers.
func guarded() *http.Client {
	return netguard.NewClient(netguard.Options{Allow: []string{"127.0.0.1"}, LookupIPAddr: noDNS})
}

// requestLog records the requests a test server received.
type requestLog struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (l *requestLog) add(r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, r)
}

func (l *requestLog) paths() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.reqs {
		out = append(out, r.URL.Path)
	}
	return out
}

func (l *requestLog) all() []*http.Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.reqs)
}

// serveSite serves testdata/sites/<name> like a static web server: "/" is
// index.html, files the site lacks come from testdata/sites/_assets, and
// {{SITE}} and {{SOCIAL}} in text files become the site's and the social
// server's addresses. The site's _headers file sets response headers by
// path, one "PATH Header: value" per line; the Status header sets the
// status code.
func serveSite(t *testing.T, name, social string) (*httptest.Server, *requestLog) {
	t.Helper()
	dir := filepath.Join("testdata", "sites", name)
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("site %s: %v", name, err)
	}
	headers := map[string][][2]string{}
	if b, err := os.ReadFile(filepath.Join(dir, "_headers")); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			p, h, _ := strings.Cut(line, " ")
			k, v, ok := strings.Cut(h, ":")
			if !ok {
				t.Fatalf("%s/_headers: bad line %q", name, line)
			}
			headers[p] = append(headers[p], [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
		}
	}
	log := &requestLog{}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add(r)
		status := http.StatusOK
		for _, h := range headers[r.URL.Path] {
			if h[0] == "Status" {
				status, _ = strconv.Atoi(h[1])
				continue
			}
			w.Header().Add(h[0], h[1])
		}
		file := path.Clean(r.URL.Path)
		if file == "/" {
			file = "/index.html"
		}
		if strings.HasPrefix(path.Base(file), "_") {
			http.NotFound(w, r)
			return
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(file)))
		if err != nil {
			b, err = os.ReadFile(filepath.Join("testdata", "sites", "_assets", filepath.FromSlash(file)))
		}
		if err != nil {
			http.NotFound(w, r)
			return
		}
		ct := mime.TypeByExtension(path.Ext(file))
		if strings.HasPrefix(ct, "text/") || strings.Contains(ct, "xml") {
			b = bytes.ReplaceAll(b, []byte("{{SITE}}"), []byte(srv.URL))
			b = bytes.ReplaceAll(b, []byte("{{SOCIAL}}"), []byte(social))
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv, log
}

// serveSocial stands for the networks: every profile exists but those
// under /gone/, which answer 404.
func serveSocial(t *testing.T) (*httptest.Server, *requestLog) {
	t.Helper()
	log := &requestLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add(r)
		if strings.HasPrefix(r.URL.Path, "/gone/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<!doctype html><title>profile</title>"))
	}))
	t.Cleanup(srv.Close)
	return srv, log
}

// rossi is the brand of the test sites.
func rossi(site, social string) Brand {
	return Brand{
		Name:          "Caffè Rossi",
		Website:       site + "/",
		LocalBusiness: true,
		Logo:          site + "/logo.png",
		Profiles: []string{
			social + "/@cafferossi",
			social + "/instagram/cafferossi",
			social + "/facebook/cafferossi",
		},
	}
}

// got lists the findings as "check /path", sorted.
func got(r Report, site string) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Check+" "+strings.TrimPrefix(f.Page, site))
	}
	slices.Sort(out)
	return out
}

func TestSites(t *testing.T) {
	cases := []struct {
		site string
		want []string
		// also checks details of the findings.
		also func(t *testing.T, r Report, site, social string)
	}{
		{site: "caffe-rossi-ok", want: nil, also: func(t *testing.T, r Report, site, social string) {
			if r.Score != 100 {
				t.Errorf("score %d, want 100", r.Score)
			}
			wantPages := []string{site + "/", site + "/chi-siamo.html", site + "/contatti.html"}
			if !slices.Equal(r.Pages, wantPages) {
				t.Errorf("pages %q, want %q (the PDF, the fragment and the partner's site are not company pages)", r.Pages, wantPages)
			}
			for k, v := range map[string]string{
				"jsonld:type":      "CafeOrCoffeeShop",
				"jsonld:telephone": "+39 051 123456",
				"jsonld:logo":      site + "/logo.png",
				"og:image":         site + "/og.png",
				"canonical":        site + "/",
				"favicon":          site + "/favicon.png",
				"robots.txt":       site + "/robots.txt",
				"sitemap":          site + "/sitemap_index.xml\n" + site + "/sitemap-pages.xml",
				"lang":             "it",
			} {
				if r.Facts[k] != v {
					t.Errorf("fact %s = %q, want %q", k, r.Facts[k], v)
				}
			}
		}},
		{site: "no-jsonld", want: []string{"jsonld.missing /"}, also: func(t *testing.T, r Report, site, social string) {
			fix := r.Findings[0].Fix
			for _, s := range []string{`"@type": "LocalBusiness"`, `"name": "Caffè Rossi"`, `"url": "` + site + `/"`, `"logo": "` + site + `/logo.png"`, social + "/@cafferossi", `"streetAddress": "REPLACE:`, `<script type="application/ld+json">`} {
				if !strings.Contains(fix, s) {
					t.Errorf("the fix lacks %s:\n%s", s, fix)
				}
			}
			if r.Score != 70 {
				t.Errorf("score %d, want 70 (one critical check)", r.Score)
			}
		}},
		{site: "invalid-jsonld", want: []string{"jsonld.invalid /"}, also: func(t *testing.T, r Report, site, social string) {
			if msg := r.Findings[0].Message; !strings.Contains(msg, "number 1") || !strings.Contains(msg, "line 23:") {
				t.Errorf("message %q does not name the block and the line", msg)
			}
		}},
		{site: "incomplete-jsonld", want: []string{"jsonld.incomplete /"}, also: func(t *testing.T, r Report, site, social string) {
			want := "logo, telephone or email (or a contactPoint), address.streetAddress"
			if f := r.Findings[0]; f.Args[1] != want || f.Args[0] != "CafeOrCoffeeShop" {
				t.Errorf("args %q, want CafeOrCoffeeShop and %q", f.Args, want)
			}
			// The suggested JSON-LD keeps what the site has (its phone number
			// from the tel: link of the contacts page) and marks the rest.
			fix := r.Findings[0].Fix
			for _, s := range []string{`"@type": "CafeOrCoffeeShop"`, `"addressLocality": "Bologna"`, `"streetAddress": "REPLACE: street and number"`, `"telephone": "+39051123456"`, `"logo": "` + site + `/logo.png"`} {
				if !strings.Contains(fix, s) {
					t.Errorf("the fix lacks %s:\n%s", s, fix)
				}
			}
		}},
		{site: "organization-not-local", want: []string{"jsonld.not_local /"}},
		{site: "stale-sameas", want: []string{
			"jsonld.sameas.broken /",
			"jsonld.sameas.missing_profile /",
			"jsonld.sameas.stale /",
		}, also: func(t *testing.T, r Report, site, social string) {
			for _, f := range r.Findings {
				switch f.Check {
				case "jsonld.sameas.broken":
					if f.Args[0] != social+"/gone/cafferossi-vecchio" || f.Args[1] != 404 {
						t.Errorf("broken: %v", f.Args)
					}
				case "jsonld.sameas.stale":
					if f.Args[0] != social+"/twitter/caffe_rossi_old" {
						t.Errorf("stale: %v (Wikipedia is not stale)", f.Args)
					}
				case "jsonld.sameas.missing_profile":
					if f.Args[0] != social+"/facebook/cafferossi" {
						t.Errorf("missing: %v", f.Args)
					}
				}
				for _, s := range []string{social + "/facebook/cafferossi", "wikipedia.org"} {
					if !strings.Contains(f.Fix, s) {
						t.Errorf("%s: the fix lacks %s:\n%s", f.Check, s, f.Fix)
					}
				}
				for _, s := range []string{"/gone/", "/twitter/"} {
					if strings.Contains(f.Fix, s) {
						t.Errorf("%s: the fix keeps %s:\n%s", f.Check, s, f.Fix)
					}
				}
			}
		}},
		{site: "broken-logo", want: []string{"jsonld.logo.broken /"}},
		{site: "small-og-image", want: []string{
			"og.image.below_recommended /chi-siamo.html",
			"og.image.too_small /",
		}, also: func(t *testing.T, r Report, site, social string) {
			for _, f := range r.Findings {
				if f.Check == "og.image.too_small" && (f.Args[1] != 100 || f.Args[2] != 100) {
					t.Errorf("too small: %v", f.Args)
				}
				if f.Check == "og.image.below_recommended" && (f.Args[1] != 800 || f.Args[2] != 420) {
					t.Errorf("below recommended: %v", f.Args)
				}
			}
		}},
		{site: "broken-og-image", want: []string{
			"og.image.broken /",
			"og.image.relative /chi-siamo.html",
			"twitter.image.not_image /contatti.html",
		}},
		{site: "no-og", want: []string{
			"og.description.missing /",
			"og.image.missing /",
			"og.title.missing /",
			"twitter.card.missing /",
		}},
		{site: "blocked-by-robots", want: []string{
			"robots.blocks_home /",
			"robots.blocks_page /chi-siamo.html",
			"robots.blocks_page /contatti.html",
		}, also: func(t *testing.T, r Report, site, social string) {
			f := r.Findings[0]
			if f.Check != "robots.blocks_home" || f.Severity != Critical {
				t.Fatalf("first finding %s %s, want the critical robots.blocks_home", f.Check, f.Severity)
			}
			if f.Args[0] != "Googlebot and every other crawler" || f.Fix != "In robots.txt, remove or narrow these lines:\nline 2: Disallow: /" {
				t.Errorf("args %q fix %q", f.Args, f.Fix)
			}
		}},
		{site: "googlebot-blocked-page", want: []string{"robots.blocks_page /contatti.html"}, also: func(t *testing.T, r Report, site, social string) {
			f := r.Findings[0]
			if f.Args[0] != "Googlebot" || !strings.HasSuffix(f.Fix, "line 5: Disallow: /contatti") {
				t.Errorf("args %q fix %q", f.Args, f.Fix)
			}
		}},
		{site: "robots-unreachable", want: []string{"robots.unreachable /"}},
		{site: "no-rel-me", want: []string{"rel_me.missing /"}, also: func(t *testing.T, r Report, site, social string) {
			if want := `<a rel="me" href="` + social + `/@cafferossi">Mastodon</a>`; !strings.HasSuffix(r.Findings[0].Fix, want) {
				t.Errorf("fix %q, want it to end with %q", r.Findings[0].Fix, want)
			}
		}},
		{site: "rel-me-mismatch", want: []string{"rel_me.mismatch /"}},
		{site: "noindex", want: []string{"noindex.home /", "noindex.page /contatti.html"}, also: func(t *testing.T, r Report, site, social string) {
			for _, f := range r.Findings {
				want := map[string]string{
					"noindex.home": `<meta name="googlebot" content="noindex, nofollow">`,
					"noindex.page": "X-Robots-Tag: noindex",
				}[f.Check]
				if f.Args[0] != want {
					t.Errorf("%s: args %q, want %q", f.Check, f.Args, want)
				}
			}
		}},
		{site: "bad-canonical", want: []string{
			"canonical.missing /contatti.html",
			"canonical.other_site /",
			"canonical.relative /chi-siamo.html",
		}},
		{site: "poor-basics", want: []string{
			"description.missing /contatti.html",
			"description.too_long /",
			"description.too_short /chi-siamo.html",
			"favicon.missing /",
			"html.lang.missing /",
			"title.missing /contatti.html",
			"title.too_long /chi-siamo.html",
			"title.too_short /",
		}},
		{site: "broken-favicon", want: []string{"favicon.broken /"}},
		{site: "sitemap-incomplete", want: []string{"sitemap.missing_page /chi-siamo.html", "sitemap.missing_page /contatti.html"}},
		{site: "no-sitemap", want: []string{"sitemap.missing /"}, also: func(t *testing.T, r Report, site, social string) {
			fix := r.Findings[0].Fix
			for _, s := range []string{"Sitemap: " + site + "/sitemap.xml", "<url><loc>" + site + "/chi-siamo.html</loc></url>"} {
				if !strings.Contains(fix, s) {
					t.Errorf("the fix lacks %q:\n%s", s, fix)
				}
			}
		}},
		{site: "invalid-sitemap", want: []string{"sitemap.invalid /"}},
		{site: "broken-page", want: []string{"page.unreachable /contatti.html"}, also: func(t *testing.T, r Report, site, social string) {
			if len(r.Pages) != 2 {
				t.Errorf("pages %q: the missing page is not audited", r.Pages)
			}
		}},
		{site: "home-error", want: []string{"home.status /"}, also: func(t *testing.T, r Report, site, social string) {
			if r.Score != 70 {
				t.Errorf("score %d", r.Score)
			}
		}},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.site] = true
		t.Run(c.site, func(t *testing.T) {
			social, _ := serveSocial(t)
			site, log := serveSite(t, c.site, social.URL)
			r, err := Audit(t.Context(), guarded(), rossi(site.URL, social.URL), Options{})
			if err != nil {
				t.Fatalf("Audit: %v", err)
			}
			if g := got(r, site.URL); !slices.Equal(g, c.want) {
				t.Errorf("findings:\n  %s\nwant:\n  %s", strings.Join(g, "\n  "), strings.Join(c.want, "\n  "))
				for _, f := range r.Findings {
					t.Logf("%s: %s\n%s", f.Check, f.Message, f.Fix)
				}
			}
			for _, f := range r.Findings {
				if f.Message == "" || f.Fix == "" || strings.Contains(f.Message+f.Fix, "%!") {
					t.Errorf("%s: badly formatted finding: %q / %q", f.Check, f.Message, f.Fix)
				}
			}
			for _, req := range log.all() {
				if req.Header.Get("Cookie") != "" {
					t.Errorf("%s sent with cookies", req.URL)
				}
				if ua := req.Header.Get("User-Agent"); !strings.HasPrefix(ua, "Portavoce-SiteAudit/") {
					t.Errorf("%s sent with User-Agent %q", req.URL, ua)
				}
				if strings.HasSuffix(req.URL.Path, ".pdf") {
					t.Errorf("%s fetched: a PDF is not a page", req.URL)
				}
			}
			if c.also != nil && len(r.Findings) == len(c.want) {
				c.also(t, r, site.URL, social.URL)
			}
		})
	}
	// Every test site is in the table.
	entries, err := os.ReadDir(filepath.Join("testdata", "sites"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), "_") && !seen[e.Name()] {
			t.Errorf("testdata/sites/%s has no case in TestSites", e.Name())
		}
	}
}
