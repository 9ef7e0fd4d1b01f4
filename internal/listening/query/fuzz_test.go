package query

import (
	"errors"
	"slices"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	`"Caffè Rossi" OR caffero* NOT lavoro`,
	`(rossi OR #cafferossi) NEAR/3 (buono OR ottimo) lang:it`,
	`@caffe.rossi.it OR site:cafferossi.it OR url:corriere.it/economia`,
	`a ONEAR/0 b NEAR/2 "c d*"`,
	`author:"anna@mastodon.social" NOT (spam OR giveaway)`,
	`NOT NOT (a AND (b OR c))`,
	`(((a`, `a AND`, `"unclosed`, `ca*`, `autor:x`, `東京 OR perché`,
	"caff\u0065\u0301", "\xff\xfe", `url:"x.it/a b"`, `site:caffè.it`,
}

// FuzzParse checks that Parse never panics, that every error is a
// *SyntaxError pointing inside the query, and that the canonical form of
// every query parses back to itself.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): error %v is a %T", s, err, err)
			}
			if se.Pos < 0 || se.Pos > len(s) {
				t.Fatalf("Parse(%q): position %d out of range", s, se.Pos)
			}
			if want := utf8.RuneCountInString(s[:se.Pos]) + 1; se.Col != want {
				t.Fatalf("Parse(%q): column %d, want %d for byte %d", s, se.Col, want, se.Pos)
			}
			if se.Msg == "" {
				t.Fatalf("Parse(%q): empty message", s)
			}
			return
		}
		c := q.String()
		q2, err := Parse(c)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", c, s, err)
		}
		if c2 := q2.String(); c2 != c {
			t.Fatalf("canonical form of %q is not stable: %q then %q", s, c, c2)
		}
	})
}

// FuzzMatcher checks that a Matcher holding the fuzzed query among others
// reports it exactly when the query's own Match does, and that matching is
// the same for the canonical form.
func FuzzMatcher(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, "Adoro il Caffè Rossi! #cafferossi @mario.rossi https://www.corriere.it/economia/x", "anna@mastodon.social", "it")
	}
	others := map[string]*Query{
		"other": MustParse("rossi OR #caffe"),
		"not":   MustParse("NOT zzz"),
	}
	f.Fuzz(func(t *testing.T, query, text, author, lang string) {
		q, err := Parse(query)
		if err != nil {
			return
		}
		p := Post{Text: text, Author: author, Lang: lang, Links: []string{text}}
		queries := map[string]*Query{"fuzz": q}
		for id, o := range others {
			queries[id] = o
		}
		got := Compile(queries).Match(p, nil)
		if want := naiveMatch(queries, p); !slices.Equal(got, want) {
			t.Fatalf("query %q (%s), post %+v: Matcher %v, Query.Match %v", query, q, p, got, want)
		}
		if c := MustParse(q.String()); c.Match(p) != q.Match(p) {
			t.Fatalf("query %q and its canonical form %q disagree on %+v", query, q, p)
		}
	})
}
