package i18n

// italianListening translates social listening: its page, the mistakes its
// topics can have, and its spike alerts.
var italianListening = map[string]string{
	// Kinds of topic and of alert.
	"Brand":                             "Marchio",
	"Competitor":                        "Concorrente",
	"Market segment":                    "Segmento di mercato",
	"Campaign":                          "Campagna",
	"More mentions than usual":          "Più menzioni del solito",
	"More negative mentions than usual": "Più menzioni negative del solito",

	// The page.
	"Recent alerts":                     "Avvisi recenti",
	"%d mentions, against %.1f usually": "%d menzioni, contro %.1f di solito",
	"See the mentions":                  "Vedi le menzioni",
	"Views":                             "Viste",
	"Mentions":                          "Menzioni",
	"Leads":                             "Potenziali clienti",
	"Lead":                              "Potenziale cliente",
	"Posts of people about to buy: asking for advice, or saying what they look for.": "Post di persone pronte ad acquistare: chiedono consigli o dicono cosa cercano.",
	"Topic":                              "Argomento",
	"Source":                             "Fonte",
	"Author":                             "Autore",
	"Site":                               "Sito",
	"From":                               "Dal",
	"To":                                 "Al",
	"Search":                             "Cerca",
	"words, \"a phrase\", -excluded":     "parole, \"una frase\", -escluse",
	"Show repeated posts":                "Mostra i post ripetuti",
	"Trends":                             "Andamento",
	"%s to %s":                           "dal %s al %s",
	"Mentions per day, all and negative": "Menzioni al giorno, tutte e negative",
	"Share of voice: the brand and its competitors": "Share of voice: il marchio e i suoi concorrenti",
	"All mentions": "Tutte le menzioni",
	"No mentions of the brand or its competitors in this period.": "Nessuna menzione del marchio o dei suoi concorrenti in questo periodo.",
	"Top authors":          "Autori principali",
	"Top sites":            "Siti principali",
	"None in this period.": "Nessuno in questo periodo.",
	"No topic yet: add the brand, its competitors or its market below, and what people write about them appears here.": "Ancora nessun argomento: aggiungi qui sotto il marchio, i concorrenti o il mercato, e ciò che le persone ne scrivono comparirà qui.",
	"No mention matches these filters.":                   "Nessuna menzione corrisponde a questi filtri.",
	"No mention yet. New ones appear here by themselves.": "Ancora nessuna menzione. Quelle nuove compaiono qui da sole.",
	"reach %d":              "pubblico %d",
	"corrected":             "corretto",
	"Repeated post":         "Post ripetuto",
	"Correct the sentiment": "Correggi il sentiment",
	"Older mentions":        "Menzioni precedenti",

	// Topics.
	"Topics":                                "Argomenti",
	"Kind":                                  "Tipo di argomento",
	"Query":                                 "Query",
	"Active":                                "Attivo",
	"Yes":                                   "Sì",
	"No":                                    "No",
	"Delete the topic %s and its mentions?": "Eliminare l'argomento %s e le sue menzioni?",
	"No topic yet: an owner or a manager adds what the workspace listens for.": "Ancora nessun argomento: un titolare o un manager aggiunge ciò che il workspace ascolta.",
	"Change the topic": "Modifica l'argomento",
	"New topic":        "Nuovo argomento",
	"Words and \"phrases\", joined by AND, OR, NOT and NEAR/5; #hashtags; author:, site: and lang: narrow it. For example: (\"caffè rossi\" OR #caffèrossi) AND NOT lavoro": "Parole e \"frasi\", unite da AND, OR, NOT e NEAR/5; #hashtag; author:, site: e lang: restringono la ricerca. Per esempio: (\"caffè rossi\" OR #caffèrossi) AND NOT lavoro",
	"Active: listen for it now":                         "Attivo: ascoltalo da subito",
	"Send spike alerts by email to owners and managers": "Invia gli avvisi di picco per email a titolari e manager",
	"Webhook for spike alerts (optional)":               "Webhook per gli avvisi di picco (facoltativo)",
	"Preview":                                           "Anteprima",
	"Cancel":                                            "Annulla",
	"%d of the %d latest posts match":                   "%d degli ultimi %d post corrispondono",
	"The first %d are shown.":                           "Sono mostrati i primi %d.",
	"Listening has stored no posts yet: the preview has nothing to try the query on.": "L'ascolto non ha ancora salvato nessun post: l'anteprima non ha su cosa provare la query.",

	// Sources.
	"Sources":           "Fonti",
	"Reads":             "Legge",
	"State":             "Stato",
	"Posts received":    "Post ricevuti",
	"connected":         "collegata",
	"not connected":     "non collegata",
	"last error: %s":    "ultimo errore: %s",
	"tries again at %s": "riprova alle %s",
	"No source is reading yet: the administrator sets them up on the server.": "Nessuna fonte è ancora attiva: le configura l'amministratore sul server.",

	// Confirmations.
	"The topic was saved: the posts that match it from now on appear here.": "L'argomento è stato salvato: i post che gli corrispondono da ora in poi compaiono qui.",
	"The topic and its mentions were deleted.":                              "L'argomento e le sue menzioni sono stati eliminati.",
	"The sentiment was corrected.":                                          "Il sentiment è stato corretto.",

	// Mistakes.
	"your role does not see listening":                                                            "il tuo ruolo non ha accesso all'ascolto",
	"only owners and managers change what the workspace listens for":                              "solo titolari e manager possono cambiare ciò che il workspace ascolta",
	"write the query: words, \"phrases\", AND, OR, NOT, NEAR/n, #hashtags, author:, site:, lang:": "scrivi la query: parole, \"frasi\", AND, OR, NOT, NEAR/n, #hashtag, author:, site:, lang:",
	"the query has a mistake at character %d: %s":                                                 "la query contiene un errore al carattere %d: %s",
	"give the topic a name, such as the brand's":                                                  "dai un nome all'argomento, per esempio quello del marchio",
	"a topic's name is at most 100 characters":                                                    "il nome di un argomento può avere al massimo 100 caratteri",
	"choose what the topic is: brand, competitor, segment or campaign":                            "scegli il tipo di argomento: marchio, concorrente, segmento o campagna",
	"a query is at most 4000 characters":                                                          "una query può avere al massimo 4000 caratteri",
	"the webhook is a web address (https://...)":                                                  "il webhook è un indirizzo web (https://...)",
	"the sentiment is positive, neutral or negative":                                              "il sentiment è positivo, neutro o negativo",
	"a date is written as year-month-day, like 2026-05-31":                                        "una data si scrive anno-mese-giorno, per esempio 2026-05-31",
	"the end of the period comes before its start":                                                "la fine del periodo viene prima del suo inizio",

	// The API's filters (internal/web/listening_api.go).
	"sentiment is negative, neutral or positive":         "il sentiment è negativo, neutro o positivo",
	"before is what the previous page's next link gives": "before è il valore che dà il link next della pagina precedente",

	// Sources a workspace adds.
	"a feed is a web address (https://...), such as a Google Alerts feed": "un feed è un indirizzo web (https://...), per esempio un feed di Google Alert",
	"write the words to search for (at most 200 characters)":              "scrivi le parole da cercare (al massimo 200 caratteri)",
	"write the instance and the hashtag, such as mastodon.social#caffe":   "scrivi l'istanza e l'hashtag, per esempio mastodon.social#caffe",
	"choose a kind of source: rss, mastodon, hn or reddit":                "scegli un tipo di fonte: rss, mastodon, hn o reddit",
	"this server does not read the workspaces' own sources":               "questo server non legge le fonti proprie dei workspace",
	"unknown kind of source %s":                                           "tipo di fonte sconosciuto: %s",

	// Spike alerts, by email.
	"More mentions than usual of %s":                                           "Più menzioni del solito di %s",
	"More negative mentions than usual of %s":                                  "Più menzioni negative del solito di %s",
	"%d mentions of %s since %s, against %.1f in a usual 10 minutes.":          "%d menzioni di %s dalle %s, contro %.1f in 10 minuti di solito.",
	"%d negative mentions of %s since %s, against %.1f in a usual 10 minutes.": "%d menzioni negative di %s dalle %s, contro %.1f in 10 minuti di solito.",
}
