// Command loadgen measures Portavoce's request latency under a steady load,
// from a second process on loopback. It sets up a fresh instance through its
// own set-up page (owner, workspace, session, API token), then sends requests
// at a fixed rate (open loop: a slow answer does not slow the sender, so
// queueing shows in the latencies) and prints percentiles.
//
//	go run ./scripts/loadgen -url http://127.0.0.1:8080 -rate 200 -duration 30s
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "server URL (a fresh instance: loadgen runs its set-up)")
	rate := flag.Int("rate", 200, "requests per second, per target")
	duration := flag.Duration("duration", 30*time.Second, "how long to send, per target")
	printCreds := flag.Bool("print-credentials", false, "print the session cookie and API token (for wrk) and exit after set-up")
	flag.Parse()
	if err := run(*base, *rate, *duration, *printCreds); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

type creds struct {
	session, csrf, token, slug string
}

// setUp creates the owner and workspace through /setup and an API token.
func setUp(base string) (creds, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	page, err := get(c, base+"/setup")
	if err != nil {
		return creds{}, err
	}
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		return creds{}, fmt.Errorf("no set-up form at %s/setup: loadgen needs a fresh instance", base)
	}
	form := url.Values{"csrf": {m[1]}, "name": {"Load Test"}, "email": {"load@example.it"},
		"password": {"a long load test password"}, "language": {"en"}, "workspace_name": {"Load Test"}}
	res, err := c.PostForm(base+"/setup", form)
	if err != nil {
		return creds{}, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	u, _ := url.Parse(base)
	var cr creds
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "pv_session" {
			cr.session = ck.Value
		}
	}
	if cr.session == "" {
		return cr, fmt.Errorf("set-up did not log in (status %d)", res.StatusCode)
	}
	page, err = get(c, base+"/account")
	if err != nil {
		return cr, err
	}
	if m = csrfField.FindStringSubmatch(page); m == nil {
		return cr, fmt.Errorf("no CSRF token on /account")
	}
	cr.csrf = m[1]
	req, _ := http.NewRequest("POST", base+"/api/v1/tokens", strings.NewReader(`{"name":"loadgen"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", cr.csrf)
	res, err = c.Do(req)
	if err != nil {
		return cr, err
	}
	defer res.Body.Close()
	var tok struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || tok.Token == "" {
		return cr, fmt.Errorf("creating an API token: status %d, %v", res.StatusCode, err)
	}
	cr.token, cr.slug = tok.Token, "load-test"
	return cr, nil
}

func get(c *http.Client, u string) (string, error) {
	res, err := c.Get(u)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return string(b), err
}

type target struct {
	name, path string
	header     http.Header
}

func run(base string, rate int, duration time.Duration, printCreds bool) error {
	cr, err := setUp(base)
	if err != nil {
		return err
	}
	if printCreds {
		fmt.Printf("SESSION=%s\nTOKEN=%s\nSLUG=%s\n", cr.session, cr.token, cr.slug)
		return nil
	}
	targets := []target{
		{"logged-in page GET /w/" + cr.slug + "/settings", "/w/" + cr.slug + "/settings", http.Header{"Cookie": {"pv_session=" + cr.session}}},
		{"API call GET /api/v1/workspaces/" + cr.slug + "/members", "/api/v1/workspaces/" + cr.slug + "/members", http.Header{"Authorization": {"Bearer " + cr.token}}},
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	fmt.Printf("%-55s %7s %6s %8s %8s %8s %8s\n", "target", "sent", "errors", "p50", "p90", "p99", "max")
	for _, t := range targets {
		lat, errs := load(client, base+t.path, t.header, rate, duration)
		slices.Sort(lat)
		fmt.Printf("%-55s %7d %6d %8s %8s %8s %8s\n", t.name, len(lat)+errs, errs,
			pct(lat, 50), pct(lat, 90), pct(lat, 99), pct(lat, 100))
	}
	return nil
}

// load sends rate requests a second for duration, each on its own
// goroutine at its scheduled time, and returns the latencies of the
// successful ones.
func load(c *http.Client, u string, h http.Header, rate int, duration time.Duration) ([]time.Duration, int) {
	var (
		mu   sync.Mutex
		lat  []time.Duration
		errs int
		wg   sync.WaitGroup
	)
	interval := time.Second / time.Duration(rate)
	n := int(duration / interval)
	start := time.Now()
	for i := range n {
		time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", u, nil)
			req.Header = h.Clone()
			t0 := time.Now()
			res, err := c.Do(req)
			ok := err == nil && res.StatusCode == 200
			if err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			d := time.Since(t0)
			mu.Lock()
			if ok {
				lat = append(lat, d)
			} else {
				errs++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return lat, errs
}

func pct(sorted []time.Duration, p int) string {
	if len(sorted) == 0 {
		return "-"
	}
	i := (len(sorted)*p + 99) / 100
	i = min(max(i-1, 0), len(sorted)-1)
	return sorted[i].Round(10 * time.Microsecond).String()
}
