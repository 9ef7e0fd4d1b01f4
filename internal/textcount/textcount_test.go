package textcount_test

import (
	"strings"
	"testing"

	"github.com/portavoce/portavoce/internal/textcount"
)

const (
	family = "👨\u200d👩\u200d👧\u200d👦" // one grapheme, seven code points, 25 bytes
	thumb  = "👍🏽"                     // emoji and skin tone: one grapheme
	italy  = "🇮🇹"                     // two regional indicators: one grapheme
	eAcute = "e\u0301"                // e and a combining acute accent: one grapheme
	tokyo  = "東京"                     // two graphemes
)

// graphemes returns a string of exactly n graphemes mixing every kind of
// cluster the counters must get right, so a boundary test fails if any of
// them is miscounted.
func graphemes(n int) string {
	units := []string{"è", family, "a", thumb, " ", italy, eAcute, "東", "!", "\n"}
	var b strings.Builder
	for i := range n {
		b.WriteString(units[i%len(units)])
	}
	return b.String()
}

func TestGraphemesHelper(t *testing.T) {
	// The helper is only useful if it is right: check it against the
	// code-point count it must exceed (several units are multi-rune).
	s := graphemes(20)
	if got := textcount.Bluesky(s); got != 20 {
		t.Fatalf("Bluesky(graphemes(20)) = %d, want 20", got)
	}
	if n := len([]rune(s)); n <= 20 {
		t.Fatalf("graphemes(20) has %d code points, want more than 20", n)
	}
}

func TestBluesky(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int
	}{
		{"empty", "", 0},
		{"italian accents", "Perché il caffè è buono", 23},
		{"skin tone", thumb, 1},
		{"family zwj sequence", family, 1},
		{"flag", italy, 1},
		{"two flags", italy + italy, 2},
		{"combining accent", eAcute, 1},
		{"cjk", tokyo, 2},
		{"mixed", "Caffè " + thumb + " a " + tokyo + " " + italy, 14},
		{"url counts as written", "https://example.com/caffè", 25},
		{"mention counts as written", "@alice.bsky.social", 18},
		{"crlf is one grapheme", "a\r\nb", 3},
		{"exactly 300", graphemes(300), 300},
		{"301", graphemes(301), 301},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := textcount.Bluesky(tt.text); got != tt.want {
				t.Errorf("Bluesky(%q) = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
}

func TestBlueskyLimitBoundary(t *testing.T) {
	tests := []struct {
		name string
		text string
		fits bool
	}{
		{"300 fits", graphemes(300), true},
		{"301 does not", graphemes(301), false},
		{"300 families fit the grapheme limit", strings.Repeat(family, 300), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := textcount.Bluesky(tt.text)
			if fits := n <= textcount.BlueskyMaxGraphemes; fits != tt.fits {
				t.Errorf("Bluesky = %d, fits %d: %v, want %v", n, textcount.BlueskyMaxGraphemes, fits, tt.fits)
			}
		})
	}
	// The byte limit is separate: 300 families are 7500 bytes.
	if n := len(strings.Repeat(family, 300)); n <= textcount.BlueskyMaxBytes {
		t.Errorf("300 families are %d bytes, expected over BlueskyMaxBytes (%d)", n, textcount.BlueskyMaxBytes)
	}
}

func TestMastodon(t *testing.T) {
	const longURL = "https://example.com/notizie/2024/il-caffe-italiano-e-il-piu-buono-del-mondo?utm_source=portavoce"
	tests := []struct {
		name        string
		text        string
		charsPerURL int
		want        int
	}{
		{"empty", "", 23, 0},
		{"blank counts as empty", " \n\t\u3000", 23, 0},
		{"italian accents", "Perché il caffè è buono", 23, 23},
		{"skin tone", thumb, 23, 1},
		{"family zwj sequence", family, 23, 1},
		{"flag", italy, 23, 1},
		{"combining accent", eAcute, 23, 1},
		{"cjk", tokyo, 23, 2},

		{"long url", longURL, 23, 23},
		{"short url still 23", "http://t.it", 23, 23},
		{"instance setting", longURL, 10, 10},
		{"zero means default", longURL, 0, 23},
		{"negative means default", longURL, -5, 23},
		{"url at sentence end", "Leggete https://example.com/caffè.", 23, 8 + 23 + 1},
		{"url then comma", "Qui https://example.com/a, lì", 23, 4 + 23 + 4},
		{"url in parentheses", "(vedi https://example.com/caffè)", 23, 1 + 5 + 23 + 1},
		{"balanced parentheses are part of the url", "https://it.wikipedia.org/wiki/Caffè_(bevanda)", 23, 23},
		{"wikipedia url in parentheses", "(https://it.wikipedia.org/wiki/Caffè_(bevanda))", 23, 25},
		{"query", "Vai su https://example.com/a?b=1&c=è! Ora", 23, 7 + 23 + 5},
		{"port", "https://example.com:8443/x fine", 23, 23 + 5},
		{"two urls", "https://a.example.com e https://b.example.com/pagina", 23, 23 + 3 + 23},
		{"uppercase scheme", "HTTPS://EXAMPLE.COM/PAGINA-LUNGA", 23, 23},
		{"gemini url", "gemini://example.com/capsula/lunghissima/davvero", 23, 23},
		{"punycode top-level domain", "https://esempio.xn--zzzz/pagina-molto-lunga", 23, 23},
		{"url with accented domain", "https://caffè.it/menù-del-giorno", 23, 23},
		{"combining mark after url joins the placeholder", "https://example.com" + "\u0301", 23, 23},
		{"prepend mark before url joins the placeholder", "\u0600https://example.com\u0301", 23, 23},
		{"combining mark after url, small setting", "https://example.com\u0301 ok", 2, 2 + 3},
		{"emoji after url", "https://example.com/x " + family, 23, 23 + 2},

		{"bare domain counts as written", "example.com/articolo", 23, 20},
		{"scheme glued to a word is not a url", "vedihttps://example.com/pagina-lunga-lunga", 23, 42},
		{"unknown top-level domain is not a url", "https://localhost:3000/una-pagina-locale", 23, 40},
		{"scheme alone", "https:// e basta", 23, 16},
		{"invalid domain label is not a url", "https://_caffe.it/una-pagina-lunga", 23, 34},
		{"trailing dot after the domain", "https://example.com. Fine", 23, 23 + 6},

		{"remote mention counts as local", "@user@mastodon.social", 23, 5},
		{"local mention", "@user ciao", 23, 10},
		{"mention at start and after punctuation", "@anna@mastodon.uno,@bruno@social.it: ciao", 23, len("@anna,@bruno: ciao")},
		{"mention in parentheses", "(cc @user@mastodon.social)", 23, len("(cc @user)")},
		{"mention with trailing dot", "Grazie @user@mastodon.social.", 23, len("Grazie @user.")},
		{"accented domain", "@user@caffè.it", 23, 5},
		{"email is not a mention", "info@caffe.it", 23, 13},
		{"address-like text is not a mention", "mario@anna@example.it", 23, 21},
		{"mention followed by accent is not a mention", "@noël@example.com", 23, 17},
		{"mention followed by another @ is not a mention", "@anna@example.it@x", 23, 18},
		{"mention followed by :// is not a mention", "@user@https://example.com/x", 23, 27},
		{"mention inside url is part of the url", "https://mastodon.social/@user@example.com", 23, 23},
		{"mention and url", "@user@mastodon.social guarda https://example.com/caffè " + thumb, 23, 5 + 8 + 23 + 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := textcount.Mastodon(tt.text, tt.charsPerURL); got != tt.want {
				t.Errorf("Mastodon(%q, %d) = %d, want %d", tt.text, tt.charsPerURL, got, tt.want)
			}
		})
	}
}

func TestMastodonLimitBoundary(t *testing.T) {
	url := "https://example.com/" + strings.Repeat("caffè/", 80) // 500 code points, counts 23
	prefix := "@user@mastodon.social " + url + " "               // counts 5 + 1 + 23 + 1 = 30
	tests := []struct {
		name string
		text string
		want int
	}{
		{"exactly 500", prefix + graphemes(470), 500},
		{"501", prefix + graphemes(471), 501},
		{"500 with many urls", strings.Repeat(url+" ", 20) + graphemes(20), 500},
		{"501 with many urls", strings.Repeat(url+" ", 20) + graphemes(21), 501},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := textcount.Mastodon(tt.text, textcount.MastodonDefaultCharsPerURL)
			if got != tt.want {
				t.Fatalf("Mastodon = %d, want %d", got, tt.want)
			}
			if fits, want := got <= textcount.MastodonDefaultMaxChars, tt.want <= 500; fits != want {
				t.Errorf("fits = %v, want %v", fits, want)
			}
		})
	}
}

func TestMastodonStatus(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		spoiler string
		want    int
	}{
		{"no spoiler", "Perché il caffè è buono", "", 23},
		{"spoiler counts", "Perché il caffè è buono", "Spoiler: caffè", 23 + 14},
		{"spoiler is not rewritten", "ciao", "https://example.com/una-pagina-molto-lunga", 4 + 42},
		{"text is rewritten", "https://example.com/una-pagina-molto-lunga", "CW", 2 + 23},
		{"spoiler with emoji", "ok", family + italy, 2 + 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := textcount.MastodonStatus(tt.text, tt.spoiler, 23); got != tt.want {
				t.Errorf("MastodonStatus(%q, %q) = %d, want %d", tt.text, tt.spoiler, got, tt.want)
			}
		})
	}
}

func TestMastodonHugeCharsPerURL(t *testing.T) {
	// The placeholder is not materialised, so an absurd instance setting
	// costs nothing and still counts exactly.
	const n = 1 << 40
	if got := textcount.Mastodon("a https://example.com b", n); got != n+4 {
		t.Errorf("Mastodon = %d, want %d", got, n+4)
	}
}
