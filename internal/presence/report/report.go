// Package report writes a presence audit up as a document to hand to the
// brand's management or to a client: in the reader's language, with the
// score and how it moved, the problems from the one that weighs most, each
// with the exact change to make, what changed since the previous audit and
// the state of every profile. Build makes the report; HTML writes it as a
// self-contained printable page and PDF as an A4 document.
package report

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/i18n"
	"github.com/portavoce/portavoce/internal/presence/profileaudit"
	"github.com/portavoce/portavoce/internal/presence/siteaudit"
)

// Input is what a report is made of.
type Input struct {
	// Audit is the audit the report is about; Previous is the last audit
	// before it that ran, nil when there is none.
	Audit    p.PresenceAudit
	Previous *p.PresenceAudit
	// Settings are the brand's website and profiles, Accounts the
	// workspace's connected accounts.
	Settings  p.PresenceSettings
	Accounts  []p.SocialAccount
	Workspace p.Workspace
	// Author is who prepares the report: the person exporting it.
	Author string
	Lang   i18n.Lang
	// Zone is the workspace's time zone, for dates (UTC when nil); Now is
	// when the report is made.
	Zone *time.Location
	Now  time.Time
}

// Report is an audit written up in one language.
type Report struct {
	Lang i18n.Lang
	// L are the headings and labels in the report's language.
	L Labels
	// Brand, Website and Workspace say whose presence it is.
	Brand, Website, Workspace string
	AuditID                   string
	// Date is when the audit ran, Generated when the report was made,
	// both written out in the report's language; Day is the audit's day
	// (2006-01-02), for file names.
	Date, Generated, Day string
	Author               string
	// Subtitle says what the report is about, with the brand's name.
	Subtitle string
	// Failed is set when the audit could not run; Error then says why.
	Failed bool
	Error  string
	// Score is 0 to 100; ScoreText says it in a sentence. When the
	// profiles were audited with the website, the score is the average of
	// the two parts: Parts gives both.
	Score     int
	ScoreText string
	Parts     string
	// HasPrevious is set when there is an earlier audit to compare with:
	// Delta is the change of the score since then, Change says it.
	HasPrevious bool
	Delta       int
	Change      string
	// Intro presents the report; Summary counts the problems by severity.
	Intro, Summary string
	Counts         Counts
	// Findings are the problems, the heaviest on the score first.
	Findings []Finding
	// New and Resolved are the problems that appeared and went since the
	// previous audit; Changes says so when there is nothing to list.
	New, Resolved []Finding
	Changes       string
	// Profiles are the brand's profiles, with their problems.
	Profiles []Profile
	// Pages are the website's pages the audit read.
	Pages []string
	// made is when the report was made, for the PDF's metadata.
	made time.Time
}

// Counts are the problems by severity.
type Counts struct {
	Critical, Important, Minor int
}

// Total is the number of problems.
func (c Counts) Total() int { return c.Critical + c.Important + c.Minor }

// Finding is one problem as the report shows it.
type Finding struct {
	// Severity is "critical", "important" or "minor"; Level is its label
	// in the report's language.
	Severity, Level string
	// Source is "site" or "profile"; Impact is what the problem takes
	// off the score of its part, the website's or the profiles' (a
	// website's check found on several pages counts once).
	Source string
	Impact int
	// Points says Impact in a sentence, on the first finding of a check
	// only.
	Points string
	// group keeps a website's check found on several pages together, and
	// rank orders findings of the same impact as the audit ordered them.
	group, rank int
	// Message says what is wrong, Subject where (a page or a profile).
	Message, Subject string
	Network          string
	// Advice is what to do; Code, when there is some, is what to paste or
	// write exactly (JSON-LD, tags, a bio, a link), to show as it is.
	Advice, Code string
	// Automatic says that Portavoce can make the change itself, on a
	// connected account; empty otherwise.
	Automatic string
}

// Profile is one of the brand's profiles in the report's table.
type Profile struct {
	// Network is the network's name, Address the profile's address or
	// handle.
	Network, Address string
	// Checked is false for networks Portavoce cannot read: their profiles
	// are only listed.
	Checked bool
	// Connected is set for the workspace's connected accounts.
	Connected                  bool
	Critical, Important, Minor int
	Status                     string
}

// Labels are the report's headings and labels.
type Labels struct {
	Title, Website, Workspace, AuditDate, ReportDate, PreparedBy   string
	Summary, HowToRead, HowToReadText                              string
	LegendCritical, LegendImportant, LegendMinor                   string
	Findings, Where, WhatToDo, NoFindings                          string
	Changes, NewProblems, SolvedProblems                           string
	Profiles, Network, Profile, Critical, Important, Minor, Status string
	Connected, NoProfiles                                          string
	Pages, Signature, Date                                         string
}

func labels(lang i18n.Lang) Labels {
	return Labels{
		Title:           i18n.T(lang, "Presence report"),
		Website:         i18n.T(lang, "Website"),
		Workspace:       i18n.T(lang, "Workspace"),
		AuditDate:       i18n.T(lang, "Date of the audit"),
		ReportDate:      i18n.T(lang, "Date of the report"),
		PreparedBy:      i18n.T(lang, "Prepared by"),
		Summary:         i18n.T(lang, "Summary"),
		HowToRead:       i18n.T(lang, "How to read this report"),
		HowToReadText:   i18n.T(lang, "The score goes from 0 to 100. Each problem takes the points shown next to it off the score of the website or of the profiles (a problem found on several pages counts once); when the profiles are audited too, the score is the average of the two. The problems are listed from the one that weighs most on the score, each with the exact change to make."),
		LegendCritical:  i18n.T(lang, "Critical: keeps the brand from showing correctly on Google or on a network; to fix first."),
		LegendImportant: i18n.T(lang, "Important: weakens how the brand shows up; to fix soon."),
		LegendMinor:     i18n.T(lang, "Minor: a finishing touch."),
		Findings:        i18n.T(lang, "Problems and fixes"),
		Where:           i18n.T(lang, "Where"),
		WhatToDo:        i18n.T(lang, "What to do"),
		NoFindings:      i18n.T(lang, "Nothing to fix: the website and the profiles show the brand correctly."),
		Changes:         i18n.T(lang, "What changed since the previous audit"),
		NewProblems:     i18n.T(lang, "New problems"),
		SolvedProblems:  i18n.T(lang, "Solved problems"),
		Profiles:        i18n.T(lang, "Profiles"),
		Network:         i18n.T(lang, "Network"),
		Profile:         i18n.T(lang, "Profile"),
		Critical:        i18n.T(lang, "Critical"),
		Important:       i18n.T(lang, "Important"),
		Minor:           i18n.T(lang, "Minor"),
		Status:          i18n.T(lang, "Status"),
		Connected:       i18n.T(lang, "connected to Portavoce"),
		NoProfiles:      i18n.T(lang, "The brand's settings list no profile."),
		Pages:           i18n.T(lang, "Pages examined"),
		Signature:       i18n.T(lang, "Signature"),
		Date:            i18n.T(lang, "Date"),
	}
}

// Build writes the audit up in the input's language.
func Build(in Input) Report {
	lang := in.Lang
	if lang == "" {
		lang = i18n.EN
	}
	zone := in.Zone
	if zone == nil {
		zone = time.UTC
	}
	a := in.Audit
	brand := cmp.Or(strings.TrimSpace(in.Settings.BrandName), in.Workspace.Name)
	started := a.StartedAt.In(zone)
	r := Report{Lang: lang, L: labels(lang), Brand: brand, Website: in.Settings.Website, Workspace: in.Workspace.Name,
		AuditID: a.ID, Date: dateTime(lang, started), Generated: longDate(lang, in.Now.In(zone)), Day: started.Format("2006-01-02"),
		Author: strings.TrimSpace(in.Author), Subtitle: i18n.T(lang, "How %s shows up on Google and on the social networks", brand),
		Pages: a.Pages, made: in.Now}
	r.Intro = i18n.T(lang, "This report gives the results of the audit of the website %s and of the profiles of %s, carried out on %s, and the changes that improve how the brand shows up on Google and on the social networks.",
		cmp.Or(in.Settings.Website, "—"), brand, r.Date)
	if a.Score < 0 {
		r.Failed = true
		r.Error = i18n.T(lang, "The audit could not run: %s", a.Error)
		r.Changes = r.Error
		return r
	}
	r.Score = a.Score
	r.ScoreText = i18n.T(lang, "Score: %d out of 100", a.Score)
	connected := connectedHandles(in.Accounts)
	weights, siteScore, profileScore, combined := scoring(a)
	if combined {
		r.Parts = i18n.T(lang, "Website: %d out of 100; profiles: %d out of 100.", siteScore, profileScore)
	}
	first := map[string]int{}
	for i, f := range a.Findings {
		v := finding(lang, f, connected)
		v.group, v.rank = i, i
		if f.Source == "site" {
			v.Impact = weights[f.Check]
			if g, ok := first[f.Check]; ok {
				v.group = g
			} else {
				first[f.Check] = i
			}
		}
		if v.group == i {
			v.Points = points(lang, v.Source, v.Impact)
		}
		r.Findings = append(r.Findings, v)
		switch f.Severity {
		case "critical":
			r.Counts.Critical++
		case "important":
			r.Counts.Important++
		default:
			r.Counts.Minor++
		}
	}
	byImpact(r.Findings)
	r.Summary = summary(lang, r.Counts)

	if prev := in.Previous; prev != nil && prev.Score >= 0 {
		r.HasPrevious = true
		r.Delta = a.Score - prev.Score
		when := dateTime(lang, prev.StartedAt.In(zone))
		if r.Delta == 0 {
			r.Change = i18n.T(lang, "Compared with the previous audit (%s, score %d): unchanged.", when, prev.Score)
		} else {
			r.Change = i18n.T(lang, "Compared with the previous audit (%s, score %d): %+d.", when, prev.Score, r.Delta)
		}
		change := p.CompareAudits(*prev, a)
		for i, f := range change.New {
			v := finding(lang, f, connected)
			v.group, v.rank = i, i
			r.New = append(r.New, v)
		}
		for i, f := range change.Resolved {
			v := finding(lang, f, connected)
			v.group, v.rank = i, i
			r.Resolved = append(r.Resolved, v)
		}
		byImpact(r.New)
		byImpact(r.Resolved)
		if len(r.New) == 0 && len(r.Resolved) == 0 {
			r.Changes = i18n.T(lang, "No problem appeared and none was solved since the previous audit.")
		}
	} else {
		r.Change = i18n.T(lang, "This is the first audit: the next reports will show how the score moves.")
		r.Changes = i18n.T(lang, "This is the first audit: the next reports will show what changed.")
	}
	r.Profiles = profiles(lang, in.Settings, in.Accounts, a.Findings)
	return r
}

// siteWeight is what a check of the website of that severity takes off the
// website's score, once however many pages it concerns.
func siteWeight(severity string) int {
	return 100 - siteaudit.Score([]siteaudit.Finding{{Check: "weight", Severity: severity}})
}

// scoring finds what each check of the website takes off its score, the
// scores of the two parts, and whether the audit's score is their average
// (the profiles were audited too) as the presence service computes it.
func scoring(a p.PresenceAudit) (weights map[string]int, site, profiles int, combined bool) {
	weights = map[string]int{}
	site, profiles = 100, 100
	for _, f := range a.Findings {
		if f.Source == "site" {
			weights[f.Check] = max(weights[f.Check], siteWeight(f.Severity))
		} else {
			profiles -= f.Impact
		}
	}
	for _, w := range weights {
		site -= w
	}
	site, profiles = max(site, 0), max(profiles, 0)
	return weights, site, profiles, a.Score != site && a.Score == (site+profiles+1)/2
}

// points says what a finding takes off its part's score.
func points(lang i18n.Lang, source string, n int) string {
	switch {
	case n <= 0:
		return ""
	case source == "site":
		return i18n.T(lang, "Impact on the website's score: −%d", n)
	}
	return i18n.T(lang, "Impact on the profiles' score: −%d", n)
}

// severityRank orders the severities, the most serious first.
var severityRank = map[string]int{"critical": 0, "important": 1, "minor": 2}

// byImpact sorts findings from the heaviest on the score, then the most
// serious, keeping the audit's order otherwise (a website's check found on
// several pages stays together).
func byImpact(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(b.Impact, a.Impact), cmp.Compare(rank(a.Severity), rank(b.Severity)),
			cmp.Compare(a.group, b.group), cmp.Compare(a.rank, b.rank))
	})
}

func rank(severity string) int {
	if r, ok := severityRank[severity]; ok {
		return r
	}
	return len(severityRank)
}

// finding translates one finding and splits its fix into the advice and
// what to paste.
func finding(lang i18n.Lang, f p.AuditFinding, connected map[string]bool) Finding {
	v := Finding{Severity: f.Severity, Level: level(lang, f.Severity), Source: f.Source, Impact: f.Impact, Subject: f.Subject,
		Network: f.Network, Message: sentence(translated(lang, f.Message, f.Format, f.Args))}
	if f.Source == "site" {
		v.Impact = siteWeight(f.Severity)
	}
	fix := strings.TrimSpace(translated(lang, f.Fix, f.FixFormat, f.FixArgs))
	// A fix's first line says what to do; what follows it is to paste or
	// write as it is.
	advice, code, _ := strings.Cut(fix, "\n")
	v.Advice, v.Code = strings.TrimSpace(advice), strings.Trim(code, "\n")
	if f.Fixable && f.Network != "" && connected[f.Network+" "+handleKey(f.Subject)] {
		v.Automatic = i18n.T(lang, "Portavoce can make this change on %s from the Presence page.", p.NetworkName(f.Network))
	}
	return v
}

// level is a severity's label.
func level(lang i18n.Lang, severity string) string {
	switch severity {
	case "critical":
		return i18n.T(lang, "Critical")
	case "important":
		return i18n.T(lang, "Important")
	case "minor":
		return i18n.T(lang, "Minor")
	}
	return severity
}

// translated gives a stored message in the reader's language from its
// format and arguments, or as it was written when it has none.
func translated(lang i18n.Lang, msg, format string, args []any) string {
	if format == "" {
		return msg
	}
	return i18n.T(lang, format, args...)
}

// sentence starts a message with a capital letter.
func sentence(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 || !unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

// summary counts the problems in a sentence.
func summary(lang i18n.Lang, c Counts) string {
	if c.Total() == 0 {
		return i18n.T(lang, "Nothing to fix: the website and the profiles show the brand correctly.")
	}
	var parts []string
	if c.Critical > 0 {
		parts = append(parts, plural(c.Critical, i18n.T(lang, "one critical problem"), i18n.T(lang, "%d critical problems", c.Critical)))
	}
	if c.Important > 0 {
		parts = append(parts, plural(c.Important, i18n.T(lang, "one important problem"), i18n.T(lang, "%d important problems", c.Important)))
	}
	if c.Minor > 0 {
		parts = append(parts, plural(c.Minor, i18n.T(lang, "one minor problem"), i18n.T(lang, "%d minor problems", c.Minor)))
	}
	list := parts[0]
	if n := len(parts); n > 1 {
		list = i18n.T(lang, "%s and %s", strings.Join(parts[:n-1], ", "), parts[n-1])
	}
	return i18n.T(lang, "The audit found %s.", list)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// italianMonths are the months as an Italian date writes them.
var italianMonths = [...]string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
	"ottobre", "novembre", "dicembre"}

// longDate writes a day as people write it in the language: "1° giugno
// 2026", "1 June 2026".
func longDate(lang i18n.Lang, t time.Time) string {
	if lang == i18n.IT {
		day := fmt.Sprint(t.Day())
		if t.Day() == 1 {
			day += "°"
		}
		return day + " " + italianMonths[t.Month()-1] + " " + fmt.Sprint(t.Year())
	}
	return t.Format("2 January 2006")
}

// dateTime is longDate with the time of day.
func dateTime(lang i18n.Lang, t time.Time) string {
	return longDate(lang, t) + ", " + t.Format("15:04")
}

// handleKey is a profile's address or handle as compared across the
// audit, the settings and the accounts: "name@instance" for Mastodon
// (from https://instance/@name or @name@instance), the handle for Bluesky
// (from https://bsky.app/profile/handle), lower-cased.
func handleKey(s string) string {
	s = strings.TrimSpace(s)
	lower := strings.ToLower(s)
	if strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") {
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return lower
		}
		path := strings.Trim(u.Path, "/")
		switch {
		case strings.HasPrefix(path, "@"):
			user := strings.SplitN(path[1:], "/", 2)[0]
			if strings.Contains(user, "@") {
				return strings.ToLower(user)
			}
			return strings.ToLower(user + "@" + u.Host)
		case strings.HasPrefix(path, "profile/"):
			return strings.ToLower(strings.SplitN(strings.TrimPrefix(path, "profile/"), "/", 2)[0])
		}
		return strings.TrimSuffix(lower, "/")
	}
	return strings.TrimPrefix(lower, "@")
}

// userOf is the part of a key people remember: the user name of a Mastodon
// handle, a Bluesky handle as it is.
func userOf(network, key string) string {
	if network == "mastodon" {
		user, _, _ := strings.Cut(key, "@")
		return user
	}
	return key
}

// connectedHandles are the connected accounts by network and handle key.
func connectedHandles(accounts []p.SocialAccount) map[string]bool {
	out := map[string]bool{}
	for _, a := range accounts {
		if a.Handle != "" {
			out[a.Network+" "+handleKey(a.Handle)] = true
		}
		if a.ProfileURL != "" {
			out[a.Network+" "+handleKey(a.ProfileURL)] = true
		}
	}
	return out
}

// networkHosts name the networks Portavoce does not read, by their sites.
var networkHosts = []struct{ host, name string }{
	{"linkedin.com", "LinkedIn"}, {"instagram.com", "Instagram"}, {"facebook.com", "Facebook"}, {"fb.com", "Facebook"},
	{"x.com", "X"}, {"twitter.com", "X"}, {"youtube.com", "YouTube"}, {"tiktok.com", "TikTok"}, {"threads.net", "Threads"},
	{"threads.com", "Threads"}, {"pinterest.com", "Pinterest"}, {"pinterest.it", "Pinterest"}, {"tripadvisor.it", "Tripadvisor"},
	{"tripadvisor.com", "Tripadvisor"}, {"wikipedia.org", "Wikipedia"},
}

// networkOf names the network of a profile Portavoce does not read.
func networkOf(address string) string {
	u, err := url.Parse(strings.TrimSpace(address))
	if err != nil || u.Host == "" {
		return "—"
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	for _, n := range networkHosts {
		if host == n.host || strings.HasSuffix(host, "."+n.host) {
			return n.name
		}
	}
	return host
}

// profiles lists the brand's profiles with their problems: those in the
// settings, the connected accounts, and any other the audit found
// problems with.
func profiles(lang i18n.Lang, st p.PresenceSettings, accounts []p.SocialAccount, findings []p.AuditFinding) []Profile {
	type row struct {
		Profile
		network, key string
	}
	var rows []*row
	seen := map[string]*row{}
	add := func(address string, connected bool) {
		address = strings.TrimSpace(address)
		if address == "" {
			return
		}
		r := &row{Profile: Profile{Address: address, Connected: connected}}
		if ref, ok := profileaudit.ParseProfileRef(address); ok {
			r.network, r.key, r.Checked = ref.Network, handleKey(address), true
			r.Network = p.NetworkName(ref.Network)
		} else {
			r.key, r.Network = handleKey(address), networkOf(address)
		}
		id := r.network + " " + r.key
		if old, ok := seen[id]; ok {
			old.Connected = old.Connected || connected
			return
		}
		seen[id] = r
		rows = append(rows, r)
	}
	for _, a := range accounts {
		add(a.ProfileURL, true)
	}
	for _, u := range st.Profiles {
		add(u, false)
	}
	// Each profile finding goes to its profile: by address or handle, else
	// by the user's name when one profile of the network has it.
	for _, f := range findings {
		if f.Source != "profile" || f.Subject == "" || f.Network == "" {
			continue
		}
		key := handleKey(f.Subject)
		r := seen[f.Network+" "+key]
		if r == nil {
			var same []*row
			for _, c := range rows {
				if c.network == f.Network && userOf(f.Network, c.key) == userOf(f.Network, key) {
					same = append(same, c)
				}
			}
			if len(same) == 1 {
				r = same[0]
			}
		}
		if r == nil {
			r = &row{Profile: Profile{Address: f.Subject, Network: p.NetworkName(f.Network), Checked: true}, network: f.Network, key: key}
			seen[f.Network+" "+key] = r
			rows = append(rows, r)
		}
		switch f.Severity {
		case "critical":
			r.Critical++
		case "important":
			r.Important++
		default:
			r.Minor++
		}
	}
	out := make([]Profile, 0, len(rows))
	for _, r := range rows {
		switch {
		case !r.Checked:
			r.Status = i18n.T(lang, "Not checked: Portavoce does not read %s profiles", r.Network)
		case r.Critical > 0:
			r.Status = i18n.T(lang, "To fix first")
		case r.Important > 0:
			r.Status = i18n.T(lang, "To improve")
		case r.Minor > 0:
			r.Status = i18n.T(lang, "A few finishing touches")
		default:
			r.Status = i18n.T(lang, "In order")
		}
		out = append(out, r.Profile)
	}
	return out
}
