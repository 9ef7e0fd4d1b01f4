package web

import (
	"net/http/httptest"
	"testing"
)

func TestSafeNextStaysOnThisSite(t *testing.T) {
	tests := []struct{ next, want string }{
		{"/w/acme/settings", "/w/acme/settings"},
		{"/w/acme/settings?done=saved", "/w/acme/settings?done=saved"},
		{"", "/"},
		{"https://evil.example/", "/"},
		{"//evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/%09/evil.example", "/%09/evil.example"}, // still encoded: a path on this site
		{"/\n/evil.example", "/"},
		{"\\\\evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"w/acme", "/"},
		{"/\x7f/evil.example", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.next, func(t *testing.T) {
			if got := safeNext(tt.next); got != tt.want {
				t.Fatalf("safeNext(%q) = %q, want %q", tt.next, got, tt.want)
			}
		})
	}
}

func TestClientIPTakesTheProxysEntry(t *testing.T) {
	tests := []struct {
		name   string
		trust  bool
		header []string
		want   string
	}{
		{"no proxy: the peer", false, []string{"10.0.0.1"}, "192.0.2.7"},
		{"proxy: the entry it appended", true, []string{"10.0.0.1, 203.0.113.9"}, "203.0.113.9"},
		{"proxy: a client's forged first entry is ignored", true, []string{"1.2.3.4, 5.6.7.8, 203.0.113.9"}, "203.0.113.9"},
		{"proxy: several headers, the last one", true, []string{"1.2.3.4", "203.0.113.9"}, "203.0.113.9"},
		{"proxy: garbage falls back to the peer", true, []string{"not an address"}, "192.0.2.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Server{deps: Deps{TrustProxy: tt.trust}}
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = "192.0.2.7:51234"
			for _, h := range tt.header {
				r.Header.Add("X-Forwarded-For", h)
			}
			if got := s.clientIP(r); got != tt.want {
				t.Fatalf("clientIP = %s, want %s", got, tt.want)
			}
		})
	}
}
