// Package cli is the portavoce command: serve, migrate, user and version.
// Run receives everything from outside (arguments, environment, standard
// streams) so that tests run it in-process.
package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/account"
	"github.com/portavoce/portavoce/internal/config"
	"github.com/portavoce/portavoce/internal/jobs"
	"github.com/portavoce/portavoce/internal/store"
)

// ErrUsage means the usage was printed; nothing more needs saying.
var ErrUsage = errors.New("usage")

// ExitCode is the process exit status for err: 2 for usage, 1 otherwise.
func ExitCode(err error) int {
	if errors.Is(err, ErrUsage) {
		return 2
	}
	return 1
}

// env carries the outside world into the commands.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

const usage = `Portavoce: self-hosted social media management.

Usage:
  portavoce serve [flags]                 start the web UI, the REST API and the background workers
  portavoce migrate [flags]               bring the database schema up to date, then exit
  portavoce user create [flags]           create a user (password read from standard input)
  portavoce user reset-password [flags]   set a new password for a user and end their sessions
  portavoce workspace list                list your workspaces on a running server (REST API)
  portavoce post COMMAND                  list, create, show, reschedule or cancel posts (REST API)
  portavoce api METHOD PATH [BODY]        call the REST API of a running server, for scripts
  portavoce version                       print the version

The commands on a running server authenticate with a personal API token
(PORTAVOCE_TOKEN; create one in Your account) at PORTAVOCE_SERVER
(default http://127.0.0.1:8080).

Run "portavoce <command> --help" for the flags of a command. Every flag of
serve and migrate also reads an environment variable (PORTAVOCE_...) and a
line of the --config file.
`

// Run runs the command line args (args[0] is the program name).
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return ErrUsage
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "serve":
		return serve(ctx, e, rest)
	case "migrate":
		return migrate(ctx, e, rest)
	case "user":
		return user(ctx, e, rest)
	case "api":
		return api(ctx, e, rest)
	case "workspace":
		return workspaces(ctx, e, rest)
	case "post":
		return posts(ctx, e, rest)
	case "version", "--version":
		fmt.Fprintln(stdout, "portavoce", portavoce.Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
	return ErrUsage
}

// flagSet makes a FlagSet whose --help prints to stdout and succeeds. The
// flag package's own message about a bad flag goes to stderr, once.
func flagSet(e env, name, summary string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {} // parse decides what to print
	return &flags{FlagSet: fs, help: func() {
		fmt.Fprintf(e.stdout, "Usage: portavoce %s [flags]\n\n%s\n\nFlags:\n", name, summary)
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(e.stderr)
	}}
}

// flags is a command's FlagSet with its help text.
type flags struct {
	*flag.FlagSet
	help func()
}

// parse loads the configuration. --help prints the help and is a success; a
// bad flag (already reported by the flag package) is a usage error.
func parse(e env, fs *flags, args []string) (config.Config, error) {
	c, rest, err := config.Load(fs.FlagSet, args, e.getenv)
	if errors.Is(err, flag.ErrHelp) {
		fs.help()
		return c, errHelpShown
	}
	var flagErr *config.FlagError
	if errors.As(err, &flagErr) {
		fmt.Fprintf(e.stderr, "Run \"portavoce %s --help\" for the flags.\n", fs.Name())
		return c, ErrUsage
	}
	if err != nil {
		return c, err
	}
	if len(rest) > 0 {
		return c, fmt.Errorf("unexpected argument %q (see portavoce %s --help)", rest[0], fs.Name())
	}
	return c, nil
}

var errHelpShown = errors.New("help shown")

func newLogger(c config.Config, w io.Writer) *slog.Logger {
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[c.LogLevel]
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore opens and migrates the database (Portavoce's tables and
// River's).
func openStore(ctx context.Context, c config.Config, log *slog.Logger) (*store.DB, error) {
	db, err := store.Open(ctx, store.Options{DataDir: c.Data, DatabaseURL: c.Database, Logger: log, Wait: c.DatabaseWait})
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := jobs.Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func migrate(ctx context.Context, e env, args []string) error {
	fs := flagSet(e, "migrate", "Bring the database schema up to date (Portavoce's tables and the job queue's), then exit.\nServe does this too at start; run it alone before upgrading several nodes.")
	c, err := parse(e, fs, args)
	if err == errHelpShown {
		return nil
	}
	if err != nil {
		return err
	}
	log := newLogger(c, e.stderr)
	db, err := openStore(ctx, c, log)
	if err != nil {
		return err
	}
	defer db.Close()
	cur, latest, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "database %s is at schema version %d of %d\n", db.Where(), cur, latest)
	return nil
}

func user(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, "Usage:\n  portavoce user create --email EMAIL --name NAME [--admin]\n  portavoce user reset-password --email EMAIL\n\nThe password is read from standard input (asked for, without echo, on a terminal).\n")
		return ErrUsage
	}
	switch args[0] {
	case "create":
		fs := flagSet(e, "user create", "Create a user. The password is read from standard input.")
		email := fs.String("email", "", "the user's email (required)")
		name := fs.String("name", "", "the user's name (required)")
		admin := fs.Bool("admin", false, "make the user an administrator (creates workspaces, reads the whole audit log)")
		c, err := parse(e, fs, args[1:])
		if err == errHelpShown {
			return nil
		}
		if err != nil {
			return err
		}
		if *email == "" || *name == "" {
			return errors.New("user create needs --email and --name")
		}
		password, err := readPassword(e)
		if err != nil {
			return err
		}
		return withAccounts(ctx, e, c, func(accounts *account.Service) error {
			u, err := accounts.CreateUser(ctx, *name, *email, password, *admin)
			if err != nil {
				return userError(err)
			}
			fmt.Fprintf(e.stdout, "created user %s (%s)\n", u.Email, u.ID)
			return nil
		})
	case "reset-password":
		fs := flagSet(e, "user reset-password", "Set a new password for a user, end all their sessions and revoke their API tokens\n(an account that may have been taken over is recovered this way). The password is read from standard input.")
		email := fs.String("email", "", "the user's email (required)")
		c, err := parse(e, fs, args[1:])
		if err == errHelpShown {
			return nil
		}
		if err != nil {
			return err
		}
		if *email == "" {
			return errors.New("user reset-password needs --email")
		}
		password, err := readPassword(e)
		if err != nil {
			return err
		}
		return withAccounts(ctx, e, c, func(accounts *account.Service) error {
			revoked, err := accounts.ResetPassword(ctx, *email, password)
			if err != nil {
				return userError(err)
			}
			fmt.Fprintf(e.stdout, "the password of %s was changed, their sessions were ended and their %d API tokens revoked\n",
				strings.ToLower(*email), revoked)
			return nil
		})
	}
	fmt.Fprintf(e.stderr, "unknown user command %q: use create or reset-password\n", args[0])
	return ErrUsage
}

// withAccounts opens the database for a one-off command and runs fn with
// the account service.
func withAccounts(ctx context.Context, e env, c config.Config, fn func(*account.Service) error) error {
	db, err := openStore(ctx, c, newLogger(c, e.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(account.New(db, account.DefaultPolicy, nil, nil))
}

// userError shows a domain error's message without its code.
func userError(err error) error {
	var pe *portavoce.Error
	if errors.As(err, &pe) {
		return errors.New(pe.Message)
	}
	return err
}

// readPassword reads a password: on a terminal it asks twice without echo;
// otherwise it reads the first line of standard input.
func readPassword(e env) (string, error) {
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.stderr, "Password: ")
		first, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(e.stderr, "Again: ")
		second, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		if string(first) != string(second) {
			return "", errors.New("the two passwords differ")
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("no password on standard input: pipe it in, for example: echo 'a long password' | portavoce user create ...")
	}
	return strings.TrimRight(line, "\r\n"), nil
}
