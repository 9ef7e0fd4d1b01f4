package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portavoce/portavoce/internal/listening/query"
)

// The generated load: invented brands, each watched by one topic written in
// the shapes a listening team uses, plus generic topics on common words;
// and a day of Bluesky posts in the languages Bluesky is written in, of the
// lengths its 300-grapheme limit allows, a small share of them mentioning a
// brand. Everything is derived from a seed, post by post, so that the
// Jetstream process and the benchmark generate the same posts without
// exchanging them.

// vocab is a language's words, the common ones first (picked more often).
type vocab struct {
	lang  string
	words []string
	// joiner separates words: " ", or "" for Japanese.
	joiner string
}

func fields(s string) []string { return strings.Fields(s) }

var (
	vocabEN = vocab{"en", fields(`the I to a and you of is it in that this for my on be was just so with
		not have are but me like what at do all your if we can about they one get out up how
		now its im dont people when more time really today good think know want going new
		great love day see would still been some year back even only very why because well
		work make first last never always night week weekend home city world news
		game play team win season fans match player league coach
		coffee lunch dinner pizza burger sushi ramen tea beer wine food
		price sale deal store shop order delivery package arrived
		phone app update bug broken support service customer bad
		train station flight airport late bus rain storm snow sun hot cold weather
		election government president party minister policy
		music concert show album song movie series book art photo
		thanks lol omg yes no maybe actually literally finally honestly`), " "}
	vocabIT = vocab{"it", fields(`il la di che e a un una per non in è sono ho con mi ti si lo ma come
		anche più questo oggi domani ieri sempre mai molto poco tutto tutti ancora già
		casa lavoro settimana sera città mondo notizie
		caffè pranzo cena pizza pasta vino birra
		prezzo offerta negozio ordine consegna pacco arrivato
		telefono aggiornamento assistenza servizio cliente ottimo
		treno stazione volo aeroporto autobus pioggia neve sole caldo freddo
		elezioni governo partito ministro partita squadra campionato tifosi
		concerto musica film serie libro
		grazie ciao buongiorno perché però quindi allora davvero proprio nuovo bello`), " "}
	vocabPT = vocab{"pt", fields(`o a de que e do da em um uma para com não é eu se na no os as mais
		muito hoje amanhã sempre nunca tudo todos ainda já casa trabalho semana gente
		café almoço jantar pizza cerveja preço loja pedido entrega
		celular atendimento ótimo trem estação voo aeroporto ônibus
		chuva sol calor frio eleição governo jogo time torcida show música filme livro
		obrigado oi bom dia porque mas então mesmo novo lindo kkkk`), " "}
	vocabDE = vocab{"de", fields(`der die und in den von zu das mit sich des auf für ist im nicht ein
		eine als auch es an er so dass heute morgen immer nie alles noch schon
		Arbeit Woche Stadt Kaffee Bier Pizza Preis Angebot
		Bestellung Lieferung Handy Kundendienst Zug Bahnhof Flug Flughafen Regen Sonne
		Wahl Regierung Partei Spiel Konzert Musik Film Buch
		danke hallo weil aber also wirklich neu schön`), " "}
	vocabES = vocab{"es", fields(`el la de que y a en un una para con no es por los las se lo más
		muy hoy mañana siempre nunca todo todos ya casa trabajo semana ciudad
		café cena pizza cerveza precio tienda pedido entrega
		móvil servicio atención tren estación vuelo aeropuerto lluvia sol calor frío
		elecciones gobierno partido equipo concierto música película libro
		gracias hola porque pero entonces nuevo bonito jaja`), " "}
	vocabJA = vocab{"ja", fields(`今日 明日 昨日 ちょっと すごい 本当に やっぱり みんな 私 僕 これ それ
		仕事 週末 夜 家 東京 大阪 電車 駅 雨 雪 暑い 寒い
		コーヒー ラーメン 寿司 ビール 値段 安い セール 注文 配達
		スマホ 画面 アプリ 更新 サポート 選挙 政府
		試合 応援 ライブ 音楽 映画 本 写真 絵 かわいい 楽しい ありがとう
		です ます した ない けど から ね よ な の に を は が で と も`), ""}
)

// tailWords are the long tail of a language's vocabulary: invented words
// that no query looks for (each holds an h or a j, which no brand name
// has), so that most of a post's words are, as in real text, words the
// automaton reads through without a hit.
var tailWords = func() []string {
	r := rand.New(rand.NewPCG(7, 7))
	first := fields(`ha he hi ho hu ja je ji jo ju sha she shi cho chu tha the thi pho jha`)
	rest := fields(`ne ro ta mi ka le so ve du ri pa no ti me la rs nt st`)
	seen := map[string]bool{}
	var out []string
	for len(out) < 20000 {
		w := first[r.IntN(len(first))]
		for k := r.IntN(3); k >= 0; k-- {
			w += rest[r.IntN(len(rest))]
		}
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}()

// kana makes the Japanese tail: runs of katakana and hiragana.
var kana = []rune("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワンあいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわん")

// langShare is how Bluesky's posts divide by language (roughly: English
// first, then Japanese, Portuguese, German, Spanish; Italian small), with
// some posts carrying no langs.
var langShare = []struct {
	v     *vocab
	share int // per thousand
	// tag is what the post's record says ("" for no langs).
	tag string
}{
	{&vocabEN, 480, "en"},
	{&vocabJA, 170, "ja"},
	{&vocabPT, 110, "pt"},
	{&vocabDE, 70, "de"},
	{&vocabES, 50, "es"},
	{&vocabIT, 60, "it"},
	{&vocabEN, 60, ""},
}

// Syllables of invented brand names, and the second words of their long
// names. None of the syllable combinations is a word of the vocabularies
// (genBrands checks).
var (
	brandSyllables = fields(`ar bo ca di fe gi lu mo na pe ri sa te vo zu bri cla dro fla glo
		ken lim mar nor pal qui ros sen tal ver wen xa yor zel tri sto ple kro mun dal`)
	brandSecond = fields(`Group Foods Mobile Bank Fashion Energy Travel Labs Coffee Motors Beauty Games`)
)

// brand is a company one topic watches.
type brand struct {
	name   string // "Verdalo"
	lower  string // "verdalo"
	second string // "Foods": the brand is also called "Verdalo Foods"
}

// genBrands returns n distinct invented brands.
func genBrands(seed uint64, n int) []brand {
	r := rand.New(rand.NewPCG(seed, 1))
	taken := map[string]bool{}
	for _, v := range []*vocab{&vocabEN, &vocabIT, &vocabPT, &vocabDE, &vocabES} {
		for _, w := range v.words {
			taken[strings.ToLower(w)] = true
		}
	}
	out := make([]brand, 0, n)
	for len(out) < n {
		var b strings.Builder
		for k := 2 + r.IntN(3); k > 0; k-- {
			b.WriteString(brandSyllables[r.IntN(len(brandSyllables))])
		}
		l := b.String()
		if taken[l] {
			continue
		}
		taken[l] = true
		out = append(out, brand{name: strings.ToUpper(l[:1]) + l[1:], lower: l, second: brandSecond[r.IntN(len(brandSecond))]})
	}
	return out
}

// Word groups of the generic topics ("trains late", "coffee at breakfast"):
// these anchor on common words, so they are candidates for many posts and
// are what makes matching cost more than a dictionary lookup.
var topicGroups = [][2][]string{
	{fields(`train treno trem Zug tren 電車`), fields(`delay ritardo atraso Verspätung retraso strike sciopero greve Streik huelga 遅延 運休`)},
	{fields(`coffee caffè café Kaffee コーヒー espresso`), fields(`breakfast colazione Frühstück desayuno cappuccino croissant`)},
	{fields(`price prezzo preço Preis precio 値段`), fields(`expensive costoso teuer caríssimo discount sconto desconto descuento 高い`)},
	{fields(`support service assistenza atendimento Kundendienst servicio サポート`), fields(`terrible awful pessimo péssimo schrecklich useless inutile 最悪`)},
	{fields(`match game partita jogo Spiel partido 試合`), fields(`referee arbitro juiz Schiedsrichter árbitro penalty rigore`)},
	{fields(`rain storm pioggia chuva Regen lluvia 雨`), fields(`flood flooding alluvione enchente Überschwemmung inundación`)},
	{fields(`phone telefono celular Handy móvil スマホ`), fields(`battery batteria bateria Akku batería 充電`)},
	{fields(`election elezioni eleição Wahl elecciones 選挙`), fields(`poll sondaggio pesquisa Umfrage encuesta ballot 投票`)},
	{fields(`concert concerto show Konzert concierto ライブ`), fields(`tickets biglietti ingressos Karten entradas チケット`)},
	{fields(`pizza burger sushi ramen ラーメン 寿司`), fields(`delicious buonissima gostoso lecker riquísimo 美味しい`)},
}

// pickSome returns between 2 and 4 of words, joined by OR in parentheses.
func pickSome(r *rand.Rand, words []string) string {
	n := min(len(words), 2+r.IntN(3))
	perm := r.Perm(len(words))[:n]
	parts := make([]string, n)
	for i, k := range perm {
		parts[i] = words[k]
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// genericTopic writes a query on common words: two groups of words near
// each other or in the same post, sometimes limited to a language or
// excluding promotions.
func genericTopic(r *rand.Rand) string {
	g := topicGroups[r.IntN(len(topicGroups))]
	a, b := pickSome(r, g[0]), pickSome(r, g[1])
	var q string
	if r.IntN(3) == 0 {
		q = a + " AND " + b
	} else {
		q = fmt.Sprintf("%s NEAR/%d %s", a, 1+r.IntN(5), b)
	}
	switch r.IntN(4) {
	case 0:
		q += " lang:" + []string{"it", "en", "pt", "de", "es", "ja"}[r.IntN(6)]
	case 1:
		q += " NOT (giveaway OR promo OR sconto OR desconto)"
	}
	return q
}

// genQuery writes the query of topic i, about brand b: most topics watch
// a brand, one in twenty a generic subject.
func genQuery(seed uint64, i int, b brand) string {
	r := rand.New(rand.NewPCG(seed^0x51ed, uint64(i)))
	switch r.IntN(20) {
	case 0, 1, 2, 3, 4, 5:
		return fmt.Sprintf(`%s OR "%s %s"`, b.name, b.name, b.second)
	case 6, 7, 8:
		return fmt.Sprintf(`"%s %s" OR %s%s OR #%s`, b.name, b.second, b.lower, strings.ToLower(b.second), b.lower)
	case 9, 10:
		return fmt.Sprintf(`%s AND (great OR love OR bad OR awful OR ottimo OR pessimo OR ótimo OR péssimo)`, b.name)
	case 11, 12:
		return fmt.Sprintf(`%s NEAR/4 (service OR support OR assistenza OR atendimento OR delivery OR consegna)`, b.name)
	case 13, 14:
		return fmt.Sprintf(`(%s OR @%s.bsky.social) NOT (promo OR giveaway OR sconto)`, b.name, b.lower)
	case 15:
		return fmt.Sprintf(`%s* AND (price OR prezzo OR preço OR coffee OR caffè)`, b.lower[:min(len(b.lower), 5)])
	case 16:
		return fmt.Sprintf(`"%s" lang:%s`, b.name, []string{"it", "en", "pt"}[r.IntN(3)])
	case 17:
		return fmt.Sprintf(`site:%s.com OR url:newsroom.example/%s OR "%s app"`, b.lower, b.lower, b.name)
	case 18:
		return fmt.Sprintf(`%s ONEAR/2 (new OR nuovo OR novo OR launch OR lancia OR lança)`, b.name)
	}
	return genericTopic(r)
}

// genQueries returns the n queries of the topics, checked to parse.
func genQueries(seed uint64, brands []brand) ([]string, error) {
	out := make([]string, len(brands))
	for i, b := range brands {
		out[i] = genQuery(seed, i, b)
		if _, err := query.Parse(out[i]); err != nil {
			return nil, fmt.Errorf("generated query %q: %w", out[i], err)
		}
	}
	return out, nil
}

// genPost is one generated Bluesky post.
type genPost struct {
	did, rkey string
	text      string
	langs     []string
	at        time.Time
}

// dayStart is the start of the generated day of posts.
var dayStart = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// Sentences may end with these; an emoji ends a few posts.
var (
	separators = append(strings.Split(strings.Repeat(" ", 20), ""), ", ", ", ", ". ", ". ", "! ", "? ", " - ", "\n")
	emoji      = fields(`😂 ❤️ 🙏 😭 🔥 ✨ 👀 🥲 😡 🎉`)
	newsSites  = fields(`www.repubblica.it www.corriere.it www.theguardian.com www.bbc.co.uk www.nytimes.com g1.globo.com www.spiegel.de elpais.com www3.nhk.or.jp www.ansa.it`)
	// context words put next to a brand, so that the AND and NEAR
	// queries sometimes match.
	brandContext = fields(`love great awful bad ottimo pessimo ótimo péssimo service support assistenza delivery consegna new nuovo novo launch lancia price prezzo coffee caffè`)
)

// base32 is the alphabet of Bluesky's TIDs and of did:plc identifiers.
const base32 = "234567abcdefghijklmnopqrstuvwxyz"

func encode32(v uint64, n int) string {
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = base32[v&31]
		v >>= 5
	}
	return string(b)
}

// genPostAt returns post i of n. mentionRate is the share of posts (per
// ten thousand) that name a brand.
func genPostAt(seed uint64, i, n int, brands []brand, mentionRate int) genPost {
	r := rand.New(rand.NewPCG(seed, uint64(i)+1<<40))
	// Authors: a pool of 400,000, some far more active than others.
	author := uint64(400000 * r.Float64() * r.Float64())
	p := genPost{
		did:  "did:plc:" + encode32(author*0x9e3779b97f4a7c15, 12) + encode32((author+1)*0xc2b2ae3d27d4eb4f, 12),
		rkey: "3l" + encode32(uint64(i), 11),
		at:   dayStart.Add(time.Duration(int64(i) * int64(24*time.Hour) / int64(max(n, 1)))),
	}
	k := r.IntN(1000)
	v := langShare[0].v
	for _, l := range langShare {
		if k < l.share {
			v = l.v
			if l.tag != "" {
				p.langs = []string{l.tag}
			}
			break
		}
		k -= l.share
	}

	// Length in graphemes: many short replies, some long posts, 300 at
	// most.
	var target int
	switch x := r.IntN(100); {
	case x < 35:
		target = 8 + r.IntN(50)
	case x < 75:
		target = 58 + r.IntN(100)
	default:
		target = 158 + r.IntN(140)
	}
	if v.joiner == "" {
		target = target * 2 / 5 // Japanese says as much in fewer characters
	}

	var b strings.Builder
	runes := 0
	write := func(s string) {
		b.WriteString(s)
		runes += utf8.RuneCountInString(s)
	}
	mention := r.IntN(10000) < mentionRate
	mentionAt := 0
	if mention {
		mentionAt = r.IntN(max(1, target/8))
	}
	// A few posts are about one of the generic subjects.
	topical := r.IntN(10000) < topicalRate
	topicAt := r.IntN(max(1, target/10))
	var link string
	if r.IntN(100) < 6 {
		site := newsSites[r.IntN(len(newsSites))]
		link = fmt.Sprintf("https://%s/%s/%d-%s", site, v.words[r.IntN(len(v.words))], 100000+r.IntN(900000), encode32(r.Uint64(), 6))
	}
	for w := 0; runes < target; w++ {
		if w > 0 {
			if v.joiner == "" {
				if r.IntN(6) == 0 {
					write([]string{"、", "。", "！", " "}[r.IntN(4)])
				}
			} else {
				write(separators[r.IntN(len(separators))])
			}
		}
		if mention && w == mentionAt {
			write(brandMention(r, brands[r.IntN(len(brands))]))
			continue
		}
		if topical && w == topicAt {
			write(topicPhrase(r))
			continue
		}
		switch x := r.IntN(100); {
		case x < 3 && v.joiner != "":
			write("#" + v.words[r.IntN(len(v.words))])
		case x < 5 && v.joiner != "":
			write("@" + encode32(r.Uint64(), 7) + ".bsky.social")
		case x < 60:
			// Common words more often: the lists start with them.
			write(v.words[int(float64(len(v.words))*r.Float64()*r.Float64())])
		case v.joiner == "":
			for k := 2 + r.IntN(3); k > 0; k-- {
				write(string(kana[r.IntN(len(kana))]))
			}
		default:
			write(tailWords[int(float64(len(tailWords))*r.Float64()*r.Float64())])
		}
	}
	if link != "" {
		if runes+utf8.RuneCountInString(link) > 299 {
			// Bluesky shortens a link's text; the facet keeps the
			// whole URL. Here the post just gets shorter.
			s := []rune(b.String())
			b.Reset()
			b.WriteString(string(s[:max(0, 299-utf8.RuneCountInString(link)-1)]))
		}
		b.WriteString(" " + link)
	} else if r.IntN(10) == 0 {
		b.WriteString(" " + emoji[r.IntN(len(emoji))])
	}
	p.text = strings.TrimSpace(b.String())
	return p
}

// topicalRate is the posts per ten thousand about a generic subject: they
// hold a word of each side of one of topicGroups, close together.
const topicalRate = 100

// topicPhrase writes a word of each side of a subject, a few words apart.
func topicPhrase(r *rand.Rand) string {
	g := topicGroups[r.IntN(len(topicGroups))]
	a, b := g[0][r.IntN(len(g[0]))], g[1][r.IntN(len(g[1]))]
	if r.IntN(3) == 0 {
		a, b = b, a
	}
	gap := []string{" ", " the ", " e la ", " não ", " so much ", " molto "}[r.IntN(6)]
	return a + gap + b
}

// brandMention writes a brand the ways posts name one, sometimes next to a
// word its topic's query looks for.
func brandMention(r *rand.Rand, b brand) string {
	var s string
	switch x := r.IntN(100); {
	case x < 50:
		s = b.name
	case x < 68:
		s = b.name + " " + b.second
	case x < 80:
		s = "#" + b.lower
	case x < 88:
		s = "@" + b.lower + ".bsky.social"
	case x < 94:
		s = strings.ToLower(b.name) // lower case still matches
	default:
		s = b.name + " app"
	}
	if r.IntN(100) < 45 {
		c := brandContext[r.IntN(len(brandContext))]
		if r.IntN(2) == 0 {
			s = c + " " + s
		} else {
			s = s + " " + c
		}
	}
	return s
}
