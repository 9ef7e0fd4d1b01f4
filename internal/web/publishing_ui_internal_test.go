package web

import (
	"testing"

	p "github.com/portavoce/portavoce"
)

func TestVariantParts(t *testing.T) {
	common := []p.PostPart{{Text: "Uno", Media: []p.MediaItem{{MediaID: "m1"}}}, {Text: "Due"}}
	cases := []struct {
		name, text string
		want       []p.PostPart
	}{
		{"one part keeps the first images", "Solo su Bluesky", []p.PostPart{{Text: "Solo su Bluesky", Media: common[0].Media}}},
		{"a thread of its own", "Primo\n---\nSecondo\r\n---\r\nTerzo", []p.PostPart{{Text: "Primo", Media: common[0].Media}, {Text: "Secondo"}, {Text: "Terzo"}}},
		{"dashes inside a line are text", "Prezzi --- bassi", []p.PostPart{{Text: "Prezzi --- bassi", Media: common[0].Media}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := variantParts(c.text, common)
			if len(got) != len(c.want) {
				t.Fatalf("got %d parts %+v, want %+v", len(got), got, c.want)
			}
			for i := range got {
				if got[i].Text != c.want[i].Text || len(got[i].Media) != len(c.want[i].Media) {
					t.Errorf("part %d: %+v, want %+v", i, got[i], c.want[i])
				}
			}
		})
	}
}
