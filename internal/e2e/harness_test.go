package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/portavoce/portavoce/internal/cli"
)

// chromiumPath is where Debian's chromium package puts the browser; the CI
// script installs it there.
const chromiumPath = "/usr/bin/chromium"

// stepTimeout bounds one browser step (a navigation, a form submission, a
// read of the page). It is generous on purpose: it only stops a hung test,
// it measures nothing.
const stepTimeout = 60 * time.Second

// lockedBuffer collects the server's and the browser's output, written from
// their goroutines, to show when a test fails.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startServer runs `portavoce serve` in-process on a free loopback port with
// a fresh data folder, and returns the URL it prints. extra adds flags, such
// as --database. The server stops when the test ends; its log is shown if the
// test failed.
func startServer(t *testing.T, extra ...string) string {
	t.Helper()
	args := append([]string{"portavoce", "serve", "--listen", "127.0.0.1:0", "--data", t.TempDir()}, extra...)
	// Nothing comes from the developer's environment (PORTAVOCE_DATABASE,
	// PORTAVOCE_BASE_URL, ...): the flags above are the whole configuration.
	getenv := func(string) string { return "" }

	logs := &lockedBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})

	ctx, cancel := context.WithCancel(context.Background())
	stdoutR, stdoutW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := cli.Run(ctx, args, getenv, strings.NewReader(""), stdoutW, logs)
		stdoutW.Close()
		done <- err
	}()
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdoutR)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), "Portavoce is running at "); ok {
				urls <- strings.TrimSpace(url)
			}
		}
		io.Copy(io.Discard, stdoutR) // never block the server on a full pipe
	}()

	stop := func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("portavoce serve ended with an error: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("portavoce serve did not stop within 30 s of its context being cancelled")
		}
	}

	select {
	case url := <-urls:
		t.Cleanup(stop)
		return url
	case err := <-done:
		cancel()
		t.Fatalf("portavoce serve ended before printing its URL: %v\n%s", err, logs)
	case <-time.After(2 * time.Minute):
		stop()
		t.Fatalf("portavoce serve printed no URL within 2 minutes\n%s", logs)
	}
	return ""
}

// startBrowser starts one headless Chromium for the test and returns a
// context holding it. Each person of a flow gets their own browser context
// in it (see newVisitor), so that cookies never mix.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is required under CI=true and is missing at %s: run scripts/test-deps.sh as root (make test does), which installs Debian's chromium package with apt", chromiumPath)
		}
		t.Skipf("no Chromium at %s: skipping the browser tests (scripts/test-deps.sh installs it); set CI=true to make this a failure", chromiumPath)
	}
	output := &lockedBuffer{}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// The UI picks its language from Accept-Language: start in English.
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("accept-lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(output),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc() // waits for the browser process to exit
		if t.Failed() {
			t.Logf("chromium output (without its D-Bus complaints):\n%s", withoutDBus(output.String()))
		}
	})
	// The first Do starts the browser; its context has no deadline, so that
	// the browser lives as long as the test.
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start Chromium: %v\n%s", err, output)
	}
	return browserCtx
}

// withoutDBus drops the lines where Chromium complains that it runs with no
// D-Bus, as it always does in a container.
func withoutDBus(output string) string {
	var kept []string
	for line := range strings.Lines(output) {
		if !strings.Contains(line, "dbus") && !strings.Contains(line, "D-Bus") {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "")
}

// visitor is one person at their own browser: a tab in a browser context of
// its own (cookies, storage), on the server at base.
type visitor struct {
	t    *testing.T
	who  string
	base string
	ctx  context.Context
	// shots is the folder for screenshots, or "" for none.
	shots string
}

// newVisitor opens a tab in a new browser context; it closes when t ends.
func newVisitor(t *testing.T, browser context.Context, base, who string) *visitor {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first Do opens the tab, with no deadline: the tab lives as long as
	// the context.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: open a tab: %v", who, err)
	}
	return &visitor{t: t, who: who, base: base, ctx: ctx, shots: os.Getenv("PORTAVOCE_SCREENSHOTS")}
}

// as returns the same visitor reporting to another (sub)test.
func (v *visitor) as(t *testing.T) *visitor {
	c := *v
	c.t = t
	return &c
}

// withoutJavaScript makes the tab behave as a browser with JavaScript turned
// off, to check that every page works without the small script.
func (v *visitor) withoutJavaScript() {
	v.t.Helper()
	v.do("turn JavaScript off", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
}

// run runs one action with the step timeout and returns its value; a failure
// ends the test, saying who did what and where.
func run[T any](v *visitor, what string, a chromedp.Action[T]) T {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(v.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.Run(ctx, a)
	if err != nil {
		v.t.Fatalf("%s: %s: %v (page: %s)", v.who, what, err, v.where())
	}
	return res
}

func (v *visitor) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	v.t.Helper()
	run(v, what, chromedp.Steps(steps...))
}

// where is the page the visitor is on, for failure messages.
func (v *visitor) where() string {
	ctx, cancel := context.WithTimeout(v.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "unknown"
	}
	return loc
}

// navigate runs the steps, waits for the page they load and returns its HTTP
// status (of the last response, after redirects).
func (v *visitor) navigate(what string, steps ...chromedp.Action[chromedp.Void]) int64 {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(v.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		v.t.Fatalf("%s: %s: %v (page: %s)", v.who, what, err, v.where())
	}
	if resp == nil {
		v.t.Fatalf("%s: %s: no page loaded (page: %s)", v.who, what, v.where())
	}
	return resp.Status
}

// open types path into the address bar.
func (v *visitor) open(path string) int64 {
	v.t.Helper()
	return v.navigate("open "+path, chromedp.Navigate(v.base+path))
}

// press clicks the button or link css selects and waits for the next page.
func (v *visitor) press(css string) int64 {
	v.t.Helper()
	return v.navigate("press "+css, chromedp.Click(chromedp.CSS(css)))
}

// reload reloads the page, as F5 does.
func (v *visitor) reload() int64 {
	v.t.Helper()
	return v.navigate("reload", chromedp.Reload())
}

// fill types value into the empty field with that id.
func (v *visitor) fill(id, value string) {
	v.t.Helper()
	v.do("fill #"+id, chromedp.Clear(chromedp.ID(id)), chromedp.SendKeys(chromedp.ID(id), value))
}

// choose picks an option of the select with that id, without firing events.
func (v *visitor) choose(id, value string) {
	v.t.Helper()
	v.do("choose "+value+" in #"+id, chromedp.SetValue(chromedp.ID(id), value))
}

// js evaluates expression in the page.
func js[T any](v *visitor, expression string) T {
	v.t.Helper()
	return run(v, "evaluate "+expression, chromedp.Evaluate[T](expression))
}

// quote makes s a JavaScript string literal.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// path is the address of the current page without the host.
func (v *visitor) path() string {
	v.t.Helper()
	return js[string](v, `location.pathname + location.search`)
}

// lang is the page's <html lang>.
func (v *visitor) lang() string {
	v.t.Helper()
	return js[string](v, `document.documentElement.lang`)
}

// text is the visible text of the first element css selects, spaces
// collapsed, or "" when there is none.
func (v *visitor) text(css string) string {
	v.t.Helper()
	return js[string](v, `(() => { const e = document.querySelector(`+quote(css)+`);
		return e ? e.textContent.replace(/\s+/g, " ").trim() : ""; })()`)
}

// texts is the text of every element css selects.
func (v *visitor) texts(css string) []string {
	v.t.Helper()
	return js[[]string](v, `Array.from(document.querySelectorAll(`+quote(css)+`), e => e.textContent.replace(/\s+/g, " ").trim())`)
}

// value is the value of the form field with that id, or "" when there is none.
func (v *visitor) value(id string) string {
	v.t.Helper()
	return js[string](v, `(() => { const e = document.getElementById(`+quote(id)+`); return e ? e.value : ""; })()`)
}

// exists tells whether css selects an element.
func (v *visitor) exists(css string) bool {
	v.t.Helper()
	return js[bool](v, `document.querySelector(`+quote(css)+`) !== null`)
}

// visible tells whether the first element css selects is on the page and
// shown: not hidden, not display:none, with a size.
func (v *visitor) visible(css string) bool {
	v.t.Helper()
	return js[bool](v, `(() => { const e = document.querySelector(`+quote(css)+`);
		if (!e || e.closest("[hidden]")) return false;
		const s = getComputedStyle(e), r = e.getBoundingClientRect();
		return s.display !== "none" && s.visibility !== "hidden" && r.width > 0 && r.height > 0; })()`)
}

// nav lists the data-section values of the workspace navigation, in order.
func (v *visitor) nav() []string {
	v.t.Helper()
	return js[[]string](v, `Array.from(document.querySelectorAll("nav.sections a[data-section]"), a => a.dataset.section)`)
}

// bodyText is the text a person reads on the page.
func (v *visitor) bodyText() string {
	v.t.Helper()
	return js[string](v, `document.body.innerText`)
}

// screenshot saves a PNG of the whole page as name.png in the folder named
// by PORTAVOCE_SCREENSHOTS; without it, it does nothing.
func (v *visitor) screenshot(name string) {
	v.t.Helper()
	if v.shots == "" {
		return
	}
	png := run(v, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.MkdirAll(v.shots, 0o755); err != nil {
		v.t.Fatalf("screenshots: %v", err)
	}
	file := filepath.Join(v.shots, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		v.t.Fatalf("screenshots: %v", err)
	}
	v.t.Logf("screenshot: %s", file)
}

// expect reports a mismatch without stopping the flow, so that one run shows
// every difference.
func (v *visitor) expect(what string, got, want any) {
	v.t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		v.t.Errorf("%s: %s: got %q, want %q (page: %s)", v.who, what, fmt.Sprint(got), fmt.Sprint(want), v.where())
	}
}

// expectTrue reports a failed check without stopping the flow.
func (v *visitor) expectTrue(what string, ok bool) {
	v.t.Helper()
	if !ok {
		v.t.Errorf("%s: %s (page: %s)", v.who, what, v.where())
	}
}

// eventually evaluates the JavaScript condition in the page until it is
// true, for at most within, across page loads (an evaluation that fails
// while a page loads is tried again). When time runs out it ends the test
// with what show evaluates to, to say what the page held instead. It bounds
// a wait; it measures nothing.
func (v *visitor) eventually(what, condition, show string, within time.Duration) {
	v.t.Helper()
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(v.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+condition+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			seen := ""
			if show != "" {
				ctx, cancel := context.WithTimeout(v.ctx, 5*time.Second)
				s, serr := chromedp.Run(ctx, chromedp.Evaluate[string]("String("+show+")"))
				cancel()
				seen = s
				if serr != nil {
					seen = "(" + serr.Error() + ")"
				}
			}
			v.t.Fatalf("%s: %s: still not so after %s (last error: %v; page: %s): %s", v.who, what, within, err, v.where(), seen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// setValue sets the value of the form field with that id without typing,
// and fires its input event as typing or pasting would (dates and times,
// whose typing depends on the browser's locale; long texts).
func (v *visitor) setValue(id, value string) {
	v.t.Helper()
	run(v, "set #"+id, chromedp.Evaluate[bool](`(() => { const e = document.getElementById(`+quote(id)+`);
		if (!e) throw new Error("no #" + `+quote(id)+`);
		e.value = `+quote(value)+`; e.dispatchEvent(new Event("input", {bubbles: true}));
		e.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`))
}
