package i18n

import (
	"net/http/httptest"
	"testing"
)

func TestFromAcceptLanguage(t *testing.T) {
	tests := []struct {
		header string
		want   Lang
	}{
		{"it-IT,it;q=0.9,en;q=0.8", IT},
		{"it", IT},
		{"en-GB,en;q=0.9", EN},
		{"de-DE,de;q=0.9,it;q=0.5", IT},
		{"fr-FR", EN},
		{"", EN},
		{"garbage;;q=x", EN},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			if got := FromAcceptLanguage(tt.header); got != tt.want {
				t.Fatalf("FromAcceptLanguage(%q) = %s, want %s", tt.header, got, tt.want)
			}
		})
	}
}

func TestFromRequestOrder(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Language", "en")
	if got := FromRequest(r, ""); got != EN {
		t.Fatalf("browser only: %s", got)
	}
	r.Header.Set("Cookie", "lang=it")
	if got := FromRequest(r, ""); got != IT {
		t.Fatalf("cookie over browser: %s", got)
	}
	if got := FromRequest(r, "en"); got != EN {
		t.Fatalf("user's choice over cookie: %s", got)
	}
}

func TestT(t *testing.T) {
	if got := T(IT, "the password must have at least %d characters", 10); got != "la password deve avere almeno 10 caratteri" {
		t.Fatalf("T(IT) = %q", got)
	}
	if got := T(EN, "the password must have at least %d characters", 10); got != "the password must have at least 10 characters" {
		t.Fatalf("T(EN) = %q", got)
	}
	if got := T(IT, "a message nobody translated"); got != "a message nobody translated" {
		t.Fatalf("untranslated message changed: %q", got)
	}
}
