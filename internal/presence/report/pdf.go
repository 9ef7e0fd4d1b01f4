package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/unicode/norm"

	"github.com/portavoce/portavoce/internal/i18n"
)

// The page, in millimetres: A4 with 18 mm margins.
const (
	margin   = 18.0
	pageW    = 210.0
	contentW = pageW - 2*margin
	bottom   = 20.0
)

// Colours, as in the HTML report.
var (
	ink    = [3]int{29, 36, 48}
	muted  = [3]int{74, 85, 99}
	accent = [3]int{31, 95, 139}
	rule   = [3]int{201, 208, 216}
	shade  = [3]int{238, 242, 246}
	code   = [3]int{244, 246, 248}
	good   = [3]int{28, 124, 58}
	bad    = [3]int{179, 38, 30}
	tags   = map[string][3]int{"critical": {179, 38, 30}, "important": {184, 98, 0}, "minor": {74, 106, 133}}
)

// outsideCP1252 replaces the characters the reports use that the PDF's
// core fonts (Windows-1252) lack with their plain equivalents.
var outsideCP1252 = strings.NewReplacer("→", "->", "←", "<-", "≥", ">=", "≤", "<=", "−", "-", "✓", "v", "✔", "v",
	"\u2009", " ", "\u202f", " ", "\u200b", "", "\t", "  ", "\r", "")

// doc is a PDF being written, with its text translated for its fonts.
type doc struct {
	*fpdf.Fpdf
	tr func(string) string
}

// text prepares a string for the core fonts: composed accents, then
// Windows-1252, which has every letter Italian uses (è, à, é, ù, ò, ì).
func (d *doc) text(s string) string {
	return d.tr(outsideCP1252.Replace(norm.NFC.String(s)))
}

func (d *doc) color(c [3]int) { d.SetTextColor(c[0], c[1], c[2]) }
func (d *doc) fill(c [3]int)  { d.SetFillColor(c[0], c[1], c[2]) }
func (d *doc) draw(c [3]int)  { d.SetDrawColor(c[0], c[1], c[2]) }

// room starts a new page unless h millimetres are left on this one.
func (d *doc) room(h float64) {
	_, pageH := d.GetPageSize()
	if d.GetY()+h > pageH-bottom {
		d.AddPage()
	}
}

// para writes wrapped text across the page.
func (d *doc) para(s string, style string, size float64, c [3]int) {
	d.SetFont("Helvetica", style, size)
	d.color(c)
	d.MultiCell(0, size*0.45, d.text(s), "", "L", false)
}

// heading starts a section, on a new page when the section's first lines
// would not fit.
func (d *doc) heading(s string) {
	d.Ln(4)
	d.room(30)
	d.SetFont("Helvetica", "B", 14)
	d.color(accent)
	d.CellFormat(0, 8, d.text(s), "", 1, "L", false, 0, "")
	d.draw(accent)
	d.SetLineWidth(0.5)
	d.Line(margin, d.GetY(), pageW-margin, d.GetY())
	d.SetLineWidth(0.2)
	d.Ln(3)
}

// tag writes a severity's label as a coloured label, and leaves the pen
// after it on the same line.
func (d *doc) tag(severity, level string) {
	d.SetFont("Helvetica", "B", 7.5)
	d.fill(cmpColor(tags[severity], muted))
	d.SetTextColor(255, 255, 255)
	s := d.text(strings.ToUpper(level))
	d.CellFormat(d.GetStringWidth(s)+4, 5, s, "", 0, "C", true, 0, "")
	d.SetX(d.GetX() + 2)
}

func cmpColor(c, fallback [3]int) [3]int {
	if c == [3]int{} {
		return fallback
	}
	return c
}

// codeBlock writes what to paste in a monospaced font on a shaded
// background, wrapping long lines.
func (d *doc) codeBlock(s string) {
	d.SetFont("Courier", "", 8)
	d.color(ink)
	d.fill(code)
	d.SetCellMargin(2)
	s = d.text(s)
	// A block that fits on a page is kept on one.
	if h := float64(len(d.SplitLines([]byte(s), contentW))) * 3.6; h < 150 {
		d.room(h)
	}
	d.MultiCell(0, 3.6, s, "", "L", true)
	d.SetCellMargin(1)
	d.Ln(1)
}

// row writes a row of a table, each cell wrapped in its column, on the
// next page (after the header again) when it does not fit.
func (d *doc) row(widths []float64, cells []string, head bool, header func()) {
	const line = 4.4
	style := ""
	if head {
		style = "B"
	}
	d.SetFont("Helvetica", style, 9)
	lines := make([][][]byte, len(cells))
	n := 1
	for i, c := range cells {
		lines[i] = d.SplitLines([]byte(d.text(c)), widths[i])
		n = max(n, len(lines[i]))
	}
	h := float64(n)*line + 2
	_, pageH := d.GetPageSize()
	if d.GetY()+h > pageH-bottom {
		d.AddPage()
		if header != nil && !head {
			header()
			d.SetFont("Helvetica", style, 9)
		}
	}
	x, y := margin, d.GetY()
	d.draw(rule)
	for i := range cells {
		if head {
			d.fill(shade)
			d.Rect(x, y, widths[i], h, "FD")
		} else {
			d.Rect(x, y, widths[i], h, "D")
		}
		d.color(ink)
		for j, l := range lines[i] {
			d.SetXY(x, y+1+float64(j)*line)
			d.CellFormat(widths[i], line, string(l), "", 0, "L", false, 0, "")
		}
		x += widths[i]
	}
	d.SetXY(margin, y+h)
}

// PDF writes the report as an A4 PDF document, with page numbers.
func (r Report) PDF(w io.Writer) error {
	return r.pdf(w, true)
}

func (r Report) pdf(w io.Writer, compress bool) error {
	f := fpdf.New("P", "mm", "A4", "")
	d := &doc{Fpdf: f, tr: f.UnicodeTranslatorFromDescriptor("cp1252")}
	d.SetCompression(compress)
	d.SetTitle(r.L.Title+" – "+r.Brand, true)
	d.SetSubject(r.Subtitle, true)
	if r.Author != "" {
		d.SetAuthor(r.Author, true)
	}
	d.SetCreator("Portavoce", true)
	d.SetLang(string(r.Lang))
	if !r.made.IsZero() {
		d.SetCreationDate(r.made)
		d.SetModificationDate(r.made)
	}
	d.SetMargins(margin, margin, margin)
	d.SetAutoPageBreak(true, bottom)
	d.SetCellMargin(1)
	d.AliasNbPages("{nb}")
	d.SetFooterFunc(func() {
		d.SetY(-13)
		d.SetFont("Helvetica", "", 8)
		d.color(muted)
		d.CellFormat(contentW*0.7, 5, d.text(r.L.Title+" · "+r.Brand+" · "+r.Day), "", 0, "L", false, 0, "")
		d.CellFormat(contentW*0.3, 5, d.text(i18n.T(r.Lang, "Page %d of %s", d.PageNo(), "{nb}")), "", 0, "R", false, 0, "")
	})
	d.AddPage()

	// The title and whose presence it is.
	d.SetFont("Helvetica", "B", 9)
	d.color(accent)
	d.CellFormat(0, 5, d.text(strings.ToUpper(r.L.Title)), "", 1, "L", false, 0, "")
	d.SetFont("Helvetica", "B", 22)
	d.color(ink)
	d.MultiCell(0, 10, d.text(r.Brand), "", "L", false)
	d.para(r.Subtitle, "", 11, muted)
	d.Ln(3)
	meta := [][2]string{{r.L.Website, r.Website}, {r.L.Workspace, r.Workspace}, {r.L.AuditDate, r.Date}, {r.L.ReportDate, r.Generated},
		{r.L.PreparedBy, r.Author}}
	for _, m := range meta {
		if m[1] == "" {
			continue
		}
		d.SetFont("Helvetica", "", 10)
		d.color(muted)
		d.CellFormat(45, 5.5, d.text(m[0]), "", 0, "L", false, 0, "")
		d.color(ink)
		d.MultiCell(0, 5.5, d.text(m[1]), "", "L", false)
	}

	// The summary: the score, how it moved, the problems by severity.
	d.heading(r.L.Summary)
	if r.Failed {
		d.para(r.Error, "B", 11, bad)
	} else {
		y := d.GetY()
		d.draw(accent)
		d.SetLineWidth(0.8)
		d.RoundedRect(margin, y, 40, 22, 3, "1234", "D")
		d.SetLineWidth(0.2)
		d.SetXY(margin, y+3)
		d.SetFont("Helvetica", "B", 28)
		d.color(accent)
		d.CellFormat(40, 12, fmt.Sprint(r.Score), "", 2, "C", false, 0, "")
		d.SetFont("Helvetica", "", 9)
		d.CellFormat(40, 5, "/ 100", "", 0, "C", false, 0, "")
		d.SetLeftMargin(margin + 46)
		d.SetXY(margin+46, y+2)
		d.para(r.ScoreText, "B", 11, ink)
		d.Ln(1)
		change := ink
		switch {
		case r.HasPrevious && r.Delta > 0:
			change = good
		case r.HasPrevious && r.Delta < 0:
			change = bad
		}
		d.para(r.Change, "", 10, change)
		if r.Parts != "" {
			d.Ln(1)
			d.para(r.Parts, "", 9, muted)
		}
		d.SetLeftMargin(margin)
		d.SetXY(margin, max(d.GetY(), y+22)+4)
		d.para(r.Intro, "", 10, ink)
		d.Ln(2)
		d.para(r.Summary, "B", 10, ink)
		d.Ln(2)
		third := contentW / 3
		d.row([]float64{third, third, third}, []string{r.L.Critical, r.L.Important, r.L.Minor}, true, nil)
		d.row([]float64{third, third, third}, []string{fmt.Sprint(r.Counts.Critical), fmt.Sprint(r.Counts.Important), fmt.Sprint(r.Counts.Minor)}, false, nil)
		d.Ln(2)
		d.room(30)
		d.para(r.L.HowToRead, "B", 10, ink)
		d.Ln(1)
		d.para(r.L.HowToReadText, "", 9, muted)
		for _, l := range []string{r.L.LegendCritical, r.L.LegendImportant, r.L.LegendMinor} {
			d.para("•  "+l, "", 9, muted)
		}

		// The problems, the heaviest first, each with its fix.
		d.heading(r.L.Findings)
		if len(r.Findings) == 0 {
			d.para(r.L.NoFindings, "", 10, ink)
		}
		for i, f := range r.Findings {
			d.room(22)
			d.SetFont("Helvetica", "B", 10)
			d.color(ink)
			d.CellFormat(8, 5, fmt.Sprintf("%d.", i+1), "", 0, "L", false, 0, "")
			d.tag(f.Severity, f.Level)
			d.SetFont("Helvetica", "", 8.5)
			d.color(muted)
			d.CellFormat(0, 5, d.text(f.Points), "", 1, "L", false, 0, "")
			d.Ln(0.5)
			d.para(f.Message, "B", 10, ink)
			if f.Subject != "" {
				d.para(r.L.Where+": "+f.Subject, "", 8.5, muted)
			}
			if f.Advice != "" {
				d.Ln(0.5)
				d.para(r.L.WhatToDo+": "+f.Advice, "", 9.5, ink)
			}
			if f.Code != "" {
				d.Ln(0.5)
				d.codeBlock(f.Code)
			}
			if f.Automatic != "" {
				d.para(f.Automatic, "I", 9, good)
			}
			d.Ln(3)
		}

		// What changed since the previous audit.
		d.heading(r.L.Changes)
		if r.Changes != "" {
			d.para(r.Changes, "", 10, ink)
		}
		for _, list := range []struct {
			title    string
			findings []Finding
		}{{r.L.NewProblems, r.New}, {r.L.SolvedProblems, r.Resolved}} {
			if len(list.findings) == 0 {
				continue
			}
			d.room(15)
			d.Ln(1)
			d.para(fmt.Sprintf("%s (%d)", list.title, len(list.findings)), "B", 10, ink)
			d.Ln(1)
			for _, f := range list.findings {
				d.room(10)
				d.SetX(margin + 3)
				d.tag(f.Severity, f.Level)
				msg := f.Message
				if f.Subject != "" {
					msg += " (" + f.Subject + ")"
				}
				d.SetLeftMargin(d.GetX())
				d.para(msg, "", 9, ink)
				d.SetLeftMargin(margin)
				d.Ln(1)
			}
		}

		// The profiles.
		d.heading(r.L.Profiles)
		if len(r.Profiles) == 0 {
			d.para(r.L.NoProfiles, "", 10, ink)
		} else {
			widths := []float64{24, 62, 17, 19, 15, 37}
			head := []string{r.L.Network, r.L.Profile, r.L.Critical, r.L.Important, r.L.Minor, r.L.Status}
			header := func() { d.row(widths, head, true, nil) }
			header()
			for _, p := range r.Profiles {
				addr := p.Address
				if p.Connected {
					addr += "\n(" + r.L.Connected + ")"
				}
				counts := []string{fmt.Sprint(p.Critical), fmt.Sprint(p.Important), fmt.Sprint(p.Minor)}
				if !p.Checked {
					counts = []string{"—", "—", "—"}
				}
				d.row(widths, append(append([]string{p.Network, addr}, counts...), p.Status), false, header)
			}
		}

		if len(r.Pages) > 0 {
			d.heading(r.L.Pages)
			for _, pg := range r.Pages {
				d.para("•  "+pg, "", 8.5, muted)
			}
		}
	}

	// Who prepared it, and room to sign.
	d.Ln(8)
	d.room(30)
	y := d.GetY() + 14
	d.draw(ink)
	d.Line(margin, y, margin+75, y)
	d.Line(pageW-margin-60, y, pageW-margin, y)
	d.SetXY(margin, y+1)
	d.SetFont("Helvetica", "", 9)
	d.color(muted)
	who := r.L.PreparedBy
	if r.Author != "" {
		who += ": " + r.Author
	}
	d.CellFormat(75, 5, d.text(who), "", 0, "L", false, 0, "")
	d.SetX(pageW - margin - 60)
	d.CellFormat(60, 5, d.text(r.L.Date), "", 1, "L", false, 0, "")
	d.SetX(margin)
	d.CellFormat(75, 5, d.text(r.L.Signature), "", 1, "L", false, 0, "")

	return d.Output(w)
}
