package profileaudit

import (
	"context"
	"image/color"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/provider/bluesky"
	"github.com/portavoce/portavoce/internal/provider/bluesky/blueskytest"
)

// brandDomain is served over TLS by a local server for any name under
// example.com (the test certificate's), whatever port is dialled.
const brandDomain = "acme.example.com"

type domainWorld struct {
	*world
	deps Deps

	mu   sync.Mutex
	file string              // /.well-known/atproto-did, "" for 404
	dns  map[string][]string // TXT records
	fail bool                // DNS lookups fail
}

func newDomainWorld(t *testing.T) *domainWorld {
	t.Helper()
	d := &domainWorld{world: newWorld(t), dns: map[string][]string{}}
	site := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		file := d.file
		d.mu.Unlock()
		switch {
		case r.URL.Path == "/.well-known/atproto-did" && file != "":
			io.WriteString(w, file)
		case r.URL.Path == "/":
			io.WriteString(w, "<html><body>Acme</body></html>")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(site.Close)
	tr := site.Client().Transport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, _, _ := net.SplitHostPort(addr); strings.HasSuffix(host, "example.com") {
			addr = site.Listener.Addr().String()
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	hc := &http.Client{Transport: tr}
	resolver := func(ctx context.Context, name string) ([]string, error) {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.fail {
			return nil, &net.DNSError{Err: "server misbehaving", Name: name, IsTemporary: true}
		}
		if r, ok := d.dns[name]; ok {
			return r, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	bc := bluesky.New(&http.Client{}, d.bsky.URL(), d.bsky.URL())
	bc.SetPreviewClient(hc)
	d.deps = Deps{Bluesky: bc, Handles: bc.Profiles("", resolver), HTTP: hc}
	return d
}

func (d *domainWorld) set(file string, dns map[string][]string, fail bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.file, d.dns, d.fail = file, dns, fail
}

func TestAuditBlueskyDomainHandle(t *testing.T) {
	d := newDomainWorld(t)
	logo := pngData(t, logoA(300, color.White))
	record := &blueskytest.ProfileRecord{DisplayName: "Acme", Description: "Coffee.", Website: "https://" + brandDomain,
		Avatar: logo, Banner: logo}
	a := d.blueskyAccount(t, "acme.bsky.social", record)
	brand := Brand{Name: "Acme", Website: "https://www." + brandDomain + "/", Profiles: []ProfileRef{{Network: provider.Bluesky, Handle: "acme.bsky.social"}}}
	const other = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"

	cases := []struct {
		name     string
		file     string
		dns      map[string][]string
		fail     bool
		severity string
		message  string
		fix      []string
	}{
		{name: "not set up", severity: SeverityWarning,
			message: "The Bluesky handle is acme.bsky.social, not the brand's domain " + brandDomain,
			fix: []string{"To use @" + brandDomain + " as the handle", "DNS TXT record named _atproto." + brandDomain + " with the value did=" + a.RemoteID,
				"https://" + brandDomain + "/.well-known/atproto-did", `"I have my own domain"`}},
		{name: "file names this account", file: a.RemoteID + "\n", severity: SeverityNotice,
			message: "The domain " + brandDomain + " already names the Bluesky account " + a.RemoteID + " (https)",
			fix:     []string{`"I have my own domain" and enter ` + brandDomain}},
		{name: "DNS names this account", dns: map[string][]string{"_atproto." + brandDomain: {"did=" + a.RemoteID}}, severity: SeverityNotice,
			message: "already names the Bluesky account " + a.RemoteID + " (dns)"},
		{name: "DNS names another account", dns: map[string][]string{"_atproto." + brandDomain: {"did=" + other}}, severity: SeverityWarning,
			message: "The domain names another account, " + other,
			fix:     []string{"Replace the domain's Bluesky record with this account's", "did=" + a.RemoteID}},
		{name: "cannot be checked", fail: true, severity: SeverityWarning, message: "Its set-up could not be checked",
			fix: []string{"_atproto." + brandDomain}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d.set(tc.file, tc.dns, tc.fail)
			rep := audit(t, d.deps, brand)
			if got := ids(rep); !slices.Equal(got, []string{CheckBlueskyDomainHandle + "@bluesky"}) {
				t.Fatalf("findings = %v", got)
			}
			f := rep.Findings[0]
			if f.Severity != tc.severity || !strings.Contains(f.Message, tc.message) || f.Fixable {
				t.Errorf("finding = %s %q (fixable %v)", f.Severity, f.Message, f.Fixable)
			}
			for _, want := range tc.fix {
				if !strings.Contains(f.Fix, want) {
					t.Errorf("fix %q lacks %q", f.Fix, want)
				}
			}
		})
	}

	t.Run("handle is the domain", func(t *testing.T) {
		d.set("", nil, true) // not even asked
		d.blueskyAccount(t, brandDomain, record)
		b := brand
		b.Profiles = []ProfileRef{{Network: provider.Bluesky, URL: "https://bsky.app/profile/" + brandDomain}}
		if rep := audit(t, d.deps, b); len(rep.Findings) != 0 {
			t.Errorf("findings = %v", ids(rep))
		}
	})
	t.Run("no domain", func(t *testing.T) {
		d.set("", nil, true)
		b := brand
		b.Website = "http://127.0.0.1:1"
		rep := audit(t, d.deps, b)
		if slices.Contains(ids(rep), CheckBlueskyDomainHandle+"@bluesky") {
			t.Errorf("a site without a domain asks for a domain handle: %v", ids(rep))
		}
	})
}
