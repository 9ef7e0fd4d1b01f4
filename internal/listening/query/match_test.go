package query

import (
	"strings"
	"testing"
)

// text is a post with only text.
func text(s string) Post { return Post{Text: s} }

// matchCase is one query against one post. Every case also runs through a
// Matcher holding that query among others, which must agree.
type matchCase struct {
	name  string
	query string
	post  Post
	want  bool
}

func runMatchCases(t *testing.T, cases []matchCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Parse(tc.query)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.query, err)
			}
			if got := q.Match(tc.post); got != tc.want {
				t.Errorf("Parse(%q).Match(%+v) = %v, want %v (canonical %s)", tc.query, tc.post, got, tc.want, q)
			}
			m := Compile(map[string]*Query{
				"case":  q,
				"other": MustParse("zzzunrelated"),
				"not":   MustParse("NOT zzzunrelated"),
			})
			got := m.Match(tc.post, nil)
			wantIDs := []string{"not"}
			if tc.want {
				wantIDs = []string{"case", "not"}
			}
			if !equalStrings(got, wantIDs) {
				t.Errorf("Matcher.Match = %v, want %v", got, wantIDs)
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMatchTerms(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"case is ignored", "Caffè", text("Ho bevuto un CAFFÈ"), true},
		{"accent folded in the post", "perche", text("Perché no?"), true},
		{"accent folded in the query", "perché", text("perche no"), true},
		{"decomposed accent in the post", "caffe", text("un caffe\u0300 al bar"), true},
		{"whole words only", "caffe", text("una caffettiera nuova"), false},
		{"word inside a longer word", "rossi", text("i rossiniani"), false},
		{"English word", "coffee", text("I love Coffee!"), true},
		{"apostrophe splits Italian elision", "acqua", text("l'acqua è fresca"), true},
		{"elided term is a phrase", "l'acqua", text("L’ACQUA minerale"), true},
		{"hyphenated term is a phrase", "coca-cola", text("Una Coca Cola fresca"), true},
		{"hyphenated term needs the order", "coca-cola", text("cola e coca"), false},
		{"ligature folded", "fine", text("the ﬁne print"), true},
		{"digits are words", "2024", text("Bilancio 2024: utili in crescita"), true},
		{"absent word", "tè", text("solo caffè"), false},
		{"ideographs are one word each", "東京", text("東京タワーに行った"), true},
		{"ideographs in order", "東京", text("京東"), false},
		{"words of links in text are not words", "corriere", text("leggi https://www.corriere.it/economia"), false},
		{"words around a link still count", "leggi", text("leggi https://www.corriere.it/economia"), true},
	})
}

func TestMatchOperators(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"implicit AND, both", "caffè rossi", text("Rossi fa un ottimo caffè"), true},
		{"implicit AND, one missing", "caffè rossi", text("un ottimo caffè"), false},
		{"explicit AND", "coffee AND milk", text("milk in my coffee"), true},
		{"explicit AND, one missing", "coffee AND milk", text("black coffee"), false},
		{"OR, first", "tè OR caffè", text("un tè caldo"), true},
		{"OR, second", "tè OR caffè", text("un caffè caldo"), true},
		{"OR, neither", "tè OR caffè", text("una cioccolata calda"), false},
		{"NOT excludes", "caffè NOT lavoro", text("un caffè al lavoro"), false},
		{"NOT keeps", "caffè NOT lavoro", text("un caffè al bar"), true},
		{"AND NOT is the same as NOT", "caffè AND NOT lavoro", text("un caffè al lavoro"), false},
		{"NOT alone matches posts without the word", "NOT spam", text("ciao a tutti"), true},
		{"NOT alone excludes the word", "NOT spam", text("this is spam"), false},
		{"double NOT", "NOT NOT spam", text("this is spam"), true},
		{"lower-case and is a word", "rock and roll", text("rock and roll"), true},
		{"lower-case and must be there", "rock and roll", text("rock, roll"), false},
		{"lower-case not is a word", "caffè not lavoro", text("caffè al lavoro"), false},
		{"AND binds tighter than OR, left alone", "tè OR caffè rossi", text("un tè"), true},
		{"AND binds tighter than OR, right needs both", "tè OR caffè rossi", text("un caffè"), false},
		{"AND binds tighter than OR, right with both", "tè OR caffè rossi", text("caffè Rossi"), true},
		{"parentheses override", "(tè OR caffè) rossi", text("un caffè"), false},
		{"parentheses, both", "(tè OR caffè) rossi", text("tè Rossi"), true},
		{"NOT binds tighter than AND", "caffè NOT bar rossi", text("caffè Rossi"), true},
		{"NOT binds tighter than AND, excluded", "caffè NOT bar rossi", text("caffè Rossi al bar"), false},
		{"NOT of a group", "caffè NOT (bar OR lavoro)", text("caffè al lavoro"), false},
		{"NEAR binds tighter than AND", "ottimo caffè NEAR/1 rossi", text("ottimo: Rossi fa il caffè"), false},
		{"NEAR binds tighter than AND, near", "ottimo caffè NEAR/1 rossi", text("ottimo il caffè Rossi"), true},
		{"NEAR binds tighter than OR", "tè OR caffè NEAR/1 rossi", text("tè"), true},
		{"NOT binds tighter than OR", "tè OR NOT caffè", text("caffè"), false},
		// The example from the issue: the NOT applies to the wildcard
		// branch only, as NOT and AND bind tighter than OR.
		{"example, phrase", `"Caffè Rossi" OR caffero* NOT lavoro`, text("Adoro il Caffè Rossi!"), true},
		{"example, phrase with lavoro", `"Caffè Rossi" OR caffero* NOT lavoro`, text("Caffè Rossi al lavoro"), true},
		{"example, wildcard", `"Caffè Rossi" OR caffero* NOT lavoro`, text("La Cafferoma apre a Milano"), true},
		{"example, wildcard with lavoro", `"Caffè Rossi" OR caffero* NOT lavoro`, text("cafferoma al lavoro"), false},
		{"example, neither", `"Caffè Rossi" OR caffero* NOT lavoro`, text("caffè e poi Rossi"), false},
	})
}

func TestMatchPhrasesAndNear(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"phrase", `"caffè rossi"`, text("Il Caffè Rossi di Milano"), true},
		{"phrase needs the order", `"caffè rossi"`, text("Rossi caffè"), false},
		{"phrase needs adjacency", `"caffè rossi"`, text("caffè e Rossi"), false},
		{"phrase across punctuation", `"caffè rossi"`, text("caffè, Rossi!"), true},
		{"phrase over hashtags", `"caffè rossi"`, text("#caffe #rossi"), true},
		{"phrase with operators inside is words", `"rock AND roll"`, text("rock and roll"), true},
		{"one-word phrase", `"caffè"`, text("un caffè"), true},
		{"English phrase", `"customer service"`, text("Worst customer service ever"), true},

		{"NEAR within", "caffè NEAR/2 buono", text("il caffè è molto buono"), true},
		{"NEAR too far", "caffè NEAR/2 buono", text("il caffè è davvero molto buono"), false},
		{"NEAR either order", "caffè NEAR/2 buono", text("buono il caffè"), true},
		{"NEAR/0 is adjacent", "caffè NEAR/0 buono", text("caffè buono"), true},
		{"NEAR/0 not adjacent", "caffè NEAR/0 buono", text("caffè molto buono"), false},
		{"ONEAR in order", "caffè ONEAR/2 buono", text("caffè davvero buono"), true},
		{"ONEAR wrong order", "caffè ONEAR/2 buono", text("buono il caffè"), false},
		{"NEAR with phrase", `"caffè rossi" NEAR/1 ottimo`, text("ottimo il caffè Rossi"), true},
		{"NEAR with phrase counts from its end", `"caffè rossi" NEAR/1 ottimo`, text("caffè Rossi davvero molto ottimo"), false},
		{"NEAR with OR groups", "(caffè OR tè) NEAR/1 (buono OR ottimo)", text("un tè ottimo"), true},
		{"NEAR with OR groups, too far", "(caffè OR tè) NEAR/1 (buono OR ottimo)", text("tè che non è ottimo"), false},
		{"NEAR needs two different words", "caffè NEAR/3 caffè", text("un caffè"), false},
		{"NEAR same word twice", "caffè NEAR/3 caffè", text("caffè, caffè!"), true},
		{"NEAR chain", "service NEAR/1 bad NEAR/1 really", text("really bad service"), true},
		{"NEAR chain, far", "service NEAR/1 bad NEAR/1 really", text("service was bad, and I really"), false},
		{"NEAR with wildcard", "caff* NEAR/1 buon*", text("caffettiera buonissima"), true},
		{"NEAR with hashtag", "#caffe NEAR/1 buono", text("#Caffè buono"), true},
	})
}

func TestMatchWildcardsHashtagsMentions(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"wildcard", "caff*", text("Una caffettiera"), true},
		{"wildcard matches the stem itself", "caff*", text("caff"), true},
		{"wildcard needs the stem", "caff*", text("un caf"), false},
		{"wildcard ignores accents", "caffe*", text("CAFFÈ"), true},
		{"wildcard at word start only", "caff*", text("scaffale"), false},
		{"wildcard in a phrase", `"caffè ross*"`, text("caffè rossissimo"), true},
		{"wildcard matches hashtags", "caff*", text("#caffeitalia"), true},

		{"hashtag", "#caffè", text("Buongiorno #Caffe"), true},
		{"hashtag does not match the word", "#caffè", text("Buongiorno caffè"), false},
		{"plain term matches the hashtag", "caffè", text("Buongiorno #caffè"), true},
		{"hashtag is a whole tag", "#caffe", text("#CaffeItalia"), false},
		{"hashtag wildcard", "#caff*", text("#CaffeItalia"), true},
		{"hashtag wildcard needs a hashtag", "#caff*", text("caffeitalia"), false},
		{"hashtag with underscore", "#caffe_rossi", text("#Caffe_Rossi"), true},
		{"hash after a word is not a hashtag", "#sharp", text("C#sharp"), false},
		{"fullwidth hash", "#caffe", text("＃caffe"), true},

		{"mention", "@mario.rossi", text("grazie @Mario.Rossi!"), true},
		{"mention at sentence end", "@mario.rossi", text("grazie @mario.rossi."), true},
		{"mention is the whole handle", "@mario.rossi", text("ciao @mario.rossi.it"), false},
		{"mention needs the @", "@mario.rossi", text("mario.rossi"), false},
		{"plain term does not match a mention", "mario", text("ciao @mario"), false},
		{"email is not a mention", "@example.com", text("scrivi a info@example.com"), false},
		{"fediverse mention by user", "@anna", text("ciao @anna@mastodon.social"), true},
		{"fediverse mention in full", "@anna@mastodon.social", text("ciao @Anna@Mastodon.social"), true},
		{"fediverse mention, other user", "@anna", text("ciao @annabella@mastodon.social"), false},
		{"mention wildcard", "@mario*", text("ciao @mario.rossi"), true},
	})
}

func TestMatchFields(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"author", "author:mario.bsky.social", Post{Author: "Mario.bsky.social"}, true},
		{"author with @", "author:@mario.bsky.social", Post{Author: "mario.bsky.social"}, true},
		{"author other", "author:mario.bsky.social", Post{Author: "maria.bsky.social"}, false},
		{"author fediverse user", "author:anna", Post{Author: "@anna@mastodon.social"}, true},
		{"author fediverse prefix is not enough", "author:ann", Post{Author: "anna@mastodon.social"}, false},
		{"author and word", "author:anna caffè", Post{Author: "anna", Text: "un caffè"}, true},

		{"site host", "site:corriere.it", Post{URL: "https://corriere.it/"}, true},
		{"site subdomain", "site:corriere.it", Post{URL: "https://milano.corriere.it/cronaca/x"}, true},
		{"site in links", "site:corriere.it", Post{Links: []string{"https://example.com", "http://www.Corriere.it/a"}}, true},
		{"site in text link", "site:corriere.it", text("leggi https://www.corriere.it/economia/x"), true},
		{"site is not a suffix of a label", "site:corriere.it", Post{Links: []string{"https://notcorriere.it/"}}, false},
		{"site subdomain query", "site:milano.corriere.it", Post{URL: "https://corriere.it/"}, false},
		{"site ignores port and user", "site:example.com", Post{URL: "https://user@example.com:8443/x"}, true},
		{"site internationalised", "site:caffè.it", Post{URL: "https://xn--caff-8oa.it/menu"}, true},
		{"site internationalised link", "site:xn--caff-8oa.it", Post{URL: "https://Caffè.it/menu"}, true},

		{"url prefix", "url:corriere.it/economia", Post{Links: []string{"https://www.Corriere.it/economia/articolo"}}, true},
		{"url other path", "url:corriere.it/economia", Post{Links: []string{"https://corriere.it/esteri/x"}}, false},
		{"url needs the whole host", "url:corriere.it/economia", Post{Links: []string{"https://milano.corriere.it/economia"}}, false},
		{"url with scheme in the query", "url:https://www.corriere.it/economia", Post{URL: "http://corriere.it/economia/"}, true},
		{"url host only", "url:corriere.it", Post{URL: "https://corriere.it"}, true},
		{"url matches whole segments", "url:corriere.it/economia", Post{URL: "https://corriere.it/economiaxyz"}, false},
		{"url followed by a query string", "url:corriere.it/economia", Post{URL: "https://corriere.it/economia?page=2"}, true},
		{"url exact", "url:corriere.it/economia/", Post{URL: "https://corriere.it/economia"}, true},
		{"url quoted", `url:"corriere.it/a(b)"`, Post{URL: "https://corriere.it/a(b)/c"}, true},

		{"lang", "lang:it", Post{Lang: "it"}, true},
		{"lang region", "lang:it", Post{Lang: "it-IT"}, true},
		{"lang other", "lang:it", Post{Lang: "en"}, false},
		{"lang with region query", "lang:en-us", Post{Lang: "en-US"}, true},
		{"lang with region query, other region", "lang:en-us", Post{Lang: "en-GB"}, false},
		{"lang list", "lang:it", Post{Lang: "en,it"}, true},
		{"lang underscore", "lang:pt-br", Post{Lang: "pt_BR"}, true},
		{"lang and word", "caffè lang:it", Post{Lang: "it", Text: "un caffè"}, true},
		{"lang and word, other lang", "caffè lang:it", Post{Lang: "en", Text: "un caffè"}, false},
		{"NOT field", "caffè NOT site:ads.example", Post{Text: "caffè", URL: "https://x.ads.example/"}, false},
	})
}

func TestString(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"folded", "Perché", "perche"},
		{"implicit AND", "caffè rossi", "caffe AND rossi"},
		{"NOT after term", "caffè NOT lavoro", "caffe AND NOT lavoro"},
		{"AND inside OR in parentheses", `"Caffè Rossi" OR caffero* NOT lavoro`, `"caffe rossi" OR (caffero* AND NOT lavoro)`},
		{"needed parentheses kept", "(a OR b) c", "(a OR b) AND c"},
		{"useless parentheses dropped", "((a)) AND (b AND c)", "a AND b AND c"},
		{"OR flattened", "a OR (b OR c)", "a OR b OR c"},
		{"separators make a phrase", "coca-cola", `"coca cola"`},
		{"one-word phrase", `"caffè"`, "caffe"},
		{"NEAR", "(a OR b) NEAR/3 c", "(a OR b) NEAR/3 c"},
		{"NEAR chain grouped", "a NEAR/1 b ONEAR/2 c", "(a NEAR/1 b) ONEAR/2 c"},
		{"NEAR inside AND", "x a NEAR/1 b", "x AND a NEAR/1 b"},
		{"NOT of group", "NOT (a OR b)", "NOT (a OR b)"},
		{"hashtag, mention, wildcard", "#Caffè @Mario.Rossi caff*", "#caffe AND @mario.rossi AND caff*"},
		{"fields normalised", "Site:WWW.Corriere.it author:@Anna lang:en_US url:https://www.x.it/A", "site:www.corriere.it AND author:anna AND lang:en-us AND url:x.it/a"},
		{"url host only", "url:x.it/", "url:x.it"},
		{"url trailing slash dropped", "url:x.it/a/", "url:x.it/a"},
		{"url quoted when needed", `url:"x.it/a b"`, `url:"x.it/a b"`},
		{"internationalised site shown in Unicode", "site:xn--caff-8oa.it", "site:caffè.it"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			got := q.String()
			if got != tc.want {
				t.Errorf("Parse(%q).String() = %q, want %q", tc.in, got, tc.want)
			}
			again, err := Parse(got)
			if err != nil {
				t.Fatalf("canonical form %q does not parse: %v", got, err)
			}
			if again.String() != got {
				t.Errorf("canonical form is not stable: %q became %q", got, again.String())
			}
		})
	}
}

// TestNearSpansBounded checks that NEARs on a long post repeating their
// words keep a bounded number of positions (40 × 40 pairs here), and that a
// nested NEAR on it still matches.
func TestNearSpansBounded(t *testing.T) {
	var words []string
	for i := 0; i < 40; i++ {
		words = append(words, "caffè", "buono")
	}
	var d doc
	d.prepare(text(strings.Join(words, " ")))
	near := MustParse("caffè NEAR/100 buono")
	// A literal, not maxSpans, so that raising the bound fails here.
	if spans := near.root.appendSpans(&d, nil); len(spans) == 0 || len(spans) > 256 {
		t.Errorf("%d spans, want between 1 and 256", len(spans))
	}
	nested := MustParse("((caffè NEAR/100 buono) NEAR/100 (buono NEAR/100 caffè)) NEAR/100 (caffè OR buono)")
	if !nested.root.match(&d) {
		t.Error("the nested NEAR does not match")
	}
}
