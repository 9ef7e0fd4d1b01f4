package cli_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portavoce/portavoce/internal/account"
	"github.com/portavoce/portavoce/internal/cli"
	"github.com/portavoce/portavoce/internal/store"
)

// TestRemoteCommands drives a running server through its REST API from the
// command line, with a personal API token, as a script would.
func TestRemoteCommands(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	srv, err := startServe(t, environ(), "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	accounts := account.New(db, account.DefaultPolicy, nil, nil)
	admin, err := accounts.CreateUser(ctx, "Anna Rossi", "anna@example.it", "una password lunga", true)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := accounts.CreateAPIToken(ctx, admin, "cli test", account.Origin{})
	if err != nil {
		t.Fatal(err)
	}

	run := func(env func(string) string, stdin string, args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := cli.Run(ctx, append([]string{"portavoce"}, args...), env, strings.NewReader(stdin), &out, &errOut)
		return out.String(), errOut.String(), err
	}
	withToken := environ("PORTAVOCE_SERVER", srv.url, "PORTAVOCE_TOKEN", token)

	tests := []struct {
		name    string
		env     func(string) string
		stdin   string
		args    []string
		wantOut string
		wantErr string
	}{
		{"create a workspace", withToken, "", []string{"api", "POST", "/api/v1/workspaces", `{"name": "Caffè Rossi"}`}, `"slug": "caffe-rossi"`, ""},
		{"body from stdin", withToken, `{"name": "Studio Bianchi", "timezone": "Europe/Rome"}`, []string{"api", "POST", "/api/v1/workspaces", "-"}, `"slug": "studio-bianchi"`, ""},
		{"list as a table", withToken, "", []string{"workspace", "list"}, "caffe-rossi     Caffè Rossi     owner  Europe/Rome", ""},
		{"list as JSON", withToken, "", []string{"workspace", "list", "--json"}, `"workspaces": [`, ""},
		{"method in lower case", withToken, "", []string{"api", "get", "/api/v1/me"}, `"email": "anna@example.it"`, ""},
		{"the server's message", withToken, "", []string{"api", "POST", "/api/v1/workspaces", `{"name": "x", "timezone": "Mars/Base"}`}, "", `"Mars/Base" is not a time zone: use a name such as Europe/Rome (invalid_input, field timezone)`},
		{"malformed JSON", withToken, "", []string{"api", "POST", "/api/v1/workspaces", `{"name": `}, "", "the JSON is malformed"},
		{"unknown workspace", withToken, "", []string{"api", "GET", "/api/v1/workspaces/nope"}, "", "there is no such workspace, or you are not a member of it (not_found)"},
		{"no token", environ("PORTAVOCE_SERVER", srv.url), "", []string{"workspace", "list"}, "", "no API token: set PORTAVOCE_TOKEN"},
		{"revoked or wrong token", environ("PORTAVOCE_SERVER", srv.url, "PORTAVOCE_TOKEN", "pv_wrong"), "", []string{"workspace", "list"}, "", "the API token is not valid"},
		{"token flag wins", environ("PORTAVOCE_SERVER", srv.url, "PORTAVOCE_TOKEN", "pv_wrong"), "", []string{"workspace", "list", "--token", token}, "studio-bianchi", ""},
		{"server down", environ("PORTAVOCE_SERVER", "http://127.0.0.1:1", "PORTAVOCE_TOKEN", token), "", []string{"workspace", "list"}, "", "cannot reach http://127.0.0.1:1"},
		{"missing path", withToken, "", []string{"api", "GET"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, err := run(tt.env, tt.stdin, tt.args...)
			if tt.wantErr == "" && tt.wantOut == "" {
				if err != cli.ErrUsage || !strings.Contains(stderr, "usage: portavoce api") {
					t.Fatalf("err %v, stderr %q: want the usage", err, stderr)
				}
				return
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), token) {
					t.Fatal("the error shows the token")
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v\nstderr: %s", err, stderr)
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Fatalf("stdout %q does not contain %q", out, tt.wantOut)
			}
		})
	}
}
