package sentiment

import (
	"math"
	"strings"
	"testing"

	"github.com/portavoce/portavoce/internal/listening/sentiment/sentimenteval"
)

func TestLexiconsLoad(t *testing.T) {
	// A duplicate or malformed entry must be caught here, not at the first
	// Analyze of a running server.
	for _, c := range []struct {
		lang string
		r    rules
	}{{"it", italianRules}, {"en", englishRules}, {"", noRules}} {
		lx, err := loadLexicon(c.lang, c.r)
		if err != nil {
			t.Fatalf("lexicon %q: %v", c.lang, err)
		}
		if c.lang != "" && len(lx.words) < 500 {
			t.Errorf("lexicon %q has %d words, expected at least 500", c.lang, len(lx.words))
		}
	}
}

// labelCase is a text and the label it must get.
type labelCase struct {
	name, text, want string
}

// orderCase says that stronger must score higher than weaker (both texts of
// the same polarity, compared in absolute value, unless signed is set).
type orderCase struct {
	name, stronger, weaker string
}

func checkLabels(t *testing.T, cases []labelCase) {
	t.Helper()
	a := New()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := a.Analyze(c.text)
			if got.Label != c.want {
				t.Errorf("Analyze(%q) = %+v, want label %s", c.text, got, c.want)
			}
		})
	}
}

func checkOrder(t *testing.T, cases []orderCase) {
	t.Helper()
	a := New()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, w := a.Analyze(c.stronger), a.Analyze(c.weaker)
			if w.Score == 0 || math.Signbit(s.Score) != math.Signbit(w.Score) {
				t.Fatalf("%q (%.3f) and %q (%.3f) should share a non-zero polarity", c.stronger, s.Score, c.weaker, w.Score)
			}
			if math.Abs(s.Score) <= math.Abs(w.Score) {
				t.Errorf("%q scored %.3f, not stronger than %q at %.3f", c.stronger, s.Score, c.weaker, w.Score)
			}
		})
	}
}

func TestRulesItalian(t *testing.T) {
	t.Run("lexicon", func(t *testing.T) {
		checkLabels(t, []labelCase{
			{"positive word", "Il cappuccino è ottimo", Positive},
			{"negative word", "Il cappuccino è pessimo", Negative},
			{"no opinion", "Il bar apre alle sette", Neutral},
			{"inflected form", "Le brioche sono buone", Positive},
			{"superlative", "Personale gentilissimo", Positive},
			{"adverb in -mente", "Hanno risposto gentilmente", Positive},
			{"phrase", "Non vedo l'ora di tornarci", Positive},
			{"greeting is not praise", "Buona giornata a tutti", Neutral},
			{"accent written as apostrophe", "Perche' e' cosi' caro?", Negative},
		})
	})
	t.Run("negation", func(t *testing.T) {
		checkLabels(t, []labelCase{
			{"non è male", "Non è male", Positive},
			{"niente male", "Niente male questo bar", Positive},
			{"non mi è piaciuto", "Non mi è piaciuto", Negative},
			{"non funziona", "L'app non funziona", Negative},
			{"mai più", "Mai più in questo posto", Negative},
			{"non ... mai più, still negative", "Non ci torno mai più", Negative},
			{"mai una delusione", "Mai una delusione", Positive},
			{"senza", "Consegna senza problemi", Positive},
			{"poco", "Personale poco gentile", Negative},
			{"nessun", "Nessun problema con il reso", Positive},
			{"spacciato per", "Pane raffermo spacciato per fresco", Negative},
			{"out of reach of the window", "Non ho mai mangiato una pizza così buona", Positive},
		})
	})
	t.Run("intensifiers", func(t *testing.T) {
		checkOrder(t, []orderCase{
			{"molto", "Molto buono", "Buono"},
			{"davvero", "Davvero bello", "Bello"},
			{"un po' mitigates", "Caro", "Un po' caro"},
			{"abbastanza mitigates", "Buono", "Abbastanza buono"},
			{"superlative is stronger", "Buonissimo", "Buono"},
			{"stra- is stronger", "Strabuono", "Buono"},
		})
	})
	t.Run("troppo", func(t *testing.T) {
		checkLabels(t, []labelCase{
			{"before a plain word", "Troppo sale nella pasta", Negative},
			{"boosts a sentiment word", "Troppo buono", Positive},
		})
		checkOrder(t, []orderCase{{"boosts blame", "Troppo caro", "Caro"}})
	})
	t.Run("contrast", func(t *testing.T) {
		checkLabels(t, []labelCase{
			{"bello ma caro", "Bello ma caro", Negative},
			{"caro ma buonissimo", "Caro ma buonissimo", Positive},
			{"però", "Il servizio è lento, però il cibo è ottimo", Positive},
			{"invece", "Il primo era scotto, il dolce invece squisito", Positive},
			{"sentence opening with ma", "Il locale è carino. Ma il servizio è pessimo.", Negative},
			{"ma anche is no contrast", "Non solo buono ma anche economico", Positive},
			{"anche se weighs less", "Il cibo è ottimo anche se un po' caro", Positive},
		})
	})
	t.Run("emoji and emoticons", func(t *testing.T) {
		checkLabels(t, []labelCase{
			{"😍", "Pizza 😍", Positive},
			{"🤬", "Consegna 🤬", Negative},
			{"skin tone", "Servizio 👍🏽", Positive},
			{"zwj sequence", "Di nuovo in ritardo 🤦‍♀️", Negative},
			{":)", "Ci vediamo domani :)", Positive},
			{":(", "Chiuso anche oggi :(", Negative},
			{"<3", "Il mio bar <3", Positive},
		})
	})
	t.Run("repeated letters", func(t *testing.T) {
		checkLabels(t, []labelCase{{"bellissimoooo", "Bellissimoooo", Positive}})
		checkOrder(t, []orderCase{
			{"elongated word", "Bellissimoooo", "Bellissimo"},
			{"elongated booster", "Buono, moooolto buono", "Buono, molto buono"},
		})
	})
	t.Run("abbreviations", func(t *testing.T) {
		checkLabels(t, []labelCase{
			{"nn", "Nn mi piace", Negative},
			{"cmq", "Caro, cmq buonissimo", Positive},
			{"xké", "Xké nn funziona mai?", Negative},
			{"tvb", "Tvb @BarCentrale", Positive},
			{"x for per", "Tutto xfetto", Positive},
		})
	})
	t.Run("exclamation and capitals", func(t *testing.T) {
		checkOrder(t, []orderCase{
			{"exclamation marks", "Buono!!!", "Buono"},
			{"more marks", "Pessimo!!!", "Pessimo!"},
			{"capitals", "Il caffè è BUONO", "Il caffè è buono"},
			{"omg", "Omg che buono", "Che buono"},
		})
		checkLabels(t, []labelCase{{"all capitals is no stress", "CHE SCHIFO", Negative}})
	})
}

func TestRulesEnglish(t *testing.T) {
	t.Run("lexicon", func(t *testing.T) {
		checkLabels(t, []labelCase{
			{"positive word", "The coffee is great", Positive},
			{"negative word", "The coffee is awful", Negative},
			{"no opinion", "The cafe opens at seven", Neutral},
			{"inflected form", "The staff loved it", Positive},
			{"phrase", "What a waste of money", Negative},
			{"looks like is no liking", "It looks like a bakery", Neutral},
			{"rating", "Dinner: 9/10", Positive},
			{"rating in words", "I give it 2 out of 10", Negative},
			{"greeting is not praise", "Good morning from the shop", Neutral},
		})
	})
	t.Run("negation", func(t *testing.T) {
		checkLabels(t, []labelCase{
			{"not bad", "Not bad at all", Positive},
			{"not good", "The pizza was not good", Negative},
			{"contraction", "I didn't like the pasta", Negative},
			{"contraction without apostrophe", "I dont like it", Negative},
			{"never again", "Never again", Negative},
			{"never again after a negation", "I'm not going, never again", Negative},
			{"without", "Delivered without problems", Positive},
			{"won't be disappointed", "You won't be disappointed", Positive},
			{"barely turns praise", "The fries were barely edible", Negative},
			{"barely softens blame", "The soup was barely lukewarm", Negative},
			{"instead of", "Pale and soggy instead of crispy", Negative},
		})
	})
	t.Run("intensifiers", func(t *testing.T) {
		checkOrder(t, []orderCase{
			{"very", "Very good", "Good"},
			{"extremely", "Extremely rude staff", "Rude staff"},
			{"slightly mitigates", "Expensive", "Slightly expensive"},
			{"a bit mitigates", "Slow", "A bit slow"},
			{"too boosts", "Too greasy", "Greasy"},
		})
		checkLabels(t, []labelCase{
			{"too before a plain word", "The music is too much", Negative},
			{"too as also", "I had the soup too.", Neutral},
		})
	})
	t.Run("contrast", func(t *testing.T) {
		checkLabels(t, []labelCase{
			{"but", "Nice place but the food was bland and cold", Negative},
			{"but, reversed", "A bit expensive but absolutely delicious", Positive},
			{"however", "The staff were rude. However, the food was excellent.", Positive},
			{"although", "Although the wait was long and annoying, the food was great", Positive},
			{"but also is no contrast", "Not only cheap but also good", Positive},
		})
	})
	t.Run("emoji and emoticons", func(t *testing.T) {
		checkLabels(t, []labelCase{
			{"😍", "New menu 😍", Positive},
			{"🤬", "Delivery late again 🤬", Negative},
			{":)", "See you tomorrow :)", Positive},
			{":(", "Closed today :(", Negative},
			{"time is no emoticon", "Meeting at 20:30", Neutral},
		})
	})
	t.Run("repeated letters", func(t *testing.T) {
		checkLabels(t, []labelCase{{"soooo good", "soooo good", Positive}})
		checkOrder(t, []orderCase{
			{"elongated booster", "soooo good", "so good"},
			{"elongated word", "goooood", "good"},
		})
	})
	t.Run("abbreviations", func(t *testing.T) {
		checkLabels(t, []labelCase{
			{"lol", "lol this place", Positive},
			{"luv", "luv this place", Positive},
			{"wtf", "wtf is this service", Negative},
			{"smh", "smh at the queue", Negative},
		})
		checkOrder(t, []orderCase{{"omg", "omg so good", "so good"}})
	})
	t.Run("exclamation and capitals", func(t *testing.T) {
		checkOrder(t, []orderCase{
			{"exclamation marks", "Great!!!", "Great"},
			{"capitals", "The food was GREAT", "The food was great"},
		})
	})
}

func TestOtherLanguagesUseEmojiAndCognates(t *testing.T) {
	a := New()
	for _, c := range []struct{ text, lang, label string }{
		{"Le service était vraiment lent aujourd'hui 😡", "fr", Negative},
		{"Wir sehen uns morgen im Café am Markt", "de", Neutral},
		{"La pizza estaba super 😍", "es", Positive},
	} {
		got := a.Analyze(c.text)
		if got.Lang != c.lang || got.Label != c.label {
			t.Errorf("Analyze(%q) = %+v, want lang %s label %s", c.text, got, c.lang, c.label)
		}
	}
}

func TestEmptyAndNoise(t *testing.T) {
	a := New()
	for _, text := range []string{"", "   ", "@brand #brand https://example.com/x", "12:30"} {
		got := a.Analyze(text)
		if got.Score != 0 || got.Label != Neutral {
			t.Errorf("Analyze(%q) = %+v, want a neutral 0", text, got)
		}
	}
}

func TestScoreRange(t *testing.T) {
	a := New()
	ex := loadItalian(t)
	for _, e := range ex {
		s := a.Analyze(e.Text + " " + strings.Repeat("!", 10) + " " + e.Text).Score
		if s < -1 || s > 1 || math.IsNaN(s) {
			t.Fatalf("score %v out of [-1, 1] for %q", s, e.Text)
		}
	}
}

func loadItalian(t testing.TB) []sentimenteval.Example {
	t.Helper()
	var all []sentimenteval.Example
	for _, f := range []string{"testdata/it_dev.tsv", "testdata/it_test.tsv"} {
		ex, err := sentimenteval.LoadTSV(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ex...)
	}
	return all
}

// The floors of TestItalianAccuracy, just under the figures measured when
// they were set (held-out: accuracy 0.931, macro-F1 0.930, 218 sentences;
// development: accuracy 0.973, 112 sentences), so that a change that loses
// three held-out sentences fails. Raise them with the figures when the
// engine gets better.
const (
	floorTestAccuracy = 0.92
	floorTestMacroF1  = 0.92
	floorDevAccuracy  = 0.96
)

func TestItalianAccuracy(t *testing.T) {
	a := New()
	label := func(s string) string { return a.Analyze(s).Label }
	test, err := sentimenteval.LoadTSV("testdata/it_test.tsv")
	if err != nil {
		t.Fatal(err)
	}
	dev, err := sentimenteval.LoadTSV("testdata/it_dev.tsv")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(test) + len(dev); n < 300 {
		t.Fatalf("the Italian set has %d sentences, want at least 300", n)
	}
	m := sentimenteval.Score(test, label)
	t.Logf("held-out: accuracy %.3f macro-F1 %.3f\n%s", m.Accuracy(), m.MacroF1(), m)
	if m.Accuracy() < floorTestAccuracy || m.MacroF1() < floorTestMacroF1 {
		t.Errorf("held-out Italian set: accuracy %.3f (floor %.2f), macro-F1 %.3f (floor %.2f)",
			m.Accuracy(), floorTestAccuracy, m.MacroF1(), floorTestMacroF1)
	}
	d := sentimenteval.Score(dev, label)
	t.Logf("development: accuracy %.3f macro-F1 %.3f", d.Accuracy(), d.MacroF1())
	if d.Accuracy() < floorDevAccuracy {
		t.Errorf("development Italian set: accuracy %.3f (floor %.2f)", d.Accuracy(), floorDevAccuracy)
	}
}

// post30 is a 30-word post, the size the benchmarks measure.
const post30 = "Ieri sera cena da @TrattoriaRossi con gli amici: antipasti ottimi, pasta buonissima 😍 ma il servizio era davvero lento e il conto un po' caro. Ci torneremo comunque! #cena https://example.com/foto"

func BenchmarkAnalyze(b *testing.B) {
	a := New()
	if n := len(strings.Fields(post30)); n != 30 {
		b.Fatalf("post30 has %d words", n)
	}
	b.ReportAllocs()
	for b.Loop() {
		a.Analyze(post30)
	}
}
