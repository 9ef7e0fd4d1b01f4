package mastodontest

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Entities, in the shapes of docs.joinmastodon.org/entities.

type accountJSON struct {
	ID             string  `json:"id"`
	Username       string  `json:"username"`
	Acct           string  `json:"acct"`
	DisplayName    string  `json:"display_name"`
	Locked         bool    `json:"locked"`
	Bot            bool    `json:"bot"`
	Discoverable   bool    `json:"discoverable"`
	Group          bool    `json:"group"`
	CreatedAt      string  `json:"created_at"`
	Note           string  `json:"note"`
	URL            string  `json:"url"`
	URI            string  `json:"uri"`
	Avatar         string  `json:"avatar"`
	AvatarStatic   string  `json:"avatar_static"`
	Header         string  `json:"header"`
	HeaderStatic   string  `json:"header_static"`
	FollowersCount int     `json:"followers_count"`
	FollowingCount int     `json:"following_count"`
	StatusesCount  int     `json:"statuses_count"`
	LastStatusAt   *string `json:"last_status_at"`
	Emojis         []any   `json:"emojis"`
	Fields         []any   `json:"fields"`
}

type credentialAccountJSON struct {
	accountJSON
	Source struct {
		Privacy             string `json:"privacy"`
		Sensitive           bool   `json:"sensitive"`
		Language            string `json:"language"`
		Note                string `json:"note"`
		Fields              []any  `json:"fields"`
		FollowRequestsCount int    `json:"follow_requests_count"`
	} `json:"source"`
	Role struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		Permissions string `json:"permissions"`
		Color       string `json:"color"`
		Highlighted bool   `json:"highlighted"`
	} `json:"role"`
}

type mediaJSON struct {
	ID               string         `json:"id"`
	Type             string         `json:"type"`
	URL              *string        `json:"url"`
	PreviewURL       *string        `json:"preview_url"`
	RemoteURL        *string        `json:"remote_url"`
	PreviewRemoteURL *string        `json:"preview_remote_url"`
	TextURL          *string        `json:"text_url"`
	Meta             map[string]any `json:"meta"`
	Description      *string        `json:"description"`
	Blurhash         *string        `json:"blurhash"`
}

type mentionJSON struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	URL      string `json:"url"`
	Acct     string `json:"acct"`
}

type tagJSON struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

type applicationJSON struct {
	Name    string  `json:"name"`
	Website *string `json:"website"`
}

type statusJSON struct {
	ID                 string           `json:"id"`
	CreatedAt          string           `json:"created_at"`
	InReplyToID        *string          `json:"in_reply_to_id"`
	InReplyToAccountID *string          `json:"in_reply_to_account_id"`
	Sensitive          bool             `json:"sensitive"`
	SpoilerText        string           `json:"spoiler_text"`
	Visibility         string           `json:"visibility"`
	Language           *string          `json:"language"`
	URI                string           `json:"uri"`
	URL                *string          `json:"url"`
	RepliesCount       int              `json:"replies_count"`
	ReblogsCount       int              `json:"reblogs_count"`
	FavouritesCount    int              `json:"favourites_count"`
	EditedAt           *string          `json:"edited_at"`
	Favourited         bool             `json:"favourited"`
	Reblogged          bool             `json:"reblogged"`
	Muted              bool             `json:"muted"`
	Bookmarked         bool             `json:"bookmarked"`
	Pinned             bool             `json:"pinned"`
	Content            string           `json:"content"`
	Filtered           []any            `json:"filtered"`
	Reblog             *statusJSON      `json:"reblog"`
	Application        *applicationJSON `json:"application"`
	Account            accountJSON      `json:"account"`
	MediaAttachments   []mediaJSON      `json:"media_attachments"`
	Mentions           []mentionJSON    `json:"mentions"`
	Tags               []tagJSON        `json:"tags"`
	Emojis             []any            `json:"emojis"`
	Card               any              `json:"card"`
	Poll               any              `json:"poll"`
	// Quote is the status quoted (entities/Quote, since 4.4), a
	// ShallowQuote in a status that is itself quoted, or null.
	Quote any `json:"quote"`
	// Text is the source, only in the answer to a deletion.
	Text *string `json:"text,omitempty"`
}

// timestamp formats a time as Mastodon's API does.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func ptr[T any](v T) *T { return &v }

func (s *Server) accountURL(a *account) string { return s.base + "/@" + a.username }

func (s *Server) statusURL(st *status) string { return s.accountURL(st.account) + "/" + st.id }

func (s *Server) accountJSONLocked(a *account) accountJSON {
	v := accountJSON{
		ID: a.id, Username: a.username, Acct: a.username, DisplayName: a.displayName, Discoverable: true,
		// Mastodon shows an account's creation day, at midnight.
		CreatedAt:     timestamp(a.created.UTC().Truncate(24 * time.Hour)),
		Note:          "",
		URL:           s.accountURL(a),
		URI:           s.base + "/users/" + a.username,
		Avatar:        s.base + "/avatars/original/missing.png",
		AvatarStatic:  s.base + "/avatars/original/missing.png",
		Header:        s.base + "/headers/original/missing.png",
		HeaderStatic:  s.base + "/headers/original/missing.png",
		StatusesCount: len(a.statuses),
		Emojis:        []any{},
		Fields:        []any{},
	}
	if n := len(a.statuses); n > 0 {
		v.LastStatusAt = ptr(a.statuses[n-1].created.UTC().Format("2006-01-02"))
	}
	s.profileJSONLocked(a, &v)
	return v
}

func (s *Server) mediaJSONLocked(m *media) mediaJSON {
	file := s.base + "/system/media_attachments/files/" + m.id
	v := mediaJSON{
		ID: m.id, Type: m.kind,
		PreviewURL: ptr(file + "/small/" + m.filename),
		Meta:       map[string]any{},
	}
	if !s.now().Before(m.ready) {
		v.URL = ptr(file + "/original/" + m.filename)
	}
	if m.description != "" {
		v.Description = ptr(m.description)
	}
	if m.width > 0 && m.height > 0 {
		size := map[string]any{"width": m.width, "height": m.height,
			"size": strconv.Itoa(m.width) + "x" + strconv.Itoa(m.height), "aspect": float64(m.width) / float64(m.height)}
		v.Meta["original"] = size
		v.Meta["small"] = size
	}
	return v
}

func (s *Server) statusJSONLocked(st *status) statusJSON {
	v := statusJSON{
		ID: st.id, CreatedAt: timestamp(st.created), Sensitive: st.sensitive, SpoilerText: st.spoiler,
		Visibility: st.visibility, URI: s.base + "/users/" + st.account.username + "/statuses/" + st.id,
		URL: ptr(s.statusURL(st)), Content: st.content, Filtered: []any{},
		Account: s.accountJSONLocked(st.account), MediaAttachments: []mediaJSON{},
		Mentions: st.mentions, Tags: st.tags, Emojis: []any{},
	}
	if st.language != "" {
		v.Language = ptr(st.language)
	}
	if st.inReplyTo != nil {
		v.InReplyToID = ptr(st.inReplyTo.id)
		v.InReplyToAccountID = ptr(st.inReplyTo.account.id)
	}
	v.RepliesCount = st.replies
	v.FavouritesCount, v.ReblogsCount = len(st.favourites), len(st.reblogs)
	if st.quoted != nil {
		v.Quote = s.quoteJSONLocked(st.quoted)
	}
	if st.application != nil {
		v.Application = &applicationJSON{Name: st.application.name}
		if st.application.website != "" {
			v.Application.Website = ptr(st.application.website)
		}
	}
	for _, m := range st.media {
		v.MediaAttachments = append(v.MediaAttachments, s.mediaJSONLocked(m))
	}
	if v.Mentions == nil {
		v.Mentions = []mentionJSON{}
	}
	if v.Tags == nil {
		v.Tags = []tagJSON{}
	}
	return v
}

// Content rendering, after Mastodon's TextFormatter: text is HTML-escaped,
// links, hashtags and known mentions become anchors, then Rails'
// simple_format makes paragraphs of blank-line-separated blocks and <br />
// of single line breaks, and every newline is dropped.

var (
	linkRE    = regexp.MustCompile(`https?://[^\s<>"]+`)
	mentionRE = regexp.MustCompile(`@([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?)(?:@([\p{L}\p{N}_]+(?:[.-]+[\p{L}\p{N}_]+)*))?`)
	hashtagRE = regexp.MustCompile(`#([\p{L}\p{N}_\x{00B7}\x{200C}]+)`)
	paraRE    = regexp.MustCompile(`\n\n+`)
	prefixRE  = regexp.MustCompile(`^(https?://(www\.)?|xmpp:)`)
)

type entity struct {
	start, end   int
	kind         byte // 'u' link, 'm' mention, 't' hashtag
	user, domain string
}

// before returns the rune before byte offset i, or -1 at the start.
func before(text string, i int) rune {
	if i == 0 {
		return -1
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return r
}

func isWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// entities finds links, mentions and hashtags, in order and without
// overlaps (a link wins over what it contains).
func entities(text string) []entity {
	var all []entity
	for _, m := range linkRE.FindAllStringIndex(text, -1) {
		if r := before(text, m[0]); isWord(r) || r == '@' || r == '$' || r == '#' {
			continue
		}
		end := m[1]
		// Trailing punctuation ends a sentence, not the link; a closing
		// parenthesis belongs to it only when it opened one.
		for end > m[0] {
			last := text[end-1]
			if strings.IndexByte(".,:;!?'\"", last) >= 0 {
				end--
				continue
			}
			if last == ')' && strings.Count(text[m[0]:end], "(") < strings.Count(text[m[0]:end], ")") {
				end--
				continue
			}
			break
		}
		all = append(all, entity{start: m[0], end: end, kind: 'u'})
	}
	for _, m := range mentionRE.FindAllStringSubmatchIndex(text, -1) {
		if r := before(text, m[0]); isWord(r) || r == '=' || r == '/' {
			continue
		}
		e := entity{start: m[0], end: m[1], kind: 'm', user: text[m[2]:m[3]]}
		if m[4] >= 0 {
			e.domain = text[m[4]:m[5]]
		}
		all = append(all, e)
	}
	for _, m := range hashtagRE.FindAllStringSubmatchIndex(text, -1) {
		if r := before(text, m[0]); isWord(r) || r == '/' || r == ')' || r == '&' {
			continue
		}
		name := text[m[2]:m[3]]
		if !strings.ContainsFunc(name, func(r rune) bool { return unicode.IsLetter(r) || r == '_' }) {
			continue
		}
		all = append(all, entity{start: m[0], end: m[1], kind: 't', user: name})
	}
	slices.SortStableFunc(all, func(a, b entity) int { return a.start - b.start })
	out := all[:0]
	last := 0
	for _, e := range all {
		if e.start < last {
			continue
		}
		out = append(out, e)
		last = e.end
	}
	return out
}

// escape is Rails' ERB::Util.html_escape.
var escape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;").Replace

// renderLocked turns a status text into Mastodon's HTML content, with the
// mentions and hashtags it holds. Local accounts are mentioned when they
// exist; remote ones are taken as resolved, as a real instance resolves
// them by WebFinger, and shown, like local ones, as "@user".
func (s *Server) renderLocked(text string) (string, []mentionJSON, []tagJSON) {
	if strings.TrimSpace(text) == "" {
		return "", nil, nil
	}
	var b strings.Builder
	var mentions []mentionJSON
	var tags []tagJSON
	last := 0
	for _, e := range entities(text) {
		b.WriteString(escape(text[last:e.start]))
		raw := text[e.start:e.end]
		switch e.kind {
		case 'u':
			prefix := prefixRE.FindString(raw)
			rest := []rune(raw[len(prefix):])
			cut := min(30, len(rest))
			class := ""
			if len(rest) > 30 {
				class = "ellipsis"
			}
			b.WriteString(`<a href="` + escape(raw) + `" target="_blank" rel="nofollow noopener noreferrer">` +
				`<span class="invisible">` + escape(prefix) + `</span><span class="` + class + `">` +
				escape(string(rest[:cut])) + `</span><span class="invisible">` + escape(string(rest[cut:])) + `</span></a>`)
		case 't':
			name := strings.ToLower(e.user)
			url := s.base + "/tags/" + name
			b.WriteString(`<a href="` + escape(url) + `" class="mention hashtag" rel="tag">#<span>` + escape(e.user) + `</span></a>`)
			if !slices.ContainsFunc(tags, func(t tagJSON) bool { return t.Name == name }) {
				tags = append(tags, tagJSON{Name: name, URL: url})
			}
		case 'm':
			m, ok := s.mentionLocked(e.user, e.domain)
			if !ok {
				b.WriteString(escape(raw))
				break
			}
			b.WriteString(`<span class="h-card"><a href="` + escape(m.URL) + `" class="u-url mention">@<span>` + escape(m.Username) + `</span></a></span>`)
			if !slices.ContainsFunc(mentions, func(x mentionJSON) bool { return x.ID == m.ID }) {
				mentions = append(mentions, m)
			}
		}
		last = e.end
	}
	b.WriteString(escape(text[last:]))
	return simpleFormat(b.String()), mentions, tags
}

// mentionLocked resolves a mention to an account.
func (s *Server) mentionLocked(user, domain string) (mentionJSON, bool) {
	if domain == "" || strings.EqualFold(domain, s.domain) {
		a := s.byName[strings.ToLower(user)]
		if a == nil {
			return mentionJSON{}, false
		}
		return mentionJSON{ID: a.id, Username: a.username, URL: s.accountURL(a), Acct: a.username}, true
	}
	acct := strings.ToLower(user + "@" + domain)
	id, ok := s.remote[acct]
	if !ok {
		id, _ = s.nextIDLocked()
		s.remote[acct] = id
	}
	return mentionJSON{ID: id, Username: user, URL: "https://" + domain + "/@" + user, Acct: user + "@" + domain}, true
}

// simpleFormat is Rails' simple_format followed by TextFormatter's
// .delete("\n").
func simpleFormat(h string) string {
	h = strings.ReplaceAll(strings.ReplaceAll(h, "\r\n", "\n"), "\r", "\n")
	paras := paraRE.Split(h, -1)
	for len(paras) > 0 && paras[len(paras)-1] == "" {
		paras = paras[:len(paras)-1]
	}
	if len(paras) == 0 {
		return "<p></p>"
	}
	var b strings.Builder
	for _, p := range paras {
		b.WriteString("<p>")
		for i := 0; i < len(p); i++ {
			if p[i] != '\n' {
				b.WriteByte(p[i])
				continue
			}
			if i > 0 && p[i-1] != '\n' && i+1 < len(p) && p[i+1] != '\n' {
				b.WriteString("<br />")
			}
		}
		b.WriteString("</p>")
	}
	return b.String()
}
