package mastodon

import (
	"testing"
	"time"
)

func TestHTMLToText(t *testing.T) {
	cases := []struct{ html, want string }{
		{`<p>Hello</p>`, "Hello"},
		{`<p>a<br />b</p><p>c</p>`, "a b c"},
		{`<p>&lt;3 &amp; &#39;x&#39; &quot;y&quot;</p>`, `<3 & 'x' "y"`},
		{`<p><a href="https://www.example.com/abc" rel="nofollow"><span class="invisible">https://www.</span><span class="ellipsis">example.com/</span><span class="invisible">abc</span></a></p>`, "https://www.example.com/abc"},
		{`<p><span class="h-card"><a href="https://x.example/@amy" class="u-url mention">@<span>amy</span></a></span> hi</p>`, "@amy hi"},
		{``, ""},
		{`<p>unclosed <b`, "unclosed"},
	}
	for _, tc := range cases {
		t.Run(tc.html, func(t *testing.T) {
			if got := normalizeText(htmlToText(tc.html)); got != tc.want {
				t.Fatalf("text %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNormalizeText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"  a \n\n b\t", "a b"},
		{"hi @Amy@remote.example!", "hi @amy!"},
		{"hi @Bob", "hi @bob"},
		{"write me@example.com", "write me@example.com"},
		{"see https://example.com/@someone", "see https://example.com/@someone"},
		{"a\u00a0b", "a b"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			if got := normalizeText(tc.in); got != tc.want {
				t.Fatalf("normalizeText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestIDFor(t *testing.T) {
	// Mastodon's documented example: status 103254962155278888 was created
	// at 2019-12-05T11:34:47.196Z (methods/statuses). Its id carries
	// 11:34:47.184: ids follow the creation time closely, not exactly,
	// hence Check's margin.
	created := time.Date(2019, 12, 5, 11, 34, 47, 196e6, time.UTC)
	id := "103254962155278888"
	if from, to := idFor(created.Add(-time.Second)), idFor(created.Add(time.Second)); !idLess(from, id) || !idLess(id, to) {
		t.Fatalf("id %s not within [%s, %s)", id, from, to)
	}
	cases := []struct {
		a, b string
		want int
	}{
		{"9", "10", -1}, {"10", "9", 1}, {"123", "123", 0}, {"122", "123", -1},
	}
	for _, tc := range cases {
		if got := idCompare(tc.a, tc.b); got != tc.want {
			t.Errorf("idCompare(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
