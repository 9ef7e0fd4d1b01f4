package siteaudit

import (
	"bytes"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"slices"
	"testing"
)

func ids(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Check)
	}
	return out
}

// images answers image fetches from a table, recording what was asked.
type images struct {
	infos map[string]imageInfo
	asked []string
}

func (im *images) get(u string) imageInfo {
	im.asked = append(im.asked, u)
	if info, ok := im.infos[u]; ok {
		info.URL = u
		return info
	}
	return imageInfo{URL: u, Status: 404}
}

func TestCheckCard(t *testing.T) {
	good := imageInfo{Status: 200, Format: "png", Width: 1200, Height: 630}
	tests := []struct {
		name  string
		head  string
		infos map[string]imageInfo
		want  []string
	}{
		{"complete", `<meta property="og:title" content="T"><meta property="og:description" content="D">
			<meta property="og:image" content="https://r.example/og.png"><meta name="twitter:card" content="summary_large_image">`,
			map[string]imageInfo{"https://r.example/og.png": good}, nil},
		{"nothing", ``, nil, []string{"og.title.missing", "og.description.missing", "og.image.missing", "twitter.card.missing"}},
		{"empty values", `<meta property="og:title" content=" "><meta property="og:description" content="">
			<meta property="og:image" content="https://r.example/og.png"><meta name="twitter:card" content="summary">`,
			map[string]imageInfo{"https://r.example/og.png": good}, []string{"og.title.missing", "og.description.missing"}},
		{"og:image:url counts", `<meta property="og:title" content="T"><meta property="og:description" content="D">
			<meta property="og:image:url" content="https://r.example/og.png"><meta name="twitter:card" content="summary">`,
			map[string]imageInfo{"https://r.example/og.png": good}, nil},
		{"relative, broken", `<meta property="og:title" content="T"><meta property="og:description" content="D">
			<meta property="og:image" content="/img/missing.png"><meta name="twitter:card" content="summary">`,
			nil, []string{"og.image.relative", "og.image.broken"}},
		{"twitter image checked apart", `<meta property="og:title" content="T"><meta property="og:description" content="D">
			<meta property="og:image" content="https://r.example/og.png"><meta name="twitter:card" content="summary">
			<meta name="twitter:image" content="https://r.example/tw.svg">`,
			map[string]imageInfo{"https://r.example/og.png": good, "https://r.example/tw.svg": {Status: 200, Format: "svg", ContentType: "image/svg+xml"}},
			[]string{"twitter.image.not_image"}},
		{"same twitter image not checked twice", `<meta property="og:title" content="T"><meta property="og:description" content="D">
			<meta property="og:image" content="https://r.example/small.png"><meta name="twitter:card" content="summary">
			<meta name="twitter:image" content="/small.png">`,
			map[string]imageInfo{"https://r.example/small.png": {Status: 200, Format: "jpeg", Width: 150, Height: 800}},
			[]string{"og.image.too_small"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mkPage(t, "https://r.example/", "<html><head><title>Titolo</title>"+tt.head+"</head></html>")
			im := &images{infos: tt.infos}
			fs := checkCard(p, Brand{Name: "Rossi"}, im.get)
			if got := ids(fs); !slices.Equal(got, tt.want) {
				t.Errorf("findings %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckCardFixes(t *testing.T) {
	p := mkPage(t, "https://r.example/chi-siamo", `<html><head><title>Chi siamo "Rossi"</title>
		<meta name="description" content="Dal 1952 a Bologna"></head></html>`)
	fs := checkCard(p, Brand{Name: "Rossi"}, (&images{}).get)
	fixes := map[string]string{}
	for _, f := range fs {
		fixes[f.Check] = f.FixArgs[0].(string)
	}
	want := map[string]string{
		"og.title.missing":       `<meta property="og:title" content="Chi siamo &quot;Rossi&quot;">`,
		"og.description.missing": `<meta property="og:description" content="Dal 1952 a Bologna">`,
		"og.image.missing":       `<meta property="og:image" content="https://r.example/og-image.png">`,
		"twitter.card.missing":   `<meta name="twitter:card" content="summary_large_image">`,
	}
	for id, w := range want {
		if fixes[id] != w {
			t.Errorf("%s fix %q, want %q", id, fixes[id], w)
		}
	}
}

func TestImageFindings(t *testing.T) {
	tests := []struct {
		info imageInfo
		want []string
	}{
		{imageInfo{Status: 200, Format: "png", Width: 1200, Height: 630}, nil},
		{imageInfo{Status: 200, Format: "webp", Width: 1200, Height: 1200}, nil},
		{imageInfo{Status: 200, Format: "gif", Width: 200, Height: 200}, []string{"og.image.below_recommended"}},
		{imageInfo{Status: 200, Format: "jpeg", Width: 1200, Height: 199}, []string{"og.image.too_small"}},
		{imageInfo{Status: 200, Format: "jpeg", Width: 1199, Height: 630}, []string{"og.image.below_recommended"}},
		{imageInfo{Status: 200, Format: "ico", Width: 256, Height: 256}, []string{"og.image.not_image"}},
		{imageInfo{Status: 200, ContentType: "text/html"}, []string{"og.image.not_image"}},
		{imageInfo{Status: 200, ContentType: "image/avif"}, []string{"og.image.not_image"}},
		{imageInfo{Status: 500}, []string{"og.image.broken"}},
		{imageInfo{TooLarge: true}, []string{"og.image.too_large"}},
	}
	for _, tt := range tests {
		fs := imageFindings("og", "og:image", "p", "https://r.example/i", tt.info, "")
		if got := ids(fs); !slices.Equal(got, tt.want) {
			t.Errorf("%+v: %q, want %q", tt.info, got, tt.want)
		}
	}
}

func TestSniffImage(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 30, 20))
	enc := func(f func(*bytes.Buffer) error) []byte {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	tests := []struct {
		name   string
		data   []byte
		ct     string
		format string
		w, h   int
	}{
		{"png", enc(func(b *bytes.Buffer) error { return png.Encode(b, img) }), "application/octet-stream", "png", 30, 20},
		{"jpeg", enc(func(b *bytes.Buffer) error { return jpeg.Encode(b, img, nil) }), "", "jpeg", 30, 20},
		{"gif", enc(func(b *bytes.Buffer) error { return gif.Encode(b, img, nil) }), "image/gif", "gif", 30, 20},
		{"webp", webpLossless1x1, "image/webp", "webp", 1, 1},
		{"ico", []byte{0, 0, 1, 0, 1, 0, 48, 0, 0, 0}, "image/x-icon", "ico", 48, 256},
		{"svg by content", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), "text/plain", "svg", 0, 0},
		{"svg by type", []byte(`<?xml version="1.0"?>`), "image/svg+xml", "svg", 0, 0},
		{"html labelled png", []byte("<!doctype html><p>404</p>"), "image/png", "", 0, 0},
		{"empty", nil, "image/png", "", 0, 0},
	}
	for _, tt := range tests {
		f, w, h := sniffImage(tt.data, tt.ct)
		if f != tt.format || w != tt.w || h != tt.h {
			t.Errorf("%s: %s %dx%d, want %s %dx%d", tt.name, f, w, h, tt.format, tt.w, tt.h)
		}
	}
	for info, want := range map[imageInfo]string{
		{Format: "svg"}:             "it is an SVG image, which Facebook, LinkedIn and X do not show",
		{ContentType: "image/avif"}: "it is image/avif, a format the networks do not show",
		{ContentType: "image/png"}:  "it is image/png, not an image",
		{ContentType: "text/html"}:  "it is text/html, not an image",
		{}:                          "it is not an image",
		{Format: "png", ContentType: "image/png"}: "",
	} {
		if got := notShown(info); got != want {
			t.Errorf("notShown(%+v) = %q, want %q", info, got, want)
		}
	}
}

// webpLossless1x1 is a 1×1 lossless WebP image.
var webpLossless1x1 = []byte{
	0x52, 0x49, 0x46, 0x46, 0x1a, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50,
	0x56, 0x50, 0x38, 0x4c, 0x0d, 0x00, 0x00, 0x00, 0x2f, 0x00, 0x00, 0x00,
	0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07, 0x00,
}
