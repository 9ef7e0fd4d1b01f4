package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/portavoce/portavoce/internal/i18n"
	"github.com/portavoce/portavoce/internal/listening/query"
	"github.com/portavoce/portavoce/internal/presence/profileaudit"
	"github.com/portavoce/portavoce/internal/presence/siteaudit"
)

// messagesInUse collects every English message the UI and the domain show:
// literal t "..." calls in templates, page titles, sections, roles and
// notices, and the formats of domain errors in the Go source.
func messagesInUse(t *testing.T) []string {
	t.Helper()
	set := map[string]bool{}
	tcall := regexp.MustCompile(`\bt "((?:[^"\\]|\\.)*)"`)
	fs.WalkDir(assets, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(assets, path)
		for _, m := range tcall.FindAllStringSubmatch(string(b), -1) {
			s, err := strconv.Unquote(`"` + m[1] + `"`)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			set[s] = true
		}
		return nil
	})
	for _, s := range sections {
		set[s.Label], set[s.Lead] = true, true
		for _, w := range s.Will {
			set[w] = true
		}
	}
	for _, v := range roleLabels {
		set[v] = true
	}
	for _, v := range roleHelp {
		set[v] = true
	}
	for _, v := range notices {
		set[v] = true
	}
	set["Settings"], set["Audit log"], set["Something went wrong"] = true, true, true
	for _, v := range auditLabels {
		set[v] = true
	}
	for _, v := range errorTitles {
		set[v] = true
	}
	for _, v := range deliveryLabels {
		set[v] = true
	}
	for _, v := range severityLabels {
		set[v] = true
	}
	for _, v := range inboxLabels {
		set[v] = true
	}
	// The website audit's findings and fixes.
	for _, v := range siteaudit.Messages() {
		set[v] = true
	}
	for _, v := range profileaudit.Messages {
		set[v] = true
	}
	for _, v := range query.Messages() {
		set[v] = true
	}
	for _, v := range append(slices.Clone(monthNames), weekdayNames...) {
		set[v] = true
	}
	for _, v := range []any{"", false, 0, []string{}, struct{}{}} {
		set[jsonKind(reflect.TypeOf(v))] = true
	}

	// Go source: error formats and page titles.
	goMsg := regexp.MustCompile(`(?:Errorf\((?:"[^"]*"|[^,"]+),|FieldError\("[^"]*",|Title: |i18n\.T\([^,"()]+,|\b(?:problem|warn)\()\s*("(?:[^"\\]|\\.)*")`)
	root := filepath.Join("..", "..")
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == "data") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		if strings.Contains(path, string(filepath.Separator)+"cli"+string(filepath.Separator)) ||
			strings.Contains(path, string(filepath.Separator)+"config"+string(filepath.Separator)) {
			return nil // command-line messages are in English
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range goMsg.FindAllStringSubmatch(string(b), -1) {
			s, err := strconv.Unquote(m[1])
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			set[s] = true
		}
		return nil
	})
	out := make([]string, 0, len(set))
	for s := range set {
		if s != "" {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func TestEveryMessageHasItsItalianTranslation(t *testing.T) {
	msgs := messagesInUse(t)
	if len(msgs) < 100 {
		t.Fatalf("found only %d messages: the extraction is broken", len(msgs))
	}
	var missing []string
	for _, m := range msgs {
		if !i18n.Has(m) {
			missing = append(missing, strconv.Quote(m))
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d messages have no Italian translation in internal/i18n/italian.go:\n%s", len(missing), strings.Join(missing, "\n"))
	}
}

func TestTranslationsKeepTheirFormatVerbs(t *testing.T) {
	verb := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)
	for _, m := range messagesInUse(t) {
		it := i18n.T(i18n.IT, m)
		if a, b := verb.FindAllString(m, -1), verb.FindAllString(it, -1); strings.Join(a, ",") != strings.Join(b, ",") {
			t.Errorf("%q: verbs %v in English but %v in Italian %q", m, a, b, it)
		}
	}
}

func TestNoTranslationIsLeftOver(t *testing.T) {
	used := map[string]bool{}
	for _, m := range messagesInUse(t) {
		used[m] = true
	}
	var unused []string
	for _, m := range i18n.Messages() {
		if !used[m] {
			unused = append(unused, strconv.Quote(m))
		}
	}
	sort.Strings(unused)
	if len(unused) > 0 {
		t.Fatalf("%d Italian translations are for messages nothing shows any more; remove them:\n%s", len(unused), strings.Join(unused, "\n"))
	}
}
