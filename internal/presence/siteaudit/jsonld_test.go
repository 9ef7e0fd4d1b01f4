package siteaudit

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func ldPage(t *testing.T, url string, blocks ...string) *page {
	t.Helper()
	var b strings.Builder
	b.WriteString("<html><head>")
	for _, s := range blocks {
		b.WriteString(`<script type="application/ld+json">` + s + `</script>`)
	}
	b.WriteString("</head></html>")
	return mkPage(t, url, b.String())
}

func TestCollectJSONLD(t *testing.T) {
	home := ldPage(t, "https://rossi.example/",
		`{"@context":"https://schema.org","@graph":[
			{"@type":"WebSite","@id":"https://rossi.example/#site","publisher":{"@id":"https://rossi.example/#org"}},
			{"@type":["Organization","Place","CafeOrCoffeeShop"],"@id":"https://rossi.example/#org","name":"Caffè Rossi",
			 "url":"https://rossi.example/","logo":{"@id":"https://rossi.example/#logo"},
			 "contactPoint":[{"@type":"ContactPoint","contactType":"sales"},{"@type":"ContactPoint","email":"ciao@rossi.example"}],
			 "address":{"@id":"https://rossi.example/#addr"},
			 "sameAs":"https://social.example/@rossi"},
			{"@type":"ImageObject","@id":"https://rossi.example/#logo","contentUrl":"/logo.png"},
			{"@type":"PostalAddress","@id":"https://rossi.example/#addr","streetAddress":"Via Roma 1","addressLocality":"Bologna"}
		]}`,
		`{"@type": "BreadcrumbList",, }`,
		`[{"@context":"http://schema.org","@type":"schema:Organization","name":{"@value":"Rossi S.r.l."}}]`,
	)
	entities, invalid := collectJSONLD([]*page{home})
	if len(invalid) != 1 || invalid[0].index != 2 || !strings.HasPrefix(invalid[0].err, "line 1: invalid character ','") {
		t.Errorf("invalid %+v", invalid)
	}
	if len(entities) != 2 {
		t.Fatalf("%d entities", len(entities))
	}
	e := entities[0]
	if !e.local() || e.typeName() != "CafeOrCoffeeShop" {
		t.Errorf("types %q, local %v, name %q", e.types, e.local(), e.typeName())
	}
	if logo := e.resolved(e.urlValue(e.node["logo"])); logo != "https://rossi.example/logo.png" {
		t.Errorf("logo by reference: %q", logo)
	}
	if tel, mail := e.contact(); tel != "" || mail != "ciao@rossi.example" {
		t.Errorf("contact %q %q", tel, mail)
	}
	if m := e.missing(true); len(m) != 0 {
		t.Errorf("missing %q", m)
	}
	if s := e.sameAs(); !slices.Equal(s, []string{"https://social.example/@rossi"}) {
		t.Errorf("sameAs %q", s)
	}
	other := entities[1]
	if other.local() || other.typeName() != "Organization" || other.text(other.node, "name") != "Rossi S.r.l." {
		t.Errorf("second entity %+v", other.node)
	}
	if m := other.missing(false); !slices.Equal(m, []string{"url", "logo", "telephone or email (or a contactPoint)"}) {
		t.Errorf("missing %q", m)
	}
	if chooseEntity(entities, Brand{}, home) != e {
		t.Error("the entity on the site's URL is not chosen")
	}
}

func TestEntityMissing(t *testing.T) {
	tests := []struct {
		json  string
		local bool
		want  []string
	}{
		{`{"@type":"Organization","name":"R","url":"https://r.example/","logo":"https://r.example/l.png","telephone":"+39 1"}`, false, nil},
		{`{"@type":"Organization","name":"R","url":"https://r.example/","logo":"https://r.example/l.png","telephone":"+39 1"}`, true, []string{"address"}},
		{`{"@type":"LocalBusiness","name":"R","url":"https://r.example/","logo":"https://r.example/l.png","email":"a@r.example","address":"Via Roma 1, Bologna"}`, true, []string{"address as a PostalAddress"}},
		{`{"@type":"LocalBusiness","name":" ","url":"","logo":{"@type":"ImageObject"},"address":{"@type":"PostalAddress","postalCode":"40121"}}`, true,
			[]string{"name", "url", "logo", "telephone or email (or a contactPoint)", "address.streetAddress", "address.addressLocality"}},
	}
	for _, tt := range tests {
		p := ldPage(t, "https://r.example/", tt.json)
		entities, _ := collectJSONLD([]*page{p})
		if len(entities) != 1 {
			t.Fatalf("%s: %d entities", tt.json, len(entities))
		}
		if got := entities[0].missing(tt.local); !slices.Equal(got, tt.want) {
			t.Errorf("%s (local %v): missing %q, want %q", tt.json, tt.local, got, tt.want)
		}
	}
}

func TestChooseEntity(t *testing.T) {
	home := ldPage(t, "https://www.rossi.example/",
		`{"@type":"Organization","name":"Agency that built the site","url":"https://agency.example/","logo":"x","telephone":"1","email":"e","description":"d"}`,
		`{"@type":"Organization","name":"Rossi","url":"https://rossi.example/"}`)
	about := ldPage(t, "https://www.rossi.example/chi-siamo", `{"@type":"Bakery","name":"Rossi","url":"https://rossi.example/"}`)
	entities, _ := collectJSONLD([]*page{home, about})
	if e := chooseEntity(entities, Brand{}, home); e.text(e.node, "name") != "Rossi" || e.page != home {
		t.Errorf("chose %v on %s", e.node, e.page.URL)
	}
	if e := chooseEntity(entities, Brand{LocalBusiness: true}, home); e.typeName() != "Bakery" {
		t.Errorf("for a local business chose %v", e.node)
	}
	if chooseEntity(nil, Brand{}, home) != nil {
		t.Error("chose from nothing")
	}
}

func TestSameAsFindings(t *testing.T) {
	b := Brand{Profiles: []string{"https://social.example/@rossi", "https://www.instagram.com/cafferossi/", "https://twitter.com/rossi"}}
	sameAs := []string{
		"https://SOCIAL.example/@Rossi/",                 // the first profile, written differently
		"http://instagram.com/cafferossi",                // the second
		"https://facebook.com/old-page",                  // not the brand's: stale
		"https://it.wikipedia.org/wiki/Rossi",            // a reference, not stale
		"https://social.example/@gone",                   // answered 404
		"https://www.wikidata.org/wiki/Q1",               // a reference
		"https://m.facebook.com/also-old?ref=x#fragment", // stale too
	}
	status := map[string]int{"https://social.example/@gone": 404, "https://facebook.com/old-page": 200}
	fs := sameAsFindings("https://rossi.example/", sameAs, b, status)
	var got []string
	for _, f := range fs {
		got = append(got, f.Check+" "+f.Args[0].(string))
	}
	want := []string{
		"jsonld.sameas.stale https://facebook.com/old-page",
		"jsonld.sameas.broken https://social.example/@gone",
		"jsonld.sameas.stale https://m.facebook.com/also-old?ref=x#fragment",
		"jsonld.sameas.missing_profile https://twitter.com/rossi",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings\n %q\nwant\n %q", got, want)
	}
	var fixed map[string][]string
	if err := json.Unmarshal([]byte("{"+fs[0].FixArgs[0].(string)+"}"), &fixed); err != nil {
		t.Fatalf("the fix is not JSON: %v\n%s", err, fs[0].FixArgs[0])
	}
	wantSameAs := []string{
		"https://social.example/@rossi", "https://www.instagram.com/cafferossi/", "https://twitter.com/rossi",
		"https://it.wikipedia.org/wiki/Rossi", "https://www.wikidata.org/wiki/Q1",
	}
	if !slices.Equal(fixed["sameAs"], wantSameAs) {
		t.Errorf("fixed sameAs %q, want %q", fixed["sameAs"], wantSameAs)
	}
	if fs := sameAsFindings("p", []string{"https://x.com/rossi", "https://social.example/@rossi", "https://instagram.com/cafferossi"}, b, nil); fs != nil {
		t.Errorf("x.com is twitter.com: %v", fs)
	}
	// Without the brand's profiles, nothing can be called stale.
	if fs := sameAsFindings("p", []string{"https://facebook.com/anything"}, Brand{}, nil); fs != nil {
		t.Errorf("no profiles given: %v", fs)
	}
}

func TestLogoFindings(t *testing.T) {
	tests := []struct {
		info imageInfo
		want string
	}{
		{imageInfo{URL: "l", Status: 200, Format: "png", Width: 112, Height: 112}, ""},
		{imageInfo{URL: "l", Status: 200, Format: "svg"}, ""},
		{imageInfo{URL: "l", Status: 200, Format: "png", Width: 300, Height: 60}, "jsonld.logo.too_small"},
		{imageInfo{URL: "l", Status: 404}, "jsonld.logo.broken"},
		{imageInfo{URL: "l", Status: 200, ContentType: "text/html"}, "jsonld.logo.broken"},
		{imageInfo{URL: "l", TooLarge: true}, "jsonld.logo.broken"},
	}
	for _, tt := range tests {
		fs := logoFindings("p", tt.info, "")
		got := ""
		if len(fs) > 0 {
			got = fs[0].Check
		}
		if got != tt.want || len(fs) > 1 {
			t.Errorf("%+v: %v, want %s", tt.info, fs, tt.want)
		}
	}
}

func TestSuggestedJSONLD(t *testing.T) {
	tests := []struct {
		name  string
		brand Brand
		facts Facts
		want  map[string]any
		lacks []string
	}{
		{
			name:  "nothing known",
			brand: Brand{},
			facts: Facts{},
			want:  map[string]any{"@type": "Organization", "name": "REPLACE: the brand's name", "url": "REPLACE: address of the home page"},
			lacks: []string{"address", "sameAs", "@id", "image"},
		},
		{
			name:  "local business from the brand",
			brand: Brand{Name: "Caffè <Rossi>", Website: "https://rossi.example", LocalBusiness: true, Profiles: []string{"https://social.example/@rossi", " "}},
			facts: Facts{"telephone": "+39 051 1", "og:image": "https://rossi.example/og.png", "description": "Caffè & cornetti"},
			want: map[string]any{
				"@type": "LocalBusiness", "@id": "https://rossi.example/#organization", "name": "Caffè <Rossi>",
				"url": "https://rossi.example/", "telephone": "+39 051 1", "image": "https://rossi.example/og.png",
				"description": "Caffè & cornetti", "sameAs": []any{"https://social.example/@rossi"},
			},
		},
		{
			name:  "found structured data is kept",
			brand: Brand{Name: "Rossi", Website: "https://rossi.example/", LocalBusiness: true},
			facts: Facts{"jsonld:type": "Organization, Place, Bakery", "jsonld:telephone": "+39 2", "jsonld:email": "a@r.example",
				"jsonld:address": `{"@type":"PostalAddress","streetAddress":"Via Roma 1","addressLocality":"Bologna"}`,
				"jsonld:sameAs":  "https://old.example/rossi", "jsonld:logo": "https://rossi.example/l.png"},
			want: map[string]any{"@type": "Bakery", "telephone": "+39 2", "email": "a@r.example", "logo": "https://rossi.example/l.png",
				"sameAs": []any{"https://old.example/rossi"}},
		},
		{
			name:  "organization keeps its address as found",
			brand: Brand{Name: "Rossi", Website: "https://rossi.example/"},
			facts: Facts{"jsonld:type": "Corporation", "jsonld:email": "a@r.example", "jsonld:address": `"Via Roma 1"`},
			want:  map[string]any{"@type": "Corporation", "address": "Via Roma 1", "email": "a@r.example"},
			lacks: []string{"telephone", "image"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := SuggestedJSONLD(tt.brand, tt.facts)
			var got map[string]any
			if err := json.Unmarshal([]byte(s), &got); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, s)
			}
			if got["@context"] != "https://schema.org" || !strings.HasPrefix(s, "{\n  \"@context\"") {
				t.Errorf("context or order:\n%s", s)
			}
			for k, v := range tt.want {
				if gb, _ := json.Marshal(got[k]); string(gb) != mustJSON(t, v) {
					t.Errorf("%s = %s, want %s", k, gb, mustJSON(t, v))
				}
			}
			for _, k := range tt.lacks {
				if _, ok := got[k]; ok {
					t.Errorf("%s present: %v", k, got[k])
				}
			}
			if strings.Contains(s, "</") || strings.Contains(s, "<Rossi") {
				t.Errorf("markup not escaped for a script element:\n%s", s)
			}
		})
	}
	// A local business's address is completed with placeholders.
	s := SuggestedJSONLD(Brand{LocalBusiness: true}, Facts{"jsonld:address": `{"addressLocality":"Bologna","postalCode":"40121"}`})
	for _, want := range []string{`"streetAddress": "REPLACE: street and number"`, `"addressLocality": "Bologna"`, `"postalCode": "40121"`, `"addressCountry": "REPLACE: country code, as IT"`} {
		if !strings.Contains(s, want) {
			t.Errorf("address lacks %s:\n%s", want, s)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
