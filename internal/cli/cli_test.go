package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/portavoce/portavoce/internal/cli"
	"github.com/portavoce/portavoce/internal/store/storetest"
)

// TestMain makes the test binary double as the portavoce command, so that
// the scripts in testdata/script run it as a real process: exit status,
// standard streams and environment as a user sees them.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"portavoce": portavoceMain})
}

// portavoceMain is cmd/portavoce's main, word for word but for the package.
func portavoceMain() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if err != cli.ErrUsage {
			fmt.Fprintln(os.Stderr, "portavoce:", err)
		}
		os.Exit(cli.ExitCode(err))
	}
}

// TestScripts runs testdata/script/*.txtar. Two commands exist only here:
//
//	exits CODE command [args...]   runs command and wants exactly that exit status
//	busyport VAR                   listens on a free loopback port for the rest of
//	                               the script and puts its host:port in $VAR
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":    cmdExits,
			"busyport": cmdBusyPort,
		},
	})
}

func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: %q is not a number", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			ts.Fatalf("exits: %v", err)
		}
		got = exit.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

func cmdBusyPort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: busyport VAR")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ts.Fatalf("busyport: %v", err)
	}
	ts.Defer(func() { ln.Close() })
	ts.Setenv(args[0], ln.Addr().String())
}

// environ is a getenv over a fixed set of variables, so that the tests do not
// depend on the PORTAVOCE_* variables of whoever runs them.
func environ(vars ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(vars); i += 2 {
		m[vars[i]] = vars[i+1]
	}
	return func(k string) string { return m[k] }
}

// syncBuffer is a bytes.Buffer that the server's log goroutines and the test
// may use at the same time.
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

// server is one `portavoce serve` running in this process.
type server struct {
	url    string
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

var runningLine = regexp.MustCompile(`^Portavoce is running at (http://127\.0\.0\.1:\d+)$`)

// startServe runs `portavoce serve` on a free loopback port until its
// "running at" line. If Run returns before that, it reports the error
// instead (and a nil server).
func startServe(t *testing.T, getenv func(string) string, args ...string) (*server, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, outW := io.Pipe()
	s := &server{stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() {
		err := cli.Run(ctx, append([]string{"portavoce", "serve", "--listen", "127.0.0.1:0"}, args...), getenv, strings.NewReader(""), outW, s.stderr)
		outW.Close()
		s.done <- err
	}()
	lines, found := make(chan string), make(chan struct{})
	go func() {
		// Read until Run returns; once the running line was found, nobody
		// listens on lines any more, but stdout must not block the server.
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-found:
			}
		}
		close(lines)
		io.Copy(io.Discard, out)
	}()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				cancel()
				err := <-s.done
				if err == nil {
					t.Fatalf("serve returned nil without saying it was running; stderr:\n%s", s.stderr)
				}
				return nil, err
			}
			if m := runningLine.FindStringSubmatch(line); m != nil {
				s.url = m[1]
				close(found)
				t.Cleanup(func() { s.stop(t) })
				return s, nil
			}
			t.Logf("stdout: %s", line)
		case <-timeout:
			cancel()
			t.Fatalf("serve did not say it was running within 30s; stderr:\n%s", s.stderr)
		}
	}
}

// stop cancels the server's context (what SIGTERM does) and returns Run's
// result; a second call returns nil.
func (s *server) stop(t *testing.T) error {
	t.Helper()
	if s.cancel == nil {
		return nil
	}
	s.cancel()
	s.cancel = nil
	select {
	case err := <-s.done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not return within 30s of its context ending; stderr:\n%s", s.stderr)
		return nil
	}
}

func TestServe(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")

	s, err := startServe(t, environ(), "--data", data)
	if err != nil {
		t.Fatalf("serve on a new data folder: %v", err)
	}
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	for _, tc := range []struct {
		name, path   string
		wantStatus   int
		wantBody     string
		wantLocation string
	}{
		{name: "health", path: "/healthz", wantStatus: http.StatusOK, wantBody: "ok\n"},
		{name: "readiness", path: "/readyz", wantStatus: http.StatusOK, wantBody: "ready\n"},
		{name: "a new instance goes to set-up", path: "/", wantStatus: http.StatusSeeOther, wantLocation: "/setup"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := client.Get(s.url + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("GET %s = %d %q, want %d", tc.path, resp.StatusCode, body, tc.wantStatus)
			}
			if tc.wantBody != "" && string(body) != tc.wantBody {
				t.Errorf("GET %s body = %q, want %q", tc.path, body, tc.wantBody)
			}
			if loc := resp.Header.Get("Location"); loc != tc.wantLocation {
				t.Errorf("GET %s Location = %q, want %q", tc.path, loc, tc.wantLocation)
			}
		})
	}

	info, err := os.Stat(filepath.Join(data, "secret.key"))
	if err != nil {
		t.Fatalf("serve did not create the key file: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("data/secret.key has mode %v, want 0600 (it encrypts the networks' access tokens)", perm)
	}
	if _, err := os.Stat(filepath.Join(data, "portavoce.db")); err != nil {
		t.Errorf("serve did not create the database: %v", err)
	}

	if err := s.stop(t); err != nil {
		t.Fatalf("serve after its context ended = %v, want nil (graceful shutdown); stderr:\n%s", err, s.stderr)
	}
	if !strings.Contains(s.stderr.String(), "shutting down") {
		t.Errorf("the log does not say the server is shutting down:\n%s", s.stderr)
	}

	t.Run("restarts with the key file", func(t *testing.T) {
		s, err := startServe(t, environ(), "--data", data)
		if err != nil {
			t.Fatalf("serve on the same data folder: %v", err)
		}
		if err := s.stop(t); err != nil {
			t.Fatalf("serve after its context ended = %v, want nil", err)
		}
	})

	t.Run("refuses another key", func(t *testing.T) {
		key := make([]byte, 32)
		rand.Read(key)
		other := base64.StdEncoding.EncodeToString(key)
		s, err := startServe(t, environ("PORTAVOCE_SECRET_KEY", other), "--data", data)
		if err == nil {
			s.stop(t)
			t.Fatal("serve started with a secret key other than the one the stored secrets were sealed with")
		}
		if !strings.Contains(err.Error(), "original key") {
			t.Errorf("serve with another key: %v; want a message that says to start with the original key", err)
		}
		if strings.Contains(err.Error(), other) {
			t.Errorf("the error shows the secret key: %v", err)
		}
	})
}

// postgresUp says whether the PostgreSQL tests should run: always under CI,
// else only when something answers on the default port.
func postgresUp() bool {
	if os.Getenv("CI") == "true" {
		return true
	}
	conn, err := net.DialTimeout("tcp", "127.0.0.1:5432", time.Second)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

func TestPostgres(t *testing.T) {
	if !postgresUp() {
		t.Skip("PostgreSQL does not answer on 127.0.0.1:5432; set CI=true to make this a failure")
	}
	dbURL := storetest.PostgresURL(t)
	data := t.TempDir()
	ctx := context.Background()
	run := func(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
		t.Helper()
		var out, errOut bytes.Buffer
		args = append(append([]string{"portavoce"}, args...), "--database", dbURL, "--database-wait", "10s", "--data", data)
		err = cli.Run(ctx, args, environ(), strings.NewReader(stdin), &out, &errOut)
		return out.String(), errOut.String(), err
	}

	t.Run("migrate", func(t *testing.T) {
		for range 2 {
			out, stderr, err := run(t, "", "migrate")
			if err != nil {
				t.Fatalf("migrate: %v\n%s", err, stderr)
			}
			m := regexp.MustCompile(`^database PostgreSQL at \S+ is at schema version (\d+) of (\d+)\n$`).FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("migrate printed %q", out)
			}
			if m[1] != m[2] || m[1] == "0" {
				t.Errorf("after migrate the schema is at version %s of %s", m[1], m[2])
			}
		}
		if _, err := os.Stat(filepath.Join(data, "portavoce.db")); err == nil {
			t.Error("migrate on PostgreSQL also created a SQLite file in the data folder")
		}
	})

	t.Run("users", func(t *testing.T) {
		out, stderr, err := run(t, "a long password\n", "user", "create", "--email", "Ada@Example.com", "--name", "Ada", "--admin")
		if err != nil {
			t.Fatalf("user create: %v\n%s", err, stderr)
		}
		if !strings.HasPrefix(out, "created user ada@example.com (") {
			t.Errorf("user create printed %q", out)
		}
		_, _, err = run(t, "another long password\n", "user", "create", "--email", "ada@example.com", "--name", "Ada again")
		if err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("second user create with the same email = %v, want already exists", err)
		}
		out, stderr, err = run(t, "a new long password\n", "user", "reset-password", "--email", "ada@example.com")
		if err != nil {
			t.Fatalf("user reset-password: %v\n%s", err, stderr)
		}
		if !strings.Contains(out, "the password of ada@example.com was changed") {
			t.Errorf("user reset-password printed %q", out)
		}
		_, _, err = run(t, "a new long password\n", "user", "reset-password", "--email", "nobody@example.com")
		if err == nil || !strings.Contains(err.Error(), "no user has the email nobody@example.com") {
			t.Errorf("reset-password for an unknown email = %v", err)
		}
	})
}
