package profileaudit

import (
	"bytes"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
)

// hashOf hashes encoded image bytes the way avatars are hashed.
func hashOf(t *testing.T, data []byte) imageHash {
	t.Helper()
	p, err := decodePicture(data, "image/*")
	if err != nil {
		t.Fatal(err)
	}
	return p.hash
}

func TestSameLogo(t *testing.T) {
	logo := logoA(512, color.White)
	base := hashOf(t, pngData(t, logo))
	recoloured := paint(512, 512, color.White, func(x, y float64) color.Color {
		if c := logo.NRGBAAt(int(x*512), int(y*512)); c == acmeBlue {
			return color.NRGBA{R: 20, G: 160, B: 60, A: 255}
		} else {
			return c
		}
	})
	cases := []struct {
		name string
		data []byte
		same bool
	}{
		{"identical", pngData(t, logo), true},
		{"scaled down to 64 px", pngData(t, scaled(logo, 64, 64)), true},
		{"scaled down to 96 px, JPEG quality 30", jpegData(t, scaled(logo, 96, 96), 30), true},
		{"scaled up to 1000 px", pngData(t, scaled(logo, 1000, 1000)), true},
		{"JPEG quality 40", jpegData(t, logo, 40), true},
		{"wider margin", pngData(t, padded(logo, 120, color.White)), true},
		{"wider margin, 96 px, JPEG", jpegData(t, scaled(padded(logo, 80, color.White), 96, 96), 50), true},
		{"on transparency", pngData(t, logoA(512, color.Transparent)), true},
		{"recoloured", pngData(t, recoloured), true},
		{"another logo", pngData(t, logoB(512)), false},
		{"another logo, small", jpegData(t, scaled(logoB(512), 96, 96), 60), false},
		{"a wordmark", pngData(t, wordmark(800)), false},
		{"a plain placeholder", pngData(t, image.NewGray(image.Rect(0, 0, 120, 120))), false},
		{"the logo on a coloured square", pngData(t, padded(scaled(logo, 300, 300), 100, acmeBlue)), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := hashOf(t, tc.data)
			d, a := base.distance(h)
			if got := base.sameLogo(h); got != tc.same {
				t.Errorf("same = %v (dHash %d, aHash %d bits apart), want %v", got, d, a, tc.same)
			}
			// The margin the thresholds rely on (see DHashThreshold):
			// the same logo stays well below, another well above.
			if tc.same && d > DHashThreshold-5 {
				t.Errorf("dHash %d bits apart: too close to the threshold", d)
			}
			if !tc.same && d < DHashThreshold+10 {
				t.Errorf("dHash %d bits apart: too close to the threshold", d)
			}
		})
	}
}

func TestWhiteLogoOnTransparency(t *testing.T) {
	white := paint(256, 256, color.Transparent, func(x, y float64) color.Color {
		if x > 0.3 && x < 0.7 && y > 0.2 && y < 0.4 || x > 0.45 && x < 0.55 && y > 0.2 && y < 0.8 {
			return color.White
		}
		return nil
	})
	onBlack := padded(paint(256, 256, color.Black, func(x, y float64) color.Color { return white.At(int(x*256), int(y*256)) }), 40, color.Black)
	a, b := hashOf(t, pngData(t, white)), hashOf(t, jpegData(t, onBlack, 70))
	if !a.sameLogo(b) {
		d, av := a.distance(b)
		t.Errorf("a white logo on transparency and on black differ: dHash %d, aHash %d", d, av)
	}
	if a.sameLogo(hashOf(t, pngData(t, logoA(256, color.White)))) {
		t.Error("a white logo matches another")
	}
}

func TestNotAnImage(t *testing.T) {
	if _, err := decodePicture([]byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), "image/svg+xml"); err == nil {
		t.Error("an SVG decoded")
	}
}

func TestAvatarMedia(t *testing.T) {
	square := pngData(t, logoA(400, color.White))
	p, err := decodePicture(square, "image/png")
	if err != nil {
		t.Fatal(err)
	}
	m, ok := avatarMedia(p)
	if !ok || !bytes.Equal(m.Data, square) || m.ContentType != "image/png" || m.Width != 400 {
		t.Errorf("a square PNG within limits is used as it is: %v %s %d×%d", ok, m.ContentType, m.Width, m.Height)
	}

	wide, err := decodePicture(pngData(t, wordmark(1600)), "image/png")
	if err != nil {
		t.Fatal(err)
	}
	m, ok = avatarMedia(wide)
	if !ok || m.Width != avatarMaxSide || m.Height != avatarMaxSide || len(m.Data) > avatarMaxBytes {
		t.Fatalf("wide logo: %v %s %d×%d %d bytes", ok, m.ContentType, m.Width, m.Height, len(m.Data))
	}
	got, err := decodePicture(m.Data, m.ContentType)
	if err != nil {
		t.Fatal(err)
	}
	if !got.hash.sameLogo(wide.hash) {
		d, a := got.hash.distance(wide.hash)
		t.Errorf("the squared logo no longer matches the logo: dHash %d, aHash %d", d, a)
	}
	// Noise does not compress: the PNG is too big and a JPEG is made.
	noisy := image.NewNRGBA(image.Rect(0, 0, 600, 600))
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range noisy.Pix {
		noisy.Pix[i] = byte(rnd.Uint32())
		if i%4 == 3 {
			noisy.Pix[i] = 255
		}
	}
	np, err := decodePicture(pngData(t, noisy), "image/png")
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := avatarMedia(np); !ok || m.ContentType != "image/jpeg" || len(m.Data) > avatarMaxBytes {
		t.Errorf("noisy logo: %v %s %d bytes", ok, m.ContentType, len(m.Data))
	}
}
