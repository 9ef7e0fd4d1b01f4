package web_test

import (
	"compress/zlib"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/portavoce/portavoce/internal/presence/report"
	"github.com/portavoce/portavoce/internal/publish"
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

// TestPresenceReport: the report of the latest audit, and of one from the
// history, as a printable page and as a PDF, in the reader's language; an
// unknown audit and a workspace without audits say so.
func TestPresenceReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		o := f.browser(t, owner)
		o.lang = "it"
		if res := o.get(t, "/w/acme/presence/report"); res.code != 404 || !strings.Contains(res.body, "Non c&#39;è ancora nessuna verifica") {
			t.Fatalf("a report before any audit: %d\n%s", res.code, excerpt(res.body))
		}
		if res := o.get(t, "/w/acme/presence/report.pdf"); res.code != 404 || !strings.Contains(res.body, "esegui la verifica dalla pagina Presenza") {
			t.Fatalf("a PDF before any audit: %d\n%s", res.code, excerpt(res.body))
		}
		for range 2 {
			if res := o.post(t, "/w/acme/presence/audit", url.Values{}); res.code != 303 {
				t.Fatalf("run: %d\n%s", res.code, excerpt(res.body))
			}
		}
		history, err := f.presence.History(t.Context(), ownerOf(f.acme), 10)
		if err != nil || len(history) != 2 {
			t.Fatalf("history: %d audits, %v", len(history), err)
		}
		latest, first := history[0], history[1]
		day := latest.StartedAt.In(publish.Zone("Europe/Rome")).Format("2006-01-02")

		page := o.get(t, "/w/acme/presence")
		for _, want := range []string{`id="export-html" href="/w/acme/presence/report"`, `id="export-pdf" href="/w/acme/presence/report.pdf"`,
			"Esporta HTML", "Esporta PDF", `href="/w/acme/presence/report.pdf?audit=` + first.ID + `"`} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the presence page lacks %q", want)
			}
		}

		res := o.get(t, "/w/acme/presence/report")
		if res.code != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
			t.Fatalf("report: %d %s\n%s", res.code, res.header.Get("Content-Type"), excerpt(res.body))
		}
		for _, want := range []string{`<html lang="it">`, "Report sulla presenza online", fmt.Sprintf(`data-score="%d"`, latest.Score),
			fmt.Sprintf("Punteggio: %d su 100", latest.Score), "Il sito non ha dati strutturati (JSON-LD) di tipo Organization o LocalBusiness",
			"Incollare questo codice nel", "LocalBusiness", "Rispetto alla verifica precedente (", "Cosa è cambiato", "Redatto da", "Owner"} {
			if !strings.Contains(res.body, want) {
				t.Errorf("the Italian report lacks %q:\n%s", want, excerpt(res.body))
			}
		}
		if strings.Contains(res.body, "The site has no Organization or LocalBusiness structured data") {
			t.Error("a finding is in English in the Italian report")
		}
		if got := res.header.Get("Content-Security-Policy"); got != report.ContentSecurityPolicy {
			t.Errorf("policy %q, want the report's own %q", got, report.ContentSecurityPolicy)
		}
		if got, want := res.header.Get("Content-Disposition"), `inline; filename=presence-report-acme-`+day+`.html`; got != want {
			t.Errorf("Content-Disposition %q, want %q", got, want)
		}

		pdf := o.get(t, "/w/acme/presence/report.pdf")
		if pdf.code != 200 || pdf.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.body, "%PDF-") {
			t.Fatalf("PDF: %d %s %q", pdf.code, pdf.header.Get("Content-Type"), pdf.body[:min(len(pdf.body), 40)])
		}
		if got, want := pdf.header.Get("Content-Disposition"), `attachment; filename=presence-report-acme-`+day+`.pdf`; got != want {
			t.Errorf("Content-Disposition %q, want %q", got, want)
		}
		pages, text := pdfContent(t, pdf.body)
		if pages < 1 || !strings.Contains(text, fmt.Sprintf("Pagina %d di %d", pages, pages)) {
			t.Errorf("%d pages, and the last says %v", pages, strings.Contains(text, fmt.Sprintf("Pagina %d di %d", pages, pages)))
		}
		if !strings.Contains(text, fmt.Sprintf("Punteggio: %d su 100", latest.Score)) || !strings.Contains(text, "Cosa \xe8 cambiato") {
			t.Errorf("the PDF does not show the score and the Italian text")
		}

		// One from the history: the first audit, with nothing before it.
		res = o.get(t, "/w/acme/presence/report?audit="+first.ID)
		if res.code != 200 || !strings.Contains(res.body, "Questa è la prima verifica") {
			t.Errorf("the first audit's report: %d\n%s", res.code, excerpt(res.body))
		}
		if res = o.get(t, "/w/acme/presence/report.pdf?audit="+first.ID); res.code != 200 || !strings.HasPrefix(res.body, "%PDF-") {
			t.Errorf("the first audit's PDF: %d", res.code)
		}
		for _, path := range []string{"/w/acme/presence/report?audit=nope", "/w/acme/presence/report.pdf?audit=" + uuid.NewString()} {
			if res = o.get(t, path); res.code != 404 || !strings.Contains(res.body, "Questa verifica non esiste in questo spazio di lavoro") {
				t.Errorf("%s: %d\n%s", path, res.code, excerpt(res.body))
			}
		}
		// Another workspace's audit is not found from acme.
		if res = f.browser(t, outsider).get(t, "/w/other/presence/report?audit="+latest.ID); res.code != 404 {
			t.Errorf("another workspace's audit: %d", res.code)
		}

		// In English for an English reader; an editor may read it.
		e := f.browser(t, editor)
		res = e.get(t, "/w/acme/presence/report")
		if res.code != 200 || !strings.Contains(res.body, "Presence report") || !strings.Contains(res.body, "The site has no Organization or LocalBusiness structured data") {
			t.Errorf("the English report: %d\n%s", res.code, excerpt(res.body))
		}
	})
}

// pdfContent counts a PDF's pages and returns the text of its content
// streams, inflated.
func pdfContent(t *testing.T, body string) (pages int, text string) {
	t.Helper()
	pages = len(regexp.MustCompile(`/Type /Page\b[^s]`).FindAllString(body, -1))
	var b strings.Builder
	for _, m := range regexp.MustCompile(`/Length (\d+)>>\r?\nstream\r?\n`).FindAllStringSubmatchIndex(body, -1) {
		n, _ := strconv.Atoi(body[m[2]:m[3]])
		if m[1]+n > len(body) {
			t.Fatalf("a stream of the PDF runs past its end")
		}
		data := body[m[1] : m[1]+n]
		zr, err := zlib.NewReader(strings.NewReader(data))
		if err != nil {
			b.WriteString(data)
			continue
		}
		text, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("a stream of the PDF does not inflate: %v", err)
		}
		b.Write(text)
	}
	return pages, b.String()
}
