package textcount_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/portavoce/portavoce/internal/textcount"
)

type wantFacet struct {
	kind  textcount.FacetKind
	text  string // exactly text[Start:End]
	value string
}

func link(text, value string) wantFacet { return wantFacet{textcount.FacetLink, text, value} }
func mention(handle string) wantFacet   { return wantFacet{textcount.FacetMention, "@" + handle, handle} }
func tag(text, value string) wantFacet  { return wantFacet{textcount.FacetTag, text, value} }

var facetTests = []struct {
	name string
	text string
	want []wantFacet
}{
	// Links.
	{"link at sentence end", "Leggete https://example.com/caffè.", []wantFacet{link("https://example.com/caffè", "https://example.com/caffè")}},
	{"link in parentheses", "Il menù (https://example.com/menù) è qui", []wantFacet{link("https://example.com/menù", "https://example.com/menù")}},
	{"link with balanced parentheses", "Vedi https://it.wikipedia.org/wiki/Caffè_(bevanda).", []wantFacet{link("https://it.wikipedia.org/wiki/Caffè_(bevanda)", "https://it.wikipedia.org/wiki/Caffè_(bevanda)")}},
	{"outer parenthesis kept when the link has one, as the official client does", "(https://it.wikipedia.org/wiki/Caffè_(bevanda))", []wantFacet{link("https://it.wikipedia.org/wiki/Caffè_(bevanda))", "https://it.wikipedia.org/wiki/Caffè_(bevanda))")}},
	{"one trailing mark stripped, as the official client does", "Che bello https://example.com!!", []wantFacet{link("https://example.com!", "https://example.com!")}},
	{"parenthesis and full stop stripped", "(vedi https://b.it).", []wantFacet{link("https://b.it", "https://b.it")}},
	{"query and fragment", "https://example.com/ricerca?q=caffè&lang=it#risultati", []wantFacet{link("https://example.com/ricerca?q=caffè&lang=it#risultati", "https://example.com/ricerca?q=caffè&lang=it#risultati")}},
	{"http", "http://example.com/x", []wantFacet{link("http://example.com/x", "http://example.com/x")}},
	{"uppercase scheme", "HTTPS://EXAMPLE.COM", []wantFacet{link("HTTPS://EXAMPLE.COM", "HTTPS://EXAMPLE.COM")}},
	{"bare domain with path", "Leggete example.com/articolo, grazie", []wantFacet{link("example.com/articolo", "https://example.com/articolo")}},
	{"bare subdomain", "Sito: www.comune.roma.it.", []wantFacet{link("www.comune.roma.it", "https://www.comune.roma.it")}},
	{"unknown top-level domains are not links", "mario.rossi ha mandato file.txt e main.go", nil},
	{"glued to a word is not a link", "Guarda:https://example.com", nil},
	{"scheme without host", "https:// e https://.", nil},
	{"scheme with empty host", "https:///caffè", nil},
	{"unknown domain consumes its text", "foo.notatld(example.com", nil},

	// Mentions.
	{"mention at start", "@alice.bsky.social buongiorno", []wantFacet{mention("alice.bsky.social")}},
	{"mention in parentheses", "(@bob.bsky.social)", []wantFacet{mention("bob.bsky.social")}},
	{"mentions before punctuation", "Grazie @carla.bsky.social! E a @dario.it.", []wantFacet{mention("carla.bsky.social"), mention("dario.it")}},
	{"mention after a comma is not one, as in the official client", "ciao,@bob.bsky.social", nil},
	{"email is not a mention", "scrivi a info@caffe.it", nil},
	{"unknown top-level domain", "@mario.rossi", nil},
	{"test handle", "@dave.test ciao", []wantFacet{mention("dave.test")}},
	{"reserved top-level domains", "@eve.local @frank.onion @gina.example", nil},
	{"mastodon address is not a handle", "@user@mastodon.social", nil},
	{"single label", "@alice", nil},
	{"bad ending is not retried shorter", "@alice.bsky.social_x", nil},
	{"uppercase handle kept as written", "@Alice.Bsky.Social", []wantFacet{mention("Alice.Bsky.Social")}},

	// Hashtags.
	{"hashtag with accents", "Il #caffè è buono", []wantFacet{tag("#caffè", "caffè")}},
	{"digits only is not a tag", "#2024 e #1.", nil},
	{"digits and letters", "Buon #2024caffè", []wantFacet{tag("#2024caffè", "2024caffè")}},
	{"trailing punctuation stripped", "Viva il #caffè! E il #tè, sì.", []wantFacet{tag("#caffè", "caffè"), tag("#tè", "tè")}},
	{"full-width hash", "＃ciao a tutti", []wantFacet{tag("＃ciao", "ciao")}},
	{"keycap emoji is not a tag", "#️⃣ ecco", nil},
	{"hash inside a word", "caffè#buono", nil},
	{"emoji tag", "#☕ buongiorno", []wantFacet{tag("#☕", "☕")}},
	{"tag after newline", "Ciao\n#buongiorno", []wantFacet{tag("#buongiorno", "buongiorno")}},
	{"64 units", "#" + strings.Repeat("a", 64), []wantFacet{tag("#"+strings.Repeat("a", 64), strings.Repeat("a", 64))}},
	{"65 units", "#" + strings.Repeat("a", 65), nil},
	{"astral characters count twice", "#" + strings.Repeat("😀", 32), []wantFacet{tag("#"+strings.Repeat("😀", 32), strings.Repeat("😀", 32))}},
	{"33 astral characters are too many", "#" + strings.Repeat("😀", 33), nil},
	{"combining accent", "#caffe\u0301 buono", []wantFacet{tag("#caffe\u0301", "caffe\u0301")}},
	{"cjk tag", "#東京 #大阪", []wantFacet{tag("#東京", "東京"), tag("#大阪", "大阪")}},
	{"zero-width space ends a tag", "#caffè\u200bbuono", []wantFacet{tag("#caffè", "caffè")}},
	{"zero-width joiner ends a tag, as in the official client", "#famiglia" + family, []wantFacet{tag("#famiglia👨", "famiglia👨")}},

	// Everything together, after multi-byte text.
	{
		"emoji before facets",
		family + " " + thumb + " " + italy + " @alice.bsky.social #caffè https://example.com/東京",
		[]wantFacet{mention("alice.bsky.social"), tag("#caffè", "caffè"), link("https://example.com/東京", "https://example.com/東京")},
	},
	{
		"all kinds in order",
		"Perché #caffè con @alice.bsky.social su example.com/menù " + eAcute + " " + tokyo,
		[]wantFacet{tag("#caffè", "caffè"), mention("alice.bsky.social"), link("example.com/menù", "https://example.com/menù")},
	},
	{"mention inside a link is part of the link", "https://example.com/(@alice.bsky.social)", []wantFacet{link("https://example.com/(@alice.bsky.social)", "https://example.com/(@alice.bsky.social)")}},
}

func TestFacets(t *testing.T) {
	for _, tt := range facetTests {
		t.Run(tt.name, func(t *testing.T) {
			got := textcount.Facets(tt.text)
			if len(got) != len(tt.want) {
				t.Fatalf("Facets(%q) = %s, want %d facets", tt.text, dump(tt.text, got), len(tt.want))
			}
			from := 0
			for i, w := range tt.want {
				g := got[i]
				if g.Start < 0 || g.Start > g.End || g.End > len(tt.text) {
					t.Fatalf("facet %d: bounds [%d, %d) outside the text (%d bytes)", i, g.Start, g.End, len(tt.text))
				}
				// Where the expected bytes are, found independently of the package.
				idx := strings.Index(tt.text[from:], w.text)
				if idx < 0 {
					t.Fatalf("test bug: %q not in %q after byte %d", w.text, tt.text, from)
				}
				wantStart := from + idx
				if tt.text[g.Start:g.End] != w.text {
					t.Errorf("facet %d: text[%d:%d] = %q, want %q", i, g.Start, g.End, tt.text[g.Start:g.End], w.text)
				}
				if g.Start != wantStart || g.End != wantStart+len(w.text) {
					t.Errorf("facet %d: bytes [%d, %d), want [%d, %d)", i, g.Start, g.End, wantStart, wantStart+len(w.text))
				}
				if g.Kind != w.kind || g.Value != w.value {
					t.Errorf("facet %d: %s %q, want %s %q", i, g.Kind, g.Value, w.kind, w.value)
				}
				from = wantStart + len(w.text)
			}
		})
	}
}

// TestFacetsByteOffsets pins offsets worked out by hand, so a mistake shared
// by the package and strings.Index (counting runes, say) cannot hide.
func TestFacetsByteOffsets(t *testing.T) {
	tests := []struct {
		name       string
		text       string
		start, end int
	}{
		{"after accented letters", "Perché #caffè", 8, 15},                    // "Perché " is 8 bytes, "#caffè" 7
		{"after a family emoji", family + " @alice.bsky.social", 26, 44},      // the family is 25 bytes
		{"after skin tone and flag", thumb + italy + " https://x.it", 17, 29}, // 8 + 8 + 1, and the URL is 12
		{"full-width hash after combining accent", eAcute + " ＃東京", 4, 13},    // "＃" is 3 bytes, "東京" 6
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := textcount.Facets(tt.text)
			if len(got) != 1 || got[0].Start != tt.start || got[0].End != tt.end {
				t.Errorf("Facets(%q) = %s, want one facet at [%d, %d)", tt.text, dump(tt.text, got), tt.start, tt.end)
			}
		})
	}
}

func TestURLs(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"none", "Perché il caffè è buono @alice.bsky.social #caffè", nil},
		{"empty", "", nil},
		{"in order, bare domains completed", "Prima https://a.example.com/x, poi example.org e (https://b.it).", []string{"https://a.example.com/x", "https://example.org", "https://b.it"}},
		{"after emoji", family + " " + italy + " https://example.com/東京", []string{"https://example.com/東京"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := textcount.URLs(tt.text); !slices.Equal(got, tt.want) {
				t.Errorf("URLs(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func FuzzFacets(f *testing.F) {
	for _, tt := range facetTests {
		f.Add(tt.text)
	}
	f.Add("@user@mastodon.social https://example.com/(a(b)c) #x\xff\xfe @a.b.com")
	f.Add("(((https://example.com/((((a))))) ＃＃#️⃣#\u200d")
	f.Fuzz(func(t *testing.T, text string) {
		boundary := make(map[int]bool, len(text)+1)
		for i := range text {
			boundary[i] = true
		}
		boundary[len(text)] = true

		prevEnd := 0
		for i, fc := range textcount.Facets(text) {
			if fc.Start < prevEnd || fc.Start >= fc.End || fc.End > len(text) {
				t.Fatalf("facet %d [%d, %d) out of bounds, out of order or overlapping (previous ended at %d, text is %d bytes)", i, fc.Start, fc.End, prevEnd, len(text))
			}
			if !boundary[fc.Start] || !boundary[fc.End] {
				t.Fatalf("facet %d [%d, %d) splits a character", i, fc.Start, fc.End)
			}
			prevEnd = fc.End
			got := text[fc.Start:fc.End]
			switch fc.Kind {
			case textcount.FacetMention:
				if got != "@"+fc.Value {
					t.Fatalf("mention %q has value %q", got, fc.Value)
				}
			case textcount.FacetTag:
				if got != "#"+fc.Value && got != "＃"+fc.Value || fc.Value == "" {
					t.Fatalf("tag %q has value %q", got, fc.Value)
				}
			case textcount.FacetLink:
				if fc.Value != got && fc.Value != "https://"+got {
					t.Fatalf("link %q has value %q", got, fc.Value)
				}
				if !strings.HasPrefix(strings.ToLower(fc.Value), "http://") && !strings.HasPrefix(strings.ToLower(fc.Value), "https://") {
					t.Fatalf("link value %q is not http(s)", fc.Value)
				}
			default:
				t.Fatalf("facet %d has kind %q", i, fc.Kind)
			}
		}

		if n, max := textcount.Bluesky(text), utf8.RuneCountInString(text); n < 0 || n > max || (n == 0) != (text == "") {
			t.Fatalf("Bluesky = %d for %d code points", n, max)
		}
		if n := textcount.Mastodon(text, 23); n < 0 {
			t.Fatalf("Mastodon = %d", n)
		}
	})
}

func dump(text string, fs []textcount.Facet) string {
	var b strings.Builder
	b.WriteString("[")
	for i, f := range fs {
		if i > 0 {
			b.WriteString(", ")
		}
		if f.Start >= 0 && f.Start <= f.End && f.End <= len(text) {
			fmt.Fprintf(&b, "%s %q [%d,%d) %q", f.Kind, text[f.Start:f.End], f.Start, f.End, f.Value)
		} else {
			fmt.Fprintf(&b, "%s [%d,%d) %q", f.Kind, f.Start, f.End, f.Value)
		}
	}
	b.WriteString("]")
	return b.String()
}

const benchPost = "Buongiorno @alice.bsky.social! Perché il #caffè è buono: lo spieghiamo su " +
	"https://example.com/notizie/2024/caffè-italiano (e su example.org/menù). " + family + " " + thumb + " " + italy +
	" Grazie a @user@mastodon.social e a tutti a " + tokyo + " #buongiorno #2024 ＃ciao e\u0301 " +
	"Il caffè espresso nasce in Italia all'inizio del Novecento; oggi è parte della vita quotidiana."

func BenchmarkFacets(b *testing.B) {
	for b.Loop() {
		textcount.Facets(benchPost)
	}
}

func BenchmarkMastodon(b *testing.B) {
	for b.Loop() {
		textcount.Mastodon(benchPost, textcount.MastodonDefaultCharsPerURL)
	}
}

func BenchmarkBluesky(b *testing.B) {
	for b.Loop() {
		textcount.Bluesky(benchPost)
	}
}
