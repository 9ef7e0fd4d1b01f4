package sentiment

import (
	"math"
	"strings"
	"sync"

	"github.com/portavoce/portavoce/internal/listening/lang"
)

// The labels of an Analysis.
const (
	Positive = "positive"
	Neutral  = "neutral"
	Negative = "negative"
)

// The parameters of the method, described in the package documentation.
// They are constants so that the documentation and the tests can name them.
const (
	// NegationScalar multiplies a negated valence: negation turns a word
	// around and weakens it ("not good" is less bad than "bad").
	NegationScalar = -0.74
	// WeakNegationFactor multiplies a negative word after "barely" or
	// "hardly", which turn praise around but only soften blame.
	WeakNegationFactor = 0.7
	// NegationWindowIT and NegationWindowEN are how many words before a
	// sentiment word a negator reaches. Italian puts clitics and
	// auxiliaries between them ("non mi è piaciuto"), hence one more.
	NegationWindowIT = 4
	NegationWindowEN = 3
	// BoosterDecay1, BoosterDecay2 and BoosterDecay3 weigh a booster one,
	// two and three words before the word it boosts.
	BoosterDecay1, BoosterDecay2, BoosterDecay3 = 1.0, 0.9, 0.8
	// CapsBoost is added to the strength of a word in capitals when the
	// text is not all capitals.
	CapsBoost = 0.733
	// ElongationBoost is added to the strength of a stressed word
	// ("bellissimoooo").
	ElongationBoost = 0.5
	// ExcessValence is the valence of "troppo" or "too" before a word
	// without one.
	ExcessValence = -1.2
	// excessFactor is how much "troppo" or "too" boosts a sentiment word.
	excessFactor = 1.3
	// ContrastBefore and ContrastAfter weigh the words before and after
	// the last contrast word of a sentence.
	ContrastBefore = 0.5
	ContrastAfter  = 1.5
	// ConcessiveWeight weighs the words of a concessive clause.
	ConcessiveWeight = 0.5
	// ExclamationBoost is added, per exclamation mark, in the direction of
	// the sum; MaxExclamations caps the marks counted.
	ExclamationBoost = 0.292
	MaxExclamations  = 4
	// Alpha scales the sum into (-1, 1): s/√(s²+Alpha). With 15 a single
	// "buono" (2.6) scores 0.56, and "buono!" 0.60.
	Alpha = 15.0
	// TrustDetection is the confidence of lang.Detect above which its
	// language's lexicon is used even when the other lexicon recognises
	// more words: "con" is a word of the English lexicon ("pros and
	// cons"), and must not make "Vado in pizzeria con gli amici" English.
	TrustDetection = 0.95
	// Threshold is the smallest absolute score labelled positive or
	// negative.
	Threshold = 0.05
)

// Analysis is the result for one text.
type Analysis struct {
	// Lang is the language lang.Detect found ("" when it was unsure).
	Lang string
	// Score is the sentiment, from -1 (most negative) to 1.
	Score float64
	// Label is Positive, Neutral or Negative, from Score and Threshold.
	Label string
}

// Analyzer scores texts. It is the seam where a better engine (a trained
// model, a service) can replace the baseline: callers only see Analysis.
type Analyzer interface {
	// Analyze returns the language and sentiment of text. It must be safe
	// for concurrent use.
	Analyze(text string) Analysis
}

// New returns the lexicon and rules baseline described in the package
// documentation. The lexicons are parsed once, at the first Analyze, and
// shared: New is cheap, a server that analyses nothing does not hold them,
// and the Analyzer is safe for concurrent use.
func New() Analyzer { return baseline{} }

var (
	loadOnce sync.Once
	itLex    *lexicon
	enLex    *lexicon
	noLex    *lexicon
)

func loadAll() {
	var err error
	if itLex, err = loadLexicon("it", italianRules); err != nil {
		panic("sentiment: " + err.Error()) // embedded data: a test catches it first
	}
	if enLex, err = loadLexicon("en", englishRules); err != nil {
		panic("sentiment: " + err.Error())
	}
	if noLex, err = loadLexicon("", noRules); err != nil {
		panic("sentiment: " + err.Error())
	}
}

// baseline is the Analyzer New returns.
type baseline struct{}

// Analyze implements Analyzer.
func (baseline) Analyze(text string) Analysis {
	loadOnce.Do(loadAll)
	code, conf := lang.Detect(text)
	// Both lexicons are tried. A sure detection (TrustDetection) decides;
	// otherwise the detected language's lexicon wins when it recognises a
	// word, and else the one that recognises more words, since short posts
	// are often misjudged ("Poor product.", "Rude staff") and many
	// sentiment words cross languages ("super", "top", "horrible"). With no
	// word recognised only emoji, emoticons and marks count.
	si, hi := score(text, itLex, italianRules)
	se, he := score(text, enLex, englishRules)
	var s float64
	switch {
	case code == "it" && (conf >= TrustDetection || hi > 0 || he == 0):
		s = si
	case code == "en" && (conf >= TrustDetection || he > 0 || hi == 0):
		s = se
	case hi > he:
		s = si
	case he > hi:
		s = se
	case hi > 0: // a tie between two lexicons that both recognise words
		if p := lang.Probabilities(text); p != nil && p["it"] > p["en"] {
			s = si
		} else {
			s = se
		}
	default:
		s, _ = score(text, noLex, noRules)
	}
	return Analysis{Lang: code, Score: s, Label: labelOf(s)}
}

func labelOf(s float64) string {
	switch {
	case s >= Threshold:
		return Positive
	case s <= -Threshold:
		return Negative
	}
	return Neutral
}

// unit is a token or a matched phrase, with what the lexicon says of it.
type unit struct {
	tok     token // the first token
	surface string
	e       entry
	known   bool    // found in the lexicon
	factor  float64 // from the word's shape (superlative)
	caps    bool
	long    bool
	// acts is how the unit behaves in this sentence, resolved from its
	// role and its neighbour (a booster with nothing to boost acts as a
	// sentiment word).
	acts role
	val  float64 // valence when acting as a sentiment word
}

func (u *unit) boundary() bool {
	return u.tok.kind == kindPunct || (u.known && (u.e.role == roleContrast || u.e.role == roleConcessive))
}

// units matches phrases and words of the lexicon over the tokens.
func units(toks []token, lx *lexicon, r rules) []unit {
	toks = expand(toks, lx)
	surf := make([]string, len(toks))
	lem := make([]string, len(toks))
	fac := make([]float64, len(toks))
	for i, t := range toks {
		switch t.kind {
		case kindWord:
			s := lx.surface(t.text, t.long)
			if lx.lang == "it" && len(s) > 2 && s[0] == 'x' && lx.known["per"+s[1:]] {
				s = "per" + s[1:] // "xfetto", "xò"
			}
			surf[i] = s
			lem[i], fac[i] = lx.lemma(s)
		default:
			surf[i], lem[i], fac[i] = t.text, t.text, 1
		}
	}
	var out []unit
	for i := 0; i < len(toks); {
		if toks[i].kind == kindWord && (lx.starts[surf[i]] || lx.starts[lem[i]]) {
			if n, e, ok := matchPhrase(toks, surf, lem, i, lx); ok {
				u := unit{tok: toks[i], surface: surf[i], e: e, known: true, factor: 1}
				for _, t := range toks[i : i+n] {
					u.caps = u.caps || t.caps
					u.long = u.long || t.long
				}
				out = append(out, u)
				i += n
				continue
			}
		}
		u := unit{tok: toks[i], surface: surf[i], factor: 1, caps: toks[i].caps, long: toks[i].long}
		switch {
		case toks[i].kind == kindRating:
			// A mark is what it is: "no 0/10 possible" is no praise.
			u.e, u.known = entry{valence: toks[i].rating, role: roleSentiment, noNegate: true}, true
		case toks[i].kind == kindPunct:
		default:
			if e, ok := lx.words[surf[i]]; ok {
				u.e, u.known = e, true
			} else if e, ok := lx.words[lem[i]]; ok {
				u.e, u.known, u.factor = e, true, fac[i]
			} else if r.isNegator(surf[i]) { // any "n't" contraction
				u.e, u.known = entry{role: roleNegator}, true
			}
		}
		out = append(out, u)
		i++
	}
	return out
}

// expand reads marks written in words ("3 out of 10", "9 su 10") as
// ratings, and splits a hyphenated word the lexicon does not know into its
// parts ("well-paced", "below-par").
func expand(toks []token, lx *lexicon) []token {
	out := make([]token, 0, len(toks))
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.kind == kindWord && isNumber(t.text) {
			var den string
			switch {
			case i+3 < len(toks) && toks[i+1].text == "out" && toks[i+2].text == "of":
				den = toks[i+3].text
			case i+2 < len(toks) && toks[i+1].text == "su":
				den = toks[i+2].text
			}
			if v, ok := parseRating(t.text + "/" + den); ok && den != "" {
				out = append(out, token{text: t.text + "/" + den, kind: kindRating, rating: v})
				if toks[i+1].text == "out" {
					i += 3
				} else {
					i += 2
				}
				continue
			}
		}
		if t.kind == kindWord && strings.Contains(t.text, "-") && !lx.known[t.text] {
			for part := range strings.SplitSeq(t.text, "-") {
				if part != "" {
					p := t
					p.text, p.long = part, hasRun(part, 3)
					out = append(out, p)
				}
			}
			continue
		}
		out = append(out, t)
	}
	return out
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// matchPhrase finds the longest phrase starting at i, by surface spellings
// first and by lemmas second.
func matchPhrase(toks []token, surf, lem []string, i int, lx *lexicon) (int, entry, bool) {
	for n := min(lx.maxPhrase, len(toks)-i); n >= 2; n-- {
		ok := true
		for _, t := range toks[i : i+n] {
			if t.kind != kindWord {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		if e, found := lx.phrases[joinSpace(surf[i:i+n])]; found {
			return n, e, true
		}
		if e, found := lx.phrases[joinSpace(lem[i:i+n])]; found {
			return n, e, true
		}
	}
	return 0, entry{}, false
}

func joinSpace(parts []string) string {
	n := len(parts) - 1
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, n)
	for i, p := range parts {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, p...)
	}
	return string(b)
}

// score returns the sentiment of text under one lexicon, and how many of
// its words (not emoji) the lexicon gave a valence, which Analyze uses to
// choose between lexicons.
func score(text string, lx *lexicon, r rules) (float64, int) {
	toks := tokenize(text, lx.lang)
	us := units(toks, lx, r)
	mixedCase := hasMixedCase(toks)
	hits := resolve(us, r)

	weights := weigh(us, r)
	var sum float64
	for i := range us {
		u := &us[i]
		if u.acts != roleSentiment || u.val == 0 {
			continue
		}
		v := u.val * u.factor
		mag := math.Abs(v)
		if u.caps && mixedCase {
			mag += CapsBoost
		}
		if u.long {
			mag += ElongationBoost
		}
		mag *= boost(us, i)
		v = math.Copysign(mag, v)
		if !u.e.noNegate {
			switch negated(us, i, r.negWindow, r) {
			case fullNegation:
				v *= NegationScalar
			case weakNegation:
				if v > 0 {
					v *= NegationScalar
				} else {
					v *= WeakNegationFactor // "barely lukewarm" is still a complaint
				}
			}
		}
		sum += v * weights[i]
	}
	if sum != 0 {
		marks := 0
		for i := range us {
			switch {
			case us[i].tok.kind == kindPunct && us[i].tok.text == "!":
				marks++
			case us[i].acts == roleEmphasis:
				marks += 2
			}
		}
		sum += math.Copysign(ExclamationBoost*float64(min(marks, MaxExclamations)), sum)
	}
	return sum / math.Sqrt(sum*sum+Alpha), hits
}

// resolve decides how each unit acts, and counts the words with a valence.
func resolve(us []unit, r rules) int {
	hits := 0
	for i := range us {
		u := &us[i]
		if !u.known {
			u.acts = roleNone
			continue
		}
		nextVal := i+1 < len(us) && us[i+1].known && us[i+1].e.valence != 0 && us[i+1].tok.kind != kindPunct
		switch u.e.role {
		case roleBooster:
			if nextVal || u.e.valence == 0 {
				u.acts = roleBooster
			} else {
				u.acts, u.val = roleSentiment, u.e.valence
			}
		case roleExcess:
			switch {
			case nextVal:
				u.acts = roleBooster
				u.e.factor = excessFactor
			case i+1 < len(us) && us[i+1].tok.kind == kindWord:
				u.acts, u.val = roleSentiment, ExcessValence
			default:
				u.acts = roleNone
			}
		case roleSentiment:
			u.acts, u.val = roleSentiment, u.e.valence
			if r.likeGuard && u.surface == "like" && (i == 0 || !(likeSubjects[us[i-1].surface] || us[i-1].acts == roleNegator)) {
				u.val = 0
			}
		default:
			u.acts = u.e.role
		}
		if u.acts == roleSentiment && u.val != 0 && u.tok.kind == kindWord {
			hits++
		}
	}
	return hits
}

// boost multiplies the factors of the boosters in the three units before
// i, stopping at a clause boundary.
func boost(us []unit, i int) float64 {
	f := 1.0
	for k, decay := range []float64{BoosterDecay1, BoosterDecay2, BoosterDecay3} {
		j := i - 1 - k
		if j < 0 || us[j].boundary() {
			break
		}
		if us[j].acts != roleBooster {
			continue
		}
		b := us[j].e.factor
		if us[j].caps || us[j].long { // "MOLTO buono", "soooo good"
			b = 1 + (b-1)*1.5
		}
		f *= 1 + (b-1)*decay
	}
	return f
}

// The kinds of negation a word can be under.
const (
	noNegation = iota
	fullNegation
	weakNegation // "barely", "hardly": turn praise around, only soften blame
)

// negated reports a negator within window units before i, in its clause.
func negated(us []unit, i, window int, r rules) int {
	for j := i - 1; j >= 0 && j >= i-window; j-- {
		if us[j].boundary() {
			return noNegation
		}
		if us[j].acts == roleNegator {
			if contains(r.weakNegators, us[j].surface) {
				return weakNegation
			}
			return fullNegation
		}
	}
	return noNegation
}

// hasMixedCase reports a text with some words in capitals and some not:
// only then do capitals stress a word.
func hasMixedCase(toks []token) bool {
	caps, lower := false, false
	for _, t := range toks {
		if t.kind != kindWord || len(t.text) < 2 {
			continue
		}
		if t.caps {
			caps = true
		} else {
			lower = true
		}
	}
	return caps && lower
}

// weigh returns each unit's weight from the contrast and concessive rules.
func weigh(us []unit, r rules) []float64 {
	w := make([]float64, len(us))
	for i := range w {
		w[i] = 1
	}
	// Sentences end at . ! ? ;
	var sentences [][2]int
	start := 0
	for i := range us {
		if us[i].tok.kind == kindPunct && (us[i].tok.text == "." || us[i].tok.text == "!" || us[i].tok.text == "?" || us[i].tok.text == ";") {
			if i > start {
				sentences = append(sentences, [2]int{start, i})
			}
			start = i + 1
		}
	}
	if start < len(us) {
		sentences = append(sentences, [2]int{start, len(us)})
	}
	for si, s := range sentences {
		c := -1
		for i := s[0]; i < s[1]; i++ {
			if us[i].acts != roleContrast || i == s[1]-1 {
				continue
			}
			if next := us[i+1].surface; contains(r.noContrastBefore, next) {
				continue
			}
			c = i
		}
		if c < 0 {
			continue
		}
		for i := s[0]; i < c; i++ {
			w[i] *= ContrastBefore
		}
		for i := c + 1; i < s[1]; i++ {
			w[i] *= ContrastAfter
		}
		if c == s[0] && si > 0 {
			p := sentences[si-1]
			for i := p[0]; i < p[1]; i++ {
				w[i] *= ContrastBefore
			}
		}
	}
	for i := range us {
		if us[i].acts != roleConcessive {
			continue
		}
		for j := i + 1; j < len(us) && !us[j].boundary(); j++ {
			w[j] *= ConcessiveWeight
		}
	}
	return w
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
