package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"
)

// remote is a client of a running Portavoce's REST API, authenticated with
// a personal API token, for the commands that work on a server (possibly
// another machine) rather than on a database.
type remote struct {
	server, token string
	http          *http.Client
}

// remoteFlags registers --server and --token on fs; the environment
// (PORTAVOCE_SERVER, PORTAVOCE_TOKEN) fills what the flags leave empty.
func remoteFlags(fs *flag.FlagSet) (server, token *string) {
	server = fs.String("server", "", "`URL` of the Portavoce server (env PORTAVOCE_SERVER; default http://127.0.0.1:8080)")
	token = fs.String("token", "", "personal API `token` (env PORTAVOCE_TOKEN, which keeps it out of the process list); create one in Your account")
	return server, token
}

func newRemote(e env, server, token string) (*remote, error) {
	if server == "" {
		server = e.getenv("PORTAVOCE_SERVER")
	}
	if server == "" {
		server = "http://127.0.0.1:8080"
	}
	if token == "" {
		token = e.getenv("PORTAVOCE_TOKEN")
	}
	if token == "" {
		return nil, errors.New("no API token: set PORTAVOCE_TOKEN (create a token in Your account, on the web UI)")
	}
	if !strings.HasPrefix(server, "http://") && !strings.HasPrefix(server, "https://") {
		return nil, fmt.Errorf("--server %q must start with http:// or https://", server)
	}
	return &remote{server: strings.TrimRight(server, "/"), token: token, http: &http.Client{Timeout: 60 * time.Second}}, nil
}

// apiError is the error body of the REST API.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// do sends a request and returns the body of a successful answer; an error
// answer becomes an error with the server's message.
func (c *remote) do(ctx context.Context, method, path string, body io.Reader) ([]byte, error) {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	req, err := http.NewRequestWithContext(ctx, method, c.server+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach %s: %w", c.server, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the answer of %s: %w", c.server, err)
	}
	if res.StatusCode >= 400 {
		var e apiError
		if json.Unmarshal(data, &e) == nil && e.Error.Message != "" {
			if e.Error.Field != "" {
				return data, fmt.Errorf("%s (%s, field %s)", e.Error.Message, e.Error.Code, e.Error.Field)
			}
			return data, fmt.Errorf("%s (%s)", e.Error.Message, e.Error.Code)
		}
		return data, fmt.Errorf("%s %s: %s", method, path, res.Status)
	}
	return data, nil
}

// api is `portavoce api METHOD PATH [BODY]`: one REST call, the JSON answer
// on standard output. A BODY of "-" is read from standard input.
func api(ctx context.Context, e env, args []string) error {
	fs := flagSet(e, "api", "portavoce api [--server URL] METHOD PATH [BODY]\n\nCall the REST API of a running server and print the JSON answer, for scripts.\nExamples:\n  portavoce api GET /api/v1/workspaces\n  portavoce api POST /api/v1/workspaces '{\"name\": \"Caffè Rossi\"}'\n  echo '{\"role\": \"editor\"}' | portavoce api PATCH /api/v1/workspaces/caffe-rossi/members/USER_ID -\nThe API is described at /api/v1/openapi.json.")
	server, token := remoteFlags(fs.FlagSet)
	if done, err := parseRemote(e, fs, args); done || err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) < 2 || len(rest) > 3 {
		fmt.Fprintln(e.stderr, `usage: portavoce api METHOD PATH [BODY] (see portavoce api --help)`)
		return ErrUsage
	}
	method := strings.ToUpper(rest[0])
	var body io.Reader
	if len(rest) == 3 {
		body = strings.NewReader(rest[2])
		if rest[2] == "-" {
			body = e.stdin
		}
	}
	c, err := newRemote(e, *server, *token)
	if err != nil {
		return err
	}
	data, err := c.do(ctx, method, rest[1], body)
	if err != nil {
		return err
	}
	if len(data) > 0 {
		e.stdout.Write(data)
	}
	return nil
}

// workspaces is `portavoce workspace list`: the workspaces the token's user
// belongs to, with their role.
func workspaces(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "list" {
		fmt.Fprintln(e.stderr, "usage: portavoce workspace list [--server URL] [--json]")
		return ErrUsage
	}
	fs := flagSet(e, "workspace list", "List the workspaces you belong to on a running server, with your role in each.")
	server, token := remoteFlags(fs.FlagSet)
	asJSON := fs.Bool("json", false, "print the API's JSON instead of a table")
	if done, err := parseRemote(e, fs, args[1:]); done || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (see portavoce workspace list --help)", fs.Arg(0))
	}
	c, err := newRemote(e, *server, *token)
	if err != nil {
		return err
	}
	data, err := c.do(ctx, "GET", "/api/v1/workspaces", nil)
	if err != nil {
		return err
	}
	if *asJSON {
		e.stdout.Write(data)
		return nil
	}
	var list struct {
		Workspaces []struct{ Slug, Name, Role, Timezone string }
	}
	if err := json.Unmarshal(data, &list); err != nil {
		return fmt.Errorf("the server's answer is not the workspace list: %w", err)
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SLUG\tNAME\tROLE\tTIME ZONE")
	for _, ws := range list.Workspaces {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", ws.Slug, ws.Name, ws.Role, ws.Timezone)
	}
	return w.Flush()
}

// parseRemote parses a remote command's flags: done is true after --help.
func parseRemote(e env, fs *flags, args []string) (done bool, err error) {
	err = fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.help()
		return true, nil
	case err != nil:
		fmt.Fprintf(e.stderr, "Run \"portavoce %s --help\" for the flags.\n", fs.Name())
		return true, ErrUsage
	}
	return false, nil
}
