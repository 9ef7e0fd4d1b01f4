package textcount

import (
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// tldProbeLabel is put in front of a top-level domain to ask the public
// suffix list about it: a few country domains (.ck, .bd, ...) are listed only
// through wildcard rules, which match "label.ck" but not "ck" alone.
const tldProbeLabel = "portavoce-probe."

// isKnownTLD reports whether tld (any case, ASCII or not) is a delegated
// top-level domain, according to the ICANN section of the public suffix list.
// Bluesky's detection checks bare domains and handles against the IANA list
// (the "tlds" npm package) and twitter-text against its own copy; the public
// suffix list carries the same ICANN domains and is kept current with
// golang.org/x/net. Without it "file.txt" or "mario.rossi" would become links.
func isKnownTLD(tld string) bool {
	if tld == "" {
		return false
	}
	tld = strings.ToLower(tld)
	for i := 0; i < len(tld); i++ {
		if tld[i] >= 0x80 {
			a, err := idna.ToASCII(tld)
			if err != nil {
				return false
			}
			tld = a
			break
		}
	}
	_, icann := publicsuffix.PublicSuffix(tldProbeLabel + tld)
	return icann
}

func isASCIIAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func isASCIIDigit(c byte) bool { return '0' <= c && c <= '9' }

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// isJSSpace is JavaScript's \s, which the official Bluesky detection is
// written with: it includes U+FEFF and leaves out U+0085, unlike unicode.IsSpace.
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}
