// Package mailtest runs a real SMTP server for tests: Mailpit, which keeps
// what it receives and shows it through an HTTP API.
//
// Mailpit is pinned in its own module, tools/mailpit, so that its many
// dependencies stay out of Portavoce's go.mod. The first Start on a machine
// builds it (downloading its modules through the Go module proxy if needed,
// a minute or two) into the user's cache directory; later runs reuse that
// binary.
package mailtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// module is the main module, found by walking up from the working directory.
const module = "github.com/portavoce/portavoce"

// Server is a running Mailpit.
type Server struct {
	smtpAddr string
	apiURL   string
	http     *http.Client
}

// Message is an email as Mailpit received it.
type Message struct {
	ID      string
	From    string
	To      []string // addresses only, without display names
	Subject string
	Text    string
	HTML    string
	// Username is the SMTP username the sender authenticated with, if any.
	Username string
}

// Start runs Mailpit on free loopback ports for the test, with an empty
// database, accepting any SMTP username and password (also without TLS), and
// stops it at the test's cleanup. It fails the test if Mailpit cannot be
// built or does not come up.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binary(t)
	var lastErr error
	// A port found free can be taken before Mailpit binds it: try again.
	for range 3 {
		s, err := start(t, bin)
		if err == nil {
			return s
		}
		lastErr = err
	}
	t.Fatalf("mailtest: %v", lastErr)
	return nil
}

func start(t testing.TB, bin string) (*Server, error) {
	smtpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "mailpit-")
	if err != nil {
		return nil, err
	}
	s := &Server{
		smtpAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(smtpPort)),
		apiURL:   "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(httpPort)),
		http:     &http.Client{Timeout: 5 * time.Second},
	}
	cmd := exec.Command(bin,
		"--smtp", s.smtpAddr,
		"--listen", strings.TrimPrefix(s.apiURL, "http://"),
		"--database", filepath.Join(dir, "mailpit.db"),
		"--smtp-auth-accept-any",
		"--smtp-auth-allow-insecure",
		"--smtp-disable-rdns",
		"--disable-version-check",
	)
	cmd.Env = cleanEnv()
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start mailpit: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	stop := func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		os.RemoveAll(dir)
	}

	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-exited:
			os.RemoveAll(dir)
			return nil, fmt.Errorf("mailpit exited before it was ready:\n%s", out)
		default:
		}
		if s.ready() {
			break
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("mailpit not ready after 30s:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("mailpit output:\n%s", out)
		}
	})
	return s, nil
}

func (s *Server) ready() bool {
	resp, err := s.http.Get(s.apiURL + "/api/v1/messages")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// SMTPHost is the host of the SMTP server, "127.0.0.1".
func (s *Server) SMTPHost() string {
	h, _, _ := net.SplitHostPort(s.smtpAddr)
	return h
}

// SMTPPort is the port of the SMTP server.
func (s *Server) SMTPPort() int {
	_, p, _ := net.SplitHostPort(s.smtpAddr)
	n, _ := strconv.Atoi(p)
	return n
}

// Messages returns the messages received so far, oldest first, read through
// Mailpit's HTTP API. It fails the test if the API does not answer.
func (s *Server) Messages(t testing.TB) []Message {
	t.Helper()
	msgs, err := s.messages(t.Context())
	if err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	return msgs
}

func (s *Server) messages(ctx context.Context) ([]Message, error) {
	var list struct {
		Messages []struct{ ID string } `json:"messages"`
	}
	if err := s.get(ctx, "/api/v1/messages?limit=1000", &list); err != nil {
		return nil, err
	}
	out := make([]Message, 0, len(list.Messages))
	for _, summary := range list.Messages {
		var m struct {
			ID       string
			From     *struct{ Address string }
			To       []struct{ Address string }
			Subject  string
			Text     string
			HTML     string
			Username string
		}
		if err := s.get(ctx, "/api/v1/message/"+url.PathEscape(summary.ID), &m); err != nil {
			return nil, err
		}
		msg := Message{ID: m.ID, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Username: m.Username}
		if m.From != nil {
			msg.From = m.From.Address
		}
		for _, to := range m.To {
			msg.To = append(msg.To, to.Address)
		}
		out = append(out, msg)
	}
	slices.Reverse(out) // Mailpit lists the newest first.
	return out, nil
}

func (s *Server) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.apiURL+path, nil)
	if err != nil {
		return err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("mailpit API: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("mailpit API: GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("mailpit API: GET %s: %w", path, err)
	}
	return nil
}

// WaitFor returns the first message match accepts, polling Mailpit for up to
// ten seconds, then fails the test listing what did arrive.
func (s *Server) WaitFor(t testing.TB, match func(Message) bool) Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs, err := s.messages(t.Context())
		if err != nil {
			t.Fatalf("mailtest: %v", err)
		}
		for _, m := range msgs {
			if match(m) {
				return m
			}
		}
		if time.Now().After(deadline) {
			var seen []string
			for _, m := range msgs {
				seen = append(seen, fmt.Sprintf("%q to %v", m.Subject, m.To))
			}
			t.Fatalf("mailtest: no matching message after 10s; received %d: %s", len(msgs), strings.Join(seen, ", "))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// cleanEnv is the environment without Mailpit's own MP_* settings, which
// would change how it runs.
func cleanEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "MP_") })
}

var (
	buildMu  sync.Mutex
	builtBin string
)

// Binary returns the path of the Mailpit binary, building it the first time
// on this machine into the user's cache directory
// (portavoce-mailpit-<version>/mailpit), so later test runs reuse it. It
// fails the test if the build fails.
func Binary(t testing.TB) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if builtBin != "" {
		return builtBin
	}
	bin, err := build(t)
	if err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	builtBin = bin
	return bin
}

func build(t testing.TB) (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	toolDir := filepath.Join(root, "tools", "mailpit")
	version, err := pinnedVersion(filepath.Join(toolDir, "go.mod"))
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "portavoce-mailpit-"+version)
	bin := filepath.Join(dir, "mailpit")
	if usable(bin) {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// Another test process (go test runs packages in parallel) may be
	// building it: take a lock file, or wait for that build to finish.
	lock := bin + ".lock"
	for {
		f, err := os.OpenFile(lock, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			f.Close()
			defer os.Remove(lock)
			break
		}
		if !errors.Is(err, os.ErrExist) {
			return "", err
		}
		if fi, err := os.Stat(lock); err == nil && time.Since(fi.ModTime()) > 15*time.Minute {
			os.Remove(lock) // left by a build that died
		}
		time.Sleep(time.Second)
	}
	if usable(bin) {
		return bin, nil
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("building mailpit needs the go command: %w", err)
	}
	t.Logf("mailtest: building mailpit %s into %s (once per machine; a minute or two)", version, dir)
	// Build beside the final path and rename, so a parallel test process
	// never runs a half-written binary.
	tmp := fmt.Sprintf("%s.%d.tmp", bin, os.Getpid())
	cmd := exec.Command(goBin, "build", "-ldflags=-s -w", "-o", tmp, "github.com/axllent/mailpit")
	cmd.Dir = toolDir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	started := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("build mailpit in %s: %w\n%s", toolDir, err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		os.Remove(tmp)
		return "", err
	}
	t.Logf("mailtest: built mailpit in %s", time.Since(started).Round(time.Second))
	return bin, nil
}

func usable(bin string) bool {
	fi, err := os.Stat(bin)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// repoRoot walks up from the working directory to the go.mod of Portavoce's
// main module.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && modulePath(data) == module {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of module %s above the working directory", module)
		}
		dir = parent
	}
}

func modulePath(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// pinnedVersion reads the version of github.com/axllent/mailpit that
// tools/mailpit/go.mod requires.
func pinnedVersion(gomod string) (string, error) {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(fields) >= 2 && fields[0] == "github.com/axllent/mailpit" {
			return fields[1], nil
		}
	}
	return "", errors.New("no github.com/axllent/mailpit requirement in " + gomod)
}

// syncBuffer collects Mailpit's output from its two streams.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
