package e2e

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/portavoce/portavoce/internal/i18n"
	"github.com/portavoce/portavoce/internal/provider/bluesky/blueskytest"
	"github.com/portavoce/portavoce/internal/provider/mastodon/mastodontest"
	"github.com/portavoce/portavoce/internal/store/storetest"
)

// TestPresence is the presence audit as a person uses it, in headless
// Chromium and in Italian: the owner writes the company's website (a test
// site without structured data) and three profiles (the connected Mastodon
// account, a Bluesky profile and a LinkedIn page, a network Portavoce does
// not read), runs the audit, reads the findings, has Portavoce add the link
// to the website to the Mastodon profile, sees the next audit score higher,
// and exports the report as HTML and as PDF. It runs on the embedded SQLite
// and on PostgreSQL.
func TestPresence(t *testing.T) {
	browser := startBrowser(t)
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		presenceFlow(t, browser, "sqlite")
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		dbURL := storetest.PostgresURL(t) // before the server: its cleanup drops the schema after the server stops
		presenceFlow(t, browser, "postgres", "--database", dbURL)
	})
}

// serveTestSite serves one of the website audit's test sites
// (internal/presence/siteaudit/testdata/sites) as its test does: "/" is
// index.html, the shared images come from _assets, and {{SITE}} and
// {{SOCIAL}} become the site's address and social's.
func serveTestSite(t *testing.T, name, social string) *httptest.Server {
	t.Helper()
	root := filepath.Join("..", "presence", "siteaudit", "testdata", "sites")
	if _, err := os.Stat(filepath.Join(root, name, "index.html")); err != nil {
		t.Fatalf("test site %s: %v", name, err)
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		file := path.Clean(r.URL.Path)
		if file == "/" {
			file = "/index.html"
		}
		if strings.HasPrefix(path.Base(file), "_") {
			http.NotFound(w, r)
			return
		}
		b, err := os.ReadFile(filepath.Join(root, name, filepath.FromSlash(file)))
		if err != nil {
			b, err = os.ReadFile(filepath.Join(root, "_assets", filepath.FromSlash(file)))
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
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func presenceFlow(t *testing.T, browser context.Context, db string, extra ...string) {
	// The networks and the site start first, to stop after the server.
	masto := mastodontest.NewServer()
	t.Cleanup(masto.Close)
	remoteID, _ := masto.CreateAccount("cafferossi")
	masto.SignIn(remoteID)
	sky := blueskytest.NewServer()
	t.Cleanup(sky.Close)
	did := sky.CreateAccount("cafferossi.bsky.social", "abcd-efgh-ijkl-mnop")
	sky.SetProfile(did, "Caffè Rossi", "")
	site := serveTestSite(t, "no-jsonld", masto.URL())
	mastoProfile := masto.URL() + "/@cafferossi"
	skyProfile := "https://bsky.app/profile/cafferossi.bsky.social"
	linkedIn := "https://www.linkedin.com/company/caffe-rossi"
	// Loopback is refused unless allowed; Bluesky profiles are read from
	// the test server.
	base := startServer(t, append([]string{"--allow-hosts", "127.0.0.1", "--bluesky-service", sky.URL(), "--plc-directory", sky.URL()},
		extra...)...)

	owner := newVisitor(t, browser, base, "owner")
	shot := func(name string) { owner.screenshot(db + "-presence-" + name) }
	it := func(msg string, args ...any) string { return i18n.T(i18n.IT, msg, args...) }

	// Set-up, in Italian, and the Mastodon account connected.
	owner.expect("status of the first page", owner.open("/"), 200)
	owner.fill("name", "Giulia Rossi")
	owner.fill("email", "giulia@caffe-rossi.example")
	owner.fill("password", "un caffè al giorno, sempre")
	owner.choose("language", "it")
	owner.fill("workspace_name", "Caffè Rossi")
	if code := owner.press(`form[action="/setup"] button[type=submit]`); code != 200 || owner.lang() != "it" {
		t.Fatalf("set-up: status %d, language %q at %s: %s", code, owner.lang(), owner.path(), owner.bodyText())
	}
	owner.press(`nav.sections a[data-section="accounts"]`)
	owner.fill("instance", masto.URL())
	owner.press("#connect-mastodon button[type=submit]")
	if owner.press("form.authorize button[type=submit]") != 200 || owner.path() != "/w/caffe-rossi/accounts?done=account-connected" {
		t.Fatalf("connecting Mastodon led to %s: %s", owner.path(), owner.bodyText())
	}

	// The website and the profiles.
	owner.expect("status of the presence page", owner.press(`nav.sections a[data-section="presence"]`), 200)
	owner.expect("presence page", owner.path(), "/w/caffe-rossi/presence")
	owner.expect("heading", owner.text("main h1"), it("Presence"))
	owner.expectTrue("no audit yet, nothing to export", !owner.exists("#export-pdf"))
	owner.fill("website", site.URL)
	owner.expect("the brand's name starts as the workspace's", owner.value("brand_name"), "Caffè Rossi")
	owner.do("a business customers visit", chromedp.Click(chromedp.CSS(`input[name="local_business"]`)))
	owner.setValue("profiles", strings.Join([]string{mastoProfile, skyProfile, linkedIn}, "\n"))
	owner.expect("status after saving", owner.press("#presence-settings button[type=submit]"), 200)
	owner.expect("saved", owner.path(), "/w/caffe-rossi/presence?done=presence-saved")
	owner.expect("the profiles kept", owner.value("profiles"), strings.Join([]string{mastoProfile, skyProfile, linkedIn}, "\n"))

	// The audit, and its findings in Italian.
	owner.expect("status after the audit", owner.press("#run-audit button[type=submit]"), 200)
	owner.expect("audited", owner.path(), "/w/caffe-rossi/presence?done=audit-done")
	owner.expect("confirmation", owner.text("main .notice"), it("The audit is done."))
	before := owner.score()
	jsonld := `li.finding[data-check="jsonld.missing"]`
	owner.expectTrue("the missing JSON-LD is found: "+owner.text(jsonld), strings.Contains(owner.text(jsonld),
		it("The site has no Organization or LocalBusiness structured data (JSON-LD): Google cannot tie the site to the brand, its logo and its profiles")))
	mastoLink := `li.finding[data-check="website-link-missing"][data-network="mastodon"]`
	owner.expectTrue("the Mastodon profile's missing link is found, in Italian: "+owner.text(mastoLink),
		strings.Contains(owner.text(mastoLink), "non contiene un link al sito web del marchio "+site.URL))
	owner.expectTrue("the Bluesky profile is audited too", owner.exists(`li.finding[data-network="bluesky"]`))
	owner.expectTrue("no change is offered on Bluesky, which is not connected", !owner.exists(`li.finding[data-network="bluesky"] form.fix-form`))
	owner.expectTrue("nothing is in English", !strings.Contains(owner.text("#findings"), "The site has no"))
	shot("1-audit")

	// The fix, made on Mastodon from the page: the next audit is better.
	owner.do("open the fix", chromedp.Click(chromedp.CSS(mastoLink+" summary")))
	owner.expect("the button", owner.text(mastoLink+" form.fix-form button"), it("Make this change on %s", "Mastodon"))
	owner.expect("status after the fix", owner.press(mastoLink+" form.fix-form button[type=submit]"), 200)
	owner.expect("fixed", owner.path(), "/w/caffe-rossi/presence?done=fix-applied")
	owner.expect("confirmation", owner.text("main .notice"), it("The change was made on the network; the new audit shows the result."))
	after := owner.score()
	owner.expectTrue(fmt.Sprintf("the score went up: %d before, %d after", before, after), after > before)
	owner.expectTrue("the missing link is gone", !owner.exists(mastoLink))
	owner.expect("audits in the history", len(owner.texts("#audit-history tbody tr")), 2)
	linked := false
	for _, f := range masto.ProfileOf(remoteID).Fields {
		linked = linked || strings.Contains(f.Value, site.URL)
	}
	owner.expectTrue("the Mastodon profile links to the site", linked)
	shot("2-after-fix")

	// The report, to print or save, in Italian.
	owner.expect("status of the report", owner.press("#export-html"), 200)
	owner.expect("report", owner.path(), "/w/caffe-rossi/presence/report")
	owner.expect("the report's language", owner.lang(), "it")
	owner.expect("the report's brand", owner.text("h1"), "Caffè Rossi")
	owner.expect("the report's score", owner.text("#report-score"), fmt.Sprintf("%d/100", after))
	owner.expectTrue("the report says how the score moved: "+owner.text("#report-change"),
		strings.Contains(owner.text("#report-change"), fmt.Sprintf("punteggio %d): +%d.", before, after-before)))
	report := owner.bodyText()
	for _, want := range []string{it("Presence report"), it("Problems and fixes"), it("Solved problems"), it("What to do"),
		"Il sito non ha dati strutturati (JSON-LD)", "non contiene un link al sito web del marchio", "<script type=\"application/ld+json\">",
		"LinkedIn", it("Not checked: Portavoce does not read %s profiles", "LinkedIn"), "Giulia Rossi", it("Signature")} {
		owner.expectTrue("the report shows "+strconv.Quote(want), strings.Contains(report, want))
	}
	owner.expectTrue("the report is not in English", !strings.Contains(report, "Problems and fixes") && !strings.Contains(report, "The site has no"))
	owner.expectTrue("the report loads nothing else", js[bool](owner, `document.querySelectorAll("script, link, img").length === 0`))
	shot("3-report")

	// And as a PDF, as the presence page's link downloads it.
	owner.open("/w/caffe-rossi/presence")
	href := js[string](owner, `document.getElementById("export-pdf").getAttribute("href")`)
	owner.expect("the PDF's link", href, "/w/caffe-rossi/presence/report.pdf")
	got := run(owner, "download the PDF", chromedp.Evaluate[[]string](`(async () => { const r = await fetch(`+quote(href)+`);
		const b = new Uint8Array(await r.arrayBuffer()); let s = "";
		for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
		return [String(r.status), r.headers.get("Content-Type"), r.headers.get("Content-Disposition"), btoa(s)]; })()`, chromedp.EvalAwaitPromise))
	owner.expect("status of the PDF", got[0], "200")
	owner.expect("type of the PDF", got[1], "application/pdf")
	owner.expectTrue("the PDF is a download named after the workspace: "+got[2],
		regexp.MustCompile(`^attachment; filename=presence-report-caffe-rossi-\d{4}-\d{2}-\d{2}\.pdf$`).MatchString(got[2]))
	pdf, err := base64.StdEncoding.DecodeString(got[3])
	if err != nil {
		t.Fatal(err)
	}
	owner.expectTrue("a PDF", bytes.HasPrefix(pdf, []byte("%PDF-")))
	pages, text := pdfText(t, pdf)
	owner.expectTrue(fmt.Sprintf("the PDF has pages (%d) and says so on the last", pages),
		pages > 0 && strings.Contains(text, fmt.Sprintf("Pagina %d di %d", pages, pages)))
	owner.expectTrue("the PDF shows the score, in Italian", strings.Contains(text, fmt.Sprintf("Punteggio: %d su 100", after)))
	owner.expectTrue("the PDF writes è in Windows-1252", strings.Contains(text, "Cosa \xe8 cambiato") && strings.Contains(text, "Caff\xe8 Rossi"))
}

// score is the latest audit's score on the presence page.
func (v *visitor) score() int {
	v.t.Helper()
	s := js[string](v, `(document.getElementById("audit-score") || {dataset: {}}).dataset.score || ""`)
	n, err := strconv.Atoi(s)
	if err != nil {
		v.t.Fatalf("%s: no score on the page (%q): %s", v.who, s, v.bodyText())
	}
	return n
}

// pdfText counts a PDF's pages and returns its content streams, inflated.
func pdfText(t *testing.T, pdf []byte) (pages int, text string) {
	t.Helper()
	pages = len(regexp.MustCompile(`/Type /Page\b[^s]`).FindAll(pdf, -1))
	var b strings.Builder
	for _, m := range regexp.MustCompile(`/Length (\d+)>>\r?\nstream\r?\n`).FindAllSubmatchIndex(pdf, -1) {
		n, _ := strconv.Atoi(string(pdf[m[2]:m[3]]))
		if m[1]+n > len(pdf) {
			t.Fatalf("a stream of the PDF runs past its end")
		}
		data := pdf[m[1] : m[1]+n]
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			b.Write(data)
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
