package i18n

// italianPresence translates the presence audits' findings and fixes (the
// formats internal/presence/siteaudit and internal/presence/profileaudit list
// in Messages), kept apart from the rest of the catalogue because there are
// many and they change together.
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

	// The profile audit (internal/presence/profileaudit): profiles that
	// cannot be read.
	"The %s profile %s cannot be found (%s).": "Non è stato possibile trovare il profilo %s %s (%s).",
	"Check the address or handle of the %s profile in the brand's settings; if the account was deleted or renamed, enter the new one.": "Verificare l'indirizzo o l'handle del profilo %s nelle impostazioni del marchio; se l'account è stato eliminato o rinominato, inserire quello nuovo.",
	"The %s profile %s could not be read now (%s), so it was not checked.":                                                             "Al momento non è stato possibile leggere il profilo %s %s (%s), quindi non è stato verificato.",
	"Run the audit again later.": "Ripetere la verifica più tardi.",

	// Display name and bio.
	"The %s profile %s has no display name: the network shows the bare handle.":                       "Il profilo %s %s non ha un nome visualizzato: la piattaforma mostra soltanto l'handle.",
	"The display name on %s is %q, not the brand's name %q.":                                          "Il nome visualizzato su %s è %q, non il nome del marchio %q.",
	"Set the display name of the %s profile to the brand's name.":                                     "Impostare il nome del marchio come nome visualizzato del profilo %s.",
	"Set the display name of the %s profile to %q.":                                                   "Impostare il nome visualizzato del profilo %s su %q.",
	"Set the display name of the %s profile to a short form of %q: %s allows %d characters.":          "Impostare come nome visualizzato del profilo %s una forma abbreviata di %q: %s consente al massimo %d caratteri.",
	"The %s profile %s has no bio.":                                                                   "Il profilo %s %s non ha una bio.",
	"Write a bio for the %s profile: what the brand does, in one or two sentences, with the website.": "Scrivere una bio per il profilo %s: di che cosa si occupa il marchio, in una o due frasi, con il sito web.",
	"Write a bio for the %s profile; Portavoce can copy the one on %s: %q.":                           "Scrivere una bio per il profilo %s; Portavoce può copiare quella presente su %s: %q.",
	"The bio on %s has %d characters; %s allows %d.":                                                  "La bio su %s ha %d caratteri; %s ne consente %d.",
	"Shorten the bio of the %s profile by %d characters.":                                             "Accorciare la bio del profilo %s di %d caratteri.",

	// Header image and link to the website.
	"The %s profile %s has no header image.":                             "Il profilo %s %s non ha un'immagine di copertina.",
	"Add a header image to the %s profile (%s), in the brand's colours.": "Aggiungere un'immagine di copertina al profilo %s (%s), nei colori del marchio.",
	"The %s profile %s does not link to the brand's website %s.":         "Il profilo %s %s non contiene un link al sito web del marchio %s.",
	"Set the profile field %q to %s (Edit profile → Extra fields), then link back from the site with <a rel=\"me\" href=\"%s\">Mastodon</a> so that Mastodon verifies it.":  "Impostare il campo del profilo %q su %s (Modifica profilo → Campi extra), poi inserire sul sito il link di ritorno <a rel=\"me\" href=\"%s\">Mastodon</a>, così che Mastodon lo verifichi.",
	"The profile has %d fields, the most Mastodon allows: replace one with a field %q set to %s, then link back from the site with <a rel=\"me\" href=\"%s\">Mastodon</a>.": "Il profilo ha già %d campi, il massimo consentito da Mastodon: sostituirne uno con un campo %q impostato su %s, poi inserire sul sito il link di ritorno <a rel=\"me\" href=\"%s\">Mastodon</a>.",
	"Set the profile's website to %s and end the description with it (Edit profile).":                                                                                       "Impostare %s come sito web del profilo e aggiungerlo in fondo alla descrizione (Modifica profilo).",
	"Set the profile's website to %s (Edit profile); the description is too long to add it as well: shorten it by %d characters and add it.":                                "Impostare %s come sito web del profilo (Modifica profilo); la descrizione è troppo lunga per aggiungervi anche il link: accorciarla di %d caratteri e aggiungerlo.",

	// Avatars and the brand's logo.
	"The brand's logo at %s could not be read (%s), so the avatars were not compared with it.":                                                             "Non è stato possibile leggere il logo del marchio all'indirizzo %s (%s), quindi gli avatar non sono stati confrontati con il logo.",
	"Give the address of the logo as a PNG or JPEG image, square, at least 400×400 pixels.":                                                                "Indicare come logo l'indirizzo di un'immagine PNG o JPEG quadrata, di almeno 400×400 pixel.",
	"The %s profile %s has no avatar: the network shows its default picture.":                                                                              "Il profilo %s %s non ha un avatar: la piattaforma mostra l'immagine predefinita.",
	"Upload the brand's logo as the avatar of the %s profile (square, at least 400×400 pixels).":                                                           "Caricare il logo del marchio come avatar del profilo %s (quadrato, di almeno 400×400 pixel).",
	"Upload the brand's logo as the avatar of the %s profile: Portavoce can do it with the logo from the brand's settings.":                                "Caricare il logo del marchio come avatar del profilo %s: Portavoce può farlo con il logo indicato nelle impostazioni del marchio.",
	"The avatar of the %s profile %s could not be read (%s), so it was not compared.":                                                                      "Non è stato possibile leggere l'avatar del profilo %s %s (%s), quindi non è stato confrontato.",
	"The avatar of the %s profile %s is not the brand's logo.":                                                                                             "L'avatar del profilo %s %s non è il logo del marchio.",
	"Replace the avatar of the %s profile with the brand's logo (square, at least 400×400 pixels).":                                                        "Sostituire l'avatar del profilo %s con il logo del marchio (quadrato, di almeno 400×400 pixel).",
	"Replace the avatar of the %s profile with the brand's logo: Portavoce can upload the logo from the brand's settings.":                                 "Sostituire l'avatar del profilo %s con il logo del marchio: Portavoce può caricare il logo indicato nelle impostazioni del marchio.",
	"The avatar of the %s profile %s differs from the one on %s (%s).":                                                                                     "L'avatar del profilo %s %s è diverso da quello su %s (%s).",
	"Use the same picture, the brand's logo, as the avatar on every network; give the logo's address in the brand's settings and Portavoce can upload it.": "Usare la stessa immagine, il logo del marchio, come avatar su tutti i social; indicando l'indirizzo del logo nelle impostazioni del marchio, Portavoce potrà caricarlo.",

	// Mastodon's verified link.
	"The link to %s on the Mastodon profile %s is not verified: Mastodon shows no check mark next to it.":                                                                                                                                           "Il link a %s sul profilo Mastodon %s non è verificato: Mastodon non mostra accanto il segno di spunta.",
	"The page %s already links back with rel=\"me\"; Mastodon checks links when the profile is saved: save it again (Portavoce can do it).":                                                                                                         "La pagina %s contiene già il link di ritorno con rel=\"me\"; Mastodon controlla i link quando il profilo viene salvato: salvarlo di nuovo (Portavoce può farlo).",
	"The page %s already links back with rel=\"me\", but Mastodon checks only https:// addresses: write the field as https:// and save the profile again.":                                                                                          "La pagina %s contiene già il link di ritorno con rel=\"me\", ma Mastodon controlla solo gli indirizzi https://: scrivere il campo con https:// e salvare di nuovo il profilo.",
	"Make sure %s can be opened, and that it contains <a rel=\"me\" href=\"%s\">Mastodon</a> (or <link rel=\"me\" href=\"%s\"> in its <head>); then save the Mastodon profile again.":                                                               "Verificare che %s si apra e che contenga <a rel=\"me\" href=\"%s\">Mastodon</a> (oppure <link rel=\"me\" href=\"%s\"> nel suo <head>); poi salvare di nuovo il profilo Mastodon.",
	"Add <a rel=\"me\" href=\"%s\">Mastodon</a> to the page %s (or <link rel=\"me\" href=\"%s\"> in its <head>), with exactly that address; then save the Mastodon profile again so that it checks.":                                                "Aggiungere <a rel=\"me\" href=\"%s\">Mastodon</a> alla pagina %s (oppure <link rel=\"me\" href=\"%s\"> nel suo <head>), con esattamente quell'indirizzo; poi salvare di nuovo il profilo Mastodon, così che esegua la verifica.",
	"Add <a rel=\"me\" href=\"%s\">Mastodon</a> to the page %s (or <link rel=\"me\" href=\"%s\"> in its <head>), with exactly that address, and write the field as https://: Mastodon checks only https:// addresses; then save the profile again.": "Aggiungere <a rel=\"me\" href=\"%s\">Mastodon</a> alla pagina %s (oppure <link rel=\"me\" href=\"%s\"> nel suo <head>), con esattamente quell'indirizzo, e scrivere il campo con https://: Mastodon controlla solo gli indirizzi https://; poi salvare di nuovo il profilo.",

	// Bluesky's domain handle.
	"The Bluesky handle is %s, not the brand's domain %s: a domain handle shows that the account is the brand's.":                                                                                                                                                                   "L'handle Bluesky è %s, non il dominio del marchio %s: un handle con il proprio dominio dimostra che l'account appartiene al marchio.",
	"The Bluesky handle is %s, not the brand's domain %s: a domain handle shows that the account is the brand's. The domain names another account, %s.":                                                                                                                             "L'handle Bluesky è %s, non il dominio del marchio %s: un handle con il proprio dominio dimostra che l'account appartiene al marchio. Il dominio è associato a un altro account, %s.",
	"The Bluesky handle is %s, not the brand's domain %s: a domain handle shows that the account is the brand's. Its set-up could not be checked (%s).":                                                                                                                             "L'handle Bluesky è %s, non il dominio del marchio %s: un handle con il proprio dominio dimostra che l'account appartiene al marchio. Non è stato possibile verificare la configurazione del dominio (%s).",
	"The domain %s already names the Bluesky account %s (%s), but the account still uses the handle %s.":                                                                                                                                                                            "Il dominio %s è già associato all'account Bluesky %s (%s), ma l'account usa ancora l'handle %s.",
	"In Bluesky open Settings → Account → Handle → \"I have my own domain\" and enter %s: the domain is already set up.":                                                                                                                                                            "In Bluesky aprire Impostazioni → Account → Nome utente → \"Ho il mio dominio\" e inserire %s: il dominio è già configurato.",
	"To use @%s as the handle, add a DNS TXT record named _atproto.%s with the value did=%s (or serve the text %s at https://%s/.well-known/atproto-did); then in Bluesky open Settings → Account → Handle → \"I have my own domain\" and enter %s.":                                "Per usare @%s come handle, aggiungere un record DNS TXT con nome _atproto.%s e valore did=%s (oppure pubblicare il testo %s all'indirizzo https://%s/.well-known/atproto-did); poi in Bluesky aprire Impostazioni → Account → Nome utente → \"Ho il mio dominio\" e inserire %s.",
	"Replace the domain's Bluesky record with this account's: add a DNS TXT record named _atproto.%s with the value did=%s (or serve the text %s at https://%s/.well-known/atproto-did); then in Bluesky open Settings → Account → Handle → \"I have my own domain\" and enter %s.": "Sostituire il record Bluesky del dominio con quello di questo account: impostare un record DNS TXT con nome _atproto.%s e valore did=%s (oppure pubblicare il testo %s all'indirizzo https://%s/.well-known/atproto-did); poi in Bluesky aprire Impostazioni → Account → Nome utente → \"Ho il mio dominio\" e inserire %s.",

	// Handles across networks.
	"The handles differ across networks: %s.":                                                           "Gli handle sono diversi da un social all'altro: %s.",
	"Use the same name on every network where it is free, so that people who know one find the others.": "Usare lo stesso nome su tutti i social in cui è disponibile, così che chi ne conosce uno trovi anche gli altri.",
}
