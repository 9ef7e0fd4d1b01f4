package siteaudit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// ldNode is a JSON-LD object.
type ldNode = map[string]any

// ldEntity is an Organization or LocalBusiness found in a page's JSON-LD.
type ldEntity struct {
	node ldNode
	page *page
	// ids are the page's nodes by @id, to follow references such as
	// "logo": {"@id": "#logo"}.
	ids map[string]ldNode
	// types are the entity's schema.org types.
	types []string
}

// local reports whether the entity is a LocalBusiness (or a subtype).
func (e *ldEntity) local() bool {
	return slices.ContainsFunc(e.types, func(t string) bool { return localBusinessTypes[t] })
}

// typeName is the entity's most specific known type, for messages.
func (e *ldEntity) typeName() string {
	for _, t := range e.types {
		if localBusinessTypes[t] && t != "LocalBusiness" {
			return t
		}
	}
	for _, t := range e.types {
		if localBusinessTypes[t] || organizationTypes[t] {
			return t
		}
	}
	return strings.Join(e.types, ", ")
}

// invalidBlock is a JSON-LD script that is not JSON.
type invalidBlock struct {
	page  *page
	index int // 1-based, among the page's JSON-LD blocks
	err   string
}

// collectJSONLD parses every JSON-LD block of the pages and returns the
// Organization and LocalBusiness entities they describe, anywhere in the
// tree (at the top, in an @graph, as the publisher of a WebSite...), and
// the blocks that are not valid JSON.
func collectJSONLD(pages []*page) ([]*ldEntity, []invalidBlock) {
	var entities []*ldEntity
	var invalid []invalidBlock
	for _, p := range pages {
		ids := map[string]ldNode{}
		var found []ldNode
		for i, block := range p.JSONLD {
			var v any
			text := strings.TrimSpace(block)
			if err := json.Unmarshal([]byte(text), &v); err != nil {
				invalid = append(invalid, invalidBlock{page: p, index: i + 1, err: jsonError(text, err)})
				continue
			}
			walkLD(v, func(n ldNode) {
				if id, ok := n["@id"].(string); ok && len(n) > 1 {
					if _, dup := ids[id]; !dup {
						ids[id] = n
					}
				}
				if slices.ContainsFunc(nodeTypes(n), func(t string) bool { return organizationTypes[t] || localBusinessTypes[t] }) {
					found = append(found, n)
				}
			})
		}
		for _, n := range found {
			entities = append(entities, &ldEntity{node: n, page: p, ids: ids, types: nodeTypes(n)})
		}
	}
	return entities, invalid
}

// jsonError says where a JSON syntax error is, by line.
func jsonError(text string, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + strings.Count(text[:min(int(se.Offset), len(text))], "\n")
		return fmt.Sprintf("line %d: %v", line, se)
	}
	return err.Error()
}

// walkLD calls visit on every object of a JSON value, depth first.
func walkLD(v any, visit func(ldNode)) {
	switch v := v.(type) {
	case map[string]any:
		visit(v)
		for _, k := range sortedKeys(v) {
			walkLD(v[k], visit)
		}
	case []any:
		for _, c := range v {
			walkLD(c, visit)
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// nodeTypes returns the schema.org types of a node.
func nodeTypes(n ldNode) []string {
	var out []string
	switch t := n["@type"].(type) {
	case string:
		out = append(out, schemaType(t))
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, schemaType(s))
			}
		}
	}
	return out
}

// deref follows a reference ({"@id": "..."} alone) to the node it names.
func (e *ldEntity) deref(v any) any {
	if m, ok := v.(map[string]any); ok {
		if id, ok := m["@id"].(string); ok && len(m) == 1 {
			if target, ok := e.ids[id]; ok {
				return target
			}
		}
	}
	return v
}

// text returns a property as text: a string, the first string of a list,
// or the @value of a value object.
func (e *ldEntity) text(n ldNode, key string) string {
	switch v := e.deref(n[key]).(type) {
	case string:
		return strings.TrimSpace(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case []any:
		for _, x := range v {
			if s := e.text(ldNode{"v": x}, "v"); s != "" {
				return s
			}
		}
	case map[string]any:
		if s, ok := v["@value"].(string); ok {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// urlValue returns an address property: a string, or the url (contentUrl)
// of an object such as an ImageObject.
func (e *ldEntity) urlValue(v any) string {
	switch v := e.deref(v).(type) {
	case string:
		return strings.TrimSpace(v)
	case []any:
		for _, x := range v {
			if s := e.urlValue(x); s != "" {
				return s
			}
		}
	case map[string]any:
		for _, k := range []string{"url", "contentUrl"} {
			if s := e.urlValue(v[k]); s != "" {
				return s
			}
		}
		if id, ok := v["@id"].(string); ok && isAbsolute(id) && len(v) == 1 {
			return id
		}
	}
	return ""
}

// list returns a property that may be one value or a list, as a list.
func (e *ldEntity) list(key string) []any {
	switch v := e.deref(e.node[key]).(type) {
	case nil:
		return nil
	case []any:
		out := make([]any, 0, len(v))
		for _, x := range v {
			out = append(out, e.deref(x))
		}
		return out
	default:
		return []any{v}
	}
}

// contact returns the entity's telephone and email, from its own properties
// or its contactPoint.
func (e *ldEntity) contact() (telephone, email string) {
	telephone, email = e.text(e.node, "telephone"), e.text(e.node, "email")
	for _, cp := range e.list("contactPoint") {
		if m, ok := cp.(map[string]any); ok {
			if telephone == "" {
				telephone = e.text(m, "telephone")
			}
			if email == "" {
				email = e.text(m, "email")
			}
		}
	}
	return telephone, email
}

// sameAs returns the addresses the entity declares as its own elsewhere.
func (e *ldEntity) sameAs() []string {
	var out []string
	for _, v := range e.list("sameAs") {
		if s := e.urlValue(v); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// address returns the entity's address: a PostalAddress object, a string,
// or nil.
func (e *ldEntity) address() any {
	for _, v := range e.list("address") {
		switch v := v.(type) {
		case map[string]any:
			return v
		case string:
			if strings.TrimSpace(v) != "" {
				return v
			}
		}
	}
	return nil
}

// missing lists what the entity lacks for Google: name, url, logo, a way to
// contact the business (telephone, email or a contactPoint with either),
// and for a local business a postal address with street and locality.
func (e *ldEntity) missing(local bool) []string {
	var out []string
	if e.text(e.node, "name") == "" {
		out = append(out, "name")
	}
	if e.urlValue(e.node["url"]) == "" {
		out = append(out, "url")
	}
	if e.urlValue(e.node["logo"]) == "" {
		out = append(out, "logo")
	}
	if tel, mail := e.contact(); tel == "" && mail == "" {
		out = append(out, "telephone or email (or a contactPoint)")
	}
	if local {
		switch a := e.address().(type) {
		case nil:
			out = append(out, "address")
		case string:
			out = append(out, "address as a PostalAddress")
		case map[string]any:
			if e.text(a, "streetAddress") == "" {
				out = append(out, "address.streetAddress")
			}
			if e.text(a, "addressLocality") == "" {
				out = append(out, "address.addressLocality")
			}
		}
	}
	return out
}

// chooseEntity picks the entity that describes the brand: on the brand's
// site, of the kind the brand is, on the home page, the most complete.
func chooseEntity(entities []*ldEntity, b Brand, home *page) *ldEntity {
	var best *ldEntity
	bestScore := -1
	for _, e := range entities {
		score := len(e.node)
		if u, err := url.Parse(e.urlValue(e.node["url"])); err == nil && u.Host != "" && sameSite(u, home.URL) {
			score += 100
		}
		if b.LocalBusiness && e.local() {
			score += 50
		}
		if e.page == home {
			score += 20
		}
		if score > bestScore {
			best, bestScore = e, score
		}
	}
	return best
}

// recordFacts notes what the entity says.
func (e *ldEntity) recordFacts(f Facts) {
	set := func(k, v string) {
		if v != "" {
			f[k] = v
		}
	}
	set("jsonld:type", strings.Join(e.types, ", "))
	set("jsonld:page", e.page.URL.String())
	set("jsonld:name", e.text(e.node, "name"))
	set("jsonld:url", e.urlValue(e.node["url"]))
	set("jsonld:logo", e.resolved(e.urlValue(e.node["logo"])))
	tel, mail := e.contact()
	set("jsonld:telephone", tel)
	set("jsonld:email", mail)
	if a := e.address(); a != nil {
		if b, err := json.Marshal(a); err == nil {
			set("jsonld:address", string(b))
		}
	}
	set("jsonld:sameAs", strings.Join(e.sameAs(), "\n"))
}

// resolved makes an address of the entity absolute against its page.
func (e *ldEntity) resolved(raw string) string {
	if raw == "" {
		return ""
	}
	if u, err := e.page.resolve(raw); err == nil {
		return u.String()
	}
	return raw
}

// checkStructuredData checks the brand's Organization or LocalBusiness
// JSON-LD: present, valid, of the right kind, complete, with a logo that
// loads, and a sameAs that lists the brand's profiles and nothing stale.
func (a *auditor) checkStructuredData(ctx context.Context, pages []*page) []Finding {
	home := pages[0]
	entities, invalid := collectJSONLD(pages)
	e := chooseEntity(entities, a.brand, home)
	if e != nil {
		e.recordFacts(a.facts)
	}
	script := scriptTag(SuggestedJSONLD(a.brand, a.facts))
	var out []Finding
	for _, inv := range invalid {
		out = append(out, newFinding("jsonld.invalid", inv.page.URL.String(), []any{inv.index, inv.err}, script))
	}
	if e == nil {
		if len(invalid) == 0 {
			out = append(out, newFinding("jsonld.missing", home.URL.String(), nil, script))
		}
		return out
	}
	page := e.page.URL.String()
	if a.brand.LocalBusiness && !e.local() {
		out = append(out, newFinding("jsonld.not_local", page, []any{e.typeName()}, script))
	}
	if missing := e.missing(e.local()); len(missing) > 0 {
		out = append(out, newFinding("jsonld.incomplete", page, []any{e.typeName(), strings.Join(missing, ", ")}, script))
	}
	if logo := a.facts["jsonld:logo"]; logo != "" && isAbsolute(logo) {
		out = append(out, logoFindings(page, a.image(ctx, logo), a.brand.Logo)...)
	}
	var status map[string]int
	if !a.opts.SkipProfileCheck {
		status = a.profileStatuses(ctx, e.sameAs())
	}
	out = append(out, sameAsFindings(page, e.sameAs(), a.brand, status)...)
	return out
}

// profileConcurrency is how many sameAs addresses are fetched at once.
const profileConcurrency = 4

// profileStatuses fetches the first Options.MaxProfileChecks addresses, a
// few at a time and all within one FetchTimeout, and returns the HTTP
// status of those that answered: a slow network costs the audit one
// timeout, not one per profile.
func (a *auditor) profileStatuses(ctx context.Context, addrs []string) map[string]int {
	ctx, cancel := context.WithTimeout(ctx, a.opts.FetchTimeout)
	defer cancel()
	status := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	slots := make(chan struct{}, profileConcurrency)
	for i, s := range addrs {
		if i >= a.opts.MaxProfileChecks {
			break
		}
		if !isAbsolute(s) {
			continue
		}
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			resp, err := a.fetch.get(ctx, s, "text/html,*/*;q=0.1", bodyLimit{})
			if err != nil {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			status[s] = resp.Status
		})
	}
	wg.Wait()
	return status
}

// logoFindings judges the structured data's logo: it must load as an image
// Google reads, at least 112×112 pixels.
func logoFindings(page string, info imageInfo, brandLogo string) []Finding {
	example := brandLogo
	if example == "" {
		example = `"logo": "https://…/logo.png"`
	}
	if !info.loads() {
		return []Finding{newFinding("jsonld.logo.broken", page, []any{info.URL, info.failure()}, example)}
	}
	switch info.Format {
	case "svg":
		return nil
	case "png", "jpeg", "gif", "webp":
	default:
		return []Finding{newFinding("jsonld.logo.broken", page, []any{info.URL, notShown(info)}, example)}
	}
	if info.Width < minLogoSide || info.Height < minLogoSide {
		return []Finding{newFinding("jsonld.logo.too_small", page, []any{info.Width, info.Height}, info.URL)}
	}
	return nil
}

// referenceSites are sites whose pages about the brand belong in sameAs
// though they are not profiles the brand manages.
var referenceSites = []string{"wikipedia.org", "wikidata.org"}

func isReferenceSite(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	for _, s := range referenceSites {
		if h == s || strings.HasSuffix(h, "."+s) {
			return true
		}
	}
	return false
}

// profileKey writes a profile address for comparison: looseURL, with the
// mobile host prefixes dropped and twitter.com taken as x.com.
func profileKey(raw string) string {
	k := looseURL(raw)
	for _, prefix := range []string{"m.", "mobile."} {
		k = strings.TrimPrefix(k, prefix)
	}
	if rest, ok := strings.CutPrefix(k, "twitter.com"); ok {
		k = "x.com" + rest
	}
	return k
}

// sameAsFindings compares the structured data's sameAs with the brand's
// profiles: every profile must be listed; an entry that answered 404 or 410
// (status, by address) is broken; any other entry that is not a profile of
// the brand, nor a Wikipedia or Wikidata page, is stale. With no profile
// given, nothing can be called stale.
func sameAsFindings(page string, sameAs []string, b Brand, status map[string]int) []Finding {
	brandKeys := map[string]bool{}
	for _, p := range b.Profiles {
		if strings.TrimSpace(p) != "" {
			brandKeys[profileKey(p)] = true
		}
	}
	listed := map[string]bool{}
	for _, s := range sameAs {
		listed[profileKey(s)] = true
	}
	var out []Finding
	var broken, stale []string
	for _, s := range sameAs {
		switch st := status[s]; {
		case st == 404 || st == 410:
			broken = append(broken, s)
			out = append(out, newFinding("jsonld.sameas.broken", page, []any{s, st}))
		case len(brandKeys) > 0 && !brandKeys[profileKey(s)] && !isReferenceSite(s):
			stale = append(stale, s)
			out = append(out, newFinding("jsonld.sameas.stale", page, []any{s}))
		}
	}
	var missing []string
	for _, p := range b.Profiles {
		if p = strings.TrimSpace(p); p != "" && !listed[profileKey(p)] {
			missing = append(missing, p)
			out = append(out, newFinding("jsonld.sameas.missing_profile", page, []any{p}))
		}
	}
	if len(out) == 0 {
		return nil
	}
	// Every finding gets the same fix: the sameAs the brand should have.
	var want []string
	seen := map[string]bool{}
	for _, s := range append(slices.Clone(b.Profiles), sameAs...) {
		s = strings.TrimSpace(s)
		k := profileKey(s)
		if s == "" || seen[k] || slices.Contains(broken, s) || slices.Contains(stale, s) {
			continue
		}
		seen[k] = true
		want = append(want, s)
	}
	fix := sameAsJSON(want)
	for i := range out {
		c := checks[out[i].Check]
		out[i].FixArgs = []any{fix}
		out[i].Fix = fmt.Sprintf(c.fixFormat, fix)
	}
	return out
}

// sameAsJSON writes a sameAs property to paste.
func sameAsJSON(profiles []string) string {
	if profiles == nil {
		profiles = []string{}
	}
	b, _ := json.MarshalIndent(profiles, "", "  ")
	return `"sameAs": ` + string(b)
}

// scriptTag wraps JSON-LD in the script element that carries it.
func scriptTag(jsonld string) string {
	return "<script type=\"application/ld+json\">\n" + jsonld + "\n</script>"
}

// placeholder marks a value the brand must fill in the suggested JSON-LD.
func placeholder(what string) string { return "REPLACE: " + what }

// ordered is a JSON object that keeps its keys in the order written.
type ordered []field

type field struct {
	key   string
	value any
}

// MarshalJSON writes the object with its keys in order.
func (o ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// SuggestedJSONLD writes the Organization (or, for a local business,
// LocalBusiness) JSON-LD the brand's home page should carry, from what the
// brand says and what the audit found: "url" (the home page's address after
// redirects), the "jsonld:*" facts of the site's current structured data,
// "description", "og:image", "og:site_name", and "telephone" and "email"
// from the site's tel: and mailto: links. What is known neither way is left
// as a "REPLACE: ..." placeholder to fill before publishing.
func SuggestedJSONLD(b Brand, found Facts) string {
	typ := ""
	for t := range strings.SplitSeq(found["jsonld:type"], ",") {
		t = strings.TrimSpace(t)
		if localBusinessTypes[t] || organizationTypes[t] {
			typ = t
			if localBusinessTypes[t] && t != "LocalBusiness" {
				break
			}
		}
	}
	switch {
	case b.LocalBusiness && !localBusinessTypes[typ]:
		typ = "LocalBusiness"
	case typ == "":
		typ = "Organization"
	}
	local := localBusinessTypes[typ]

	site := firstNonEmpty(found["url"], b.Website, found["jsonld:url"])
	if u, err := url.Parse(site); err == nil && u.Host != "" && u.Path == "" {
		u.Path = "/"
		site = u.String()
	}
	name := firstNonEmpty(b.Name, found["jsonld:name"], found["og:site_name"])
	if name == "" {
		name = placeholder("the brand's name")
	}
	logo := firstNonEmpty(b.Logo, found["jsonld:logo"])
	if logo == "" {
		logo = placeholder("address of the logo, a PNG of at least 112x112 pixels")
	}
	obj := ordered{
		{"@context", "https://schema.org"},
		{"@type", typ},
	}
	if site != "" {
		obj = append(obj, field{"@id", site + "#organization"})
	}
	obj = append(obj, field{"name", name})
	if site != "" {
		obj = append(obj, field{"url", site})
	} else {
		obj = append(obj, field{"url", placeholder("address of the home page")})
	}
	obj = append(obj, field{"logo", logo})
	if local {
		obj = append(obj, field{"image", firstNonEmpty(found["og:image"], logo)})
	}
	if d := found["description"]; d != "" {
		obj = append(obj, field{"description", d})
	}
	tel := firstNonEmpty(found["jsonld:telephone"], found["telephone"])
	mail := firstNonEmpty(found["jsonld:email"], found["email"])
	if tel == "" && (local || mail == "") {
		tel = placeholder("telephone number, as +39 02 1234567")
	}
	if tel != "" {
		obj = append(obj, field{"telephone", tel})
	}
	if mail != "" {
		obj = append(obj, field{"email", mail})
	}
	if addr := suggestedAddress(found["jsonld:address"], local); addr != nil {
		obj = append(obj, field{"address", addr})
	}
	var sameAs []string
	for _, p := range b.Profiles {
		if p = strings.TrimSpace(p); p != "" {
			sameAs = append(sameAs, p)
		}
	}
	if len(sameAs) == 0 {
		for s := range strings.SplitSeq(found["jsonld:sameAs"], "\n") {
			if s = strings.TrimSpace(s); s != "" {
				sameAs = append(sameAs, s)
			}
		}
	}
	if len(sameAs) > 0 {
		obj = append(obj, field{"sameAs", sameAs})
	}
	out, err := json.MarshalIndent(obj, "", "  ")
	if err != nil {
		// Only strings and known JSON go in: this cannot fail.
		panic("siteaudit: " + err.Error())
	}
	return string(out)
}

// suggestedAddress is the address of the suggested JSON-LD: the one found,
// completed with placeholders for a local business, or a PostalAddress to
// fill.
func suggestedAddress(foundJSON string, local bool) any {
	var found any
	if foundJSON != "" {
		if err := json.Unmarshal([]byte(foundJSON), &found); err != nil {
			found = nil
		}
	}
	if !local {
		if found == nil {
			return nil
		}
		return json.RawMessage(foundJSON)
	}
	fields := map[string]string{}
	switch f := found.(type) {
	case string:
		fields["streetAddress"] = f
	case map[string]any:
		for k, v := range f {
			if s, ok := v.(string); ok {
				fields[k] = strings.TrimSpace(s)
			}
		}
	}
	addr := ordered{{"@type", "PostalAddress"}}
	for _, k := range []struct{ key, what string }{
		{"streetAddress", "street and number"},
		{"addressLocality", "town or city"},
		{"postalCode", "postal code"},
		{"addressRegion", ""},
		{"addressCountry", "country code, as IT"},
	} {
		v := fields[k.key]
		if v == "" {
			if k.what == "" {
				continue
			}
			v = placeholder(k.what)
		}
		addr = append(addr, field{k.key, v})
	}
	return addr
}
