package sentiment

import (
	"embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

//go:embed lexicon/*.txt
var lexiconFS embed.FS

// role is what an entry does in a sentence.
type role uint8

const (
	roleNone       role = iota // plays no part here (a "too" with nothing after it)
	roleSentiment              // carries valence
	roleBooster                // scales the next sentiment word (factor)
	roleNegator                // turns the next sentiment words around
	roleContrast               // "ma", "but": what follows weighs more
	roleConcessive             // "anche se", "although": its clause weighs less
	roleExcess                 // "troppo", "too": booster, or a complaint before a plain word
	roleEmphasis               // "omg", "mamma mia": like an exclamation mark
)

// entry is what the lexicon knows of a word or phrase.
type entry struct {
	valence  float64 // -4..4 (roleSentiment; a booster may carry one too)
	factor   float64 // multiplier of a booster's neighbour, 0 if none
	role     role
	noNegate bool // a negation before it is ignored
	exact    bool // the morphological fallback may not land on it
}

// lexicon holds one language's entries after folding (lowercase, no
// accents), and the tables the morphological fallback needs.
type lexicon struct {
	lang      string
	words     map[string]entry // single tokens
	phrases   map[string]entry // tokens joined by one space
	starts    map[string]bool  // first token of some phrase
	known     map[string]bool  // every token of every phrase and word
	maxPhrase int
	abbrev    map[string]string // "nn" -> "non"
}

// loadLexicon builds a language's lexicon from its file in lexicon/, the
// shared emoji file and the language's rules (negators, boosters, ...).
// "" builds the emoji-only lexicon used for languages without one.
func loadLexicon(lang string, r rules) (*lexicon, error) {
	lx := &lexicon{lang: lang, words: map[string]entry{}, phrases: map[string]entry{},
		starts: map[string]bool{}, known: map[string]bool{}, abbrev: r.abbrev}
	files := []string{"lexicon/emoji.txt"}
	if lang != "" {
		files = append(files, "lexicon/"+lang+".txt")
	}
	for _, name := range files {
		b, err := lexiconFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		if err := lx.parse(name, string(b), r); err != nil {
			return nil, err
		}
	}
	add := func(item string, e entry) error {
		if err := lx.add(item, e, r); err != nil {
			return fmt.Errorf("rules for %q: %w", lang, err)
		}
		return nil
	}
	for _, w := range r.negators {
		if err := add(w, entry{role: roleNegator}); err != nil {
			return nil, err
		}
	}
	for w, f := range r.boosters {
		// A booster that is also a sentiment word ("super", "damn") keeps
		// its valence: it is used when nothing follows to boost.
		e := entry{role: roleBooster, factor: f}
		if old, ok := lx.lookupExact(w); ok && old.role == roleSentiment {
			e.valence = old.valence
			lx.remove(w)
		} else if l, _, ok := lx.inflected(fold(w)); ok && !strings.Contains(w, " ") {
			e.valence = lx.words[l].valence // "amazingly" as amazing
		}
		if err := add(w, e); err != nil {
			return nil, err
		}
	}
	for _, w := range r.contrast {
		if err := add(w, entry{role: roleContrast}); err != nil {
			return nil, err
		}
	}
	for _, w := range r.concessive {
		if err := add(w, entry{role: roleConcessive}); err != nil {
			return nil, err
		}
	}
	for _, w := range r.excess {
		if err := add(w, entry{role: roleExcess, factor: r.boosters["__excess"]}); err != nil {
			return nil, err
		}
	}
	for _, w := range r.emphasis {
		if err := add(w, entry{role: roleEmphasis}); err != nil {
			return nil, err
		}
	}
	return lx, nil
}

// parse reads "valence: entry, entry" lines.
func (lx *lexicon) parse(name, text string, r rules) error {
	var errs []error
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		num, items, ok := strings.Cut(line, ": ")
		if !ok {
			return fmt.Errorf("%s:%d: no \"valence: \"", name, n+1)
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil || v < -4 || v > 4 {
			return fmt.Errorf("%s:%d: bad valence %q", name, n+1, num)
		}
		for item := range strings.SplitSeq(items, ", ") {
			item = strings.TrimSpace(item)
			e := entry{valence: v, role: roleSentiment}
			// Markers precede a letter; "=)" is an emoticon.
			for len(item) > 1 && (item[0] == '=' || item[0] == '~') && isLetterByte(item[1]) {
				if item[0] == '=' {
					e.noNegate = true
				} else {
					e.exact = true
				}
				item = item[1:]
			}
			if err := lx.add(item, e, r); err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: %w", name, n+1, err))
			}
		}
	}
	return errors.Join(errs...)
}

// keyOf tokenizes an entry the way texts are tokenized and joins the
// tokens' text with spaces.
func (lx *lexicon) keyOf(item string) ([]string, error) {
	toks := tokenize(item, lx.lang)
	if len(toks) == 0 {
		return nil, fmt.Errorf("entry %q has no token", item)
	}
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = t.text
	}
	return parts, nil
}

func (lx *lexicon) add(item string, e entry, r rules) error {
	parts, err := lx.keyOf(item)
	if err != nil {
		return err
	}
	if len(parts) > 6 {
		return fmt.Errorf("entry %q is longer than six tokens", item)
	}
	key := strings.Join(parts, " ")
	table := lx.words
	if len(parts) > 1 {
		table = lx.phrases
		// A phrase that holds a negation is negated already.
		for _, p := range parts {
			if r.isNegator(p) {
				e.noNegate = true
			}
		}
	}
	if _, dup := table[key]; dup {
		return fmt.Errorf("entry %q is defined twice", item)
	}
	table[key] = e
	for _, p := range parts {
		lx.known[p] = true
	}
	if len(parts) > 1 {
		lx.starts[parts[0]] = true
		lx.maxPhrase = max(lx.maxPhrase, len(parts))
	}
	return nil
}

func (lx *lexicon) remove(item string) {
	parts, err := lx.keyOf(item)
	if err != nil {
		return
	}
	key := strings.Join(parts, " ")
	if len(parts) > 1 {
		delete(lx.phrases, key)
	} else {
		delete(lx.words, key)
	}
}

func (lx *lexicon) lookupExact(item string) (entry, bool) {
	parts, err := lx.keyOf(item)
	if err != nil {
		return entry{}, false
	}
	key := strings.Join(parts, " ")
	if len(parts) > 1 {
		e, ok := lx.phrases[key]
		return e, ok
	}
	e, ok := lx.words[key]
	return e, ok
}

// surface returns the spelling under which a word is matched: its
// expansion if it is an abbreviation ("nn" is "non"), else, for an
// elongated word, the first squeezed spelling the lexicon knows ("soooo" is
// "so"), else the word (an unknown elongated word squeezed to single
// letters).
func (lx *lexicon) surface(w string, long bool) string {
	if a, ok := lx.abbrev[w]; ok {
		return a
	}
	if !long || lx.known[w] {
		return w
	}
	// Prefer a spelling that is an entry of its own ("goooood" is "good",
	// not "god" of "oh my god"), then an abbreviation, then a word of some
	// phrase, then one the fallback knows.
	cands := squeezes(w)
	for _, c := range cands {
		if _, ok := lx.words[c]; ok {
			return c
		}
	}
	for _, c := range cands {
		if a, ok := lx.abbrev[c]; ok {
			return a
		}
	}
	for _, c := range cands {
		if lx.known[c] {
			return c
		}
	}
	for _, c := range cands {
		if _, _, ok := lx.inflected(c); ok {
			return c
		}
	}
	return cands[0]
}

// lemma returns the entry form of a surface spelling and the factor its
// shape adds (a superlative is a stronger adjective): the spelling itself
// when it is a word of the lexicon, else the first known form the
// language's fallback finds, else the spelling.
func (lx *lexicon) lemma(s string) (string, float64) {
	if _, ok := lx.words[s]; ok {
		return s, 1
	}
	if l, f, ok := lx.inflected(s); ok {
		return l, f
	}
	return s, 1
}

// inflected finds the lemma of an inflected word through the language's
// fallback, if the lemma is a known entry that allows it.
func (lx *lexicon) inflected(w string) (string, float64, bool) {
	var cands []candidate
	switch lx.lang {
	case "it":
		cands = italianLemmas(w)
	case "en":
		cands = englishLemmas(w)
	}
	for _, c := range cands {
		if !lx.known[c.lemma] {
			continue
		}
		if e, ok := lx.words[c.lemma]; ok && e.exact {
			continue
		}
		return c.lemma, c.factor, true
	}
	return "", 0, false
}

// candidate is a possible lemma of a word and the factor its ending adds.
type candidate struct {
	lemma  string
	factor float64
}

// superlativeFactor strengthens a lemma found through a superlative
// ("buonissimo") or an intensifying prefix ("strabuono").
const superlativeFactor = 1.3

// italianLemmas lists the lemmas an Italian word may come from: prefixes
// stra-/super- (stronger), superlatives in -issimo (stronger), adverbs in
// -mente, and the other gender or number of an adjective or participle.
func italianLemmas(w string) []candidate {
	var out []candidate
	for _, p := range []string{"stra", "super", "iper"} {
		if rest, ok := strings.CutPrefix(w, p); ok && len(rest) >= 4 {
			out = append(out, candidate{rest, superlativeFactor})
			for _, c := range genderNumber(rest) {
				out = append(out, candidate{c, superlativeFactor})
			}
		}
	}
	if n := len(w); n > 7 && strings.HasSuffix(w[:n-1], "issim") && strings.ContainsRune("oaie", rune(w[n-1])) {
		stem := w[:n-6]
		hard := stem
		if strings.HasSuffix(stem, "ch") || strings.HasSuffix(stem, "gh") {
			hard = stem[:len(stem)-1]
		}
		for _, c := range []string{hard + "o", stem + "e", hard + "a"} {
			out = append(out, candidate{c, superlativeFactor})
		}
	}
	if base, ok := strings.CutSuffix(w, "mente"); ok && len(base) >= 3 {
		out = append(out, candidate{base, 1})
		if strings.HasSuffix(base, "a") {
			out = append(out, candidate{base[:len(base)-1] + "o", 1})
		}
		if strings.HasSuffix(base, "l") || strings.HasSuffix(base, "r") {
			out = append(out, candidate{base + "e", 1})
		}
	}
	for _, c := range genderNumber(w) {
		out = append(out, candidate{c, 1})
	}
	return out
}

// genderNumber lists the other endings of an Italian adjective or noun:
// buona, buoni, buone -> buono; gentili -> gentile; fresche -> fresco.
func genderNumber(w string) []string {
	n := len(w)
	if n < 3 || !strings.ContainsRune("aeio", rune(w[n-1])) {
		return nil
	}
	stem := w[:n-1]
	out := []string{stem + "o", stem + "e", stem + "a"}
	if strings.HasSuffix(stem, "ch") || strings.HasSuffix(stem, "gh") {
		out = append(out, stem[:len(stem)-1]+"o")
	}
	return out
}

// englishLemmas lists the base forms an English word may come from:
// plural or third person, past, -ing, -ly adverbs, comparatives and
// superlatives, -ness nouns.
func englishLemmas(w string) []candidate {
	var out []candidate
	add := func(s string) {
		if len(s) >= 2 {
			out = append(out, candidate{s, 1})
		}
	}
	n := len(w)
	cut := func(suffix string) (string, bool) {
		if n > len(suffix)+1 && strings.HasSuffix(w, suffix) {
			return w[:n-len(suffix)], true
		}
		return "", false
	}
	undouble := func(s string) {
		if k := len(s); k >= 3 && s[k-1] == s[k-2] {
			add(s[:k-1])
		}
	}
	if s, ok := cut("iness"); ok {
		add(s + "y")
	}
	if s, ok := cut("ness"); ok {
		add(s)
	}
	for _, suf := range []string{"ies", "ied", "ier", "iest", "ily"} {
		if s, ok := cut(suf); ok {
			add(s + "y")
		}
	}
	if s, ok := cut("ally"); ok {
		add(s)
	}
	if s, ok := cut("ly"); ok {
		add(s)
		if strings.HasSuffix(s, "b") || strings.HasSuffix(s, "p") || strings.HasSuffix(s, "t") {
			add(s + "le")
		}
		if strings.HasSuffix(w, "bly") || strings.HasSuffix(w, "ply") || strings.HasSuffix(w, "tly") {
			add(w[:n-1] + "e")
		}
	}
	if s, ok := cut("ing"); ok {
		add(s)
		add(s + "e")
		undouble(s)
	}
	if s, ok := cut("est"); ok {
		add(s)
		add(s + "e")
		undouble(s)
	}
	if s, ok := cut("ed"); ok {
		add(s)
		add(s + "e")
		undouble(s)
	}
	if s, ok := cut("er"); ok {
		add(s)
		add(s + "e")
		undouble(s)
	}
	if s, ok := cut("es"); ok {
		add(s)
	}
	if s, ok := cut("s"); ok && !strings.HasSuffix(w, "ss") {
		add(s)
	}
	return out
}

func isLetterByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= 0x80 || b == '=' || b == '~'
}
