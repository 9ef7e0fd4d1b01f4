package query

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Realistic load for the benchmarks: brand queries of the kinds a
// listening team writes, and Italian and English posts of 10 to 60 words in
// which a few brands are mentioned.

var (
	benchIT = strings.Fields(`il la di che e a un una per non in è sono ho con mi ti si lo
		ma come anche più questo quella oggi domani ieri sempre mai molto poco tutto tutti
		casa lavoro caffè bar colazione pranzo cena pizza pasta vino birra acqua latte
		buono ottimo pessimo bello brutto nuovo vecchio grande piccolo veloce lento caro
		prezzo sconto offerta servizio assistenza cliente negozio ordine consegna pacco
		telefono rete treno ritardo sciopero stazione aereo viaggio vacanza mare montagna
		Milano Roma Napoli Torino Firenze Bologna Italia governo politica elezioni partito
		calcio partita squadra gol campionato scudetto allenatore tifosi stadio
		film serie musica concerto libro scuola università esame studenti
		grazie ciao buongiorno buonasera perché però quindi allora forse davvero proprio
		lanciato lancia prodotto marca azienda qualità problema risposta settimana
		città strada traffico pioggia sole caldo freddo neve`)
	benchEN = strings.Fields(`the a an of to and in is it that for on with as was at by be
		this have from or had not but what all were when we there can your which their
		said if do will each about how up out them then she many some so these would other
		coffee breakfast lunch dinner pizza beer wine water milk tea
		good great bad terrible awful love hate new old big small fast slow cheap expensive
		price discount deal service support customer store order delivery package
		phone network train delay strike station flight travel holiday beach mountain
		London Paris Rome Milan Italy government politics election party vote
		football match team goal league coach fans stadium
		movie series music concert book school university exam students
		thanks hello morning evening because however maybe really actually
		launched launches product brand company quality problem answer week
		city road traffic rain sun hot cold snow today tomorrow yesterday always never`)
	benchSyllables = strings.Fields(`ca fe ro ssi lu ma ve nto ri ta bel lo gra no rde sol
		mar tec nova ze pri mo lin ea dor ia vi ler qua zio ban fio ren gel tor bru sco`)
	benchSecond = strings.Fields(`Italia Group Foods Bank Moda Tech Caffè Energia Viaggi Pharma`)
)

// benchBrand is a brand monitored by one query.
type benchBrand struct {
	name   string // "Verdelo"
	second string // "Foods": the brand is also known as "Verdelo Foods"
}

func (b benchBrand) lower() string { return strings.ToLower(b.name) }

// genBrands returns n distinct invented brand names, none of them a word of
// the vocabularies.
func genBrands(r *rand.Rand, n int) []benchBrand {
	taken := map[string]bool{}
	for _, w := range append(append([]string{}, benchIT...), benchEN...) {
		taken[strings.ToLower(w)] = true
	}
	brands := make([]benchBrand, 0, n)
	for len(brands) < n {
		var b strings.Builder
		for i := 2 + r.IntN(3); i > 0; i-- {
			b.WriteString(pick(r, benchSyllables))
		}
		name := b.String()
		if taken[name] {
			continue
		}
		taken[name] = true
		brands = append(brands, benchBrand{name: strings.ToUpper(name[:1]) + name[1:], second: pick(r, benchSecond)})
	}
	return brands
}

// genBrandQuery writes a query for brand b in one of the shapes listening
// teams use: OR lists of names, phrases and hashtags, sentiment words with
// AND or NEAR, exclusions, wildcards, fields.
func genBrandQuery(r *rand.Rand, b benchBrand) string {
	l := b.lower()
	second := strings.ToLower(b.second)
	switch r.IntN(20) {
	case 0, 1, 2:
		return fmt.Sprintf(`"%s %s" OR %s%s OR #%s`, b.name, b.second, l, second, l)
	case 3, 4:
		return fmt.Sprintf(`%s AND (buono OR ottimo OR pessimo OR love OR hate OR terrible)`, b.name)
	case 5, 6:
		return fmt.Sprintf(`%s NEAR/3 (servizio OR assistenza OR service OR support OR consegna OR delivery)`, b.name)
	case 7, 8:
		return fmt.Sprintf(`(%s OR @%s.bsky.social) NOT (offerta OR sconto OR giveaway OR promo)`, b.name, l)
	case 9:
		return fmt.Sprintf(`%s* AND (caffè OR coffee OR prezzo OR price)`, l[:min(len(l), 5)])
	case 10:
		return fmt.Sprintf(`"%s" lang:it`, b.name)
	case 11:
		return fmt.Sprintf(`site:%s.it OR url:corriere.it/economia/%s OR "%s spa"`, l, l, b.name)
	case 12:
		return fmt.Sprintf(`%s ONEAR/2 (nuovo OR new OR lancia OR launches OR launched)`, b.name)
	case 13:
		return fmt.Sprintf(`author:%s.bsky.social OR @%s OR #%s`, l, l, l)
	case 14:
		return fmt.Sprintf(`(%s OR "%s %s") AND NOT (calcio OR football OR partita)`, b.name, b.name, b.second)
	case 15:
		// Topic queries on common words: these are candidates for many
		// posts, the expensive kind.
		return pick(r, []string{
			`(caffè OR espresso OR cappuccino) NEAR/2 (bar OR colazione OR breakfast)`,
			`("customer service" OR assistenza) AND (terrible OR pessima OR lenta OR slow)`,
			`(treno OR train) NEAR/3 (ritardo OR delay OR sciopero OR strike)`,
			`(prezzo OR price) NEAR/2 (caro OR expensive OR sconto OR discount) lang:it`,
		})
	}
	return fmt.Sprintf(`%s OR "%s %s"`, b.name, b.name, b.second)
}

// genBenchPost writes an Italian or English post of 10 to 60 words;
// sometimes it mentions one of the brands.
func genBenchPost(r *rand.Rand, brands []benchBrand) Post {
	vocab, lang := benchIT, "it"
	if r.IntN(2) == 0 {
		vocab, lang = benchEN, "en"
	}
	n := 10 + r.IntN(51)
	var b strings.Builder
	var links []string
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(pick(r, []string{" ", " ", " ", " ", " ", ", ", ". ", "! ", " - "}))
		}
		switch x := r.IntN(100); {
		case x < 2:
			br := pick(r, brands)
			b.WriteString(br.name)
			if r.IntN(3) == 0 {
				b.WriteString(" " + br.second)
			}
		case x < 4:
			b.WriteString("#" + pick(r, vocab))
		case x < 5:
			b.WriteString("@" + strings.ToLower(pick(r, vocab)) + ".bsky.social")
		case x < 6:
			u := "https://www." + pick(r, []string{"corriere.it", "repubblica.it", "bbc.co.uk", "example.com"}) + "/" + strings.ToLower(pick(r, vocab))
			b.WriteString(u)
			links = append(links, u)
		default:
			// Zipf-like: common words (at the start of the list) more often.
			w := vocab[int(float64(len(vocab))*r.Float64()*r.Float64())]
			b.WriteString(w)
		}
	}
	return Post{Text: b.String(), Lang: lang, Author: strings.ToLower(pick(r, vocab)) + ".bsky.social", Links: links}
}

// benchData is generated once for all benchmarks.
var benchData = sync.OnceValue(func() struct {
	brands []benchBrand
	specs  []string // one query per brand
	posts  []Post
} {
	r := rand.New(rand.NewPCG(2026, 11))
	brands := genBrands(r, 10000)
	specs := make([]string, len(brands))
	for i, b := range brands {
		specs[i] = genBrandQuery(r, b)
	}
	posts := make([]Post, 4096)
	for i := range posts {
		posts[i] = genBenchPost(r, brands)
	}
	return struct {
		brands []benchBrand
		specs  []string
		posts  []Post
	}{brands, specs, posts}
})

// benchQueries parses the first n queries.
func benchQueries(tb testing.TB, n int) map[string]*Query {
	d := benchData()
	qs := make(map[string]*Query, n)
	for i, s := range d.specs[:n] {
		q, err := Parse(s)
		if err != nil {
			tb.Fatalf("bench query %q: %v", s, err)
		}
		qs[fmt.Sprintf("topic-%05d", i)] = q
	}
	return qs
}

var benchSizes = []int{100, 1000, 10000}

// TestBenchDataIsRealistic keeps the benchmark honest: its queries parse,
// its posts are of the stated length, and some posts match.
func TestBenchDataIsRealistic(t *testing.T) {
	d := benchData()
	qs := benchQueries(t, 1000)
	m := Compile(qs)
	matched := 0
	var prepared doc
	for _, p := range d.posts[:500] {
		// Words are tokens and links; a brand may add its second word.
		prepared.prepare(p)
		words := len(prepared.toks) + len(p.Links)
		if words < 10 || words > 75 {
			t.Fatalf("post of %d words: %q", words, p.Text)
		}
		if len(m.Match(p, nil)) > 0 {
			matched++
		}
	}
	if matched == 0 || matched > 400 {
		t.Errorf("%d of 500 posts matched some of 1,000 queries; want some, not most", matched)
	}
}

// BenchmarkMatcher measures the compiled matcher: one op is one post
// against all the active queries.
func BenchmarkMatcher(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("queries=%d", n), func(b *testing.B) {
			posts := benchData().posts
			m := Compile(benchQueries(b, n))
			var dst []string
			matches, evaluated := 0, 0
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				var e int
				dst, e = m.match(posts[i%len(posts)], dst[:0])
				matches += len(dst)
				evaluated += e
			}
			reportThroughput(b, cpu)
			b.ReportMetric(float64(matches)/float64(b.N), "matches/post")
			b.ReportMetric(float64(evaluated)/float64(b.N), "evaluated/post")
		})
	}
}

// BenchmarkNaive is the naive way with the tokenisation shared: each post
// prepared once, then every query evaluated on it.
func BenchmarkNaive(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("queries=%d", n), func(b *testing.B) {
			posts := benchData().posts
			var roots []*node
			for _, q := range benchQueries(b, n) {
				roots = append(roots, q.root)
			}
			var d doc
			matches := 0
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				d.prepare(posts[i%len(posts)])
				for _, r := range roots {
					if r.match(&d) {
						matches++
					}
				}
			}
			reportThroughput(b, cpu)
			b.ReportMetric(float64(matches)/float64(b.N), "matches/post")
		})
	}
}

// BenchmarkNaiveQueryMatch is the naive way through the public API: every
// Query.Match on every post, each preparing the post again.
func BenchmarkNaiveQueryMatch(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("queries=%d", n), func(b *testing.B) {
			posts := benchData().posts
			qs := benchQueries(b, n)
			list := make([]*Query, 0, len(qs))
			for _, q := range qs {
				list = append(list, q)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				p := posts[i%len(posts)]
				for _, q := range list {
					q.Match(p)
				}
			}
			reportThroughput(b, cpu)
		})
	}
}

// BenchmarkCompile measures building the matcher and the memory it keeps
// (heap in use after Compile minus before, queries excluded).
func BenchmarkCompile(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("queries=%d", n), func(b *testing.B) {
			qs := benchQueries(b, n)
			var before, after runtime.MemStats
			var st MatcherStats
			var retained uint64
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&before)
				b.StartTimer()
				m := Compile(qs)
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&after)
				retained = after.HeapAlloc - before.HeapAlloc
				st = m.Stats()
				runtime.KeepAlive(m)
				b.StartTimer()
			}
			b.ReportMetric(float64(retained), "matcher-bytes")
			b.ReportMetric(float64(st.Patterns), "patterns")
			b.ReportMetric(float64(st.States), "ac-states")
			b.ReportMetric(float64(st.Fallback), "fallback")
		})
	}
}

// BenchmarkPrepare measures tokenising and normalising one post, the part
// of the cost every post pays whatever the queries.
func BenchmarkPrepare(b *testing.B) {
	posts := benchData().posts
	var d doc
	b.ReportAllocs()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		d.prepare(posts[i%len(posts)])
	}
	reportThroughput(b, cpu)
}

// reportThroughput reports posts per second of wall time and, where the
// platform tells, per second of CPU time of the process since cpu (one op is
// one post). On a busy machine the second is the fairer figure for one core.
func reportThroughput(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
	if used := cpuTime() - cpu; cpu > 0 && used > 0 {
		b.ReportMetric(float64(b.N)/used.Seconds(), "posts/cpu-s")
	}
}
