package publish

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"strings"

	"golang.org/x/image/draw"

	"github.com/portavoce/portavoce/internal/provider"
)

// maxFitSide is the longest side of an image reduced to fit a network: large
// enough for a full-screen view on a phone or a laptop.
const maxFitSide = 2048

// reducible reports whether Portavoce can shrink an image of this type to
// fit a network's limits (still images; an animated GIF or a video is left
// to the user).
func reducible(contentType string) bool {
	switch contentType {
	case "image/jpeg", "image/png", "image/webp":
		return true
	}
	return false
}

// fits reports whether an image is within a network's size and pixel limits.
func fits(size int64, width, height int, l provider.Limits) bool {
	if l.ImageMaxBytes > 0 && size > l.ImageMaxBytes {
		return false
	}
	return l.ImageMaxPixels == 0 || int64(width)*int64(height) <= l.ImageMaxPixels
}

// Fit returns the image as the network accepts it: unchanged when it fits,
// else scaled down (at most 2048 pixels on its longest side, and within the
// network's pixel limit) and re-encoded as JPEG at the best quality that
// fits the network's size limit. Transparent areas become white.
func Fit(m provider.Media, l provider.Limits) (provider.Media, error) {
	if !strings.HasPrefix(m.ContentType, "image/") || fits(int64(len(m.Data)), m.Width, m.Height, l) {
		return m, nil
	}
	if !reducible(m.ContentType) {
		return m, fmt.Errorf("publish: %s is too large for the network and cannot be reduced automatically", m.Filename)
	}
	src, _, err := image.Decode(bytes.NewReader(m.Data))
	if err != nil {
		return m, fmt.Errorf("publish: %s: %w", m.Filename, err)
	}
	b := src.Bounds()
	scale := math.Min(1, float64(maxFitSide)/float64(max(b.Dx(), b.Dy())))
	if l.ImageMaxPixels > 0 {
		scale = math.Min(scale, math.Sqrt(float64(l.ImageMaxPixels)/float64(b.Dx()*b.Dy())))
	}
	for range 8 {
		w, h := max(1, int(float64(b.Dx())*scale)), max(1, int(float64(b.Dy())*scale))
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Over, nil)
		for _, quality := range []int{88, 80, 70, 60} {
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: quality}); err != nil {
				return m, err
			}
			if fits(int64(buf.Len()), w, h, l) {
				out := m
				out.Data, out.ContentType, out.Width, out.Height = buf.Bytes(), "image/jpeg", w, h
				out.Filename = strings.TrimSuffix(m.Filename, extension(m.Filename)) + ".jpg"
				return out, nil
			}
		}
		scale *= 0.75
	}
	return m, fmt.Errorf("publish: %s could not be reduced enough for the network", m.Filename)
}

func extension(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i:]
	}
	return ""
}
