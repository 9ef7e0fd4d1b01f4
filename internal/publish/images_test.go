package publish_test

import (
	"bytes"
	"image"
	"image/png"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"

	p "github.com/portavoce/portavoce"

	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/provider/bluesky"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/store/storetest"
	"github.com/portavoce/portavoce/internal/workspace"
)

// noisyPNG is a PNG that compresses badly, like a photo.
func noisyPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = uint8(r.IntN(256)), uint8(i/7), uint8(i/13), 255
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFit(t *testing.T) {
	sky := bluesky.Limits()
	big := noisyPNG(t, 2200, 1500)
	if int64(len(big)) <= sky.ImageMaxBytes {
		t.Fatalf("the test image is only %d bytes", len(big))
	}
	cases := []struct {
		name      string
		media     provider.Media
		limits    provider.Limits
		unchanged bool
		err       bool
	}{
		{"fits as it is", provider.Media{Filename: "a.png", ContentType: "image/png", Data: smallPNG(t), Width: 40, Height: 30}, sky, true, false},
		{"too heavy for Bluesky", provider.Media{Filename: "foto.png", ContentType: "image/png", Data: big, Width: 2200, Height: 1500}, sky, false, false},
		{"too many pixels", provider.Media{Filename: "foto.png", ContentType: "image/png", Data: big, Width: 2200, Height: 1500},
			provider.Limits{ImageMaxBytes: 16 << 20, ImageMaxPixels: 1_000_000}, false, false},
		{"an animated GIF is left to the user", provider.Media{Filename: "a.gif", ContentType: "image/gif", Data: big, Width: 2200, Height: 1500}, sky, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := publish.Fit(c.media, c.limits)
			if (err != nil) != c.err {
				t.Fatalf("error %v, want error %v", err, c.err)
			}
			if c.unchanged {
				if !bytes.Equal(got.Data, c.media.Data) {
					t.Fatal("the image was changed")
				}
				return
			}
			cfg, format, err := image.DecodeConfig(bytes.NewReader(got.Data))
			if err != nil || format != "jpeg" || got.ContentType != "image/jpeg" || got.Filename != "foto.jpg" {
				t.Fatalf("got %s %s (%v), want a JPEG named foto.jpg", format, got.ContentType, err)
			}
			if cfg.Width != got.Width || cfg.Height != got.Height || max(cfg.Width, cfg.Height) > 2048 {
				t.Fatalf("got %d×%d (declared %d×%d), want at most 2048 on the long side", cfg.Width, cfg.Height, got.Width, got.Height)
			}
			if int64(len(got.Data)) > c.limits.ImageMaxBytes || (c.limits.ImageMaxPixels > 0 && int64(cfg.Width*cfg.Height) > c.limits.ImageMaxPixels) {
				t.Fatalf("%d bytes, %d pixels: still over the limits", len(got.Data), cfg.Width*cfg.Height)
			}
			if ratio := float64(cfg.Width) / float64(cfg.Height); ratio < 1.42 || ratio > 1.52 {
				t.Fatalf("aspect ratio %.2f, want 1.47 kept", ratio)
			}
		})
	}
}

func smallPNG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 40, 30)))
	return buf.Bytes()
}

// TestLargeImageReducedForBluesky: a photo too heavy for Bluesky is
// accepted with a warning and goes out as a reduced JPEG with its alt text.
func TestLargeImageReducedForBluesky(t *testing.T) {
	db := storetest.SQLite(t)
	w := newWorld(t, db)
	big := noisyPNG(t, 2200, 1500)
	m := p.Media{ID: uuid.NewString(), WorkspaceID: w.ws.ID, Filename: "vetrina.png", ContentType: "image/png", Size: int64(len(big)),
		Width: 2200, Height: 1500, SHA256: "x", Data: big, CreatedAt: time.Now().UTC()}
	if err := db.InsertMedia(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	d := publish.Draft{Accounts: []string{w.skyAcc.ID}, Content: p.PostContent{Parts: []p.PostPart{{Text: "La vetrina",
		Media: []p.MediaItem{{MediaID: m.ID, Alt: "La vetrina del bar"}}}}}}
	rep, err := w.service.Check(t.Context(), w.access, d)
	if err != nil || !rep.OK() || len(rep.Accounts[0].Warnings) != 1 {
		t.Fatalf("check: %v, report %+v; want no problem and one warning", err, rep)
	}
	post, err := w.service.Create(t.Context(), workspace.Actor{User: w.owner}, w.access, d, publish.When{Mode: "now"})
	if err != nil {
		t.Fatal(err)
	}
	w.dispatcher(t, "node-a", publish.DispatchOptions{})
	w.settle(t, post.ID, p.DeliveryPublished)
	posts := w.sky.Posts(w.skyDID)
	if len(posts) != 1 || len(posts[0].Images) != 1 || posts[0].Images[0].MimeType != "image/jpeg" ||
		posts[0].Images[0].Alt != "La vetrina del bar" || posts[0].Images[0].Size > bluesky.Limits().ImageMaxBytes {
		t.Fatalf("Bluesky holds %+v, want one post with a reduced JPEG and its alt text", posts)
	}
}
