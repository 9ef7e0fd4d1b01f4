package query

import (
	"math/bits"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/coregx/ahocorasick"
)

// Matcher runs many queries over a stream of posts. Each post is tokenised
// once; an Aho-Corasick automaton over the words the queries require, plus
// lookups of the post's author, language and link hosts, finds which of
// those keys the post contains. A query is a candidate when the post has a
// key of its anchor (its most selective requirement), passes the check of
// its other requirements against the keys found, and only then is evaluated
// in full. The answers are exactly those of calling Query.Match for every
// query.
//
// A Matcher is immutable and safe for concurrent use. When the set of
// active queries changes, Compile a new one and swap it in.
type Matcher struct {
	queries []compiled // distinct queries, in the order of their first id
	nids    int
	dups    bool // some query has several ids: results need sorting

	ac       *ahocorasick.Automaton // nil when no query has a word key
	patterns []acPattern            // by automaton pattern ID
	postings [][]int32              // by key: the queries it anchors

	// Field keys: a value found in the post → key.
	authorKeys, langKeys, siteKeys, urlKeys map[string]int32

	fallback []int32 // queries with no requirement, evaluated on every post

	pool sync.Pool // of *scratch
}

// compiled is one distinct query of a Matcher.
type compiled struct {
	root *node
	ids  []string // the ids given this query (same canonical form), sorted
	// check lists the requirements other than the anchor, most selective
	// first: for each, one of its keys must be in the post.
	check [][]int32
}

// maxChecks bounds the requirements checked before evaluating a query:
// past a few, the full evaluation is as cheap.
const maxChecks = 8

// MatcherStats describes a compiled Matcher.
type MatcherStats struct {
	// Queries is the number of ids compiled.
	Queries int
	// Distinct is the number of distinct queries among them (by canonical
	// form): identical queries of different workspaces are evaluated once.
	Distinct int
	// Fallback is how many distinct queries have no required term (a query
	// made only of NOTs, or an OR with such a branch) and so are evaluated
	// on every post: each costs as much as a query matching every post.
	Fallback int
	// Keys is the number of distinct required words and field values.
	Keys int
	// Patterns is the number of patterns in the Aho-Corasick automaton.
	Patterns int
	// States is the number of states of the automaton.
	States int
}

// preCheck is what the byte before an automaton hit must be for the hit to
// be a whole token, given how doc.buf is laid out.
type preCheck uint8

const (
	preNone      preCheck = iota // the pattern starts with its own marker (#)
	preWordOrTag                 // a plain word: ' ' before a word, '#' before a hashtag
	preSpace                     // a mention: ' ', not the '@' inside anna@host
)

// acPattern is one automaton pattern: the key it stands for and the check of
// the byte before it.
type acPattern struct {
	key int32
	pre preCheck
}

// scratch is the per-call state of Match, pooled to avoid allocations.
type scratch struct {
	d       doc
	cand    []uint64 // bitset of candidate queries
	keySeen []uint64 // bitset of the keys found in the post
	seen    []int32  // keys set in keySeen, to clear it
}

// Compile builds a Matcher for the queries, keyed by id (a topic ID, say).
// Nil queries are skipped. Match reports ids in sorted order.
func Compile(queries map[string]*Query) *Matcher {
	m := &Matcher{
		authorKeys: map[string]int32{},
		langKeys:   map[string]int32{},
		siteKeys:   map[string]int32{},
		urlKeys:    map[string]int32{},
	}
	ids := make([]string, 0, len(queries))
	for id, q := range queries {
		if q != nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	m.nids = len(ids)

	// Identical queries (by canonical form) are compiled once.
	byForm := map[string]int{}
	for _, id := range ids {
		q := queries[id]
		form := q.String()
		if i, ok := byForm[form]; ok {
			m.queries[i].ids = append(m.queries[i].ids, id)
			m.dups = true
			continue
		}
		byForm[form] = len(m.queries)
		m.queries = append(m.queries, compiled{root: q.root, ids: []string{id}})
	}

	textKeys := map[word]int32{}
	var text []string // automaton patterns
	newKey := func() int32 {
		m.postings = append(m.postings, nil)
		return int32(len(m.postings) - 1)
	}
	keyFor := func(k keyRef) int32 {
		if k.text {
			if id, ok := textKeys[k.w]; ok {
				return id
			}
			id := newKey()
			textKeys[k.w] = id
			for _, p := range textPatterns(k.w) {
				text = append(text, p.text)
				m.patterns = append(m.patterns, acPattern{key: id, pre: p.pre})
			}
			return id
		}
		var index map[string]int32
		switch k.field {
		case fieldAuthor:
			index = m.authorKeys
		case fieldLang:
			index = m.langKeys
		case fieldSite:
			index = m.siteKeys
		default:
			index = m.urlKeys
		}
		if id, ok := index[k.value]; ok {
			return id
		}
		id := newKey()
		index[k.value] = id
		return id
	}

	for qi := range m.queries {
		c := &m.queries[qi]
		reqs := requirements(c.root)
		if len(reqs) == 0 {
			m.fallback = append(m.fallback, int32(qi))
			continue
		}
		sortByCost(reqs)
		for _, k := range reqs[0].keys {
			key := keyFor(k)
			if p := m.postings[key]; len(p) == 0 || p[len(p)-1] != int32(qi) {
				m.postings[key] = append(p, int32(qi))
			}
		}
		for _, r := range reqs[1:min(len(reqs), maxChecks+1)] {
			keys := make([]int32, len(r.keys))
			for i, k := range r.keys {
				keys[i] = keyFor(k)
			}
			c.check = append(c.check, keys)
		}
	}

	if len(text) > 0 {
		ac, err := ahocorasick.NewBuilder().AddStrings(text).Build()
		if err != nil {
			// Build fails only without patterns or with an empty one, and
			// every pattern holds at least one letter.
			panic("query: building the automaton: " + err.Error())
		}
		m.ac = ac
	}

	words := (len(m.queries) + 63) / 64
	nkeys := (len(m.postings) + 63) / 64
	m.pool.New = func() any {
		return &scratch{cand: make([]uint64, words), keySeen: make([]uint64, nkeys)}
	}
	return m
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Stats describes the compiled matcher.
func (m *Matcher) Stats() MatcherStats {
	s := MatcherStats{
		Queries:  m.nids,
		Distinct: len(m.queries),
		Fallback: len(m.fallback),
		Keys:     len(m.postings),
		Patterns: len(m.patterns),
	}
	if m.ac != nil {
		s.States = m.ac.StateCount()
	}
	return s
}

// Match appends to dst the ids of the queries that match the post, in
// sorted order, and returns the extended slice. Pass dst[:0] of a previous
// call to reuse its memory.
func (m *Matcher) Match(p Post, dst []string) []string {
	dst, _ = m.match(p, dst)
	return dst
}

// match is Match also counting the queries evaluated in full, for the
// benchmarks.
func (m *Matcher) match(p Post, dst []string) ([]string, int) {
	if len(m.queries) == 0 {
		return dst, 0
	}
	s := m.pool.Get().(*scratch)
	d := &s.d
	d.prepare(p)
	m.findKeys(s)
	for _, qi := range m.fallback {
		s.cand[qi>>6] |= 1 << (qi & 63)
	}

	evaluated := 0
	base := len(dst)
	if len(s.seen) > 0 || len(m.fallback) > 0 {
		for wi, w := range s.cand {
			if w == 0 {
				continue
			}
			s.cand[wi] = 0
			for w != 0 {
				qi := wi<<6 | bits.TrailingZeros64(w)
				w &= w - 1
				c := &m.queries[qi]
				if !s.passes(c.check) {
					continue
				}
				evaluated++
				if c.root.match(d) {
					dst = append(dst, c.ids...)
				}
			}
		}
	}
	if m.dups {
		slices.Sort(dst[base:])
	}
	for _, k := range s.seen {
		s.keySeen[k>>6] = 0
	}
	s.seen = s.seen[:0]
	m.pool.Put(s)
	return dst, evaluated
}

// findKeys marks in s the keys the prepared post contains, and the queries
// they anchor as candidates.
func (m *Matcher) findKeys(s *scratch) {
	d := &s.d
	if m.ac != nil {
		for _, h := range m.ac.FindAllOverlapping(d.buf) {
			pat := m.patterns[h.PatternID]
			if h.Start > 0 {
				switch before := d.buf[h.Start-1]; pat.pre {
				case preWordOrTag:
					if before != ' ' && before != '#' {
						continue
					}
				case preSpace:
					if before != ' ' {
						continue
					}
				}
			}
			m.admit(s, pat.key)
		}
	}
	if len(m.authorKeys) > 0 && d.author != "" {
		m.lookup(s, m.authorKeys, d.author)
		for i := 1; i < len(d.author); i++ {
			if d.author[i] == '@' {
				m.lookup(s, m.authorKeys, d.author[:i])
			}
		}
	}
	if len(m.langKeys) > 0 {
		for _, t := range d.langs {
			m.lookup(s, m.langKeys, primaryLang(t))
		}
	}
	if len(m.siteKeys) > 0 {
		for _, l := range d.links {
			for h := l.host; ; {
				m.lookup(s, m.siteKeys, h)
				i := strings.IndexByte(h, '.')
				if i < 0 {
					break
				}
				h = h[i+1:]
			}
		}
	}
	if len(m.urlKeys) > 0 {
		// The host, then the host with each path prefix that ends at a
		// segment boundary (see urlMatches).
		for _, l := range d.links {
			m.lookup(s, m.urlKeys, l.url[:l.hostLen])
			for j := l.hostLen + 2; j <= len(l.url); j++ {
				if j == len(l.url) || isPathBoundary(l.url[j]) {
					m.lookup(s, m.urlKeys, l.url[:j])
				}
			}
		}
	}
}

func (m *Matcher) lookup(s *scratch, index map[string]int32, v string) {
	if k, ok := index[v]; ok {
		m.admit(s, k)
	}
}

// admit records that the post contains key k and marks the queries it
// anchors as candidates, once per post.
func (m *Matcher) admit(s *scratch, k int32) {
	bit := uint64(1) << (k & 63)
	if s.keySeen[k>>6]&bit != 0 {
		return
	}
	s.keySeen[k>>6] |= bit
	s.seen = append(s.seen, k)
	for _, qi := range m.postings[k] {
		s.cand[qi>>6] |= 1 << (qi & 63)
	}
}

// passes reports whether the post has a key of every requirement in check.
func (s *scratch) passes(check [][]int32) bool {
	for _, keys := range check {
		found := false
		for _, k := range keys {
			if s.keySeen[k>>6]&(1<<(k&63)) != 0 {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// keyRef is something a post can contain: a word (found by the automaton)
// or a field value (found by map lookup), with an estimate of how many
// posts contain it (lower is more selective).
type keyRef struct {
	text  bool      // a word key; otherwise a field key
	field fieldKind // field keys
	w     word      // word keys
	value string    // field keys
	cost  float64
}

// requirement is a condition that every post a query matches meets: the
// post contains at least one of keys. cost, the sum of the keys' costs,
// estimates how many posts meet it.
type requirement struct {
	keys []keyRef
	cost float64
}

// union returns the requirement met when r or o is.
func (r requirement) union(o requirement) requirement {
	u := requirement{keys: slices.Clone(r.keys), cost: r.cost}
	for _, k := range o.keys {
		if !slices.Contains(u.keys, k) {
			u.keys = append(u.keys, k)
			u.cost += k.cost
		}
	}
	return u
}

func sortByCost(reqs []requirement) {
	slices.SortStableFunc(reqs, func(a, b requirement) int { return cmpFloat(a.cost, b.cost) })
}

// maxOrClauses bounds the requirements an OR is distributed into.
const maxOrClauses = 8

// requirements returns conditions that every post matching n meets, each a
// set of keys of which the post contains one. None means n can match a
// post without any of its terms (NOT x), so it must be evaluated on every
// post.
//
// A term requires each of its words (a phrase needs them all); AND and NEAR
// require what each side requires; NOT requires nothing. An OR requires one
// requirement of each branch: (a AND b) OR c requires a or c, and b or c.
// It is distributed that way while that gives at most maxOrClauses
// requirements (so the rare brand in a phrase with a common word is still
// checked); otherwise it keeps only the most selective of each branch.
func requirements(n *node) []requirement {
	switch n.kind {
	case nodeTerm:
		var reqs []requirement
		for _, w := range n.words {
			k := keyRef{text: true, w: w, cost: wordCost(w)}
			if !slices.ContainsFunc(reqs, func(r requirement) bool { return r.keys[0] == k }) {
				reqs = append(reqs, requirement{keys: []keyRef{k}, cost: k.cost})
			}
		}
		return reqs
	case nodeField:
		k := keyRef{field: n.field, value: n.value}
		switch n.field {
		case fieldAuthor:
			k.cost = 0.001
		case fieldURL:
			k.value += n.rest
			k.cost = 0.005
		case fieldSite:
			k.cost = 0.01
		case fieldLang:
			k.value = primaryLang(n.value)
			k.cost = 10 // lang:en admits a third of the stream
		}
		return []requirement{{keys: []keyRef{k}, cost: k.cost}}
	case nodeAnd, nodeNear:
		var reqs []requirement
		for _, kid := range n.kids {
			reqs = append(reqs, requirements(kid)...)
		}
		return reqs
	case nodeOr:
		branches := make([][]requirement, len(n.kids))
		product := 1
		for i, kid := range n.kids {
			reqs := requirements(kid)
			if len(reqs) == 0 {
				return nil
			}
			sortByCost(reqs)
			branches[i] = reqs[:min(len(reqs), 3)]
			product = min(product*len(branches[i]), maxOrClauses+1)
		}
		if product > maxOrClauses {
			for i := range branches {
				branches[i] = branches[i][:1]
			}
		}
		out := []requirement{{}}
		for _, reqs := range branches {
			next := make([]requirement, 0, len(out)*len(reqs))
			for _, o := range out {
				for _, r := range reqs {
					next = append(next, o.union(r))
				}
			}
			out = next
		}
		return out
	}
	return nil // NOT
}

// wordCost estimates how common posts containing w are: short words are
// far more frequent than long ones, prefixes more than whole words (a
// three-letter stem much more so than a six-letter one), and hashtags and
// mentions rarer than words. It knows no word frequencies: the requirements
// checked besides the anchor make up for a poor choice.
func wordCost(w word) float64 {
	l := float64(utf8.RuneCountInString(w.text))
	c := 1 / (l * l)
	if w.prefix {
		c *= 1 + 8/(l*l)
	}
	if w.kind != kindWord {
		c /= 2
	}
	return c
}

// textPattern is an automaton pattern for a word key.
type textPattern struct {
	text string
	pre  preCheck
}

// textPatterns returns the automaton patterns that find w in doc.buf: the
// token as it is written there, followed by the space that ends it (unless
// w is a prefix). A mention is also found as the user part of a handle with
// an instance (@anna in @anna@mastodon.social).
func textPatterns(w word) []textPattern {
	switch w.kind {
	case kindHashtag:
		if w.prefix {
			return []textPattern{{"#" + w.text, preNone}}
		}
		return []textPattern{{"#" + w.text + " ", preNone}}
	case kindMention:
		if w.prefix {
			return []textPattern{{"@" + w.text, preSpace}}
		}
		return []textPattern{{"@" + w.text + " ", preSpace}, {"@" + w.text + "@", preSpace}}
	}
	if w.prefix {
		return []textPattern{{w.text, preWordOrTag}}
	}
	return []textPattern{{w.text + " ", preWordOrTag}}
}
