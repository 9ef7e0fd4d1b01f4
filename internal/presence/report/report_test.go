package report

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/i18n"
)

// The findings' formats, as the audits write them (the catalogue
// translates them).
const (
	jsonldMissing = "The site has no Organization or LocalBusiness structured data (JSON-LD): Google cannot tie the site to the brand, its logo and its profiles"
	jsonldFix     = "Paste this in the <head> of the home page, after checking every value:\n%s"
	noTitle       = "The page has no title: Google makes one up for its search result"
	titleFix      = "Add to the <head> a title of 30 to 60 characters, for example:\n%s"
	linkMissing   = "The %s profile %s does not link to the brand's website %s."
	linkFix       = "Set the profile field %q to %s (Edit profile → Extra fields), then link back from the site with <a rel=\"me\" href=\"%s\">Mastodon</a> so that Mastodon verifies it."
	noHeader      = "The %s profile %s has no header image."
	headerFix     = "Add a header image to the %s profile (%s), in the brand's colours."
)

// longJSONLD is structured data with a line far wider than the page.
var longJSONLD = "<script type=\"application/ld+json\">\n{\n  \"@context\": \"https://schema.org\",\n  \"@type\": \"CafeOrCoffeeShop\",\n" +
	"  \"name\": \"Caffè Rossi\",\n  \"url\": \"https://www.cafferossi.example/\",\n  \"image\": \"https://www.cafferossi.example/" +
	strings.Repeat("immagini-della-torrefazione-", 12) + "vetrina.png\",\n  \"address\": {\n    \"@type\": \"PostalAddress\",\n" +
	"    \"streetAddress\": \"Via dell'Indipendenza 12\",\n    \"addressLocality\": \"Bologna\"\n  }\n}\n</script>"

func auditFinding(source, check, severity string, impact int, subject, network, format string, args []any, fixFormat string, fixArgs []any) p.AuditFinding {
	return p.AuditFinding{Source: source, Check: check, Severity: severity, Impact: impact, Subject: subject, Network: network,
		Message: fmt.Sprintf(format, args...), Format: format, Args: args, Fix: fmt.Sprintf(fixFormat, fixArgs...), FixFormat: fixFormat,
		FixArgs: fixArgs, Fixable: source == "profile" && check == "website-link-missing"}
}

const (
	site     = "https://www.cafferossi.example/"
	mastoURL = "https://masto.example/@cafferossi"
	skyURL   = "https://bsky.app/profile/cafferossi.bsky.social"
	linkedIn = "https://www.linkedin.com/company/caffe-rossi"
)

// input is an audit of Caffè Rossi: the site lacks its JSON-LD, the
// connected Mastodon account lacks the link to the site, the Bluesky
// profile its header; the previous audit also found the site without a
// title, since fixed.
func input(lang i18n.Lang) Input {
	rome, _ := time.LoadLocation("Europe/Rome")
	missing := auditFinding("site", "jsonld.missing", "critical", 90, site, "", jsonldMissing, nil, jsonldFix, []any{longJSONLD})
	link := auditFinding("profile", "website-link-missing", "critical", 15, "@cafferossi@masto.example", "mastodon", linkMissing,
		[]any{"Mastodon", "@cafferossi@masto.example", site}, linkFix, []any{"Website", site, mastoURL})
	header := auditFinding("profile", "header-missing", "minor", 3, "cafferossi.bsky.social", "bluesky", noHeader,
		[]any{"Bluesky", "cafferossi.bsky.social"}, headerFix, []any{"Bluesky", "1500×500"})
	title := auditFinding("site", "basics.title.missing", "important", 40, site, "", noTitle, nil, titleFix, []any{"<title>Caffè Rossi</title>"})
	return Input{
		Audit: p.PresenceAudit{ID: "a2", Score: 76, StartedAt: time.Date(2026, 6, 8, 8, 30, 0, 0, time.UTC),
			Findings: []p.AuditFinding{header, link, missing}, Pages: []string{site, site + "chi-siamo.html"}},
		Previous: &p.PresenceAudit{ID: "a1", Score: 73, StartedAt: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC),
			Findings: []p.AuditFinding{missing, link, title}},
		Settings:  p.PresenceSettings{Website: site, BrandName: "Caffè Rossi", Profiles: []string{skyURL, linkedIn}},
		Accounts:  []p.SocialAccount{{Network: "mastodon", Handle: "cafferossi@masto.example", ProfileURL: mastoURL}},
		Workspace: p.Workspace{Name: "Caffè Rossi", Slug: "caffe-rossi", Timezone: "Europe/Rome"},
		Author:    "Giulia Bianchi", Lang: lang, Zone: rome, Now: time.Date(2026, 6, 9, 10, 0, 0, 0, time.UTC),
	}
}

func TestBuildInItalian(t *testing.T) {
	r := Build(input(i18n.IT))
	if r.Score != 76 || r.Delta != 3 || !r.HasPrevious || r.Day != "2026-06-08" {
		t.Fatalf("score %d, delta %d, previous %v, day %s", r.Score, r.Delta, r.HasPrevious, r.Day)
	}
	if r.Date != "8 giugno 2026, 10:30" {
		t.Errorf("date %q, want the audit's time in Rome, in Italian", r.Date)
	}
	if want := "Rispetto alla verifica precedente (1° giugno 2026, 10:00, punteggio 73): +3."; r.Change != want {
		t.Errorf("change %q, want %q", r.Change, want)
	}
	if want := "La verifica ha rilevato 2 problemi critici e un problema minore."; r.Summary != want {
		t.Errorf("summary %q, want %q", r.Summary, want)
	}
	if want := "Sito: 70 su 100; profili: 82 su 100."; r.Parts != want {
		t.Errorf("parts %q, want %q", r.Parts, want)
	}
	var order []int
	for _, f := range r.Findings {
		order = append(order, f.Impact)
	}
	if fmt.Sprint(order) != "[30 15 3]" {
		t.Errorf("findings by impact: %v", order)
	}
	js := r.Findings[0]
	if js.Level != "Critico" || !strings.HasPrefix(js.Message, "Il sito non ha dati strutturati (JSON-LD)") ||
		js.Advice != "Incollare questo codice nel <head> della home page, dopo averne verificato ogni valore:" || js.Code != longJSONLD {
		t.Errorf("the JSON-LD finding: %+v", js)
	}
	if js.Points != "Impatto sul punteggio del sito: −30" || r.Findings[1].Points != "Impatto sul punteggio dei profili: −15" {
		t.Errorf("points: %q, %q", js.Points, r.Findings[1].Points)
	}
	if r.Findings[1].Automatic != "Portavoce può fare questa modifica su Mastodon dalla pagina Presenza." {
		t.Errorf("the fix on the connected account is not offered: %+v", r.Findings[1])
	}
	if r.Findings[2].Automatic != "" {
		t.Errorf("a fix is offered on Bluesky, which is not connected: %+v", r.Findings[2])
	}
	if len(r.New) != 1 || r.New[0].Severity != "minor" || len(r.Resolved) != 1 || !strings.HasPrefix(r.Resolved[0].Message, "La pagina non ha un titolo") {
		t.Errorf("changes: new %+v, resolved %+v", r.New, r.Resolved)
	}
	want := []string{
		"Mastodon|" + mastoURL + "|true|true|1 0 0|Da correggere subito",
		"Bluesky|" + skyURL + "|true|false|0 0 1|Qualche ritocco",
		"LinkedIn|" + linkedIn + "|false|false|0 0 0|Non verificato: Portavoce non legge i profili LinkedIn",
	}
	var got []string
	for _, pr := range r.Profiles {
		got = append(got, fmt.Sprintf("%s|%s|%v|%v|%d %d %d|%s", pr.Network, pr.Address, pr.Checked, pr.Connected, pr.Critical, pr.Important, pr.Minor, pr.Status))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("profiles:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestSummaryAndFirstAudit(t *testing.T) {
	in := input(i18n.IT)
	in.Previous = nil
	in.Audit.Findings = nil
	in.Audit.Score = 100
	r := Build(in)
	if r.HasPrevious || r.Change != "Questa è la prima verifica: i prossimi report mostreranno l'andamento del punteggio." ||
		r.Summary != "Niente da correggere: il sito e i profili presentano il marchio correttamente." {
		t.Errorf("first audit, nothing found: %q / %q", r.Change, r.Summary)
	}
	for _, pr := range r.Profiles {
		if pr.Checked && pr.Status != "In ordine" {
			t.Errorf("profile %s: %s", pr.Address, pr.Status)
		}
	}
	c := Counts{Critical: 1, Important: 2, Minor: 3}
	if got, want := summary(i18n.IT, c), "La verifica ha rilevato un problema critico, 2 problemi importanti e 3 problemi minori."; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	if got, want := summary(i18n.EN, Counts{Important: 1}), "The audit found one important problem."; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}

func TestHTMLInItalian(t *testing.T) {
	var buf bytes.Buffer
	if err := Build(input(i18n.IT)).HTML(&buf); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{`<html lang="it">`, "Report sulla presenza online", "Caffè Rossi", "8 giugno 2026, 10:30",
		`data-score="76"`, "Punteggio: 76 su 100", "Sito: 70 su 100; profili: 82 su 100.", "Impatto sul punteggio del sito: −30", "Rispetto alla verifica precedente", "Sintesi", "Problemi e soluzioni",
		"Il sito non ha dati strutturati (JSON-LD) di tipo Organization o LocalBusiness", "Cosa fare:",
		"&lt;script type=&#34;application/ld&#43;json&#34;&gt;", "Cosa è cambiato rispetto alla verifica precedente", "Nuovi problemi (1)",
		"Problemi risolti (1)", "Non verificato: Portavoce non legge i profili LinkedIn", "collegato a Portavoce", "Redatto da",
		"Giulia Bianchi", "Firma", "Impostare il campo del profilo"} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	for _, english := range []string{"The site has no Organization", "Problems and fixes", "Paste this in", "Score:"} {
		if strings.Contains(page, english) {
			t.Errorf("the Italian report has %q in English", english)
		}
	}
	// Self-contained: nothing to load, nothing to run.
	for _, outside := range []string{"<script", "<link", "<img", " src=", "@import", "url("} {
		if strings.Contains(page, outside) {
			t.Errorf("the report loads or runs something: %q", outside)
		}
	}
	m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no style sheet")
	}
	sum := sha256.Sum256([]byte(m[1]))
	if !strings.Contains(ContentSecurityPolicy, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
		t.Errorf("the policy %q does not allow the page's style sheet", ContentSecurityPolicy)
	}
}

func TestHTMLInEnglishAndFailedAudit(t *testing.T) {
	in := input(i18n.EN)
	var buf bytes.Buffer
	if err := Build(in).HTML(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<html lang="en">`, "Presence report", "8 June 2026, 10:30", jsonldMissing, "Problems and fixes"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("the English report lacks %q", want)
		}
	}
	in = input(i18n.IT)
	in.Audit.Score, in.Audit.Error, in.Audit.Findings = -1, "the home page did not answer", nil
	r := Build(in)
	buf.Reset()
	if err := r.HTML(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "La verifica non è stata possibile: the home page did not answer") || strings.Contains(buf.String(), `id="report-score"`) {
		t.Errorf("a failed audit's report:\n%s", buf.String())
	}
	if err := r.PDF(io.Discard); err != nil {
		t.Fatal(err)
	}
}

// pdfText is the text of a PDF's content streams, inflated, with the
// strings the pages show; and the number of pages it declares.
type pdfText struct {
	raw     string
	streams []string
}

func readPDF(t *testing.T, b []byte) pdfText {
	t.Helper()
	out := pdfText{raw: string(b)}
	// Each stream is read by its declared length: compressed data may hold
	// anything, "endstream" included.
	re := regexp.MustCompile(`/Length (\d+)>>\r?\nstream\r?\n`)
	for _, m := range re.FindAllSubmatchIndex(b, -1) {
		n, _ := strconv.Atoi(string(b[m[2]:m[3]]))
		if m[1]+n > len(b) || !bytes.HasPrefix(bytes.TrimLeft(b[m[1]+n:], "\r\n"), []byte("endstream")) {
			t.Fatalf("a stream's length (%d) does not end it", n)
		}
		data := b[m[1] : m[1]+n]
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			out.streams = append(out.streams, string(data)) // not compressed
			continue
		}
		text, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("a stream does not inflate: %v", err)
		}
		out.streams = append(out.streams, string(text))
	}
	return out
}

// pages counts the page objects.
func (p pdfText) pages() int {
	return len(regexp.MustCompile(`/Type /Page\b[^s]`).FindAllString(p.raw, -1))
}

// strings are the text strings shown on the pages, unescaped.
func (p pdfText) strings() []string {
	var out []string
	re := regexp.MustCompile(`\(((?:[^()\\]|\\.)*)\)\s*Tj`)
	for _, s := range p.streams {
		for _, m := range re.FindAllStringSubmatch(s, -1) {
			out = append(out, strings.NewReplacer(`\(`, "(", `\)`, ")", `\\`, `\`, `\r`, "\r").Replace(m[1]))
		}
	}
	return out
}

func (p pdfText) has(s string) bool {
	for _, x := range p.strings() {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

// cp1252 is how Windows-1252 writes s, as the PDF's fonts show it.
func cp1252(s string) string {
	r := strings.NewReplacer("è", "\xe8", "à", "\xe0", "é", "\xe9", "ù", "\xf9", "ò", "\xf2", "ì", "\xec", "°", "\xb0")
	return r.Replace(s)
}

func TestPDF(t *testing.T) {
	in := input(i18n.IT)
	in.Settings.BrandName = "Caffè Città – perché no"
	// Enough problems for several pages.
	for i := range 12 {
		in.Audit.Findings = append(in.Audit.Findings, auditFinding("site", fmt.Sprintf("jsonld.missing.%d", i), "critical", 10, site, "",
			jsonldMissing, nil, jsonldFix, []any{longJSONLD}))
	}
	r := Build(in)
	var buf bytes.Buffer
	if err := r.pdf(&buf, false); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b[:min(20, len(b))])
	}
	doc := readPDF(t, b)
	n := doc.pages()
	if n < 2 {
		t.Fatalf("%d pages, want several", n)
	}
	if !strings.Contains(doc.raw, fmt.Sprintf("/Type /Pages\n/Kids [")) || !regexp.MustCompile(`/Count `+strconv.Itoa(n)+`\b`).MatchString(doc.raw) {
		t.Errorf("the page tree does not count %d pages", n)
	}
	for i := 1; i <= n; i++ {
		if !doc.has(fmt.Sprintf("Pagina %d di %d", i, n)) {
			t.Errorf("no footer \"Pagina %d di %d\"", i, n)
		}
	}
	if !doc.has(fmt.Sprintf("Punteggio: %d su 100", r.Score)) {
		t.Error("the PDF does not show the score")
	}
	// Accented letters in Windows-1252, with fonts that read them so.
	for _, want := range []string{"Caffè Città – perché no", "Cosa è cambiato rispetto alla verifica precedente", "Il sito non ha dati strutturati",
		"1° giugno 2026", "Qualche ritocco"} {
		if !doc.has(cp1252(strings.ReplaceAll(want, "–", "\x96"))) {
			t.Errorf("the PDF does not show %q in Windows-1252", want)
		}
	}
	if strings.Contains(strings.Join(doc.streams, ""), "perch\xc3\xa9") || strings.Contains(strings.Join(doc.streams, ""), "Citt\xc3\xa0") {
		t.Error("the PDF shows UTF-8 bytes, which its fonts read as two letters")
	}
	if !strings.Contains(doc.raw, "/Encoding /WinAnsiEncoding") {
		t.Error("the fonts are not Windows-1252 (WinAnsiEncoding)")
	}
	if strings.Contains(strings.Join(doc.strings(), ""), "→") {
		t.Error("a character the fonts lack is left as is")
	}
	// The JSON-LD is in a monospaced font, wrapped within the page.
	all := strings.Join(doc.streams, "\n")
	if !strings.Contains(all, "/F") || !regexp.MustCompile(`/Type /Font\n/BaseFont /Courier`).MatchString(doc.raw) {
		t.Error("no monospaced font for the JSON-LD")
	}
	// Courier 8 writes 100 characters across the 170 mm the block has.
	joined := ""
	for _, s := range doc.strings() {
		if !strings.Contains(s, "torrefazione") && !strings.HasPrefix(s, `  "`) {
			continue
		}
		if len(s) > 100 {
			t.Errorf("a line of the JSON-LD runs off the page (%d characters): %q", len(s), s)
		}
		joined += s
	}
	if !strings.Contains(joined, strings.Repeat("immagini-della-torrefazione-", 3)) {
		t.Errorf("the long JSON-LD line is not shown whole across its lines: %q", joined)
	}

	// Compressed, as served, it is still a whole PDF with the same pages.
	buf.Reset()
	if err := r.PDF(&buf); err != nil {
		t.Fatal(err)
	}
	z := readPDF(t, buf.Bytes())
	if z.pages() != n || !z.has(fmt.Sprintf("Punteggio: %d su 100", r.Score)) || !bytes.HasSuffix(bytes.TrimSpace(buf.Bytes()), []byte("%%EOF")) {
		t.Errorf("compressed: %d pages, score shown %v", z.pages(), z.has(fmt.Sprintf("Punteggio: %d su 100", r.Score)))
	}
}

// TestOrderByImpact: the findings go from the heaviest on the score, a
// website's check found on several pages together and counted once, and
// without profiles the score is the website's alone.
func TestOrderByImpact(t *testing.T) {
	in := input(i18n.EN)
	in.Previous = nil
	page := site + "chi-siamo.html"
	in.Audit.Findings = []p.AuditFinding{
		auditFinding("site", "basics.title.missing", "important", 240, site, "", noTitle, nil, titleFix, []any{"<title>Caffè Rossi</title>"}),
		auditFinding("site", "og.missing", "minor", 150, site, "", noTitle, nil, titleFix, []any{"x"}),
		auditFinding("site", "basics.title.missing", "important", 240, page, "", noTitle, nil, titleFix, []any{"<title>Chi siamo</title>"}),
		auditFinding("site", "jsonld.missing", "critical", 390, site, "", jsonldMissing, nil, jsonldFix, []any{"{}"}),
	}
	in.Audit.Score = 100 - 30 - 10 - 3
	r := Build(in)
	var got []string
	for _, f := range r.Findings {
		got = append(got, fmt.Sprintf("%d %s %s %q", f.Impact, f.Severity, strings.TrimPrefix(f.Subject, site), f.Points))
	}
	want := []string{`30 critical  "Impact on the website's score: −30"`, `10 important  "Impact on the website's score: −10"`,
		`10 important chi-siamo.html ""`, `3 minor  "Impact on the website's score: −3"`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r.Parts != "" {
		t.Errorf("parts %q for an audit of the website alone", r.Parts)
	}
}
