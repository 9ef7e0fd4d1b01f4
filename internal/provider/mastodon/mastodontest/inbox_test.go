package mastodontest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portavoce/portavoce/internal/provider/mastodon/mastodontest"
	"github.com/portavoce/portavoce/internal/provider/providertest"
)

type notificationEntity struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	GroupKey string `json:"group_key"`
	Account  struct {
		ID   string `json:"id"`
		Acct string `json:"acct"`
	} `json:"account"`
	Status *struct {
		ID              string  `json:"id"`
		Visibility      string  `json:"visibility"`
		InReplyToID     *string `json:"in_reply_to_id"`
		FavouritesCount int     `json:"favourites_count"`
		Account         struct {
			ID string `json:"id"`
		} `json:"account"`
		Quote *struct {
			State        string `json:"state"`
			QuotedStatus *struct {
				ID string `json:"id"`
			} `json:"quoted_status"`
		} `json:"quote"`
	} `json:"status"`
}

func notifications(t *testing.T, srv *mastodontest.Server, token, query string) ([]notificationEntity, map[string]string) {
	t.Helper()
	a := do(t, srv, request{method: http.MethodGet, path: "/api/v1/notifications?" + query, token: token})
	if a.status != 200 {
		t.Fatalf("notifications %s: %d %s", query, a.status, a.body)
	}
	var out []notificationEntity
	a.json(t, &out)
	return out, linksOf(a.header)
}

var linkRE = regexp.MustCompile(`<([^>]+)>; rel="(next|prev)"`)

func linksOf(h http.Header) map[string]string {
	m := map[string]string{}
	for _, l := range linkRE.FindAllStringSubmatch(h.Get("Link"), -1) {
		m[l[2]] = l[1]
	}
	return m
}

func ids(ns []notificationEntity) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.ID)
	}
	return out
}

func TestNotificationsPaging(t *testing.T) {
	srv := newServer(t)
	anna, annaToken := srv.CreateAccount("anna")
	bob, _ := srv.CreateAccount("bob")
	var own statusEntity
	post(t, srv, annaToken, url.Values{"status": {"Il menù di oggi"}}, "").json(t, &own)
	for i := range 85 {
		srv.Mention(bob, fmt.Sprintf("@anna numero %d", i), "")
	}
	srv.Favourite(bob, own.ID)
	all := srv.Notifications(anna)
	if len(all) != 86 || all[85].Type != "favourite" {
		t.Fatalf("anna has %d notifications", len(all))
	}

	page, links := notifications(t, srv, annaToken, "")
	if len(page) != 40 || page[0].ID != all[85].ID || page[39].ID != all[46].ID {
		t.Fatalf("default page: %d from %s", len(page), page[0].ID)
	}
	if !strings.Contains(links["next"], "max_id="+all[46].ID) || !strings.Contains(links["prev"], "min_id="+all[85].ID) {
		t.Fatalf("links %v", links)
	}
	page, _ = notifications(t, srv, annaToken, "limit=200")
	if len(page) != 80 {
		t.Fatalf("limit above 80 gave %d", len(page))
	}

	// Forward from a cursor with min_id: the oldest after it, newest first;
	// the links keep the types asked for.
	q := url.Values{"types[]": {"mention"}, "limit": {"40"}, "min_id": {all[9].ID}}
	page, links = notifications(t, srv, annaToken, q.Encode())
	if len(page) != 40 || page[0].ID != all[49].ID || page[39].ID != all[10].ID {
		t.Fatalf("min_id page: %d, %s…%s", len(page), page[0].ID, page[len(page)-1].ID)
	}
	prev, _ := url.Parse(links["prev"])
	if prev.Query().Get("min_id") != all[49].ID || !slices.Equal(prev.Query()["types[]"], []string{"mention"}) ||
		prev.Query().Get("limit") != "40" {
		t.Fatalf("prev link %q", links["prev"])
	}
	page, links = notifications(t, srv, annaToken, prev.RawQuery)
	page2, _ := notifications(t, srv, annaToken, url.Values{"types[]": {"mention"}, "min_id": {all[49].ID}}.Encode())
	if len(page) != 35 || page[0].ID != all[84].ID || !slices.Equal(ids(page), ids(page2)) || links["next"] != "" {
		t.Fatalf("following prev: %d, links %v", len(page), links)
	}

	cases := []struct {
		query string
		want  []string
	}{
		{"types[]=favourite", []string{all[85].ID}},
		{"types[]=favourite&types[]=unknown", []string{all[85].ID}},
		{"types[]=unknown", nil},
		{"exclude_types[]=mention", []string{all[85].ID}},
		{"types[]=mention&exclude_types[]=mention", nil},
		{"since_id=" + all[83].ID, []string{all[85].ID, all[84].ID}},
		{"max_id=" + all[2].ID, []string{all[1].ID, all[0].ID}},
		{"min_id=" + all[0].ID + "&max_id=" + all[3].ID, []string{all[2].ID, all[1].ID}},
		{"account_id=" + anna, nil},
		{"account_id=" + bob + "&types[]=favourite", []string{all[85].ID}},
	}
	for _, c := range cases {
		page, links := notifications(t, srv, annaToken, c.query)
		if !slices.Equal(ids(page), c.want) {
			t.Errorf("%s: %v, want %v", c.query, ids(page), c.want)
		}
		if len(page) == 0 && len(links) != 0 {
			t.Errorf("%s: links %v on an empty page", c.query, links)
		}
	}

	one := do(t, srv, request{method: http.MethodGet, path: "/api/v1/notifications/" + all[0].ID, token: annaToken})
	var n notificationEntity
	one.json(t, &n)
	if one.status != 200 || n.Type != "mention" || n.Account.ID != bob || n.GroupKey != "ungrouped-"+all[0].ID {
		t.Fatalf("one notification: %d %s", one.status, one.body)
	}
}

func TestWhatNotifies(t *testing.T) {
	srv := newServer(t)
	anna, annaToken := srv.CreateAccount("anna")
	bob, bobToken := srv.CreateAccount("bob")
	carla, carlaToken := srv.CreateAccount("carla")
	var own statusEntity
	post(t, srv, annaToken, url.Values{"status": {"Nuovo orario"}}, "").json(t, &own)

	// Through the API, a reply without the mention notifies no one, as on
	// Mastodon; with it, the person mentioned.
	post(t, srv, bobToken, url.Values{"status": {"Bello"}, "in_reply_to_id": {own.ID}}, "")
	if n := srv.Notifications(anna); len(n) != 0 {
		t.Fatalf("a reply without mention notified: %+v", n)
	}
	var reply statusEntity
	post(t, srv, bobToken, url.Values{"status": {"@anna bello"}, "in_reply_to_id": {own.ID}}, "").json(t, &reply)
	// The helper writes the mention, as Mastodon's composer does.
	helperReply := srv.Mention(carla, "Anche per me", own.ID)
	// Direct statuses reach whom they mention only.
	dm := srv.DirectMessage(bob, anna, "Ci sei domani?")
	quote := srv.Quote(carla, own.ID, "Da leggere")
	srv.Boost(bob, own.ID)
	if again := srv.Boost(bob, own.ID); len(srv.Boosts(own.ID)) != 1 || again == "" {
		t.Fatalf("boosting twice: %v", srv.Boosts(own.ID))
	}
	srv.Favourite(carla, own.ID)
	srv.Favourite(anna, own.ID) // one's own: no notification

	var got []string
	for _, n := range srv.Notifications(anna) {
		got = append(got, n.Type+":"+n.StatusID)
	}
	want := []string{"mention:" + reply.ID, "mention:" + helperReply, "mention:" + dm, "quote:" + quote, "reblog:" + own.ID, "favourite:" + own.ID}
	if !slices.Equal(got, want) {
		t.Fatalf("notifications %v, want %v", got, want)
	}
	if texts := srv.Replies(own.ID); len(texts) != 3 || texts[2].Text != "@anna Anche per me" {
		t.Fatalf("replies %+v", texts)
	}

	// The direct status is anna's and bob's only.
	for _, c := range []struct {
		token string
		want  int
	}{{annaToken, 200}, {bobToken, 200}, {carlaToken, 404}, {"", 404}} {
		if a := do(t, srv, request{method: http.MethodGet, path: "/api/v1/statuses/" + dm, token: c.token}); a.status != c.want {
			t.Errorf("direct status seen by %q: %d, want %d", c.token, a.status, c.want)
		}
	}
	page, _ := notifications(t, srv, annaToken, "types[]=quote")
	if len(page) != 1 || page[0].Status.Quote == nil || page[0].Status.Quote.State != "accepted" ||
		page[0].Status.Quote.QuotedStatus.ID != own.ID || page[0].Account.ID != carla {
		t.Fatalf("quote notification %+v", page)
	}
	page, _ = notifications(t, srv, annaToken, "types[]=reblog")
	if len(page) != 1 || page[0].Status.ID != own.ID || page[0].Status.Account.ID != anna || page[0].Account.ID != bob {
		t.Fatalf("reblog notification %+v", page)
	}
}

func TestFavouriteAndReblog(t *testing.T) {
	srv := newServer(t)
	anna, annaToken := srv.CreateAccount("anna")
	bob, bobToken := srv.CreateAccount("bob")
	var own statusEntity
	post(t, srv, annaToken, url.Values{"status": {"Da condividere"}}, "").json(t, &own)

	for range 2 {
		a := do(t, srv, request{method: http.MethodPost, path: "/api/v1/statuses/" + own.ID + "/favourite", token: bobToken})
		var v struct {
			ID              string `json:"id"`
			Favourited      bool   `json:"favourited"`
			FavouritesCount int    `json:"favourites_count"`
		}
		a.json(t, &v)
		if a.status != 200 || v.ID != own.ID || !v.Favourited || v.FavouritesCount != 1 {
			t.Fatalf("favourite: %d %s", a.status, a.body)
		}
	}
	if f := srv.Favourites(own.ID); !slices.Equal(f, []string{bob}) {
		t.Fatalf("favourites %v", f)
	}
	var boosts []string
	for range 2 {
		a := do(t, srv, request{method: http.MethodPost, path: "/api/v1/statuses/" + own.ID + "/reblog", token: bobToken})
		var v struct {
			ID      string `json:"id"`
			Account struct {
				ID string `json:"id"`
			} `json:"account"`
			Reblog *struct {
				ID           string `json:"id"`
				Reblogged    bool   `json:"reblogged"`
				ReblogsCount int    `json:"reblogs_count"`
			} `json:"reblog"`
		}
		a.json(t, &v)
		if a.status != 200 || v.Reblog == nil || v.Reblog.ID != own.ID || !v.Reblog.Reblogged || v.Reblog.ReblogsCount != 1 ||
			v.Account.ID != bob || v.ID == own.ID {
			t.Fatalf("reblog: %d %s", a.status, a.body)
		}
		boosts = append(boosts, v.ID)
	}
	if boosts[0] != boosts[1] || !slices.Equal(srv.Boosts(own.ID), []string{bob}) {
		t.Fatalf("boosting twice gave %v, boosts %v", boosts, srv.Boosts(own.ID))
	}
	if n := srv.Notifications(anna); len(n) != 2 {
		t.Fatalf("repeats notified again: %+v", n)
	}

	dm := srv.DirectMessage(bob, anna, "Segreto")
	cases := []struct {
		name, path, token string
		status            int
		error             string
	}{
		{"boost a direct status", "/api/v1/statuses/" + dm + "/reblog", annaToken, 403, "This action is not allowed"},
		{"favourite an unknown status", "/api/v1/statuses/1/favourite", bobToken, 404, "Record not found"},
		{"favourite without a token", "/api/v1/statuses/" + own.ID + "/favourite", "", 401, "The access token is invalid"},
	}
	for _, c := range cases {
		a := do(t, srv, request{method: http.MethodPost, path: c.path, token: c.token})
		if a.status != c.status || a.errorText(t) != c.error {
			t.Errorf("%s: %d %s", c.name, a.status, a.body)
		}
	}

	// A token without write:favourites nor read:notifications.
	srv.SignIn(bob)
	token := authorize(t, srv, registerApp(t, srv, "read:statuses write:statuses"), "read:statuses write:statuses")
	for _, r := range []request{
		{method: http.MethodPost, path: "/api/v1/statuses/" + own.ID + "/favourite", token: token},
		{method: http.MethodGet, path: "/api/v1/notifications", token: token},
	} {
		if a := do(t, srv, r); a.status != 403 || a.errorText(t) != "This action is outside the authorized scopes" {
			t.Errorf("%s %s with narrow scopes: %d %s", r.method, r.path, a.status, a.body)
		}
	}
}

func TestContext(t *testing.T) {
	srv := newServer(t)
	anna, annaToken := srv.CreateAccount("anna")
	bob, bobToken := srv.CreateAccount("bob")
	carla, _ := srv.CreateAccount("carla")
	root := srv.Post(anna, mastodontest.NewStatus{Text: "Radice"})
	r1 := srv.Mention(bob, "Uno", root)
	r11 := srv.Mention(carla, "Uno.uno", r1)
	r2 := srv.Mention(carla, "Due", root)
	r111 := srv.Mention(anna, "Uno.uno.uno", r11)
	private := srv.Post(anna, mastodontest.NewStatus{Text: "Solo per chi segue", Visibility: "private", InReplyToID: r1})

	contextOf := func(id, token string) (int, []string, []string) {
		a := do(t, srv, request{method: http.MethodGet, path: "/api/v1/statuses/" + id + "/context", token: token})
		var cx struct {
			Ancestors, Descendants []struct {
				ID string `json:"id"`
			}
		}
		if a.status == 200 {
			a.json(t, &cx)
		}
		var an, de []string
		for _, s := range cx.Ancestors {
			an = append(an, s.ID)
		}
		for _, s := range cx.Descendants {
			de = append(de, s.ID)
		}
		return a.status, an, de
	}
	cases := []struct {
		name, id, token string
		ancestors       []string
		descendants     []string
	}{
		{"root, by its author", root, annaToken, nil, []string{r1, r11, r111, private, r2}},
		{"root, by another", root, bobToken, nil, []string{r1, r11, r111, r2}},
		{"root, anonymous", root, "", nil, []string{r1, r11, r111, r2}},
		{"deep reply", r111, bobToken, []string{root, r1, r11}, nil},
		{"middle", r1, "", []string{root}, []string{r11, r111}},
	}
	for _, c := range cases {
		status, an, de := contextOf(c.id, c.token)
		if status != 200 || !slices.Equal(an, c.ancestors) || !slices.Equal(de, c.descendants) {
			t.Errorf("%s: %d %v %v, want %v %v", c.name, status, an, de, c.ancestors, c.descendants)
		}
	}
	// A deleted status is gone from its thread, its replies keep theirs
	// below it, and its own context is 404.
	srv.DeleteStatus(r1)
	if status, _, _ := contextOf(r1, annaToken); status != 404 {
		t.Fatalf("context of a deleted status: %d", status)
	}
	if _, an, _ := contextOf(r111, annaToken); !slices.Equal(an, []string{r11}) {
		t.Fatalf("ancestors past a deleted one: %v", an)
	}
	if _, _, de := contextOf(root, annaToken); !slices.Equal(de, []string{r2}) {
		t.Fatalf("descendants after a deletion: %v", de)
	}
}

func TestDeleteRemovesNotifications(t *testing.T) {
	srv := newServer(t)
	anna, annaToken := srv.CreateAccount("anna")
	bob, bobToken := srv.CreateAccount("bob")
	var own statusEntity
	post(t, srv, annaToken, url.Values{"status": {"Orari"}}, "").json(t, &own)
	var mention statusEntity
	post(t, srv, bobToken, url.Values{"status": {"@anna a che ora?"}}, "").json(t, &mention)
	srv.Boost(bob, own.ID)
	if n := srv.Notifications(anna); len(n) != 2 {
		t.Fatalf("notifications %+v", n)
	}
	if a := do(t, srv, request{method: http.MethodDelete, path: "/api/v1/statuses/" + mention.ID, token: bobToken}); a.status != 200 {
		t.Fatalf("delete: %d %s", a.status, a.body)
	}
	if n := srv.Notifications(anna); len(n) != 1 || n[0].Type != "reblog" {
		t.Fatalf("after deleting the mention: %+v", n)
	}
	// Deleting a status takes its boosts and their notifications with it.
	if !srv.DeleteStatus(own.ID) || srv.DeleteStatus(own.ID) {
		t.Fatal("DeleteStatus: want true, then false")
	}
	if page, _ := notifications(t, srv, annaToken, ""); len(page) != 0 || len(srv.Boosts(own.ID)) != 0 {
		t.Fatalf("after deleting the boosted status: %+v", page)
	}
}

func TestConversations(t *testing.T) {
	srv := newServer(t)
	anna, annaToken := srv.CreateAccount("anna")
	bob, bobToken := srv.CreateAccount("bob")
	carla, _ := srv.CreateAccount("carla")
	first := srv.DirectMessage(bob, anna, "Ciao")
	answer := srv.Post(anna, mastodontest.NewStatus{Text: "@bob ciao!", Visibility: "direct", InReplyToID: first})
	other := srv.DirectMessage(carla, anna, "Domanda")
	srv.Mention(bob, "@anna pubblico", "")

	type conv struct {
		ID       string `json:"id"`
		Unread   bool   `json:"unread"`
		Accounts []struct {
			ID string `json:"id"`
		} `json:"accounts"`
		LastStatus struct {
			ID string `json:"id"`
		} `json:"last_status"`
	}
	list := func(token, query string) ([]conv, map[string]string) {
		a := do(t, srv, request{method: http.MethodGet, path: "/api/v1/conversations?" + query, token: token})
		var out []conv
		a.json(t, &out)
		if a.status != 200 {
			t.Fatalf("conversations: %d %s", a.status, a.body)
		}
		return out, linksOf(a.header)
	}
	got, links := list(annaToken, "")
	if len(got) != 2 || got[0].LastStatus.ID != other || !got[0].Unread || got[0].Accounts[0].ID != carla ||
		got[1].LastStatus.ID != answer || got[1].Unread || len(got[1].Accounts) != 1 || got[1].Accounts[0].ID != bob {
		t.Fatalf("anna's conversations %+v", got)
	}
	if !strings.Contains(links["prev"], "min_id="+other) || links["next"] != "" {
		t.Fatalf("links %v", links)
	}
	if got, links := list(annaToken, "limit=1"); len(got) != 1 || !strings.Contains(links["next"], "max_id="+other) {
		t.Fatalf("first of one: %+v %v", got, links)
	}
	if got, _ := list(annaToken, "max_id="+other); len(got) != 1 || got[0].LastStatus.ID != answer {
		t.Fatalf("older than the newest: %+v", got)
	}
	if got, _ := list(bobToken, ""); len(got) != 1 || !got[0].Unread || got[0].Accounts[0].ID != anna {
		t.Fatalf("bob's conversations %+v", got)
	}
}

// streamReader reads a user stream line by line.
type streamReader struct {
	t     *testing.T
	lines chan string
}

func openStream(t *testing.T, srv *mastodontest.Server, base, token string) (*http.Response, *streamReader) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/streaming/user", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	sr := &streamReader{t: t, lines: make(chan string, 100)}
	go func() {
		defer close(sr.lines)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			sr.lines <- sc.Text()
		}
	}()
	return resp, sr
}

// next returns the next event, skipping comments.
func (sr *streamReader) next() (name, data string) {
	sr.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case line, ok := <-sr.lines:
			if !ok {
				return "", ""
			}
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = strings.TrimPrefix(line, "data: ")
			case line == "" && name != "":
				return name, data
			}
		case <-timeout:
			sr.t.Fatal("no event within 5s")
		}
	}
}

func waitStreams(t *testing.T, srv *mastodontest.Server, accountID string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for srv.Streams(accountID) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d streams open, want %d", srv.Streams(accountID), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStreamUser(t *testing.T) {
	srv := newServer(t)
	anna, annaToken := srv.CreateAccount("anna")
	bob, _ := srv.CreateAccount("bob")
	resp, sr := openStream(t, srv, srv.URL(), annaToken)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %v", resp.StatusCode, resp.Header)
	}
	if line := <-sr.lines; line != ":)" {
		t.Fatalf("first line %q, want the greeting comment", line)
	}
	waitStreams(t, srv, anna, 1)

	own := srv.Post(anna, mastodontest.NewStatus{Text: "Mio"})
	if name, data := sr.next(); name != "update" || !strings.Contains(data, `"id":"`+own+`"`) {
		t.Fatalf("own status: %s %s", name, data)
	}
	mention := srv.Mention(bob, "@anna ciao", "")
	name, data := sr.next()
	var n notificationEntity
	if err := json.Unmarshal([]byte(data), &n); err != nil || name != "notification" || n.Type != "mention" || n.Status.ID != mention {
		t.Fatalf("notification: %s %s", name, data)
	}
	srv.DeleteStatus(mention)
	if name, data := sr.next(); name != "delete" || data != mention {
		t.Fatalf("delete: %s %s", name, data)
	}

	// Revoking the token ends the stream.
	srv.RevokeTokens(anna)
	if name, _ := sr.next(); name != "" {
		t.Fatalf("event %s after revocation", name)
	}
	waitStreams(t, srv, anna, 0)

	cases := []struct {
		name, token, error string
	}{
		{"no token", "", "Missing access token"},
		{"revoked token", annaToken, "Invalid access token"},
	}
	for _, c := range cases {
		a := do(t, srv, request{method: http.MethodGet, path: "/api/v1/streaming/user", token: c.token})
		if a.status != 401 || a.errorText(t) != c.error {
			t.Errorf("%s: %d %s", c.name, a.status, a.body)
		}
	}
	if a := do(t, srv, request{method: http.MethodGet, path: "/api/v1/streaming/health"}); a.status != 200 || string(a.body) != "OK" {
		t.Errorf("health: %d %s", a.status, a.body)
	}
}

func TestSeparateStreaming(t *testing.T) {
	srv := newServer(t)
	anna, annaToken := srv.CreateAccount("anna")
	streaming := srv.SeparateStreaming()
	if !strings.HasPrefix(streaming, "ws://127.0.0.1:") || streaming == "ws"+strings.TrimPrefix(srv.URL(), "http") {
		t.Fatalf("streaming URL %s", streaming)
	}
	var inst struct {
		Configuration struct {
			URLs struct{ Streaming string } `json:"urls"`
		} `json:"configuration"`
	}
	do(t, srv, request{method: http.MethodGet, path: "/api/v2/instance"}).json(t, &inst)
	if inst.Configuration.URLs.Streaming != streaming {
		t.Fatalf("instance publishes %q, want %q", inst.Configuration.URLs.Streaming, streaming)
	}
	// The instance's own host sends streaming clients there.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL()+"/api/v1/streaming/user?x=1", nil)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 301 || resp.Header.Get("Location") != "http"+strings.TrimPrefix(streaming, "ws")+"/api/v1/streaming/user?x=1" {
		t.Fatalf("main host: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, sr := openStream(t, srv, "http"+strings.TrimPrefix(streaming, "ws"), annaToken)
	waitStreams(t, srv, anna, 1)
	bob, _ := srv.CreateAccount("bob")
	srv.DirectMessage(bob, anna, "Qui")
	if name, _ := sr.next(); name != "notification" {
		t.Fatalf("event %q on the streaming host", name)
	}
}

func TestInboxFaults(t *testing.T) {
	srv := newServer(t)
	_, token := srv.CreateAccount("anna")
	// A fault for any op ("") is for posts and uploads, not the inbox.
	srv.Inject(providertest.Fault{Kind: providertest.Unavailable})
	if a := do(t, srv, request{method: http.MethodGet, path: "/api/v1/notifications", token: token}); a.status != 200 {
		t.Fatalf("notifications took a post's fault: %d", a.status)
	}
	if a := post(t, srv, token, url.Values{"status": {"x"}}, ""); a.status != 503 {
		t.Fatalf("the post's fault was lost: %d", a.status)
	}
	srv.Inject(providertest.Fault{Kind: providertest.RateLimit, Op: "inbox"})
	srv.Inject(providertest.Fault{Kind: providertest.Unavailable, Op: "act"})
	if a := do(t, srv, request{method: http.MethodGet, path: "/api/v1/notifications", token: token}); a.status != 429 ||
		a.header.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("inbox fault: %d %v", a.status, a.header)
	}
	if a := do(t, srv, request{method: http.MethodPost, path: "/api/v1/statuses/1/favourite", token: token}); a.status != 503 {
		t.Fatalf("act fault: %d", a.status)
	}
}
