// Package lang guesses the language of a short text, such as a social post
// that mentions a brand, among the languages Portavoce's listening serves:
// Italian, English, French, German, Spanish, Portuguese and Dutch.
//
// # Method
//
// Each language has a small model learned, when the package is first used,
// from a text of about 900 words written for the project in that language
// (corpus/*.txt: everyday sentences about cafés, shops, travel and services,
// plus a line of the language's most frequent function words). The model is
// a smoothed word unigram whose base distribution is a character trigram
// model:
//
//	P(w | L) = (count_L(w) + Beta · Pchar_L(w)) / (words_L + Beta)
//
// so a word seen in the language's text (above all the function words that
// short posts are made of: "il", "che", "the", "und", "não", "het") weighs a
// lot, and any other word is still scored by how its letters look in that
// language ("-zione", "-ção", "-heid", "sch", "ñ", "ß"). Pchar_L is a
// character trigram model over the word padded with spaces, interpolated
// with the bigram, unigram and uniform models (weights Lambda3, Lambda2,
// Lambda1, Lambda0) so that unseen letter sequences are not impossible.
//
// A text's score under L is the sum of log P(w | L) over its words; the
// scores, divided by Temperature and turned into probabilities with a
// softmax, give the confidence of the best language. Detect answers "" when
// the text has fewer than MinLetters letters or the best language's
// probability is under MinConfidence: a guess on "ok" or "top" would be
// noise, and callers fall back on what they know (the account's language,
// or a lexicon for each language they support).
//
// Before scoring, URLs, @mentions, #hashtags, e-mail addresses, digits,
// emoji and punctuation are dropped (they are the same in every language,
// and a brand's hashtag would otherwise count as a word of some language),
// the text is lowercased and letters repeated three times or more
// ("bellissimoooo") are cut to two. Words are runs of letters, so
// apostrophes split them ("l'ho" gives "l" and "ho") in the corpus and in
// the texts alike.
//
// On the project's short posts (testdata/posts.tsv, written apart from the
// corpus) the package tests hold accuracy above a threshold set just under
// the measured figure.
package lang

import (
	"bufio"
	"embed"
	"math"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// The parameters of the models and of the decision. They were set by hand
// on the corpus and checked on testdata/posts.tsv; they are exported so that
// the documentation can quote them, not to be changed at run time.
const (
	// Beta is how many word occurrences the character model is worth
	// against the counts of seen words: higher trusts spelling more than
	// vocabulary.
	Beta = 150.0
	// Lambda3, Lambda2, Lambda1 and Lambda0 weigh the trigram, bigram,
	// unigram and uniform character models; they add up to 1.
	Lambda3 = 0.55
	Lambda2 = 0.28
	Lambda1 = 0.12
	Lambda0 = 0.05
	// Temperature divides the log-likelihoods before the softmax. Words of
	// one text are not independent, so the raw naive Bayes posterior is
	// overconfident on short texts; 2 makes a one-word guess rarely sure.
	Temperature = 2.0
	// MinLetters is the fewest letters (after cleaning) a text needs for an
	// answer.
	MinLetters = 3
	// MinConfidence is the lowest probability of the best language for
	// Detect to name it.
	MinConfidence = 0.6
)

// Languages lists the ISO 639-1 codes Detect can return, in a fixed order.
var Languages = []string{"it", "en", "fr", "de", "es", "pt", "nl"}

//go:embed corpus/*.txt
var corpusFS embed.FS

// model is one language's word and character statistics.
type model struct {
	code  string
	words map[string]float64 // word -> count
	total float64            // words seen

	tri map[uint64]float64 // (a,b,c) -> count
	ctx map[uint64]float64 // (a,b) as context of a trigram -> count
	bi  map[uint64]float64 // (b,c) -> count
	one map[rune]float64   // b as context of a bigram -> count
	uni map[rune]float64   // c -> count
	n   float64            // characters predicted

	// The interpolated probability of c after a and b, computed once from
	// the counts so that a letter costs one lookup when its trigram was
	// seen: pTri[(a,b,c)] = Lambda0/alphabet + Lambda1·P(c) + Lambda2·P(c|b)
	// + Lambda3·P(c|a,b); pBi[(b,c)] and pUni[c] hold the sums without the
	// terms that are zero when the trigram, or also the bigram, is unseen.
	pTri map[uint64]float64
	pBi  map[uint64]float64
	pUni map[rune]float64

	cache map[string]float64 // word -> log P(w | L) for corpus words
}

var (
	loadOnce sync.Once
	models   []*model
	alphabet float64 // size of the character set, for the uniform model
)

func load() {
	seen := map[rune]bool{}
	for _, code := range Languages {
		b, err := corpusFS.ReadFile("corpus/" + code + ".txt")
		if err != nil {
			panic("lang: missing corpus for " + code) // embedded: cannot happen
		}
		m := &model{code: code, words: map[string]float64{}, tri: map[uint64]float64{},
			ctx: map[uint64]float64{}, bi: map[uint64]float64{}, one: map[rune]float64{},
			uni: map[rune]float64{}, cache: map[string]float64{}}
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		for sc.Scan() {
			for _, w := range Words(sc.Text()) {
				m.addWord(w)
				for _, r := range w {
					seen[r] = true
				}
			}
		}
		models = append(models, m)
	}
	// Letters of the supported languages that a corpus may lack still get a
	// share of the uniform model.
	alphabet = float64(len(seen)) + 20
	for _, m := range models {
		base := Lambda0 / alphabet
		m.pUni = make(map[rune]float64, len(m.uni))
		for r, c := range m.uni {
			m.pUni[r] = base + Lambda1*c/m.n
		}
		m.pBi = make(map[uint64]float64, len(m.bi))
		for k, c := range m.bi { // k is (0,b,c)
			m.pBi[k] = m.pUni[rune(k&(1<<21-1))] + Lambda2*c/m.one[rune(k>>21)]
		}
		m.pTri = make(map[uint64]float64, len(m.tri))
		for k, c := range m.tri { // k is (a,b,c); k>>21 is (0,a,b)
			m.pTri[k] = m.pBi[k&(1<<42-1)] + Lambda3*c/m.ctx[k>>21]
		}
		for w := range m.words {
			m.cache[w] = m.logProb(w)
		}
	}
}

// key packs three runes into one map key; any rune fits in 21 bits.
func key(a, b, c rune) uint64 {
	return uint64(a)<<42 | uint64(b)<<21 | uint64(c)
}

func (m *model) addWord(w string) {
	m.words[w]++
	m.total++
	a, b := ' ', ' '
	step := func(c rune) {
		m.tri[key(a, b, c)]++
		m.ctx[key(0, a, b)]++
		m.bi[key(0, b, c)]++
		m.one[b]++
		m.uni[c]++
		m.n++
		a, b = b, c
	}
	for _, c := range w {
		step(c)
	}
	step(' ')
}

// charProb is Pchar(w): the interpolated trigram model over " " + w + " ".
// A product, not a sum of logarithms: even a long word stays far above the
// smallest float64, and one logarithm per word is cheaper than one per
// letter.
func (m *model) charProb(w string) float64 {
	p := 1.0
	a, b := ' ', ' '
	step := func(c rune) {
		if q, ok := m.pTri[key(a, b, c)]; ok {
			p *= q
		} else if q, ok := m.pBi[key(0, b, c)]; ok {
			p *= q
		} else if q, ok := m.pUni[c]; ok {
			p *= q
		} else {
			p *= Lambda0 / alphabet
		}
		a, b = b, c
	}
	for _, c := range w {
		step(c)
	}
	step(' ')
	return p
}

// logProb is log P(w | L) of the smoothed unigram.
func (m *model) logProb(w string) float64 {
	if lp, ok := m.cache[w]; ok {
		return lp
	}
	return math.Log((m.words[w] + Beta*m.charProb(w)) / (m.total + Beta))
}

// Detect returns the language of text as an ISO 639-1 code among Languages,
// and the probability the models give it. It returns "" (with the best
// probability it found, or 0 when there was nothing to score) when the text
// is too short or too ambiguous to tell, or is written in a script none of
// the languages uses: a wrong guess costs more than no guess, since callers
// pick a sentiment lexicon by it.
func Detect(text string) (lang string, confidence float64) {
	scores, ok := scoreText(text)
	if !ok {
		return "", 0
	}
	best, p := posterior(scores)
	if p < MinConfidence {
		return "", p
	}
	return Languages[best], p
}

// Probabilities returns the probability of each of Languages for text (nil
// when the text has nothing to score). It exists for callers that combine
// the guess with what they already know, such as an account's usual
// language, instead of taking Detect's single answer.
func Probabilities(text string) map[string]float64 {
	scores, ok := scoreText(text)
	if !ok {
		return nil
	}
	out := make(map[string]float64, len(scores))
	probs := softmax(scores)
	for i, code := range Languages {
		out[code] = probs[i]
	}
	return out
}

func scoreText(text string) ([]float64, bool) {
	loadOnce.Do(load)
	words := Words(Clean(text))
	letters, latin := 0, 0
	for _, w := range words {
		for _, r := range w {
			letters++
			if unicode.Is(unicode.Latin, r) {
				latin++
			}
		}
	}
	// Texts mostly in another script (Cyrillic, Greek, Arabic, CJK...) are
	// none of the supported languages, whatever a few Latin words say.
	if letters < MinLetters || latin*2 < letters {
		return nil, false
	}
	scores := make([]float64, len(models))
	for i, m := range models {
		for _, w := range words {
			scores[i] += m.logProb(w)
		}
	}
	return scores, true
}

func softmax(scores []float64) []float64 {
	maxS := math.Inf(-1)
	for _, s := range scores {
		maxS = max(maxS, s)
	}
	probs := make([]float64, len(scores))
	var sum float64
	for i, s := range scores {
		probs[i] = math.Exp((s - maxS) / Temperature)
		sum += probs[i]
	}
	for i := range probs {
		probs[i] /= sum
	}
	return probs
}

func posterior(scores []float64) (best int, p float64) {
	probs := softmax(scores)
	for i, q := range probs {
		if q > probs[best] {
			best = i
		}
	}
	return best, probs[best]
}

// Clean removes from text what says nothing about its language: URLs
// (with a scheme or starting with "www."), e-mail addresses, @mentions and
// #hashtags (whole, since a brand's name is not a word of the language it
// is mentioned in), and returns the rest lowercased. Emoji, digits and
// punctuation are left for Words to skip.
func Clean(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	for field := range strings.FieldsSeq(text) {
		if skipField(field) {
			continue
		}
		// A mention or hashtag glued to punctuation ("(@bar)") or
		// following an apostrophe still goes.
		if i := strings.IndexAny(field, "@#＃"); i > 0 {
			field = field[:i]
		}
		b.WriteString(strings.ToLower(field))
		b.WriteByte(' ')
	}
	return b.String()
}

func skipField(f string) bool {
	lower := strings.ToLower(strings.TrimLeft(f, "([{\"'«“"))
	switch {
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"),
		strings.HasPrefix(lower, "www."):
		return true
	case strings.HasPrefix(lower, "@"), strings.HasPrefix(lower, "#"), strings.HasPrefix(lower, "＃"):
		return true
	case strings.Contains(lower, "@") && strings.Contains(lower, "."): // e-mail
		return true
	}
	return false
}

// Words splits text into runs of letters, lowercased, with a letter
// repeated three times or more cut to two ("ciaooo" gives "ciaoo", the
// closest a corpus word can get without knowing the language). Everything
// that is not a letter (digits, emoji, punctuation, apostrophes) separates
// words.
func Words(text string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	for len(text) > 0 {
		r, size := utf8.DecodeRuneInString(text)
		text = text[size:]
		if !unicode.IsLetter(r) {
			// Combining marks (a decomposed accent) stay with the word.
			if unicode.Is(unicode.Mn, r) && len(cur) > 0 {
				continue
			}
			flush()
			continue
		}
		r = unicode.ToLower(r)
		if n := len(cur); n >= 2 && cur[n-1] == r && cur[n-2] == r {
			continue
		}
		cur = append(cur, r)
	}
	flush()
	return out
}
