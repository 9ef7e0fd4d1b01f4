package i18n

// italianPresence translates the presence audit's findings and fixes (the
// formats internal/presence/siteaudit lists in Messages), kept apart from
// the rest of the catalogue because there are many and they change together.
var italianPresence = map[string]string{
	// The home page and the pages it links to.
	"The home page answers with HTTP status %d instead of the page: nobody, Google included, can see the site": "La home page risponde con lo stato HTTP %d invece di mostrare la pagina: nessuno, Google compreso, può vedere il sito",
	"Make %s answer with the page (HTTP 200): check the web server, the hosting and the redirects":             "Fare in modo che %s restituisca la pagina (HTTP 200): verificare il server web, l'hosting e i redirect",
	"The home page is not an HTML page (it is %s)":                                                             "La home page non è una pagina HTML (è %s)",
	"Make %s serve the HTML home page (Content-Type: text/html)":                                               "Fare in modo che %s restituisca la home page in HTML (Content-Type: text/html)",
	"The page %s, linked from the home page, could not be read: %s":                                            "Non è stato possibile leggere la pagina %s, linkata dalla home page: %s",
	"Make %s answer with the page (HTTP 200), or fix or remove the link to it on the home page":                "Fare in modo che %s restituisca la pagina (HTTP 200), oppure correggere o eliminare il link che vi punta dalla home page",

	// Indexing: robots.txt and noindex.
	"robots.txt could not be read (%s): Google stops crawling a site whose robots.txt fails with a server error":                                                "Non è stato possibile leggere il robots.txt (%s): Google smette di scansionare un sito il cui robots.txt risponde con un errore del server",
	"Make %s answer with HTTP 200 (the file) or 404 (no file); never with a server error or a timeout":                                                          "Fare in modo che %s risponda con HTTP 200 (il file) o 404 (nessun file), mai con un errore del server o un timeout",
	"robots.txt forbids %s to crawl the home page":                                                                                                              "Il robots.txt vieta a %s di scansionare la home page",
	"robots.txt forbids %s to crawl %s":                                                                                                                         "Il robots.txt vieta a %s di scansionare %s",
	"In robots.txt, remove or narrow these lines:\n%s":                                                                                                          "Nel robots.txt, eliminare queste righe o restringerne la portata:\n%s",
	"The home page asks search engines not to index it (%s): it cannot appear on Google":                                                                        "La home page chiede ai motori di ricerca di non indicizzarla (%s): non può comparire su Google",
	"This page asks search engines not to index it (%s): it cannot appear on Google":                                                                            "Questa pagina chiede ai motori di ricerca di non indicizzarla (%s): non può comparire su Google",
	"Remove what asks not to index the page: the meta tags from its <head>, the X-Robots-Tag headers from the configuration of the web server, CDN or CMS:\n%s": "Eliminare ciò che chiede di non indicizzare la pagina: i meta tag dal suo <head> e gli header X-Robots-Tag dalla configurazione del server web, della CDN o del CMS:\n%s",

	// Structured data.
	"The site has no Organization or LocalBusiness structured data (JSON-LD): Google cannot tie the site to the brand, its logo and its profiles": "Il sito non ha dati strutturati (JSON-LD) di tipo Organization o LocalBusiness: Google non può collegare il sito al marchio, al suo logo e ai suoi profili",
	"Paste this in the <head> of the home page, after checking every value:\n%s":                                                                  "Incollare questo codice nel <head> della home page, dopo averne verificato ogni valore:\n%s",
	"JSON-LD block number %d on this page is not valid JSON (%s): Google ignores it":                                                              "Il blocco JSON-LD numero %d di questa pagina non è un JSON valido (%s): Google lo ignora",
	"Replace the block with valid JSON-LD; for the brand, after checking every value:\n%s":                                                        "Sostituire il blocco con un JSON-LD valido; per il marchio, dopo averne verificato ogni valore:\n%s",
	"The structured data describes the brand as %s, not as a LocalBusiness: Google Maps and local results need a LocalBusiness with its address":  "I dati strutturati descrivono il marchio come %s, non come LocalBusiness: Google Maps e i risultati locali richiedono un LocalBusiness con il suo indirizzo",
	"The %s structured data lacks: %s":                                                                                                      "Nei dati strutturati %s mancano: %s",
	"Replace the JSON-LD of the home page with this one, after checking every value:\n%s":                                                   "Sostituire il JSON-LD della home page con questo, dopo averne verificato ogni valore:\n%s",
	"The logo in the structured data (%s) does not load as an image: %s":                                                                    "Il logo nei dati strutturati (%s) non si carica come immagine: %s",
	"Set \"logo\" to the address of a PNG, JPEG, WebP or SVG image of at least 112×112 pixels that loads without a login, for example:\n%s": "Impostare \"logo\" sull'indirizzo di un'immagine PNG, JPEG, WebP o SVG di almeno 112×112 pixel che si carichi senza login, per esempio:\n%s",
	"The logo in the structured data is %d×%d pixels: Google wants at least 112×112":                                                        "Il logo nei dati strutturati è di %d×%d pixel: Google ne richiede almeno 112×112",
	"Set \"logo\" to a larger version of the logo (at least 112×112 pixels, square works best) instead of %s":                               "Impostare \"logo\" su una versione più grande del logo (almeno 112×112 pixel, meglio se quadrata) al posto di %s",
	"The structured data's sameAs does not list the profile %s: Google may not tie it to the brand":                                         "Il sameAs dei dati strutturati non elenca il profilo %s: Google potrebbe non collegarlo al marchio",
	"The structured data's sameAs lists %s, which is not among the brand's profiles: remove it if it is old or not the brand's":             "Il sameAs dei dati strutturati elenca %s, che non è tra i profili del marchio: eliminarlo se è obsoleto o non appartiene al marchio",
	"The structured data's sameAs lists %s, which no longer exists (HTTP %d)":                                                               "Il sameAs dei dati strutturati elenca %s, che non esiste più (HTTP %d)",
	"Set sameAs in the JSON-LD to:\n%s":                                                                                                     "Impostare sameAs nel JSON-LD così:\n%s",

	// Link previews: Open Graph and Twitter cards.
	"The page has no og:title: the networks guess the title of its link preview":                                   "La pagina non ha og:title: i social ricavano da sé il titolo dell'anteprima del link",
	"The page has no og:description: the link preview has no text or a guessed one":                                "La pagina non ha og:description: l'anteprima del link resta senza testo o ne mostra uno ricavato in automatico",
	"The page has no og:image: its link preview has no image, or a guessed one":                                    "La pagina non ha og:image: l'anteprima del link resta senza immagine, o ne mostra una scelta in automatico",
	"Add to the <head> an image of 1200×630 pixels (PNG or JPEG, under 5 MB):\n%s":                                 "Aggiungere nel <head> un'immagine di 1200×630 pixel (PNG o JPEG, sotto i 5 MB):\n%s",
	"The %s address %s is relative: Open Graph wants an absolute address, and some networks ignore a relative one": "Il tag %s punta all'indirizzo relativo %s: Open Graph richiede un indirizzo assoluto e alcuni social ignorano quelli relativi",
	"The image named by %s (%s) does not load: %s":                                                                 "L'immagine indicata da %s (%s) non si carica: %s",
	"Make %s answer with the image, or point the tag to an image that loads without a login":                       "Fare in modo che %s restituisca l'immagine, oppure far puntare il tag a un'immagine che si carichi senza login",
	"The %s address %s is not an image the networks can show: %s":                                                  "Il tag %s punta a %s, che non è un'immagine che i social possano mostrare: %s",
	"Point the tag to a PNG, JPEG or WebP image of 1200×630 pixels instead of %s":                                  "Far puntare il tag a un'immagine PNG, JPEG o WebP di 1200×630 pixel al posto di %s",
	"The image named by %s (%s) is larger than %d MB: the networks may not download it":                            "L'immagine indicata da %s (%s) supera i %d MB: i social potrebbero non scaricarla",
	"Compress %s (JPEG or WebP) to well under 5 MB; 1200×630 pixels are enough":                                    "Comprimere %s (JPEG o WebP) ben al di sotto dei 5 MB; bastano 1200×630 pixel",
	"The image named by %s is %d×%d pixels: the networks do not show images smaller than 200×200":                  "L'immagine indicata da %s è di %d×%d pixel: i social non mostrano immagini più piccole di 200×200",
	"The image named by %s is %d×%d pixels: 1200×630 is recommended for a large preview":                           "L'immagine indicata da %s è di %d×%d pixel: per un'anteprima grande si consiglia 1200×630",
	"Replace %s with an image of 1200×630 pixels":                                                                  "Sostituire %s con un'immagine di 1200×630 pixel",
	"The page has no twitter:card: X shows its link as a small card or as a bare link":                             "La pagina non ha twitter:card: X ne mostra il link come scheda piccola o come semplice link",
	"Add to the <head>:\n%s":          "Aggiungere nel <head>:\n%s",
	"Write the absolute address:\n%s": "Scrivere l'indirizzo assoluto:\n%s",

	// Search result basics.
	"The page declares no canonical URL: Google picks one itself among the addresses that show it":        "La pagina non dichiara un URL canonical: Google ne sceglie uno da sé tra gli indirizzi che la mostrano",
	"The canonical URL %s is relative: Google recommends an absolute one":                                 "L'URL canonical %s è relativo: Google consiglia un indirizzo assoluto",
	"The canonical URL %s is on another site: Google may index that site instead of this page":            "L'URL canonical %s è su un altro sito: Google potrebbe indicizzare quel sito al posto di questa pagina",
	"Point the canonical URL to this page:\n%s":                                                           "Far puntare l'URL canonical a questa pagina:\n%s",
	"The page declares %d different canonical URLs: Google ignores them all":                              "La pagina dichiara %d URL canonical diversi: Google li ignora tutti",
	"Keep only one, in the <head>:\n%s":                                                                   "Mantenerne uno solo, nel <head>:\n%s",
	"The page does not declare its language":                                                              "La pagina non dichiara la propria lingua",
	"Declare the language of the page on the html element, for example:\n%s":                              "Dichiarare la lingua della pagina nell'elemento html, per esempio:\n%s",
	"The page has no title: Google makes one up for its search result":                                    "La pagina non ha un titolo: Google ne crea uno da sé per il risultato di ricerca",
	"Add to the <head> a title of 30 to 60 characters, for example:\n%s":                                  "Aggiungere nel <head> un titolo da 30 a 60 caratteri, per esempio:\n%s",
	"The title has %d characters: 30 to 60 describe the page best in search results":                      "Il titolo ha %d caratteri: tra 30 e 60 descrivono meglio la pagina nei risultati di ricerca",
	"Make the title 30 to 60 characters long, for example:\n%s":                                           "Portare il titolo tra 30 e 60 caratteri, per esempio:\n%s",
	"The title has %d characters: Google cuts titles longer than about 60":                                "Il titolo ha %d caratteri: Google tronca i titoli oltre i 60 circa",
	"Shorten the title to 60 characters at most, for example:\n%s":                                        "Accorciare il titolo a 60 caratteri al massimo, per esempio:\n%s",
	"The page has no meta description: Google picks a snippet of text for its search result":              "La pagina non ha una meta description: Google sceglie da sé un estratto del testo per il risultato di ricerca",
	"Add to the <head> a description of 70 to 160 characters, for example:\n%s":                           "Aggiungere nel <head> una descrizione da 70 a 160 caratteri, per esempio:\n%s",
	"The meta description has %d characters: 70 to 160 describe the page best in search results":          "La meta description ha %d caratteri: tra 70 e 160 descrivono meglio la pagina nei risultati di ricerca",
	"Make the description 70 to 160 characters long, for example:\n%s":                                    "Portare la descrizione tra 70 e 160 caratteri, per esempio:\n%s",
	"The meta description has %d characters: Google cuts descriptions longer than about 160":              "La meta description ha %d caratteri: Google tronca le descrizioni oltre i 160 circa",
	"Shorten the description to 160 characters at most, for example:\n%s":                                 "Accorciare la descrizione a 160 caratteri al massimo, per esempio:\n%s",
	"The site has no favicon: Google shows a generic icon next to its search results":                     "Il sito non ha una favicon: Google mostra un'icona generica accanto ai suoi risultati di ricerca",
	"Publish a square icon (48×48 pixels or a multiple, or SVG) and add to the <head> of every page:\n%s": "Pubblicare un'icona quadrata (48×48 pixel o un multiplo, oppure SVG) e aggiungere nel <head> di ogni pagina:\n%s",
	"The favicon %s does not load as an image: %s":                                                        "La favicon %s non si carica come immagine: %s",
	"Make %s answer with the icon, or point the tag to an icon that loads":                                "Fare in modo che %s restituisca l'icona, oppure far puntare il tag a un'icona che si carichi",

	// Mastodon verification.
	"The home page has no rel=\"me\" link to the Mastodon profile %s: Mastodon cannot show the website as verified":                  "La home page non ha un link rel=\"me\" al profilo Mastodon %s: Mastodon non può mostrare il sito come verificato",
	"Add to the home page (a visible link, or in the <head>):\n%s":                                                                   "Aggiungere alla home page (come link visibile oppure nel <head>):\n%s",
	"The rel=\"me\" link %s does not match the Mastodon profile %s exactly: Mastodon compares the two addresses as they are written": "Il link rel=\"me\" %s non corrisponde esattamente al profilo Mastodon %s: Mastodon confronta i due indirizzi così come sono scritti",
	"Write the link with the profile's address exactly:\n%s":                                                                         "Scrivere il link con l'indirizzo esatto del profilo:\n%s",

	// Sitemaps.
	"The site has no sitemap: Google finds its pages only by following links":                                     "Il sito non ha una sitemap: Google ne trova le pagine solo seguendo i link",
	"Publish this file at %s and add this line to robots.txt:\nSitemap: %s\n\n%s":                                 "Pubblicare questo file all'indirizzo %s e aggiungere questa riga al robots.txt:\nSitemap: %s\n\n%s",
	"The sitemap %s could not be read: %s":                                                                        "Non è stato possibile leggere la sitemap %s: %s",
	"Make %s a sitemap: an XML <urlset> with one <url><loc> per page, or a plain list of addresses, one per line": "Fare in modo che %s sia una sitemap: un file XML <urlset> con un <url><loc> per pagina, oppure un semplice elenco di indirizzi, uno per riga",
	"The sitemap does not list %s":                                                                                "La sitemap non include %s",
	"Add to the sitemap:\n%s":                                                                                     "Aggiungere alla sitemap:\n%s",
}
