package netguard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// dns answers lookups from a fixed table, as a resolver would.
func dns(table map[string][]string) func(context.Context, string) ([]net.IPAddr, error) {
	return func(_ context.Context, host string) ([]net.IPAddr, error) {
		ips, ok := table[host]
		if !ok {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		var out []net.IPAddr
		for _, s := range ips {
			out = append(out, net.IPAddr{IP: net.ParseIP(s)})
		}
		return out, nil
	}
}

// client builds a guarded client whose final dial refuses (and fails the
// test for) anything but loopback, so a broken guard cannot send traffic off
// this machine.
func client(t *testing.T, o Options) (*http.Client, *[]string) {
	t.Helper()
	var dialled []string
	d := &net.Dialer{Timeout: 5 * time.Second}
	o.dial = func(ctx context.Context, network, address string) (net.Conn, error) {
		dialled = append(dialled, address)
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		ip, err := netip.ParseAddr(host)
		if err != nil || !ip.Unmap().IsLoopback() {
			t.Errorf("guard let %q through to the dialer", address)
			return nil, errors.New("test dialer: only loopback")
		}
		return d.DialContext(ctx, network, address)
	}
	if o.LookupIPAddr == nil {
		o.LookupIPAddr = dns(nil)
	}
	return NewClient(o), &dialled
}

func get(t *testing.T, c *http.Client, u string) (string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := ReadLimited(resp.Body, 1<<20)
	return string(b), err
}

func okServer(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello")
	}))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return srv, u.Port()
}

func wantBlocked(t *testing.T, err error, addr string) {
	t.Helper()
	if !errors.Is(err, ErrBlocked) {
		t.Fatalf("error = %v, want ErrBlocked", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, addr) || !strings.Contains(msg, "ask the administrator to add it to --allow-hosts") {
		t.Errorf("error %q should name %s and say how to allow it", msg, addr)
	}
	var be *BlockedError
	if !errors.As(err, &be) || be.Addr.String() != addr {
		t.Errorf("BlockedError.Addr = %v, want %s", be, addr)
	}
}

func TestNameResolvingToPrivateIsRefused(t *testing.T) {
	c, dialled := client(t, Options{LookupIPAddr: dns(map[string][]string{
		"innocent.example": {"10.1.2.3"},
		"mixed.example":    {"93.184.215.14", "192.168.1.1"},
		"metadata.example": {"169.254.169.254"},
	})})
	for _, tc := range []struct{ host, addr string }{
		{"innocent.example", "10.1.2.3"},
		{"mixed.example", "192.168.1.1"},
		{"metadata.example", "169.254.169.254"},
	} {
		t.Run(tc.host, func(t *testing.T) {
			_, err := get(t, c, "http://"+tc.host+"/")
			wantBlocked(t, err, tc.addr)
			if !strings.Contains(err.Error(), tc.host) {
				t.Errorf("error %q should name the host", err)
			}
		})
	}
	if len(*dialled) != 0 {
		t.Errorf("dialled %v, want nothing", *dialled)
	}
}

func TestLoopbackRefusedUnlessAllowed(t *testing.T) {
	_, port := okServer(t)
	u := "http://127.0.0.1:" + port + "/"
	lookup := dns(map[string][]string{"mastodon.internal": {"127.0.0.1"}, "other.internal": {"127.0.0.1"}})
	for _, tc := range []struct {
		name  string
		allow []string
		url   string
		ok    bool
	}{
		{"refused", nil, u, false},
		{"by IP", []string{"127.0.0.1"}, u, true},
		{"by CIDR", []string{"10.0.0.0/8", "127.0.0.0/8"}, u, true},
		{"other IP allowed", []string{"127.0.0.2"}, u, false},
		{"by name", []string{"Mastodon.Internal"}, "http://mastodon.internal:" + port + "/", true},
		{"other name allowed", []string{"mastodon.internal"}, "http://other.internal:" + port + "/", false},
		{"name does not allow its IP", []string{"mastodon.internal"}, u, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := client(t, Options{Allow: tc.allow, LookupIPAddr: lookup})
			body, err := get(t, c, tc.url)
			if !tc.ok {
				wantBlocked(t, err, "127.0.0.1")
				return
			}
			if err != nil || body != "hello" {
				t.Fatalf("get = %q, %v; want hello", body, err)
			}
		})
	}
}

func TestIPv6LoopbackForms(t *testing.T) {
	c, dialled := client(t, Options{LookupIPAddr: dns(map[string][]string{
		"v6.example":     {"::1"},
		"mapped.example": {"::ffff:127.0.0.1"},
		"nat64.example":  {"64:ff9b::a01:203"},
	})})
	for _, tc := range []struct{ url, addr string }{
		{"http://[::1]:8080/", "::1"},
		{"http://[::ffff:127.0.0.1]:8080/", "::ffff:127.0.0.1"},
		{"http://[0:0:0:0:0:ffff:7f00:1]/", "::ffff:127.0.0.1"},
		{"http://v6.example/", "::1"},
		{"http://mapped.example/", "127.0.0.1"},
		{"http://nat64.example/", "64:ff9b::a01:203"},
		{"http://[fe80::1%25eth0]/", "fe80::1%eth0"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			_, err := get(t, c, tc.url)
			wantBlocked(t, err, tc.addr)
		})
	}
	if len(*dialled) != 0 {
		t.Errorf("dialled %v, want nothing", *dialled)
	}
}

func TestMappedLoopbackAllowedByIPv4Entry(t *testing.T) {
	c, dialled := client(t, Options{Allow: []string{"127.0.0.1"}, LookupIPAddr: dns(map[string][]string{
		"mapped.example": {"::ffff:127.0.0.1"},
	})})
	_, port := okServer(t)
	body, err := get(t, c, "http://mapped.example:"+port+"/")
	if err != nil || body != "hello" {
		t.Fatalf("get = %q, %v; want hello", body, err)
	}
	if len(*dialled) != 1 || !strings.Contains((*dialled)[0], "127.0.0.1") {
		t.Errorf("dialled %v", *dialled)
	}
}

func TestRedirectToRefusedHostIsRefused(t *testing.T) {
	_, port := okServer(t)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	}))
	t.Cleanup(redirector.Close)
	rport := strings.TrimPrefix(redirector.URL, "http://127.0.0.1:")
	c, _ := client(t, Options{
		Allow: []string{"allowed.test"},
		LookupIPAddr: dns(map[string][]string{
			"allowed.test": {"127.0.0.1"},
			"evil.test":    {"127.0.0.1"},
			"inner.test":   {"10.9.8.7"},
		}),
	})
	for _, to := range []string{
		"http://127.0.0.1:" + port + "/",
		"http://evil.test:" + port + "/",
		"http://inner.test:" + port + "/",
	} {
		t.Run(to, func(t *testing.T) {
			_, err := get(t, c, "http://allowed.test:"+rport+"/?to="+url.QueryEscape(to))
			if !errors.Is(err, ErrBlocked) {
				t.Fatalf("error = %v, want ErrBlocked", err)
			}
		})
	}
	t.Run("allowed target", func(t *testing.T) {
		to := "http://allowed.test:" + port + "/"
		body, err := get(t, c, "http://allowed.test:"+rport+"/?to="+url.QueryEscape(to))
		if err != nil || body != "hello" {
			t.Fatalf("get = %q, %v; want hello", body, err)
		}
	})
}

func TestTooManyRedirects(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		http.Redirect(w, r, fmt.Sprintf("/hop%d", n), http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		max      int
		wantHits int32
	}{
		{3, 4},
		{0, DefaultMaxRedirects + 1},
		{-1, 1},
	} {
		t.Run(fmt.Sprint(tc.max), func(t *testing.T) {
			hits.Store(0)
			c, _ := client(t, Options{Allow: []string{"127.0.0.1"}, MaxRedirects: tc.max})
			_, err := get(t, c, srv.URL)
			if !errors.Is(err, ErrTooManyRedirects) {
				t.Fatalf("error = %v, want ErrTooManyRedirects", err)
			}
			if got := hits.Load(); got != tc.wantHits {
				t.Errorf("server saw %d requests, want %d", got, tc.wantHits)
			}
		})
	}
}

func TestCredentialsStayOnTheirHost(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r.Host+" auth="+r.Header.Get("Authorization")+" cookie="+r.Header.Get("Cookie"))
		if to := r.URL.Query().Get("to"); to != "" {
			http.Redirect(w, r, to, http.StatusFound)
		}
	}))
	t.Cleanup(srv.Close)
	port := strings.TrimPrefix(srv.URL, "http://127.0.0.1:")
	c, _ := client(t, Options{
		Allow:        []string{"a.test", "b.test", "sub.a.test"},
		LookupIPAddr: dns(map[string][]string{"a.test": {"127.0.0.1"}, "b.test": {"127.0.0.1"}, "sub.a.test": {"127.0.0.1"}}),
	})
	a, b, sub := "a.test:"+port, "b.test:"+port, "sub.a.test:"+port
	for _, tc := range []struct {
		name, to string
		want     []string
	}{
		{"same host", "http://" + a + "/next", []string{a + " auth=Bearer s3cret cookie=k=v", a + " auth=Bearer s3cret cookie=k=v"}},
		{"other host", "http://" + b + "/next", []string{a + " auth=Bearer s3cret cookie=k=v", b + " auth= cookie="}},
		// net/http alone would pass them on to a subdomain.
		{"subdomain", "http://" + sub + "/next", []string{a + " auth=Bearer s3cret cookie=k=v", sub + " auth= cookie="}},
		{"other host and back", "http://" + b + "/next?to=" + url.QueryEscape("http://"+a+"/last"),
			[]string{a + " auth=Bearer s3cret cookie=k=v", b + " auth= cookie=", a + " auth= cookie="}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+a+"/?to="+url.QueryEscape(tc.to), nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer s3cret")
			req.Header.Set("Cookie", "k=v")
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			mu.Lock()
			defer mu.Unlock()
			if fmt.Sprint(seen) != fmt.Sprint(tc.want) {
				t.Errorf("server saw\n%q\nwant\n%q", seen, tc.want)
			}
		})
	}
}

func TestUserAgent(t *testing.T) {
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("User-Agent"))
		if r.URL.Path == "/" {
			http.Redirect(w, r, "/next", http.StatusFound)
		}
	}))
	t.Cleanup(srv.Close)
	for _, tc := range []struct{ name, option, onRequest, want string }{
		{"default", "", "", DefaultUserAgent()},
		{"option", "Test/1", "", "Test/1"},
		{"request keeps its own", "Test/1", "Mine/2", "Mine/2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := client(t, Options{Allow: []string{"127.0.0.1"}, UserAgent: tc.option})
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.onRequest != "" {
				req.Header.Set("User-Agent", tc.onRequest)
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got.Load() != tc.want {
				t.Errorf("User-Agent after redirect = %q, want %q", got.Load(), tc.want)
			}
			if _, ok := req.Header["User-Agent"]; ok != (tc.onRequest != "") {
				t.Errorf("the caller's request was changed: %v", req.Header)
			}
		})
	}
	if !strings.HasPrefix(DefaultUserAgent(), "Portavoce/") {
		t.Errorf("DefaultUserAgent() = %q", DefaultUserAgent())
	}
}

func TestClientSettings(t *testing.T) {
	c := NewClient(Options{})
	if c.Jar != nil {
		t.Error("client has a cookie jar")
	}
	if c.Timeout != DefaultTimeout {
		t.Errorf("Timeout = %v, want %v", c.Timeout, DefaultTimeout)
	}
	ua, ok := c.Transport.(*userAgent)
	if !ok {
		t.Fatalf("Transport is %T", c.Transport)
	}
	tr, ok := ua.next.(*http.Transport)
	if !ok {
		t.Fatalf("inner transport is %T", ua.next)
	}
	if tr.Proxy != nil {
		t.Error("transport takes a proxy (from the environment?)")
	}
}

func TestTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	t.Cleanup(srv.Close)
	c, _ := client(t, Options{Allow: []string{"127.0.0.1"}, Timeout: 300 * time.Millisecond})
	_, err := get(t, c, srv.URL)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("error = %v, want a timeout", err)
	}
}

func TestReadLimited(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 2000)))
	}))
	t.Cleanup(srv.Close)
	c, _ := client(t, Options{Allow: []string{"127.0.0.1"}})
	for _, tc := range []struct {
		max  int64
		fail bool
	}{
		{1000, true},
		{1999, true},
		{2000, false},
		{1 << 20, false},
	} {
		t.Run(fmt.Sprint(tc.max), func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := ReadLimited(resp.Body, tc.max)
			if tc.fail {
				if !errors.Is(err, ErrTooLarge) || b != nil {
					t.Fatalf("ReadLimited = %d bytes, %v; want ErrTooLarge", len(b), err)
				}
				return
			}
			if err != nil || len(b) != 2000 {
				t.Fatalf("ReadLimited = %d bytes, %v; want 2000", len(b), err)
			}
		})
	}
	t.Run("read error", func(t *testing.T) {
		_, err := ReadLimited(io.MultiReader(strings.NewReader("ab"), errReader{}), 10)
		if err == nil || errors.Is(err, ErrTooLarge) {
			t.Fatalf("error = %v, want the read error", err)
		}
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("broken") }

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		addr, want string
	}{
		// Public.
		{"93.184.215.14", ""},
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"100.63.255.255", ""},
		{"100.128.0.0", ""},
		{"172.15.255.255", ""},
		{"172.32.0.0", ""},
		{"2606:4700:4700::1111", ""},
		{"2a00:1450:4001:80b::200e", ""},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::808:808", ""},
		{"2002:808:808::1", ""},
		// IPv4.
		{"0.0.0.0", "unspecified"},
		{"0.1.2.3", "unspecified"},
		{"10.0.0.1", "private"},
		{"10.255.255.255", "private"},
		{"100.64.0.1", "carrier-grade NAT (shared)"},
		{"100.100.100.200", "carrier-grade NAT (shared)"},
		{"127.0.0.1", "loopback"},
		{"127.255.255.254", "loopback"},
		{"169.254.1.1", "link-local"},
		{"169.254.169.254", "cloud metadata"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.0.0.192", "IETF protocol assignment"},
		{"192.0.2.1", "documentation"},
		{"192.168.1.1", "private"},
		{"198.18.0.1", "benchmarking"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"240.0.0.1", "reserved"},
		{"255.255.255.255", "reserved"},
		// IPv6.
		{"::", "unspecified"},
		{"::1", "loopback"},
		{"::127.0.0.1", "IPv4-compatible (deprecated)"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"fc00::1", "unique local"},
		{"fd12:3456:789a::1", "unique local"},
		{"fd00:ec2::254", "cloud metadata"},
		{"fec0::1", "site-local (deprecated)"},
		{"ff02::1", "multicast"},
		{"2001:db8::1", "documentation"},
		{"100::1", "discard-only"},
		{"64:ff9b:1::a00:1", "local-use NAT64"},
		// IPv6 forms of IPv4 addresses.
		{"::ffff:127.0.0.1", "IPv4-mapped loopback"},
		{"::ffff:10.1.2.3", "IPv4-mapped private"},
		{"::ffff:169.254.169.254", "IPv4-mapped cloud metadata"},
		{"::ffff:0.0.0.0", "IPv4-mapped unspecified"},
		{"64:ff9b::7f00:1", "NAT64 loopback"},
		{"64:ff9b::a9fe:a9fe", "NAT64 cloud metadata"},
		{"64:ff9b::c0a8:101", "NAT64 private"},
		{"2002:7f00:1::1", "6to4 loopback"},
		{"2002:a00:1::", "6to4 private"},
		{"2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo loopback"}, // client 127.0.0.1 inverted
		{"2001:0:4136:e378:8000:63bf:f7f6:f7f6", ""},                // client 8.9.8.9
	} {
		t.Run(tc.addr, func(t *testing.T) {
			ip := netip.MustParseAddr(tc.addr)
			if got := classify(ip); got != tc.want {
				t.Errorf("classify(%s) = %q, want %q", tc.addr, got, tc.want)
			}
		})
	}
	if got := classify(netip.Addr{}); got != "invalid" {
		t.Errorf("classify(zero) = %q, want invalid", got)
	}
}

func TestParseAllow(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"", nil, ""},
		{" , ,", nil, ""},
		{"127.0.0.1", []string{"127.0.0.1"}, ""},
		{"127.0.0.1, 10.0.0.0/8,Mastodon.Internal.", []string{"127.0.0.1", "10.0.0.0/8", "mastodon.internal"}, ""},
		{"10.1.2.3/8", []string{"10.0.0.0/8"}, ""},
		{"::1, fd00::/8, ::ffff:10.0.0.1", []string{"::1", "fd00::/8", "10.0.0.1"}, ""},
		{"localhost,my_host.lan", []string{"localhost", "my_host.lan"}, ""},
		{"10.0.0.0/33", nil, `"10.0.0.0/33"`},
		{"300.1.2.3", nil, `"300.1.2.3"`},
		{"ok.example, http://x.example", nil, `"http://x.example"`},
		{"x.example:8080", nil, `"x.example:8080"`},
		{"x.example/path", nil, `"x.example/path"`},
		{"*.example", nil, `"*.example"`},
		{"-bad.example", nil, `"-bad.example"`},
		{"a..b", nil, `"a..b"`},
		{"fe80::1%eth0", nil, `"fe80::1%eth0"`},
		{strings.Repeat("a", 64) + ".example", nil, "bad allowed host"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseAllow(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "netguard: ") {
					t.Fatalf("ParseAllow(%q) = %v, %v; want an error with %s", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("ParseAllow(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestBlockedErrorMessage(t *testing.T) {
	err := error(&BlockedError{Host: "innocent.example", Addr: netip.MustParseAddr("10.1.2.3"), Reason: "private"})
	want := "netguard: refused to connect to innocent.example (10.1.2.3): private address; " +
		"if this server is meant to reach it, ask the administrator to add it to --allow-hosts"
	if err.Error() != want {
		t.Errorf("message\n%s\nwant\n%s", err, want)
	}
	if !errors.Is(fmt.Errorf("wrapped: %w", err), ErrBlocked) {
		t.Error("wrapped BlockedError is not ErrBlocked")
	}
}

func TestCredentialsDroppedOnDowngrade(t *testing.T) {
	var got atomic.Value
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store("auth=" + r.Header.Get("Authorization"))
	}))
	t.Cleanup(plain.Close)
	plainPort := strings.TrimPrefix(plain.URL, "http://127.0.0.1:")
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://example.com:"+plainPort+"/", http.StatusFound)
	}))
	t.Cleanup(secure.Close)
	// httptest's certificate is for example.com; the fake DNS sends it here.
	c, _ := client(t, Options{
		Allow:        []string{"example.com"},
		LookupIPAddr: dns(map[string][]string{"example.com": {"127.0.0.1"}}),
	})
	c.Transport.(*userAgent).next.(*http.Transport).TLSClientConfig = secure.Client().Transport.(*http.Transport).TLSClientConfig
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet,
		"https://example.com:"+strings.TrimPrefix(secure.URL, "https://127.0.0.1:")+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// net/http alone compares host names only, and would send it.
	if got.Load() != "auth=" {
		t.Errorf("plain-HTTP server saw %v", got.Load())
	}
}
