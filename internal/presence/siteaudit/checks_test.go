package siteaudit

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestCatalogue(t *testing.T) {
	id := regexp.MustCompile(`^[a-z_]+(\.[a-z_]+)+$`)
	verb := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)
	for _, name := range Checks() {
		c := checks[name]
		if !id.MatchString(name) {
			t.Errorf("%s: not a dotted lowercase id", name)
		}
		if _, ok := severityBase[c.severity]; !ok {
			t.Errorf("%s: severity %q", name, c.severity)
		}
		if c.impact < 0 || c.impact > 99 {
			t.Errorf("%s: impact %d out of 0..99", name, c.impact)
		}
		if c.format == "" || c.fixFormat == "" || !strings.Contains(c.fixFormat, "%") {
			t.Errorf("%s: a message and a fix with the code as argument are needed", name)
		}
		// Formats are translated: the code goes in the arguments.
		for _, f := range []string{c.format, c.fixFormat} {
			if strings.Contains(f, "http://") || strings.Contains(f, "https://") {
				t.Errorf("%s: address in the format %q", name, f)
			}
			for _, v := range verb.FindAllString(f, -1) {
				if v != "%s" && v != "%d" {
					t.Errorf("%s: verb %s in %q", name, v, f)
				}
			}
		}
	}
	// The twin checks of og:image and twitter:image say the same.
	for _, name := range Checks() {
		if rest, ok := strings.CutPrefix(name, "twitter.image."); ok {
			if checks[name].format != checks["og.image."+rest].format {
				t.Errorf("%s and og.image.%s differ", name, rest)
			}
		}
	}
	msgs := Messages()
	if !slices.IsSorted(msgs) || len(msgs) < len(checks) {
		t.Errorf("%d messages for %d checks, sorted %v", len(msgs), len(checks), slices.IsSorted(msgs))
	}
}

func TestNewFinding(t *testing.T) {
	f := newFinding("title.too_short", "https://r.example/", []any{12}, "<title>x</title>")
	if f.Severity != Minor || f.Impact != 100+checks["title.too_short"].impact || f.Page != "https://r.example/" {
		t.Errorf("%+v", f)
	}
	if f.Message != fmt.Sprintf(f.Format, f.Args...) || f.Message != "The title has 12 characters: 30 to 60 describe the page best in search results" {
		t.Errorf("message %q", f.Message)
	}
	if f.Fix != fmt.Sprintf(f.FixFormat, f.FixArgs...) || !strings.HasSuffix(f.Fix, "\n<title>x</title>") {
		t.Errorf("fix %q", f.Fix)
	}
	defer func() {
		if recover() == nil {
			t.Error("an unknown check does not panic")
		}
	}()
	newFinding("no.such.check", "", nil)
}

func TestScore(t *testing.T) {
	f := func(id string) Finding { return newFinding(id, "p", nil) }
	tests := []struct {
		findings []Finding
		want     int
	}{
		{nil, 100},
		{[]Finding{f("jsonld.missing")}, 70},
		{[]Finding{f("og.image.missing")}, 90},
		{[]Finding{f("html.lang.missing")}, 97},
		// The same check on several pages counts once.
		{[]Finding{f("html.lang.missing"), f("html.lang.missing"), f("html.lang.missing")}, 97},
		{[]Finding{f("jsonld.missing"), f("og.image.missing"), f("html.lang.missing")}, 57},
		{[]Finding{f("home.status"), f("robots.blocks_home"), f("noindex.home"), f("canonical.other_site")}, 0},
	}
	for _, tt := range tests {
		if got := Score(tt.findings); got != tt.want {
			t.Errorf("Score(%q) = %d, want %d", ids(tt.findings), got, tt.want)
		}
	}
}

func TestFindingsOrder(t *testing.T) {
	a := &auditor{facts: Facts{}}
	pages := []*page{mkPage(t, "https://r.example/", ""), mkPage(t, "https://r.example/b", "")}
	r := a.report([]Finding{
		newFinding("html.lang.missing", "https://r.example/b", nil, ""),
		newFinding("page.unreachable", "https://r.example/gone", []any{"", ""}, ""),
		newFinding("html.lang.missing", "https://r.example/", nil, ""),
		newFinding("jsonld.missing", "https://r.example/", nil, ""),
		newFinding("og.image.missing", "https://r.example/b", nil, ""),
	}, pages)
	var got []string
	for _, f := range r.Findings {
		got = append(got, f.Check+" "+strings.TrimPrefix(f.Page, "https://r.example"))
	}
	want := []string{"jsonld.missing /", "og.image.missing /b", "page.unreachable /gone", "html.lang.missing /", "html.lang.missing /b"}
	if !slices.Equal(got, want) {
		t.Errorf("order\n %q\nwant\n %q", got, want)
	}
	if !slices.Equal(r.Pages, []string{"https://r.example/", "https://r.example/b"}) {
		t.Errorf("pages %q", r.Pages)
	}
}
