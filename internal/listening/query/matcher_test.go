package query

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

// A small vocabulary, so that random queries and posts often share words:
// accents, elisions, hyphens, prefixes of each other, ideographs.
var (
	propWords   = []string{"caffè", "caffe", "Rossi", "buono", "lavoro", "tè", "coffee", "good", "bar", "perché", "l'acqua", "acqua", "Milano", "caffettiera", "cafferoma", "coca-cola", "cola", "東京", "and", "the", "rossissimo", "buonissimo"}
	propStems   = []string{"caffè", "Rossi", "buono", "lavoro", "coffee", "Milano", "caffettiera", "cafferoma", "perché", "rossissimo", "buonissimo", "acqua"}
	propHandles = []string{"mario.rossi", "anna", "anna@mastodon.social", "caffe.rossi.it", "mario", "Annabella"}
	propHosts   = []string{"corriere.it", "milano.corriere.it", "www.corriere.it", "caffè.it", "example.com", "notcorriere.it"}
	propPaths   = []string{"", "/", "/economia", "/economia/caffe", "/esteri", "/Economia?x=1"}
	propLangs   = []string{"it", "en", "en-US", "it,en", "", "pt_BR"}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// genAtom writes a random term, phrase or field.
func genAtom(r *rand.Rand) string {
	switch r.IntN(12) {
	case 0, 1, 2:
		return pick(r, propWords)
	case 3:
		w := []rune(pick(r, propStems))
		n := min(len(w), 3+r.IntN(3))
		return string(w[:n]) + "*"
	case 4:
		return `"` + pick(r, propWords) + " " + pick(r, propWords) + `"`
	case 5:
		return "#" + pick(r, propWords)
	case 6:
		return "@" + pick(r, propHandles)
	case 7:
		return "@" + pick(r, []string{"mar*", "ann*", "caffe.r*"})
	case 8:
		return "author:" + pick(r, propHandles)
	case 9:
		return "site:" + pick(r, propHosts)
	case 10:
		return "url:" + pick(r, propHosts) + pick(r, propPaths)
	}
	return "lang:" + pick(r, []string{"it", "en", "en-us", "pt-br"})
}

// genPositional writes something that can be a side of NEAR.
func genPositional(r *rand.Rand, depth int) string {
	if depth <= 0 || r.IntN(2) == 0 {
		for {
			a := genAtom(r)
			if !strings.Contains(a, ":") {
				return a
			}
		}
	}
	if r.IntN(2) == 0 {
		return "(" + genPositional(r, depth-1) + " OR " + genPositional(r, depth-1) + ")"
	}
	return "(" + genNear(r, depth-1) + ")"
}

func genNear(r *rand.Rand, depth int) string {
	op := pick(r, []string{"NEAR", "ONEAR"})
	return fmt.Sprintf("%s %s/%d %s", genPositional(r, depth), op, r.IntN(4), genPositional(r, depth))
}

// genQuery writes a random query of the given depth.
func genQuery(r *rand.Rand, depth int) string {
	if depth <= 0 || r.IntN(4) == 0 {
		return genAtom(r)
	}
	sub := func() string { return "(" + genQuery(r, depth-1) + ")" }
	switch r.IntN(7) {
	case 0:
		return sub() + " " + sub()
	case 1:
		return sub() + " AND " + sub()
	case 2:
		return sub() + " OR " + sub() + " OR " + sub()
	case 3:
		return "NOT " + sub()
	case 4:
		return sub() + " NOT " + sub()
	case 5:
		return genNear(r, depth)
	}
	return genAtom(r) + " OR " + genAtom(r) + " " + genAtom(r)
}

// genPost writes a random post over the same vocabulary.
func genPost(r *rand.Rand) Post {
	var b strings.Builder
	n := 1 + r.IntN(15)
	for i := 0; i < n; i++ {
		switch r.IntN(10) {
		case 0:
			b.WriteString("#" + pick(r, propWords))
		case 1:
			b.WriteString("@" + pick(r, propHandles))
		case 2:
			b.WriteString("https://" + pick(r, propHosts) + pick(r, propPaths))
		case 3:
			b.WriteString(pick(r, []string{",", ".", "!", "…", "-", "'"}))
		default:
			b.WriteString(pick(r, propWords))
		}
		b.WriteString(pick(r, []string{" ", " ", " ", ", ", "\n"}))
	}
	p := Post{Text: b.String(), Lang: pick(r, propLangs)}
	if r.IntN(2) == 0 {
		p.Author = pick(r, []string{"", "@"}) + pick(r, propHandles)
	}
	if r.IntN(2) == 0 {
		p.URL = "https://" + pick(r, propHosts) + pick(r, propPaths)
	}
	for i := r.IntN(3); i > 0; i-- {
		p.Links = append(p.Links, "http://"+pick(r, propHosts)+pick(r, propPaths))
	}
	return p
}

// naiveMatch is the reference: every query's own Match.
func naiveMatch(queries map[string]*Query, p Post) []string {
	var ids []string
	for id, q := range queries {
		if q.Match(p) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// TestMatcherAgreesWithQueries is the property that makes the Matcher
// trustworthy: on random queries and posts it reports exactly the queries
// whose own Match is true. A key chosen wrongly by the candidate filter
// shows up here as a missing id.
func TestMatcherAgreesWithQueries(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	queries := map[string]*Query{}
	for len(queries) < 300 {
		s := genQuery(r, 3)
		q, err := Parse(s)
		if err != nil {
			t.Fatalf("generated query %q does not parse: %v", s, err)
		}
		queries[fmt.Sprintf("q%03d", len(queries))] = q
	}
	m := Compile(queries)
	st := m.Stats()
	if st.Fallback == 0 || st.Fallback > st.Queries/2 {
		t.Errorf("fallback queries = %d of %d: the generator should make a few, the filter should key most", st.Fallback, st.Queries)
	}

	var matched, pairs int
	var dst []string
	for i := 0; i < 2000; i++ {
		p := genPost(r)
		want := naiveMatch(queries, p)
		dst = m.Match(p, dst[:0])
		if !slices.Equal(dst, want) {
			missing, extra := diff(want, dst)
			for _, id := range missing {
				t.Errorf("post %+v: Matcher missed %s = %s", p, id, queries[id])
			}
			for _, id := range extra {
				t.Errorf("post %+v: Matcher reported %s = %s, which does not match", p, id, queries[id])
			}
			if t.Failed() {
				t.FailNow()
			}
		}
		matched += len(want)
		pairs += len(queries)
	}
	// Both outcomes must be common, or the comparison proves little.
	if frac := float64(matched) / float64(pairs); frac < 0.05 || frac > 0.8 {
		t.Errorf("%.1f%% of query-post pairs matched; the generators need tuning", 100*frac)
	}
}

func diff(want, got []string) (missing, extra []string) {
	for _, id := range want {
		if !slices.Contains(got, id) {
			missing = append(missing, id)
		}
	}
	for _, id := range got {
		if !slices.Contains(want, id) {
			extra = append(extra, id)
		}
	}
	return missing, extra
}

func TestMatcherBasics(t *testing.T) {
	m := Compile(map[string]*Query{
		"b-caffe": MustParse("caffè"),
		"a-rossi": MustParse("rossi"),
		"c-nil":   nil,
		"d-not":   MustParse("NOT tè"),
	})
	t.Run("sorted ids, nil skipped", func(t *testing.T) {
		got := m.Match(text("caffè Rossi"), nil)
		if want := []string{"a-rossi", "b-caffe", "d-not"}; !slices.Equal(got, want) {
			t.Errorf("Match = %v, want %v", got, want)
		}
	})
	t.Run("appends to dst", func(t *testing.T) {
		got := m.Match(text("caffè"), []string{"before"})
		if want := []string{"before", "b-caffe", "d-not"}; !slices.Equal(got, want) {
			t.Errorf("Match = %v, want %v", got, want)
		}
	})
	t.Run("nothing matches", func(t *testing.T) {
		if got := m.Match(text("un tè"), nil); len(got) != 0 {
			t.Errorf("Match = %v, want none", got)
		}
	})
	t.Run("stats", func(t *testing.T) {
		st := m.Stats()
		if st.Queries != 3 || st.Distinct != 3 || st.Fallback != 1 || st.Keys != 2 || st.Patterns != 2 {
			t.Errorf("Stats = %+v, want 3 queries, 3 distinct, 1 fallback, 2 keys, 2 patterns", st)
		}
	})
	t.Run("empty matcher", func(t *testing.T) {
		if got := Compile(nil).Match(text("caffè"), nil); len(got) != 0 {
			t.Errorf("Match = %v, want none", got)
		}
	})
	t.Run("field-only matcher", func(t *testing.T) {
		m := Compile(map[string]*Query{"it": MustParse("lang:it"), "site": MustParse("site:corriere.it")})
		got := m.Match(Post{Lang: "it-IT", URL: "https://www.corriere.it/x"}, nil)
		if want := []string{"it", "site"}; !slices.Equal(got, want) {
			t.Errorf("Match = %v, want %v", got, want)
		}
	})
}

// TestRequirements checks what the filter keys queries on: the first
// requirement (the most selective) anchors the query, the others are checked
// before evaluating it. Each requirement is written as its keys joined by |.
func TestRequirements(t *testing.T) {
	cases := []struct {
		query string
		want  []string
	}{
		{"caffè", []string{"caffe"}},
		{`"il caffè"`, []string{"caffe", "il"}},
		{`"caffè caffè"`, []string{"caffe"}},
		{"il caffettiera", []string{"caffettiera", "il"}},
		{"tè OR caffè", []string{"te|caffe"}},
		{"caffè NOT lavoro", []string{"caffe"}},
		{"NOT lavoro", nil},
		{"caffè OR NOT lavoro", nil},
		{"caffè lang:it", []string{"caffe", "it"}},
		{"lang:it", []string{"it"}},
		{"lang:en-us", []string{"en"}},
		{"site:corriere.it caffè", []string{"corriere.it", "caffe"}},
		{"caff* NEAR/2 buonissimo", []string{"buonissimo", "caff*"}},
		{"#caffe OR @mario", []string{"#caffe|@mario"}},
		{"verde* AND (caffè OR coffee)", []string{"verde*", "caffe|coffee"}},
		{"caf* AND (caffè OR coffee)", []string{"caffe|coffee", "caf*"}},
		{`(tè OR "caffè rossi") milano`, []string{"milano", "te|caffe", "te|rossi"}},
		{`"taea caffè" OR taeacaffe`, []string{"caffe|taeacaffe", "taea|taeacaffe"}},
		{"(a b c d) OR (e f g h)", []string{"a|e"}},
		{"url:www.corriere.it/economia/", []string{"corriere.it/economia"}},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			reqs := requirements(MustParse(tc.query).root)
			sortByCost(reqs)
			var got []string
			for _, r := range reqs {
				var keys []string
				for _, k := range r.keys {
					if k.text {
						keys = append(keys, k.w.String())
					} else {
						keys = append(keys, k.value)
					}
				}
				got = append(got, strings.Join(keys, "|"))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("requirements(%q) = %v, want %v", tc.query, got, tc.want)
			}
		})
	}
}

// TestMatcherSkipsCandidates checks that the requirements do their job: a
// post containing the anchor but not the other requirements is not
// evaluated, and identical queries are evaluated once.
func TestMatcherSkipsCandidates(t *testing.T) {
	m := Compile(map[string]*Query{
		"a": MustParse("caffè NEAR/2 buonissimo"),
		"b": MustParse("caffè NEAR/2 buonissimo"),
		"c": MustParse("Caffè NEAR/2 Buonissimo"),
	})
	if st := m.Stats(); st.Distinct != 1 {
		t.Fatalf("Stats = %+v, want 1 distinct query", st)
	}
	cases := []struct {
		text      string
		evaluated int
		ids       []string
	}{
		{"buonissimo il pane", 0, nil},
		{"buonissimo il pane, e poi il caffè", 1, nil},
		{"un caffè buonissimo", 1, []string{"a", "b", "c"}},
	}
	for _, tc := range cases {
		got, evaluated := m.match(text(tc.text), nil)
		if evaluated != tc.evaluated || !slices.Equal(got, tc.ids) {
			t.Errorf("%q: %v with %d evaluated, want %v with %d", tc.text, got, evaluated, tc.ids, tc.evaluated)
		}
	}
}

func TestMatcherConcurrent(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	queries := map[string]*Query{}
	for len(queries) < 100 {
		queries[fmt.Sprint(len(queries))] = MustParse(genQuery(r, 2))
	}
	posts := make([]Post, 200)
	want := make([][]string, len(posts))
	for i := range posts {
		posts[i] = genPost(r)
		want[i] = naiveMatch(queries, posts[i])
	}
	m := Compile(queries)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var dst []string
			for i := range posts {
				dst = m.Match(posts[i], dst[:0])
				if !slices.Equal(dst, want[i]) {
					errs <- fmt.Sprintf("post %d: got %v, want %v", i, dst, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
