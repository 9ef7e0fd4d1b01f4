package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/store/storetest"
)

// TestPresencePage: an owner saves the website, runs the audit and reads the
// score and the findings, with their fixes, in Italian; an editor reads the
// report without the forms.
func TestPresencePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		o := f.browser(t, owner)
		res := o.post(t, "/w/acme/presence/settings", url.Values{"website": {f.site.URL}, "brand_name": {"Acme"},
			"local_business": {"1"}, "audit_every": {"168h0m0s"}, "profiles": {"https://mastodon.example/@acme\nhttps://www.instagram.com/acme"}})
		if res.code != 303 {
			t.Fatalf("save: %d\n%s", res.code, excerpt(res.body))
		}
		if res = o.post(t, "/w/acme/presence/audit", url.Values{}); res.code != 303 || res.location != "/w/acme/presence?done=audit-done" {
			t.Fatalf("run: %d %s\n%s", res.code, res.location, excerpt(res.body))
		}
		o.lang = "it"
		page := o.get(t, "/w/acme/presence")
		for _, want := range []string{`id="audit-score"`, "Punteggio: ", `data-check="jsonld.missing"`, "Come risolverlo", "LocalBusiness", "Il sito non ha dati strutturati (JSON-LD)",
			`id="presence-settings"`, `value="168h0m0s" selected`, "https://www.instagram.com/acme"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the page lacks %q:\n%s", want, excerpt(page.body))
			}
		}
		if strings.Contains(page.body, "The site has no Organization or LocalBusiness structured data") {
			t.Errorf("a finding is still in English on the Italian page")
		}
		e := f.browser(t, editor)
		page = e.get(t, "/w/acme/presence")
		if !strings.Contains(page.body, `id="audit-score"`) || strings.Contains(page.body, `id="presence-settings"`) || strings.Contains(page.body, `id="run-audit"`) {
			t.Errorf("an editor should read the report without the forms:\n%s", excerpt(page.body))
		}
	})
}
