package siteaudit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // decode GIF dimensions
	_ "image/jpeg" // decode JPEG dimensions
	_ "image/png"  // decode PNG dimensions
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	_ "golang.org/x/image/webp" // decode WebP dimensions

	"github.com/portavoce/portavoce/internal/netguard"
)

// fetcher sends the audit's requests: through the caller's client, without
// cookies, with the audit's User-Agent, each bounded in time, size and
// redirects.
type fetcher struct {
	client    http.Client
	userAgent string
	timeout   time.Duration
}

func newFetcher(client *http.Client, o Options) *fetcher {
	c := *client
	// A jar the caller set for other purposes must never reach a site.
	c.Jar = nil
	next := client.CheckRedirect
	maxRedirects := max(o.MaxRedirects, 0)
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > maxRedirects {
			return fmt.Errorf("%w: stopped after %d", netguard.ErrTooManyRedirects, maxRedirects)
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return &fetcher{client: c, userAgent: o.UserAgent, timeout: o.FetchTimeout}
}

// response is what a request brought back.
type response struct {
	// URL is the final address, after redirects.
	URL    *url.URL
	Status int
	Header http.Header
	// Body is read only for a 2xx answer.
	Body []byte
}

// bodyLimit tells get how much of a body to read, and what to do with the
// rest.
type bodyLimit struct {
	max int64
	// truncate keeps the first max bytes of a longer body instead of
	// failing with netguard.ErrTooLarge.
	truncate bool
}

// get fetches raw. A transport failure is an error (refused by the guard,
// unreachable, timed out, too many redirects, body too large); any HTTP
// status is a response.
func (f *fetcher) get(ctx context.Context, raw, accept string, limit bodyLimit) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, fmt.Errorf("siteaudit: %w", err)
	}
	req.Header.Set("User-Agent", f.userAgent)
	req.Header.Set("Accept", accept)
	resp, err := f.client.Do(req)
	if err != nil {
		// *url.Error repeats the method and the whole address.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("siteaudit: fetching %s: %w", raw, err)
	}
	defer resp.Body.Close()
	r := &response{URL: resp.Request.URL, Status: resp.StatusCode, Header: resp.Header}
	if resp.StatusCode < 200 || resp.StatusCode > 299 || limit.max <= 0 {
		return r, nil
	}
	if limit.truncate {
		r.Body, err = io.ReadAll(io.LimitReader(resp.Body, limit.max))
		if err != nil {
			return nil, fmt.Errorf("siteaudit: reading %s: %w", raw, err)
		}
		return r, nil
	}
	if resp.ContentLength > limit.max {
		return nil, fmt.Errorf("siteaudit: reading %s: %w: %d bytes, at most %d", raw, netguard.ErrTooLarge, resp.ContentLength, limit.max)
	}
	r.Body, err = netguard.ReadLimited(resp.Body, limit.max)
	if err != nil {
		return nil, fmt.Errorf("siteaudit: reading %s: %w", raw, err)
	}
	return r, nil
}

// reason says in a few English words why a fetch failed, for a finding.
func reason(err error) string {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, netguard.ErrBlocked):
		return "the address is private or local, and was not contacted"
	case errors.Is(err, context.DeadlineExceeded):
		return "it did not answer in time"
	case errors.Is(err, netguard.ErrTooLarge):
		return "it is too large"
	case errors.Is(err, netguard.ErrTooManyRedirects):
		return "it redirects too many times"
	case errors.As(err, &dnsErr):
		return "its host name does not resolve"
	}
	return "it could not be reached"
}

// fetchPage fetches and parses an HTML page. An answer that is not a page
// (an error status, another content type) is returned as a page with its
// problem set: "home.status" or "home.not_html" for the home page,
// "page.unreachable" for the others.
func (a *auditor) fetchPage(ctx context.Context, raw string, home bool) (*page, error) {
	resp, err := a.fetch.get(ctx, raw, "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1", bodyLimit{max: a.opts.MaxPageBytes})
	if err != nil {
		return nil, err
	}
	p := &page{Requested: raw, URL: resp.URL, Status: resp.Status, Header: resp.Header}
	if resp.Status < 200 || resp.Status > 299 {
		if home {
			f := newFinding("home.status", raw, []any{resp.Status}, raw)
			p.problem = &f
		} else {
			f := newFinding("page.unreachable", raw, []any{raw, fmt.Sprintf("HTTP %d", resp.Status)}, raw)
			p.problem = &f
		}
		return p, nil
	}
	ct := resp.Header.Get("Content-Type")
	if ct == "" {
		ct = http.DetectContentType(resp.Body)
	}
	mt, _, _ := mime.ParseMediaType(ct)
	if mt != "text/html" && mt != "application/xhtml+xml" {
		if home {
			f := newFinding("home.not_html", raw, []any{mt}, raw)
			p.problem = &f
		} else {
			f := newFinding("page.unreachable", raw, []any{raw, "it is not an HTML page but " + mt}, raw)
			p.problem = &f
		}
		return p, nil
	}
	if err := p.parse(resp.Body, ct); err != nil {
		return nil, fmt.Errorf("siteaudit: reading %s: %w", raw, err)
	}
	return p, nil
}

// imageInfo is what fetching an image found.
type imageInfo struct {
	URL string
	// Err is a failed fetch; Status an answer that was not 2xx.
	Err    error
	Status int
	// TooLarge is an image over Options.MaxImageBytes.
	TooLarge bool
	// Format is "png", "jpeg", "gif", "webp", "svg", "ico", or "" for
	// something that is not an image; ContentType is the served type.
	Format      string
	ContentType string
	Width       int
	Height      int
}

// loads reports whether the image answered with content.
func (i imageInfo) loads() bool {
	return i.Err == nil && i.Status >= 200 && i.Status <= 299 && !i.TooLarge
}

// failure says why an image that does not load failed.
func (i imageInfo) failure() string {
	switch {
	case i.Err != nil:
		return reason(i.Err)
	case i.TooLarge:
		return "it is too large"
	default:
		return fmt.Sprintf("HTTP %d", i.Status)
	}
}

// image fetches an image once per audit and reads its format and size.
func (a *auditor) image(ctx context.Context, raw string) imageInfo {
	if info, ok := a.images[raw]; ok {
		return info
	}
	info := imageInfo{URL: raw}
	resp, err := a.fetch.get(ctx, raw, "image/webp,image/png,image/jpeg,image/gif;q=0.9,image/*;q=0.5,*/*;q=0.1", bodyLimit{max: a.opts.MaxImageBytes})
	switch {
	case errors.Is(err, netguard.ErrTooLarge):
		info.TooLarge = true
	case err != nil:
		info.Err = err
	default:
		info.Status = resp.Status
		if resp.Status >= 200 && resp.Status <= 299 {
			info.ContentType, _, _ = mime.ParseMediaType(resp.Header.Get("Content-Type"))
			info.Format, info.Width, info.Height = sniffImage(resp.Body, info.ContentType)
		}
	}
	a.images[raw] = info
	return info
}

// sniffImage tells the format and size of an image from its bytes: the
// served content type is only trusted for SVG, which has no magic number.
func sniffImage(data []byte, contentType string) (format string, width, height int) {
	if cfg, f, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
		return f, cfg.Width, cfg.Height
	}
	if len(data) >= 6 && data[0] == 0 && data[1] == 0 && data[2] == 1 && data[3] == 0 {
		// ICO: the first entry's size, 0 meaning 256.
		w, h := 256, 256
		if len(data) >= 8 {
			if data[6] != 0 {
				w = int(data[6])
			}
			if data[7] != 0 {
				h = int(data[7])
			}
		}
		return "ico", w, h
	}
	head := strings.ToLower(string(data[:min(len(data), 1024)]))
	if contentType == "image/svg+xml" || strings.Contains(head, "<svg") {
		return "svg", 0, 0
	}
	return "", 0, 0
}
