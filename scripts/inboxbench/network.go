package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portavoce/portavoce/internal/provider"
)

// network is a provider.Inbox standing for Mastodon and Bluesky: every
// account has perAccount notifications waiting, handed out oldest first
// in pages of up to pageSize from a cursor, as a network's notification
// API does. A page after the first repeats a few notifications of the
// pages before (as networks do around their cursors), which the store must
// keep once. Items are made afresh on every Fetch, from the account and
// their position, so that the tool holds nothing but counters.
type network struct {
	perAccount int
	pageSize   int
	// first is when the first notification of every account arrived;
	// step is the time between two.
	first time.Time
	step  time.Duration

	// accounts maps Portavoce's account ids to their index; networks
	// gives each index its network. Both are set before ingestion starts.
	accounts map[string]int
	networks []string

	mu     sync.Mutex
	served []int

	fetches  atomic.Int64
	fetched  atomic.Int64
	repeated atomic.Int64
}

func newNetwork(accounts, perAccount, pageSize int, first time.Time, step time.Duration) *network {
	return &network{perAccount: perAccount, pageSize: pageSize, first: first, step: step,
		accounts: map[string]int{}, networks: make([]string, accounts), served: make([]int, accounts)}
}

// Fetch returns the notifications after cursor (the position of the next
// new one).
func (n *network) Fetch(_ context.Context, a provider.Account, cursor string) (provider.Page, error) {
	i, ok := n.accounts[a.ID]
	if !ok {
		return provider.Page{}, &provider.Error{Kind: provider.Rejected, Reason: "unknown account " + a.ID}
	}
	pos := 0
	if cursor != "" {
		var err error
		if pos, err = strconv.Atoi(cursor); err != nil || pos < 0 || pos > n.perAccount {
			return provider.Page{}, &provider.Error{Kind: provider.Rejected, Reason: "bad cursor " + cursor}
		}
	}
	n.fetches.Add(1)
	if pos == n.perAccount {
		return provider.Page{Cursor: cursor}, nil
	}
	r := seeded(uint64(i), uint64(pos), 7)
	var again []int
	if pos > 0 {
		// Up to 5 of the last two pages' notifications again.
		for range r.intn(6) {
			j := pos - 1 - r.intn(min(pos, 2*n.pageSize))
			if !slices.Contains(again, j) {
				again = append(again, j)
			}
		}
		slices.Sort(again)
	}
	fresh := min(n.pageSize-len(again), n.perAccount-pos)
	items := make([]provider.Item, 0, len(again)+fresh)
	for _, j := range again {
		items = append(items, n.item(i, j))
	}
	for j := pos; j < pos+fresh; j++ {
		items = append(items, n.item(i, j))
	}
	next := pos + fresh
	n.fetched.Add(int64(len(items)))
	n.repeated.Add(int64(len(again)))
	n.mu.Lock()
	n.served[i] = max(n.served[i], next)
	n.mu.Unlock()
	return provider.Page{Items: items, Cursor: strconv.Itoa(next), More: next < n.perAccount}, nil
}

// done reports whether every account was fetched to its end.
func (n *network) done() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, s := range n.served {
		if s < n.perAccount {
			return false
		}
	}
	return true
}

func (n *network) Thread(context.Context, provider.Account, string) ([]provider.Item, error) {
	return nil, nil
}

func (n *network) Act(context.Context, provider.Account, provider.Action, provider.ReplyTo) error {
	return nil
}

func (n *network) Actions(string) []provider.Action { return nil }

// item is account i's notification number j.
func (n *network) item(i, j int) provider.Item {
	return makeItem(n.networks[i], i, j, n.first.Add(time.Duration(j)*n.step), seeded(uint64(i), uint64(j), 1), 20, 30)
}

// remoteID is the network's id of account i's notification j: unique and
// stable per account.
func remoteID(network string, i, j int, author person, kind string) string {
	if network == provider.Mastodon {
		return strconv.FormatInt(113_000_000_000_000_000+int64(i)*10_000_000+int64(j), 10)
	}
	tid := fmt.Sprintf("3l%05x%07x", i, j)
	switch kind {
	case provider.ItemMessage:
		return "msg-" + tid
	case provider.ItemRepost:
		return "at://" + author.did() + "/app.bsky.feed.repost/" + tid
	}
	return "at://" + author.did() + "/app.bsky.feed.post/" + tid
}

// makeItem is a notification of account i: a reply, mention, quote,
// repost or direct message, in Italian or English. Replies, quotes and
// reposts go to one of threads posts of the brand; direct messages come
// from one of dmPeople people.
func makeItem(network string, i, j int, at time.Time, r *rng, threads, dmPeople int) provider.Item {
	kind := provider.ItemReply
	switch roll := r.intn(100); {
	case roll < 55:
	case roll < 70:
		kind = provider.ItemMention
	case roll < 75:
		kind = provider.ItemQuote
	case roll < 88:
		kind = provider.ItemRepost
	default:
		kind = provider.ItemMessage
	}
	var who person
	if kind == provider.ItemMessage {
		who = makePerson(network, i, 100_000+r.intn(dmPeople))
	} else {
		who = makePerson(network, i, r.intn(400))
	}
	id := remoteID(network, i, j, who, kind)
	it := provider.Item{RemoteID: id, Kind: kind, Author: who.Person, CreatedAt: at}
	brand := brandPost(network, i, r.intn(threads))
	switch kind {
	case provider.ItemMention:
		it.Thread = id
	case provider.ItemMessage:
		it.Thread = fmt.Sprintf("dm:%s", who.RemoteID)
		if network == provider.Bluesky {
			it.Thread = fmt.Sprintf("dm:3kconvo%05x%05x", i, who.n)
		}
	default:
		it.Thread, it.SubjectText, it.SubjectURL = brand.id, brand.text, brand.url
	}
	if kind != provider.ItemRepost {
		lang := "it"
		if r.intn(100) < 40 {
			lang = "en"
		}
		it.Text = makeText(r, lang, kind)
		// The network often says the language; otherwise it is detected.
		if r.intn(100) < 60 {
			it.Lang = lang
		}
		it.Reply = &provider.ReplyTo{RemoteID: id}
		switch {
		case kind == provider.ItemMessage && network == provider.Bluesky:
			it.Reply = &provider.ReplyTo{Direct: true, Conversation: strings.TrimPrefix(it.Thread, "dm:")}
		case kind == provider.ItemMessage:
			it.Reply.Direct, it.Reply.Handle = true, who.Handle
		case network == provider.Bluesky:
			it.Reply.CID = fmt.Sprintf("bafyreib%05x%07xq", i, j)
			it.Reply.RootID, it.Reply.RootCID = it.Thread, "bafyreiroot"+it.Thread[len(it.Thread)-8:]
		}
		if kind != provider.ItemMessage {
			it.URL = who.postURL(id)
		}
	}
	return it
}

type post struct{ id, text, url string }

// brandPost is the brand's post number k of account i, the subject of a
// thread.
func brandPost(network string, i, k int) post {
	text := brandTexts[(i+k)%len(brandTexts)]
	if network == provider.Mastodon {
		id := strconv.FormatInt(112_000_000_000_000_000+int64(i)*1000+int64(k), 10)
		return post{id, text, fmt.Sprintf("https://mastodon.example/@brand%d/%s", i, id)}
	}
	tid := fmt.Sprintf("3kbrand%04x%03x", i, k)
	return post{fmt.Sprintf("at://did:plc:brand%06d/app.bsky.feed.post/%s", i, tid), text,
		fmt.Sprintf("https://bsky.app/profile/brand%d.bsky.social/post/%s", i, tid)}
}

type person struct {
	provider.Person
	network string
	n       int
}

func (p person) did() string { return p.RemoteID }

func (p person) postURL(id string) string {
	if p.network == provider.Mastodon {
		return p.URL + "/" + id
	}
	return p.URL + "/post/" + id[strings.LastIndexByte(id, '/')+1:]
}

// makePerson is someone who writes to account i.
func makePerson(network string, i, k int) person {
	r := seeded(uint64(i), uint64(k), 3)
	first := firstNames[r.intn(len(firstNames))]
	last := lastNames[r.intn(len(lastNames))]
	handle := strings.ToLower(first + "." + last + strconv.Itoa(k%97))
	// Followers follow a power law: most have a few hundred, a few have
	// hundreds of thousands.
	followers := int(math.Pow(10, 1+4.5*math.Pow(r.float(), 2.5)))
	p := person{network: network, n: k}
	if network == provider.Mastodon {
		host := instances[r.intn(len(instances))]
		p.Person = provider.Person{RemoteID: strconv.Itoa(109_000_000 + i*1_000_000 + k), Handle: handle + "@" + host,
			Name: first + " " + last, AvatarURL: "https://" + host + "/avatars/" + handle + ".png",
			URL: "https://" + host + "/@" + handle, Followers: followers}
	} else {
		p.Person = provider.Person{RemoteID: fmt.Sprintf("did:plc:u%03d%06dx", i, k), Handle: handle + ".bsky.social",
			Name: first + " " + last, AvatarURL: "https://cdn.bsky.app/img/avatar/plain/" + handle + ".jpg",
			URL: "https://bsky.app/profile/" + handle + ".bsky.social", Followers: followers}
	}
	return p
}

// makeText writes a message: one to eight sentences (most are short),
// negative, positive or neutral.
func makeText(r *rng, lang, kind string) string {
	bank := italian
	if lang == "en" {
		bank = english
	}
	var pool []string
	switch roll := r.intn(100); {
	case roll < 30:
		pool = bank.negative
	case roll < 65:
		pool = bank.positive
	default:
		pool = bank.neutral
	}
	var sentences int
	switch roll := r.intn(100); {
	case roll < 40:
		sentences = 1
	case roll < 70:
		sentences = 2
	case roll < 90:
		sentences = 3 + r.intn(2)
	default:
		sentences = 5 + r.intn(4)
	}
	var b strings.Builder
	if kind == provider.ItemMention || (kind == provider.ItemReply && r.intn(3) == 0) {
		b.WriteString("@brand ")
	}
	for s := range sentences {
		if s > 0 {
			b.WriteByte(' ')
		}
		// Mostly one tone, sometimes a neutral sentence in between.
		if s > 0 && r.intn(4) == 0 {
			b.WriteString(bank.neutral[r.intn(len(bank.neutral))])
		} else {
			b.WriteString(pool[r.intn(len(pool))])
		}
	}
	switch r.intn(10) {
	case 0:
		b.WriteString(" " + bank.tags[r.intn(len(bank.tags))])
	case 1:
		b.WriteString(" https://example.it/ordine/" + strconv.Itoa(10000+r.intn(90000)))
	case 2:
		b.WriteString(" 🙏")
	}
	return b.String()
}

// rng is splitmix64: small, fast, and seeded from the position of what it
// makes, so that the same notification comes out the same on every page.
type rng struct{ s uint64 }

func seeded(parts ...uint64) *rng {
	r := &rng{s: 0x5eed}
	for _, p := range parts {
		r.s ^= p
		r.next()
	}
	return r
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

var firstNames = []string{"Giulia", "Marco", "Francesca", "Luca", "Chiara", "Alessandro", "Sara", "Matteo", "Martina",
	"Davide", "Elena", "Simone", "Valentina", "Andrea", "Federica", "Paolo", "Anna", "Giorgio", "Emily", "James",
	"Olivia", "Daniel", "Sophie", "Thomas", "Hannah", "Lukas", "Marie", "Pablo", "Lucía"}

var lastNames = []string{"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino",
	"Greco", "Bruno", "Gallo", "Conti", "De Luca", "Costa", "Giordano", "Mancini", "Rizzo", "Lombardi", "Moretti",
	"Smith", "Jones", "Taylor", "Brown", "Wilson", "Müller", "García"}

var instances = []string{"mastodon.uno", "mastodon.social", "livellosegreto.it", "sociale.network", "mastodon.bida.im",
	"fosstodon.org", "mas.to"}

var brandTexts = []string{
	"Da oggi il nuovo menù d'autunno è disponibile in tutti i nostri negozi: castagne, zucca e funghi porcini.",
	"Spedizione gratuita per tutto il weekend su ordini sopra i 30 €.",
	"Vi presentiamo la nuova collezione, prodotta interamente in Italia con materiali riciclati. Cosa ne pensate?",
	"Lunedì il servizio clienti resterà chiuso per inventario. Torniamo martedì alle 9.",
	"Our new autumn menu is out today in every shop: chestnuts, pumpkin and porcini.",
	"Abbiamo aggiornato l'app: ora potete seguire l'ordine passo per passo.",
	"Grazie a tutti per i 10.000 follower! Per festeggiare, uno sconto del 15% fino a domenica.",
	"Cerchiamo due persone per il negozio di Bologna: scriveteci in privato.",
	"Free shipping all weekend on orders over €30.",
	"Il nostro caffè ha vinto il premio qualità 2026. Merito di chi lo coltiva.",
}

type phrases struct{ negative, positive, neutral, tags []string }

var italian = phrases{
	negative: []string{
		"Il mio ordine è in ritardo di due settimane e nessuno risponde.",
		"Pessima esperienza, il prodotto è arrivato rotto.",
		"Sono molto deluso dal servizio clienti.",
		"Ho chiesto un rimborso un mese fa e non ho ancora ricevuto niente.",
		"Il pacco non è mai arrivato, è una vergogna.",
		"La qualità è peggiorata tantissimo rispetto all'anno scorso.",
		"L'app continua a bloccarsi quando provo a pagare.",
		"Non comprerò mai più da voi.",
		"Il corriere ha lasciato il pacco sotto la pioggia, tutto rovinato.",
		"Prezzi troppo alti per quello che offrite.",
		"Avevo chiesto la taglia M e mi è arrivata una XL, che delusione.",
		"Il negozio di via Roma era sporco e il personale scortese.",
	},
	positive: []string{
		"Grazie mille, siete stati gentilissimi!",
		"Prodotto fantastico, lo consiglio a tutti.",
		"Servizio clienti rapidissimo, problema risolto in un'ora.",
		"Adoro la nuova collezione, bellissima!",
		"Il caffè è ottimo come sempre.",
		"Consegna veloce e imballaggio perfetto, bravi.",
		"Finalmente un'azienda che ascolta i clienti.",
		"Il personale del negozio di Milano è stato davvero gentile e preparato.",
		"Complimenti per l'iniziativa, ottima idea.",
		"Sono molto soddisfatta dell'acquisto.",
	},
	neutral: []string{
		"Avete ancora disponibile la taglia 42?",
		"A che ora apre il negozio di Torino la domenica?",
		"Quando arriva la nuova collezione?",
		"Si può pagare alla consegna?",
		"Il numero dell'ordine è 48213.",
		"Vorrei sapere se spedite anche in Svizzera.",
		"Ho visto il post di ieri.",
		"Domani passo in negozio.",
		"C'è un modo per cambiare l'indirizzo di spedizione?",
		"Mi mandate il link del regolamento?",
	},
	tags: []string{"#assistenza", "#reclamo", "#consegna", "#madeinitaly", "#grazie"},
}

var english = phrases{
	negative: []string{
		"My order is two weeks late and nobody answers.",
		"Terrible experience, the product arrived broken.",
		"Really disappointed with your customer service.",
		"I asked for a refund a month ago and still nothing.",
		"The parcel never arrived, this is unacceptable.",
		"The app keeps crashing at checkout.",
		"Worst purchase I have made this year.",
		"Way too expensive for what you get.",
		"I ordered a medium and got an XL, so annoying.",
	},
	positive: []string{
		"Thank you so much, you were very kind!",
		"Great product, I recommend it to everyone.",
		"Super fast support, problem solved in an hour.",
		"Love the new collection, beautiful!",
		"Fast delivery and perfect packaging, well done.",
		"Finally a company that listens to its customers.",
		"The staff in the Milan shop were lovely and helpful.",
		"Very happy with my purchase.",
	},
	neutral: []string{
		"Do you still have size 42?",
		"What time does the Turin shop open on Sunday?",
		"When is the new collection coming out?",
		"Can I pay on delivery?",
		"My order number is 48213.",
		"Do you ship to Switzerland?",
		"I saw yesterday's post.",
		"Is there a way to change the delivery address?",
	},
	tags: []string{"#support", "#complaint", "#delivery", "#madeinitaly", "#thanks"},
}
