package siteaudit

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Lengths Google shows best, in characters.
const (
	minTitle       = 30
	maxTitle       = 60
	minDescription = 70
	maxDescription = 160
)

// checkCanonical checks the page's canonical URL: present, one, absolute,
// on the same site.
func checkCanonical(p *page) []Finding {
	page := p.URL.String()
	var hrefs []string
	distinct := map[string]bool{}
	for _, l := range p.Links {
		if l.Tag != "link" || !l.InHead || !l.hasRel("canonical") || l.Href == "" {
			continue
		}
		hrefs = append(hrefs, l.Href)
		if u, err := p.resolve(l.Href); err == nil {
			distinct[u.String()] = true
		}
	}
	tag := func(href string) string { return `<link rel="canonical" href="` + escAttr(href) + `">` }
	switch {
	case len(hrefs) == 0:
		return []Finding{newFinding("canonical.missing", page, nil, tag(page))}
	case len(distinct) > 1:
		return []Finding{newFinding("canonical.conflicting", page, []any{len(distinct)}, tag(page))}
	}
	u, err := p.resolve(hrefs[0])
	if err != nil {
		return []Finding{newFinding("canonical.relative", page, []any{hrefs[0]}, tag(page))}
	}
	if !sameSite(u, p.URL) {
		return []Finding{newFinding("canonical.other_site", page, []any{u.String()}, tag(page))}
	}
	for _, href := range hrefs {
		if !isAbsolute(href) {
			return []Finding{newFinding("canonical.relative", page, []any{href}, tag(u.String()))}
		}
	}
	return nil
}

// checkLang checks that <html> declares the page's language.
func checkLang(p *page) []Finding {
	if p.Lang != "" {
		return nil
	}
	lang := "it"
	if l := p.metaValue("og:locale"); l != "" {
		lang = strings.ToLower(strings.FieldsFunc(l, func(r rune) bool { return r == '_' || r == '-' })[0])
	} else if l := strings.TrimSpace(strings.Split(p.Header.Get("Content-Language"), ",")[0]); l != "" {
		lang = l
	}
	return []Finding{newFinding("html.lang.missing", p.URL.String(), nil, `<html lang="`+escAttr(lang)+`">`)}
}

// checkTitle checks the title is there and 30 to 60 characters long.
func checkTitle(p *page, b Brand) []Finding {
	page := p.URL.String()
	tag := func(s string) string { return "<title>" + escText(s) + "</title>" }
	n := runes(p.Title)
	switch {
	case n == 0:
		return []Finding{newFinding("title.missing", page, nil, tag(suggestTitle(p, b)))}
	case n < minTitle:
		return []Finding{newFinding("title.too_short", page, []any{n}, tag(suggestTitle(p, b)))}
	case n > maxTitle:
		return []Finding{newFinding("title.too_long", page, []any{n}, tag(clip(p.Title, maxTitle)))}
	}
	return nil
}

// suggestTitle composes a title from what the page and the brand say: the
// page's title, its og:title and the brand's name, each once.
func suggestTitle(p *page, b Brand) string {
	var parts []string
	for _, s := range []string{p.Title, p.metaValue("og:title"), b.Name, p.metaValue("og:site_name")} {
		s = collapse(s)
		low := strings.ToLower(s)
		if s == "" || strings.Contains(strings.ToLower(strings.Join(parts, " ")), low) {
			continue
		}
		// A longer candidate replaces the parts it already contains.
		parts = slices.DeleteFunc(parts, func(x string) bool { return strings.Contains(low, strings.ToLower(x)) })
		parts = append(parts, s)
	}
	t := strings.Join(parts, " – ")
	if runes(t) < minTitle && p.Paragraph != "" {
		t = strings.TrimPrefix(t+" – "+p.Paragraph, " – ")
	}
	return clip(t, maxTitle)
}

// checkDescription checks the meta description is there and 70 to 160
// characters long.
func checkDescription(p *page) []Finding {
	page := p.URL.String()
	d := collapse(p.named("description"))
	tag := func(s string) string { return `<meta name="description" content="` + escAttr(s) + `">` }
	n := runes(d)
	switch {
	case n == 0:
		return []Finding{newFinding("description.missing", page, nil, tag(suggestDescription(p)))}
	case n < minDescription:
		return []Finding{newFinding("description.too_short", page, []any{n}, tag(suggestDescription(p)))}
	case n > maxDescription:
		return []Finding{newFinding("description.too_long", page, []any{n}, tag(clip(d, maxDescription)))}
	}
	return nil
}

// suggestDescription composes a description from the page's own summaries
// (its description, og:description, twitter:description, first paragraph):
// the longest, followed by the others it does not contain until it is long
// enough.
func suggestDescription(p *page) string {
	var sources []string
	for _, s := range []string{p.named("description"), p.metaValue("og:description"), p.metaValue("twitter:description"), p.Paragraph} {
		if s = collapse(s); s != "" {
			sources = append(sources, s)
		}
	}
	slices.SortStableFunc(sources, func(a, b string) int { return runes(b) - runes(a) })
	best := ""
	for _, s := range sources {
		if runes(best) >= minDescription {
			break
		}
		if !strings.Contains(strings.ToLower(best), strings.ToLower(s)) {
			best = strings.TrimSpace(best + " " + s)
		}
	}
	return clip(best, 155)
}

// checkNoindex finds the robots meta tags and X-Robots-Tag headers that ask
// Google (or every search engine) not to index the page.
func checkNoindex(p *page, home bool) []Finding {
	var found, fixes []string
	for _, m := range p.Metas {
		if m.Property || (m.Name != "robots" && m.Name != "googlebot") {
			continue
		}
		if hasNoindex(m.Content) {
			tag := `<meta name="` + m.Name + `" content="` + escAttr(m.Content) + `">`
			found = append(found, tag)
			fixes = append(fixes, tag)
		}
	}
	for _, v := range p.Header.Values("X-Robots-Tag") {
		if headerNoindex(v) {
			h := "X-Robots-Tag: " + v
			found = append(found, h)
			fixes = append(fixes, h)
		}
	}
	if len(found) == 0 {
		return nil
	}
	id := "noindex.page"
	if home {
		id = "noindex.home"
	}
	return []Finding{newFinding(id, p.URL.String(), []any{strings.Join(found, ", ")}, strings.Join(fixes, "\n"))}
}

// hasNoindex reports whether a list of robots rules contains noindex or
// none.
func hasNoindex(rules string) bool {
	for r := range strings.SplitSeq(rules, ",") {
		switch strings.ToLower(strings.TrimSpace(r)) {
		case "noindex", "none":
			return true
		}
	}
	return false
}

// robotsRuleNames are the rules whose value follows a colon, which must
// not be taken for a crawler's name in an X-Robots-Tag header.
var robotsRuleNames = map[string]bool{
	"unavailable_after": true, "max-snippet": true, "max-image-preview": true, "max-video-preview": true,
}

// headerNoindex reads an X-Robots-Tag value ("noindex", "googlebot:
// noindex, nofollow", "otherbot: noindex"): it counts when it applies to
// every crawler or to Googlebot.
func headerNoindex(v string) bool {
	if name, rest, ok := strings.Cut(v, ":"); ok {
		name = strings.ToLower(strings.TrimSpace(name))
		if !robotsRuleNames[name] && !strings.Contains(name, ",") {
			if name != "googlebot" && name != "robots" {
				return false
			}
			v = rest
		}
	}
	return hasNoindex(v)
}

// faviconLink returns the href of the page's first icon link.
func faviconLink(p *page) string {
	for _, l := range p.Links {
		if l.Tag == "link" && l.hasRel("icon") && l.Href != "" {
			return l.Href
		}
	}
	return ""
}

// checkFavicon fetches the declared icon, or /favicon.ico when none is
// declared, and checks it loads as an image.
func (a *auditor) checkFavicon(ctx context.Context, home *page) []Finding {
	href := faviconLink(home)
	var u *url.URL
	var err error
	if href != "" {
		u, err = home.resolve(href)
	} else {
		// The default icon is at the root of the host, whatever <base>.
		u, err = home.URL.Parse("/favicon.ico")
	}
	var info imageInfo
	if err != nil {
		info = imageInfo{URL: href, Err: err}
	} else {
		info = a.image(ctx, u.String())
	}
	if info.loads() && (info.Format != "" || undecodedImage(info)) {
		a.facts["favicon"] = info.URL
	}
	return faviconFindings(home, href, info)
}

// faviconFindings judges the favicon: declaredHref is the page's icon link
// ("" when it has none, and info is then /favicon.ico).
func faviconFindings(home *page, declaredHref string, info imageInfo) []Finding {
	page := home.URL.String()
	if info.loads() && (info.Format != "" || undecodedImage(info)) {
		return nil
	}
	if declaredHref == "" {
		return []Finding{newFinding("favicon.missing", page, nil, `<link rel="icon" href="/favicon.png" sizes="48x48" type="image/png">`)}
	}
	why := info.failure()
	if info.loads() {
		why = "it is not an image"
		if info.ContentType != "" {
			why = fmt.Sprintf("it is %s, not an image", info.ContentType)
		}
	}
	return []Finding{newFinding("favicon.broken", page, []any{info.URL, why}, info.URL)}
}
