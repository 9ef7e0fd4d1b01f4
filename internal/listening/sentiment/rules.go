package sentiment

import "strings"

// rules are a language's function words that change the valence of the
// words around them, and its abbreviations. Lexicon entries carry valence;
// these carry none of their own.
type rules struct {
	negators []string // turn the next words around
	// weakNegators are negators that turn praise around but only soften
	// blame ("barely edible", "barely lukewarm").
	weakNegators []string
	boosters     map[string]float64 // scale the next sentiment word: >1 intensifier, <1 mitigator
	contrast     []string           // "ma", "but"
	concessive   []string           // "anche se", "although"
	excess       []string           // "troppo", "too"
	emphasis     []string           // "omg": counts as exclamation marks
	abbrev       map[string]string  // folded spelling -> folded expansion (one token)
	// noContrastBefore are the words after which a contrast word does not
	// contrast: "non solo ... ma anche", "not only ... but also".
	noContrastBefore []string
	negWindow        int  // how many words back a negator reaches
	likeGuard        bool // English "like" is a verb only after a subject
}

// isNegator reports whether a folded token is a negator of these rules;
// every English "n't" contraction is one.
func (r rules) isNegator(t string) bool {
	if strings.HasSuffix(t, "n't") {
		return true
	}
	for _, n := range r.negators {
		if n == t {
			return true
		}
	}
	return false
}

var italianRules = rules{
	negators: []string{"non", "mai", "niente", "nulla", "nessuno", "nessuna", "nessun",
		"neanche", "nemmeno", "neppure", "senza", "mica", "manco", "poco", "poca", "pochi", "poche", "pochissimo",
		"invece di", "anziché", "tutt'altro che", "spacciato per", "spacciata per", "spacciati per", "spacciate per", "privo di", "priva di", "mancanza di"},
	boosters: map[string]float64{
		"molto": 1.3, "tanto": 1.25, "tantissimo": 1.5, "moltissimo": 1.5, "davvero": 1.3,
		"veramente": 1.3, "proprio": 1.2, "estremamente": 1.5, "incredibilmente": 1.5,
		"assolutamente": 1.4, "decisamente": 1.3, "particolarmente": 1.2, "parecchio": 1.2,
		"così": 1.2, "talmente": 1.4, "sicuramente": 1.2, "certamente": 1.2, "super": 1.4,
		"ultra": 1.4, "mega": 1.4, "iper": 1.4, "del tutto": 1.3, "senza dubbio": 1.2,
		"in assoluto": 1.3, "davvero tanto": 1.4, "sempre": 1.1, "tutto": 1.1,
		"abbastanza": 0.8, "piuttosto": 0.85, "un po'": 0.7, "un poco": 0.7, "un pochino": 0.6,
		"un pochettino": 0.6, "leggermente": 0.7, "quasi": 0.7, "alquanto": 0.85,
		"relativamente": 0.8, "vagamente": 0.7, "un filo": 0.7,
	},
	contrast:         []string{"ma", "però", "tuttavia", "eppure", "invece", "comunque", "solo che", "se non che"},
	concessive:       []string{"anche se", "sebbene", "benché", "nonostante", "malgrado", "seppur", "seppure", "nonché"},
	excess:           []string{"troppo", "troppa", "troppi", "troppe"},
	emphasis:         []string{"omg", "oddio", "mamma mia", "madonna", "non ci posso credere", "incredibile ma vero"},
	noContrastBefore: []string{"anche", "pure", "soprattutto"},
	negWindow:        NegationWindowIT,
	abbrev: map[string]string{
		"nn": "non", "cmq": "comunque", "cmnq": "comunque", "cmque": "comunque",
		"xke": "perche", "xk": "perche", "xche": "perche", "perke": "perche",
		"ke": "che", "k": "che", "cm": "come", "tt": "tutto", "x": "per", "qlc": "qualche",
		"qlcs": "qualcosa", "qls": "qualsiasi", "sn": "sono", "nnt": "niente", "bn": "bene",
		"mlt": "molto", "trp": "troppo", "tnt": "tanto", "dv": "dove", "qnd": "quando",
		"anke": "anche", "ank": "anche", "grz": "grazie", "xo": "pero", "ki": "chi",
		"raga": "ragazzi", "cn": "con", "nemm": "nemmeno",
	},
}

var englishRules = rules{
	negators: []string{"not", "no", "never", "none", "nobody", "nothing", "nowhere", "neither", "nor",
		"without", "hardly", "barely", "rarely", "seldom", "cannot", "no one", "not even", "far from", "instead of", "never ever", "lack of", "lacks", "lacked"},
	weakNegators: []string{"hardly", "barely"},
	boosters: map[string]float64{
		"very": 1.3, "really": 1.3, "so": 1.3, "extremely": 1.5, "incredibly": 1.5, "absolutely": 1.4,
		"totally": 1.3, "completely": 1.3, "utterly": 1.4, "highly": 1.3, "super": 1.4, "truly": 1.3,
		"quite": 1.1, "pretty": 1.1, "such": 1.2, "damn": 1.3, "freaking": 1.3, "fucking": 1.4,
		"bloody": 1.3, "insanely": 1.5, "ridiculously": 1.4, "terribly": 1.4, "awfully": 1.3,
		"exceptionally": 1.5, "especially": 1.2, "particularly": 1.2, "remarkably": 1.3,
		"seriously": 1.3, "definitely": 1.2, "certainly": 1.2, "genuinely": 1.2, "thoroughly": 1.3,
		"deeply": 1.3, "hugely": 1.4, "immensely": 1.4, "enormously": 1.4, "amazingly": 1.4,
		"way": 1.2, "much": 1.2, "so much": 1.3, "most": 1.2, "real": 1.2, "simply": 1.1, "just": 1.05,
		"fairly": 0.8, "rather": 0.85, "somewhat": 0.7, "slightly": 0.6, "a bit": 0.7, "a little": 0.7,
		"a little bit": 0.65, "kind of": 0.7, "kinda": 0.7, "sort of": 0.7, "sorta": 0.7,
		"mildly": 0.7, "marginally": 0.7, "partly": 0.7, "moderately": 0.8, "mostly": 0.85,
		"almost": 0.8, "a tad": 0.7, "relatively": 0.85,
	},
	contrast:         []string{"but", "however", "nevertheless", "nonetheless", "even so", "that said", "having said that", "on the other hand", "except", "except that"},
	concessive:       []string{"although", "though", "even though", "even if", "despite", "in spite of", "albeit"},
	excess:           []string{"too"},
	emphasis:         []string{"omg", "omfg", "oh my god", "oh my gosh", "oh my", "can't believe", "cannot believe", "couldn't believe", "could not believe", "can not believe"},
	noContrastBefore: []string{"also", "too"},
	negWindow:        NegationWindowEN,
	likeGuard:        true,
	abbrev: map[string]string{
		"u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please", "luv": "love",
		"gr8": "great", "b4": "before", "bc": "because", "cuz": "because", "coz": "because",
		"dont": "don't", "didnt": "didn't", "doesnt": "doesn't", "isnt": "isn't", "wasnt": "wasn't",
		"arent": "aren't", "werent": "weren't", "havent": "haven't", "hasnt": "hasn't",
		"hadnt": "hadn't", "couldnt": "couldn't", "wouldnt": "wouldn't", "shouldnt": "shouldn't",
		"cant": "can't", "wont": "won't", "aint": "ain't", "im": "i'm", "ive": "i've",
		"awsome": "awesome", "amazin": "amazing", "gud": "good", "kool": "cool", "k": "ok",
		"kk": "ok", "ppl": "people", "bday": "birthday", "tho": "though", "thru": "through",
		"ya": "you", "yr": "your", "thnx": "thanks", "thanx": "thanks", "tks": "thanks",
	},
}

// noRules serves languages without a lexicon: only emoji, emoticons and
// ratings count there.
var noRules = rules{negWindow: 3}

// likeSubjects are the words after which English "like" is the verb of
// liking ("I like", "didn't like", "really like"), not "looks like".
var likeSubjects = map[string]bool{
	"i": true, "we": true, "you": true, "they": true, "really": true, "totally": true,
	"do": true, "did": true, "don't": true, "didn't": true, "doesn't": true, "does": true,
	"would": true, "i'd": true, "we'd": true, "just": true, "also": true, "still": true,
	"definitely": true, "actually": true, "truly": true, "absolutely": true, "so": true,
	"genuinely": true, "kinda": true, "will": true, "she": true, "he": true, "people": true,
	"honestly": true, "wife": true, "kids": true, "husband": true, "and": true, "always": true,
}
