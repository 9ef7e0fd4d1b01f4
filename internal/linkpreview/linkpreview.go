// Package linkpreview reads the card of a web page (its Open Graph title,
// description and image) for networks where the client builds link previews
// itself: Bluesky shows a card only when the post carries one.
//
// It fetches pages that people link to, so it is careful with them: the
// *http.Client is injected (production wires one that refuses private
// addresses), no cookie is ever sent, at most 1 MiB of a page is read and
// only HTML is parsed.
package linkpreview

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"

	"github.com/portavoce/portavoce/internal/textcount"
)

// UserAgent names Portavoce to the sites it reads, so that their owners know
// who is asking and why.
const UserAgent = "Portavoce link preview (+https://github.com/portavoce/portavoce)"

// MaxPageBytes is how much of a page is read: the tags a card needs are in
// the page's head, and a bigger read only costs memory.
const MaxPageBytes = 1 << 20

// Longest title and description kept, in characters: a card is a summary,
// and a hostile page must not bloat the post that carries it.
const (
	maxTitle       = 300
	maxDescription = 1000
)

// Errors a caller may want to tell apart; each is wrapped with the detail.
var (
	// ErrNotHTML is a page that is not an HTML document.
	ErrNotHTML = errors.New("linkpreview: not an HTML page")
	// ErrNoCard is an HTML page with no title, description nor image.
	ErrNoCard = errors.New("linkpreview: the page has no title, description or image")
	// ErrStatus is a page or image that answered with an error status.
	ErrStatus = errors.New("linkpreview: the site answered with an error")
	// ErrTooLarge is an image bigger than the caller accepts.
	ErrTooLarge = errors.New("linkpreview: the image is too large")
	// ErrNotImage is an image URL that does not serve an image.
	ErrNotImage = errors.New("linkpreview: not an image")
)

// Card is what a link preview shows.
type Card struct {
	// URL is the page as it was linked (not its og:url, which the page
	// chooses and could point anywhere).
	URL         string `json:"url"`
	Title       string `json:"title"`
	Description string `json:"description"`
	// ImageURL is absolute (resolved against the page), empty when the page
	// names no image.
	ImageURL string `json:"image_url,omitempty"`
}

// Fetch reads pageURL and returns its card: og:title, og:description and
// og:image, falling back to twitter:title and <title>, twitter:description
// and the description meta tag, twitter:image. A relative image URL is
// resolved against the page's final address (after redirects) or its
// <base href>.
func Fetch(ctx context.Context, client *http.Client, pageURL string) (Card, error) {
	u, err := parseWebURL(pageURL)
	if err != nil {
		return Card{}, err
	}
	resp, err := get(ctx, client, u, "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1")
	if err != nil {
		return Card{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return Card{}, fmt.Errorf("%w: HTTP %d from %s", ErrStatus, resp.StatusCode, u.Host)
	}
	ct := resp.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if mt != "text/html" && mt != "application/xhtml+xml" {
		return Card{}, fmt.Errorf("%w: %s serves %q", ErrNotHTML, u.Host, mt)
	}
	body, err := charset.NewReader(io.LimitReader(resp.Body, MaxPageBytes), ct)
	if err != nil {
		return Card{}, fmt.Errorf("linkpreview: reading %s: %w", u.Host, err)
	}
	base := u
	if resp.Request != nil && resp.Request.URL != nil {
		base = resp.Request.URL
	}
	tags, err := scan(body)
	if err != nil {
		return Card{}, fmt.Errorf("linkpreview: reading %s: %w", u.Host, err)
	}
	if tags.base != "" {
		if b, err := base.Parse(tags.base); err == nil {
			base = b
		}
	}
	card := Card{
		URL:         pageURL,
		Title:       textcount.Clip(first(tags.meta["og:title"], tags.meta["twitter:title"], tags.title), maxTitle),
		Description: textcount.Clip(first(tags.meta["og:description"], tags.meta["twitter:description"], tags.meta["description"]), maxDescription),
	}
	for _, raw := range []string{tags.meta["og:image"], tags.meta["og:image:secure_url"], tags.meta["og:image:url"], tags.meta["twitter:image"], tags.meta["twitter:image:src"]} {
		if raw == "" {
			continue
		}
		if img, err := base.Parse(strings.TrimSpace(raw)); err == nil && (img.Scheme == "http" || img.Scheme == "https") && img.Host != "" {
			card.ImageURL = img.String()
			break
		}
	}
	if card.Title == "" && card.Description == "" && card.ImageURL == "" {
		return Card{}, fmt.Errorf("%w: %s", ErrNoCard, u.Host)
	}
	return card, nil
}

// FetchImage downloads a card's image, refusing anything that is not an
// image or is bigger than maxBytes. The content type is the served one, or
// the sniffed one when the site does not say.
func FetchImage(ctx context.Context, client *http.Client, imageURL string, maxBytes int64) (data []byte, contentType string, err error) {
	u, err := parseWebURL(imageURL)
	if err != nil {
		return nil, "", err
	}
	resp, err := get(ctx, client, u, "image/*")
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, "", fmt.Errorf("%w: HTTP %d from %s", ErrStatus, resp.StatusCode, u.Host)
	}
	if resp.ContentLength > maxBytes {
		return nil, "", fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, resp.ContentLength, maxBytes)
	}
	data, err = io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("linkpreview: reading image from %s: %w", u.Host, err)
	}
	if int64(len(data)) > maxBytes {
		return nil, "", fmt.Errorf("%w: more than %d bytes", ErrTooLarge, maxBytes)
	}
	contentType, _, _ = mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if !strings.HasPrefix(contentType, "image/") {
		// Sites often serve images as application/octet-stream or with
		// no type at all: trust the bytes, not the label.
		contentType, _, _ = mime.ParseMediaType(http.DetectContentType(data))
	}
	if !strings.HasPrefix(contentType, "image/") {
		return nil, "", fmt.Errorf("%w: %s serves %q", ErrNotImage, u.Host, contentType)
	}
	return data, contentType, nil
}

// parseWebURL accepts only absolute http and https URLs.
func parseWebURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("linkpreview: %q is not a web address", raw)
	}
	return u, nil
}

// get sends a GET without cookies: the client is copied with no jar, so a
// jar set by the caller for other purposes never leaks into a site.
func get(ctx context.Context, client *http.Client, u *url.URL, accept string) (*http.Response, error) {
	if client == nil {
		client = http.DefaultClient
	}
	c := *client
	c.Jar = nil
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("linkpreview: %w", err)
	}
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set("Accept", accept)
	resp, err := c.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		// *url.Error repeats the whole URL; the host is enough to
		// understand what failed.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("linkpreview: fetching from %s: %w", u.Host, err)
	}
	return resp, nil
}

// tags are what scan found in a page.
type tags struct {
	// meta maps a lower-cased property or name to the first content.
	meta  map[string]string
	title string
	base  string
}

// scan walks the page's tokens and collects the meta tags, the title and
// the base URL. It stops at the end of the read (1 MiB) or of the page.
func scan(r io.Reader) (tags, error) {
	t := tags{meta: map[string]string{}}
	z := html.NewTokenizer(r)
	inTitle := false
	var title bytes.Buffer
	for {
		switch z.Next() {
		case html.ErrorToken:
			t.title = title.String()
			if err := z.Err(); err != io.EOF {
				return t, err
			}
			return t, nil
		case html.TextToken:
			if inTitle && title.Len() < 4*maxTitle {
				title.Write(z.Text())
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if atom.Lookup(name) == atom.Title {
				inTitle = false
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch atom.Lookup(name) {
			case atom.Title:
				// Only the first <title>: an SVG inside the body may
				// carry its own.
				inTitle = title.Len() == 0
			case atom.Base:
				for k, v := range attrs(z, hasAttr) {
					if k == "href" && t.base == "" {
						t.base = v
					}
				}
			case atom.Meta:
				var key, content string
				hasContent := false
				for k, v := range attrs(z, hasAttr) {
					switch k {
					case "property", "name":
						if key == "" {
							key = strings.ToLower(strings.TrimSpace(v))
						}
					case "content":
						content, hasContent = v, true
					}
				}
				if key != "" && hasContent {
					if _, seen := t.meta[key]; !seen {
						t.meta[key] = content
					}
				}
			}
		}
	}
}

// attrs iterates over the current tag's attributes.
func attrs(z *html.Tokenizer, more bool) func(yield func(string, string) bool) {
	return func(yield func(string, string) bool) {
		for more {
			var k, v []byte
			k, v, more = z.TagAttr()
			if !yield(string(k), string(v)) {
				return
			}
		}
	}
}

// first returns the first value that is not blank, with its white space
// collapsed.
func first(values ...string) string {
	for _, v := range values {
		if v = strings.Join(strings.Fields(v), " "); v != "" {
			return v
		}
	}
	return ""
}
