package mastodon

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portavoce/portavoce/internal/provider"
)

const (
	// checkMargin widens the window Check reads before the first attempt:
	// status ids carry the instance's clock, which may differ from ours.
	checkMargin = 15 * time.Minute
	// checkSkew is how far before the first attempt a status still counts
	// as surely this delivery's, when the same text appears twice.
	checkSkew = time.Minute
	// pageSize is the most GET /api/v1/accounts/:id/statuses returns.
	pageSize = 40
	// maxPages bounds Check's reading: an account that posted more than
	// maxPages×pageSize statuses since the first attempt is not checked
	// (an error, so that nothing is repeated blindly).
	maxPages = 100
)

// Check finds the parts of d the account already has, without creating
// anything. It reads the account's own statuses posted since a little
// before d.FirstAttempt, oldest first (GET /api/v1/accounts/:id/statuses
// with min_id: Mastodon ids are the creation time in milliseconds shifted
// left by 16 bits, so a time gives an id to start from), and matches each
// part in order by its reply chain (the first part answers nothing, or the
// status d replies to; each next one the previous part), its number of
// attachments and its text: the status's HTML content turned back into
// text, with whitespace collapsed and mentions reduced to their user
// name, as Mastodon renders "@user@server" as "@user". Links need no care:
// their hidden and ellipsed spans still hold the whole address.
//
// The first part of an answer (d.ReplyTo) is matched as answering the
// status it replies to, with the text Publish gave it (partText).
//
// Parts in d.Done are returned as they are. A part that is not found ends
// the search: the next ones would have to answer it.
func (c *Client) Check(ctx context.Context, a provider.Account, d provider.Delivery) ([]*provider.Published, error) {
	found := make([]*provider.Published, len(d.Parts))
	for i := range min(len(d.Done), len(d.Parts)) {
		p := d.Done[i]
		found[i] = &p
	}
	if len(d.Done) >= len(d.Parts) {
		return found, nil
	}
	token, err := tokenOf(a)
	if err != nil {
		return nil, err
	}
	base := strings.TrimSuffix(a.Server, "/")
	accountID := a.RemoteID
	if accountID == "" {
		acc, err := c.verifyCredentials(ctx, base, token)
		if err != nil {
			return nil, err
		}
		accountID = acc.ID
	}
	first := d.FirstAttempt
	if first.IsZero() {
		// No record of the first attempt: the idempotency memory is the
		// longest a repeat could matter for.
		first = c.now().Add(-IdempotencyTTL)
	}
	statuses, err := c.statusesSince(ctx, base, token, accountID, first.Add(-checkMargin))
	if err != nil {
		return nil, err
	}
	sure := idFor(first.Add(-checkSkew))

	used := make(map[string]bool)
	replyTo := firstParent(d)
	if n := len(d.Done); n > 0 {
		replyTo = d.Done[n-1].RemoteID
	}
	for i := len(d.Done); i < len(d.Parts); i++ {
		part := d.Parts[i]
		want := normalizeText(partText(a, d, i))
		var match *status
		matchAfter := false
		for j := range statuses {
			s := &statuses[j]
			parent := ""
			if s.InReplyToID != nil {
				parent = *s.InReplyToID
			}
			if used[s.ID] || s.Reblog != nil || parent != replyTo || len(s.MediaAttachments) != len(part.Media) ||
				normalizeText(htmlToText(s.Content)) != want {
				continue
			}
			// The oldest, but one posted after the first attempt beats
			// one from just before it with the same text.
			after := !idLess(s.ID, sure)
			if match == nil || after && !matchAfter {
				match, matchAfter = s, after
			}
		}
		if match == nil {
			break
		}
		used[match.ID] = true
		p := match.published()
		found[i] = &p
		replyTo = match.ID
	}
	return found, nil
}

// statusesSince lists the account's own statuses (reblogs excluded) with
// an id after since's, oldest first.
func (c *Client) statusesSince(ctx context.Context, base, token, accountID string, since time.Time) ([]status, error) {
	var all []status
	minID := idFor(since)
	for range maxPages {
		q := url.Values{"min_id": {minID}, "limit": {strconv.Itoa(pageSize)}, "exclude_reblogs": {"true"}}
		cl := call{method: http.MethodGet, url: base + "/api/v1/accounts/" + url.PathEscape(accountID) + "/statuses?" + q.Encode(),
			token: token, part: -1, repeatable: true, secrets: []string{token}}
		resp, err := c.do(ctx, cl, http.StatusOK)
		if err != nil {
			return nil, err
		}
		var page []status
		if err := decode(resp, &page, cl); err != nil {
			return nil, err
		}
		if len(page) == 0 {
			slices.SortFunc(all, func(x, y status) int { return idCompare(x.ID, y.ID) })
			return all, nil
		}
		// With min_id the page holds the oldest statuses after it, newest
		// first: the next page starts after the newest.
		for _, s := range page {
			if idLess(minID, s.ID) {
				all = append(all, s)
			}
		}
		newest := minID
		for _, s := range page {
			if idLess(newest, s.ID) {
				newest = s.ID
			}
		}
		if newest == minID {
			return nil, &provider.Error{Kind: provider.Temporary, Network: provider.Mastodon, Part: -1,
				Reason: "the server's list of statuses does not move forward"}
		}
		minID = newest
	}
	return nil, &provider.Error{Kind: provider.Temporary, Network: provider.Mastodon, Part: -1,
		Reason: fmt.Sprintf("more than %d statuses since the first attempt: not checked", maxPages*pageSize)}
}

// idFor is the smallest Mastodon id of a status created at t or later.
func idFor(t time.Time) string {
	ms := t.UnixMilli()
	if ms < 0 {
		return "0"
	}
	return strconv.FormatUint(uint64(ms)<<16, 10)
}

// idCompare orders Mastodon ids, decimal strings of 64-bit numbers, by
// value (a shorter string is a smaller number).
func idCompare(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func idLess(a, b string) bool { return idCompare(a, b) < 0 }

// mention matches a mention as Mastodon reads it (Account::MENTION_RE): an
// "@" not preceded by a letter, digit, "_", "=" or "/", a user name, and
// an optional server.
var mention = regexp.MustCompile(`(^|[^\p{L}\p{N}_=/])@([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?)(?:@[\p{L}\p{N}_]+(?:[.-]+[\p{L}\p{N}_]+)*)?`)

// normalizeText reduces a text to what survives Mastodon's rendering:
// mentions to their lower-cased user name, whitespace collapsed.
func normalizeText(s string) string {
	s = mention.ReplaceAllStringFunc(s, func(m string) string {
		sub := mention.FindStringSubmatch(m)
		return sub[1] + "@" + strings.ToLower(sub[2])
	})
	return strings.Join(strings.Fields(s), " ")
}

// htmlToText turns a status's content back into its text: paragraphs and
// line breaks into newlines, other tags dropped, entities decoded.
func htmlToText(s string) string {
	var b strings.Builder
	for s != "" {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(html.UnescapeString(s))
			break
		}
		b.WriteString(html.UnescapeString(s[:i]))
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		tag := strings.ToLower(strings.TrimLeft(s[i+1:i+j], "/ "))
		if k := strings.IndexAny(tag, " /\t\n"); k >= 0 {
			tag = tag[:k]
		}
		switch tag {
		case "br":
			b.WriteByte('\n')
		case "p":
			b.WriteString("\n\n")
		}
		s = s[i+j+1:]
	}
	return b.String()
}
