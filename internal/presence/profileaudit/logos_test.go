package profileaudit

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"testing"

	xdraw "golang.org/x/image/draw"
)

// Logos drawn for the tests: nothing is downloaded.

// paint draws a w×h image: paint returns the colour at a point in [0,1)²,
// nil for the background.
func paint(w, h int, bg color.Color, at func(x, y float64) color.Color) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	background := color.NRGBAModel.Convert(bg).(color.NRGBA)
	for y := range h {
		for x := range w {
			c := background
			if v := at(float64(x)/float64(w), float64(y)/float64(h)); v != nil {
				c = color.NRGBAModel.Convert(v).(color.NRGBA)
			}
			i := img.PixOffset(x, y)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
		}
	}
	return img
}

var acmeBlue = color.NRGBA{R: 20, G: 60, B: 200, A: 255}

// logoA is a blue disc with a white "A".
func logoA(w int, bg color.Color) *image.NRGBA {
	return paint(w, w, bg, func(x, y float64) color.Color {
		dx, dy := x-0.5, y-0.5
		if math.Hypot(dx, dy) > 0.35 {
			return nil
		}
		leg := math.Abs(math.Abs(dx)-(y-0.25)*0.5) < 0.04 && y > 0.25 && y < 0.75
		bar := y > 0.55 && y < 0.6 && math.Abs(dx) < 0.12
		if leg || bar {
			return color.White
		}
		return acmeBlue
	})
}

// logoB is another brand's: a red square with a yellow triangle.
func logoB(w int) *image.NRGBA {
	return paint(w, w, color.White, func(x, y float64) color.Color {
		if x <= 0.15 || x >= 0.85 || y <= 0.15 || y >= 0.85 {
			return nil
		}
		if y > 0.3 && y < 0.7 && math.Abs(x-0.5) < (y-0.3)*0.6 {
			return color.NRGBA{R: 250, G: 220, A: 255}
		}
		return color.NRGBA{R: 200, G: 30, B: 30, A: 255}
	})
}

// wordmark is a wide logo of black strokes.
func wordmark(w int) *image.NRGBA {
	return paint(w, w/4, color.White, func(x, y float64) color.Color {
		if y > 0.2 && y < 0.8 && int(x*12)%2 == 0 && x > 0.05 && x < 0.95 {
			return color.Black
		}
		return nil
	})
}

func scaled(img image.Image, w, h int) *image.NRGBA {
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	xdraw.CatmullRom.Scale(out, out.Bounds(), img, img.Bounds(), xdraw.Src, nil)
	return out
}

func padded(img image.Image, margin int, bg color.Color) *image.NRGBA {
	b := img.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx()+2*margin, b.Dy()+2*margin))
	xdraw.Draw(out, out.Bounds(), image.NewUniform(bg), image.Point{}, xdraw.Src)
	xdraw.Draw(out, image.Rect(margin, margin, margin+b.Dx(), margin+b.Dy()), img, b.Min, xdraw.Over)
	return out
}

func pngData(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jpegData(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
