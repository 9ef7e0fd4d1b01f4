// Package i18n translates Portavoce into Italian and English. Messages are
// written in English in the code and templates (gettext style); the Italian
// catalogue maps each English message to its translation. A test checks that
// every message used in templates and domain errors has its Italian text.
package i18n

import (
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/text/language"
)

// Lang is a supported UI language.
type Lang string

// The supported languages. Italian first: most users are Italian.
const (
	IT Lang = "it"
	EN Lang = "en"
)

// Supported lists the languages in the order the language switch shows.
var Supported = []Lang{IT, EN}

var matcher = language.NewMatcher([]language.Tag{language.English, language.Italian})

// Parse returns the supported language named by s ("it", "en"), or "" when
// s names none.
func Parse(s string) Lang {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "it":
		return IT
	case "en":
		return EN
	}
	return ""
}

// FromRequest picks the language: the user's choice if any, else the
// "lang" cookie, else the browser's Accept-Language, else English.
func FromRequest(r *http.Request, userChoice string) Lang {
	if l := Parse(userChoice); l != "" {
		return l
	}
	if c, err := r.Cookie("lang"); err == nil {
		if l := Parse(c.Value); l != "" {
			return l
		}
	}
	return FromAcceptLanguage(r.Header.Get("Accept-Language"))
}

// FromAcceptLanguage matches an Accept-Language header.
func FromAcceptLanguage(header string) Lang {
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return EN
	}
	_, index, conf := matcher.Match(tags...)
	if conf == language.No {
		return EN
	}
	if index == 1 {
		return IT
	}
	return EN
}

// T translates a message into lang and formats it with args (fmt verbs).
func T(lang Lang, msg string, args ...any) string {
	if lang == IT {
		for _, c := range catalogues {
			if tr, ok := c[msg]; ok {
				msg = tr
				break
			}
		}
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// Has reports whether the Italian catalogue has msg.
func Has(msg string) bool {
	for _, c := range catalogues {
		if _, ok := c[msg]; ok {
			return true
		}
	}
	return false
}

// catalogues are the Italian translations, one map per part of the product.
var catalogues = []map[string]string{italian, italianPresence, italianInbox, italianListening}

// Name is the language's own name, for the language switch.
func (l Lang) Name() string {
	if l == IT {
		return "Italiano"
	}
	return "English"
}

// Messages lists the English messages the Italian catalogue translates, so
// that a test can find translations nothing uses any more.
func Messages() []string {
	var out []string
	for _, c := range catalogues {
		for m := range c {
			out = append(out, m)
		}
	}
	return out
}
