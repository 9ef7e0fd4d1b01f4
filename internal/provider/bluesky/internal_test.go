package bluesky

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestDIDWeb(t *testing.T) {
	var doc string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/did.json" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, doc)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	did := "did:web:" + strings.ReplaceAll(u.Host, ":", "%3A")
	c := New(srv.Client(), "", "")

	cases := []struct {
		name, doc, want string
		wantErr         error
	}{
		{"relative service id", `{"id":%q,"service":[{"id":"#atproto_pds","type":"AtprotoPersonalDataServer","serviceEndpoint":"https://pds.example/"}]}`, "https://pds.example", nil},
		{"absolute service id", `{"id":%q,"service":[{"id":"%[1]s#atproto_pds","type":"AtprotoPersonalDataServer","serviceEndpoint":"https://pds.example:8443"}]}`, "https://pds.example:8443", nil},
		{"other services only", `{"id":%q,"service":[{"id":"#bsky_chat","type":"BskyChatService","serviceEndpoint":"https://chat.example"}]}`, "", ErrNoPDS},
		{"endpoint not a web address", `{"id":%q,"service":[{"id":"#atproto_pds","type":"AtprotoPersonalDataServer","serviceEndpoint":"ftp://pds.example"}]}`, "", ErrNoPDS},
		{"document of another DID", `{"id":"did:web:elsewhere.example","service":[]}%.0s`, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc = fmt.Sprintf(tc.doc, did)
			got, err := c.pdsOf(t.Context(), did)
			switch {
			case tc.want != "":
				if err != nil || got != tc.want {
					t.Errorf("pdsOf = %q, %v; want %q", got, err, tc.want)
				}
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("pdsOf = %q, %v; want %v", got, err, tc.wantErr)
				}
			default:
				if err == nil {
					t.Errorf("pdsOf = %q, want an error", got)
				}
			}
		})
	}
	for _, bad := range []string{"did:web:example.com%2Fpath", "did:web:example.com:user:alice", "did:web:"} {
		if _, err := c.pdsOf(t.Context(), bad); !errors.Is(err, ErrUnknownDID) {
			t.Errorf("pdsOf(%s) = %v, want ErrUnknownDID", bad, err)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	cases := []struct {
		name   string
		header http.Header
		want   time.Time
	}{
		{"RateLimit-Reset", http.Header{"Ratelimit-Reset": {"1700000090"}}, time.Unix(1_700_000_090, 0)},
		{"reset already past", http.Header{"Ratelimit-Reset": {"1699999990"}}, now.Add(time.Second)},
		{"Retry-After", http.Header{"Retry-After": {"30"}}, now.Add(30 * time.Second)},
		{"nothing", http.Header{}, now.Add(time.Minute)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := retryAfter(c.header, now); !got.Equal(c.want) {
				t.Errorf("retryAfter = %v, want %v", got, c.want)
			}
		})
	}
}

func TestLinkURI(t *testing.T) {
	cases := map[string]string{
		"https://example.com/a?b=c#d":      "https://example.com/a?b=c#d",
		"https://example.com/menù":         "https://example.com/men%C3%B9",
		"https://caffè.it/":                "https://xn--caff-8oa.it/",
		"https://caffè.it":                 "https://xn--caff-8oa.it",
		"https://example.com/?q=perché":    "https://example.com/?q=perch%C3%A9",
		"https://user@caffè.it/x":          "https://user@caff%C3%A8.it/x",
		"https://example.com/%E2%82%AC-ok": "https://example.com/%E2%82%AC-ok",
	}
	for in, want := range cases {
		if got := linkURI(in); got != want {
			t.Errorf("linkURI(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMayAlreadyExist(t *testing.T) {
	cases := []struct {
		a    answer
		want bool
	}{
		{answer{status: 500, code: "InternalServerError"}, true},
		{answer{status: 409, code: "RecordAlreadyExists"}, true},
		{answer{status: 400, code: "RecordAlreadyExists"}, true},
		{answer{status: 400, code: "InvalidRequest", message: "Record already exists"}, true},
		{answer{status: 400, code: "InvalidRequest", message: "Record/text must not be longer than 300 graphemes"}, false},
		{answer{status: 429, code: "RateLimitExceeded"}, false},
	}
	for _, c := range cases {
		if got := mayAlreadyExist(c.a); got != c.want {
			t.Errorf("mayAlreadyExist(%+v) = %v", c.a, got)
		}
	}
}

func TestFailKeepsSecretsOut(t *testing.T) {
	c := New(nil, "", "")
	e := c.fail(answer{status: 400, code: "InvalidRequest", message: "token eyJ.secret.sig is odd"}, 0, "eyJ.secret.sig")
	if strings.Contains(e.Error(), "eyJ.secret.sig") {
		t.Errorf("error %q repeats a secret", e)
	}
	long := c.fail(answer{status: 400, code: "InvalidRequest", message: strings.Repeat("è", 1000)}, 0)
	if len(long.Reason) > 510 {
		t.Errorf("reason of %d bytes", len(long.Reason))
	}
}
