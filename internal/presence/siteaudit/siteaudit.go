// Package siteaudit checks whether a company's website presents the brand
// correctly to Google and to the social networks: the structured data that
// ties the site to the brand and its profiles (schema.org Organization or
// LocalBusiness in JSON-LD), the Open Graph and Twitter card tags that make
// link previews, the canonical URL, language, title and description, the
// favicon, the rel="me" links that let Mastodon show the site as verified,
// and that neither robots.txt, the sitemap nor a noindex hide the pages that
// matter. Every problem is a Finding with the exact fix.
//
// It reads sites that users name, so every request goes through the
// *http.Client the caller gives (production passes the netguard client, which
// refuses private addresses), sends no cookie, names itself in the
// User-Agent, follows a bounded number of redirects and reads bounded
// amounts of data within bounded time.
package siteaudit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/portavoce/portavoce"
)

// Brand is what the company told Portavoce about itself.
type Brand struct {
	// Name is the brand's name, as it should appear in search results.
	Name string
	// Website is the address of the home page.
	Website string
	// Profiles are the addresses of the brand's profiles on every network;
	// the structured data's sameAs should list exactly these.
	Profiles []string
	// Mastodon lists the profiles that are on Mastodon (or on another server
	// that verifies links with rel="me"). When nil, they are recognized
	// among Profiles by their shape, https://server/@name.
	Mastodon []string
	// LocalBusiness is true for a business with premises customers visit
	// (a shop, a café, a studio): it should be described as a LocalBusiness
	// with its address, so that it shows in Google Maps and local results.
	LocalBusiness bool
	// Logo is the address of the brand's logo, used in the suggested JSON-LD
	// when the site has none.
	Logo string
}

// Severities of a finding, from the worst.
const (
	// Critical findings keep the brand out of Google or break its
	// identity: the home page blocked or not indexed, no structured data.
	Critical = "critical"
	// Important findings degrade how the brand shows: no preview image,
	// profiles not linked, no verification on Mastodon.
	Important = "important"
	// Minor findings are polish: lengths, language, a missing sitemap entry.
	Minor = "minor"
)

// Finding is one problem found, with its fix.
type Finding struct {
	// Check is the stable identifier of the check, as "jsonld.missing" or
	// "robots.blocks_home".
	Check string
	// Severity is Critical, Important or Minor.
	Severity string
	// Impact orders the findings: higher first.
	Impact int
	// Page is the address of the page the finding concerns (the home page
	// for site-wide findings).
	Page string
	// Message is the English explanation: Format formatted with Args. The
	// web layer translates Format (gettext style) and formats it with Args.
	Message string
	Format  string
	Args    []any
	// Fix is the exact fix in English (the JSON-LD to paste, the tags to
	// add, the robots.txt line to remove): FixFormat formatted with
	// FixArgs, which carry the code so that a translation leaves it intact.
	Fix       string
	FixFormat string
	FixArgs   []any
}

// Facts are what the audit found on the home page and the site, by name:
// "title", "description", "canonical", "og:title", "og:image",
// "og:image:size", "jsonld:type", "jsonld:telephone", "robots.txt",
// "sitemap"... Values with several items are one per line.
type Facts map[string]string

// Report is the result of an audit.
type Report struct {
	// Score goes from 0 (nothing right) to 100 (no finding).
	Score int
	// Findings are ordered by impact, highest first.
	Findings []Finding
	// Pages are the pages audited: the home page first, then the pages it
	// links to as the company's own (about, contacts...).
	Pages []string
	// Facts are what was found.
	Facts Facts
}

// Options bound an audit. The zero value is ready to use.
type Options struct {
	// MaxPages is how many pages are audited, the home page included.
	// Default 5.
	MaxPages int
	// MaxPageBytes is the largest page read. Default 2 MiB.
	MaxPageBytes int64
	// MaxImageBytes is the largest image read. Default 5 MiB, the limit of
	// X (Twitter) cards: a bigger image is a finding.
	MaxImageBytes int64
	// MaxSitemapBytes is the largest sitemap read (after decompression).
	// Default 10 MiB.
	MaxSitemapBytes int64
	// MaxSitemaps is how many sitemap files are read, those listed in a
	// sitemap index included. Default 5.
	MaxSitemaps int
	// MaxProfileChecks is how many sameAs addresses are fetched to see
	// whether they still exist. Default 20.
	MaxProfileChecks int
	// SkipProfileCheck leaves the sameAs addresses unfetched: no
	// "jsonld.sameas.broken" finding is then possible.
	SkipProfileCheck bool
	// FetchTimeout bounds each request, redirects and body included.
	// Default 15s.
	FetchTimeout time.Duration
	// Timeout bounds the whole audit. Default 2 minutes.
	Timeout time.Duration
	// MaxRedirects is how many redirects a request may follow, on top of
	// the client's own limit. Default 5; a negative value follows none.
	MaxRedirects int
	// UserAgent names the auditor to the sites. Default
	// "Portavoce-SiteAudit/<version> (+https://github.com/portavoce/portavoce)".
	UserAgent string
}

// Defaults of Options.
const (
	DefaultMaxPages         = 5
	DefaultMaxPageBytes     = 2 << 20
	DefaultMaxImageBytes    = 5 << 20
	DefaultMaxSitemapBytes  = 10 << 20
	DefaultMaxSitemaps      = 5
	DefaultMaxProfileChecks = 20
	DefaultFetchTimeout     = 15 * time.Second
	DefaultTimeout          = 2 * time.Minute
	DefaultMaxRedirects     = 5
)

// MaxRobotsBytes is how much of robots.txt is read: RFC 9309 asks crawlers
// to parse at least 500 KiB, and Google ignores what comes after.
const MaxRobotsBytes = 500 << 10

// DefaultUserAgent is the User-Agent of an audit that sets none.
func DefaultUserAgent() string {
	return "Portavoce-SiteAudit/" + portavoce.Version + " (+https://github.com/portavoce/portavoce)"
}

func (o Options) withDefaults() Options {
	if o.MaxPages <= 0 {
		o.MaxPages = DefaultMaxPages
	}
	if o.MaxPageBytes <= 0 {
		o.MaxPageBytes = DefaultMaxPageBytes
	}
	if o.MaxImageBytes <= 0 {
		o.MaxImageBytes = DefaultMaxImageBytes
	}
	if o.MaxSitemapBytes <= 0 {
		o.MaxSitemapBytes = DefaultMaxSitemapBytes
	}
	if o.MaxSitemaps <= 0 {
		o.MaxSitemaps = DefaultMaxSitemaps
	}
	if o.MaxProfileChecks <= 0 {
		o.MaxProfileChecks = DefaultMaxProfileChecks
	}
	if o.FetchTimeout <= 0 {
		o.FetchTimeout = DefaultFetchTimeout
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxRedirects == 0 {
		o.MaxRedirects = DefaultMaxRedirects
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent()
	}
	return o
}

// ErrNoClient is returned by Audit when no HTTP client is given: the audit
// never falls back to an unguarded client.
var ErrNoClient = errors.New("siteaudit: no HTTP client given")

// Audit reads the brand's website through client and reports what keeps the
// brand from showing correctly on Google and on the networks.
//
// It returns an error only when the audit could not be made: no client, a
// website address that is not one, a home page that could not be fetched at
// all (refused by the client's guard, unreachable, too slow, too large), or
// the context ending before the audit did. A home page that answers with an
// error status is a finding, not an error.
func Audit(ctx context.Context, client *http.Client, b Brand, opts Options) (Report, error) {
	if client == nil {
		return Report{}, ErrNoClient
	}
	home, err := parseWebURL(b.Website)
	if err != nil {
		return Report{}, err
	}
	opts = opts.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	a := &auditor{
		brand:  b,
		opts:   opts,
		fetch:  newFetcher(client, opts),
		images: map[string]imageInfo{},
		facts:  Facts{},
	}
	r, err := a.run(ctx, home)
	if err != nil {
		return Report{}, err
	}
	if err := ctx.Err(); err != nil {
		return Report{}, fmt.Errorf("siteaudit: the audit of %s did not finish: %w", home.Host, context.Cause(ctx))
	}
	return r, nil
}

// parseWebURL accepts only absolute http and https URLs.
func parseWebURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("siteaudit: %q is not a web address", raw)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	u.Fragment = ""
	return u, nil
}

// auditor holds the state of one audit.
type auditor struct {
	brand  Brand
	opts   Options
	fetch  *fetcher
	images map[string]imageInfo
	facts  Facts
}

func (a *auditor) run(ctx context.Context, homeURL *url.URL) (Report, error) {
	home, err := a.fetchPage(ctx, homeURL.String(), true)
	if err != nil {
		return Report{}, err
	}
	if home.problem == nil && home.Refresh != "" {
		// A stub that sends the reader elsewhere at once: Google indexes
		// where it leads, so that is the home page to audit.
		if target, err := home.resolve(home.Refresh); err == nil && (target.Scheme == "http" || target.Scheme == "https") && target.String() != home.URL.String() {
			if home, err = a.fetchPage(ctx, target.String(), true); err != nil {
				return Report{}, err
			}
		}
	}
	homeFacts(a.facts, home)
	var findings []Finding
	if home.problem != nil {
		findings = append(findings, *home.problem)
		return a.report(findings, []*page{home}), nil
	}
	pages := []*page{home}
	for _, link := range companyLinks(home, a.opts.MaxPages-1) {
		p, err := a.fetchPage(ctx, link, false)
		if err != nil {
			findings = append(findings, newFinding("page.unreachable", link, []any{link, reason(err)}, link))
			continue
		}
		if p.problem != nil {
			findings = append(findings, *p.problem)
			continue
		}
		pages = append(pages, p)
	}

	robots, f := a.readRobots(ctx, home)
	findings = append(findings, f...)
	findings = append(findings, checkRobots(robots, pages)...)
	findings = append(findings, a.checkSitemaps(ctx, home, robots, pages)...)

	for i, p := range pages {
		findings = append(findings, checkNoindex(p, i == 0)...)
		findings = append(findings, checkCanonical(p)...)
		findings = append(findings, checkLang(p)...)
		findings = append(findings, checkTitle(p, a.brand)...)
		findings = append(findings, checkDescription(p)...)
		findings = append(findings, checkCard(p, a.brand, func(u string) imageInfo { return a.image(ctx, u) })...)
	}
	findings = append(findings, a.checkFavicon(ctx, home)...)
	findings = append(findings, checkRelMe(home, mastodonProfiles(a.brand))...)
	contactFacts(a.facts, pages)
	findings = append(findings, a.checkStructuredData(ctx, pages)...)
	return a.report(findings, pages), nil
}

// report sorts the findings, scores them and records the facts.
func (a *auditor) report(findings []Finding, pages []*page) Report {
	order := map[string]int{}
	r := Report{Facts: a.facts}
	for i, p := range pages {
		r.Pages = append(r.Pages, p.URL.String())
		order[p.URL.String()] = i
	}
	rank := func(page string) int {
		if i, ok := order[page]; ok {
			return i
		}
		return len(pages)
	}
	slices.SortStableFunc(findings, func(x, y Finding) int {
		if x.Impact != y.Impact {
			return y.Impact - x.Impact
		}
		if rx, ry := rank(x.Page), rank(y.Page); rx != ry {
			return rx - ry
		}
		return strings.Compare(x.Check, y.Check)
	})
	r.Findings = findings
	r.Score = Score(findings)
	return r
}
