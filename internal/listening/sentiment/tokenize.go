package sentiment

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// kind tells what a token is.
type kind uint8

const (
	kindWord kind = iota
	kindEmoji
	kindEmoticon
	kindPunct  // ! ? . , ; : and dashes used as commas
	kindRating // "8/10", "4/5": a valence computed from the mark
)

// token is one unit of a text after tokenize: a word, an emoji, an
// emoticon, a punctuation mark or a rating.
type token struct {
	text    string // lowercased; for words also without accents (see fold)
	kind    kind
	caps    bool    // a word of two letters or more written in capitals
	long    bool    // a word with a letter repeated three times or more
	hashtag bool    // came from a #hashtag
	rating  float64 // valence of a kindRating token
}

// emoticons are matched longest first; they are lowercased like words.
var emoticons = []string{
	">:(", ":'(", ":-)", ":-(", ":-d", ":-p", ":-/", "^_^", "-_-", "</3", "<33", "t_t",
	":)", ":(", ":d", ":p", ":/", ":\\", ":|", ":s", ":3", ";)", ";-)", "=)", "=(", "(:", "):", "^^", "<3", "d:", "xd",
}

// quotes makes every apostrophe the ASCII one, and an ellipsis three dots.
var quotes = strings.NewReplacer("’", "'", "‘", "'", "`", "'", "´", "'", "…", "...")

// fold lowercases s and removes the accents of Latin letters, so that
// "perché", "perche'" and "perchè" meet, and "È" is "e".
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToLower(s) {
		b.WriteRune(unaccent(r))
	}
	return b.String()
}

func unaccent(r rune) rune {
	switch r {
	case 'à', 'á', 'â', 'ä', 'ã', 'å':
		return 'a'
	case 'è', 'é', 'ê', 'ë':
		return 'e'
	case 'ì', 'í', 'î', 'ï':
		return 'i'
	case 'ò', 'ó', 'ô', 'ö', 'õ':
		return 'o'
	case 'ù', 'ú', 'û', 'ü':
		return 'u'
	}
	return r
}

// isEmojiRune reports runes drawn as pictures: the emoji blocks, dingbats
// and the other symbols (So) that posts use as emoji (❤ ☀ ⭐).
func isEmojiRune(r rune) bool {
	return (r >= 0x1F000 && r <= 0x1FAFF) || (r >= 0x2600 && r <= 0x27BF) ||
		r == 0x2B50 || r == 0x2B55 || r == 0x2B06 || r == 0x2B07 || r == 0x231B || r == 0x23F3 ||
		(r > 0x7F && unicode.Is(unicode.So, r))
}

// isEmojiModifier reports the parts of an emoji sequence that do not change
// its meaning here: skin tones, presentation selectors, regional indicators
// (flags) and the keycap mark.
func isEmojiModifier(r rune) bool {
	return (r >= 0x1F3FB && r <= 0x1F3FF) || r == 0xFE0F || r == 0xFE0E ||
		(r >= 0x1F1E6 && r <= 0x1F1FF) || r == 0x20E3
}

// tokenize splits a post into tokens. URLs, e-mail addresses and @mentions
// are dropped: they name things, and a brand's handle says nothing about
// the mood of the post. A #hashtag keeps its word ("#delusione" counts).
// Italian elisions are split ("l'ora" gives "l'" and "ora", "un'ottima"
// gives "un'" and "ottima"), since the word after the apostrophe is the one
// that carries meaning; English keeps contractions whole ("don't") and
// drops the possessive "'s".
func tokenize(text, lang string) []token {
	text = quotes.Replace(text)
	var out []token
	for field := range strings.FieldsSeq(text) {
		if dropField(field) {
			continue
		}
		if len(field) <= 4 {
			if lower := strings.ToLower(field); isEmoticonField(lower) {
				out = append(out, token{text: lower, kind: kindEmoticon})
				continue
			}
		}
		if r, ok := parseRating(field); ok {
			out = append(out, token{text: field, kind: kindRating, rating: r})
			continue
		}
		out = tokenizeField(out, field, lang)
	}
	return out
}

// dropField reports URLs, e-mail addresses and @mentions.
func dropField(f string) bool {
	l := strings.TrimLeft(f, "([{\"'«“")
	return hasPrefixFold(l, "http://") || hasPrefixFold(l, "https://") ||
		hasPrefixFold(l, "www.") || strings.HasPrefix(l, "@") ||
		(strings.Contains(l, "@") && strings.Contains(l, ".") && !strings.HasPrefix(l, "#"))
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func isEmoticonField(lower string) bool {
	for _, e := range emoticons {
		if lower == e {
			return true
		}
	}
	return false
}

// parseRating reads a mark such as "8/10", "4.5/5" or "10/10!", the way
// reviews rate. The valence runs from -3 (0) to +3 (full marks), linear.
func parseRating(f string) (float64, bool) {
	f = strings.TrimRight(f, "!.,;)")
	num, den, ok := strings.Cut(f, "/")
	if !ok {
		return 0, false
	}
	n, err1 := strconv.ParseFloat(strings.Replace(num, ",", ".", 1), 64)
	d, err2 := strconv.Atoi(den)
	if err1 != nil || err2 != nil || (d != 5 && d != 10) || n < 0 || n > float64(d) {
		return 0, false
	}
	return (n/float64(d) - 0.5) * 6, true
}

// tokenizeField splits one whitespace-separated field.
func tokenizeField(out []token, f string, lang string) []token {
	hashtag := false
	var word []rune
	flush := func() {
		if len(word) == 0 {
			return
		}
		out = appendWord(out, string(word), hashtag, lang)
		word = word[:0]
	}
	for i := 0; i < len(f); {
		r, size := utf8.DecodeRuneInString(f[i:])
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			word = append(word, r)
		case (r == '\'' || r == '-') && len(word) > 0:
			// Inside a word an apostrophe or hyphen belongs to it ("don't",
			// "top-notch", "po'"); appendWord sorts them out.
			word = append(word, r)
		case r == '#' || r == '＃':
			flush()
			hashtag = true
		case isEmojiRune(r):
			flush()
			e := r
			i += size
			// Skip modifiers, and what a zero-width joiner glues on.
			for i < len(f) {
				r2, s2 := utf8.DecodeRuneInString(f[i:])
				if isEmojiModifier(r2) {
					i += s2
					continue
				}
				if r2 == 0x200D {
					i += s2
					if i < len(f) {
						_, s3 := utf8.DecodeRuneInString(f[i:])
						i += s3
					}
					continue
				}
				break
			}
			if e != 0x2642 && e != 0x2640 { // a lone gender sign is no emoji
				out = append(out, token{text: string(e), kind: kindEmoji})
			}
			continue
		case isEmojiModifier(r) || r == 0x200D:
		default:
			if em := emoticonAt(f, i, word); em != "" {
				flush()
				out = append(out, token{text: em, kind: kindEmoticon})
				i += len(em)
				continue
			}
			flush()
			switch r {
			case '!', '?', '.', ',', ';', ':':
				out = append(out, token{text: string(r), kind: kindPunct})
			case '-', '–', '—':
				out = append(out, token{text: ",", kind: kindPunct})
			}
		}
		i += size
	}
	flush()
	return out
}

// emoticonAt returns the emoticon starting at byte i of f, if any. One that
// ends in a letter or digit (":d", ":3") must not run into a word, and none
// may follow a digit, so "20:30" is a time.
func emoticonAt(f string, i int, word []rune) string {
	if len(word) > 0 && unicode.IsDigit(word[len(word)-1]) {
		return ""
	}
	rest := f[i:]
	for _, e := range emoticons {
		if e[0] >= 'a' && e[0] <= 'z' { // "xd", "d:", "t_t": whole fields only
			continue
		}
		if !hasPrefixFold(rest, e) {
			continue
		}
		if len(rest) > len(e) {
			next, _ := utf8.DecodeRuneInString(rest[len(e):])
			last := e[len(e)-1]
			if (unicode.IsLetter(next) || unicode.IsDigit(next)) && (last >= 'a' && last <= 'z' || last >= '0' && last <= '9') {
				continue
			}
		}
		return f[i : i+len(e)]
	}
	return ""
}

// appendWord adds a word, splitting Italian elisions and unknown hyphenated
// compounds' apostrophes as described on tokenize.
func appendWord(out []token, w string, hashtag bool, lang string) []token {
	w = strings.TrimRight(w, "-")
	if w == "" {
		return out
	}
	if lang == "it" {
		// "l'ora" -> "l'", "ora"; a final apostrophe is an accent or "po'".
		for {
			i := strings.IndexByte(w, '\'')
			if i < 0 || i == len(w)-1 {
				break
			}
			out = append(out, newWord(w[:i+1], hashtag))
			w = w[i+1:]
		}
		w = strings.TrimSuffix(w, "'")
	} else {
		if strings.HasSuffix(strings.ToLower(w), "'s") {
			w = w[:len(w)-2]
		}
		w = strings.Trim(w, "'")
	}
	if w == "" {
		return out
	}
	return append(out, newWord(w, hashtag))
}

func newWord(w string, hashtag bool) token {
	letters, upper := 0, 0
	for _, r := range w {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	t := token{text: fold(w), kind: kindWord, hashtag: hashtag}
	t.caps = letters >= 2 && upper == letters
	t.long = hasRun(t.text, 3)
	return t
}

// hasRun reports whether s repeats a letter n times or more in a row.
func hasRun(s string, n int) bool {
	var prev rune
	count := 0
	for _, r := range s {
		if r == prev && unicode.IsLetter(r) {
			count++
			if count >= n {
				return true
			}
		} else {
			prev, count = r, 1
		}
	}
	return false
}

// squeezes returns the spellings of an elongated word with each run of
// three or more letters cut to one or to two ("bellissimoooo" gives
// "bellissimo" and "bellissimoo"; "soooo good" gives "so"), at most 8, with
// runs cut to one first for the first run.
func squeezes(s string) []string {
	type run struct {
		r    rune
		n    int
		long bool
	}
	var runs []run
	for _, r := range s {
		if len(runs) > 0 && runs[len(runs)-1].r == r {
			runs[len(runs)-1].n++
			continue
		}
		runs = append(runs, run{r: r, n: 1})
	}
	var longs []int
	for i := range runs {
		if runs[i].n >= 3 && unicode.IsLetter(runs[i].r) {
			longs = append(longs, i)
		}
	}
	if len(longs) > 3 {
		longs = longs[:3]
	}
	var out []string
	for mask := 0; mask < 1<<len(longs); mask++ {
		var b strings.Builder
		li := 0
		for i, ru := range runs {
			n := ru.n
			if li < len(longs) && longs[li] == i {
				n = 1
				if mask&(1<<li) != 0 {
					n = 2
				}
				li++
			} else if n >= 3 {
				n = 2
			}
			for range n {
				b.WriteRune(ru.r)
			}
		}
		out = append(out, b.String())
	}
	return out
}
