package blueskytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/portavoce/portavoce/internal/provider/providertest"
)

// xrpc makes a raw call and decodes the JSON answer.
func xrpc(t *testing.T, s *Server, method, nsid, token string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	var r io.Reader
	contentType := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		r, contentType = bytes.NewReader(b), "image/png"
	default:
		j, _ := json.Marshal(b)
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL()+"/xrpc/"+nsid, r)
	if err != nil {
		t.Fatal(err)
	}
	if r != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", nsid, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s: answer is not JSON: %v", nsid, err)
	}
	return resp.StatusCode, resp.Header, out
}

func login(t *testing.T, s *Server, id, password string) (access, refresh string) {
	t.Helper()
	status, _, out := xrpc(t, s, "POST", "com.atproto.server.createSession", "", map[string]string{"identifier": id, "password": password})
	if status != 200 {
		t.Fatalf("createSession: %d %v", status, out)
	}
	return out["accessJwt"].(string), out["refreshJwt"].(string)
}

func wantError(t *testing.T, what string, status int, out map[string]any, wantStatus int, wantName string) {
	t.Helper()
	if status != wantStatus || out["error"] != wantName {
		t.Errorf("%s: %d %v, want %d %s", what, status, out, wantStatus, wantName)
	}
	if msg, _ := out["message"].(string); msg == "" {
		t.Errorf("%s: no message in %v", what, out)
	}
}

func post(text string, extra map[string]any) map[string]any {
	rec := map[string]any{"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-01-02T10:00:00.000Z"}
	for k, v := range extra {
		rec[k] = v
	}
	return rec
}

func TestSessions(t *testing.T) {
	s := NewServer()
	defer s.Close()
	did := s.CreateAccount("Alice.bsky.social", "app-pass")
	s.SetMainPassword(did, "main", true)

	t.Run("resolve and PLC", func(t *testing.T) {
		status, _, out := xrpc(t, s, "GET", "com.atproto.identity.resolveHandle?handle=alice.bsky.social", "", nil)
		if status != 200 || out["did"] != did {
			t.Fatalf("resolveHandle: %d %v", status, out)
		}
		status, _, out = xrpc(t, s, "GET", "com.atproto.identity.resolveHandle?handle=nobody.bsky.social", "", nil)
		wantError(t, "unknown handle", status, out, 400, "InvalidRequest")
		resp, err := http.Get(s.URL() + "/" + did)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			ID      string `json:"id"`
			Service []struct{ ID, Type, ServiceEndpoint string }
		}
		_ = json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if doc.ID != did || len(doc.Service) != 1 || doc.Service[0].ID != "#atproto_pds" || doc.Service[0].ServiceEndpoint != s.URL() {
			t.Errorf("DID document %+v", doc)
		}
		resp, _ = http.Get(s.URL() + "/did:plc:aaaaaaaaaaaaaaaaaaaaaaaa")
		if resp.StatusCode != 404 {
			t.Errorf("unknown DID: %d", resp.StatusCode)
		}
		resp.Body.Close()
	})

	t.Run("logins", func(t *testing.T) {
		cases := []struct {
			id, password, code string
			status             int
			name               string
		}{
			{"alice.bsky.social", "app-pass", "", 200, ""},
			{did, "app-pass", "", 200, ""},
			{"alice.bsky.social", "wrong", "", 401, "AuthenticationRequired"},
			{"nobody.bsky.social", "app-pass", "", 401, "AuthenticationRequired"},
			{"alice.bsky.social", "main", "", 401, "AuthFactorTokenRequired"},
			{"alice.bsky.social", "main", EmailCode, 200, ""},
		}
		for _, c := range cases {
			status, _, out := xrpc(t, s, "POST", "com.atproto.server.createSession", "", map[string]string{"identifier": c.id, "password": c.password, "authFactorToken": c.code})
			if status != c.status || (c.name != "" && out["error"] != c.name) {
				t.Errorf("login %s/%s: %d %v, want %d %s", c.id, c.password, status, out, c.status, c.name)
			}
			if c.name == "AuthenticationRequired" && out["message"] != "Invalid identifier or password" {
				t.Errorf("wrong password message %v", out["message"])
			}
		}
	})

	t.Run("refresh rotates", func(t *testing.T) {
		access, refresh := login(t, s, "alice.bsky.social", "app-pass")
		status, _, out := xrpc(t, s, "POST", "com.atproto.server.refreshSession", access, nil)
		wantError(t, "refresh with the access token", status, out, 400, "InvalidToken")
		status, _, out = xrpc(t, s, "POST", "com.atproto.server.refreshSession", refresh, nil)
		if status != 200 || out["refreshJwt"] == refresh || out["did"] != did {
			t.Fatalf("refresh: %d %v", status, out)
		}
		renewed := out2(out, "accessJwt")
		status, _, out = xrpc(t, s, "POST", "com.atproto.server.refreshSession", refresh, nil)
		wantError(t, "second use of a refresh token", status, out, 400, "ExpiredToken")
		if status, _, out := xrpc(t, s, "GET", "com.atproto.server.getSession", renewed, nil); status != 200 || out["did"] != did {
			t.Errorf("getSession with the renewed token: %d %v", status, out)
		}
		status, _, out = xrpc(t, s, "GET", "com.atproto.server.getSession", "garbage", nil)
		wantError(t, "garbage token", status, out, 400, "InvalidToken")
		status, _, out = xrpc(t, s, "GET", "com.atproto.server.getSession", "", nil)
		wantError(t, "no token", status, out, 401, "AuthenticationRequired")
	})

	t.Run("expiry", func(t *testing.T) {
		access, refresh := login(t, s, "alice.bsky.social", "app-pass")
		if status, _, out := xrpc(t, s, "GET", "com.atproto.server.getSession", access, nil); status != 200 || out["handle"] != "alice.bsky.social" {
			t.Fatalf("getSession: %d %v", status, out)
		}
		s.ExpireAccessTokens()
		status, _, out := xrpc(t, s, "GET", "com.atproto.server.getSession", access, nil)
		wantError(t, "expired token", status, out, 400, "ExpiredToken")
		status, _, out = xrpc(t, s, "POST", "com.atproto.server.refreshSession", refresh, nil)
		if status != 200 {
			t.Fatalf("refresh after expiry: %d %v", status, out)
		}
		if status, _, _ := xrpc(t, s, "GET", "com.atproto.server.getSession", out["accessJwt"].(string), nil); status != 200 {
			t.Errorf("new access token: %d", status)
		}
		s.RevokeSessions(did)
		status, _, out = xrpc(t, s, "POST", "com.atproto.server.refreshSession", out["refreshJwt"].(string), nil)
		wantError(t, "revoked refresh", status, out, 400, "ExpiredToken")
	})

	t.Run("lifetime", func(t *testing.T) {
		now := time.Now()
		s.SetClock(func() time.Time { return now })
		defer s.SetClock(time.Now)
		s.SetAccessTokenLifetime(time.Minute)
		defer s.SetAccessTokenLifetime(AccessTokenLifetime)
		access, _ := login(t, s, "alice.bsky.social", "app-pass")
		now = now.Add(59 * time.Second)
		if status, _, _ := xrpc(t, s, "GET", "com.atproto.server.getSession", access, nil); status != 200 {
			t.Errorf("token before its lifetime: %d", status)
		}
		now = now.Add(2 * time.Second)
		status, _, out := xrpc(t, s, "GET", "com.atproto.server.getSession", access, nil)
		wantError(t, "token after its lifetime", status, out, 400, "ExpiredToken")
	})
}

func out2(m map[string]any, k string) string { v, _ := m[k].(string); return v }

func TestRecords(t *testing.T) {
	s := NewServer()
	defer s.Close()
	did := s.CreateAccount("bob.bsky.social", "pw")
	other := s.CreateAccount("carol.bsky.social", "pw")
	access, _ := login(t, s, did, "pw")
	otherAccess, _ := login(t, s, other, "pw")
	png := providertest.PNG(8, 6)

	status, _, out := xrpc(t, s, "POST", "com.atproto.repo.uploadBlob", access, png)
	blob, _ := out["blob"].(map[string]any)
	ref, _ := blob["ref"].(map[string]any)
	link, _ := ref["$link"].(string)
	if status != 200 || blob["$type"] != "blob" || blob["mimeType"] != "image/png" || blob["size"] != float64(len(png)) || !strings.HasPrefix(link, "bafkrei") {
		t.Fatalf("uploadBlob: %d %v", status, out)
	}
	status, _, out = xrpc(t, s, "POST", "com.atproto.repo.uploadBlob", access, make([]byte, BlobUploadLimit+1))
	wantError(t, "blob too large", status, out, 413, "PayloadTooLarge")

	key := func() string { return syntax.NewTIDNow(1).String() }
	create := func(token, repo, rkey string, record map[string]any) (int, map[string]any) {
		in := map[string]any{"repo": repo, "collection": "app.bsky.feed.post", "record": record}
		if rkey != "" {
			in["rkey"] = rkey
		}
		status, _, out := xrpc(t, s, "POST", "com.atproto.repo.createRecord", token, in)
		return status, out
	}

	rootKey := key()
	status, out = create(access, did, rootKey, post("Ciao @carol.bsky.social", map[string]any{
		"facets": []any{map[string]any{
			"index":    map[string]any{"byteStart": 5, "byteEnd": 23},
			"features": []any{map[string]any{"$type": "app.bsky.richtext.facet#mention", "did": other}},
		}},
		"embed": map[string]any{"$type": "app.bsky.embed.images", "images": []any{map[string]any{
			"alt": "una foto", "image": blob, "aspectRatio": map[string]any{"width": 8, "height": 6},
		}}},
	}))
	if status != 200 || out["uri"] != "at://"+did+"/app.bsky.feed.post/"+rootKey || !strings.HasPrefix(out2(out, "cid"), "bafyrei") || out["validationStatus"] != "valid" {
		t.Fatalf("createRecord: %d %v", status, out)
	}
	root := map[string]any{"uri": out["uri"], "cid": out["cid"]}

	cases := []struct {
		name       string
		token      string
		repo, rkey string
		record     map[string]any
		status     int
		error      string
	}{
		{"reply", access, did, key(), post("Risposta", map[string]any{"reply": map[string]any{"root": root, "parent": root}}), 200, ""},
		{"no key", access, did, "", post("Chiave scelta dal server", nil), 200, ""},
		{"duplicate key", access, did, rootKey, post("Di nuovo", nil), 500, "InternalServerError"},
		{"key not a TID", access, did, "self", post("x", nil), 400, "InvalidRequest"},
		{"too many graphemes", access, did, key(), post(strings.Repeat("è", 301), nil), 400, "InvalidRequest"},
		{"300 emoji fit", access, did, key(), post(strings.Repeat("👍🏽", 300), nil), 200, ""},
		{"too many bytes", access, did, key(), post(strings.Repeat("👨‍👩‍👧‍👦", 121), nil), 400, "InvalidRequest"},
		{"no createdAt", access, did, key(), map[string]any{"$type": "app.bsky.feed.post", "text": "x"}, 400, "InvalidRequest"},
		{"wrong type", access, did, key(), map[string]any{"$type": "app.bsky.feed.like", "text": "x", "createdAt": "2026-01-02T10:00:00Z"}, 400, "InvalidRequest"},
		{"facet outside the text", access, did, key(), post("corto", map[string]any{"facets": []any{map[string]any{
			"index": map[string]any{"byteStart": 2, "byteEnd": 40}, "features": []any{map[string]any{"$type": "app.bsky.richtext.facet#tag", "tag": "x"}}}}}), 400, "InvalidRequest"},
		{"facet inside a character", access, did, key(), post("è", map[string]any{"facets": []any{map[string]any{
			"index": map[string]any{"byteStart": 1, "byteEnd": 2}, "features": []any{map[string]any{"$type": "app.bsky.richtext.facet#tag", "tag": "x"}}}}}), 400, "InvalidRequest"},
		{"five images", access, did, key(), post("", map[string]any{"embed": map[string]any{"$type": "app.bsky.embed.images", "images": []any{
			map[string]any{"alt": "", "image": blob}, map[string]any{"alt": "", "image": blob}, map[string]any{"alt": "", "image": blob},
			map[string]any{"alt": "", "image": blob}, map[string]any{"alt": "", "image": blob}}}}), 400, "InvalidRequest"},
		{"blob never uploaded", access, did, key(), post("", map[string]any{"embed": map[string]any{"$type": "app.bsky.embed.images", "images": []any{
			map[string]any{"alt": "", "image": map[string]any{"$type": "blob", "ref": map[string]any{"$link": "bafkreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"}, "mimeType": "image/png", "size": 10}}}}}), 400, "BlobNotFound"},
		{"blob of another account", otherAccess, other, key(), post("", map[string]any{"embed": map[string]any{"$type": "app.bsky.embed.images", "images": []any{
			map[string]any{"alt": "", "image": blob}}}}), 400, "BlobNotFound"},
		{"reply to nothing", access, did, key(), post("?", map[string]any{"reply": map[string]any{
			"root": map[string]any{"uri": "at://" + did + "/app.bsky.feed.post/3jzfcijpj2z2a", "cid": root["cid"]}, "parent": root}}), 400, "InvalidRequest"},
		{"someone else's repo", otherAccess, did, key(), post("intruso", nil), 401, "AuthenticationRequired"},
		{"no token", "", did, key(), post("x", nil), 401, "AuthenticationRequired"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, out := create(c.token, c.repo, c.rkey, c.record)
			if status != c.status || (c.error != "" && out["error"] != c.error) {
				t.Errorf("createRecord: %d %v, want %d %s", status, out, c.status, c.error)
			}
		})
	}

	posts := s.Posts(did)
	if len(posts) != 4 {
		t.Fatalf("%d posts stored, want 4", len(posts))
	}
	p := posts[0]
	if p.RKey != rootKey || len(p.Facets) != 1 || p.Facets[0] != (Facet{Kind: "mention", Start: 5, End: 23, Value: other}) ||
		len(p.Images) != 1 || p.Images[0].Alt != "una foto" || p.Images[0].MimeType != "image/png" || p.Images[0].Width != 8 || p.Images[0].Height != 6 {
		t.Errorf("root post %+v", p)
	}
	if posts[1].ReplyParent != p.URI || posts[1].ReplyRoot != p.URI {
		t.Errorf("reply %+v", posts[1])
	}

	q := "?repo=" + did + "&collection=app.bsky.feed.post&rkey="
	status, _, out = xrpc(t, s, "GET", "com.atproto.repo.getRecord"+q+rootKey, "", nil)
	if status != 200 || out["uri"] != p.URI || out["cid"] != p.CID || out["value"].(map[string]any)["text"] != p.Text {
		t.Errorf("getRecord: %d %v", status, out)
	}
	status, _, out = xrpc(t, s, "GET", "com.atproto.repo.getRecord"+q+"3jzfcijpj2z2a", "", nil)
	wantError(t, "missing record", status, out, 400, "RecordNotFound")
	if !strings.HasPrefix(out2(out, "message"), "Could not locate record: at://") {
		t.Errorf("RecordNotFound message %q", out["message"])
	}
	status, _, out = xrpc(t, s, "POST", "com.atproto.repo.deleteRecord", access, map[string]string{"repo": did, "collection": "app.bsky.feed.post", "rkey": rootKey})
	if status != 200 || len(s.Posts(did)) != 3 {
		t.Errorf("deleteRecord: %d %v, %d posts left", status, out, len(s.Posts(did)))
	}
	status, _, out = xrpc(t, s, "GET", "app.bsky.actor.getProfile?actor=bob.bsky.social", "", nil)
	if status != 200 || out["did"] != did || out["handle"] != "bob.bsky.social" {
		t.Errorf("getProfile: %d %v", status, out)
	}
}

func TestFaults(t *testing.T) {
	s := NewServer()
	defer s.Close()
	did := s.CreateAccount("dan.bsky.social", "pw")
	png := providertest.PNG(2, 2)
	create := func(token string) (int, http.Header, map[string]any) {
		return xrpc(t, s, "POST", "com.atproto.repo.createRecord", token,
			map[string]any{"repo": did, "collection": "app.bsky.feed.post", "rkey": syntax.NewTIDNow(2).String(), "record": post("x", nil)})
	}

	access, _ := login(t, s, did, "pw")
	s.Inject(providertest.Fault{Kind: providertest.RateLimit, Op: "post", Skip: 1, Times: 2})
	if status, h, _ := create(access); status != 200 || h.Get("RateLimit-Limit") == "" {
		t.Errorf("skipped call: %d, headers %v", status, h)
	}
	for range 2 {
		status, h, out := create(access)
		wantError(t, "rate limit", status, out, 429, "RateLimitExceeded")
		reset, _ := strconv.ParseInt(h.Get("RateLimit-Reset"), 10, 64)
		if time.Unix(reset, 0).Before(time.Now()) || h.Get("RateLimit-Remaining") != "0" || h.Get("RateLimit-Policy") != "5000;w=3600" {
			t.Errorf("rate limit headers %v", h)
		}
	}
	if status, _, _ := create(access); status != 200 {
		t.Errorf("after the fault: %d", status)
	}

	s.Inject(providertest.Fault{Kind: providertest.Unavailable, Op: "media"})
	status, _, out := xrpc(t, s, "POST", "com.atproto.repo.uploadBlob", access, png)
	wantError(t, "unavailable", status, out, 503, "NotEnoughResources")
	s.Inject(providertest.Fault{Kind: providertest.Reject, Op: "post"})
	status, _, out = create(access)
	wantError(t, "reject", status, out, 400, "InvalidRequest")

	before := len(s.Posts(did))
	s.Inject(providertest.Fault{Kind: providertest.LoseAnswer, Op: "post"})
	req, _ := http.NewRequestWithContext(t.Context(), "POST", s.URL()+"/xrpc/com.atproto.repo.createRecord",
		strings.NewReader(fmt.Sprintf(`{"repo":%q,"collection":"app.bsky.feed.post","record":{"$type":"app.bsky.feed.post","text":"perso","createdAt":"2026-01-01T00:00:00Z"}}`, did)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+access)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("lost answer came back: %d", resp.StatusCode)
	}
	if len(s.Posts(did)) != before+1 {
		t.Errorf("lost answer: the record was not created")
	}

	s.SetWriteRateLimit(6)
	fresh := s.CreateAccount("eve.bsky.social", "pw")
	eveAccess, _ := login(t, s, fresh, "pw")
	for i := range 3 {
		status, h, out := xrpc(t, s, "POST", "com.atproto.repo.createRecord", eveAccess,
			map[string]any{"repo": fresh, "collection": "app.bsky.feed.post", "record": post("x", nil)})
		if i < 2 && (status != 200 || h.Get("RateLimit-Remaining") != strconv.Itoa(6-3*(i+1))) {
			t.Errorf("write %d: %d, remaining %q", i, status, h.Get("RateLimit-Remaining"))
		}
		if i == 2 {
			wantError(t, "over the write limit", status, out, 429, "RateLimitExceeded")
		}
	}
	s.SetWriteRateLimit(WritePointsPerHour)

	s.Inject(providertest.Fault{Kind: providertest.Unauthorized, Op: "post"})
	status, _, out = create(access)
	wantError(t, "unauthorized", status, out, 400, "ExpiredToken")
	status, _, out = create(access)
	wantError(t, "after unauthorized", status, out, 400, "ExpiredToken")
}

// TestConcurrency has hundreds of clients log in, upload and post at once.
func TestConcurrency(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.SetLatency(5 * time.Millisecond)
	const accounts, perAccount = 20, 15
	dids := make([]string, accounts)
	for i := range dids {
		dids[i] = s.CreateAccount(fmt.Sprintf("user%d.bsky.social", i), "pw")
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 300}}
	var wg sync.WaitGroup
	errs := make(chan error, accounts*perAccount)
	for _, did := range dids {
		access, _ := login(t, s, did, "pw")
		for j := range perAccount {
			wg.Go(func() {
				body := fmt.Sprintf(`{"repo":%q,"collection":"app.bsky.feed.post","record":{"$type":"app.bsky.feed.post","text":"post %d","createdAt":"2026-01-01T00:00:00Z"}}`, did, j)
				req, _ := http.NewRequest("POST", s.URL()+"/xrpc/com.atproto.repo.createRecord", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+access)
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs <- fmt.Errorf("status %d", resp.StatusCode)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, did := range dids {
		if n := len(s.Posts(did)); n != perAccount {
			t.Errorf("%s holds %d posts, want %d", did, n, perAccount)
		}
	}
}
