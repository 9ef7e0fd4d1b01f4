package report

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html/template"
	"io"
)

//go:embed report.html
var page string

// style is the page's only style sheet, inline: the report is one file
// that needs nothing else, to print, to save or to send.
const style = `
@page { size: A4; margin: 18mm 16mm; }
* { box-sizing: border-box; }
body { font: 11pt/1.45 "Helvetica Neue", Helvetica, Arial, sans-serif; color: #1d2430; margin: 0 auto; max-width: 52rem; padding: 2rem 1.5rem; }
h1 { font-size: 1.9rem; margin: .2rem 0 .3rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 2px solid #1f5f8b; color: #1f5f8b; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
.kicker { text-transform: uppercase; letter-spacing: .08em; color: #1f5f8b; font-weight: 700; margin: 0; }
.subtitle { color: #4a5563; margin: 0 0 1rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
dl.meta dt { color: #4a5563; }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.scorebox { display: flex; align-items: center; gap: 1.2rem; margin: .6rem 0 1rem; }
.score { font-size: 2.8rem; font-weight: 700; line-height: 1; padding: .6rem 1rem; border: 3px solid #1f5f8b; border-radius: 10px; color: #1f5f8b; }
.score small { font-size: 1rem; font-weight: 400; }
.delta-up { color: #1c7c3a; } .delta-down { color: #b3261e; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: 10pt; }
th, td { border: 1px solid #c9d0d8; padding: .35rem .5rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #eef2f6; }
td.n { text-align: center; }
th, td:first-child { white-space: nowrap; }
.parts { color: #4a5563; font-size: 10pt; }
ol.findings { padding-left: 1.4rem; }
ol.findings > li { margin: 0 0 1.1rem; page-break-inside: avoid; break-inside: avoid; }
.tag { display: inline-block; font-size: 8pt; font-weight: 700; text-transform: uppercase; letter-spacing: .05em; padding: .05rem .4rem; border-radius: 4px; color: #fff; background: #6b7480; }
.critical .tag { background: #b3261e; } .important .tag { background: #b86200; } .minor .tag { background: #4a6a85; }
.message { font-weight: 600; }
.where, .impact { color: #4a5563; font-size: 9.5pt; margin: .15rem 0; overflow-wrap: anywhere; }
.advice { margin: .3rem 0; }
pre { font: 8.5pt/1.35 "DejaVu Sans Mono", Menlo, Consolas, monospace; background: #f4f6f8; border: 1px solid #d8dee4; border-radius: 4px; padding: .5rem .6rem; white-space: pre-wrap; overflow-wrap: anywhere; margin: .3rem 0; }
.automatic { font-style: italic; color: #1c7c3a; margin: .2rem 0; }
.legend { font-size: 9.5pt; color: #4a5563; }
.error { color: #b3261e; font-weight: 600; }
ul.pages { font-size: 9.5pt; color: #4a5563; overflow-wrap: anywhere; }
.signature { margin-top: 2.5rem; display: grid; grid-template-columns: 1fr 1fr; gap: 2rem; page-break-inside: avoid; }
.signature div { border-top: 1px solid #1d2430; padding-top: .3rem; min-height: 3rem; }
footer { margin-top: 2rem; font-size: 8.5pt; color: #6b7480; }
@media print { body { padding: 0; max-width: none; } h2 { page-break-after: avoid; } }
`

var pageTemplate = template.Must(template.New("report").Parse(page))

// ContentSecurityPolicy is the policy to serve the HTML report with: it
// loads nothing, runs nothing, and applies only its own style sheet.
var ContentSecurityPolicy = func() string {
	sum := sha256.Sum256([]byte(style))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; img-src data:; " +
		"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
}()

// HTML writes the report as one printable HTML page with everything
// inline: no script, no external style sheet, font or image.
func (r Report) HTML(w io.Writer) error {
	return pageTemplate.Execute(w, struct {
		Report
		CSS template.CSS
	}{r, template.CSS(style)})
}
