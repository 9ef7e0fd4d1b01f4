package siteaudit

import (
	"fmt"
	"sort"
)

// check describes one kind of finding: how bad it is, how it ranks, and
// its English message and fix (gettext style: the formats are the keys a
// translation maps).
type check struct {
	severity  string
	impact    int // within the severity, 0..99
	format    string
	fixFormat string
}

// checks is the catalogue of every finding the audit can produce, by id.
var checks = map[string]check{
	// The home page and the pages it links to.
	"home.status": {Critical, 99,
		"The home page answers with HTTP status %d instead of the page: nobody, Google included, can see the site",
		"Make %s answer with the page (HTTP 200): check the web server, the hosting and the redirects"},
	"home.not_html": {Critical, 98,
		"The home page is not an HTML page (it is %s)",
		"Make %s serve the HTML home page (Content-Type: text/html)"},
	"page.unreachable": {Important, 40,
		"The page %s, linked from the home page, could not be read: %s",
		"Make %s answer with the page (HTTP 200), or fix or remove the link to it on the home page"},

	// Indexing: robots.txt and noindex.
	"robots.unreachable": {Critical, 96,
		"robots.txt could not be read (%s): Google stops crawling a site whose robots.txt fails with a server error",
		"Make %s answer with HTTP 200 (the file) or 404 (no file); never with a server error or a timeout"},
	"robots.blocks_home": {Critical, 97,
		"robots.txt forbids %s to crawl the home page",
		"In robots.txt, remove or narrow these lines:\n%s"},
	"robots.blocks_page": {Important, 80,
		"robots.txt forbids %s to crawl %s",
		"In robots.txt, remove or narrow these lines:\n%s"},
	"noindex.home": {Critical, 95,
		"The home page asks search engines not to index it (%s): it cannot appear on Google",
		noindexFix},
	"noindex.page": {Important, 78,
		"This page asks search engines not to index it (%s): it cannot appear on Google",
		noindexFix},

	// Structured data.
	"jsonld.missing": {Critical, 90,
		"The site has no Organization or LocalBusiness structured data (JSON-LD): Google cannot tie the site to the brand, its logo and its profiles",
		"Paste this in the <head> of the home page, after checking every value:\n%s"},
	"jsonld.invalid": {Critical, 89,
		"JSON-LD block number %d on this page is not valid JSON (%s): Google ignores it",
		"Replace the block with valid JSON-LD; for the brand, after checking every value:\n%s"},
	"jsonld.not_local": {Important, 75,
		"The structured data describes the brand as %s, not as a LocalBusiness: Google Maps and local results need a LocalBusiness with its address",
		"Replace the JSON-LD of the home page with this one, after checking every value:\n%s"},
	"jsonld.incomplete": {Important, 74,
		"The %s structured data lacks: %s",
		"Replace the JSON-LD of the home page with this one, after checking every value:\n%s"},
	"jsonld.logo.broken": {Important, 60,
		"The logo in the structured data (%s) does not load as an image: %s",
		"Set \"logo\" to the address of a PNG, JPEG, WebP or SVG image of at least 112×112 pixels that loads without a login, for example:\n%s"},
	"jsonld.logo.too_small": {Minor, 40,
		"The logo in the structured data is %d×%d pixels: Google wants at least 112×112",
		"Set \"logo\" to a larger version of the logo (at least 112×112 pixels, square works best) instead of %s"},
	"jsonld.sameas.missing_profile": {Important, 70,
		"The structured data's sameAs does not list the profile %s: Google may not tie it to the brand",
		"Set sameAs in the JSON-LD to:\n%s"},
	"jsonld.sameas.stale": {Important, 68,
		"The structured data's sameAs lists %s, which is not among the brand's profiles: remove it if it is old or not the brand's",
		"Set sameAs in the JSON-LD to:\n%s"},
	"jsonld.sameas.broken": {Important, 69,
		"The structured data's sameAs lists %s, which no longer exists (HTTP %d)",
		"Set sameAs in the JSON-LD to:\n%s"},

	// Link previews: Open Graph and Twitter cards.
	"og.title.missing": {Important, 58,
		"The page has no og:title: the networks guess the title of its link preview",
		"Add to the <head>:\n%s"},
	"og.description.missing": {Minor, 30,
		"The page has no og:description: the link preview has no text or a guessed one",
		"Add to the <head>:\n%s"},
	"og.image.missing": {Important, 62,
		"The page has no og:image: its link preview has no image, or a guessed one",
		"Add to the <head> an image of 1200×630 pixels (PNG or JPEG, under 5 MB):\n%s"},
	"og.image.relative": {Minor, 28,
		"The %s address %s is relative: Open Graph wants an absolute address, and some networks ignore a relative one",
		"Write the absolute address:\n%s"},
	"og.image.broken": {Important, 64,
		"The image named by %s (%s) does not load: %s",
		"Make %s answer with the image, or point the tag to an image that loads without a login"},
	"og.image.not_image": {Important, 63,
		"The %s address %s is not an image the networks can show: %s",
		"Point the tag to a PNG, JPEG or WebP image of 1200×630 pixels instead of %s"},
	"og.image.too_large": {Important, 56,
		"The image named by %s (%s) is larger than %d MB: the networks may not download it",
		"Compress %s (JPEG or WebP) to well under 5 MB; 1200×630 pixels are enough"},
	"og.image.too_small": {Important, 57,
		"The image named by %s is %d×%d pixels: the networks do not show images smaller than 200×200",
		"Replace %s with an image of 1200×630 pixels"},
	"og.image.below_recommended": {Minor, 26,
		"The image named by %s is %d×%d pixels: 1200×630 is recommended for a large preview",
		"Replace %s with an image of 1200×630 pixels"},
	"twitter.card.missing": {Minor, 24,
		"The page has no twitter:card: X shows its link as a small card or as a bare link",
		"Add to the <head>:\n%s"},
	"twitter.image.broken": {Important, 50,
		"The image named by %s (%s) does not load: %s",
		"Make %s answer with the image, or point the tag to an image that loads without a login"},
	"twitter.image.not_image": {Important, 49,
		"The %s address %s is not an image the networks can show: %s",
		"Point the tag to a PNG, JPEG or WebP image of 1200×630 pixels instead of %s"},
	"twitter.image.too_large": {Important, 47,
		"The image named by %s (%s) is larger than %d MB: the networks may not download it",
		"Compress %s (JPEG or WebP) to well under 5 MB; 1200×630 pixels are enough"},
	"twitter.image.too_small": {Important, 48,
		"The image named by %s is %d×%d pixels: the networks do not show images smaller than 200×200",
		"Replace %s with an image of 1200×630 pixels"},
	"twitter.image.below_recommended": {Minor, 22,
		"The image named by %s is %d×%d pixels: 1200×630 is recommended for a large preview",
		"Replace %s with an image of 1200×630 pixels"},
	"twitter.image.relative": {Minor, 20,
		"The %s address %s is relative: Open Graph wants an absolute address, and some networks ignore a relative one",
		"Write the absolute address:\n%s"},

	// Search result basics.
	"canonical.missing": {Minor, 36,
		"The page declares no canonical URL: Google picks one itself among the addresses that show it",
		"Add to the <head>:\n%s"},
	"canonical.relative": {Minor, 34,
		"The canonical URL %s is relative: Google recommends an absolute one",
		"Write the absolute address:\n%s"},
	"canonical.other_site": {Critical, 88,
		"The canonical URL %s is on another site: Google may index that site instead of this page",
		"Point the canonical URL to this page:\n%s"},
	"canonical.conflicting": {Important, 66,
		"The page declares %d different canonical URLs: Google ignores them all",
		"Keep only one, in the <head>:\n%s"},
	"html.lang.missing": {Minor, 20,
		"The page does not declare its language",
		"Declare the language of the page on the html element, for example:\n%s"},
	"title.missing": {Important, 65,
		"The page has no title: Google makes one up for its search result",
		"Add to the <head> a title of 30 to 60 characters, for example:\n%s"},
	"title.too_short": {Minor, 32,
		"The title has %d characters: 30 to 60 describe the page best in search results",
		"Make the title 30 to 60 characters long, for example:\n%s"},
	"title.too_long": {Minor, 31,
		"The title has %d characters: Google cuts titles longer than about 60",
		"Shorten the title to 60 characters at most, for example:\n%s"},
	"description.missing": {Important, 55,
		"The page has no meta description: Google picks a snippet of text for its search result",
		"Add to the <head> a description of 70 to 160 characters, for example:\n%s"},
	"description.too_short": {Minor, 30,
		"The meta description has %d characters: 70 to 160 describe the page best in search results",
		"Make the description 70 to 160 characters long, for example:\n%s"},
	"description.too_long": {Minor, 29,
		"The meta description has %d characters: Google cuts descriptions longer than about 160",
		"Shorten the description to 160 characters at most, for example:\n%s"},
	"favicon.missing": {Important, 45,
		"The site has no favicon: Google shows a generic icon next to its search results",
		"Publish a square icon (48×48 pixels or a multiple, or SVG) and add to the <head> of every page:\n%s"},
	"favicon.broken": {Important, 46,
		"The favicon %s does not load as an image: %s",
		"Make %s answer with the icon, or point the tag to an icon that loads"},

	// Mastodon verification.
	"rel_me.missing": {Important, 52,
		"The home page has no rel=\"me\" link to the Mastodon profile %s: Mastodon cannot show the website as verified",
		"Add to the home page (a visible link, or in the <head>):\n%s"},
	"rel_me.mismatch": {Important, 51,
		"The rel=\"me\" link %s does not match the Mastodon profile %s exactly: Mastodon compares the two addresses as they are written",
		"Write the link with the profile's address exactly:\n%s"},

	// Sitemaps.
	"sitemap.missing": {Minor, 38,
		"The site has no sitemap: Google finds its pages only by following links",
		"Publish this file at %s and add this line to robots.txt:\nSitemap: %s\n\n%s"},
	"sitemap.invalid": {Minor, 37,
		"The sitemap %s could not be read: %s",
		"Make %s a sitemap: an XML <urlset> with one <url><loc> per page, or a plain list of addresses, one per line"},
	"sitemap.missing_page": {Minor, 35,
		"The sitemap does not list %s",
		"Add to the sitemap:\n%s"},
}

// noindexFix is the fix of both noindex checks.
const noindexFix = "Remove what asks not to index the page: the meta tags from its <head>, the X-Robots-Tag headers from the configuration of the web server, CDN or CMS:\n%s"

// severityBase ranks the severities: every critical finding comes before
// every important one, and so on.
var severityBase = map[string]int{Critical: 300, Important: 200, Minor: 100}

// severityWeight is what one check of each severity takes off the score.
var severityWeight = map[string]int{Critical: 30, Important: 10, Minor: 3}

// newFinding builds the finding of check id about page, formatting its
// message with args and its fix with fixArgs. An unknown id is a bug.
func newFinding(id, page string, args []any, fixArgs ...any) Finding {
	c, ok := checks[id]
	if !ok {
		panic("siteaudit: unknown check " + id)
	}
	return Finding{
		Check:     id,
		Severity:  c.severity,
		Impact:    severityBase[c.severity] + c.impact,
		Page:      page,
		Message:   fmt.Sprintf(c.format, args...),
		Format:    c.format,
		Args:      args,
		Fix:       fmt.Sprintf(c.fixFormat, fixArgs...),
		FixFormat: c.fixFormat,
		FixArgs:   fixArgs,
	}
}

// Score rates findings from 0 to 100: each check found takes off 30 points
// if critical, 10 if important and 3 if minor, once however many pages it
// concerns (at its worst severity), so that a problem repeated on every page
// does not drown the others.
func Score(findings []Finding) int {
	worst := map[string]int{}
	for _, f := range findings {
		worst[f.Check] = max(worst[f.Check], severityWeight[f.Severity])
	}
	score := 100
	for _, w := range worst {
		score -= w
	}
	return max(score, 0)
}

// Checks lists the ids of every check, sorted.
func Checks() []string {
	ids := make([]string, 0, len(checks))
	for id := range checks {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Messages lists every English format a finding can carry, messages and
// fixes, sorted and without repeats: the keys a translation must cover.
func Messages() []string {
	set := map[string]bool{}
	for _, c := range checks {
		set[c.format], set[c.fixFormat] = true, true
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}
