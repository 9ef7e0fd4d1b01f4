package query

import (
	"errors"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	deep := strings.Repeat("(", maxDepth+1) + "a" + strings.Repeat(")", maxDepth+1)
	cases := []struct {
		name  string
		query string
		pos   int    // byte offset
		col   int    // rune column, from 1
		msg   string // part of the message
	}{
		{"empty", "", 0, 1, "the query is empty"},
		{"only spaces", "   ", 0, 1, "the query is empty"},
		{"dangling AND", "caffè AND", 7, 7, "AND needs a term after it"},
		{"dangling AND after accents", "perché così AND", 14, 13, "AND needs a term after it"},
		{"leading AND", "AND caffè", 0, 1, "AND needs a term before it"},
		{"two ORs in a row", "caffè OR OR tè", 10, 10, "OR needs a term before it: remove one of the two operators"},
		{"AND then OR", "a AND OR b", 6, 7, "OR needs a term before it"},
		{"dangling OR before )", "a OR (b OR)", 8, 9, "OR needs a term after it"},
		{"dangling NOT", "caffè NOT", 7, 7, "NOT needs a term after it"},
		{"unclosed parenthesis", "(caffè OR tè", 0, 1, "this ( is never closed"},
		{"inner unclosed parenthesis", "a (b OR (c)", 2, 3, "this ( is never closed"},
		{"unopened parenthesis", "caffè) rossi", 6, 6, "this ) has no matching ("},
		{"unopened parenthesis at start", ") a", 0, 1, "this ) has no matching ("},
		{"empty parentheses", "a ()", 3, 4, "empty parentheses"},
		{"unclosed quote", `caffè "tè freddo`, 7, 7, "this quote is never closed"},
		{"empty phrase", `caffè ""`, 7, 7, "empty phrase"},
		{"phrase of punctuation", `"!!"`, 1, 2, "no letters or digits"},
		{"term of punctuation", "caffè !!!", 7, 7, "no letters or digits"},
		{"wildcard too short", "perché ca*", 8, 8, "at least 3 letters"},
		{"wildcard too short in phrase", `"caffè ca* rossi"`, 8, 8, "at least 3 letters"},
		{"wildcard too short in hashtag", "#ca*", 0, 1, "at least 3 letters"},
		{"wildcard inside a word", "c*ffè", 1, 2, "* is only allowed at the end of a word"},
		{"wildcard alone", "caffè *", 7, 7, "* must follow at least 3 letters"},
		{"unknown field", "caffè autor:mario", 7, 7, `unknown field "autor:"`},
		{"link as a term", "https://corriere.it", 0, 1, "use site: or url:"},
		{"link in a phrase", `"vedi https://corriere.it"`, 6, 7, "use site: or url:"},
		{"field without value", "site:", 5, 6, "site: needs a value right after the colon"},
		{"field with space after colon", "author: mario", 7, 8, "author: needs a value"},
		{"field with empty quotes", `url:""`, 4, 5, "url: needs a value between the quotes"},
		{"field with unclosed quotes", `url:"x.it`, 4, 5, "this quote is never closed"},
		{"site with a path", "site:corriere.it/economia", 5, 6, "use url:"},
		{"site not a host", "site:a..b", 5, 6, "site: takes a host name"},
		{"lang not a code", "lang:italiano!", 5, 6, "lang: takes a language code"},
		{"author only @", "author:@", 7, 8, "author: needs a handle"},
		{"NEAR without distance", "caffè NEAR tè", 7, 7, "NEAR needs the most words allowed between"},
		{"NEAR with a bad distance", "caffè NEAR/x tè", 12, 12, "NEAR/ must be followed by a number"},
		{"NEAR too far", "a NEAR/500 b", 7, 8, "NEAR/500 is too far: at most NEAR/100"},
		{"lower-case near", "caffè near/3 tè", 7, 7, "operators are written in capitals: NEAR/3"},
		{"NEAR with AND inside", "a NEAR/3 (b c)", 9, 10, "for words next to each other write a phrase in quotes"},
		{"NEAR with NOT", "a NEAR/3 NOT b", 9, 10, "NEAR/3 can only join words"},
		{"NEAR with field on the left", "lang:it ONEAR/2 b", 0, 1, "ONEAR/2 can only join words"},
		{"NEAR with field in OR", "a NEAR/2 (b OR lang:it)", 9, 10, "NEAR/2 can only join words"},
		{"dangling NEAR", "a NEAR/2", 2, 3, "NEAR/2 needs a term after it"},
		{"leading minus", "caffè -lavoro", 7, 7, "write NOT lavoro"},
		{"too deep", deep, maxDepth, maxDepth + 1, "too many nested"},
		{"too long", strings.Repeat("a ", MaxQueryBytes), MaxQueryBytes, MaxQueryBytes + 1, "too long"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Parse(tc.query)
			if err == nil {
				t.Fatalf("Parse(%q) = %s, want an error", tc.query, q)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error %v is a %T, want *SyntaxError", tc.query, err, err)
			}
			if se.Pos != tc.pos || se.Col != tc.col {
				t.Errorf("Parse(%q): error at byte %d column %d, want byte %d column %d (%s)", tc.query, se.Pos, se.Col, tc.pos, tc.col, se.Msg)
			}
			if !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("Parse(%q): message %q does not contain %q", tc.query, se.Msg, tc.msg)
			}
		})
	}
}

func TestSyntaxErrorMessage(t *testing.T) {
	_, err := Parse("caffè AND")
	want := "query: column 7: AND needs a term after it: add one or remove the AND"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %q", err, want)
	}
}

func TestParseAccepts(t *testing.T) {
	// Things that look odd but are words or valid syntax.
	cases := []struct{ name, in, want string }{
		{"word with colon and nothing after", "Nota: caffè", "nota AND caffe"},
		{"time is words", "ore 10:30", `ore AND "10 30"`},
		{"near as a word", "near me", "near AND me"},
		{"lone minus is an error, not NOT", "caffè - tè", ""},
		{"upper-case field name", "LANG:IT", "lang:it"},
		{"quoted field value", `author:"mario.bsky.social"`, "author:mario.bsky.social"},
		{"NEAR/0", "a NEAR/0 b", "a NEAR/0 b"},
		{"NEAR/100", "a NEAR/100 b", "a NEAR/100 b"},
		{"wildcard of 3 letters", "caf*", "caf*"},
		{"operators inside parentheses", "(a AND b) OR (c AND NOT d)", "(a AND b) OR (c AND NOT d)"},
		{"tabs and newlines", "a\tOR\nb", "a OR b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Parse(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("Parse(%q) = %s, want an error", tc.in, q)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if got := q.String(); got != tc.want {
				t.Errorf("Parse(%q).String() = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestMessagesListsEveryFormat: Messages, the list translations must
// cover, holds every format the parser reports, and only those.
func TestMessagesListsEveryFormat(t *testing.T) {
	src, err := os.ReadFile("parse.go")
	if err != nil {
		t.Fatal(err)
	}
	var used []string
	for _, m := range regexp.MustCompile("errAt\\([^,]+, (\"(?:[^\"\\\\]|\\\\.)*\"|`[^`]*`)").FindAllStringSubmatch(string(src), -1) {
		lit := m[1]
		if lit[0] == '`' {
			lit = lit[1 : len(lit)-1]
		} else if lit, err = strconv.Unquote(lit); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(used, lit) {
			used = append(used, lit)
		}
	}
	slices.Sort(used)
	got := Messages()
	slices.Sort(got)
	if !slices.Equal(used, got) {
		t.Fatalf("Messages() = %q\nthe parser uses %q", got, used)
	}
}
