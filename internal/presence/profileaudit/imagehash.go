package profileaudit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/gif" // avatars and logos in any of the web's image types
	"image/jpeg"
	"image/png"

	"github.com/corona10/goimagehash"
	xdraw "golang.org/x/image/draw"
	_ "golang.org/x/image/webp"

	"github.com/portavoce/portavoce/internal/linkpreview"
	"github.com/portavoce/portavoce/internal/provider"
)

// Perceptual-hash thresholds, in differing bits out of 64.
//
// Two pictures are the same logo when their dHash (the brightness
// gradients of a 9×8 grey image) differs by at most DHashThreshold bits
// and their aHash (which cells of an 8×8 grey image are brighter than the
// mean) by at most AHashThreshold, once both pictures are normalised (see
// hashImage). Neal Krawetz, who described these hashes, reads a dHash
// distance up to 10 as "likely a variation" of the same picture and above
// it as "likely a different image". The tests measure it on drawn logos:
// the same logo scaled from 512 to 64–1000 pixels, recoloured, padded with
// a wider margin, laid on transparency or saved as JPEG at quality 30–50
// stays within 4 bits of dHash, while different logos (another mark, a
// wordmark, a plain placeholder, the logo on a coloured square) are 23
// bits or more apart: 10 sits in that gap, on Krawetz's side of it. aHash
// only confirms: it is coarser (a cell near the mean flips with a small
// rescale, up to 9 bits for the same logo at 64 pixels) but sees layouts
// dHash can confuse (two marks centred on white), and different logos
// were 26 bits or more apart, hence 16.
//
// goimagehash's pHash (DCT of a 64×64 image) is not used: on logos, flat
// areas of colour leave most of its coefficients near the median, and the
// same logo merely resized moved 12–16 bits, as far as a different logo.
const (
	DHashThreshold = 10
	AHashThreshold = 16
)

// maxImageBytes bounds an avatar or logo download.
const maxImageBytes = 8 << 20

// imageHash is a picture's two perceptual hashes.
type imageHash struct {
	d, a *goimagehash.ImageHash
}

// distance returns how many bits differ in each hash.
func (h imageHash) distance(o imageHash) (d, a int) {
	d, _ = h.d.Distance(o.d)
	a, _ = h.a.Distance(o.a)
	return d, a
}

// sameLogo reports whether two hashes are of the same picture.
func (h imageHash) sameLogo(o imageHash) bool {
	d, a := h.distance(o)
	return d <= DHashThreshold && a <= AHashThreshold
}

// hashImage normalises a picture and hashes it: transparency is laid on
// white (on black when that leaves nothing to see, for a white logo), and
// the plain border around the drawing is cut away, so that a logo on a web
// page and the same logo with the margins of an avatar compare alike.
func hashImage(img image.Image) (imageHash, error) {
	flat := flatten(img, color.White, hashSide)
	if uniform(flat) {
		flat = flatten(img, color.Black, hashSide)
	}
	content := trim(flat)
	d, err := goimagehash.DifferenceHash(content)
	if err != nil {
		return imageHash{}, err
	}
	a, err := goimagehash.AverageHash(content)
	if err != nil {
		return imageHash{}, err
	}
	return imageHash{d: d, a: a}, nil
}

// hashSide bounds the side of the image normalised for hashing: the
// hashes look at 9×8 cells, and a big logo would only cost time.
const hashSide = 512

// flatten draws img over a plain background, scaled down (never up) so
// that its longer side is at most maxSide pixels (0: no bound).
func flatten(img image.Image, bg color.Color, maxSide int) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if long := max(w, h); maxSide > 0 && long > maxSide {
		w, h = max(1, w*maxSide/long), max(1, h*maxSide/long)
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(out, out.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	if w == b.Dx() && h == b.Dy() {
		draw.Draw(out, out.Bounds(), img, b.Min, draw.Over)
	} else {
		xdraw.CatmullRom.Scale(out, out.Bounds(), img, b, xdraw.Over, nil)
	}
	return out
}

// tolerance is how far a channel may stray from the background and still
// be background (JPEG noise, anti-aliasing).
const tolerance = 32

func near(a, b color.RGBA) bool {
	diff := func(x, y uint8) int {
		if x > y {
			return int(x - y)
		}
		return int(y - x)
	}
	return diff(a.R, b.R) <= tolerance && diff(a.G, b.G) <= tolerance && diff(a.B, b.B) <= tolerance
}

// uniform reports whether an image is one colour throughout.
func uniform(img *image.RGBA) bool {
	first := img.RGBAAt(0, 0)
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if !near(img.RGBAAt(x, y), first) {
				return false
			}
		}
	}
	return true
}

// trim cuts away the plain border around the drawing: the rows and
// columns where almost every pixel has the top-left corner's brightness.
// Brightness, because JPEG keeps it sharp while it smears colours around
// edges; "almost", because compression sprinkles a few stray pixels. An
// image that is all border, or whose drawing is a sliver, is kept whole.
func trim(img *image.RGBA) image.Image {
	b := img.Bounds()
	luma := func(x, y int) int {
		c := img.RGBAAt(x, y)
		return (299*int(c.R) + 587*int(c.G) + 114*int(c.B)) / 1000
	}
	bg := luma(b.Min.X, b.Min.Y)
	rows := make([]int, b.Dy())
	cols := make([]int, b.Dx())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if d := luma(x, y) - bg; d > tolerance || d < -tolerance {
				rows[y-b.Min.Y]++
				cols[x-b.Min.X]++
			}
		}
	}
	// A row or column belongs to the drawing when more than 2% of it
	// differs from the background.
	span := func(counts []int, length int) (int, int) {
		limit := max(1, length/50)
		lo, hi := -1, -1
		for i, n := range counts {
			if n > limit {
				if lo < 0 {
					lo = i
				}
				hi = i
			}
		}
		return lo, hi
	}
	x0, x1 := span(cols, b.Dy())
	y0, y1 := span(rows, b.Dx())
	if x0 < 0 || y0 < 0 || x1-x0 < 8 || y1-y0 < 8 {
		return img
	}
	return img.SubImage(image.Rect(b.Min.X+x0, b.Min.Y+y0, b.Min.X+x1+1, b.Min.Y+y1+1))
}

// picture is a downloaded image, decoded.
type picture struct {
	data        []byte
	contentType string
	img         image.Image
	hash        imageHash
}

// errNotImage is a download that is not a picture Go can read (an SVG
// logo, most often).
var errNotImage = errors.New("profileaudit: not a PNG, JPEG, GIF or WebP image")

// loadPicture downloads an image with the guarded client, decodes and
// hashes it.
func (a *auditor) loadPicture(ctx context.Context, u string) (*picture, error) {
	data, ct, err := linkpreview.FetchImage(ctx, a.deps.HTTP, u, maxImageBytes)
	if err != nil {
		return nil, err
	}
	return decodePicture(data, ct)
}

// decodePicture decodes and hashes image bytes.
func decodePicture(data []byte, contentType string) (*picture, error) {
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", errNotImage, contentType)
	}
	h, err := hashImage(img)
	if err != nil {
		return nil, fmt.Errorf("profileaudit: hashing an image: %w", err)
	}
	return &picture{data: data, contentType: contentType, img: img, hash: h}, nil
}

// Avatar files Portavoce uploads: both networks take PNG and JPEG; Bluesky
// at most 1,000,000 bytes (older Mastodon instances 2 MB), and neither
// shows more than 1,000 pixels.
const (
	avatarMaxBytes = 1_000_000
	avatarMaxSide  = 1000
)

// avatarMedia turns the brand's logo into an avatar both networks take: a
// square (a wide logo is centred on a transparent square, so that the
// networks' square crop does not cut it), at most avatarMaxSide pixels, a
// PNG, or a JPEG on white when the PNG is too large. The bool is false
// when the logo cannot be made to fit.
func avatarMedia(p *picture) (provider.Media, bool) {
	b := p.img.Bounds()
	w, h := b.Dx(), b.Dy()
	if (p.contentType == "image/png" || p.contentType == "image/jpeg") && w == h && w <= avatarMaxSide && len(p.data) <= avatarMaxBytes {
		return provider.Media{Filename: "avatar" + ext(p.contentType), ContentType: p.contentType, Data: p.data, Width: w, Height: h}, true
	}
	side := min(max(w, h), avatarMaxSide)
	square := image.NewNRGBA(image.Rect(0, 0, side, side))
	scale := float64(side) / float64(max(w, h))
	dw, dh := int(float64(w)*scale+0.5), int(float64(h)*scale+0.5)
	dst := image.Rect((side-dw)/2, (side-dh)/2, (side-dw)/2+dw, (side-dh)/2+dh)
	xdraw.CatmullRom.Scale(square, dst, p.img, b, xdraw.Over, nil)
	var buf bytes.Buffer
	if err := png.Encode(&buf, square); err == nil && buf.Len() <= avatarMaxBytes {
		return provider.Media{Filename: "avatar.png", ContentType: "image/png", Data: buf.Bytes(), Width: side, Height: side}, true
	}
	buf.Reset()
	if err := jpeg.Encode(&buf, flatten(square, color.White, 0), &jpeg.Options{Quality: 90}); err == nil && buf.Len() <= avatarMaxBytes {
		return provider.Media{Filename: "avatar.jpg", ContentType: "image/jpeg", Data: buf.Bytes(), Width: side, Height: side}, true
	}
	return provider.Media{}, false
}

func ext(contentType string) string {
	if contentType == "image/jpeg" {
		return ".jpg"
	}
	return ".png"
}
