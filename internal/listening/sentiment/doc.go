// Package sentiment scores the mood of a mention (a post about a brand)
// from -1 to 1 and labels it positive, neutral or negative, for brand
// monitoring. It reads Italian and English; in the other languages that
// lang.Detect recognises it reads emoji, emoticons, marks such as "8/10" and
// the sentiment words those languages share with Italian or English
// ("super", "top", "horrible").
//
// It is a baseline behind a small interface (Analyzer, Analysis), so that a
// better engine can replace it without touching its callers.
//
// # Method
//
// Lexicon and rules, in the manner of VADER (Hutto and Gilbert, 2014), with
// lexicons and rules written for this package (lexicon/*.txt, rules.go).
//
// Language. lang.Detect names the language. Both lexicons score the text;
// the detected language's is used when Detect is sure (TrustDetection) or
// when it recognises a sentiment word. Otherwise (a very short post that
// Detect misjudges, or a language without a lexicon) the lexicon that
// recognises more words is used, and with none recognised only emoji,
// emoticons and marks count. Analysis.Lang is Detect's answer, "" when it
// was unsure.
//
// Tokens. URLs, e-mail addresses and @mentions are dropped; a #hashtag keeps
// its word ("#delusione" counts). Emoji lose skin tones and what a
// zero-width joiner glues on; emoticons (":)", ":-(", "<3", "xD") and marks
// ("8/10", "4.5/5", "3 out of 10", "9 su 10") are tokens; "!", "?", ".",
// ",", ";", ":" and dashes mark clauses. Words are lowercased and lose their
// accents, so "perche'", "perchè" and "perché" meet. Italian elisions are
// split ("l'ora"); English keeps "don't" whole.
//
// Normal forms. Abbreviations are expanded ("nn" non, "cmq" comunque, "xké"
// perché, "x" per, "u" you, "dont" don't); "tvb", "lol", "omg", "wtf" are
// entries of their own. A letter repeated three times or more
// ("bellissimoooo", "soooo") is squeezed to the first spelling the lexicon
// knows, and the word is stressed. A word missing from the lexicon is looked
// up by its lemma: in Italian the other gender or number (buone: buono),
// superlatives (buonissimo: buono, made stronger by 1.3), the prefixes stra-
// and super- (likewise) and adverbs in -mente; in English -s, -ed, -ing,
// -ly, -er, -est, -ness. An unknown hyphenated word is split.
//
// Lexicon. Phrases of up to six words are matched first, longest first
// ("non vedo l'ora", "mai più", "waste of money", "can't wait"), then single
// words. Valences run from -4 to 4, on VADER's scale. A phrase that holds a
// negation is not negated again.
//
// Boosters and mitigators in the three words before a sentiment word scale
// its strength ("molto" and "very" ×1.3, "estremamente" and "extremely"
// ×1.5, "un po'" and "a bit" ×0.7, "slightly" ×0.6), farther ones a little
// less (BoosterDecay1, BoosterDecay2, BoosterDecay3). A booster that is
// itself a sentiment word ("super", "damn") counts as a word when nothing
// follows it to boost. "troppo" and "too" boost a sentiment word and, before
// a plain word ("troppo sale"), are a complaint of their own
// (ExcessValence).
//
// Stress. A word in capitals, in a text not all in capitals, gains CapsBoost
// in strength; a stressed (elongated) word gains ElongationBoost, and a
// stressed booster boosts more. Each exclamation mark, up to
// MaxExclamations ("omg", "oddio", "mamma mia" counting as two), adds
// ExclamationBoost to the sum in its direction.
//
// Negation. A negator up to NegationWindowIT (Italian) or NegationWindowEN
// (English) words before a sentiment word, in the same clause, multiplies
// its valence by NegationScalar: "non è male" and "not bad" become mildly
// positive, "non mi è piaciuto" and "didn't like" negative. Italian negative
// concord ("non ... mai", "non ... niente") negates once. "senza",
// "without", "poco", "invece di", "instead of", "spacciato per" and "far
// from" negate too; "barely" and "hardly" turn praise around but only soften
// blame (WeakNegationFactor).
//
// Contrast. In a sentence with "ma", "però", "invece", "comunque", "but" or
// "however", the words before the last of them weigh ContrastBefore and the
// words after it ContrastAfter: "bello ma caro" is negative, "caro ma
// buonissimo" positive. A sentence that opens with one of them lowers the
// sentence before it. "ma anche" and "but also" do not contrast. The clause
// of a concessive ("anche se", "nonostante", "although", "even though")
// weighs ConcessiveWeight.
//
// Score. The weighted valences are added into s, and the score is
// s/√(s²+Alpha), in (-1, 1). The label is positive from Threshold up,
// negative from -Threshold down, neutral between.
//
// The parameters follow VADER where it measured them (NegationScalar,
// CapsBoost, ExclamationBoost, Alpha, Threshold, the 0.5 and 1.5 contrast
// weights); the others were set by hand.
//
// # Accuracy
//
// scripts/sentiment-eval prints accuracy and macro-F1 on the UCI "Sentiment
// Labelled Sentences" (Amazon, IMDB and Yelp reviews, the fixtures of the
// npm package "sentiment"), beside VADER's, and on the Italian set in
// testdata/ (330 posts and reviews written for the project, positive,
// neutral and negative). Both were split before tuning: the lexicon was
// tuned by reading errors on the even rows of the English sets and on
// testdata/it_dev.tsv only, and the figures that matter are those of the
// held-out parts. TestItalianAccuracy fails if the Italian figures fall
// under floors set just below the measured ones.
//
// The method does not understand irony, sarcasm, comparisons ("I've had
// better"), conditionals ("if you like a loud buzzing"), or opinions
// without sentiment words ("it took an hour to get our food"); a sentence
// with no known word is neutral.
package sentiment
