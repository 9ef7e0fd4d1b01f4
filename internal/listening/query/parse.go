package query

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of the language. They keep a single query from costing much more
// than the others on every post of the stream.
const (
	// MaxQueryBytes is the longest query Parse accepts.
	MaxQueryBytes = 16 << 10
	// MaxNear is the largest distance NEAR/n and ONEAR/n accept.
	MaxNear = 100
	// MinWildcardLetters is how many letters or digits must come before a
	// trailing *: shorter prefixes would match too many words.
	MinWildcardLetters = 3
	// maxDepth bounds nested parentheses and NOTs.
	maxDepth = 100
)

// SyntaxError reports a mistake in a query and where it is, so an editor
// can put the cursor on it.
type SyntaxError struct {
	// Pos is the byte offset of the mistake in the query, 0 for the first
	// byte; len(query) when something is missing at the end.
	Pos int
	// Col is the same position counted in characters (runes) from 1, as a
	// person reads the line.
	Col int
	// Msg says what is wrong and what to write instead; Format and Args
	// are Msg before formatting, for translations (Messages lists the
	// formats).
	Msg    string
	Format string
	Args   []any
}

// Error returns the message with its column, like
// "query: column 7: AND needs a term after it".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("query: column %d: %s", e.Col, e.Msg)
}

// lexKind is the kind of a lexeme.
type lexKind uint8

const (
	lexEOF lexKind = iota
	lexLParen
	lexRParen
	lexAnd
	lexOr
	lexNot
	lexNear
	lexOperand // a term, phrase or field, already turned into a node
)

// lexeme is one unit of the query as written.
type lexeme struct {
	kind    lexKind
	pos     int
	text    string // as written, for messages
	node    *node  // lexOperand
	dist    int    // lexNear
	ordered bool   // lexNear: ONEAR
}

// parser is a recursive-descent parser reading lexemes on demand, so the
// first mistake in the text is the one reported.
type parser struct {
	src   string
	off   int    // where the lexer reads next
	tok   lexeme // the current lexeme
	depth int
}

// Parse parses a listening query. The grammar is described in the package
// documentation. A mistake is reported as a *SyntaxError giving its
// position and what to do about it.
func Parse(s string) (*Query, error) {
	p := &parser{src: s}
	if len(s) > MaxQueryBytes {
		return nil, p.errAt(MaxQueryBytes, "the query is too long: at most %d bytes; split it into several topics", MaxQueryBytes)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == lexEOF {
		return nil, p.errAt(0, `the query is empty: write at least one word, "phrase", #hashtag, @mention or field:value`)
	}
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != lexEOF {
		// parseOr stops only at the end or at a ')' it did not open.
		return nil, p.errAt(p.tok.pos, "this ) has no matching (: remove it or add a ( before it")
	}
	return &Query{root: n}, nil
}

// MustParse is like Parse but panics on a mistake. It is meant for queries
// written in code and tests.
func MustParse(s string) *Query {
	q, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return q
}

func (p *parser) errAt(pos int, format string, args ...any) *SyntaxError {
	if pos < 0 {
		pos = 0
	}
	if pos > len(p.src) {
		pos = len(p.src)
	}
	return &SyntaxError{Pos: pos, Col: utf8.RuneCountInString(p.src[:pos]) + 1, Msg: fmt.Sprintf(format, args...),
		Format: format, Args: args}
}

func (p *parser) parseOr() (*node, error) {
	left, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == lexOr {
		op := p.tok
		if err := p.advanceOperand(op); err != nil {
			return nil, err
		}
		right, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		left = join(nodeOr, left, right)
	}
	return left, nil
}

func (p *parser) parseAnd() (*node, error) {
	left, err := p.parseNear()
	if err != nil {
		return nil, err
	}
	for {
		switch p.tok.kind {
		case lexAnd:
			if err := p.advanceOperand(p.tok); err != nil {
				return nil, err
			}
		case lexOperand, lexLParen, lexNot:
			// Adjacent terms are joined by AND; "a NOT b" is a AND NOT b.
		default:
			return left, nil
		}
		right, err := p.parseNear()
		if err != nil {
			return nil, err
		}
		left = join(nodeAnd, left, right)
	}
}

func (p *parser) parseNear() (*node, error) {
	start := p.tok.pos
	left, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == lexNear {
		op := p.tok
		if err := p.checkNearSide(left, start, op); err != nil {
			return nil, err
		}
		if err := p.advanceOperand(op); err != nil {
			return nil, err
		}
		rstart := p.tok.pos
		right, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		if err := p.checkNearSide(right, rstart, op); err != nil {
			return nil, err
		}
		left = &node{kind: nodeNear, pos: start, kids: []*node{left, right}, dist: op.dist, ordered: op.ordered}
	}
	return left, nil
}

func (p *parser) parseUnary() (*node, error) {
	if p.tok.kind != lexNot {
		return p.parsePrimary()
	}
	op := p.tok
	if err := p.advanceOperand(op); err != nil {
		return nil, err
	}
	if p.depth++; p.depth > maxDepth {
		return nil, p.errAt(op.pos, "too many nested NOTs and parentheses (at most %d): simplify the query", maxDepth)
	}
	kid, err := p.parseUnary()
	p.depth--
	if err != nil {
		return nil, err
	}
	return &node{kind: nodeNot, pos: op.pos, kids: []*node{kid}}, nil
}

func (p *parser) parsePrimary() (*node, error) {
	switch t := p.tok; t.kind {
	case lexOperand:
		if err := p.advance(); err != nil {
			return nil, err
		}
		return t.node, nil
	case lexLParen:
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind == lexRParen {
			return nil, p.errAt(p.tok.pos, "empty parentheses: put a term inside them or remove them")
		}
		if p.depth++; p.depth > maxDepth {
			return nil, p.errAt(t.pos, "too many nested NOTs and parentheses (at most %d): simplify the query", maxDepth)
		}
		n, err := p.parseOr()
		p.depth--
		if err != nil {
			return nil, err
		}
		if p.tok.kind != lexRParen {
			return nil, p.errAt(t.pos, "this ( is never closed: add a ) where the group ends")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		return n, nil
	case lexRParen:
		return nil, p.errAt(t.pos, "this ) has no matching (: remove it or add a ( before it")
	case lexAnd, lexOr, lexNear:
		return nil, p.errAt(t.pos, "%s needs a term before it", t.text)
	}
	return nil, p.errAt(len(p.src), "the query ends where a term is expected")
}

// advanceOperand moves past the operator op and checks that something it
// can work on follows.
func (p *parser) advanceOperand(op lexeme) error {
	if err := p.advance(); err != nil {
		return err
	}
	switch p.tok.kind {
	case lexEOF, lexRParen:
		return p.errAt(op.pos, "%s needs a term after it: add one or remove the %s", op.text, op.text)
	case lexAnd, lexOr, lexNear:
		return p.errAt(p.tok.pos, "%s needs a term before it: remove one of the two operators in a row", p.tok.text)
	}
	return nil
}

// checkNearSide reports an error if n, one side of the NEAR operator op
// starting at pos, is not made only of words, phrases and OR groups: a
// distance between a NOT or a field and a word means nothing.
func (p *parser) checkNearSide(n *node, pos int, op lexeme) error {
	if positional(n) {
		return nil
	}
	if n.kind == nodeAnd {
		return p.errAt(pos, "%s can only join words, phrases, wildcards, #hashtags, @mentions and OR groups of them; put AND, NOT and fields outside it; for words next to each other write a phrase in quotes", op.text)
	}
	return p.errAt(pos, "%s can only join words, phrases, wildcards, #hashtags, @mentions and OR groups of them; put AND, NOT and fields outside it", op.text)
}

// positional reports whether n matches at word positions (so it can be a
// side of NEAR).
func positional(n *node) bool {
	switch n.kind {
	case nodeTerm, nodeNear:
		return true
	case nodeOr:
		for _, k := range n.kids {
			if !positional(k) {
				return false
			}
		}
		return true
	}
	return false
}

// join combines a and b with AND or OR, flattening nested nodes of the same
// kind (both operators are associative).
func join(kind nodeKind, a, b *node) *node {
	n := &node{kind: kind, pos: a.pos}
	for _, k := range []*node{a, b} {
		if k.kind == kind {
			n.kids = append(n.kids, k.kids...)
		} else {
			n.kids = append(n.kids, k)
		}
	}
	return n
}

func isSpaceRune(r rune) bool { return unicode.IsSpace(r) }

// advance reads the next lexeme into p.tok.
func (p *parser) advance() error {
	s := p.src
	i := p.off
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			break
		}
		i += size
	}
	if i >= len(s) {
		p.off = i
		p.tok = lexeme{kind: lexEOF, pos: len(s)}
		return nil
	}
	switch s[i] {
	case '(':
		p.off = i + 1
		p.tok = lexeme{kind: lexLParen, pos: i, text: "("}
		return nil
	case ')':
		p.off = i + 1
		p.tok = lexeme{kind: lexRParen, pos: i, text: ")"}
		return nil
	case '"':
		text, end, err := p.quoted(i)
		if err != nil {
			return err
		}
		n, err := p.phrase(text, i+1)
		if err != nil {
			return err
		}
		if n == nil {
			return p.errAt(i, `empty phrase: put words between the quotes or remove them`)
		}
		p.off = end
		p.tok = lexeme{kind: lexOperand, pos: i, node: n}
		return nil
	}
	j := i
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		if unicode.IsSpace(r) || r == '(' || r == ')' || r == '"' {
			break
		}
		j += size
	}
	p.off = j
	return p.bare(s[i:j], i)
}

// quoted reads the quoted text whose opening quote is at i and returns it
// and the offset after the closing quote.
func (p *parser) quoted(i int) (text string, end int, err error) {
	j := strings.IndexByte(p.src[i+1:], '"')
	if j < 0 {
		return "", 0, p.errAt(i, `this quote is never closed: add a " where the phrase ends`)
	}
	return p.src[i+1 : i+1+j], i + 1 + j + 1, nil
}

// bare turns a run of text without spaces, parentheses or quotes, at pos,
// into an operator, a field or a term.
func (p *parser) bare(w string, pos int) error {
	switch w {
	case "AND":
		p.tok = lexeme{kind: lexAnd, pos: pos, text: w}
		return nil
	case "OR":
		p.tok = lexeme{kind: lexOr, pos: pos, text: w}
		return nil
	case "NOT":
		p.tok = lexeme{kind: lexNot, pos: pos, text: w}
		return nil
	}
	if t, ok, err := p.near(w, pos); ok || err != nil {
		p.tok = t
		return err
	}
	if c := strings.IndexByte(w, ':'); c > 0 && isASCIILetters(w[:c]) {
		name := strings.ToLower(w[:c])
		f, known := fieldNames[name]
		switch {
		case known:
			return p.field(f, name, w[c+1:], pos, pos+c+1)
		case name == "http" || name == "https":
			return p.errAt(pos, "words of links are not matched: use site: or url:, like url:example.com/news")
		case c+1 < len(w):
			return p.errAt(pos, `unknown field "%s:": the fields are author:, site:, lang: and url: (to search for the text itself, put it in quotes)`, w[:c])
		}
		// "Nota:" with nothing after the colon is a word followed by
		// punctuation.
	}
	if len(w) > 1 && w[0] == '-' {
		if r, _ := utf8.DecodeRuneInString(w[1:]); isWordStart(r) {
			return p.errAt(pos, "a leading - does not exclude anything here: write NOT %s", w[1:])
		}
	}
	words, err := p.termWords(w, pos)
	if err != nil {
		return err
	}
	p.tok = lexeme{kind: lexOperand, pos: pos, node: &node{kind: nodeTerm, pos: pos, words: words}}
	return nil
}

// near recognises NEAR/n and ONEAR/n. ok is false when w is not meant as
// one of them.
func (p *parser) near(w string, pos int) (t lexeme, ok bool, err error) {
	name, num, slash := strings.Cut(w, "/")
	upper := strings.ToUpper(name)
	if upper != "NEAR" && upper != "ONEAR" {
		return t, false, nil
	}
	example := upper + "/3"
	if name != upper {
		if !slash || !isDigits(num) {
			return t, false, nil // "near" is an ordinary word
		}
		return t, false, p.errAt(pos, "operators are written in capitals: %s/%s", upper, num)
	}
	if !slash || num == "" {
		return t, false, p.errAt(pos, "%s needs the most words allowed between the two sides, like %s", name, example)
	}
	if !isDigits(num) {
		return t, false, p.errAt(pos+len(name)+1, "%s/ must be followed by a number of words, like %s", name, example)
	}
	d, convErr := strconv.Atoi(num)
	if convErr != nil || d > MaxNear {
		return t, false, p.errAt(pos+len(name)+1, "%s/%s is too far: at most %s/%d", name, num, name, MaxNear)
	}
	return lexeme{kind: lexNear, pos: pos, text: w, dist: d, ordered: name == "ONEAR"}, true, nil
}

// field builds the node for name:value, the value starting at vpos. An empty
// value may be given in quotes right after the colon.
func (p *parser) field(f fieldKind, name, value string, pos, vpos int) error {
	if value == "" {
		if vpos >= len(p.src) || p.src[vpos] != '"' {
			return p.errAt(vpos, "%s: needs a value right after the colon, like %s", name, fieldExample(f))
		}
		text, end, err := p.quoted(vpos)
		if err != nil {
			return err
		}
		p.off = end
		value = strings.TrimSpace(text)
		vpos++
		if value == "" {
			return p.errAt(vpos-1, "%s: needs a value between the quotes, like %s", name, fieldExample(f))
		}
	}
	n := &node{kind: nodeField, pos: pos, field: f}
	switch f {
	case fieldAuthor:
		n.value = normAuthor(value)
		if n.value == "" {
			return p.errAt(vpos, "author: needs a handle, like %s", fieldExample(f))
		}
	case fieldLang:
		n.value = strings.ReplaceAll(strings.ToLower(value), "_", "-")
		if !isLangTag(n.value) {
			return p.errAt(vpos, "lang: takes a language code, like lang:it or lang:en-US")
		}
	case fieldSite:
		host, rest, ok := splitLink(value)
		if !ok || !isHostName(host) {
			return p.errAt(vpos, "site: takes a host name, like %s", fieldExample(f))
		}
		if rest != "/" {
			return p.errAt(vpos, "site: takes only a host name; to match part of a site use url:, like url:%s", strings.TrimPrefix(value, "https://"))
		}
		n.value = host
	case fieldURL:
		host, rest, ok := splitLink(value)
		if !ok || !isHostName(host) {
			return p.errAt(vpos, "url: takes an address, like %s", fieldExample(f))
		}
		n.value, n.rest = strings.TrimPrefix(host, "www."), urlPathValue(rest)
	}
	p.tok = lexeme{kind: lexOperand, pos: pos, node: n}
	return nil
}

func fieldExample(f fieldKind) string {
	switch f {
	case fieldAuthor:
		return "author:mario.bsky.social"
	case fieldSite:
		return "site:example.com"
	case fieldLang:
		return "lang:it"
	}
	return "url:example.com/news"
}

// phrase builds the node for the quoted text starting at pos: the words of
// every space-separated part, in order. It returns nil for no words.
func (p *parser) phrase(text string, pos int) (*node, error) {
	var words []word
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if unicode.IsSpace(r) {
			i += size
			continue
		}
		j := i
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if unicode.IsSpace(r) {
				break
			}
			j += size
		}
		ws, err := p.termWords(text[i:j], pos+i)
		if err != nil {
			return nil, err
		}
		words = append(words, ws...)
		i = j
	}
	if len(words) == 0 {
		if strings.TrimSpace(text) != "" {
			return nil, p.errAt(pos, "this phrase has no letters or digits to match")
		}
		return nil, nil
	}
	return &node{kind: nodeTerm, pos: pos - 1, words: words}, nil
}

// termWords splits a term as written (no spaces) at pos into the words it
// matches, tokenised exactly as posts are: "Caffè" is one word, "coca-cola"
// and "l'acqua" two (a phrase), "#caffè" a hashtag. A trailing * makes the
// last word a prefix.
func (p *parser) termWords(w string, pos int) ([]word, error) {
	prefix := false
	if star := strings.IndexByte(w, '*'); star >= 0 {
		if star != len(w)-1 {
			return nil, p.errAt(pos+star, "* is only allowed at the end of a word, as in caff*")
		}
		before, _ := utf8.DecodeLastRuneInString(w[:star])
		if star == 0 || !isWordPart(before) {
			return nil, p.errAt(pos+star, "* must follow at least %d letters, as in caff*", MinWildcardLetters)
		}
		prefix = true
		w = w[:star]
	}
	if strings.Contains(w, "://") {
		return nil, p.errAt(pos, "words of links are not matched: use site: or url:, like url:example.com/news")
	}
	var d doc
	d.buf = append(d.buf, ' ')
	d.tokenize(w, false)
	d.text = string(d.buf)
	if len(d.toks) == 0 {
		return nil, p.errAt(pos, "%q has no letters or digits to match", w)
	}
	words := make([]word, len(d.toks))
	for i, t := range d.toks {
		words[i] = word{text: d.tokenText(i), kind: t.kind}
	}
	if prefix {
		last := &words[len(words)-1]
		if utf8.RuneCountInString(last.text) < MinWildcardLetters {
			return nil, p.errAt(pos, "a wildcard needs at least %d letters before *: %q would match too many words", MinWildcardLetters, w+"*")
		}
		last.prefix = true
	}
	return words, nil
}

func isASCIILetters(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isLangTag reports whether s looks like a lowercased BCP 47 tag:
// a primary subtag of 2 to 8 letters, then subtags of 1 to 8 letters or
// digits.
func isLangTag(s string) bool {
	for i, sub := range strings.Split(s, "-") {
		if len(sub) < 1 || len(sub) > 8 || i == 0 && (len(sub) < 2 || !isASCIILetters(sub)) {
			return false
		}
		for j := 0; j < len(sub); j++ {
			c := sub[j]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
				return false
			}
		}
	}
	return true
}

// isHostName reports whether h (already normalised) is a plausible host:
// labels of letters, digits, '-' and '_' separated by single dots.
func isHostName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// Messages lists every format of a SyntaxError: the keys a translation
// must cover (a test keeps the list equal to the parser's calls).
func Messages() []string { return slices.Clone(messages) }

var messages = []string{
	"the query is too long: at most %d bytes; split it into several topics",
	`the query is empty: write at least one word, "phrase", #hashtag, @mention or field:value`,
	"this ) has no matching (: remove it or add a ( before it",
	"too many nested NOTs and parentheses (at most %d): simplify the query",
	"empty parentheses: put a term inside them or remove them",
	"this ( is never closed: add a ) where the group ends",
	"%s needs a term before it",
	"the query ends where a term is expected",
	"%s needs a term after it: add one or remove the %s",
	"%s needs a term before it: remove one of the two operators in a row",
	"%s can only join words, phrases, wildcards, #hashtags, @mentions and OR groups of them; put AND, NOT and fields outside it; for words next to each other write a phrase in quotes",
	"%s can only join words, phrases, wildcards, #hashtags, @mentions and OR groups of them; put AND, NOT and fields outside it",
	`empty phrase: put words between the quotes or remove them`,
	`this quote is never closed: add a " where the phrase ends`,
	"words of links are not matched: use site: or url:, like url:example.com/news",
	`unknown field "%s:": the fields are author:, site:, lang: and url: (to search for the text itself, put it in quotes)`,
	"a leading - does not exclude anything here: write NOT %s",
	"operators are written in capitals: %s/%s",
	"%s needs the most words allowed between the two sides, like %s",
	"%s/ must be followed by a number of words, like %s",
	"%s/%s is too far: at most %s/%d",
	"%s: needs a value right after the colon, like %s",
	"%s: needs a value between the quotes, like %s",
	"author: needs a handle, like %s",
	"lang: takes a language code, like lang:it or lang:en-US",
	"site: takes a host name, like %s",
	"site: takes only a host name; to match part of a site use url:, like url:%s",
	"url: takes an address, like %s",
	"this phrase has no letters or digits to match",
	"* is only allowed at the end of a word, as in caff*",
	"* must follow at least %d letters, as in caff*",
	"%q has no letters or digits to match",
	"a wildcard needs at least %d letters before *: %q would match too many words",
}
