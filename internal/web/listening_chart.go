package web

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-analyze/charts"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/i18n"
	"github.com/portavoce/portavoce/internal/publish"
)

// The listening page's charts are drawn here as SVG images, each served at
// its own address (/w/{ws}/listening/chart/{name}.svg, with the explorer's
// topic, from and to) and shown with <img>: the page's Content-Security-
// Policy forbids the inline styles an SVG drawn into the page would need.

// Chart sizes, in pixels.
const (
	chartWidth  = 720
	chartHeight = 300
)

// Chart colours: the page's accent for all mentions, red for the negative
// ones; the share of voice cycles through the rest.
var (
	chartAccent   = charts.ColorFromHex("#1f5fa8")
	chartNegative = charts.ColorFromHex("#b42318")
	chartPalette  = []charts.Color{charts.ColorFromHex("#1f5fa8"), charts.ColorFromHex("#c2571a"), charts.ColorFromHex("#2e7d4f"),
		charts.ColorFromHex("#7a4fb0"), charts.ColorFromHex("#a0892c"), charts.ColorFromHex("#0f7c8c"), charts.ColorFromHex("#9c3d6b"),
		charts.ColorFromHex("#5a6270")}
)

func (s *Server) listeningChart(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.deps.Listening == nil {
		return errNoListening
	}
	name, ok := strings.CutSuffix(r.PathValue("name"), ".svg")
	if !ok || (name != "volume" && name != "share") {
		return p.Errorf(p.ECodeNotFound, "there is no page at this address")
	}
	ctx, acc := r.Context(), rq.access
	// Topics checks that the caller sees listening, and names the series.
	topics, err := s.deps.Listening.Topics(ctx, acc)
	if err != nil {
		return err
	}
	loc := publish.Zone(acc.Workspace.Timezone)
	// A date that cannot be read is left out: an image has no room to
	// say so (the page does).
	f, _ := readExplorerFilter(r.URL.Query(), loc, s.deps.Now().UTC())
	var svg []byte
	switch name {
	case "volume":
		svg, err = s.volumeChart(r, rq, f, loc)
	case "share":
		svg, err = s.shareChart(r, rq, f, topics)
	}
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	// The page is live: a reload shows the counts of now.
	h.Set("Cache-Control", "no-store")
	// The image is a document of its own: its styles are inline, and it
	// runs nothing.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.Write(svg)
	return nil
}

// volumeChart draws the mentions (all, and the negative ones) per day of
// the period, or per hour when it is two days or shorter.
func (s *Server) volumeChart(r *http.Request, rq *request, f explorerFilter, loc *time.Location) ([]byte, error) {
	var buckets []time.Time
	var labels []string
	hourly := f.End.Sub(f.Start) <= 48*time.Hour
	if hourly {
		for t := f.Start.Truncate(time.Hour); t.Before(f.End); t = t.Add(time.Hour) {
			buckets = append(buckets, t)
			labels = append(labels, t.In(loc).Format("15:04"))
		}
	} else {
		start := f.Start.In(loc)
		for d := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, loc); d.Before(f.End); d = d.AddDate(0, 0, 1) {
			buckets = append(buckets, d)
			labels = append(labels, fmt.Sprintf("%d %s", d.Day(), shortMonth(rq.lang, d.Month())))
		}
	}
	total, negative := make([]float64, len(buckets)), make([]float64, len(buckets))
	if s.deps.Listening != nil {
		// Counted by the hour for days, by ten minutes for hours (the
		// alerts' windows): each count falls in the bucket that holds its
		// start.
		size := time.Hour
		if hourly {
			size = 10 * time.Minute
		}
		// Distinct posts: one that matches two topics is one mention
		// of the brand's world, not two.
		counts, err := s.deps.Listening.PostVolume(r.Context(), rq.access, f.TopicID, f.Start, f.End, size)
		if err != nil {
			return nil, err
		}
		for _, b := range counts {
			// The last bucket that starts at or before the count's.
			i, found := slices.BinarySearchFunc(buckets, b.Start, func(a, t time.Time) int { return a.Compare(t) })
			if !found {
				i--
			}
			if i < 0 || i >= len(buckets) {
				continue
			}
			total[i] += float64(b.Total)
			negative[i] += float64(b.Negative)
		}
	}
	opt := charts.NewLineChartOptionWithData([][]float64{total, negative})
	opt.Theme = chartTheme().WithSeriesColors([]charts.Color{chartAccent, chartNegative})
	// The points on the ticks, and their labels under them.
	opt.XAxis.Labels, opt.XAxis.BoundaryGap = labels, charts.Ptr(false)
	opt.Legend.SeriesNames = []string{i18n.T(rq.lang, "All mentions"), i18n.T(rq.lang, "Negative")}
	opt.Legend.Offset = charts.OffsetRight
	opt.YAxis = []charts.YAxisOption{countAxis(slices.Max(total))}
	opt.LineStrokeWidth = 2
	if len(buckets) > 40 {
		opt.Symbol.Shape = charts.SymbolNone
	}
	opt.ValueFormatter = formatCount
	return paint(func(pt *charts.Painter) error { return pt.LineChart(opt) })
}

// shareChart draws the share of voice over the period: the mentions of the
// brand's topics and of its competitors'.
func (s *Server) shareChart(r *http.Request, rq *request, f explorerFilter, topics []p.Topic) ([]byte, error) {
	counts := map[string]int{}
	if s.deps.Listening != nil {
		buckets, err := s.deps.Listening.Volume(r.Context(), rq.access, f.Start, f.End, f.End.Sub(f.Start))
		if err != nil {
			return nil, err
		}
		for _, b := range buckets {
			counts[b.TopicID] += b.Total
		}
	}
	var series charts.PieSeriesList
	for _, t := range topics {
		if (t.Kind != p.TopicBrand && t.Kind != p.TopicCompetitor) || counts[t.ID] == 0 {
			continue
		}
		series = append(series, charts.PieSeries{Value: float64(counts[t.ID]), Name: t.Name,
			Label: charts.SeriesLabel{Show: charts.Ptr(true), ValueFormatter: formatCount}})
	}
	if len(series) == 0 {
		return emptyChart(i18n.T(rq.lang, "No mentions of the brand or its competitors in this period.")), nil
	}
	opt := charts.PieChartOption{SeriesList: series, Theme: chartTheme().WithSeriesColors(chartPalette), Padding: charts.NewBoxEqual(20)}
	names := make([]string, len(series))
	for i, sr := range series {
		names[i] = sr.Name
	}
	opt.Legend.SeriesNames = names
	opt.Legend.Vertical = charts.Ptr(true)
	opt.Legend.Offset = charts.OffsetStr{Left: charts.PositionLeft, Top: charts.PositionTop}
	return paint(func(pt *charts.Painter) error { return pt.PieChart(opt) })
}

func chartTheme() charts.ColorPalette {
	return charts.GetTheme(charts.ThemeLight)
}

// countAxis is a value axis of whole numbers from zero.
func countAxis(highest float64) charts.YAxisOption {
	axis := charts.YAxisOption{Min: charts.Ptr(0.0), ValueFormatter: formatCount, PreferNiceIntervals: charts.Ptr(true)}
	if highest < 5 {
		axis.Max, axis.LabelCount = charts.Ptr(5.0), 6
	}
	return axis
}

func formatCount(v float64) string {
	return strconv.Itoa(int(math.Round(v)))
}

// paint draws a chart as SVG.
func paint(draw func(*charts.Painter) error) ([]byte, error) {
	pt := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputSVG, Width: chartWidth, Height: chartHeight})
	if err := draw(pt); err != nil {
		return nil, fmt.Errorf("web: chart: %w", err)
	}
	return pt.Bytes()
}

// emptyChart is an image that says there is nothing to draw.
func emptyChart(msg string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">`, chartWidth, chartHeight, chartWidth, chartHeight)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#ffffff"/>`)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-family="sans-serif" font-size="15" fill="#5a6270">%s</text></svg>`,
		chartWidth/2, chartHeight/2, html.EscapeString(msg))
	return b.Bytes()
}

// shortMonth is a month's name, shortened, in the reader's language.
func shortMonth(lang i18n.Lang, m time.Month) string {
	name := []rune(i18n.T(lang, monthNames[m-1]))
	if len(name) > 3 {
		name = name[:3]
	}
	return string(name)
}
