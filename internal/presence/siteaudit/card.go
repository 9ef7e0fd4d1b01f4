package siteaudit

import (
	"strings"
)

// Image sizes of link previews, in pixels: the networks show no image
// smaller than the minimum, and a large preview needs the recommended one.
const (
	minImageSide   = 200
	recommendedW   = 1200
	recommendedH   = 630
	maxImageMB     = 5
	minLogoSide    = 112
	shareImageName = "/og-image.png"
)

// checkCard checks the page's link preview: og:title, og:description,
// og:image (it loads, is an image the networks show, is large enough),
// twitter:card, and twitter:image when it names another image. img fetches
// an image (once per audit).
func checkCard(p *page, b Brand, img func(string) imageInfo) []Finding {
	page := p.URL.String()
	var out []Finding
	meta := func(attr, name, content string) string {
		return `<meta ` + attr + `="` + name + `" content="` + escAttr(content) + `">`
	}
	if p.metaValue("og:title") == "" {
		title := collapse(p.Title)
		if title == "" {
			title = b.Name
		}
		out = append(out, newFinding("og.title.missing", page, nil, meta("property", "og:title", title)))
	}
	if p.metaValue("og:description") == "" {
		out = append(out, newFinding("og.description.missing", page, nil, meta("property", "og:description", suggestDescription(p))))
	}
	ogRaw := firstNonEmpty(p.metaValue("og:image"), p.metaValue("og:image:url"), p.metaValue("og:image:secure_url"))
	ogImage := ""
	if ogRaw == "" {
		example := p.URL.Scheme + "://" + p.URL.Host + shareImageName
		out = append(out, newFinding("og.image.missing", page, nil, meta("property", "og:image", example)))
	} else if u, err := p.resolve(ogRaw); err == nil {
		ogImage = u.String()
		out = append(out, imageFindings("og", "og:image", page, ogRaw, img(ogImage), meta("property", "og:image", ogImage))...)
	}
	if p.metaValue("twitter:card") == "" {
		out = append(out, newFinding("twitter.card.missing", page, nil, meta("name", "twitter:card", "summary_large_image")))
	}
	twRaw := firstNonEmpty(p.metaValue("twitter:image"), p.metaValue("twitter:image:src"))
	if twRaw != "" {
		if u, err := p.resolve(twRaw); err == nil && u.String() != ogImage {
			out = append(out, imageFindings("twitter", "twitter:image", page, twRaw, img(u.String()), meta("name", "twitter:image", u.String()))...)
		}
	}
	return out
}

// imageFindings judges a preview image: prefix is "og" or "twitter", tag
// the meta tag that names it, raw its address as written, absTag the tag
// rewritten with the absolute address.
func imageFindings(prefix, tag, page, raw string, info imageInfo, absTag string) []Finding {
	var out []Finding
	if !isAbsolute(raw) {
		out = append(out, newFinding(prefix+".image.relative", page, []any{tag, raw}, absTag))
	}
	switch {
	case info.TooLarge:
		return append(out, newFinding(prefix+".image.too_large", page, []any{tag, info.URL, maxImageMB}, info.URL))
	case !info.loads():
		return append(out, newFinding(prefix+".image.broken", page, []any{tag, info.URL, info.failure()}, info.URL))
	}
	if why := notShown(info); why != "" {
		return append(out, newFinding(prefix+".image.not_image", page, []any{tag, info.URL, why}, info.URL))
	}
	switch {
	case info.Width < minImageSide || info.Height < minImageSide:
		out = append(out, newFinding(prefix+".image.too_small", page, []any{tag, info.Width, info.Height}, info.URL))
	case info.Width < recommendedW || info.Height < recommendedH:
		out = append(out, newFinding(prefix+".image.below_recommended", page, []any{tag, info.Width, info.Height}, info.URL))
	}
	return out
}

// notShown says why a loaded image cannot be a preview, or "" when it can.
func notShown(info imageInfo) string {
	switch info.Format {
	case "png", "jpeg", "gif", "webp":
		return ""
	case "svg":
		return "it is an SVG image, which Facebook, LinkedIn and X do not show"
	case "ico":
		return "it is an icon file (ICO), which the networks do not show"
	case "":
		if undecodedImage(info) {
			return "it is " + info.ContentType + ", a format the networks do not show"
		}
		if info.ContentType != "" {
			return "it is " + info.ContentType + ", not an image"
		}
		return "it is not an image"
	}
	return "the " + strings.ToUpper(info.Format) + " format is not shown by the networks"
}

// undecodedImage reports whether the server says the file is an image in a
// format the audit does not read (AVIF, BMP, HEIC, TIFF...): a real image,
// but not one the networks show. A file labelled PNG, JPEG, GIF or WebP
// that did not decode is not an image at all.
func undecodedImage(info imageInfo) bool {
	switch info.ContentType {
	case "image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml":
		return false
	}
	return info.Format == "" && strings.HasPrefix(info.ContentType, "image/")
}

// isAbsolute reports whether an address is written with its scheme and
// host.
func isAbsolute(raw string) bool {
	l := strings.ToLower(strings.TrimSpace(raw))
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://")
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
