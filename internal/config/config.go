// Package config reads Portavoce's settings from flags, environment variables
// (PORTAVOCE_...) and an optional config file, in that order of precedence,
// over built-in defaults.
package config

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/portavoce/portavoce/internal/netguard"
)

// Config is every setting of the server.
type Config struct {
	Listen        string
	Data          string
	Database      string
	SecretKey     string // the key itself, from PORTAVOCE_SECRET_KEY only
	SecretKeyFile string
	BaseURL       string
	LogFormat     string
	LogLevel      string
	TrustProxy    bool
	DatabaseWait  time.Duration
	SweepEvery    time.Duration
	ConfigFile    string

	// AllowHosts are private hosts, addresses or ranges the server may
	// contact anyway (a Mastodon instance on the company network).
	AllowHosts []string
	// BlueskyService is where Bluesky handles are resolved and sign-ins
	// start; PLCDirectory resolves did:plc identities.
	BlueskyService string
	PLCDirectory   string
	// SMTP sends notification emails; empty SMTPHost means none are sent.
	SMTPHost     string
	SMTPPort     int
	SMTPUsername string
	SMTPPassword string
	SMTPFrom     string
	SMTPTLS      string
	// PublishConcurrency bounds network calls in flight per node;
	// PublishLease is how long a node's claim on a post lasts unrenewed.
	PublishConcurrency int
	PublishLease       time.Duration
	// AccountCheckEvery is how often every account's access is verified.
	AccountCheckEvery time.Duration
	// InboxPollEvery is how often each account's inbox is fetched.
	InboxPollEvery time.Duration
	// JetstreamURL is the Bluesky Jetstream listening reads; empty: none.
	JetstreamURL string
}

// Setting describes one setting: its flag, variable, default and help. The
// README's table is this list.
type Setting struct {
	Flag, Env, Default, Help string
	set                      func(c *Config, v string) error
}

func str(dst func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *dst(c) = v; return nil }
}

func dur(name string, dst func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("%s: %q is not a duration: write it as 30s, 5m or 1h", name, v)
		}
		*dst(c) = d
		return nil
	}
}

// Settings lists every setting in the order --help shows them.
var Settings = []Setting{
	{"listen", "PORTAVOCE_LISTEN", "127.0.0.1:8080", "`address` to listen on (host:port); use 0.0.0.0:8080 to accept other machines",
		func(c *Config, v string) error {
			if _, _, err := net.SplitHostPort(v); err != nil {
				return fmt.Errorf("listen: %q is not host:port (for example 127.0.0.1:8080)", v)
			}
			c.Listen = v
			return nil
		}},
	{"data", "PORTAVOCE_DATA", "./data", "data `folder`: the SQLite database, the secret key file, uploads", str(func(c *Config) *string { return &c.Data })},
	{"database", "PORTAVOCE_DATABASE", "", "PostgreSQL `URL` (postgres://user:pass@host:5432/db); empty means the embedded SQLite in the data folder",
		func(c *Config, v string) error {
			if v != "" && !strings.HasPrefix(v, "postgres://") && !strings.HasPrefix(v, "postgresql://") {
				return errors.New("database: the URL must start with postgres:// (leave it empty for the embedded SQLite)")
			}
			c.Database = v
			return nil
		}},
	{"secret-key-file", "PORTAVOCE_SECRET_KEY_FILE", "<data>/secret.key", "`file` with the 32-byte key that encrypts access tokens at rest (created with mode 0600 if missing); PORTAVOCE_SECRET_KEY may hold the key itself instead", str(func(c *Config) *string { return &c.SecretKeyFile })},
	{"base-url", "PORTAVOCE_BASE_URL", "", "public `URL` of this server (https://social.example.com), for links in invitations and emails; with https, cookies are marked Secure", str(func(c *Config) *string { return &c.BaseURL })},
	{"log-format", "PORTAVOCE_LOG_FORMAT", "text", "log `format`: text or json",
		func(c *Config, v string) error {
			if v != "text" && v != "json" {
				return fmt.Errorf("log-format: %q is neither text nor json", v)
			}
			c.LogFormat = v
			return nil
		}},
	{"log-level", "PORTAVOCE_LOG_LEVEL", "info", "log `level`: debug, info, warn or error",
		func(c *Config, v string) error {
			switch v {
			case "debug", "info", "warn", "error":
				c.LogLevel = v
				return nil
			}
			return fmt.Errorf("log-level: %q is not one of debug, info, warn, error", v)
		}},
	{"trust-proxy", "PORTAVOCE_TRUST_PROXY", "false", "take the client address from X-Forwarded-For (only behind a reverse proxy you run)",
		func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("trust-proxy: %q is not true or false", v)
			}
			c.TrustProxy = b
			return nil
		}},
	{"database-wait", "PORTAVOCE_DATABASE_WAIT", "5m", "how long (a `duration`) to keep retrying a PostgreSQL that does not answer at start (0 = forever)",
		dur("database-wait", func(c *Config) *time.Duration { return &c.DatabaseWait })},
	{"sweep-every", "PORTAVOCE_SWEEP_EVERY", "10m", "how often (a `duration`) the background sweep removes expired sessions and invitations",
		dur("sweep-every", func(c *Config) *time.Duration { return &c.SweepEvery })},
	{"allow-hosts", "PORTAVOCE_ALLOW_HOSTS", "", "comma-separated private `hosts`, IP addresses or CIDR ranges the server may contact (outbound requests to private, loopback and link-local addresses are refused otherwise)",
		func(c *Config, v string) error {
			list, err := netguard.ParseAllow(v)
			if err != nil {
				return fmt.Errorf("allow-hosts: %w", err)
			}
			c.AllowHosts = list
			return nil
		}},
	{"bluesky-service", "PORTAVOCE_BLUESKY_SERVICE", "https://bsky.social", "Bluesky `URL` where handles are resolved and sign-ins start", urlSetting("bluesky-service", func(c *Config) *string { return &c.BlueskyService })},
	{"plc-directory", "PORTAVOCE_PLC_DIRECTORY", "https://plc.directory", "`URL` of the PLC directory that resolves did:plc identities", urlSetting("plc-directory", func(c *Config) *string { return &c.PLCDirectory })},
	{"smtp-host", "PORTAVOCE_SMTP_HOST", "", "SMTP `host` for notification emails (failed or late posts); empty sends none", str(func(c *Config) *string { return &c.SMTPHost })},
	{"smtp-port", "PORTAVOCE_SMTP_PORT", "0", "SMTP `port` (0: 587 with starttls, 465 with tls, 25 with none)",
		func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 65535 {
				return fmt.Errorf("smtp-port: %q is not a port number", v)
			}
			c.SMTPPort = n
			return nil
		}},
	{"smtp-username", "PORTAVOCE_SMTP_USERNAME", "", "SMTP `user` name, if the server needs one", str(func(c *Config) *string { return &c.SMTPUsername })},
	{"smtp-password", "PORTAVOCE_SMTP_PASSWORD", "", "SMTP `password` (prefer the variable or the config file to the flag, which other users of the machine can see)", str(func(c *Config) *string { return &c.SMTPPassword })},
	{"smtp-from", "PORTAVOCE_SMTP_FROM", "", "sender `address` of notification emails, such as \"Portavoce <social@example.com>\"", str(func(c *Config) *string { return &c.SMTPFrom })},
	{"smtp-tls", "PORTAVOCE_SMTP_TLS", "starttls", "SMTP `encryption`: starttls, tls or none",
		func(c *Config, v string) error {
			switch v {
			case "starttls", "tls", "none":
				c.SMTPTLS = v
				return nil
			}
			return fmt.Errorf("smtp-tls: %q is not one of starttls, tls, none", v)
		}},
	{"publish-concurrency", "PORTAVOCE_PUBLISH_CONCURRENCY", "512", "how many network calls (a `number`) one server makes at once when many posts are due together",
		func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("publish-concurrency: %q is not a positive number", v)
			}
			c.PublishConcurrency = n
			return nil
		}},
	{"publish-lease", "PORTAVOCE_PUBLISH_LEASE", "30s", "how long (a `duration`) a server's claim on a post it is publishing lasts without renewal; if that server dies, another takes the post over after this and checks the network before any repeat",
		dur("publish-lease", func(c *Config) *time.Duration { return &c.PublishLease })},
	{"account-check-every", "PORTAVOCE_ACCOUNT_CHECK_EVERY", "30m", "how often (a `duration`) every connected account's access is verified, so that an expired one is shown before a post fails",
		dur("account-check-every", func(c *Config) *time.Duration { return &c.AccountCheckEvery })},
	{"inbox-poll-every", "PORTAVOCE_INBOX_POLL_EVERY", "1m", "how often (a `duration`) each connected account's replies, mentions and messages are fetched; Mastodon accounts also stream them live, and this is then the safety net",
		dur("inbox-poll-every", func(c *Config) *time.Duration { return &c.InboxPollEvery })},
	{"jetstream-url", "PORTAVOCE_JETSTREAM_URL", "", "the Bluesky Jetstream (`URL`, such as wss://jetstream2.us-east.bsky.network) that listening reads every public post from; empty: Bluesky is not listened to",
		func(c *Config, v string) error {
			if v != "" && !strings.HasPrefix(v, "wss://") && !strings.HasPrefix(v, "ws://") && !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://") {
				return fmt.Errorf("jetstream-url: %q must start with wss://", v)
			}
			c.JetstreamURL = v
			return nil
		}},
}

func urlSetting(name string, dst func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		if !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://") {
			return fmt.Errorf("%s: %q must start with https://", name, v)
		}
		*dst(c) = strings.TrimRight(v, "/")
		return nil
	}
}

// Load parses args (the flags after the subcommand) with getenv and the
// config file named by --config or PORTAVOCE_CONFIG. extra registers the
// subcommand's own flags on the same FlagSet. It returns the remaining
// arguments.
func Load(fs *flag.FlagSet, args []string, getenv func(string) string) (Config, []string, error) {
	flagValues := map[string]*flagValue{}
	for _, s := range Settings {
		v := &flagValue{isBool: s.Default == "false"}
		flagValues[s.Flag] = v
		fs.Var(v, s.Flag, s.Help+" (default "+quoteDefault(s.Default)+"; env "+s.Env+")")
	}
	configFile := fs.String("config", "", "config file with one \"name = value\" per line, names as the flags (env PORTAVOCE_CONFIG)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, nil, err
		}
		return Config{}, nil, &FlagError{Err: err}
	}
	setFlags := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { setFlags[f.Name] = true })

	var c Config
	// Defaults first, then the file, then the environment, then flags.
	for _, s := range Settings {
		if s.Default != "" && !strings.HasPrefix(s.Default, "<") {
			if err := s.set(&c, s.Default); err != nil {
				return c, nil, err
			}
		}
	}
	c.ConfigFile = *configFile
	if c.ConfigFile == "" {
		c.ConfigFile = getenv("PORTAVOCE_CONFIG")
	}
	if c.ConfigFile != "" {
		values, err := readFile(c.ConfigFile)
		if err != nil {
			return c, nil, err
		}
		for _, s := range Settings {
			if v, ok := values[s.Flag]; ok {
				if err := s.set(&c, v); err != nil {
					return c, nil, fmt.Errorf("%s: %w", c.ConfigFile, err)
				}
				delete(values, s.Flag)
			}
		}
		for k := range values {
			return c, nil, fmt.Errorf("%s: unknown setting %q (see portavoce serve --help)", c.ConfigFile, k)
		}
	}
	for _, s := range Settings {
		if v := getenv(s.Env); v != "" {
			if err := s.set(&c, v); err != nil {
				return c, nil, fmt.Errorf("%s: %w", s.Env, err)
			}
		}
	}
	for _, s := range Settings {
		if setFlags[s.Flag] {
			if err := s.set(&c, flagValues[s.Flag].value); err != nil {
				return c, nil, fmt.Errorf("--%w", err)
			}
		}
	}
	c.SecretKey = getenv("PORTAVOCE_SECRET_KEY")
	if c.SecretKeyFile == "" {
		c.SecretKeyFile = filepath.Join(c.Data, "secret.key")
	}
	if c.BaseURL != "" && !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") {
		return c, nil, fmt.Errorf("base-url: %q must start with https:// or http://", c.BaseURL)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	return c, fs.Args(), nil
}

// FlagError is a malformed command line (an unknown flag, a flag without its
// value); the flag package has already described it.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// flagValue holds a flag's text until the settings are applied in order of
// precedence. A setting whose default is "false" is a switch: --trust-proxy
// alone means true.
type flagValue struct {
	value  string
	isBool bool
}

func (v *flagValue) String() string     { return v.value }
func (v *flagValue) Set(s string) error { v.value = s; return nil }
func (v *flagValue) IsBoolFlag() bool   { return v.isBool }

func quoteDefault(d string) string {
	if d == "" {
		return "empty"
	}
	return d
}

func readFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	return parse(f, path)
}

func parse(r io.Reader, path string) (map[string]string, error) {
	values := map[string]string{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: write each setting as name = value", path, n)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		values[k] = v
	}
	return values, sc.Err()
}
