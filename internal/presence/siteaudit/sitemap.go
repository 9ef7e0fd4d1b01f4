package siteaudit

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"golang.org/x/net/html/charset"
)

// maxSitemapEntries is the most URLs a sitemap may list (sitemaps.org).
const maxSitemapEntries = 50000

// errNotSitemap is a file that is neither an XML sitemap nor a list of
// addresses.
var errNotSitemap = errors.New("siteaudit: not a sitemap")

// parseSitemap reads a sitemap: an XML <urlset> (its <url><loc> are pages),
// an XML <sitemapindex> (its <sitemap><loc> are further sitemaps), or a
// plain list of addresses, one per line; gzip-compressed or not. max bounds
// the decompressed size.
func parseSitemap(body []byte, max int64) (urls, children []string, err error) {
	if len(body) >= 2 && body[0] == 0x1f && body[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: broken gzip: %v", errNotSitemap, err)
		}
		body, err = io.ReadAll(io.LimitReader(zr, max+1))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: broken gzip: %v", errNotSitemap, err)
		}
		if int64(len(body)) > max {
			return nil, nil, fmt.Errorf("%w: larger than %d bytes once decompressed", errNotSitemap, max)
		}
	}
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] != '<' {
		return parseTextSitemap(string(trimmed))
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.CharsetReader = charset.NewReaderLabel
	var stack []string
	var text strings.Builder
	root := ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", errNotSitemap, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = t.Name.Local
				if root != "urlset" && root != "sitemapindex" {
					return nil, nil, fmt.Errorf("%w: the root element is <%s>, not <urlset> or <sitemapindex>", errNotSitemap, root)
				}
			}
			stack = append(stack, t.Name.Local)
			text.Reset()
		case xml.CharData:
			if text.Len() < 4096 {
				text.Write(t)
			}
		case xml.EndElement:
			if len(stack) >= 2 && t.Name.Local == "loc" {
				loc := strings.TrimSpace(text.String())
				switch stack[len(stack)-2] {
				case "url":
					urls = append(urls, loc)
				case "sitemap":
					children = append(children, loc)
				}
				if len(urls)+len(children) > maxSitemapEntries {
					return nil, nil, fmt.Errorf("%w: more than %d entries", errNotSitemap, maxSitemapEntries)
				}
			}
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	if root == "" {
		return nil, nil, fmt.Errorf("%w: the file is empty", errNotSitemap)
	}
	return urls, children, nil
}

// parseTextSitemap reads a sitemap written as one address per line.
func parseTextSitemap(s string) (urls, children []string, err error) {
	for _, line := range splitLines(s) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if !isAbsolute(line) {
			return nil, nil, fmt.Errorf("%w: %q is not an address", errNotSitemap, clip(line, 60))
		}
		urls = append(urls, line)
		if len(urls) > maxSitemapEntries {
			return nil, nil, fmt.Errorf("%w: more than %d entries", errNotSitemap, maxSitemapEntries)
		}
	}
	return urls, nil, nil
}

// urlKey writes an address for comparison: scheme and host lowercased,
// default port dropped, "/" for an empty path, no fragment.
func urlKey(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return strings.TrimSpace(raw)
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	k := strings.ToLower(u.Scheme) + "://" + hostKey(u) + p
	if u.RawQuery != "" {
		k += "?" + u.RawQuery
	}
	return k
}

// sitemapSource is a sitemap to read; guessed ones (the usual addresses,
// tried when robots.txt names none) may be missing without a finding.
type sitemapSource struct {
	url     string
	guessed bool
}

// checkSitemaps reads the sitemaps robots.txt names, or the usual
// /sitemap.xml and /sitemap_index.xml, following a sitemap index, and
// checks that they list the audited pages.
func (a *auditor) checkSitemaps(ctx context.Context, home *page, robots robotsResult, pages []*page) []Finding {
	homeURL := home.URL.String()
	var queue []sitemapSource
	if robots.txt != nil {
		for _, s := range robots.txt.sitemaps {
			if u, err := robots.origin.Parse(s); err == nil {
				queue = append(queue, sitemapSource{url: u.String()})
			}
		}
	}
	if len(queue) == 0 {
		for _, p := range []string{"/sitemap.xml", "/sitemap_index.xml"} {
			queue = append(queue, sitemapSource{url: robots.origin.String() + p, guessed: true})
		}
	}
	var out []Finding
	listed := map[string]bool{}
	seen := map[string]bool{}
	var read []string
	complete := true
	for fetched := 0; len(queue) > 0; {
		src := queue[0]
		queue = queue[1:]
		if seen[src.url] || src.guessed && len(read) > 0 {
			continue
		}
		if fetched >= a.opts.MaxSitemaps {
			complete = false
			break
		}
		seen[src.url] = true
		fetched++
		resp, err := a.fetch.get(ctx, src.url, "application/xml,text/xml,text/plain;q=0.9,*/*;q=0.1", bodyLimit{max: a.opts.MaxSitemapBytes})
		var problem string
		var urls, children []string
		switch {
		case err != nil:
			problem = reason(err)
		case resp.Status < 200 || resp.Status > 299:
			problem = fmt.Sprintf("HTTP %d", resp.Status)
		default:
			urls, children, err = parseSitemap(resp.Body, a.opts.MaxSitemapBytes)
			if err != nil {
				problem = strings.TrimPrefix(err.Error(), errNotSitemap.Error()+": ")
			}
		}
		if problem != "" {
			// A guessed address that is not a sitemap (often the home page
			// served for every path) is no sitemap, not a broken one.
			if !src.guessed {
				complete = false
				out = append(out, newFinding("sitemap.invalid", homeURL, []any{src.url, problem}, src.url))
			}
			continue
		}
		read = append(read, src.url)
		for _, u := range urls {
			listed[urlKey(u)] = true
		}
		for _, c := range children {
			if u, err := url.Parse(c); err == nil && isAbsolute(c) {
				queue = append(queue, sitemapSource{url: u.String()})
			}
		}
	}
	if len(read) > 0 {
		a.facts["sitemap"] = strings.Join(read, "\n")
	}
	if len(read) == 0 && len(out) == 0 {
		sitemapURL := robots.origin.String() + "/sitemap.xml"
		return []Finding{newFinding("sitemap.missing", homeURL, nil, sitemapURL, sitemapURL, suggestedSitemap(pages))}
	}
	if !complete || len(read) == 0 {
		return out
	}
	for _, p := range pages {
		if listed[urlKey(p.URL.String())] || listed[urlKey(p.Requested)] {
			continue
		}
		if c := canonicalOf(p); c != "" && listed[urlKey(c)] {
			continue
		}
		loc := preferredURL(p)
		out = append(out, newFinding("sitemap.missing_page", p.URL.String(), []any{loc}, "<url><loc>"+escText(loc)+"</loc></url>"))
	}
	return out
}

// canonicalOf returns the page's canonical URL, absolute, or "".
func canonicalOf(p *page) string {
	for _, l := range p.Links {
		if l.Tag == "link" && l.InHead && l.hasRel("canonical") && l.Href != "" {
			if u, err := p.resolve(l.Href); err == nil {
				return u.String()
			}
		}
	}
	return ""
}

// preferredURL is the address a sitemap should list for the page: its
// canonical URL when it is on the same site, else its own.
func preferredURL(p *page) string {
	if c := canonicalOf(p); c != "" {
		if u, err := url.Parse(c); err == nil && sameSite(u, p.URL) {
			return c
		}
	}
	return p.URL.String()
}

// suggestedSitemap writes a sitemap listing the audited pages.
func suggestedSitemap(pages []*page) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	for _, p := range pages {
		b.WriteString("  <url><loc>" + escText(preferredURL(p)) + "</loc></url>\n")
	}
	b.WriteString("</urlset>")
	return b.String()
}
